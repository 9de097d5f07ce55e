//! The catalog's file format, read: the service's own types (Product, Sku, Availability,
//! ProductPromotion) nested product > SKUs > availabilities, plus the few fields the emulator
//! needs to act as the service does (`inventoryRestrictions`, `termsWhenRead`). What the file
//! leaves out that follows from its place (ids, links, country, currency) is filled in, so a
//! file stays short; what contradicts its place is refused, naming where it is.

use std::collections::{BTreeMap, HashSet};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::limits::CATALOG_FILE;
use partner_center_carts::types::{
    Availability, CatalogLinks, Currency, Link, Product, ProductPromotion, ResourceAttributes, Sku,
    Term,
};

/// A catalog as its file gives it, filled in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Entries {
    /// The one country the catalog is of (`US`): other countries see an empty catalog.
    pub country: String,
    pub products: Vec<ProductEntry>,
    pub promotions: Vec<ProductPromotion>,
}

#[derive(Clone, Debug)]
pub(crate) struct ProductEntry {
    pub product: Product,
    pub skus: Vec<SkuEntry>,
}

#[derive(Clone, Debug)]
pub(crate) struct SkuEntry {
    pub sku: Sku,
    /// The contexts the SKU cannot be bought in, for checkInventory.
    pub restrictions: Vec<Restriction>,
    pub availabilities: Vec<AvailabilityEntry>,
}

#[derive(Clone, Debug)]
pub(crate) struct AvailabilityEntry {
    /// As listed (listAvailabilities).
    pub availability: Availability,
    /// The terms a single read (getAvailability) gives, when they differ from the list's, as
    /// the service's have been seen to (Microsoft Q&A 1455576). A checkout is held to these.
    pub terms_when_read: Option<Vec<Term>>,
}

/// A context the SKU cannot be bought in: every key of `context` equal (without regard to case)
/// to the inventory context's.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Restriction {
    pub context: BTreeMap<String, String>,
    pub reason_code: String,
    pub description: String,
}

/// Reads a catalog file's text, or says what is wrong with it and where.
pub(crate) fn parse(text: &[u8]) -> Result<Entries, String> {
    if text.len() > CATALOG_FILE {
        return Err(format!(
            "the catalog is {} bytes, more than the {CATALOG_FILE} accepted",
            text.len()
        ));
    }
    let value: Value =
        serde_json::from_slice(text).map_err(|e| format!("the catalog is not JSON: {e}"))?;
    let Value::Object(mut top) = value else {
        return Err("the catalog is not a JSON object".into());
    };
    let country = match top.remove("country") {
        Some(Value::String(c)) if is_country(&c) => c.to_ascii_uppercase(),
        _ => return Err("`country` must be a two-letter country code, such as \"US\"".into()),
    };
    let currency: Currency = match top.remove("currency") {
        Some(value) => read(value, "currency")?,
        None => Currency {
            code: Some("USD".into()),
            symbol: Some("$".into()),
            ..Default::default()
        },
    };
    let mut entries = Entries {
        country,
        ..Default::default()
    };
    let mut products = HashSet::new();
    for (n, value) in list(top.remove("products"), "products")?
        .into_iter()
        .enumerate()
    {
        let at = format!("products[{n}]");
        let entry = product(value, &at, &entries.country, &currency)?;
        let id = entry.product.id.clone().unwrap_or_default();
        if !products.insert(id.to_ascii_uppercase()) {
            return Err(format!("{at}: product {id} is listed twice"));
        }
        entries.products.push(entry);
    }
    let mut promotions = HashSet::new();
    for (n, value) in list(top.remove("promotions"), "promotions")?
        .into_iter()
        .enumerate()
    {
        let at = format!("promotions[{n}]");
        let mut promotion: ProductPromotion = read(value, &at)?;
        let id = required_without(&promotion.id, &at, "id", &['/', '?', '#'])?;
        if !promotions.insert(id.to_ascii_uppercase()) {
            return Err(format!("{at}: promotion {id} is listed twice"));
        }
        for (name, date) in [
            ("startDate", &promotion.start_date),
            ("endDate", &promotion.end_date),
        ] {
            if date.as_ref().is_some_and(|d| d.to_datetime().is_none()) {
                return Err(format!("{at}: `{name}` is not a date-time"));
            }
        }
        promotion
            .country
            .get_or_insert_with(|| entries.country.clone());
        promotion.attributes = Some(object_type("ProductPromotion"));
        entries.promotions.push(promotion);
    }
    if let Some(key) = top.keys().next() {
        return Err(format!(
            "unknown key `{key}`: a catalog has country, currency, products and promotions"
        ));
    }
    Ok(entries)
}

