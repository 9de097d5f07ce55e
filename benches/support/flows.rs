//! One cart flow (create, modify, checkout: four requests) through the crate and by hand,
//! for the rate-limited benchmarks. `admitted` is told how many requests each step had
//! admitted.

use partner_center_carts::PartnerCenter;
use partner_center_carts::types::{Cart, CartLineItem};

use crate::sdk_like::SdkLike;

/// Create, get, put, checkout.
pub const REQUESTS_PER_FLOW: usize = 4;

pub fn new_cart() -> Cart {
    Cart {
        line_items: vec![CartLineItem {
            catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
            quantity: 1,
            billing_cycle: "monthly".into(),
            term_duration: Some("P1M".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The flow through the crate: create, modify (get + put), checkout. Whether it finished.
pub async fn crate_flow(pc: &PartnerCenter, customer: &str, admitted: &impl Fn(u32)) -> bool {
    let customer = pc.customer(customer);
    let Ok(cart) = customer.create(&new_cart()).await else {
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
    let Ok(cart) = sdk.create(customer, &new_cart()).await else {
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
