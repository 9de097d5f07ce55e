//! Get-modify-put: what the change did not touch goes back exactly as it came.

mod support;

use httpmock::prelude::*;
use serde_json::{Value, json};
use support::*;

/// A cart as a newer service might send it: fields, enum values and map keys this crate has
/// never heard of, at every level.
fn cart_from_the_future() -> Value {
    json!({
        "id": CART,
        "creationTimestamp": "2026-11-21T10:00:00.1234567Z",
        "lastModifiedTimestamp": "2026-11-21T10:00:00.1234567+00:00",
        "expirationTimestamp": "0001-01-01T00:00:00",
        "status": "PendingApproval",
        "loyaltyProgram": {"tier": "gold", "points": [1, 2, 3]},
        "lineItems": [{
            "id": 0,
            "catalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSJB",
            "quantity": 2,
            "billingCycle": "quadrennial",
            "participants": [
                {"key": "transaction_reseller", "value": "517285"},
                {"key": "marketplace_reseller", "value": "42", "weight": 0.5}
            ],
            "provisioningContext": {
                "SubscriptionId": "3D5ECED6-1151-44C7-AEE6-70A4BB725666",
                "scope": "shared",
                "futureKey": "kept"
            },
            "addonItems": [],
            "error": {"errorCode": 10099, "errorDescription": "A code from the future.", "severity": "low"},
            "sustainabilityScore": 97
        }],
        "links": {"self": {"uri": "/carts/x", "method": "GET", "headers": []}, "next": {"uri": "/y"}},
        "attributes": {"objectType": "Cart", "schemaVersion": 3}
    })
}

fn with_quantity(mut cart: Value, quantity: i64) -> Value {
    cart["lineItems"][0]["quantity"] = json!(quantity);
    cart
}

#[tokio::test]
async fn unknown_fields_enum_values_and_map_keys_survive_a_modify() {
    let server = MockServer::start_async().await;
    let original = cart_from_the_future();
    let expected_put = with_quantity(original.clone(), 3);
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(original.clone());
        })
        .await;
    // The PUT matches only if its body is the original with the quantity raised, nothing else.
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(cart_path())
                .json_body(expected_put.clone());
            then.status(201).json_body(expected_put.clone());
        })
        .await;

    let cart = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    get.assert_async().await;
    put.assert_async().await;
    assert_eq!(serde_json::to_value(&cart).unwrap(), expected_put);
    assert!(cart.line_items[0].billing_cycle.is("QUADRENNIAL"));
    assert_eq!(cart.extra["loyaltyProgram"]["tier"], "gold");
}

#[tokio::test]
async fn a_modify_that_changes_nothing_sends_no_put() {
    let server = MockServer::start_async().await;
    let original = cart_from_the_future();
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(original.clone());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT).path(cart_path());
            then.status(201).json_body(original.clone());
        })
        .await;

    let cart = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| {
            // Writing the same values back is no change.
            c.line_items[0].quantity = c.line_items[0].quantity.max(1);
            c.status = c.status.clone();
        })
        .await
        .unwrap();

    assert_eq!(get.calls_async().await, 1);
    assert_eq!(put.calls_async().await, 0);
    assert_eq!(serde_json::to_value(&cart).unwrap(), original);
}

#[tokio::test]
async fn a_modify_shares_one_correlation_id_between_two_request_ids() {
    let server = MockServer::start_async().await;
    let recorder = Recorder::default();
    let original = cart_from_the_future();
    for (method, status) in [(GET, 200), (PUT, 201)] {
        let matcher = recorder.matcher();
        let body = original.clone();
        server
            .mock_async(move |when, then| {
                when.method(method).path(cart_path()).is_true(matcher);
                then.status(status).json_body(body);
            })
            .await;
    }

    client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity = 9)
        .await
        .unwrap();

    let requests = recorder.all();
    assert_eq!(
        requests
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        ["GET", "PUT"]
    );
    assert_eq!(
        requests[0].header("ms-correlationid"),
        requests[1].header("ms-correlationid")
    );
    assert!(requests[0].header("ms-correlationid").is_some());
    assert_ne!(
        requests[0].header("ms-requestid"),
        requests[1].header("ms-requestid")
    );
}

#[tokio::test]
async fn modify_returns_the_services_answer() {
    let server = MockServer::start_async().await;
    let original = cart_from_the_future();
    let mut answer = with_quantity(original.clone(), 3);
    answer["lastModifiedTimestamp"] = json!("2026-11-21T10:05:00Z");
    server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(original.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(PUT).path(cart_path());
            then.status(200).json_body(answer.clone());
        })
        .await;

    let cart = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();
    assert_eq!(
        cart.last_modified_timestamp.unwrap().as_str(),
        "2026-11-21T10:05:00Z"
    );
}

/// An error of a caller's own, with room for the crate's.
#[derive(Debug)]
enum Refused {
    NoLine(String),
    Service(partner_center_carts::Error),
}

impl From<partner_center_carts::Error> for Refused {
    fn from(e: partner_center_carts::Error) -> Self {
        Self::Service(e)
    }
}

#[tokio::test]
async fn try_modify_writes_when_the_change_agrees_and_nothing_when_it_refuses() {
    let server = MockServer::start_async().await;
    let original = cart_from_the_future();
    server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(original.clone());
        })
        .await;
    let recorder = Recorder::default();
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(cart_path())
                .is_true(recorder.matcher());
            then.status(201).json_body(original.clone());
        })
        .await;
    let cart = client(&server).customer(CUSTOMER).cart(CART);
    let bump = |wanted: &'static str| {
        move |c: &mut partner_center_carts::types::Cart| {
            let line = c
                .line_items
                .iter_mut()
                .find(|l| l.catalog_item_id == wanted)
                .ok_or_else(|| Refused::NoLine(wanted.to_string()))?;
            line.quantity += 1;
            Ok(())
        }
    };

    let refused = cart.try_modify(bump("NOT:IN:CART")).await.unwrap_err();
    assert!(
        matches!(&refused, Refused::NoLine(id) if id == "NOT:IN:CART"),
        "{refused:?}"
    );
    assert_eq!(
        put.calls_async().await,
        0,
        "a refused change writes nothing"
    );

    cart.try_modify(bump("DG7GMGF0DWTL:0001:DG7GMGF0DSJB"))
        .await
        .unwrap();
    assert_eq!(put.calls_async().await, 1);
    assert_eq!(
        recorder.all()[0].json().unwrap()["lineItems"][0]["quantity"],
        3
    );
}

#[tokio::test]
async fn try_modify_returns_the_operations_own_errors_through_from() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(404)
                .json_body(json!({"code": 800008, "description": "Unable to retrieve cart ID."}));
        })
        .await;
    let error = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .try_modify(|_| Ok::<(), Refused>(()))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Refused::Service(e) if e.code() == Some(800008)),
        "{error:?}"
    );
}
