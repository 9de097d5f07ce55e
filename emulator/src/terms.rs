//! The terms a client sends to change a subscription or to transition it: a term duration and
//! a billing cycle. The emulator keeps them as sent, so it takes only short ones of the known
//! shapes (the service's are `P1M`, `P1Y`, `P3Y`; `monthly`, `annual`, `one_time`, ...), and
//! one subscription's state stays small.

use super::rules::{Refusal, invalid};

/// The longest term duration taken: an ISO 8601 duration such as `P1Y` or `P1Y6M15D`.
pub(crate) const MAX_TERM_DURATION: usize = 16;

/// The longest billing cycle taken. The values are open (the service adds some), so any word
/// of letters, digits, `_` and `-` is.
pub(crate) const MAX_BILLING_CYCLE: usize = 32;

/// Refused unless an ISO 8601 duration (`P`, numbers each followed by its unit, the time's
/// after a `T`) of at most [`MAX_TERM_DURATION`] characters.
pub(crate) fn term_duration(value: &str) -> Result<(), Refusal> {
    if value.len() <= MAX_TERM_DURATION && is_duration(value) {
        return Ok(());
    }
    Err(invalid(format!(
        "termDuration {:?} is not an ISO 8601 duration of at most {MAX_TERM_DURATION} \
         characters, such as P1M or P1Y.",
        shortened(value)
    )))
}

/// Refused unless a word of at most [`MAX_BILLING_CYCLE`] letters, digits, `_` or `-`.
pub(crate) fn billing_cycle(value: &str) -> Result<(), Refusal> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !value.is_empty() && value.len() <= MAX_BILLING_CYCLE && value.chars().all(word) {
        return Ok(());
    }
    Err(invalid(format!(
        "billingCycle {:?} is not a billing cycle (a word of at most {MAX_BILLING_CYCLE} \
         letters, digits, _ or -, such as monthly or annual).",
        shortened(value)
    )))
}

fn is_duration(value: &str) -> bool {
    let Some(rest) = value.strip_prefix(['P', 'p']) else {
        return false;
    };
    match rest.split_once(['T', 't']) {
        Some((date, time)) => !time.is_empty() && units(date, "YMWD") && units(time, "HMS"),
        None => !rest.is_empty() && units(rest, "YMWD"),
    }
}

/// Whether `part` is numbers each followed by one of `units`, in their order, each at most
/// once.
fn units(part: &str, units: &str) -> bool {
    let mut left = units;
    let mut digits = 0;
    for c in part.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            continue;
        }
        let Some(at) = left.find(c.to_ascii_uppercase()) else {
            return false;
        };
        if digits == 0 {
            return false;
        }
        left = &left[at + 1..];
        digits = 0;
    }
    digits == 0
}

/// A value as a refusal quotes it: no more than a line of it.
fn shortened(value: &str) -> String {
    value.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_duration_is_a_short_iso_8601_duration() {
        for good in ["P1M", "P1Y", "P3Y", "P30D", "PT72H", "P1Y6M15DT12H", "p1y"] {
            assert!(term_duration(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "P",
            "PT",
            "1Y",
            "P1",
            "PY",
            "P1M1Y",
            "P1Y1Y",
            "P1H",
            "P1YT",
            "P1Y ",
            "P1234567890123456Y",
        ] {
            assert!(term_duration(bad).is_err(), "{bad}");
        }
        let long = "P".to_string() + &"1".repeat(1 << 20) + "Y";
        let Err(Refusal::InvalidInput(reason)) = term_duration(&long) else {
            panic!("a long one is refused")
        };
        assert!(reason.len() < 200, "{reason}");
    }

    #[test]
    fn a_billing_cycle_is_a_short_word() {
        for good in ["monthly", "annual", "one_time", "Triennial", "none"] {
            assert!(billing_cycle(good).is_ok(), "{good}");
        }
        for bad in ["", "every month", "m\u{f6}nthly", &"a".repeat(33)] {
            assert!(billing_cycle(bad).is_err(), "{bad}");
        }
    }
}
