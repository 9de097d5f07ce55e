//! The catalog's read operations: products, SKUs, availabilities (for the partner in a
//! country, or for a customer), promotions, the inventory check and promotion eligibility.
//! The catalog is of one country: another two-letter country sees it empty (an empty list, a
//! 404 for one item). A customer is of the catalog's country (the emulator has no customers to
//! say otherwise), and sees only what it can buy (purchasable availabilities).

use axum::http::StatusCode;
use serde::Deserialize;

use super::catalog::Catalog;
use super::catalog_file::{AvailabilityEntry, ProductEntry, SkuEntry, is_country};
use super::handling::decode_strict;
use super::orders::object_type;
use super::promotions;
use super::reply::{Reply, answer, error, invalid};
use partner_center_carts::types::{
    Availability, AvailabilityCollection, InventoryCheckRequest, InventoryItem, InventoryItems,
    InventoryRestriction, Product, ProductCollection, ProductPromotion, ProductPromotionCollection,
    PromotionEligibilities, PromotionEligibilitiesRequest, Sku, SkuCollection,
};

/// The query of a catalog read; which are required depends on the operation.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CatalogQuery {
    country: Option<String>,
    #[serde(rename = "targetView")]
    target_view: Option<String>,
    #[serde(rename = "targetSegment")]
    target_segment: Option<String>,
    /// Which reservations are listed (`AzurePlan`): every reservation of the catalog is one
    /// bought with an Azure plan, so it filters nothing.
    #[serde(rename = "reservationScope")]
    #[allow(dead_code)]
    reservation_scope: Option<String>,
    segment: Option<String>,
    #[serde(rename = "agreementType")]
    pub agreement_type: Option<String>,
}

/// Who reads the catalog: the partner in a country, or a customer (in the catalog's country,
/// and only what it can buy).
pub(crate) enum Reader {
    Partner,
    Customer,
}

/// The country asked, if the catalog is of it: required (400 / 800002 without it, or when it
/// is not two letters); `None` for a country of an empty catalog.
fn country<'a>(catalog: &'a Catalog, query: &CatalogQuery) -> Result<Option<&'a Catalog>, Reply> {
    match query.country.as_deref() {
        None | Some("") => Err(invalid("The country query parameter is required.")),
        Some(c) if !is_country(c) => Err(invalid(&format!(
            "The country {c:?} is not a two-letter country code."
        ))),
        Some(c) => Ok(catalog.serves(c).then_some(catalog)),
    }
}

/// A query parameter the operation requires, not blank.
fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, Reply> {
    value
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid(&format!("The {name} query parameter is required.")))
}

/// The catalog as `reader` sees it with this query: `None` when empty for it.
fn seen<'a>(
    catalog: &'a Catalog,
    reader: &Reader,
    query: &CatalogQuery,
) -> Result<Option<&'a Catalog>, Reply> {
    match reader {
        Reader::Partner => country(catalog, query),
        Reader::Customer => Ok(Some(catalog)),
    }
}

fn visible(reader: &Reader, availability: &AvailabilityEntry, segment: Option<&str>) -> bool {
    let a = &availability.availability;
    let purchasable = matches!(reader, Reader::Partner) || a.is_purchasable != Some(false);
    let of_segment = segment.is_none_or(|s| {
        a.segment
            .as_deref()
            .is_none_or(|own| own.eq_ignore_ascii_case(s))
    });
    purchasable && of_segment
}

fn sku_visible(reader: &Reader, sku: &SkuEntry, segment: Option<&str>) -> bool {
    sku.availabilities
        .iter()
        .any(|a| visible(reader, a, segment))
}

fn product_visible(reader: &Reader, product: &ProductEntry, segment: Option<&str>) -> bool {
    product.skus.iter().any(|s| sku_visible(reader, s, segment))
}

fn not_found(what: &str) -> Reply {
    error(StatusCode::NOT_FOUND, 0, &format!("{what} not found."))
}