fn product(
    value: Value,
    at: &str,
    country: &str,
    currency: &Currency,
) -> Result<ProductEntry, String> {
    let (mut product, skus): (Product, _) = split(value, at, "skus")?;
    let id = required(&product.id, at, "id")?;
    product.links = Some(CatalogLinks {
        skus: Some(link(&format!("/products/{id}/skus?country={country}"))),
        ..product.links.unwrap_or_default()
    });
    product.attributes = Some(object_type("Product"));
    let mut entry = ProductEntry {
        product,
        skus: Vec::new(),
    };
    let mut ids = HashSet::new();
    for (n, value) in skus.into_iter().enumerate() {
        let at = format!("{at}.skus[{n}]");
        let sku = sku(value, &at, &id, country, currency)?;
        let sku_id = sku.sku.id.clone().unwrap_or_default();
        if !ids.insert(sku_id.to_ascii_uppercase()) {
            return Err(format!("{at}: SKU {sku_id} is listed twice"));
        }
        entry.skus.push(sku);
    }
    Ok(entry)
}

fn sku(
    value: Value,
    at: &str,
    product: &str,
    country: &str,
    currency: &Currency,
) -> Result<SkuEntry, String> {
    let Value::Object(mut fields) = value else {
        return Err(format!("{at} is not an object"));
    };
    let restrictions = match fields.remove("inventoryRestrictions") {
        Some(value) => read(value, &format!("{at}.inventoryRestrictions"))?,
        None => Vec::new(),
    };
    let (mut sku, availabilities): (Sku, _) = split(Value::Object(fields), at, "availabilities")?;
    let id = required(&sku.id, at, "id")?;
    matches(&mut sku.product_id, product, at, "productId")?;
    if let (Some(min), Some(max)) = (sku.minimum_quantity, sku.maximum_quantity)
        && min > max
    {
        return Err(format!(
            "{at}: minimumQuantity {min} is more than maximumQuantity {max}"
        ));
    }
    sku.links = Some(CatalogLinks {
        availabilities: Some(link(&format!(
            "/products/{product}/skus/{id}/availabilities?country={country}"
        ))),
        ..sku.links.unwrap_or_default()
    });
    sku.attributes = Some(object_type("Sku"));
    let mut entry = SkuEntry {
        sku,
        restrictions,
        availabilities: Vec::new(),
    };
    let mut ids = HashSet::new();
    for (n, value) in availabilities.into_iter().enumerate() {
        let at = format!("{at}.availabilities[{n}]");
        let place = Place {
            product,
            sku: &id,
            country,
            currency,
        };
        let availability = availability(value, &at, &place)?;
        let availability_id = availability.availability.id.clone().unwrap_or_default();
        if !ids.insert(availability_id.to_ascii_uppercase()) {
            return Err(format!(
                "{at}: availability {availability_id} is listed twice"
            ));
        }
        entry.availabilities.push(availability);
    }
    Ok(entry)
}

/// Where an availability is in the catalog.
struct Place<'a> {
    product: &'a str,
    sku: &'a str,
    country: &'a str,
    currency: &'a Currency,
}

fn availability(value: Value, at: &str, place: &Place<'_>) -> Result<AvailabilityEntry, String> {
    let Value::Object(mut fields) = value else {
        return Err(format!("{at} is not an object"));
    };
    let terms_when_read = match fields.remove("termsWhenRead") {
        Some(value) => Some(read(value, &format!("{at}.termsWhenRead"))?),
        None => None,
    };
    let mut availability: Availability = read(Value::Object(fields), at)?;
    let id = required(&availability.id, at, "id")?;
    let Place {
        product,
        sku,
        country,
        currency,
    } = place;
    matches(&mut availability.product_id, product, at, "productId")?;
    matches(&mut availability.sku_id, sku, at, "skuId")?;
    matches(
        &mut availability.catalog_item_id,
        &format!("{product}:{sku}:{id}"),
        at,
        "catalogItemId",
    )?;
    matches(&mut availability.country, country, at, "country")?;
    availability
        .default_currency
        .get_or_insert_with(|| (*currency).clone());
    availability.links = Some(CatalogLinks {
        self_: Some(link(&format!(
            "/products/{product}/skus/{sku}/availabilities/{id}?country={country}"
        ))),
        ..availability.links.unwrap_or_default()
    });
    availability.attributes = Some(object_type("Availability"));
    Ok(AvailabilityEntry {
        availability,
        terms_when_read,
    })
}

