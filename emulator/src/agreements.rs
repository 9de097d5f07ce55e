//! A customer's confirmed agreements (listAgreements, createAgreement): none until the partner
//! confirms one, then kept like the rest of the state (bounded, and on disk with a data
//! directory). A checkout of a SKU that needs the Microsoft Customer Agreement looks here.

use axum::http::StatusCode;
use uuid::Uuid;

use super::catalog_checks::CUSTOMER_AGREEMENT;
use super::handling::{Done, decode_strict};
use super::orders::object_type;
use super::reply::{Reply, answer, encode, error, invalid};
use super::service::Service;
use super::store::{AgreementKey, Change};
use partner_center_carts::types::{Agreement, AgreementCollection};

/// Where the Microsoft Customer Agreement is read, as the service's answers link it.
const AGREEMENT_LINK: &str = "https://aka.ms/customeragreement";

/// The partner's user the emulator records as having confirmed an agreement: its tokens are
/// not verified, so it knows no user.
const EMULATOR_USER: &str = "5fd1b2a5-6b1a-4b0d-9e8c-2f6f4c3b7d21";

/// What the service answers when the same contact confirms the same agreement again ("A partner
/// confirmed agreement already exists for the customer", confirm-customer-consent page).
const ALREADY_CONFIRMED: i64 = 600_061;

/// The customer's agreements as kept, oldest first (one that cannot be read is skipped).
fn agreements_of(service: &Service, customer: &str) -> Vec<Agreement> {
    let kept = service.store().agreements_of(customer);
    kept.iter()
        .filter_map(|json| serde_json::from_slice(json).ok())
        .collect()
}

/// Whether the customer's acceptance of the Microsoft Customer Agreement is confirmed.
pub(crate) fn has_customer_agreement(service: &Service, customer: &str) -> bool {
    agreements_of(service, customer)
        .iter()
        .any(|a| is_type(a, CUSTOMER_AGREEMENT))
}

fn is_type(agreement: &Agreement, wanted: &str) -> bool {
    agreement
        .type_
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(wanted))
}

/// listAgreements: the customer's agreements, of `agreement_type` when given.
pub(crate) fn list(service: &Service, customer: &str, agreement_type: Option<&str>) -> Reply {
    let items: Vec<Agreement> = agreements_of(service, customer)
        .into_iter()
        .filter(|a| agreement_type.is_none_or(|t| is_type(a, t)))
        .collect();
    answer(
        StatusCode::OK,
        Ok(AgreementCollection {
            total_count: Some(items.len() as i32),
            items: Some(items),
            attributes: Some(object_type("Collection")),
            ..Default::default()
        }),
    )
}

/// createAgreement: the acceptance recorded (201), once its required fields are there.
pub(crate) fn create(service: &Service, customer: &str, body: &[u8]) -> Done {
    let not_null = [
        "primaryContact",
        "dateAgreed",
        "type",
        "agreementLink",
        "userId",
        "templateId",
        "attributes",
        "objectType",
        "etag",
        "firstName",
        "lastName",
        "email",
        "phoneNumber",
    ];
    let mut agreement: Agreement = decode_strict(body, "an agreement", &not_null)?;
    check(&agreement, service.now())?;
    let same_contact = |a: &Agreement| {
        is_type(a, agreement.type_.as_deref().unwrap_or_default())
            && a.primary_contact == agreement.primary_contact
    };
    if agreements_of(service, customer).iter().any(same_contact) {
        return Err(error(
            StatusCode::CONFLICT,
            ALREADY_CONFIRMED,
            "A partner confirmed agreement already exists for the customer.",
        ));
    }
    agreement
        .agreement_link
        .get_or_insert_with(|| AGREEMENT_LINK.to_string());
    agreement
        .user_id
        .get_or_insert_with(|| EMULATOR_USER.to_string());
    agreement.attributes = Some(object_type("Agreement"));
    let json = encode(&agreement, false)?;
    let key = AgreementKey {
        customer: customer.to_string(),
        id: Uuid::new_v4().to_string(),
    };
    let reply = Reply {
        status: StatusCode::CREATED,
        body: json.clone(),
    };
    let change = Change {
        agreement: Some((key, json)),
        ..Default::default()
    };
    Ok((change, reply))
}

/// The fields the confirmation page requires: the contact's first and last names and email
/// (the phone number is optional), the date agreed, the template, the type.
fn check(agreement: &Agreement, now: chrono::DateTime<chrono::Utc>) -> Result<(), Reply> {
    let filled = |field: &Option<String>| field.as_deref().is_some_and(|f| !f.trim().is_empty());
    let contact = agreement.primary_contact.clone().unwrap_or_default();
    let missing: Vec<&str> = [
        ("primaryContact.firstName", filled(&contact.first_name)),
        ("primaryContact.lastName", filled(&contact.last_name)),
        ("primaryContact.email", filled(&contact.email)),
        ("templateId", filled(&agreement.template_id)),
        ("type", filled(&agreement.type_)),
        ("dateAgreed", agreement.date_agreed.is_some()),
    ]
    .into_iter()
    .filter(|(_, there)| !there)
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        return Err(invalid(&format!(
            "An agreement needs {}.",
            missing.join(", ")
        )));
    }
    let email = contact.email.unwrap_or_default();
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(invalid(&format!(
            "The contact's email {email:?} is not an email address."
        )));
    }
    match agreement.date_agreed.as_ref().map(|d| d.to_datetime()) {
        Some(None) => Err(invalid("dateAgreed is not a date-time.")),
        // As Partner Center's own form: an acceptance cannot be dated in the future (a day's
        // grace for the time zones).
        Some(Some(date)) if date > now + chrono::Duration::days(1) => {
            Err(invalid("dateAgreed is in the future."))
        }
        _ => Ok(()),
    }
}
