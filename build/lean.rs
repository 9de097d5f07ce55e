//! Costs of every request in progenitor's generated code, taken out (BENCHMARKS.md, section
//! 2). Each rewrite applies only where the code has the shape it expects, and leaves anything
//! else as progenitor wrote it; `tests/generated_api.rs` checks that every operation of the
//! spec was rewritten.
//!
//! - An operation's URL is built from the client's base URL, parsed once when the client was
//!   built, with each path parameter pushed as one percent-encoded segment
//!   (`crate::path::url`), instead of formatted as text for reqwest to parse again, host and
//!   all. A path not of the shape `{base}/literal/{param}/...` (literals of letters, digits and
//!   `-._~`) keeps progenitor's code. What differs, on purpose (`src/path.rs`): a parameter
//!   `.`, `..` or with a tab or line break is refused rather than sent to another resource,
//!   and `\` is escaped rather than read as `/`.
//! - The map of the headers the caller set on the builder starts empty (`HeaderMap::new()`, no
//!   allocation) instead of with room for every documented header: the wrapper sets them, so
//!   it is usually empty.
//! - A builder's body set with `body(value)` is kept as that value
//!   (`crate::request_body::Body`), instead of being turned into the schema's builder and back.
//! - An answer is decoded by `crate::transport::decode` instead of progenitor's
//!   `ResponseValue::from_response`: its headers taken rather than copied, its body checked for
//!   UTF-8 once rather than string by string.

use quote::quote;
use syn::visit_mut::VisitMut;

/// Applies every rewrite to the generated client.
pub fn requests(items: &mut [syn::Item]) {
    for item in items.iter_mut() {
        Lean.visit_item_mut(item);
    }
    for item in items.iter_mut() {
        if let syn::Item::Mod(module) = item
            && module.ident == "builder"
            && let Some((_, builders)) = &mut module.content
        {
            bodies_as_set(builders);
        }
    }
}

struct Lean;

