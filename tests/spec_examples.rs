//! Every example in the spec decodes into its generated type and encodes back to the same JSON,
//! and satisfies the JSON Schema derived for that type. The test follows the spec: an operation
//! or schema added to it is checked with no change here (its types come from
//! `types::by_name`, generated from the spec).

mod support;

use partner_center_carts::types::{Cart, by_name};
use serde_json::Value;
use support::{example, spec};

/// An example of the spec, where it was found, and the schema it is an example of.
struct Example {
    at: String,
    schema: String,
    value: Value,
}

/// Follows a local `$ref` (`#/components/...`) if `node` is one.
fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                spec,
                spec.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => node,
    }
}

/// The examples of one `content` map.
fn examples_in(spec: &Value, content: &Value, at: &str, out: &mut Vec<Example>) {
    let Some(json) = content.get("application/json") else {
        return;
    };
    let schema = resolve_name(json.get("schema").expect("a schema for every body"));
    for (name, example) in json
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.push(Example {
            at: format!("{at} example {name}"),
            schema: schema.clone(),
            value: resolve(spec, example)["value"].clone(),
        });
    }
}

fn resolve_name(schema: &Value) -> String {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .expect("bodies name their schema with a $ref")
        .to_string()
}

/// Every request and response example of every operation.
fn all_examples() -> (Vec<Example>, Vec<String>) {
    let spec = spec();
    let mut examples = Vec::new();
    let mut operations = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            operations.push(id.to_string());
            if let Some(body) = op.get("requestBody") {
                examples_in(
                    &spec,
                    &resolve(&spec, body)["content"],
                    &format!("{id} request"),
                    &mut examples,
                );
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(&spec, response);
                examples_in(
                    &spec,
                    &response["content"],
                    &format!("{id} {status}"),
                    &mut examples,
                );
            }
        }
    }
    (examples, operations)
}

#[test]
fn every_example_round_trips_through_its_generated_type() {
    let (examples, operations) = all_examples();
    for example in &examples {
        let encoded = by_name::round_trip(&example.schema, example.value.clone())
            .unwrap_or_else(|| panic!("{}: no generated type for {}", example.at, example.schema))
            .unwrap_or_else(|e| {
                panic!("{} does not decode as {}: {e}", example.at, example.schema)
            });
        assert_eq!(
            encoded, example.value,
            "{} changed in a round trip",
            example.at
        );
    }

    // Each operation has an example of its success answer.
    for id in &operations {
        assert!(
            examples
                .iter()
                .any(|e| e.at.starts_with(&format!("{id} 2")) && e.schema != "PartnerCenterError"),
            "{id} has no example of its success answer"
        );
    }
    // Every body schema of the spec is one `by_name` knows.
    for example in &examples {
        assert!(by_name::NAMES.contains(&example.schema.as_str()));
    }
    assert!(
        examples.len() >= operations.len() * 2,
        "only {} examples found",
        examples.len()
    );
}

#[test]
fn the_seed_request_with_dotnet_style_names_and_dates_decodes() {
    // The "Update a cart" page's request, as the .NET SDK sends it: PascalCase names are kept
    // as unknown fields (the service reads names without regard to case), and the SDK's
    // zone-less "no date" is kept as text.
    let seed = serde_json::json!({
        "Id": "b4c8fdea-cbe4-4d17-9576-13fcacbf9605",
        "ExpirationTimestamp": "0001-01-01T00:00:00",
        "lineItems": [{
            "id": 0,
            "catalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSJB",
            "quantity": 2,
            "billingCycle": "one_time",
            "expirationTimestamp": "0001-01-01T00:00:00"
        }]
    });
    let cart: Cart = serde_json::from_value(seed.clone()).unwrap();
    assert_eq!(cart.extra["ExpirationTimestamp"], "0001-01-01T00:00:00");
    assert_eq!(serde_json::to_value(&cart).unwrap(), seed);
}

/// The JSON Schema `schemars` derives from the generated type of a schema, as a validator.
fn validator(schema: &str) -> jsonschema::Validator {
    let derived = by_name::json_schema(schema).unwrap_or_else(|| panic!("no type for {schema}"));
    let derived = serde_json::to_value(derived).unwrap();
    jsonschema::validator_for(&derived).expect("schemars derives a valid JSON Schema")
}

#[test]
fn the_derived_json_schemas_accept_every_example_and_refuse_a_broken_cart() {
    let (examples, _) = all_examples();
    let mut carts = 0;
    for example in &examples {
        if example.schema == "Cart" {
            carts += 1;
        }
        let problems: Vec<String> = validator(&example.schema)
            .iter_errors(&example.value)
            .map(|e| e.to_string())
            .collect();
        assert!(
            problems.is_empty(),
            "{} breaks the {} schema: {problems:?}",
            example.at,
            example.schema
        );
    }
    assert!(carts >= 5, "only {carts} cart examples");
    let cart = validator("Cart");

    let mut broken = spec()["components"]["examples"]["ActiveCart"]["value"].clone();
    broken.as_object_mut().unwrap().remove("lineItems");
    assert!(
        !cart.is_valid(&broken),
        "a cart without lineItems is refused"
    );
    broken["lineItems"] =
        serde_json::json!([{"catalogItemId": "A", "quantity": "two", "billingCycle": "monthly"}]);
    assert!(
        !cart.is_valid(&broken),
        "a quantity that is not a number is refused"
    );
}

