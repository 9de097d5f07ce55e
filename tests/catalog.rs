//! The catalog's operations against httpmock, where each request must be exact: every read's
//! path, query and headers; the ids refused before sending; the check POSTs; the agreements,
//! read and confirmed with a request id. And `customer.line`: a line made from what the
//! customer's catalog says, the terms of the list and of the single availability together, a
//! refusal that names what is offered. (The plan: tests/plan.rs.)

mod support;

use httpmock::prelude::*;
use partner_center_carts::catalog::LineProblem;
use partner_center_carts::error::Effect;
use partner_center_carts::types::{
    Agreement, InventoryCheckRequest, PromotionEligibilityItem, PurchasePrerequisite,
};
use partner_center_carts::{ErrorKind, Operation, RequestId};
use serde_json::{Value, json};
use support::{CUSTOMER, TOKEN, example};

/// Every header a read carries.
fn headers(when: httpmock::When) -> httpmock::When {
    when.header("authorization", format!("Bearer {TOKEN}"))
        .header("accept", "application/json")
        .header("ms-contract-version", "v1")
        .header("x-locale", "en-US")
        .header_exists("ms-requestid")
        .header_exists("ms-correlationid")
}

#[tokio::test]
async fn each_country_read_goes_to_its_path_with_its_query_and_headers() {
    let server = MockServer::start_async().await;
    let products = server.mock(|when, then| {
        headers(when.method(GET).path("/v1/products"))
            .query_param("country", "US")
            .query_param("targetView", "OnlineServices")
            .query_param("targetSegment", "commercial")
            .query_param("reservationScope", "AzurePlan");
        then.status(200).json_body(example("ProductList"));
    });
    let product = server.mock(|when, then| {
        headers(when.method(GET).path("/v1/products/CFQ7TTC0LH0Z")).query_param("country", "US");
        then.status(200).json_body(example("OneProduct"));
    });
    let skus = server.mock(|when, then| {
        headers(when.method(GET).path("/v1/products/CFQ7TTC0LH0Z/skus"))
            .query_param("country", "US")
            .query_param("targetSegment", "commercial");
        then.status(200).json_body(example("SkuList"));
    });
    let sku = server.mock(|when, then| {
        headers(when.method(GET).path("/v1/products/DZH318Z0BQ3Q/skus/0009"))
            .query_param("country", "US");
        then.status(200).json_body(example("OneSku"));
    });
    let availabilities = server.mock(|when, then| {
        headers(
            when.method(GET)
                .path("/v1/products/CFQ7TTC0LH0Z/skus/0001/availabilities"),
        )
        .query_param("country", "US")
        .query_param("targetSegment", "commercial");
        then.status(200).json_body(example("AvailabilityList"));
    });
    let availability = server.mock(|when, then| {
        headers(
            when.method(GET)
                .path("/v1/products/CFQ7TTC0LH0Z/skus/0002/availabilities/CFQ7TTC0TRL1"),
        )
        .query_param("country", "US");
        then.status(200).json_body(example("OneAvailability"));
    });
    let pc = support::client(&server);
    let catalog = pc
        .catalog("US")
        .segment("commercial")
        .reservation_scope("AzurePlan");
    let listed = catalog.products("OnlineServices").await.unwrap();
    assert_eq!(listed.items.unwrap()[0].id.as_deref(), Some("CFQ7TTC0LH0Z"));
    assert_eq!(
        catalog
            .product("CFQ7TTC0LH0Z")
            .await
            .unwrap()
            .title
            .as_deref(),
        Some("Microsoft 365 E3")
    );
    // The reservation scope goes on the lists of products and SKUs only; httpmock does not
    // refuse an extra parameter, so the SKU list is asked without it below.
    let skus_listed = pc
        .catalog("US")
        .segment("commercial")
        .skus("CFQ7TTC0LH0Z")
        .await
        .unwrap();
    assert_eq!(skus_listed.items.unwrap()[0].maximum_quantity, Some(300));
    let one = catalog.sku("DZH318Z0BQ3Q", "0009").await.unwrap();
    assert_eq!(
        one.purchase_prerequisites.unwrap()[0].as_str(),
        PurchasePrerequisite::INVENTORY_CHECK
    );
    let offered = catalog
        .availabilities("CFQ7TTC0LH0Z", "0001")
        .await
        .unwrap();
    assert_eq!(offered.items.unwrap()[0].terms.as_ref().unwrap().len(), 2);
    let trial = catalog
        .availability("CFQ7TTC0LH0Z", "0002", "CFQ7TTC0TRL1")
        .await
        .unwrap();
    assert_eq!(trial.is_purchasable, Some(true));
    for mock in [products, product, skus, sku, availabilities, availability] {
        mock.assert();
    }
}

