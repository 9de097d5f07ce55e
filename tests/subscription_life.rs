//! A purchase over its life against the emulator, on one virtual clock with the client, with
//! half the writes' answers lost: seats given back inside the window, more than the window
//! allows refused before sending, a cancellation past it refused too, an immediate transition
//! that drops the change scheduled for the next term; every write whose answer was lost
//! settled by `resend`, and made exactly once.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Subscription, Transition};
use partner_center_carts::{Error, ErrorKind, PartnerCenter, Settled};
use partner_center_carts_emulator::{Emulator, Faults, RunningEmulator};
use support::CUSTOMER;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// The write's value: its own answer, or, when that was lost, the answer of the same request
/// sent again (as often as it takes: the fault mix loses half the answers, never all).
async fn settled<T>(
    pc: &PartnerCenter,
    written: Result<T, Error>,
    from: fn(Settled) -> Option<T>,
    lost: &mut u32,
) -> T {
    let mut error = match written {
        Ok(value) => return value,
        Err(e) => e,
    };
    for _ in 0..50 {
        assert!(error.outcome_unknown(), "{error:?}");
        *lost += 1;
        match pc.resend(&error).await {
            Ok(settled) => return from(settled).expect("the write it was"),
            Err(e) => error = e,
        }
    }
    panic!("still unknown: {error}")
}

/// How many PATCHes of subscriptions the emulator received.
fn patches(emulator: &RunningEmulator) -> usize {
    let received = emulator.received();
    received
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/subscriptions/"))
        .count()
}

#[tokio::test]
async fn a_purchase_is_changed_and_undone_within_its_window_exactly_once() {
    let clock = Arc::new(VirtualClock::new());
    let emulator = Emulator::new()
        .clock(clock.clone())
        .provisioning_delay(Duration::ZERO)
        .faults(Faults::none().lost_answers(0.5).seed(29))
        .start()
        .await
        .unwrap();
    let pc = emulator
        .client()
        .clock(clock.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let customer = pc.customer(CUSTOMER);
    let mut lost = 0;

    let created = customer.create(&support::one_line_cart(5)).await;
    let cart = settled(&pc, created, Settled::into_cart, &mut lost).await;
    let checkout = customer.cart(cart.id()).checkout().await;
    let placed = settled(&pc, checkout, Settled::into_checkout, &mut lost).await;
    let order = placed.order_refs().remove(0);
    let id = order.subscriptions().await.unwrap().subscriptions()[0]
        .id()
        .to_string();
    let subscription = customer.subscription(&id);
    let held = || emulator.subscription(CUSTOMER, &id).unwrap();
    assert_eq!(held().refundable_at(clock_now(&clock)), Some(5));

    // Day 0: two seats given back, inside the window.
    let reduced = subscription.set_quantity(3).await;
    let reduced = settled(&pc, reduced, Settled::into_subscription, &mut lost).await;
    assert_eq!(reduced.quantity, Some(3));
    assert_eq!(
        (held().quantity, held().refundable_at(clock_now(&clock))),
        (Some(3), Some(3))
    );

    // Day 4: three more bought, with a window of their own until day 11.
    clock.advance(4 * DAY);
    let more = subscription.set_quantity(6).await;
    settled(&pc, more, Settled::into_subscription, &mut lost).await;

    // Day 8: the first seats' window has closed; the three new ones can still go, not four.
    clock.advance(4 * DAY);
    assert_eq!(held().refundable_at(clock_now(&clock)), Some(3));
    let sent = patches(&emulator);
    let beyond = subscription.set_quantity(2).await.unwrap_err();
    let ErrorKind::WindowClosed(closed) = beyond.kind() else {
        panic!("{beyond:?}")
    };
    assert_eq!((closed.refundable(), closed.asked()), (Some(3), 4));
    assert!(closed.service().is_none(), "refused before sending");
    assert_eq!(patches(&emulator), sent, "nothing sent");
    let within = subscription.set_quantity(3).await;
    settled(&pc, within, Settled::into_subscription, &mut lost).await;
    assert_eq!(held().quantity, Some(3));

    // A change for the next term, then an immediate transition: the service's rule deletes it.
    let scheduled = subscription
        .modify(|s: &mut Subscription| {
            s.scheduled_next_term_instructions = Some(
                serde_json::from_value(serde_json::json!({
                    "product": {"productId": "CFQ7TTC0LH0Z", "skuId": "0002"},
                    "quantity": 3
                }))
                .unwrap(),
            )
        })
        .await;
    settled(&pc, scheduled, Settled::into_subscription, &mut lost).await;
    assert!(held().scheduled_next_term_instructions.is_some());
    let target = subscription
        .transition_eligibilities("immediate")
        .await
        .unwrap();
    let to = target.items.unwrap()[0].catalog_item_id.clone();
    let transition = Transition {
        to_catalog_item_id: to.clone(),
        ..Default::default()
    };
    let made = subscription.transition(&transition).await;
    settled(&pc, made, Settled::into_transition, &mut lost).await;
    let after = held();
    assert_eq!(after.offer_id, to);
    assert!(after.scheduled_next_term_instructions.is_none());
    assert_eq!(
        subscription
            .transitions(None)
            .await
            .unwrap()
            .items
            .unwrap()
            .len(),
        1,
        "once"
    );

    // Day 12: past every window; a cancellation is refused before sending.
    clock.advance(4 * DAY);
    let sent = patches(&emulator);
    let late = subscription.cancel().await.unwrap_err();
    assert!(
        matches!(late.kind(), ErrorKind::WindowClosed(_)),
        "{late:?}"
    );
    assert_eq!(patches(&emulator), sent, "nothing sent");
    assert_eq!(held().status.as_deref(), Some("active"));

    // The fault mix did lose answers, and each such write was made once all the same.
    assert!(lost > 0 && emulator.stats().lost_answers > 0, "{lost}");
}

fn clock_now(clock: &VirtualClock) -> chrono::DateTime<chrono::Utc> {
    partner_center_carts::clock::Clock::date(clock).into()
}
