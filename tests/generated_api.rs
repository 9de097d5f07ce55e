//! The public surface of the code generated from the spec, kept as snapshots in
//! `tests/snapshots/`, so that a spec change shows up in review as the Rust change it causes.
//!
//! When the spec changes on purpose, refresh them and review the diff:
//!
//! ```sh
//! INSTA_UPDATE=always cargo test --all-features --test generated_api
//! git diff tests/snapshots/
//! ```

use quote::ToTokens;
use syn::{Fields, ImplItem, Item};

/// One line per type, field (with its JSON name), variant, trait implementation and method.
fn surface(source: &str) -> String {
    let file = syn::parse_file(source).expect("the generated code parses");
    let mut out = String::new();
    describe(&file.items, "", &mut out);
    out
}

fn describe(items: &[Item], prefix: &str, out: &mut String) {
    for item in items {
        match item {
            Item::Struct(s) => {
                out.push_str(&format!("{prefix}struct {}", s.ident));
                match &s.fields {
                    Fields::Named(fields) => {
                        out.push('\n');
                        for field in &fields.named {
                            let name = field
                                .ident
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            let json = json_name(&field.attrs)
                                .map(|n| format!("  {n}"))
                                .unwrap_or_default();
                            out.push_str(&format!(
                                "{prefix}    {name}: {}{json}\n",
                                tokens(&field.ty)
                            ));
                        }
                    }
                    Fields::Unnamed(fields) => {
                        let types: Vec<_> = fields.unnamed.iter().map(|f| tokens(&f.ty)).collect();
                        out.push_str(&format!("({})\n", types.join(", ")));
                    }
                    Fields::Unit => out.push('\n'),
                }
            }
            Item::Enum(e) => {
                out.push_str(&format!("{prefix}enum {}\n", e.ident));
                for variant in &e.variants {
                    let fields = match &variant.fields {
                        Fields::Unnamed(f) => {
                            format!(
                                "({})",
                                f.unnamed
                                    .iter()
                                    .map(|f| tokens(&f.ty))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                        _ => String::new(),
                    };
                    out.push_str(&format!("{prefix}    {}{fields}\n", variant.ident));
                }
            }
            Item::Impl(i) => {
                let target = tokens(&i.self_ty);
                match &i.trait_ {
                    Some((path, _)) => {
                        out.push_str(&format!("{prefix}impl {} for {target}\n", tokens(path)))
                    }
                    None => {
                        for member in &i.items {
                            if let ImplItem::Fn(f) = member
                                && matches!(f.vis, syn::Visibility::Public(_))
                            {
                                out.push_str(&format!("{prefix}{target}: {}\n", tokens(&f.sig)));
                            }
                        }
                    }
                }
            }
            Item::Trait(t) => out.push_str(&format!("{prefix}trait {}\n", t.ident)),
            Item::Mod(m) => {
                out.push_str(&format!("{prefix}mod {}\n", m.ident));
                if let Some((_, inner)) = &m.content {
                    describe(inner, &format!("{prefix}    "), out);
                }
            }
            Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => {
                let tree = &u.tree;
                let file: syn::File = syn::parse_quote!(pub use #tree;);
                out.push_str(&format!(
                    "{prefix}{}\n",
                    prettyplease::unparse(&file).trim()
                ));
            }
            _ => {}
        }
    }
}

/// The JSON name a `#[serde(rename = "...")]` gives a field (as "name"), or `flattened`.
fn json_name(attrs: &[syn::Attribute]) -> Option<String> {
    let serde = attrs.iter().find(|a| a.path().is_ident("serde"))?;
    let text = serde.meta.to_token_stream().to_string();
    if text.contains("flatten") {
        return Some("flattened".to_string());
    }
    let start = text.find("rename = \"")? + "rename = \"".len();
    let end = text[start..].find('"')?;
    Some(format!("as \"{}\"", &text[start..start + end]))
}

/// A type, path or signature as prettyplease prints it, on one line, without the paths of the
/// standard library.
fn tokens(t: &impl ToTokens) -> String {
    let tokens = t.to_token_stream();
    // prettyplease prints whole files: wrap the fragment in an item and cut it back out.
    let (file, open, close): (syn::File, &str, &str) =
        match syn::parse2::<syn::Type>(tokens.clone()) {
            Ok(ty) => (syn::parse_quote!(type T = #ty;), "type T = ", ";"),
            Err(_) => match syn::parse2::<syn::Signature>(tokens.clone()) {
                Ok(sig) => (syn::parse_quote!(trait T { #sig; }), "trait T {", ";"),
                Err(_) => (syn::parse_quote!(impl #tokens for T {}), "impl ", " for T"),
            },
        };
    let text = prettyplease::unparse(&file);
    let inner = text
        .split_once(open)
        .and_then(|(_, rest)| rest.rsplit_once(close))
        .map_or(text.as_str(), |(inner, _)| inner);
    let mut line = inner.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (", )", ")"),
        ("< ", "<"),
        (", >", ">"),
        (",>", ">"),
        ("::std::option::", ""),
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::collections::", ""),
        ("::std::convert::", ""),
        ("::std::", ""),
    ] {
        line = line.replace(from, to);
    }
    line.trim().to_string()
}

#[test]
fn types() {
    insta::assert_snapshot!(surface(include_str!(concat!(env!("OUT_DIR"), "/types.rs"))));
}

#[cfg(feature = "client")]
#[test]
fn client() {
    insta::assert_snapshot!(surface(include_str!(concat!(
        env!("OUT_DIR"),
        "/client.rs"
    ))));
}

/// `build/lean.rs` rewrote every operation of the spec: none builds its URL as text or decodes
/// with progenitor's `from_response`. (A change of progenitor that its rewrites no longer match
/// leaves the code as generated with a warning; it fails here, and CI's strict build stops.)
#[cfg(feature = "client")]
#[test]
fn every_operation_is_sent_the_lean_way() {
    let client = include_str!(concat!(env!("OUT_DIR"), "/client.rs"));
    let operations = client.matches("pub async fn send(").count();
    assert!(operations >= 6, "{operations} operations");
    assert_eq!(client.matches("crate::path::url(").count(), operations);
    for progenitors in ["encode_path(&", "ResponseValue::from_response("] {
        assert!(
            !client.contains(progenitors),
            "{progenitors} is left in the generated client"
        );
    }
    assert!(client.contains("crate::read::decode("));
}

#[cfg(feature = "mock")]
#[test]
fn mock() {
    insta::assert_snapshot!(surface(include_str!(concat!(env!("OUT_DIR"), "/mock.rs"))));
}
