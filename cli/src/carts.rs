//! `pc-carts cart ...`: the four operations.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Cart, CartLineItem};
use partner_center_carts::{Customer, PartnerCenter, PartnerCenterBuilder};
use secrecy::{ExposeSecret, SecretString};

use crate::args::{CartArgs, CartCommand, Connection, CreateArgs, UpdateArgs};
use crate::failure::Failure;
use crate::output::{
    cart_id, cart_table, checkout_table, listed_order_ids, order_ids, orders_table, plan_table,
    show,
};

pub async fn run(command: CartCommand) -> Result<(), Failure> {
    match command {
        CartCommand::Create(args) if args.dry_run => plan(args).await,
        CartCommand::Create(args) => create(args).await,
        CartCommand::Plan(args) => plan(args).await,
        CartCommand::Get(args) => {
            let cart = cart_ref(&args)?.get().await?;
            show(&cart, &args.connection.shown(), cart_table, cart_id)?;
            Ok(())
        }
        CartCommand::Update(args) => update(args).await,
        CartCommand::Orders(args) => {
            let found = cart_ref(&args)?.find_orders().await?;
            let listed = partner_center_carts::types::OrderCollection {
                total_count: Some(found.len() as i32),
                items: Some(found),
                ..Default::default()
            };
            show(
                &listed,
                &args.connection.shown(),
                orders_table,
                listed_order_ids,
            )?;
            Ok(())
        }
        CartCommand::Put(args) => {
            let cart = read_cart(&args.file)?;
            let put = cart_ref(&args.cart)?
                .with_request_id(args.cart.connection.request_id)
                .put(&cart)
                .await?;
            show(&put, &args.cart.connection.shown(), cart_table, cart_id)?;
            Ok(())
        }
        CartCommand::Checkout(args) => {
            let cart = cart_ref(&args.cart)?.with_request_id(args.cart.connection.request_id);
            let outcome = match &args.user {
                Some(upn) => cart.checkout_for_user(upn).await?,
                None => cart.checkout().await?,
            };
            show(
                outcome.result(),
                &args.cart.connection.shown(),
                checkout_table,
                order_ids,
            )?;
            if outcome.is_complete() {
                Ok(())
            } else {
                Err(Failure::Partial(format!(
                    "partial checkout: it placed {} of its orders; {} order groups failed (listed \
                     above)",
                    outcome.orders().len(),
                    outcome.order_errors().len()
                )))
            }
        }
    }
}

/// The cart the arguments describe: a file's, or one line per --item (made from the catalog
/// with --from-catalog).
async fn cart_of(args: &CreateArgs, customer: &Customer) -> Result<Cart, Failure> {
    if let Some(path) = &args.file {
        return read_cart(path);
    }
    let mut line_items = Vec::with_capacity(args.item.len());
    for (id, quantity) in &args.item {
        let quantity = quantity.unwrap_or(args.quantity);
        let line = match args.from_catalog {
            true => {
                let term = args.term_duration.as_deref();
                customer
                    .line(id, term, &args.billing_cycle, quantity)
                    .await?
            }
            false => CartLineItem {
                catalog_item_id: id.clone(),
                quantity,
                billing_cycle: args.billing_cycle.as_str().into(),
                term_duration: args.term_duration.clone(),
                ..Default::default()
            },
        };
        line_items.push(line);
    }
    Ok(Cart {
        line_items,
        ..Default::default()
    })
}

async fn create(args: CreateArgs) -> Result<(), Failure> {
    let customer = client(&args.connection)?.customer(&args.customer);
    let cart = cart_of(&args, &customer).await?;
    let created = customer
        .with_request_id(args.connection.request_id)
        .create(&cart)
        .await?;
    show(&created, &args.connection.shown(), cart_table, cart_id)?;
    Ok(())
}

/// What would fail of the cart, line by line; exit 2 when a line would.
async fn plan(args: CreateArgs) -> Result<(), Failure> {
    let customer = client(&args.connection)?.customer(&args.customer);
    let cart = cart_of(&args, &customer).await?;
    let plan = customer.plan(&cart.line_items).await?;
    show(&plan, &args.connection.shown(), plan_table, |_| Vec::new())?;
    if !plan.has_no_refusal() {
        return Err(Failure::Input(
            "the plan found lines that would fail (listed above); nothing was created".into(),
        ));
    }
    if !plan.is_clean() {
        // Not a failure: what the service would not check now, checkout will.
        crate::print::err!("note: some checks were left to checkout (notChecked, listed above)\n");
    }
    Ok(())
}

