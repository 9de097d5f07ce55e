//! The journal in Redis, shared by every worker given the same server and name.
//!
//! Its keys, all under the journal's name (a piece of work's key escaped, `%` as `%25` and `:`
//! as `%3A`, so that what follows the name's `:` never holds another `:` and no two names, nor
//! two keys, share a Redis key):
//!
//! - `{name}:w/{key}/{step}`, a hash per write: its intent, and its outcome once known;
//! - `{name}:unsettled`, a set of the writes whose outcome is unknown (`{key}\u{1f}{step}`);
//! - `{name}:finished`, a hash of each finished piece of work's result (fields are binary-safe:
//!   the key as given).
//!
//! An intent and the unsettled set change together (`MULTI`/`EXEC`), and so do an outcome
//! and the set (a Lua script): a crash never leaves one without the other.
//!
//! What Redis guarantees, and where that ends: it answers a write once it is in memory. Only
//! with `appendonly yes` and `appendfsync always` is it on disk before the answer; with the
//! default (`everysec`) a crash of the server loses up to a second of the journal, and without
//! the append-only file everything since the last snapshot. Replication is asynchronous, so a
//! failover can lose writes too, and a server evicting keys
//! (`maxmemory-policy` other than `noeviction`) can drop entries. A server restarted empty
//! loses the journal, but not its scope: request ids are made from the name given here, so
//! the same work makes the same ids, and the service's idempotency still keeps a write from
//! being made twice within its replay window.
//!
//! One server or a primary: not a cluster (an intent's two keys are in one transaction).

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use uuid::Uuid;

use super::backend::{Backend, Stored};
use super::entry::{Entry, Outcome};

/// How long one attempt to connect may take: a dead server is an error quickly.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long opening may take in all: connecting (an attempt and a retry) and the first `PING`.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one call (a command, a transaction, a script) may wait for its answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps an outcome and takes the write out of the unsettled set, in one step. A write with no
/// entry is only taken out of the set: writing its outcome alone would make a hash without an
/// intent (SQLite's `UPDATE` of no row does nothing either).
///
/// KEYS: the entry, the unsettled set. ARGV: the set's member, the outcome (`made`, `not made`
/// or `not sent`), and for `made` the status and the answer's bytes.
const SETTLE: &str = r"
-- Only the sending it belongs to: a newer sending of the step stays as it is.
if redis.call('HGET', KEYS[1], 'request_id') == ARGV[2] then
  if ARGV[3] == 'made' then
    redis.call('HSET', KEYS[1], 'outcome', 'made', 'status', ARGV[4], 'answer', ARGV[5])
  else
    redis.call('HSET', KEYS[1], 'outcome', ARGV[3])
    redis.call('HDEL', KEYS[1], 'status', 'answer')
  end
  redis.call('SREM', KEYS[2], ARGV[1])
elseif redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 0
";

/// A hash as read: field to bytes (an answer's body need not be text).
type Fields = HashMap<String, Vec<u8>>;

/// A journal kept in one Redis under one name.
pub(crate) struct Redis {
    connection: ConnectionManager,
    name: String,
    /// `redis at host:port`, for errors: the URL may hold a password.
    at: String,
    settle: redis::Script,
}

impl Redis {
    /// Connects to the Redis at `url` (within [`OPEN_TIMEOUT`]) for the journal `name`.
    pub(crate) async fn open(url: &str, name: &str) -> Result<Self, String> {
        // An empty name would make keys that start with `:`, shared by every unnamed journal.
        if name.is_empty() {
            return Err("redis: the journal's name is empty".into());
        }
        let client =
            redis::Client::open(url).map_err(|e| format!("redis: the journal's URL: {e}"))?;
        let at = format!("redis at {}", client.get_connection_info().addr());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            // The manager's default retries for some 15 s: the caller retries instead.
            .set_number_of_retries(1);
        let opening = async {
            let mut connection = ConnectionManager::new_with_config(client, config).await?;
            // Connecting may need no answer from the server: a PING tells it is one.
            redis::cmd("PING")
                .query_async::<()>(&mut connection)
                .await?;
            Ok::<_, redis::RedisError>(connection)
        };
        let connection = match tokio::time::timeout(OPEN_TIMEOUT, opening).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(format!("{at}: connecting: {e}")),
            Err(_) => {
                return Err(format!(
                    "{at}: connecting: no answer within {OPEN_TIMEOUT:?}"
                ));
            }
        };
        Ok(Self {
            connection,
            name: name.to_string(),
            at,
            settle: redis::Script::new(SETTLE),
        })
    }

    /// The hash of `key`'s `step`-th write.
    fn entry_key(&self, key: &str, step: u32) -> String {
        format!("{}:w/{}/{step}", self.name, escape(key))
    }

    fn unsettled_key(&self) -> String {
        format!("{}:unsettled", self.name)
    }

    fn finished_key(&self) -> String {
        format!("{}:finished", self.name)
    }

    /// Waits for `call` at most [`COMMAND_TIMEOUT`]; its failure, in words, says `what` failed.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(COMMAND_TIMEOUT, call).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => Err(format!("{}: {what}: {e}", self.at)),
            Err(_) => Err(format!(
                "{}: {what}: no answer within {COMMAND_TIMEOUT:?}",
                self.at
            )),
        }
    }

    /// The entry a hash holds, checked to be `key`'s `step`-th write.
    fn decoded(&self, what: &str, fields: &Fields, key: &str, step: u32) -> Result<Entry, String> {
        let entry = entry(fields).map_err(|e| format!("{}: {what}: {e}", self.at))?;
        if entry.key != key || entry.step != step {
            return Err(format!(
                "{}: {what}: the entry is of {:?} step {}",
                self.at, entry.key, entry.step
            ));
        }
        Ok(entry)
    }
}

