//! A Partner Center cart service on loopback, for offline tests, demos, and as a shared server
//! (`pc-carts emulator`).
//!
//! It serves the cart and order operations on loopback, built on the generated types of the
//! client, [`partner_center_carts`], and behaves as the service is documented to:
//!
//! - create and update answer 201 with the whole cart (ids, line item ids 0..n, timestamps,
//!   expiry seven days out, `links.self`, `attributes.objectType`, the provisioning context's
//!   keys in camelCase, and with [`Emulator::etags`] an `attributes.etag` that changes on
//!   every write); get answers 200; checkout answers 201 with one order per
//!   `orderGroup` (its body starting with a byte-order mark, as the service's does), after which
//!   the cart is `Ordered` and a second checkout gets 400 with code 800065;
//! - the documented errors: 401 without a bearer token; 400 / 800002 for invalid input (an id
//!   that is not a GUID, a quantity below 1, no `catalogItemId`); 404 / 800008 for an unknown
//!   cart; with [`Emulator::etags`], 412 when `If-Match` is not the cart's etag;
//! - `MS-RequestId` is the idempotency key: a repeated create, update or checkout (even one sent
//!   while the first is still being done) answers with the first success and does nothing new,
//!   while its answer is kept (16 MiB of answers by default); the same id on a different request
//!   is refused (400 / 800002); `MS-RequestId` and `MS-CorrelationId` are echoed;
//! - orders are readable by id, and their provisioning status goes from
//!   `prefulfillmentPending` to `fulfilled` (or `unfulfilled` for an [`UNFULFILLABLE`] product)
//!   after [`Emulator::provisioning_delay`], when the order goes from `pending` to `completed`;
//! - the subscriptions an order created are read and changed over their life: each purchase of
//!   seats can be given back within 7 days (`refundableQuantity`,
//!   `cancellationAllowedUntilDate`, on the emulator's clock), a reduction or a cancellation
//!   past it is refused (400 / 800002), and a subscription can be transitioned to another SKU
//!   (which deletes its scheduled next-term change);
//! - a [`Catalog`] (products, SKUs, availabilities, promotions, the inventory check, customers'
//!   agreements), built in for `US` or read from a file, that every checkout is held to with
//!   the service's codes (403 / 800089 for an unknown catalog item, 400 / 400039 for a term the
//!   availability lacks, 400 / 800009 for the rest; [`Emulator::check_catalog`]);
//! - the partner's organization profile (a fixed "Emulated Partner"), with
//!   `ValidateMfa: true` its `isMfaCompliant` as the token's claims say (a user's token whose
//!   `amr` holds `mfa`; left out for an app-only or opaque token); with
//!   [`Emulator::require_mfa`], the service's rule since April 2026: a user's token issued
//!   without MFA gets 401 / 900421, an app-only token 403 on an App+User-only operation;
//! - property names are read without regard to case, and properties it does not know are kept
//!   and returned;
//! - carts expire seven days after their creation (then 404 / 800008), on a
//!   [`Clock`] a test can move;
//! - a body over the size limit gets 413, one that is not declared JSON 415, both in the
//!   service's error shape;
//! - [`Faults`] inject throttling (429 with `Retry-After`), 503s, lost answers (a 504 after the
//!   work was done), 409 / 800064 and 800060 (busy), and latency; and the service's own rate
//!   limits, per partner tenant and per tenant and customer (token buckets, a 429 with the
//!   service's throttling body and `Retry-After` from the bucket).
//!
//! It holds everything (customers' agreements too) in memory within [`Limits`] (byte budgets: the
//! oldest entries are forgotten first), or also on disk with [`Emulator::data_dir`], so that a
//! restart loses nothing it answered with a success. `GET /healthz` answers a supervisor without a
//! token, and each request is logged at `info` through `tracing`.
//!
//! ```
//! use partner_center_carts_emulator::Emulator;
//! use partner_center_carts::types::{Cart, CartLineItem};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::new().start().await?;
//! let pc = emulator.client().build()?;
//! let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
//! let cart = customer
//!     .create(&Cart {
//!         line_items: vec![CartLineItem {
//!             catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
//!             quantity: 1,
//!             billing_cycle: "monthly".into(),
//!             ..Default::default()
//!         }],
//!         ..Default::default()
//!     })
//!     .await?;
//! let result = customer.cart(cart.id.unwrap()).checkout().await?;
//! assert_eq!(result.orders().len(), 1);
//! # Ok(()) }
//! ```

