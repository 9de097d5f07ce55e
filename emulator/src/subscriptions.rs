//! A subscription over its life: what the emulator keeps of one that changed, how it reads at
//! a given time (its refundable seats computed then), and what a PATCH makes of it, by the
//! new-commerce rules (docs/emulator.md says which choices are the emulator's own). No state:
//! the store keeps what these return, as JSON, with the order that created the subscription.

use chrono::{DateTime, Utc};

use super::rules::{Refusal, invalid, timestamp};
use super::terms;
use super::window::{self, Batch};
use partner_center_carts::types::{Subscription, Transition};

/// The status of a cancelled subscription.
pub(crate) const DELETED: &str = "deleted";

/// The most transitions kept per subscription, the latest: a bound on one subscription's size.
pub(crate) const MAX_TRANSITIONS: usize = 50;

/// The most bytes one subscription's state takes as JSON. What the emulator makes of it stays
/// well below (the bounds on its windows and transitions); past it is what a client sent, such
/// as a large `scheduledNextTermInstructions`, and the change is refused: one subscription
/// cannot fill the budget of all.
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// A subscription as the emulator keeps it once it has changed (or was bought as an add-on).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Life {
    /// As last changed; `refundableQuantity` and `cancellationAllowedUntilDate` are set when
    /// it is read.
    pub subscription: Subscription,
    /// The last moment it can be cancelled: 7 days after its purchase.
    pub cancellable_until: DateTime<Utc>,
    /// Its purchases of seats whose window may still be open.
    pub batches: Vec<Batch>,
    /// Its transitions, oldest first.
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

impl Life {
    /// A subscription as bought at `at`: all its seats in one window.
    pub fn bought(subscription: Subscription, at: DateTime<Utc>) -> Self {
        let quantity = subscription.quantity.unwrap_or_default();
        Self {
            subscription,
            cancellable_until: window::end(at),
            batches: vec![window::bought(quantity, at)],
            transitions: Vec::new(),
        }
    }

    /// A subscription its order creates (`derived`, bought when the order was placed): as
    /// `kept` once it changed, else as bought. None while the order does not create it (not
    /// provisioned yet, or a line item that cannot be): what was kept then is not read.
    pub fn of(kept: Option<Life>, derived: Option<(Subscription, DateTime<Utc>)>) -> Option<Self> {
        let (subscription, placed) = derived?;
        Some(kept.unwrap_or_else(|| Self::bought(subscription, placed)))
    }

    pub fn is_deleted(&self) -> bool {
        is_deleted(&self.subscription)
    }

    /// The subscription as read at `now`.
    pub fn at(&self, now: DateTime<Utc>) -> Subscription {
        let mut subscription = self.subscription.clone();
        subscription.cancellation_allowed_until_date = Some(timestamp(self.cancellable_until));
        let batches: &[Batch] = if self.is_deleted() {
            &[]
        } else {
            &self.batches
        };
        subscription.refundable_quantity = Some(window::refundable_quantity(batches, now));
        subscription
    }

    /// Cancelled (by a PATCH, or with its order): nothing renews, nothing more is refundable.
    pub fn delete(&mut self) {
        self.subscription.status = Some(DELETED.to_string());
        self.subscription.auto_renew_enabled = Some(false);
        self.batches.clear();
    }

    /// Keeps a transition, and only the latest [`MAX_TRANSITIONS`].
    pub fn record(&mut self, transition: Transition) {
        self.transitions.push(transition);
        let over = self.transitions.len().saturating_sub(MAX_TRANSITIONS);
        self.transitions.drain(..over);
    }

    /// Refused when its JSON would take more than [`MAX_BYTES`].
    pub fn check_size(&self) -> Result<(), Refusal> {
        let bytes = serde_json::to_vec(self).map_or(usize::MAX, |json| json.len());
        if bytes > MAX_BYTES {
            return Err(invalid(format!(
                "The subscription would take {bytes} bytes, more than the {MAX_BYTES} the \
                 emulator keeps of one: send less (scheduledNextTermInstructions, its \
                 properties); nothing was changed."
            )));
        }
        Ok(())
    }
}

pub(crate) fn is_deleted(subscription: &Subscription) -> bool {
    subscription
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(DELETED))
}

