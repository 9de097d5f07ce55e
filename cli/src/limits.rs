//! `pc-carts limits`: what a fleet sharing one rate limit through Redis has learnt of the
//! service's limits, read from Redis.

use partner_center_carts::retry::{LearntRate, SharedLimit};
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::args::{LimitsArgs, Shown};
use crate::failure::Failure;
use crate::output::{show, table};

/// One scope's learnt limit, as shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Scope {
    /// `tenant`, `customer:<id>` or `budget:<name>`.
    scope: String,
    /// The rate in force, requests a second (none: no 429 yet and no first guess).
    rate: Option<f64>,
    /// What the service admitted a second at the last 429.
    admitted_at_last_429: Option<f64>,
    /// Seconds since the last 429 cut the rate.
    seconds_since_last_429: Option<f64>,
}

impl From<LearntRate> for Scope {
    fn from(learnt: LearntRate) -> Self {
        Self {
            scope: learnt.scope,
            rate: learnt.rate,
            admitted_at_last_429: learnt.ceiling,
            seconds_since_last_429: learnt.since_cut.map(|d| d.as_secs_f64()),
        }
    }
}

pub async fn run(args: LimitsArgs) -> Result<(), Failure> {
    let limit = SharedLimit::redis(args.redis.expose_secret(), &args.scope)?;
    // Redis not answering is not a bad argument: exit 1, not the library's `Config`'s 2.
    let learnt = limit
        .learnt()
        .await
        .map_err(|e| Failure::Other(e.to_string()))?;
    let scopes: Vec<Scope> = learnt.into_iter().map(Scope::from).collect();
    let shown = Shown {
        output: args.output,
        query: None,
    };
    show(
        &scopes,
        &shown,
        |s| scopes_table(s),
        |scopes| scopes.iter().map(|s| s.scope.clone()).collect(),
    )?;
    Ok(())
}

fn scopes_table(scopes: &[Scope]) -> String {
    let number = |n: Option<f64>, unit: &str| n.map_or("-".into(), |n| format!("{n:.1}{unit}"));
    let rows = scopes
        .iter()
        .map(|s| {
            vec![
                s.scope.clone(),
                number(s.rate, "/s"),
                number(s.admitted_at_last_429, "/s"),
                number(s.seconds_since_last_429, " s ago"),
            ]
        })
        .collect();
    table(&["scope", "rate", "admitted at last 429", "last 429"], rows)
}
