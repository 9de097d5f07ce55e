//! What every request passes before its operation: its ids checked and echoed, its token
//! required (and with `require_mfa`, issued as the service's MFA rule asks), its body read
//! within the limits (413) and of the right type (415), the faults injected; and one log line
//! at `info` when it is answered.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::body;
use super::mfa;
use super::reply::{Reply, error, invalid, json};
use super::routes;
use super::service::{Service, kib};
use super::stats::Counters;
use super::token;

const MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// The request's `MS-RequestId`, as sent or made up, for the operations.
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub String);

pub(crate) async fn gate(
    State(service): State<Arc<Service>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    Counters::bump(&service.counters.requests, 1);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (response, request_id, correlation_id) = match ids(request.headers()) {
        Ok((request_id, correlation_id)) => {
            let request_id = request_id.unwrap_or_else(|| Uuid::new_v4().to_string());
            let response = admit(&service, request, &request_id, next).await;
            (response, request_id, correlation_id)
        }
        Err(reply) => {
            service
                .log
                .record(method.as_str(), &path, request.headers(), &[]);
            (reply.into_response(), String::new(), None)
        }
    };
    let response = echo(response, &request_id, correlation_id.as_deref());
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        request_id = %request_id,
        correlation_id = %correlation_id.as_deref().unwrap_or(""),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Reads the body and lets the request through, or says why not.
async fn admit(service: &Service, request: Request, request_id: &str, next: Next) -> Response {
    // Before the in-flight budget is taken, so a slow request holds none of it while it waits.
    if !service.faults.latency.is_zero() {
        tokio::time::sleep(service.faults.latency).await;
    }
    let (mut parts, body) = request.into_parts();
    let record = |body: &[u8]| {
        service.log.record(
            parts.method.as_str(),
            parts.uri.path(),
            &parts.headers,
            body,
        )
    };
    let accepted = service.settings.token.as_ref().map(|t| t.expose_secret());
    if !has_bearer_token(&parts.headers, accepted) {
        record(&[]);
        return challenged(error(
            StatusCode::UNAUTHORIZED,
            401,
            "A valid access token is required: send `Authorization: Bearer <token>`.",
        ));
    }
    // Before the body is read and anything is done: the service refuses such a call outright.
    if service.settings.require_mfa {
        let operation = routes::operation(parts.method.as_str(), parts.uri.path());
        if let Some(refused) = mfa::refusal(&token::claims(&parts.headers), operation) {
            record(&[]);
            return challenged(refused);
        }
    }
    let limits = &service.limits;
    let limit = limits.body;
    // A body declared too long is refused before a byte of it is read.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        record(&[]);
        return too_large(limit).into_response();
    }
    // Bodies being worked on share a budget, taken as their bytes arrive: a burst of large
    // carts waits its turn instead of taking the memory of many, and a body that stalls holds
    // what it sent, for a limited time. A request without a body waits for nothing.
    let reading = body::Reading {
        limit,
        idle: limits.header_timeout,
        whole: limits.body_timeout,
        budget: &service.in_flight,
        budget_kib: kib(limits.in_flight),
    };
    let (body, _permit): (Bytes, _) = match body::read(body, &reading).await {
        Ok(read) => read,
        Err(refused) => {
            record(&[]);
            return match refused {
                body::Refused::TooLarge => too_large(limit),
                body::Refused::TooSlow => error(
                    StatusCode::REQUEST_TIMEOUT,
                    408,
                    "The request body did not arrive in time.",
                ),
                body::Refused::Broken => invalid("The request body was cut short."),
            }
            .into_response();
        }
    };
    record(&body);
    if !body.is_empty() && !is_json(&parts.headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "The body must be JSON: send `Content-Type: application/json`.",
        )
        .into_response();
    }
    parts.extensions.insert(RequestId(request_id.to_string()));
    with_faults(service, Request::from_parts(parts, Body::from(body)), next).await
}

