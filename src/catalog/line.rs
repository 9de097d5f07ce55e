//! A cart line from a SKU and one of its availabilities, as the service's own sample builds
//! one (`CreateCart.cs`): the term from the availability, the billing cycle one the term and
//! the SKU allow, the provisioning context from the SKU's `provisioningVariables`, and for a
//! trial what it renews to.

use std::collections::BTreeMap;

use super::problem::LineProblem;
use crate::types::{Availability, BillingCycle, CartLineItem, RenewsTo, Sku, Term};

/// A cart line for `quantity` of `availability` (of `sku`), on the term `term` (an ISO 8601
/// duration such as `P1Y`; `None` only for an availability that offers no term), billed
/// `billing_cycle`.
///
/// It fills what the catalog says:
///
/// - `catalogItemId`: the availability's (or `PRODUCT:SKU:AVAILABILITY` from its ids);
/// - `termDuration` and `billingCycle`: the term and cycle asked, compared without regard to
///   case, written as the catalog writes them. The term must be one of the availability's
///   `terms`; the cycle one that term allows (the `billingCycle` of its entries; any the SKU
///   supports when an entry has none) and, where the SKU lists `supportedBillingCycles`, one
///   of those too;
/// - `provisioningContext`: the `duration` the SKU's `Duration` provisioning variable takes,
///   from its `dynamicAttributes`. Any other variable (`SubscriptionId`, `Scope`, ...) is the
///   buyer's to add under its camelCase key (`subscriptionId`, `scope`);
///   [`missing_provisioning`] says which are missing, and a plan reports them;
/// - `renewsTo`: for a trial SKU, the first of the term's `renewalOptions`.
///
/// Give it the availability with the terms of both the list and the single read
/// ([`union_terms`]): the service has been seen to give them differently for one SKU.
///
/// # Errors
///
/// The first of: [`LineProblem::UnknownItem`] when the availability is not of this SKU or
/// has no id; [`LineProblem::NotPurchasable`] when it says it is not purchasable;
/// [`LineProblem::TermNotOffered`], [`LineProblem::CycleNotOffered`] naming what is offered;
/// [`LineProblem::QuantityOutOfRange`] outside the SKU's minimum and maximum (or below 1).
pub fn line_from(
    sku: &Sku,
    availability: &Availability,
    term: Option<&str>,
    billing_cycle: &str,
    quantity: i32,
) -> Result<CartLineItem, LineProblem> {
    let catalog_item_id = item_id(availability);
    if let (Some(of), Some(sku_id)) = (availability.sku_id.as_deref(), sku.id.as_deref())
        && !of.eq_ignore_ascii_case(sku_id)
    {
        return Err(LineProblem::UnknownItem {
            catalog_item_id: catalog_item_id.unwrap_or_default(),
            reason: format!("the availability is of SKU {of}, not of SKU {sku_id}"),
        });
    }
    let Some(catalog_item_id) = catalog_item_id else {
        return Err(LineProblem::UnknownItem {
            catalog_item_id: String::new(),
            reason: "the availability has no catalogItemId".to_string(),
        });
    };
    if availability.is_purchasable == Some(false) {
        return Err(LineProblem::NotPurchasable {
            catalog_item_id,
            reason: "the availability says it is not purchasable".to_string(),
        });
    }
    let (problems, chosen) = check_choice(sku, availability, term, billing_cycle, quantity);
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem);
    }
    let context: BTreeMap<String, String> = provisioning_variables(sku)
        .filter(|variable| variable.eq_ignore_ascii_case("Duration"))
        .filter_map(|variable| Some((camel(variable), duration_attribute(sku)?)))
        .collect();
    let renews_to = (sku.is_trial == Some(true))
        .then(|| chosen.renews_to.clone())
        .flatten()
        .map(|term_duration| RenewsTo {
            term_duration: Some(term_duration),
            ..Default::default()
        });
    Ok(CartLineItem {
        catalog_item_id,
        quantity,
        billing_cycle: BillingCycle(chosen.cycle),
        term_duration: chosen.term,
        provisioning_context: (!context.is_empty()).then_some(context),
        renews_to,
        ..Default::default()
    })
}

