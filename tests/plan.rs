//! A plan of a cart against httpmock: every problem a line can have, each from a realistic
//! answer (an availability whose single read offers a term its list does not, a SKU with an
//! inventory prerequisite, an ineligible promotion, a missing customer agreement, an item
//! unknown, one not purchasable, one not offered to the customer), each catalog answer read
//! once per plan, and a check the service will not answer left as not checked.

mod support;

use httpmock::prelude::*;
use partner_center_carts::ErrorKind;
use partner_center_carts::catalog::LineProblem;
use partner_center_carts::types::CartLineItem;
use serde_json::{Value, json};
use support::{CUSTOMER, example, line};

const M365: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
const CLOSED: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0CLOS";
const ELSEWHERE: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0OTHR";
const UNKNOWN: &str = "NOPE00000000:0001:NOPE00000001";
const VM: &str = "DZH318Z0BQ3Q:0009:DZH318Z08C0S";
const PROMOTION: &str = "39NFJQT1Q5KL:0001";

fn vm_line(context: &[(&str, &str)]) -> CartLineItem {
    let mut vm = line(VM, Some("P3Y"), "monthly", 1);
    vm.provisioning_context = Some(
        context
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    vm
}

fn not_found() -> Value {
    json!({"code": 600039, "description": "The resource was not found."})
}

/// The mocks of one plan's reads, to count them.
struct Served<'a> {
    m365_skus: httpmock::Mock<'a>,
    m365_availabilities: httpmock::Mock<'a>,
    m365_single: httpmock::Mock<'a>,
    inventory: httpmock::Mock<'a>,
    agreements: httpmock::Mock<'a>,
}

/// The catalog of customer `CUSTOMER`, in the US: Microsoft 365 E3 (`CFQ7TTC0LH0Z:0001`,
/// needing the customer agreement; its list offers P1M monthly and P1Y annual, its single
/// availability P1Y monthly too; `CLOS` not purchasable; `OTHR` in the US catalog but not the
/// customer's), a reserved VM (`DZH318Z0BQ3Q:0009`, needing an inventory check, restricted in
/// westus), and no product `NOPE00000000`. The agreements answer `agreements`.
fn serve(server: &MockServer, agreements: (u16, Value)) -> Served<'_> {
    let base = format!("/v1/customers/{CUSTOMER}/products");
    let m365_skus = server.mock(|when, then| {
        when.method(GET).path(format!("{base}/CFQ7TTC0LH0Z/skus"));
        then.status(200).json_body(example("SkuList"));
    });
    let mut listed = example("AvailabilityList");
    let mut closed = listed["items"][0].clone();
    closed["id"] = json!("CFQ7TTC0CLOS");
    closed["catalogItemId"] = json!(CLOSED);
    closed["isPurchasable"] = json!(false);
    listed["items"].as_array_mut().unwrap().push(closed);
    let m365_availabilities = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{base}/CFQ7TTC0LH0Z/skus/0001/availabilities"));
        then.status(200).json_body(listed);
    });
    let mut single = example("AvailabilityList")["items"][0].clone();
    single["terms"] = json!([{"duration": "P1Y", "billingCycle": "monthly"}]);
    let m365_single = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/CFQ7TTC0LH0Z/skus/0001/availabilities/CFQ7TTC0K18P")
            .query_param("country", "US");
        then.status(200).json_body(single);
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/CFQ7TTC0LH0Z/skus/0001/availabilities/CFQ7TTC0CLOS");
        then.status(200)
            .json_body(json!({"id": "CFQ7TTC0CLOS", "isPurchasable": false}));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/CFQ7TTC0LH0Z/skus/0001/availabilities/CFQ7TTC0OTHR")
            .query_param("country", "US");
        then.status(200)
            .json_body(json!({"id": "CFQ7TTC0OTHR", "country": "US"}));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/NOPE00000000/skus"));
        then.status(404).json_body(not_found());
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/NOPE00000000/skus/0001/availabilities/NOPE00000001");
        then.status(404).json_body(not_found());
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/DZH318Z0BQ3Q/skus"));
        then.status(200)
            .json_body(json!({"totalCount": 1, "items": [example("OneSku")]}));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path(format!("{base}/DZH318Z0BQ3Q/skus/0009/availabilities"));
        then.status(200).json_body(json!({"items": [{
            "id": "DZH318Z08C0S", "productId": "DZH318Z0BQ3Q", "skuId": "0009",
            "catalogItemId": VM, "country": "US", "isPurchasable": true,
            "terms": [{"duration": "P3Y", "billingCycle": "one_time"}, {"duration": "P3Y", "billingCycle": "monthly"}],
        }]}));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/products/DZH318Z0BQ3Q/skus/0009/availabilities/DZH318Z08C0S");
        then.status(200).json_body(json!({"id": "DZH318Z08C0S"}));
    });
    let inventory = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/extensions/product/checkinventory")
            .query_param("country", "US")
            .json_body_includes(
                json!({"inventoryContext": {
                    "customerId": CUSTOMER,
                    "azureSubscriptionId": "3705fc3f-5e3c-4e4b-9f2a-6f5e1b4c8a11",
                    "armRegionName": "westus",
                }})
                .to_string(),
            );
        then.status(200).json_body(example("InventoryChecked"));
    });
    server.mock(|when, then| {
        when.method(POST)
            .path("/v1/extensions/product/checkinventory")
            .body_excludes("westus");
        then.status(200).json_body(json!([
            {"productId": "DZH318Z0BQ3Q", "skuId": "0009", "isRestricted": false}
        ]));
    });
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/customers/{CUSTOMER}/promotionEligibilities"));
        then.status(200).json_body(json!({"items": [{
            "id": 6, "catalogItemId": M365,
            "eligibilities": [{"promotionId": PROMOTION, "isEligible": false, "errors": [
                {"code": 2, "description": "The customer already used this promotion."}
            ]}],
        }]}));
    });
    let (status, body) = agreements;
    let agreements = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v1/customers/{CUSTOMER}/agreements"))
            .query_param("agreementType", "MicrosoftCustomerAgreement");
        then.status(status).json_body(body);
    });
    Served {
        m365_skus,
        m365_availabilities,
        m365_single,
        inventory,
        agreements,
    }
}

