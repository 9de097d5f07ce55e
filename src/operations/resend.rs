//! A write whose outcome is unknown, sent again as the same request to learn it.

use super::refs::{CartRef, Customer, OrderRef};
use crate::client::PartnerCenter;
use crate::error::{Effect, Error, Unconfirmed};
use crate::ids::OperationIds;
use crate::pipeline::Sending;
use crate::types::{Cart, Order};

impl PartnerCenter {
    /// Sends again, as the same request, the cart write whose outcome `error` left unknown
    /// ([`Error::outcome_unknown`]): the create, put or `modify`'s PUT, with the same
    /// `MS-RequestId`, body and `If-Match`. The service answers a repeat of a request with its
    /// first answer, so:
    ///
    /// - `Ok` means the change was made exactly once, by the first sending or by this one;
    /// - an error with [`Effect::None`](crate::error::Effect::None) means it was not made, and
    ///   will not be: it is safe to start over (to call `modify` again, say);
    /// - an error whose outcome is unknown again means the service still did not answer: call
    ///   `resend` with that error, later.
    ///
    /// An order's change is sent again with [`resend_order`](Self::resend_order).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for an error
    /// that is not a cart write's whose outcome is unknown; otherwise the write's own, read as
    /// above.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter, e: partner_center_carts::Error) -> Result<(), partner_center_carts::Error> {
    /// if e.outcome_unknown() {
    ///     let cart = pc.resend(&e).await?; // the change is in, exactly once
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resend(&self, error: &Error) -> Result<Cart, Error> {
        let Some(Unconfirmed::Cart {
            customer_id,
            cart_id,
        }) = error.unconfirmed()
        else {
            return Err(nothing_to_send("a cart write's"));
        };
        let (sending, body) = self.again(error)?;
        let customer = Customer::new(self.clone(), customer_id.clone());
        match cart_id {
            None => customer.create_with(body, sending).await,
            Some(cart_id) => {
                let cart = CartRef::new(self.clone(), customer_id.clone(), cart_id.clone());
                cart.put_with(body, sending).await
            }
        }
    }

    /// Sends again, as the same request, the change of an order
    /// ([`OrderRef::update`] or [`OrderRef::cancel`]) whose outcome `error` left unknown; what
    /// the result means is as for [`resend`](Self::resend).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for an error
    /// that is not an order change's whose outcome is unknown; otherwise the change's own.
    pub async fn resend_order(&self, error: &Error) -> Result<Order, Error> {
        let Some(Unconfirmed::Order {
            customer_id,
            order_id,
        }) = error.unconfirmed()
        else {
            return Err(nothing_to_send("an order change's"));
        };
        let (sending, body) = self.again(error)?;
        OrderRef::new(self.clone(), customer_id.clone(), order_id.clone())
            .update_with(body, sending)
            .await
    }

    /// How to send again the write `error` left unknown, and its body as sent.
    fn again<T: serde::de::DeserializeOwned>(&self, error: &Error) -> Result<(Sending, T), Error> {
        let (Some(body), Some(request_id)) = (error.request_body(), error.request_id()) else {
            return Err(nothing_to_send("a write's"));
        };
        // The same request id and correlation id: the same request, in the same flow; and its
        // outcome stays unknown until the service judges it.
        let sending = Sending {
            ids: OperationIds::new(Some(request_id), error.correlation_id()),
            prior: Effect::Unknown,
            ..self.sending(None)
        };
        // The body as sent; it encodes back to the same bytes (this crate wrote them).
        let body = crate::json::from_slice(body)
            .map_err(|e| Error::invalid_input(format!("the body sent cannot be read back: {e}")))?;
        Ok((sending, body))
    }
}

/// The error for a resend of something that is not `what` write whose outcome is unknown.
fn nothing_to_send(what: &str) -> Error {
    Error::invalid_input(format!(
        "nothing to send again: the error is not {what} whose outcome is unknown"
    ))
}
