//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use partner_center_carts::{RequestId, validate};
use secrecy::SecretString;
use uuid::Uuid;

/// The variable a customer's tenant id is read from when `--customer` is not given.
pub const CUSTOMER_VARIABLE: &str = "PARTNER_CENTER_CUSTOMER_ID";

/// What the exit codes mean (`pc-carts --help`, docs/cli.md and the README show this table).
pub const EXIT_CODES: &str = "Exit codes:
  0    done
  1    the service refused or failed the operation, or could not be reached (its error is
       printed)
  2    bad arguments or input (a file, a cart, an id, a setting): nothing was sent
  3    a checkout placed some of its orders but not all, or an order wait ended with line
       items not fulfilled
  4    authentication: no credential, or one that cannot be read, had or used, or that the
       service refused
  130  bulk only: stopped by Ctrl-C or SIGTERM before every piece was started (run the batch
       again)
  141  standard output was closed before all of it was written (as `| head` does)";

/// Drive Microsoft Partner Center carts, or an emulator of them.
#[derive(Debug, Parser)]
#[command(name = "pc-carts", version, about, after_help = after_help())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show retries, waits and throttling on stderr (-vv: every attempt). RUST_LOG, when set,
    /// decides instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour in what goes to stderr (the -v logs): auto colours a terminal unless NO_COLOR is
    /// set to anything but empty.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// When to colour stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set (<https://no-color.org>).
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour a stream that `is_terminal` or not.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start an emulator and walk a cart through create, get, modify and checkout.
    Demo,
    /// Serve the emulator until stopped (Ctrl-C).
    Emulator(EmulatorArgs),
    /// Cart operations against Partner Center or an emulator.
    #[command(subcommand)]
    Cart(CartCommand),
    /// A customer's orders: list them; get one, read or wait for its provisioning, its
    /// activation links and subscriptions; cancel it.
    #[command(subcommand)]
    Order(OrderCommand),
    /// A subscription an order created: read it, change its quantity or renewal, cancel it
    /// within its window, transition it to another product, and its provisioning status.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// The credential in use: whose, app-only or App+User, its expiry, and whether it carries
    /// MFA, by its own claims and by the service's word.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The catalog a line item comes from: products, their SKUs and availabilities, and
    /// promotions; a customer's own with --customer.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Do a batch of purchases and order changes, each exactly once however often the batch
    /// is run: one JSON object a line in, one result a line out, every write kept in a journal.
    ///
    /// Each line of FILE (or of standard input) is a piece of work: a cart to create and check
    /// out, `{"key": "inv-1042", "customer": "<tenant id>", "lineItems": [...]}` (the lines of
    /// `cart create --file`), or a change to an order, `{"key": ..., "customer": ...,
    /// "order": "<order id>", "change": {<the order's fields to patch>}}`. The key names the
    /// piece for good (an invoice line's id, say): done again under the same key, it is made
    /// once.
    ///
    /// Each piece's result goes to standard output as one line of JSON as it finishes (its
    /// line, key, customer, outcome: done, alreadyDone, failed, unknown or invalid, the cart
    /// and orders it made, and its error); a summary goes to stderr at the end, with a
    /// progress bar while it runs when stderr is a terminal. Pieces of one customer are done
    /// one after another, in the order of the input.
    ///
    /// After a crash, a kill or a lost answer, run the same batch again with the same journal:
    /// a piece done before is given back (alreadyDone) and nothing is sent for it; a write
    /// whose answer was lost is sent again with its original request id, so the service
    /// answers it rather than make it twice; the rest is done.
    ///
    /// Ctrl-C (or SIGTERM) starts no more pieces and reads no more input, and lets those under
    /// way finish; a second one exits at once, and the journal keeps what was in flight for the
    /// next run. A piece that fails for authentication stops the batch the same way (exit 4):
    /// every other would fail too.
    Bulk(BulkArgs),
    /// What a fleet sharing one rate limit through Redis (the library's `SharedLimit`) has
    /// learnt of the service's limits, per scope (the tenant, each customer, each documented
    /// budget): the rate in force, requests a second; what the service admitted a second at
    /// the last 429; and how long ago that was. It reads Redis only.
    Limits(LimitsArgs),
    /// Print a shell's completion script, such as
    /// `pc-carts completions bash > ~/.local/share/bash-completion/completions/pc-carts`.
    Completions {
        /// The shell.
        shell: CompletionShell,
    },
}

