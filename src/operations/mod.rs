//! The cart and order operations, as the service's own SDK names them:
//! `pc.customer(id).create(&cart)`, `pc.customer(id).cart(id).get() / put(&cart) / modify(..) /
//! checkout()`, `pc.customer(id).order(id).get() / provisioning_status() /
//! wait_until_provisioned(..) / subscriptions() / activation_links() / cancel()`,
//! `pc.customer(id).orders().list()`.
//!
//! Each is a few lines over the generated builder and
//! [`PartnerCenter::call`](crate::PartnerCenter::call): check the ids (and the cart) before
//! anything is sent, build the call, and check the answer. The headers, retries and errors come
//! from the pipeline every generated operation runs through ([`crate::pipeline`]).

mod cart;
mod checkout;
mod customer;
mod fixed;
mod modify;
mod order;
mod orders;
mod poll;
mod resend;
mod subscription;

pub use cart::CartRef;
pub use checkout::CheckoutOutcome;
pub use customer::Customer;
pub use fixed::WithRequestId;
pub use order::OrderRef;
pub use orders::Orders;
use resend::unconfirmed;
pub use subscription::SubscriptionRef;

use crate::error::{Mismatch, NothingOrdered};
use crate::types::{Cart, CartCheckoutResult};
use crate::{Error, ErrorKind, validate};

/// The customer and cart ids of an operation, checked to be GUIDs before anything is sent.
fn checked(operation: &'static str, what: &str, id: &str) -> Result<String, Error> {
    validate::guid(what, id).map_err(|e| Error::from(e).named(operation))
}

/// A cart about to be sent, checked.
fn checked_cart(operation: &'static str, cart: &crate::types::Cart) -> Result<(), Error> {
    validate::cart(cart).map_err(|e| Error::from(e).named(operation))
}

/// What a decoded success must hold to be one.
trait Answer {
    /// Why this success is not one, for an operation on the resource `asked` (its id in the
    /// path): an answer about another resource, or a checkout that placed nothing.
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind>;
}

impl Answer for Cart {
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind> {
        // GUIDs come in either case.
        match (asked, self.id.as_deref()) {
            (Some(asked), Some(id)) if !asked.eq_ignore_ascii_case(id) => {
                Some(ErrorKind::Mismatch(Mismatch::new(format!(
                    "the service answered with cart {id} for cart {asked}"
                ))))
            }
            _ => None,
        }
    }
}

impl Answer for CartCheckoutResult {
    fn refusal(&self, _asked: Option<&str>) -> Option<ErrorKind> {
        let placed = self.orders.as_ref().is_some_and(|o| !o.is_empty());
        (!placed).then(|| {
            ErrorKind::NothingOrdered(NothingOrdered::new(
                self.order_errors.clone().unwrap_or_default(),
            ))
        })
    }
}