/// The subscription `life` as `change` (a PATCH's body) changes it at `now`. `scheduled_sent`
/// says whether the body had `scheduledNextTermInstructions` at all (`null` clears it; absent
/// leaves it). Refused, with words that say why, when the rules do not allow it.
pub(crate) fn patch(
    life: &Life,
    change: Subscription,
    scheduled_sent: bool,
    now: DateTime<Utc>,
) -> Result<Life, Refusal> {
    let current = &life.subscription;
    let mut changed = life.clone();
    let status = change.status.as_deref();
    let cancel = status.is_some_and(|s| s.eq_ignore_ascii_case(DELETED));
    if let Some(status) = status
        && !cancel
        && !current
            .status
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(status))
    {
        if life.is_deleted() {
            return Err(deleted());
        }
        return Err(invalid(format!(
            "A subscription's status can be changed to deleted only (a cancellation), not \
             {status:?}."
        )));
    }
    if let Some(quantity) = change.quantity
        && quantity < 1
    {
        return Err(invalid(format!(
            "The quantity must be at least 1, not {quantity}; to cancel, set the status to \
             deleted."
        )));
    }
    let quantity_changes = change.quantity.is_some_and(|q| Some(q) != current.quantity);
    if life.is_deleted() {
        let unchanged = !quantity_changes
            && change
                .auto_renew_enabled
                .is_none_or(|a| Some(a) == current.auto_renew_enabled)
            && change
                .billing_cycle
                .is_none_or(|b| Some(&b) == current.billing_cycle.as_ref())
            && change
                .term_duration
                .is_none_or(|t| Some(&t) == current.term_duration.as_ref())
            && (!scheduled_sent
                || change.scheduled_next_term_instructions
                    == current.scheduled_next_term_instructions);
        // A subscription cancelled again, or sent back as read: as it is.
        return if unchanged {
            Ok(changed)
        } else {
            Err(deleted())
        };
    }
    // What it has already (from its order's cart, say) may be sent back as read; what changes
    // must be a term of the known shape, since it is kept.
    if let Some(cycle) = &change.billing_cycle
        && Some(cycle) != current.billing_cycle.as_ref()
    {
        terms::billing_cycle(cycle)?;
    }
    if let Some(duration) = &change.term_duration
        && Some(duration) != current.term_duration.as_ref()
    {
        terms::term_duration(duration)?;
    }
    if cancel {
        if quantity_changes {
            return Err(invalid(
                "Cancel a subscription, or change its quantity, not both.",
            ));
        }
        if !window::is_open(life.cancellable_until, now) {
            return Err(invalid(format!(
                "The subscription can no longer be cancelled: its cancellation window ended at \
                 {} (cancellationAllowedUntilDate, 7 days after its purchase); {} of its seats \
                 can still be given back (refundableQuantity).",
                timestamp(life.cancellable_until).as_str(),
                window::refundable(&life.batches, now),
            )));
        }
        changed.delete();
        return Ok(changed);
    }
    if let Some(quantity) = change.quantity {
        let before = current.quantity.unwrap_or_default();
        if quantity > before {
            window::add(&mut changed.batches, quantity - before, now);
        } else if quantity < before {
            let seats = before - quantity;
            window::give_back(&mut changed.batches, seats, now)
                .map_err(|can| cannot_reduce(life, seats, can, now))?;
        }
        changed.subscription.quantity = Some(quantity);
    }
    let subscription = &mut changed.subscription;
    if let Some(auto_renew) = change.auto_renew_enabled {
        subscription.auto_renew_enabled = Some(auto_renew);
    }
    if let Some(billing_cycle) = change.billing_cycle {
        subscription.billing_cycle = Some(billing_cycle);
    }
    if let Some(term_duration) = change.term_duration {
        subscription.term_duration = Some(term_duration);
    }
    if scheduled_sent {
        // A null clears it: the type reads one as none.
        subscription.scheduled_next_term_instructions = change.scheduled_next_term_instructions;
    }
    Ok(changed)
}

fn deleted() -> Refusal {
    invalid("The subscription is deleted (cancelled): it cannot be changed.")
}

