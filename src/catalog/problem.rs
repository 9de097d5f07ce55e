//! What is wrong with a cart line, in words a user can act on.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Why a cart line would fail, found before anything is created: by
/// [`line_from`](super::line_from) (term, cycle, quantity), or by the client's
/// `Customer::plan` (every check, reading the catalog, the inventory, the promotions and the
/// customer's agreements).
///
/// Terms and billing cycles are compared without regard to case (they are open values); the
/// values a problem names as offered are the catalog's, as the catalog writes them.
///
/// Its `Display` is a sentence for a user. It serialises (for JSON output) as an object with a
/// `kind` tag (`termNotOffered`, ...; [`kind`](Self::kind)), the variant's fields, and
/// `words`, the sentence:
///
/// ```
/// use partner_center_carts::catalog::LineProblem;
///
/// let problem = LineProblem::CycleNotOffered {
///     term: Some("P1Y".into()),
///     asked: "triennial".into(),
///     offered: vec!["monthly".into(), "annual".into()],
/// };
/// assert_eq!(
///     serde_json::to_value(&problem)?,
///     serde_json::json!({
///         "kind": "cycleNotOffered",
///         "term": "P1Y",
///         "asked": "triennial",
///         "offered": ["monthly", "annual"],
///         "words": "billing cycle triennial is not offered for term P1Y; the offered cycles are monthly, annual",
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineProblem {
    /// The catalog has no such item: the id is not `PRODUCT:SKU:AVAILABILITY`, or the product,
    /// SKU or availability is not found.
    UnknownItem {
        /// The line's `catalogItemId`.
        catalog_item_id: String,
        /// What was not found.
        reason: String,
    },
    /// The item exists but cannot be bought here: the availability says it is not
    /// purchasable, or it is not offered to this customer (or in its country).
    NotPurchasable {
        /// The line's `catalogItemId`.
        catalog_item_id: String,
        /// Why, in words.
        reason: String,
    },
    /// The availability does not offer the term asked (`asked` is `None` when the line names
    /// no term but the availability offers some).
    TermNotOffered {
        /// The line's `termDuration`.
        asked: Option<String>,
        /// The terms it offers (ISO 8601 durations), as the catalog writes them: those of
        /// the list of availabilities and of the single one, together.
        offered: Vec<String>,
    },
    /// The billing cycle asked is not one the term (and the SKU) allows.
    CycleNotOffered {
        /// The term it was asked with.
        term: Option<String>,
        /// The line's `billingCycle`.
        asked: String,
        /// The cycles offered for that term.
        offered: Vec<String>,
    },
    /// The quantity is outside the SKU's minimum and maximum (or below 1).
    QuantityOutOfRange {
        /// The line's quantity.
        asked: i32,
        /// The SKU's `minimumQuantity`, if it says.
        min: Option<i32>,
        /// The SKU's `maximumQuantity`, if it says.
        max: Option<i32>,
    },
    /// The line's `provisioningContext` lacks a value the SKU's `provisioningVariables` asks
    /// for (such as `SubscriptionId` or `Scope`, which only the buyer knows).
    ProvisioningMissing {
        /// The variables missing, as the SKU names them.
        missing: Vec<String>,
    },
    /// The inventory check (asked for by the SKU's `InventoryCheck` prerequisite) says the
    /// item is restricted in the line's context.
    InventoryRestricted {
        /// The service's reasons, in its words.
        reasons: Vec<String>,
    },
    /// The customer is not eligible for the promotion the line names.
    PromotionIneligible {
        /// The line's `promotionId`.
        promotion: String,
        /// The service's reasons, in its words.
        reasons: Vec<String>,
    },
    /// The SKU needs the customer's acceptance of an agreement confirmed (the Microsoft
    /// Customer Agreement, for new commerce), and none is.
    AgreementMissing {
        /// The agreement's type, `MicrosoftCustomerAgreement`.
        agreement_type: String,
    },
    /// A check that could not be made: the service would not answer it (a 403 to an app-only
    /// token on the agreements, say), or the line cannot be looked up (a legacy offer id).
    /// Not a refusal: the check is left to checkout.
    NotChecked {
        /// Which check: `catalog`, `inventory`, `promotion` or `agreement`.
        what: String,
        /// Why it was not made.
        reason: String,
    },
}

impl LineProblem {
    /// The problem's tag, as serialised: `unknownItem`, `notPurchasable`,
    /// `termNotOffered`, `cycleNotOffered`, `quantityOutOfRange`,
    /// `provisioningMissing`, `inventoryRestricted`, `promotionIneligible`,
    /// `agreementMissing`, `notChecked`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownItem { .. } => "unknownItem",
            Self::NotPurchasable { .. } => "notPurchasable",
            Self::TermNotOffered { .. } => "termNotOffered",
            Self::CycleNotOffered { .. } => "cycleNotOffered",
            Self::QuantityOutOfRange { .. } => "quantityOutOfRange",
            Self::ProvisioningMissing { .. } => "provisioningMissing",
            Self::InventoryRestricted { .. } => "inventoryRestricted",
            Self::PromotionIneligible { .. } => "promotionIneligible",
            Self::AgreementMissing { .. } => "agreementMissing",
            Self::NotChecked { .. } => "notChecked",
        }
    }

    /// Whether the line would fail for it: every problem but [`NotChecked`](Self::NotChecked),
    /// which leaves the check to checkout.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::NotChecked { .. })
    }
}

