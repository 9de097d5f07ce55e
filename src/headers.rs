//! The Partner Center request headers: what each one carries and where its value comes from.
//!
//! The client's own headers (`X-Locale`, `MS-Contract-Version`, `MS-PartnerCenter-Client`,
//! `MS-PartnerCenter-Application`) are checked and built once, when the client is built, as
//! the HTTP client's default headers: it adds them to every request that does not carry them.
//! An operation's request gets its `MS-RequestId` and `MS-CorrelationId` once, before its
//! first attempt, wherever the caller did not set them on the generated builder; every
//! attempt is a copy of it, with `Authorization` added. `Accept`, `Content-Type` and `If-Match`
//! come from the generated code (the spec); the `api-version` progenitor gives every request
//! (from the spec's `info.version`) is taken off: Partner Center defines none.

use bytes::Bytes;
use http::header::Entry;
use http::{HeaderMap, HeaderName, HeaderValue};
use uuid::Uuid;

use crate::error::Error;
use crate::ids::{OperationIds, RequestId};

/// `X-Locale` when the builder sets none.
pub const DEFAULT_LOCALE: &str = "en-US";

const API_VERSION: HeaderName = HeaderName::from_static("api-version");
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
/// builder (a caller's own values win, and must be GUIDs), and takes off progenitor's
/// `api-version`. Returns the ids the request carries. Done once per operation, before its
/// first attempt: every attempt is a copy of this request. (The client's headers are the HTTP
/// client's default headers, which it adds the same way.)
///
/// # Errors
///
/// An id set on the builder that is not a GUID, which the service would refuse.
pub(crate) fn prepare(headers: &mut HeaderMap, ids: OperationIds) -> Result<OperationIds, Error> {
    headers.remove(API_VERSION);
    let (request_value, correlation_value) = id_values(&ids);
    Ok(OperationIds {
        request_id: match id_header(headers, MS_REQUEST_ID, request_value)? {
            Some(theirs) => RequestId::from(theirs),
            None => ids.request_id,
        },
        correlation_id: id_header(headers, MS_CORRELATION_ID, correlation_value)?
            .unwrap_or(ids.correlation_id),
    })
}

/// The id the caller set in `name`, if any; else the request carries `ours` there.
fn id_header(
    headers: &mut HeaderMap,
    name: HeaderName,
    ours: HeaderValue,
) -> Result<Option<Uuid>, Error> {
    match headers.entry(name) {
        Entry::Occupied(theirs) => {
            let id = theirs.get().to_str().ok();
            match id.and_then(|text| Uuid::parse_str(text).ok()) {
                Some(id) => Ok(Some(id)),
                None => Err(Error::invalid_input(format!(
                    "the {} set on the generated builder is not a GUID",
                    theirs.key()
                ))),
            }
        }
        Entry::Vacant(slot) => {
            slot.insert(ours);
            Ok(None)
        }
    }
}

/// The two ids as header values, each a view of one buffer: the text of both made with one
/// allocation, and never copied again however many attempts copy the request.
fn id_values(ids: &OperationIds) -> (HeaderValue, HeaderValue) {
    let mut text = Vec::with_capacity(2 * uuid::fmt::Hyphenated::LENGTH);
    for id in [ids.request_id.as_uuid(), ids.correlation_id] {
        let mut buffer = Uuid::encode_buffer();
        text.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
    }
    let text = Bytes::from(text);
    let (request, correlation) = text.split_at(uuid::fmt::Hyphenated::LENGTH);
    let value = |id: &[u8]| {
        // A GUID's text is always a valid header value.
        HeaderValue::from_maybe_shared(text.slice_ref(id))
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    };
    (value(request), value(correlation))
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
        assert_ne!(a.request_id.as_uuid(), a.correlation_id);

        let fixed = Uuid::new_v4();
        let c = OperationIds::new(Some(fixed.into()), Some(fixed));
        assert_eq!(c.request_id.as_uuid(), fixed);
        assert_eq!(c.correlation_id, fixed);
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
        headers.insert(API_VERSION, HeaderValue::from_static("1.0.0"));
        let sent = prepare(&mut headers, ids).unwrap();
        assert_eq!(sent, ids);
        assert_eq!(headers["ms-requestid"], ids.request_id.to_string());
        assert_eq!(headers["ms-correlationid"], ids.correlation_id.to_string());
        assert!(
            !headers.contains_key("api-version"),
            "Partner Center has none"
        );

        let mut theirs = HeaderMap::new();
        let fixed = Uuid::new_v4();
        theirs.insert(
            MS_REQUEST_ID,
            HeaderValue::from_str(&fixed.to_string()).unwrap(),
        );
        let sent = prepare(&mut theirs, ids).unwrap();
        assert_eq!(sent.request_id.as_uuid(), fixed, "the caller's value wins");
        assert_eq!(sent.correlation_id, ids.correlation_id);
        assert_eq!(theirs["ms-correlationid"], ids.correlation_id.to_string());

        let mut wrong = HeaderMap::new();
        wrong.insert(MS_CORRELATION_ID, HeaderValue::from_static("not-a-guid"));
        let refused = prepare(&mut wrong, ids).unwrap_err().to_string();
        assert!(
            refused.contains("ms-correlationid") && refused.contains("GUID"),
            "{refused}"
        );
    }

    #[test]
    fn values_a_header_cannot_carry_are_refused() {
        assert!(client_headers("en-US\r\nX-Evil: 1", None).is_err());
    }
}