/// The spec's own schemas as one JSON Schema document (draft 4, which OpenAPI 3.0's schemas
/// extend): `nullable` becomes a `null` in `type`, and `x-json-types` the types it names. The
/// `$ref`s stay, and resolve inside the document, which holds `components`.
fn own_schema(name: &str) -> jsonschema::Validator {
    fn convert(node: &mut Value) {
        match node {
            Value::Object(map) => {
                if let Some(types) = map.remove("x-json-types") {
                    map.insert("type".into(), types);
                }
                if map.remove("nullable") == Some(Value::Bool(true))
                    && let Some(Value::String(t)) = map.get("type").cloned()
                {
                    map.insert("type".into(), serde_json::json!([t, "null"]));
                }
                map.values_mut().for_each(convert);
            }
            Value::Array(list) => list.iter_mut().for_each(convert),
            _ => {}
        }
    }
    let mut components = spec()["components"].clone();
    convert(&mut components["schemas"]);
    let document = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": { "schemas": components["schemas"] },
    });
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&document)
        .expect("the spec's schemas make a valid JSON Schema")
}

#[test]
fn every_example_is_valid_against_the_specs_own_schemas() {
    // The docs' examples, repaired, the seed's included (its zone-less .NET date and its
    // PascalCase provisioning context keys).
    let (examples, _) = all_examples();
    // One validator per schema, not one per example: each reads and converts the whole spec.
    let mut validators = std::collections::HashMap::new();
    for example in &examples {
        let validator = validators
            .entry(example.schema.as_str())
            .or_insert_with(|| own_schema(&example.schema));
        let problems: Vec<String> = validator
            .iter_errors(&example.value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "{} breaks the spec's {} schema: {problems:?}",
            example.at,
            example.schema
        );
    }
    let seed = examples
        .iter()
        .find(|e| e.at == "updateCart request example seed")
        .expect("the seed's request is an example");
    assert_eq!(seed.value["expirationTimestamp"], "0001-01-01T00:00:00");

    // The schemas refuse what they should: a date that is not one, a code that is neither a
    // number nor a string, a quantity that is not a number.
    let cart = &validators["Cart"];
    let mut broken = example("ActiveCart");
    broken["creationTimestamp"] = "15 March 2018".into();
    assert!(!cart.is_valid(&broken));
    let mut broken = example("ActiveCart");
    broken["lineItems"][1]["error"]["errorCode"] = serde_json::json!({"code": 1});
    assert!(!cart.is_valid(&broken));
    let mut broken = example("ActiveCart");
    broken["lineItems"][0]["quantity"] = "one".into();
    assert!(!cart.is_valid(&broken));
    // ... and accept what the service sends: a zero quantity in an answer.
    let mut zero = example("ActiveCart");
    zero["lineItems"][0]["quantity"] = 0.into();
    assert!(cart.is_valid(&zero));
}

/// The properties of `value` that `schema` (of the spec, `$ref`s followed) does not declare,
/// at any depth, as JSON pointers.
fn undeclared(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    match value {
        Value::Object(object) => {
            let declared = schema.get("properties").and_then(Value::as_object);
            for (key, item) in object {
                let path = format!("{at}/{key}");
                match declared {
                    Some(declared) if !declared.is_empty() => match declared.get(key) {
                        Some(property) => undeclared(spec, property, item, &path, out),
                        None => out.push(path),
                    },
                    // A map (its keys are data), or a value of any shape.
                    _ => {
                        if let Some(values) =
                            schema.get("additionalProperties").filter(|s| s.is_object())
                        {
                            undeclared(spec, values, item, &path, out);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    undeclared(spec, item_schema, item, &format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn no_example_carries_a_property_its_schema_does_not_declare() {
    // Every object accepts unknown properties (`additionalProperties: {}`), so an example with
    // a misspelt or renamed property would pass every other check, its value kept in `extra`.
    let spec = spec();
    let (examples, _) = all_examples();
    for example in &examples {
        let schema =
            serde_json::json!({ "$ref": format!("#/components/schemas/{}", example.schema) });
        let mut found = Vec::new();
        undeclared(&spec, &schema, &example.value, "", &mut found);
        assert!(
            found.is_empty(),
            "{} carries properties the {} schema does not declare: {found:?}",
            example.at,
            example.schema
        );
    }

    // The check finds one: the seed's response with a property renamed.
    let mut renamed = example("UpdatedCart");
    let name = renamed["lineItems"][0]
        .as_object_mut()
        .unwrap()
        .remove("friendlyName")
        .unwrap();
    renamed["lineItems"][0]["displayName"] = name;
    let mut found = Vec::new();
    let cart = serde_json::json!({ "$ref": "#/components/schemas/Cart" });
    undeclared(&spec, &cart, &renamed, "", &mut found);
    assert_eq!(found, ["/lineItems/0/displayName"]);
}
