//! What the operations' handlers share: a write's outcome, a request body decoded, and the
//! time an order takes to be provisioned.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use partner_center_carts::schemars::{JsonSchema, schema_for};

use super::names::match_case;
use super::reply::{Reply, invalid};
use super::service::Service;
use super::store::Change;

/// A write's outcome: what changes, and the answer.
pub(crate) type Done = Result<(Change, Reply), Reply>;

/// Whether an order placed at `placed` has been provisioned by now.
pub(crate) fn provisioned_by(service: &Service, placed: chrono::DateTime<chrono::Utc>) -> bool {
    service.now() - placed >= span(service.settings.provisioning_delay)
}

/// A request's body: JSON (a leading byte-order mark allowed), names matched to `T`'s schema
/// without regard to case, then `T`, which `what` names in a refusal.
pub(crate) fn decode<T>(body: &[u8], what: &str) -> Result<T, Reply>
where
    T: serde::de::DeserializeOwned + JsonSchema + 'static,
{
    serde_json::from_value(decode_value::<T>(body)?)
        .map_err(|e| invalid(&format!("The body is not {what}: {e}.")))
}

/// A request's body as JSON (a leading byte-order mark allowed), names matched to `T`'s schema
/// without regard to case: for an operation that needs to see what was sent, not only what
/// its type reads.
pub(crate) fn decode_value<T: JsonSchema + 'static>(
    body: &[u8],
) -> Result<serde_json::Value, Reply> {
    let mut value: serde_json::Value = partner_center_carts::json::from_slice(body)
        .map_err(|e| invalid(&format!("The body is not JSON: {e}.")))?;
    match_case(&mut value, schema::<T>());
    Ok(value)
}

/// A request's body read as [`decode`] does, refused when one of `not_null` (property names, at
/// any depth) is `null`: the generated types read a null as absent, where the spec's schema
/// allows none.
pub(crate) fn decode_strict<T>(body: &[u8], what: &str, not_null: &[&str]) -> Result<T, Reply>
where
    T: serde::de::DeserializeOwned + JsonSchema + 'static,
{
    fn find<'a>(value: &serde_json::Value, not_null: &[&'a str]) -> Option<&'a str> {
        match value {
            serde_json::Value::Object(fields) => fields.iter().find_map(|(key, value)| {
                let named = not_null.iter().find(|n| **n == key.as_str());
                match (named, value.is_null()) {
                    (Some(name), true) => Some(*name),
                    _ => find(value, not_null),
                }
            }),
            serde_json::Value::Array(items) => items.iter().find_map(|v| find(v, not_null)),
            _ => None,
        }
    }
    let value = decode_value::<T>(body)?;
    if let Some(name) = find(&value, not_null) {
        return Err(invalid(&format!("The body is not {what}: {name} is null.")));
    }
    serde_json::from_value(value).map_err(|e| invalid(&format!("The body is not {what}: {e}.")))
}

/// `T`'s JSON Schema, made once per type (a handful of them, kept for the process's life):
/// deriving one costs more than the request it serves.
fn schema<T: JsonSchema + 'static>() -> &'static serde_json::Value {
    static SCHEMAS: LazyLock<Mutex<HashMap<TypeId, &'static serde_json::Value>>> =
        LazyLock::new(Mutex::default);
    let mut schemas = SCHEMAS.lock().unwrap_or_else(PoisonError::into_inner);
    schemas.entry(TypeId::of::<T>()).or_insert_with(|| {
        let schema = serde_json::to_value(schema_for!(T)).unwrap_or_default();
        Box::leak(Box::new(schema))
    })
}

/// A duration on the emulator's dates; one too long for them is as long as they hold.
pub(crate) fn span(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
