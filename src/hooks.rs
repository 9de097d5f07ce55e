//! The generated client's hooks: every generated operation, those of the spec today and any
//! added to it later, is sent through [`crate::pipeline`] by construction.
//!
//! progenitor builds the request (path, query, the headers the caller set on the builder, the
//! JSON body) and decodes the answer; between the two it calls `exec`, which here runs the
//! pipeline. `exec` can hand back only a `reqwest` response, so what the pipeline saw of the
//! operation (its ids, attempts and effect: a [`Record`]) is left in the call's [`Context`],
//! the one place it passes, for [`Kept::finish`] to turn the generated result into this
//! crate's.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};

use crate::PartnerCenter;
use crate::attempt::Ended;
use crate::classify::{Generated, classify};
use crate::error::effect::{self, Attempt as AttemptEffect};
use crate::error::{Effect, Error, ErrorKind};
use crate::generated::{self, Client};
use crate::pipeline::{self, Record, Sending};

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
    record: Arc<Mutex<Option<Record>>>,
}

impl Context {
    fn new(pc: PartnerCenter, sending: Option<Sending>) -> Self {
        Self {
            pc,
            sending: Mutex::new(sending),
            record: Arc::default(),
        }
    }

    /// How the next operation is sent: as the call said (once), or as a new one.
    fn take_sending(&self) -> Sending {
        self.sending
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .unwrap_or_else(|| self.pc.sending(None))
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

impl ClientHooks<Context> for Client {
    /// Sends with the [`PartnerCenter`]'s own HTTP client, whatever client this generated one
    /// was built with: the client's headers and the attempt time-out are set on it.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let context = &self.inner;
        let operation = generated::operation_name(info.operation_id);
        let (ended, record) =
            pipeline::run(&context.pc, request, operation, context.take_sending()).await;
        let returned = match (ended, &record.aborted) {
            (_, Some(error)) => Ok(stand_in(error)),
            (Some(Ended::Answer(response)), None) => Ok(response),
            (Some(Ended::Failed(error)), None) => Err(error),
            // The pipeline ends with an answer, a failure or an error; never with none.
            (None, None) => Ok(stand_in(&Error::timeout())),
        };
        if let Ok(mut kept) = context.record.lock() {
            *kept = Some(record);
        }
        returned
    }
}

/// A response that stands for an error the pipeline raised before any answer (no token could
/// be had, no time was left): `exec` must return a response or a `reqwest` error, and no
/// `reqwest` error can be made here. A 401 whose body says why, for a caller of the raw
/// generated client; the wrapper returns the error itself, which the record keeps.
fn stand_in(error: &Error) -> reqwest::Response {
    let body = serde_json::json!({ "code": 0, "description": error.to_string() });
    let mut response = http::Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    reqwest::Response::from(response)
}

impl PartnerCenter {
    /// The generated client, for what the front door does not cover. Every operation sent
    /// through it runs the whole pipeline (headers, a token per attempt, retries, time-outs), but
    /// its errors are progenitor's: [`call`](Self::call) gives this crate's [`Error`] instead.
    pub fn generated(&self) -> generated::Client {
        self.client_with(Context::new(self.clone(), None))
    }

    /// A generated client for operations sent with `context`.
    fn client_with(&self, context: Context) -> generated::Client {
        generated::Client::new_with_client(&self.shared.base_url, self.shared.http.clone(), context)
    }

    /// Sends one operation of the generated client through the pipeline and returns this
    /// crate's result: every header, retries, tokens, time-outs, and an [`Error`] with the
    /// operation's name (its `operationId`), its ids, its attempts and its
    /// [`effect`](Error::effect).
    ///
    /// This is how to call an operation the front door has no method for, such as one added
    /// to the spec: `send` gets a generated client for this one operation, builds the request
    /// with the operation's builder, and sends it. Parameters are set by name, so an optional
    /// one added to the spec later breaks no caller. A header set on the builder
    /// (`ms_request_id`, `x_locale`, ...) wins over the client's.
    ///
    /// # Errors
    ///
    /// The operation's own: see [`Error`]. A parameter the generated builder refuses is
    /// [`ErrorKind::InvalidInput`], and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let cart = pc
    ///     .call(|api| async move {
    ///         api.get_cart()
    ///             .customer_id("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///             .cart_id("65faf57b-0205-47ee-92b3-08dcf233ea73")
    ///             .send()
    ///             .await
    ///     })
    ///     .await?;
    /// println!("{:?}", cart.status);
    /// # Ok(()) }
    /// ```
    pub async fn call<T, F, Fut>(&self, send: F) -> Result<T, Error>
    where
        F: FnOnce(generated::Client) -> Fut,
        Fut: Future<Output = Generated<T>>,
    {
        let Call { api, kept } = self.begin(None);
        kept.finish(send(api).await, |_: &T| None)
    }

    /// One operation, sent as `sending` says: the front door sends it with `api` and gives the
    /// result to `kept`. (Rather than a method that takes the sending as a closure and awaits
    /// it: the operations await the generated `send` themselves, which spares a copy of its
    /// whole future on every operation.)
    pub(crate) fn begin(&self, sending: Option<Sending>) -> Call {
        let context = Context::new(self.clone(), sending);
        let kept = Kept(context.record.clone());
        Call {
            api: self.client_with(context),
            kept,
        }
    }
}

/// One operation between [`PartnerCenter::begin`] and [`Kept::finish`].
pub(crate) struct Call {
    /// The generated client to send it with.
    pub api: generated::Client,
    pub kept: Kept,
}

/// Where the pipeline keeps what it saw of the operation sent with a [`Call`]'s client.
pub(crate) struct Kept(Arc<Mutex<Option<Record>>>);

impl Kept {
    /// This crate's result of the operation: its generated `result`, what the pipeline saw,
    /// and `check` of a decoded success.
    pub(crate) fn finish<T>(
        self,
        result: Generated<T>,
        check: impl FnOnce(&T) -> Option<ErrorKind>,
    ) -> Result<T, Error> {
        let record = self.0.lock().ok().and_then(|mut r| r.take());
        let Some(record) = record else {
            // Nothing was sent: the generated builder refused a parameter.
            return classify(result, None);
        };
        let Record {
            operation,
            writes,
            ids,
            attempts,
            before_last,
            effect,
            seen,
            aborted,
            request,
        } = record;
        let (error, effect) = match aborted {
            Some(error) => (error, effect),
            None => {
                let error = match classify(result, seen) {
                    Ok(value) => match check(&value) {
                        None => return Ok(value),
                        Some(kind) => Error::new(kind),
                    },
                    Err(e) => e,
                };
                let effect = effect::fold(before_last, AttemptEffect::of(&error));
                (error, effect)
            }
        };
        let effect = if writes { effect } else { Effect::None };
        let error = error
            .in_operation(
                operation,
                &ids.request_text(),
                &ids.correlation_text(),
                attempts,
            )
            .with_effect(effect);
        let body = request
            .as_ref()
            .filter(|_| effect == Effect::Unknown)
            .and_then(reqwest::Request::body)
            .and_then(reqwest::Body::as_bytes);
        Err(match body {
            Some(body) => error.with_request_body(Bytes::copy_from_slice(body)),
            None => error,
        })
    }
}
