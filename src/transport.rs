//! The generated client's hooks: every generated operation, those of the spec today and any
//! added to it later, is sent through [`crate::pipeline`] by construction.
//!
//! progenitor builds the request (path, query, the headers the caller set on the builder, the
//! JSON body) and decodes the answer; between the two it calls `exec`, which here runs the
//! whole pipeline: the operation's headers, a token per attempt, retries, time-outs and the
//! bounded read. What the pipeline saw is kept in the client's [`Context`], for
//! [`PartnerCenter::call`](crate::PartnerCenter::call) to turn into this crate's [`Error`].

use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, OperationInfo, ResponseValue};
use reqwest::ResponseBuilderExt;

use crate::generated::Client;
use crate::json::BOM;
use crate::pipeline::{Record, Sending};
use crate::retry::retry_after;
use crate::{Error, PartnerCenter};

/// How many bytes of a body an error keeps.
pub(crate) const BODY_PREFIX_BYTES: usize = 512;

/// The generated client's inner value: the [`PartnerCenter`] whose configuration every
/// operation uses, and, for one call, how it is sent and what came of it.
///
/// Get a generated client carrying one from [`PartnerCenter::generated`] or
/// [`PartnerCenter::call`].
pub struct Context {
    pub(crate) pc: PartnerCenter,
    /// The ids, start and prior effect of a call the wrapper makes, taken by its operation;
    /// fresh ones when `None`.
    sending: Mutex<Option<Sending>>,
    /// What the pipeline saw of the last operation sent with this context.
    pub(crate) record: Arc<Mutex<Option<Record>>>,
}

impl Context {
    pub(crate) fn new(pc: PartnerCenter, sending: Option<Sending>) -> Self {
        Self {
            pc,
            sending: Mutex::new(sending),
            record: Arc::default(),
        }
    }

    /// How the next operation is sent: as the call said (once), or as a new one.
    pub(crate) fn take_sending(&self) -> Sending {
        self.sending
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .unwrap_or_else(|| self.pc.sending(None))
    }

    /// Keeps what the pipeline saw of an operation.
    pub(crate) fn keep(&self, record: Record) {
        if let Ok(mut kept) = self.record.lock() {
            *kept = Some(record);
        }
    }
}

/// A clone is another client for the same calls, with its own record.
impl Clone for Context {
    fn clone(&self) -> Self {
        let sending = self.sending.lock().ok().and_then(|s| s.clone());
        Self::new(self.pc.clone(), sending)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("pc", &self.pc)
            .finish_non_exhaustive()
    }
}

/// What the transport saw of an answer.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub status: u16,
    pub retry_after: Option<std::time::Duration>,
    /// The first bytes of the body, at most [`BODY_PREFIX_BYTES`].
    pub body_prefix: Bytes,
    /// Whether the body was over the size limit (and so was not passed on).
    pub oversized: bool,
    pub max_response_bytes: usize,
}

impl ClientHooks<Context> for Client {
    /// Sends with the [`PartnerCenter`]'s own HTTP client, whatever client this generated one
    /// was built with: the client's headers and the attempt time-out are set on it.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        crate::pipeline::run(&self.inner, &self.inner.pc.shared.http, request, info).await
    }
}

/// Reads the whole body, at most `limit` bytes of it, and hands on a response whose body is
/// that buffer without a leading byte-order mark (the service's checkout answer starts with
/// one), so the generated decoder sees plain JSON; returns what it saw too.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<(reqwest::Response, Seen, Bytes)> {
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
    let seen = Seen {
        status: status.as_u16(),
        retry_after: retry_after::from_headers(&headers),
        body_prefix: body.slice(..body.len().min(BODY_PREFIX_BYTES)),
        oversized,
        max_response_bytes: limit,
    };
    let body = if oversized { Bytes::new() } else { body };

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

/// A response that stands for an error the pipeline raised before any answer (no token could
/// be had): a 401 whose body says why, for a caller of the raw generated client; the
/// wrapper returns the error itself, which the record keeps.
pub(crate) fn stand_in(error: &Error) -> reqwest::Response {
    let body = serde_json::json!({ "code": 0, "description": error.to_string() });
    let mut response = http::Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    reqwest::Response::from(response)
}
