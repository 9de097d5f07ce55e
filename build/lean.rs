//! Costs of every request in progenitor's generated code, taken out (BENCHMARKS.md). Each
//! rewrite recognises the code it changes by its syntax tree, and stops the build
//! ([`Unrecognised`]) on an operation whose code is not of the shape it was written for: it
//! never leaves progenitor's code in place quietly.
//!
//! In each operation's `send`:
//! - the URL is built from the client's base URL, parsed once when the client was built, with
//!   each path parameter pushed as one percent-encoded segment (`crate::path::url`), instead of
//!   formatted as text for reqwest to parse again, host and all. What differs, on purpose
//!   (`src/path.rs`): a parameter `.`, `..` or with a tab or line break is refused rather than
//!   sent to another resource, and `\` is escaped rather than read as `/`;
//! - the `api-version` header progenitor gives every request (from `info.version`) is not
//!   added: Partner Center defines none;
//! - the map of the headers the caller set on the builder starts empty (`HeaderMap::new()`, no
//!   allocation) instead of with room for every documented header: the wrapper sets them, so it
//!   is usually empty;
//! - an answer is decoded by `crate::read::decode` instead of progenitor's
//!   `ResponseValue::from_response`: its headers taken rather than copied, its body checked for
//!   UTF-8 once rather than string by string.
//!
//! In each operation builder with a body: the body set with `body(value)` is kept as that value
//! (`crate::request_body::Body`), instead of being turned into the schema's builder and back.

use syn::visit_mut::{self, VisitMut};

use crate::shape::{
    Unrecognised, builder_module, called_path, impl_target, is_ident, is_str, macro_args,
    path_ends_with, path_is, str_value, type_arguments, type_path,
};

/// Applies every rewrite to the generated client.
pub fn requests(items: &mut [syn::Item]) -> Result<(), Unrecognised> {
    let builders = builder_module(items)
        .ok_or_else(|| Unrecognised::new("requests", "no `mod builder` of operation builders"))?;
    bodies_as_set(builders)?;
    for item in builders.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let Some(operation) = impl_target(implementation).map(ToString::to_string) else {
            continue;
        };
        for member in &mut implementation.items {
            if let syn::ImplItem::Fn(send) = member
                && send.sig.ident == "send"
            {
                lean_send(&operation, &mut send.block)?;
            }
        }
    }
    Ok(())
}

/// The rewrites of one operation's `send`, each of which must apply: once, or (the decoding)
/// at least once.
fn lean_send(operation: &str, block: &mut syn::Block) -> Result<(), Unrecognised> {
    let mut send = Send {
        operation,
        url: 0,
        api_version: 0,
        header_map: 0,
        decode: 0,
        error: None,
    };
    send.visit_block_mut(block);
    if let Some(error) = send.error {
        return Err(error);
    }
    let once = [
        (
            "url",
            send.url,
            "`let url = format!(\"{}/...\", client.baseurl, ...)`",
        ),
        (
            "drop_api_version",
            send.api_version,
            "`header_map.append(HeaderName::from_static(\"api-version\"), ...)`",
        ),
        (
            "header_map",
            send.header_map,
            "`let mut header_map = HeaderMap::with_capacity(..)`",
        ),
    ];
    for (rewrite, found, shape) in once {
        if found != 1 {
            return Err(Unrecognised::new(
                rewrite,
                format!("operation {operation}: {found} of {shape} where one was expected"),
            ));
        }
    }
    if send.decode == 0 {
        return Err(Unrecognised::new(
            "decode",
            format!("operation {operation}: no `ResponseValue::from_response(response)`"),
        ));
    }
    Ok(())
}

/// Walks one `send`, rewriting what it recognises and counting it.
struct Send<'a> {
    operation: &'a str,
    url: u32,
    api_version: u32,
    header_map: u32,
    decode: u32,
    /// The first shape met that a rewrite does not know.
    error: Option<Unrecognised>,
}

