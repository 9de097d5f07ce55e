//! A customer's orders: listed, and waited for until one appears in the list.

use std::ops::ControlFlow;
use std::time::Duration;

use super::checks::checked;
use super::poll;
use crate::client::PartnerCenter;
use crate::error::{Effect, Error, ErrorKind, NotYetListed};
use crate::generated::{Client, Operation};
use crate::types::{Order, OrderCollection};

/// A customer's orders, as a query: what to list, then [`list`](Self::list) or
/// [`wait_for`](Self::wait_for). Get one from [`Customer::orders`](crate::Customer::orders).
///
/// ```no_run
/// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
/// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
/// let orders = customer.orders().billing_type("license").include_price().list().await?;
/// for order in orders.orders() {
///     println!("{} {:?} {:?}", order.id(), order.status, order.total_price);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Orders {
    pc: PartnerCenter,
    customer_id: String,
    billing_type: Option<String>,
    include_price: bool,
    indirect_reseller_id: Option<String>,
    include_system_purchases: bool,
}

impl Orders {
    pub(crate) fn new(pc: PartnerCenter, customer_id: String) -> Self {
        Self {
            pc,
            customer_id,
            billing_type: None,
            include_price: false,
            indirect_reseller_id: None,
            include_system_purchases: false,
        }
    }

    /// Only the orders of this billing type (`billingType`: `license` or `usage`).
    pub fn billing_type(mut self, billing_type: impl Into<String>) -> Self {
        self.billing_type = Some(billing_type.into());
        self
    }

    /// With the line items' prices (`include_price=true`).
    pub fn include_price(mut self) -> Self {
        self.include_price = true;
        self
    }

    /// Only the orders placed through this indirect reseller (its MPN id).
    pub fn indirect_reseller(mut self, mpn_id: impl Into<String>) -> Self {
        self.indirect_reseller_id = Some(mpn_id.into());
        self
    }

    /// With the orders the system placed (renewals, for example) too.
    pub fn include_system_purchases(mut self) -> Self {
        self.include_system_purchases = true;
        self
    }

    /// Lists the orders (`GET /v1/customers/{customer-id}/orders`). An order can take up to 15
    /// minutes to appear here after it was placed: to wait for one, use
    /// [`wait_for`](Self::wait_for).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, when the customer id is not a GUID;
    /// otherwise the operation's own, as [`Error`] describes them.
    pub async fn list(&self) -> Result<OrderCollection, Error> {
        let customer = checked(Operation::ListOrders, "customer", &self.customer_id)?;
        let send = async |api: &Client| {
            let mut request = api.list_orders().customer_id(&customer);
            if let Some(billing_type) = &self.billing_type {
                request = request.billing_type(billing_type.as_str());
            }
            if self.include_price {
                request = request.include_price(true);
            }
            if let Some(reseller) = &self.indirect_reseller_id {
                request = request.indirect_reseller_id(reseller.as_str());
            }
            if self.include_system_purchases {
                request = request.include_system_purchases(true);
            }
            request.send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// Lists the orders until one for which `wanted` is true appears, and returns it: an order
    /// can take up to 15 minutes to be listed after it was placed. Between lists it waits
    /// [`OrderRef::POLL_FLOOR`](crate::OrderRef::POLL_FLOOR) at first, doubling up to
    /// [`OrderRef::POLL_CEILING`](crate::OrderRef::POLL_CEILING), as the throttling guidance
    /// asks; each list is an operation of its own, retried and throttled as any other.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// use std::time::Duration;
    ///
    /// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// let listed = customer
    ///     .orders()
    ///     .wait_for(Duration::from_secs(900), |order| order.id() == "f76c6b7f449d")
    ///     .await?;
    /// # let _ = listed; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotYetListed`] when `max_wait` ran out first; otherwise the failed list's
    /// error, as [`list`](Self::list)'s.
    pub async fn wait_for(
        &self,
        max_wait: Duration,
        mut wanted: impl FnMut(&Order) -> bool,
    ) -> Result<Order, Error> {
        let waited = poll::until(
            &self.pc,
            max_wait,
            async || self.list().await,
            |listed| match listed.orders().iter().find(|o| wanted(o)) {
                Some(order) => ControlFlow::Break(order.clone()),
                None => ControlFlow::Continue(listed),
            },
            |_, wait| {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "the order is not listed yet"
                );
            },
        )
        .await?;
        waited.map_err(|ran_out| {
            Error::new(ErrorKind::NotYetListed(NotYetListed::new(
                ran_out.waited,
                ran_out.asks,
            )))
            .named(Operation::ListOrders)
            .with_effect(Effect::None)
        })
    }
}
