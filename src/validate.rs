//! Checks on the caller's input, made before anything is sent; public so that a program can
//! make the same checks earlier (the `pc-carts` argument parser does), and they agree.
//!
//! An id becomes part of the request path, so only a GUID (an order id: letters, digits and
//! hyphens) is accepted: `../../admin` or an id with a `?` can never reach a server.
//!
//! ```
//! use partner_center_carts::validate;
//!
//! assert!(validate::guid("customer", "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d").is_ok());
//! assert!(validate::order_id("../admin").is_err());
//! assert!(validate::base_url("http://example.com").is_err());
//! ```

use uuid::Uuid;

use crate::error::{Config, ErrorKind, InvalidInput};
use crate::types::{Cart, CartLineItem};

/// A customer or cart id (`what` names it in the reason), checked to be a GUID; in the
/// canonical hyphenated form.
///
/// # Errors
///
/// When `id` is not a GUID in one of the forms `uuid` reads (hyphenated, simple, braced, URN).
pub fn guid(what: &str, id: &str) -> Result<String, InvalidInput> {
    // `try_parse` accepts only the hyphenated, simple, braced and URN forms; send the canonical
    // hyphenated form whatever the caller wrote.
    match Uuid::try_parse(id) {
        // Of the forms `try_parse` takes only the hyphenated one has 36 characters: without
        // capitals it is already canonical, and is sent as given rather than encoded again.
        // (A scan without an early exit, which the compiler turns into a few wide compares.)
        Ok(_) if id.len() == 36 && !id.bytes().fold(false, |up, b| up | b.is_ascii_uppercase()) => {
            Ok(id.to_string())
        }
        // Capitals, braces or no hyphens: rare, so the formatter's cost does not matter.
        Ok(guid) => Ok(guid.hyphenated().to_string()),
        Err(_) => Err(InvalidInput::new(format!("{what} id {id:?} is not a GUID"))),
    }
}

/// An order id: 12 hexadecimal digits or a GUID as the service gives them, and in any case
/// letters, digits and hyphens only, so it cannot change the request's path.
///
/// # Errors
///
/// When `id` is empty, longer than 64 characters, or has anything but letters, digits and
/// hyphens.
pub fn order_id(id: &str) -> Result<String, InvalidInput> {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if plain {
        Ok(id.to_string())
    } else {
        Err(InvalidInput::new(format!(
            "order id {id:?} is not an order id (letters, digits and hyphens)"
        )))
    }
}

/// A catalog id that goes in a path (`what` names it in the reason): a product, SKU,
/// availability or promotion id. Not empty, at most 64 characters, and letters, digits, `-`,
/// `_` and `:` only (a promotion id is `39NFJQT1Q5KL:0001`), so it cannot change the path.
///
/// ```
/// use partner_center_carts::validate;
///
/// assert!(validate::catalog_id("product", "CFQ7TTC0LH0Z").is_ok());
/// assert!(validate::catalog_id("promotion", "39NFJQT1Q5KL:0001").is_ok());
/// assert!(validate::catalog_id("SKU", "../0001").is_err());
/// ```
///
/// # Errors
///
/// When `id` is empty, too long, or has another character.
pub fn catalog_id(what: &str, id: &str) -> Result<String, InvalidInput> {
    let refused = |why: &str| Err(InvalidInput::new(format!("{what} id {id:?} {why}")));
    if id.is_empty() {
        refused("is empty")
    } else if id.len() > 64 {
        refused("is longer than 64 characters")
    } else if id
        .split(':')
        .any(|part| crate::catalog::segment_problem(part).is_some())
    {
        refused("is not a catalog id (letters, digits, `-`, `_` and `:`)")
    } else {
        Ok(id.to_string())
    }
}

/// A country, as the catalog takes it: a two-letter ISO 3166 code (`US`, `nl`).
///
/// # Errors
///
/// When `country` is not two ASCII letters.
pub fn country(country: &str) -> Result<String, InvalidInput> {
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(country.to_string())
    } else {
        Err(InvalidInput::new(format!(
            "country {country:?} is not a two-letter ISO code (such as US)"
        )))
    }
}