/// listProducts, listCustomerProducts: the products of the view asked.
pub(crate) fn products(catalog: &Catalog, reader: &Reader, query: &CatalogQuery) -> Reply {
    let found = seen(catalog, reader, query).and_then(|seen| {
        let view = required(&query.target_view, "targetView")?;
        let segment = query.target_segment.as_deref();
        Ok(seen
            .into_iter()
            .flat_map(Catalog::products)
            .filter(|p| {
                p.product
                    .product_type
                    .as_ref()
                    .and_then(|t| t.id.as_deref())
                    .is_some_and(|id| id.eq_ignore_ascii_case(view))
            })
            .filter(|p| product_visible(reader, p, segment))
            .map(|p| p.product.clone())
            .collect::<Vec<Product>>())
    });
    collection(found, |items| ProductCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    })
}

/// getProduct.
pub(crate) fn product(catalog: &Catalog, id: &str, query: &CatalogQuery) -> Reply {
    let found = country(catalog, query).and_then(|seen| {
        seen.and_then(|c| c.product(id))
            .map(|p| p.product.clone())
            .ok_or_else(|| not_found(&format!("Product {id}")))
    });
    one(found)
}

/// listSkus, listCustomerSkus: a product's SKUs.
pub(crate) fn skus(
    catalog: &Catalog,
    reader: &Reader,
    product: &str,
    query: &CatalogQuery,
) -> Reply {
    let found = seen(catalog, reader, query).and_then(|seen| {
        let entry = seen
            .and_then(|c| c.product(product))
            .filter(|p| product_visible(reader, p, None))
            .ok_or_else(|| not_found(&format!("Product {product}")))?;
        let segment = query.target_segment.as_deref();
        Ok(entry
            .skus
            .iter()
            .filter(|s| sku_visible(reader, s, segment))
            .map(|s| s.sku.clone())
            .collect::<Vec<Sku>>())
    });
    collection(found, |items| SkuCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    })
}

/// getSku.
pub(crate) fn sku(catalog: &Catalog, product: &str, sku: &str, query: &CatalogQuery) -> Reply {
    let found = country(catalog, query).and_then(|seen| {
        seen.and_then(|c| c.sku(product, sku))
            .map(|s| s.sku.clone())
            .ok_or_else(|| not_found(&format!("SKU {product}:{sku}")))
    });
    one(found)
}

/// listAvailabilities, listCustomerAvailabilities: a SKU's availabilities, with the terms the
/// list gives.
pub(crate) fn availabilities(
    catalog: &Catalog,
    reader: &Reader,
    (product, sku): (&str, &str),
    query: &CatalogQuery,
) -> Reply {
    let found = seen(catalog, reader, query).and_then(|seen| {
        let entry = seen
            .and_then(|c| c.sku(product, sku))
            .filter(|s| sku_visible(reader, s, None))
            .ok_or_else(|| not_found(&format!("SKU {product}:{sku}")))?;
        let segment = query.target_segment.as_deref();
        Ok(entry
            .availabilities
            .iter()
            .filter(|a| visible(reader, a, segment))
            .map(|a| a.availability.clone())
            .collect::<Vec<Availability>>())
    });
    collection(found, |items| AvailabilityCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    })
}

/// getAvailability: with the terms a single read gives, which may differ from the list's.
pub(crate) fn availability(
    catalog: &Catalog,
    (product, sku, id): (&str, &str, &str),
    query: &CatalogQuery,
) -> Reply {
    let found = country(catalog, query).and_then(|seen| {
        let (_, entry) = seen
            .and_then(|c| c.availability(product, sku, id))
            .ok_or_else(|| not_found(&format!("Availability {product}:{sku}:{id}")))?;
        let mut availability = entry.availability.clone();
        if let Some(terms) = &entry.terms_when_read {
            availability.terms = Some(terms.clone());
        }
        Ok(availability)
    });
    one(found)
}

/// listPromotions: the catalog's promotions of the segment asked.
pub(crate) fn promotions(catalog: &Catalog, query: &CatalogQuery) -> Reply {
    let found = country(catalog, query).and_then(|seen| {
        let segment = required(&query.segment, "segment")?;
        Ok(seen
            .into_iter()
            .flat_map(Catalog::promotions)
            .filter(|p| {
                p.segment
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case(segment))
            })
            .cloned()
            .collect::<Vec<ProductPromotion>>())
    });
    collection(found, |items| ProductPromotionCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    })
}

