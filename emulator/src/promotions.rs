//! Promotion eligibility (checkPromotionEligibilities): an item is eligible for a promotion of
//! the catalog when its product and SKU are among the promotion's required products, on the
//! term and billing cycle the promotion names, while the promotion is active on the emulator's
//! clock. The spec's example gives code 2 for a term or billing cycle that does not match; no
//! source gives the others, so 1 (does not apply to the item) and 3 (not active) are the
//! emulator's own.

use chrono::{DateTime, Utc};

use super::catalog::Catalog;
use partner_center_carts::types::{
    PartnerCenterErrorCode, ProductPromotion, PromotionEligibilitiesOfItem, PromotionEligibility,
    PromotionEligibilityError, PromotionEligibilityItem, PromotionProduct,
};

/// The promotion does not apply to the item's product and SKU (or is not in the catalog).
pub(crate) const NOT_APPLICABLE: i64 = 1;
/// The item's term or billing cycle is not the promotion's (the spec's example).
pub(crate) const TERM_MISMATCH: i64 = 2;
/// The promotion is not active now.
pub(crate) const NOT_ACTIVE: i64 = 3;

/// One item's eligibilities: for the promotion it names, or for each promotion of its product
/// and SKU when it names none.
pub(crate) fn of_item(
    catalog: &Catalog,
    item: &PromotionEligibilityItem,
    now: DateTime<Utc>,
) -> PromotionEligibilitiesOfItem {
    let catalog_item = item.catalog_item_id.as_deref().unwrap_or_default();
    let eligibilities = match item.promotion_id.as_deref().filter(|p| !p.is_empty()) {
        Some(id) => vec![match catalog.promotion(id) {
            Some(promotion) => eligibility(promotion, item, now),
            None => refused(
                id,
                NOT_APPLICABLE,
                format!("Promotion {id} is not a promotion of the catalog."),
            ),
        }],
        None => catalog
            .promotions()
            .filter(|p| !required(p, catalog_item).is_empty())
            .map(|p| eligibility(p, item, now))
            .collect(),
    };
    PromotionEligibilitiesOfItem {
        id: item.id,
        catalog_item_id: item.catalog_item_id.clone(),
        eligibilities: Some(eligibilities),
        ..Default::default()
    }
}

fn eligibility(
    promotion: &ProductPromotion,
    item: &PromotionEligibilityItem,
    now: DateTime<Utc>,
) -> PromotionEligibility {
    let id = promotion.id.as_deref().unwrap_or_default();
    let catalog_item = item.catalog_item_id.as_deref().unwrap_or_default();
    let products = required(promotion, catalog_item);
    if products.is_empty() {
        return refused(
            id,
            NOT_APPLICABLE,
            format!("Promotion {id} does not apply to {catalog_item}."),
        );
    }
    let started = promotion
        .start_date
        .as_ref()
        .and_then(|d| d.to_datetime())
        .is_none_or(|start| start <= now);
    let not_ended = promotion
        .end_date
        .as_ref()
        .and_then(|d| d.to_datetime())
        .is_none_or(|end| now <= end);
    let active = promotion
        .status
        .as_deref()
        .is_none_or(|s| s.eq_ignore_ascii_case("active"));
    if !(started && not_ended && active) {
        return refused(id, NOT_ACTIVE, format!("Promotion {id} is not active."));
    }
    let term = item.term_duration.as_deref().unwrap_or_default();
    let cycle = item.billing_cycle.as_deref().map_or("", String::as_str);
    let on_term = products.iter().any(|p| {
        p.term.as_ref().is_none_or(|t| {
            t.duration
                .as_deref()
                .is_none_or(|d| d.eq_ignore_ascii_case(term))
                && t.billing_cycle
                    .as_deref()
                    .is_none_or(|c| c.eq_ignore_ascii_case(cycle))
        })
    });
    if !on_term {
        return refused(
            id,
            TERM_MISMATCH,
            "The term and billing cycle do not match the promotion's.".to_string(),
        );
    }
    PromotionEligibility {
        promotion_id: Some(id.to_string()),
        is_eligible: Some(true),
        errors: Some(Vec::new()),
        ..Default::default()
    }
}

/// The promotion's required products that are the item's product and SKU.
fn required<'a>(promotion: &'a ProductPromotion, catalog_item: &str) -> Vec<&'a PromotionProduct> {
    let mut parts = catalog_item.split(':');
    let (product, sku) = (parts.next().unwrap_or_default(), parts.next());
    promotion
        .required_products
        .iter()
        .flatten()
        .filter(|p| {
            p.product_id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(product))
                && p.sku_id
                    .as_deref()
                    .is_none_or(|s| sku.is_some_and(|sku| s.eq_ignore_ascii_case(sku)))
        })
        .collect()
}

fn refused(promotion: &str, code: i64, description: String) -> PromotionEligibility {
    PromotionEligibility {
        promotion_id: Some(promotion.to_string()),
        is_eligible: Some(false),
        errors: Some(vec![PromotionEligibilityError {
            code: Some(PartnerCenterErrorCode::Int64(code)),
            description: Some(description),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(term: &str, cycle: &str, promotion: Option<&str>) -> PromotionEligibilityItem {
        PromotionEligibilityItem {
            id: Some(0),
            catalog_item_id: Some("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into()),
            quantity: Some(5),
            term_duration: Some(term.into()),
            billing_cycle: Some(cycle.into()),
            promotion_id: promotion.map(Into::into),
            ..Default::default()
        }
    }

    fn codes(item: &PromotionEligibilityItem, now: DateTime<Utc>) -> Vec<Option<i64>> {
        of_item(&Catalog::built_in(), item, now)
            .eligibilities
            .unwrap()
            .iter()
            .map(|e| {
                let errors = e.errors.as_deref().unwrap_or_default();
                errors.first().and_then(|e| e.code.as_ref()?.number())
            })
            .collect()
    }

    #[test]
    fn eligible_on_the_promotions_term_while_it_is_active() {
        let now = Utc::now();
        let promotion = Some("39NFJQT1Q5KL:0001");
        assert_eq!(codes(&item("P1Y", "annual", promotion), now), [None]);
        assert_eq!(codes(&item("P1Y", "annual", None), now), [None]);
        assert_eq!(
            codes(&item("P1M", "monthly", promotion), now),
            [Some(TERM_MISMATCH)]
        );
        assert_eq!(
            codes(&item("P1Y", "annual", Some("NOPE")), now),
            [Some(NOT_APPLICABLE)]
        );
        let before = "2020-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            codes(&item("P1Y", "annual", promotion), before),
            [Some(NOT_ACTIVE)]
        );
        let mut other = item("P1Y", "annual", None);
        other.catalog_item_id = Some("CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ".into());
        assert!(codes(&other, now).is_empty());
    }
}
