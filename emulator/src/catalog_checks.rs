//! A checkout's line items held to the catalog, refused with the codes the service has been
//! seen to answer: 403 / 800089 for a catalog item it does not have (its words, "exceeded the
//! remaining limit of 0 assets", name the wrong cause: Partner-Center-PowerShell #387), 400 /
//! 400039 for a term the availability does not have (#388, a trial sent without its term), and
//! 400 / 800009 ("error in cart item(s)") for the rest, each line's error in `data` with a line
//! item error code of the spec's `CartErrorCode`. Legacy offer ids (no `:`) and the emulator's
//! own `UNFULFILLABLE` product are outside the catalog, and not held to it.

use axum::http::StatusCode;
use serde_json::json;

use super::catalog::Catalog;
use super::catalog_file::{AvailabilityEntry, SkuEntry};
use super::orders::UNFULFILLABLE;
use super::reply::{Reply, error, error_with_data};
use partner_center_carts::codes;
use partner_center_carts::types::{Cart, CartLineItem, Term};

/// What the service answered for catalog ids it does not have (Partner-Center-PowerShell #387).
pub(crate) const UNKNOWN_CATALOG_ITEM: i64 = 800_089;

/// What the service answered for a term the availability does not support (#388).
pub(crate) const UNSUPPORTED_TERM: i64 = 400_039;

/// The line item error codes used (the spec's `CartErrorCode`).
const CATALOG_ITEM_NOT_VALID: i64 = 10_001;
const INVALID_INPUT: i64 = 10_009;
const BILLING_PLAN_NOT_SUPPORTED: i64 = 10_013;
const MAX_SEATS_EXCEEDED: i64 = 10_015;

/// The purchase prerequisite of the customer's acceptance of the Microsoft Customer Agreement.
pub(crate) const CUSTOMER_AGREEMENT: &str = "MicrosoftCustomerAgreement";

/// What is wrong with one line item.
enum Problem {
    NotInCatalog,
    Term { availability: String, term: String },
    Line { code: i64, description: String },
}

