//! How the emulator behaves when nothing goes wrong: its token (and whether it must be issued
//! with MFA), byte-order mark, etags, provisioning delay, clock and catalog.

use std::sync::Arc;
use std::time::Duration;

use super::catalog::Catalog;
use partner_center_carts::clock::{Clock, SystemClock};
use secrecy::SecretString;

/// How the emulator behaves when nothing goes wrong.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// The only bearer token accepted; any when `None`.
    pub(crate) token: Option<SecretString>,
    /// Whether the service's rule for App+User calls (a user's token issued with MFA; no
    /// app-only token for an App+User-only operation) is applied.
    pub(crate) require_mfa: bool,
    /// Whether a checkout answer starts with a byte-order mark, as the service's does.
    pub(crate) byte_order_mark: bool,
    /// Whether carts carry `attributes.etag` and `If-Match` is checked.
    pub(crate) etags: bool,
    /// How long after its checkout an order's line items are provisioned.
    pub(crate) provisioning_delay: Duration,
    /// How long after its checkout an order is listed (the service's: up to 15 minutes).
    pub(crate) order_listing_delay: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    /// The catalog served, and held to at checkout.
    pub(crate) catalog: Catalog,
    /// Whether a checkout's line items are held to the catalog.
    pub(crate) check_catalog: bool,
}

/// How long after its checkout an order is provisioned by default: short, so the demo does
/// not wait long, but long enough to be seen pending.
pub const DEFAULT_PROVISIONING_DELAY: Duration = Duration::from_secs(1);

/// How long after its checkout an order is listed by default: the service can take up to 15
/// minutes; this is short, so the demo does not wait long, but a client still has to wait.
pub const DEFAULT_ORDER_LISTING_DELAY: Duration = Duration::from_secs(1);

impl Default for Settings {
    fn default() -> Self {
        Self {
            token: None,
            require_mfa: false,
            byte_order_mark: true,
            etags: false,
            provisioning_delay: DEFAULT_PROVISIONING_DELAY,
            order_listing_delay: DEFAULT_ORDER_LISTING_DELAY,
            clock: Arc::new(SystemClock),
            catalog: Catalog::built_in(),
            check_catalog: true,
        }
    }
}
