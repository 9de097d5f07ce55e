//! Subscriptions over their life, against the emulator over HTTP (the client has no front door
//! for these operations yet): the 7-day cancellation window of each purchase of seats,
//! reductions and cancellations inside and outside it, transitions, the request-id replay of
//! the writes, add-ons refused, orders that complete, and state kept across a restart. Every
//! wait is a move of one virtual clock, shared by the emulator: nothing depends on timing.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::clock::VirtualClock;
use partner_center_carts::types::{Order, Transition};
use partner_center_carts_emulator::PERPETUAL_SOFTWARE;
use reqwest::Method;
use serde_json::{Value, json};
use support::CUSTOMER;
use support::emulated::*;
use uuid::Uuid;

#[tokio::test]
async fn seats_are_given_back_inside_the_window_and_refused_past_it() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 5).await;

    let read = service.read(&id).await;
    let deadline = read["cancellationAllowedUntilDate"].clone();
    assert_eq!(
        at(deadline.as_str().unwrap()),
        days_after(&read["creationDate"], 7),
        "7 days after the purchase"
    );
    let (total, details) = refundable(&read);
    assert_eq!(total, 5);
    assert_eq!(details.len(), 1);
    assert_eq!(at(&details[0].1), at(deadline.as_str().unwrap()));

    // Inside the window, sent PascalCase (names are read without regard to case).
    service.clock.advance(2 * DAY);
    let (status, reduced) = service.patch(&id, &json!({"Quantity": 3}), None).await;
    assert_eq!(status, 200, "{reduced}");
    assert_eq!(reduced["quantity"], 3);
    assert_eq!(refundable(&reduced).0, 3);
    assert_eq!(service.read(&id).await, reduced);

    // Past it: refused, with the deadline and what can be given back named.
    service.clock.advance(6 * DAY);
    let (status, body) = service.change(&id, |s| s["quantity"] = json!(2)).await;
    let description = refused_with_800002(status, &body);
    assert!(
        description.contains(deadline.as_str().unwrap()),
        "{description}"
    );
    assert!(
        description.contains("0 seats can be given back"),
        "{description}"
    );
    let read = service.read(&id).await;
    assert_eq!(read["quantity"], 3, "nothing changed");
    assert_eq!(refundable(&read), (0, Vec::new()));
}

#[tokio::test]
async fn a_reduction_beyond_the_refundable_seats_is_refused() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 3).await;
    service.clock.advance(8 * DAY);
    let (status, body) = service.change(&id, |s| s["quantity"] = json!(5)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(refundable(&body).0, 2, "only the two new seats");

    let (status, body) = service.change(&id, |s| s["quantity"] = json!(2)).await;
    let description = refused_with_800002(status, &body);
    assert!(description.contains("reduced by 3"), "{description}");
    assert!(
        description.contains("2 seats can be given back"),
        "{description}"
    );
    assert_eq!(service.read(&id).await["quantity"], 5);

    let (status, body) = service.change(&id, |s| s["quantity"] = json!(0)).await;
    assert!(refused_with_800002(status, &body).contains("at least 1"));
}

#[tokio::test]
async fn seats_added_later_have_their_own_window() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 3).await;
    service.clock.advance(3 * DAY);
    let (status, more) = service.change(&id, |s| s["quantity"] = json!(5)).await;
    assert_eq!(status, 200, "{more}");
    let (total, details) = refundable(&more);
    assert_eq!(total, 5);
    assert_eq!(
        details.iter().map(|d| d.0).collect::<Vec<_>>(),
        [3, 2],
        "soonest to close first"
    );
    assert_eq!(
        at(&details[1].1),
        days_after(&more["creationDate"], 10),
        "7 days after the increase"
    );

    // The first window closed; the new seats can still be given back, until day 10.
    service.clock.advance(5 * DAY);
    let read = service.read(&id).await;
    assert_eq!(refundable(&read), (2, vec![details[1].clone()]));
    let (status, fewer) = service.change(&id, |s| s["quantity"] = json!(3)).await;
    assert_eq!(status, 200, "{fewer}");
    assert_eq!(fewer["quantity"], 3);
    assert_eq!(refundable(&fewer), (0, Vec::new()));
}

