//! The service's own error answer.

use std::fmt;
use std::time::Duration;

use super::ErrorCategory;
use super::text::printable;
use crate::codes;
use crate::types::{OrderError, PartnerCenterError, PartnerCenterErrorCode};

/// An error answer from Partner Center: its status, category, and body.
///
/// The body's `code` is a number in real answers and a string in the documentation's table;
/// [`code_number`](Self::code_number) reads both. A throttled answer has `message` instead of
/// `description`; [`description`](Self::description) reads either.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceError {
    status: u16,
    body: Option<PartnerCenterError>,
    raw_body: Option<String>,
    retry_after: Option<Duration>,
}

impl ServiceError {
    pub(crate) fn new(
        status: u16,
        body: Option<PartnerCenterError>,
        raw_body: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Self {
            status,
            body,
            raw_body,
            retry_after,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The category of the status, as the Partner Center SDK names it.
    pub fn category(&self) -> ErrorCategory {
        ErrorCategory::from_status(self.status)
    }

    /// The decoded body, when it was the documented JSON.
    pub fn body(&self) -> Option<&PartnerCenterError> {
        self.body.as_ref()
    }

    /// The first bytes of the body (at most 512) when it was not the documented JSON, such as an
    /// HTML page from a proxy.
    pub fn raw_body(&self) -> Option<&str> {
        self.raw_body.as_deref()
    }

    /// The Partner Center error code as sent.
    pub fn code(&self) -> Option<&PartnerCenterErrorCode> {
        self.body.as_ref()?.code.as_ref()
    }

    /// The Partner Center error code as a number, whether it was sent as a number or a string.
    pub fn code_number(&self) -> Option<i64> {
        self.code()?.number()
    }

    /// The error's description (`description`, or `message` when that is what was sent).
    pub fn description(&self) -> Option<&str> {
        let body = self.body.as_ref()?;
        body.description.as_deref().or(body.message.as_deref())
    }

    /// The part of the service that answered (`source`), such as `PartnerFD`.
    pub fn source(&self) -> Option<&str> {
        self.body.as_ref()?.source.as_deref()
    }

    /// The error's details (`data`).
    pub fn data(&self) -> &[serde_json::Value] {
        self.body
            .as_ref()
            .and_then(|b| b.data.as_deref())
            .unwrap_or_default()
    }

    /// The wait the service asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// 409 with 800064 ("the cart is being processed by another request") or 800060 ("your
    /// order is in progress"): the service is busy with this cart, and asks to come back.
    pub(crate) fn is_busy(&self) -> bool {
        self.status == 409
            && matches!(
                self.code_number(),
                Some(codes::CART_BEING_PROCESSED | codes::ORDER_IN_PROGRESS)
            )
    }

    /// Whether another attempt of the same request may succeed: 408, 429, 500, 502, 503,
    /// 504, or the service busy with the cart.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self.status, 408 | 429 | 500 | 502 | 503 | 504) || self.is_busy()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&status_text(self.status))?;
        // The service's words are escaped: they must not forge lines or drive a terminal. A code
        // of 0 says no more than the status does, and is left out.
        let code = self
            .code()
            .filter(|c| c.number() != Some(0))
            .map(|c| printable(&c.to_string()).into_owned());
        match (code, self.description().map(printable)) {
            (Some(code), Some(d)) => write!(f, ", Partner Center error {code}: {d}"),
            (Some(code), None) => write!(f, ", Partner Center error {code}"),
            (None, Some(d)) => write!(f, ": {d}"),
            (None, None) => match &self.raw_body {
                Some(raw) if !raw.is_empty() => write!(f, ", body starts {raw:?}"),
                _ => Ok(()),
            },
        }
    }
}

/// One failed order group of a checkout, for a message: `order group 1: 800010 Inventory not
/// available`, its service text escaped.
pub(crate) struct OrderErrorText<'a>(pub &'a OrderError);

impl fmt::Display for OrderErrorText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(
            f,
            "order group {}",
            printable(e.order_group_id.as_deref().unwrap_or("?"))
        )?;
        if let Some(code) = &e.code {
            write!(f, ": {}", printable(&code.to_string()))?;
        }
        if let Some(description) = &e.description {
            write!(f, " {}", printable(description))?;
        }
        Ok(())
    }
}

/// `400 Bad Request`, or just the number for a status with no standard reason.
pub(crate) fn status_text(status: u16) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> Option<PartnerCenterError> {
        Some(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn reads_the_code_as_number_or_string() {
        let n = ServiceError::new(400, body(serde_json::json!({"code": 800002})), None, None);
        let s = ServiceError::new(404, body(serde_json::json!({"code": "800008"})), None, None);
        assert_eq!(n.code_number(), Some(800_002));
        assert_eq!(s.code_number(), Some(800_008));
    }

    #[test]
    fn displays_status_code_and_description() {
        let e = ServiceError::new(
            400,
            body(
                serde_json::json!({"code": 800002, "description": "Invalid request input.", "source": "PartnerFD"}),
            ),
            None,
            None,
        );
        assert_eq!(
            e.to_string(),
            "400 Bad Request, Partner Center error 800002: Invalid request input."
        );
        let throttled = ServiceError::new(
            429,
            body(serde_json::json!({"statusCode": 429, "message": "Rate limit is exceeded."})),
            None,
            None,
        );
        assert_eq!(
            throttled.to_string(),
            "429 Too Many Requests: Rate limit is exceeded."
        );
        let html = ServiceError::new(502, None, Some("<html>".into()), None);
        assert_eq!(html.to_string(), "502 Bad Gateway, body starts \"<html>\"");
    }
}
