//! The `pc-carts` command line, run as a user runs it.

mod support;

use std::sync::Arc;

use assert_cmd::Command;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts_emulator::Emulator;
use serde_json::{Value, json};
use support::CUSTOMER;
use support::commands::*;

#[test]
fn the_demo_walks_a_cart_through_its_life_and_exits_0() {
    let output = pc_carts().arg("demo").output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "1. Start from the catalog",
        "term P3Y is not offered; the offered terms are P1M, P1Y",
        "2. Create a cart",
        "ms-requestid:",
        "ms-correlationid:",
        "authorization: Bearer [redacted]",
        "before:",
        "after:",
        "Order ",
        "Partner Center error 800065",
        "7. Wait for the orders to be provisioned",
        "/provisioningstatus",
        "fulfilled",
        "a user signed in with MFA: the service says MFA: yes",
        "a user signed in without it: the service says MFA: no",
        "refused before sending: the token's sign-in was without MFA",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    // The quantity of line 0 goes from 1 to 2.
    let before = text
        .split("before:")
        .nth(1)
        .unwrap()
        .split("after:")
        .next()
        .unwrap();
    let after = text.split("after:").nth(1).unwrap();
    // The value under the "quantity" header, in the row of line 0.
    let quantity = |table: &str| {
        let header = table.lines().find(|l| l.contains("quantity")).unwrap();
        let column = header.find("quantity").unwrap();
        let row = table
            .lines()
            .find(|l| l.trim_start().starts_with("0 "))
            .unwrap();
        row[column..].split_whitespace().next().unwrap().to_string()
    };
    assert_eq!(
        (quantity(before), quantity(after)),
        ("1".into(), "2".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_makes_a_cart_of_several_items_each_with_its_quantity() {
    let emulator = Emulator::new().start().await.unwrap();
    let mut command = pc_carts_at(&emulator.url(), &["cart", "create"]);
    command
        .args(["--customer", CUSTOMER, "--quantity", "3"])
        .args(["--item", "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P=2"])
        .args(["--item", "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ"]);
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = answer["id"].as_str().unwrap();
    let held = emulator.cart(CUSTOMER, id).unwrap();
    let lines: Vec<(&str, i32)> = held
        .line_items
        .iter()
        .map(|l| (l.catalog_item_id.as_str(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", 2),
            ("CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ", 3)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_retries_output_id_prints_the_id_alone_and_quiet_nothing() {
    // Seeded so that the create's first attempt gets a 503.
    let faults = partner_center_carts_emulator::Faults::none()
        .unavailable(0.5)
        .seed(4);
    let emulator = Emulator::new().faults(faults).start().await.unwrap();
    let create = |extra: &[&str]| {
        let mut command = pc_carts_at(&emulator.url(), &["cart", "create"]);
        command
            .args([
                "--customer",
                CUSTOMER,
                "--item",
                "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            ])
            .args(extra);
        command
    };

    let output = run(create(&["-v", "--output", "id"])).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let id = text(&output.stdout);
    assert!(emulator.cart(CUSTOMER, id.trim()).is_some(), "{id:?}");
    assert_eq!(id.lines().count(), 1);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("retrying") && stderr.contains("503"),
        "{stderr}"
    );

    let output = run(create(&["--quiet"])).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    assert_eq!(emulator.stats().requests - emulator.stats().unavailable, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_sets_a_quantity_on_a_real_cart() {
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let cart = support::one_line_cart(1);
    let id = pc
        .customer(CUSTOMER)
        .create(&cart)
        .await
        .unwrap()
        .id
        .unwrap();

    let mut command = pc_carts_at(&emulator.url(), &["cart", "update"]);
    command
        .args(["--customer", CUSTOMER, "--cart", &id, "--quantity", "0=5"])
        .args(["--request-id", "0e93c70c-977a-4a88-9580-7cf084c73286"]);
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["lineItems"][0]["quantity"], 5);
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().line_items[0].quantity,
        5
    );
    let put = emulator
        .received()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.header("ms-requestid"),
        Some("0e93c70c-977a-4a88-9580-7cf084c73286")
    );

    // A table on request.
    let mut command = pc_carts_at(&emulator.url(), &["cart", "get", "--output", "table"]);
    command.args(["--customer", CUSTOMER, "--cart", &id]);
    let output = run(command).await;
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.contains("catalog item") && table.contains("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"),
        "{table}"
    );

    // A line the cart does not have changes nothing.
    let mut command = pc_carts_at(&emulator.url(), &["cart", "update"]);
    command.args([
        "--customer",
        CUSTOMER,
        "--cart",
        &id,
        "--quantity",
        "0=9",
        "--quantity",
        "7=1",
    ]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no line item [7]"));
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().line_items[0].quantity,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_error_prints_status_code_description_and_ids_and_exits_1() {
    let emulator = Emulator::new().start().await.unwrap();
    let mut command = pc_carts_at(&emulator.url(), &["cart", "get"]);
    command.args([
        "--customer",
        CUSTOMER,
        "--cart",
        "65faf57b-0205-47ee-92b3-08dcf233ea73",
    ]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for expected in [
        "404",
        "800008",
        "Unable to retrieve cart ID.",
        "MS-RequestId: ",
        "MS-CorrelationId: ",
        &format!("about: cart 65faf57b-0205-47ee-92b3-08dcf233ea73 of customer {CUSTOMER}"),
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in:\n{stderr}");
    }
}

#[test]
fn bad_arguments_get_the_usage_message() {
    let output = pc_carts()
        .args([
            "cart",
            "update",
            "--customer",
            CUSTOMER,
            "--cart",
            CUSTOMER,
            "--quantity",
            "five",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("\"five\" is not LINE=N") && stderr.contains("--help"),
        "{stderr}"
    );

    let output = pc_carts()
        .args(["cart", "get", "--customer", CUSTOMER])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("--cart <CART>") && stderr.contains("Usage:"),
        "{stderr}"
    );

    // Every argument error exits 2 and says what is expected.
    let cart = ["--customer", CUSTOMER, "--cart", CUSTOMER];
    for (args, expected) in [
        (
            vec!["cart", "get", "--customer", "nope", "--cart", CUSTOMER],
            "expected a GUID",
        ),
        (
            [
                &["cart", "create", "--item", "X:1:Y", "--quantity=0"][..],
                &cart[..2],
            ]
            .concat(),
            "expected a quantity of 1 or more",
        ),
        (
            [&["cart", "update", "--quantity", "0=0"][..], &cart[..]].concat(),
            "expected a quantity of 1 or more",
        ),
        (
            [
                &["cart", "get", "--base-url", "http://example.com"][..],
                &cart[..],
            ]
            .concat(),
            "expected an https URL",
        ),
        (
            [
                &["cart", "get", "--request-id", "not-a-uuid"][..],
                &cart[..],
            ]
            .concat(),
            "expected a GUID",
        ),
        (
            vec!["order", "get", "--customer", CUSTOMER, "--order", "a/b"],
            "expected an order id",
        ),
        (
            vec!["emulator", "--tenant-rate", "0"],
            "expected requests a second, above 0",
        ),
        (
            vec!["emulator", "--customer-rate", "NaN"],
            "expected requests a second, above 0",
        ),
    ] {
        let output = pc_carts().args(&args).output().unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }

    // No token and no client credentials: a clear error, nothing sent, and the exit code of
    // authentication.
    let output = pc_carts()
        .args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
        .env_remove("PARTNER_CENTER_TENANT_ID")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(text(&output.stderr).contains("no credentials"));

    // Some of them: the error names the ones missing.
    let output = pc_carts()
        .args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
        .env("PARTNER_CENTER_TENANT_ID", "contoso.onmicrosoft.com")
        .env_remove("PARTNER_CENTER_CLIENT_ID")
        .env_remove("PARTNER_CENTER_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("PARTNER_CENTER_CLIENT_ID and PARTNER_CENTER_CLIENT_SECRET"),
        "{stderr}"
    );
}

/// `pc-carts cart checkout` of the test cart at `url`, shown as `output`.
fn checkout_command(url: &str, cart: &str, output: &str) -> Command {
    let mut command = pc_carts_at(url, &["cart", "checkout"]);
    command.args(["--customer", CUSTOMER, "--cart", cart, "--output", output]);
    command
}

/// A loopback server answering every checkout of the test cart with 201 and `answer`.
async fn checkout_server(answer: Value) -> httpmock::MockServer {
    let server = httpmock::MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::POST)
                .path(support::checkout_path());
            then.status(201)
                .header("content-type", "application/json; charset=utf-8")
                .json_body(answer);
        })
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_checkout_exits_0_and_a_second_one_exits_1_already_checked_out() {
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let id = pc
        .customer(CUSTOMER)
        .create(&support::one_line_cart(2))
        .await
        .unwrap()
        .id
        .unwrap();

    let mut command = checkout_command(&emulator.url(), &id, "json");
    command.args(["--user", "user@contoso.onmicrosoft.com"]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sent = emulator.received().pop().unwrap();
    assert!(sent.path.ends_with("/checkout"), "{sent:?}");
    assert_eq!(
        sent.header("x-ms-customeruser-upn"),
        Some("user@contoso.onmicrosoft.com")
    );
    let placed = emulator.orders(CUSTOMER);
    assert_eq!(placed.len(), 1);
    assert_eq!(answer["orders"][0]["id"], placed[0].id.clone().unwrap());
    assert!(
        answer["orderErrors"]
            .as_array()
            .is_none_or(|errors| errors.is_empty()),
        "{answer}"
    );

    let output = run(checkout_command(&emulator.url(), &id, "table")).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("already checked out") && stderr.contains("800065"),
        "{stderr}"
    );
    // And where to find its orders, in code and on the command line.
    assert!(
        stderr.contains("cart.find_orders()") && stderr.contains("pc-carts cart orders"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(emulator.orders(CUSTOMER).len(), 1, "nothing placed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_checkout_from_a_mock_exits_0_with_the_order_in_a_table() {
    let server = checkout_server(json!({
        "orders": [{"id": "f76c6b7f449d", "status": "pending"}],
        "orderErrors": []
    }))
    .await;
    let output = run(checkout_command(&server.base_url(), support::CART, "table")).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Order f76c6b7f449d (pending)"), "{stdout}");
    assert!(!stdout.contains("failed"), "{stdout}");
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
}

fn partial_answer(description: &str) -> Value {
    json!({
        "orders": [{"id": "f76c6b7f449d", "status": "pending", "billingCycle": "monthly", "currencyCode": "USD"}],
        "orderErrors": [
            {"orderGroupId": "2", "code": 800010, "description": description},
            {"orderGroupId": "3", "code": "800011"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_checkout_prints_orders_and_failed_groups_and_exits_3() {
    let server = checkout_server(partial_answer("Inventory not available.")).await;

    let output = run(checkout_command(&server.base_url(), support::CART, "table")).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for expected in [
        "Order f76c6b7f449d (pending), monthly USD",
        "Order group 2 failed: 800010 Inventory not available.",
        "Order group 3 failed: 800011",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("partial checkout:"), "{stderr}");
    assert!(
        stderr.contains("placed 1 of its orders; 2 order groups failed"),
        "{stderr}"
    );

    let output = run(checkout_command(&server.base_url(), support::CART, "json")).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["orders"][0]["id"], "f76c6b7f449d");
    assert_eq!(answer["orderErrors"][0]["orderGroupId"], "2");
    assert_eq!(answer["orderErrors"][0]["code"], 800010);
    assert_eq!(
        answer["orderErrors"][1]["code"], "800011",
        "a code is printed as sent"
    );
    assert!(text(&output.stderr).starts_with("partial checkout:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_that_placed_nothing_lists_the_failed_groups_and_exits_1() {
    let server = checkout_server(json!({
        "orders": [],
        "orderErrors": [
            {"orderGroupId": "1", "code": 800010, "description": "Inventory not available."},
            {"orderGroupId": "2", "code": "8000100000123", "description": "Too wide."}
        ]
    }))
    .await;

    let output = run(checkout_command(&server.base_url(), support::CART, "table")).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    for expected in [
        "error: checkoutCart failed: no order was placed",
        "  order group 1 failed: 800010 Inventory not available.",
        "  order group 2 failed: 8000100000123 Too wide.",
        "  MS-RequestId: ",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("partial checkout"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_services_words_cannot_forge_lines_or_drive_the_terminal_in_a_checkout_table() {
    let forged = "gone\nOrder 0badc0de (completed), monthly USD\n  MS-RequestId: 0\u{1b}[2J\u{1b}]0;owned\u{7}";
    let server = checkout_server(partial_answer(forged)).await;

    let output = run(checkout_command(&server.base_url(), support::CART, "table")).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    let orders: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("Order "))
        .map(str::trim_end)
        .collect();
    assert_eq!(
        orders,
        [
            "Order f76c6b7f449d (pending), monthly USD",
            "Order group 2 failed: 800010 gone\\u{a}Order 0badc0de (completed), monthly USD\\u{a}  MS-RequestId: 0\\u{1b}[2J\\u{1b}]0;owned\\u{7}",
            "Order group 3 failed: 800011",
        ],
        "one line per order and per failed group:\n{stdout}"
    );
    assert!(
        !stdout
            .lines()
            .any(|l| l.trim_start().starts_with("MS-RequestId")),
        "{stdout}"
    );
    let stderr = text(&output.stderr);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_get_prints_the_order_the_emulator_holds_as_json_or_a_table() {
    let (emulator, order) = an_order(
        std::time::Duration::from_secs(3600),
        "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
    )
    .await;
    let output = run(order_command(&emulator.url(), "get", &order)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let held = emulator.orders(CUSTOMER);
    assert_eq!(held.len(), 1);
    assert_eq!(printed, serde_json::to_value(&held[0]).unwrap());
    assert_eq!(printed["id"], order.as_str());
    assert_eq!(
        printed["lineItems"][0]["offerId"],
        "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"
    );

    let mut table = order_command(&emulator.url(), "get", &order);
    table.args(["--output", "table"]);
    let output = run(table).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(&format!("Order {order} (pending), monthly USD")),
        "{stdout}"
    );
    assert!(
        stdout.contains("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_status_as_a_table_has_a_fulfilled_row_per_line_item() {
    let (emulator, order) =
        an_order(std::time::Duration::ZERO, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").await;
    let mut status = order_command(&emulator.url(), "status", &order);
    status.args(["--output", "table"]);
    let output = run(status).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["line", "status", "quantities"],
            vec!["0", "fulfilled", "1", "fulfilled"]
        ],
        "{stdout}"
    );
    assert_eq!(status_polls(&emulator, &order), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_wait_exits_0_when_every_line_is_fulfilled_and_3_when_one_is_not() {
    let (emulator, order) =
        an_order(std::time::Duration::ZERO, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").await;
    let mut wait = order_command(&emulator.url(), "wait", &order);
    wait.args(["--timeout", "30"]);
    let output = run(wait).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["items"][0]["status"], "fulfilled", "{printed}");
    assert_eq!(status_polls(&emulator, &order), 1, "done at the first poll");

    let (emulator, order) = an_order(std::time::Duration::ZERO, "UNFULFILLABLE:0001:0001").await;
    let mut wait = order_command(&emulator.url(), "wait", &order);
    wait.args(["--timeout", "30"]);
    let output = run(wait).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("partial provisioning:"), "{stderr}");
    assert!(
        stderr.contains("1 of 1 line items were not fulfilled"),
        "{stderr}"
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["items"][0]["status"], "unfulfilled", "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_wait_past_its_timeout_exits_1_after_a_single_poll() {
    // Provisioned in an hour; a second allowed. The first poll finds it pending, and the next
    // would be POLL_FLOOR (2 s) later, past the second: it stops there, without waiting.
    let (emulator, order) = an_order(
        std::time::Duration::from_secs(3600),
        "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
    )
    .await;
    let mut wait = order_command(&emulator.url(), "wait", &order);
    wait.args(["--timeout", "1"]);
    let output = run(wait).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: getOrderProvisioningStatus failed:"),
        "{stderr}"
    );
    assert!(stderr.contains("still being provisioned"), "{stderr}");
    assert!(
        stderr.contains("and 1 polls: 1 of 1 line items pending"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    assert_eq!(status_polls(&emulator, &order), 1);
}

/// The exit codes in the one table that `pc-carts --help`, the README and docs/cli.md each show:
/// the same codes everywhere, and each of them asserted by a test of this file, of terminal.rs
/// or of bulk.rs (130, `bulk`'s alone).
#[test]
fn help_the_readme_and_the_guide_list_the_same_exit_codes() {
    fn codes_in_table(markdown: &str) -> Vec<String> {
        markdown
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|row| row.split(" |").next())
            .filter(|cell| !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    }
    let help = text(&pc_carts().arg("--help").output().unwrap().stdout);
    let in_help: Vec<String> = help
        .split("Exit codes:\n")
        .nth(1)
        .expect("--help ends with the exit codes")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    let tested = ["0", "1", "2", "3", "4", "130", "141"];
    assert_eq!(in_help, tested, "{help}");
    assert_eq!(codes_in_table(include_str!("../../README.md")), tested);
    assert_eq!(codes_in_table(include_str!("../../docs/cli.md")), tested);
    let tests = [
        include_str!("cli.rs"),
        include_str!("terminal.rs"),
        include_str!("bulk.rs"),
    ]
    .concat();
    for code in tested {
        assert!(
            tests.contains(&format!("Some({code})")) || tests.contains(&format!("={code}\"")),
            "no test asserts exit code {code}"
        );
    }
}

#[test]
fn completions_cover_the_commands_and_their_flags_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish", "nushell"] {
        let output = pc_carts().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = text(&output.stdout);
        for word in ["checkout", "provisioning-delay-ms", "request-id", "wait"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let output = pc_carts().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown shell is a bad argument"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_removes_a_line_and_put_replaces_the_whole_cart() {
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let mut two_lines = support::one_line_cart(1);
    two_lines
        .line_items
        .push(partner_center_carts::types::CartLineItem {
            catalog_item_id: "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ".into(),
            quantity: 2,
            billing_cycle: "annual".into(),
            ..Default::default()
        });
    let created = pc.customer(CUSTOMER).create(&two_lines).await.unwrap();
    let id = created.id().to_string();
    let cart_command = |verb: &str| {
        let mut command = pc_carts_at(&emulator.url(), &["cart", verb]);
        command.args(["--customer", CUSTOMER, "--cart", &id]);
        command
    };

    // A line that is not there: nothing is written.
    let mut missing = cart_command("update");
    missing.args(["--remove", "9", "--quantity", "0=4"]);
    let output = run(missing).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("no line item [9]"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(emulator.cart(CUSTOMER, &id).unwrap(), created);

    let mut remove = cart_command("update");
    remove.args(["--remove", "0", "--quantity", "1=5"]);
    let output = run(remove).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let held = emulator.cart(CUSTOMER, &id).unwrap();
    assert_eq!(held.line_items.len(), 1);
    assert_eq!(
        held.line_items[0].catalog_item_id,
        "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ"
    );
    assert_eq!(held.line_items[0].quantity, 5);

    let mut put = cart_command("put");
    put.args(["--file", "-"])
        .write_stdin(serde_json::to_vec(&support::one_line_cart(7)).unwrap());
    let output = run(put).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let held = emulator.cart(CUSTOMER, &id).unwrap();
    assert_eq!((held.line_items.len(), held.line_items[0].quantity), (1, 7));
}

/// Every command of docs/cli.md, run as written against the emulator, in its order: the ids
/// in angle brackets become a customer, a cart of two lines, a request id, the order the
/// checkout placed and its subscription, an add-on of perpetual software; `...` the arguments the line before it had;
/// `cart.json` a cart of perpetual software (which has an activation link, and may be
/// cancelled). Each exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_the_guide_shows_runs() {
    let guide = include_str!("../../docs/cli.md");
    let block = guide
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/cli.md opens with a block of commands");
    let emulator = Emulator::new()
        .provisioning_delay(std::time::Duration::from_millis(50))
        .order_listing_delay(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap();
    let pc = emulator.client().build().unwrap();
    let mut two_lines = support::one_line_cart(1);
    two_lines.line_items.push(two_lines.line_items[0].clone());
    let cart = pc.customer(CUSTOMER).create(&two_lines).await.unwrap();
    let dir = std::env::temp_dir().join(format!("pc-carts-guide-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut software = support::one_line_cart(3);
    software.line_items[0].catalog_item_id = format!(
        "{}CN2T:0002:{}DRZ4",
        partner_center_carts_emulator::PERPETUAL_SOFTWARE,
        partner_center_carts_emulator::PERPETUAL_SOFTWARE
    );
    std::fs::write(
        dir.join("cart.json"),
        serde_json::to_vec(&software).unwrap(),
    )
    .unwrap();

    let binary = assert_cmd::cargo::cargo_bin("pc-carts");
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let mut ran = 0;
    for line in block.lines() {
        // The command, without its comment or a redirection to a file.
        let command = line
            .split(" #")
            .next()
            .unwrap()
            .split(" > ")
            .next()
            .unwrap();
        let command = command
            .replace("cart get ...", "cart get --customer <ID> --cart <ID>")
            .replace(
                "cart create ...",
                "cart create --customer <ID> --item X:1:Y",
            )
            .replace("order list ...", "order list --customer <ID>")
            .replace("--customer <ID>", &format!("--customer {CUSTOMER}"))
            .replace("--cart <ID>", &format!("--cart {}", cart.id()))
            .replace("<GUID>", &uuid::Uuid::new_v4().to_string())
            // An add-on the order may still be cancelled with: perpetual software.
            .replace("<ADD-ON>", &software.line_items[0].catalog_item_id);
        let command = match emulator.orders(CUSTOMER).first() {
            Some(order) => command.replace("<ORDER-ID>", order.id()).replace(
                "<SUBSCRIPTION-ID>",
                order.line_items()[0].subscription_id.as_deref().unwrap(),
            ),
            None => command,
        };
        assert!(command.starts_with("pc-carts "), "{line}");
        assert!(!command.contains('<'), "a placeholder left in {command}");
        // Through a shell, as a reader runs it: its quoting is part of what the guide shows.
        let mut run_it = Command::new("sh");
        run_it
            .args(["-c", &command])
            .env("PATH", &path)
            .current_dir(&dir)
            .env("PARTNER_CENTER_BASE_URL", emulator.url())
            .env("PARTNER_CENTER_TOKEN", "t");
        let output = run(run_it).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            text(&output.stderr)
        );
        // A query the guide shows finds something on the emulator (its orders complete).
        if command.contains("--query") {
            let shown = text(&output.stdout);
            assert!(
                !shown.trim().is_empty() && shown.trim() != "[]",
                "{command}: {shown}"
            );
        }
        ran += 1;
    }
    assert!(ran >= 27, "{ran} commands");
    let orders = emulator.orders(CUSTOMER);
    assert_eq!(orders.len(), 1, "the one checkout placed");
    assert_eq!(orders[0].status.as_deref(), Some("cancelled"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A hostile list answer that would decode to gigabytes (16.5 MB of empty orders: before the
/// bound, 3.36 GB asked for and the process aborted) is an error, exit 1, naming the bound,
/// under a 3 GB address-space limit; never an abort.
#[test]
fn a_list_answer_that_would_decode_to_gigabytes_is_an_error_not_an_abort() {
    use std::io::{BufRead, BufReader, Write};

    let body = format!(
        "{{\"totalCount\": 5500000, \"items\": [{}]}}",
        vec!["{}"; 5_500_000].join(",")
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        // One answer is all it takes; a few in case the client asks again.
        for stream in listener.incoming().take(3) {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    let bin = assert_cmd::cargo::cargo_bin("pc-carts");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 3000000 && exec '{}' order list --customer {CUSTOMER} --base-url {url} \
             --token t --max-attempts 1",
            bin.display()
        ))
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("more than 100000 objects and arrays"),
        "{stderr}"
    );
}

/// Off a terminal, `order wait` polls until the order is provisioned and shows no progress.
/// The order is provisioned once the first poll has found it pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_wait_off_a_terminal_polls_until_provisioned_and_shows_no_progress() {
    let hour = std::time::Duration::from_secs(3600);
    let clock = Arc::new(VirtualClock::new());
    let emulator = Emulator::new().clock(clock.clone());
    let (emulator, order) = an_order_of(emulator, hour, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").await;
    let mut wait = order_command(&emulator.url(), "wait", &order);
    wait.args(["--timeout", "30"]);
    let waiting = tokio::spawn(run(wait));
    // Polls come every 2 s at first; 20 s is ample, and bounds the wait if none comes.
    for _ in 0..200 {
        if status_polls(&emulator, &order) >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        status_polls(&emulator, &order) >= 1,
        "a first poll, pending"
    );
    clock.advance(hour);
    let output = waiting.await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    assert!(status_polls(&emulator, &order) >= 2, "it did wait");
}

/// One exit code a kind of failure, whatever the command: input that cannot be used is 2 as a
/// bad argument is, every authentication failure 4, a refusal of the service's 1. Nothing is
/// sent for 2, nor for 4 before the service is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_failure_has_its_exit_code() {
    let emulator = Emulator::new()
        .accept_only_token("right")
        .start()
        .await
        .unwrap();
    let url = emulator.url();
    let dir = std::env::temp_dir().join(format!("pc-carts-codes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_a_cart = dir.join("not-a-cart.json");
    std::fs::write(&not_a_cart, "{\"lineItems\": 3}").unwrap();
    let empty = dir.join("empty-token");
    std::fs::write(&empty, "\n").unwrap();
    let cart = dir.join("cart.json");
    std::fs::write(
        &cart,
        serde_json::to_vec(&support::one_line_cart(1)).unwrap(),
    )
    .unwrap();
    let create = |file: &std::path::Path| {
        let mut command = pc_carts();
        command
            .args(["cart", "create", "--customer", CUSTOMER, "--base-url", &url])
            .arg("--file")
            .arg(file);
        command
    };
    let cases: Vec<(Command, u8, &str)> = vec![
        // Input: a file that cannot be read, or is not a cart.
        (
            {
                let mut c = create(&dir.join("missing.json"));
                c.args(["--token", "right"]);
                c
            },
            2,
            "cannot read",
        ),
        (
            {
                let mut c = create(&not_a_cart);
                c.args(["--token", "right"]);
                c
            },
            2,
            "is not a cart",
        ),
        // A base URL that cannot be used, not echoed whole: its password and query are secrets.
        (
            {
                let mut c = pc_carts();
                c.args([
                    "cart",
                    "get",
                    "--customer",
                    CUSTOMER,
                    "--cart",
                    CUSTOMER,
                    "--token",
                    "t",
                ])
                .args(["--base-url", "http://user:s3cret@10.1.1.1/?sig=s3cret"]);
                c
            },
            2,
            "\"http://***@10.1.1.1/?***\" has a user name or password",
        ),
        // Input read with a bound: a file of any size is not read whole.
        (
            {
                let mut c = create(std::path::Path::new("/dev/zero"));
                c.args(["--token", "right"]);
                c
            },
            2,
            "more than 4194304 bytes",
        ),
        (
            {
                let mut c = create(&cart);
                c.args(["--token-file", "/dev/zero"]);
                c
            },
            4,
            "more than 65536 bytes",
        ),
        // Authentication: a token file that cannot be read or holds none, a token that cannot
        // be sent, and one the service refuses.
        (
            {
                let mut c = create(&cart);
                c.arg("--token-file").arg(dir.join("no-such-token"));
                c
            },
            4,
            "cannot be read",
        ),
        (
            {
                let mut c = create(&cart);
                c.arg("--token-file").arg(&empty);
                c
            },
            4,
            "holds no token",
        ),
        (
            {
                let mut c = pc_carts();
                c.args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
                    .args(["--base-url", &url, "--token", "Bearer right"]);
                c
            },
            4,
            "starts with `Bearer `",
        ),
        (
            pc_carts_at(
                &url,
                &["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER],
            ),
            4,
            "401",
        ),
        // The service's refusal: a cart it does not have.
        (
            {
                let mut c = pc_carts();
                c.args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
                    .args(["--base-url", &url, "--token", "right"]);
                c
            },
            1,
            "404",
        ),
    ];
    let sent_before = emulator.received().len();
    for (command, code, says) in cases {
        let shown = format!("{command:?}");
        let output = run(command).await;
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(i32::from(code)),
            "{shown}: {stderr}"
        );
        assert!(stderr.contains(says), "{shown}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{shown}: {stderr}");
    }
    // Only the refused token and the missing cart reached the service.
    assert_eq!(emulator.received().len() - sent_before, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An answer that cannot be written is an error (1, said on stderr): to a full disk, or to a
/// standard output closed before the command started. Written to /dev/null it is done (0); a
/// reader gone from a pipe is 141 (tests/terminal.rs).
#[test]
fn an_answer_that_cannot_be_written_is_an_error() {
    let bin = assert_cmd::cargo::cargo_bin("pc-carts");
    for (redirect, code, says) in [
        ("> /dev/full", 1, "No space left on device"),
        (">&-", 1, "standard output is closed"),
        ("> /dev/null", 0, ""),
    ] {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec '{}' --help {redirect}", bin.display()))
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{redirect}: {stderr}");
        assert!(stderr.contains(says), "{redirect}: {stderr}");
    }
}

/// A `PARTNER_CENTER_*` variable set empty counts as unset, as the library reads it: an empty
/// locale sends the default one, an empty customer is a customer not given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_variable_counts_as_unset() {
    let emulator = Emulator::new().start().await.unwrap();
    let mut get = pc_carts_at(&emulator.url(), &["cart", "get", "--cart", CUSTOMER]);
    get.args(["--customer", CUSTOMER])
        .env("PARTNER_CENTER_LOCALE", "");
    let output = run(get).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let sent = emulator.received();
    assert_eq!(sent.last().unwrap().header("x-locale"), Some("en-US"));

    let mut get = pc_carts_at(&emulator.url(), &["cart", "get", "--cart", CUSTOMER]);
    get.env("PARTNER_CENTER_CUSTOMER_ID", "");
    let output = run(get).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--customer"), "{stderr}");
}

/// A token refused for want of MFA (401, 900421) exits 4, as every authentication failure
/// does, and the words say what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_mfa_exits_4_saying_so() {
    let server = httpmock::MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(401)
                .json_body(json!({"code": 900421, "description": "MFA is required."}));
        })
        .await;
    let mut get = pc_carts_at(&server.base_url(), &["cart", "get"]);
    get.args(["--customer", CUSTOMER, "--cart", CUSTOMER]);
    let output = run(get).await;
    assert_eq!(output.status.code(), Some(4));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("multi-factor") && stderr.contains("900421"),
        "{stderr}"
    );
}
