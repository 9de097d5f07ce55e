//! From a cart to the orders its checkout placed, when the checkout's own answer is lost.
//!
//! The service links an order to no cart: an order has no cart id, and a cart none of its
//! orders. The sure way to a checkout's orders is its own answer, which the service gives again
//! to the same request (`PartnerCenter::resend`, or `with_request_id` with the id kept before
//! sending). Without that id, after 800065 "already submitted", the orders are found by what
//! they hold: this matches the customer's orders with the cart's line items.

use super::refs::CartRef;
use crate::error::Error;
use crate::types::{Cart, Order};

impl CartRef {
    /// The customer's orders that match this checked-out cart: placed no earlier than the cart
    /// was created, with line items that are the cart's or its add-ons' (the same catalog item and
    /// quantity, each in at most one order line). A checkout places one order per order group,
    /// so a cart can have several.
    ///
    /// **A match on content, not an id** (the service links an order to no cart): two carts
    /// with the same lines, created before both checkouts, match each other's orders too, and
    /// an order can take up to 15 minutes to be listed after it was placed (wait with
    /// [`Orders::wait_for`](crate::Orders::wait_for)). When the checkout's request id is
    /// known, sending it again gives its exact answer instead:
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend), or
    /// [`with_request_id`](Self::with_request_id)`(id).checkout()`.
    ///
    /// ```no_run
    /// # async fn run(cart: partner_center_carts::CartRef) -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::codes;
    ///
    /// match cart.checkout().await {
    ///     Err(e) if e.code() == Some(codes::CART_ALREADY_SUBMITTED) => {
    ///         for order in cart.find_orders().await? {
    ///             println!("placed earlier: {}", order.id());
    ///         }
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get)'s and [`Orders::list`](crate::Orders::list)'s.
    pub async fn find_orders(&self) -> Result<Vec<Order>, Error> {
        let cart = self.get().await?;
        let listed = self.customer().orders().list().await?;
        Ok(listed
            .orders()
            .iter()
            .filter(|order| placed_from(&cart, order))
            .cloned()
            .collect())
    }
}

/// Whether `order` may have been placed by checking `cart` out: not older than the cart, and
/// every line item one of the cart's, each cart line used once.
fn placed_from(cart: &Cart, order: &Order) -> bool {
    let created = cart
        .creation_timestamp
        .as_ref()
        .and_then(|t| t.to_datetime());
    let placed = order.creation_date.as_ref().and_then(|t| t.to_datetime());
    if let (Some(created), Some(placed)) = (created, placed)
        && placed < created
    {
        return false;
    }
    // An add-on of a cart line is a line of the order too.
    let mut unused: Vec<_> = cart
        .line_items
        .iter()
        .flat_map(|item| std::iter::once(item).chain(item.addon_items.iter().flatten()))
        .collect();
    !order.line_items().is_empty()
        && order.line_items().iter().all(|line| {
            let same = unused.iter().position(|item| {
                line.offer_id.as_deref() == Some(item.catalog_item_id.as_str())
                    && line.quantity == Some(item.quantity)
            });
            same.map(|at| unused.swap_remove(at)).is_some()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_matches_a_cart_by_its_lines_and_time() {
        let cart: Cart = serde_json::from_value(serde_json::json!({
            "creationTimestamp": "2026-12-01T10:00:00Z",
            "lineItems": [
                {"catalogItemId": "A:1:X", "quantity": 2, "billingCycle": "monthly"},
                {"catalogItemId": "B:1:X", "quantity": 1, "billingCycle": "monthly"}
            ]
        }))
        .unwrap();
        let order = |date: &str, lines: serde_json::Value| -> Order {
            serde_json::from_value(serde_json::json!({"creationDate": date, "lineItems": lines}))
                .unwrap()
        };
        let later = "2026-12-01T10:05:00Z";
        let a2 = serde_json::json!({"offerId": "A:1:X", "quantity": 2});
        let b1 = serde_json::json!({"offerId": "B:1:X", "quantity": 1});
        assert!(placed_from(
            &cart,
            &order(later, serde_json::json!([a2, b1]))
        ));
        assert!(
            placed_from(&cart, &order(later, serde_json::json!([b1]))),
            "one order group"
        );
        assert!(!placed_from(
            &cart,
            &order("2026-11-30T10:00:00Z", serde_json::json!([a2]))
        ));
        assert!(
            !placed_from(&cart, &order(later, serde_json::json!([a2, a2]))),
            "each line once"
        );
        let a3 = serde_json::json!({"offerId": "A:1:X", "quantity": 3});
        assert!(!placed_from(&cart, &order(later, serde_json::json!([a3]))));
        assert!(!placed_from(&cart, &order(later, serde_json::json!([]))));
        let with_add_on: Cart = serde_json::from_value(serde_json::json!({
            "lineItems": [{"catalogItemId": "A:1:X", "quantity": 2, "billingCycle": "monthly",
                "addonItems": [{"catalogItemId": "C:1:X", "quantity": 4, "billingCycle": "monthly"}]}]
        }))
        .unwrap();
        let c4 = serde_json::json!({"offerId": "C:1:X", "quantity": 4});
        assert!(placed_from(
            &with_add_on,
            &order(later, serde_json::json!([a2, c4]))
        ));
    }
}
