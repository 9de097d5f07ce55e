//! The catalog over HTTP: every catalog operation through the generated client, the refusals
//! of bad queries, a checkout held to the catalog, the inventory check, promotion eligibility,
//! agreements (kept across a restart), and catalogs read from files.

mod support;

use partner_center_carts::PartnerCenter;
use partner_center_carts::types::{
    Agreement, AgreementContact, Cart, CartLineItem, InventoryCheckRequest, InventoryItem,
    PromotionEligibilitiesRequest, PromotionEligibilityItem,
};
use partner_center_carts_emulator::{BUILT_IN_CATALOG, Catalog, Emulator, RunningEmulator};
use serde_json::{Value, json};
use support::CUSTOMER;

const E3: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
const TERMS_DIFFER: &str = "CFQ7TTC0MM8R:0002:CFQ7TTC0J1FV";
const NEEDS_AGREEMENT: &str = "CFQ7TTC0LCHC:0002:CFQ7TTC0N8SS";
const PROMOTION: &str = "39NFJQT1Q5KL:0001";

async fn started() -> (RunningEmulator, PartnerCenter) {
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    (emulator, pc)
}

fn line(catalog: &str, quantity: i32, cycle: &str, term: Option<&str>) -> CartLineItem {
    CartLineItem {
        catalog_item_id: catalog.into(),
        quantity,
        billing_cycle: cycle.into(),
        term_duration: term.map(Into::into),
        ..Default::default()
    }
}

/// Checks out a cart of one line; the refusal's status and code, if refused.
async fn checkout(pc: &PartnerCenter, line: CartLineItem) -> Result<(), (u16, i64)> {
    let customer = pc.customer(CUSTOMER);
    let cart = Cart {
        line_items: vec![line],
        ..Default::default()
    };
    let created = customer.create(&cart).await.unwrap();
    match customer.cart(created.id()).checkout().await {
        Ok(_) => Ok(()),
        Err(e) => Err((e.status().unwrap_or(0), e.code().unwrap_or(0))),
    }
}

