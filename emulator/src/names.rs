//! The service reads property names without regard to case (the .NET SDK sends `LineItems`).
//! Before a request body is decoded, its names are matched to the schema's, case-insensitively,
//! following the schema `schemars` derives from the crate's own types, so the keys of a map
//! (`provisioningContext`'s `SubscriptionId`) are left as they are.

use serde_json::{Map, Value};

/// Renames `value`'s properties to the names `schema` gives them.
pub(crate) fn match_case(value: &mut Value, schema: &Value) {
    walk(value, schema, schema);
}

fn walk(value: &mut Value, schema: &Value, root: &Value) {
    let schema = resolve(schema, root);
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(value, branch, root);
        }
    }
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                rename(map, properties);
                for (name, sub) in map.iter_mut() {
                    if let Some(sub_schema) = properties.get(name) {
                        walk(sub, sub_schema, root);
                    }
                }
            } else if let Some(values) = schema.get("additionalProperties") {
                map.values_mut().for_each(|v| walk(v, values, root));
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                items.iter_mut().for_each(|v| walk(v, item, root));
            }
        }
        _ => {}
    }
}

/// Renames the keys that match a property only when case is ignored.
fn rename(map: &mut Map<String, Value>, properties: &Map<String, Value>) {
    let renames: Vec<(String, String)> = map
        .keys()
        .filter(|k| !properties.contains_key(*k))
        .filter_map(|k| {
            properties
                .keys()
                .find(|p| p.eq_ignore_ascii_case(k))
                .map(|p| (k.clone(), p.clone()))
        })
        .collect();
    for (from, to) in renames {
        if !map.contains_key(&to)
            && let Some(v) = map.remove(&from)
        {
            map.insert(to, v);
        }
    }
}

/// Follows a `#/$defs/...` reference.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
            .map_or(schema, |target| resolve(target, root)),
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_center_carts::types::Cart;

    #[test]
    fn pascal_case_names_become_the_schemas_and_map_keys_stay() {
        let schema =
            serde_json::to_value(partner_center_carts::schemars::schema_for!(Cart)).unwrap();
        let mut seed = serde_json::json!({
            "Id": "b4c8fdea-cbe4-4d17-9576-13fcacbf9605",
            "LineItems": [{
                "Id": 0,
                "CatalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSJB",
                "Quantity": 2,
                "BillingCycle": "one_time",
                "ProvisioningContext": {"SubscriptionId": "3D5E", "Scope": "shared"},
                "Participants": [{"Key": "transaction_reseller", "Value": "1"}],
                "SomethingNew": true
            }]
        });
        match_case(&mut seed, &schema);
        let cart: Cart = serde_json::from_value(seed).unwrap();
        let item = &cart.line_items[0];
        assert_eq!(item.quantity, 2);
        assert_eq!(item.catalog_item_id, "DG7GMGF0DWTL:0001:DG7GMGF0DSJB");
        let context = item.provisioning_context.as_ref().unwrap();
        assert_eq!(context["SubscriptionId"], "3D5E");
        assert_eq!(context["Scope"], "shared");
        assert_eq!(
            item.participants.as_ref().unwrap()[0].value.as_deref(),
            Some("1")
        );
        assert_eq!(item.extra["SomethingNew"], true);
    }
}