/// The availability `list` (from a list of availabilities) with the terms `single` (the same
/// availability read alone) adds: the service has been seen to give the two different terms
/// for one SKU (Microsoft Q&A 1455576), and either may be the one checkout accepts. A term is
/// the same when its duration and billing cycle are, without regard to case.
///
/// ```
/// use partner_center_carts::catalog::union_terms;
/// use partner_center_carts::types::{Availability, Term};
///
/// let term = |d: &str| Term { duration: Some(d.into()), billing_cycle: Some("monthly".into()), ..Default::default() };
/// let listed = Availability { terms: Some(vec![term("P1M")]), ..Default::default() };
/// let single = Availability { terms: Some(vec![term("p1m"), term("P1Y")]), ..Default::default() };
/// let both = union_terms(&listed, &single);
/// let durations: Vec<_> = both.terms.unwrap().into_iter().filter_map(|t| t.duration).collect();
/// assert_eq!(durations, ["P1M", "P1Y"]);
/// ```
pub fn union_terms(list: &Availability, single: &Availability) -> Availability {
    let mut union = list.clone();
    let mut terms = list.terms.clone().unwrap_or_default();
    for term in single.terms.iter().flatten() {
        if !terms.iter().any(|t| same_term(t, term)) {
            terms.push(term.clone());
        }
    }
    if !terms.is_empty() || union.terms.is_some() {
        union.terms = Some(terms);
    }
    // Either answer saying it cannot be bought is enough to say so.
    union.is_purchasable = match (list.is_purchasable, single.is_purchasable) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (listed, read) => listed.or(read),
    };
    union
}

/// The SKU's `provisioningVariables` the line's `provisioningContext` has no value for (keys
/// compared without regard to case), as the SKU names them.
///
/// ```
/// use partner_center_carts::catalog::missing_provisioning;
/// use partner_center_carts::types::{CartLineItem, Sku};
///
/// let sku = Sku { provisioning_variables: Some(vec!["Scope".into(), "SubscriptionId".into()]), ..Default::default() };
/// let line = CartLineItem {
///     provisioning_context: Some([("scope".to_string(), "shared".to_string())].into()),
///     ..Default::default()
/// };
/// assert_eq!(missing_provisioning(&sku, &line), ["SubscriptionId"]);
/// ```
pub fn missing_provisioning(sku: &Sku, line: &CartLineItem) -> Vec<String> {
    let context = line.provisioning_context.as_ref();
    provisioning_variables(sku)
        .filter(|variable| {
            !context.is_some_and(|c| {
                c.iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(variable) && !v.trim().is_empty())
            })
        })
        .map(str::to_string)
        .collect()
}

/// What [`check_choice`] settled on: the term and cycle as the catalog writes them (or as
/// asked, where the catalog does not say), and the term's first renewal option.
pub(crate) struct Chosen {
    pub term: Option<String>,
    pub cycle: String,
    pub renews_to: Option<String>,
}

/// Every problem with the term, cycle and quantity asked of `sku`'s `availability`, and what
/// was chosen.
pub(crate) fn check_choice(
    sku: &Sku,
    availability: &Availability,
    term: Option<&str>,
    billing_cycle: &str,
    quantity: i32,
) -> (Vec<LineProblem>, Chosen) {
    let mut problems = Vec::new();
    let terms: &[Term] = availability.terms.as_deref().unwrap_or_default();
    let offered_terms = distinct(terms.iter().filter_map(|t| t.duration.as_deref()));
    let matching: Vec<&Term> = match term {
        Some(asked) => terms
            .iter()
            .filter(|t| {
                t.duration
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(asked))
            })
            .collect(),
        None => terms.iter().filter(|t| t.duration.is_none()).collect(),
    };
    let term_ok = !matching.is_empty() || (term.is_none() && offered_terms.is_empty());
    if !term_ok {
        problems.push(LineProblem::TermNotOffered {
            asked: term.map(str::to_string),
            offered: offered_terms.clone(),
        });
    }
    // The cycles of the term asked; of every term when that term is not offered.
    let judged: Vec<&Term> = if matching.is_empty() {
        terms.iter().collect()
    } else {
        matching.clone()
    };
    let chosen_term = term.map(|asked| find_eq(&offered_terms, asked).unwrap_or(asked).to_string());
    let offered_cycles = cycles(sku, &judged);
    let cycle = match &offered_cycles {
        Some(offered) => match find_eq(offered, billing_cycle) {
            Some(found) => found.to_string(),
            None => {
                problems.push(LineProblem::CycleNotOffered {
                    term: chosen_term.clone().filter(|_| term_ok),
                    asked: billing_cycle.to_string(),
                    offered: offered.clone(),
                });
                billing_cycle.to_string()
            }
        },
        None => billing_cycle.to_string(),
    };
    let (min, max) = (sku.minimum_quantity, sku.maximum_quantity);
    if quantity < min.unwrap_or(1).max(1) || max.is_some_and(|max| quantity > max) {
        problems.push(LineProblem::QuantityOutOfRange {
            asked: quantity,
            min,
            max,
        });
    }
    let renews_to = matching
        .iter()
        .flat_map(|t| t.renewal_options.iter().flatten())
        .find_map(|r| r.term_duration.clone());
    (
        problems,
        Chosen {
            term: chosen_term,
            cycle,
            renews_to,
        },
    )
}