#![warn(missing_docs, clippy::missing_errors_doc)]

mod agreements;
mod body;
mod bounded;
mod catalog;
mod catalog_checks;
mod catalog_file;
mod catalog_http;
mod catalog_reads;
mod disk;
mod extract;
mod faults;
mod gate;
mod handling;
mod http;
mod limits;
mod log;
mod mfa;
mod names;
mod operations;
mod order_entry;
mod orders;
mod profile;
mod promotions;
mod purchase;
mod rate_limit;
mod received;
mod reply;
mod routes;
mod rules;
mod server;
mod service;
mod settings;
mod stats;
mod store;
mod subscription_operations;
mod subscriptions;
mod terms;
mod token;
mod transitions;
mod window;

pub use catalog::{BUILT_IN_CATALOG, Catalog, CatalogError};
pub use faults::Faults;
pub use limits::{CART_LIFETIME, Limits};
pub use orders::UNFULFILLABLE;
pub use purchase::{AZURE_RESERVATION, PERPETUAL_SOFTWARE};
pub use settings::{DEFAULT_ORDER_LISTING_DELAY, DEFAULT_PROVISIONING_DELAY};
pub use stats::Stats;
pub use token::app_user_token;

pub use received::Received;
pub use server::SHUTDOWN_WAIT;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use self::service::Service;
use self::settings::Settings;
use self::store::{CartKey, SubscriptionKey};
use partner_center_carts::clock::Clock;
use partner_center_carts::types::{Cart, Order, Subscription};
use partner_center_carts::{PartnerCenter, PartnerCenterBuilder};

/// The token [`RunningEmulator::client`] sends; the emulator accepts any bearer token.
pub const EMULATOR_TOKEN: &str = "emulator-token";

/// The emulator, before it is started.
#[derive(Clone, Debug, Default)]
pub struct Emulator {
    settings: Settings,
    limits: Limits,
    faults: Faults,
    data_dir: Option<PathBuf>,
}

