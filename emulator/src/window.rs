//! The new-commerce cancellation window, as arithmetic on the emulator's dates: every purchase
//! of seats (the first, and each increase) can be given back for a refund within 7 days, each
//! in its own window; a reduction gives back the seats whose window closes soonest. A window
//! is open up to and including its end ([`is_open`]), the one rule for every deadline. No
//! state: a subscription's state keeps the batches these return.

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::rules::{after, timestamp};
use partner_center_carts::types::{RefundableQuantity, RefundableQuantityDetail};

/// How long seats can be given back after their purchase (licences; the service's SaaS
/// windows are 72 hours, which the emulator does not model).
pub(crate) const WINDOW: Duration = Duration::days(7);

/// The most purchases of seats a subscription keeps open at once. An emulator's bound, so that
/// a loop of increases cannot grow one subscription without end: past it, the two windows that
/// close soonest are merged (docs/emulator.md says so).
pub(crate) const MAX_BATCHES: usize = 256;

/// Seats bought together, and the last moment they can be given back.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Batch {
    pub quantity: i32,
    pub allowed_until: DateTime<Utc>,
}

/// The end of a window opened at `at`: [`WINDOW`] later, or the last date the emulator writes.
/// In whole 100 ns ticks, the precision of the dates it answers, so that the end a client reads
/// is the end the emulator applies.
pub(crate) fn end(at: DateTime<Utc>) -> DateTime<Utc> {
    let end = after(at, WINDOW);
    end.duration_trunc(Duration::nanoseconds(100))
        .unwrap_or(end)
}

/// Whether a window that ends at `end` is open at `now`: up to and including its end, as the
/// service's "last date that the partner can cancel" reads (and as the client judges it).
pub(crate) fn is_open(end: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now <= end
}

/// `quantity` seats bought at `at`: refundable for [`WINDOW`].
pub(crate) fn bought(quantity: i32, at: DateTime<Utc>) -> Batch {
    Batch {
        quantity,
        allowed_until: end(at),
    }
}

impl Batch {
    /// Whether seats of it can still be given back at `now`.
    fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.quantity > 0 && is_open(self.allowed_until, now)
    }
}

/// The batches whose window is still open at `now`.
pub(crate) fn open(batches: &[Batch], now: DateTime<Utc>) -> impl Iterator<Item = &Batch> {
    batches.iter().filter(move |b| b.is_open(now))
}

/// Drops the batches closed or emptied by `now`, and sorts the others soonest to close first.
fn keep_open(batches: &mut Vec<Batch>, now: DateTime<Utc>) {
    batches.retain(|b| b.is_open(now));
    batches.sort_by_key(|b| b.allowed_until);
}

/// How many seats can be given back at `now`.
pub(crate) fn refundable(batches: &[Batch], now: DateTime<Utc>) -> i32 {
    let total: i64 = open(batches, now).map(|b| i64::from(b.quantity)).sum();
    i32::try_from(total).unwrap_or(i32::MAX)
}

/// `refundableQuantity` at `now`: one detail per open window, soonest to close first, and
/// their sum (0 and no details when none is open).
pub(crate) fn refundable_quantity(batches: &[Batch], now: DateTime<Utc>) -> RefundableQuantity {
    let mut open: Vec<&Batch> = open(batches, now).collect();
    open.sort_by_key(|b| b.allowed_until);
    let details = open
        .iter()
        .map(|b| RefundableQuantityDetail {
            quantity: Some(b.quantity),
            allowed_until_date_time: Some(timestamp(b.allowed_until)),
            ..Default::default()
        })
        .collect();
    RefundableQuantity {
        total_quantity: Some(refundable(batches, now)),
        details: Some(details),
        ..Default::default()
    }
}

/// Adds seats bought at `now`, and drops the windows closed by then.
pub(crate) fn add(batches: &mut Vec<Batch>, quantity: i32, now: DateTime<Utc>) {
    batches.push(bought(quantity, now));
    keep_open(batches, now);
    while batches.len() > MAX_BATCHES {
        // The seats of the second keep the first's (sooner) deadline: never refundable longer
        // than their purchase allows.
        let first = batches.remove(0);
        batches[0].quantity = batches[0].quantity.saturating_add(first.quantity);
        batches[0].allowed_until = first.allowed_until;
    }
}

