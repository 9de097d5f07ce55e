//! A downstream crate that needs the types and nothing of the HTTP stack: a billing service
//! that reads carts from its store. It decodes a stored cart, checks nothing was lost, and
//! prints the cart's JSON Schema.

use partner_center_carts::schemars::schema_for;
use partner_center_carts::types::Cart;

/// A cart as stored: with a byte-order mark, a billing cycle and a property this crate does
/// not know.
const STORED: &[u8] = b"\xEF\xBB\xBF{
    \"id\": \"65faf57b-0205-47ee-92b3-08dcf233ea73\",
    \"creationTimestamp\": \"2021-08-18T07:50:12.5283432Z\",
    \"lineItems\": [{
        \"id\": 0,
        \"catalogItemId\": \"CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\",
        \"quantity\": 3,
        \"billingCycle\": \"quadrennial\",
        \"loyaltyTier\": \"gold\"
    }]
}";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cart: Cart = partner_center_carts::json::from_slice(STORED)?;
    let item = &cart.line_items[0];
    println!(
        "cart {} created {}: {} x {} billed {}",
        cart.id.as_deref().unwrap_or("-"),
        cart.creation_timestamp.as_ref().map_or("-", |t| t.as_str()),
        item.quantity,
        item.catalog_item_id,
        *item.billing_cycle,
    );

    // What the crate does not know is kept, and goes back out unchanged.
    let stored: serde_json::Value = serde_json::from_slice(&STORED[3..])?;
    if serde_json::to_value(&cart)? != stored {
        return Err("the cart changed in a round trip".into());
    }
    println!(
        "round trip: unchanged, loyaltyTier = {}",
        item.extra["loyaltyTier"]
    );

    println!("{}", serde_json::to_string_pretty(&schema_for!(Cart))?);
    Ok(())
}
