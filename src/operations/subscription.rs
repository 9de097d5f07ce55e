//! One subscription: read it, change it within its cancellation window, transition it to
//! another product, and how far it has been provisioned.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::checks::{answered_for, checked};
use super::window;
use crate::client::PartnerCenter;
use crate::error::{Error, ErrorKind, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::ids::{OperationIds, RequestId};
use crate::pipeline::Sending;
use crate::types::{
    Subscription, SubscriptionProvisioningStatus, Transition, TransitionCollection,
    TransitionEligibilityCollection,
};

/// One of a customer's subscriptions, by its id (an order line item's `subscriptionId`). Get
/// one from [`Customer::subscription`](crate::Customer::subscription); the subscriptions an
/// order created are listed by [`OrderRef::subscriptions`](crate::OrderRef::subscriptions).
///
/// A purchase made in error is undone within its cancellation window (7 days for new
/// commerce): [`set_quantity`](Self::set_quantity) gives seats back, [`cancel`](Self::cancel)
/// all of them; past the window, or beyond the seats it still allows, as the subscription says
/// them, the change is refused before it is sent ([`ErrorKind::WindowClosed`]).
///
/// ```no_run
/// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
/// let subscription = pc
///     .customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
///     .subscription("ebc0beef-7ffb-4044-c074-16f324432139");
/// let read = subscription.get().await?;
/// println!("{:?} seats can be given back until {:?}",
///     read.refundable_at(chrono::Utc::now()), read.refundable_until());
/// let reduced = subscription.set_quantity(3).await?;
/// # let _ = reduced; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SubscriptionRef {
    pub(super) pc: PartnerCenter,
    pub(super) customer_id: String,
    pub(super) subscription_id: String,
}

impl SubscriptionRef {
    pub(crate) fn new(pc: PartnerCenter, customer_id: String, subscription_id: String) -> Self {
        Self {
            pc,
            customer_id,
            subscription_id,
        }
    }

    /// The subscription's id, as given.
    pub fn id(&self) -> &str {
        &self.subscription_id
    }

    /// Gets the subscription
    /// (`GET /v1/customers/{customer-id}/subscriptions/{subscription-id}`), with its window:
    /// [`Subscription::refundable_at`], [`Subscription::refundable_until`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, when an id is not a GUID; a 404
    /// ([`Error::is_not_found`]) for a subscription the service does not know; otherwise the
    /// operation's own, as [`Error`] describes them.
    pub async fn get(&self) -> Result<Subscription, Error> {
        self.get_with(self.pc.sending(None)).await
    }

    async fn get_with(&self, sending: Sending) -> Result<Subscription, Error> {
        let (customer, subscription) = self.checked_ids(Operation::GetSubscription)?;
        let send = async |api: &Client| {
            let get = api.get_subscription().customer_id(&customer);
            get.subscription_id(&subscription).send().await
        };
        let check = |answer: &Subscription| {
            answered_for("subscription", answer.id.as_deref(), &subscription)
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, check)
            .await
    }

    /// Reads the subscription, applies `change` to it, and sends it back
    /// (`PATCH /v1/customers/{customer-id}/subscriptions/{subscription-id}`): every field
    /// `change` does not touch goes back as it came, unknown ones included. Returns the
    /// subscription as changed; when `change` changes nothing, nothing is sent.
    ///
    /// A change that gives seats back (a lower `quantity`, or `status` `deleted`) is checked
    /// against the window the subscription just read says (`refundableQuantity`,
    /// `cancellationAllowedUntilDate`), on the client's clock: past it, or beyond the seats it
    /// still allows, it is refused with [`ErrorKind::WindowClosed`] and nothing is sent. Where
    /// the subscription does not say, or within 5 minutes of the window's end (the service's
    /// clock may differ), the service judges; its 400 to such a change is the same kind.
    ///
    /// With [`with_request_id`](Self::with_request_id), make the change absolute
    /// (`quantity = Some(3)`, not `+= 1`): replayed after a crash, it reads the subscription
    /// again, and a change already made is then no change, so nothing is sent.
    ///
    /// `Ok` means the change was made, once. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may or may not have made it:
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends the same PATCH again and
    /// learns which.
    ///
    /// ```no_run
    /// # async fn run(subscription: partner_center_carts::SubscriptionRef) -> Result<(), partner_center_carts::Error> {
    /// let changed = subscription
    ///     .modify(|s| {
    ///         s.auto_renew_enabled = Some(false);
    ///         s.friendly_name = Some("Sales team".into());
    ///     })
    ///     .await?;
    /// # let _ = changed; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WindowClosed`] as above; the read's errors, as [`get`](Self::get)'s; a 400
    /// when the service refuses the change; otherwise the PATCH's own, as [`Error`] describes
    /// them.
    pub async fn modify(
        &self,
        change: impl FnOnce(&mut Subscription),
    ) -> Result<Subscription, Error> {
        self.modify_with(None, change).await
    }

