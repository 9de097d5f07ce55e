//! The Partner Center request headers: what each one carries and where its value comes from.
//!
//! The client's own headers (`X-Locale`, `MS-Contract-Version`, `MS-PartnerCenter-Client`,
//! `MS-PartnerCenter-Application`) are checked and built once, when the client is built, as
//! the HTTP client's default headers: it adds them to every request that does not carry them.
//! An operation's request gets its `MS-RequestId` and `MS-CorrelationId` once, before its
//! first attempt, wherever the caller did not set them on the generated builder; every
//! attempt is a copy of it, with `Authorization` added. `Accept`, `Content-Type` and `If-Match`
//! come from the generated code (the spec).

use std::borrow::Cow;

use bytes::Bytes;
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
///
/// Kept as the header values they are sent as, and written as text only for an error or a
/// trace: the text, the header and the copies every attempt makes of it were six allocations
/// an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OperationIds {
    pub request_id: HeaderValue,
    pub correlation_id: HeaderValue,
}

impl OperationIds {
    /// Fresh ids, or the ones the caller fixed.
    pub fn new(request_id: Option<Uuid>, correlation_id: Option<Uuid>) -> Self {
        // Both ids' text in one buffer, each header value a view of it.
        let mut text = Vec::with_capacity(2 * uuid::fmt::Hyphenated::LENGTH);
        for id in [request_id, correlation_id] {
            let id = id.unwrap_or_else(Uuid::new_v4);
            let mut buffer = Uuid::encode_buffer();
            text.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
        }
        let text = Bytes::from(text);
        let (request_id, correlation_id) = text.split_at(uuid::fmt::Hyphenated::LENGTH);
        let value = |id: &[u8]| {
            // A GUID's text is always a valid header value.
            HeaderValue::from_maybe_shared(text.slice_ref(id))
                .unwrap_or_else(|_| HeaderValue::from_static(""))
        };
        Self {
            request_id: value(request_id),
            correlation_id: value(correlation_id),
        }
    }

    /// The request id, as text.
    pub fn request_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.request_id.as_bytes())
    }

    /// The correlation id, as text.
    pub fn correlation_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.correlation_id.as_bytes())
    }
}

/// The headers every request of a client carries, checked to be sendable.
pub(crate) fn client_headers(locale: &str, application: Option<&str>) -> Result<HeaderMap, Error> {
    let value = |what: &str, text: &str| {
        HeaderValue::from_str(text)
            .map_err(|_| Error::config(format!("the {what} {text:?} cannot be sent in a header")))
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

/// Gives a request the operation's ids, where the caller did not set them on the generated
/// builder (a caller's own values win). Returns the ids the request carries. Done once per
/// operation, before its first attempt: every attempt is a copy of this request. (The client's
/// headers are the HTTP client's default headers, which it adds the same way; progenitor's
/// `api-version` is taken out of the generated code by `build.rs`: Partner Center defines
/// none.)
pub(crate) fn prepare(headers: &mut HeaderMap, ids: OperationIds) -> OperationIds {
    OperationIds {
        request_id: id_header(headers, MS_REQUEST_ID, ids.request_id),
        correlation_id: id_header(headers, MS_CORRELATION_ID, ids.correlation_id),
    }
}

/// The id the request carries in `name`: the caller's, or `fresh`, which it then carries.
fn id_header(headers: &mut HeaderMap, name: HeaderName, fresh: HeaderValue) -> HeaderValue {
    match headers.entry(name) {
        http::header::Entry::Occupied(theirs) => theirs.get().clone(),
        http::header::Entry::Vacant(slot) => slot.insert(fresh).clone(),
    }
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
        assert_ne!(a.request_id, a.correlation_id);
        assert!(Uuid::parse_str(&a.request_text()).is_ok());
        assert!(Uuid::parse_str(&a.correlation_text()).is_ok());

        let fixed = Uuid::new_v4();
        let c = OperationIds::new(Some(fixed), Some(fixed));
        assert_eq!(c.request_text(), fixed.to_string());
        assert_eq!(c.correlation_text(), fixed.to_string());
    }

    #[test]
    fn the_clients_headers_are_checked_and_built_once() {
        let client = client_headers("nl-NL", Some("contoso")).unwrap();
        assert_eq!(client["x-locale"], "nl-NL");
        assert_eq!(client["ms-contract-version"], "v1");
        assert!(
            client["ms-partnercenter-client"]
                .to_str()
                .unwrap()
                .starts_with("partner-center-carts/")
        );
        assert_eq!(client["ms-partnercenter-application"], "contoso");
    }

    #[test]
    fn a_request_gets_its_ids_where_the_caller_set_none() {
        let ids = OperationIds::new(None, None);
        let mut headers = HeaderMap::new();
        let sent = prepare(&mut headers, ids.clone());
        assert_eq!(sent, ids);
        assert_eq!(headers["ms-requestid"], ids.request_id);
        assert_eq!(headers["ms-correlationid"], ids.correlation_id);

        let mut theirs = HeaderMap::new();
        let fixed = Uuid::new_v4().to_string();
        theirs.insert(MS_REQUEST_ID, HeaderValue::from_str(&fixed).unwrap());
        let sent = prepare(&mut theirs, ids.clone());
        assert_eq!(sent.request_text(), fixed, "the caller's value wins");
        assert_eq!(sent.correlation_id, ids.correlation_id);
    }

    #[test]
    fn values_a_header_cannot_carry_are_refused() {
        assert!(client_headers("en-US\r\nX-Evil: 1", None).is_err());
    }
}
