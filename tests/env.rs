//! Configuration from PARTNER_CENTER_* variables, read through a lookup as from the environment.

mod support;

use std::collections::HashMap;

use partner_center_carts::{ErrorKind, PartnerCenterBuilder};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[tokio::test]
async fn a_token_and_a_base_url_make_a_client_that_sends_them() {
    let server = httpmock::MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.path(support::cart_path())
                .header("authorization", "Bearer from-env")
                .header("x-locale", "nl-NL");
            then.status(200)
                .json_body(serde_json::json!({"id": support::CART, "lineItems": []}));
        })
        .await;
    let pc = PartnerCenterBuilder::from_lookup(lookup(&[
        ("PARTNER_CENTER_BASE_URL", &server.base_url()),
        ("PARTNER_CENTER_TOKEN", "from-env"),
        ("PARTNER_CENTER_LOCALE", "nl-NL"),
        ("PARTNER_CENTER_TENANT_ID", "ignored when there is a token"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    let cart = pc
        .customer(support::CUSTOMER)
        .cart(support::CART)
        .get()
        .await
        .unwrap();
    assert_eq!(cart.id(), support::CART);
    get.assert_async().await;
}

#[test]
fn missing_credentials_name_the_variables_to_set() {
    let none =
        PartnerCenterBuilder::from_lookup(lookup(&[("PARTNER_CENTER_TOKEN", " ")])).unwrap_err();
    assert!(matches!(none.kind(), ErrorKind::Config(_)), "{none:?}");
    for name in [
        "PARTNER_CENTER_TOKEN",
        "PARTNER_CENTER_TENANT_ID",
        "PARTNER_CENTER_CLIENT_ID",
        "PARTNER_CENTER_CLIENT_SECRET",
    ] {
        assert!(none.to_string().contains(name), "{name} in: {none}");
    }

    let partial = PartnerCenterBuilder::from_lookup(lookup(&[(
        "PARTNER_CENTER_TENANT_ID",
        "contoso.onmicrosoft.com",
    )]))
    .unwrap_err();
    let says = partial.to_string();
    assert!(
        says.contains("PARTNER_CENTER_CLIENT_ID and PARTNER_CENTER_CLIENT_SECRET")
            && !says.contains("need PARTNER_CENTER_TENANT_ID"),
        "{says}"
    );
}

#[test]
fn client_credentials_build_a_client_and_a_bad_authority_is_refused() {
    let credentials = [
        ("PARTNER_CENTER_TENANT_ID", "contoso.onmicrosoft.com"),
        ("PARTNER_CENTER_CLIENT_ID", "app"),
        ("PARTNER_CENTER_CLIENT_SECRET", "secret"),
    ];
    assert!(
        PartnerCenterBuilder::from_lookup(lookup(&credentials))
            .unwrap()
            .build()
            .is_ok()
    );
    let mut bad = credentials.to_vec();
    bad.push(("PARTNER_CENTER_AUTHORITY", "http://login.example.com"));
    let error = PartnerCenterBuilder::from_lookup(lookup(&bad)).unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
}

#[test]
fn the_guide_lists_every_variable_with_its_meaning() {
    let guide = include_str!("../docs/client.md");
    for (name, meaning) in partner_center_carts::env::VARIABLES {
        assert!(
            guide.contains(&format!("| `{name}` | {meaning} |")),
            "the table in docs/client.md has no row for {name}"
        );
    }
}
