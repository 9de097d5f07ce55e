//! The client against the emulator's rate limit, on one virtual time that the client's waits
//! move and the emulator's token buckets read: deterministic, and no test waits for real.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::{RetryBudget, RetryPolicy};
use partner_center_carts::{ErrorKind, PartnerCenter};
use partner_center_carts_emulator::{Emulator, Faults};
use support::{CUSTOMER, one_line_cart};

/// Creates `carts` carts one after another against a tenant limited to 5 requests a second;
/// the 429s seen and the virtual seconds it took.
async fn create_carts(adaptive: bool, carts: u32) -> (u64, f64) {
    // The client's waits move it, and the emulator's buckets read it: one time for both.
    let time = Arc::new(VirtualClock::new());
    let emulator = Emulator::new()
        .faults(Faults::none().tenant_rate_limit(5.0))
        .clock(time.clone())
        .start()
        .await
        .unwrap();
    let mut builder = emulator
        .client()
        .clock(time.clone())
        .retry_budget(RetryBudget::unlimited())
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_secs(3600)));
    if !adaptive {
        builder = builder.no_rate_adaptation();
    }
    let pc: PartnerCenter = builder.build().unwrap();
    for _ in 0..carts {
        pc.customer(CUSTOMER)
            .create(&one_line_cart(1))
            .await
            .unwrap();
    }
    (emulator.stats().throttled, time.elapsed().as_secs_f64())
}

#[tokio::test]
async fn a_paced_client_finishes_at_the_limit_with_few_429s() {
    // 200 creates at 5 a second: the first 5 from the full bucket, the rest at its rate.
    let least = 195.0 / 5.0;
    let (throttled, seconds) = create_carts(true, 200).await;
    assert!(
        seconds < least / 0.95,
        "{seconds} s: under 0.95 of the limit"
    );
    assert!(throttled <= 10, "{throttled} of 200 throttled");

    // Without pacing the same client waits out a 429 after every burst the bucket allows:
    // the same time, five times as many 429s.
    let (unpaced, seconds) = create_carts(false, 200).await;
    assert!(seconds < least / 0.95, "{seconds} s");
    assert!(unpaced >= 30, "{unpaced} of 200 throttled");
}

#[tokio::test]
async fn the_limits_answer_in_the_services_shape() {
    let emulator = Emulator::new()
        .faults(
            Faults::none()
                .tenant_rate_limit(1.0)
                .customer_rate_limit(1.0),
        )
        .clock(VirtualClock::new())
        .start()
        .await
        .unwrap();
    let http = support::raw_http();
    let url = format!("{}/v1/customers/{CUSTOMER}/carts", emulator.url());
    let create = |token: &'static str| {
        http.post(&url)
            .bearer_auth(token)
            .json(&one_line_cart(1))
            .send()
    };
    assert_eq!(create("tenant-a").await.unwrap().status(), 201);
    let refused = create("tenant-a").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."})
    );
    // Another tenant (another token) has its own buckets.
    assert_eq!(create("tenant-b").await.unwrap().status(), 201);

    // The client reads it as throttling, with the wait the service asked for.
    let pc = emulator
        .client()
        .bearer_token("tenant-a")
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_millis(500)))
        .build()
        .unwrap();
    let err = pc
        .customer(CUSTOMER)
        .create(&one_line_cart(1))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Throttled(_)), "{err:?}");
}
