//! How much the emulator keeps and accepts, in bytes, and how long a cart lives: what lets it
//! run for weeks as a shared server without growing.

use std::time::Duration;

const MIB: usize = 1024 * 1024;

/// The emulator's budgets. Each store forgets its oldest entries first when a new one would
/// take it over its budget; a cart, order or kept answer counts as its JSON plus 448 bytes for
/// its keys and bookkeeping (an order 320 more per subscription it creates), a log entry as its
/// text. A subscription's state, once it changed, is kept with its order, in the budget of
/// subscriptions: over either budget, the oldest order goes with its subscriptions.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts_emulator::{Emulator, Limits};
///
/// let emulator = Emulator::new().limits(
///     Limits::default()
///         .carts(256 * 1024 * 1024)                 // keep up to 256 MiB of carts
///         .cart_lifetime(Duration::from_secs(60)),  // and let them expire after a minute
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub(crate) carts: usize,
    pub(crate) orders: usize,
    pub(crate) subscriptions: usize,
    pub(crate) replays: usize,
    pub(crate) agreements: usize,
    pub(crate) log: usize,
    pub(crate) body: usize,
    pub(crate) in_flight: usize,
    pub(crate) cart_lifetime: Duration,
    pub(crate) connections: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
}

/// How long the service keeps a cart: seven days from its creation.
pub const CART_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The largest catalog file read (`Catalog::from_file`): a catalog is held whole in memory.
pub(crate) const CATALOG_FILE: usize = 4 * MIB;

/// How much of each request body the request log keeps.
pub(crate) const LOGGED_BODY: usize = 4096;

/// How much of each header value the request log keeps.
pub(crate) const LOGGED_HEADER: usize = 1024;

impl Default for Limits {
    /// 32 MiB of carts, 8 MiB of orders, 8 MiB of subscriptions that changed, 16 MiB of answers
    /// kept for replay, 1 MiB of customers' agreements, 1 MiB of request log, request bodies up
    /// to 8 MiB, 2 MiB of request bodies worked on at once, and carts that live [seven days](CART_LIFETIME). About 30,000
    /// small carts; the process stays under 150 MiB (see the load figures in docs/emulator.md).
    /// 512 connections at once, each given 10 s for a request's headers; a body has 10 s for
    /// each piece and 30 s in all.
    fn default() -> Self {
        Self {
            carts: 32 * MIB,
            orders: 8 * MIB,
            subscriptions: 8 * MIB,
            replays: 16 * MIB,
            agreements: MIB,
            log: MIB,
            body: 8 * MIB,
            in_flight: 2 * MIB,
            cart_lifetime: CART_LIFETIME,
            connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// The bytes of carts kept. The oldest are forgotten first, as if they had expired.
    pub fn carts(mut self, bytes: usize) -> Self {
        self.carts = bytes;
        self
    }

    /// The bytes of orders kept (with their provisioning state). The oldest go first, each with
    /// its subscriptions, which are then unknown (404).
    pub fn orders(mut self, bytes: usize) -> Self {
        self.orders = bytes;
        self
    }

    /// The bytes of the state of subscriptions that changed (a quantity, a cancellation, a
    /// transition, ..., or an add-on bought), with their purchases of seats and transitions,
    /// each at most 64 KiB. Each is kept in the entry of the order that created it: past this
    /// budget, the oldest orders are forgotten, each with its subscriptions (then unknown: never
    /// read again as bought, nor active once cancelled). A change that would make one order's
    /// subscriptions larger than the whole budget is refused (400 / 800002).
    pub fn subscriptions(mut self, bytes: usize) -> Self {
        self.subscriptions = bytes;
        self
    }

    /// The bytes of successful answers kept to answer a repeated `MS-RequestId`. A repeat of a
    /// request whose answer was forgotten is done again, so keep enough for the retries of the
    /// last few minutes.
    pub fn replays(mut self, bytes: usize) -> Self {
        self.replays = bytes;
        self
    }

    /// The bytes of customers' confirmed agreements kept (createAgreement), each counted as its
    /// JSON plus 448 bytes. The oldest are forgotten first: the customer then has to confirm
    /// again before it buys what needs one.
    pub fn agreements(mut self, bytes: usize) -> Self {
        self.agreements = bytes;
        self
    }

    /// The bytes of the request log ([`RunningEmulator::received`](super::RunningEmulator::received)).
    /// Each entry keeps at most 1 KiB of each header value and 4 KiB of the body.
    pub fn log(mut self, bytes: usize) -> Self {
        self.log = bytes;
        self
    }

    /// The largest request body accepted; a larger one gets 413 in the service's error shape.
    pub fn body(mut self, bytes: usize) -> Self {
        self.body = bytes;
        self
    }

    /// The bytes of request bodies worked on at once, taken as their bytes arrive; requests
    /// beyond it wait their turn (within [`body_timeout`](Self::body_timeout)), so a burst of
    /// large carts cannot take the memory of many. A body larger than this (up to
    /// [`body`](Self::body)) takes all of it, and so is worked on alone.
    pub fn in_flight(mut self, bytes: usize) -> Self {
        self.in_flight = bytes.max(1);
        self
    }

    /// The most connections served at once, at least 1. Past it, a new connection waits in the
    /// system's queue of the listening socket until one ends, and is then served; so a server
    /// never runs out of file descriptors, and connections that hold it idle are let go by
    /// [`header_timeout`](Self::header_timeout). Keep it below the process's limit of open
    /// files (`ulimit -n`).
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = connections.max(1);
        self
    }

    /// How long a connection has to send a request's headers, at least 1 ms: the time from
    /// when it opens, or from the end of its last answer, to the end of the headers. A slow or
    /// idle client is let go then, so it cannot hold a connection the others need.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a request's body may take in all, at least 1 ms (30 s by default), waiting for
    /// the budget of bodies worked on at once included; each piece of it must come within
    /// [`header_timeout`](Self::header_timeout) of the last. A slower body gets 408, and holds
    /// only the bytes it sent until then.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a cart lives after its creation ([`CART_LIFETIME`] by default). An expired cart
    /// is gone: reading, updating or checking it out gets 404 with code 800008.
    pub fn cart_lifetime(mut self, lifetime: Duration) -> Self {
        self.cart_lifetime = lifetime;
        self
    }
}
