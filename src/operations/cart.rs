//! One cart: get and put. Checking out is in `checkout.rs`, get-modify-put in `modify.rs`.

use super::checks::{Answer, checked, checked_cart};
use super::refs::CartRef;
use crate::error::{Error, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::pipeline::Sending;
use crate::types::Cart;

impl CartRef {
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
        let (customer, cart) = self.checked_ids(Operation::GetCart)?;
        let send = async |api: &Client| {
            let get = api.get_cart().customer_id(&customer).cart_id(&cart);
            get.send().await
        };
        let check = |answer: &Cart| answer.refusal(Some(&cart));
        self.pc
            .invoke(sending.for_customer(&customer), send, check)
            .await
    }

    pub(super) async fn put_with(&self, body: Cart, sending: Sending) -> Result<Cart, Error> {
        const OP: Operation = Operation::UpdateCart;
        let (customer, cart) = self.checked_ids(OP)?;
        checked_cart(OP, &body)?;
        // The cart's etag, as a precaution: no cart page documents one.
        let etag = body.attributes.as_ref().and_then(|a| a.etag.clone());
        let send = async |api: &Client| {
            let mut put = api.update_cart().customer_id(&customer).cart_id(&cart);
            if let Some(etag) = etag {
                put = put.if_match(etag);
            }
            put.body(body).send().await
        };
        let check = |answer: &Cart| answer.refusal(Some(&cart));
        self.pc
            .invoke(sending.for_customer(&customer), send, check)
            .await
            .map_err(|e| {
                e.unconfirmed_at(Unconfirmed::cart(&self.customer_id, Some(&self.cart_id)))
            })
    }

    pub(super) fn checked_ids(&self, operation: Operation) -> Result<(String, String), Error> {
        Ok((
            checked(operation, "customer", &self.customer_id)?,
            checked(operation, "cart", &self.cart_id)?,
        ))
    }
}
