//! The request log: the last requests received, within a byte budget, the token redacted and
//! long values cut, so one huge header or body costs the log little.

use std::sync::Mutex;

use axum::http::{HeaderMap, header};

use super::bounded::Bounded;
use super::limits::{LOGGED_BODY, LOGGED_HEADER};
use crate::received::Received;

pub(crate) struct RequestLog(Mutex<Log>);

struct Log {
    entries: Bounded<u64, Received>,
    next: u64,
}

impl RequestLog {
    pub fn new(budget: usize) -> Self {
        Self(Mutex::new(Log {
            entries: Bounded::new(budget),
            next: 0,
        }))
    }

    /// Logs a request: its method, path, headers (each value cut to 1 KiB, the token redacted)
    /// and the first 4 KiB of its body.
    pub fn record(&self, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| {
                let value = if name == header::AUTHORIZATION {
                    let scheme = value.as_bytes().split(|b| *b == b' ').next();
                    format!(
                        "{} [redacted]",
                        String::from_utf8_lossy(scheme.unwrap_or_default())
                    )
                } else {
                    cut(value.as_bytes(), LOGGED_HEADER)
                };
                (name.to_string(), value)
            })
            .collect();
        let body = &body[..body.len().min(LOGGED_BODY)];
        let size = method.len()
            + path.len()
            + body.len()
            + headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>();
        let received = Received::new(method, path, headers, body.to_vec());
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let number = log.next;
        log.next += 1;
        log.entries.insert(number, size, received);
    }

    /// The requests kept, oldest first.
    pub fn all(&self) -> Vec<Received> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log.entries.iter().map(|(_, r)| r.clone()).collect()
    }

    pub fn bytes(&self) -> usize {
        self.0.lock().map_or(0, |log| log.entries.bytes())
    }
}

/// At most `max` bytes of `value` as text, marked when cut.
fn cut(value: &[u8], max: usize) -> String {
    if value.len() <= max {
        return String::from_utf8_lossy(value).into_owned();
    }
    format!(
        "{}… ({} bytes)",
        String::from_utf8_lossy(&value[..max]),
        value.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn huge_headers_and_bodies_are_cut_and_the_log_stays_within_its_budget() {
        let log = RequestLog::new(64 * 1024);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-huge",
            HeaderValue::from_str(&"h".repeat(370_000)).unwrap(),
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret"),
        );
        for _ in 0..100 {
            log.record("PUT", "/v1/x", &headers, &[b'b'; 1_000_000]);
        }
        assert!(log.bytes() <= 64 * 1024, "{}", log.bytes());
        let all = log.all();
        assert!(all.len() > 5 && all.len() < 100, "{}", all.len());
        let last = all.last().unwrap();
        assert_eq!(last.body.len(), LOGGED_BODY);
        assert!(last.header("x-huge").unwrap().ends_with("… (370000 bytes)"));
        assert_eq!(last.header("authorization"), Some("Bearer [redacted]"));
    }
}
