//! getOrganizationProfile: the partner the emulator plays, always the same one, and with
//! `ValidateMfa: true` whether its token counts as issued with MFA.

use axum::http::{HeaderMap, StatusCode};
use partner_center_carts::types::{Address, OrganizationProfile};

use super::mfa;
use super::orders::object_type;
use super::reply::{Reply, invalid, json};
use super::token;

/// The emulated partner's tenant, which is also its profile's id (as in the service's
/// answers): fixed, so that runs and restarts agree.
const PARTNER_TENANT: &str = "5c7a3e1f-2b4d-4e6a-8c9f-1d3b5e7a9c2e";

/// The partner's profile; `isMfaCompliant` only when the request asks with `ValidateMfa`.
pub(crate) fn get(headers: &HeaderMap) -> Reply {
    let validate = match validate_mfa(headers) {
        Ok(validate) => validate,
        Err(refused) => return refused,
    };
    let is_mfa_compliant = if validate {
        mfa::compliant(&token::claims(headers))
    } else {
        None
    };
    json(
        StatusCode::OK,
        &OrganizationProfile {
            id: Some(PARTNER_TENANT.into()),
            company_name: Some("Emulated Partner".into()),
            tenant_id: Some(PARTNER_TENANT.into()),
            domain: Some("emulatedpartner.onmicrosoft.com".into()),
            email: Some("admin@emulatedpartner.onmicrosoft.com".into()),
            language: Some("en".into()),
            culture: Some("en-US".into()),
            default_address: Some(Address {
                country: Some("US".into()),
                city: Some("Redmond".into()),
                state: Some("WA".into()),
                address_line1: Some("1 Microsoft Way".into()),
                postal_code: Some("98052".into()),
                ..Default::default()
            }),
            is_mfa_compliant,
            attributes: Some(object_type("OrganizationProfile")),
            ..Default::default()
        },
    )
}

/// The `ValidateMfa` header: `true` or `false` in any case, `false` when absent; another value
/// is refused, as a boolean query parameter that does not read is.
fn validate_mfa(headers: &HeaderMap) -> Result<bool, Reply> {
    let Some(value) = headers.get("validatemfa") else {
        return Ok(false);
    };
    match value.to_str().map(str::trim) {
        Ok(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Ok(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(
            "The ValidateMfa header is neither `true` nor `false`.",
        )),
    }
}