impl Emulator {
    /// An emulator without faults, in memory, within the default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Injects these faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Keeps within these budgets, and lets carts live this long.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the time from this clock (the client's own [`Clock`]): a
    /// [`VirtualClock`](partner_center_carts::clock::VirtualClock) lets a test expire a cart or
    /// finish an order's provisioning without waiting, and one shared with the client
    /// ([`PartnerCenterBuilder::clock`]) gives both the same time.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use partner_center_carts::clock::VirtualClock;
    /// use partner_center_carts_emulator::Emulator;
    ///
    /// let clock = Arc::new(VirtualClock::new());
    /// let emulator = Emulator::new().clock(clock.clone());
    /// // ... create a cart, then:
    /// clock.advance(Duration::from_secs(7 * 24 * 3600)); // it has expired
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }

    /// Keeps carts, orders (with their subscriptions that changed) and the answers kept for
    /// replay in a SQLite database in `dir` (created if need be) as well as in memory: started
    /// again on the same directory, the emulator has everything it answered with a success,
    /// less what expired or does not fit the [`Limits`]. Without it, the emulator keeps nothing
    /// once stopped.
    pub fn data_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.data_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Serves this catalog ([`Catalog::built_in`] by default) and holds checkouts to it.
    ///
    /// ```
    /// use partner_center_carts_emulator::{Catalog, Emulator};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("catalog-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("catalog.json");
    /// // A team's own catalog, in the built-in catalog's format (BUILT_IN_CATALOG).
    /// std::fs::write(&path, partner_center_carts_emulator::BUILT_IN_CATALOG)?;
    /// let emulator = Emulator::new().catalog(Catalog::from_file(&path)?);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.settings.catalog = catalog;
        self
    }

    /// Whether a checkout's line items are held to the [catalog](Self::catalog) (on by
    /// default): a catalog item it does not have is refused with 403 / 800089, a term its
    /// availability does not have with 400 / 400039, and a quantity outside the SKU's bounds,
    /// a billing cycle it does not support, an availability that is not purchasable or a
    /// missing Microsoft Customer Agreement with 400 / 800009 (docs/emulator.md). Legacy offer
    /// ids (`MS-AZR-0145P`) and [`UNFULFILLABLE`] are not held to it. Turn it off to check out
    /// made-up catalog items.
    pub fn check_catalog(mut self, on: bool) -> Self {
        self.settings.check_catalog = on;
        self
    }

    /// Accepts only this bearer token; any other gets 401. By default any token is accepted.
    /// [`RunningEmulator::client`] then needs `.bearer_token(token)`.
    pub fn accept_only_token(mut self, token: impl Into<String>) -> Self {
        self.settings.token = Some(SecretString::from(token.into()));
        self
    }

    /// Applies the service's rule for App+User calls (enforced since April 2026), off by
    /// default. Each token's claims are read, unverified: a user's token (App+User) whose
    /// `amr` claim does not hold `mfa` is refused with 401 and code 900421
    /// ([`codes::MFA_REQUIRED`](partner_center_carts::codes::MFA_REQUIRED)) on every
    /// operation, and an app-only token with 403 on an operation the service answers to
    /// App+User tokens only
    /// ([`Operation::app_user_only`](partner_center_carts::Operation::app_user_only)). A token
    /// whose claims do not say, such as an opaque one ([`EMULATOR_TOKEN`]), is let through.
    ///
    /// ```
    /// use partner_center_carts_emulator::Emulator;
    ///
    /// let emulator = Emulator::new().require_mfa(true);
    /// ```
    pub fn require_mfa(mut self, on: bool) -> Self {
        self.settings.require_mfa = on;
        self
    }

    /// Whether a checkout answer starts with a UTF-8 byte-order mark, as the service's does
    /// (on by default). JSON parsers may refuse one (RFC 8259 lets them), so turn it off for
    /// tools that do.
    pub fn byte_order_mark(mut self, on: bool) -> Self {
        self.settings.byte_order_mark = on;
        self
    }

    /// Whether carts carry an etag (`attributes.etag`, a new one on every write) and a write
    /// whose `If-Match` is not the cart's current etag is refused with 412. Off by default: no
    /// Partner Center source documents an etag on carts, so the emulator does not invent one.
    /// Turn it on to exercise the client's `If-Match` precaution.
    pub fn etags(mut self, on: bool) -> Self {
        self.settings.etags = on;
        self
    }

    /// How long after its checkout an order's line items are provisioned
    /// ([`DEFAULT_PROVISIONING_DELAY`] by default): until then they are
    /// `prefulfillmentPending`, then `fulfilled`, or `unfulfilled` for a catalog item whose
    /// product is [`UNFULFILLABLE`] (`UNFULFILLABLE:0001:0001`).
    pub fn provisioning_delay(mut self, delay: Duration) -> Self {
        self.settings.provisioning_delay = delay;
        self
    }

    /// How long after its checkout an order appears in the customer's list of orders
    /// ([`DEFAULT_ORDER_LISTING_DELAY`] by default; the service can take up to 15 minutes).
    /// Getting it by its id works at once.
    pub fn order_listing_delay(mut self, delay: Duration) -> Self {
        self.settings.order_listing_delay = delay;
        self
    }

    /// Starts serving on `127.0.0.1` on a free port, in the background of the current tokio
    /// runtime. It stops when the returned handle is dropped or [stopped](RunningEmulator::stop).
    ///
    /// Fails if the port cannot be bound, or the [data directory](Self::data_dir) cannot be
    /// opened or read.
    ///
    /// # Errors
    ///
    /// As listed above.
    pub async fn start(self) -> std::io::Result<RunningEmulator> {
        self.start_on(TcpListener::bind("127.0.0.1:0").await?).await
    }

    /// [`start`](Self::start), on this listener: its state is open and ready (its data
    /// directory read) when this returns.
    ///
    /// # Errors
    ///
    /// When the listener's address cannot be read, or the data directory cannot be opened or read.
    pub async fn start_on(self, listener: TcpListener) -> std::io::Result<RunningEmulator> {
        let address = listener.local_addr()?;
        let (service, app) = self.open()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let (connections, header_timeout) =
            (service.limits.connections, service.limits.header_timeout);
        let served = tokio::spawn(server::serve(
            listener,
            app,
            connections,
            header_timeout,
            async {
                let _ = stopped.await;
            },
        ));
        Ok(RunningEmulator {
            address,
            service,
            stop: Some(stop),
            served: Some(served),
        })
    }

    /// Serves on `listener` until `shutdown` completes.
    ///
    /// # Errors
    ///
    /// As [`start_on`](Self::start_on)'s, and when serving fails.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (service, app) = self.open()?;
        let limits = &service.limits;
        server::serve(
            listener,
            app,
            limits.connections,
            limits.header_timeout,
            shutdown,
        )
        .await
    }

    fn open(self) -> std::io::Result<(Arc<Service>, Router)> {
        let service = Service::open(
            self.settings,
            self.limits,
            self.faults,
            self.data_dir.as_deref(),
        )?;
        let service = Arc::new(service);
        Ok((service.clone(), http::router(service)))
    }
}

