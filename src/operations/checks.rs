//! What is checked before an operation is sent (its ids, its cart), and of its answer after.

use crate::error::{Error, ErrorKind, Mismatch, NothingOrdered};
use crate::generated::Operation;
use crate::types::{Cart, CartCheckoutResult};
use crate::validate;

/// The customer and cart ids of an operation, checked to be GUIDs before anything is sent.
pub(super) fn checked(operation: Operation, what: &str, id: &str) -> Result<String, Error> {
    validate::guid(what, id).map_err(|e| Error::from(e).named(operation))
}

/// A cart about to be sent, checked.
pub(super) fn checked_cart(operation: Operation, cart: &crate::types::Cart) -> Result<(), Error> {
    validate::cart(cart).map_err(|e| Error::from(e).named(operation))
}

/// What a decoded success must hold to be one.
pub(super) trait Answer {
    /// Why this success is not one, for an operation on the resource `asked` (its id in the
    /// path): an answer about another resource, or a checkout that placed nothing.
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind>;
}

/// Why an answer about a `what` whose id is `id` is not for the one `asked`: another's id.
pub(super) fn answered_for(what: &str, id: Option<&str>, asked: &str) -> Option<ErrorKind> {
    // GUIDs come in either case.
    match id {
        Some(id) if !id.eq_ignore_ascii_case(asked) => Some(ErrorKind::Mismatch(Mismatch::new(
            format!("the service answered with {what} {id} for {what} {asked}"),
        ))),
        _ => None,
    }
}

impl Answer for Cart {
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind> {
        answered_for("cart", self.id.as_deref(), asked?)
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

/// A catalog id (product, SKU, availability, promotion) of an operation, checked to be one
/// path segment before anything is sent.
pub(super) fn checked_catalog(operation: Operation, what: &str, id: &str) -> Result<String, Error> {
    validate::catalog_id(what, id).map_err(|e| Error::from(e).named(operation))
}

/// The country of a catalog operation: two letters.
pub(super) fn checked_country(operation: Operation, country: &str) -> Result<String, Error> {
    validate::country(country).map_err(|e| Error::from(e).named(operation))
}
