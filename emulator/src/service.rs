//! The emulator's state and how a write goes through it: one writer per customer at a time
//! (writes of other customers go on), the repeat of a request answered with its first answer,
//! the change saved to disk (when there is one) before it is answered.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use tokio::sync::{OwnedMutexGuard, Semaphore};

use super::disk::Disk;
use super::log::RequestLog;
use super::order_entry;
use super::rate_limit::RateLimits;
use super::reply::{Reply, error, invalid};
use super::settings::Settings;
use super::stats::Counters;
use super::store::{Change, Kept, ReplayKey, Store};
use super::{Faults, Limits, Stats};

pub(crate) struct Service {
    pub settings: Settings,
    pub limits: Limits,
    pub faults: Faults,
    pub counters: Counters,
    pub log: RequestLog,
    /// Permits for request bodies being worked on, one per KiB.
    pub in_flight: Arc<Semaphore>,
    pub rate_limits: RateLimits,
    store: Mutex<Store>,
    /// The last version given to an order's write: it only goes up, from the highest on disk.
    versions: AtomicU64,
    writers: Writers,
    disk: Option<Arc<Disk>>,
    rng: Mutex<fastrand::Rng>,
}

impl Service {
    /// The emulator's state: empty, or what `data_dir` holds (without what has expired since
    /// or does not fit the budgets).
    pub fn open(
        settings: Settings,
        limits: Limits,
        faults: Faults,
        data_dir: Option<&Path>,
    ) -> std::io::Result<Self> {
        let mut store = Store::new(&limits);
        let mut versions = 0;
        let disk = data_dir.map(Disk::open).transpose()?.map(Arc::new);
        if let Some(disk) = &disk {
            let mut saved = disk.load()?;
            for (_, placed) in &mut saved.orders {
                placed.subscriptions = order_entry::subscription_ids(&placed.json);
                versions = versions.max(placed.version);
            }
            let dropped = store.restore(saved, DateTime::from(settings.clock.date()));
            disk.forget(&dropped).map_err(std::io::Error::other)?;
        }
        let rng = faults
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Ok(Self {
            in_flight: Arc::new(Semaphore::new(kib(limits.in_flight) as usize)),
            rate_limits: RateLimits::new(faults.rates),
            log: RequestLog::new(limits.log),
            counters: Counters::default(),
            store: Mutex::new(store),
            versions: AtomicU64::new(versions),
            writers: Writers::default(),
            rng: Mutex::new(rng),
            disk,
            settings,
            limits,
            faults,
        })
    }

    /// The date now, on the emulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from(self.settings.clock.date())
    }

    /// A version for an order's write, newer than any given before, in this process or one
    /// before it on the same data directory.
    pub fn next_version(&self) -> u64 {
        self.versions.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Whether a fault with this share happens to this request.
    pub fn roll(&self, share: f64) -> bool {
        share > 0.0 && self.rng.lock().is_ok_and(|mut r| r.f64() < share)
    }

    /// The state, locked: only to look up or apply, never to work.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        self.counters.read_into(&mut stats);
        let held = self.store().bytes();
        stats.cart_bytes = held.carts;
        stats.order_bytes = held.orders;
        stats.subscription_bytes = held.subscriptions;
        stats.agreement_bytes = held.agreements;
        stats.replay_bytes = held.replays;
        stats.log_bytes = self.log.bytes();
        stats
    }

    /// Whether the service can answer a write now, or why not: its disk, if it has one, does
    /// not answer, or bodies fill the budget of bodies worked on at once (a write then waits,
    /// for its body's time at most).
    pub fn health(&self) -> Result<(), &'static str> {
        if !self.disk.as_ref().is_none_or(|disk| disk.healthy()) {
            return Err("the data directory does not answer");
        }
        if self.in_flight.available_permits() == 0 {
            return Err("request bodies fill the budget of bodies worked on at once");
        }
        Ok(())
    }

    /// Does a write of `customer`'s as the request `request_id` with this fingerprint, once:
    /// a repeat gets the first success's answer. `work` says what changes and the answer; it
    /// runs with no other write of the customer's under way. The write runs to its end even if
    /// the caller goes away, so that a request done is always a request remembered.
    pub async fn write<F>(
        self: &Arc<Self>,
        customer: String,
        request_id: String,
        fingerprint: u64,
        work: F,
    ) -> Reply
    where
        F: FnOnce(&Service) -> Result<(Change, Reply), Reply> + Send + 'static,
    {
        let service = self.clone();
        let write = async move {
            let _writer = service.writers.lock(&customer).await;
            let key = ReplayKey {
                customer,
                request: request_id,
            };
            let kept = service.store().replay(&key);
            if let Some(kept) = kept {
                return service.replay(&key, kept, fingerprint);
            }
            let (mut change, reply) = match work(&service) {
                Ok(done) => done,
                Err(refused) => return refused,
            };
            change.replay = Some((
                key,
                Kept {
                    fingerprint,
                    reply: reply.clone(),
                },
            ));
            match service.commit(change).await {
                Ok(()) => reply,
                Err(failed) => failed,
            }
        };
        tokio::spawn(write).await.unwrap_or_else(|_| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                0,
                "The emulator failed while doing the request.",
            )
        })
    }

    /// The first answer to a request, or a refusal if this is another request under its id.
    fn replay(&self, key: &ReplayKey, kept: Kept, fingerprint: u64) -> Reply {
        if kept.fingerprint != fingerprint {
            return invalid(&format!(
                "MS-RequestId {} was already used for a different request; send a new \
                 MS-RequestId with each new request.",
                key.request
            ));
        }
        Counters::bump(&self.counters.replayed, 1);
        kept.reply
    }

    /// Saves a change to disk (if any), then to memory, then forgets on disk what memory
    /// dropped.
    async fn commit(&self, change: Change) -> Result<(), Reply> {
        let change = match &self.disk {
            None => change,
            Some(disk) => {
                let disk = disk.clone();
                tokio::task::spawn_blocking(move || disk.save(&change).map(|()| change))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|saved| saved.map_err(|e| e.to_string()))
                    .map_err(|e| {
                        tracing::error!(error = %e, "the emulator could not save a change");
                        error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            0,
                            "The emulator could not save the change; nothing was changed.",
                        )
                    })?
            }
        };
        let dropped = self.store().apply(change, self.now());
        Counters::bump(&self.counters.evicted, dropped.evicted() as u64);
        Counters::bump(&self.counters.expired, dropped.expired.len() as u64);
        if let Some(disk) = &self.disk
            && !dropped.is_empty()
        {
            let disk = disk.clone();
            let forgotten = tokio::task::spawn_blocking(move || disk.forget(&dropped)).await;
            if !matches!(forgotten, Ok(Ok(()))) {
                // Harmless: what was left is dropped again when the emulator next starts.
                tracing::warn!("the emulator could not delete dropped entries from disk");
            }
        }
        Ok(())
    }
}

