//! `pc-carts demo`: a cart's whole life against the embedded emulator, shown step by step.

use partner_center_carts::types::{Cart, CartLineItem};
use partner_center_carts_emulator::{Emulator, RunningEmulator, app_user_token};

use crate::failure::Failure;
use crate::output::{
    cart_table, checkout_table, error, plan_table, provisioning_table, subscriptions_table,
};
use crate::print::{out, outln};

const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";

/// Microsoft 365 E3, as the catalog names it.
const E3: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";

/// The headers the demo shows from the first request, in this order.
const ALL_HEADERS: &[&str] = &[
    "ms-requestid",
    "ms-correlationid",
    "x-locale",
    "ms-contract-version",
    "ms-partnercenter-client",
    "authorization",
    "content-type",
    "if-match",
];

/// The headers it shows from the others: what changes from one request to the next.
const ID_HEADERS: &[&str] = &["ms-requestid", "ms-correlationid", "if-match"];

pub async fn run() -> Result<(), Failure> {
    // The service's MFA rule for App+User calls, as since April 2026 (step 9).
    let emulator = Emulator::new().require_mfa(true).start().await?;
    let pc = emulator.client().build()?;
    let customer = pc.customer(CUSTOMER);
    let mut log = RequestLog::default();
    outln!(
        "An emulator of Partner Center is serving at {}.\n\
         The client below talks to it exactly as it would to https://api.partnercenter.microsoft.com.\n",
        emulator.url()
    );

    step(
        1,
        "Start from the catalog: what the customer can buy, and a plan before the cart",
    );
    let skus = customer.catalog().skus("CFQ7TTC0LH0Z").await?;
    log.show(&emulator);
    outln!(
        "  product CFQ7TTC0LH0Z has {} SKUs for this customer",
        skus.items.as_ref().map_or(0, Vec::len)
    );
    // A guess at the term, as users type them: the plan says what is offered instead.
    let guessed = CartLineItem {
        catalog_item_id: E3.into(),
        quantity: 1,
        billing_cycle: "monthly".into(),
        term_duration: Some("P3Y".into()),
        ..Default::default()
    };
    let plan = customer.plan(std::slice::from_ref(&guessed)).await?;
    log.show(&emulator);
    outln!("  a guessed line, planned:");
    out!("{}", indent(&plan_table(&plan)));
    // The lines made from the catalog: term and cycle checked, the rest filled in.
    let mut e3 = customer.line(E3, Some("P1M"), "monthly", 1).await?;
    e3.friendly_name = Some("Microsoft 365 E3".into());
    let mut entra = customer
        .line("CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ", Some("P1Y"), "annual", 1)
        .await?;
    entra.friendly_name = Some("Microsoft Entra ID P1".into());
    entra.order_group = Some("1".into()); // a separate order at checkout
    let new_cart = Cart {
        line_items: vec![e3, entra],
        ..Default::default()
    };
    let plan = customer.plan(&new_cart.line_items).await?;
    log.show(&emulator);
    outln!("  the lines made from the catalog, planned:");
    out!("{}", indent(&plan_table(&plan)));

    step(2, &format!("Create a cart for customer {CUSTOMER}"));
    let created = customer.create(&new_cart).await?;
    log.show(&emulator);
    out!("{}", cart_table(&created));
    let id = created.id().to_string();
    let cart = customer.cart(&id);

    step(3, &format!("Get cart {id} back"));
    let before = cart.get().await?;
    log.show(&emulator);
    outln!(
        "  the same cart: {}",
        if before == created { "yes" } else { "no" }
    );

    step(
        4,
        "Modify: one more of line 0 (get, change, put only if changed)",
    );
    let after = cart.modify(|c| c.line_items[0].quantity += 1).await?;
    log.show(&emulator);
    outln!("  before:");
    out!("{}", indent(&cart_table(&before)));
    outln!("  after:");
    out!("{}", indent(&cart_table(&after)));

    step(5, "Check it out: one order per order group");
    let outcome = cart.checkout().await?;
    log.show(&emulator);
    out!("{}", checkout_table(outcome.result()));

    step(
        6,
        "Check it out again: the service refuses, and the error says why",
    );
    match cart.checkout().await {
        Ok(_) => return Err(Failure::Other("a second checkout was accepted".into())),
        Err(e) => {
            log.show(&emulator);
            out!("{}", indent(&error(&e)));
        }
    }

    step(
        7,
        "Wait for the orders to be provisioned (polling with a growing wait)",
    );
    for order in outcome.order_refs() {
        let status = order
            .wait_until_provisioned(std::time::Duration::from_secs(60))
            .await?;
        log.show(&emulator);
        outln!("  order {}:", order.id());
        out!("{}", indent(&provisioning_table(&status)));
        if !status.is_fulfilled() {
            return Err(Failure::Other(format!(
                "order {} was not fulfilled",
                order.id()
            )));
        }
    }

    step(8, "The subscriptions the purchase created");
    for order in outcome.order_refs() {
        let subscriptions = order.subscriptions().await?;
        log.show(&emulator);
        outln!("  order {}:", order.id());
        out!("{}", indent(&subscriptions_table(&subscriptions)));
    }

    step(
        9,
        "App+User calls need a token issued with MFA (the service's rule since April 2026)",
    );
    let first = outcome
        .order_refs()
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Other("the checkout placed no order".into()))?;
    for with_mfa in [true, false] {
        let user = emulator
            .client()
            .bearer_token(app_user_token(with_mfa))
            .build()?;
        let said = match user.mfa_compliance().await? {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not said",
        };
        log.show(&emulator);
        outln!(
            "  a user signed in {}: the service says MFA: {said}",
            if with_mfa { "with MFA" } else { "without it" }
        );
        let read = user
            .customer(CUSTOMER)
            .order(first.id())
            .provisioning_status()
            .await;
        log.show(&emulator);
        match read {
            Ok(_) => outln!("  its App+User-only read of the order's provisioning: served"),
            Err(e) => {
                outln!(
                    "  its App+User-only read of the order's provisioning, refused before sending:"
                );
                out!("{}", indent(&indent(&error(&e))));
            }
        }
    }

    outln!(
        "\nDone: {} requests. Every attempt of an operation carries one MS-RequestId, so a retried\n\
         create or checkout is never placed twice; modify's GET and PUT share one MS-CorrelationId.",
        emulator.stats().requests
    );
    Ok(())
}

fn step(n: u32, what: &str) {
    outln!("\n{n}. {what}");
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// Shows the requests the emulator received since the last call.
#[derive(Default)]
struct RequestLog {
    shown: usize,
}

impl RequestLog {
    fn show(&mut self, emulator: &RunningEmulator) {
        let received = emulator.received();
        for (i, request) in received.iter().enumerate().skip(self.shown) {
            outln!("  sent {} {}", request.method, request.path);
            let shown = if i == 0 { ALL_HEADERS } else { ID_HEADERS };
            for name in shown {
                if let Some(value) = request.header(name) {
                    outln!("    {name}: {value}");
                }
            }
        }
        self.shown = received.len();
    }
}
