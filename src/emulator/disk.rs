//! State on disk, when the emulator is given a directory: SQLite (bundled), in WAL mode.
//!
//! Every write is committed before it is answered, so a success the caller saw survives the
//! process being killed. `synchronous=NORMAL` makes a commit reach the operating system, not the
//! platter: a killed process loses nothing, a power cut may lose the last commits (never the
//! file's integrity), and no write waits on an fsync.

use std::path::Path;
use std::sync::Mutex;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::reply::Reply;
use super::rules::CartState;
use super::store::{
    CartKey, Change, Dropped, Kept, OrderKey, Placed, ReplayKey, Saved, StoredCart,
};

/// The database's file name in the directory.
pub(crate) const FILE: &str = "emulator.sqlite3";

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS carts (
    customer TEXT NOT NULL, cart TEXT NOT NULL, version INTEGER NOT NULL,
    created TEXT NOT NULL, expires TEXT NOT NULL, ordered INTEGER NOT NULL, json BLOB NOT NULL,
    PRIMARY KEY (customer, cart));
CREATE TABLE IF NOT EXISTS orders (
    customer TEXT NOT NULL, id TEXT NOT NULL, placed TEXT NOT NULL, json BLOB NOT NULL,
    PRIMARY KEY (customer, id));
CREATE TABLE IF NOT EXISTS replays (
    customer TEXT NOT NULL, request TEXT NOT NULL, fingerprint INTEGER NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (customer, request));
";

pub(crate) struct Disk {
    connection: Mutex<Connection>,
}

type Result<T> = std::result::Result<T, rusqlite::Error>;

impl Disk {
    /// Opens (or creates) the database in `dir`, creating `dir` too.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE);
        let connection = Connection::open(&path)
            .and_then(|c| c.execute_batch(SCHEMA).map(|()| c))
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    /// Everything saved, oldest first.
    pub fn load(&self) -> std::io::Result<Saved> {
        let connection = self.lock();
        load(&connection).map_err(std::io::Error::other)
    }

    /// Saves a change, in one transaction.
    pub fn save(&self, change: &Change) -> Result<()> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        if let Some((key, cart)) = &change.cart {
            let state = &cart.state;
            tx.execute(
                "INSERT INTO carts (customer, cart, version, created, expires, ordered, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (customer, cart) DO UPDATE SET version = ?3, created = ?4,
                 expires = ?5, ordered = ?6, json = ?7",
                params![
                    key.customer,
                    key.cart,
                    state.version as i64,
                    date(state.created),
                    date(state.expires),
                    state.ordered,
                    &cart.json[..]
                ],
            )?;
        }
        for (key, placed) in &change.orders {
            tx.execute(
                "INSERT OR REPLACE INTO orders (customer, id, placed, json) VALUES (?1, ?2, ?3, ?4)",
                params![key.customer, key.order, date(placed.at), &placed.json[..]],
            )?;
        }
        if let Some((key, kept)) = &change.replay {
            tx.execute(
                "INSERT OR REPLACE INTO replays (customer, request, fingerprint, status, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key.customer,
                    key.request,
                    kept.fingerprint as i64,
                    kept.reply.status.as_u16(),
                    &kept.reply.body[..]
                ],
            )?;
        }
        tx.commit()
    }

    /// Deletes what memory dropped.
    pub fn forget(&self, dropped: &Dropped) -> Result<()> {
        if dropped.is_empty() {
            return Ok(());
        }
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        for key in dropped.expired.iter().chain(&dropped.carts) {
            tx.execute(
                "DELETE FROM carts WHERE customer = ?1 AND cart = ?2",
                params![key.customer, key.cart],
            )?;
        }
        for key in &dropped.orders {
            tx.execute(
                "DELETE FROM orders WHERE customer = ?1 AND id = ?2",
                params![key.customer, key.order],
            )?;
        }
        for key in &dropped.replays {
            tx.execute(
                "DELETE FROM replays WHERE customer = ?1 AND request = ?2",
                params![key.customer, key.request],
            )?;
        }
        tx.commit()
    }

    /// Whether the database answers, for `/healthz`.
    pub fn healthy(&self) -> bool {
        self.lock()
            .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
            .optional()
            .is_ok_and(|one| one == Some(1))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn load(connection: &Connection) -> Result<Saved> {
    let mut saved = Saved::default();
    let mut carts = connection.prepare(
        "SELECT customer, cart, version, created, expires, ordered, json FROM carts ORDER BY rowid",
    )?;
    saved.carts = carts
        .query_map([], |row| {
            Ok((
                CartKey {
                    customer: row.get(0)?,
                    cart: row.get(1)?,
                },
                StoredCart {
                    state: CartState {
                        version: row.get::<_, i64>(2)? as u64,
                        created: parse_date(&row.get::<_, String>(3)?)?,
                        expires: parse_date(&row.get::<_, String>(4)?)?,
                        ordered: row.get(5)?,
                    },
                    json: row.get::<_, Vec<u8>>(6)?.into(),
                },
            ))
        })?
        .collect::<Result<_>>()?;
    let mut orders =
        connection.prepare("SELECT customer, id, placed, json FROM orders ORDER BY rowid")?;
    saved.orders = orders
        .query_map([], |row| {
            Ok((
                OrderKey {
                    customer: row.get(0)?,
                    order: row.get(1)?,
                },
                Placed {
                    json: row.get::<_, Vec<u8>>(3)?.into(),
                    at: parse_date(&row.get::<_, String>(2)?)?,
                },
            ))
        })?
        .collect::<Result<_>>()?;
    let mut replays = connection.prepare(
        "SELECT customer, request, fingerprint, status, body FROM replays ORDER BY rowid",
    )?;
    saved.replays = replays
        .query_map([], |row| {
            Ok((
                ReplayKey {
                    customer: row.get(0)?,
                    request: row.get(1)?,
                },
                Kept {
                    fingerprint: row.get::<_, i64>(2)? as u64,
                    reply: Reply {
                        status: StatusCode::from_u16(row.get(3)?).map_err(to_sql)?,
                        body: row.get::<_, Vec<u8>>(4)?.into(),
                    },
                },
            ))
        })?
        .collect::<Result<_>>()?;
    Ok(saved)
}

fn date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn parse_date(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.to_utc())
        .map_err(to_sql)
}

fn to_sql(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}
