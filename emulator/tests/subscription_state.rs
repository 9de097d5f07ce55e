//! What the emulator keeps of a subscription, against it over HTTP: kept with the order that
//! created it and forgotten with it under tight budgets (never read again as bought, nor
//! active once its order's cancellation deleted it), the same after a restart, bounded in
//! size; and the rules around it: no add-on to an order still being provisioned, and a window
//! open up to and including its end, as the client judges it too.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use partner_center_carts::clock::VirtualClock;
use partner_center_carts::types::Subscription;
use partner_center_carts_emulator::{Limits, PERPETUAL_SOFTWARE};
use reqwest::Method;
use serde_json::json;
use support::CUSTOMER;
use support::emulated::*;
use uuid::Uuid;

fn software() -> String {
    format!("{PERPETUAL_SOFTWARE}CN2T:0002:{PERPETUAL_SOFTWARE}DRZ4")
}

/// What one order of `catalog` takes of the orders' budget, and one subscription's state once
/// changed of the subscriptions'.
async fn sizes(catalog: &str) -> (usize, usize) {
    let service = emulated().await;
    let (_, id) = service.buy(catalog, 5).await;
    let (status, _) = service.patch(&id, &json!({"quantity": 4}), None).await;
    assert_eq!(status, 200);
    let stats = service.emulator.stats();
    (stats.order_bytes, stats.subscription_bytes)
}

/// Every way to reach a subscription answers 404: it is unknown, not as it was bought.
async fn unknown(service: &Emulated, id: &str) {
    let path = format!("subscriptions/{id}");
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"quantity": 1}))),
        (Method::GET, format!("{path}/provisioningstatus"), None),
        (Method::GET, format!("{path}/transitions"), None),
    ] {
        let (status, answer) = service.send(method, &path, body.as_ref(), None).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    assert!(service.emulator.subscription(CUSTOMER, id).is_none());
}

async fn status_of_order(service: &Emulated, order: &str) -> u16 {
    let path = format!("orders/{order}");
    service.send(Method::GET, &path, None, None).await.0
}

#[tokio::test]
async fn a_changed_subscription_is_forgotten_with_its_order_never_read_again_as_bought() {
    let (order, _) = sizes(LICENCE).await;
    let clock = Arc::new(VirtualClock::new());
    let three_orders = Limits::default().orders(3 * order + order / 2);
    let service = on(at_once(&clock).limits(three_orders), clock).await;
    let (first, id) = service.buy(LICENCE, 5).await;
    let (status, reduced) = service.patch(&id, &json!({"quantity": 3}), None).await;
    assert_eq!(status, 200, "{reduced}");
    assert_eq!(refundable(&reduced).0, 3, "two seats given back");

    // Kept as changed while its order is.
    service.buy(LICENCE, 1).await;
    service.buy(LICENCE, 1).await;
    assert_eq!(service.read(&id).await, reduced);
    assert!(service.emulator.stats().subscription_bytes > 0);

    // One order more: the first is forgotten, its subscription with it; not read as bought
    // (5 seats, all refundable again), nor changed.
    service.buy(LICENCE, 1).await;
    assert_eq!(status_of_order(&service, &first).await, 404);
    unknown(&service, &id).await;
    assert_eq!(service.emulator.stats().subscription_bytes, 0);
}

