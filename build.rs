//! Generates the typed client from `openapi/partner-center-carts.yaml` with progenitor.
//!
//! The output is split in two files in `OUT_DIR`: `types.rs` (the schemas, always built, no HTTP
//! stack) and `client.rs` (the operations, only with the `client` feature), plus `mock.rs` (typed
//! httpmock helpers) with the `mock` feature. Nothing generated is ever edited by hand: a change of
//! behaviour is a change of the spec, of the settings below, or of the wrapper in `src/`.
//!
//! A downstream crate with its own copy of the spec (say, with an operation added) points
//! `PARTNER_CENTER_CARTS_SPEC` at it, in its `.cargo/config.toml`, and this crate is generated
//! from that copy instead; every operation in it runs through the wrapper's pipeline.
//!
//! The rewrites in `build/` change code no generator setting reaches. Generated code of a shape
//! they do not know (a progenitor release after the one they were written for) is left as
//! generated, with a `cargo:warning`, so that a user's build never breaks for it; with
//! `PARTNER_CENTER_CARTS_STRICT_BUILD=1` (CI) it stops the build instead.

#[path = "build/known_values.rs"]
mod known_values;
#[path = "build/lean.rs"]
mod lean;
#[path = "build/mocks.rs"]
mod mocks;
#[path = "build/names.rs"]
mod names;
#[path = "build/shape.rs"]
mod shape;

use std::path::{Path, PathBuf};
use std::process::exit;

use openapiv3::OpenAPI;
use progenitor::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl, TypePatch,
};
use quote::quote;
use schemars08::schema::{InstanceType, SchemaObject, StringValidation};

const SPEC: &str = "openapi/partner-center-carts.yaml";

/// Where a downstream crate's own copy of the spec is named.
const SPEC_VARIABLE: &str = "PARTNER_CENTER_CARTS_SPEC";

/// Set (to anything but empty) where a rewrite that does not apply must stop the build: CI.
const STRICT_VARIABLE: &str = "PARTNER_CENTER_CARTS_STRICT_BUILD";

fn main() {
    println!("cargo:rerun-if-env-changed={SPEC_VARIABLE}");
    println!("cargo:rerun-if-env-changed={STRICT_VARIABLE}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    let spec_path = spec_path();
    println!("cargo:rerun-if-changed={}", spec_path.display());

    let mut spec = load_spec(&spec_path);
    check_collections_keep_empty(&spec);
    number_or_string(&mut spec);
    let known = known_values::generate(&spec).unwrap_or_else(|e| fail(&e));
    let mut generator = Generator::new(&settings(&spec));

    let tokens = generate("the client", || generator.generate_tokens(&spec));
    let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| {
        fail(&format!(
            "progenitor produced code that does not parse: {e}"
        ))
    });

    let (types, client): (Vec<syn::Item>, Vec<syn::Item>) = file
        .items
        .into_iter()
        .partition(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"));
    let types = match types.into_iter().next() {
        Some(syn::Item::Mod(syn::ItemMod {
            content: Some((_, items)),
            ..
        })) => items,
        _ => fail("progenitor produced no `types` module"),
    };

    let mut types = types;
    types.push(schemas_by_name(&spec));
    types.extend(known);
    types.push(timestamp_pattern(&spec));
    let mut client = client;
    left_as_generated(lean::requests(&mut client));
    client.extend(names::operations(&spec).unwrap_or_else(|e| fail(&e)));

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    write(&out.join("types.rs"), types);
    if feature("CLIENT") {
        write(&out.join("client.rs"), client);
    }
    if feature("MOCK") {
        let mock = generate("the typed mocks", || {
            generator.httpmock(&spec, "crate::generated")
        });
        let mut mock: syn::File = syn::parse2(mock)
            .unwrap_or_else(|e| fail(&format!("the typed mocks do not parse: {e}")));
        left_as_generated(mocks::ids_as_str(&mut mock.items));
        write(&out.join("mock.rs"), mock.items);
    }
}

/// Runs a progenitor step. progenitor reports most problems as errors but panics on a few (two
/// error types for one operation, an unknown schema type); both become one message that names
/// the spec, without a backtrace.
fn generate<T>(what: &str, step: impl FnOnce() -> Result<T, progenitor::Error>) -> T {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    std::panic::set_hook(quiet);
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => fail(&format!("cannot be turned into {what}: {e}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            fail(&format!(
                "cannot be turned into {what}: progenitor stopped with: {message}"
            ))
        }
    }
}

