//! The cart operations, as the service's own SDK names them:
//! `pc.customer(id).create(&cart)`, `pc.customer(id).cart(id).get() / put(&cart) / modify(..) /
//! checkout()`.
//!
//! The generated methods take every documented header as an argument; the operations pass
//! `None` for each, because the transport gives every attempt the operation's headers, built
//! once before the first (see [`crate::headers`]).

mod cart;
mod checkout;
mod customer;
mod fixed;
mod modify;
mod order;
mod resend;

pub use cart::CartRef;
pub use checkout::CheckoutOutcome;
pub use customer::Customer;
pub use fixed::WithRequestId;
pub use order::{OrderRef, POLL_CEILING, POLL_FLOOR};
pub(crate) use resend::Unconfirmed;

use crate::{Error, validate};

/// The customer and cart ids of an operation, checked to be GUIDs before anything is sent.
fn checked(operation: &'static str, what: &str, id: &str) -> Result<String, Error> {
    validate::guid(what, id).map_err(|reason| Error::invalid_input(reason).named(operation))
}

/// A cart about to be sent, checked.
fn checked_cart(operation: &'static str, cart: &crate::types::Cart) -> Result<(), Error> {
    validate::cart(cart).map_err(|reason| Error::invalid_input(reason).named(operation))
}
