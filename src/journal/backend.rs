//! Where a journal is kept: the few operations every store of it implements.

use std::future::Future;
use std::pin::Pin;

use uuid::Uuid;

use super::entry::{Entry, Outcome};

/// A store's answer, or why it could not give one (in words: the journal's error says which
/// store and what it was doing).
pub(crate) type Stored<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// A journal's store. Each call is durable when it returns `Ok`: an intent is kept before its
/// write is sent, so a crash after the sending finds it.
pub(crate) trait Backend: Send + Sync + 'static {
    /// The scope the journal's request ids are made in: kept in the store, or given by its
    /// configuration (so that a store that lost everything still makes the same ids).
    fn scope(&self) -> &str;
    /// The entry of `key`'s `step`-th write, if any.
    fn load(&self, key: &str, step: u32) -> Stored<'_, Option<Entry>>;
    /// Keeps `entry` (its outcome unknown), replacing any entry of the same key and step.
    fn intend(&self, entry: Entry) -> Stored<'_, ()>;
    /// Keeps the outcome of `key`'s `step`-th write, if it is still the sending `request_id`
    /// (a slower worker's outcome of an older sending must not settle a newer one).
    fn settle(&self, key: &str, step: u32, request_id: Uuid, outcome: Outcome) -> Stored<'_, ()>;
    /// Every entry whose outcome is unknown.
    fn unsettled(&self) -> Stored<'_, Vec<Entry>>;
    /// Keeps that the piece of work `key` is done, with what it came to.
    fn finish(&self, key: &str, result: &str) -> Stored<'_, ()>;
    /// What the piece of work `key` came to, if it is done.
    fn finished(&self, key: &str) -> Stored<'_, Option<String>>;
}