#[tokio::test]
async fn a_subscription_is_cancelled_within_its_window_and_not_after() {
    let service = emulated().await;
    let (_, early) = service.buy(LICENCE, 2).await;
    let (_, late) = service.buy(LICENCE, 2).await;

    service.clock.advance(6 * DAY);
    let (status, cancelled) = service
        .change(&early, |s| s["status"] = json!("Deleted"))
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "deleted");
    assert_eq!(cancelled["autoRenewEnabled"], false);
    assert_eq!(refundable(&cancelled), (0, Vec::new()));
    // A deleted subscription cannot be changed; sent back as read, it is answered as it is.
    let (status, body) = service.change(&early, |s| s["quantity"] = json!(1)).await;
    assert!(refused_with_800002(status, &body).contains("deleted"));
    let (status, again) = service.change(&early, |_| {}).await;
    assert_eq!((status, &again), (200, &cancelled));

    service.clock.advance(2 * DAY);
    let deadline = service.read(&late).await["cancellationAllowedUntilDate"].clone();
    let (status, body) = service
        .change(&late, |s| s["status"] = json!("deleted"))
        .await;
    let description = refused_with_800002(status, &body);
    assert!(
        description.contains(deadline.as_str().unwrap()),
        "{description}"
    );
    assert_eq!(service.read(&late).await["status"], "active");

    // Unknown: 404, as the provisioning status answers.
    let unknown = Uuid::new_v4().to_string();
    let (status, _) = service.patch(&unknown, &json!({"quantity": 1}), None).await;
    assert_eq!(status, 404);
    let (status, _) = service
        .send(Method::GET, &format!("subscriptions/{unknown}"), None, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_subscription_has_one_transition_target_and_a_deleted_one_is_not_eligible() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 2).await;
    let path = format!("subscriptions/{id}/transitionEligibilities");

    let (status, listed) = service.send(Method::GET, &path, None, None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["attributes"]["objectType"], "Collection");
    let item = &listed["items"][0];
    assert_eq!(item["catalogItemId"], UPGRADE);
    assert_eq!(item["title"], "Business Basic (upgrade)");
    assert_eq!(
        item["eligibilities"],
        json!([{"eligibilityType": "immediate", "transitionType": "transition_only",
                "isEligible": true, "errors": []}])
    );
    let (_, scheduled) = service
        .send(
            Method::GET,
            &format!("{path}?eligibilityType=Scheduled"),
            None,
            None,
        )
        .await;
    assert_eq!(
        scheduled["items"][0]["eligibilities"][0]["eligibilityType"],
        "scheduled"
    );
    let (status, _) = service
        .send(
            Method::GET,
            &format!("{path}?eligibilityType=someday"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 400);

    let (_, legacy) = service.buy("MS-AZR-0145P", 1).await;
    let (status, none) = service
        .send(
            Method::GET,
            &format!("subscriptions/{legacy}/transitionEligibilities"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&none["totalCount"], &none["items"]),
        (&json!(0), &json!([]))
    );

    let (status, _) = service
        .change(&id, |s| s["status"] = json!("deleted"))
        .await;
    assert_eq!(status, 200);
    let (_, deleted) = service.send(Method::GET, &path, None, None).await;
    let eligibility = &deleted["items"][0]["eligibilities"][0];
    assert_eq!(eligibility["isEligible"], false);
    assert_eq!(eligibility["errors"][0]["code"], 800_002);
}