/// A running emulator. Dropping it stops it.
pub struct RunningEmulator {
    address: SocketAddr,
    service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// The base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A client builder pointed at the emulator, with a token it accepts.
    pub fn client(&self) -> PartnerCenterBuilder {
        PartnerCenter::builder()
            .base_url(self.url())
            .bearer_token(EMULATOR_TOKEN)
    }

    /// A cart as the emulator holds it, unless it expired.
    pub fn cart(&self, customer_id: &str, cart_id: &str) -> Option<Cart> {
        let key = CartKey {
            customer: partner_center_carts::validate::guid("customer", customer_id).ok()?,
            cart: partner_center_carts::validate::guid("cart", cart_id).ok()?,
        };
        let stored = self.service.store().cart(&key, self.service.now()).ok()?;
        serde_json::from_slice(&stored.json).ok()
    }

    /// The orders placed for a customer (those within the budget), oldest first, as getOrder
    /// answers them now (`completed` once provisioned).
    pub fn orders(&self, customer_id: &str) -> Vec<Order> {
        let Ok(customer) = partner_center_carts::validate::guid("customer", customer_id) else {
            return Vec::new();
        };
        operations::orders_of(&self.service, &customer)
    }

    /// One of a customer's subscriptions as getSubscription answers it now (its refundable
    /// seats as of the emulator's clock), once its order is provisioned.
    pub fn subscription(&self, customer_id: &str, subscription_id: &str) -> Option<Subscription> {
        let key = SubscriptionKey {
            customer: partner_center_carts::validate::guid("customer", customer_id).ok()?,
            subscription: partner_center_carts::validate::guid("subscription", subscription_id)
                .ok()?,
        };
        subscription_operations::current(&self.service, &key)
    }

    /// The last requests it received (within the log's budget), oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.service.log.all()
    }

    /// Changes the rate limits while it runs, as the service adjusts a tenant's: each
    /// partner tenant to `tenant` requests a second, and each tenant and customer to
    /// `customer` (as [`Faults::tenant_rate_limit`] and [`Faults::customer_rate_limit`]; a
    /// rate that is not above zero is no limit). Buckets keep what they hold, within their new
    /// size.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use partner_center_carts_emulator::{Emulator, Faults};
    ///
    /// let emulator = Emulator::new().faults(Faults::none().tenant_rate_limit(20.0)).start().await?;
    /// emulator.set_rate_limits(10.0, 0.0); // the service halves the tenant's limit
    /// assert_eq!(emulator.rate_limits(), (Some(10.0), None));
    /// # Ok(()) }
    /// ```
    pub fn set_rate_limits(&self, tenant: f64, customer: f64) {
        self.service
            .rate_limits
            .set(faults::rates(tenant, customer));
    }

    /// The rate limits in force: per tenant, and per tenant and customer (`None`: none).
    pub fn rate_limits(&self) -> (Option<f64>, Option<f64>) {
        let rates = self.service.rate_limits.rates();
        (rates.tenant, rates.customer)
    }

    /// What it has seen so far, and what it holds.
    pub fn stats(&self) -> Stats {
        self.service.stats()
    }

    /// Stops serving, in the background: requests under way are finished.
    pub fn stop(mut self) {
        self.signal_stop();
    }

    /// Stops serving and waits until it has: requests under way finished, and its
    /// [data directory](Emulator::data_dir) closed, so another emulator can open it. It waits
    /// [`SHUTDOWN_WAIT`] at most for the last write to finish; a write that takes longer keeps
    /// the directory open until it ends, and is logged.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
        // The last handle on the state, with its database; a write still finishing holds
        // another for as long as it takes.
        let mut service = self.service.clone();
        drop(self);
        let step = Duration::from_millis(1);
        for _ in 0..SHUTDOWN_WAIT.as_millis() {
            match Arc::try_unwrap(service) {
                Ok(_) => return,
                Err(shared) => service = shared,
            }
            tokio::time::sleep(step).await;
        }
        tracing::warn!(
            "a write still under way after {SHUTDOWN_WAIT:?} keeps the emulator's data open \
             until it ends"
        );
    }

    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("address", &self.address)
            .field("faults", &self.service.faults)
            .finish_non_exhaustive()
    }
}

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