/// A shell `pc-carts completions` writes a script for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Elvish,
    Fish,
    Nushell,
    Powershell,
    Zsh,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// The products of one view of the catalog (OnlineServices, Azure, Software, ...).
    Products(ProductsArgs),
    /// The SKUs of a product: quantities, billing cycles, prerequisites.
    Skus(SkusArgs),
    /// The availabilities of a SKU: the catalog item ids and the terms they are sold on.
    Availabilities(AvailabilitiesArgs),
    /// The active new-commerce promotions.
    Promotions(PromotionsArgs),
}

/// Which catalog: a country's, or what one customer can buy (in its country).
#[derive(Debug, Args)]
pub struct CatalogScope {
    #[command(flatten)]
    pub connection: Connection,
    /// The country, as a two-letter ISO code (required without --customer).
    #[arg(long, required_unless_present = "customer")]
    pub country: Option<String>,
    /// What this customer (a GUID) can buy, in its country, rather than a country's catalog.
    #[arg(long, value_parser = guid, conflicts_with = "country")]
    pub customer: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProductsArgs {
    #[command(flatten)]
    pub scope: CatalogScope,
    /// The view: OnlineServices, Azure, Software, AzureReservations, ...
    #[arg(long, default_value = "OnlineServices")]
    pub view: String,
}

#[derive(Debug, Args)]
pub struct SkusArgs {
    #[command(flatten)]
    pub scope: CatalogScope,
    /// The product's id, such as CFQ7TTC0LH0Z.
    #[arg(long)]
    pub product: String,
}

#[derive(Debug, Args)]
pub struct AvailabilitiesArgs {
    #[command(flatten)]
    pub scope: CatalogScope,
    /// The product's id, such as CFQ7TTC0LH0Z.
    #[arg(long)]
    pub product: String,
    /// The SKU's id within the product, such as 0001.
    #[arg(long)]
    pub sku: String,
}

#[derive(Debug, Args)]
pub struct PromotionsArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The country, as a two-letter ISO code.
    #[arg(long)]
    pub country: String,
    /// The segment: commercial, education, ...
    #[arg(long, default_value = "commercial")]
    pub segment: String,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Show the credential in use and what the service says of its token (exit 4 when no
    /// token can be had or the service refuses it).
    Status(AuthArgs),
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// List the customer's orders (a new order can take up to 15 minutes to be listed).
    List(ListArgs),
    /// Get an order.
    Get(OrderArgs),
    /// Cancel an order (the service allows it for reservations and perpetual software).
    Cancel(OrderArgs),
    /// Buy an add-on to one of the customer's subscriptions, on an order.
    Addon(AddonArgs),
    /// The activation links of an order's line items.
    Links(LinksArgs),
    /// The subscriptions an order created.
    Subscriptions(OrderArgs),
    /// Get an order's provisioning status (needs an app+user token on the real service).
    Status(OrderArgs),
    /// Wait until the order's provisioning has ended: exit 0 when every line item was
    /// fulfilled, 3 when some were not, 1 when it had not ended in time.
    Wait(WaitArgs),
}

#[derive(Debug, Args)]
pub struct OrderArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The customer's tenant id (a GUID).
    #[arg(long, env = CUSTOMER_VARIABLE, value_parser = guid)]
    pub customer: String,
    /// The order's id, from the checkout's answer.
    #[arg(long, value_parser = order_id)]
    pub order: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The customer's tenant id (a GUID).
    #[arg(long, env = CUSTOMER_VARIABLE, value_parser = guid)]
    pub customer: String,
    /// Only the orders of this billing type: license or usage.
    #[arg(long)]
    pub billing_type: Option<String>,
    /// With the line items' prices.
    #[arg(long)]
    pub include_price: bool,
    /// List until this order is listed (a new order can take up to 15 minutes to be), then
    /// show the list; exit 1 if it is not listed within --timeout.
    #[arg(long, value_name = "ORDER", value_parser = order_id)]
    pub wait_for: Option<String>,
    /// How long --wait-for waits, in seconds.
    #[arg(long, default_value_t = 900, requires = "wait_for")]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct AddonArgs {
    #[command(flatten)]
    pub order: OrderArgs,
    /// The add-on's catalog item, such as CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN.
    #[arg(long, value_name = "CATALOG_ITEM")]
    pub item: String,
    /// The subscription the add-on is for (a GUID).
    #[arg(long, value_name = "SUBSCRIPTION", value_parser = guid)]
    pub parent_subscription: String,
    /// How many (1 or more).
    #[arg(long, default_value_t = 1, value_parser = quantity)]
    pub quantity: i32,
}

