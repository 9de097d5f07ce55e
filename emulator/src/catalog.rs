//! The catalog the emulator serves and checks carts against: built in, or read from a file.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use super::catalog_file::{self, AvailabilityEntry, Entries, ProductEntry, SkuEntry};
use super::limits::CATALOG_FILE;
use partner_center_carts::types::ProductPromotion;

/// The built-in catalog's file: a small catalog for `US`, and an example of the format to copy
/// (emulator/catalog.json; docs/emulator.md describes it).
pub const BUILT_IN_CATALOG: &str = include_str!("../catalog.json");

/// The catalog the emulator serves (products, SKUs, availabilities, promotions) and holds a
/// checkout's line items to: [`Catalog::built_in`] by default, or one read from JSON in the
/// format of [`BUILT_IN_CATALOG`]. It is of one country: the others see an empty catalog.
///
/// ```
/// use partner_center_carts_emulator::{Catalog, Emulator};
///
/// let catalog = Catalog::from_json(
///     r#"{"country": "US", "products": [{"id": "P1", "title": "Ours",
///         "productType": {"id": "OnlineServices"},
///         "skus": [{"id": "0001", "minimumQuantity": 1, "maximumQuantity": 10,
///                   "supportedBillingCycles": ["monthly"],
///                   "availabilities": [{"id": "A1", "isPurchasable": true,
///                       "terms": [{"duration": "P1M", "billingCycle": "monthly"}]}]}]}]}"#,
/// )?;
/// assert_eq!(catalog.catalog_item_ids(), ["P1:0001:A1"]);
/// let emulator = Emulator::new().catalog(catalog);
/// // Or: Emulator::new().catalog(Catalog::from_file("catalog.json")?)
/// # Ok::<(), partner_center_carts_emulator::CatalogError>(())
/// ```
#[derive(Clone)]
pub struct Catalog {
    entries: Arc<Entries>,
}

/// Why a catalog cannot be read: the file, and what is wrong with it (where, in the JSON).
#[derive(Debug)]
pub struct CatalogError {
    path: Option<PathBuf>,
    reason: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "catalog {}: {}", path.display(), self.reason),
            None => write!(f, "catalog: {}", self.reason),
        }
    }
}

impl std::error::Error for CatalogError {}

impl Default for Catalog {
    /// [`Catalog::built_in`].
    fn default() -> Self {
        Self::built_in()
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("country", &self.entries.country)
            .field("products", &self.entries.products.len())
            .field("promotions", &self.entries.promotions.len())
            .finish()
    }
}

impl Catalog {
    /// The built-in catalog ([`BUILT_IN_CATALOG`]), for `US`: Microsoft 365 E3 (monthly and
    /// annual terms, and a trial that renews to a year), Entra ID P1, an add-on, Business Basic
    /// (two SKUs, one the other's transition), Business Premium (needs the customer's
    /// acceptance of the Microsoft Customer Agreement), Teams Enterprise (its single read gives
    /// other terms than its list), perpetual software, two Azure reservations (one needs an
    /// inventory check and is not sold in `westus`), and one promotion (E3, one year paid
    /// annually).
    pub fn built_in() -> Self {
        // Read once; a test proves it reads, so the empty fallback is never taken.
        static BUILT_IN: LazyLock<Arc<Entries>> = LazyLock::new(|| {
            Arc::new(catalog_file::parse(BUILT_IN_CATALOG.as_bytes()).unwrap_or_default())
        });
        Self {
            entries: BUILT_IN.clone(),
        }
    }

