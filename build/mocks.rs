//! The typed mocks take ids as `&str`: `when.customer_id("...")` and
//! `when.ms_correlation_id(Some("..."))` (progenitor asks for a `&String`, and a literal then
//! fails to compile inside `OUT_DIR/mock.rs`). A path id is matched as text: escaped in the
//! path's regular expression, where a `.` would match any character and a `(` would make
//! `Regex::new` fail. A method of a shape the rewrite does not know is left as generated, and
//! reported.

use quote::quote;
use syn::visit_mut::{self, VisitMut};

use crate::shape::{
    Unrecognised, called_path, is_to_string_of, macro_args, path_ends_with, path_is,
};

/// Applies the rewrite to each method of the generated mocks whose shape it knows; returns one
/// report for each method left as generated.
pub fn ids_as_str(items: &mut [syn::Item]) -> Vec<Unrecognised> {
    let mut methods = Methods(Vec::new());
    for item in items.iter_mut() {
        methods.visit_item_mut(item);
    }
    methods.0
}

/// Walks to every method, and rewrites each on a copy: whole, or not at all.
struct Methods(Vec<Unrecognised>);

impl VisitMut for Methods {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let mut ids = Ids {
            method: f.sig.ident.to_string(),
            error: None,
        };
        let mut copy = f.clone();
        StrNotString.visit_signature_mut(&mut copy.sig);
        ids.visit_block_mut(&mut copy.block);
        match ids.error {
            None => *f = copy,
            Some(error) => self.0.push(error),
        }
    }
}

struct Ids {
    /// The method being walked, for the error.
    method: String,
    error: Option<Unrecognised>,
}

impl VisitMut for Ids {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        if !called_path(call).is_some_and(|f| path_ends_with(f, &["Regex", "new"])) {
            return;
        }
        match call.args.first_mut() {
            // The operation's whole path, with no parameter in it.
            Some(syn::Expr::Lit(_)) => {}
            Some(syn::Expr::Reference(reference)) => match &mut *reference.expr {
                syn::Expr::Macro(format) if format.mac.path.is_ident("format") => {
                    if let Err(found) = escape_values(&mut format.mac) {
                        self.fail(found);
                    }
                }
                _ => self.fail("`Regex::new(&..)` of something other than `format!`"),
            },
            _ => self.fail("`Regex::new` of something other than a literal or `&format!(..)`"),
        }
    }
}

impl Ids {
    fn fail(&mut self, found: &str) {
        if self.error.is_none() {
            self.error = Some(Unrecognised::new(
                "ids_as_str",
                format!("mock method {}: {found}", self.method),
            ));
        }
    }
}

/// `format!("^/v1/customers/{}/carts$", value.to_string())` becomes
/// `format!("^/v1/customers/{}/carts$", regex::escape(&value.to_string()))`: the value's text,
/// whether it is a `&str` or a number (a line item's number).
fn escape_values(format: &mut syn::Macro) -> Result<(), &'static str> {
    let args = macro_args(format).ok_or("`format!` arguments that are not expressions")?;
    let [template, values @ ..] = &args[..] else {
        return Err("`format!` with no template");
    };
    if values.is_empty() || !values.iter().all(|v| is_to_string_of(v, "value")) {
        return Err("a path regular expression not made from `value.to_string()`");
    }
    let escaped = values
        .iter()
        .map(|_| quote!(regex::escape(&value.to_string())));
    format.tokens = quote!(#template, #(#escaped),*);
    Ok(())
}

/// `&::std::string::String` becomes `&str`, lifetimes kept.
struct StrNotString;

impl VisitMut for StrNotString {
    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        visit_mut::visit_type_reference_mut(self, reference);
        if matches!(&*reference.elem, syn::Type::Path(p)
            if p.qself.is_none() && path_is(&p.path, &["std", "string", "String"]))
        {
            *reference.elem = syn::parse_quote!(str);
        }
    }
}
