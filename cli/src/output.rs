//! How answers and errors are shown: JSON or YAML as sent (or what a query selects of it),
//! tables for people, ids for scripts.

use partner_center_carts::error::printable;
use partner_center_carts::types::{
    ActivationLinks, Cart, CartCheckoutResult, Order, OrderCollection, OrderError,
    OrderProvisioningStatuses, SubscriptionCollection, SubscriptionProvisioningStatus,
};
use partner_center_carts::{Error, ErrorKind, Plan};
use serde::Serialize;

use crate::args::{Output, Shown};
use crate::print::{out, outln};
use crate::query;

/// Why an answer could not be shown: a query that does not apply to it, or a value that does not
/// serialise. The command fails with it (exit code 1).
pub struct NotShown(pub String);

/// Prints a value as pretty JSON or YAML (what `--query` selects of it, if given), as `table`
/// renders it, as its ids alone (one a line: the cart's, or the orders', ...), or not at all.
pub fn show<T: Serialize>(
    value: &T,
    shown: &Shown,
    table: impl Fn(&T) -> String,
    ids: impl Fn(&T) -> Vec<String>,
) -> Result<(), NotShown> {
    let cannot = |e: &dyn std::fmt::Display| NotShown(format!("the answer cannot be shown: {e}"));
    match shown.output {
        Output::Json | Output::Yaml => {
            let mut json = serde_json::to_value(value).map_err(|e| cannot(&e))?;
            if let Some(expression) = &shown.query {
                json = query::apply(expression, json).map_err(NotShown)?;
            }
            if shown.output == Output::Json {
                let text = serde_json::to_string_pretty(&json).map_err(|e| cannot(&e))?;
                outln!("{text}");
            } else {
                let text = serde_norway::to_string(&json).map_err(|e| cannot(&e))?;
                out!("{text}");
            }
        }
        Output::Table => out!("{}", table(value)),
        Output::Id => ids(value).iter().for_each(|id| outln!("{}", printable(id))),
        Output::None => {}
    }
    Ok(())
}

/// A cart's id.
pub fn cart_id(cart: &Cart) -> Vec<String> {
    vec![cart.id().to_string()]
}

/// The ids of the orders a checkout placed.
pub fn order_ids(result: &CartCheckoutResult) -> Vec<String> {
    result.orders().iter().map(|o| o.id().to_string()).collect()
}

/// The ids of the orders a list holds.
pub fn listed_order_ids(listed: &OrderCollection) -> Vec<String> {
    listed.orders().iter().map(|o| o.id().to_string()).collect()
}

/// An order's id.
pub fn order_id(order: &Order) -> Vec<String> {
    vec![order.id().to_string()]
}

/// A cart: its id, state and dates, then its line items.
pub fn cart_table(cart: &Cart) -> String {
    let attributes = cart.attributes.as_ref();
    let mut out = format!(
        "Cart {} ({}), etag {}\n  created {}, expires {}\n",
        printable(cart.id.as_deref().unwrap_or("-")),
        printable(cart.status.as_deref().unwrap_or("-")),
        printable(attributes.and_then(|a| a.etag.as_deref()).unwrap_or("-")),
        printable(cart.creation_timestamp.as_ref().map_or("-", |t| t.as_str())),
        printable(
            cart.expiration_timestamp
                .as_ref()
                .map_or("-", |t| t.as_str())
        ),
    );
    let rows = cart
        .line_items
        .iter()
        .map(|item| {
            vec![
                item.id.map_or("-".into(), |id| id.to_string()),
                item.catalog_item_id.clone(),
                item.friendly_name.clone().unwrap_or_default(),
                item.quantity.to_string(),
                item.billing_cycle.to_string(),
                item.term_duration.clone().unwrap_or_default(),
                item.order_group.clone().unwrap_or_default(),
                item.error.as_ref().map_or(String::new(), |e| {
                    format!(
                        "{} {}",
                        e.error_code
                            .as_ref()
                            .map_or(String::new(), |c| c.to_string()),
                        e.error_description.as_deref().unwrap_or("")
                    )
                }),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "line",
            "catalog item",
            "name",
            "quantity",
            "billing",
            "term",
            "group",
            "error",
        ],
        rows,
    ));
    out
}

/// The orders a checkout placed, and the groups it could not.
pub fn checkout_table(result: &CartCheckoutResult) -> String {
    let mut out: String = result.orders.iter().flatten().map(order_table).collect();
    for error in result.order_errors.iter().flatten() {
        out.push_str(&format!("Order group {}\n", order_error(error)));
    }
    out
}

/// A plan: one row per problem of a line, or one "ok" row for a clean line.
pub fn plan_table(plan: &Plan) -> String {
    let mut rows = Vec::new();
    for line in plan.lines() {
        let (index, item) = (line.index().to_string(), line.catalog_item_id().to_string());
        if line.problems().is_empty() {
            rows.push(vec![
                index.clone(),
                item.clone(),
                "ok".into(),
                String::new(),
            ]);
        }
        for problem in line.problems() {
            let words = printable(&problem.to_string()).into_owned();
            rows.push(vec![
                index.clone(),
                item.clone(),
                problem.kind().into(),
                words,
            ]);
        }
    }
    table(&["line", "catalog item", "problem", "why"], rows)
}

