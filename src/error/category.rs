//! The service's error categories, named as the Partner Center SDK names them.

use std::fmt;

/// The kind of error an HTTP status means, with the names the Partner Center .NET SDK uses.
///
/// Two are this crate's own: [`PreconditionFailed`](Self::PreconditionFailed) for 412 (the SDK
/// calls it a server error) and [`ClientError`](Self::ClientError) for a 4xx the SDK does not
/// list (it calls those server errors too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// 400.
    BadInput,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 405.
    InvalidOperation,
    /// 406.
    UnsupportedDataFormat,
    /// 408.
    RequestTimeout,
    /// 409.
    AlreadyExists,
    /// 412.
    PreconditionFailed,
    /// 429.
    TooManyRequests,
    /// 503.
    ServerBusy,
    /// 504.
    GatewayTimeout,
    /// Any other 4xx.
    ClientError,
    /// Any other status.
    ServerError,
}

impl ErrorCategory {
    /// The category of an HTTP status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => Self::BadInput,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::InvalidOperation,
            406 => Self::UnsupportedDataFormat,
            408 => Self::RequestTimeout,
            409 => Self::AlreadyExists,
            412 => Self::PreconditionFailed,
            429 => Self::TooManyRequests,
            503 => Self::ServerBusy,
            504 => Self::GatewayTimeout,
            _ if (400..500).contains(&status) => Self::ClientError,
            _ => Self::ServerError,
        }
    }
}

impl fmt::Display for ErrorCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_sdk_for_the_statuses_it_names() {
        assert_eq!(ErrorCategory::from_status(400), ErrorCategory::BadInput);
        assert_eq!(
            ErrorCategory::from_status(409),
            ErrorCategory::AlreadyExists
        );
        assert_eq!(
            ErrorCategory::from_status(429),
            ErrorCategory::TooManyRequests
        );
        assert_eq!(ErrorCategory::from_status(503), ErrorCategory::ServerBusy);
        assert_eq!(ErrorCategory::from_status(500), ErrorCategory::ServerError);
        assert_eq!(ErrorCategory::from_status(502), ErrorCategory::ServerError);
        assert_eq!(
            ErrorCategory::from_status(412),
            ErrorCategory::PreconditionFailed
        );
        assert_eq!(ErrorCategory::from_status(422), ErrorCategory::ClientError);
    }
}
