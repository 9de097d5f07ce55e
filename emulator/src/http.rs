//! The emulator's HTTP face: the routes, the ids read from their paths, and the handlers that
//! hand each request to its operation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::catalog_http;
use super::extract::{Customer, Queried, fingerprint};
use super::gate::{RequestId, gate};
use super::handling::Done;
use super::operations::{self, OrderQuery};
use super::profile;
use super::reply::{Reply, error, invalid};
use super::service::Service;
use super::store::{CartKey, OrderKey, SubscriptionKey};
use super::subscription_operations::{self, EligibilityQuery, TransitionQuery};

pub(crate) fn router(service: Arc<Service>) -> Router {
    let api = Router::new()
        .route("/v1/customers/{customer}/carts", post(create))
        .route(
            "/v1/customers/{customer}/carts/{cart}",
            get(read).put(update),
        )
        .route(
            "/v1/customers/{customer}/carts/{cart}/",
            get(read).put(update),
        )
        .route(
            "/v1/customers/{customer}/carts/{cart}/checkout",
            post(checkout),
        )
        .route("/v1/customers/{customer}/orders", get(list_orders))
        .route(
            "/v1/customers/{customer}/orders/{order}",
            get(order).patch(update_order),
        )
        .route(
            "/v1/customers/{customer}/orders/{order}/provisioningstatus",
            get(provisioning),
        )
        .route(
            "/v1/customers/{customer}/orders/{order}/activationlinks",
            get(activation_links),
        )
        .route(
            "/v1/customers/{customer}/orders/{order}/lineitems/{line}/activationlinks",
            get(line_activation_links),
        )
        .route("/v1/customers/{customer}/subscriptions", get(subscriptions))
        .route(
            "/v1/customers/{customer}/subscriptions/{subscription}",
            get(subscription).patch(update_subscription),
        )
        .route(
            "/v1/customers/{customer}/subscriptions/{subscription}/provisioningstatus",
            get(subscription_status),
        )
        .route(
            "/v1/customers/{customer}/subscriptions/{subscription}/transitionEligibilities",
            get(transition_eligibilities),
        )
        .route(
            "/v1/customers/{customer}/subscriptions/{subscription}/transitions",
            get(transitions).post(create_transition),
        )
        .route("/v1/profiles/organization", get(organization_profile))
        .merge(catalog_http::routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, 0, "No such resource.") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                0,
                "The method is not allowed here.",
            )
        })
        // The gate reads the body within the emulator's own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(service.clone(), gate));
    // Outside the gate: a supervisor asks without a token, and no fault answers it.
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .with_state(service)
}

async fn healthz(State(service): State<Arc<Service>>) -> (StatusCode, Json<serde_json::Value>) {
    match service.health() {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "healthy" })),
        ),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unhealthy", "reason": reason })),
        ),
    }
}

async fn create(
    State(service): State<Arc<Service>>,
    Customer(customer): Customer,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: Bytes,
) -> Reply {
    let fingerprint = fingerprint("createCart", "", &body);
    service
        .write(customer.clone(), request_id, fingerprint, move |service| {
            operations::create(service, &customer, &body)
        })
        .await
}

async fn read(State(service): State<Arc<Service>>, key: CartKey) -> Reply {
    operations::read(&service, &key)
}

async fn update(
    State(service): State<Arc<Service>>,
    key: CartKey,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let if_match = if_match(&headers);
    let work = move |service: &Service, key, body: &[u8]| {
        operations::update(service, key, body, if_match.as_deref())
    };
    write(&service, "updateCart", key, request_id, body, work).await
}