/// `key` with `%` and `:` escaped: no `:` is left, and no two keys escape alike.
fn escape(key: &str) -> String {
    let mut escaped = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            ':' => escaped.push_str("%3A"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The unsettled set's member for `key`'s `step`-th write.
fn member(key: &str, step: u32) -> String {
    format!("{key}\u{1f}{step}")
}

/// The key and step of an unsettled set's member (the step is after the last separator, so a
/// key may hold one).
fn parse_member(member: &str) -> Option<(&str, u32)> {
    let (key, step) = member.rsplit_once('\u{1f}')?;
    Some((key, step.parse().ok()?))
}

/// A field's bytes.
fn field<'f>(fields: &'f Fields, name: &str) -> Result<&'f [u8], String> {
    fields
        .get(name)
        .map(Vec::as_slice)
        .ok_or_else(|| format!("the entry has no `{name}`"))
}

/// A field's text.
fn text<'f>(fields: &'f Fields, name: &str) -> Result<&'f str, String> {
    std::str::from_utf8(field(fields, name)?)
        .map_err(|_| format!("the entry's `{name}` is not text"))
}

/// A field read as a `T` (a number, a UUID).
fn parsed<T: FromStr>(fields: &Fields, name: &str) -> Result<T, String> {
    let text = text(fields, name)?;
    text.parse()
        .map_err(|_| format!("the entry's `{name}` is not what it should be: {text:?}"))
}

/// The entry a write's hash holds; which field is missing or malformed, if one is.
fn entry(fields: &Fields) -> Result<Entry, String> {
    let outcome = match fields.get("outcome").map(Vec::as_slice) {
        None => None,
        Some(b"made") => Some(Outcome::Made {
            status: parsed(fields, "status")?,
            body: field(fields, "answer")?.to_vec(),
        }),
        Some(b"not made") => Some(Outcome::NotMade),
        Some(b"not sent") => Some(Outcome::Unsent),
        Some(other) => {
            return Err(format!(
                "the entry's `outcome` is not `made`, `not made` or `not sent`: {:?}",
                String::from_utf8_lossy(other)
            ));
        }
    };
    Ok(Entry {
        key: text(fields, "key")?.to_string(),
        step: parsed(fields, "step")?,
        tries: parsed(fields, "tries")?,
        operation: text(fields, "operation")?.to_string(),
        target: text(fields, "target")?.to_string(),
        fingerprint: text(fields, "fingerprint")?.to_string(),
        request_id: parsed::<Uuid>(fields, "request_id")?,
        correlation_id: parsed::<Uuid>(fields, "correlation_id")?,
        outcome,
    })
}

impl Backend for Redis {
    fn scope(&self) -> &str {
        &self.name
    }

