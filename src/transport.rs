//! What happens to one attempt on the wire: the hooks of the generated client.
//!
//! The generated code builds the request (path, JSON body) and decodes the answer. Around
//! that, per attempt:
//!
//! - `pre`: gives the request the operation's headers, built once for all its attempts (see
//!   [`crate::headers`]), in place of the generated ones but `Content-Type` (which drops
//!   progenitor's `api-version`: Partner Center defines none); sets `Authorization: Bearer`
//!   (marked sensitive, so the HTTP stack never logs it) and the attempt's time-out, which is
//!   never longer than what is left of the operation's budget;
//! - `exec`: sends it, then reads the body, up to a size limit, and drops a leading byte-order
//!   mark (the service's checkout answer starts with one), so the generated decoder sees plain
//!   JSON. What was seen is kept in [`Attempt`] for the error, if decoding then fails.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::ResponseBuilderExt;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::generated::Client;
use crate::json::BOM;
use crate::retry::retry_after;

/// How many bytes of a body an error keeps.
pub(crate) const BODY_PREFIX_BYTES: usize = 512;

/// The state of one attempt, given to the generated client as its inner value.
///
/// Get a generated client with it from [`crate::PartnerCenter::generated`].
#[derive(Debug)]
pub struct Attempt {
    authorization: Option<HeaderValue>,
    headers: Option<Arc<HeaderMap>>,
    timeout: Option<Duration>,
    max_response_bytes: usize,
    seen: Mutex<Option<Seen>>,
}

/// What the transport saw of an answer.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub status: u16,
    pub retry_after: Option<Duration>,
    /// The first bytes of the body, at most [`BODY_PREFIX_BYTES`].
    pub body_prefix: Bytes,
    /// Whether the body was over the size limit (and so was not passed on).
    pub oversized: bool,
    pub max_response_bytes: usize,
}

impl Attempt {
    /// An attempt that sends `authorization` and the operation's `headers` (built once for all
    /// its attempts, see [`crate::headers`]).
    pub(crate) fn new(
        authorization: Option<HeaderValue>,
        headers: Option<Arc<HeaderMap>>,
        timeout: Option<Duration>,
        max_response_bytes: usize,
    ) -> Self {
        Self {
            authorization,
            headers,
            timeout,
            max_response_bytes,
            seen: Mutex::new(None),
        }
    }

    /// What the transport saw, once the attempt is over.
    pub(crate) fn take_seen(&self) -> Option<Seen> {
        self.seen.lock().ok()?.take()
    }
}

/// A clone is another client with the same token and limits, and its own observations.
impl Clone for Attempt {
    fn clone(&self) -> Self {
        Self::new(
            self.authorization.clone(),
            self.headers.clone(),
            self.timeout,
            self.max_response_bytes,
        )
    }
}

impl ClientHooks<Attempt> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        match &self.inner.headers {
            // The operation's headers replace the generated ones, all but `Content-Type`: they
            // hold its `Accept`, and drop progenitor's `api-version`.
            Some(operation) => {
                let content_type = headers.remove(CONTENT_TYPE);
                *headers = HeaderMap::clone(operation);
                if let Some(value) = content_type {
                    headers.insert(CONTENT_TYPE, value);
                }
            }
            None => {
                headers.remove("api-version");
            }
        }
        if let Some(value) = &self.inner.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        if let Some(timeout) = self.inner.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        read_bounded(response, &self.inner).await
    }
}

/// Reads the whole body, at most `max_response_bytes` of it, and hands on a response whose body
/// is that buffer without a leading byte-order mark.
async fn read_bounded(
    mut response: reqwest::Response,
    attempt: &Attempt,
) -> reqwest::Result<reqwest::Response> {
    let limit = attempt.max_response_bytes;
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers = std::mem::take(response.headers_mut());

    let (body, oversized) = match response.content_length() {
        // A declared length within the limit: HTTP framing stops the body there, so it can be
        // taken whole (without a copy, when it came in one piece).
        Some(length) if length <= limit as u64 => (response.bytes().await?, false),
        // Declared too long: read only the first piece, for the error.
        Some(_) => (read_capped(&mut response, 0).await?.0, true),
        // No declared length: read it piece by piece, up to the limit.
        None => read_capped(&mut response, limit).await?,
    };
    let body = match body.strip_prefix(BOM) {
        Some(_) => body.slice(BOM.len()..),
        None => body,
    };
    let body_prefix = body.slice(..body.len().min(BODY_PREFIX_BYTES));
    let body = if oversized { Bytes::new() } else { body };

    if let Ok(mut seen) = attempt.seen.lock() {
        *seen = Some(Seen {
            status: status.as_u16(),
            retry_after: retry_after::from_headers(&headers),
            body_prefix,
            oversized,
            max_response_bytes: limit,
        });
    }

    // With its URL given, reqwest need not parse a placeholder one. (A builder given only a URL
    // cannot fail; if it did, the response would merely lose its URL.)
    let mut rebuilt = http::Response::builder()
        .url(url)
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// Reads a body of unknown length; past `limit` bytes, stops and keeps only a prefix for the
/// error. Returns the body (or prefix) and whether it was over the limit.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> reqwest::Result<(Bytes, bool)> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            body.extend_from_slice(&chunk[..chunk.len().min(BODY_PREFIX_BYTES)]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), false))
}