/// An object read as `T`, less its list under `key` (returned apart).
fn split<T: DeserializeOwned>(
    value: Value,
    at: &str,
    key: &str,
) -> Result<(T, Vec<Value>), String> {
    let Value::Object(mut fields) = value else {
        return Err(format!("{at} is not an object"));
    };
    let nested = list(fields.remove(key), &format!("{at}.{key}"))?;
    Ok((read(Value::Object(fields), at)?, nested))
}

fn list(value: Option<Value>, at: &str) -> Result<Vec<Value>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{at} is not a list")),
    }
}

fn read<T: DeserializeOwned>(value: Value, at: &str) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("{at}: {e}"))
}

/// An id the catalog cannot do without: present, not blank, and without a character that would
/// break a path or a catalog item id (`:` separates its parts; a promotion's id has one).
fn required(field: &Option<String>, at: &str, name: &str) -> Result<String, String> {
    required_without(field, at, name, &[':', '/', '?', '#'])
}

fn required_without(
    field: &Option<String>,
    at: &str,
    name: &str,
    forbidden: &[char],
) -> Result<String, String> {
    let id = field.as_deref().unwrap_or_default();
    if id.trim().is_empty() {
        return Err(format!("{at}: `{name}` is required"));
    }
    if id.contains(forbidden) {
        return Err(format!(
            "{at}: `{name}` {id:?} has a character an id cannot have (one of {forbidden:?})"
        ));
    }
    Ok(id.to_string())
}

/// A field that follows from the entry's place: filled in when absent, refused when it says
/// otherwise.
fn matches(field: &mut Option<String>, expected: &str, at: &str, name: &str) -> Result<(), String> {
    match field {
        Some(given) if !given.eq_ignore_ascii_case(expected) => Err(format!(
            "{at}: `{name}` is {given:?}, but its place in the catalog makes it {expected:?}"
        )),
        _ => {
            *field = Some(expected.to_string());
            Ok(())
        }
    }
}

/// Two ASCII letters.
pub(crate) fn is_country(text: &str) -> bool {
    text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic())
}

fn link(uri: &str) -> Link {
    Link {
        uri: Some(uri.to_string()),
        method: Some("GET".to_string()),
        headers: Some(Vec::new()),
        ..Default::default()
    }
}

fn object_type(name: &str) -> ResourceAttributes {
    ResourceAttributes {
        object_type: Some(name.to_string()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_places_fill_in_ids_links_and_currency() {
        let entries = parse(
            br#"{"country": "us", "products": [{"id": "P", "skus": [{"id": "S",
                "availabilities": [{"id": "A", "terms": []}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(entries.country, "US");
        let availability = &entries.products[0].skus[0].availabilities[0].availability;
        assert_eq!(availability.catalog_item_id.as_deref(), Some("P:S:A"));
        assert_eq!(availability.country.as_deref(), Some("US"));
        assert_eq!(
            availability
                .default_currency
                .as_ref()
                .unwrap()
                .code
                .as_deref(),
            Some("USD")
        );
    }

    #[test]
    fn a_bad_file_is_refused_with_where() {
        for (text, said) in [
            (&b"[1]"[..], "not a JSON object"),
            (br#"{"country": "USA"}"#, "two-letter"),
            (br#"{"country": "US", "products": [{"title": "x"}]}"#, "products[0]: `id`"),
            (
                br#"{"country": "US", "products": [{"id": "P", "skus": [{"id": "S", "productId": "Q"}]}]}"#,
                "products[0].skus[0]: `productId`",
            ),
            (
                br#"{"country": "US", "products": [{"id": "P"}, {"id": "p"}]}"#,
                "listed twice",
            ),
            (br#"{"country": "US", "products": [{"id": "P:Q"}]}"#, "character"),
            (
                br#"{"country": "US", "products": [{"id": "P", "skus": [{"id": "S", "minimumQuantity": "one"}]}]}"#,
                "products[0].skus[0]",
            ),
            (br#"{"country": "US", "prodcts": []}"#, "unknown key `prodcts`"),
            (
                br#"{"country": "US", "promotions": [{"id": "X", "endDate": "soon"}]}"#,
                "endDate",
            ),
        ] {
            let refused = parse(text).unwrap_err();
            assert!(refused.contains(said), "{refused}");
        }
        let large = vec![b' '; CATALOG_FILE + 1];
        assert!(parse(&large).unwrap_err().contains("more than"));
    }
}
