//! A customer: where carts are created.

use uuid::Uuid;

use super::{
    CartRef, OrderRef, Orders, SubscriptionRef, WithRequestId, checked, checked_cart, unconfirmed,
};
use crate::error::Unconfirmed;
use crate::pipeline::Sending;
use crate::types::Cart;
use crate::{Error, PartnerCenter};

/// A customer of the partner, by tenant id. Get one from [`PartnerCenter::customer`].
#[derive(Clone, Debug)]
pub struct Customer {
    pub(super) pc: PartnerCenter,
    id: String,
}

impl PartnerCenter {
    /// The customer with this tenant id (a GUID; checked when an operation is sent).
    pub fn customer(&self, customer_id: impl Into<String>) -> Customer {
        Customer::new(self.clone(), customer_id.into())
    }
}

impl Customer {
    pub(crate) fn new(pc: PartnerCenter, id: String) -> Self {
        Self { pc, id }
    }

    /// The customer's tenant id, as given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// One of the customer's carts (a GUID; checked when an operation is sent).
    pub fn cart(&self, cart_id: impl Into<String>) -> CartRef {
        CartRef::new(self.pc.clone(), self.id.clone(), cart_id.into())
    }

    /// One of the customer's orders, by the id a checkout's answer gives it.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// let placed = customer.cart("65faf57b-0205-47ee-92b3-08dcf233ea73").checkout().await?;
    /// for order in placed.orders() {
    ///     let order = customer.order(order.id()).get().await?;
    ///     println!("{:?}", order.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn order(&self, order_id: impl Into<String>) -> OrderRef {
        OrderRef::new(self.pc.clone(), self.id.clone(), order_id.into())
    }

    /// The customer's orders: [`list`](Orders::list) them, or
    /// [`wait_for`](Orders::wait_for) one to be listed.
    pub fn orders(&self) -> Orders {
        Orders::new(self.pc.clone(), self.id.clone())
    }

    /// One of the customer's subscriptions, by its id (an order line item's `subscriptionId`).
    pub fn subscription(&self, subscription_id: impl Into<String>) -> SubscriptionRef {
        SubscriptionRef::new(self.pc.clone(), self.id.clone(), subscription_id.into())
    }

    /// A [`create`](WithRequestId::create) sent with this `MS-RequestId` instead of a new one.
    /// The service treats a repeat with the same id as the same request, so a create replayed
    /// after a crash makes no second cart. The returned value is used up by the create.
    /// `None` sends it with a new id, as without this call.
    pub fn with_request_id(&self, request_id: impl Into<Option<Uuid>>) -> WithRequestId<Customer> {
        WithRequestId::new(self.clone(), request_id.into())
    }

    /// Creates a cart (`POST /v1/customers/{customer-id}/carts`) and returns it as the service
    /// made it, with its id, line item ids and timestamps.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing,
    /// if the customer id is not a GUID, the cart has no line items, or a line item has no
    /// `catalogItemId` or a quantity below 1.
    ///
    /// `Ok` means one cart was made. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may have made it: calling `create`
    /// again would make a second one; [`PartnerCenter::resend`] sends the same request again and
    /// learns which.
    ///
    /// # Errors
    ///
    /// As listed above; otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn create(&self, cart: &Cart) -> Result<Cart, Error> {
        self.create_with(cart.clone(), self.pc.sending(None)).await
    }

    pub(super) async fn create_with(&self, cart: Cart, sending: Sending) -> Result<Cart, Error> {
        const OP: &str = "createCart";
        let customer = checked(OP, "customer", &self.id)?;
        checked_cart(OP, &cart)?;
        let call = self.pc.begin(Some(sending));
        let result = call
            .api
            .create_cart()
            .customer_id(customer)
            .body(cart)
            .send()
            .await;
        call.kept
            .finish(result, |_: &Cart| None)
            .map_err(|e| unconfirmed(e, Unconfirmed::cart(&self.id, None)))
    }
}