#[tokio::test]
async fn over_the_subscriptions_budget_the_oldest_order_goes_with_its_subscriptions() {
    let (_, state) = sizes(LICENCE).await;
    let clock = Arc::new(VirtualClock::new());
    let one_state = Limits::default().subscriptions(state + state / 2);
    let service = on(at_once(&clock).limits(one_state), clock).await;
    let (first, a) = service.buy(LICENCE, 5).await;
    let (second, b) = service.buy(LICENCE, 5).await;
    for id in [&a, &b] {
        let (status, body) = service.patch(id, &json!({"quantity": 4}), None).await;
        assert_eq!(status, 200, "{body}");
    }
    // The two states do not fit: the oldest order goes, whole.
    assert_eq!(status_of_order(&service, &first).await, 404);
    unknown(&service, &a).await;
    assert_eq!(status_of_order(&service, &second).await, 200);
    assert_eq!(service.read(&b).await["quantity"], 4);
    let stats = service.emulator.stats();
    assert!(
        stats.subscription_bytes <= state + state / 2 && stats.evicted == 1,
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_subscription_deleted_with_its_order_stays_deleted_until_forgotten_with_it() {
    let (order, _) = sizes(&software()).await;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emulator-{}", Uuid::new_v4()));
    let clock = Arc::new(VirtualClock::new());
    let three_orders = || {
        at_once(&clock)
            .limits(Limits::default().orders(3 * order + order / 2))
            .data_dir(&dir)
    };
    let first = on(three_orders(), clock.clone()).await;
    let (cancelled, id) = first.buy(&software(), 2).await;
    // Changed, so that its state is kept, active.
    let (status, _) = first
        .patch(&id, &json!({"autoRenewEnabled": false}), None)
        .await;
    assert_eq!(status, 200);
    let path = format!("orders/{cancelled}");
    let cancel = json!({"status": "cancelled"});
    let (status, _) = first.send(Method::PATCH, &path, Some(&cancel), None).await;
    assert_eq!(status, 200);
    let deleted = first.read(&id).await;
    assert_eq!(
        (&deleted["status"], refundable(&deleted).0),
        (&json!("deleted"), 0)
    );
    let (status, body) = first.patch(&id, &json!({"quantity": 3}), None).await;
    assert!(refused_with_800002(status, &body).contains("deleted"));
    first.emulator.shutdown().await;

    // Started again: deleted still.
    let second = on(three_orders(), clock.clone()).await;
    assert_eq!(second.read(&id).await, deleted);
    // Forgotten with its order, once three newer ones fill the budget: unknown, not active.
    for _ in 0..3 {
        second.buy(LICENCE, 1).await;
    }
    assert_eq!(status_of_order(&second, &cancelled).await, 404);
    unknown(&second, &id).await;
    second.emulator.shutdown().await;

    let third = on(three_orders(), clock).await;
    unknown(&third, &id).await;
    third.emulator.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Customers at once buy and change subscriptions under budgets that forget most of them: what
/// the emulator holds when stopped, every answered change included, is what it reads once
/// started again; nothing forgotten comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_tight_budgets_what_is_held_when_stopped_is_what_is_read_after_a_restart() {
    let (order, state) = sizes(LICENCE).await;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emulator-{}", Uuid::new_v4()));
    let clock = Arc::new(VirtualClock::new());
    let tight = || {
        let limits = Limits::default().orders(6 * order).subscriptions(4 * state);
        at_once(&clock).limits(limits).data_dir(&dir)
    };
    let first = Arc::new(on(tight(), clock.clone()).await);
    let customers: Vec<String> = (0..8).map(|_| Uuid::new_v4().to_string()).collect();
    let mut tasks = Vec::new();
    for customer in customers.clone() {
        let service = first.clone();
        tasks.push(tokio::spawn(async move {
            let mut bought = Vec::new();
            for _ in 0..3 {
                let (_, id) = service.buy_for(&customer, LICENCE, 5).await;
                bought.push(id);
            }
            for quantity in [4, 6, 3] {
                for id in &bought {
                    let path = format!("subscriptions/{id}");
                    let body = json!({"quantity": quantity});
                    let (status, answer) = service
                        .send_for(&customer, Method::PATCH, &path, Some(&body), None)
                        .await;
                    assert!(status == 200 || status == 404, "{status} {answer}");
                }
            }
            (customer, bought)
        }));
    }
    let mut bought = Vec::new();
    for task in tasks {
        bought.push(task.await.unwrap());
    }
    let held = |service: &Emulated| -> Vec<Option<Subscription>> {
        bought
            .iter()
            .flat_map(|(customer, ids)| {
                ids.iter()
                    .map(|id| service.emulator.subscription(customer, id))
            })
            .collect()
    };
    let before = held(&first);
    let kept = before.iter().flatten().count();
    assert!(
        kept > 0 && kept < before.len(),
        "{kept} of {}",
        before.len()
    );
    assert!(
        before.iter().flatten().all(|s| s.quantity == Some(3)
            && s.refundable_quantity.as_ref().unwrap().total_quantity == Some(3)),
        "every answered change, once: {before:?}"
    );
    let Ok(first) = Arc::try_unwrap(first) else {
        panic!("the tasks are done")
    };
    first.emulator.shutdown().await;

    let second = on(tight(), clock).await;
    assert_eq!(held(&second), before);
    second.emulator.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn terms_of_an_unknown_shape_and_a_subscription_too_large_are_refused() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 2).await;
    let before = service.read(&id).await;
    let long_term = format!("P{}Y", "1".repeat(1000));
    let large = json!({"quantity": 2, "note": "x".repeat(100_000)});
    for (body, named) in [
        (json!({"termDuration": long_term}), "termDuration"),
        (json!({"termDuration": "one year"}), "termDuration"),
        (json!({"billingCycle": "every other month"}), "billingCycle"),
        (json!({"billingCycle": "m".repeat(33)}), "billingCycle"),
        (
            json!({"scheduledNextTermInstructions": large}),
            "more than the 65536",
        ),
    ] {
        let (status, answer) = service.patch(&id, &body, None).await;
        let description = refused_with_800002(status, &answer);
        assert!(description.contains(named), "{description}");
        assert!(description.len() < 1024, "{description}");
    }
    let transitions = format!("subscriptions/{id}/transitions");
    for (body, named) in [
        (
            json!({"toCatalogItemId": UPGRADE, "termDuration": long_term}),
            "termDuration",
        ),
        (
            json!({"toCatalogItemId": UPGRADE, "billingCycle": "x".repeat(1 << 20)}),
            "billingCycle",
        ),
    ] {
        let (status, answer) = service
            .send(Method::POST, &transitions, Some(&body), None)
            .await;
        assert!(refused_with_800002(status, &answer).contains(named));
    }
    assert_eq!(service.read(&id).await, before, "nothing changed");
    assert_eq!(service.emulator.stats().subscription_bytes, 0);

    let terms = json!({"termDuration": "P3Y", "billingCycle": "annual"});
    let (status, changed) = service.patch(&id, &terms, None).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (&changed["termDuration"], &changed["billingCycle"]),
        (&json!("P3Y"), &json!("annual"))
    );
}

