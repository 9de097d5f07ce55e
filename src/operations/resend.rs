//! A cart write whose outcome is unknown, sent again as the same request to learn it.

use super::{CartRef, Customer};
use crate::error::{Effect, Unconfirmed};
use crate::headers::OperationIds;
use crate::pipeline::Sending;
use crate::types::Cart;
use crate::{Error, PartnerCenter};

/// `error`, saying where a cart write was sent if its outcome is unknown.
pub(super) fn unconfirmed(error: Error, customer_id: &str, cart_id: Option<&str>) -> Error {
    if !error.outcome_unknown() || error.request_body().is_none() {
        return error;
    }
    error.with_unconfirmed(Unconfirmed {
        customer_id: customer_id.to_string(),
        cart_id: cart_id.map(str::to_string),
    })
}

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
    /// An error that is not a cart write's, or whose outcome is known, is refused with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing.
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
        let (Some(write), Some(body), Some(request_id)) = (
            error.unconfirmed(),
            error.request_body(),
            error.request_id(),
        ) else {
            return Err(Error::invalid_input(
                "nothing to send again: the error is not a cart write's whose outcome is unknown",
            ));
        };
        // The same request id and correlation id: the same request, in the same flow; and its
        // outcome stays unknown until the service judges it.
        // They were sent as headers once, so they can be again.
        let header = |id: &str| {
            http::HeaderValue::from_str(id)
                .map_err(|_| Error::invalid_input(format!("the id {id:?} cannot be sent again")))
        };
        let sending = Sending {
            ids: OperationIds {
                request_id: header(request_id)?,
                correlation_id: match error.correlation_id() {
                    Some(id) => header(id)?,
                    None => OperationIds::new(None, None).correlation_id,
                },
            },
            started: self.now(),
            prior: Effect::Unknown,
        };
        // The body as sent; it encodes back to the same bytes (this crate wrote them).
        let body: Cart = crate::json::from_slice(body)
            .map_err(|e| Error::invalid_input(format!("the body sent cannot be read back: {e}")))?;
        let customer = Customer::new(self.clone(), write.customer_id.clone());
        match &write.cart_id {
            None => customer.create_with(body, sending).await,
            Some(cart_id) => {
                let cart = CartRef::new(self.clone(), write.customer_id.clone(), cart_id.clone());
                cart.put_with(body, sending).await
            }
        }
    }
}
