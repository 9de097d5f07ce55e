//! One cart: get and put. Checking out is in `checkout.rs`, get-modify-put in `modify.rs`.

use uuid::Uuid;

use super::Answer;
use super::{Customer, WithRequestId, checked, checked_cart, unconfirmed};
use crate::error::Unconfirmed;
use crate::pipeline::Sending;
use crate::types::Cart;
use crate::{Error, PartnerCenter};

/// One of a customer's carts. Get one from [`Customer::cart`](crate::Customer::cart).
#[derive(Clone, Debug)]
pub struct CartRef {
    pub(super) pc: PartnerCenter,
    customer_id: String,
    cart_id: String,
}

impl CartRef {
    pub(crate) fn new(pc: PartnerCenter, customer_id: String, cart_id: String) -> Self {
        Self {
            pc,
            customer_id,
            cart_id,
        }
    }

    /// The customer's tenant id, as given.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The customer whose cart this is.
    pub fn customer(&self) -> Customer {
        Customer::new(self.pc.clone(), self.customer_id.clone())
    }

    /// The cart's id, as given.
    pub fn id(&self) -> &str {
        &self.cart_id
    }

    /// One operation on this cart, sent with this `MS-RequestId` instead of a new one (for
    /// `modify`, its first PUT). The service treats a repeat with the same id as the same
    /// request: keep the id of a checkout before sending it, and a checkout replayed after a
    /// crash places nothing twice. The returned value is used up by its operation, so the id
    /// can never go on a second, different one.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let request_id = uuid::Uuid::new_v4(); // stored before sending
    /// let cart = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73");
    /// let result = cart.with_request_id(request_id).checkout().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// It takes an `Option<Uuid>` too: `None` sends the operation with a new id, as without
    /// this call, so an id that may or may not have been given needs no `match`.
    pub fn with_request_id(&self, request_id: impl Into<Option<Uuid>>) -> WithRequestId<CartRef> {
        WithRequestId::new(self.clone(), request_id.into())
    }

    /// Gets the cart (`GET /v1/customers/{customer-id}/carts/{cart-id}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when an id is
    /// not a GUID; a 404 ([`Error::is_not_found`]) for a cart the service does not know or that
    /// expired; otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn get(&self) -> Result<Cart, Error> {
        self.get_with(self.pc.sending(None)).await
    }

    /// Replaces the cart with `cart` (`PUT /v1/customers/{customer-id}/carts/{cart-id}`) and
    /// returns the service's answer. Send the whole cart as read: what it leaves out is not
    /// kept. When `cart` carries an etag (`attributes.etag`) it is sent as `If-Match`: no cart
    /// page documents etags or a 412, so this is a precaution of this crate's, which refuses
    /// the change if a service that honours it finds the cart changed since.
    ///
    /// `Ok` means the cart was replaced, once. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may or may not have replaced it:
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends the same request again and
    /// learns which.
    ///
    /// To change a cart without losing concurrent changes, use [`modify`](Self::modify).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when an id is
    /// not a GUID or the cart is not one the service could take; a 412
    /// ([`Error::is_conflict`]) when the etag no longer matches; otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn put(&self, cart: &Cart) -> Result<Cart, Error> {
        self.put_with(cart.clone(), self.pc.sending(None)).await
    }

    pub(super) async fn get_with(&self, sending: Sending) -> Result<Cart, Error> {
        let (customer, cart) = self.checked_ids("getCart")?;
        let call = self.pc.begin(Some(sending));
        let result = call
            .api
            .get_cart()
            .customer_id(customer)
            .cart_id(&cart)
            .send()
            .await;
        call.kept
            .finish(result, |answer: &Cart| answer.refusal(Some(&cart)))
    }

    pub(super) async fn put_with(&self, body: Cart, sending: Sending) -> Result<Cart, Error> {
        const OP: &str = "updateCart";
        let (customer, cart) = self.checked_ids(OP)?;
        checked_cart(OP, &body)?;
        // The cart's etag, as a precaution: no cart page documents one.
        let etag = body.attributes.as_ref().and_then(|a| a.etag.clone());
        let call = self.pc.begin(Some(sending));
        let mut put = call
            .api
            .update_cart()
            .customer_id(customer)
            .cart_id(&cart)
            .body(body);
        if let Some(etag) = etag {
            put = put.if_match(etag);
        }
        let result = put.send().await;
        call.kept
            .finish(result, |answer: &Cart| answer.refusal(Some(&cart)))
            .map_err(|e| unconfirmed(e, Unconfirmed::cart(&self.customer_id, Some(&self.cart_id))))
    }

    pub(super) fn checked_ids(&self, operation: &'static str) -> Result<(String, String), Error> {
        Ok((
            checked(operation, "customer", &self.customer_id)?,
            checked(operation, "cart", &self.cart_id)?,
        ))
    }
}
