//! A request as a server received it: what the emulator's request log keeps, and what a test's
//! own loopback server can record the same way.

use bytes::Bytes;

/// One request: method, path, headers and body.
///
/// ```
/// use partner_center_carts_emulator::Received;
///
/// let seen = Received::new(
///     "PUT",
///     "/v1/customers/c/carts/k",
///     vec![("MS-RequestId".into(), "6f1c".into())],
///     &br#"{"lineItems":[]}"#[..],
/// );
/// assert_eq!(seen.header("ms-requestid"), Some("6f1c"));
/// assert!(seen.json().unwrap()["lineItems"].is_array());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// The method, such as `PUT`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The headers, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body. The emulator's log keeps only its first 4 KiB.
    pub body: Bytes,
}

impl Received {
    /// A request as received.
    pub fn new(
        method: impl Into<String>,
        path: impl Into<String>,
        headers: Vec<(String, String)>,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
            headers,
            body: body.into(),
        }
    }

    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (a leading byte-order mark allowed).
    ///
    /// # Errors
    ///
    /// serde_json's, when the body is not JSON (or was cut at 4 KiB).
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        partner_center_carts::json::from_slice(&self.body)
    }
}
