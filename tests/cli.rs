//! The `pc-carts` command line, run as a user runs it.
#![cfg(feature = "cli")]

mod support;

use assert_cmd::Command;
use partner_center_carts::emulator::Emulator;
use serde_json::Value;
use support::CUSTOMER;

fn pc_carts() -> Command {
    let mut command = Command::cargo_bin("pc-carts").unwrap();
    command
        .env_remove("PARTNER_CENTER_TOKEN")
        .env_remove("PARTNER_CENTER_BASE_URL");
    command
}

/// Runs a blocking command from inside the async test.
async fn run(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[test]
fn the_demo_walks_a_cart_through_its_life_and_exits_0() {
    let output = pc_carts().arg("demo").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "1. Create a cart",
        "ms-requestid:",
        "ms-correlationid:",
        "authorization: Bearer [redacted]",
        "before:",
        "after:",
        "if-match: \"1\"",
        "Order ",
        "Partner Center error 800065",
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

    let mut command = pc_carts();
    command
        .args([
            "cart",
            "update",
            "--base-url",
            &emulator.url(),
            "--token",
            "t",
        ])
        .args(["--customer", CUSTOMER, "--cart", &id, "--quantity", "0=5"])
        .args(["--request-id", "0e93c70c-977a-4a88-9580-7cf084c73286"]);
    let output = run(command).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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
    let mut command = pc_carts();
    command
        .args([
            "cart",
            "get",
            "--base-url",
            &emulator.url(),
            "--token",
            "t",
            "--output",
            "table",
        ])
        .args(["--customer", CUSTOMER, "--cart", &id]);
    let output = run(command).await;
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("catalog item") && text.contains("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"),
        "{text}"
    );

    // A line the cart does not have changes nothing.
    let mut command = pc_carts();
    command
        .args([
            "cart",
            "update",
            "--base-url",
            &emulator.url(),
            "--token",
            "t",
        ])
        .args([
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
    assert!(String::from_utf8_lossy(&output.stderr).contains("no line item [7]"));
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().line_items[0].quantity,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_error_prints_status_code_description_and_ids_and_exits_1() {
    let emulator = Emulator::new().start().await.unwrap();
    let mut command = pc_carts();
    command
        .args(["cart", "get", "--base-url", &emulator.url(), "--token", "t"])
        .args([
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
            "x",
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

    // No token and no client credentials: a clear error, nothing sent.
    let output = pc_carts()
        .args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
        .env_remove("PARTNER_CENTER_TENANT_ID")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no credentials"));
}
