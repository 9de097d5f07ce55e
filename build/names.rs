//! `Operation`: the spec's operations as a type, so that the wrapper names each by a variant
//! the spec made (never by hand-typed text), errors and traces carry the spec's `operationId`,
//! and the pipeline knows each generated operation from the name progenitor gives it in
//! `OperationInfo` (`get_cart` for `getCart`).
//!
//! Made from the spec alone: progenitor's snake-case name is made here the way progenitor makes
//! it (heck's snake case, as `progenitor-impl`'s `sanitize`), and should a release make it
//! another way, `Operation::from_generated` still finds the operation by its letters and
//! digits, at a small cost.

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::OpenAPI;

/// The `Operation` enum and its impls, or the spec's problem with it.
pub fn operations(spec: &OpenAPI) -> Result<Vec<syn::Item>, String> {
    let mut variants = Vec::new();
    let mut ids = Vec::new();
    let mut generated = Vec::new();
    let mut writes = Vec::new();
    let mut user_only = Vec::new();
    let mut limits = Vec::new();
    let mut docs = Vec::new();
    for (path, method, operation) in spec.operations() {
        let Some(id) = operation.operation_id.clone() else {
            return Err(format!("has `{method} {path}` without an operationId"));
        };
        let variant = quote::format_ident!("{}", sanitize(&id).to_pascal_case());
        docs.push(format!("`{id}`: `{} {path}`", method.to_uppercase()));
        // A POST marked `x-read-only` (a check that changes nothing) reads.
        let read_only =
            operation.extensions.get("x-read-only") == Some(&serde_json::Value::Bool(true));
        writes.push(!method.eq_ignore_ascii_case("get") && !read_only);
        let marked = operation.extensions.get("x-app-user-only");
        user_only.push(marked.and_then(serde_json::Value::as_bool).unwrap_or(false));
        limits.push(documented_limit(
            &id,
            operation.extensions.get("x-rate-limit"),
        )?);
        generated.push(sanitize(&id).to_snake_case());
        variants.push(variant);
        ids.push(id);
    }
    let file: syn::File = syn::parse_quote! {
        /// An operation of the spec, by its `operationId`: what [`Error::operation`](crate::Error::operation)
        /// names, and what the pipeline's traces record as `operation`. Generated from the spec,
        /// so a spec with another operation has another variant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Operation {
            #(#[doc = #docs] #variants,)*
        }

        impl Operation {
            /// Every operation of the spec, in its order.
            pub const ALL: &'static [Operation] = &[#(Operation::#variants),*];

            /// The spec's `operationId`, such as `getCart`.
            pub const fn name(self) -> &'static str {
                match self {
                    #(Operation::#variants => #ids,)*
                }
            }

            /// Whether the operation can change the service's state (its method is not GET, nor
            /// a POST marked `x-read-only`):
            /// only then can its outcome be unknown.
            pub const fn writes(self) -> bool {
                match self {
                    #(Operation::#variants => #writes,)*
                }
            }

            /// Whether the service answers the operation to App+User tokens only (the spec's
            /// `x-app-user-only`), which must be issued with multi-factor authentication.
            pub const fn app_user_only(self) -> bool {
                match self {
                    #(Operation::#variants => #user_only,)*
                }
            }

            /// The limit the service documents for the operation (the spec's `x-rate-limit`):
            /// the name of the budget it shares with other operations (`orders`), and that
            /// budget's requests a second for the partner tenant.
            pub const fn documented_limit(self) -> Option<(&'static str, f64)> {
                match self {
                    #(Operation::#variants => #limits,)*
                }
            }

            /// The operation progenitor names `generated` in its `OperationInfo` (`get_cart`).
            pub fn from_generated(generated: &str) -> Option<Operation> {
                match generated {
                    #(#generated => Some(Operation::#variants),)*
                    other => Operation::ALL
                        .iter()
                        .copied()
                        .find(|op| same_letters(op.name(), other)),
                }
            }
        }

        impl ::std::fmt::Display for Operation {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        /// Whether two names have the same letters and digits, case aside (`getCart`,
        /// `get_cart`).
        fn same_letters(a: &str, b: &str) -> bool {
            let a = a.chars().filter(char::is_ascii_alphanumeric);
            let b = b.chars().filter(char::is_ascii_alphanumeric);
            a.map(|c| c.to_ascii_lowercase()).eq(b.map(|c| c.to_ascii_lowercase()))
        }
    };
    Ok(file.items)
}

/// An operation's `x-rate-limit` as code: `Some((budget, requests a second))`, or `None`.
fn documented_limit(id: &str, limit: Option<&serde_json::Value>) -> Result<syn::Expr, String> {
    let Some(limit) = limit else {
        return Ok(syn::parse_quote!(None));
    };
    let number = |field: &str| limit.get(field).and_then(serde_json::Value::as_f64);
    let budget = limit.get("budget").and_then(serde_json::Value::as_str);
    match (number("requests"), number("perSeconds"), budget) {
        (Some(requests), Some(seconds), Some(budget)) if requests > 0.0 && seconds > 0.0 => {
            let per_second = requests / seconds;
            Ok(syn::parse_quote!(Some((#budget, #per_second))))
        }
        _ => Err(format!(
            "has `{id}` with an `x-rate-limit` that lacks positive `requests` and `perSeconds` \
             or a `budget`"
        )),
    }
}

/// As progenitor cleans an `operationId` before it changes its case: quotes dropped, and any
/// character that cannot continue an identifier a `-`.
fn sanitize(id: &str) -> String {
    id.replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
