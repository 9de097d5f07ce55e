//! One operation from the front door to the wire and back, as one function:
//! [`PartnerCenter::invoke`] takes how the operation is sent and what builds it with the
//! generated client, and gives back this crate's typed result.
//!
//! It makes a generated client for that one operation ([`Context::for_call`]); the operation's
//! `send` runs the pipeline in the client's `exec` hook ([`crate::hooks`]), which keeps what it
//! saw in that client; and once `send` has returned, the record and the generated result
//! become this crate's [`Error`] or value.

use bytes::Bytes;

use crate::classify::{Generated, classify};
use crate::client::PartnerCenter;
use crate::error::effect::{self, Attempt as AttemptEffect};
use crate::error::{Effect, Error, ErrorKind};
use crate::generated::Client;
use crate::hooks::Context;
use crate::journal::entry::Outcome;
use crate::journal::step;
use crate::pipeline::{Record, Sending};

impl PartnerCenter {
    /// The generated client, for what the front door does not cover. Every operation sent
    /// through it runs the whole pipeline (headers, a token per attempt, retries, time-outs),
    /// each as a new operation with fresh ids, but its errors are progenitor's: an answer the
    /// service gave comes back as progenitor gives it, and an operation that ended with no
    /// answer (no token could be had, no time was left) as
    /// [`Error::Custom`](crate::generated::Error::Custom) with this crate's words for it.
    /// [`call`](Self::call) gives this crate's [`Error`] instead.
    pub fn generated(&self) -> Client {
        self.client_with(Context::for_client(self.clone()))
    }

    fn client_with(&self, context: Context) -> Client {
        Client::new_with_client(&self.shared.base_url, self.shared.http.clone(), context)
    }

    /// Sends one operation of the generated client through the pipeline and returns this
    /// crate's result: every header, retries, tokens, time-outs, and an [`Error`] with the
    /// operation ([`Error::operation`]), its ids, its attempts and its
    /// [`effect`](Error::effect).
    ///
    /// This is how to call an operation the front door has no method for, such as one added
    /// to the spec: `send` gets a generated client for this one operation, builds the request
    /// with the operation's builder, and sends it. Parameters are set by name, so an optional
    /// one added to the spec later breaks no caller. A header set on the builder
    /// (`ms_request_id`, `x_locale`, ...) wins over the client's. The operation counts against
    /// the tenant's shared limit (see [`SharedLimit`](crate::retry::SharedLimit)); its
    /// customer's is counted only through the front door.
    ///
    /// # Errors
    ///
    /// The operation's own: see [`Error`]. A parameter the generated builder refuses is
    /// [`ErrorKind::InvalidInput`], and nothing is sent; so is a second operation sent with
    /// the same generated client.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let cart = pc
    ///     .call(async |api| {
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
    pub async fn call<T>(
        &self,
        send: impl AsyncFnOnce(&Client) -> Generated<T>,
    ) -> Result<T, Error> {
        self.invoke(self.sending(None), send, |_| None).await
    }

    /// One operation, sent as `sending` says: `send` builds it with a generated client made
    /// for it alone and sends it; the answer, decoded, is then checked by `check` (an answer
    /// about another resource, say). Every operation of the front door comes through here.
    pub(crate) async fn invoke<T>(
        &self,
        sending: Sending,
        send: impl AsyncFnOnce(&Client) -> Generated<T>,
        check: impl FnOnce(&T) -> Option<ErrorKind>,
    ) -> Result<T, Error> {
        let api = self.client_with(Context::for_call(self.clone(), sending));
        let result = send(&api).await;
        let mut record = api.inner.into_record();
        let step = record.as_mut().and_then(|r| r.step.take());
        let done = finish(result, record, check);
        // A success that placed nothing (a checkout whose every order group failed) is a
        // refusal: the journal sends the write again as a new request, not its kept answer.
        if let (Err(e), Some(step), Some(journal)) = (&done, &step, &self.shared.journal)
            && matches!(e.kind(), ErrorKind::NothingOrdered(_))
        {
            step::after(journal, step, Some(Outcome::NotMade)).await;
        }
        done
    }
}

/// This crate's result of an operation: its generated `result`, what the pipeline saw of it,
/// and `check` of a decoded success.
fn finish<T>(
    result: Generated<T>,
    record: Option<Record>,
    check: impl FnOnce(&T) -> Option<ErrorKind>,
) -> Result<T, Error> {
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
        ..
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
        .in_operation(operation, ids, attempts)
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
