//! Reading an order's provisioning status: which line items are done, failed, or still
//! pending. Part of the types, so it needs no HTTP stack.

use crate::types::{
    OrderLineItemProvisioningStatus, OrderProvisioningStatuses, ProvisioningStatus,
};

// The constants (`ProvisioningStatus::FULFILLED`, ...) are generated from the spec's
// `x-known-values`.
impl ProvisioningStatus {
    /// Whether this is `value`, compared without regard to case (the documentation writes
    /// these values in several casings).
    ///
    /// ```
    /// use partner_center_carts::types::ProvisioningStatus;
    ///
    /// assert!(ProvisioningStatus::from("Fulfilled").is(ProvisioningStatus::FULFILLED));
    /// ```
    pub fn is(&self, value: &str) -> bool {
        self.0.eq_ignore_ascii_case(value)
    }

    /// Whether provisioning has ended, either way: `fulfilled` or `unfulfilled`. A value this
    /// crate does not know counts as not ended.
    pub fn is_final(&self) -> bool {
        self.is(Self::FULFILLED) || self.is(Self::UNFULFILLED)
    }
}

impl From<&str> for ProvisioningStatus {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl OrderProvisioningStatuses {
    /// The line items' statuses (none when the service sent none).
    pub fn line_items(&self) -> &[OrderLineItemProvisioningStatus] {
        self.items.as_deref().unwrap_or_default()
    }

    /// Whether provisioning has ended for every line item, fulfilled or not. An answer with no
    /// line items has not ended: the service has not listed them yet.
    ///
    /// ```
    /// use partner_center_carts::types::OrderProvisioningStatuses;
    ///
    /// let answer: OrderProvisioningStatuses = serde_json::from_value(serde_json::json!({
    ///     "totalCount": 2,
    ///     "items": [
    ///         {"lineItemNumber": 0, "status": "fulfilled"},
    ///         {"lineItemNumber": 1, "status": "PrefulfillmentPending"}
    ///     ]
    /// }))?;
    /// assert!(!answer.is_final());
    /// assert_eq!(answer.pending().count(), 1);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_final(&self) -> bool {
        !self.line_items().is_empty() && self.pending().next().is_none()
    }

    /// Whether every line item was fulfilled.
    pub fn is_fulfilled(&self) -> bool {
        !self.line_items().is_empty()
            && self
                .line_items()
                .iter()
                .all(|item| status(item).is_some_and(|s| s.is(ProvisioningStatus::FULFILLED)))
    }

    /// The line items whose provisioning has not ended.
    pub fn pending(&self) -> impl Iterator<Item = &OrderLineItemProvisioningStatus> {
        self.line_items()
            .iter()
            .filter(|item| !status(item).is_some_and(ProvisioningStatus::is_final))
    }

    /// The line items that were not fulfilled.
    pub fn unfulfilled(&self) -> impl Iterator<Item = &OrderLineItemProvisioningStatus> {
        self.line_items()
            .iter()
            .filter(|item| status(item).is_some_and(|s| s.is(ProvisioningStatus::UNFULFILLED)))
    }
}

fn status(item: &OrderLineItemProvisioningStatus) -> Option<&ProvisioningStatus> {
    item.status.as_ref()
}