#[derive(Debug, Args)]
pub struct LinksArgs {
    #[command(flatten)]
    pub order: OrderArgs,
    /// Only this line item's link, by its line item number.
    #[arg(long, value_name = "NUMBER")]
    pub line_item: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Get a subscription, with how many seats can still be given back and until when.
    Get(SubscriptionArgs),
    /// Change the quantity (fewer seats are given back, within the window), the renewal, the
    /// billing cycle or the term.
    Set(SetArgs),
    /// Cancel a subscription for a refund, within its window (7 days for new commerce).
    Cancel(SubscriptionArgs),
    /// What the subscription can transition to, now or at the end of its term.
    Transitions(TransitionsArgs),
    /// Transition the subscription to another product now (it deletes the changes scheduled
    /// for its next term).
    Transition(TransitionArgs),
    /// Get a subscription's provisioning status.
    Status(SubscriptionArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub subscription: SubscriptionArgs,
    /// The new quantity (1 or more).
    #[arg(
        long,
        value_parser = quantity,
        required_unless_present_any = ["auto_renew", "billing_cycle", "term_duration"]
    )]
    pub quantity: Option<i32>,
    /// Whether it renews at the end of its term.
    #[arg(long, value_name = "on|off", value_parser = on_off)]
    pub auto_renew: Option<bool>,
    /// The billing cycle (`monthly`, `annual`, ...), where the service allows a change.
    #[arg(long)]
    pub billing_cycle: Option<String>,
    /// The term, as an ISO 8601 duration (`P1M`, `P1Y`, ...), where the service allows a
    /// change.
    #[arg(long)]
    pub term_duration: Option<String>,
}

#[derive(Debug, Args)]
pub struct TransitionsArgs {
    #[command(flatten)]
    pub subscription: SubscriptionArgs,
    /// Those allowed at the end of the term, instead of now.
    #[arg(long)]
    pub scheduled: bool,
}

#[derive(Debug, Args)]
pub struct TransitionArgs {
    #[command(flatten)]
    pub subscription: SubscriptionArgs,
    /// The catalog item to transition to, as `subscription transitions` lists it.
    #[arg(long, value_name = "CATALOG_ITEM")]
    pub to: String,
    /// How many seats move [default: all, as the service takes it].
    #[arg(long, value_parser = quantity)]
    pub quantity: Option<i32>,
    /// The term, as an ISO 8601 duration [default: as the service takes it].
    #[arg(long)]
    pub term_duration: Option<String>,
    /// The billing cycle [default: as the service takes it].
    #[arg(long)]
    pub billing_cycle: Option<String>,
}

