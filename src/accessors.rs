//! What every caller reads, without a chain of `Option`s: the generated structs stay as the
//! spec makes them (absent and empty stay apart there), and these read through them.

use crate::types::{
    ActivationLink, ActivationLinks, Cart, CartCheckoutResult, CartLineItem, Order,
    OrderCollection, OrderError, OrderLineItem, Subscription, SubscriptionCollection,
};

impl Cart {
    /// The cart's id, or `""` when it has none (a cart not yet created): an operation on an
    /// empty id fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before
    /// sending anything. The field, `id`, keeps absent apart from empty.
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// The cart's etag (`attributes.etag`), when the service sent one.
    pub fn etag(&self) -> Option<&str> {
        self.attributes.as_ref()?.etag.as_deref()
    }

    /// Whether the cart has been checked out (`status` is `Ordered`, in any case).
    pub fn is_ordered(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("ordered"))
    }

    /// The first line item for this catalog item id.
    ///
    /// ```
    /// use partner_center_carts::types::{Cart, CartLineItem};
    ///
    /// let mut cart = Cart {
    ///     line_items: vec![CartLineItem {
    ///         catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
    ///         quantity: 1,
    ///         billing_cycle: "monthly".into(),
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// };
    /// if let Some(line) = cart.line_mut("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P") {
    ///     line.quantity += 1;
    /// }
    /// assert_eq!(cart.line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").map(|l| l.quantity), Some(2));
    /// assert!(cart.line("MS-AZR-0145P").is_none());
    /// ```
    pub fn line(&self, catalog_item_id: &str) -> Option<&CartLineItem> {
        self.line_items
            .iter()
            .find(|l| l.catalog_item_id == catalog_item_id)
    }

    /// The first line item for this catalog item id, to change.
    pub fn line_mut(&mut self, catalog_item_id: &str) -> Option<&mut CartLineItem> {
        self.line_items
            .iter_mut()
            .find(|l| l.catalog_item_id == catalog_item_id)
    }
}

impl CartCheckoutResult {
    /// The orders placed (none when the answer has no `orders`).
    ///
    /// ```
    /// use partner_center_carts::types::CartCheckoutResult;
    ///
    /// let answer = r#"{"orders":[{"id":"f76c6b7f449d","status":"pending"}],
    ///                  "orderErrors":[{"orderGroupId":"2","code":800010}]}"#;
    /// let result: CartCheckoutResult = serde_json::from_str(answer)?;
    /// for order in result.orders() {
    ///     println!("placed {}, {} lines", order.id(), order.line_items().len());
    /// }
    /// assert_eq!(result.orders()[0].id(), "f76c6b7f449d");
    /// assert_eq!(result.order_errors()[0].code.as_ref().and_then(|c| c.number()), Some(800010));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn orders(&self) -> &[Order] {
        self.orders.as_deref().unwrap_or_default()
    }

    /// The order groups that could not be placed, and why (none when all were).
    pub fn order_errors(&self) -> &[OrderError] {
        self.order_errors.as_deref().unwrap_or_default()
    }
}

impl Order {
    /// The order's id, or `""` when the answer has none (an operation on it then fails with
    /// `InvalidInput`, sending nothing).
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Its line items (none when the answer has no `lineItems`).
    pub fn line_items(&self) -> &[OrderLineItem] {
        self.line_items.as_deref().unwrap_or_default()
    }
}

impl OrderCollection {
    /// The orders listed (none when the answer has no `items`).
    pub fn orders(&self) -> &[Order] {
        self.items.as_deref().unwrap_or_default()
    }
}

impl SubscriptionCollection {
    /// The subscriptions listed (none when the answer has no `items`).
    pub fn subscriptions(&self) -> &[Subscription] {
        self.items.as_deref().unwrap_or_default()
    }
}

impl Subscription {
    /// The subscription's id, or `""` when the answer has none.
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }
}

impl ActivationLinks {
    /// The activation links, one per line item that has one (none when the answer has no
    /// `items`).
    pub fn links(&self) -> &[ActivationLink] {
        self.items.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::types::Cart;

    #[test]
    fn a_service_cart_reads_without_options_and_a_new_one_has_empty_answers() {
        let cart: Cart = serde_json::from_value(serde_json::json!({
            "id": "65faf57b-0205-47ee-92b3-08dcf233ea73",
            "status": "ORDERED",
            "lineItems": [],
            "attributes": {"objectType": "Cart", "etag": "\"7\""}
        }))
        .unwrap();
        assert_eq!(cart.id(), "65faf57b-0205-47ee-92b3-08dcf233ea73");
        assert_eq!(cart.etag(), Some("\"7\""));
        assert!(cart.is_ordered());

        let new = Cart::default();
        assert_eq!((new.id(), new.etag(), new.is_ordered()), ("", None, false));
    }
}