#[tokio::test]
async fn an_immediate_transition_deletes_the_scheduled_change_and_is_listed_by_its_id() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 4).await;
    let scheduled = json!({"product": {"productId": "CFQ7TTC0LH18", "skuId": "0002",
        "availabilityId": "CFQ7TTC0K59S", "billingCycle": "monthly", "termDuration": "P1Y"},
        "quantity": 4});
    let (status, body) = service
        .change(&id, |s| {
            s["scheduledNextTermInstructions"] = scheduled.clone()
        })
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        service.read(&id).await["scheduledNextTermInstructions"],
        scheduled
    );

    let transitions = format!("subscriptions/{id}/transitions");
    for (wrong, why) in [
        (
            json!({"toCatalogItemId": "CFQ7TTC0LH18:0003:CFQ7TTC0K59S"}),
            "not one",
        ),
        (
            json!({"toCatalogItemId": UPGRADE, "quantity": 2}),
            "whole subscriptions",
        ),
    ] {
        let (status, body) = service
            .send(Method::POST, &transitions, Some(&wrong), None)
            .await;
        assert!(refused_with_800002(status, &body).contains(why), "{body}");
    }

    let request = json!({"fromCatalogItemId": LICENCE, "toCatalogItemId": UPGRADE,
        "fromSubscriptionId": id, "quantity": 4, "transitionType": "transition_only"});
    let (status, made) = service
        .send(Method::POST, &transitions, Some(&request), None)
        .await;
    assert_eq!(status, 201, "{made}");
    let transition: Transition = serde_json::from_value(made.clone()).unwrap();
    assert_eq!(transition.id, transition.operation_id);
    assert_eq!(transition.to_subscription_id.as_deref(), Some(id.as_str()));
    assert_eq!(transition.status.as_deref(), Some("completed"));
    assert_eq!(transition.quantity, Some(4));
    assert_eq!(made["attributes"]["objectType"], "Transition");

    let read = service.read(&id).await;
    assert_eq!(read["offerId"], UPGRADE);
    assert!(
        read.get("scheduledNextTermInstructions").is_none(),
        "an immediate transition deletes every scheduled change: {read}"
    );

    // A second transition, back: two listed, one by its operation id.
    let back = json!({"toCatalogItemId": LICENCE});
    let (status, _) = service
        .send(Method::POST, &transitions, Some(&back), None)
        .await;
    assert_eq!(status, 201);
    let (_, all) = service.send(Method::GET, &transitions, None, None).await;
    assert_eq!(all["totalCount"], 2);
    let operation = transition.operation_id.unwrap();
    let (status, one) = service
        .send(
            Method::GET,
            &format!("{transitions}?operationId={operation}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["totalCount"], 1);
    assert_eq!(one["items"][0], made);
    assert_eq!(one["attributes"]["objectType"], "Collection");
    let (_, none) = service
        .send(
            Method::GET,
            &format!("{transitions}?operationId={}", Uuid::new_v4()),
            None,
            None,
        )
        .await;
    assert_eq!(none["totalCount"], 0);
}

#[tokio::test]
async fn a_patch_repeated_with_its_request_id_changes_the_subscription_once() {
    let service = emulated().await;
    let (_, id) = service.buy(LICENCE, 5).await;
    let request_id = Uuid::new_v4().to_string();
    let reduce = json!({"quantity": 4});
    let (status, first) = service.patch(&id, &reduce, Some(&request_id)).await;
    assert_eq!(status, 200, "{first}");
    let (status, _) = service.patch(&id, &json!({"quantity": 6}), None).await;
    assert_eq!(status, 200);

    // The repeat is the same request: its first answer, and no seat given back twice.
    let (status, repeat) = service.patch(&id, &reduce, Some(&request_id)).await;
    assert_eq!((status, &repeat), (200, &first));
    let read = service.read(&id).await;
    assert_eq!(read["quantity"], 6);
    assert_eq!(refundable(&read).0, 6);
    assert_eq!(service.emulator.stats().replayed, 1);

    // The same id for another request is refused.
    let (status, body) = service
        .patch(&id, &json!({"quantity": 3}), Some(&request_id))
        .await;
    assert!(refused_with_800002(status, &body).contains("already used"));
    assert_eq!(service.read(&id).await["quantity"], 6);

    // A transition too.
    let transitions = format!("subscriptions/{id}/transitions");
    let request_id = Uuid::new_v4().to_string();
    let upgrade = json!({"toCatalogItemId": UPGRADE});
    let (_, made) = service
        .send(
            Method::POST,
            &transitions,
            Some(&upgrade),
            Some(&request_id),
        )
        .await;
    let (status, again) = service
        .send(
            Method::POST,
            &transitions,
            Some(&upgrade),
            Some(&request_id),
        )
        .await;
    assert_eq!((status, &again), (201, &made));
    let (_, all) = service.send(Method::GET, &transitions, None, None).await;
    assert_eq!(all["totalCount"], 1);
}

#[tokio::test]
async fn an_add_on_is_refused_on_a_cancelled_order_and_a_deleted_parent() {
    let service = emulated().await;
    let (_, parent) = service.buy(LICENCE, 1).await;
    let add_on = |parent: &str| {
        json!({"lineItems": [{"offerId": "CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN",
            "parentSubscriptionId": parent, "quantity": 2}]})
    };

    // Bought on a live parent: its own window, from when it was bought.
    let (order, _) = service.buy(LICENCE, 1).await;
    let parent_deadline = service.read(&parent).await["cancellationAllowedUntilDate"].clone();
    service.clock.advance(3 * DAY);
    let (status, changed) = service
        .send(
            Method::PATCH,
            &format!("orders/{order}"),
            Some(&add_on(&parent)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let bought = changed["lineItems"][1]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_string();
    let read = service.read(&bought).await;
    assert_eq!(
        at(read["cancellationAllowedUntilDate"].as_str().unwrap()),
        days_after(&read["creationDate"], 7)
    );
    assert_eq!(
        at(read["cancellationAllowedUntilDate"].as_str().unwrap()),
        days_after(&parent_deadline, 3)
    );
    assert_eq!(refundable(&read).0, 2);

    // On a cancelled order.
    let software = format!("{PERPETUAL_SOFTWARE}CN2T:0002:{PERPETUAL_SOFTWARE}DRZ4");
    let (cancelled, _) = service.buy(&software, 1).await;
    let path = format!("orders/{cancelled}");
    let (status, _) = service
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"status": "cancelled"})),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = service
        .send(Method::PATCH, &path, Some(&add_on(&parent)), None)
        .await;
    assert!(refused_with_800002(status, &body).contains("cancelled"));

    // On a deleted parent.
    let (status, _) = service
        .change(&parent, |s| s["status"] = json!("deleted"))
        .await;
    assert_eq!(status, 200);
    let (status, body) = service
        .send(
            Method::PATCH,
            &format!("orders/{order}"),
            Some(&add_on(&parent)),
            None,
        )
        .await;
    assert!(refused_with_800002(status, &body).contains("deleted"));
    assert_eq!(service.emulator.orders(CUSTOMER)[1].line_items().len(), 2);
}

