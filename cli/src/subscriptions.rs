//! `pc-carts subscription ...`: read a subscription, change its quantity, renewal, billing cycle
//! or term, cancel it within its window, transition it, and its provisioning status.

use chrono::Utc;
use partner_center_carts::SubscriptionRef;
use partner_center_carts::types::{
    Eligibility, Subscription, Transition, TransitionEligibilityCollection,
};

use crate::args::{SubscriptionArgs, SubscriptionCommand};
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{show, subscription_status_table, table};

pub async fn run(command: SubscriptionCommand) -> Result<(), Failure> {
    let args = command.subscription();
    let subscription = subscription_ref(args)?;
    let request_id = args.connection.request_id;
    let shown = args.connection.shown();
    // Its id, for `--output id`: the subscription the command is for.
    let id = || vec![args.subscription.clone()];
    match &command {
        SubscriptionCommand::Get(_) => {
            let read = subscription.get().await?;
            show(&read, &shown, subscription_table, |_| id())?;
        }
        SubscriptionCommand::Set(set) => {
            let changed = subscription
                .with_request_id(request_id)
                .modify(|s| {
                    if let Some(quantity) = set.quantity {
                        s.quantity = Some(quantity);
                    }
                    if let Some(enabled) = set.auto_renew {
                        s.auto_renew_enabled = Some(enabled);
                    }
                    if let Some(cycle) = &set.billing_cycle {
                        s.billing_cycle = Some(cycle.as_str().into());
                    }
                    if let Some(term) = &set.term_duration {
                        s.term_duration = Some(term.clone());
                    }
                })
                .await?;
            show(&changed, &shown, subscription_table, |_| id())?;
        }
        SubscriptionCommand::Cancel(_) => {
            let cancelled = subscription.with_request_id(request_id).cancel().await?;
            show(&cancelled, &shown, subscription_table, |_| id())?;
        }
        SubscriptionCommand::Transitions(transitions) => {
            let when = match transitions.scheduled {
                true => Eligibility::ELIGIBILITY_TYPE_SCHEDULED,
                false => Eligibility::ELIGIBILITY_TYPE_IMMEDIATE,
            };
            let eligible = subscription.transition_eligibilities(when).await?;
            show(&eligible, &shown, eligibilities_table, |listed| {
                listed
                    .items
                    .iter()
                    .flatten()
                    .filter_map(|item| item.catalog_item_id.clone())
                    .collect()
            })?;
        }
        SubscriptionCommand::Transition(to) => {
            // The service deletes the changes scheduled for the next term: say so first.
            let read = subscription.get().await?;
            if read.scheduled_next_term_instructions.is_some() {
                crate::print::err!(
                    "warning: the subscription had a change scheduled for its next term; an \
                     immediate transition deletes it\n"
                );
            }
            // Only what was asked: a replay with the same --request-id sends the same body,
            // whatever the first sending changed.
            let transition = Transition {
                to_catalog_item_id: Some(to.to.clone()),
                quantity: to.quantity,
                term_duration: to.term_duration.clone(),
                billing_cycle: to.billing_cycle.clone().map(Into::into),
                transition_type: Some(Transition::TRANSITION_TYPE_TRANSITION_ONLY.to_string()),
                ..Default::default()
            };
            let made = subscription
                .with_request_id(request_id)
                .transition(&transition)
                .await?;
            show(&made, &shown, transition_table, |made| {
                made.operation_id.iter().cloned().collect()
            })?;
        }
        SubscriptionCommand::Status(_) => {
            let status = subscription.provisioning_status().await?;
            show(&status, &shown, subscription_status_table, |_| id())?;
        }
    }
    Ok(())
}

fn subscription_ref(args: &SubscriptionArgs) -> Result<SubscriptionRef, Failure> {
    Ok(client(&args.connection)?
        .customer(&args.customer)
        .subscription(&args.subscription))
}

/// A subscription, with its window: how many seats can be given back now, and until when.
fn subscription_table(subscription: &Subscription) -> String {
    let now = Utc::now();
    let date = |d: Option<chrono::DateTime<Utc>>| {
        d.map_or("-".into(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
    };
    let refundable = match subscription.refundable_at(now) {
        Some(seats) => format!("{seats} until {}", date(subscription.refundable_until())),
        None => "-".into(),
    };
    table(
        &[
            "subscription",
            "offer",
            "quantity",
            "status",
            "auto-renew",
            "refundable",
            "cancel until",
        ],
        vec![vec![
            subscription.id().to_string(),
            subscription.offer_id.clone().unwrap_or_default(),
            subscription.quantity.map_or("-".into(), |q| q.to_string()),
            subscription.status.clone().unwrap_or_default(),
            subscription
                .auto_renew_enabled
                .map_or("-".into(), |on| if on { "on" } else { "off" }.into()),
            refundable,
            date(subscription.cancellable_until()),
        ]],
    )
}

/// What a subscription can transition to: one row per target and kind.
fn eligibilities_table(listed: &TransitionEligibilityCollection) -> String {
    let rows = listed
        .items
        .iter()
        .flatten()
        .flat_map(|item| {
            item.eligibilities.iter().flatten().map(move |e| {
                let why = e.errors.iter().flatten();
                vec![
                    item.catalog_item_id.clone().unwrap_or_default(),
                    item.title.clone().unwrap_or_default(),
                    e.transition_type.clone().unwrap_or_default(),
                    match e.is_eligible {
                        Some(true) => "yes".to_string(),
                        _ => why
                            .filter_map(|e| e.description.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                    },
                ]
            })
        })
        .collect();
    table(&["catalog item", "title", "type", "eligible"], rows)
}

/// A transition made.
fn transition_table(made: &Transition) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    table(
        &["operation", "from", "to", "quantity", "status"],
        vec![vec![
            text(&made.operation_id),
            text(&made.from_catalog_item_id),
            text(&made.to_catalog_item_id),
            made.quantity.map_or("-".into(), |q| q.to_string()),
            text(&made.status),
        ]],
    )
}
