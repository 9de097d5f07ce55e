//! Where a write whose outcome is unknown was sent: what an error keeps so that
//! `PartnerCenter::resend` (a cart write) or `resend_order` (an order's) can send it again as
//! the same request.

/// The write, and the resources it was sent to; the error keeps its body and ids.
#[derive(Clone, Debug)]
pub(crate) enum Unconfirmed {
    /// A cart created (`cart` is `None`) or put.
    Cart {
        customer_id: String,
        cart_id: Option<String>,
    },
    /// An order changed.
    Order {
        customer_id: String,
        order_id: String,
    },
}

impl Unconfirmed {
    pub(crate) fn cart(customer_id: &str, cart_id: Option<&str>) -> Self {
        Self::Cart {
            customer_id: customer_id.to_string(),
            cart_id: cart_id.map(str::to_string),
        }
    }

    pub(crate) fn order(customer_id: &str, order_id: &str) -> Self {
        Self::Order {
            customer_id: customer_id.to_string(),
            order_id: order_id.to_string(),
        }
    }
}