#[tokio::test]
async fn an_order_is_pending_until_provisioned_then_completed() {
    let clock = Arc::new(VirtualClock::new());
    let provisioned_in_5_s = at_once(&clock).provisioning_delay(Duration::from_secs(5));
    let service = on(provisioned_in_5_s, clock).await;
    let (order, _) = service.buy(LICENCE, 1).await;
    let software = format!("{PERPETUAL_SOFTWARE}CN2T:0002:{PERPETUAL_SOFTWARE}DRZ4");
    let (cancelled, _) = service.buy(&software, 1).await;
    let (status, _) = service
        .send(
            Method::PATCH,
            &format!("orders/{cancelled}"),
            Some(&json!({"status": "cancelled"})),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let statuses = || async {
        let (_, one) = service
            .send(Method::GET, &format!("orders/{order}"), None, None)
            .await;
        let (_, listed) = service.send(Method::GET, "orders", None, None).await;
        let listed: Vec<Value> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["status"].clone())
            .collect();
        let held: Vec<Option<String>> = service
            .emulator
            .orders(CUSTOMER)
            .into_iter()
            .map(|o: Order| o.status)
            .collect();
        (one["status"].clone(), listed, held)
    };
    let (one, listed, held) = statuses().await;
    assert_eq!(one, "pending");
    assert_eq!(listed, [json!("pending"), json!("cancelled")]);
    assert_eq!(held, [Some("pending".into()), Some("cancelled".into())]);

    service.clock.advance(Duration::from_secs(5));
    let (one, listed, held) = statuses().await;
    assert_eq!(one, "completed");
    assert_eq!(listed, [json!("completed"), json!("cancelled")]);
    assert_eq!(held, [Some("completed".into()), Some("cancelled".into())]);
}