/// Runs the request through the configured faults: throttling and unavailability before the
/// work, a lost answer after it (as when a gateway times out).
async fn with_faults(service: &Service, request: Request, next: Next) -> Response {
    let faults = &service.faults;
    if service.rate_limits.any() {
        let tenant = tenant(request.headers());
        let customer = customer(request.uri().path());
        if let Err(seconds) = service.rate_limits.admit(tenant, customer, service.now()) {
            Counters::bump(&service.counters.throttled, 1);
            return throttled(seconds);
        }
    }
    if service.roll(faults.throttle) {
        Counters::bump(&service.counters.throttled, 1);
        return throttled(faults.retry_after.as_secs());
    }
    if service.roll(faults.unavailable) {
        Counters::bump(&service.counters.unavailable, 1);
        return unavailable().into_response();
    }
    // A POST that only checks (checkInventory, checkPromotionEligibilities) has no work to lose.
    let path = request.uri().path();
    let writes = routes::operation(request.method().as_str(), path)
        .map_or(request.method() != Method::GET, |o| o.writes());
    let response = next.run(request).await;
    if writes && service.roll(faults.lost_answers) {
        Counters::bump(&service.counters.lost_answers, 1);
        return error(StatusCode::GATEWAY_TIMEOUT, 0, "The gateway timed out.").into_response();
    }
    response
}

/// A refusal, with the challenge the error codes page shows on a 401.
fn challenged(reply: Reply) -> Response {
    let unauthorized = reply.status == StatusCode::UNAUTHORIZED;
    let mut response = reply.into_response();
    if unauthorized {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("OAuth realm=urn:cpsvc:cpid:emulator"),
        );
    }
    response
}

/// 429 in the shape the service sends it: its own body, and `Retry-After` in seconds.
fn throttled(seconds: u64) -> Response {
    let message = format!("Rate limit is exceeded. Try again in {seconds} seconds.");
    let mut response = json(
        StatusCode::TOO_MANY_REQUESTS,
        &serde_json::json!({ "statusCode": 429, "message": message }),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The partner tenant a request is from: the service reads it from the token; the emulator
/// knows tenants by their tokens, kept as a hash.
fn tenant(headers: &HeaderMap) -> u64 {
    let token = headers
        .get(header::AUTHORIZATION)
        .map_or(&[][..], HeaderValue::as_bytes);
    xxhash_rust::xxh3::xxh3_64(token)
}

/// The customer in a request's path (`/v1/customers/{customer-id}/...`).
fn customer(path: &str) -> Option<&str> {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some("customers"), Some(id)) if !id.is_empty() => Some(id),
        _ => None,
    }
}

fn unavailable() -> Reply {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        0,
        "The service is unavailable.",
    )
}

fn too_large(limit: usize) -> Reply {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        413,
        &format!("The request body is larger than the {limit} bytes accepted, or was cut short."),
    )
}

/// The request's `MS-RequestId` and `MS-CorrelationId`, each a GUID when present.
type Ids = (Option<String>, Option<String>);

fn ids(headers: &HeaderMap) -> Result<Ids, Reply> {
    Ok((
        guid_header(headers, &MS_REQUEST_ID)?,
        guid_header(headers, &MS_CORRELATION_ID)?,
    ))
}

/// A header that must be a GUID when present.
fn guid_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, Reply> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| partner_center_carts::validate::guid(name.as_str(), v).ok())
            .map(Some)
            .ok_or_else(|| invalid(&format!("The {name} header is not a GUID."))),
    }
}

/// Echoes the request's ids, as the service does.
fn echo(mut response: Response, request_id: &str, correlation_id: Option<&str>) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id)
        && !request_id.is_empty()
    {
        headers.insert(MS_REQUEST_ID, value);
    }
    if let Some(value) = correlation_id.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert(MS_CORRELATION_ID, value);
    }
    headers.insert("ms-serverid", HeaderValue::from_static("emulator"));
    // A correlation vector as the service writes one (`sF/wRa2ih0CzbABc.0`): a base of 16
    // characters and a step; here the base is the request id's first 16 hex digits.
    let base: String = request_id.chars().filter(|c| *c != '-').take(16).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("{base}.0"))
        && base.len() == 16
    {
        headers.insert("ms-cv", value);
    }
    response
}

/// Whether the request carries a bearer token: any, or the one the emulator accepts.
fn has_bearer_token(headers: &HeaderMap, accepted: Option<&str>) -> bool {
    token::bearer(headers).is_some_and(|token| accepted.is_none_or(|accepted| token == accepted))
}

/// Whether the body is declared JSON: `application/json` or a `+json` type, any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}