/// Refuses the checkout of `cart` if a line item (or an add-on of one) does not match
/// `catalog`; `agreed` says whether the customer's acceptance of the Microsoft Customer
/// Agreement is confirmed.
pub(crate) fn check(cart: &Cart, catalog: &Catalog, agreed: bool) -> Result<(), Reply> {
    let mut problems = Vec::new();
    for (n, line) in cart.line_items.iter().enumerate() {
        let number = line.id.map_or(n as i64, i64::from);
        for item in std::iter::once(line).chain(line.addon_items.iter().flatten()) {
            if let Some(problem) = problem(item, catalog, agreed) {
                problems.push((number, item.catalog_item_id.as_str(), problem));
            }
        }
    }
    let unknown: Vec<String> = problems
        .iter()
        .filter(|(_, _, p)| matches!(p, Problem::NotInCatalog))
        .map(|(n, id, _)| format!("line item {n} ({id})"))
        .collect();
    if !unknown.is_empty() {
        return Err(error(
            StatusCode::FORBIDDEN,
            UNKNOWN_CATALOG_ITEM,
            &format!(
                "Checkout failed: you have exceeded the remaining limit of 0 assets. (The \
                 emulator: {} not in the catalog of {}.)",
                unknown.join(", "),
                catalog.country()
            ),
        ));
    }
    if let Some((_, _, Problem::Term { availability, term })) = problems
        .iter()
        .find(|(_, _, p)| matches!(p, Problem::Term { .. }))
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            UNSUPPORTED_TERM,
            &format!("Availability {availability} does not support term '{term}'."),
        ));
    }
    let lines: Vec<(i64, i64, String)> = problems
        .into_iter()
        .filter_map(|(n, _, p)| match p {
            Problem::Line { code, description } => Some((n, code, description)),
            _ => None,
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let words: Vec<String> = lines
        .iter()
        .map(|(n, _, description)| format!("line item {n}: {description}"))
        .collect();
    let data = lines
        .iter()
        .map(|(n, code, description)| {
            json!({"lineItemId": n, "errorCode": code, "errorDescription": description})
        })
        .collect();
    Err(error_with_data(
        StatusCode::BAD_REQUEST,
        codes::CART_ITEM_ERROR,
        &format!("Error in cart item(s). {}", words.join("; ")),
        data,
    ))
}

fn problem(line: &CartLineItem, catalog: &Catalog, agreed: bool) -> Option<Problem> {
    let id = line.catalog_item_id.as_str();
    if !id.contains(':') || id.split(':').next() == Some(UNFULFILLABLE) {
        return None;
    }
    let Some((sku, availability)) = catalog.item(id) else {
        return Some(Problem::NotInCatalog);
    };
    let line_problem = |code, description: String| Some(Problem::Line { code, description });
    let item = &availability.availability;
    if item.is_purchasable == Some(false) {
        return line_problem(
            CATALOG_ITEM_NOT_VALID,
            format!("{id} cannot be bought (its availability is not purchasable)."),
        );
    }
    let sku_entry = &sku.sku;
    let quantity = line.quantity;
    if let Some(max) = sku_entry.maximum_quantity.filter(|max| quantity > *max) {
        return line_problem(
            MAX_SEATS_EXCEEDED,
            format!("quantity {quantity} is more than the SKU's maximumQuantity {max}."),
        );
    }
    if let Some(min) = sku_entry.minimum_quantity.filter(|min| quantity < *min) {
        return line_problem(
            INVALID_INPUT,
            format!("quantity {quantity} is less than the SKU's minimumQuantity {min}."),
        );
    }
    let cycle = line.billing_cycle.as_str();
    let cycles = sku_entry
        .supported_billing_cycles
        .as_deref()
        .unwrap_or_default();
    if !cycles.is_empty() && !cycles.iter().any(|c| c.eq_ignore_ascii_case(cycle)) {
        let supported: Vec<&str> = cycles.iter().map(|c| c.as_str()).collect();
        return line_problem(
            BILLING_PLAN_NOT_SUPPORTED,
            format!(
                "billing cycle {cycle:?} is not one the SKU supports ({}).",
                supported.join(", ")
            ),
        );
    }
    if let Some(problem) = term_problem(line, sku, availability) {
        return Some(problem);
    }
    let needs_agreement = sku_entry
        .purchase_prerequisites
        .iter()
        .flatten()
        .any(|p| p.eq_ignore_ascii_case(CUSTOMER_AGREEMENT));
    if needs_agreement && !agreed {
        // No source documents the service's code for this refusal: the emulator answers it as
        // an error in the line item, with the line item error code for invalid input.
        return line_problem(
            INVALID_INPUT,
            format!(
                "{id} needs the customer's acceptance of the Microsoft Customer Agreement, \
                 which is not confirmed: confirm it first (POST .../agreements)."
            ),
        );
    }
    None
}

/// The line's term against the availability's terms: those of the list and those of a single
/// read together, where they differ (which of the two the service holds a checkout to is not
/// known; the client's plan takes both too). A line without a term is held to its billing
/// cycle alone, except a trial's, which the service refuses; a line of an availability without
/// terms, to nothing.
fn term_problem(
    line: &CartLineItem,
    sku: &SkuEntry,
    availability: &AvailabilityEntry,
) -> Option<Problem> {
    let listed = availability
        .availability
        .terms
        .as_deref()
        .unwrap_or_default();
    let read = availability.terms_when_read.as_deref().unwrap_or_default();
    let terms: Vec<Term> = listed.iter().chain(read).cloned().collect();
    let term = line.term_duration.as_deref().unwrap_or_default();
    let unsupported = || {
        Some(Problem::Term {
            availability: availability.availability.id.clone().unwrap_or_default(),
            term: term.to_string(),
        })
    };
    // An availability without terms (perpetual software) has no term to hold a line to.
    if terms.is_empty() {
        return None;
    }
    if term.is_empty() {
        return if sku.sku.is_trial == Some(true) {
            unsupported()
        } else {
            None
        };
    }
    let of_duration: Vec<&Term> = terms
        .iter()
        .filter(|t| {
            t.duration
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(term))
        })
        .collect();
    if of_duration.is_empty() {
        return unsupported();
    }
    let cycle = line.billing_cycle.as_str();
    let billed = of_duration.iter().any(|t| {
        t.billing_cycle
            .as_ref()
            .is_none_or(|c| c.eq_ignore_ascii_case(cycle))
    });
    if billed {
        return None;
    }
    Some(Problem::Line {
        code: BILLING_PLAN_NOT_SUPPORTED,
        description: format!("the term {term} is not billed {cycle:?} for this availability."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, quantity: i32, cycle: &str, term: Option<&str>) -> CartLineItem {
        CartLineItem {
            catalog_item_id: id.into(),
            quantity,
            billing_cycle: cycle.into(),
            term_duration: term.map(Into::into),
            ..Default::default()
        }
    }

    fn refusal(lines: Vec<CartLineItem>, agreed: bool) -> Option<(u16, String)> {
        let cart = Cart {
            line_items: lines,
            ..Default::default()
        };
        check(&cart, &Catalog::built_in(), agreed)
            .err()
            .map(|reply| {
                let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
                (reply.status.as_u16(), body["code"].to_string())
            })
    }

    #[test]
    fn lines_that_do_not_match_the_catalog_are_refused_with_the_services_codes() {
        let e3 = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
        let cases = [
            (line(e3, 1, "monthly", Some("P1M")), None),
            (line(e3, 1, "Monthly", None), None),
            (line("MS-AZR-0145P", 1, "monthly", None), None),
            (line("UNFULFILLABLE:0001:0001", 1, "monthly", None), None),
            (line("A:1:B", 1, "monthly", None), Some((403, "800089"))),
            (line(e3, 1, "monthly", Some("P3Y")), Some((400, "400039"))),
            (line(e3, 1, "annual", Some("P1M")), Some((400, "800009"))),
            (line(e3, 1, "triennial", None), Some((400, "800009"))),
            (line(e3, 301, "monthly", None), Some((400, "800009"))),
            (line(e3, 0, "monthly", None), Some((400, "800009"))),
            (
                line("CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1", 1, "none", None),
                Some((400, "400039")),
            ),
            (
                line("CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1", 1, "none", Some("P1M")),
                None,
            ),
            // A term of the list or of the single read; one of neither refused.
            (
                line("CFQ7TTC0MM8R:0002:CFQ7TTC0J1FV", 1, "monthly", Some("P1M")),
                None,
            ),
            (
                line("CFQ7TTC0MM8R:0002:CFQ7TTC0J1FV", 1, "monthly", Some("P1Y")),
                None,
            ),
            (
                line("CFQ7TTC0MM8R:0002:CFQ7TTC0J1FV", 1, "monthly", Some("P3Y")),
                Some((400, "400039")),
            ),
            (
                line("CFQ7TTC0LCHC:0002:CFQ7TTC0N8SS", 1, "monthly", Some("P1M")),
                Some((400, "800009")),
            ),
        ];
        for (line, expected) in cases {
            let said = refusal(vec![line.clone()], false);
            let said = said.as_ref().map(|(s, c)| (*s, c.as_str()));
            assert_eq!(said, expected, "{line:?}");
        }
        let agreed = line("CFQ7TTC0LCHC:0002:CFQ7TTC0N8SS", 1, "monthly", Some("P1M"));
        assert_eq!(refusal(vec![agreed], true), None);
    }
}