fn kinds(problems: &[LineProblem]) -> Vec<&'static str> {
    problems.iter().map(LineProblem::kind).collect()
}

#[tokio::test]
async fn a_plan_names_every_wrong_line_with_its_reason_and_reads_each_answer_once() {
    let server = MockServer::start_async().await;
    let served = serve(&server, (200, json!({"totalCount": 0, "items": []})));
    let westus = [
        ("scope", "shared"),
        ("SubscriptionId", "3705fc3f-5e3c-4e4b-9f2a-6f5e1b4c8a11"),
        ("region", "westus"),
        ("duration", "P3Y"),
    ];
    let mut promoted = line(M365, Some("P1Y"), "annual", 5);
    promoted.promotion_id = Some(PROMOTION.into());
    let lines = vec![
        line(M365, Some("P3Y"), "annual", 1),       // 0: term
        line(M365, Some("P1M"), "annual", 1),       // 1: cycle
        line(M365, Some("P1M"), "monthly", 301),    // 2: quantity
        line(UNKNOWN, Some("P1M"), "monthly", 1),   // 3: unknown
        line(CLOSED, Some("P1M"), "monthly", 1),    // 4: not purchasable
        line(ELSEWHERE, Some("P1M"), "monthly", 1), // 5: not offered to the customer
        promoted,                                   // 6: promotion
        vm_line(&westus),                           // 7: inventory
        vm_line(&[("scope", "shared")]),            // 8: provisioning
        line("MS-AZR-0145P", None, "monthly", 1),   // 9: legacy: not checked
        line(M365, Some("P1Y"), "monthly", 2),      // 10: right, but for the agreement
    ];
    let plan = pc(&server).customer(CUSTOMER).plan(&lines).await.unwrap();
    let got: Vec<Vec<&str>> = plan.lines().iter().map(|l| kinds(l.problems())).collect();
    assert_eq!(
        got,
        [
            vec!["termNotOffered", "agreementMissing"],
            vec!["cycleNotOffered", "agreementMissing"],
            vec!["quantityOutOfRange", "agreementMissing"],
            vec!["unknownItem"],
            vec!["notPurchasable", "agreementMissing"],
            vec!["notPurchasable"],
            vec!["promotionIneligible", "agreementMissing"],
            vec!["inventoryRestricted"],
            vec!["provisioningMissing"],
            vec!["notChecked"],
            vec!["agreementMissing"],
        ],
        "{plan}"
    );
    assert!(!plan.is_clean());
    let problems = |i: usize| plan.lines()[i].problems();
    // The term and cycle name what is offered: the list's and the single's together.
    assert_eq!(
        problems(0)[0],
        LineProblem::TermNotOffered {
            asked: Some("P3Y".into()),
            offered: vec!["P1M".into(), "P1Y".into()],
        }
    );
    assert_eq!(
        problems(1)[0],
        LineProblem::CycleNotOffered {
            term: Some("P1M".into()),
            asked: "annual".into(),
            offered: vec!["monthly".into()],
        }
    );
    assert_eq!(
        problems(2)[0],
        LineProblem::QuantityOutOfRange {
            asked: 301,
            min: Some(1),
            max: Some(300),
        }
    );
    assert!(
        problems(5)[0]
            .to_string()
            .contains("in the catalog of US, but not offered to this customer"),
        "{}",
        problems(5)[0]
    );
    assert!(
        matches!(&problems(6)[0], LineProblem::PromotionIneligible { promotion, reasons }
        if promotion == PROMOTION && reasons == &["The customer already used this promotion."])
    );
    assert_eq!(
        problems(7)[0],
        LineProblem::InventoryRestricted {
            reasons: vec![
                "The SKU is not available in region westus for this subscription.".into()
            ],
        }
    );
    assert_eq!(
        problems(8)[0],
        LineProblem::ProvisioningMissing {
            missing: vec!["SubscriptionId".into(), "Duration".into()],
        }
    );
    // Each answer read once, for all the lines that need it.
    assert_eq!(served.m365_skus.calls(), 1);
    assert_eq!(served.m365_availabilities.calls(), 1);
    assert_eq!(served.m365_single.calls(), 1);
    assert_eq!(served.agreements.calls(), 1);
    assert_eq!(served.inventory.calls(), 1);

    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["clean"], false);
    assert_eq!(json["lines"][0]["problems"][0]["kind"], "termNotOffered");
    assert_eq!(
        json["lines"][0]["problems"][0]["words"],
        "term P3Y is not offered; the offered terms are P1M, P1Y"
    );
}

