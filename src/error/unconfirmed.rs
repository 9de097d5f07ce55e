//! Where a write whose outcome is unknown was sent: what an error keeps so that
//! `PartnerCenter::resend` can send it again as the same request.

/// The write, and the resources it was sent to; the error keeps its body and ids.
#[derive(Clone, Debug)]
pub(crate) enum Unconfirmed {
    /// A cart created (`cart` is `None`) or put.
    Cart {
        customer_id: String,
        cart_id: Option<String>,
    },
    /// A cart checked out (it has no body).
    Checkout {
        customer_id: String,
        cart_id: String,
        customer_user_upn: Option<String>,
    },
    /// An order changed.
    Order {
        customer_id: String,
        order_id: String,
    },
    /// A subscription changed (PATCH), or transitioned (`transition`).
    Subscription {
        customer_id: String,
        subscription_id: String,
        transition: bool,
    },
    /// A customer's acceptance of an agreement confirmed.
    Agreement { customer_id: String },
}

impl Unconfirmed {
    pub(crate) fn cart(customer_id: &str, cart_id: Option<&str>) -> Self {
        Self::Cart {
            customer_id: customer_id.to_string(),
            cart_id: cart_id.map(str::to_string),
        }
    }

    pub(crate) fn checkout(customer_id: &str, cart_id: &str, upn: Option<&str>) -> Self {
        Self::Checkout {
            customer_id: customer_id.to_string(),
            cart_id: cart_id.to_string(),
            customer_user_upn: upn.map(str::to_string),
        }
    }

    pub(crate) fn order(customer_id: &str, order_id: &str) -> Self {
        Self::Order {
            customer_id: customer_id.to_string(),
            order_id: order_id.to_string(),
        }
    }

    pub(crate) fn agreement(customer_id: &str) -> Self {
        Self::Agreement {
            customer_id: customer_id.to_string(),
        }
    }

    pub(crate) fn subscription(customer_id: &str, subscription_id: &str, transition: bool) -> Self {
        Self::Subscription {
            customer_id: customer_id.to_string(),
            subscription_id: subscription_id.to_string(),
            transition,
        }
    }
}
