//! One subscription: how far it has been provisioned.

use super::checks::checked;
use crate::client::PartnerCenter;
use crate::error::Error;
use crate::generated::{Client, Operation};
use crate::types::SubscriptionProvisioningStatus;

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
        const OP: Operation = Operation::GetSubscriptionProvisioningStatus;
        let customer = checked(OP, "customer", &self.customer_id)?;
        let subscription = checked(OP, "subscription", &self.subscription_id)?;
        let send = async |api: &Client| {
            let get = api.get_subscription_provisioning_status();
            let get = get.customer_id(&customer).subscription_id(&subscription);
            get.send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }
}
