//! The rewrites of progenitor's output (`build/`) recognise the code they change by its syntax
//! tree, and stop the build on a shape they do not know, with one line that names the rewrite
//! and the progenitor release they were written for. Here each is fed one operation as
//! progenitor 0.15.1 generates it (trimmed to one header), then that operation with one detail
//! changed, as another release might write it.

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

fn client(source: &str) -> Result<String, Unrecognised> {
    let mut file = syn::parse_file(source).expect("the fixture parses");
    lean::requests(&mut file.items)?;
    Ok(prettyplease::unparse(&file))
}

fn mock(source: &str) -> Result<String, Unrecognised> {
    let mut file = syn::parse_file(source).expect("the fixture parses");
    mocks::ids_as_str(&mut file.items)?;
    Ok(prettyplease::unparse(&file))
}

/// `UPDATE_CART` with `from` replaced by `to`, which must be in it.
fn changed(from: &str, to: &str) -> String {
    assert!(UPDATE_CART.contains(from), "{from}");
    UPDATE_CART.replacen(from, to, 1)
}

/// The error's one line names the rewrite and the release, and says what to do.
fn assert_stops(result: Result<String, Unrecognised>, rewrite: &str, found: &str) {
    let error = result.expect_err("the rewrite refuses the changed shape");
    assert_eq!(error.rewrite, rewrite, "{error}");
    let line = error.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.contains(&format!("`{rewrite}`")), "{line}");
    assert!(
        line.contains(&format!("progenitor ={PROGENITOR}")),
        "{line}"
    );
    assert!(
        line.contains("keep that version, or update the rewrite"),
        "{line}"
    );
    assert!(line.contains(found), "{line}");
}

#[test]
fn the_operation_as_generated_is_rewritten_whole() {
    let rewritten = client(UPDATE_CART).unwrap();
    for expected in [
        "let url = crate::path::url(",
        "crate::path::Piece::Fixed(\"v1\")",
        "crate::path::Piece::Param(&customer_id)",
        "crate::path::Piece::Param(&cart_id)",
        "HeaderMap::new()",
        "crate::read::decode(response)",
        "crate::request_body::Body<types::Cart, types::builder::Cart>",
        "Ok(crate::request_body::Body::Unset)",
        ".map(crate::request_body::Body::Value)",
        ".and_then(crate::request_body::Body::into_value)",
    ] {
        assert!(rewritten.contains(expected), "{expected} in\n{rewritten}");
    }
    for gone in [
        "api-version",
        "encode_path",
        "from_response",
        "with_capacity",
        "try_from",
    ] {
        assert!(!rewritten.contains(gone), "{gone} left in\n{rewritten}");
    }
}

#[test]
fn a_url_built_another_way_stops_the_build() {
    assert_stops(
        client(&changed("client.baseurl,", "client.baseurl(),")),
        "url",
        "operation UpdateCart: a URL that does not start with `client.baseurl`",
    );
    assert_stops(
        client(&changed(
            "encode_path(& cart_id.to_string())",
            "encode_path(cart_id.as_str())",
        )),
        "url",
        "encode_path(&value.to_string())",
    );
    assert_stops(
        client(&changed("let url = format!(", "let url = concat_url!(")),
        "url",
        "not built with `format!`",
    );
}

#[test]
fn a_path_the_url_rewrite_cannot_send_as_written_stops_the_build() {
    assert_stops(
        client(&changed("/carts/{}\"", "/carts/{}:validate\"")),
        "url",
        "mixes a parameter with text",
    );
    assert_stops(
        client(&changed("/v1/customers/", "/v1/../customers/")),
        "url",
        "the segment \"..\"",
    );
    // Any other character a path segment may hold as it is, is sent as it is.
    let rewritten = client(&changed("/carts/{}\"", "/carts/{}/a:b@c$d\"")).unwrap();
    assert!(
        rewritten.contains("Piece::Fixed(\"a:b@c$d\")"),
        "{rewritten}"
    );
}

#[test]
fn an_api_version_header_set_another_way_stops_the_build() {
    assert_stops(
        client(&changed(
            "header_map\n                .append(",
            "header_map.insert(",
        )),
        "drop_api_version",
        "0 of `header_map.append(HeaderName::from_static(\"api-version\"), ...)`",
    );
}

#[test]
fn a_header_map_made_another_way_stops_the_build() {
    assert_stops(
        client(&changed(
            "HeaderMap::with_capacity(2usize)",
            "HeaderMap::default()",
        )),
        "header_map",
        "not made by `HeaderMap::with_capacity`",
    );
}

#[test]
fn an_answer_decoded_another_way_stops_the_build() {
    let source = UPDATE_CART.replace(
        "ResponseValue::from_response(response)",
        "ResponseValue::from_json(response)",
    );
    assert_stops(
        client(&source),
        "decode",
        "operation UpdateCart: no `ResponseValue::from_response(response)`",
    );
}

#[test]
fn a_body_handled_another_way_stops_the_build() {
    assert_stops(
        client(&changed(
            ".and_then(|v| types::Cart::try_from(v).map_err(|e| e.to_string()))",
            ".and_then(|v| v.build())",
        )),
        "bodies_as_set",
        "in `send`",
    );
    assert_stops(
        client(&changed("self.body.map(f)", "self.body.map(|b| f(b))")),
        "bodies_as_set",
        "`.map(f)` in `body_map`",
    );
    assert_stops(
        client(&changed(
            "body: Result<types::builder::Cart, String>",
            "body: Result<Box<types::builder::Cart>, String>",
        )),
        "bodies_as_set",
        "a body field that names a builder",
    );
}

#[test]
fn mock_ids_are_str_and_matched_as_text() {
    let rewritten = mock(GET_CART_WHEN).unwrap();
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
fn a_mock_path_matched_another_way_stops_the_build() {
    let source = GET_CART_WHEN.replace("value.to_string()),", "value.as_str()),");
    assert_stops(
        mock(&source),
        "ids_as_str",
        "mock method cart_id: a path regular expression not made from `value.to_string()`",
    );
    let source = GET_CART_WHEN.replace(
        "&format!(\"^/v1/customers/.*/carts/{}$\", value.to_string())",
        "&path_regex(value)",
    );
    assert_stops(
        mock(&source),
        "ids_as_str",
        "something other than `format!`",
    );
}

/// The versions the rewrites were written for are the versions the build gets.
#[test]
fn the_generator_is_pinned_to_the_release_the_rewrites_know() {
    let manifest = include_str!("../Cargo.toml");
    for name in ["progenitor-client", "progenitor", "progenitor-impl"] {
        let line = manifest
            .lines()
            .find(|line| line.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("Cargo.toml names {name}"));
        assert!(
            line.contains(&format!("version = \"={PROGENITOR}\"")),
            "{line}"
        );
    }
}
