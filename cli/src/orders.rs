//! `pc-carts order ...`: a customer's orders (listed, or waited for), one order's provisioning,
//! activation links and subscriptions, its cancellation and add-ons.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};
use partner_center_carts::OrderRef;

use partner_center_carts::types::{Order, OrderLineItem};

use crate::args::{OrderArgs, OrderCommand};
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{
    links_table, listed_order_ids, order_id, order_table, orders_table, provisioning_table, show,
    subscriptions_table,
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
            if let Some(wanted) = &args.wait_for {
                let max_wait = Duration::from_secs(args.timeout);
                orders.wait_for(max_wait, |o| o.id() == wanted).await?;
            }
            let listed = orders.list().await?;
            show(
                &listed,
                &args.connection.shown(),
                orders_table,
                listed_order_ids,
            )?;
            Ok(())
        }
        OrderCommand::Get(args) => {
            let order = order_ref(&args)?.get().await?;
            show(&order, &args.connection.shown(), order_table, order_id)?;
            Ok(())
        }
        OrderCommand::Cancel(args) => {
            let order = order_ref(&args)?;
            let order = order
                .with_request_id(args.connection.request_id)
                .cancel()
                .await?;
            show(&order, &args.connection.shown(), order_table, order_id)?;
            Ok(())
        }
        OrderCommand::Addon(args) => {
            let add_on = Order {
                line_items: Some(vec![OrderLineItem {
                    offer_id: Some(args.item.clone()),
                    parent_subscription_id: Some(args.parent_subscription.clone()),
                    quantity: Some(args.quantity),
                    ..Default::default()
                }]),
                ..Default::default()
            };
            let order = order_ref(&args.order)?
                .with_request_id(args.order.connection.request_id)
                .update(&add_on)
                .await?;
            show(
                &order,
                &args.order.connection.shown(),
                order_table,
                order_id,
            )?;
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

fn order_ref(args: &OrderArgs) -> Result<OrderRef, Failure> {
    Ok(client(&args.connection)?
        .customer(&args.customer)
        .order(&args.order))
}
