//! State on disk, when the emulator is given a directory: SQLite (bundled), in WAL mode.
//!
//! Every write is committed before it is answered, so a success the caller saw survives the
//! process being killed. `synchronous=NORMAL` makes a commit reach the operating system, not the
//! platter: a killed process loses nothing, a power cut may lose the last commits (never the
//! file's integrity), and a write waits on an fsync only when the log is checkpointed. Writes
//! go through one connection, one at a time; the database is locked to this process, so a
//! second emulator on the same directory is refused.

use std::path::Path;
use std::sync::Mutex;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::reply::Reply;
use super::rules::CartState;
use super::store::{
    AgreementKey, CartKey, Change, Dropped, Kept, OrderKey, Placed, ReplayKey, Saved, StoredCart,
};

/// The database's file name in the directory.
pub(crate) const FILE: &str = "emulator.sqlite3";

const SCHEMA: &str = "
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS carts (
    customer TEXT NOT NULL, cart TEXT NOT NULL, version INTEGER NOT NULL,
    created TEXT NOT NULL, expires TEXT NOT NULL, ordered INTEGER NOT NULL, json BLOB NOT NULL,
    PRIMARY KEY (customer, cart));
CREATE TABLE IF NOT EXISTS orders (
    customer TEXT NOT NULL, id TEXT NOT NULL, placed TEXT NOT NULL, json BLOB NOT NULL,
    PRIMARY KEY (customer, id));
CREATE TABLE IF NOT EXISTS agreements (
    customer TEXT NOT NULL, id TEXT NOT NULL, json BLOB NOT NULL,
    PRIMARY KEY (customer, id));
CREATE TABLE IF NOT EXISTS replays (
    customer TEXT NOT NULL, request TEXT NOT NULL, fingerprint INTEGER NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (customer, request));
";

/// The columns of `orders` added since its first form, which a database made before them
/// lacks: each order's version, and the state of its subscriptions that changed.
const ADDED_ORDER_COLUMNS: [(&str, &str); 2] = [
    ("version", "INTEGER NOT NULL DEFAULT 0"),
    ("subscriptions", "BLOB NOT NULL DEFAULT x''"),
];

pub(crate) struct Disk {
    connection: Mutex<Connection>,
}

type Result<T> = std::result::Result<T, rusqlite::Error>;