async fn update(args: UpdateArgs) -> Result<(), Failure> {
    // Decided again on each read, should the cart change in between; a line missing stops it
    // before anything is written.
    let change = |cart: &mut Cart| -> Result<(), Failure> {
        let lines = args.quantities.iter().map(|(line, _)| line);
        let missing: Vec<i32> = lines
            .chain(&args.remove)
            .filter(|line| !cart.line_items.iter().any(|l| l.id == Some(**line)))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(Failure::Other(format!(
                "the cart has no line item {missing:?}; nothing was changed"
            )));
        }
        for (line, quantity) in &args.quantities {
            for item in cart.line_items.iter_mut().filter(|l| l.id == Some(*line)) {
                item.quantity = *quantity;
            }
        }
        cart.line_items
            .retain(|l| !l.id.is_some_and(|id| args.remove.contains(&id)));
        Ok(())
    };
    let cart = cart_ref(&args.cart)?
        .with_request_id(args.cart.connection.request_id)
        .try_modify(change)
        .await?;
    show(&cart, &args.cart.connection.shown(), cart_table, cart_id)?;
    Ok(())
}

/// The most a cart file may hold: a cart of thousands of line items is well under it.
const MAX_CART_FILE: u64 = 4 * 1024 * 1024;

/// The most a token file may hold: an access token is a few kilobytes.
const MAX_TOKEN_FILE: u64 = 64 * 1024;

fn read_cart(path: &Path) -> Result<Cart, Failure> {
    let text = read_bounded(path, MAX_CART_FILE)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?;
    partner_center_carts::json::from_slice(text.as_bytes())
        .map_err(|e| Failure::Input(format!("{} is not a cart: {e}", path.display())))
}

/// A file's text, or standard input's for `-`: at most `limit` bytes, or an error that says so
/// (rather than memory taken by a file of any size, `/dev/zero` say).
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path)?
            .take(limit + 1)
            .read_to_string(&mut text)
    }?;
    if read as u64 > limit {
        return Err(std::io::Error::other(format!(
            "it holds more than {limit} bytes, the most this command reads"
        )));
    }
    Ok(text)
}

fn cart_ref(args: &CartArgs) -> Result<partner_center_carts::CartRef, Failure> {
    Ok(client(&args.connection)?
        .customer(&args.customer)
        .cart(&args.cart))
}

/// The client the options describe: a token, or client credentials from the environment; the
/// time and attempts an operation may take.
pub fn client(connection: &Connection) -> Result<PartnerCenter, Failure> {
    Ok(builder(connection)?.build()?)
}

/// The builder of [`client`], for a command that adds to it (`bulk`: its journal).
pub fn builder(connection: &Connection) -> Result<PartnerCenterBuilder, Failure> {
    partner_center_carts::validate::base_url(&connection.base_url).map_err(|reason| {
        Failure::Input(format!(
            "expected an https URL (or http to 127.0.0.1 or localhost): {reason}"
        ))
    })?;
    let token = match &connection.token_file {
        Some(path) => Some(read_token(path)?),
        None => connection.token.clone(),
    };
    // The library's own reading of the PARTNER_CENTER_* variables, the flags given first.
    let flags = |name: &str| match name {
        "PARTNER_CENTER_BASE_URL" => Some(connection.base_url.clone()),
        "PARTNER_CENTER_TOKEN" => token.as_ref().map(|t| t.expose_secret().to_string()),
        "PARTNER_CENTER_LOCALE" => Some(connection.locale.clone()),
        _ => std::env::var(name).ok(),
    };
    let mut builder = PartnerCenterBuilder::from_lookup(flags).map_err(Failure::credentials)?;
    if let Some(id) = connection.correlation_id {
        builder = builder.correlation_id(id);
    }
    let mut policy = RetryPolicy::default();
    if let Some(seconds) = connection.request_timeout {
        policy = policy.max_elapsed(Duration::from_secs(seconds));
    }
    if let Some(attempts) = connection.max_attempts {
        policy = policy.max_attempts(attempts);
    }
    Ok(builder.retry_policy(policy))
}

/// A token from a file, or from standard input for `-`, without its surrounding whitespace.
fn read_token(path: &Path) -> Result<SecretString, Failure> {
    // The error names the file, never its content.
    let text = read_bounded(path, MAX_TOKEN_FILE).map_err(|e| {
        Failure::Credentials(format!(
            "the token file {} cannot be read: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Failure::Credentials(format!(
            "the token file {} holds no token",
            path.display()
        )));
    }
    Ok(SecretString::from(token.to_string()))
}
