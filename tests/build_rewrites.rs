//! The rewrites of progenitor's output (`build/`) recognise the code they change by its syntax
//! tree, and leave code of a shape they do not know as progenitor wrote it, with one line that
//! names the rewrite and the progenitor release they were written for (a `cargo:warning`; an
//! error where the build is strict). Here each is fed one operation as progenitor 0.15.1
//! generates it (trimmed to one header), then that operation with one detail changed, as
//! another release might write it.

#[path = "../build/lean.rs"]
mod lean;
#[path = "../build/mocks.rs"]
mod mocks;
#[path = "../build/shape.rs"]
mod shape;

use shape::{PROGENITOR, Unrecognised};

/// `updateCart` as progenitor 0.15.1 writes it (builder interface, hooks expected).
const UPDATE_CART: &str = r#"
pub mod builder {
    use super::types;
    pub struct UpdateCart<'a> {
        client: &'a super::Client,
        customer_id: Result<::std::string::String, String>,
        cart_id: Result<::std::string::String, String>,
        x_locale: Result<Option<::std::string::String>, String>,
        body: Result<types::builder::Cart, String>,
    }
    impl<'a> UpdateCart<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                customer_id: Err("customer_id was not initialized".to_string()),
                cart_id: Err("cart_id was not initialized".to_string()),
                x_locale: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Cart>,
            <V as std::convert::TryInto<types::Cart>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| format!("conversion to `Cart` for body failed: {}", s));
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Cart) -> types::builder::Cart,
        {
            self.body = self.body.map(f);
            self
        }
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Cart>, Error<types::PartnerCenterError>> {
            let Self { client, customer_id, cart_id, x_locale, body } = self;
            let customer_id = customer_id.map_err(Error::InvalidRequest)?;
            let cart_id = cart_id.map_err(Error::InvalidRequest)?;
            let x_locale = x_locale.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::Cart::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/v1/customers/{}/carts/{}", client.baseurl, encode_path(& customer_id
                .to_string()), encode_path(& cart_id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_locale {
                header_map.append("X-Locale", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "update_cart",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(Error::ErrorResponse(ResponseValue::from_response(response).await?))
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}
"#;

/// The path-parameter matcher of `getCart`'s typed mock, as progenitor 0.15.1 writes it.
const GET_CART_WHEN: &str = r#"
pub mod operations {
    pub struct GetCartWhen(::httpmock::When);
    impl GetCartWhen {
        pub fn new(inner: ::httpmock::When) -> Self {
            Self(
                inner
                    .method(::httpmock::Method::GET)
                    .path_matches(
                        regex::Regex::new("^/v1/customers/[^/]*/carts/[^/]*$").unwrap(),
                    ),
            )
        }
        pub fn cart_id(self, value: &::std::string::String) -> Self {
            let re = regex::Regex::new(
                    &format!("^/v1/customers/.*/carts/{}$", value.to_string()),
                )
                .unwrap();
            Self(self.0.path_matches(re))
        }
        pub fn ms_request_id<'a, T>(self, value: T) -> Self
        where
            T: Into<Option<&'a ::std::string::String>>,
        {
            if let Some(value) = value.into() {
                Self(self.0.header("MS-RequestId", value.to_string()))
            } else {
                Self(self.0.header_missing("MS-RequestId"))
            }
        }
    }
}
"#;

/// The rewritten code, and the reports of what was left as generated.
fn client(source: &str) -> (String, Vec<Unrecognised>) {
    let mut file = syn::parse_file(source).expect("the fixture parses");
    let left = lean::requests(&mut file.items);
    (prettyplease::unparse(&file), left)
}

fn mock(source: &str) -> (String, Vec<Unrecognised>) {
    let mut file = syn::parse_file(source).expect("the fixture parses");
    let left = mocks::ids_as_str(&mut file.items);
    (prettyplease::unparse(&file), left)
}

/// `UPDATE_CART` with `from` replaced by `to`, which must be in it.
fn changed(from: &str, to: &str) -> String {
    assert!(UPDATE_CART.contains(from), "{from}");
    UPDATE_CART.replacen(from, to, 1)
}

/// The operation is left exactly as generated, and reported.
fn assert_left(source: &str, rewritten: (String, Vec<Unrecognised>), rewrite: &str, found: &str) {
    let (code, left) = rewritten;
    let as_generated = prettyplease::unparse(&syn::parse_file(source).unwrap());
    assert_eq!(code, as_generated, "left as generated");
    assert_report(&left, rewrite, found);
}

/// One report, of one line, names the rewrite, the release and what it found.
fn assert_report(left: &[Unrecognised], rewrite: &str, found: &str) {
    let [report] = left else {
        panic!("one report: {left:?}")
    };
    assert_eq!(report.rewrite, rewrite, "{report}");
    let line = report.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.contains(&format!("`{rewrite}`")), "{line}");
    assert!(line.contains(&format!("progenitor {PROGENITOR}")), "{line}");
    assert!(line.contains("left as progenitor wrote it"), "{line}");
    assert!(line.contains(found), "{line}");
}

#[test]
fn the_operation_as_generated_is_rewritten_whole() {
    let (rewritten, left) = client(UPDATE_CART);
    assert!(left.is_empty(), "{left:?}");
    for expected in [
        "let url = crate::path::url(",
        "crate::path::Piece::Fixed(\"v1\")",
        "crate::path::Piece::Param(&customer_id)",
        "crate::path::Piece::Param(&cart_id)",
        "crate::read::decode(response)",
    ] {
        assert!(rewritten.contains(expected), "{expected} in\n{rewritten}");
    }
    for gone in ["encode_path", "from_response"] {
        assert!(!rewritten.contains(gone), "{gone} left in\n{rewritten}");
    }
}

#[test]
fn a_url_built_another_way_is_left_as_generated() {
    for (from, to, found) in [
        (
            "client.baseurl,",
            "client.baseurl(),",
            "operation UpdateCart: a URL that does not start with `client.baseurl`",
        ),
        (
            "encode_path(& cart_id.to_string())",
            "encode_path(cart_id.as_str())",
            "encode_path(&value.to_string())",
        ),
        (
            "let url = format!(",
            "let url = concat_url!(",
            "not built with `format!`",
        ),
    ] {
        let source = changed(from, to);
        assert_left(&source, client(&source), "url", found);
    }
}

#[test]
fn a_path_the_url_rewrite_cannot_send_as_written_is_left_as_generated() {
    let source = changed("/carts/{}\"", "/carts/{}:validate\"");
    assert_left(
        &source,
        client(&source),
        "url",
        "mixes a parameter with text",
    );
    let source = changed("/v1/customers/", "/v1/../customers/");
    assert_left(&source, client(&source), "url", "the segment \"..\"");
    // Any other character a path segment may hold as it is, is sent as it is.
    let (rewritten, left) = client(&changed("/carts/{}\"", "/carts/{}/a:b@c$d\""));
    assert!(left.is_empty(), "{left:?}");
    assert!(
        rewritten.contains("Piece::Fixed(\"a:b@c$d\")"),
        "{rewritten}"
    );
}

#[test]
fn an_answer_decoded_another_way_is_left_as_generated() {
    let source = UPDATE_CART.replace(
        "ResponseValue::from_response(response)",
        "ResponseValue::from_json(response)",
    );
    assert_left(
        &source,
        client(&source),
        "decode",
        "operation UpdateCart: no `ResponseValue::from_response(response)`",
    );
}

#[test]
fn mock_ids_are_str_and_matched_as_text() {
    let (rewritten, left) = mock(GET_CART_WHEN);
    assert!(left.is_empty(), "{left:?}");
    assert!(rewritten.contains("value: &str"), "{rewritten}");
    assert!(rewritten.contains("Into<Option<&'a str>>"), "{rewritten}");
    assert!(!rewritten.contains("String"), "{rewritten}");
    let flat: String = rewritten.split_whitespace().collect();
    assert!(
        flat.contains("format!(\"^/v1/customers/.*/carts/{}$\",regex::escape(&value.to_string()))"),
        "{rewritten}"
    );
    // The whole-path matcher of `new` has no parameter, and stays as it is.
    assert!(rewritten.contains("Regex::new(\"^/v1/customers/[^/]*/carts/[^/]*$\")"));
}

#[test]
fn a_mock_path_matched_another_way_is_left_as_generated() {
    // That method alone: the others are still rewritten.
    let source = GET_CART_WHEN.replace("value.to_string()),", "value.as_str()),");
    let (code, left) = mock(&source);
    assert_report(
        &left,
        "ids_as_str",
        "mock method cart_id: a path regular expression not made from `value.to_string()`",
    );
    assert!(
        code.contains("pub fn cart_id(self, value: &::std::string::String)"),
        "{code}"
    );
    assert!(code.contains("value.as_str()"), "{code}");
    assert!(code.contains("Into<Option<&'a str>>"), "{code}");

    let source = GET_CART_WHEN.replace(
        "&format!(\"^/v1/customers/.*/carts/{}$\", value.to_string())",
        "&path_regex(value)",
    );
    let (code, left) = mock(&source);
    assert_report(&left, "ids_as_str", "something other than `format!`");
    assert!(code.contains("&path_regex(value)"), "{code}");
}

/// A library must resolve beside other clients of the same generator: no exact requirement
/// anywhere in the client's manifest, and the generator's crates within the 0.15 line.
#[test]
fn no_dependency_is_pinned_exactly() {
    let manifest = include_str!("../Cargo.toml");
    let pinned: Vec<&str> = manifest
        .lines()
        .filter(|line| line.contains("version = \"=") || line.contains(" = \"="))
        .collect();
    assert!(pinned.is_empty(), "exact requirements: {pinned:?}");
    for name in ["progenitor-client", "progenitor"] {
        let line = manifest
            .lines()
            .find(|line| line.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("Cargo.toml names {name}"));
        assert!(line.contains("version = \"0.15."), "{line}");
    }
}