#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The customer's tenant id (a GUID).
    #[arg(long, env = CUSTOMER_VARIABLE, value_parser = guid)]
    pub customer: String,
    /// The subscription's id (a GUID), as an order line item's subscriptionId gives it.
    #[arg(long, value_parser = guid)]
    pub subscription: String,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub order: OrderArgs,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Each request is logged at `info`: set RUST_LOG=info to see them on stderr.\n\
    GET /healthz answers 200 while the emulator (and its data directory) can serve."
)]
pub struct EmulatorArgs {
    /// The address to listen on (port 0 for any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Keep carts, orders and replayable answers in a SQLite database in this directory, so a
    /// restart loses nothing answered with a success [default: none, in memory only].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Serve this catalog (JSON, the format of the built-in one: emulator/catalog.json) and
    /// hold checkouts to it [default: the built-in catalog, for US].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Accept only this bearer token [default: any].
    #[arg(long, env = "PC_CARTS_EMULATOR_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<SecretString>,
    /// Send checkout answers without the byte-order mark the service puts before them.
    #[arg(long)]
    pub no_bom: bool,
    /// Apply the service's MFA rule for App+User calls: a user's token issued without MFA
    /// (its `amr` claim) gets 401 / 900421, an app-only token 403 on an App+User-only
    /// operation; a token whose claims do not say (an opaque one) is let through.
    #[arg(long)]
    pub require_mfa: bool,
    /// Give carts an etag and refuse a stale `If-Match` with 412 (no source says the service
    /// does either).
    #[arg(long)]
    pub etags: bool,
    /// How long after its checkout an order is provisioned, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub provisioning_delay_ms: u64,
    /// How long after its checkout an order appears in the list of orders, in milliseconds
    /// (the service can take up to 15 minutes).
    #[arg(long, default_value_t = 1000)]
    pub order_listing_delay_ms: u64,
    /// How long a cart lives after its creation, in seconds (7 days).
    #[arg(long, default_value_t = 604_800, help_heading = "Limits")]
    pub cart_lifetime_secs: u64,
    /// MiB of carts kept; the oldest are forgotten first.
    #[arg(long, default_value_t = 32, help_heading = "Limits")]
    pub carts_mib: usize,
    /// MiB of orders kept; the oldest are forgotten first.
    #[arg(long, default_value_t = 8, help_heading = "Limits")]
    pub orders_mib: usize,
    /// MiB of subscriptions that changed (with their windows and transitions), kept with their
    /// orders: over it, the oldest order is forgotten with its subscriptions.
    #[arg(long, default_value_t = 8, help_heading = "Limits")]
    pub subscriptions_mib: usize,
    /// MiB of successful answers kept to answer a repeated MS-RequestId.
    #[arg(long, default_value_t = 16, help_heading = "Limits")]
    pub replays_mib: usize,
    /// KiB of request log (each entry keeps 1 KiB of a header value, 4 KiB of the body).
    #[arg(long, default_value_t = 1024, help_heading = "Limits")]
    pub log_kib: usize,
    /// The largest request body accepted, in MiB (larger: 413).
    #[arg(long, default_value_t = 8, help_heading = "Limits")]
    pub max_body_mib: usize,
    /// MiB of request bodies worked on at once; more wait their turn.
    #[arg(long, default_value_t = 2, help_heading = "Limits")]
    pub in_flight_mib: usize,
    /// Connections served at once; past it, new ones wait in the listening socket's queue until
    /// one ends. Keep it below the open-file limit (ulimit -n).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Limits")]
    pub max_connections: u32,
    /// Seconds a connection has for a request's headers, from its opening or its last answer;
    /// a slower or idle one is closed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Limits")]
    pub header_timeout_secs: u64,
    /// Seconds a request's body may take in all; each piece must come within the header
    /// timeout of the last. A slower one gets 408.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Limits")]
    pub body_timeout_secs: u64,
    /// The share of requests throttled with 429 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub throttle: f64,
    /// The Retry-After of a throttled answer, in seconds.
    #[arg(long, default_value_t = 1, help_heading = "Faults")]
    pub retry_after: u64,
    /// The share of requests answered 503 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub unavailable: f64,
    /// The share of writes done and then answered 504 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub lost_answers: f64,
    /// The share of updates and checkouts refused with 409 / 800064 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub busy: f64,
    /// The share of checkouts refused with 409 / 800060 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub order_in_progress: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub latency_ms: u64,
    /// Requests a second each partner tenant (bearer token) may make; beyond it 429 with
    /// Retry-After, as the service throttles [default: no limit].
    #[arg(long, value_name = "PER_SECOND", value_parser = rate, help_heading = "Faults")]
    pub tenant_rate: Option<f64>,
    /// Changes the tenant's rate while serving, as the service adjusts it: `SECS=RATE` pairs,
    /// seconds after the start, such as `60=10,120=20` (0 lifts the limit).
    #[arg(long, value_name = "SECS=RATE,...", value_parser = schedule, help_heading = "Faults")]
    pub tenant_rate_schedule: Option<Schedule>,
    /// Requests a second each partner tenant may make for one customer [default: no limit].
    #[arg(long, value_name = "PER_SECOND", value_parser = rate, help_heading = "Faults")]
    pub customer_rate: Option<f64>,
    /// Seed of the fault draws, for repeatable runs [default: random].
    #[arg(long, help_heading = "Faults")]
    pub seed: Option<u64>,
}

/// What `pc-carts bulk` exits with (the table of `pc-carts --help`, in a batch's terms).
const BULK_EXIT_CODES: &str = "Exit codes of bulk:
  0    every piece is done, by this run or an earlier one, and every checkout placed all of its
       orders
  1    some piece failed or its outcome is unknown (run the batch again), the input could
       not be read to its end, or the Redis journal could not be reached
  2    bad arguments, or a SQLite journal that cannot be opened: nothing was sent; or some
       line is not a piece of work (the others were done)
  3    every piece is done, but a checkout did not place every order group (its line says
       complete: false)
  4    authentication: no credential, or one that cannot be read, had or used; or a piece
       failed for authentication (the service refused the token), which stops the batch: the
       rest are not started
  130  stopped by Ctrl-C or SIGTERM before every piece was started (run the batch again)
  141  standard output was closed before all of it was written";

