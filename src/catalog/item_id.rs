//! A `catalogItemId`, `PRODUCT:SKU:AVAILABILITY`, read into its three parts.

use std::fmt;
use std::str::FromStr;

/// A catalog item id, `PRODUCT:SKU:AVAILABILITY` (like `CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P`): the
/// product, the SKU within it and the availability within that, each what the catalog's
/// paths take. (A legacy offer id such as `MS-AZR-0145P` is not one.)
///
/// Each part is checked to be a path segment the catalog's paths can take: letters, digits,
/// `-` and `_`, at most 64 characters. Parts keep the case they were written in; the service
/// compares ids without regard to case, and so does [`eq_ignore_case`](Self::eq_ignore_case).
///
/// ```
/// use partner_center_carts::catalog::CatalogItemId;
///
/// let id: CatalogItemId = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".parse()?;
/// assert_eq!((id.product(), id.sku(), id.availability()), ("CFQ7TTC0LH0Z", "0001", "CFQ7TTC0K18P"));
/// assert_eq!(id.to_string(), "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P");
///
/// let legacy = "MS-AZR-0145P".parse::<CatalogItemId>().unwrap_err();
/// assert!(legacy.is_legacy_offer_id());
/// assert!(legacy.to_string().contains("PRODUCT:SKU:AVAILABILITY"));
/// # Ok::<(), partner_center_carts::catalog::ParseCatalogItemIdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CatalogItemId {
    product: String,
    sku: String,
    availability: String,
}

impl CatalogItemId {
    /// The id of these three parts.
    ///
    /// # Errors
    ///
    /// When a part is empty, too long, or has a character other than letters, digits, `-`
    /// and `_`.
    pub fn new(
        product: impl Into<String>,
        sku: impl Into<String>,
        availability: impl Into<String>,
    ) -> Result<Self, ParseCatalogItemIdError> {
        let (product, sku, availability) = (product.into(), sku.into(), availability.into());
        for (what, part) in [
            ("product", &product),
            ("SKU", &sku),
            ("availability", &availability),
        ] {
            if let Some(why) = segment_problem(part) {
                return Err(ParseCatalogItemIdError {
                    input: format!("{product}:{sku}:{availability}"),
                    reason: format!("its {what} part {part:?} {why}"),
                    legacy: false,
                });
            }
        }
        Ok(Self {
            product,
            sku,
            availability,
        })
    }

    /// The product's id, the first part.
    pub fn product(&self) -> &str {
        &self.product
    }

    /// The SKU's id within the product, the second part.
    pub fn sku(&self) -> &str {
        &self.sku
    }

    /// The availability's id within the SKU, the third part.
    pub fn availability(&self) -> &str {
        &self.availability
    }

    /// Whether `other` names the same item, compared without regard to case, as the service
    /// compares ids.
    pub fn eq_ignore_case(&self, other: &CatalogItemId) -> bool {
        self.product.eq_ignore_ascii_case(&other.product)
            && self.sku.eq_ignore_ascii_case(&other.sku)
            && self.availability.eq_ignore_ascii_case(&other.availability)
    }
}

impl fmt::Display for CatalogItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.product, self.sku, self.availability)
    }
}

impl FromStr for CatalogItemId {
    type Err = ParseCatalogItemIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refused = |reason: String, legacy: bool| ParseCatalogItemIdError {
            input: text.to_string(),
            reason,
            legacy,
        };
        let parts: Vec<&str> = text.split(':').collect();
        match parts[..] {
            [product, sku, availability] => {
                Self::new(product, sku, availability).map_err(|e| refused(e.reason, false))
            }
            [one] => {
                let legacy = segment_problem(one).is_none();
                let reason = if legacy {
                    "it has no `:`; a legacy offer id (like MS-AZR-0145P) is not in the catalog"
                } else {
                    "it has no `:`"
                };
                Err(refused(reason.to_string(), legacy))
            }
            _ => Err(refused(
                format!("it has {} parts, not 3", parts.len()),
                false,
            )),
        }
    }
}

impl TryFrom<&str> for CatalogItemId {
    type Error = ParseCatalogItemIdError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// Why a text is not a [`CatalogItemId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseCatalogItemIdError {
    input: String,
    reason: String,
    legacy: bool,
}

impl ParseCatalogItemIdError {
    /// The text that was read.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Whether the text reads as a legacy offer id (one part, like `MS-AZR-0145P`): a valid
    /// `catalogItemId` for a cart, but not one the catalog's paths can look up.
    pub fn is_legacy_offer_id(&self) -> bool {
        self.legacy
    }
}

impl fmt::Display for ParseCatalogItemIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a catalog item id (PRODUCT:SKU:AVAILABILITY, like \
             CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P): {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for ParseCatalogItemIdError {}

/// Why `part` cannot be one part of a catalog item id, or `None` when it can: not empty, at
/// most 64 characters, letters, digits, `-` and `_`.
pub(crate) fn segment_problem(part: &str) -> Option<&'static str> {
    if part.is_empty() {
        Some("is empty")
    } else if part.len() > 64 {
        Some("is longer than 64 characters")
    } else if !part
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Some("has a character other than letters, digits, `-` and `_`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_three_parts() {
        let id: CatalogItemId = "DZH318Z0BQ3Q:0009:DZH318Z08C0S".parse().unwrap();
        assert_eq!(id.product(), "DZH318Z0BQ3Q");
        assert_eq!(id.sku(), "0009");
        assert_eq!(id.availability(), "DZH318Z08C0S");
        assert_eq!(id.to_string(), "DZH318Z0BQ3Q:0009:DZH318Z08C0S");
        let lower: CatalogItemId = "dzh318z0bq3q:0009:dzh318z08c0s".parse().unwrap();
        assert!(id.eq_ignore_case(&lower));
        assert_ne!(id, lower);
    }

    #[test]
    fn refuses_what_is_not_one_and_says_why() {
        for (bad, why) in [
            ("", "has no `:`"),
            ("A:B", "2 parts"),
            ("A:B:C:D", "4 parts"),
            ("A::C", "SKU part \"\" is empty"),
            ("A:0001:../x", "availability part \"../x\" has a character"),
            ("A B:1:C", "product part \"A B\" has a character"),
        ] {
            let err = bad.parse::<CatalogItemId>().unwrap_err();
            assert!(err.to_string().contains(why), "{bad:?}: {err}");
            assert!(!err.is_legacy_offer_id(), "{bad:?}");
            assert_eq!(err.input(), bad);
        }
        let legacy = CatalogItemId::try_from("MS-AZR-0145P").unwrap_err();
        assert!(legacy.is_legacy_offer_id());
        assert!(
            CatalogItemId::new("A", "x".repeat(65), "C")
                .unwrap_err()
                .to_string()
                .contains("longer than 64")
        );
    }
}