/// getPromotion.
pub(crate) fn promotion(catalog: &Catalog, id: &str, query: &CatalogQuery) -> Reply {
    let found = country(catalog, query).and_then(|seen| {
        seen.and_then(|c| c.promotion(id))
            .cloned()
            .ok_or_else(|| not_found(&format!("Promotion {id}")))
    });
    one(found)
}

/// checkInventory: each item restricted in the context given when one of its SKU's
/// restrictions matches it; an item not in the catalog (of the country asked) is restricted,
/// with the reason `NotInCatalog`.
pub(crate) fn inventory(catalog: &Catalog, query: &CatalogQuery, body: &[u8]) -> Reply {
    let checked = country(catalog, query).and_then(|seen| {
        let not_null = [
            "productId",
            "skuId",
            "isRestricted",
            "reasonCode",
            "description",
        ];
        let request: InventoryCheckRequest = decode_strict(body, "an inventory check", &not_null)?;
        let items = request.target_items.unwrap_or_default();
        if items.is_empty() {
            return Err(invalid("targetItems names no item to check."));
        }
        let context = request.inventory_context.unwrap_or_default();
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let (Some(product), Some(sku)) = (item.product_id.as_deref(), item.sku_id.as_deref())
            else {
                return Err(invalid(
                    "Each of targetItems needs a productId and a skuId.",
                ));
            };
            let restrictions: Vec<InventoryRestriction> =
                match seen.and_then(|c| c.sku(product, sku)) {
                    None => vec![InventoryRestriction {
                        reason_code: Some("NotInCatalog".into()),
                        description: Some(format!("{product}:{sku} is not in the catalog.")),
                        ..Default::default()
                    }],
                    Some(entry) => entry
                        .restrictions
                        .iter()
                        .filter(|r| {
                            r.context.iter().all(|(key, value)| {
                                context.iter().any(|(k, v)| {
                                    k.eq_ignore_ascii_case(key) && v.eq_ignore_ascii_case(value)
                                })
                            })
                        })
                        .map(|r| InventoryRestriction {
                            reason_code: Some(r.reason_code.clone()),
                            description: Some(r.description.clone()),
                            properties: Some(r.context.clone()),
                            ..Default::default()
                        })
                        .collect(),
                };
            checked.push(InventoryItem {
                product_id: Some(product.to_string()),
                sku_id: Some(sku.to_string()),
                is_restricted: Some(!restrictions.is_empty()),
                restrictions: Some(restrictions),
                ..Default::default()
            });
        }
        Ok(InventoryItems(checked))
    });
    one(checked)
}

/// checkPromotionEligibilities: each item's eligibilities, on the emulator's clock.
pub(crate) fn eligibilities(
    catalog: &Catalog,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Reply {
    let not_null = [
        "id",
        "catalogItemId",
        "quantity",
        "termDuration",
        "billingCycle",
    ];
    let answered = decode_strict::<PromotionEligibilitiesRequest>(
        body,
        "a promotion eligibility check",
        &not_null,
    )
    .map(|request| PromotionEligibilities {
        items: Some(
            request
                .items
                .iter()
                .flatten()
                .map(|item| promotions::of_item(catalog, item, now))
                .collect(),
        ),
        ..Default::default()
    });
    one(answered)
}

fn collection<T, C: serde::Serialize>(
    found: Result<Vec<T>, Reply>,
    wrap: impl FnOnce(Vec<T>) -> C,
) -> Reply {
    match found {
        Ok(items) => answer(StatusCode::OK, Ok(wrap(items))),
        Err(refused) => refused,
    }
}

fn one<T: serde::Serialize>(found: Result<T, Reply>) -> Reply {
    match found {
        Ok(value) => answer(StatusCode::OK, Ok(value)),
        Err(refused) => refused,
    }
}
