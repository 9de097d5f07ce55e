//! `pc-carts order ...`: an order, and its provisioning.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};
use partner_center_carts::OrderRef;

use crate::args::{OrderArgs, OrderCommand};
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{order_id, order_table, provisioning_table, show};

pub async fn run(command: OrderCommand) -> Result<(), Failure> {
    match command {
        OrderCommand::Get(args) => {
            let order = order_ref(&args)?.get().await?;
            show(&order, args.connection.shown(), order_table, order_id);
            Ok(())
        }
        OrderCommand::Status(args) => {
            let status = order_ref(&args)?.provisioning_status().await?;
            show(&status, args.connection.shown(), provisioning_table, |_| {
                Vec::new()
            });
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
                args.order.connection.shown(),
                provisioning_table,
                |_| Vec::new(),
            );
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
