//! `operation_name`: the spec's `operationId` of each generated operation, from the name
//! progenitor gives it in `OperationInfo` (`get_cart` for `getCart`), for errors and traces.

use openapiv3::OpenAPI;
use syn::visit::Visit;

use crate::shape::{Unrecognised, path_ends_with, str_value};

/// The `operation_name` function, or what in the generated client is not as expected.
pub fn operation_names(spec: &OpenAPI, client: &[syn::Item]) -> Result<syn::Item, Unrecognised> {
    let mut found = OperationInfos::default();
    for item in client {
        found.visit_item(item);
    }
    let sends = count_sends(client);
    if found.names.len() != sends {
        return Err(Unrecognised::new(
            "operation_names",
            format!(
                "{} `OperationInfo {{ operation_id: \"...\" }}` for {sends} operations",
                found.names.len()
            ),
        ));
    }
    let squash = |id: &str| -> String {
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let ids: Vec<String> = spec
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    let mut generated = found.names;
    generated.sort();
    generated.dedup();
    let (snake, id): (Vec<String>, Vec<String>) = generated
        .into_iter()
        .map(|snake| {
            let id = ids
                .iter()
                .find(|id| squash(id) == squash(&snake))
                .cloned()
                .unwrap_or_else(|| snake.clone());
            (snake, id)
        })
        .unzip();
    Ok(syn::parse_quote! {
        /// The spec's `operationId` of a generated operation, from the name progenitor gives it
        /// in `OperationInfo` (`get_cart` for `getCart`).
        pub fn operation_name(generated: &'static str) -> &'static str {
            match generated {
                #(#snake => #id,)*
                other => other,
            }
        }
    })
}

/// Every `OperationInfo { operation_id: "..." }` progenitor wrote.
#[derive(Default)]
struct OperationInfos {
    names: Vec<String>,
}

impl Visit<'_> for OperationInfos {
    fn visit_expr_struct(&mut self, info: &syn::ExprStruct) {
        syn::visit::visit_expr_struct(self, info);
        if !path_ends_with(&info.path, &["OperationInfo"]) {
            return;
        }
        let id = info.fields.iter().find_map(|field| match &field.member {
            syn::Member::Named(name) if name == "operation_id" => str_value(&field.expr),
            _ => None,
        });
        // One without a literal id is counted as missing, below.
        self.names.extend(id);
    }
}

/// How many operations the client has: `send` methods of its builders.
fn count_sends(client: &[syn::Item]) -> usize {
    #[derive(Default)]
    struct Sends(usize);
    impl Visit<'_> for Sends {
        fn visit_impl_item_fn(&mut self, f: &syn::ImplItemFn) {
            if f.sig.ident == "send" {
                self.0 += 1;
            }
        }
    }
    let mut sends = Sends::default();
    for item in client {
        sends.visit_item(item);
    }
    sends.0
}
