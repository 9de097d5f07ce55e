//! The generated client's hooks: every generated operation, those of the spec today and any
//! added to it later, is sent through [`crate::pipeline`] by construction.
//!
//! progenitor builds the request (path, query, the headers the caller set on the builder, the
//! JSON body) and decodes the answer; between the two it calls `exec`, which here runs the
//! pipeline. A generated client made for one call of the front door ([`Context::for_call`])
//! carries how that operation is sent, and keeps what the pipeline saw of it (its [`Record`])
//! for the call to read back when `send` returns ([`crate::call`]).

use std::sync::OnceLock;

use progenitor_client::{ClientHooks, OperationInfo};

use crate::attempt::Ended;
use crate::client::PartnerCenter;
use crate::generated::{Client, Operation};
use crate::pipeline::{self, Record, Sending};

/// The generated client's inner value: the [`PartnerCenter`] whose configuration every
/// operation uses, and, in a client made for one call, how that call is sent and what came of
/// it.
///
/// Get a generated client carrying one from [`PartnerCenter::generated`] or
/// [`PartnerCenter::call`].
pub struct Context {
    pub(crate) pc: PartnerCenter,
    one: Option<OneCall>,
}

/// One call's operation: sent as `sending` says, and what the pipeline saw of it, written
/// once by `exec` and read by the call when `send` has returned.
struct OneCall {
    sending: Sending,
    record: OnceLock<Record>,
}

impl Context {
    /// For a client whose every operation is a new one, with fresh ids.
    pub(crate) fn for_client(pc: PartnerCenter) -> Self {
        Self { pc, one: None }
    }

    /// For a client that sends one operation, as `sending` says.
    pub(crate) fn for_call(pc: PartnerCenter, sending: Sending) -> Self {
        let record = OnceLock::new();
        let one = Some(OneCall { sending, record });
        Self { pc, one }
    }

    /// What the pipeline saw of the call's operation; `None` when nothing was sent (the
    /// generated builder refused a parameter).
    pub(crate) fn into_record(self) -> Option<Record> {
        self.one.and_then(|one| one.record.into_inner())
    }
}

/// A clone is a client whose every operation is a new one: a call's ids go on one operation
/// only.
impl Clone for Context {
    fn clone(&self) -> Self {
        Self::for_client(self.pc.clone())
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("pc", &self.pc)
            .finish_non_exhaustive()
    }
}

/// What `exec` hands back when the pipeline ended with no answer to give (no token could be
/// had, no time was left): `exec` can return only a response or a `reqwest` error, which
/// cannot be made here, so a response without a status of its own carries the failure's
/// words to `post`, which returns them as the operation's error. It never reaches a caller.
#[derive(Clone)]
struct NoAnswer(String);

impl ClientHooks<Context> for Client {
    /// Sends with the [`PartnerCenter`]'s own HTTP client, whatever client this generated one
    /// was built with: the client's headers and the attempt time-out are set on it.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let context = &self.inner;
        let operation = Operation::from_generated(info.operation_id);
        let fresh;
        let sending = match &context.one {
            Some(one) if one.record.get().is_some() => {
                return Ok(no_answer(
                    "a generated client from PartnerCenter::call sends one operation; this \
                     was a second, and was not sent",
                ));
            }
            Some(one) => &one.sending,
            None => {
                fresh = context.pc.sending(None);
                &fresh
            }
        };
        let (ended, record) = pipeline::run(&context.pc, request, operation, sending).await;
        let returned = match (ended, &record.aborted) {
            (Some(Ended::Answer(response)), None) => Ok(response),
            (Some(Ended::Failed(error)), None) => Err(error),
            (_, aborted) => Ok(no_answer(&match aborted {
                Some(error) => error.to_string(),
                None => "no attempt could be made".to_string(),
            })),
        };
        if let Some(one) = &context.one {
            // Set once: a second operation is refused above.
            let _ = one.record.set(record);
        }
        returned
    }

    /// The failure of an operation that ended with no answer, as the generated code's
    /// [`Custom`](progenitor_client::Error::Custom) error: its words, never a made-up status.
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result
            .as_ref()
            .ok()
            .and_then(|r| r.extensions().get::<NoAnswer>())
        {
            Some(NoAnswer(words)) => Err(progenitor_client::Error::Custom(words.clone())),
            None => Ok(()),
        }
    }
}

/// The response that carries [`NoAnswer`] from `exec` to `post`.
fn no_answer(words: &str) -> reqwest::Response {
    let mut response = http::Response::new(bytes::Bytes::new());
    response
        .extensions_mut()
        .insert(NoAnswer(words.to_string()));
    reqwest::Response::from(response)
}