#[tokio::test]
async fn each_customer_read_goes_to_its_path() {
    let server = MockServer::start_async().await;
    let base = format!("/v1/customers/{CUSTOMER}/products");
    let products = server.mock(|when, then| {
        headers(when.method(GET).path(&base)).query_param("targetView", "Azure");
        then.status(200).json_body(example("ProductList"));
    });
    let skus = server.mock(|when, then| {
        headers(when.method(GET).path(format!("{base}/CFQ7TTC0LH0Z/skus")))
            .query_param_missing("country");
        then.status(200).json_body(example("SkuList"));
    });
    let availabilities = server.mock(|when, then| {
        headers(
            when.method(GET)
                .path(format!("{base}/CFQ7TTC0LH0Z/skus/0001/availabilities")),
        )
        .query_param_missing("country");
        then.status(200).json_body(example("AvailabilityList"));
    });
    let pc = support::client(&server);
    let catalog = pc.customer(CUSTOMER).catalog();
    assert_eq!(catalog.customer_id(), CUSTOMER);
    catalog.products("Azure").await.unwrap();
    catalog.skus("CFQ7TTC0LH0Z").await.unwrap();
    catalog
        .availabilities("CFQ7TTC0LH0Z", "0001")
        .await
        .unwrap();
    for mock in [products, skus, availabilities] {
        mock.assert();
    }
}

#[tokio::test]
async fn ids_and_countries_that_are_not_ones_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server.mock(|_, then| {
        then.status(200).json_body(json!({}));
    });
    let pc = support::client(&server);
    let bad = [
        pc.catalog("USA")
            .products("OnlineServices")
            .await
            .unwrap_err(),
        pc.catalog("US").product("../admin").await.unwrap_err(),
        pc.catalog("US").sku("CFQ7TTC0LH0Z", "").await.unwrap_err(),
        pc.catalog("US")
            .availability("CFQ7TTC0LH0Z", "0001", "a/b")
            .await
            .unwrap_err(),
        pc.customer("not-a-guid")
            .catalog()
            .skus("CFQ7TTC0LH0Z")
            .await
            .unwrap_err(),
        pc.customer(CUSTOMER)
            .catalog()
            .availabilities("CFQ7TTC0LH0Z", "00 01")
            .await
            .unwrap_err(),
        pc.promotion("US", "39NFJQT1Q5KL:0001?x=1")
            .await
            .unwrap_err(),
        pc.check_inventory("", &InventoryCheckRequest::default())
            .await
            .unwrap_err(),
        pc.customer("../x").agreements(None).await.unwrap_err(),
    ];
    for e in bad {
        assert!(matches!(e.kind(), ErrorKind::InvalidInput(_)), "{e:?}");
        assert_eq!(e.effect(), Effect::None);
    }
    assert_eq!(any.calls(), 0);
}

