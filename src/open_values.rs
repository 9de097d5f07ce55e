//! The values the service may extend (billing cycles, participant types, line item error
//! codes) are open: a string or an integer that keeps whatever the service sent, with the known
//! values as constants. A value added later decodes, and goes back unchanged.

use crate::types::{BillingCycle, CartErrorCode, ParticipantType, PartnerCenterErrorCode};

impl BillingCycle {
    /// `unknown`.
    pub const UNKNOWN: &'static str = "unknown";
    /// `monthly`.
    pub const MONTHLY: &'static str = "monthly";
    /// `annual`.
    pub const ANNUAL: &'static str = "annual";
    /// `none`.
    pub const NONE: &'static str = "none";
    /// `one_time`.
    pub const ONE_TIME: &'static str = "one_time";
    /// `triennial`.
    pub const TRIENNIAL: &'static str = "triennial";
    /// `biennial`.
    pub const BIENNIAL: &'static str = "biennial";

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
    /// `unknown`.
    pub const UNKNOWN: &'static str = "unknown";
    /// `transaction_reseller`.
    pub const TRANSACTION_RESELLER: &'static str = "transaction_reseller";
    /// `consumption_reseller`.
    pub const CONSUMPTION_RESELLER: &'static str = "consumption_reseller";
    /// `additional_transaction_reseller`.
    pub const ADDITIONAL_TRANSACTION_RESELLER: &'static str = "additional_transaction_reseller";

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

/// The line item error codes the service documents, with their names.
const CART_ERROR_CODES: &[(i64, &str)] = &[
    (0, "Unknown"),
    (10000, "CurrencyIsNotSupported"),
    (10001, "CatalogItemIdIsNotValid"),
    (10002, "QuotaNotAvailable"),
    (10003, "InventoryNotAvailable"),
    (10004, "ParticipantsIsNotSupportedForPartner"),
    (10006, "UnableToProcessCartLineItem"),
    (10007, "SubscriptionIsNotValid"),
    (10008, "SubscriptionIsNotEnabledForRI"),
    (10009, "SandboxLimitExceeded"),
    (10010, "InvalidInput"),
    (10011, "SubscriptionNotRegistered"),
    (10012, "AttestationNotAccepted"),
    (10013, "BillingPlanNotSupported"),
    (10014, "InvalidPromotionId"),
    (10015, "MaxAllowedSeatsPerSubscriptionExceeded"),
    (10016, "InvalidCustomTermEndDateProduct"),
    (10017, "InvalidCustomTermEndDate"),
    (10018, "BaseOfferSeatQuantityNotMet"),
    (10019, "MinimumAddOnSeatsNotMet"),
    (500600, "LegacyOfferNotEligibleForPurchase"),
];

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
        CART_ERROR_CODES
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
