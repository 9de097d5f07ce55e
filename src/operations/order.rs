//! One order: get it, change or cancel it, read its provisioning status and wait for
//! provisioning to end, and what it produced: activation links and subscriptions.

use std::ops::ControlFlow;
use std::time::Duration;

use super::checks::{answered_for, checked};
use super::poll;
use super::refs::OrderRef;
use crate::error::{Effect, Error, ErrorKind, StillProvisioning, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::pipeline::Sending;
use crate::types::{ActivationLinks, Order, OrderProvisioningStatuses, SubscriptionCollection};

/// What the service answers a provisioning status asked with an app-only token with.
const NEEDS_USER: &str = "the provisioning status is answered to app+user tokens only (a \
     RefreshToken provider, or a user's token), not to app-only ones (ClientCredentials)";

impl OrderRef {
    /// The first wait between two polls of [`OrderRef::wait_until_provisioned`] (and of
    /// [`Orders::wait_for`](crate::Orders::wait_for)), and the shortest: the throttling
    /// guidance warns against polling continuously.
    pub const POLL_FLOOR: Duration = poll::FLOOR;

    /// The longest wait between two polls.
    pub const POLL_CEILING: Duration = poll::CEILING;

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
        self.get_with(false).await
    }

    /// [`get`](Self::get), with the line items' prices (`include_price=true`).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn get_with_prices(&self) -> Result<Order, Error> {
        self.get_with(true).await
    }

    async fn get_with(&self, include_price: bool) -> Result<Order, Error> {
        let (customer, order) = self.checked_ids(Operation::GetOrder)?;
        let send = async |api: &Client| {
            let mut request = api.get_order().customer_id(&customer).order_id(&order);
            if include_price {
                request = request.include_price(true);
            }
            request.send().await
        };
        let check = |answer: &Order| answered_for("order", answer.id.as_deref(), &order);
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, check).await
    }

    /// Changes the order (`PATCH /v1/customers/{customer-id}/orders/{order-id}`, the target of
    /// its `links.patchOperation`) with `change`, which holds what changes; returns the order
    /// as changed. Its documented uses are [`cancel`](Self::cancel) and buying an add-on to an
    /// existing subscription: a line item whose `parentSubscriptionId` names it.
    ///
    /// `Ok` means the change was made, once. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may or may not have made it:
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends the same request
    /// again and learns which.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::types::{Order, OrderLineItem};
    ///
    /// let order = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d").order("f76c6b7f449d");
    /// let add_on = Order {
    ///     line_items: Some(vec![OrderLineItem {
    ///         offer_id: Some("CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN".into()),
    ///         parent_subscription_id: Some("ebc0beef-7ffb-4044-c074-16f324432139".into()),
    ///         quantity: Some(2),
    ///         ..Default::default()
    ///     }]),
    ///     ..Default::default()
    /// };
    /// let changed = order.update(&add_on).await?;
    /// # let _ = changed; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, when an id is not one; a 400 when the
    /// service refuses the change (a cancellation it does not allow, an add-on to a
    /// subscription it does not know); otherwise the operation's own, as [`Error`] describes
    /// them.
    pub async fn update(&self, change: &Order) -> Result<Order, Error> {
        self.update_with(change.clone(), self.pc.sending(None))
            .await
    }

    pub(super) async fn update_with(
        &self,
        change: Order,
        sending: Sending,
    ) -> Result<Order, Error> {
        let (customer, order) = self.checked_ids(Operation::UpdateOrder)?;
        let change = Order {
            id: Some(change.id.unwrap_or_else(|| order.clone())),
            ..change
        };
        let send = async |api: &Client| {
            let update = api.update_order().customer_id(&customer).order_id(&order);
            update.body(change).send().await
        };
        let check = |answer: &Order| answered_for("order", answer.id.as_deref(), &order);
        self.pc
            .invoke(sending.for_customer(&customer), send, check)
            .await
            .map_err(|e| e.unconfirmed_at(Unconfirmed::order(&self.customer_id, &self.order_id)))
    }

    /// Cancels the order: [`update`](Self::update) with `status` `cancelled`. The service allows
    /// it for an integration sandbox's reservations and perpetual software, within 60 days of
    /// the purchase; new-commerce, marketplace and Azure plan purchases are cancelled through
    /// their subscriptions instead, and the service refuses them here (a 400).
    ///
    /// # Errors
    ///
    /// As [`update`](Self::update)'s.
    pub async fn cancel(&self) -> Result<Order, Error> {
        self.update_with(Self::cancellation(), self.pc.sending(None))
            .await
    }

    /// The change that cancels an order.
    pub(super) fn cancellation() -> Order {
        Order {
            status: Some(Order::STATUS_CANCELLED.to_string()),
            ..Default::default()
        }
    }

    /// The links that activate what the order's line items bought
    /// (`GET /v1/customers/{customer-id}/orders/{order-id}/activationlinks`): one per line item
    /// that has one.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn activation_links(&self) -> Result<ActivationLinks, Error> {
        let (customer, order) = self.checked_ids(Operation::GetOrderActivationLinks)?;
        let send = async |api: &Client| {
            let get = api.get_order_activation_links();
            get.customer_id(&customer).order_id(&order).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// The activation link of one line item, by its `lineItemNumber`
    /// (`GET .../orders/{order-id}/lineitems/{line-item-number}/activationlinks`), in a
    /// collection: empty when the line item has none.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn line_item_activation_links(
        &self,
        line_item_number: i32,
    ) -> Result<ActivationLinks, Error> {
        const OP: Operation = Operation::GetOrderLineItemActivationLinks;
        let (customer, order) = self.checked_ids(OP)?;
        if line_item_number < 0 {
            return Err(Error::invalid_input(format!(
                "line item number {line_item_number} is below 0"
            ))
            .named(OP));
        }
        let send = async |api: &Client| {
            let get = api.get_order_line_item_activation_links();
            let get = get.customer_id(&customer).order_id(&order);
            get.line_item_number(line_item_number).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// The subscriptions the order created
    /// (`GET /v1/customers/{customer-id}/subscriptions?order_id={order-id}`): one per line item
    /// provisioned.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn subscriptions(&self) -> Result<SubscriptionCollection, Error> {
        let (customer, order) = self.checked_ids(Operation::ListSubscriptionsByOrder)?;
        let send = async |api: &Client| {
            let list = api.list_subscriptions_by_order();
            list.customer_id(&customer).order_id(&order).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// How far each line item of the order has been provisioned
    /// (`GET /v1/customers/{customer-id}/orders/{order-id}/provisioningstatus`). The service
    /// answers this to app+user tokens only: a 401 or 403 says so.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s; a 401 or 403 with an app-only token.
    pub async fn provisioning_status(&self) -> Result<OrderProvisioningStatuses, Error> {
        let (customer, order) = self.checked_ids(Operation::GetOrderProvisioningStatus)?;
        let send = async |api: &Client| {
            let get = api.get_order_provisioning_status();
            get.customer_id(&customer).order_id(&order).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc
            .invoke(sending, send, |_| None)
            .await
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
        let order = &self.order_id;
        let waited = poll::until(
            &self.pc,
            max_wait,
            async || self.provisioning_status().await,
            |status| match status.is_final() {
                true => ControlFlow::Break(status),
                false => ControlFlow::Continue(status),
            },
            |status, wait| {
                tracing::debug!(
                    %order,
                    pending = status.pending().count(),
                    wait_ms = wait.as_millis() as u64,
                    "the order is still provisioning"
                );
                progress(status, wait);
            },
        )
        .await?;
        waited.map_err(|ran_out| {
            Error::new(ErrorKind::StillProvisioning(StillProvisioning::new(
                ran_out.waited,
                ran_out.asks,
                ran_out.last,
            )))
            .named(Operation::GetOrderProvisioningStatus)
            .with_effect(Effect::None)
        })
    }

    fn checked_ids(&self, operation: Operation) -> Result<(String, String), Error> {
        let customer = checked(operation, "customer", &self.customer_id)?;
        let order = crate::validate::order_id(&self.order_id)
            .map_err(|e| Error::from(e).named(operation))?;
        Ok((customer, order))
    }
}