#[tokio::test]
async fn subscription_changes_and_transitions_are_kept_across_a_restart() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emulator-{}", Uuid::new_v4()));
    let clock = Arc::new(VirtualClock::new());
    let first = on(at_once(&clock).data_dir(&dir), clock.clone()).await;
    let (_, id) = first.buy(LICENCE, 5).await;
    first.clock.advance(DAY);
    let request_id = Uuid::new_v4().to_string();
    let (status, reduced) = first
        .patch(
            &id,
            &json!({"quantity": 3, "autoRenewEnabled": false}),
            Some(&request_id),
        )
        .await;
    assert_eq!(status, 200, "{reduced}");
    let transitions = format!("subscriptions/{id}/transitions");
    let (status, made) = first
        .send(
            Method::POST,
            &transitions,
            Some(&json!({"toCatalogItemId": UPGRADE})),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let before = first.read(&id).await;
    first.emulator.shutdown().await;

    let second = on(at_once(&clock).data_dir(&dir), clock.clone()).await;
    let after = second.read(&id).await;
    assert_eq!(after, before);
    assert_eq!(
        (
            &after["quantity"],
            &after["autoRenewEnabled"],
            &after["offerId"]
        ),
        (&json!(3), &json!(false), &json!(UPGRADE))
    );
    assert_eq!(refundable(&after).0, 3);
    let (_, listed) = second.send(Method::GET, &transitions, None, None).await;
    assert_eq!(listed["items"], json!([made]));
    // The PATCH repeated after the restart: its first answer, nothing done again.
    let (status, repeat) = second
        .patch(
            &id,
            &json!({"quantity": 3, "autoRenewEnabled": false}),
            Some(&request_id),
        )
        .await;
    assert_eq!((status, repeat), (200, reduced));
    assert_eq!(second.emulator.stats().replayed, 1);
    assert!(second.emulator.stats().subscription_bytes > 0);
    assert_eq!(
        second
            .emulator
            .subscription(CUSTOMER, &id)
            .unwrap()
            .quantity,
        Some(3)
    );
    second.emulator.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The writes on a subscription pass the same faults and rate limits as every write: an answer
/// lost after the change was made (504), then the repeat with the same `MS-RequestId`, changes
/// it once; the customer's rate limit answers 429 with the service's throttling body.
#[tokio::test]
async fn subscription_writes_pass_the_faults_and_rate_limits_of_every_write() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emulator-{}", Uuid::new_v4()));
    let clock = Arc::new(VirtualClock::new());
    let bought = on(at_once(&clock).data_dir(&dir), clock.clone()).await;
    let (_, id) = bought.buy(LICENCE, 5).await;
    bought.emulator.shutdown().await;

    let lost = at_once(&clock)
        .data_dir(&dir)
        .faults(partner_center_carts_emulator::Faults::none().lost_answers(1.0));
    let lost = on(lost, clock.clone()).await;
    let request_id = Uuid::new_v4().to_string();
    for _ in 0..2 {
        let (status, _) = lost
            .patch(&id, &json!({"quantity": 4}), Some(&request_id))
            .await;
        assert_eq!(status, 504);
    }
    let transitions = format!("subscriptions/{id}/transitions");
    let transition_id = Uuid::new_v4().to_string();
    let upgrade = json!({"toCatalogItemId": UPGRADE});
    for _ in 0..2 {
        let (status, _) = lost
            .send(
                Method::POST,
                &transitions,
                Some(&upgrade),
                Some(&transition_id),
            )
            .await;
        assert_eq!(status, 504);
    }
    let read = lost.read(&id).await;
    assert_eq!(
        (&read["quantity"], &read["offerId"]),
        (&json!(4), &json!(UPGRADE))
    );
    assert_eq!(refundable(&read).0, 4, "one seat given back, once");
    let (_, listed) = lost.send(Method::GET, &transitions, None, None).await;
    assert_eq!(listed["totalCount"], 1);
    let stats = lost.emulator.stats();
    assert_eq!((stats.lost_answers, stats.replayed), (4, 2), "{stats:?}");
    lost.emulator.shutdown().await;

    // One request a second for the customer, on a clock that stands still.
    let limited = at_once(&clock)
        .data_dir(&dir)
        .faults(partner_center_carts_emulator::Faults::none().customer_rate_limit(1.0));
    let limited = on(limited, clock).await;
    let read = limited.read(&id).await;
    assert_eq!(read["quantity"], 4, "the one request the limit allows");
    let (status, body) = limited.patch(&id, &json!({"quantity": 3}), None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["statusCode"], 429);
    assert_eq!(
        limited
            .emulator
            .subscription(CUSTOMER, &id)
            .unwrap()
            .quantity,
        Some(4)
    );
    limited.emulator.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