/// An order: its id, status and billing, then its line items.
pub fn order_table(order: &Order) -> String {
    let mut out = format!(
        "Order {} ({}), {} {}\n",
        printable(order.id.as_deref().unwrap_or("-")),
        printable(order.status.as_deref().unwrap_or("-")),
        printable(order.billing_cycle.as_ref().map_or("-", |b| b.as_str())),
        printable(order.currency_code.as_deref().unwrap_or("")),
    );
    let rows = order
        .line_items
        .iter()
        .flatten()
        .map(|line| {
            vec![
                line.line_item_number.map_or("-".into(), |n| n.to_string()),
                line.offer_id.clone().unwrap_or_default(),
                line.quantity.map_or("-".into(), |q| q.to_string()),
                line.subscription_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&table(&["line", "offer", "quantity", "subscription"], rows));
    out
}

/// A customer's orders: each as [`order_table`] shows it.
pub fn orders_table(listed: &OrderCollection) -> String {
    if listed.orders().is_empty() {
        return "No order listed (a new order can take up to 15 minutes to be).\n".to_string();
    }
    listed.orders().iter().map(order_table).collect()
}

/// An order's activation links: one row per line item that has one.
pub fn links_table(links: &ActivationLinks) -> String {
    let rows = links
        .links()
        .iter()
        .map(|l| {
            vec![
                l.line_item_number.map_or("-".into(), |n| n.to_string()),
                l.link
                    .as_ref()
                    .and_then(|link| link.uri.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(&["line", "activation link"], rows)
}

/// The subscriptions an order created: one row each.
pub fn subscriptions_table(listed: &SubscriptionCollection) -> String {
    let rows = listed
        .subscriptions()
        .iter()
        .map(|s| {
            vec![
                s.id().to_string(),
                s.offer_id.clone().unwrap_or_default(),
                s.quantity.map_or("-".into(), |q| q.to_string()),
                s.status.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["subscription", "offer", "quantity", "status"], rows)
}

/// A subscription's provisioning status.
pub fn subscription_status_table(status: &SubscriptionProvisioningStatus) -> String {
    table(
        &["sku", "status", "quantity"],
        vec![vec![
            status.sku_id.clone().unwrap_or_default(),
            status.status.clone().unwrap_or_default(),
            status.quantity.map_or("-".into(), |q| q.to_string()),
        ]],
    )
}

/// An order's provisioning: one row per line item.
pub fn provisioning_table(status: &OrderProvisioningStatuses) -> String {
    let rows = status
        .line_items()
        .iter()
        .map(|item| {
            vec![
                item.line_item_number.map_or("-".into(), |n| n.to_string()),
                item.status.as_ref().map_or("-".into(), |s| s.to_string()),
                item.quantity_provisioning_information
                    .iter()
                    .flatten()
                    .map(|q| {
                        let quantity = q.quantity.map_or("-".into(), |n| n.to_string());
                        let status = q.status.as_ref().map_or("-".into(), |s| s.to_string());
                        format!("{quantity} {status}")
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    table(&["line", "status", "quantities"], rows)
}

/// `1 failed: 800010 Inventory not available`: a failed order group, escaped.
fn order_error(error: &OrderError) -> String {
    let mut line = format!(
        "{} failed:",
        printable(error.order_group_id.as_deref().unwrap_or("-"))
    );
    for part in [
        error.code.as_ref().map(|c| c.to_string()),
        error.description.clone(),
    ]
    .into_iter()
    .flatten()
    {
        line.push(' ');
        line.push_str(&printable(&part));
    }
    line
}

/// Columns padded to their widest cell, indented two spaces. Cells are escaped: text from the
/// service cannot break a row or drive the terminal.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// An error as a person needs it: what failed, the service's code and words, and the ids to
/// quote to support.
pub fn error(e: &Error) -> String {
    let mut out = format!("error: {e}\n");
    if let Some(service) = e.service_error() {
        out.push_str(&format!(
            "  status: {} ({})\n",
            service.status(),
            service.category()
        ));
        if let Some(code) = service.code().filter(|c| c.number() != Some(0)) {
            out.push_str(&format!("  code: {}\n", printable(&code.to_string())));
        }
        if let Some(description) = service.description() {
            out.push_str(&format!("  description: {}\n", printable(description)));
        }
    }
    if let ErrorKind::NothingOrdered(nothing) = e.kind() {
        for failed in nothing.order_errors() {
            out.push_str(&format!("  order group {}\n", order_error(failed)));
        }
    }
    if let Some(id) = e.request_id() {
        out.push_str(&format!("  MS-RequestId: {id}\n"));
    }
    if let Some(id) = e.correlation_id() {
        out.push_str(&format!("  MS-CorrelationId: {id}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let text = table(
            &["a", "long header"],
            vec![vec!["wide cell".into(), "x".into()]],
        );
        assert_eq!(text, "  a          long header\n  wide cell  x\n");
    }
}