async fn checkout(
    State(service): State<Arc<Service>>,
    key: CartKey,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Reply {
    let if_match = if_match(&headers);
    let work = move |service: &Service, key, _: &[u8]| {
        operations::checkout(service, key, if_match.as_deref())
    };
    write(
        &service,
        "checkoutCart",
        key,
        request_id,
        Bytes::new(),
        work,
    )
    .await
}

async fn order(
    State(service): State<Arc<Service>>,
    key: OrderKey,
    Queried(query): Queried<OrderQuery>,
) -> Reply {
    operations::order(&service, &key, query.include_price == Some(true))
}

async fn list_orders(
    State(service): State<Arc<Service>>,
    Customer(customer): Customer,
    Queried(query): Queried<OrderQuery>,
) -> Reply {
    operations::list_orders(&service, &customer, &query)
}

async fn update_order(
    State(service): State<Arc<Service>>,
    key: OrderKey,
    Extension(request_id): Extension<RequestId>,
    body: Bytes,
) -> Reply {
    write(
        &service,
        "updateOrder",
        key,
        request_id,
        body,
        operations::update_order,
    )
    .await
}

async fn activation_links(State(service): State<Arc<Service>>, key: OrderKey) -> Reply {
    operations::activation_links(&service, &key, None)
}

async fn line_activation_links(
    State(service): State<Arc<Service>>,
    key: OrderKey,
    Path(ids): Path<HashMap<String, String>>,
) -> Reply {
    let line = ids.get("line").map_or("", String::as_str);
    match line.parse::<i32>() {
        Ok(line) if line >= 0 => operations::activation_links(&service, &key, Some(line)),
        _ => invalid(&format!(
            "The line item number {line:?} is not a number of 0 or more."
        )),
    }
}

/// The query of a list of subscriptions: the order whose they are.
#[derive(serde::Deserialize)]
struct ByOrder {
    order_id: Option<String>,
}

async fn subscriptions(
    State(service): State<Arc<Service>>,
    Customer(customer): Customer,
    Queried(query): Queried<ByOrder>,
) -> Reply {
    let order = query.order_id.unwrap_or_default();
    match partner_center_carts::validate::order_id(&order) {
        Ok(order) => operations::subscriptions_by_order(&service, OrderKey { customer, order }),
        Err(reason) => invalid(&format!("The {reason}.")),
    }
}

async fn subscription_status(State(service): State<Arc<Service>>, key: SubscriptionKey) -> Reply {
    subscription_operations::provisioning_status(&service, &key)
}

async fn subscription(State(service): State<Arc<Service>>, key: SubscriptionKey) -> Reply {
    subscription_operations::get(&service, &key)
}

async fn update_subscription(
    State(service): State<Arc<Service>>,
    key: SubscriptionKey,
    Extension(request_id): Extension<RequestId>,
    body: Bytes,
) -> Reply {
    let work = subscription_operations::update;
    write(&service, "updateSubscription", key, request_id, body, work).await
}

async fn transition_eligibilities(
    State(service): State<Arc<Service>>,
    key: SubscriptionKey,
    Queried(query): Queried<EligibilityQuery>,
) -> Reply {
    subscription_operations::eligibilities(&service, &key, &query)
}

async fn create_transition(
    State(service): State<Arc<Service>>,
    key: SubscriptionKey,
    Extension(request_id): Extension<RequestId>,
    body: Bytes,
) -> Reply {
    let work = subscription_operations::transition;
    write(&service, "createTransition", key, request_id, body, work).await
}

async fn transitions(
    State(service): State<Arc<Service>>,
    key: SubscriptionKey,
    Queried(query): Queried<TransitionQuery>,
) -> Reply {
    subscription_operations::transitions(&service, &key, &query)
}

async fn organization_profile(headers: HeaderMap) -> Reply {
    profile::get(&headers)
}

async fn provisioning(State(service): State<Arc<Service>>, key: OrderKey) -> Reply {
    operations::provisioning(&service, &key)
}

/// A write of `operation` on the resource `key`: once per `MS-RequestId` (the operation, the
/// resource and the body tell a repeat from another request under the same id), behind the
/// customer's other writes.
async fn write<K, F>(
    service: &Arc<Service>,
    operation: &str,
    key: K,
    RequestId(request_id): RequestId,
    body: Bytes,
    work: F,
) -> Reply
where
    K: Resource + Send + 'static,
    F: FnOnce(&Service, K, &[u8]) -> Done + Send + 'static,
{
    let fingerprint = fingerprint(operation, key.id(), &body);
    let customer = key.customer().to_string();
    service
        .write(customer, request_id, fingerprint, move |service| {
            work(service, key, &body)
        })
        .await
}

/// A customer's resource a write is on.
trait Resource {
    fn customer(&self) -> &str;
    fn id(&self) -> &str;
}

impl Resource for CartKey {
    fn customer(&self) -> &str {
        &self.customer
    }
    fn id(&self) -> &str {
        &self.cart
    }
}

impl Resource for OrderKey {
    fn customer(&self) -> &str {
        &self.customer
    }
    fn id(&self) -> &str {
        &self.order
    }
}

impl Resource for SubscriptionKey {
    fn customer(&self) -> &str {
        &self.customer
    }
    fn id(&self) -> &str {
        &self.subscription
    }
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