fn pc(server: &MockServer) -> partner_center_carts::PartnerCenter {
    support::client(server)
}

#[tokio::test]
async fn a_right_cart_plans_clean() {
    let server = MockServer::start_async().await;
    let served = serve(&server, (200, example("AgreementList")));
    let customer = pc(&server).customer(CUSTOMER);
    let mut vm = customer.line(VM, Some("P3Y"), "Monthly", 1).await.unwrap();
    let context = vm.provisioning_context.get_or_insert_default();
    context.insert("scope".into(), "shared".into());
    context.insert("subscriptionId".into(), "another".into());
    let lines = vec![
        customer
            .line(M365, Some("P1Y"), "monthly", 10)
            .await
            .unwrap(),
        line(M365, Some("P1M"), "MONTHLY", 1),
        vm,
    ];
    let plan = customer.plan(&lines).await.unwrap();
    assert!(plan.is_clean(), "{plan}");
    assert_eq!(plan.to_string(), "3 lines planned clean");
    assert_eq!(served.agreements.calls(), 1);
    assert_eq!(served.inventory.calls(), 0);
}

#[tokio::test]
async fn an_agreement_the_service_will_not_show_is_not_checked_and_the_plan_goes_on() {
    let server = MockServer::start_async().await;
    serve(
        &server,
        (
            403,
            json!({"code": 900404, "description": "App+User tokens only."}),
        ),
    );
    let plan = pc(&server)
        .customer(CUSTOMER)
        .plan(&[line(M365, Some("P1M"), "monthly", 1)])
        .await
        .unwrap();
    let problems = plan.lines()[0].problems();
    assert_eq!(kinds(problems), ["notChecked"]);
    let LineProblem::NotChecked { what, reason } = &problems[0] else {
        unreachable!()
    };
    assert_eq!(what, "agreement");
    assert!(
        reason.contains("403") && reason.contains("App+User tokens only."),
        "{reason}"
    );
    assert!(!plan.is_clean());
    assert!(plan.has_no_refusal());
}

#[tokio::test]
async fn a_read_that_fails_otherwise_fails_the_plan_and_a_bad_customer_sends_nothing() {
    let server = MockServer::start_async().await;
    let broken = server.mock(|when, then| {
        when.any_request();
        then.status(500)
            .json_body(json!({"code": 0, "description": "down"}));
    });
    let error = pc(&server)
        .customer(CUSTOMER)
        .plan(&[line(M365, Some("P1M"), "monthly", 1)])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(broken.calls(), 1);

    let refused = pc(&server)
        .customer("nobody")
        .plan(&[line(M365, Some("P1M"), "monthly", 1)])
        .await
        .unwrap_err();
    assert!(matches!(refused.kind(), ErrorKind::InvalidInput(_)));
    assert_eq!(broken.calls(), 1);
}
