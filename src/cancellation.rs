//! A subscription's cancellation window, read from the subscription: how many seats can still
//! be given back for a refund at a moment, and until when. New commerce allows a reduction or a
//! cancellation within 7 days of a purchase (or a renewal), each purchase of seats with its own
//! window (`refundableQuantity.details`); the service says so in the subscription, and the
//! time is the caller's, so a test can run it on a virtual clock.

use chrono::{DateTime, Utc};

use crate::timestamp::Timestamp;
use crate::types::Subscription;

impl Subscription {
    /// How many seats can be given back for a refund at `now`: those whose window
    /// (`refundableQuantity.details[].allowedUntilDateTime`, its last moment) has not ended,
    /// or, when the answer
    /// has no details, its `totalQuantity` until `cancellationAllowedUntilDate`. `None` when
    /// the subscription does not say (not a new-commerce one): only the service can judge it.
    ///
    /// A date that cannot be read, or is unset, counts as open, and a window that does not say
    /// how many seats makes the answer `None`: a refusal before sending must be sure.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use partner_center_carts::types::Subscription;
    ///
    /// let subscription: Subscription = serde_json::from_value(serde_json::json!({
    ///     "quantity": 5,
    ///     "refundableQuantity": {"totalQuantity": 5, "details": [
    ///         {"quantity": 3, "allowedUntilDateTime": "2021-11-09T09:14:51Z"},
    ///         {"quantity": 2, "allowedUntilDateTime": "2021-11-10T16:02:11Z"}
    ///     ]}
    /// })).unwrap();
    /// let day = |d| Utc.with_ymd_and_hms(2021, 11, d, 12, 0, 0).unwrap();
    /// assert_eq!(subscription.refundable_at(day(8)), Some(5));
    /// assert_eq!(subscription.refundable_at(day(9)), Some(2));
    /// assert_eq!(subscription.refundable_at(day(11)), Some(0));
    /// assert_eq!(Subscription::default().refundable_at(day(8)), None);
    /// ```
    pub fn refundable_at(&self, now: DateTime<Utc>) -> Option<u32> {
        let refundable = self.refundable_quantity.as_ref()?;
        // Open up to and including its end: the last moment it is allowed.
        let open = |until: Option<DateTime<Utc>>| until.is_none_or(|until| until >= now);
        let seats = |quantity: i32| u64::try_from(quantity).unwrap_or(0);
        let total: u64 = match refundable.details.as_deref() {
            Some(details) if !details.is_empty() => {
                let mut total = 0u64;
                for detail in details {
                    if open(date(detail.allowed_until_date_time.as_ref())) {
                        // A detail that does not say how many: the subscription does not say.
                        total = total.saturating_add(seats(detail.quantity?));
                    }
                }
                total
            }
            _ if open(self.cancellable_until()) => seats(refundable.total_quantity?),
            _ => 0,
        };
        Some(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// The last moment the subscription can be cancelled for a refund
    /// (`cancellationAllowedUntilDate`), when the subscription says and the date reads (the
    /// .NET SDK's "unset" date does not say).
    pub fn cancellable_until(&self) -> Option<DateTime<Utc>> {
        date(self.cancellation_allowed_until_date.as_ref())
    }

    /// When the window of the last seats that can be given back ends: the latest
    /// `allowedUntilDateTime`, or else `cancellationAllowedUntilDate`.
    pub fn refundable_until(&self) -> Option<DateTime<Utc>> {
        let details = self.refundable_quantity.as_ref()?.details.as_deref();
        let latest = details
            .into_iter()
            .flatten()
            .filter_map(|d| date(d.allowed_until_date_time.as_ref()))
            .max();
        latest.or_else(|| self.cancellable_until())
    }

    /// Whether the subscription is cancelled (`status` is `deleted`, in any case).
    pub fn is_deleted(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(Subscription::STATUS_DELETED))
    }
}

/// A date the service sent, unless it is absent, unset (`0001-01-01T00:00:00`) or unreadable.
fn date(timestamp: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    timestamp.filter(|t| !t.is_unset())?.to_datetime()
}
