//! The service's rules for the cart operations, on the crate's own types: what a write makes of
//! a cart, and what it refuses. No state: the store keeps what these return.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use partner_center_carts::Timestamp;
use partner_center_carts::types::{Cart, CartLinks, Link, ResourceAttributes};

/// The user the emulator records as having changed a cart.
const EMULATOR_USER: &str = "partner-center-emulator";

/// Why an operation was refused, as the service documents it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 400, 800002.
    InvalidInput(String),
    /// 404, 800008: no such cart, or it expired.
    NoSuchCart,
    /// 412: `If-Match` is not the cart's etag.
    EtagMismatch,
    /// 400, 800065.
    AlreadyOrdered,
    /// 404: no such order.
    NoSuchOrder,
    /// 404: no such subscription (or not yet provisioned).
    NoSuchSubscription,
}

/// 400, 800002: the input breaks a rule, which `reason` names.
pub(crate) fn invalid(reason: impl Into<String>) -> Refusal {
    Refusal::InvalidInput(reason.into())
}

/// What the store knows of a cart besides its JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CartState {
    pub version: u64,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub ordered: bool,
}

/// A new cart as created at `now`, living until `expires`. With `etags`, carts carry an
/// `attributes.etag` and a write's `If-Match` is checked against it (no source says the
/// service does either; see `Emulator::etags`).
pub(crate) fn create(
    customer: &str,
    mut cart: Cart,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
    etags: bool,
) -> Result<(Cart, CartState), Refusal> {
    check(&cart)?;
    let id = Uuid::new_v4().to_string();
    let state = CartState {
        version: 1,
        created: now,
        expires,
        ordered: false,
    };
    stamp(&mut cart, customer, &id, now, &state, etags);
    Ok((cart, state))
}

/// `cart` as it replaces the cart `state` describes.
pub(crate) fn update(
    customer: &str,
    id: &str,
    mut cart: Cart,
    state: &CartState,
    if_match: Option<&str>,
    now: DateTime<Utc>,
    etags: bool,
) -> Result<(Cart, CartState), Refusal> {
    check(&cart)?;
    precondition(state, if_match, etags)?;
    if state.ordered {
        return Err(Refusal::AlreadyOrdered);
    }
    let state = CartState {
        version: state.version + 1,
        ..state.clone()
    };
    stamp(&mut cart, customer, id, now, &state, etags);
    Ok((cart, state))
}

/// Checks the cart out, if it may be: marks it ordered and returns its new state (and leaves
/// it as it was when refused). In place, since a cart may be megabytes.
pub(crate) fn checkout(
    cart: &mut Cart,
    state: &CartState,
    if_match: Option<&str>,
    now: DateTime<Utc>,
    etags: bool,
) -> Result<CartState, Refusal> {
    precondition(state, if_match, etags)?;
    if state.ordered {
        return Err(Refusal::AlreadyOrdered);
    }
    let state = CartState {
        version: state.version + 1,
        ordered: true,
        ..state.clone()
    };
    cart.status = Some(Cart::STATUS_ORDERED.to_string());
    cart.last_modified_timestamp = Some(timestamp(now));
    set_etag(cart, state.version, etags);
    Ok(state)
}

/// The service's own checks of a cart in a request: the client's, so the two agree, and dates
/// that are dates. The dates the service assigns may come in the .NET SDK's zone-less form (it
/// sends `0001-01-01T00:00:00` for "unset"); the ones a cart keeps must be RFC 3339, since the
/// cart echoes them and its schema says `date-time`.
fn check(cart: &Cart) -> Result<(), Refusal> {
    partner_center_carts::validate::cart(cart)
        .map_err(|e| Refusal::InvalidInput(e.reason().to_string()))?;
    if let Some(id) = &cart.id {
        partner_center_carts::validate::guid("cart", id)
            .map_err(|e| Refusal::InvalidInput(e.reason().to_string()))?;
    }
    let assigned = [
        ("creationTimestamp", &cart.creation_timestamp),
        ("lastModifiedTimestamp", &cart.last_modified_timestamp),
        ("expirationTimestamp", &cart.expiration_timestamp),
    ];
    for (name, date) in assigned {
        if let Some(date) = date
            && date.to_datetime().is_none()
        {
            return Err(not_a_date(name, date));
        }
    }
    check_kept_dates(&cart.line_items)
}

