//! A retried call, traced: the emulator answers some requests 503, the client retries, and
//! `tracing-subscriber` prints the operation's span, each attempt's, and the retry events.
//!
//! ```text
//! cargo run --example telemetry
//! ```
//!
//! With `tracing-opentelemetry` in place of the `fmt` layer, the same spans become OpenTelemetry
//! client spans: their fields carry the HTTP client convention names (`http.request.method`,
//! `http.response.status_code`, `server.address`, `http.request.resend_count`, `error.type`).

use partner_center_carts::types::{Cart, CartLineItem};
use partner_center_carts_emulator::{Emulator, Faults};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The crate's spans and events at `debug` (attempts) and `info` (retries), nothing else.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("partner_center_carts=debug"))
        .with_target(false)
        .init();

    // Seeded, so the first attempt of the create fails with a 503 on every run.
    let faults = Faults::none().unavailable(0.5).seed(4);
    let emulator = Emulator::new().faults(faults).start().await?;
    let pc = emulator.client().build()?;
    let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    let cart = customer
        .create(&Cart {
            line_items: vec![CartLineItem {
                catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
                quantity: 1,
                billing_cycle: "monthly".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?;
    customer.cart(cart.id()).get().await?;
    println!(
        "created and read cart {} in {} requests",
        cart.id(),
        emulator.stats().requests
    );
    Ok(())
}
