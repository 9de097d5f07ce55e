//! What the handlers read from a request: its path's ids (checked to be GUIDs where they must
//! be), its query (refused in the service's error shape when it cannot be read), and the
//! fingerprint that tells a repeat of a write from another request under the same id.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;

use super::reply::{Reply, invalid};
use super::store::{CartKey, OrderKey, SubscriptionKey};

/// What makes two requests the same request: the operation, the resource (cart, order or
/// subscription), the body. Stable across runs and builds, since answers kept on disk outlive
/// the process.
pub(crate) fn fingerprint(operation: &str, resource: &str, body: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in [
        operation.as_bytes(),
        b"\0",
        resource.as_bytes(),
        b"\0",
        body,
    ] {
        hasher.update(part);
    }
    hasher.digest()
}

/// The customer of the path, checked to be a GUID, in canonical form.
pub(crate) struct Customer(pub String);

/// The path's parameters, by name.
pub(crate) async fn path_ids(parts: &mut Parts) -> Result<HashMap<String, String>, Reply> {
    Path::<HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .map(|Path(ids)| ids)
        .map_err(|e| invalid(&e.body_text()))
}

/// A path id, checked to be a GUID, in canonical form.
pub(crate) fn guid(ids: &HashMap<String, String>, what: &str) -> Result<String, Reply> {
    let id = ids.get(what).map_or("", String::as_str);
    partner_center_carts::validate::guid(what, id)
        .map_err(|reason| invalid(&format!("The {reason}.")))
}

impl<S: Send + Sync> FromRequestParts<S> for Customer {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        let ids = path_ids(parts).await?;
        Ok(Self(guid(&ids, "customer")?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CartKey {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        let ids = path_ids(parts).await?;
        Ok(Self {
            customer: guid(&ids, "customer")?,
            cart: guid(&ids, "cart")?,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for OrderKey {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        let ids = path_ids(parts).await?;
        let order = ids.get("order").map_or("", String::as_str);
        Ok(Self {
            customer: guid(&ids, "customer")?,
            order: partner_center_carts::validate::order_id(order)
                .map_err(|reason| invalid(&format!("The {reason}.")))?,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SubscriptionKey {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        let ids = path_ids(parts).await?;
        Ok(Self {
            customer: guid(&ids, "customer")?,
            subscription: guid(&ids, "subscription")?,
        })
    }
}

/// A request's query, read as `T`; one that cannot be is refused in the service's error shape
/// (axum's own refusal is text).
pub(crate) struct Queried<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Queried<T> {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Reply> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => Ok(Self(query)),
            Err(rejection) => Err(invalid(&format!(
                "The query cannot be read: {}.",
                rejection.body_text()
            ))),
        }
    }
}

/// The path's parameters, by name, as sent (ids that need not be GUIDs: a product's, a
/// promotion's).
pub(crate) struct Ids(pub HashMap<String, String>);

impl Ids {
    /// The parameter `name` (empty when absent, which the routes never let happen).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        path_ids(parts).await.map(Self)
    }
}