fn check_kept_dates(items: &[partner_center_carts::types::CartLineItem]) -> Result<(), Refusal> {
    for item in items {
        if let Some(date) = &item.custom_term_end_date
            && DateTime::parse_from_rfc3339(date.as_str()).is_err()
        {
            return Err(not_a_date("customTermEndDate", date));
        }
        check_kept_dates(item.addon_items.as_deref().unwrap_or_default())?;
    }
    Ok(())
}

fn not_a_date(name: &str, date: &Timestamp) -> Refusal {
    Refusal::InvalidInput(format!("{name} {:?} is not a date-time", date.as_str()))
}

/// `If-Match` is checked only where carts have etags; otherwise it is ignored.
fn precondition(state: &CartState, if_match: Option<&str>, etags: bool) -> Result<(), Refusal> {
    match if_match {
        Some(tag) if etags && tag != "*" && tag != etag(state.version) => {
            Err(Refusal::EtagMismatch)
        }
        _ => Ok(()),
    }
}

/// Sets what the service assigns on every write (the caller cannot change it); keeps what the
/// caller sent besides.
fn stamp(
    cart: &mut Cart,
    customer: &str,
    id: &str,
    now: DateTime<Utc>,
    state: &CartState,
    etags: bool,
) {
    cart.id = Some(id.to_string());
    cart.creation_timestamp = Some(timestamp(state.created));
    cart.expiration_timestamp = Some(timestamp(state.expires));
    cart.last_modified_timestamp = Some(timestamp(now));
    cart.last_modified_user = Some(EMULATOR_USER.to_string());
    cart.status = Some(Cart::STATUS_ACTIVE.to_string());
    for (i, item) in cart.line_items.iter_mut().enumerate() {
        item.id = Some(i as i32);
        item.currency_code.get_or_insert_with(|| "USD".to_string());
        item.order_group.get_or_insert_with(|| "0".to_string());
    }
    camel_case_contexts(&mut cart.line_items);
    let links = cart.links.get_or_insert_with(CartLinks::default);
    links.self_ = Some(Link {
        uri: Some(format!("/customers/{customer}/carts/{id}")),
        method: Some("GET".to_string()),
        headers: Some(Vec::new()),
        ..Default::default()
    });
    set_etag(cart, state.version, etags);
}

/// The service reads provisioning context keys without regard to case and echoes them in
/// camelCase (the "Update a cart" page sends `SubscriptionId` and answers `subscriptionId`).
fn camel_case_contexts(items: &mut [partner_center_carts::types::CartLineItem]) {
    for item in items {
        if let Some(context) = item.provisioning_context.take() {
            let camel = context.into_iter().map(|(key, value)| {
                let mut chars = key.chars();
                let key = match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => key,
                };
                (key, value)
            });
            item.provisioning_context = Some(camel.collect());
        }
        camel_case_contexts(item.addon_items.as_deref_mut().unwrap_or_default());
    }
}

/// `attributes`: the object type, and the etag of this version, or none without etags (an
/// etag the caller sent is not kept: the service assigns attributes).
fn set_etag(cart: &mut Cart, version: u64, etags: bool) {
    let attributes = cart
        .attributes
        .get_or_insert_with(ResourceAttributes::default);
    attributes.object_type = Some("Cart".to_string());
    attributes.etag = etags.then(|| etag(version));
}

fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// `span` after `at`, or the last date the emulator writes, 9999-12-31T23:59:59Z, if that is
/// sooner: later dates have no RFC 3339 form (nor, far enough, a `DateTime`), so a cart that
/// lives for ever, or a window bought near the end of time, ends there instead of panicking.
pub(crate) fn after(at: DateTime<Utc>, span: chrono::Duration) -> DateTime<Utc> {
    // Without parsing a date on every write.
    let last = DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(at);
    at.checked_add_signed(span)
        .map_or(last, |end| end.min(last))
}

