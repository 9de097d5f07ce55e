//! The resources operations are sent to, and the ways from one to another:
//! `pc.customer(id)`, `customer.cart(id)`, `.order(id)`, `.orders()`, `.subscription(id)`,
//! `cart.customer()`, and `with_request_id` on each resource a write goes to. What each operation does
//! is in the file named for it; these only say where it goes.

use super::orders::Orders;
use super::subscription::SubscriptionRef;
use crate::client::PartnerCenter;
use crate::ids::RequestId;

/// A customer of the partner, by tenant id. Get one from [`PartnerCenter::customer`].
#[derive(Clone, Debug)]
pub struct Customer {
    pub(super) pc: PartnerCenter,
    pub(super) id: String,
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

    /// A [`create`](WithRequestId::create) or an agreement's
    /// [`confirm_agreement`](WithRequestId::confirm_agreement) sent with this `MS-RequestId`
    /// instead of a new one. The service treats a repeat with the same id as the same request,
    /// so a create replayed after a crash makes no second cart. The returned value is used up
    /// by the write.
    /// `None` sends it with a new id, as without this call.
    pub fn with_request_id(
        &self,
        request_id: impl Into<Option<RequestId>>,
    ) -> WithRequestId<Customer> {
        WithRequestId::new(self.clone(), request_id.into())
    }
}

/// One of a customer's carts. Get one from [`Customer::cart`](crate::Customer::cart).
#[derive(Clone, Debug)]
pub struct CartRef {
    pub(super) pc: PartnerCenter,
    pub(super) customer_id: String,
    pub(super) cart_id: String,
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
    /// let request_id = partner_center_carts::RequestId::new(); // stored before sending
    /// let cart = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73");
    /// let result = cart.with_request_id(request_id).checkout().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// It takes an `Option<RequestId>` too: `None` sends the operation with a new id, as
    /// without this call, so an id that may or may not have been given needs no `match`.
    pub fn with_request_id(
        &self,
        request_id: impl Into<Option<RequestId>>,
    ) -> WithRequestId<CartRef> {
        WithRequestId::new(self.clone(), request_id.into())
    }
}

/// One of a customer's orders. Get one from [`Customer::order`](crate::Customer::order), with
/// an id from a checkout's answer.
#[derive(Clone, Debug)]
pub struct OrderRef {
    pub(super) pc: PartnerCenter,
    pub(super) customer_id: String,
    pub(super) order_id: String,
}

impl OrderRef {
    pub(crate) fn new(pc: PartnerCenter, customer_id: String, order_id: String) -> Self {
        Self {
            pc,
            customer_id,
            order_id,
        }
    }

    /// The order's id, as given.
    pub fn id(&self) -> &str {
        &self.order_id
    }

    /// A change of the order ([`update`](WithRequestId::update), an add-on, or
    /// [`cancel`](WithRequestId::cancel)) sent with this `MS-RequestId` instead of a new one:
    /// keep the id before sending, and an add-on replayed after a crash is bought once.
    /// `None` sends it with a new id, as without this call.
    pub fn with_request_id(
        &self,
        request_id: impl Into<Option<RequestId>>,
    ) -> WithRequestId<OrderRef> {
        WithRequestId::new(self.clone(), request_id.into())
    }
}

impl SubscriptionRef {
    /// A change of the subscription ([`modify`](WithRequestId::modify) and the setters,
    /// [`cancel`](WithRequestId::cancel), [`transition`](WithRequestId::transition)) sent with
    /// this `MS-RequestId` instead of a new one: replayed after a crash, it is made once.
    /// `None` sends it with a new id, as without this call.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let request_id = partner_center_carts::RequestId::new(); // stored before sending
    /// let subscription = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .subscription("ebc0beef-7ffb-4044-c074-16f324432139");
    /// let cancelled = subscription.with_request_id(request_id).cancel().await?;
    /// # let _ = cancelled; Ok(()) }
    /// ```
    pub fn with_request_id(
        &self,
        request_id: impl Into<Option<RequestId>>,
    ) -> WithRequestId<SubscriptionRef> {
        WithRequestId::new(self.clone(), request_id.into())
    }
}

/// One operation, sent with an `MS-RequestId` the caller chose (or, given `None`, a new one as
/// usual): from `with_request_id` on a [`Customer`] (create, an agreement's confirmation), a
/// [`CartRef`] (put, modify, checkout), an [`OrderRef`] (update, cancel) or a
/// [`SubscriptionRef`] (modify, cancel, transition): every write of the crate.
///
/// Every method takes it by value, and it cannot be cloned: the id goes on exactly one
/// operation, and another operation on the same cart gets a new one, as the service requires.
#[derive(Debug)]
pub struct WithRequestId<T> {
    pub(super) target: T,
    pub(super) request_id: Option<RequestId>,
}

impl<T> WithRequestId<T> {
    pub(super) fn new(target: T, request_id: Option<RequestId>) -> Self {
        Self { target, request_id }
    }

    /// The request id it will send, if the caller chose one.
    pub fn request_id(&self) -> Option<RequestId> {
        self.request_id
    }
}