/// Bytes as whole KiB permits, at least one, at most what one acquisition can take.
pub(crate) fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

/// One lock per customer with a write under way; a lock no one holds or waits for is dropped.
#[derive(Default)]
struct Writers(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

struct Writer<'a> {
    writers: &'a Writers,
    customer: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Writers {
    async fn lock(&self, customer: &str) -> Writer<'_> {
        let lock = self.map().entry(customer.to_string()).or_default().clone();
        Writer {
            writers: self,
            customer: customer.to_string(),
            guard: Some(lock.lock_owned().await),
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.writers.map();
        if map
            .get(&self.customer)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            map.remove(&self.customer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OrderKey, OrderSize, Placed};

    /// An order "o" or "p", its subscriptions' state naming its version.
    fn placed(id: &str, version: u64) -> Placed {
        Placed {
            json: format!("{{\"id\":\"{id}\"}}").into_bytes().into(),
            at: Utc::now(),
            version,
            subscriptions: Default::default(),
            lives: format!("{{\"v\":{version:04}}}").into_bytes().into(),
        }
    }

    fn order(service: &Service, id: &str) -> Change {
        let placed = placed(id, service.next_version());
        let key = OrderKey {
            customer: "c".into(),
            order: id.into(),
        };
        Change {
            orders: vec![(key, placed)],
            ..Default::default()
        }
    }

    /// A write of an order evicted by another customer's write, done between that write's
    /// eviction in memory and its forgetting on disk, is kept on disk: its version is newer
    /// than the one forgotten, however the order came and went in memory.
    #[tokio::test]
    async fn a_write_between_an_eviction_and_its_forgetting_outlives_a_restart() {
        let dir = std::env::temp_dir().join(format!("emulator-service-{}", uuid::Uuid::new_v4()));
        let open = |limits: Limits| {
            Service::open(Settings::default(), limits, Faults::none(), Some(&dir)).unwrap()
        };
        // Room for one order.
        let one = OrderSize::of(&placed("o", 1));
        let service = open(Limits::default().orders(one.orders).subscriptions(100));
        service.commit(order(&service, "o")).await.unwrap();

        // Another customer's write evicts "o" from memory; its forgetting on disk waits.
        let other = order(&service, "p");
        let disk = service.disk.clone().unwrap();
        disk.save(&other).unwrap();
        let dropped = service.store().apply(other, service.now());
        assert_eq!(dropped.orders.len(), 1);
        // Meanwhile "o" is written again (its write had read it before the eviction), and
        // answered; then the forgetting runs.
        let again = order(&service, "o");
        let answered = again.orders[0].1.lives.clone();
        service.commit(again).await.unwrap();
        disk.forget(&dropped).unwrap();
        let last = service.versions.load(Ordering::Relaxed);
        drop((disk, service));

        let service = open(Limits::default());
        let key = OrderKey {
            customer: "c".into(),
            order: "o".into(),
        };
        let kept = service
            .store()
            .order(&key)
            .expect("the answered write survives");
        assert_eq!(kept.lives, answered);
        assert!(
            service.next_version() > last,
            "versions go on from the highest kept"
        );
        drop(service);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
