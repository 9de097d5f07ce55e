//! `pc-carts auth status`: which credential is in use, what its token says of itself (app-only
//! or App+User, its expiry, MFA), and what the service says of it.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use partner_center_carts::env::Credential;
use serde::Serialize;

use crate::args::AuthCommand;
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{show, table};

/// What `auth status` shows. Never the token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    /// Where the token comes from.
    credential: String,
    /// `app+user`, `app-only`, or `unknown` (an opaque token).
    token_kind: &'static str,
    /// The tenant the token was issued in.
    tenant: Option<String>,
    /// When the token expires.
    expires: Option<DateTime<Utc>>,
    /// Whether the token's claims say it was issued with MFA.
    mfa: Option<bool>,
    /// Whether the service counts it as issued with MFA (`ValidateMfa: true`).
    service_says_mfa_compliant: Option<bool>,
    /// The partner the token speaks for, by its company name.
    partner: Option<String>,
}

pub async fn run(command: AuthCommand) -> Result<(), Failure> {
    let AuthCommand::Status(args) = command;
    let credential = Credential::from_lookup(|name| std::env::var(name).ok());
    let credential = match (&args.connection.token, &args.connection.token_file) {
        (Some(_), _) => "a fixed access token (--token or PARTNER_CENTER_TOKEN)".to_string(),
        (None, Some(path)) => format!("a fixed access token from {}", path.display()),
        (None, None) => credential.to_string(),
    };
    let pc = client(&args.connection)?;
    let token = pc.access_token().await?;
    let claims = token.claims();
    let token_kind = match claims.user {
        Some(true) => "app+user",
        Some(false) => "app-only",
        None => "unknown",
    };
    let service_says_mfa_compliant = pc.mfa_compliance().await?;
    // The profile's name where the service gives it; a token it refuses failed above.
    let partner = match pc.organization_profile().await {
        Ok(profile) => profile.company_name,
        Err(e) if matches!(e.kind(), partner_center_carts::ErrorKind::Auth(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let status = Status {
        credential,
        token_kind,
        tenant: claims.tenant,
        expires: claims.expires.and_then(utc),
        mfa: claims.mfa,
        service_says_mfa_compliant,
        partner,
    };
    show(&status, &args.connection.shown(), status_table, |s| {
        s.partner.iter().cloned().collect()
    })?;
    Ok(())
}

/// A time as UTC, `None` beyond what chrono holds (a token may claim any `exp`; chrono's own
/// conversion panics there).
fn utc(time: SystemTime) -> Option<DateTime<Utc>> {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0)
}

fn status_table(s: &Status) -> String {
    let said = |v: Option<bool>| match v {
        Some(true) => "yes".to_string(),
        Some(false) => "no".to_string(),
        None => "not said".to_string(),
    };
    let expires = s.expires.map_or_else(
        || "not said".to_string(),
        |at| {
            let left = at.signed_duration_since(Utc::now()).num_minutes();
            format!("{} ({left} min)", at.format("%Y-%m-%dT%H:%M:%SZ"))
        },
    );
    let rows = vec![
        vec!["credential".into(), s.credential.clone()],
        vec!["token".into(), s.token_kind.into()],
        vec!["tenant".into(), s.tenant.clone().unwrap_or_default()],
        vec!["expires".into(), expires],
        vec!["MFA (token)".into(), said(s.mfa)],
        vec!["MFA (service)".into(), said(s.service_says_mfa_compliant)],
        vec!["partner".into(), s.partner.clone().unwrap_or_default()],
    ];
    table(&["", ""], rows)
}
