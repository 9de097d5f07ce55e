//! Running `pc-carts` as a user does, and an order on the emulator to run it against.

use assert_cmd::Command;
use partner_center_carts_emulator::{Emulator, RunningEmulator};

use super::CUSTOMER;

/// `pc-carts`, with no token or service from the environment.
pub fn pc_carts() -> Command {
    let mut command = Command::cargo_bin("pc-carts").unwrap();
    command
        .env_remove("PARTNER_CENTER_TOKEN")
        .env_remove("PARTNER_CENTER_BASE_URL");
    command
}

/// `pc-carts` with these words, against the server at `url`, with a token it accepts.
pub fn pc_carts_at(url: &str, words: &[&str]) -> Command {
    let mut command = pc_carts();
    command
        .args(words)
        .args(["--base-url", url, "--token", "t"]);
    command
}

/// Runs a blocking command from inside the async test.
pub async fn run(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// An order placed on an emulator that provisions after `delay`, with a line of `catalog`.
pub async fn an_order(delay: std::time::Duration, catalog: &str) -> (RunningEmulator, String) {
    an_order_of(Emulator::new(), delay, catalog).await
}

/// An order placed with `emulator`, provisioned `delay` after its checkout on the emulator's
/// clock.
pub async fn an_order_of(
    emulator: Emulator,
    delay: std::time::Duration,
    catalog: &str,
) -> (RunningEmulator, String) {
    let emulator = emulator.provisioning_delay(delay).start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let mut cart = super::one_line_cart(1);
    cart.line_items[0].catalog_item_id = catalog.into();
    let id = pc
        .customer(CUSTOMER)
        .create(&cart)
        .await
        .unwrap()
        .id
        .unwrap();
    let placed = pc.customer(CUSTOMER).cart(&id).checkout().await.unwrap();
    let order = placed.orders()[0].id.clone().unwrap();
    (emulator, order)
}

pub fn order_command(url: &str, verb: &str, order: &str) -> Command {
    let mut command = pc_carts_at(url, &["order", verb]);
    command.args(["--customer", CUSTOMER, "--order", order]);
    command
}

/// How many provisioning statuses of `order` the emulator was asked for.
pub fn status_polls(emulator: &RunningEmulator, order: &str) -> usize {
    let path = format!("/v1/customers/{CUSTOMER}/orders/{order}/provisioningstatus");
    emulator
        .received()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}
