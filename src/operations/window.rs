//! The cancellation window checked before a subscription's change is sent, and the service's
//! refusal of one read as the same error.

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, WindowClosed};
use crate::types::Subscription;

/// What `after` gives back of `before`: the seats of a reduction, or all of them for a
/// cancellation; `None` when it gives nothing back.
pub(super) fn given_back(before: &Subscription, after: &Subscription) -> Option<u32> {
    let quantity = before.quantity.unwrap_or(0).max(0) as u32;
    if after.is_deleted() && !before.is_deleted() {
        return Some(quantity);
    }
    let left = after.quantity.unwrap_or(quantity as i32).max(0) as u32;
    (left < quantity).then(|| quantity - left)
}

/// How far the service's clock may be from the client's: a change this close to the end of its
/// window is left to the service to judge, since a refusal before sending must be sure.
pub(super) const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Refuses, before sending, a change that gives back seats the window of `before` (as read)
/// no longer allows at `now`, give or take [`CLOCK_SKEW`]. Where the subscription does not say,
/// the service judges.
pub(super) fn check(
    before: &Subscription,
    after: &Subscription,
    now: DateTime<Utc>,
) -> Result<(), WindowClosed> {
    match closed(before, after, now - CLOCK_SKEW) {
        Some(closed) => Err(closed),
        None => Ok(()),
    }
}

/// Why the window of `before` does not allow `after` at `now`; `None` when it does, or when the
/// subscription does not say.
fn closed(before: &Subscription, after: &Subscription, now: DateTime<Utc>) -> Option<WindowClosed> {
    let asked = given_back(before, after)?;
    let refundable = before.refundable_at(now);
    let closed = match after.is_deleted() {
        true => before.cancellable_until().is_some_and(|until| until < now),
        false => refundable.is_some_and(|refundable| asked > refundable),
    };
    closed.then(|| WindowClosed::new(deadline(before, after), refundable, asked))
}

/// The end of the window that applies: the cancellation date for a cancellation, the last
/// seats' for a reduction.
fn deadline(before: &Subscription, after: &Subscription) -> Option<DateTime<Utc>> {
    match after.is_deleted() {
        true => before.cancellable_until(),
        false => before.refundable_until(),
    }
}

