//! What the journal keeps of one write: its intent, written before it is sent, and its
//! outcome, written once its answer is read.

use uuid::Uuid;

/// One write of a piece of work: the `step`-th write made under `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub step: u32,
    /// How many earlier sendings of this step the service refused (each then went again as
    /// a new request, with a new id).
    pub tries: u32,
    /// The spec's operation id (`createCart`).
    pub operation: String,
    /// The method and the path with its query: what the write was sent to.
    pub target: String,
    /// The body's fingerprint ([`fingerprint`]).
    pub fingerprint: String,
    pub request_id: Uuid,
    pub correlation_id: Uuid,
    /// `None` while the outcome is unknown.
    pub outcome: Option<Outcome>,
}

/// How a write ended, as far as the service said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It was made: the service's success answer, kept to be given again instead of sending.
    Made { status: u16, body: Vec<u8> },
    /// The service refused it (a business failure, after which it asks for a new request id):
    /// the step is sent again as a new request, with a new id.
    NotMade,
    /// It was not made, and the service did not judge it (it was throttled, unavailable, or
    /// never sent): the step is sent again with the same id.
    Unsent,
}

/// Request ids of journaled writes are made from the journal's scope, the work's key, the step
/// and its tries (a UUID v5): the same step of the same work gets the same id in every process,
/// even one that lost the journal, so the service's replay still keeps it from being made twice.
const NAMESPACE: Uuid = Uuid::from_u128(0x5c1f_6d2e_8b0a_4c47_9a43_0e6f_2b7d_9a10);

pub(crate) fn request_id(scope: &str, key: &str, step: u32, tries: u32) -> Uuid {
    // Lengths first, so that no two (scope, key) pairs make the same bytes.
    let name = format!("{}:{scope}{}:{key}/{step}/{tries}", scope.len(), key.len());
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// A body's fingerprint: a SHA-1 based UUID of its bytes, stable across processes and builds.
pub(crate) fn fingerprint(body: &[u8]) -> String {
    Uuid::new_v5(&NAMESPACE, body).simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_by_every_part_and_repeat_for_the_same() {
        let id = request_id("s", "k", 0, 0);
        assert_eq!(id, request_id("s", "k", 0, 0));
        for other in [
            request_id("s2", "k", 0, 0),
            request_id("s", "k2", 0, 0),
            request_id("s", "k", 1, 0),
            request_id("s", "k", 0, 1),
            // The same characters, split differently between scope and key.
            request_id("sk", "", 0, 0),
        ] {
            assert_ne!(id, other);
        }
        assert_ne!(fingerprint(b"{}"), fingerprint(b"{ }"));
    }
}