/// The service's date style: UTC with seven fractional digits (.NET's ticks).
pub(crate) fn timestamp(at: DateTime<Utc>) -> Timestamp {
    let ticks = at.timestamp_subsec_nanos() / 100;
    Timestamp::from(format!("{}.{ticks:07}Z", at.format("%Y-%m-%dT%H:%M:%S")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_center_carts::types::CartLineItem;

    const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";

    fn cart(quantity: i32) -> Cart {
        Cart {
            line_items: vec![CartLineItem {
                catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
                quantity,
                billing_cycle: "monthly".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn week(now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::days(7)
    }

    #[test]
    fn a_date_past_the_last_one_written_is_the_last_one() {
        let now = Utc::now();
        assert_eq!(after(now, chrono::Duration::days(7)), week(now));
        let last = DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(after(now, chrono::Duration::MAX), last);
        assert_eq!(
            after(DateTime::<Utc>::MAX_UTC, chrono::Duration::days(7)),
            last
        );
        assert_eq!(timestamp(last).as_str(), "9999-12-31T23:59:59.0000000Z");
    }

    #[test]
    fn timestamps_have_seven_fractional_digits() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.123456789Z")
            .unwrap()
            .to_utc();
        assert_eq!(timestamp(at).as_str(), "2026-11-21T10:00:00.1234567Z");
    }

    #[test]
    fn create_assigns_ids_timestamps_links_and_etag() {
        let now = Utc::now();
        let (created, state) = create(CUSTOMER, cart(2), now, week(now), true).unwrap();
        let id = created.id.clone().unwrap();
        assert!(Uuid::parse_str(&id).is_ok());
        assert_eq!(created.line_items[0].id, Some(0));
        assert_eq!(created.status.as_deref(), Some("Active"));
        assert_eq!(
            created.expiration_timestamp.unwrap().to_datetime().unwrap(),
            timestamp(week(now)).to_datetime().unwrap()
        );
        assert_eq!(created.attributes.unwrap().etag.as_deref(), Some("\"1\""));
        assert_eq!(
            created.links.unwrap().self_.unwrap().uri.unwrap(),
            format!("/customers/{CUSTOMER}/carts/{id}")
        );
        assert_eq!(state.version, 1);
    }

    #[test]
    fn update_checks_the_etag_and_bumps_it_and_keeps_what_the_service_assigned() {
        let now = Utc::now();
        let (created, state) = create(CUSTOMER, cart(1), now, week(now), true).unwrap();
        let id = created.id.clone().unwrap();
        let mut sent = cart(5);
        sent.creation_timestamp = Some("2020-01-01T00:00:00Z".into());
        let (updated, state) =
            update(CUSTOMER, &id, sent, &state, Some("\"1\""), Utc::now(), true).unwrap();
        assert_eq!(updated.attributes.unwrap().etag.as_deref(), Some("\"2\""));
        assert_eq!(updated.creation_timestamp, created.creation_timestamp);
        assert_eq!(updated.expiration_timestamp, created.expiration_timestamp);
        assert_eq!(
            update(
                CUSTOMER,
                &id,
                cart(6),
                &state,
                Some("\"1\""),
                Utc::now(),
                true
            ),
            Err(Refusal::EtagMismatch)
        );
        assert!(update(CUSTOMER, &id, cart(6), &state, None, Utc::now(), true).is_ok());
        assert!(matches!(
            update(CUSTOMER, &id, cart(0), &state, None, Utc::now(), true),
            Err(Refusal::InvalidInput(_))
        ));
    }

    #[test]
    fn dates_must_be_dates() {
        let now = Utc::now();
        let mut bad = cart(1);
        bad.expiration_timestamp = Some("2024-01-01T12:99:00Z".into());
        assert!(
            matches!(create(CUSTOMER, bad, now, week(now), true), Err(Refusal::InvalidInput(e)) if e.contains("expirationTimestamp"))
        );

        let mut dotnet = cart(1);
        dotnet.expiration_timestamp = Some("0001-01-01T00:00:00".into());
        assert!(
            create(CUSTOMER, dotnet, now, week(now), true).is_ok(),
            "the .NET SDK's unset date"
        );

        let mut kept = cart(1);
        kept.line_items[0].addon_items = Some(vec![CartLineItem {
            custom_term_end_date: Some("2026-13-01T00:00:00Z".into()),
            ..cart(1).line_items[0].clone()
        }]);
        assert!(
            matches!(create(CUSTOMER, kept, now, week(now), true), Err(Refusal::InvalidInput(e)) if e.contains("customTermEndDate"))
        );
    }

    #[test]
    fn a_cart_is_checked_out_once() {
        let now = Utc::now();
        let (mut ordered, state) = create(CUSTOMER, cart(1), now, week(now), true).unwrap();
        let state = checkout(&mut ordered, &state, None, now, true).unwrap();
        assert_eq!(ordered.status.as_deref(), Some(Cart::STATUS_ORDERED));
        assert!(state.ordered);
        let before = ordered.clone();
        assert_eq!(
            checkout(&mut ordered, &state, None, now, true),
            Err(Refusal::AlreadyOrdered)
        );
        assert_eq!(
            ordered, before,
            "a refused checkout leaves the cart as it was"
        );
        assert_eq!(
            update(CUSTOMER, "k", ordered, &state, None, now, true),
            Err(Refusal::AlreadyOrdered)
        );
    }
}
