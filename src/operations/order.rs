//! One order: get it, read its provisioning status, wait for provisioning to end.

use std::time::Duration;

use super::checked;
use crate::error::{Effect, Mismatch, StillProvisioning};
use crate::types::{Order, OrderProvisioningStatuses};
use crate::{Error, ErrorKind, PartnerCenter};

/// What the service answers a provisioning status asked with an app-only token with.
const NEEDS_USER: &str = "the provisioning status is answered to app+user tokens only (a \
     RefreshToken provider, or a user's token), not to app-only ones (ClientCredentials)";

/// One of a customer's orders. Get one from [`Customer::order`](crate::Customer::order), with
/// an id from a checkout's answer.
#[derive(Clone, Debug)]
pub struct OrderRef {
    pc: PartnerCenter,
    customer_id: String,
    order_id: String,
}

impl OrderRef {
    /// The first wait between two polls of [`OrderRef::wait_until_provisioned`], and the
    /// shortest: the throttling guidance warns against polling continuously.
    pub const POLL_FLOOR: Duration = Duration::from_secs(2);

    /// The longest wait between two polls of [`OrderRef::wait_until_provisioned`].
    pub const POLL_CEILING: Duration = Duration::from_secs(60);

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

    /// Gets the order (`GET /v1/customers/{customer-id}/orders/{order-id}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when the
    /// customer id is not a GUID or the order id not an order id; a 404
    /// ([`Error::is_not_found`]) for an order the service does not know (a new one can take
    /// minutes to appear); otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn get(&self) -> Result<Order, Error> {
        let (customer, order) = self.checked_ids("getOrder")?;
        let call = self.pc.begin(None);
        let result = call
            .api
            .get_order()
            .customer_id(customer)
            .order_id(&order)
            .send()
            .await;
        call.kept
            .finish(result, |answer: &Order| match answer.id.as_deref() {
                Some(id) if !id.eq_ignore_ascii_case(&order) => {
                    Some(ErrorKind::Mismatch(Mismatch::new(format!(
                        "the service answered with order {id} for order {order}"
                    ))))
                }
                _ => None,
            })
    }

    /// How far each line item of the order has been provisioned
    /// (`GET /v1/customers/{customer-id}/orders/{order-id}/provisioningstatus`). The service
    /// answers this to app+user tokens only: a 401 or 403 says so.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s; a 401 or 403 with an app-only token.
    pub async fn provisioning_status(&self) -> Result<OrderProvisioningStatuses, Error> {
        let (customer, order) = self.checked_ids("getOrderProvisioningStatus")?;
        let call = self.pc.begin(None);
        let result = call
            .api
            .get_order_provisioning_status()
            .customer_id(customer)
            .order_id(order)
            .send()
            .await;
        call.kept
            .finish(result, |_: &OrderProvisioningStatuses| None)
            .map_err(|e| match e.status() {
                Some(401 | 403) => e.with_hint(NEEDS_USER),
                _ => e,
            })
    }

    /// Polls the provisioning status until provisioning has ended for every line item
    /// (fulfilled or not), and returns that last status: check
    /// [`is_fulfilled`](OrderProvisioningStatuses::is_fulfilled) and
    /// [`unfulfilled`](OrderProvisioningStatuses::unfulfilled).
    ///
    /// Between polls it waits [`Self::POLL_FLOOR`] (2 s) at first, doubling up to
    /// [`Self::POLL_CEILING`] (60 s): never faster, as the throttling guidance asks. Each poll
    /// is an operation of its own, retried and throttled as any other. When provisioning has not
    /// ended after `max_wait`, it fails with [`ErrorKind::StillProvisioning`], which holds the
    /// last status; any other failed poll ends it with that poll's error.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StillProvisioning`] when `max_wait` ran out first; otherwise the failed
    /// poll's error, as [`provisioning_status`](Self::provisioning_status)'s.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// use std::time::Duration;
    ///
    /// let order = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d").order("f76c6b7f449d");
    /// let status = order.wait_until_provisioned(Duration::from_secs(600)).await?;
    /// if !status.is_fulfilled() {
    ///     eprintln!("{} line items were not fulfilled", status.unfulfilled().count());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_provisioned(
        &self,
        max_wait: Duration,
    ) -> Result<OrderProvisioningStatuses, Error> {
        self.wait_until_provisioned_with(max_wait, |_, _| {}).await
    }

    /// [`wait_until_provisioned`](Self::wait_until_provisioned), telling `progress` after
    /// each poll that found provisioning still under way: the status, and how long until the
    /// next poll. For a progress display.
    ///
    /// # Errors
    ///
    /// As [`wait_until_provisioned`](Self::wait_until_provisioned)'s.
    pub async fn wait_until_provisioned_with(
        &self,
        max_wait: Duration,
        mut progress: impl FnMut(&OrderProvisioningStatuses, Duration),
    ) -> Result<OrderProvisioningStatuses, Error> {
        let clock = &self.pc.shared.clock;
        let started = clock.now();
        let mut wait = Self::POLL_FLOOR;
        let mut polls = 0u32;
        loop {
            let status = self.provisioning_status().await?;
            polls += 1;
            if status.is_final() {
                return Ok(status);
            }
            let waited = clock.now().saturating_duration_since(started);
            if waited.saturating_add(wait) > max_wait {
                return Err(
                    Error::new(ErrorKind::StillProvisioning(StillProvisioning::new(
                        waited, polls, status,
                    )))
                    .named("getOrderProvisioningStatus")
                    .with_effect(Effect::None),
                );
            }
            tracing::debug!(
                order = %self.order_id,
                pending = status.pending().count(),
                wait_ms = wait.as_millis() as u64,
                "the order is still provisioning"
            );
            progress(&status, wait);
            clock.sleep(wait).await;
            wait = wait.saturating_mul(2).min(Self::POLL_CEILING);
        }
    }

    fn checked_ids(&self, operation: &'static str) -> Result<(String, String), Error> {
        let customer = checked(operation, "customer", &self.customer_id)?;
        let order = crate::validate::order_id(&self.order_id)
            .map_err(|e| Error::from(e).named(operation))?;
        Ok((customer, order))
    }
}