/// `pc-carts bulk`.
#[derive(Debug, Args)]
#[command(after_help = BULK_EXIT_CODES)]
pub struct BulkArgs {
    /// The pieces of work, one JSON object a line (`-` or none: standard input).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The journal every write is kept in: a SQLite file (made if missing; one machine's
    /// processes may share it), or a Redis server, redis://HOST:PORT[/DB], which the workers
    /// of a fleet share (with --journal-name). Run a batch again with the journal it ran with.
    #[arg(long, value_name = "PATH|redis://HOST:PORT[/DB]", value_parser = journal_at)]
    pub journal: JournalAt,
    /// The name the fleet's workers share their Redis journal under (required with Redis;
    /// request ids are made from it, so keep it for good).
    #[arg(long, value_name = "NAME")]
    pub journal_name: Option<String>,
    /// How many pieces are done at once (a customer's pieces one after another). To reach the
    /// service's limit, give at least the limit times a request's time (20 requests a second,
    /// each answered in half a second: 10); past the limit, the client slows to the pace the
    /// service's throttling sets.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    #[command(flatten)]
    pub service: Service,
}

#[derive(Debug, Args)]
pub struct LimitsArgs {
    /// The fleet's Redis, `redis://[:PASSWORD@]HOST:PORT[/DB]` (a secret: never printed).
    #[arg(long, env = "PARTNER_CENTER_REDIS_URL", hide_env_values = true, value_parser = secret)]
    pub redis: SecretString,
    /// The name the fleet's limit is shared under (`SharedLimit::redis`'s scope: the partner
    /// tenant's id, say).
    #[arg(long)]
    pub scope: String,
    /// How to show what was learnt.
    #[arg(short, long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// Where `pc-carts bulk` keeps its journal.
#[derive(Clone, Debug)]
pub enum JournalAt {
    Sqlite(PathBuf),
    /// A Redis URL: it may hold a password, so it is a secret (never printed, `Debug` too).
    Redis(SecretString),
}

/// A Redis URL by its scheme, else a SQLite file. Never refused here: clap would echo the
/// value, and a Redis URL may hold a password.
fn journal_at(value: &str) -> Result<JournalAt, String> {
    let scheme = value.split_once("://").map(|(scheme, _)| scheme);
    Ok(match scheme {
        Some("redis" | "rediss" | "redis+unix" | "unix") => JournalAt::Redis(value.into()),
        _ => JournalAt::Sqlite(PathBuf::from(value)),
    })
}

/// Where to connect and how to authenticate, for a command whose output is its own (`bulk`):
/// [`Connection`] without the choice of output, nor a request id (each write has its own).
#[derive(Debug, Args)]
pub struct Service {
    /// The service's base URL.
    #[arg(long, env = "PARTNER_CENTER_BASE_URL", default_value = partner_center_carts::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// An access token. Without one, the client-credentials variables are used:
    /// PARTNER_CENTER_TENANT_ID, PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_CLIENT_SECRET and
    /// optionally PARTNER_CENTER_AUTHORITY.
    #[arg(long, env = "PARTNER_CENTER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<SecretString>,
    /// Read the access token from this file (`-` for standard input, when the pieces come
    /// from FILE), which keeps it out of the process list; its surrounding whitespace is
    /// dropped.
    #[arg(long, value_name = "PATH", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// The X-Locale to send.
    #[arg(long, env = "PARTNER_CENTER_LOCALE", default_value = "en-US")]
    pub locale: String,
    /// The MS-CorrelationId of every operation of the batch (a GUID).
    #[arg(long, value_parser = uuid)]
    pub correlation_id: Option<Uuid>,
    /// The most time one operation may take, retries and waits included, in seconds
    /// [default: 300].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: Option<u64>,
    /// The most attempts of one operation that fails for a passing reason (1: no retry)
    /// [default: 6].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,
}

impl Service {
    /// The same options as the other commands take them, to make the client the same way.
    pub fn connection(&self) -> Connection {
        Connection {
            base_url: self.base_url.clone(),
            token: self.token.clone(),
            locale: self.locale.clone(),
            request_id: None,
            correlation_id: self.correlation_id,
            output: Output::Json,
            query: None,
            quiet: false,
            token_file: self.token_file.clone(),
            request_timeout: self.request_timeout,
            max_attempts: self.max_attempts,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CartCommand {
    /// Create a cart from a JSON file, or with one line item.
    Create(CreateArgs),
    /// Get a cart.
    Get(CartArgs),
    /// Set line item quantities or remove lines (get, change, put; re-read on a conflict).
    Update(UpdateArgs),
    /// Replace a cart with one from a JSON file.
    Put(PutArgs),
    /// Check a cart out.
    Checkout(CheckoutArgs),
    /// The orders a checked-out cart placed, found by its lines (for when the checkout's
    /// answer was lost; its own request id, sent again, gives the exact answer).
    Orders(CartArgs),
    /// What would fail, line by line, before a cart is created (the catalog, terms, cycles,
    /// quantities, inventory, promotions, the customer agreement); creates nothing. Exit 2
    /// when a line would fail, else 0 (a check the service would not make now is listed as
    /// notChecked and left to checkout).
    Plan(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The customer's tenant id (a GUID).
    #[arg(long, env = CUSTOMER_VARIABLE, value_parser = guid)]
    pub customer: String,
    /// A cart as JSON (`-` for standard input).
    #[arg(long, conflicts_with = "item", required_unless_present = "item")]
    pub file: Option<PathBuf>,
    /// A line item: its catalog item, such as CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P, with `=N` for a
    /// quantity other than --quantity. Repeat it for several lines.
    #[arg(long, value_name = "CATALOG_ITEM[=N]", value_parser = item)]
    pub item: Vec<(String, Option<i32>)>,
    /// The quantity of the lines that give none (1 or more).
    #[arg(long, default_value_t = 1, requires = "item", value_parser = quantity)]
    pub quantity: i32,
    /// The lines' billing cycle.
    #[arg(long, default_value = "monthly", requires = "item")]
    pub billing_cycle: String,
    /// The lines' term, as an ISO 8601 duration.
    #[arg(long, requires = "item")]
    pub term_duration: Option<String>,
    /// Make each --item line from the catalog: its term and cycle checked against what its
    /// availability offers, its provisioning context and, for a trial, what it renews to
    /// filled in.
    #[arg(long, requires = "item")]
    pub from_catalog: bool,
    /// Plan the cart, as `cart plan` does, and create nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CartArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The customer's tenant id (a GUID).
    #[arg(long, env = CUSTOMER_VARIABLE, value_parser = guid)]
    pub customer: String,
    /// The cart's id (a GUID).
    #[arg(long, value_parser = guid)]
    pub cart: String,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    #[command(flatten)]
    pub cart: CartArgs,
    /// A user of the customer's tenant (user principal name) for the licences the orders
    /// assign (sent as `x-ms-customeruser-upn`).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub cart: CartArgs,
    /// A line item's new quantity, as LINE=N where LINE is the line item's id.
    #[arg(long = "quantity", value_name = "LINE=N", required_unless_present = "remove", value_parser = line_quantity)]
    pub quantities: Vec<(i32, i32)>,
    /// A line item to take out of the cart, by its id.
    #[arg(long, value_name = "LINE")]
    pub remove: Vec<i32>,
}

#[derive(Debug, Args)]
pub struct PutArgs {
    #[command(flatten)]
    pub cart: CartArgs,
    /// The whole cart as JSON (`-` for standard input); it replaces the cart as it is.
    #[arg(long)]
    pub file: PathBuf,
}

/// Where to connect and how to authenticate, and how to show the answer.
#[derive(Debug, Args)]
pub struct Connection {
    /// The service's base URL.
    // Checked when the client is made, not here: clap would echo a refused value whole in its
    // error, password and all.
    #[arg(long, env = "PARTNER_CENTER_BASE_URL", default_value = partner_center_carts::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// An access token. Without one, the client-credentials variables are used:
    /// PARTNER_CENTER_TENANT_ID, PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_CLIENT_SECRET and
    /// optionally PARTNER_CENTER_AUTHORITY.
    #[arg(long, env = "PARTNER_CENTER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<SecretString>,
    /// The X-Locale to send.
    #[arg(long, env = "PARTNER_CENTER_LOCALE", default_value = "en-US")]
    pub locale: String,
    /// The MS-RequestId of a write (a GUID): keep it before sending, and the same command
    /// with the same id, replayed after a crash, makes its change once. Refused by commands
    /// that only read.
    #[arg(long, value_parser = request_id)]
    pub request_id: Option<RequestId>,
    /// The MS-CorrelationId of the operation (a GUID).
    #[arg(long, value_parser = uuid)]
    pub correlation_id: Option<Uuid>,
    /// How to show the answer.
    #[arg(short, long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
    /// A JMESPath expression (as `az --query` takes) selecting what to show of the answer's
    /// JSON, such as `items[?status=='completed'].id`; with --output json or yaml.
    #[arg(long, value_name = "JMESPATH", value_parser = crate::query::parse)]
    pub query: Option<String>,
    /// Show nothing on success (the same as --output none); errors still go to stderr.
    #[arg(short, long, conflicts_with = "output")]
    pub quiet: bool,
    /// Read the access token from this file (`-` for standard input), which keeps it out of
    /// the process list; its surrounding whitespace is dropped.
    #[arg(long, value_name = "PATH", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// The most time one operation may take, retries and waits included, in seconds
    /// [default: 300].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: Option<u64>,
    /// The most attempts of one operation that fails for a passing reason (1: no retry)
    /// [default: 6].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,
}

/// How an answer is shown: the format, and what of its JSON to show.
#[derive(Debug)]
pub struct Shown {
    pub output: Output,
    pub query: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Pretty-printed JSON, as the service sent it.
    Json,
    /// YAML, the same data as the JSON.
    Yaml,
    /// A table.
    Table,
    /// The ids alone, one a line: the cart's, the orders', the subscriptions', ...
    Id,
    /// Nothing.
    None,
}

/// A token, kept out of `Debug`.
fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

fn line_quantity(value: &str) -> Result<(i32, i32), String> {
    let (line, quantity) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?} is not LINE=N"))?;
    let line = line
        .trim()
        .parse()
        .map_err(|_| format!("line {line:?} is not a number"))?;
    Ok((line, self::quantity(quantity.trim())?))
}

/// `CATALOG_ITEM` or `CATALOG_ITEM=N`.
fn item(value: &str) -> Result<(String, Option<i32>), String> {
    let (id, quantity) = match value.rsplit_once('=') {
        Some((id, n)) => (id, Some(self::quantity(n.trim())?)),
        None => (value, None),
    };
    let id = id.trim();
    if id.is_empty() {
        return Err(format!(
            "expected a catalog item id, such as CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P; got {value:?}"
        ));
    }
    Ok((id.to_string(), quantity))
}

/// The library's own checks, made at parse time so a bad argument exits 2; each message says
/// what is expected.
fn guid(value: &str) -> Result<String, String> {
    validate::guid("argument", value).map_err(|_| {
        format!("expected a GUID, such as d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d; got {value:?}")
    })
}

fn request_id(value: &str) -> Result<RequestId, String> {
    uuid(value).map(RequestId::from)
}

fn uuid(value: &str) -> Result<Uuid, String> {
    guid(value)?
        .parse()
        .map_err(|_| format!("{value:?} is not a GUID"))
}

fn order_id(value: &str) -> Result<String, String> {
    validate::order_id(value).map_err(|_| {
        format!(
            "expected an order id (letters, digits and hyphens), such as f76c6b7f449d; got {value:?}"
        )
    })
}

fn on_off(value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("on or off".to_string()),
    }
}

fn quantity(value: &str) -> Result<i32, String> {
    match value.parse::<i32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a quantity of 1 or more; got {value:?}")),
    }
}

fn rate(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!(
            "expected requests a second, above 0; got {value:?}"
        )),
    }
}

