//! A date-time that keeps the exact text the service sent.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// A date-time as it appears on the wire (`creationTimestamp`, `creationDate`, ...).
///
/// The text is kept exactly as received, so a cart read and written back is byte-for-byte the
/// same: the service sends seven fractional digits (`2018-03-15T17:15:02.3840528Z`), sometimes
/// `+00:00` instead of `Z`, and the .NET SDK sends `0001-01-01T00:00:00` (no zone) for "unset".
/// [`Timestamp::to_datetime`] parses it when you need a value.
///
/// ```
/// use partner_center_carts::Timestamp;
///
/// let t: Timestamp = "2018-03-15T17:15:02.3840528Z".parse().unwrap();
/// assert_eq!(t.as_str(), "2018-03-15T17:15:02.3840528Z");
/// assert_eq!(t.to_datetime().unwrap().timestamp(), 1_521_134_102);
///
/// let unset = Timestamp::from("0001-01-01T00:00:00");
/// assert!(unset.is_unset());
/// ```
// No `Ord`: the text of two equal instants can differ (`Z` and `+00:00`), so ordering is by
// `to_datetime`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// The text as received or given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text as RFC 3339; text without a zone (the .NET SDK's style) is read as UTC.
    /// `None` when the text is not a date-time.
    pub fn to_datetime(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.0)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(&self.0, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|t| t.and_utc())
            })
    }

    /// Whether this is the .NET SDK's "no value", the year-1 minimum date.
    pub fn is_unset(&self) -> bool {
        // 0001-01-01T00:00:00Z, .NET's DateTime.MinValue.
        self.to_datetime()
            .is_some_and(|t| t.timestamp() == -62_135_596_800)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// Formats as RFC 3339 with a `Z`, and 0, 3, 6 or 9 fractional digits as the value needs.
    fn from(value: DateTime<Utc>) -> Self {
        Self(value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<&str> for Timestamp {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl From<String> for Timestamp {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<Timestamp> for String {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl FromStr for Timestamp {
    type Err = std::convert::Infallible;

    /// Keeps any text: a date-time the service sends in a new style must not fail a whole cart.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": Timestamp::PATTERN })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_through_serde() {
        for text in [
            "2018-03-15T17:15:02.3840528Z",
            "2021-08-18T07:52:23.1921872+00:00",
            "0001-01-01T00:00:00",
            "not a date",
        ] {
            let json = format!("\"{text}\"");
            let t: Timestamp = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
        }
    }

    #[test]
    fn parses_zoned_and_zoneless_text() {
        let zoned = Timestamp::from("2021-08-18T07:52:23.1921872+00:00");
        let z = Timestamp::from("2021-08-18T07:52:23.1921872Z");
        assert_eq!(zoned.to_datetime(), z.to_datetime());
        assert!(z.to_datetime().is_some());
        assert!(Timestamp::from("0001-01-01T00:00:00").is_unset());
        assert!(!z.is_unset());
        assert_eq!(Timestamp::from("yesterday").to_datetime(), None);
    }

    #[test]
    fn formats_a_chrono_value_as_rfc3339() {
        let t = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Timestamp::from(t).as_str(), "2026-11-21T10:00:00.500Z");
    }
}
