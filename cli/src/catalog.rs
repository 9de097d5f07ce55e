//! `pc-carts catalog ...`: the products, SKUs, availabilities and promotions a line item comes
//! from, a country's or one customer's.

use partner_center_carts::types::{
    AvailabilityCollection, ProductCollection, ProductPromotionCollection, SkuCollection,
};

use crate::args::{CatalogCommand, CatalogScope};
use crate::carts::client;
use crate::failure::Failure;
use crate::output::{show, table};

pub async fn run(command: CatalogCommand) -> Result<(), Failure> {
    let shown = command.connection().shown();
    match command {
        CatalogCommand::Products(args) => {
            let pc = client(&args.scope.connection)?;
            let listed = match scope(&args.scope)? {
                Scope::Country(country) => pc.catalog(&country).products(&args.view).await?,
                Scope::Customer(id) => pc.customer(&id).catalog().products(&args.view).await?,
            };
            show(&listed, &shown, products_table, |l| {
                items(&l.items).filter_map(|p| p.id.clone()).collect()
            })?;
        }
        CatalogCommand::Skus(args) => {
            let pc = client(&args.scope.connection)?;
            let listed = match scope(&args.scope)? {
                Scope::Country(country) => pc.catalog(&country).skus(&args.product).await?,
                Scope::Customer(id) => pc.customer(&id).catalog().skus(&args.product).await?,
            };
            show(&listed, &shown, skus_table, |l| {
                items(&l.items).filter_map(|s| s.id.clone()).collect()
            })?;
        }
        CatalogCommand::Availabilities(args) => {
            let pc = client(&args.scope.connection)?;
            let (product, sku) = (&args.product, &args.sku);
            let listed = match scope(&args.scope)? {
                Scope::Country(country) => {
                    pc.catalog(&country).availabilities(product, sku).await?
                }
                Scope::Customer(id) => {
                    let catalog = pc.customer(&id).catalog();
                    catalog.availabilities(product, sku).await?
                }
            };
            show(&listed, &shown, availabilities_table, |l| {
                items(&l.items)
                    .filter_map(|a| a.catalog_item_id.clone())
                    .collect()
            })?;
        }
        CatalogCommand::Promotions(args) => {
            let pc = client(&args.connection)?;
            let listed = pc.promotions(&args.country, &args.segment).await?;
            show(&listed, &shown, promotions_table, |l| {
                items(&l.items).filter_map(|p| p.id.clone()).collect()
            })?;
        }
    }
    Ok(())
}

enum Scope {
    Country(String),
    Customer(String),
}

fn scope(args: &CatalogScope) -> Result<Scope, Failure> {
    match (&args.customer, &args.country) {
        (Some(customer), _) => Ok(Scope::Customer(customer.clone())),
        (None, Some(country)) => Ok(Scope::Country(country.clone())),
        // clap requires one of them; kept as an error rather than a panic.
        (None, None) => Err(Failure::Input("give --country or --customer".into())),
    }
}

fn items<T>(listed: &Option<Vec<T>>) -> std::slice::Iter<'_, T> {
    listed.as_deref().unwrap_or_default().iter()
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn joined<T: AsRef<str>>(values: &Option<Vec<T>>) -> String {
    items(values)
        .map(|v| v.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn products_table(listed: &ProductCollection) -> String {
    let rows = items(&listed.items)
        .map(|p| {
            let kind = p.product_type.as_ref().and_then(|t| t.id.clone());
            vec![text(&p.id), text(&p.title), kind.unwrap_or_default()]
        })
        .collect();
    table(&["product", "title", "type"], rows)
}

fn skus_table(listed: &SkuCollection) -> String {
    let rows = items(&listed.items)
        .map(|s| {
            let quantity = match (s.minimum_quantity, s.maximum_quantity) {
                (Some(min), Some(max)) => format!("{min}-{max}"),
                _ => String::new(),
            };
            vec![
                text(&s.id),
                text(&s.title),
                quantity,
                joined(&s.supported_billing_cycles),
                joined(&s.purchase_prerequisites),
                if s.is_trial == Some(true) {
                    "trial"
                } else {
                    ""
                }
                .to_string(),
            ]
        })
        .collect();
    table(
        &["sku", "title", "quantity", "cycles", "prerequisites", ""],
        rows,
    )
}

fn availabilities_table(listed: &AvailabilityCollection) -> String {
    let rows = items(&listed.items)
        .map(|a| {
            let terms = items(&a.terms)
                .map(|t| {
                    let cycle = t.billing_cycle.as_ref().map(|c| c.to_string());
                    format!("{}/{}", text(&t.duration), cycle.unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join(",");
            let purchasable = match a.is_purchasable {
                Some(false) => "no",
                _ => "yes",
            };
            vec![text(&a.catalog_item_id), purchasable.to_string(), terms]
        })
        .collect();
    table(
        &["catalog item", "purchasable", "terms (duration/cycle)"],
        rows,
    )
}

fn promotions_table(listed: &ProductPromotionCollection) -> String {
    let rows = items(&listed.items)
        .map(|p| {
            let applies = items(&p.required_products)
                .map(|r| {
                    let term = r.term.as_ref().and_then(|t| t.duration.clone());
                    format!(
                        "{}:{} {}",
                        text(&r.product_id),
                        text(&r.sku_id),
                        term.unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
            let ends = p.end_date.as_ref().map(|d| d.to_string());
            vec![
                text(&p.id),
                text(&p.name),
                ends.unwrap_or_default(),
                applies,
            ]
        })
        .collect();
    table(&["promotion", "name", "ends", "applies to"], rows)
}
