//! A request's body, read so that no client can hold the server with it: each piece within a
//! time limit and the whole within another, at most so many bytes, and the budget of bodies
//! being worked on taken as the bytes arrive (never reserved for what a header declares), so a
//! stalled body holds only what it sent.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::service::kib;

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Longer than the limit (413).
    TooLarge,
    /// A piece took longer than the idle limit, or the whole longer than its limit (408).
    TooSlow,
    /// It broke off, or was not valid framing (400).
    Broken,
}

/// How a body is read.
pub(crate) struct Reading<'a> {
    /// The most bytes accepted.
    pub limit: usize,
    /// The longest wait for the next piece.
    pub idle: Duration,
    /// The longest the whole body may take, waits for the budget included.
    pub whole: Duration,
    /// The budget of bodies being worked on, in KiB, and its whole size.
    pub budget: &'a Arc<Semaphore>,
    pub budget_kib: u32,
}

/// The body, and its share of the budget, which it holds until dropped. A body of no bytes
/// takes none and waits for nothing.
pub(crate) async fn read(
    body: Body,
    how: &Reading<'_>,
) -> Result<(Bytes, Option<OwnedSemaphorePermit>), Refused> {
    let deadline = Instant::now() + how.whole;
    let mut body = std::pin::pin!(body);
    let mut read = Vec::new();
    let mut held: Option<OwnedSemaphorePermit> = None;
    loop {
        let wait = how
            .idle
            .min(deadline.saturating_duration_since(Instant::now()));
        let piece = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx));
        let frame = match tokio::time::timeout(wait, piece).await {
            Err(_) => return Err(Refused::TooSlow),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(Refused::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if read.len() + data.len() > how.limit {
            return Err(Refused::TooLarge);
        }
        read.extend_from_slice(&data);
        // The budget for what has come so far, as it comes; a body larger than the whole
        // budget takes all of it, and is worked on alone.
        let needed = kib(read.len()).min(how.budget_kib);
        let have = held.as_ref().map_or(0, |p| p.num_permits() as u32);
        if needed > have {
            match how.budget.clone().try_acquire_many_owned(needed - have) {
                Ok(more) => match held.as_mut() {
                    Some(held) => held.merge(more),
                    None => held = Some(more),
                },
                // Two bodies that each wait for more while holding part of the budget could
                // wait for each other until both time out: wait holding none, for all of it.
                Err(_) => {
                    drop(held.take());
                    let all = how.budget.clone().acquire_many_owned(needed);
                    let left = deadline.saturating_duration_since(Instant::now());
                    held = match tokio::time::timeout(left, all).await {
                        Ok(Ok(all)) => Some(all),
                        Ok(Err(_)) | Err(_) => return Err(Refused::TooSlow),
                    };
                }
            }
        }
    }
    Ok((Bytes::from(read), held))
}