/// The cycles `terms` allow, within those the SKU supports; `None` when neither says. A term
/// entry without a cycle allows any the SKU supports. Where the two lists share none, none is
/// offered: the cycle must be one the SKU supports and the term allows (the service's sample,
/// and checkout).
fn cycles(sku: &Sku, terms: &[&Term]) -> Option<Vec<String>> {
    let of_terms =
        (!terms.is_empty() && terms.iter().all(|t| t.billing_cycle.is_some())).then(|| {
            distinct(
                terms
                    .iter()
                    .filter_map(|t| t.billing_cycle.as_ref().map(|c| c.as_str())),
            )
        });
    let of_sku = sku
        .supported_billing_cycles
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| distinct(c.iter().map(|c| c.as_str())));
    match (of_terms, of_sku) {
        (Some(terms), Some(sku)) => {
            let both: Vec<String> = terms
                .iter()
                .filter(|t| find_eq(&sku, t).is_some())
                .cloned()
                .collect();
            Some(both)
        }
        (terms, sku) => terms.or(sku),
    }
}

/// The entry of `values` equal to `asked` without regard to case.
pub(crate) fn find_eq<'a>(values: &'a [String], asked: &str) -> Option<&'a str> {
    values
        .iter()
        .find(|v| v.eq_ignore_ascii_case(asked))
        .map(String::as_str)
}

/// `values` without repeats (compared without regard to case), in the order first seen.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        if find_eq(&seen, value).is_none() {
            seen.push(value.to_string());
        }
    }
    seen
}

fn same_term(a: &Term, b: &Term) -> bool {
    let eq = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    };
    eq(a.duration.as_deref(), b.duration.as_deref())
        && eq(
            a.billing_cycle.as_ref().map(|c| c.as_str()),
            b.billing_cycle.as_ref().map(|c| c.as_str()),
        )
}

/// The availability's `catalogItemId`, or one made of its ids.
fn item_id(availability: &Availability) -> Option<String> {
    availability.catalog_item_id.clone().or_else(|| {
        match (
            &availability.product_id,
            &availability.sku_id,
            &availability.id,
        ) {
            (Some(p), Some(s), Some(a)) => Some(format!("{p}:{s}:{a}")),
            _ => None,
        }
    })
}

fn provisioning_variables(sku: &Sku) -> impl Iterator<Item = &str> {
    sku.provisioning_variables
        .iter()
        .flatten()
        .map(String::as_str)
}