    fn load(&self, key: &str, step: u32) -> Stored<'_, Option<Entry>> {
        let key = key.to_string();
        Box::pin(async move {
            let what = format!("reading {key:?} step {step}");
            let mut connection = self.connection.clone();
            let fields: Fields = self
                .bounded(
                    &what,
                    redis::cmd("HGETALL")
                        .arg(self.entry_key(&key, step))
                        .query_async(&mut connection),
                )
                .await?;
            if fields.is_empty() {
                return Ok(None);
            }
            self.decoded(&what, &fields, &key, step).map(Some)
        })
    }

    fn intend(&self, e: Entry) -> Stored<'_, ()> {
        Box::pin(async move {
            let what = format!("keeping the intent of {:?} step {}", e.key, e.step);
            let entry_key = self.entry_key(&e.key, e.step);
            let mut transaction = redis::pipe();
            // The old entry goes whole: its outcome must not outlive it.
            transaction.atomic().del(&entry_key).ignore();
            transaction
                .cmd("HSET")
                .arg(&entry_key)
                .arg("key")
                .arg(&e.key)
                .arg("step")
                .arg(e.step)
                .arg("tries")
                .arg(e.tries)
                .arg("operation")
                .arg(&e.operation)
                .arg("target")
                .arg(&e.target)
                .arg("fingerprint")
                .arg(&e.fingerprint)
                .arg("request_id")
                .arg(e.request_id.to_string())
                .arg("correlation_id")
                .arg(e.correlation_id.to_string())
                .ignore();
            transaction
                .sadd(self.unsettled_key(), member(&e.key, e.step))
                .ignore();
            let mut connection = self.connection.clone();
            self.bounded(&what, transaction.query_async::<()>(&mut connection))
                .await
        })
    }

    fn settle(&self, key: &str, step: u32, request_id: Uuid, outcome: Outcome) -> Stored<'_, ()> {
        let key = key.to_string();
        Box::pin(async move {
            let what = format!("keeping the outcome of {key:?} step {step}");
            let mut invocation = self.settle.prepare_invoke();
            invocation
                .key(self.entry_key(&key, step))
                .key(self.unsettled_key())
                .arg(member(&key, step))
                .arg(request_id.to_string());
            match &outcome {
                Outcome::Made { status, body } => {
                    invocation.arg("made").arg(*status).arg(body.as_slice());
                }
                Outcome::NotMade => {
                    invocation.arg("not made");
                }
                Outcome::Unsent => {
                    invocation.arg("not sent");
                }
            }
            let mut connection = self.connection.clone();
            self.bounded(&what, invocation.invoke_async::<()>(&mut connection))
                .await
        })
    }

    fn unsettled(&self) -> Stored<'_, Vec<Entry>> {
        Box::pin(async move {
            let what = "listing the unsettled writes";
            let mut connection = self.connection.clone();
            let members: Vec<String> = self
                .bounded(
                    what,
                    redis::cmd("SMEMBERS")
                        .arg(self.unsettled_key())
                        .query_async(&mut connection),
                )
                .await?;
            let writes = members
                .iter()
                .map(|m| {
                    parse_member(m)
                        .ok_or_else(|| format!("{}: {what}: not a key and a step: {m:?}", self.at))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if writes.is_empty() {
                return Ok(Vec::new());
            }
            let mut reads = redis::pipe();
            for (key, step) in &writes {
                reads.hgetall(self.entry_key(key, *step));
            }
            let hashes: Vec<Fields> = self
                .bounded(what, reads.query_async(&mut connection))
                .await?;
            let mut entries = Vec::with_capacity(writes.len());
            for ((key, step), fields) in writes.into_iter().zip(&hashes) {
                let what = format!("{what}: {key:?} step {step}");
                // Nothing takes an entry away but its replacement, in the same transaction.
                if fields.is_empty() {
                    return Err(format!("{}: {what}: the entry is missing", self.at));
                }
                let entry = self.decoded(&what, fields, key, step)?;
                // Settled between the two reads: no longer unsettled.
                if entry.outcome.is_none() {
                    entries.push(entry);
                }
            }
            // As SQLite orders them: by key (its bytes), then step.
            entries.sort_by(|a, b| (&a.key, a.step).cmp(&(&b.key, b.step)));
            Ok(entries)
        })
    }

    fn finish(&self, key: &str, result: &str) -> Stored<'_, ()> {
        let (key, result) = (key.to_string(), result.to_string());
        Box::pin(async move {
            let what = format!("keeping that {key:?} is finished");
            let mut connection = self.connection.clone();
            self.bounded(
                &what,
                redis::cmd("HSET")
                    .arg(self.finished_key())
                    .arg(&key)
                    .arg(&result)
                    .query_async::<()>(&mut connection),
            )
            .await
        })
    }

    fn finished(&self, key: &str) -> Stored<'_, Option<String>> {
        let key = key.to_string();
        Box::pin(async move {
            let what = format!("reading whether {key:?} is finished");
            let mut connection = self.connection.clone();
            self.bounded(
                &what,
                redis::cmd("HGET")
                    .arg(self.finished_key())
                    .arg(&key)
                    .query_async(&mut connection),
            )
            .await
        })
    }
}
