//! The emulator's HTTP face: routes, the gate every request passes (ids, token, faults), and
//! the answers, in the service's shapes.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use secrecy::ExposeSecret;

use super::names::match_case;
use super::store::{Refusal, Store};
use super::{Faults, Received, Settings, Stats};
use crate::json::BOM;
use crate::types::{Cart, PartnerCenterError, PartnerCenterErrorCode};

const SOURCE: &str = "PartnerCenterEmulator";
const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// The state behind the routes.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub settings: Settings,
    pub faults: Faults,
    pub rng: Mutex<fastrand::Rng>,
    pub stats: Mutex<Stats>,
    /// The last requests received, newest last.
    pub received: Mutex<std::collections::VecDeque<Received>>,
    /// Answers kept for replay.
    replays: Mutex<Replays>,
}

impl Shared {
    pub fn new(settings: Settings, faults: Faults) -> Self {
        let rng = faults
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Self {
            store: Mutex::default(),
            settings,
            faults,
            rng: Mutex::new(rng),
            stats: Mutex::default(),
            received: Mutex::default(),
            replays: Mutex::default(),
        }
    }

    fn roll(&self, share: f64) -> bool {
        share > 0.0 && self.rng.lock().is_ok_and(|mut r| r.f64() < share)
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.stats.lock() {
            f(&mut stats);
        }
    }
}

/// How many answers are kept for replay: a retry comes within seconds, and a long-running
/// emulator must not grow without bound.
const REPLAYS_KEPT: usize = 10_000;

/// The first success of each write, by customer and `MS-RequestId`, with a fingerprint of the
/// request it answered; the oldest are forgotten first.
#[derive(Default)]
struct Replays {
    answers: HashMap<(String, String), (u64, Reply)>,
    order: std::collections::VecDeque<(String, String)>,
}

impl Replays {
    fn keep(&mut self, key: (String, String), fingerprint: u64, reply: Reply) {
        if self.order.len() == REPLAYS_KEPT
            && let Some(oldest) = self.order.pop_front()
        {
            self.answers.remove(&oldest);
        }
        self.order.push_back(key.clone());
        self.answers.insert(key, (fingerprint, reply));
    }
}

/// An answer: a status and a JSON body. Cheap to keep for replay.
#[derive(Clone)]
struct Reply {
    status: StatusCode,
    body: Bytes,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}

/// The request's ids, as the gate read or made them.
#[derive(Clone)]
struct Ids {
    request: String,
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
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
        .route("/v1/customers/{customer}/orders/{order}", get(order))
        .route(
            "/v1/customers/{customer}/orders/{order}/provisioningstatus",
            get(provisioning),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, 0, "No such resource.") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                0,
                "The method is not allowed here.",
            )
        })
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// What every request passes: its ids are checked and echoed, its token required, and the
/// configured faults injected.
async fn gate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    shared.count(|s| s.requests += 1);
    record(&shared, &request);
    let ids = guid_header(request.headers(), &MS_REQUEST_ID).and_then(|request_id| {
        Ok((
            request_id,
            guid_header(request.headers(), &MS_CORRELATION_ID)?,
        ))
    });
    let (request_id, correlation_id) = match ids {
        Ok((r, c)) => (r.unwrap_or_else(|| Uuid::new_v4().to_string()), c),
        Err(reply) => return reply.into_response(),
    };
    let accepted = shared.settings.token.as_ref().map(|t| t.expose_secret());
    let response = if !has_bearer_token(request.headers(), accepted) {
        error(
            StatusCode::UNAUTHORIZED,
            401,
            "A valid access token is required: send `Authorization: Bearer <token>`.",
        )
        .into_response()
    } else {
        request.extensions_mut().insert(Ids {
            request: request_id.clone(),
        });
        with_faults(&shared, request, next).await
    };
    echo(response, &request_id, correlation_id.as_deref())
}

/// How many requests the log keeps.
const RECEIVED_KEPT: usize = 1000;

/// Logs the request's method, path and headers, the token redacted.
fn record(shared: &Shared, request: &Request) {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = if name == axum::http::header::AUTHORIZATION {
                let scheme = value
                    .to_str()
                    .ok()
                    .and_then(|v| v.split(' ').next())
                    .unwrap_or("");
                format!("{scheme} [redacted]")
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.to_string(), value)
        })
        .collect();
    let mut log = lock(&shared.received);
    if log.len() == RECEIVED_KEPT {
        log.pop_front();
    }
    log.push_back(Received {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        headers,
    });
}

