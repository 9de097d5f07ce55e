//! The journal in a real `redis-server`, through the public API: what one worker keeps another
//! reads, names keep journals apart, and a Redis that cannot be reached is an error in seconds,
//! not a hang.
//!
//! The tests that need Debian's `redis-server` start one each on a free loopback port: where it
//! is not installed they are skipped with a notice (counted as ignored), and under `CI=true`,
//! where it must be, they fail (`support::needs`). The unreachable ones need nothing.

mod support;

use std::net::TcpListener;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use partner_center_carts::PartnerCenter;
use partner_center_carts::journal::Journal;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts_emulator::{Emulator, Faults, RunningEmulator};
use support::journal::{purchase, write_ids};
use support::redis::RedisServer;
use support::{CUSTOMER, one_line_cart};

fn main() -> ExitCode {
    let redis: &[(&str, &str)] = &[("redis-server", "redis-server")];
    support::needs::run_each(vec![
        (
            redis,
            trial(
                "a_finished_piece_is_read_back_by_another_worker",
                a_finished_piece_is_read_back_by_another_worker,
            ),
        ),
        (
            redis,
            trial(
                "two_names_do_not_see_each_others_work",
                two_names_do_not_see_each_others_work,
            ),
        ),
        (
            redis,
            trial(
                "another_worker_settles_a_lost_answer_and_a_lost_journal_makes_nothing_twice",
                another_worker_settles_a_lost_answer_and_a_lost_journal_makes_nothing_twice,
            ),
        ),
        (
            &[],
            trial(
                "a_port_nobody_listens_on_fails_at_once_saying_redis",
                a_port_nobody_listens_on_fails_at_once_saying_redis,
            ),
        ),
        (
            &[],
            trial(
                "a_server_that_never_answers_fails_within_seconds",
                a_server_that_never_answers_fails_within_seconds,
            ),
        ),
    ])
}

/// The async test `test`, on a runtime of its own.
fn trial<F: Future<Output = ()> + 'static>(name: &'static str, test: fn() -> F) -> Trial {
    Trial::test(name, move || support::needs::block_on(test()))
}

/// Keys that a naive key scheme would confuse: separators, escapes, the set's separator,
/// text beyond ASCII, and none at all.
const ODD_KEYS: [&str; 7] = [
    "renewal-2026/contoso",
    "a:b",
    "a%3Ab",
    "a\u{1f}0",
    "a/0",
    "contoso – ünïcode ✓",
    "",
];

async fn a_finished_piece_is_read_back_by_another_worker() {
    let redis = RedisServer::start();
    let first = Journal::redis(&redis.url(), "fleet").await.unwrap();
    let second = Journal::redis(&redis.url(), "fleet").await.unwrap();

    for key in ODD_KEYS {
        assert_eq!(first.finished(key).await.unwrap(), None, "{key:?}");
    }
    for (i, key) in ODD_KEYS.iter().enumerate() {
        first.finish(key, &format!("ok {i}")).await.unwrap();
    }
    for (i, key) in ODD_KEYS.iter().enumerate() {
        // Each key its own: none overwrote another.
        assert_eq!(
            second.finished(key).await.unwrap().as_deref(),
            Some(format!("ok {i}").as_str()),
            "{key:?}"
        );
    }

    // Finishing again keeps the latest result, as the SQLite journal does.
    second.finish("a:b", "retried: ok").await.unwrap();
    assert_eq!(
        first.finished("a:b").await.unwrap().as_deref(),
        Some("retried: ok")
    );
    assert!(first.unsettled().await.unwrap().is_empty());
}