/// The generator settings: everything about the generated code that is not in the spec.
fn settings(spec: &OpenAPI) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    // `Default` on every object and open-value schema, so a new cart is
    // `Cart { line_items, ..Default::default() }` and a field added to the spec breaks no caller.
    let mut default = TypePatch::default();
    default.with_derive("Default");
    for name in spec.components.iter().flat_map(|c| c.schemas.keys()) {
        if has_default(spec, name) {
            settings.with_patch(name, &default);
        }
    }
    settings
        // Builders (`client.get_cart().customer_id(..).cart_id(..).send()`): an optional
        // parameter added to the spec breaks no caller.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Every operation runs through the wrapper's pipeline, in the `exec` hook, with the
        // client's configuration and, for a call of the front door, how that one operation is
        // sent (crate::hooks::Context).
        .with_inner_type(quote!(crate::hooks::Context))
        .with_hooks(HooksMode::Expected)
        // Deterministic key order: the same cart always encodes to the same bytes.
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq")
        .with_derive("::schemars::JsonSchema")
        // Dates (the spec's `Timestamp`) stay the text the service sent (seven fractional
        // digits, `+00:00`, or the .NET SDK's zone-less `0001-01-01T00:00:00`), so a
        // get-modify-put sends back what it read.
        .with_replacement(
            "Timestamp",
            "crate::Timestamp",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        // GUIDs stay text too: the service sends both upper and lower case.
        .with_conversion(
            string_with_format("uuid"),
            "::std::string::String",
            [TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default].into_iter(),
        )
        // `catalogItemId` documents `minLength: 1`, which would make it a newtype.
        .with_conversion(
            string_with_min_length(1),
            "::std::string::String",
            [TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default].into_iter(),
        );
    settings
}

/// Whether a component schema is a struct or a newtype (a `oneOf` becomes an enum, which has no
/// obvious default).
fn has_default(spec: &OpenAPI, name: &str) -> bool {
    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(|s| s.as_item());
    matches!(
        schema.map(|s| &s.schema_kind),
        Some(openapiv3::SchemaKind::Type(_))
    )
}

fn string_with_format(format: &str) -> SchemaObject {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some(format.to_string()),
        ..Default::default()
    }
}

fn string_with_min_length(min_length: u32) -> SchemaObject {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        string: Some(Box::new(StringValidation {
            min_length: Some(min_length),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// The spec: `PARTNER_CENTER_CARTS_SPEC` when set (relative to the current directory, which
/// `.cargo/config.toml`'s `[env]` with `relative = true` makes absolute), this crate's own
/// otherwise.
fn spec_path() -> PathBuf {
    match std::env::var_os(SPEC_VARIABLE) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(SPEC),
    }
}

/// `types::by_name`: every component schema by its name, for code that holds JSON and the name
/// of its schema (the tests of the spec's examples, tools that check stored payloads).
fn schemas_by_name(spec: &OpenAPI) -> syn::Item {
    let names: Vec<&String> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .filter(|name| is_type_name(name))
        .collect();
    let types: Vec<syn::Ident> = names
        .iter()
        .map(|name| quote::format_ident!("{}", name))
        .collect();
    syn::parse_quote! {
        /// The spec's component schemas by name, for code that holds JSON and the name of its
        /// schema.
        pub mod by_name {
            /// The names of the spec's component schemas.
            pub const NAMES: &[&str] = &[#(#names),*];

            /// Decodes `value` as the schema `name` and encodes it back, as a client reading and
            /// writing it would; `None` for a name the spec does not have.
            pub fn round_trip(
                name: &str,
                value: ::serde_json::Value,
            ) -> Option<Result<::serde_json::Value, ::serde_json::Error>> {
                match name {
                    #(#names => Some(
                        ::serde_json::from_value::<super::#types>(value)
                            .and_then(|decoded| ::serde_json::to_value(decoded)),
                    ),)*
                    _ => None,
                }
            }

            /// The JSON Schema derived for the schema `name`; `None` for a name the spec does
            /// not have.
            pub fn json_schema(name: &str) -> Option<::schemars::Schema> {
                match name {
                    #(#names => Some(::schemars::schema_for!(super::#types)),)*
                    _ => None,
                }
            }
        }
    }
}

/// Whether a schema name is a type name as it stands (PascalCase, as the spec writes them);
/// progenitor would rename others, and they are left out of `by_name`.
fn is_type_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn load_spec(path: &Path) -> OpenAPI {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot be read: {e}")));
    let spec: OpenAPI = serde_norway::from_str(&text)
        .unwrap_or_else(|e| fail(&format!("is not a valid OpenAPI 3.0 document: {e}")));
    if !spec.openapi.starts_with("3.0.") {
        fail(&format!(
            "declares `openapi: {}`; progenitor reads only OpenAPI 3.0.x",
            spec.openapi
        ));
    }
    spec
}

/// Refuses an optional array or map that is not `nullable`, in any object schema, nested inline
/// objects and array items included.
///
/// typify makes such a property a plain `Vec` or map that is skipped when empty, so an `[]` or
/// `{}` the service sent would vanish from a cart read and written back. `nullable: true` makes
/// it an `Option`, which keeps empty and absent apart (and accepts a `null`). (A property that
/// refers to a named array or map schema is safe: typify makes it an `Option` of a newtype.)
fn check_collections_keep_empty(spec: &OpenAPI) {
    for (name, schema) in spec.components.iter().flat_map(|c| c.schemas.iter()) {
        if let Some(schema) = schema.as_item() {
            check_schema(name, schema);
        }
    }
}

fn check_schema(at: &str, schema: &openapiv3::Schema) {
    use openapiv3::{ReferenceOr, SchemaKind, Type};

    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (property, value) in &object.properties {
                let ReferenceOr::Item(value) = value else {
                    continue;
                };
                let at = format!("{at}.{property}");
                let collection = match &value.schema_kind {
                    SchemaKind::Type(Type::Array(_)) => Some("an array"),
                    SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => Some("a map"),
                    _ => None,
                };
                if let Some(collection) = collection
                    && !object.required.contains(property)
                    && !value.schema_data.nullable
                {
                    fail(&format!(
                        "has {at}, an optional property that is {collection} without \
                         `nullable: true`: an empty value would be dropped when it is written \
                         back; add `nullable: true`"
                    ));
                }
                check_schema(&at, value);
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(items)) = &array.items {
                check_schema(&format!("{at}[]"), items);
            }
        }
        _ => {}
    }
}