#[tokio::test]
async fn the_checks_post_their_bodies_and_read_their_answers() {
    let server = MockServer::start_async().await;
    let inventory = server.mock(|when, then| {
        headers(
            when.method(POST)
                .path("/v1/extensions/product/checkinventory"),
        )
        .query_param("country", "US")
        .header("content-type", "application/json")
        .json_body(example("InventoryCheckRequestExample"));
        then.status(200).json_body(example("InventoryChecked"));
    });
    let eligibility = server.mock(|when, then| {
        headers(
            when.method(POST)
                .path(format!("/v1/customers/{CUSTOMER}/promotionEligibilities")),
        )
        .json_body(example("PromotionEligibilitiesRequestExample"));
        then.status(200)
            .json_body(example("PromotionEligibilitiesAnswer"));
    });
    let promotions = server.mock(|when, then| {
        headers(when.method(GET).path("/v1/productpromotions"))
            .query_param("country", "US")
            .query_param("segment", "commercial");
        then.status(200).json_body(example("PromotionList"));
    });
    let promotion = server.mock(|when, then| {
        headers(
            when.method(GET)
                .path("/v1/productpromotions/39NFJQT1Q5KL:0001"),
        )
        .query_param("country", "US");
        then.status(200).json_body(example("OnePromotion"));
    });
    let pc = support::client(&server);

    let request: InventoryCheckRequest =
        serde_json::from_value(example("InventoryCheckRequestExample")).unwrap();
    let items = pc.check_inventory("US", &request).await.unwrap();
    assert_eq!(items[0].is_restricted, Some(true));
    assert_eq!(
        items[0].restrictions.as_ref().unwrap()[0]
            .reason_code
            .as_deref(),
        Some("NotAvailableForSubscription")
    );

    let asked: Value = example("PromotionEligibilitiesRequestExample");
    let items: Vec<PromotionEligibilityItem> =
        serde_json::from_value(asked["items"].clone()).unwrap();
    let answered = pc
        .customer(CUSTOMER)
        .promotion_eligibilities(&items)
        .await
        .unwrap();
    let second = &answered.items.unwrap()[1];
    let no = &second.eligibilities.as_ref().unwrap()[0];
    assert_eq!(no.is_eligible, Some(false));

    let listed = pc.promotions("US", "commercial").await.unwrap();
    assert_eq!(listed.items.unwrap().len(), 1);
    let one = pc.promotion("US", "39NFJQT1Q5KL:0001").await.unwrap();
    assert_eq!(one.id.as_deref(), Some("39NFJQT1Q5KL:0001"));
    for mock in [inventory, eligibility, promotions, promotion] {
        mock.assert();
    }
    // The checks are reads: they change nothing.
    assert!(!Operation::CheckInventory.writes());
    assert!(!Operation::CheckPromotionEligibilities.writes());
}

/// A check whose answer never came is a read that failed, not a write whose outcome is
/// unknown: the spec's `x-read-only` reaches the pipeline.
#[tokio::test]
async fn a_check_without_an_answer_is_not_an_unknown_outcome() {
    let server = support::scripted::Scripted::start().await;
    // The answer comes long after the attempt's time-out: the request was sent, its answer lost.
    server.always(
        support::scripted::Answer::json(200, json!([])).delay(std::time::Duration::from_secs(30)),
    );
    let pc = partner_center_carts::PartnerCenter::builder()
        .base_url(&server.url)
        .bearer_token(TOKEN)
        .attempt_timeout(std::time::Duration::from_millis(50))
        .retry_policy(partner_center_carts::retry::RetryPolicy::default().max_attempts(1))
        .build()
        .unwrap();
    let e = pc
        .check_inventory("US", &InventoryCheckRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Timeout(_)), "{e:?}");
    assert!(!e.outcome_unknown(), "{e}");
    assert_eq!(e.effect(), Effect::None);
}

#[tokio::test]
async fn agreements_are_listed_by_type_and_confirmed_with_the_request_id_kept() {
    let server = MockServer::start_async().await;
    let path = format!("/v1/customers/{CUSTOMER}/agreements");
    let listed = server.mock(|when, then| {
        headers(when.method(GET).path(&path))
            .query_param("agreementType", "MicrosoftCustomerAgreement");
        then.status(200).json_body(example("AgreementList"));
    });
    let request_id = RequestId::new();
    let confirmed = server.mock(|when, then| {
        headers(when.method(POST).path(&path))
            .header("ms-requestid", request_id.to_string())
            .json_body(example("ConfirmAgreementRequest"));
        then.status(201).json_body(example("ConfirmedAgreement"));
    });
    let pc = support::client(&server);
    let customer = pc.customer(CUSTOMER);
    let agreements = customer
        .agreements(Some(PurchasePrerequisite::MICROSOFT_CUSTOMER_AGREEMENT))
        .await
        .unwrap();
    assert_eq!(agreements.items.unwrap().len(), 1);
    let agreement: Agreement = serde_json::from_value(example("ConfirmAgreementRequest")).unwrap();
    let recorded = customer
        .with_request_id(request_id)
        .confirm_agreement(&agreement)
        .await
        .unwrap();
    assert!(recorded.agreement_link.is_some());
    listed.assert();
    confirmed.assert();
    assert!(Operation::CreateAgreement.writes());
}

