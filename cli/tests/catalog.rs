//! `pc-carts catalog ...` and a cart from the catalog, run as a user runs them against the
//! emulator's catalog: the lists, a plan that finds each wrong line (exit 2, nothing created),
//! a line made from the catalog, and a dry run that creates nothing.

mod support;

use assert_cmd::Command;
use partner_center_carts_emulator::Emulator;
use serde_json::Value;
use support::CUSTOMER;
use support::commands::*;

const E3: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";

async fn json_of(command: Command) -> Value {
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn lines_of(url: &str, verb: &[&str], items: &[&str], term: &str, cycle: &str) -> Command {
    let mut command = pc_carts_at(url, verb);
    command.args(["--customer", CUSTOMER]);
    for item in items {
        command.args(["--item", item]);
    }
    command.args(["--term-duration", term, "--billing-cycle", cycle]);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_lists_what_a_line_item_comes_from() {
    let emulator = Emulator::new().start().await.unwrap();
    let url = emulator.url();

    let mut products = pc_carts_at(&url, &["catalog", "products", "--country", "US"]);
    products.args(["-o", "id"]);
    let output = run(products).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).lines().any(|id| id == "CFQ7TTC0LH0Z"),
        "{}",
        text(&output.stdout)
    );

    let skus = json_of(pc_carts_at(
        &url,
        &[
            "catalog",
            "skus",
            "--country",
            "US",
            "--product",
            "CFQ7TTC0LH0Z",
        ],
    ))
    .await;
    let sku = skus["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "0001")
        .unwrap();
    assert!(sku["minimumQuantity"].is_number(), "{sku}");

    // The customer's own availabilities: no country needed.
    let mut mine = pc_carts_at(&url, &["catalog", "availabilities"]);
    mine.args([
        "--customer",
        CUSTOMER,
        "--product",
        "CFQ7TTC0LH0Z",
        "--sku",
        "0001",
    ])
    .args(["-o", "id"]);
    let output = run(mine).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).lines().any(|id| id == E3));

    let promotions = json_of(pc_carts_at(
        &url,
        &["catalog", "promotions", "--country", "US"],
    ))
    .await;
    assert!(!promotions["items"].as_array().unwrap().is_empty());

    // Without a country or a customer: a bad argument.
    let output = run(pc_carts_at(&url, &["catalog", "products"])).await;
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_names_each_wrong_line_and_creates_nothing() {
    let emulator = Emulator::new().start().await.unwrap();
    let url = emulator.url();
    let wrong = [&format!("{E3}=500"), "NOPE:0001:XYZ"];
    let output = run(lines_of(&url, &["cart", "plan"], &wrong, "P3Y", "annual")).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["clean"], false);
    let kinds = |line: usize| -> Vec<String> {
        plan["lines"][line]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds(0), ["termNotOffered", "quantityOutOfRange"]);
    assert_eq!(kinds(1), ["unknownItem"]);
    assert!(
        plan["lines"][0]["problems"][0]["words"]
            .as_str()
            .unwrap()
            .contains("P1Y"),
        "the offered terms are named: {plan}"
    );

    // The same through create --dry-run; a right line plans clean. Nothing was created.
    let output = run(lines_of(
        &url,
        &["cart", "create", "--dry-run"],
        &wrong,
        "P3Y",
        "annual",
    ))
    .await;
    assert_eq!(output.status.code(), Some(2));
    let clean = json_of(lines_of(&url, &["cart", "plan"], &[E3], "P1Y", "annual")).await;
    assert_eq!(clean["clean"], true);
    assert!(
        !emulator
            .received()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/carts")),
        "a plan creates no cart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_from_the_catalog_is_right_the_first_time_or_refused_with_what_is_offered() {
    let emulator = Emulator::new().start().await.unwrap();
    let url = emulator.url();
    let mut create = lines_of(
        &url,
        &["cart", "create", "--from-catalog"],
        &[E3],
        // Written as users type them: the line carries the catalog's spelling.
        "p1y",
        "Annual",
    );
    create.args(["--quantity", "3"]);
    let cart = json_of(create).await;
    let line = &cart["lineItems"][0];
    assert_eq!(
        (
            &line["catalogItemId"],
            &line["termDuration"],
            &line["billingCycle"],
            &line["quantity"]
        ),
        (
            &Value::from(E3),
            &Value::from("P1Y"),
            &Value::from("annual"),
            &Value::from(3)
        )
    );

    let refused = run(lines_of(
        &url,
        &["cart", "create", "--from-catalog"],
        &[E3],
        "P3Y",
        "annual",
    ))
    .await;
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the catalog refuses the line, nothing was created")
            && stderr.contains("term P3Y is not offered")
            && stderr.contains("P1M, P1Y"),
        "{stderr}"
    );
}
