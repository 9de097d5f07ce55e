//! One cart flow (create, modify, checkout: four requests) through the crate and by hand,
//! for the rate-limited benchmarks. `admitted` is told how many requests each step had
//! admitted.

use partner_center_carts::PartnerCenter;

use crate::common::one_line_cart;
use crate::sdk_like::SdkLike;

/// Create, get, put, checkout.
pub const REQUESTS_PER_FLOW: usize = 4;

/// The flow through the crate: create, modify (get + put), checkout. Whether it finished.
pub async fn crate_flow(pc: &PartnerCenter, customer: &str, admitted: &impl Fn(u32)) -> bool {
    let customer = pc.customer(customer);
    let Ok(cart) = customer.create(&one_line_cart(1)).await else {
        return false;
    };
    admitted(1);
    let cart = customer.cart(cart.id());
    if cart
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .is_err()
    {
        return false;
    }
    admitted(2);
    let done = cart
        .checkout()
        .await
        .is_ok_and(|outcome| outcome.is_complete());
    admitted(u32::from(done));
    done
}

/// The same flow, hand-written.
pub async fn sdk_flow(sdk: &SdkLike, customer: &str, admitted: &impl Fn(u32)) -> bool {
    let Ok(cart) = sdk.create(customer, &one_line_cart(1)).await else {
        return false;
    };
    admitted(1);
    let id = cart.id.clone().unwrap_or_default();
    let Ok(mut read) = sdk.get(customer, &id).await else {
        return false;
    };
    admitted(1);
    read.line_items[0].quantity += 1;
    if sdk.put(customer, &read).await.is_err() {
        return false;
    }
    admitted(1);
    let done = sdk.checkout(customer, &id).await.is_ok();
    admitted(u32::from(done));
    done
}
