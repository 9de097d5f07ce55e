//! Before the cart: a line item made from the catalog, and what can be known of a line before
//! anything is created. Part of the types, so it needs no HTTP stack.
//!
//! - [`CatalogItemId`]: a `catalogItemId` (`PRODUCT:SKU:AVAILABILITY`) read into its parts.
//! - [`line_from`]: a [`CartLineItem`](crate::types::CartLineItem) from a SKU and one of its
//!   availabilities, as the service's own sample builds one, refusing a term, billing cycle or
//!   quantity the catalog does not offer with a [`LineProblem`] that names what it offers.
//! - [`Plan`]: per line of a cart, what would fail and why (what the client's
//!   `Customer::plan` answers).
//!
//! ```
//! use partner_center_carts::catalog::{CatalogItemId, LineProblem, line_from};
//! use partner_center_carts::types::{Availability, Sku, Term};
//!
//! let id: CatalogItemId = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".parse()?;
//! let sku = Sku {
//!     id: Some(id.sku().into()),
//!     minimum_quantity: Some(1),
//!     maximum_quantity: Some(300),
//!     supported_billing_cycles: Some(vec!["monthly".into(), "annual".into()]),
//!     ..Default::default()
//! };
//! let term = |duration: &str, cycle: &str| Term {
//!     duration: Some(duration.into()),
//!     billing_cycle: Some(cycle.into()),
//!     ..Default::default()
//! };
//! let availability = Availability {
//!     catalog_item_id: Some(id.to_string()),
//!     terms: Some(vec![term("P1M", "monthly"), term("P1Y", "annual")]),
//!     ..Default::default()
//! };
//!
//! let line = line_from(&sku, &availability, Some("p1y"), "Annual", 5).unwrap();
//! assert_eq!(line.term_duration.as_deref(), Some("P1Y"));
//! assert_eq!(line.billing_cycle.as_str(), "annual");
//!
//! let refused = line_from(&sku, &availability, Some("P3Y"), "annual", 5).unwrap_err();
//! assert!(matches!(&refused, LineProblem::TermNotOffered { offered, .. } if offered == &["P1M", "P1Y"]));
//! assert_eq!(refused.to_string(), "term P3Y is not offered; the offered terms are P1M, P1Y");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod item_id;
mod line;
mod plan;
mod problem;

pub use item_id::{CatalogItemId, ParseCatalogItemIdError};
pub use line::{line_from, missing_provisioning, union_terms};
pub use plan::{Plan, PlannedLine};
pub use problem::LineProblem;

#[cfg(feature = "client")]
pub(crate) use item_id::segment_problem;
#[cfg(feature = "client")]
pub(crate) use line::check_choice;
