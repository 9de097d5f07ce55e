//! Costs of every request in progenitor's generated code, taken out (BENCHMARKS.md), in each
//! operation's `send`, where no generator setting reaches:
//!
//! - the URL is built from the client's base URL, parsed once when the client was built, with
//!   each path parameter pushed as one percent-encoded segment (`crate::path::url`), instead of
//!   formatted as text for reqwest to parse again, host and all. What differs, on purpose
//!   (`src/path.rs`): a parameter `.`, `..` or with a tab or line break is refused rather than
//!   sent to another resource, and `\` is escaped rather than read as `/`;
//! - an answer is decoded by `crate::read::decode` instead of progenitor's
//!   `ResponseValue::from_response`: its headers taken rather than copied, its body checked for
//!   UTF-8 once rather than string by string.
//!
//! Each rewrite recognises the code it changes by its syntax tree. An operation whose `send` is
//! not wholly of the shape they were written for is left as progenitor wrote it, and reported
//! ([`Unrecognised`]): it still works, at progenitor's cost, and the front door's checks of
//! ids still refuse `.` and `..`.

use syn::visit_mut::{self, VisitMut};

use crate::shape::{
    Unrecognised, called_path, impl_target, is_ident, macro_args, path_is, str_value,
};

/// Rewrites every operation's `send` whose shape is known; returns one report for each that
/// is left as generated.
pub fn requests(items: &mut [syn::Item]) -> Vec<Unrecognised> {
    let Some(builders) = crate::shape::builder_module(items) else {
        return vec![Unrecognised::new(
            "requests",
            "no `mod builder` of operation builders",
        )];
    };
    let mut left = Vec::new();
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
                // On a copy: the operation is rewritten whole, or not at all.
                let mut block = send.block.clone();
                match lean_send(&operation, &mut block) {
                    Ok(()) => send.block = block,
                    Err(e) => left.push(e),
                }
            }
        }
    }
    left
}

/// The rewrites of one operation's `send`, each of which must apply: once, or (the decoding)
/// at least once.
fn lean_send(operation: &str, block: &mut syn::Block) -> Result<(), Unrecognised> {
    let mut send = Send {
        operation,
        url: 0,
        decode: 0,
        error: None,
    };
    send.visit_block_mut(block);
    if let Some(error) = send.error {
        return Err(error);
    }
    if send.url != 1 {
        return Err(Unrecognised::new(
            "url",
            format!(
                "operation {operation}: {} of `let url = format!(\"{{}}/...\", client.baseurl, \
                 ...)` where one was expected",
                send.url
            ),
        ));
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
    decode: u32,
    /// The first shape met that a rewrite does not know.
    error: Option<Unrecognised>,
}

impl VisitMut for Send<'_> {
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