/// Runs the request through the configured faults: latency, throttling and unavailability
/// before the work, a lost answer after it (as when a gateway times out).
async fn with_faults(shared: &Shared, request: Request, next: Next) -> Response {
    let faults = &shared.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if shared.roll(faults.throttle) {
        shared.count(|s| s.throttled += 1);
        let seconds = faults.retry_after.as_secs();
        let message = format!("Rate limit is exceeded. Try again in {seconds} seconds.");
        let mut response = json(
            StatusCode::TOO_MANY_REQUESTS,
            &serde_json::json!({ "statusCode": 429, "message": message }),
        )
        .into_response();
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from(seconds));
        return response;
    }
    if shared.roll(faults.unavailable) {
        shared.count(|s| s.unavailable += 1);
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            0,
            "The service is unavailable.",
        )
        .into_response();
    }
    let writes = request.method() != Method::GET;
    let response = next.run(request).await;
    if writes && shared.roll(faults.lost_answers) {
        shared.count(|s| s.lost_answers += 1);
        return error(StatusCode::GATEWAY_TIMEOUT, 0, "The gateway timed out.").into_response();
    }
    response
}

/// Echoes the request's ids, as the service does.
fn echo(mut response: Response, request_id: &str, correlation_id: Option<&str>) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(MS_REQUEST_ID, value);
    }
    if let Some(value) = correlation_id.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert(MS_CORRELATION_ID, value);
    }
    headers.insert("ms-serverid", HeaderValue::from_static("emulator"));
    response
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path(customer): Path<String>,
    request: axum::Extension<Ids>,
    body: Bytes,
) -> Reply {
    let customer = match guid("customer", &customer) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let fingerprint = fingerprint("createCart", "", &body);
    replayed(&shared, &customer, &request.request, fingerprint, || {
        let cart = decode_cart(&body)?;
        let created = lock(&shared.store).create(&customer, cart, Utc::now());
        Ok(answer(StatusCode::CREATED, created, false))
    })
}