async fn two_names_do_not_see_each_others_work() {
    let redis = RedisServer::start();
    // One name a prefix of the other, with the separator: their keys must still differ.
    let names = ["tenant", "tenant:finished", "tenant:w", "other"];
    let mut journals = Vec::new();
    for name in names {
        journals.push(Journal::redis(&redis.url(), name).await.unwrap());
    }
    for key in ["shared", "finished", "w/shared/0"] {
        journals[0].finish(key, "tenant's").await.unwrap();
    }
    for (name, journal) in names.iter().zip(&journals).skip(1) {
        for key in ["shared", "finished", "w/shared/0"] {
            assert_eq!(journal.finished(key).await.unwrap(), None, "{name} {key}");
        }
        journal.finish("shared", name).await.unwrap();
    }
    assert_eq!(
        journals[0].finished("shared").await.unwrap().as_deref(),
        Some("tenant's")
    );
    for (name, journal) in names.iter().zip(&journals).skip(1) {
        assert_eq!(
            journal.finished("shared").await.unwrap().as_deref(),
            Some(*name)
        );
    }
}

/// Asserts that opening a journal at `url` fails within `limit`, saying it is Redis that
/// failed.
async fn fails_within(url: &str, limit: Duration) {
    let started = Instant::now();
    let error = Journal::redis(url, "fleet")
        .await
        .expect_err("no Redis there");
    let took = started.elapsed();
    assert!(took < limit, "failed after {took:?}: {error}");
    assert!(error.to_string().contains("redis"), "{error}");
}

async fn a_port_nobody_listens_on_fails_at_once_saying_redis() {
    // A port that was free a moment ago: connections to it are refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    fails_within(
        &format!("redis://127.0.0.1:{port}/"),
        Duration::from_secs(5),
    )
    .await;
}

async fn a_server_that_never_answers_fails_within_seconds() {
    // Connections are accepted (by the kernel, into the backlog) and never answered: only the
    // journal's own time-outs end the wait.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = silent.local_addr().unwrap().port();
    fails_within(
        &format!("redis://127.0.0.1:{port}/"),
        Duration::from_secs(10),
    )
    .await;
    drop(silent);
}

/// A worker of `emulator` journaling in `redis` under the name "fleet", sending each request
/// once (so a lost answer stays lost).
async fn worker(emulator: &RunningEmulator, redis: &RedisServer) -> PartnerCenter {
    let journal = Journal::redis(&redis.url(), "fleet").await.unwrap();
    emulator
        .client()
        .retry_policy(RetryPolicy::none())
        .journal(journal)
        .build()
        .unwrap()
}

async fn another_worker_settles_a_lost_answer_and_a_lost_journal_makes_nothing_twice() {
    let redis = RedisServer::start();
    let data = std::env::temp_dir().join(format!(
        "pcc-journal-redis-{}-{:x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    // The first worker's create is made, and its answer lost.
    let emulator = Emulator::new()
        .data_dir(&data)
        .faults(Faults::none().lost_answers(1.0))
        .start()
        .await
        .unwrap();
    let error = purchase(&worker(&emulator, &redis).await, "job", &one_line_cart(2))
        .await
        .unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    let lost = write_ids(&emulator);
    emulator.shutdown().await;

    // Another worker (the first is gone) sees it unsettled, and settles it with its id.
    let emulator = Emulator::new().data_dir(&data).start().await.unwrap();
    let other = worker(&emulator, &redis).await;
    let unsettled = other.journal().unwrap().unsettled().await.unwrap();
    assert_eq!(unsettled.len(), 1, "{unsettled:?}");
    assert_eq!(unsettled[0].request_id.to_string(), lost[0]);
    let done = purchase(&other, "job", &one_line_cart(2)).await.unwrap();
    let ids = write_ids(&emulator);
    assert_eq!(ids[0], lost[0]);
    assert_eq!(emulator.stats().replayed, 1);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);

    // Redis loses the journal: the same work makes the same ids, which the service answers
    // from its replays. Nothing is made twice.
    redis.command(&["FLUSHALL"]);
    let again = purchase(&worker(&emulator, &redis).await, "job", &one_line_cart(2))
        .await
        .unwrap();
    assert_eq!(again, done);
    assert_eq!(write_ids(&emulator)[2..], ids[..]);
    assert_eq!(emulator.stats().replayed, 3);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);
    emulator.shutdown().await;
    std::fs::remove_dir_all(data).unwrap();
}
