//! One subscription: how far it has been provisioned.

use super::checked;
use crate::types::SubscriptionProvisioningStatus;
use crate::{Error, PartnerCenter};

/// One of a customer's subscriptions, by its id (an order line item's `subscriptionId`). Get
/// one from [`Customer::subscription`](crate::Customer::subscription); the subscriptions an
/// order created are listed by [`OrderRef::subscriptions`](crate::OrderRef::subscriptions).
#[derive(Clone, Debug)]
pub struct SubscriptionRef {
    pc: PartnerCenter,
    customer_id: String,
    subscription_id: String,
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

    /// How far the subscription has been provisioned
    /// (`GET /v1/customers/{customer-id}/subscriptions/{subscription-id}/provisioningstatus`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when an id
    /// is not a GUID; a 404 ([`Error::is_not_found`]) for a subscription the service does not
    /// know; otherwise the operation's own, as [`Error`] describes them.
    pub async fn provisioning_status(&self) -> Result<SubscriptionProvisioningStatus, Error> {
        const OP: &str = "getSubscriptionProvisioningStatus";
        let customer = checked(OP, "customer", &self.customer_id)?;
        let subscription = checked(OP, "subscription", &self.subscription_id)?;
        let call = self.pc.begin(None);
        let result = call
            .api
            .get_subscription_provisioning_status()
            .customer_id(customer)
            .subscription_id(subscription)
            .send()
            .await;
        call.kept
            .finish(result, |_: &SubscriptionProvisioningStatus| None)
    }
}
