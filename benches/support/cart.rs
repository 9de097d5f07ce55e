//! The cart every rate-limited benchmark buys: one line, one seat of a monthly SKU.

use partner_center_carts::types::{Cart, CartLineItem};

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