#[tokio::test]
async fn an_add_on_waits_for_its_order_to_be_provisioned_and_gets_its_own_window() {
    let clock = Arc::new(VirtualClock::new());
    let in_5_s = at_once(&clock).provisioning_delay(Duration::from_secs(5));
    let service = on(in_5_s, clock).await;
    let (_, parent) = service.buy(LICENCE, 1).await;
    service.clock.advance(Duration::from_secs(5));
    let (order, _) = service.buy(LICENCE, 1).await;
    let path = format!("orders/{order}");
    let add_on = json!({"lineItems": [{"offerId": "CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN",
        "parentSubscriptionId": parent, "quantity": 2}]});

    let (status, body) = service
        .send(Method::PATCH, &path, Some(&add_on), None)
        .await;
    assert!(refused_with_800002(status, &body).contains("still being provisioned"));
    let (_, pending) = service.send(Method::GET, &path, None, None).await;
    assert_eq!(pending["lineItems"].as_array().unwrap().len(), 1);

    // Provisioned, a day after the order: the add-on's window is 7 days from its purchase.
    service.clock.advance(DAY);
    let (status, changed) = service
        .send(Method::PATCH, &path, Some(&add_on), None)
        .await;
    assert_eq!(status, 200, "{changed}");
    let bought = changed["lineItems"][1]["subscriptionId"].as_str().unwrap();
    let read = service.read(bought).await;
    let order_date = &changed["creationDate"];
    assert_eq!(
        at(read["cancellationAllowedUntilDate"].as_str().unwrap()),
        days_after(order_date, 8)
    );
    assert_eq!(refundable(&read).0, 2);
}

#[tokio::test]
async fn a_window_is_open_up_to_and_including_its_end_for_the_emulator_and_the_client() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let clock = Arc::new(VirtualClock::starting_at(start));
    let service = on(at_once(&clock), clock.clone()).await;
    let (_, id) = service.buy(LICENCE, 5).await;
    let (_, other) = service.buy(LICENCE, 5).await;
    let deadline = service.read(&id).await["cancellationAllowedUntilDate"].clone();
    let end = at(deadline.as_str().unwrap());
    assert_eq!(end, chrono::DateTime::<chrono::Utc>::from(start + 7 * DAY));

    // At its very end: every seat refundable, as the client reads it too, and cancellable.
    service.clock.advance(7 * DAY);
    let read = service.read(&id).await;
    assert_eq!(refundable(&read).0, 5);
    let typed: Subscription = serde_json::from_value(read).unwrap();
    assert_eq!(typed.refundable_at(end), Some(5));
    let (status, cancelled) = service
        .change(&id, |s| s["status"] = json!("deleted"))
        .await;
    assert_eq!((status, &cancelled["status"]), (200, &json!("deleted")));

    // A millisecond later: closed for both.
    service.clock.advance(Duration::from_millis(1));
    let read = service.read(&other).await;
    assert_eq!(refundable(&read), (0, Vec::new()));
    let typed: Subscription = serde_json::from_value(read).unwrap();
    let later = end + chrono::Duration::milliseconds(1);
    assert_eq!(typed.refundable_at(later), Some(0));
    let (status, body) = service
        .change(&other, |s| s["status"] = json!("deleted"))
        .await;
    let description = refused_with_800002(status, &body);
    assert!(
        description.contains(deadline.as_str().unwrap()),
        "{description}"
    );
}

#[tokio::test]
async fn a_change_that_would_not_fit_the_budget_of_subscriptions_is_refused() {
    let clock = Arc::new(VirtualClock::new());
    let tiny = Limits::default().subscriptions(100);
    let service = on(at_once(&clock).limits(tiny), clock).await;
    let (order, id) = service.buy(LICENCE, 5).await;
    let (status, body) = service.patch(&id, &json!({"quantity": 4}), None).await;
    let description = refused_with_800002(status, &body);
    assert!(
        description.contains("more than the emulator keeps"),
        "{description}"
    );
    // Nothing changed, nothing forgotten.
    assert_eq!(service.read(&id).await["quantity"], 5);
    assert_eq!(status_of_order(&service, &order).await, 200);
    assert_eq!(service.emulator.stats().evicted, 0);
}
