//! The `Retry-After` header: delay-seconds or an HTTP date.

use std::time::{Duration, SystemTime};

use chrono::DateTime;
use http::HeaderMap;
use http::header::RETRY_AFTER;

/// The wait a `Retry-After` header asks for, from now. `None` when absent or unreadable.
pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Duration> {
    parse(headers.get(RETRY_AFTER)?.to_str().ok()?, SystemTime::now())
}

/// Parses `120` or `Fri, 31 Dec 1999 23:59:59 GMT`; a date in the past means no wait.
pub(crate) fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(at.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_799 - 30);
        assert_eq!(parse("57", now), Some(Duration::from_secs(57)));
        assert_eq!(parse(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse("Fri, 31 Dec 1999 23:59:59 GMT", now),
            Some(Duration::from_secs(30))
        );
        let later = now + Duration::from_secs(3600);
        assert_eq!(
            parse("Fri, 31 Dec 1999 23:59:59 GMT", later),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn ignores_what_it_cannot_read() {
        let now = SystemTime::now();
        assert_eq!(parse("-1", now), None);
        assert_eq!(parse("soon", now), None);
        assert_eq!(parse("1.5", now), None);
        assert_eq!(parse("", now), None);
    }
}
