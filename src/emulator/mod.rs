//! An in-memory Partner Center cart service, for offline tests and demos (feature `emulator`).
//!
//! It serves the four cart operations on loopback, built on this crate's own generated types,
//! and behaves as the service is documented to:
//!
//! - create and update answer 201 with the whole cart (ids, line item ids 0..n, timestamps,
//!   expiry seven days out, `links.self`, `attributes.objectType` and an `attributes.etag` that
//!   changes on every write); get answers 200; checkout answers 201 with one order per
//!   `orderGroup` (its body starting with a byte-order mark, as the service's does), after which
//!   the cart is `Ordered` and a second checkout gets 400 with code 800065;
//! - the documented errors: 401 without a bearer token; 400 / 800002 for invalid input (an id
//!   that is not a GUID, a quantity below 1, no `catalogItemId`); 404 / 800008 for an unknown
//!   cart; 412 when `If-Match` is not the cart's etag;
//! - `MS-RequestId` is the idempotency key: a repeated create, update or checkout (even one sent
//!   while the first is still being done) answers with the first success and does nothing new,
//!   for the newest 10,000 successes; the same id on a different request is refused (400 /
//!   800002); `MS-RequestId` and `MS-CorrelationId` are echoed;
//! - orders are readable by id, and their provisioning status goes from
//!   `prefulfillmentPending` to `fulfilled` (or `unfulfilled` for an [`UNFULFILLABLE`] product)
//!   after [`Emulator::provisioning_delay`];
//! - property names are read without regard to case, and properties it does not know are kept
//!   and returned;
//! - [`Faults`] inject throttling (429 with `Retry-After`), 503s, lost answers (a 504 after the
//!   work was done) and latency.
//!
//! ```
//! use partner_center_carts::emulator::Emulator;
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

mod http;
mod names;
mod orders;
mod store;

pub use orders::UNFULFILLABLE;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use self::http::{Shared, lock};
use crate::types::{Cart, Order};
use crate::{PartnerCenter, PartnerCenterBuilder};

/// The token [`RunningEmulator::client`] sends; the emulator accepts any bearer token.
pub const EMULATOR_TOKEN: &str = "emulator-token";

/// The emulator, before it is started.
#[derive(Clone, Debug, Default)]
pub struct Emulator {
    settings: Settings,
    faults: Faults,
}

/// How the emulator behaves when nothing goes wrong.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// The only bearer token accepted; any when `None`.
    token: Option<SecretString>,
    /// Whether a checkout answer starts with a byte-order mark, as the service's does.
    byte_order_mark: bool,
    /// How long after its checkout an order's line items are provisioned.
    pub(crate) provisioning_delay: Duration,
}

/// How long after its checkout an order is provisioned by default: short, so the demo does
/// not wait long, but long enough to be seen pending.
pub const DEFAULT_PROVISIONING_DELAY: Duration = Duration::from_secs(1);

impl Default for Settings {
    fn default() -> Self {
        Self {
            token: None,
            byte_order_mark: true,
            provisioning_delay: DEFAULT_PROVISIONING_DELAY,
        }
    }
}

/// Faults to inject, as shares of requests (0.0 to 1.0) and durations. None by default.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::emulator::Faults;
///
/// let flaky = Faults::none()
///     .throttle(0.2)                       // 20% get 429 with Retry-After
///     .retry_after(Duration::from_secs(1))
///     .unavailable(0.1)                    // 10% get 503
///     .lost_answers(0.05)                  // 5% of writes are done, then answered 504
///     .latency(Duration::from_millis(20))
///     .seed(7);                            // the same draws every run
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    throttle: f64,
    retry_after: Duration,
    unavailable: f64,
    lost_answers: f64,
    latency: Duration,
    seed: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self {
            throttle: 0.0,
            retry_after: Duration::from_secs(1),
            unavailable: 0.0,
            lost_answers: 0.0,
            latency: Duration::ZERO,
            seed: None,
        }
    }

    /// The share of requests throttled with 429 and `Retry-After`.
    pub fn throttle(mut self, share: f64) -> Self {
        self.throttle = clamp(share);
        self
    }

    /// The `Retry-After` of a throttled answer, in whole seconds (1 s by default).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// The share of requests answered 503 before any work is done.
    pub fn unavailable(mut self, share: f64) -> Self {
        self.unavailable = clamp(share);
        self
    }

    /// The share of writes (create, update, checkout) that are done and then answered 504, as
    /// when a gateway times out: the caller must retry with the same `MS-RequestId`.
    pub fn lost_answers(mut self, share: f64) -> Self {
        self.lost_answers = clamp(share);
        self
    }

    /// Latency added to every request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Draws faults from a generator with this seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

fn clamp(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

/// What the emulator has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Requests answered 429 by fault injection.
    pub throttled: u64,
    /// Requests answered 503 by fault injection.
    pub unavailable: u64,
    /// Writes done and then answered 504 by fault injection.
    pub lost_answers: u64,
    /// Repeats answered with their first answer (same `MS-RequestId`).
    pub replayed: u64,
}

/// A request the emulator received, its bearer token redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// The method, such as `PUT`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
}

impl Received {
    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Emulator {
    /// An emulator without faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Injects these faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Accepts only this bearer token; any other gets 401. By default any token is accepted.
    /// [`RunningEmulator::client`] then needs `.bearer_token(token)`.
    pub fn accept_only_token(mut self, token: impl Into<String>) -> Self {
        self.settings.token = Some(SecretString::from(token.into()));
        self
    }

    /// Whether a checkout answer starts with a UTF-8 byte-order mark, as the service's does
    /// (on by default). JSON parsers may refuse one (RFC 8259 lets them), so turn it off for
    /// tools that do.
    pub fn byte_order_mark(mut self, on: bool) -> Self {
        self.settings.byte_order_mark = on;
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

    /// Starts serving on `127.0.0.1` on a free port, in the background of the current tokio
    /// runtime. It stops when the returned handle is dropped or [stopped](RunningEmulator::stop).
    pub async fn start(self) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.settings, self.faults));
        let app = http::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(RunningEmulator {
            address,
            shared,
            stop: Some(stop),
        })
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = http::router(Arc::new(Shared::new(self.settings, self.faults)));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// A running emulator. Dropping it stops it.
#[derive(Debug)]
pub struct RunningEmulator {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
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

    /// A cart as the emulator holds it.
    pub fn cart(&self, customer_id: &str, cart_id: &str) -> Option<Cart> {
        let customer = crate::validate::guid("customer", customer_id).ok()?;
        let cart = crate::validate::guid("cart", cart_id).ok()?;
        let store = lock(&self.shared.store);
        store.get(&customer, &cart).ok()
    }

    /// The orders placed for a customer.
    pub fn orders(&self, customer_id: &str) -> Vec<Order> {
        let Ok(customer) = crate::validate::guid("customer", customer_id) else {
            return Vec::new();
        };
        let store = lock(&self.shared.store);
        store.orders(&customer)
    }

    /// The last requests it received (up to 1,000), oldest first.
    pub fn received(&self) -> Vec<Received> {
        let log = lock(&self.shared.received);
        log.iter().cloned().collect()
    }

    /// What it has seen so far.
    pub fn stats(&self) -> Stats {
        *lock(&self.shared.stats)
    }

    /// Stops serving.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}