/// A GET on the emulator with a token; the status and the JSON body.
async fn get(emulator: &RunningEmulator, path: &str) -> (u16, Value) {
    let answer = support::raw_http()
        .get(format!("{}{path}", emulator.url()))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn terms(terms: &Option<Vec<partner_center_carts::types::Term>>) -> Vec<(String, String)> {
    terms
        .iter()
        .flatten()
        .map(|t| {
            let cycle = t.billing_cycle.as_ref().map(|c| c.to_string());
            (t.duration.clone().unwrap(), cycle.unwrap_or_default())
        })
        .collect()
}

#[tokio::test]
async fn every_catalog_read_answers_from_the_built_in_catalog() {
    let (_emulator, pc) = started().await;
    let client = pc.generated();
    let products = client
        .list_products()
        .country("US")
        .target_view("OnlineServices")
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<_> = products
        .items
        .iter()
        .flatten()
        .filter_map(|p| p.id.clone())
        .collect();
    assert!(ids.contains(&"CFQ7TTC0LH0Z".to_string()), "{ids:?}");
    assert_eq!(products.total_count, Some(ids.len() as i32));
    let software = client
        .list_products()
        .country("us")
        .target_view("Software")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        software
            .items
            .iter()
            .flatten()
            .all(|p| p.id.as_deref().unwrap().starts_with("DG7GMGF0"))
    );
    // Another country sees an empty catalog.
    let elsewhere = client
        .list_products()
        .country("CA")
        .target_view("OnlineServices")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(elsewhere.total_count, Some(0));

    let product = client
        .get_product()
        .product_id("CFQ7TTC0LH0Z")
        .country("US")
        .send()
        .await
        .unwrap();
    assert_eq!(product.title.as_deref(), Some("Microsoft 365 E3"));
    let skus = client
        .list_skus()
        .product_id("CFQ7TTC0LH0Z")
        .country("US")
        .send()
        .await
        .unwrap();
    let trial = skus
        .items
        .iter()
        .flatten()
        .find(|s| s.is_trial == Some(true))
        .expect("a trial SKU");
    assert_eq!(trial.id.as_deref(), Some("0003"));
    let reservation = client
        .get_sku()
        .product_id("DZH318Z0BQ3Q")
        .sku_id("0009")
        .country("US")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reservation.provisioning_variables.as_deref().unwrap(),
        ["Scope", "SubscriptionId", "Duration"]
    );
    assert_eq!(
        reservation.dynamic_attributes.as_ref().unwrap()["duration"],
        "P3Y"
    );
    let listed = client
        .list_availabilities()
        .product_id("CFQ7TTC0LH0Z")
        .sku_id("0003")
        .country("US")
        .send()
        .await
        .unwrap();
    let trial_term = &listed.items.as_ref().unwrap()[0].terms.as_ref().unwrap()[0];
    assert_eq!(trial_term.billing_cycle.as_ref().unwrap().as_str(), "none");
    assert_eq!(
        trial_term.renewal_options.as_ref().unwrap()[0]
            .term_duration
            .as_deref(),
        Some("P1Y")
    );
    let one = client
        .get_availability()
        .product_id("CFQ7TTC0LH0Z")
        .sku_id("0001")
        .availability_id("CFQ7TTC0K18P")
        .country("US")
        .send()
        .await
        .unwrap();
    assert_eq!(one.catalog_item_id.as_deref(), Some(E3));

    // A customer sees what it can buy: not the availability that is not purchasable.
    let partner = client
        .list_availabilities()
        .product_id("CFQ7TTC0LFLS")
        .sku_id("0002")
        .country("US")
        .send()
        .await
        .unwrap();
    assert_eq!(partner.items.as_ref().unwrap().len(), 2);
    let customers = client
        .list_customer_availabilities()
        .customer_id(CUSTOMER)
        .product_id("CFQ7TTC0LFLS")
        .sku_id("0002")
        .send()
        .await
        .unwrap();
    assert_eq!(customers.items.as_ref().unwrap().len(), 1);
    let customer_products = client
        .list_customer_products()
        .customer_id(CUSTOMER)
        .target_view("AzureReservations")
        .send()
        .await
        .unwrap();
    assert_eq!(customer_products.items.as_ref().unwrap().len(), 2);
    let customer_skus = client
        .list_customer_skus()
        .customer_id(CUSTOMER)
        .product_id("CFQ7TTC0LH18")
        .send()
        .await
        .unwrap();
    assert_eq!(customer_skus.items.as_ref().unwrap().len(), 2);

    let promotions = client
        .list_promotions()
        .country("US")
        .segment("commercial")
        .send()
        .await
        .unwrap();
    assert_eq!(
        promotions.items.as_ref().unwrap()[0].id.as_deref(),
        Some(PROMOTION)
    );
    let promotion = client
        .get_promotion()
        .promotion_id(PROMOTION)
        .country("US")
        .send()
        .await
        .unwrap();
    assert_eq!(
        promotion.required_products.as_ref().unwrap()[0]
            .product_id
            .as_deref(),
        Some("CFQ7TTC0LH0Z")
    );
}