#[tokio::test]
async fn a_confirmation_whose_answer_was_lost_is_settled_by_resend_as_the_same_request() {
    let server = MockServer::start_async().await;
    let path = format!("/v1/customers/{CUSTOMER}/agreements");
    let request_id = RequestId::new();
    let mut lost = server.mock(|when, then| {
        headers(when.method(POST).path(&path))
            .header("ms-requestid", request_id.to_string())
            .json_body(example("ConfirmAgreementRequest"));
        then.status(504)
            .json_body(json!({"code": 0, "description": "gateway"}));
    });
    let pc = support::client(&server);
    let agreement: Agreement = serde_json::from_value(example("ConfirmAgreementRequest")).unwrap();
    let error = pc
        .customer(CUSTOMER)
        .with_request_id(request_id)
        .confirm_agreement(&agreement)
        .await
        .unwrap_err();
    assert!(error.outcome_unknown(), "{error:?}");
    lost.assert();
    lost.delete();
    // The same request id and body, or this mock does not answer.
    let recorded = server.mock(|when, then| {
        headers(when.method(POST).path(&path))
            .header("ms-requestid", request_id.to_string())
            .json_body(example("ConfirmAgreementRequest"));
        then.status(201).json_body(example("ConfirmedAgreement"));
    });
    let settled = pc.resend(&error).await.unwrap();
    let agreement = settled
        .into_agreement()
        .expect("an agreement's confirmation");
    assert!(agreement.agreement_link.is_some());
    recorded.assert();
}

/// The customer's catalog of `CFQ7TTC0LH0Z:0001`, whose single availability offers a term the
/// list does not (P1Y billed monthly), and the inventory SKU `DZH318Z0BQ3Q:0009`.
fn serve_customer_catalog(server: &MockServer) {
    let base = format!("/v1/customers/{CUSTOMER}/products");
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/CFQ7TTC0LH0Z/skus"));
        then.status(200).json_body(example("SkuList"));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path(format!("{base}/CFQ7TTC0LH0Z/skus/0001/availabilities"));
        then.status(200).json_body(example("AvailabilityList"));
    });
    let mut single = example("AvailabilityList")["items"][0].clone();
    single["terms"] = json!([
        {"duration": "P1Y", "billingCycle": "monthly"},
        {"duration": "P1M", "billingCycle": "monthly"},
    ]);
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/CFQ7TTC0LH0Z/skus/0001/availabilities/CFQ7TTC0K18P")
            .query_param("country", "US");
        then.status(200).json_body(single);
    });
}

