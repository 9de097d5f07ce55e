//! The Partner Center request headers: what each one carries and where its value comes from.
//!
//! `Authorization` is set per attempt by [`crate::transport`]; `Accept` and `Content-Type` by the
//! generated code. Everything else is here, fixed once per operation, before any retry, so every
//! attempt of one operation carries the same `MS-RequestId` and `MS-CorrelationId`.

use uuid::Uuid;

/// `MS-Contract-Version`: documented as required, value `v1`.
pub(crate) const CONTRACT_VERSION: &str = "v1";

/// `MS-PartnerCenter-Client`: this crate's name and version.
pub(crate) const CLIENT_NAME: &str =
    concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// `X-Locale` when the builder sets none.
pub const DEFAULT_LOCALE: &str = "en-US";

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

/// The values of the headers that the generated operations take as arguments.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestHeaders<'a> {
    pub ids: &'a OperationIds,
    pub locale: &'a str,
    pub application: Option<&'a str>,
}

impl<'a> RequestHeaders<'a> {
    pub fn request_id(&self) -> Option<&'a String> {
        Some(&self.ids.request_id)
    }

    pub fn correlation_id(&self) -> Option<&'a String> {
        Some(&self.ids.correlation_id)
    }

    pub fn locale(&self) -> Option<&'a str> {
        Some(self.locale)
    }

    pub fn contract_version(&self) -> Option<&'static str> {
        Some(CONTRACT_VERSION)
    }

    pub fn client_name(&self) -> Option<&'static str> {
        Some(CLIENT_NAME)
    }

    pub fn application(&self) -> Option<&'a str> {
        self.application
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
        assert!(Uuid::parse_str(&a.request_id).is_ok());

        let fixed = Uuid::new_v4();
        let c = OperationIds::new(Some(fixed), Some(fixed));
        assert_eq!(c.request_id, fixed.to_string());
        assert_eq!(c.correlation_id, fixed.to_string());
    }

    #[test]
    fn client_name_is_this_crate() {
        assert!(CLIENT_NAME.starts_with("partner-center-carts/"));
    }
}