#[tokio::test]
async fn bad_queries_are_refused_in_the_services_shape() {
    let (emulator, _) = started().await;
    let c = format!("/v1/customers/{CUSTOMER}");
    for (path, status, code) in [
        (
            "/v1/products?targetView=OnlineServices".to_string(),
            400,
            800_002,
        ),
        ("/v1/products?country=US".into(), 400, 800_002),
        (
            "/v1/products?country=USA&targetView=Azure".into(),
            400,
            800_002,
        ),
        ("/v1/products/CFQ7TTC0LH0Z".into(), 400, 800_002),
        ("/v1/products/NOPE?country=US".into(), 404, 0),
        ("/v1/products/CFQ7TTC0LH0Z?country=CA".into(), 404, 0),
        (
            "/v1/products/CFQ7TTC0LH0Z/skus/9999?country=US".into(),
            404,
            0,
        ),
        ("/v1/productpromotions?country=US".into(), 400, 800_002),
        ("/v1/productpromotions/NOPE?country=US".into(), 404, 0),
        (format!("{c}/products"), 400, 800_002),
        (
            "/v1/customers/not-a-guid/products?targetView=Azure".into(),
            400,
            800_002,
        ),
        (format!("{c}/products/NOPE/skus"), 404, 0),
    ] {
        let (got, body) = get(&emulator, &path).await;
        assert_eq!(
            (got, body["code"].as_i64()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn the_single_read_of_an_availability_can_give_other_terms_than_its_list() {
    let (_emulator, pc) = started().await;
    let client = pc.generated();
    let listed = client
        .list_availabilities()
        .product_id("CFQ7TTC0MM8R")
        .sku_id("0002")
        .country("US")
        .send()
        .await
        .unwrap();
    let read = client
        .get_availability()
        .product_id("CFQ7TTC0MM8R")
        .sku_id("0002")
        .availability_id("CFQ7TTC0J1FV")
        .country("US")
        .send()
        .await
        .unwrap();
    let pair = |d: &str, c: &str| (d.to_string(), c.to_string());
    assert_eq!(
        terms(&listed.items.as_ref().unwrap()[0].terms),
        [pair("P1M", "monthly"), pair("P1Y", "annual")]
    );
    assert_eq!(
        terms(&read.terms),
        [pair("P1Y", "annual"), pair("P1Y", "monthly")]
    );
    // A checkout takes a term either answer gives, and refuses one neither does.
    let p1m = checkout(&pc, line(TERMS_DIFFER, 1, "monthly", Some("P1M"))).await;
    assert_eq!(p1m, Ok(()));
    let p1y = checkout(&pc, line(TERMS_DIFFER, 1, "monthly", Some("P1Y"))).await;
    assert_eq!(p1y, Ok(()));
    let p3y = checkout(&pc, line(TERMS_DIFFER, 1, "monthly", Some("P3Y"))).await;
    assert_eq!(p3y, Err((400, 400_039)));
}

#[tokio::test]
async fn a_checkout_is_held_to_the_catalog_with_the_services_codes() {
    let (_emulator, pc) = started().await;
    for (line, refused) in [
        (line(E3, 2, "monthly", Some("P1M")), None),
        (line(E3, 2, "annual", Some("P1Y")), None),
        (line("MS-AZR-0145P", 1, "monthly", None), None),
        (
            line("CFQ7TTC0LH0Z:0001:NOPE", 1, "monthly", None),
            Some((403, 800_089)),
        ),
        (line(E3, 1, "monthly", Some("P3Y")), Some((400, 400_039))),
        (line(E3, 1, "annual", Some("P1M")), Some((400, 800_009))),
        (line(E3, 1, "triennial", None), Some((400, 800_009))),
        (line(E3, 301, "monthly", None), Some((400, 800_009))),
        (
            line("CFQ7TTC0LFLS:0002:CFQ7TTC0KDLK", 1, "annual", None),
            Some((400, 800_009)),
        ),
        // A trial without its term, as Partner-Center-PowerShell #388 saw.
        (
            line("CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1", 1, "none", None),
            Some((400, 400_039)),
        ),
        (
            line("CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1", 1, "none", Some("P1M")),
            None,
        ),
    ] {
        let said = checkout(&pc, line.clone()).await;
        assert_eq!(said.err(), refused, "{line:?}");
    }

    // A refused checkout leaves the cart as it was: fixed, it checks out.
    let customer = pc.customer(CUSTOMER);
    let cart = Cart {
        line_items: vec![line(E3, 1, "monthly", Some("P3Y"))],
        ..Default::default()
    };
    let created = customer.create(&cart).await.unwrap();
    let refused = customer.cart(created.id()).checkout().await.unwrap_err();
    assert_eq!(refused.code(), Some(400_039));
    customer
        .cart(created.id())
        .modify(|c| c.line_items[0].term_duration = Some("P1M".into()))
        .await
        .unwrap();
    let outcome = customer.cart(created.id()).checkout().await.unwrap();
    assert!(outcome.is_complete());

    // The line errors are in the answer's data.
    let emulator = Emulator::new().start().await.unwrap();
    let url = format!("{}/v1/customers/{CUSTOMER}/carts", emulator.url());
    let http = support::raw_http();
    let created: Value = http
        .post(&url)
        .bearer_auth("t")
        .json(&json!({"lineItems": [{"catalogItemId": E3, "quantity": 400, "billingCycle": "monthly"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answer = http
        .post(format!(
            "{url}/{}/checkout",
            created["id"].as_str().unwrap()
        ))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let error: Value = answer.json().await.unwrap();
    assert_eq!(error["data"][0]["errorCode"], 10_015, "{error}");
    assert_eq!(error["data"][0]["lineItemId"], 0, "{error}");
}

#[tokio::test]
async fn without_the_check_made_up_catalog_items_check_out() {
    let emulator = Emulator::new().check_catalog(false).start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    assert_eq!(
        checkout(&pc, line("A:1:B", 1, "monthly", None)).await,
        Ok(())
    );
}

#[tokio::test]
async fn the_inventory_is_restricted_in_one_region_and_not_another() {
    let (_emulator, pc) = started().await;
    let client = pc.generated();
    let check = |region: &str| InventoryCheckRequest {
        target_items: Some(vec![
            InventoryItem {
                product_id: Some("DZH318Z0BQ3Q".into()),
                sku_id: Some("0009".into()),
                ..Default::default()
            },
            InventoryItem {
                product_id: Some("NOPE".into()),
                sku_id: Some("0001".into()),
                ..Default::default()
            },
        ]),
        inventory_context: Some(
            [
                ("customerId".to_string(), CUSTOMER.to_string()),
                ("armRegionName".to_string(), region.to_string()),
            ]
            .into_iter()
            .collect(),
        ),
        ..Default::default()
    };
    let west = client
        .check_inventory()
        .country("US")
        .body(check("westus"))
        .send()
        .await
        .unwrap();
    assert_eq!(west[0].is_restricted, Some(true));
    let reason = &west[0].restrictions.as_ref().unwrap()[0];
    assert_eq!(
        reason.reason_code.as_deref(),
        Some("NotAvailableForSubscription")
    );
    assert_eq!(west[1].is_restricted, Some(true), "not in the catalog");
    let east = client
        .check_inventory()
        .country("US")
        .body(check("eastus"))
        .send()
        .await
        .unwrap();
    assert_eq!(east[0].is_restricted, Some(false));
    assert!(east[0].restrictions.as_ref().unwrap().is_empty());
}

#[tokio::test]
async fn a_promotion_is_for_its_term_and_billing_cycle() {
    let (_emulator, pc) = started().await;
    let item = |id: i32, term: &str, cycle: &str| PromotionEligibilityItem {
        id: Some(id),
        catalog_item_id: Some(E3.into()),
        quantity: Some(5),
        term_duration: Some(term.into()),
        billing_cycle: Some(cycle.into()),
        promotion_id: Some(PROMOTION.into()),
        ..Default::default()
    };
    let answer = pc
        .generated()
        .check_promotion_eligibilities()
        .customer_id(CUSTOMER)
        .body(PromotionEligibilitiesRequest {
            items: Some(vec![item(0, "P1Y", "annual"), item(1, "P1M", "monthly")]),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let items = answer.items.as_ref().unwrap();
    let annual = &items[0].eligibilities.as_ref().unwrap()[0];
    assert_eq!(annual.is_eligible, Some(true));
    let monthly = &items[1].eligibilities.as_ref().unwrap()[0];
    assert_eq!(monthly.is_eligible, Some(false));
    let error = &monthly.errors.as_ref().unwrap()[0];
    assert_eq!(error.code.as_ref().and_then(|c| c.number()), Some(2));
    assert!(error.description.as_deref().unwrap().contains("term"));
}

fn agreement(email: &str) -> Agreement {
    Agreement {
        primary_contact: Some(AgreementContact {
            first_name: Some("Ana".into()),
            last_name: Some("Silva".into()),
            email: Some(email.into()),
            ..Default::default()
        }),
        date_agreed: Some("2026-11-02T00:00:00Z".into()),
        type_: Some("MicrosoftCustomerAgreement".into()),
        template_id: Some("117a77b0-9360-443b-8795-c6dedc750cf9".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_sku_that_needs_the_customer_agreement_is_bought_once_it_is_confirmed_and_kept() {
    let dir = std::env::temp_dir().join(format!("emulator-catalog-{}", uuid::Uuid::new_v4()));
    let first = Emulator::new().data_dir(&dir).start().await.unwrap();
    let pc = first.client().build().unwrap();
    let client = pc.generated();
    let listed = client
        .list_agreements()
        .customer_id(CUSTOMER)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(0));
    let needs = || line(NEEDS_AGREEMENT, 1, "monthly", Some("P1M"));
    assert_eq!(checkout(&pc, needs()).await, Err((400, 800_009)));

    // Required fields missing: 400 / 800002.
    let url = format!("{}/v1/customers/{CUSTOMER}/agreements", first.url());
    let refused = support::raw_http()
        .post(&url)
        .bearer_auth("t")
        .json(&json!({"type": "MicrosoftCustomerAgreement"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], 800_002);
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("primaryContact.email")
    );

    let created = client
        .create_agreement()
        .customer_id(CUSTOMER)
        .body(agreement("ana@contoso.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert!(created.agreement_link.is_some() && created.user_id.is_some());
    // The same contact confirming again is refused, as the service documents.
    let again = support::raw_http()
        .post(&url)
        .bearer_auth("t")
        .json(&agreement("ana@contoso.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(checkout(&pc, needs()).await, Ok(()));
    let other_type = client
        .list_agreements()
        .customer_id(CUSTOMER)
        .agreement_type("MicrosoftCloudAgreement")
        .send()
        .await
        .unwrap();
    assert_eq!(other_type.total_count, Some(0));
    first.shutdown().await;

    // Kept across a restart on the same directory.
    let second = Emulator::new().data_dir(&dir).start().await.unwrap();
    let pc = second.client().build().unwrap();
    let listed = pc
        .generated()
        .list_agreements()
        .customer_id(CUSTOMER)
        .agreement_type("microsoftcustomeragreement")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(1));
    assert_eq!(checkout(&pc, needs()).await, Ok(()));
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_catalog_is_read_from_a_file_and_a_bad_one_is_refused_with_why() {
    let dir = std::env::temp_dir().join(format!("emulator-catalog-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("catalog.json");
    std::fs::write(
        &path,
        r#"{"country": "GB", "currency": {"code": "GBP", "symbol": "£"},
            "products": [{"id": "OURS", "title": "Our product",
              "productType": {"id": "OnlineServices"},
              "skus": [{"id": "0001", "minimumQuantity": 1, "maximumQuantity": 5,
                        "supportedBillingCycles": ["monthly"],
                        "availabilities": [{"id": "A1", "isPurchasable": true,
                          "terms": [{"duration": "P1M", "billingCycle": "monthly"}]}]}]}]}"#,
    )
    .unwrap();
    let catalog = Catalog::from_file(&path).unwrap();
    assert_eq!(catalog.country(), "GB");
    let emulator = Emulator::new().catalog(catalog).start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let one = pc
        .generated()
        .get_availability()
        .product_id("OURS")
        .sku_id("0001")
        .availability_id("A1")
        .country("GB")
        .send()
        .await
        .unwrap();
    assert_eq!(
        one.default_currency.as_ref().unwrap().code.as_deref(),
        Some("GBP")
    );
    assert_eq!(
        checkout(&pc, line("OURS:0001:A1", 5, "monthly", Some("P1M"))).await,
        Ok(())
    );
    assert_eq!(
        checkout(&pc, line(E3, 1, "monthly", None)).await,
        Err((403, 800_089))
    );

    // Bad files: each refused with the file and the reason.
    for (text, said) in [
        ("not json".to_string(), "not JSON"),
        (
            r#"{"country": "US", "products": [{"id": "P", "skus": {}}]}"#.into(),
            "products[0].skus is not a list",
        ),
        (
            format!(
                "{{\"country\": \"US\", \"pad\": \"{}\"}}",
                "x".repeat(4 * 1024 * 1024)
            ),
            "larger than",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let refused = Catalog::from_file(&path).unwrap_err().to_string();
        assert!(
            refused.contains(said) && refused.contains("catalog.json"),
            "{refused}"
        );
    }
    let missing = Catalog::from_file(dir.join("missing.json")).unwrap_err();
    assert!(missing.to_string().contains("missing.json"));
    // The built-in catalog's file is the example to copy.
    assert!(Catalog::from_json(BUILT_IN_CATALOG).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
