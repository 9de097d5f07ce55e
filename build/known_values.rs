//! The known values of the spec's open enumerations, as Rust constants.
//!
//! The spec lists them once, in `x-known-values` beside an open `string` or number (with
//! `x-enum-varnames` for names where the values are numbers, and `x-enum-descriptions`). A
//! named schema gets its constants on its own type (`BillingCycle::MONTHLY`) with `KNOWN`, the
//! whole list; a property of an object gets them on the object, prefixed with the property's
//! name (`Cart::STATUS_ORDERED`).

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use quote::{format_ident, quote};
use serde_json::Value;

/// One `impl` block per schema with known values, or what is wrong with the spec.
pub fn generate(spec: &OpenAPI) -> Result<Vec<syn::Item>, String> {
    let mut items = Vec::new();
    for (name, schema) in spec.components.iter().flat_map(|c| c.schemas.iter()) {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let mut consts = Vec::new();
        if let Some(known) = Known::read(name, schema)? {
            consts.extend(known.constants("")?);
            consts.push(known.list());
        }
        if let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind {
            for (property, value) in &object.properties {
                if let ReferenceOr::Item(value) = value
                    && let Some(known) = Known::read(&format!("{name}.{property}"), value)?
                {
                    consts.extend(known.constants(&format!("{}_", screaming(property)))?);
                }
            }
        }
        if !consts.is_empty() {
            let ty = format_ident!("{name}");
            items.push(syn::parse_quote! {
                impl #ty {
                    #(#consts)*
                }
            });
        }
    }
    Ok(items)
}

/// The known values of one schema.
struct Known<'a> {
    at: String,
    values: &'a [Value],
    names: Option<&'a [Value]>,
    descriptions: Option<&'a [Value]>,
}

impl<'a> Known<'a> {
    fn read(at: &str, schema: &'a Schema) -> Result<Option<Self>, String> {
        let list = |key: &str| -> Result<Option<&'a [Value]>, String> {
            match schema.schema_data.extensions.get(key) {
                None => Ok(None),
                Some(Value::Array(list)) => Ok(Some(list.as_slice())),
                Some(_) => Err(format!("has {at} with `{key}` that is not a list")),
            }
        };
        let Some(values) = list("x-known-values")? else {
            return Ok(None);
        };
        let known = Self {
            at: at.to_string(),
            values,
            names: list("x-enum-varnames")?,
            descriptions: list("x-enum-descriptions")?,
        };
        for (key, other) in [
            ("x-enum-varnames", known.names),
            ("x-enum-descriptions", known.descriptions),
        ] {
            if other.is_some_and(|other| other.len() != values.len()) {
                return Err(format!(
                    "has {at} with {} `x-known-values` but another number of `{key}`",
                    values.len()
                ));
            }
        }
        Ok(Some(known))
    }

    /// A value's name: its `x-enum-varnames` entry, or the value itself.
    fn name(&self, i: usize) -> Result<&str, String> {
        let name = match self.names {
            Some(names) => names[i].as_str(),
            None => self.values[i].as_str(),
        };
        name.filter(|n| !n.is_empty()).ok_or_else(|| {
            format!(
                "has {} with known value {} and no name for it in `x-enum-varnames`",
                self.at, self.values[i]
            )
        })
    }

    fn constants(&self, prefix: &str) -> Result<Vec<syn::ImplItem>, String> {
        let mut out = Vec::new();
        for (i, value) in self.values.iter().enumerate() {
            let ident = format_ident!("{prefix}{}", screaming(self.name(i)?));
            let described = self.descriptions.and_then(|d| d[i].as_str());
            let (value, ty) = match value {
                Value::String(s) => (quote!(#s), quote!(&'static str)),
                Value::Number(n) if n.is_i64() => {
                    let n = n.as_i64().unwrap_or_default();
                    (quote!(#n), quote!(i64))
                }
                other => {
                    return Err(format!(
                        "has {} with known value {other}, neither a string nor an integer",
                        self.at
                    ));
                }
            };
            let doc = match described {
                Some(text) => format!("`{}`: {text}", value_text(&self.values[i])),
                None => format!("`{}`.", value_text(&self.values[i])),
            };
            out.push(syn::parse_quote! {
                #[doc = #doc]
                pub const #ident: #ty = #value;
            });
        }
        Ok(out)
    }

    /// `KNOWN`: every known value, with its name where the values are numbers.
    fn list(&self) -> syn::ImplItem {
        let doc = format!("Every value the spec lists for `{}`.", self.at);
        let strings: Vec<&str> = self.values.iter().filter_map(Value::as_str).collect();
        if strings.len() == self.values.len() {
            return syn::parse_quote! {
                #[doc = #doc]
                pub const KNOWN: &'static [&'static str] = &[#(#strings),*];
            };
        }
        let numbers: Vec<i64> = self.values.iter().filter_map(Value::as_i64).collect();
        let names: Vec<&str> = (0..numbers.len())
            .filter_map(|i| self.name(i).ok())
            .collect();
        syn::parse_quote! {
            #[doc = #doc]
            pub const KNOWN: &'static [(i64, &'static str)] = &[#((#numbers, #names)),*];
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `SCREAMING_SNAKE_CASE` of a value or name: `prefulfillmentPending` -> `PREFULFILLMENT_PENDING`,
/// `SubscriptionIsNotEnabledForRI` -> `SUBSCRIPTION_IS_NOT_ENABLED_FOR_RI`, `one_time` ->
/// `ONE_TIME`.
fn screaming(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