impl VisitMut for Send<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !appends_api_version(stmt));
        self.api_version += (before - block.stmts.len()) as u32;
        visit_mut::visit_block_mut(self, block);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        visit_mut::visit_local_mut(self, local);
        let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &mut local.init) else {
            return;
        };
        if name.ident == "url" {
            self.url += 1;
            let syn::Expr::Macro(format) = &*init.expr else {
                self.fail("url", "`url` is not built with `format!`");
                return;
            };
            match url_pieces(&format.mac) {
                Ok(pieces) => {
                    *init.expr = syn::parse_quote!(crate::path::url(client, &[#(#pieces),*])?);
                }
                Err(found) => self.fail("url", &found),
            }
        } else if name.ident == "header_map" {
            self.header_map += 1;
            match &*init.expr {
                syn::Expr::Call(call)
                    if called_path(call)
                        .is_some_and(|f| path_ends_with(f, &["HeaderMap", "with_capacity"])) =>
                {
                    *init.expr = syn::parse_quote!(::reqwest::header::HeaderMap::new());
                }
                _ => self.fail(
                    "header_map",
                    "`header_map` is not made by `HeaderMap::with_capacity`",
                ),
            }
        }
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        if called_path(call).is_some_and(|f| path_is(f, &["ResponseValue", "from_response"])) {
            if call.args.len() == 1 {
                *call.func = syn::parse_quote!(crate::read::decode);
                self.decode += 1;
            } else {
                self.fail(
                    "decode",
                    "`ResponseValue::from_response` with other arguments",
                );
            }
        }
    }
}

impl Send<'_> {
    fn fail(&mut self, rewrite: &'static str, found: &str) {
        if self.error.is_none() {
            self.error = Some(Unrecognised::new(
                rewrite,
                format!("operation {}: {found}", self.operation),
            ));
        }
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), ..);`
fn appends_api_version(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && is_ident(&call.receiver, "header_map")
        && matches!(call.args.first(), Some(syn::Expr::Call(name))
            if called_path(name).is_some_and(|f| path_ends_with(f, &["HeaderName", "from_static"]))
                && name.args.first().is_some_and(|a| is_str(a, "api-version")))
}

/// `format!("{}/v1/customers/{}/carts", client.baseurl, encode_path(&customer_id.to_string()))`
/// as the pieces after the base: `Fixed("v1"), Fixed("customers"), Param(&customer_id),
/// Fixed("carts")`; or what is not of that shape.
fn url_pieces(format: &syn::Macro) -> Result<Vec<syn::Expr>, String> {
    if !format.path.is_ident("format") {
        return Err("`url` is not built with `format!`".into());
    }
    let args = macro_args(format).ok_or("`format!` arguments that are not expressions")?;
    let mut args = args.into_iter();
    let template = args
        .next()
        .as_ref()
        .and_then(str_value)
        .ok_or("a URL template that is not a string literal")?;
    let base_is_client_baseurl = args.next().is_some_and(|base| {
        matches!(&base, syn::Expr::Field(f)
            if is_ident(&f.base, "client")
                && matches!(&f.member, syn::Member::Named(m) if m == "baseurl"))
    });
    if !base_is_client_baseurl {
        return Err("a URL that does not start with `client.baseurl`".into());
    }
    let path = template
        .strip_prefix("{}/")
        .ok_or("a URL template that does not start with `{}/`")?;
    let mut pieces = Vec::new();
    for segment in path.split('/') {
        if segment == "{}" {
            let arg = args.next();
            let value = arg
                .as_ref()
                .and_then(encoded_value)
                .ok_or("a path parameter not given as `encode_path(&value.to_string())`")?;
            pieces.push(syn::parse_quote!(crate::path::Piece::Param(&#value)));
        } else if segment.contains(['{', '}']) {
            return Err(format!(
                "the path segment {segment:?} mixes a parameter with text, which \
                 `crate::path::url` cannot send; give the parameter a segment of its own in the \
                 spec"
            ));
        } else if segment.is_empty()
            || segment == "."
            || segment == ".."
            || !segment.bytes().all(is_path_char)
        {
            return Err(format!(
                "the spec's path has the segment {segment:?}, which does not name a resource as \
                 written; use letters, digits and -._~!$&'()*+,;=:@"
            ));
        } else {
            pieces.push(syn::parse_quote!(crate::path::Piece::Fixed(#segment)));
        }
    }
    match args.next() {
        None => Ok(pieces),
        Some(_) => Err("more `format!` arguments than the template has places".into()),
    }
}

/// A byte RFC 3986 allows in a path segment as it is (a `pchar`, less `%`, which would start
/// an escape): what `crate::path::url` sends unchanged, as progenitor's URL text would.
fn is_path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// `value` of progenitor's `encode_path(&value.to_string())`.
fn encoded_value(arg: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Call(call) = arg else {
        return None;
    };
    if !called_path(call).is_some_and(|f| f.is_ident("encode_path")) || call.args.len() != 1 {
        return None;
    }
    let Some(syn::Expr::Reference(reference)) = call.args.first() else {
        return None;
    };
    match &*reference.expr {
        syn::Expr::MethodCall(m) if m.method == "to_string" && m.args.is_empty() => {
            Some(&m.receiver)
        }
        _ => None,
    }
}

/// In each operation builder whose body is a schema's builder (`Result<types::builder::Cart,
/// String>`): the field holds a `crate::request_body::Body`; `new` starts it `Unset`, `body`
/// keeps the value, `body_map` works on the schema's builder, and `send` takes the value out.
/// (A body that is no schema's builder, an array say, is never copied, and stays.)
fn bodies_as_set(builders: &mut [syn::Item]) -> Result<(), Unrecognised> {
    let mut with_body = Vec::new();
    for item in builders.iter_mut() {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        let Some(field) = builder
            .fields
            .iter_mut()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"))
        else {
            continue;
        };
        match schema_of_builder(&field.ty) {
            Some(schema) => {
                field.ty = syn::parse_quote!(
                    Result<crate::request_body::Body<types::#schema, types::builder::#schema>, String>
                );
                with_body.push(builder.ident.clone());
            }
            None if mentions(&field.ty, "builder") => {
                return Err(Unrecognised::new(
                    "bodies_as_set",
                    format!(
                        "operation {}: a body field that names a builder, but is not \
                         `Result<types::builder::Schema, String>`",
                        builder.ident
                    ),
                ));
            }
            None => {}
        }
    }
    for name in with_body {
        let implementation = builders
            .iter_mut()
            .find_map(|item| match item {
                syn::Item::Impl(i) if i.trait_.is_none() && impl_target(i) == Some(&name) => {
                    Some(i)
                }
                _ => None,
            })
            .ok_or_else(|| {
                Unrecognised::new(
                    "bodies_as_set",
                    format!("operation {name}: no `impl` block"),
                )
            })?;
        let mut methods = BodyMethods::default();
        methods.visit_item_impl_mut(implementation);
        if let Some(missing) = methods.missing() {
            return Err(Unrecognised::new(
                "bodies_as_set",
                format!("operation {name}: no {missing}"),
            ));
        }
    }
    Ok(())
}

/// `Schema` of `Result<types::builder::Schema, String>`.
fn schema_of_builder(ty: &syn::Type) -> Option<syn::Ident> {
    let result = type_path(ty)?;
    if !path_is(result, &["Result"]) {
        return None;
    }
    let [ok, err] = type_arguments(result)[..] else {
        return None;
    };
    let ok = type_path(ok)?;
    let [types, builder, schema] = &ok.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    (ok.leading_colon.is_none()
        && types.ident == "types"
        && builder.ident == "builder"
        && path_ends_with(type_path(err)?, &["String"]))
    .then(|| schema.ident.clone())
}

/// Whether a type names `name` anywhere in its paths.
fn mentions(ty: &syn::Type, name: &str) -> bool {
    type_path(ty).is_some_and(|path| {
        path.segments.iter().any(|s| s.ident == name)
            || type_arguments(path).into_iter().any(|t| mentions(t, name))
    })
}

/// The four places of a builder's `impl` that handle its body; each records that it was found
/// and rewritten.
#[derive(Default)]
struct BodyMethods {
    method: Option<String>,
    unset: bool,
    value: bool,
    map: bool,
    send: bool,
}

impl BodyMethods {
    /// The first place not found, as progenitor wrote it.
    fn missing(&self) -> Option<&'static str> {
        [
            (self.unset, "`body: Ok(Default::default())` in `new`"),
            (self.value, "`.map(From::from)` in `body`"),
            (self.map, "`.map(f)` in `body_map`"),
            (
                self.send,
                "`.and_then(|v| Schema::try_from(v).map_err(..))` in `send`",
            ),
        ]
        .into_iter()
        .find_map(|(found, what)| (!found).then_some(what))
    }
}

impl VisitMut for BodyMethods {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        self.method = Some(f.sig.ident.to_string());
        visit_mut::visit_impl_item_fn_mut(self, f);
        self.method = None;
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        visit_mut::visit_field_value_mut(self, field);
        if self.method.as_deref() == Some("new")
            && matches!(&field.member, syn::Member::Named(n) if n == "body")
            && is_ok_of_default(&field.expr)
        {
            field.expr = syn::parse_quote!(Ok(crate::request_body::Body::Unset));
            self.unset = true;
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let [arg] = &call.args.iter().collect::<Vec<_>>()[..] else {
            return;
        };
        match (self.method.as_deref(), call.method.to_string().as_str()) {
            (Some("body"), "map") if is_path(arg, &["From", "from"]) => {
                call.args = syn::parse_quote!(crate::request_body::Body::Value);
                self.value = true;
            }
            (Some("body_map"), "map") if is_ident(arg, "f") => {
                call.args = syn::parse_quote!(|body| crate::request_body::Body::Built(Box::new(
                    f(body.into_builder())
                )));
                self.map = true;
            }
            (Some("send"), "and_then") if is_try_from_closure(arg) => {
                call.args = syn::parse_quote!(crate::request_body::Body::into_value);
                self.send = true;
            }
            _ => {}
        }
    }
}

/// `Ok(::std::default::Default::default())`
fn is_ok_of_default(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(ok) = expr else {
        return false;
    };
    called_path(ok).is_some_and(|f| path_is(f, &["Ok"]))
        && matches!(&ok.args.iter().collect::<Vec<_>>()[..], [syn::Expr::Call(default)]
            if default.args.is_empty()
                && called_path(default)
                    .is_some_and(|f| path_ends_with(f, &["Default", "default"])))
}

/// Whether `expr` is exactly the path `segments`.
fn is_path(expr: &syn::Expr, segments: &[&str]) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.qself.is_none() && path_is(&p.path, segments))
}

/// `|v| types::Schema::try_from(v).map_err(..)`
fn is_try_from_closure(expr: &syn::Expr) -> bool {
    let syn::Expr::Closure(closure) = expr else {
        return false;
    };
    let syn::Expr::MethodCall(map_err) = &*closure.body else {
        return false;
    };
    map_err.method == "map_err"
        && matches!(&*map_err.receiver, syn::Expr::Call(try_from)
            if called_path(try_from).is_some_and(|f| path_ends_with(f, &["try_from"])))
}