    pub(super) async fn modify_with(
        &self,
        request_id: Option<RequestId>,
        change: impl FnOnce(&mut Subscription),
    ) -> Result<Subscription, Error> {
        const OP: Operation = Operation::UpdateSubscription;
        self.pc
            .refuse_read_then_write("a subscription's change")
            .map_err(|e| e.named(OP))?;
        let correlation = self.pc.correlation_id().unwrap_or_else(Uuid::new_v4);
        let started = self.pc.now();
        // The read and the PATCH: one flow, one time budget; a fixed id goes on the PATCH.
        let sending = |request_id| Sending {
            ids: OperationIds::new(request_id, Some(correlation)),
            started,
            ..self.pc.sending(None)
        };
        let current = self.get_with(sending(None)).await?;
        let mut changed = current.clone();
        change(&mut changed);
        if changed == current {
            return Ok(current);
        }
        let now = DateTime::<Utc>::from(self.pc.shared.clock.date());
        window::check(&current, &changed, now)
            .map_err(|closed| Error::new(ErrorKind::WindowClosed(closed)).named(OP))?;
        let sent = changed.clone();
        self.update_with(changed, sending(request_id))
            .await
            .map_err(|e| window::refused(e, &current, &sent, now))
    }

    /// Sets the quantity: more seats are bought; fewer are given back for a refund, within the
    /// window ([`modify`](Self::modify) with `quantity`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, for a quantity below 1 (to give every
    /// seat back, [`cancel`](Self::cancel)); otherwise as [`modify`](Self::modify)'s.
    pub async fn set_quantity(&self, quantity: i32) -> Result<Subscription, Error> {
        self.set_quantity_with(None, quantity).await
    }

    pub(super) async fn set_quantity_with(
        &self,
        request_id: Option<RequestId>,
        quantity: i32,
    ) -> Result<Subscription, Error> {
        if quantity < 1 {
            return Err(Error::invalid_input(format!(
                "quantity {quantity} is below 1: cancel the subscription to give every seat back"
            ))
            .named(Operation::UpdateSubscription));
        }
        self.modify_with(request_id, |s| s.quantity = Some(quantity))
            .await
    }

    /// Turns renewal at the end of the term on or off ([`modify`](Self::modify) with
    /// `autoRenewEnabled`).
    ///
    /// # Errors
    ///
    /// As [`modify`](Self::modify)'s.
    pub async fn set_auto_renew(&self, enabled: bool) -> Result<Subscription, Error> {
        self.modify_with(None, auto_renew(enabled)).await
    }

    /// Cancels the subscription for a refund, within its window: [`modify`](Self::modify)
    /// with `status` `deleted`, as new commerce cancels.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WindowClosed`], sending nothing, past `cancellationAllowedUntilDate`;
    /// otherwise as [`modify`](Self::modify)'s.
    pub async fn cancel(&self) -> Result<Subscription, Error> {
        self.modify_with(None, cancel).await
    }

    pub(super) async fn update_with(
        &self,
        body: Subscription,
        sending: Sending,
    ) -> Result<Subscription, Error> {
        let (customer, subscription) = self.checked_ids(Operation::UpdateSubscription)?;
        // The subscription's etag, as a precaution (as for a cart): a concurrent change is
        // refused rather than overwritten by the fields sent back as read.
        let etag = body.attributes.as_ref().and_then(|a| a.etag.clone());
        let send = async |api: &Client| {
            let mut patch = api.update_subscription().customer_id(&customer);
            if let Some(etag) = etag {
                patch = patch.if_match(etag);
            }
            patch.subscription_id(&subscription).body(body).send().await
        };
        let check = |answer: &Subscription| {
            answered_for("subscription", answer.id.as_deref(), &subscription)
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, check)
            .await
            .map_err(|e| e.unconfirmed_at(self.unconfirmed(false)))
    }