impl VisitMut for Lean {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(f) = &*call.func else {
            return;
        };
        let f = quote!(#f).to_string();
        if f.ends_with("HeaderMap :: with_capacity") {
            *call = syn::parse_quote!(::reqwest::header::HeaderMap::new());
        } else if f == "ResponseValue :: from_response" && call.args.len() == 1 {
            *call.func = syn::parse_quote!(crate::transport::decode);
        }
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        syn::visit_mut::visit_local_mut(self, local);
        let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &mut local.init) else {
            return;
        };
        if name.ident != "url" {
            return;
        }
        let syn::Expr::Macro(format) = &*init.expr else {
            return;
        };
        if let Some(pieces) = path_pieces(&format.mac) {
            *init.expr = syn::parse_quote!(crate::path::url(client, &[#(#pieces),*])?);
        }
    }
}

/// `format!("{}/v1/customers/{}/carts", client.baseurl, encode_path(&customer_id.to_string()))`
/// as the pieces after the base: `Fixed("v1"), Fixed("customers"), Param(&customer_id),
/// Fixed("carts")`.
fn path_pieces(format: &syn::Macro) -> Option<Vec<syn::Expr>> {
    use syn::punctuated::Punctuated;
    if !format.path.is_ident("format") {
        return None;
    }
    let args = format
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = args.next()?
    else {
        return None;
    };
    let base = args.next()?;
    if quote!(#base).to_string() != "client . baseurl" {
        return None;
    }
    let template = template.value();
    let mut pieces = Vec::new();
    for segment in template.strip_prefix("{}/")?.split('/') {
        if segment == "{}" {
            // progenitor's `encode_path(&value.to_string())`: the value itself.
            let syn::Expr::Call(call) = args.next()? else {
                return None;
            };
            let syn::Expr::Path(f) = &*call.func else {
                return None;
            };
            let Some(syn::Expr::Reference(reference)) = call.args.first() else {
                return None;
            };
            let syn::Expr::MethodCall(to_string) = &*reference.expr else {
                return None;
            };
            if !f.path.is_ident("encode_path") || to_string.method != "to_string" {
                return None;
            }
            let value = &to_string.receiver;
            pieces.push(syn::parse_quote!(crate::path::Piece::Param(&#value)));
        } else if segment.is_empty()
            || segment == "."
            || segment == ".."
            || !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            // A literal `crate::path::url` would escape or refuse: progenitor's code stays.
            return None;
        } else {
            pieces.push(syn::parse_quote!(crate::path::Piece::Fixed(#segment)));
        }
    }
    args.next().is_none().then_some(pieces)
}

/// In each operation builder with a body: the field holds a `crate::request_body::Body`;
/// `new` starts it `Unset`, `body` keeps the value, `body_map` works on the schema's builder,
/// and `send` takes the value out. A builder where any of these is not as expected is left as
/// it was.
fn bodies_as_set(builders: &mut [syn::Item]) {
    let mut changed = Vec::new();
    for item in builders.iter_mut() {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        let mut rewritten = builder.clone();
        let Some(field) = rewritten
            .fields
            .iter_mut()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"))
        else {
            continue;
        };
        let ty = &field.ty;
        let text = quote!(#ty).to_string();
        let Some(schema) = text
            .strip_prefix("Result < types :: builder :: ")
            .and_then(|t| t.strip_suffix(" , String >"))
        else {
            continue;
        };
        let Ok(schema) = syn::parse_str::<syn::Ident>(schema) else {
            continue;
        };
        field.ty = syn::parse_quote!(
            Result<crate::request_body::Body<types::#schema, types::builder::#schema>, String>
        );
        changed.push((builder.ident.clone(), rewritten));
    }
    for (name, rewritten) in changed {
        let Some(index) = builders.iter().position(|item| {
            matches!(item, syn::Item::Impl(i) if {
                let ty = &i.self_ty;
                quote!(#ty).to_string().starts_with(&format!("{name} <"))
            })
        }) else {
            continue;
        };
        let syn::Item::Impl(implementation) = &builders[index] else {
            continue;
        };
        let mut implementation = implementation.clone();
        let mut body = BodyMethods::default();
        body.visit_item_impl_mut(&mut implementation);
        if body.all_found() {
            builders[index] = syn::Item::Impl(implementation);
            if let Some(item) = builders
                .iter_mut()
                .find(|item| matches!(item, syn::Item::Struct(s) if s.ident == name))
            {
                *item = syn::Item::Struct(rewritten);
            }
        }
    }
}

/// The four places of a builder's `impl` that handle its body; each records that it was found.
#[derive(Default)]
struct BodyMethods {
    method: Option<String>,
    unset: bool,
    value: bool,
    map: bool,
    send: bool,
}

impl BodyMethods {
    fn all_found(&self) -> bool {
        self.unset && self.value && self.map && self.send
    }
}

impl VisitMut for BodyMethods {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        self.method = Some(f.sig.ident.to_string());
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
        self.method = None;
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        syn::visit_mut::visit_field_value_mut(self, field);
        let expr = &field.expr;
        if self.method.as_deref() == Some("new")
            && matches!(&field.member, syn::Member::Named(n) if n == "body")
            && quote!(#expr).to_string() == "Ok (:: std :: default :: Default :: default ())"
        {
            field.expr = syn::parse_quote!(Ok(crate::request_body::Body::Unset));
            self.unset = true;
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let args = &call.args;
        let args = quote!(#args).to_string();
        match (self.method.as_deref(), call.method.to_string().as_str()) {
            (Some("body"), "map") if args == "From :: from" => {
                call.args = syn::parse_quote!(crate::request_body::Body::Value);
                self.value = true;
            }
            (Some("body_map"), "map") if args == "f" => {
                call.args = syn::parse_quote!(|body| crate::request_body::Body::Built(Box::new(
                    f(body.into_builder())
                )));
                self.map = true;
            }
            (Some("send"), "and_then") if args.contains(":: try_from (v)") => {
                call.args = syn::parse_quote!(crate::request_body::Body::into_value);
                self.send = true;
            }
            _ => {}
        }
    }
}