/// Gives back `seats` at `now`, from the windows that close soonest; drops the windows closed
/// or emptied. Refused, with the seats that could be given back, when they are fewer; the
/// batches are then left as they were.
pub(crate) fn give_back(
    batches: &mut Vec<Batch>,
    seats: i32,
    now: DateTime<Utc>,
) -> Result<(), i32> {
    let can = refundable(batches, now);
    if seats > can {
        return Err(can);
    }
    keep_open(batches, now);
    let mut left = seats;
    for batch in batches.iter_mut() {
        let taken = left.min(batch.quantity);
        batch.quantity -= taken;
        left -= taken;
        if left == 0 {
            break;
        }
    }
    batches.retain(|b| b.quantity > 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::days(day)
    }

    #[test]
    fn seats_are_refundable_for_seven_days_after_their_purchase() {
        let batches = vec![bought(5, at(0))];
        assert_eq!(batches[0].allowed_until, at(7));
        assert_eq!(refundable(&batches, at(0)), 5);
        assert_eq!(
            refundable(&batches, at(7)),
            5,
            "the window is open up to and including its end"
        );
        let just_after = at(7) + Duration::nanoseconds(1);
        assert_eq!(refundable(&batches, just_after), 0);
        assert_eq!(
            refundable_quantity(&batches, at(7)).details.unwrap().len(),
            1
        );
        assert_eq!(
            refundable_quantity(&batches, just_after).details,
            Some(Vec::new())
        );
        let none = refundable_quantity(&batches, at(8));
        assert_eq!(none.total_quantity, Some(0));
        assert_eq!(none.details, Some(Vec::new()));
    }

    #[test]
    fn each_purchase_has_its_own_window() {
        let mut batches = vec![bought(3, at(0))];
        add(&mut batches, 2, at(2));
        let both = refundable_quantity(&batches, at(3));
        assert_eq!(both.total_quantity, Some(5));
        let details = both.details.unwrap();
        assert_eq!(
            details.iter().map(|d| d.quantity).collect::<Vec<_>>(),
            [Some(3), Some(2)],
            "soonest to close first"
        );
        assert_eq!(
            details[1]
                .allowed_until_date_time
                .as_ref()
                .unwrap()
                .as_str(),
            timestamp(at(9)).as_str()
        );
        // Past the first window, only the later seats can be given back.
        assert_eq!(refundable(&batches, at(8)), 2);
    }

    #[test]
    fn a_reduction_takes_the_seats_whose_window_closes_soonest() {
        let mut batches = vec![bought(3, at(0))];
        add(&mut batches, 2, at(1));
        give_back(&mut batches, 4, at(2)).unwrap();
        assert_eq!(batches, [bought(1, at(1))]);
        assert_eq!(give_back(&mut batches, 2, at(2)), Err(1));
        assert_eq!(batches, [bought(1, at(1))], "left as it was");
        // Closed windows give nothing back; one is open at its very end.
        assert_eq!(give_back(&mut batches, 1, at(9)), Err(0));
        let end = batches[0].allowed_until;
        assert_eq!(end, at(8));
        assert_eq!(
            give_back(&mut batches, 1, end + Duration::nanoseconds(1)),
            Err(0)
        );
        give_back(&mut batches, 1, end).unwrap();
        assert!(batches.is_empty());
    }

    #[test]
    fn a_window_ends_on_a_tick_and_never_past_the_last_date() {
        let at = at(0) + Duration::nanoseconds(123_456_789);
        assert_eq!(
            end(at),
            at + WINDOW - Duration::nanoseconds(89),
            "whole 100 ns, as answered"
        );
        assert_eq!(timestamp(end(at)).to_datetime(), Some(end(at)));
        let last = DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(bought(1, DateTime::<Utc>::MAX_UTC).allowed_until, last);
        assert_eq!(end(last - Duration::days(1)), last);
    }

    #[test]
    fn closed_windows_are_dropped_and_open_ones_are_bounded() {
        let mut batches = vec![bought(3, at(0))];
        add(&mut batches, 1, at(10));
        assert_eq!(batches, [bought(1, at(10))]);
        for n in 0..(MAX_BATCHES as i64 + 10) {
            add(&mut batches, 1, at(10) + Duration::seconds(n + 1));
        }
        assert_eq!(batches.len(), MAX_BATCHES);
        assert_eq!(refundable(&batches, at(11)), MAX_BATCHES as i32 + 11);
        assert_eq!(
            batches[0].allowed_until,
            at(17),
            "the soonest deadline is kept"
        );
    }
}