    /// A catalog from its JSON (the format of [`BUILT_IN_CATALOG`]), of at most 4 MiB.
    ///
    /// # Errors
    ///
    /// When it is larger, not JSON, or not a catalog: the error says where and why.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, CatalogError> {
        catalog_file::parse(json.as_ref())
            .map(|entries| Self {
                entries: Arc::new(entries),
            })
            .map_err(|reason| CatalogError { path: None, reason })
    }

    /// A catalog from a JSON file (the format of [`BUILT_IN_CATALOG`]), of at most 4 MiB.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is larger, or is not a catalog: the error names the file,
    /// and says where in it and why.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        let failed = |reason: String| CatalogError {
            path: Some(path.to_path_buf()),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
        // One byte past the limit is enough to know it is over, whatever the file's size.
        let mut text = Vec::new();
        file.take(CATALOG_FILE as u64 + 1)
            .read_to_end(&mut text)
            .map_err(|e| failed(e.to_string()))?;
        if text.len() > CATALOG_FILE {
            return Err(failed(format!(
                "the file is larger than the {CATALOG_FILE} bytes accepted"
            )));
        }
        Self::from_json(&text).map_err(|e| failed(e.reason))
    }

    /// The country the catalog is of, such as `US`.
    pub fn country(&self) -> &str {
        &self.entries.country
    }

    /// Every availability's `catalogItemId`, in the catalog's order.
    pub fn catalog_item_ids(&self) -> Vec<String> {
        self.products()
            .flat_map(|p| &p.skus)
            .flat_map(|s| &s.availabilities)
            .filter_map(|a| a.availability.catalog_item_id.clone())
            .collect()
    }

    /// Whether `country` (any case) is the catalog's.
    pub(crate) fn serves(&self, country: &str) -> bool {
        country.eq_ignore_ascii_case(&self.entries.country)
    }

    pub(crate) fn products(&self) -> impl Iterator<Item = &ProductEntry> {
        self.entries.products.iter()
    }

    pub(crate) fn product(&self, id: &str) -> Option<&ProductEntry> {
        self.products().find(|p| same(&p.product.id, id))
    }

    pub(crate) fn sku(&self, product: &str, sku: &str) -> Option<&SkuEntry> {
        self.product(product)?
            .skus
            .iter()
            .find(|s| same(&s.sku.id, sku))
    }

    pub(crate) fn availability(
        &self,
        product: &str,
        sku: &str,
        availability: &str,
    ) -> Option<(&SkuEntry, &AvailabilityEntry)> {
        let entry = self.sku(product, sku)?;
        let found = entry
            .availabilities
            .iter()
            .find(|a| same(&a.availability.id, availability))?;
        Some((entry, found))
    }

    /// The SKU and availability a `PRODUCT:SKU:AVAILABILITY` id names, if in the catalog.
    pub(crate) fn item(&self, catalog_item_id: &str) -> Option<(&SkuEntry, &AvailabilityEntry)> {
        let mut parts = catalog_item_id.split(':');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(p), Some(s), Some(a), None) => self.availability(p, s, a),
            _ => None,
        }
    }

    pub(crate) fn promotions(&self) -> impl Iterator<Item = &ProductPromotion> {
        self.entries.promotions.iter()
    }

    pub(crate) fn promotion(&self, id: &str) -> Option<&ProductPromotion> {
        self.promotions().find(|p| same(&p.id, id))
    }
}

/// Ids are compared without regard to case, as the service reads them.
fn same(field: &Option<String>, id: &str) -> bool {
    field.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalog item the repository's tests, examples and demo buy is in the built-in
    /// catalog (their checkouts are held to it).
    #[test]
    fn the_built_in_catalog_reads_and_has_what_the_examples_buy() {
        let parsed = catalog_file::parse(BUILT_IN_CATALOG.as_bytes());
        assert!(parsed.is_ok(), "{parsed:?}");
        let catalog = Catalog::built_in();
        for id in [
            "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            "CFQ7TTC0LH0Z:0002:CFQ7TTC0K18P",
            "CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1",
            "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ",
            "CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN",
            "CFQ7TTC0LH18:0001:CFQ7TTC0K59S",
            "CFQ7TTC0LH18:0002:CFQ7TTC0K59S",
            "DG7GMGF0DWTL:0001:DG7GMGF0DSJB",
            "DG7GMGF0CN2T:0002:DG7GMGF0DRZ4",
            "DG7GMGF0LH0Z:0001:DG7GMGF0K18P",
            "DZH318Z0BQ4Z:002L:DZH318Z0CMNP",
            "DZH318Z0BQ3Q:0009:DZH318Z0CP3K",
        ] {
            assert!(catalog.item(id).is_some(), "{id}");
            assert!(catalog.item(&id.to_ascii_lowercase()).is_some(), "{id}");
        }
        assert!(catalog.item("CFQ7TTC0LH0Z:0001").is_none());
        assert!(catalog.promotion("39NFJQT1Q5KL:0001").is_some());
    }
}