/// The SKU's `duration` dynamic attribute, as text.
fn duration_attribute(sku: &Sku) -> Option<String> {
    let (_, value) = sku
        .dynamic_attributes
        .as_ref()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("duration"))?;
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `SubscriptionId` as the key `subscriptionId`, as the service's answers write it.
fn camel(variable: &str) -> String {
    let mut chars = variable.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RenewalOption;

    fn term(duration: &str, cycle: &str) -> Term {
        Term {
            duration: Some(duration.into()),
            billing_cycle: Some(cycle.into()),
            ..Default::default()
        }
    }

    fn sku() -> Sku {
        Sku {
            id: Some("0001".into()),
            minimum_quantity: Some(1),
            maximum_quantity: Some(300),
            supported_billing_cycles: Some(vec!["monthly".into(), "annual".into()]),
            ..Default::default()
        }
    }

    fn availability() -> Availability {
        Availability {
            id: Some("CFQ7TTC0K18P".into()),
            product_id: Some("CFQ7TTC0LH0Z".into()),
            sku_id: Some("0001".into()),
            is_purchasable: Some(true),
            terms: Some(vec![
                term("P1M", "monthly"),
                term("P1Y", "monthly"),
                term("P1Y", "annual"),
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn fills_the_line_as_the_catalog_writes_it() {
        let line = line_from(&sku(), &availability(), Some("p1y"), "ANNUAL", 3).unwrap();
        assert_eq!(line.catalog_item_id, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P");
        assert_eq!(line.term_duration.as_deref(), Some("P1Y"));
        assert_eq!(line.billing_cycle.as_str(), "annual");
        assert_eq!(line.quantity, 3);
        assert_eq!(line.provisioning_context, None);
        assert_eq!(line.renews_to, None);
    }

    #[test]
    fn refuses_a_term_or_cycle_not_offered_naming_the_offered_ones() {
        let err = line_from(&sku(), &availability(), Some("P3Y"), "annual", 1).unwrap_err();
        assert_eq!(
            err,
            LineProblem::TermNotOffered {
                asked: Some("P3Y".into()),
                offered: vec!["P1M".into(), "P1Y".into()],
            }
        );
        let err = line_from(&sku(), &availability(), Some("P1M"), "annual", 1).unwrap_err();
        assert_eq!(
            err,
            LineProblem::CycleNotOffered {
                term: Some("P1M".into()),
                asked: "annual".into(),
                offered: vec!["monthly".into()],
            }
        );
        assert_eq!(
            err.to_string(),
            "billing cycle annual is not offered for term P1M; the offered cycles are monthly"
        );
        let err = line_from(&sku(), &availability(), None, "monthly", 1).unwrap_err();
        assert!(matches!(
            err,
            LineProblem::TermNotOffered { asked: None, .. }
        ));
    }

    #[test]
    fn every_problem_of_a_choice_is_found_at_once() {
        let (problems, _) = check_choice(&sku(), &availability(), Some("P2Y"), "daily", 301);
        let kinds: Vec<_> = problems.iter().map(LineProblem::kind).collect();
        assert_eq!(
            kinds,
            ["termNotOffered", "cycleNotOffered", "quantityOutOfRange"]
        );
        // The cycles of every term, where the term is not offered; and none said of the term.
        assert!(
            matches!(&problems[1], LineProblem::CycleNotOffered { term: None, offered, .. } if offered == &["monthly", "annual"])
        );
    }

    #[test]
    fn refuses_a_quantity_outside_the_skus_range() {
        for quantity in [0, 301, -1] {
            let err = line_from(&sku(), &availability(), Some("P1M"), "monthly", quantity);
            assert!(
                matches!(err, Err(LineProblem::QuantityOutOfRange { asked, min: Some(1), max: Some(300) }) if asked == quantity)
            );
        }
    }

    #[test]
    fn a_cycle_the_sku_does_not_support_is_refused_even_if_a_term_lists_it() {
        let mut sku = sku();
        sku.supported_billing_cycles = Some(vec!["annual".into()]);
        let err = line_from(&sku, &availability(), Some("P1Y"), "monthly", 1).unwrap_err();
        assert!(
            matches!(err, LineProblem::CycleNotOffered { offered, .. } if offered == ["annual"])
        );
    }

    #[test]
    fn a_term_without_a_cycle_allows_the_skus_cycles() {
        let mut availability = availability();
        availability.terms = Some(vec![Term {
            duration: Some("P3Y".into()),
            ..Default::default()
        }]);
        let line = line_from(&sku(), &availability, Some("P3Y"), "Monthly", 1).unwrap();
        assert_eq!(line.billing_cycle.as_str(), "monthly");
    }

    #[test]
    fn a_trial_renews_to_its_terms_renewal_option_and_a_duration_is_provisioned() {
        let mut sku = sku();
        sku.is_trial = Some(true);
        sku.supported_billing_cycles = None;
        sku.provisioning_variables = Some(vec!["Duration".into(), "Scope".into()]);
        sku.dynamic_attributes = Some(
            [("duration".to_string(), serde_json::json!("P3Y"))]
                .into_iter()
                .collect(),
        );
        let mut availability = availability();
        let mut trial = term("P1M", "none");
        trial.renewal_options = Some(vec![RenewalOption {
            term_duration: Some("P1Y".into()),
            ..Default::default()
        }]);
        availability.terms = Some(vec![trial]);
        let line = line_from(&sku, &availability, Some("P1M"), "none", 1).unwrap();
        assert_eq!(
            line.renews_to.and_then(|r| r.term_duration).as_deref(),
            Some("P1Y")
        );
        let context = line.provisioning_context.clone().unwrap();
        assert_eq!(context.get("duration").map(String::as_str), Some("P3Y"));
        assert_eq!(context.len(), 1);
        let line = line_from(&sku, &availability, Some("P1M"), "none", 1).unwrap();
        assert_eq!(missing_provisioning(&sku, &line), ["Scope"]);
    }

    #[test]
    fn refuses_an_availability_not_purchasable_or_of_another_sku() {
        let mut closed = availability();
        closed.is_purchasable = Some(false);
        assert!(matches!(
            line_from(&sku(), &closed, Some("P1M"), "monthly", 1),
            Err(LineProblem::NotPurchasable { .. })
        ));
        let mut other = availability();
        other.sku_id = Some("0002".into());
        assert!(matches!(
            line_from(&sku(), &other, Some("P1M"), "monthly", 1),
            Err(LineProblem::UnknownItem { .. })
        ));
    }

    #[test]
    fn the_union_keeps_the_terms_of_both_answers_once() {
        let listed = Availability {
            terms: Some(vec![term("P1M", "monthly")]),
            ..availability()
        };
        let single = Availability {
            terms: Some(vec![term("P1Y", "annual"), term("p1m", "Monthly")]),
            ..availability()
        };
        let both = union_terms(&listed, &single);
        let line = line_from(&sku(), &both, Some("P1Y"), "annual", 1).unwrap();
        assert_eq!(line.term_duration.as_deref(), Some("P1Y"));
        assert_eq!(both.terms.unwrap().len(), 2);
    }
}
