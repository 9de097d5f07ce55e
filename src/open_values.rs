//! The values the service may extend (billing cycles, participant types, line item error
//! codes) are open: a string or an integer that keeps whatever the service sent. A value added
//! later decodes, and goes back unchanged. The known values are constants generated from the
//! spec's `x-known-values` (`BillingCycle::MONTHLY`, `CartErrorCode::KNOWN`); this file holds
//! only the behaviour.

use crate::types::{
    BillingCycle, CartErrorCode, ParticipantType, PartnerCenterErrorCode, PurchasePrerequisite,
};

impl BillingCycle {
    /// Whether this is `value`, compared without regard to case (one documentation sample
    /// sends `Monthly`).
    ///
    /// ```
    /// use partner_center_carts::types::BillingCycle;
    ///
    /// assert!(BillingCycle::from("Monthly").is(BillingCycle::MONTHLY));
    /// assert!(!BillingCycle::from("quadrennial").is(BillingCycle::ANNUAL));
    /// ```
    pub fn is(&self, value: &str) -> bool {
        self.0.eq_ignore_ascii_case(value)
    }
}

impl From<&str> for BillingCycle {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl ParticipantType {
    /// Whether this is `value`, compared without regard to case.
    pub fn is(&self, value: &str) -> bool {
        self.0.eq_ignore_ascii_case(value)
    }
}

impl From<&str> for ParticipantType {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl PurchasePrerequisite {
    /// Whether this is `value`, compared without regard to case.
    ///
    /// ```
    /// use partner_center_carts::types::PurchasePrerequisite;
    ///
    /// assert!(PurchasePrerequisite::from("inventorycheck").is(PurchasePrerequisite::INVENTORY_CHECK));
    /// ```
    pub fn is(&self, value: &str) -> bool {
        self.0.eq_ignore_ascii_case(value)
    }
}

impl From<&str> for PurchasePrerequisite {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

// The open string values as text, for code generic over `AsRef<str>`.
impl AsRef<str> for BillingCycle {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ParticipantType {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PurchasePrerequisite {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl CartErrorCode {
    /// The code as a number, whether it was sent as a number or as a string of digits.
    ///
    /// ```
    /// use partner_center_carts::types::CartErrorCode;
    ///
    /// assert_eq!(CartErrorCode::from(10001).number(), Some(10001));
    /// assert_eq!(CartErrorCode::String("10001".into()).number(), Some(10001));
    /// ```
    pub fn number(&self) -> Option<i64> {
        match self {
            Self::Int64(n) => Some(*n),
            Self::String(s) => s.trim().parse().ok(),
        }
    }

    /// The code's documented name (`CatalogItemIdIsNotValid` for 10001), or `None` for a code
    /// this crate does not know.
    ///
    /// ```
    /// use partner_center_carts::types::CartErrorCode;
    ///
    /// assert_eq!(CartErrorCode::from(10001).name(), Some("CatalogItemIdIsNotValid"));
    /// assert_eq!(CartErrorCode::from(10005).name(), None);
    /// ```
    pub fn name(&self) -> Option<&'static str> {
        let number = self.number()?;
        Self::KNOWN
            .iter()
            .find(|(code, _)| *code == number)
            .map(|(_, name)| *name)
    }
}

impl PartnerCenterErrorCode {
    /// The code as a number, whether it was sent as a number (as real answers do) or as a
    /// string of digits (as the documentation's table shows).
    ///
    /// ```
    /// use partner_center_carts::types::PartnerCenterErrorCode;
    ///
    /// assert_eq!(PartnerCenterErrorCode::from(800010).number(), Some(800010));
    /// assert_eq!(PartnerCenterErrorCode::String("800010".into()).number(), Some(800010));
    /// ```
    pub fn number(&self) -> Option<i64> {
        match self {
            Self::Int64(n) => Some(*n),
            Self::String(s) => s.trim().parse().ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::types::Cart;

    #[test]
    fn an_unknown_billing_cycle_decodes_and_goes_back_unchanged() {
        let json = serde_json::json!({
            "lineItems": [{
                "catalogItemId": "X:1:Y", "quantity": 1, "billingCycle": "quadrennial",
                "participants": [{"key": "future_reseller_kind", "value": "1"}]
            }]
        });
        let cart: Cart = serde_json::from_value(json.clone()).unwrap();
        assert!(cart.line_items[0].billing_cycle.is("QUADRENNIAL"));
        assert_eq!(serde_json::to_value(&cart).unwrap(), json);
    }
}
