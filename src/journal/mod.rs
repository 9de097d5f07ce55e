//! A journal of writes, so that each is made exactly once across crashes and restarts.
//!
//! A client given a [`Journal`] ([`PartnerCenterBuilder::journal`](crate::PartnerCenterBuilder::journal))
//! records every write made under a piece of work ([`PartnerCenter::work`](crate::PartnerCenter::work)):
//! before it is sent, its intent (the work's key, the write's place in it, the operation, where
//! it goes, its body's fingerprint, its request id); once answered, its outcome. Doing the same
//! piece of work again, in this process or another after a crash, then goes step by step:
//!
//! - a write made before is not sent: its kept answer is given back;
//! - a write whose outcome was never seen is sent again with its **original** `MS-RequestId`,
//!   so the service answers it with the first sending's outcome rather than make it twice;
//! - a write the service refused is sent again as a new request;
//! - a write that is not the one journaled at that step (another operation, place or body) is
//!   refused, nothing sent ([`ErrorKind::Journal`]).
//!
//! Request ids are made from the journal's scope, the key, the step and how many times the
//! service refused that step, so a journal whose scope outlives its entries (Redis's is the
//! name it is given; SQLite's is made with its file) makes the same ids again, and the
//! service's replay window still holds.
//! Kept in SQLite ([`Journal::sqlite`], feature `journal`) or Redis ([`Journal::redis`],
//! feature `redis`), for a fleet whose workers finish each other's work. docs/journal.md says
//! what each guarantees, and where that ends.

// Without a store (features `journal`, `redis`) no journal can be made.
#![cfg_attr(not(any(feature = "journal", feature = "redis")), allow(dead_code))]

mod backend;
pub(crate) mod entry;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "journal")]
mod sqlite;
pub(crate) mod step;
pub(crate) mod work;

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use crate::error::{Error, ErrorKind, JournalFailure};
use crate::ids::RequestId;
use backend::Backend;

/// Where a client records its writes (see the [module](self)). Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), partner_center_carts::Error> {
/// use partner_center_carts::{PartnerCenter, journal::Journal};
/// use partner_center_carts::types::Cart;
///
/// let journal = Journal::sqlite("purchases.journal")?;
/// let pc = PartnerCenter::builder().bearer_token("eyJ0...").journal(journal).build()?;
/// // Run again after a crash, the same key makes each write once.
/// let work = pc.work("renewal-2026/contoso");
/// let cart = work.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d").create(&Cart::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Journal {
    backend: Arc<dyn Backend>,
    kind: &'static str,
}

impl Journal {
    fn new(backend: impl Backend, kind: &'static str) -> Self {
        Self {
            backend: Arc::new(backend),
            kind,
        }
    }

    pub(crate) fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The journal in a SQLite file, made if missing (feature `journal`). Every intent and
    /// outcome is committed, and the write-ahead log flushed to disk, before the call that
    /// made it goes on; one file may be shared by the processes of one machine.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Journal`] when the file cannot be opened or is not a journal.
    #[cfg(feature = "journal")]
    pub fn sqlite(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let store = sqlite::Sqlite::open(path.as_ref()).map_err(failure)?;
        Ok(Self::new(store, "sqlite"))
    }

    /// The journal in Redis (feature `redis`), under keys that start with `name`: every
    /// worker of a fleet given the same server and name shares it, so one can finish the work
    /// of another that died. Request ids are made from `name`, so a server that lost the
    /// journal still gets the same ids from the same work.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Journal`] when `url` is not a Redis URL or the server cannot be reached.
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str, name: &str) -> Result<Self, Error> {
        let store = redis::Redis::open(url, name).await.map_err(failure)?;
        Ok(Self::new(store, "redis"))
    }

    /// Every write whose outcome the journal never saw: doing its piece of work again sends
    /// each with its original request id first.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Journal`] when the store cannot be read.
    pub async fn unsettled(&self) -> Result<Vec<UnsettledWrite>, Error> {
        let entries = self.backend.unsettled().await.map_err(failure)?;
        Ok(entries
            .into_iter()
            .map(|e| UnsettledWrite {
                key: e.key,
                step: e.step,
                operation: e.operation,
                request_id: RequestId::from(e.request_id),
                correlation_id: e.correlation_id,
            })
            .collect())
    }

    /// Keeps that the piece of work `key` is done, with `result` (any text: the bulk runner
    /// keeps its result line), so that it is not done again.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Journal`] when the store cannot keep it.
    pub async fn finish(&self, key: &str, result: &str) -> Result<(), Error> {
        self.backend.finish(key, result).await.map_err(failure)
    }

    /// What the piece of work `key` came to, if [`finish`](Self::finish) kept it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Journal`] when the store cannot be read.
    pub async fn finished(&self, key: &str) -> Result<Option<String>, Error> {
        self.backend.finished(key).await.map_err(failure)
    }
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("store", &self.kind)
            .field("scope", &self.backend.scope())
            .finish()
    }
}

/// A write the journal saw intended and never saw answered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsettledWrite {
    /// The piece of work's key.
    pub key: String,
    /// Its place among the work's writes, from 0.
    pub step: u32,
    /// The spec's operation id (`checkoutCart`).
    pub operation: String,
    /// The `MS-RequestId` it was sent with, and will be sent again with.
    pub request_id: RequestId,
    /// The `MS-CorrelationId` it was sent with.
    pub correlation_id: Uuid,
}

/// The journal's error, in words.
pub(crate) fn failure(reason: String) -> Error {
    Error::new(ErrorKind::Journal(JournalFailure::new(reason)))
}