impl Disk {
    /// Opens (or creates) the database in `dir`, creating `dir` too.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE);
        // One connection, this process's alone: another on the same file is refused at once.
        let connection = Connection::open(&path)
            .and_then(|c| c.busy_timeout(std::time::Duration::ZERO).map(|()| c))
            .and_then(|c| c.execute_batch(SCHEMA).map(|()| c))
            .and_then(|c| add_order_columns(&c).map(|()| c))
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
        // An order changed keeps its row, and so its place among the customer's orders.
        for (key, placed) in &change.orders {
            tx.execute(
                "INSERT INTO orders (customer, id, placed, json, version, subscriptions) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (customer, id) DO UPDATE SET placed = excluded.placed, \
                 json = excluded.json, version = excluded.version, \
                 subscriptions = excluded.subscriptions",
                params![
                    key.customer,
                    key.order,
                    date(placed.at),
                    &placed.json[..],
                    placed.version as i64,
                    &placed.lives[..]
                ],
            )?;
        }
        if let Some((key, json)) = &change.agreement {
            tx.execute(
                "INSERT OR REPLACE INTO agreements (customer, id, json) VALUES (?1, ?2, ?3)",
                params![key.customer, key.id, &json[..]],
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
        // Only the version memory dropped: a newer one saved since by another write stays.
        for (key, version) in dropped.expired.iter().chain(&dropped.carts) {
            tx.execute(
                "DELETE FROM carts WHERE customer = ?1 AND cart = ?2 AND version = ?3",
                params![key.customer, key.cart, *version as i64],
            )?;
        }
        for (key, version) in &dropped.orders {
            tx.execute(
                "DELETE FROM orders WHERE customer = ?1 AND id = ?2 AND version = ?3",
                params![key.customer, key.order, *version as i64],
            )?;
        }
        for key in &dropped.agreements {
            tx.execute(
                "DELETE FROM agreements WHERE customer = ?1 AND id = ?2",
                params![key.customer, key.id],
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

    /// Whether the database answers, for `/healthz`: busy with a write counts as answering,
    /// so the check never waits on one.
    pub fn healthy(&self) -> bool {
        match self.connection.try_lock() {
            Ok(connection) => connection
                .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
                .optional()
                .is_ok_and(|one| one == Some(1)),
            Err(std::sync::TryLockError::WouldBlock) => true,
            Err(std::sync::TryLockError::Poisoned(_)) => false,
        }
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
    let mut orders = connection.prepare(
        "SELECT customer, id, placed, json, version, subscriptions FROM orders ORDER BY rowid",
    )?;
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
                    version: row.get::<_, i64>(4)? as u64,
                    // Read from the order by the service, which knows its shape.
                    subscriptions: Default::default(),
                    lives: row.get::<_, Vec<u8>>(5)?.into(),
                },
            ))
        })?
        .collect::<Result<_>>()?;
    let mut agreements =
        connection.prepare("SELECT customer, id, json FROM agreements ORDER BY rowid")?;
    saved.agreements = agreements
        .query_map([], |row| {
            Ok((
                AgreementKey {
                    customer: row.get(0)?,
                    id: row.get(1)?,
                },
                row.get::<_, Vec<u8>>(2)?.into(),
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

/// Adds to `orders` the columns a database made before them lacks; the rows it had get
/// version 0 and no subscription state, as written before any change.
fn add_order_columns(connection: &Connection) -> Result<()> {
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('orders')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_>>()?;
    for (name, definition) in ADDED_ORDER_COLUMNS {
        if !columns.iter().any(|c| c == name) {
            connection.execute_batch(&format!(
                "ALTER TABLE orders ADD COLUMN {name} {definition}"
            ))?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn cart(version: u64) -> Change {
        let now = Utc::now();
        Change {
            cart: Some((
                CartKey {
                    customer: "c".into(),
                    cart: "k".into(),
                },
                StoredCart {
                    state: CartState {
                        version,
                        created: now,
                        expires: now + Duration::days(7),
                        ordered: false,
                    },
                    json: format!("{{\"v\":{version}}}").into_bytes().into(),
                },
            )),
            ..Default::default()
        }
    }

    #[test]
    fn forgetting_a_version_keeps_a_newer_one_saved_meanwhile_and_a_second_process_is_refused() {
        let dir = std::env::temp_dir().join(format!("emulator-disk-{}", uuid::Uuid::new_v4()));
        let disk = Disk::open(&dir).unwrap();
        disk.save(&cart(1)).unwrap();
        // Another customer's write dropped version 1 from memory, while this one saved 2.
        disk.save(&cart(2)).unwrap();
        let key = cart(1).cart.unwrap().0;
        disk.forget(&Dropped {
            carts: vec![(key.clone(), 1)],
            ..Default::default()
        })
        .unwrap();
        let saved = disk.load().unwrap();
        assert_eq!(saved.carts.len(), 1);
        assert_eq!(saved.carts[0].1.state.version, 2);

        assert!(Disk::open(&dir).is_err(), "the directory is this process's");
        drop(disk);
        disk_forget_all(&dir, key);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn order(id: &str, version: u64) -> Change {
        Change {
            orders: vec![(
                OrderKey {
                    customer: "c".into(),
                    order: id.into(),
                },
                Placed {
                    json: format!("{{\"v\":{version}}}").into_bytes().into(),
                    at: Utc::now(),
                    version,
                    subscriptions: Default::default(),
                    lives: format!("{{\"s\":{version}}}").into_bytes().into(),
                },
            )],
            ..Default::default()
        }
    }

    #[test]
    fn orders_keep_their_place_and_are_forgotten_by_version() {
        let dir = std::env::temp_dir().join(format!("emulator-disk-{}", uuid::Uuid::new_v4()));
        let disk = Disk::open(&dir).unwrap();
        disk.save(&order("a", 1)).unwrap();
        disk.save(&order("b", 2)).unwrap();
        // "a" was forgotten by memory at version 1 while a write of it, version 3, was under
        // way; that write saved, then the forget ran: version 3 stays.
        disk.save(&order("a", 3)).unwrap();
        let key = order("a", 1).orders.remove(0).0;
        disk.forget(&Dropped {
            orders: vec![(key.clone(), 1)],
            ..Default::default()
        })
        .unwrap();
        let saved = disk.load().unwrap().orders;
        let listed: Vec<(&str, u64, &[u8])> = saved
            .iter()
            .map(|(k, p)| (k.order.as_str(), p.version, &p.lives[..]))
            .collect();
        assert_eq!(
            listed,
            [("a", 3, &b"{\"s\":3}"[..]), ("b", 2, &b"{\"s\":2}"[..])],
            "in the order first saved, with the state of their subscriptions"
        );
        disk.forget(&Dropped {
            orders: vec![(key, 3)],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(disk.load().unwrap().orders.len(), 1);
        drop(disk);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_database_made_before_the_order_versions_opens_with_its_orders() {
        let dir = std::env::temp_dir().join(format!("emulator-disk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = Connection::open(dir.join(FILE)).unwrap();
        old.execute_batch(
            "CREATE TABLE orders (customer TEXT NOT NULL, id TEXT NOT NULL, \
             placed TEXT NOT NULL, json BLOB NOT NULL, PRIMARY KEY (customer, id));
             INSERT INTO orders VALUES ('c', 'a', '2026-01-01T00:00:00Z', x'7B7D');",
        )
        .unwrap();
        drop(old);
        let disk = Disk::open(&dir).unwrap();
        let saved = disk.load().unwrap().orders;
        assert_eq!(saved.len(), 1);
        assert_eq!((saved[0].1.version, saved[0].1.lives.len()), (0, 0));
        disk.save(&order("a", 4)).unwrap();
        assert_eq!(disk.load().unwrap().orders[0].1.version, 4);
        drop(disk);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn disk_forget_all(dir: &Path, key: CartKey) {
        let disk = Disk::open(dir).unwrap();
        disk.forget(&Dropped {
            expired: vec![(key, 2)],
            ..Default::default()
        })
        .unwrap();
        assert!(disk.load().unwrap().carts.is_empty());
    }
}
