//! `pc-carts` over what a purchase produced, run as a user runs it against the emulator: a
//! subscription read, reduced and cancelled within its window (refused past it), transitioned;
//! an add-on; a new order waited for; a cart's orders found; and `--request-id` on the wire of
//! every command that writes, refused by those that only read.

mod support;

use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use partner_center_carts::RequestId;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts_emulator::{Emulator, RunningEmulator};
use serde_json::Value;
use support::CUSTOMER;
use support::commands::*;

const LICENCE: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";

/// An emulator on `clock` with an order of 5 licences, provisioned at once; the order's id and
/// its subscription's.
async fn a_subscription(clock: Arc<VirtualClock>) -> (RunningEmulator, String, String) {
    let emulator = Emulator::new().clock(clock);
    let (emulator, order) = an_order_of(emulator, Duration::ZERO, LICENCE).await;
    let pc = emulator.client().build().unwrap();
    let subscription = pc
        .customer(CUSTOMER)
        .order(&order)
        .subscriptions()
        .await
        .unwrap()
        .subscriptions()[0]
        .id()
        .to_string();
    (emulator, order, subscription)
}

fn subscription_command(url: &str, verb: &str, subscription: &str) -> Command {
    let mut command = pc_carts_at(url, &["subscription", verb]);
    command.args(["--customer", CUSTOMER, "--subscription", subscription]);
    command
}

