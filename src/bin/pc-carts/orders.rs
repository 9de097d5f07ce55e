//! `pc-carts order ...`: an order, and its provisioning.

use std::time::Duration;

use partner_center_carts::OrderRef;

use crate::Failure;
use crate::args::{OrderArgs, OrderCommand};
use crate::carts::client;
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
            let status = order
                .wait_until_provisioned(Duration::from_secs(args.timeout))
                .await?;
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