#[tokio::test]
async fn a_line_is_made_from_the_customers_catalog_with_the_terms_of_both_answers() {
    let server = MockServer::start_async().await;
    serve_customer_catalog(&server);
    let pc = support::client(&server);
    let customer = pc.customer(CUSTOMER);
    // P1Y billed monthly: only the single availability offers it.
    let line = customer
        .line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("p1y"), "Monthly", 5)
        .await
        .unwrap();
    assert_eq!(line.catalog_item_id, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P");
    assert_eq!(line.term_duration.as_deref(), Some("P1Y"));
    assert_eq!(line.billing_cycle.as_str(), "monthly");
    assert_eq!(line.quantity, 5);
    // And P1Y annual, only the list's.
    customer
        .line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("P1Y"), "annual", 1)
        .await
        .unwrap();

    let refused = customer
        .line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("P3Y"), "annual", 1)
        .await
        .unwrap_err();
    let ErrorKind::InvalidInput(input) = refused.kind() else {
        panic!("{refused:?}")
    };
    assert_eq!(
        input.line_problem(),
        Some(&LineProblem::TermNotOffered {
            asked: Some("P3Y".into()),
            offered: vec!["P1M".into(), "P1Y".into()],
        })
    );
    assert!(
        refused
            .to_string()
            .contains("the offered terms are P1M, P1Y"),
        "{refused}"
    );
    assert_eq!(refused.effect(), Effect::None);

    let cycle = customer
        .line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("P1M"), "annual", 1)
        .await
        .unwrap_err();
    assert!(
        cycle.to_string().contains("the offered cycles are monthly"),
        "{cycle}"
    );
    let quantity = customer
        .line(
            "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            Some("P1M"),
            "monthly",
            301,
        )
        .await
        .unwrap_err();
    assert!(matches!(
        quantity.kind(),
        ErrorKind::InvalidInput(i) if matches!(i.line_problem(), Some(LineProblem::QuantityOutOfRange { max: Some(300), .. }))
    ));
    let malformed = customer.line("CFQ7TTC0LH0Z:0001", None, "monthly", 1).await;
    assert!(matches!(
        malformed.unwrap_err().kind(),
        ErrorKind::InvalidInput(i) if matches!(i.line_problem(), Some(LineProblem::UnknownItem { .. }))
    ));
}

#[tokio::test]
async fn a_line_from_a_sku_with_provisioning_variables_carries_its_duration() {
    let server = MockServer::start_async().await;
    let base = format!("/v1/customers/{CUSTOMER}/products/DZH318Z0BQ3Q/skus");
    server.mock(|when, then| {
        when.method(GET).path(&base);
        then.status(200)
            .json_body(json!({"totalCount": 1, "items": [example("OneSku")]}));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/0009/availabilities"));
        then.status(200).json_body(json!({"items": [{
            "id": "DZH318Z08C0S", "productId": "DZH318Z0BQ3Q", "skuId": "0009",
            "catalogItemId": "DZH318Z0BQ3Q:0009:DZH318Z08C0S", "country": "US",
            "isPurchasable": true,
            "terms": [{"duration": "P3Y", "billingCycle": "one_time"}, {"duration": "P3Y", "billingCycle": "monthly"}],
        }]}));
    });
    // The single availability cannot be read: the customer's list is the answer.
    let single = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/DZH318Z0BQ3Q/skus/0009/availabilities/DZH318Z08C0S");
        then.status(404)
            .json_body(json!({"code": 600039, "description": "Not found"}));
    });
    let pc = support::client(&server);
    let line = pc
        .customer(CUSTOMER)
        .line("DZH318Z0BQ3Q:0009:DZH318Z08C0S", Some("P3Y"), "one_time", 2)
        .await
        .unwrap();
    let context = line.provisioning_context.unwrap();
    assert_eq!(context.get("duration").map(String::as_str), Some("P3Y"));
    assert_eq!(context.len(), 1);
    single.assert();
}

/// The limits the service documents (the spec's `x-rate-limit`) come from the spec, by budget:
/// the Order resource's 500 a minute, the Subscription resource's 500, promotion
/// eligibility's 625; the rest have none of their own.
#[test]
fn documented_limits_come_from_the_spec_by_budget() {
    let per_minute = |op: Operation| op.documented_limit().map(|(b, r)| (b, (r * 60.0).round()));
    assert_eq!(per_minute(Operation::GetOrder), Some(("orders", 500.0)));
    assert_eq!(per_minute(Operation::UpdateOrder), Some(("orders", 500.0)));
    assert_eq!(
        per_minute(Operation::UpdateSubscription),
        Some(("subscriptions", 500.0))
    );
    assert_eq!(
        per_minute(Operation::CheckPromotionEligibilities),
        Some(("promotionEligibilities", 625.0))
    );
    assert_eq!(Operation::CreateCart.documented_limit(), None);
    let budgets: std::collections::BTreeSet<_> = Operation::ALL
        .iter()
        .filter_map(|op| op.documented_limit())
        .map(|(budget, _)| budget)
        .collect();
    assert_eq!(
        budgets.into_iter().collect::<Vec<_>>(),
        ["orders", "promotionEligibilities", "subscriptions"]
    );
}