/// `a, b, c`, or `none` for nothing.
fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "none".to_string()
    } else {
        values.join(", ")
    }
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownItem {
                catalog_item_id,
                reason,
            } => write!(f, "unknown catalog item {catalog_item_id:?}: {reason}"),
            Self::NotPurchasable {
                catalog_item_id,
                reason,
            } => write!(
                f,
                "catalog item {catalog_item_id} cannot be bought: {reason}"
            ),
            Self::TermNotOffered { asked, offered } => {
                match asked {
                    Some(asked) => write!(f, "term {asked} is not offered")?,
                    None => f.write_str("the line names no term")?,
                }
                if offered.is_empty() {
                    f.write_str("; the availability offers no term")
                } else {
                    write!(f, "; the offered terms are {}", listed(offered))
                }
            }
            Self::CycleNotOffered {
                term,
                asked,
                offered,
            } => {
                write!(f, "billing cycle {asked} is not offered")?;
                if let Some(term) = term {
                    write!(f, " for term {term}")?;
                }
                write!(f, "; the offered cycles are {}", listed(offered))
            }
            Self::QuantityOutOfRange { asked, min, max } => {
                write!(f, "quantity {asked} is out of range: the SKU takes ")?;
                match (min, max) {
                    (Some(min), Some(max)) => write!(f, "{min} to {max}"),
                    (Some(min), None) => write!(f, "at least {min}"),
                    (None, Some(max)) => write!(f, "1 to {max}"),
                    (None, None) => f.write_str("at least 1"),
                }
            }
            Self::ProvisioningMissing { missing } => write!(
                f,
                "the line's provisioningContext lacks what the SKU needs: {}",
                listed(missing)
            ),
            Self::InventoryRestricted { reasons } => write!(
                f,
                "the inventory check says the item is restricted: {}",
                reasons.join("; ")
            ),
            Self::PromotionIneligible { promotion, reasons } => {
                write!(f, "the customer is not eligible for promotion {promotion}")?;
                if reasons.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {}", reasons.join("; "))
                }
            }
            Self::AgreementMissing { agreement_type } => write!(
                f,
                "the customer's acceptance of the {agreement_type} is not confirmed: confirm it \
                 (an App+User call) before checkout"
            ),
            Self::NotChecked { what, reason } => write!(f, "{what} not checked: {reason}"),
        }
    }
}

impl std::error::Error for LineProblem {}

impl Serialize for LineProblem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", self.kind())?;
        match self {
            Self::UnknownItem {
                catalog_item_id,
                reason,
            }
            | Self::NotPurchasable {
                catalog_item_id,
                reason,
            } => {
                map.serialize_entry("catalogItemId", catalog_item_id)?;
                map.serialize_entry("reason", reason)?;
            }
            Self::TermNotOffered { asked, offered } => {
                map.serialize_entry("asked", asked)?;
                map.serialize_entry("offered", offered)?;
            }
            Self::CycleNotOffered {
                term,
                asked,
                offered,
            } => {
                map.serialize_entry("term", term)?;
                map.serialize_entry("asked", asked)?;
                map.serialize_entry("offered", offered)?;
            }
            Self::QuantityOutOfRange { asked, min, max } => {
                map.serialize_entry("asked", asked)?;
                map.serialize_entry("min", min)?;
                map.serialize_entry("max", max)?;
            }
            Self::ProvisioningMissing { missing } => map.serialize_entry("missing", missing)?,
            Self::InventoryRestricted { reasons } => map.serialize_entry("reasons", reasons)?,
            Self::PromotionIneligible { promotion, reasons } => {
                map.serialize_entry("promotion", promotion)?;
                map.serialize_entry("reasons", reasons)?;
            }
            Self::AgreementMissing { agreement_type } => {
                map.serialize_entry("agreementType", agreement_type)?;
            }
            Self::NotChecked { what, reason } => {
                map.serialize_entry("what", what)?;
                map.serialize_entry("reason", reason)?;
            }
        }
        map.serialize_entry("words", &self.to_string())?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_each_problem_in_words() {
        let cases = [
            (
                LineProblem::TermNotOffered {
                    asked: None,
                    offered: vec!["P1M".into()],
                },
                "the line names no term; the offered terms are P1M",
            ),
            (
                LineProblem::QuantityOutOfRange {
                    asked: 301,
                    min: Some(1),
                    max: Some(300),
                },
                "quantity 301 is out of range: the SKU takes 1 to 300",
            ),
            (
                LineProblem::InventoryRestricted {
                    reasons: vec!["not in westus".into()],
                },
                "the inventory check says the item is restricted: not in westus",
            ),
            (
                LineProblem::NotChecked {
                    what: "agreement".into(),
                    reason: "403".into(),
                },
                "agreement not checked: 403",
            ),
        ];
        for (problem, words) in cases {
            assert_eq!(problem.to_string(), words);
            let json = serde_json::to_value(&problem).unwrap();
            assert_eq!(json["kind"], problem.kind());
            assert_eq!(json["words"], words);
        }
    }
}
