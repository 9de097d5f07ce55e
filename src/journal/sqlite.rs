//! The journal in a SQLite file: each intent and outcome one transaction, committed with the
//! write-ahead log flushed (`synchronous = FULL`) before the write goes on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::backend::{Backend, Stored};
use super::entry::{Entry, Outcome};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scope (id INTEGER PRIMARY KEY CHECK (id = 0), scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS writes (
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    tries INTEGER NOT NULL,
    operation TEXT NOT NULL,
    target TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request_id TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    -- NULL while unknown; 'made', 'not made' (refused) or 'not sent' (not judged).
    outcome TEXT,
    status INTEGER,
    answer BLOB,
    PRIMARY KEY (key, step)
);
CREATE INDEX IF NOT EXISTS unsettled ON writes (outcome) WHERE outcome IS NULL;
CREATE TABLE IF NOT EXISTS finished (key TEXT PRIMARY KEY, result TEXT NOT NULL);
";

pub(crate) struct Sqlite {
    connection: Arc<Mutex<Connection>>,
    scope: String,
    path: PathBuf,
}

impl Sqlite {
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        let words = |e: rusqlite::Error| format!("{}: {e}", path.display());
        let connection = Connection::open(path).map_err(words)?;
        // Another process may hold the file for a moment: wait for it rather than fail.
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(words)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(words)?;
        connection.execute_batch(SCHEMA).map_err(words)?;
        // The scope is made once, with the file: ids of another file's work never collide.
        let fresh = Uuid::new_v4().to_string();
        connection
            .execute(
                "INSERT OR IGNORE INTO scope (id, scope) VALUES (0, ?1)",
                [&fresh],
            )
            .map_err(words)?;
        let scope = connection
            .query_row("SELECT scope FROM scope WHERE id = 0", [], |row| row.get(0))
            .map_err(words)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            scope,
            path: path.to_path_buf(),
        })
    }

    /// Runs `work` on the connection away from the async threads (a commit waits for the disk).
    fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Stored<'_, T> {
        let connection = self.connection.clone();
        let path = self.path.display().to_string();
        Box::pin(async move {
            let done = tokio::task::spawn_blocking(move || {
                // A panic elsewhere while holding the lock leaves a connection SQLite keeps
                // consistent by itself.
                let connection = connection.lock().unwrap_or_else(|e| e.into_inner());
                work(&connection)
            })
            .await
            .map_err(|e| format!("{path}: {e}"))?;
            done.map_err(|e| format!("{path}: {e}"))
        })
    }
}

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let uuid = |i: usize| -> rusqlite::Result<Uuid> {
        let text: String = row.get(i)?;
        Uuid::parse_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let outcome: Option<String> = row.get(8)?;
    let outcome = match outcome.as_deref() {
        None => None,
        Some("made") => Some(Outcome::Made {
            status: row.get(9)?,
            body: row.get::<_, Option<Vec<u8>>>(10)?.unwrap_or_default(),
        }),
        Some("not sent") => Some(Outcome::Unsent),
        Some("not made") => Some(Outcome::NotMade),
        Some(other) => {
            let other = format!("an outcome this journal does not know: {other:?}");
            return Err(rusqlite::Error::FromSqlConversionFailure(
                8,
                rusqlite::types::Type::Text,
                other.into(),
            ));
        }
    };
    Ok(Entry {
        key: row.get(0)?,
        step: row.get(1)?,
        tries: row.get(2)?,
        operation: row.get(3)?,
        target: row.get(4)?,
        fingerprint: row.get(5)?,
        request_id: uuid(6)?,
        correlation_id: uuid(7)?,
        outcome,
    })
}

const COLUMNS: &str = "key, step, tries, operation, target, fingerprint, request_id, \
                       correlation_id, outcome, status, answer";

impl Backend for Sqlite {
    fn scope(&self) -> &str {
        &self.scope
    }

    fn load(&self, key: &str, step: u32) -> Stored<'_, Option<Entry>> {
        let key = key.to_string();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM writes WHERE key = ?1 AND step = ?2"),
                params![key, step],
                entry,
            )
            .optional()
        })
    }

    fn intend(&self, e: Entry) -> Stored<'_, ()> {
        self.with(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO writes (key, step, tries, operation, target, fingerprint,
                     request_id, correlation_id, outcome, status, answer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL)",
                params![
                    e.key,
                    e.step,
                    e.tries,
                    e.operation,
                    e.target,
                    e.fingerprint,
                    e.request_id.to_string(),
                    e.correlation_id.to_string()
                ],
            )
            .map(drop)
        })
    }

    fn settle(&self, key: &str, step: u32, request_id: Uuid, outcome: Outcome) -> Stored<'_, ()> {
        let key = key.to_string();
        self.with(move |c| {
            let (word, status, answer) = match outcome {
                Outcome::Made { status, body } => ("made", Some(status), Some(body)),
                Outcome::NotMade => ("not made", None, None),
                Outcome::Unsent => ("not sent", None, None),
            };
            c.execute(
                "UPDATE writes SET outcome = ?3, status = ?4, answer = ?5
                 WHERE key = ?1 AND step = ?2 AND request_id = ?6",
                params![key, step, word, status, answer, request_id.to_string()],
            )
            .map(drop)
        })
    }

    fn unsettled(&self) -> Stored<'_, Vec<Entry>> {
        self.with(|c| {
            let mut statement = c.prepare(&format!(
                "SELECT {COLUMNS} FROM writes WHERE outcome IS NULL ORDER BY key, step"
            ))?;
            statement.query_map([], entry)?.collect()
        })
    }

    fn finish(&self, key: &str, result: &str) -> Stored<'_, ()> {
        let (key, result) = (key.to_string(), result.to_string());
        self.with(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO finished (key, result) VALUES (?1, ?2)",
                params![key, result],
            )
            .map(drop)
        })
    }

    fn finished(&self, key: &str) -> Stored<'_, Option<String>> {
        let key = key.to_string();
        self.with(move |c| {
            c.query_row("SELECT result FROM finished WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
        })
    }
}
