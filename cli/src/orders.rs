//! `pc-carts order ...` and `pc-carts subscription ...`: a customer's orders, one order's
//! provisioning, activation links and subscriptions, and a subscription's provisioning.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};
use partner_center_carts::OrderRef;

use crate::args::{OrderArgs, OrderCommand, SubscriptionCommand};
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{
    links_table, order_id, order_table, orders_table, provisioning_table, show,
    subscription_status_table, subscriptions_table,
};

pub async fn run(command: OrderCommand) -> Result<(), Failure> {
    match command {
        OrderCommand::List(args) => {
            let mut orders = client(&args.connection)?.customer(&args.customer).orders();
            if let Some(billing_type) = &args.billing_type {
                orders = orders.billing_type(billing_type);
            }
            if args.include_price {
                orders = orders.include_price();
            }
            let listed = orders.list().await?;
            show(&listed, &args.connection.shown(), orders_table, |listed| {
                listed.orders().iter().map(|o| o.id().to_string()).collect()
            })?;
            Ok(())
        }
        OrderCommand::Get(args) => {
            let order = order_ref(&args)?.get().await?;
            show(&order, &args.connection.shown(), order_table, order_id)?;
            Ok(())
        }
        OrderCommand::Cancel(args) => {
            let order = order_ref(&args)?.cancel().await?;
            show(&order, &args.connection.shown(), order_table, order_id)?;
            Ok(())
        }
        OrderCommand::Links(args) => {
            let order = order_ref(&args.order)?;
            let links = match args.line_item {
                Some(line) => order.line_item_activation_links(line.into()).await?,
                None => order.activation_links().await?,
            };
            show(
                &links,
                &args.order.connection.shown(),
                links_table,
                |links| {
                    links
                        .links()
                        .iter()
                        .filter_map(|l| l.link.as_ref()?.uri.clone())
                        .collect()
                },
            )?;
            Ok(())
        }
        OrderCommand::Subscriptions(args) => {
            let subscriptions = order_ref(&args)?.subscriptions().await?;
            show(
                &subscriptions,
                &args.connection.shown(),
                subscriptions_table,
                |listed| {
                    listed
                        .subscriptions()
                        .iter()
                        .map(|s| s.id().to_string())
                        .collect()
                },
            )?;
            Ok(())
        }
        OrderCommand::Status(args) => {
            let status = order_ref(&args)?.provisioning_status().await?;
            // Its id, for `--output id`: the order whose status it is.
            show(
                &status,
                &args.connection.shown(),
                provisioning_table,
                |_| vec![args.order.clone()],
            )?;
            Ok(())
        }
        OrderCommand::Wait(args) => {
            let order = order_ref(&args.order)?;
            // A spinner on stderr, drawn only when stderr is a terminal.
            let spinner =
                ProgressBar::new_spinner().with_finish(indicatif::ProgressFinish::AndClear);
            spinner.set_draw_target(ProgressDrawTarget::stderr());
            spinner.enable_steady_tick(Duration::from_millis(120));
            spinner.set_message(format!("waiting for order {}", args.order.order));
            let waited = order
                .wait_until_provisioned_with(Duration::from_secs(args.timeout), |status, next| {
                    spinner.set_message(format!(
                        "waiting for order {}: {} of {} line items still provisioning; next look in {} s",
                        args.order.order,
                        status.pending().count(),
                        status.line_items().len(),
                        next.as_secs()
                    ));
                })
                .await;
            spinner.finish_and_clear();
            let status = waited?;
            show(
                &status,
                &args.order.connection.shown(),
                provisioning_table,
                |_| vec![args.order.order.clone()],
            )?;
            if status.is_fulfilled() {
                Ok(())
            } else {
                Err(Failure::Partial(format!(
                    "partial provisioning: {} of {} line items were not fulfilled (listed above)",
                    status.unfulfilled().count(),
                    status.line_items().len()
                )))
            }
        }
    }
}

/// `pc-carts subscription ...`.
pub async fn subscription(command: SubscriptionCommand) -> Result<(), Failure> {
    let SubscriptionCommand::Status(args) = command;
    let status = client(&args.connection)?
        .customer(&args.customer)
        .subscription(&args.subscription)
        .provisioning_status()
        .await?;
    show(
        &status,
        &args.connection.shown(),
        subscription_status_table,
        |_| vec![args.subscription.clone()],
    )?;
    Ok(())
}

fn order_ref(args: &OrderArgs) -> Result<OrderRef, Failure> {
    Ok(client(&args.connection)?
        .customer(&args.customer)
        .order(&args.order))
}
