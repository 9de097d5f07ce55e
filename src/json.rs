//! Decoding JSON as the service writes it, without the HTTP client.

use serde::de::DeserializeOwned;

/// The UTF-8 byte-order mark the service puts before some answers (a checkout's).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes `bytes` as a `T`, after a leading UTF-8 byte-order mark if there is one: for carts
/// and checkout results read from storage, a queue or a webhook, the way the client reads them.
///
/// # Errors
///
/// serde_json's, when `bytes` are not JSON, or not a `T`.
///
/// ```
/// use partner_center_carts::types::CartCheckoutResult;
///
/// let stored = b"\xEF\xBB\xBF{\"orders\": [], \"attributes\": {\"objectType\": \"CartCheckoutResult\"}}";
/// let result: CartCheckoutResult = partner_center_carts::json::from_slice(stored).unwrap();
/// assert_eq!(result.orders, Some(vec![]));
/// ```
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    from_json(bytes.strip_prefix(BOM).unwrap_or(bytes))
}

/// Decodes `bytes`, JSON with no byte-order mark, as a `T`: serde_json's result for them.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    // Read from bytes, serde_json checks every string for UTF-8 on its own; checking the whole
    // document once and reading it as text gives the same values and the same errors for a
    // fraction of the work (BENCHMARKS.md, section 2). Text that is not UTF-8 is read as
    // bytes, for serde_json's own error.
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}