async fn json_of(command: Command) -> Value {
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_is_undone_within_its_window_and_refused_past_it() {
    let clock = Arc::new(VirtualClock::new());
    let (emulator, _, subscription) = a_subscription(clock.clone()).await;
    let url = emulator.url();

    let read = json_of(subscription_command(&url, "get", &subscription)).await;
    assert_eq!(read["quantity"], 1);
    assert_eq!(read["refundableQuantity"]["totalQuantity"], 1);

    let mut more = subscription_command(&url, "set", &subscription);
    more.args(["--quantity", "5", "--auto-renew", "off"]);
    let set = json_of(more).await;
    assert_eq!(
        (set["quantity"].as_i64(), set["autoRenewEnabled"].as_bool()),
        (Some(5), Some(false))
    );

    let mut cycle = subscription_command(&url, "set", &subscription);
    cycle.args(["--billing-cycle", "annual", "--term-duration", "P1Y"]);
    let set = json_of(cycle).await;
    assert_eq!(
        (set["billingCycle"].as_str(), set["termDuration"].as_str()),
        (Some("annual"), Some("P1Y"))
    );
    assert_eq!(set["quantity"], 5, "the quantity set before is kept");

    let mut fewer = subscription_command(&url, "set", &subscription);
    fewer.args(["--quantity", "2", "--output", "table"]);
    let output = run(fewer).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let table = text(&output.stdout);
    assert!(
        table.contains("refundable") && table.contains(" 2 "),
        "{table}"
    );

    // Eight days on (the emulator's clock; the command's own reads the real one, so the
    // service refuses it): no seat can be given back, and the subscription is as it was.
    clock.advance(Duration::from_secs(8 * 24 * 3600));
    let output = run(subscription_command(&url, "cancel", &subscription)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cancellation window"), "{stderr}");
    let read = json_of(subscription_command(&url, "get", &subscription)).await;
    assert_eq!(
        (read["quantity"].as_i64(), read["status"].as_str()),
        (Some(2), Some("active"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_inside_the_window_and_a_transition_that_drops_what_was_scheduled() {
    let (emulator, _, subscription) = a_subscription(Arc::new(VirtualClock::new())).await;
    let url = emulator.url();

    let mut eligible = subscription_command(&url, "transitions", &subscription);
    eligible.args(["--output", "id"]);
    let output = run(eligible).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let target = text(&output.stdout).trim().to_string();
    assert_eq!(target, "CFQ7TTC0LH0Z:0002:CFQ7TTC0K18P");

    // A change scheduled for the next term, then an immediate transition: it warns, and the
    // scheduled change is gone.
    let pc = emulator.client().build().unwrap();
    let subscription_ref = pc.customer(CUSTOMER).subscription(&subscription);
    subscription_ref
        .modify(|s| {
            s.scheduled_next_term_instructions = Some(serde_json::from_value(serde_json::json!({
                "product": {"productId": "CFQ7TTC0LH0Z", "skuId": "0002", "availabilityId": "CFQ7TTC0K18P"},
                "quantity": 1
            })).unwrap());
        })
        .await
        .unwrap();
    let mut transition = subscription_command(&url, "transition", &subscription);
    transition.args(["--to", &target]);
    let output = run(transition).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("deletes it"),
        "{}",
        text(&output.stderr)
    );
    let made: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(made["toCatalogItemId"], target.as_str());
    let read = subscription_ref.get().await.unwrap();
    assert_eq!(read.offer_id.as_deref(), Some(target.as_str()));
    assert!(read.scheduled_next_term_instructions.is_none());

    let cancelled = json_of(subscription_command(&url, "cancel", &subscription)).await;
    assert_eq!(cancelled["status"], "deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_add_on_a_new_order_waited_for_and_a_carts_orders_found() {
    let emulator = Emulator::new()
        .provisioning_delay(Duration::ZERO)
        .order_listing_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let pc = emulator.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let cart = customer.create(&support::one_line_cart(3)).await.unwrap();
    let placed = customer.cart(cart.id()).checkout().await.unwrap();
    let order = placed.orders()[0].id().to_string();
    let url = emulator.url();

    let mut found = pc_carts_at(&url, &["cart", "orders", "--output", "id"]);
    found.args(["--customer", CUSTOMER, "--cart", cart.id()]);
    let output = run(found).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), order);

    let mut listed = pc_carts_at(
        &url,
        &["order", "list", "--output", "id", "--wait-for", &order],
    );
    listed.args(["--customer", CUSTOMER, "--timeout", "5"]);
    let output = run(listed).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).lines().any(|l| l == order));

    let parent = placed.orders()[0].line_items()[0]
        .subscription_id
        .clone()
        .unwrap();
    let mut add_on = order_command(&url, "addon", &order);
    add_on.args([
        "--item",
        "CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN",
        "--parent-subscription",
        &parent,
    ]);
    add_on.args(["--quantity", "2"]);
    let changed = json_of(add_on).await;
    let lines = changed["lineItems"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["parentSubscriptionId"], parent.as_str());
}

/// Each command that writes, given `--request-id`, sends it: the emulator saw that id on the
/// write's request. Each command that only reads refuses it, exit 2, sending nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_given_is_the_one_on_the_wire_of_every_write() {
    let (emulator, order, subscription) = a_subscription(Arc::new(VirtualClock::new())).await;
    let url = emulator.url();
    let pc = emulator.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let cart = customer.create(&support::one_line_cart(1)).await.unwrap();
    let cart_file = std::env::temp_dir().join(format!("pc-carts-cart-{}.json", RequestId::new()));
    std::fs::write(
        &cart_file,
        serde_json::to_vec(&support::one_line_cart(2)).unwrap(),
    )
    .unwrap();
    let cart_file = cart_file.to_str().unwrap().to_string();
    let on_cart = ["--customer", CUSTOMER, "--cart", cart.id()];
    let on_order = ["--customer", CUSTOMER, "--order", order.as_str()];
    let on_subscription = [
        "--customer",
        CUSTOMER,
        "--subscription",
        subscription.as_str(),
    ];
    let writes: Vec<(Vec<&str>, &str)> = vec![
        (
            [&["cart", "create", "--item", LICENCE, "--customer", CUSTOMER][..]].concat(),
            "POST",
        ),
        (
            [&["cart", "put", "--file", cart_file.as_str()][..], &on_cart].concat(),
            "PUT",
        ),
        (
            [&["cart", "update", "--quantity", "0=3"][..], &on_cart].concat(),
            "PUT",
        ),
        (
            [
                &["subscription", "set", "--quantity", "2"][..],
                &on_subscription,
            ]
            .concat(),
            "PATCH",
        ),
        (
            [
                &[
                    "subscription",
                    "transition",
                    "--to",
                    "CFQ7TTC0LH0Z:0002:CFQ7TTC0K18P",
                ][..],
                &on_subscription,
            ]
            .concat(),
            "POST",
        ),
        (
            [&["subscription", "cancel"][..], &on_subscription].concat(),
            "PATCH",
        ),
        (
            [
                &[
                    "order",
                    "addon",
                    "--item",
                    "CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN",
                    "--parent-subscription",
                    subscription.as_str(),
                ][..],
                &on_order,
            ]
            .concat(),
            "PATCH",
        ),
        ([&["order", "cancel"][..], &on_order].concat(), "PATCH"),
        ([&["cart", "checkout"][..], &on_cart].concat(), "POST"),
    ];
    for (words, method) in writes {
        let request_id = RequestId::new().to_string();
        let mut command = pc_carts_at(&url, &words);
        command.args(["--request-id", &request_id]);
        // Some are refused by the service's rules (an order of licences cannot be cancelled,
        // an add-on to a cancelled subscription): the request was sent all the same.
        run(command).await;
        let sent: Vec<_> = emulator
            .received()
            .into_iter()
            .filter(|r| r.header("ms-requestid") == Some(request_id.as_str()))
            .map(|r| r.method.clone())
            .collect();
        assert_eq!(sent, [method], "{words:?}");
    }
    std::fs::remove_file(&cart_file).unwrap();

    let reads: Vec<Vec<&str>> = vec![
        [&["cart", "get"][..], &on_cart].concat(),
        [&["cart", "orders"][..], &on_cart].concat(),
        [&["order", "get"][..], &on_order].concat(),
        [&["order", "list", "--customer", CUSTOMER][..]].concat(),
        [&["order", "status"][..], &on_order].concat(),
        [&["subscription", "get"][..], &on_subscription].concat(),
        [&["subscription", "transitions"][..], &on_subscription].concat(),
        [&["subscription", "status"][..], &on_subscription].concat(),
    ];
    let before = emulator.received().len();
    for words in reads {
        let mut command = pc_carts_at(&url, &words);
        command.args(["--request-id", "11111111-2222-3333-4444-555555555555"]);
        let output = run(command).await;
        assert_eq!(output.status.code(), Some(2), "{words:?}");
        assert!(text(&output.stderr).contains("only reads"), "{words:?}");
    }
    assert_eq!(emulator.received().len(), before, "nothing sent");
}