/// A base URL the client may send a token to: https, or http to a loopback address; no query,
/// fragment, user name or password.
///
/// # Errors
///
/// When it is not a URL, or is one the client refuses; the reason says which.
pub fn base_url(url: &str) -> Result<(), Config> {
    match crate::tls::check_secure("base URL", url) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            ErrorKind::Config(c) => c.clone(),
            _ => Config::new(e.to_string()),
        }),
    }
}

/// Checks a cart about to be created or updated as the client does before sending it: at least
/// one line item, each with a `catalogItemId` and a quantity of at least 1.
///
/// ```
/// use partner_center_carts::types::Cart;
///
/// let error = partner_center_carts::validate::cart(&Cart::default()).unwrap_err();
/// assert_eq!(error.reason(), "the cart has no line items");
/// ```
///
/// # Errors
///
/// What is wrong, and where (`line item 1 has quantity 0, which is below 1`).
pub fn cart(cart: &Cart) -> Result<(), InvalidInput> {
    if cart.line_items.is_empty() {
        return Err(InvalidInput::new("the cart has no line items"));
    }
    cart.line_items
        .iter()
        .enumerate()
        .try_for_each(|(i, item)| line_item(&|| format!("line item {i}"), item))
        .map_err(InvalidInput::new)
}

/// Checks a line item; `at` names it, written only for an error (every cart is checked before
/// it is sent).
fn line_item(at: &dyn Fn() -> String, item: &CartLineItem) -> Result<(), String> {
    if item.catalog_item_id.trim().is_empty() {
        return Err(format!("{} has no catalogItemId", at()));
    }
    if item.quantity < 1 {
        return Err(format!(
            "{} has quantity {}, which is below 1",
            at(),
            item.quantity
        ));
    }
    item.addon_items
        .iter()
        .flatten()
        .enumerate()
        .try_for_each(|(j, addon)| line_item(&|| format!("{}, add-on {j}", at()), addon))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(catalog: &str, quantity: i32) -> CartLineItem {
        CartLineItem {
            catalog_item_id: catalog.into(),
            quantity,
            billing_cycle: "monthly".into(),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_guids_in_any_case_and_sends_them_canonical() {
        let canonical = "65faf57b-0205-47ee-92b3-08dcf233ea73";
        assert_eq!(
            guid("cart", "65FAF57B-0205-47EE-92B3-08DCF233EA73").unwrap(),
            canonical
        );
        assert_eq!(
            guid("cart", "{65faf57b-0205-47ee-92b3-08dcf233ea73}").unwrap(),
            canonical
        );
    }

    #[test]
    fn refuses_anything_that_could_change_the_path() {
        for bad in [
            "../../admin",
            "",
            "65faf57b/../x",
            "65faf57b-0205-47ee-92b3-08dcf233ea73?x=1",
        ] {
            let err = guid("customer", bad).unwrap_err();
            assert!(err.reason().contains("is not a GUID"), "{err}");
        }
    }

    #[test]
    fn refuses_bad_line_items_and_names_them() {
        let ok = Cart {
            line_items: vec![item("A:1:B", 1)],
            ..Default::default()
        };
        assert!(cart(&ok).is_ok());

        let empty = Cart::default();
        assert_eq!(
            cart(&empty).unwrap_err().reason(),
            "the cart has no line items"
        );

        let zero = Cart {
            line_items: vec![item("A:1:B", 1), item("A:1:B", 0)],
            ..Default::default()
        };
        assert_eq!(
            cart(&zero).unwrap_err().reason(),
            "line item 1 has quantity 0, which is below 1"
        );

        let blank = Cart {
            line_items: vec![item(" ", 1)],
            ..Default::default()
        };
        assert_eq!(
            cart(&blank).unwrap_err().reason(),
            "line item 0 has no catalogItemId"
        );

        let mut parent = item("A:1:B", 1);
        parent.addon_items = Some(vec![item("C:1:D", -2)]);
        let addon = Cart {
            line_items: vec![parent],
            ..Default::default()
        };
        assert_eq!(
            cart(&addon).unwrap_err().reason(),
            "line item 0, add-on 0 has quantity -2, which is below 1"
        );
    }
}