/// Why `seats` cannot be given back at `now`: only `can` can, and until when.
fn cannot_reduce(life: &Life, seats: i32, can: i32, now: DateTime<Utc>) -> Refusal {
    let open: Vec<String> = window::open(&life.batches, now)
        .map(|b| {
            format!(
                "{} until {}",
                b.quantity,
                timestamp(b.allowed_until).as_str()
            )
        })
        .collect();
    let windows = if open.is_empty() {
        "no window is open".to_string()
    } else {
        open.join(", ")
    };
    let tense = if window::is_open(life.cancellable_until, now) {
        "ends"
    } else {
        "ended"
    };
    invalid(format!(
        "The quantity cannot be reduced by {seats}: {can} seats can be given back now \
         (refundableQuantity: {windows}); seats can be given back only within 7 days of their \
         purchase, and the subscription's cancellation window {tense} at {} \
         (cancellationAllowedUntilDate).",
        timestamp(life.cancellable_until).as_str(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use partner_center_carts::types::ScheduledNextTermInstructions;

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::days(day)
    }

    fn bought(quantity: i32) -> Life {
        Life::bought(
            Subscription {
                id: Some("s".into()),
                quantity: Some(quantity),
                status: Some("active".into()),
                auto_renew_enabled: Some(true),
                ..Default::default()
            },
            at(0),
        )
    }

    fn quantity(q: i32) -> Subscription {
        Subscription {
            quantity: Some(q),
            ..Default::default()
        }
    }

    fn status(s: &str) -> Subscription {
        Subscription {
            status: Some(s.into()),
            ..Default::default()
        }
    }

    fn reason(refusal: Refusal) -> String {
        match refusal {
            Refusal::InvalidInput(reason) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_subscription_reads_with_its_window_at_the_time() {
        let life = bought(5);
        let read = life.at(at(1));
        assert_eq!(
            read.cancellation_allowed_until_date.unwrap().as_str(),
            timestamp(at(7)).as_str()
        );
        assert_eq!(read.refundable_quantity.unwrap().total_quantity, Some(5));
        let later = life.at(at(8)).refundable_quantity.unwrap();
        assert_eq!(
            (later.total_quantity, later.details),
            (Some(0), Some(Vec::new()))
        );
    }

    #[test]
    fn a_reduction_within_the_window_and_beyond_it() {
        let life = bought(5);
        let reduced = patch(&life, quantity(3), false, at(1)).unwrap();
        assert_eq!(reduced.subscription.quantity, Some(3));
        assert_eq!(window::refundable(&reduced.batches, at(1)), 3);

        let late = reason(patch(&life, quantity(3), false, at(8)).unwrap_err());
        assert!(late.contains("0 seats can be given back"), "{late}");
        assert!(late.contains(timestamp(at(7)).as_str()), "{late}");
        assert!(late.contains("ended"), "{late}");

        let too_many = reason(patch(&reduced, quantity(0), false, at(1)).unwrap_err());
        assert!(too_many.contains("at least 1"), "{too_many}");
    }

    #[test]
    fn new_seats_have_their_own_window() {
        let life = bought(2);
        let more = patch(&life, quantity(5), false, at(3)).unwrap();
        // After the first window, the three new seats can still be given back, not four.
        let refused = reason(patch(&more, quantity(1), false, at(8)).unwrap_err());
        assert!(refused.contains("3 seats can be given back"), "{refused}");
        assert!(refused.contains(timestamp(at(10)).as_str()), "{refused}");
        let fewer = patch(&more, quantity(2), false, at(8)).unwrap();
        assert_eq!(fewer.subscription.quantity, Some(2));
        assert_eq!(window::refundable(&fewer.batches, at(8)), 0);
    }

    #[test]
    fn a_cancellation_within_the_window_and_after_it() {
        let life = bought(5);
        let cancelled = patch(&life, status("Deleted"), false, at(7)).unwrap();
        assert!(cancelled.is_deleted());
        assert_eq!(cancelled.subscription.auto_renew_enabled, Some(false));
        let read = cancelled.at(at(1)).refundable_quantity.unwrap();
        assert_eq!(read.total_quantity, Some(0));
        // Cancelled again, or sent back as read: as it is; any change refused.
        assert_eq!(
            patch(&cancelled, status("deleted"), false, at(8)),
            Ok(cancelled.clone())
        );
        assert!(patch(&cancelled, quantity(6), false, at(1)).is_err());
        assert!(patch(&cancelled, status("active"), false, at(1)).is_err());

        let late = reason(
            patch(
                &life,
                status("deleted"),
                false,
                at(7) + Duration::seconds(1),
            )
            .unwrap_err(),
        );
        assert!(late.contains(timestamp(at(7)).as_str()), "{late}");
        assert!(
            reason(patch(&life, status("suspended"), false, at(1)).unwrap_err())
                .contains("deleted only")
        );
    }

    #[test]
    fn other_fields_are_taken_as_sent_and_a_null_clears_the_scheduled_change() {
        let life = bought(1);
        let scheduled = ScheduledNextTermInstructions {
            quantity: Some(3),
            ..Default::default()
        };
        let change = Subscription {
            auto_renew_enabled: Some(false),
            billing_cycle: Some("annual".into()),
            term_duration: Some("P3Y".into()),
            scheduled_next_term_instructions: Some(scheduled.clone()),
            ..Default::default()
        };
        let changed = patch(&life, change, true, at(1)).unwrap();
        let s = &changed.subscription;
        assert_eq!(s.auto_renew_enabled, Some(false));
        assert_eq!(
            s.billing_cycle.as_deref().map(String::as_str),
            Some("annual")
        );
        assert_eq!(s.term_duration.as_deref(), Some("P3Y"));
        assert_eq!(s.scheduled_next_term_instructions, Some(scheduled));
        // Absent: left; null (read as none): cleared.
        let left = patch(&changed, Subscription::default(), false, at(1)).unwrap();
        assert!(left.subscription.scheduled_next_term_instructions.is_some());
        let cleared = patch(&changed, Subscription::default(), true, at(1)).unwrap();
        assert!(
            cleared
                .subscription
                .scheduled_next_term_instructions
                .is_none()
        );
    }

    #[test]
    fn what_was_kept_is_read_while_the_order_creates_the_subscription() {
        let mut kept = bought(2);
        kept.subscription.quantity = Some(1);
        let derived = bought(2).subscription;
        let read = Life::of(Some(kept.clone()), Some((derived.clone(), at(0))));
        assert_eq!(read, Some(kept.clone()));
        assert_eq!(Life::of(None, Some((derived, at(0)))), Some(bought(2)));
        assert!(Life::of(Some(kept), None).is_none(), "not provisioned yet");
    }

    #[test]
    fn the_window_is_open_at_its_end_for_a_reduction_and_a_cancellation_alike() {
        let life = bought(5);
        let end = life.cancellable_until;
        assert_eq!(end, at(7));
        assert_eq!(
            life.at(end).refundable_quantity.unwrap().total_quantity,
            Some(5)
        );
        assert!(patch(&life, quantity(4), false, end).is_ok());
        assert!(patch(&life, status("deleted"), false, end).is_ok());
        let after = end + Duration::nanoseconds(1);
        assert_eq!(
            life.at(after).refundable_quantity.unwrap().total_quantity,
            Some(0)
        );
        let late = reason(patch(&life, quantity(4), false, after).unwrap_err());
        assert!(late.contains("0 seats") && late.contains("ended"), "{late}");
        assert!(patch(&life, status("deleted"), false, after).is_err());
    }

    #[test]
    fn terms_that_change_must_be_of_the_known_shape_and_a_large_state_is_refused() {
        let mut life = bought(1);
        life.subscription.term_duration = Some("one year, as the cart said".into());
        // Sent back as read: taken.
        let same = Subscription {
            term_duration: life.subscription.term_duration.clone(),
            ..Default::default()
        };
        assert!(patch(&life, same, false, at(1)).is_ok());
        for change in [
            Subscription {
                term_duration: Some("P".to_string() + &"1".repeat(100) + "Y"),
                ..Default::default()
            },
            Subscription {
                billing_cycle: Some("x".repeat(8 << 20).into()),
                ..Default::default()
            },
        ] {
            assert!(matches!(
                patch(&life, change, false, at(1)),
                Err(Refusal::InvalidInput(_))
            ));
        }

        let big = ScheduledNextTermInstructions {
            extra: [("note".to_string(), "x".repeat(MAX_BYTES).into())]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let change = Subscription {
            scheduled_next_term_instructions: Some(big),
            ..Default::default()
        };
        let changed = patch(&life, change, true, at(1)).unwrap();
        let refused = reason(changed.check_size().unwrap_err());
        assert!(refused.contains("more than the 65536"), "{refused}");
    }

    #[test]
    fn a_subscription_at_every_bound_of_the_emulator_still_fits() {
        let mut life = bought(1);
        for n in 0..(window::MAX_BATCHES as i64 + 5) {
            window::add(&mut life.batches, 1, at(0) + Duration::seconds(n));
        }
        for _ in 0..(MAX_TRANSITIONS + 5) {
            life.record(Transition {
                id: Some(uuid::Uuid::new_v4().to_string()),
                operation_id: Some(uuid::Uuid::new_v4().to_string()),
                from_catalog_item_id: Some("CFQ7TTC0LH18:0001:CFQ7TTC0K59S".into()),
                to_catalog_item_id: Some("CFQ7TTC0LH18:0002:CFQ7TTC0K59S".into()),
                from_subscription_id: Some(uuid::Uuid::new_v4().to_string()),
                to_subscription_id: Some(uuid::Uuid::new_v4().to_string()),
                quantity: Some(1000),
                term_duration: Some("P1Y6M15DT12H30M".into()),
                billing_cycle: Some("x".repeat(terms::MAX_BILLING_CYCLE).into()),
                transition_type: Some("transition_only".into()),
                status: Some("completed".into()),
                creation_date: Some(timestamp(at(0))),
                attributes: Some(partner_center_carts::types::ResourceAttributes {
                    object_type: Some("Transition".into()),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        assert_eq!(
            (life.batches.len(), life.transitions.len()),
            (window::MAX_BATCHES, MAX_TRANSITIONS)
        );
        let bytes = serde_json::to_vec(&life).unwrap().len();
        assert!(bytes < MAX_BYTES - 8 * 1024, "{bytes}");
        assert!(life.check_size().is_ok());
    }
}
