//! A write whose outcome is unknown, sent again as the same request to learn it.

use super::checkout::CheckoutOutcome;
use super::refs::{CartRef, Customer, OrderRef};
use super::subscription::SubscriptionRef;
use crate::client::PartnerCenter;
use crate::error::{Effect, Error, Unconfirmed};
use crate::ids::OperationIds;
use crate::pipeline::Sending;
use crate::types::{Agreement, Cart, Order, Subscription, Transition};

/// The body `error`'s write was sent with; it encodes back to the same bytes (this crate
/// wrote them).
fn body<T: serde::de::DeserializeOwned>(error: &Error) -> Result<T, Error> {
    let body = error.request_body().map(|b| &b[..]).unwrap_or_default();
    crate::json::from_slice(body)
        .map_err(|e| Error::invalid_input(format!("the body sent cannot be read back: {e}")))
}

/// What a write sent again by [`PartnerCenter::resend`] came to: the answer of the write it
/// was, which the service made exactly once.
// Made once per write whose answer was lost: its size does not matter, its plain variants do.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Settled {
    /// A cart created or put (`create`, `put`, `modify`'s PUT).
    Cart(Cart),
    /// A cart checked out.
    Checkout(CheckoutOutcome),
    /// An order changed (`update`, `cancel`, an add-on).
    Order(Order),
    /// A subscription changed (`modify`, `set_quantity`, `set_auto_renew`, `cancel`).
    Subscription(Subscription),
    /// A subscription transitioned.
    Transition(Transition),
    /// A customer's acceptance of an agreement confirmed.
    Agreement(Agreement),
}

impl Settled {
    /// The cart, when the write was a cart's create or put.
    pub fn into_cart(self) -> Option<Cart> {
        match self {
            Settled::Cart(cart) => Some(cart),
            _ => None,
        }
    }

    /// What the checkout placed, when the write was a checkout.
    pub fn into_checkout(self) -> Option<CheckoutOutcome> {
        match self {
            Settled::Checkout(placed) => Some(placed),
            _ => None,
        }
    }

    /// The order, when the write was an order's change.
    pub fn into_order(self) -> Option<Order> {
        match self {
            Settled::Order(order) => Some(order),
            _ => None,
        }
    }

    /// The subscription, when the write was a subscription's change.
    pub fn into_subscription(self) -> Option<Subscription> {
        match self {
            Settled::Subscription(subscription) => Some(subscription),
            _ => None,
        }
    }

    /// The transition, when the write was one.
    pub fn into_transition(self) -> Option<Transition> {
        match self {
            Settled::Transition(transition) => Some(transition),
            _ => None,
        }
    }

    /// The agreement recorded, when the write was its confirmation.
    pub fn into_agreement(self) -> Option<Agreement> {
        match self {
            Settled::Agreement(agreement) => Some(agreement),
            _ => None,
        }
    }
}

impl PartnerCenter {
    /// Sends again, as the same request, the write whose outcome `error` left unknown
    /// ([`Error::outcome_unknown`]), whichever it was: a cart's create, put or `modify`'s PUT,
    /// a checkout, an order's change, a subscription's change or transition, an agreement's
    /// confirmation. It goes with the same `MS-RequestId`, correlation id, body and `If-Match`,
    /// and the service answers a repeat of a request with its first answer, so:
    ///
    /// - `Ok` means the write was made exactly once, by the first sending or by this one, and
    ///   holds its answer;
    /// - an error with [`Effect::None`](crate::error::Effect::None) means it was not made, and
    ///   will not be: it is safe to start over (to call `modify` again, say);
    /// - an error whose outcome is unknown again means the service still did not answer: call
    ///   `resend` with that error, later.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for an error
    /// that is not a write's whose outcome is unknown; otherwise the write's own, read as above.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter, e: partner_center_carts::Error) -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::Settled;
    ///
    /// if e.outcome_unknown() {
    ///     match pc.resend(&e).await? {
    ///         Settled::Checkout(placed) => println!("{} orders", placed.orders().len()),
    ///         settled => println!("done once: {settled:?}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resend(&self, error: &Error) -> Result<Settled, Error> {
        let (Some(unconfirmed), Some(sending)) = (error.unconfirmed(), self.again(error)) else {
            return Err(Error::invalid_input(
                "nothing to send again: the error is not a write's whose outcome is unknown",
            ));
        };
        match unconfirmed {
            Unconfirmed::Cart {
                customer_id,
                cart_id: None,
            } => {
                let customer = Customer::new(self.clone(), customer_id.clone());
                customer
                    .create_with(body(error)?, sending)
                    .await
                    .map(Settled::Cart)
            }
            Unconfirmed::Cart {
                customer_id,
                cart_id: Some(cart_id),
            } => {
                let cart = CartRef::new(self.clone(), customer_id.clone(), cart_id.clone());
                cart.put_with(body(error)?, sending)
                    .await
                    .map(Settled::Cart)
            }
            Unconfirmed::Checkout {
                customer_id,
                cart_id,
                customer_user_upn,
            } => {
                let cart = CartRef::new(self.clone(), customer_id.clone(), cart_id.clone());
                let upn = customer_user_upn.as_deref();
                let placed = cart.checkout_with(sending, upn).await?;
                Ok(Settled::Checkout(placed))
            }
            Unconfirmed::Order {
                customer_id,
                order_id,
            } => {
                let order = OrderRef::new(self.clone(), customer_id.clone(), order_id.clone());
                order
                    .update_with(body(error)?, sending)
                    .await
                    .map(Settled::Order)
            }
            Unconfirmed::Subscription {
                customer_id,
                subscription_id,
                transition,
            } => {
                let subscription = SubscriptionRef::new(
                    self.clone(),
                    customer_id.clone(),
                    subscription_id.clone(),
                );
                match transition {
                    false => subscription
                        .update_with(body(error)?, sending)
                        .await
                        .map(Settled::Subscription),
                    true => subscription
                        .transition_with(body(error)?, sending)
                        .await
                        .map(Settled::Transition),
                }
            }
            Unconfirmed::Agreement { customer_id } => {
                let customer = Customer::new(self.clone(), customer_id.clone());
                customer
                    .confirm_agreement_with(body(error)?, sending)
                    .await
                    .map(Settled::Agreement)
            }
        }
    }

    /// How to send again the write `error` left unknown: the same request id and correlation
    /// id (the same request, in the same flow), its outcome unknown until the service judges it.
    fn again(&self, error: &Error) -> Option<Sending> {
        let request_id = error.request_id()?;
        Some(Sending {
            ids: OperationIds::new(Some(request_id), error.correlation_id()),
            prior: Effect::Unknown,
            // On a piece of work's handle it is the same step again (a write not made keeps
            // its step), whose journal entry has these same ids.
            ..self.sending(None)
        })
    }
}