/// The service's 400 answer to a change that gives seats back is its refusal of the window:
/// the docs say "the API will throw an error" past it, with no code of its own, and document no
/// other 400 for a reduction or a cancellation. The service's status, code and words stay in
/// the error; the window is the one the subscription as read gave.
pub(super) fn refused(
    error: Error,
    before: &Subscription,
    after: &Subscription,
    now: DateTime<Utc>,
) -> Error {
    let (ErrorKind::Service(service), Some(asked)) = (error.kind(), given_back(before, after))
    else {
        return error;
    };
    if service.status() != 400 {
        return error;
    }
    let closed = WindowClosed::new(deadline(before, after), before.refundable_at(now), asked)
        .refused_by(service.clone());
    error.with_kind(ErrorKind::WindowClosed(closed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn subscription(quantity: i32) -> Subscription {
        serde_json::from_value(serde_json::json!({
            "quantity": quantity,
            "status": "active",
            "cancellationAllowedUntilDate": "2021-11-09T09:14:51Z",
            "refundableQuantity": {"totalQuantity": 5, "details": [
                {"quantity": 3, "allowedUntilDateTime": "2021-11-09T09:14:51Z"},
                {"quantity": 2, "allowedUntilDateTime": "2021-11-10T16:02:11Z"}
            ]}
        }))
        .unwrap()
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 11, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_reduction_within_the_refundable_seats_passes_and_beyond_them_is_refused() {
        let before = subscription(5);
        let to = |quantity| Subscription {
            quantity: Some(quantity),
            ..before.clone()
        };
        assert_eq!(check(&before, &to(3), day(8)), Ok(()));
        assert_eq!(
            check(&before, &to(3), day(9)),
            Ok(()),
            "two seats are open until the 10th"
        );
        let refused = check(&before, &to(2), day(9)).unwrap_err();
        assert_eq!((refused.refundable(), refused.asked()), (Some(2), 3));
        assert_eq!(
            refused.deadline(),
            Some(Utc.with_ymd_and_hms(2021, 11, 10, 16, 2, 11).unwrap())
        );
        assert!(
            check(&before, &to(4), day(11)).is_err(),
            "every window has ended"
        );
        assert_eq!(
            check(&before, &to(6), day(11)),
            Ok(()),
            "an increase gives nothing back"
        );
    }

    #[test]
    fn each_window_is_open_up_to_and_including_its_last_moment_and_the_clock_skew_after() {
        let before = subscription(5);
        let end = Utc.with_ymd_and_hms(2021, 11, 9, 9, 14, 51).unwrap();
        let cancelled = Subscription {
            status: Some("deleted".into()),
            ..before.clone()
        };
        let to_two = Subscription {
            quantity: Some(2),
            ..before.clone()
        };
        assert_eq!(check(&before, &cancelled, end), Ok(()));
        assert_eq!(
            check(&before, &to_two, end),
            Ok(()),
            "three seats until then"
        );
        // Within the skew after it, the service's clock may still be inside: it judges.
        let skewed = end + CLOCK_SKEW;
        assert_eq!(check(&before, &cancelled, skewed), Ok(()));
        assert_eq!(check(&before, &to_two, skewed), Ok(()));
        let after = skewed + chrono::Duration::seconds(1);
        assert!(check(&before, &cancelled, after).is_err());
        assert!(check(&before, &to_two, after).is_err());
        // The client's own reading agrees to the second, without the skew.
        assert_eq!(before.refundable_at(end), Some(5));
        assert_eq!(
            before.refundable_at(end + chrono::Duration::seconds(1)),
            Some(2)
        );
    }

    #[test]
    fn a_cancellation_is_refused_after_its_date_only() {
        let before = subscription(5);
        let cancelled = Subscription {
            status: Some("Deleted".into()),
            ..before.clone()
        };
        assert_eq!(check(&before, &cancelled, day(8)), Ok(()));
        let refused = check(&before, &cancelled, day(10)).unwrap_err();
        assert_eq!(refused.asked(), 5);
        assert_eq!(refused.deadline(), before.cancellable_until());
    }

    #[test]
    fn a_window_that_does_not_say_how_many_or_an_unset_date_is_left_to_the_service() {
        let mut before = subscription(5);
        let to_one = Subscription {
            quantity: Some(1),
            ..before.clone()
        };
        before
            .refundable_quantity
            .as_mut()
            .unwrap()
            .details
            .as_mut()
            .unwrap()[1]
            .quantity = None;
        assert_eq!(before.refundable_at(day(9)), None);
        assert_eq!(check(&before, &to_one, day(10)), Ok(()));
        let unset = Subscription {
            cancellation_allowed_until_date: Some("0001-01-01T00:00:00".into()),
            ..subscription(5)
        };
        let cancelled = Subscription {
            status: Some("deleted".into()),
            ..unset.clone()
        };
        assert_eq!(unset.cancellable_until(), None);
        assert_eq!(check(&unset, &cancelled, day(30)), Ok(()));
    }

    #[test]
    fn seats_beyond_32_bits_saturate() {
        let before: Subscription = serde_json::from_value(serde_json::json!({
            "quantity": i32::MAX,
            "refundableQuantity": {"details": [
                {"quantity": i32::MAX}, {"quantity": i32::MAX}, {"quantity": i32::MAX}
            ]}
        }))
        .unwrap();
        assert_eq!(before.refundable_at(day(1)), Some(u32::MAX));
    }

    #[test]
    fn a_subscription_that_does_not_say_is_left_to_the_service() {
        let before = Subscription {
            quantity: Some(5),
            ..Default::default()
        };
        let after = Subscription {
            quantity: Some(1),
            status: Some("deleted".into()),
            ..Default::default()
        };
        assert_eq!(check(&before, &after, day(30)), Ok(()));
    }
}