    /// What the subscription can be changed to
    /// (`GET .../subscriptions/{subscription-id}/transitionEligibilities`): `eligibility_type`
    /// is [`Eligibility::ELIGIBILITY_TYPE_IMMEDIATE`](crate::types::Eligibility::ELIGIBILITY_TYPE_IMMEDIATE)
    /// (now) or [`ELIGIBILITY_TYPE_SCHEDULED`](crate::types::Eligibility::ELIGIBILITY_TYPE_SCHEDULED)
    /// (at the end of the term).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn transition_eligibilities(
        &self,
        eligibility_type: &str,
    ) -> Result<TransitionEligibilityCollection, Error> {
        let (customer, subscription) = self.checked_ids(Operation::GetTransitionEligibilities)?;
        let send = async |api: &Client| {
            let get = api.get_transition_eligibilities().customer_id(&customer);
            let get = get.subscription_id(&subscription);
            get.eligibility_type(eligibility_type).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// Transitions the subscription to another catalog item now
    /// (`POST .../subscriptions/{subscription-id}/transitions`; `fromSubscriptionId` is filled
    /// in when `transition` has none).
    ///
    /// **An immediate transition deletes every change scheduled for the subscription's next
    /// term** (`scheduledNextTermInstructions`), as the service documents: read the
    /// subscription first when one may be scheduled.
    ///
    /// `Ok` means it was made, once; an unknown outcome is settled by
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, when an id is not a GUID; a 400 when the
    /// service refuses the transition; otherwise the operation's own, as [`Error`] describes
    /// them.
    pub async fn transition(&self, transition: &Transition) -> Result<Transition, Error> {
        self.transition_with(transition.clone(), self.pc.sending(None))
            .await
    }

    pub(super) async fn transition_with(
        &self,
        body: Transition,
        sending: Sending,
    ) -> Result<Transition, Error> {
        let (customer, subscription) = self.checked_ids(Operation::CreateTransition)?;
        let body = Transition {
            from_subscription_id: Some(
                body.from_subscription_id
                    .unwrap_or_else(|| subscription.clone()),
            ),
            ..body
        };
        let send = async |api: &Client| {
            let post = api.create_transition().customer_id(&customer);
            post.subscription_id(&subscription).body(body).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
            .map_err(|e| e.unconfirmed_at(self.unconfirmed(true)))
    }

    /// The transitions made of the subscription
    /// (`GET .../subscriptions/{subscription-id}/transitions`), or only the one whose
    /// `operationId` is given.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn transitions(
        &self,
        operation_id: Option<&str>,
    ) -> Result<TransitionCollection, Error> {
        let (customer, subscription) = self.checked_ids(Operation::ListTransitions)?;
        let send = async |api: &Client| {
            let mut get = api.list_transitions().customer_id(&customer);
            get = get.subscription_id(&subscription);
            if let Some(operation_id) = operation_id {
                get = get.operation_id(operation_id);
            }
            get.send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// How far the subscription has been provisioned
    /// (`GET /v1/customers/{customer-id}/subscriptions/{subscription-id}/provisioningstatus`).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s.
    pub async fn provisioning_status(&self) -> Result<SubscriptionProvisioningStatus, Error> {
        let (customer, subscription) =
            self.checked_ids(Operation::GetSubscriptionProvisioningStatus)?;
        let send = async |api: &Client| {
            let get = api.get_subscription_provisioning_status();
            let get = get.customer_id(&customer).subscription_id(&subscription);
            get.send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    fn checked_ids(&self, operation: Operation) -> Result<(String, String), Error> {
        Ok((
            checked(operation, "customer", &self.customer_id)?,
            checked(operation, "subscription", &self.subscription_id)?,
        ))
    }

    fn unconfirmed(&self, transition: bool) -> Unconfirmed {
        Unconfirmed::subscription(&self.customer_id, &self.subscription_id, transition)
    }
}

/// The change that turns renewal on or off.
pub(super) fn auto_renew(enabled: bool) -> impl FnOnce(&mut Subscription) {
    move |subscription| subscription.auto_renew_enabled = Some(enabled)
}

/// The change that cancels a new-commerce subscription.
pub(super) fn cancel(subscription: &mut Subscription) {
    subscription.status = Some(Subscription::STATUS_DELETED.to_string());
}