/// Rates from given times on: (seconds after the start, requests a second; 0 for none), in
/// the order of their times.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule(pub Vec<(u64, f64)>);

fn schedule(value: &str) -> Result<Schedule, String> {
    let mut steps = value
        .split(',')
        .map(|step| {
            let parsed = step.split_once('=').and_then(|(secs, rate)| {
                let rate = rate.trim().parse::<f64>().ok()?;
                (rate >= 0.0 && rate.is_finite())
                    .then_some((secs.trim().parse::<u64>().ok()?, rate))
            });
            parsed.ok_or_else(|| {
                format!("expected SECS=RATE pairs such as 60=10,120=20; got {step:?}")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    steps.sort_by_key(|(secs, _)| *secs);
    Ok(Schedule(steps))
}

/// https, or http to this machine (an emulator): a token is never sent in the clear elsewhere.
/// The variables the commands read, as the library documents them, and the exit codes.
fn after_help() -> String {
    let mut help = String::from("Environment (flags win):\n");
    for (name, meaning) in partner_center_carts::env::VARIABLES.iter().chain([&(
        CUSTOMER_VARIABLE,
        "the customer's tenant id, for --customer",
    )]) {
        help.push_str(&format!("  {name:<30} {meaning}\n"));
    }
    help.push('\n');
    help.push_str(EXIT_CODES);
    help
}

impl Connection {
    /// How to show the answer, --quiet included.
    pub fn shown(&self) -> Shown {
        Shown {
            output: if self.quiet {
                Output::None
            } else {
                self.output
            },
            query: self.query.clone(),
        }
    }

    /// Why these options cannot go together, when they cannot: checked before anything is sent.
    pub fn conflict(&self) -> Option<String> {
        let output = self.shown().output;
        match (&self.query, output) {
            (Some(_), Output::Table | Output::Id | Output::None) => Some(format!(
                "--query selects from the JSON answer: use it with --output json or yaml, not {}",
                output
                    .to_possible_value()
                    .map_or_else(|| "this".to_string(), |v| v.get_name().to_string())
            )),
            _ => None,
        }
    }
}

impl Command {
    /// The connection options of a command that talks to a service.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Self::Cart(command) => Some(match command {
                CartCommand::Create(args) | CartCommand::Plan(args) => &args.connection,
                CartCommand::Get(args) | CartCommand::Orders(args) => &args.connection,
                CartCommand::Update(args) => &args.cart.connection,
                CartCommand::Put(args) => &args.cart.connection,
                CartCommand::Checkout(args) => &args.cart.connection,
            }),
            Self::Order(command) => Some(match command {
                OrderCommand::List(args) => &args.connection,
                OrderCommand::Get(args)
                | OrderCommand::Status(args)
                | OrderCommand::Cancel(args)
                | OrderCommand::Subscriptions(args) => &args.connection,
                OrderCommand::Links(args) => &args.order.connection,
                OrderCommand::Wait(args) => &args.order.connection,
                OrderCommand::Addon(args) => &args.order.connection,
            }),
            Self::Subscription(command) => Some(&command.subscription().connection),
            Self::Auth(AuthCommand::Status(args)) => Some(&args.connection),
            Self::Catalog(command) => Some(command.connection()),
            // Its options are its own (`Service`): no output to choose, no request id.
            Self::Demo
            | Self::Emulator(_)
            | Self::Completions { .. }
            | Self::Bulk(_)
            | Self::Limits(_) => None,
        }
    }
}

