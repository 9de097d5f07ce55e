//! `pc-carts limits` against a real `redis-server` that a fleet's shared limit has learnt in:
//! it shows each scope's rate, and keeps the Redis password out of what it prints. The test
//! with a Redis is skipped with a notice where `redis-server` is not installed, and fails under
//! `CI=true` (`support::needs`).

mod support;

#[allow(dead_code)]
#[path = "../../tests/support/redis.rs"]
mod redis;

use std::process::ExitCode;

use libtest_mimic::Trial;
use partner_center_carts::retry::SharedLimit;
use partner_center_carts_emulator::{Emulator, Faults};
use redis::RedisServer;
use serde_json::Value;
use support::commands::{pc_carts, run, text};
use support::{CUSTOMER, needs, one_line_cart};

fn main() -> ExitCode {
    let redis: &[(&str, &str)] = &[("redis-server", "redis-server")];
    needs::run_each(vec![
        (
            redis,
            Trial::test("it_shows_what_the_fleet_learnt_per_scope", || {
                needs::block_on(it_shows_what_the_fleet_learnt_per_scope())
            }),
        ),
        (
            &[],
            Trial::test(
                "a_redis_it_cannot_reach_exits_1_without_its_password",
                || needs::block_on(a_redis_it_cannot_reach_exits_1_without_its_password()),
            ),
        ),
    ])
}

/// A fleet told nothing sends at once, meets the emulator's 429s at 10 a second and learns
/// from them; `limits` then shows the tenant's rate (cut to what was admitted, so at most the
/// requests sent in that second), the orders budget's (the spec's 500 a minute) and the
/// customer's, each its fixed rate.
async fn it_shows_what_the_fleet_learnt_per_scope() {
    let redis = RedisServer::start();
    let emulator = Emulator::new()
        .faults(Faults::none().tenant_rate_limit(10.0))
        .start()
        .await
        .unwrap();
    let scope = uuid::Uuid::new_v4().to_string();
    let limit = SharedLimit::redis(&redis.url(), &scope)
        .unwrap()
        .per_customer(50.0, 1);
    let pc = emulator.client().shared_limit(limit).build().unwrap();
    let creates: Vec<_> = (0..30)
        .map(|_| {
            let pc = pc.clone();
            tokio::spawn(async move { pc.customer(CUSTOMER).create(&one_line_cart(1)).await })
        })
        .collect();
    for create in creates {
        create
            .await
            .unwrap()
            .expect("every create succeeds, after its 429s");
    }
    assert!(emulator.stats().throttled > 0, "the fleet met the limit");
    // An operation with a documented budget (the Order resource's 500 a minute) takes a turn
    // of it too.
    pc.customer(CUSTOMER).orders().list().await.unwrap();

    let mut command = pc_carts();
    command
        .args(["limits", "--scope", &scope, "--output", "json"])
        .env("PARTNER_CENTER_REDIS_URL", redis.url());
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    let scopes: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    let customer = format!("customer:{CUSTOMER}");
    assert_eq!(
        scopes,
        ["tenant".to_string(), "budget:orders".into(), customer],
        "{shown}"
    );
    let tenant = &shown[0];
    let rate = tenant["rate"].as_f64().unwrap();
    assert!(rate > 0.0 && rate <= 30.0, "{tenant}");
    assert!(tenant["admittedAtLast429"].as_f64().is_some(), "{tenant}");
    assert!(
        tenant["secondsSinceLast429"].as_f64().unwrap() >= 0.0,
        "{tenant}"
    );
    assert_eq!(shown[1]["rate"].as_f64(), Some(500.0 / 60.0), "{shown}");
    assert_eq!(shown[2]["rate"].as_f64(), Some(50.0), "{shown}");

    let mut command = pc_carts();
    command
        .args(["limits", "--scope", &scope, "--redis", &redis.url()])
        .env_remove("PARTNER_CENTER_REDIS_URL");
    let output = run(command).await;
    let table = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(table.contains("tenant") && table.contains("/s"), "{table}");
}

async fn a_redis_it_cannot_reach_exits_1_without_its_password() {
    // A port nothing listens on: one a server held and gave back.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = pc_carts();
    command.args(["limits", "--scope", "contoso"]).env(
        "PARTNER_CENTER_REDIS_URL",
        format!("redis://:hunter2@127.0.0.1:{port}/"),
    );
    let output = run(command).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Redis"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !text(&output.stdout).contains("hunter2"));
}
