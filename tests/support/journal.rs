//! What the journal's tests share: a purchase as a piece of work, and the request ids of the
//! writes an emulator received.

use partner_center_carts::types::Cart;
use partner_center_carts::{Error, PartnerCenter};
use partner_center_carts_emulator::RunningEmulator;

use super::common::CUSTOMER;

/// Creates `cart` and checks it out under the work `key`: the cart's id and the orders' ids.
pub async fn purchase(
    pc: &PartnerCenter,
    key: &str,
    cart: &Cart,
) -> Result<(String, Vec<String>), Error> {
    let customer = pc.work(key).customer(CUSTOMER);
    let created = customer.create(cart).await?;
    let id = created.id.unwrap_or_default();
    let placed = customer.cart(&id).checkout().await?;
    let orders = placed
        .orders()
        .iter()
        .filter_map(|o| o.id.clone())
        .collect();
    Ok((id, orders))
}

/// The `MS-RequestId`s of the writes the emulator received, in order.
pub fn write_ids(emulator: &RunningEmulator) -> Vec<String> {
    emulator
        .received()
        .iter()
        .filter(|r| r.method != "GET")
        .filter_map(|r| r.header("MS-RequestId").map(str::to_string))
        .collect()
}
