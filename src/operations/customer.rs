//! A customer: where carts are created.

use super::checks::{checked, checked_cart};
use super::refs::Customer;
use crate::error::{Error, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::pipeline::Sending;
use crate::types::Cart;

impl Customer {
    /// Creates a cart (`POST /v1/customers/{customer-id}/carts`) and returns it as the service
    /// made it, with its id, line item ids and timestamps.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing,
    /// if the customer id is not a GUID, the cart has no line items, or a line item has no
    /// `catalogItemId` or a quantity below 1.
    ///
    /// `Ok` means one cart was made. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may have made it: calling `create`
    /// again would make a second one; [`PartnerCenter::resend`](crate::PartnerCenter::resend)
    /// sends the same request again and learns which.
    ///
    /// # Errors
    ///
    /// As listed above; otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn create(&self, cart: &Cart) -> Result<Cart, Error> {
        self.create_with(cart.clone(), self.pc.sending(None)).await
    }

    pub(super) async fn create_with(&self, cart: Cart, sending: Sending) -> Result<Cart, Error> {
        const OP: Operation = Operation::CreateCart;
        let customer = checked(OP, "customer", &self.id)?;
        checked_cart(OP, &cart)?;
        let send = async |api: &Client| {
            let create = api.create_cart().customer_id(&customer);
            create.body(cart).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
            .map_err(|e| e.unconfirmed_at(Unconfirmed::cart(&self.id, None)))
    }
}