async fn read(
    State(shared): State<Arc<Shared>>,
    Path((customer, cart)): Path<(String, String)>,
) -> Reply {
    let (customer, cart) = match (guid("customer", &customer), guid("cart", &cart)) {
        (Ok(c), Ok(k)) => (c, k),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    answer(
        StatusCode::OK,
        lock(&shared.store).get(&customer, &cart),
        false,
    )
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Path((customer, cart_id)): Path<(String, String)>,
    request: axum::Extension<Ids>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let (customer, cart_id) = match (guid("customer", &customer), guid("cart", &cart_id)) {
        (Ok(c), Ok(k)) => (c, k),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let if_match = headers.get("if-match").and_then(|v| v.to_str().ok());
    let fingerprint = fingerprint("updateCart", &cart_id, &body);
    replayed(&shared, &customer, &request.request, fingerprint, || {
        let cart = decode_cart(&body)?;
        let updated = lock(&shared.store).update(&customer, &cart_id, cart, if_match, Utc::now());
        Ok(answer(StatusCode::CREATED, updated, false))
    })
}

async fn checkout(
    State(shared): State<Arc<Shared>>,
    Path((customer, cart_id)): Path<(String, String)>,
    request: axum::Extension<Ids>,
    headers: HeaderMap,
) -> Reply {
    let (customer, cart_id) = match (guid("customer", &customer), guid("cart", &cart_id)) {
        (Ok(c), Ok(k)) => (c, k),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let if_match = headers.get("if-match").and_then(|v| v.to_str().ok());
    let fingerprint = fingerprint("checkoutCart", &cart_id, b"");
    replayed(&shared, &customer, &request.request, fingerprint, || {
        let result = lock(&shared.store).checkout(&customer, &cart_id, if_match, Utc::now());
        // The service's checkout answer starts with a byte-order mark.
        Ok(answer(
            StatusCode::CREATED,
            result,
            shared.settings.byte_order_mark,
        ))
    })
}

async fn order(
    State(shared): State<Arc<Shared>>,
    Path((customer, order)): Path<(String, String)>,
) -> Reply {
    let customer = match guid("customer", &customer) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    answer(
        StatusCode::OK,
        lock(&shared.store).order(&customer, &order),
        false,
    )
}

async fn provisioning(
    State(shared): State<Arc<Shared>>,
    Path((customer, order)): Path<(String, String)>,
) -> Reply {
    let customer = match guid("customer", &customer) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let delay = shared.settings.provisioning_delay;
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    let status = lock(&shared.store).provisioning(&customer, &order, Utc::now(), delay);
    answer(StatusCode::OK, status, false)
}

/// Answers a repeat of a request that already succeeded with that first answer, and does
/// nothing new: `MS-RequestId` is the service's idempotency key. The same id on a different
/// request is a caller's bug, and is refused rather than answered with another request's
/// answer.
fn replayed(
    shared: &Shared,
    customer: &str,
    request_id: &str,
    fingerprint: u64,
    work: impl FnOnce() -> Result<Reply, Reply>,
) -> Reply {
    let key = (customer.to_string(), request_id.to_string());
    // Held across the work, so that a repeat arriving while the first is still being done waits
    // for its answer instead of doing the work again. (Locks are taken replays, then store.)
    let mut replays = lock(&shared.replays);
    if let Some((first, reply)) = replays.answers.get(&key).cloned() {
        if first != fingerprint {
            return invalid(&format!(
                "MS-RequestId {request_id} was already used for a different request; send a new \
                 MS-RequestId with each new request."
            ));
        }
        shared.count(|s| s.replayed += 1);
        return reply;
    }
    let reply = match work() {
        Ok(r) | Err(r) => r,
    };
    if reply.status.is_success() {
        replays.keep(key, fingerprint, reply.clone());
    }
    reply
}

/// What makes two requests the same request: the operation, the cart, the body.
fn fingerprint(operation: &str, cart: &str, body: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (operation, cart, body).hash(&mut hasher);
    hasher.finish()
}

/// A request's cart: JSON (a leading byte-order mark allowed), names matched to the schema's
/// without regard to case, then the crate's own type.
fn decode_cart(body: &[u8]) -> Result<Cart, Reply> {
    static SCHEMA: LazyLock<serde_json::Value> =
        LazyLock::new(|| serde_json::to_value(schemars::schema_for!(Cart)).unwrap_or_default());
    let mut value: serde_json::Value = crate::json::from_slice(body)
        .map_err(|e| invalid(&format!("The body is not JSON: {e}.")))?;
    match_case(&mut value, &SCHEMA);
    serde_json::from_value(value).map_err(|e| invalid(&format!("The body is not a cart: {e}.")))
}

/// The answer to an operation's outcome.
fn answer<T: Serialize>(status: StatusCode, outcome: Result<T, Refusal>, bom: bool) -> Reply {
    match outcome {
        Ok(value) => {
            let mut body = if bom { BOM.to_vec() } else { Vec::new() };
            if serde_json::to_writer(&mut body, &value).is_err() {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    800087,
                    "The answer cannot be encoded.",
                );
            }
            Reply {
                status,
                body: body.into(),
            }
        }
        Err(Refusal::InvalidInput(reason)) => invalid(&reason),
        Err(Refusal::NoSuchCart) => {
            error(StatusCode::NOT_FOUND, 800008, "Unable to retrieve cart ID.")
        }
        Err(Refusal::EtagMismatch) => error(
            StatusCode::PRECONDITION_FAILED,
            412,
            "The cart has changed since it was read: If-Match does not match its etag.",
        ),
        Err(Refusal::NoSuchOrder) => error(StatusCode::NOT_FOUND, 0, "Order not found."),
        Err(Refusal::AlreadyOrdered) => error(
            StatusCode::BAD_REQUEST,
            800065,
            "Cannot check out an already submitted cart.",
        ),
    }
}

fn invalid(reason: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        800002,
        &format!("Invalid request input. {reason}"),
    )
}

/// The documented error body.
fn error(status: StatusCode, code: i64, description: &str) -> Reply {
    json(
        status,
        &PartnerCenterError {
            code: Some(PartnerCenterErrorCode::Int64(code)),
            description: Some(description.chars().take(1024).collect()),
            data: Some(Vec::new()),
            source: Some(SOURCE.to_string()),
            ..Default::default()
        },
    )
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    Reply {
        status,
        body: serde_json::to_vec(value).unwrap_or_default().into(),
    }
}

/// A path id, checked to be a GUID, in canonical form.
fn guid(what: &str, id: &str) -> Result<String, Reply> {
    crate::validate::guid(what, id).map_err(|reason| invalid(&format!("The {reason}.")))
}

/// A header that must be a GUID when present.
fn guid_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, Reply> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| crate::validate::guid(name.as_str(), v).ok())
            .map(Some)
            .ok_or_else(|| invalid(&format!("The {name} header is not a GUID."))),
    }
}

/// Whether the request carries a bearer token: any, or the one the emulator accepts.
fn has_bearer_token(headers: &HeaderMap, accepted: Option<&str>) -> bool {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            let token = token.trim();
            scheme.eq_ignore_ascii_case("bearer")
                && !token.is_empty()
                && accepted.is_none_or(|accepted| token == accepted)
        })
}

/// A lock that survives a panic elsewhere: the emulator's state stays usable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_forget_the_oldest_answer_first() {
        let mut replays = Replays::default();
        let reply = Reply {
            status: StatusCode::CREATED,
            body: Bytes::new(),
        };
        let key = |n: usize| ("customer".to_string(), n.to_string());
        for n in 0..=REPLAYS_KEPT {
            replays.keep(key(n), 0, reply.clone());
        }
        assert_eq!(replays.answers.len(), REPLAYS_KEPT);
        assert!(!replays.answers.contains_key(&key(0)));
        assert!(replays.answers.contains_key(&key(1)));
        assert!(replays.answers.contains_key(&key(REPLAYS_KEPT)));
    }
}
