//! What the rewrites of progenitor's output share: the version they were written for, the report
//! of code they leave as generated, and structural tests of its syntax tree (paths by their segments,
//! calls by their names), never of its printed text, whose spacing is no stable format.

use std::fmt;

/// The progenitor release the rewrites were written for (any 0.15 release generates the same
/// shapes today; a later one may not).
pub const PROGENITOR: &str = "0.15.1";

/// A rewrite met generated code of a shape it does not know, and left it as generated. The
/// build says so (a `cargo:warning`), and stops only where it is asked to be strict (CI).
#[derive(Debug, PartialEq)]
pub struct Unrecognised {
    /// The rewrite, as its function is named.
    pub rewrite: &'static str,
    /// Where, and what it found.
    pub found: String,
}

impl Unrecognised {
    pub fn new(rewrite: &'static str, found: impl Into<String>) -> Self {
        Self {
            rewrite,
            found: found.into(),
        }
    }
}

impl fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the rewrite `{}` (build/) does not recognise progenitor's output: {}; that code \
             is left as progenitor wrote it (it works, at progenitor's cost); the rewrite was \
             written for progenitor {PROGENITOR}",
            self.rewrite, self.found
        )
    }
}

/// Whether `path` ends with `tail`'s segments (`["HeaderMap", "with_capacity"]` matches
/// `::reqwest::header::HeaderMap::with_capacity`), whatever their generic arguments.
pub fn path_ends_with(path: &syn::Path, tail: &[&str]) -> bool {
    path.segments.len() >= tail.len()
        && path
            .segments
            .iter()
            .rev()
            .zip(tail.iter().rev())
            .all(|(segment, name)| segment.ident == name)
}

/// Whether `path` is exactly `segments`, with a leading `::` or without.
pub fn path_is(path: &syn::Path, segments: &[&str]) -> bool {
    path.segments.len() == segments.len() && path_ends_with(path, segments)
}

/// The function a call calls, when it is a path (`f(..)`, `a::b(..)`).
pub fn called_path(call: &syn::ExprCall) -> Option<&syn::Path> {
    match &*call.func {
        syn::Expr::Path(f) => Some(&f.path),
        _ => None,
    }
}

/// Whether `expr` is the plain name `name`.
pub fn is_ident(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// The string literal `expr` is, if it is one.
pub fn str_value(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `value.to_string()`: a method call `to_string` with no arguments on the plain name `value`.
pub fn is_to_string_of(expr: &syn::Expr, value: &str) -> bool {
    matches!(expr, syn::Expr::MethodCall(call)
        if call.method == "to_string" && call.args.is_empty() && is_ident(&call.receiver, value))
}

/// The path of a type, when it is a plain path type.
fn type_path(ty: &syn::Type) -> Option<&syn::Path> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => Some(&p.path),
        _ => None,
    }
}

/// The arguments of a macro call (`format!(a, b, c)`) as expressions, or `None` if they are
/// not a comma-separated list of them.
pub fn macro_args(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    use syn::punctuated::Punctuated;
    mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()
        .map(|args| args.into_iter().collect())
}

/// Each generated operation's builder: its name, its struct and the `impl` that holds its
/// methods (`send` among them), in `mod builder`.
pub fn builder_module(items: &mut [syn::Item]) -> Option<&mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// The name of the type an `impl` block is for (`CreateCart` for `impl<'a> CreateCart<'a>`).
pub fn impl_target(implementation: &syn::ItemImpl) -> Option<&syn::Ident> {
    type_path(&implementation.self_ty)
        .and_then(|p| p.segments.last())
        .map(|s| &s.ident)
}
