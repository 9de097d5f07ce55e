//! The cart and order operations, as the service's own SDK names them:
//! `pc.customer(id).create(&cart)`, `pc.customer(id).cart(id).get() / put(&cart) / modify(..) /
//! checkout()`, `pc.customer(id).order(id).get() / provisioning_status() /
//! wait_until_provisioned(..) / subscriptions() / activation_links() / cancel()`,
//! `pc.customer(id).orders().list()`.
//!
//! Each is a few lines over the generated builder and `PartnerCenter::invoke` ([`crate::call`]):
//! check the ids (and the cart) before anything is sent, say how the operation is sent (its ids
//! and customer), build it, and check the answer. The headers, retries and errors come from the
//! pipeline every generated operation runs through ([`crate::pipeline`]); the compound
//! operations (`modify`, `checkout`) ask [`crate::retry`] whether to make another round.

mod cart;
mod catalog;
mod checkout;
mod checks;
mod customer;
mod fixed;
mod modify;
mod order;
mod orders;
mod partner;
mod placed;
mod plan;
mod poll;
mod refs;
mod resend;
mod subscription;
mod window;

pub use catalog::{Catalog, CustomerCatalog};
pub use checkout::CheckoutOutcome;
pub use orders::Orders;
pub use refs::{CartRef, Customer, OrderRef, WithRequestId};
pub use resend::Settled;
pub use subscription::SubscriptionRef;
