//! The Partner Center request headers: what each one carries and where its value comes from.
//!
//! The client's own headers (`X-Locale`, `MS-Contract-Version`, `MS-PartnerCenter-Client`,
//! `MS-PartnerCenter-Application`) are checked and built once, when the client is built. An
//! operation's headers (those, plus its `MS-RequestId`, `MS-CorrelationId`, `If-Match` and
//! `Accept`) are built once, before its first attempt, so every attempt carries the same
//! values; the transport gives each attempt those, `Authorization`, and the generated code's
//! `Content-Type`.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use uuid::Uuid;

use crate::Error;

/// `X-Locale` when the builder sets none.
pub const DEFAULT_LOCALE: &str = "en-US";

const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");
const X_LOCALE: HeaderName = HeaderName::from_static("x-locale");
const MS_CONTRACT_VERSION: HeaderName = HeaderName::from_static("ms-contract-version");
const MS_PARTNER_CENTER_CLIENT: HeaderName = HeaderName::from_static("ms-partnercenter-client");
const MS_PARTNER_CENTER_APPLICATION: HeaderName =
    HeaderName::from_static("ms-partnercenter-application");

/// `MS-Contract-Version`: documented as required, value `v1`.
const CONTRACT_VERSION: HeaderValue = HeaderValue::from_static("v1");

/// `MS-PartnerCenter-Client`: this crate's name and version.
const CLIENT_NAME: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The ids of one operation.
///
/// `MS-RequestId` is the service's idempotency key: a new GUID per operation, the same on every
/// attempt of it, so a retried create or checkout is not placed twice. `MS-CorrelationId` ties the
/// operations of one flow together: new per operation unless the caller fixes it (and `modify`
/// uses one for its GET and its PUT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OperationIds {
    pub request_id: String,
    pub correlation_id: String,
}

impl OperationIds {
    /// Fresh ids, or the ones the caller fixed.
    pub fn new(request_id: Option<Uuid>, correlation_id: Option<Uuid>) -> Self {
        Self {
            request_id: request_id.unwrap_or_else(Uuid::new_v4).to_string(),
            correlation_id: correlation_id.unwrap_or_else(Uuid::new_v4).to_string(),
        }
    }
}

/// The headers every request of a client carries, checked to be sendable.
pub(crate) fn client_headers(locale: &str, application: Option<&str>) -> Result<HeaderMap, Error> {
    let value = |what: &str, text: &str| {
        HeaderValue::from_str(text).map_err(|_| {
            Error::invalid_input(format!("the {what} {text:?} cannot be sent in a header"))
        })
    };
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(X_LOCALE, value("locale", locale)?);
    headers.insert(MS_CONTRACT_VERSION, CONTRACT_VERSION);
    headers.insert(
        MS_PARTNER_CENTER_CLIENT,
        HeaderValue::from_static(CLIENT_NAME),
    );
    if let Some(application) = application {
        headers.insert(
            MS_PARTNER_CENTER_APPLICATION,
            value("application name", application)?,
        );
    }
    Ok(headers)
}

/// The headers of one operation, built once for all its attempts: the client's, its ids,
/// `If-Match` when it has an etag, and `Accept`.
pub(crate) fn operation_headers(
    client: &HeaderMap,
    ids: &OperationIds,
    if_match: Option<&str>,
) -> Result<Arc<HeaderMap>, Error> {
    let mut headers = HeaderMap::with_capacity(client.len() + 4);
    headers.extend(client.iter().map(|(k, v)| (k.clone(), v.clone())));
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    // GUIDs in text form are always valid header values.
    for (name, id) in [
        (MS_REQUEST_ID, &ids.request_id),
        (MS_CORRELATION_ID, &ids.correlation_id),
    ] {
        if let Ok(value) = HeaderValue::from_str(id) {
            headers.insert(name, value);
        }
    }
    if let Some(etag) = if_match {
        let value = HeaderValue::from_str(etag).map_err(|_| {
            Error::invalid_input(format!(
                "the cart's etag {etag:?} cannot be sent in If-Match"
            ))
        })?;
        headers.insert(http::header::IF_MATCH, value);
    }
    Ok(Arc::new(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_differ_and_fixed_ids_are_kept() {
        let a = OperationIds::new(None, None);
        let b = OperationIds::new(None, None);
        assert_ne!(a.request_id, b.request_id);
        assert_ne!(a.correlation_id, b.correlation_id);
        assert!(Uuid::parse_str(&a.request_id).is_ok());

        let fixed = Uuid::new_v4();
        let c = OperationIds::new(Some(fixed), Some(fixed));
        assert_eq!(c.request_id, fixed.to_string());
        assert_eq!(c.correlation_id, fixed.to_string());
    }

    #[test]
    fn an_operation_carries_the_clients_headers_its_ids_and_if_match() {
        let client = client_headers("nl-NL", Some("contoso")).unwrap();
        let ids = OperationIds::new(None, None);
        let headers = operation_headers(&client, &ids, Some("\"7\"")).unwrap();
        assert_eq!(headers.len(), 8);
        assert_eq!(headers["accept"], "application/json");
        assert_eq!(headers["x-locale"], "nl-NL");
        assert_eq!(headers["ms-contract-version"], "v1");
        assert!(
            headers["ms-partnercenter-client"]
                .to_str()
                .unwrap()
                .starts_with("partner-center-carts/")
        );
        assert_eq!(headers["ms-partnercenter-application"], "contoso");
        assert_eq!(headers["ms-requestid"], ids.request_id.as_str());
        assert_eq!(headers["ms-correlationid"], ids.correlation_id.as_str());
        assert_eq!(headers["if-match"], "\"7\"");
    }

    #[test]
    fn values_a_header_cannot_carry_are_refused() {
        assert!(client_headers("en-US\r\nX-Evil: 1", None).is_err());
        let client = client_headers("en-US", None).unwrap();
        let ids = OperationIds::new(None, None);
        assert!(operation_headers(&client, &ids, Some("bad\netag")).is_err());
    }
}