/// `Timestamp::PATTERN`, the spec's `Timestamp` pattern, which the crate's `Timestamp` reports
/// as its JSON Schema.
fn timestamp_pattern(spec: &OpenAPI) -> syn::Item {
    use openapiv3::{ReferenceOr, SchemaKind, Type};

    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get("Timestamp"));
    let pattern = match schema {
        Some(ReferenceOr::Item(schema)) => match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => string.pattern.clone(),
            _ => None,
        },
        _ => None,
    };
    let Some(pattern) = pattern else {
        fail("has no `Timestamp` schema (a string with a `pattern`), which dates refer to")
    };
    syn::parse_quote! {
        impl crate::Timestamp {
            /// The pattern of the spec's `Timestamp` schema: RFC 3339, or without a zone.
            pub const PATTERN: &'static str = #pattern;
        }
    }
}

/// A schema with `x-json-types: [integer, string]` has no `type` in the spec, so that every
/// generator reads it (C#'s and Go's refuse a `oneOf` of an integer and a string); here it
/// becomes that `oneOf`, which typify makes an enum of an `i64` and a `String`.
fn number_or_string(spec: &mut OpenAPI) {
    use openapiv3::{
        IntegerFormat, IntegerType, ReferenceOr, Schema, SchemaKind, StringType, Type,
        VariantOrUnknownOrEmpty,
    };

    let Some(components) = spec.components.as_mut() else {
        return;
    };
    for (name, schema) in components.schemas.iter_mut() {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let Some(types) = schema.schema_data.extensions.get("x-json-types") else {
            continue;
        };
        if types != &serde_json::json!(["integer", "string"]) {
            fail(&format!(
                "has {name} with `x-json-types: {types}`; only `[integer, string]` is known"
            ));
        }
        if !matches!(schema.schema_kind, SchemaKind::Any(ref any) if any.typ.is_none()) {
            fail(&format!(
                "has {name} with `x-json-types` and a `type`; leave the `type` out"
            ));
        }
        let variant = |kind| {
            ReferenceOr::Item(Schema {
                schema_data: Default::default(),
                schema_kind: SchemaKind::Type(kind),
            })
        };
        schema.schema_kind = SchemaKind::OneOf {
            one_of: vec![
                variant(Type::Integer(IntegerType {
                    format: VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64),
                    ..Default::default()
                })),
                variant(Type::String(StringType::default())),
            ],
        };
    }
}

fn feature(name: &str) -> bool {
    std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some()
}

fn write(path: &Path, items: Vec<syn::Item>) {
    let mut file: syn::File = syn::parse_quote! {};
    file.items = items;
    let text = format!(
        "// @generated by build.rs from {SPEC}; do not edit.\n\n{}",
        prettyplease::unparse(&file)
    );
    // Rewrite only on change, so an unrelated rebuild does not recompile the crate.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| fail(&format!("generated code cannot be written: {e}")));
    }
}

/// Says which generated code the rewrites left as generated: a warning, or, where the build is
/// strict, an error that stops it.
fn left_as_generated(left: Vec<shape::Unrecognised>) {
    let strict = std::env::var_os(STRICT_VARIABLE).is_some_and(|v| !v.is_empty());
    for e in &left {
        match strict {
            true => eprintln!("error: {e}"),
            false => println!("cargo:warning={e}"),
        }
    }
    if strict && !left.is_empty() {
        exit(1)
    }
}

/// Stops the build with one line that names the spec and the problem.
fn fail(problem: &str) -> ! {
    eprintln!("error: {} {problem}", spec_path().display());
    exit(1)
}
