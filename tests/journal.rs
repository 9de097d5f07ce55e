//! The journal of writes (feature `journal`), against the emulator: a piece of work done
//! again is made once, whatever became of its first doing.

mod support;

use std::path::PathBuf;

use partner_center_carts::journal::Journal;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::{ErrorKind, PartnerCenter};
use partner_center_carts_emulator::{Emulator, Faults, RunningEmulator};
use support::journal::{purchase, write_ids};
use support::{CUSTOMER, one_line_cart};

/// Faults drawn with this seed throttle the first request of a run and admit the second.
const SEED: u64 = 2;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pcc-journal-{}-{name}-{:x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A client of `emulator` that records its writes in the journal at `path`, and sends each
/// request once (so a lost answer stays lost).
fn client(emulator: &RunningEmulator, path: &std::path::Path) -> PartnerCenter {
    emulator
        .client()
        .retry_policy(RetryPolicy::none())
        .journal(Journal::sqlite(path).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn work_done_again_gives_back_what_it_made_and_sends_nothing() {
    let dir = scratch("again");
    let emulator = Emulator::new().start().await.unwrap();
    let path = dir.join("journal.sqlite3");
    let cart = one_line_cart(2);

    let first = purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap();
    let sent = emulator.received().len();
    // Another client on the same file, as after a restart.
    let again = purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(
        emulator.received().len(),
        sent,
        "nothing sent the second time"
    );
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);

    // Another key is other work.
    purchase(&client(&emulator, &path), "job-2", &cart)
        .await
        .unwrap();
    assert_eq!(emulator.orders(CUSTOMER).len(), 2);
    let journal = Journal::sqlite(&path).unwrap();
    assert!(journal.unsettled().await.unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_sent_again_as_the_same_request() {
    let dir = scratch("lost");
    let data = dir.join("emulator");
    let path = dir.join("journal.sqlite3");
    let cart = one_line_cart(3);

    // Every answer to a write is lost (the write is made, then 504).
    let emulator = Emulator::new()
        .data_dir(&data)
        .faults(Faults::none().lost_answers(1.0))
        .start()
        .await
        .unwrap();
    let error = purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    let unsettled = Journal::sqlite(&path).unwrap().unsettled().await.unwrap();
    assert_eq!(unsettled.len(), 1, "{unsettled:?}");
    assert_eq!(unsettled[0].operation, "createCart");
    assert_eq!((unsettled[0].key.as_str(), unsettled[0].step), ("job-1", 0));
    let first_ids = write_ids(&emulator);
    assert_eq!(first_ids, [unsettled[0].request_id.to_string()]);
    emulator.shutdown().await;

    // The service again, answering; the work done again by a new client.
    let emulator = Emulator::new().data_dir(&data).start().await.unwrap();
    let (cart_id, orders) = purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap();
    let ids = write_ids(&emulator);
    assert_eq!(ids.len(), 2, "the create again, then the checkout: {ids:?}");
    assert_eq!(
        ids[0], first_ids[0],
        "the create went with its first request id"
    );
    assert_ne!(ids[1], first_ids[0]);
    assert_eq!(emulator.stats().replayed, 1);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);
    assert_eq!(orders.len(), 1);
    assert!(emulator.cart(CUSTOMER, &cart_id).is_some());
    assert!(
        Journal::sqlite(&path)
            .unwrap()
            .unsettled()
            .await
            .unwrap()
            .is_empty()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_throttled_write_goes_again_with_the_same_id() {
    let dir = scratch("throttled");
    let path = dir.join("journal.sqlite3");
    let cart = one_line_cart(1);
    // Every request throttled, and not retried: the service did not judge it.
    let emulator = Emulator::new()
        .faults(Faults::none().throttle(1.0))
        .start()
        .await
        .unwrap();
    let error = purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Throttled(_)), "{error}");
    assert!(!error.outcome_unknown());
    let throttled = write_ids(&emulator);
    emulator.shutdown().await;

    let emulator = Emulator::new().start().await.unwrap();
    purchase(&client(&emulator, &path), "job-1", &cart)
        .await
        .unwrap();
    let ids = write_ids(&emulator);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], throttled[0], "the same request, never judged");
    assert_eq!(emulator.stats().replayed, 0);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_refused_write_goes_again_as_a_new_request() {
    let dir = scratch("refused");
    let path = dir.join("journal.sqlite3");
    // A line the catalog does not have: the checkout is refused.
    let mut cart = one_line_cart(1);
    cart.line_items[0].catalog_item_id = "CFQ7TTC0NONE:0001:CFQ7TTC0NONE".into();
    let emulator = Emulator::new().check_catalog(true).start().await.unwrap();
    let pc = client(&emulator, &path);
    let mut refusals = Vec::new();
    for _ in 0..2 {
        let error = purchase(&pc, "job-1", &cart).await.unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Service(_)), "{error}");
        assert!(!error.outcome_unknown());
        refusals.push(error.request_id().unwrap());
    }
    let ids = write_ids(&emulator);
    assert_eq!(
        ids.len(),
        3,
        "one create (made once), two checkouts: {ids:?}"
    );
    assert_ne!(refusals[0], refusals[1], "a new request, with a new id");
    assert_eq!(ids[1..], [refusals[0].to_string(), refusals[1].to_string()]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn other_work_under_a_used_key_is_refused_and_nothing_is_sent() {
    let dir = scratch("changed");
    let path = dir.join("journal.sqlite3");
    let emulator = Emulator::new().start().await.unwrap();
    let pc = client(&emulator, &path);
    pc.work("job-1")
        .customer(CUSTOMER)
        .create(&one_line_cart(1))
        .await
        .unwrap();
    let sent = emulator.received().len();

    let error = pc
        .work("job-1")
        .customer(CUSTOMER)
        .create(&one_line_cart(5))
        .await
        .unwrap_err();
    let ErrorKind::Journal(failure) = error.kind() else {
        panic!("{error}")
    };
    assert!(failure.reason().contains("with another body"), "{error}");
    assert!(error.to_string().contains("was not sent"), "{error}");
    assert!(!error.outcome_unknown());
    assert_eq!(emulator.received().len(), sent);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_file_that_is_not_a_journal_is_an_error() {
    let dir = scratch("bad");
    let path = dir.join("not-a-journal");
    std::fs::write(
        &path,
        b"this is not SQLite, and it is long enough to be read as a header ....",
    )
    .unwrap();
    let error = Journal::sqlite(&path).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Journal(_)), "{error}");
    assert!(error.to_string().contains("not-a-journal"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `n` purchases, over `customers` customers (a valid customer id each).
fn batch(n: usize, customers: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let customer = format!("00000000-0000-4000-8000-{:012}", i % customers);
            serde_json::json!({
                "key": format!("piece-{i}"),
                "customer": customer,
                "lineItems": [{"catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1 + i % 3, "billingCycle": "monthly", "termDuration": "P1M"}],
            })
            .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_batch_with_lost_answers_is_done_once_and_skipped_when_run_again() {
    use partner_center_carts::bulk::{PieceOutcome, Runner};
    let dir = scratch("batch");
    let path = dir.join("journal.sqlite3");
    let emulator = Emulator::new()
        .faults(Faults::none().lost_answers(0.3).seed(7))
        .start()
        .await
        .unwrap();
    let pc = emulator
        .client()
        .clock(partner_center_carts::clock::VirtualClock::new())
        .journal(Journal::sqlite(&path).unwrap())
        .build()
        .unwrap();
    let mut lines = batch(24, 5);
    lines.insert(3, "not json".into());
    let mut results = Vec::new();
    let summary = Runner::new(&pc)
        .unwrap()
        .concurrency(6)
        .run(lines.clone(), |r| results.push(r.clone()))
        .await;
    assert_eq!(summary.invalid, 1);
    assert_eq!(
        summary.done + summary.failed + summary.unknown,
        24,
        "{summary:?}"
    );
    let orders = |emulator: &RunningEmulator| -> usize {
        (0..5)
            .map(|c| {
                emulator
                    .orders(&format!("00000000-0000-4000-8000-{c:012}"))
                    .len()
            })
            .sum()
    };
    // Nothing made twice, whatever was lost.
    assert_eq!(orders(&emulator), summary.done, "{summary:?}");

    // Run again: what was done is skipped, the rest done; nothing twice.
    results.clear();
    let again = Runner::new(&pc)
        .unwrap()
        .run(lines, |r| results.push(r.clone()))
        .await;
    assert_eq!(again.already_done, summary.done, "{again:?}");
    assert_eq!(again.already_done + again.done, 24, "{again:?}");
    assert_eq!(orders(&emulator), 24);
    let keys: std::collections::BTreeSet<_> = results
        .iter()
        .filter(|r| matches!(r.outcome, PieceOutcome::Done | PieceOutcome::AlreadyDone))
        .filter_map(|r| r.key.clone())
        .collect();
    assert_eq!(keys.len(), 24);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_checkout_asked_again_while_the_cart_was_busy_is_one_step() {
    let dir = scratch("busy");
    let path = dir.join("journal.sqlite3");
    // Most checkouts find the cart busy (409, nothing done): the checkout's request is tried
    // again, then the checkout asks again as a new request, round after round.
    let emulator = Emulator::new()
        .faults(Faults::none().busy(0.6).seed(3))
        .start()
        .await
        .unwrap();
    let pc = emulator
        .client()
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .clock(partner_center_carts::clock::VirtualClock::new())
        .journal(Journal::sqlite(&path).unwrap())
        .build()
        .unwrap();
    let cart = one_line_cart(1);
    let first = purchase(&pc, "job-1", &cart).await.unwrap();
    let checkouts: std::collections::BTreeSet<_> =
        write_ids(&emulator).into_iter().skip(1).collect();
    assert!(
        checkouts.len() > 1,
        "the seed makes the checkout go in rounds: {checkouts:?}"
    );
    let sent = emulator.stats().requests;
    // Done again, the whole purchase is the journal's: nothing is sent.
    let again = purchase(&pc, "job-1", &cart).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(emulator.stats().requests, sent);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_batch_from_a_channel_gives_results_while_it_waits_for_lines() {
    use partner_center_carts::bulk::Runner;
    let dir = scratch("channel");
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator
        .client()
        .journal(Journal::sqlite(dir.join("journal.sqlite3")).unwrap())
        .build()
        .unwrap();
    let runner = Runner::new(&pc).unwrap();
    let lines = batch(5, 2);
    let (feed, fed) = tokio::sync::mpsc::channel(8);
    let (results, mut got) = tokio::sync::mpsc::unbounded_channel();
    let run = runner.run_channel(fed, |r| results.send(r.clone()).unwrap());
    let drive = async {
        for line in &lines[..3] {
            feed.send(line.clone()).await.unwrap();
        }
        // The channel stays open: the three results come all the same.
        for _ in 0..3 {
            got.recv().await.unwrap();
        }
        for line in &lines[3..] {
            feed.send(line.clone()).await.unwrap();
        }
        drop(feed);
    };
    let within = std::time::Duration::from_secs(60);
    let (summary, ()) = tokio::time::timeout(within, async { tokio::join!(run, drive) })
        .await
        .expect("the results of the lines read came while the channel waited");
    assert_eq!(summary.done, 5, "{summary:?}");

    // Stopped while the channel waits for its next line (kept open): the run ends.
    let (feed, fed) = tokio::sync::mpsc::channel(8);
    feed.send(batch(1, 1)[0].clone()).await.unwrap();
    let stop = runner.stopper();
    let run = runner.run_channel(fed, |_| stop.stop());
    let summary = tokio::time::timeout(within, run)
        .await
        .expect("a stopped run waits for no more lines");
    assert_eq!(summary.already_done, 1, "{summary:?}");
    drop(feed);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_batch_whose_token_is_refused_stops_at_the_first_piece() {
    use partner_center_carts::bulk::Runner;
    let dir = scratch("refused-token");
    let emulator = Emulator::new()
        .accept_only_token("the-right-one")
        .start()
        .await
        .unwrap();
    let pc = PartnerCenter::builder()
        .base_url(emulator.url())
        .bearer_token("a-wrong-one")
        .journal(Journal::sqlite(dir.join("journal.sqlite3")).unwrap())
        .build()
        .unwrap();
    let runner = Runner::new(&pc).unwrap().concurrency(1);
    let summary = runner.run(batch(40, 4), |_| {}).await;
    assert_eq!((summary.failed, summary.done), (1, 0), "{summary:?}");
    assert!(summary.not_started >= 1, "{summary:?}");
    assert!(
        summary.failed + summary.not_started < 40,
        "the rest was not read: {summary:?}"
    );
    assert!(runner.stopper().is_stopped());
    assert_eq!(emulator.stats().requests, 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_write_tried_again_on_the_same_handle_is_the_same_step() {
    let dir = scratch("same-handle");
    let path = dir.join("journal.sqlite3");
    // The seed throttles the first request and admits the second.
    let emulator = Emulator::new()
        .faults(Faults::none().throttle(0.5).seed(SEED))
        .start()
        .await
        .unwrap();
    let pc = client(&emulator, &path);
    let customer = pc.work("job-1").customer(CUSTOMER);
    let error = customer.create(&one_line_cart(1)).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
    // Tried again on the same handle, as `is_retryable` invites: the same step, not made
    // before, so the same request.
    let cart = customer.create(&one_line_cart(1)).await.unwrap();
    let ids = write_ids(&emulator);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "the same step, the same request");
    // Done again after a crash: the step was made, nothing is sent, one cart.
    let again = client(&emulator, &path)
        .work("job-1")
        .customer(CUSTOMER)
        .create(&one_line_cart(1))
        .await
        .unwrap();
    assert_eq!(again.id, cart.id);
    assert_eq!(write_ids(&emulator).len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_read_then_write_is_refused_under_a_journaled_piece_of_work() {
    let dir = scratch("read-then-write");
    let emulator = Emulator::new().start().await.unwrap();
    let pc = client(&emulator, &dir.join("journal.sqlite3"));
    let customer = pc.customer(CUSTOMER);
    let cart = customer.create(&one_line_cart(1)).await.unwrap();
    let id = cart.id.unwrap();
    let sent = emulator.received().len();
    let error = pc
        .work("job-1")
        .customer(CUSTOMER)
        .cart(&id)
        .modify(|c| c.line_items[0].quantity = 2)
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::InvalidInput(_)),
        "{error}"
    );
    assert!(error.to_string().contains("put, update"), "{error}");
    assert_eq!(emulator.received().len(), sent, "nothing read or written");
    // Without a piece of work, modify is as ever.
    customer
        .cart(&id)
        .modify(|c| c.line_items[0].quantity = 2)
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_key_given_twice_in_a_batch_is_refused_the_second_time() {
    use partner_center_carts::bulk::{PieceOutcome, Runner};
    let dir = scratch("twice");
    let emulator = Emulator::new().start().await.unwrap();
    let pc = client(&emulator, &dir.join("journal.sqlite3"));
    let mut lines = batch(3, 2);
    // Line 4: line 1's key, for another customer.
    let mut twice: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    twice["customer"] = "00000000-0000-4000-8000-000000000009".into();
    lines.push(twice.to_string());
    let mut results = Vec::new();
    let summary = Runner::new(&pc)
        .unwrap()
        .run(lines, |r| results.push(r.clone()))
        .await;
    assert_eq!((summary.done, summary.invalid), (3, 1), "{summary:?}");
    let refused = results
        .iter()
        .find(|r| r.outcome == PieceOutcome::Invalid)
        .unwrap();
    assert_eq!(refused.line, 4);
    assert!(
        refused.error.as_ref().unwrap().message.contains("line 1"),
        "{refused:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
