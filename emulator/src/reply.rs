//! Answers in the service's shapes: a status and a JSON body, cheap to keep for replay.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::rules::Refusal;
use partner_center_carts::codes;
use partner_center_carts::json::BOM;
use partner_center_carts::types::{PartnerCenterError, PartnerCenterErrorCode};

/// What the emulator calls itself in error bodies' `source`.
const SOURCE: &str = "PartnerCenterEmulator";

/// An answer: a status and a JSON body.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}

/// The JSON of `value`, after a byte-order mark if `bom`.
pub(crate) fn encode<T: Serialize>(value: &T, bom: bool) -> Result<Bytes, Reply> {
    let mut body = if bom { BOM.to_vec() } else { Vec::new() };
    serde_json::to_writer(&mut body, value).map_err(|_| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::LINE_ITEM_ISSUE,
            "The answer cannot be encoded.",
        )
    })?;
    Ok(body.into())
}

/// The answer to an operation's outcome.
pub(crate) fn answer<T: Serialize>(status: StatusCode, outcome: Result<T, Refusal>) -> Reply {
    match outcome.map_err(refused).and_then(|v| encode(&v, false)) {
        Ok(body) => Reply { status, body },
        Err(reply) => reply,
    }
}

/// The service's answer to a refusal.
pub(crate) fn refused(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::InvalidInput(reason) => invalid(&reason),
        Refusal::NoSuchCart => error(
            StatusCode::NOT_FOUND,
            codes::CART_NOT_FOUND,
            "Unable to retrieve cart ID.",
        ),
        Refusal::EtagMismatch => error(
            StatusCode::PRECONDITION_FAILED,
            412,
            "The cart has changed since it was read: If-Match does not match its etag.",
        ),
        Refusal::NoSuchOrder => error(StatusCode::NOT_FOUND, 0, "Order not found."),
        Refusal::NoSuchSubscription => error(StatusCode::NOT_FOUND, 0, "Subscription not found."),
        Refusal::AlreadyOrdered => error(
            StatusCode::BAD_REQUEST,
            codes::CART_ALREADY_SUBMITTED,
            "Cannot check out an already submitted cart.",
        ),
    }
}

/// 400, 800002.
pub(crate) fn invalid(reason: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        codes::INVALID_INPUT,
        &format!("Invalid request input. {reason}"),
    )
}

/// 500: what the emulator itself stored cannot be read back.
pub(crate) fn unreadable(what: &str) -> Reply {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::LINE_ITEM_ISSUE,
        &format!("The stored {what} cannot be read."),
    )
}

/// The documented error body.
pub(crate) fn error(status: StatusCode, code: i64, description: &str) -> Reply {
    error_with_data(status, code, description, Vec::new())
}

/// The documented error body, with details in `data`.
pub(crate) fn error_with_data(
    status: StatusCode,
    code: i64,
    description: &str,
    data: Vec<serde_json::Value>,
) -> Reply {
    json(
        status,
        &PartnerCenterError {
            code: Some(PartnerCenterErrorCode::Int64(code)),
            description: Some(description.chars().take(1024).collect()),
            data: Some(data),
            source: Some(SOURCE.to_string()),
            ..Default::default()
        },
    )
}

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    Reply {
        status,
        body: serde_json::to_vec(value).unwrap_or_default().into(),
    }
}
