//! The body of a generated operation builder, as set: `body(cart)` keeps the value itself, and
//! only `body_map` goes through the schema's builder (`types::builder::Cart`). progenitor's own
//! code turns every body into its builder and back (a copy, field by field, and a builder made
//! and dropped for nothing), which cost each write more than a thousand instructions.
//! `build.rs` puts this type in the generated builders; what they do is unchanged.

/// A body not set yet, set as a value, or being built with `body_map`.
#[derive(Clone, Debug)]
pub(crate) enum Body<T, B> {
    /// Not set: the schema's builder with nothing in it, as progenitor starts.
    Unset,
    /// Set with `body(value)`.
    Value(T),
    /// Changed with `body_map`. (Boxed: the schema's builder is larger than the value, and
    /// the operation builder holding this is moved by every setter.)
    Built(Box<B>),
}

impl<T, B> Body<T, B>
where
    B: Default + From<T>,
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    /// The builder `body_map` works on.
    pub(crate) fn into_builder(self) -> B {
        match self {
            Body::Unset => B::default(),
            Body::Value(value) => B::from(value),
            Body::Built(builder) => *builder,
        }
    }

    /// The body to send, or why there is none (a required property not set).
    pub(crate) fn into_value(self) -> Result<T, String> {
        match self {
            Body::Value(value) => Ok(value),
            Body::Unset => T::try_from(B::default()).map_err(|e| e.to_string()),
            Body::Built(builder) => T::try_from(*builder).map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Cart, CartLineItem, builder};

    type CartBody = Body<Cart, builder::Cart>;

    fn line() -> CartLineItem {
        CartLineItem {
            catalog_item_id: "A:1:B".into(),
            quantity: 1,
            billing_cycle: "monthly".into(),
            ..Default::default()
        }
    }

    #[test]
    fn as_progenitor_a_value_is_sent_as_set_and_a_built_one_as_built() {
        let cart = Cart {
            line_items: vec![line()],
            ..Default::default()
        };
        assert_eq!(CartBody::Value(cart.clone()).into_value(), Ok(cart.clone()));

        // `body_map` from nothing (the builder wants every property without a default,
        // `extra` included), and on a value.
        let built = CartBody::Unset
            .into_builder()
            .line_items(vec![line()])
            .extra(serde_json::Map::new());
        assert_eq!(
            CartBody::Built(Box::new(built)).into_value(),
            Ok(cart.clone())
        );
        let renamed = CartBody::Value(cart.clone())
            .into_builder()
            .status(Some("Active".to_string()));
        let sent = CartBody::Built(Box::new(renamed)).into_value().unwrap();
        assert_eq!(sent.status.as_deref(), Some("Active"));
        assert_eq!(sent.line_items, cart.line_items);
    }

    #[test]
    fn a_body_never_set_is_refused_as_progenitor_refuses_it() {
        let reason = CartBody::Unset.into_value().unwrap_err();
        let progenitor = Cart::try_from(builder::Cart::default()).unwrap_err();
        assert_eq!(reason, progenitor.to_string());
    }
}