impl Command {
    /// Whether the command sends a write: only those take `--request-id` (a read has no
    /// outcome to settle, so an id given to one is a mistake to point out, not to ignore).
    pub fn writes(&self) -> bool {
        match self {
            Self::Cart(command) => match command {
                CartCommand::Create(args) => !args.dry_run,
                CartCommand::Get(_) | CartCommand::Orders(_) | CartCommand::Plan(_) => false,
                _ => true,
            },
            Self::Order(command) => {
                matches!(command, OrderCommand::Cancel(_) | OrderCommand::Addon(_))
            }
            Self::Subscription(command) => matches!(
                command,
                SubscriptionCommand::Set(_)
                    | SubscriptionCommand::Cancel(_)
                    | SubscriptionCommand::Transition(_)
            ),
            Self::Bulk(_) => true,
            Self::Auth(_)
            | Self::Limits(_)
            | Self::Catalog(_)
            | Self::Demo
            | Self::Emulator(_)
            | Self::Completions { .. } => false,
        }
    }
}

impl CatalogCommand {
    /// Where the command connects.
    pub fn connection(&self) -> &Connection {
        match self {
            Self::Products(args) => &args.scope.connection,
            Self::Skus(args) => &args.scope.connection,
            Self::Availabilities(args) => &args.scope.connection,
            Self::Promotions(args) => &args.connection,
        }
    }
}

