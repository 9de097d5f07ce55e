//! An answer, read off the wire: the whole body within the size limit, without the byte-order
//! mark the service puts before some answers, and what an error needs of it ([`Seen`]); and the
//! decoder the generated code calls in place of progenitor's (`build/lean.rs`).

use bytes::{Bytes, BytesMut};
use progenitor_client::ResponseValue;
use reqwest::ResponseBuilderExt;

pub(crate) mod retry_after;

use crate::error::ResponseLimit;
use crate::json::BOM;

/// How many bytes of a body an error keeps.
pub(crate) const BODY_PREFIX_BYTES: usize = 512;

/// What was seen of an answer.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub status: u16,
    pub retry_after: Option<std::time::Duration>,
    /// The first bytes of the body, at most [`BODY_PREFIX_BYTES`].
    pub body_prefix: Bytes,
    /// The limit the answer was over, if any (its body is then not passed on).
    pub exceeded: Option<ResponseLimit>,
}

/// The bounds on an answer: its bytes, and the objects and arrays in it, each of which decodes
/// to a value hundreds of bytes large (a 3 MB list of empty objects decoded to 800 MB).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub bytes: usize,
    pub objects: usize,
}

/// Reads the whole body, within `limits`, and hands on a response whose body is that buffer
/// without a leading byte-order mark (the service's checkout answer starts with one), so the
/// generated decoder sees plain JSON; returns what it saw too. A body over a limit is handed on
/// empty, and `Seen` says which.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    limits: Limits,
) -> reqwest::Result<(reqwest::Response, Seen, Bytes)> {
    let limit = limits.bytes;
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers = std::mem::take(response.headers_mut());

    let (body, oversized) = match response.content_length() {
        // Declared too long: read only the first piece, for the error.
        Some(length) if length > limit as u64 => (read_capped(&mut response, 0).await?.0, true),
        // Declared within the limit (HTTP framing stops the body there), or not declared: read
        // piece by piece, up to the limit.
        _ => read_capped(&mut response, limit).await?,
    };
    let body = match body.strip_prefix(BOM) {
        Some(_) => body.slice(BOM.len()..),
        None => body,
    };
    let exceeded = if oversized {
        Some(ResponseLimit::Bytes(limit))
    } else if too_many_objects(&body, limits.objects) {
        Some(ResponseLimit::Objects(limits.objects))
    } else {
        None
    };
    let seen = Seen {
        status: status.as_u16(),
        retry_after: retry_after::from_headers(&headers),
        body_prefix: body.slice(..body.len().min(BODY_PREFIX_BYTES)),
        exceeded,
    };
    let body = if exceeded.is_some() {
        Bytes::new()
    } else {
        body
    };

    // With its URL given, reqwest need not parse a placeholder one. (A builder given only a URL
    // cannot fail; if it did, the response would merely lose its URL.)
    let mut rebuilt = http::Response::builder()
        .url(url)
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body.clone()));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), seen, body))
}

/// Whether `body` opens more than `limit` objects and arrays. Every `{` and `[` counts, in a
/// string too (a bound, never too low); a body too short to hold that many (each takes two
/// bytes at least) is not read, so an answer of the usual size costs nothing here.
fn too_many_objects(body: &[u8], limit: usize) -> bool {
    body.len() / 2 > limit && body.iter().filter(|&&b| b == b'{' || b == b'[').count() > limit
}

/// What the generated code decodes an answer with, in place of progenitor's `from_response`
/// (`build/lean.rs`): the same value or error, with the headers taken rather than copied and the
/// body checked for UTF-8 once (`crate::json::from_json`; [`read_bounded`] took off the
/// byte-order mark).
pub(crate) async fn decode<T, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match crate::json::from_json(&body) {
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
    }
}

/// Reads a body; past `limit` bytes, stops and keeps only its first [`BODY_PREFIX_BYTES`] for
/// the error. Returns the body (or prefix) and whether it was over the limit. A body that comes
/// in one piece is handed on as it came, without a copy.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> reqwest::Result<(Bytes, bool)> {
    // The body while it is one piece; `joined` once it is more.
    let mut first = Bytes::new();
    let mut joined = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if first.len() + joined.len() + chunk.len() > limit {
            // Only the prefix an error keeps, not the whole of what was read.
            let read: &[u8] = if joined.is_empty() { &first } else { &joined };
            let mut prefix = BytesMut::with_capacity(BODY_PREFIX_BYTES);
            prefix.extend_from_slice(&read[..read.len().min(BODY_PREFIX_BYTES)]);
            let room = BODY_PREFIX_BYTES - prefix.len();
            prefix.extend_from_slice(&chunk[..chunk.len().min(room)]);
            return Ok((prefix.freeze(), true));
        }
        if first.is_empty() && joined.is_empty() {
            first = chunk;
        } else {
            if joined.is_empty() {
                joined.extend_from_slice(&std::mem::take(&mut first));
            }
            joined.extend_from_slice(&chunk);
        }
    }
    Ok(match joined.is_empty() {
        true => (first, false),
        false => (joined.freeze(), false),
    })
}
