//! A write of a piece of work, through the journal: before it is sent, whether to send it (as
//! a new request, or again as the one whose outcome was never seen) or to give the answer kept
//! of it; after, what to keep of its outcome.

use bytes::Bytes;
use reqwest::ResponseBuilderExt;
use uuid::Uuid;

use super::entry::{self, Entry, Outcome};
use super::work::WorkScope;
use super::{Journal, failure};
use crate::error::Error;
use crate::ids::OperationIds;
use crate::read::{BODY_PREFIX_BYTES, Seen};

/// A write to send, journaled at `step` of `key`.
#[derive(Debug)]
pub(crate) struct Step {
    work: std::sync::Arc<WorkScope>,
    step: u32,
    /// The ids it goes with: its own, kept in the journal.
    pub ids: OperationIds,
    /// It was sent before, and its outcome never seen: this sending learns it.
    pub again: bool,
}

/// What to do with a write.
pub(crate) enum Before {
    Send(Step),
    /// It was made before, with these ids: this answer, kept, is its answer; nothing is sent.
    Made(reqwest::Response, Seen, OperationIds),
}

/// Looks the write up in the journal and keeps its intent when it is to be sent as a new
/// request. `operation` is the spec's id of it; `correlation_id` the one it would go with;
/// `round` says it is another round of the write just made (a checkout asked again while the
/// cart was busy, `modify`'s PUT after a conflict): the same step, as a new request.
pub(crate) async fn before(
    journal: &Journal,
    work: &std::sync::Arc<WorkScope>,
    operation: &str,
    request: &reqwest::Request,
    correlation_id: Uuid,
    round: bool,
) -> Result<Before, Error> {
    let store = journal.backend();
    let key = work.key();
    let step = if round {
        work.this_step()
    } else {
        work.take_step()
    };
    let url = request.url();
    let target = match url.query() {
        Some(query) => format!("{} {}?{query}", request.method(), url.path()),
        None => format!("{} {}", request.method(), url.path()),
    };
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .unwrap_or_default();
    // The headers that make it another request (a checkout for another user, a put over
    // another etag) count with its body.
    let mut identity = body.to_vec();
    for name in ["x-ms-customeruser-upn", "if-match"] {
        if let Some(value) = request.headers().get(name) {
            identity.extend_from_slice(b"\n");
            identity.extend_from_slice(name.as_bytes());
            identity.extend_from_slice(value.as_bytes());
        }
    }
    let fingerprint = entry::fingerprint(&identity);
    let kept = store.load(key, step).await.map_err(|e| {
        failure(format!(
            "cannot read step {step} of work {key:?}, so nothing was sent: {e}"
        ))
    })?;
    let tries = match kept {
        // Another round of the same write: its earlier one was not made (or it would not be
        // asked again), and its body may differ (a PUT of what was read again).
        Some(kept) if round && kept.operation == operation && kept.target == target => {
            kept.tries + 1
        }
        Some(kept)
            if kept.operation != operation
                || kept.target != target
                || kept.fingerprint != fingerprint =>
        {
            let same = kept.operation == operation && kept.target == target;
            return Err(failure(format!(
                "step {step} of work {key:?} was journaled as {} {}{}; this one is {operation} \
                 {target}, and was not sent: other work needs another key",
                kept.operation,
                kept.target,
                if same { " with another body" } else { "" },
            )));
        }
        Some(Entry {
            outcome: Some(Outcome::Made { status, body }),
            request_id,
            correlation_id,
            ..
        }) => {
            tracing::debug!(key, step, operation, "made before: the journal's answer");
            work.settled(true);
            let (response, seen) = answer(status, body.into(), url);
            let ids = OperationIds {
                request_id: request_id.into(),
                correlation_id,
            };
            return Ok(Before::Made(response, seen, ids));
        }
        Some(Entry {
            outcome: None,
            request_id,
            correlation_id,
            ..
        }) => {
            tracing::info!(key, step, operation, %request_id, "outcome never seen: sending it again as the same request");
            return Ok(Before::Send(Step {
                work: work.clone(),
                step,
                ids: OperationIds {
                    request_id: request_id.into(),
                    correlation_id,
                },
                again: true,
            }));
        }
        // Refused: the service answers its id with that refusal, so a new id.
        Some(Entry {
            tries,
            outcome: Some(Outcome::NotMade),
            ..
        }) => tries + 1,
        // Never judged: the same id again (kept as unknown first, should this process die
        // with it sent).
        Some(Entry { tries, .. }) => tries,
        None => 0,
    };
    let request_id = entry::request_id(store.scope(), key, step, tries);
    let intent = Entry {
        key: key.to_string(),
        step,
        tries,
        operation: operation.to_string(),
        target,
        fingerprint,
        request_id,
        correlation_id,
        outcome: None,
    };
    store.intend(intent).await.map_err(|e| {
        failure(format!(
            "cannot keep step {step} of work {key:?}, so nothing was sent: {e}"
        ))
    })?;
    Ok(Before::Send(Step {
        work: work.clone(),
        step,
        ids: OperationIds {
            request_id: request_id.into(),
            correlation_id,
        },
        again: false,
    }))
}

/// The kept answer, as the service gave it (the body as read: within the limits, without a
/// byte-order mark).
fn answer(status: u16, body: Bytes, url: &reqwest::Url) -> (reqwest::Response, Seen) {
    let seen = Seen {
        status,
        retry_after: None,
        body_prefix: body.slice(..body.len().min(BODY_PREFIX_BYTES)),
        exceeded: None,
    };
    // A builder given a URL and a fixed header cannot fail; if it did, the answer would lose
    // only its URL.
    let mut kept = http::Response::builder()
        .url(url.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body));
    // Only a success is kept, so the status is one (an odd number from an odd store: 200).
    *kept.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    (reqwest::Response::from(kept), seen)
}

/// Keeps what came of `step`: `Some` outcome when the service said (or the write was never
/// sent), `None` while it is unknown. A journal that cannot keep it leaves the step as it
/// was, whose next doing sends it again as the same request: the answer in hand stands.
pub(crate) async fn after(journal: &Journal, step: &Step, outcome: Option<Outcome>) {
    let Some(outcome) = outcome else { return };
    step.work.settled(matches!(outcome, Outcome::Made { .. }));
    let (key, request_id) = (step.work.key(), step.ids.request_id.as_uuid());
    if let Err(e) = journal
        .backend()
        .settle(key, step.step, request_id, outcome)
        .await
    {
        tracing::warn!(key, step = step.step, error = %e, "the journal could not keep a write's outcome; doing the work again will send it again as the same request");
    }
}