impl CartCommand {
    /// What the command is about, for its error messages.
    pub fn about(&self) -> String {
        let cart = |args: &CartArgs| format!("cart {} of customer {}", args.cart, args.customer);
        match self {
            Self::Create(args) | Self::Plan(args) => {
                format!("a new cart of customer {}", args.customer)
            }
            Self::Get(args) => cart(args),
            Self::Checkout(args) => cart(&args.cart),
            Self::Update(args) => cart(&args.cart),
            Self::Put(args) => cart(&args.cart),
            Self::Orders(args) => cart(args),
        }
    }
}

impl OrderCommand {
    /// What the command is about, for its error messages.
    pub fn about(&self) -> String {
        let args = match self {
            Self::List(args) => return format!("the orders of customer {}", args.customer),
            Self::Get(args)
            | Self::Status(args)
            | Self::Cancel(args)
            | Self::Subscriptions(args) => args,
            Self::Links(args) => &args.order,
            Self::Wait(args) => &args.order,
            Self::Addon(args) => &args.order,
        };
        format!("order {} of customer {}", args.order, args.customer)
    }
}

impl SubscriptionCommand {
    /// The subscription the command is for.
    pub fn subscription(&self) -> &SubscriptionArgs {
        match self {
            Self::Get(args) | Self::Cancel(args) | Self::Status(args) => args,
            Self::Set(args) => &args.subscription,
            Self::Transitions(args) => &args.subscription,
            Self::Transition(args) => &args.subscription,
        }
    }

    /// What the command is about, for its error messages.
    pub fn about(&self) -> String {
        let args = self.subscription();
        format!(
            "subscription {} of customer {}",
            args.subscription, args.customer
        )
    }
}
