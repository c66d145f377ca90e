//! Persistence. All SQL lives in this module; the rest of the cloud sees typed
//! rows and [`StoreError`]. Two backends through sqlx: SQLite, embedded, the
//! default for `./run demo` and a small site; PostgreSQL (`--database
//! postgres://…`) for several cloud nodes sharing one state. Each query is
//! written once, with `$N` placeholders both read, in SQL both accept, and
//! runs on whichever pool the store holds ([`on_pool!`]); the two schemas
//! are migrated from `migrations/sqlite` and `migrations/postgres`, kept in
//! step (a test compares them).

mod accounts;
mod announcements;
mod audit;
mod control_sessions;
mod device_events;
mod devices;
mod enterprises;
mod lockouts;
mod meetings;
mod placement;
mod sip_accounts;
mod sip_bindings;
mod updates;

pub use accounts::{AccountRow, NewAccount};
pub use announcements::Heard;
pub use audit::HostActionRow;
pub use device_events::{DeviceEventRow, EVENTS_KEPT};
pub use devices::{DeviceRow, NewDevice, DEVICE_ALGORITHMS};
pub use enterprises::Enterprise;
pub use lockouts::LockRule;
pub use meetings::{InviteeIds, InviteeRows, MeetingFields, MeetingKey, MeetingQuery, MeetingRow};
pub use placement::NodeLoad;
pub use sip_accounts::{Ha1Pair, SipAccountRow};
pub use sip_bindings::StoredBinding;
pub use updates::{NewOffer, UpdateReport};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool, Transaction};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated; the string names what already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// This store among the nodes sharing one database (random): what it
    /// announces, it has applied already.
    node: std::sync::Arc<str>,
}

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the store's pool, whichever backend
/// it is: the same tokens compile once per backend. (Written as a closure
/// so that rustfmt formats the body.)
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
use on_pool;

/// The key of PostgreSQL's advisory lock every write transaction holds
/// (any constant: the cloud's nodes only have to agree on it).
const WRITE_LOCK: i64 = 0x726f_6f6d_636c_6f75; // "roomclou"

impl Store {
    /// Opens the store: PostgreSQL at `database` (a `postgres://` URL) if
    /// one is given, else (creating it if needed) `roomcloud.db` in
    /// `data_dir`; either is migrated to this version's schema.
    pub async fn open(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Self> {
        match database {
            Some(url) => Self::connect_postgres(url).await,
            None => Self::open_sqlite(data_dir).await,
        }
    }

    async fn open_sqlite(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("roomcloud.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self::with(Db::Sqlite(pool)))
    }

    async fn connect_postgres(url: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "--database {}: not a postgres:// URL (without it, the embedded SQLite database)",
            redact(url)
        );
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            anyhow::anyhow!("--database {}: not a PostgreSQL URL: {e}", redact(url))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // A request waits this long for a connection (PostgreSQL
            // restarting), then fails with a clear error instead of hanging.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach PostgreSQL at {}: {e}", redact(url)))?;
        // Nodes starting together migrate one at a time: sqlx holds an
        // advisory lock for it.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self::with(Db::Postgres(pool)))
    }

    fn with(db: Db) -> Self {
        Self {
            db,
            node: format!("{:016x}", rand::random::<u64>()).into(),
        }
    }

    /// Which backend this store runs on: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// Creates the empty database `name` on the PostgreSQL server at
/// `server_url` (whose user may create databases) and returns the URL of
/// the new database, which [`Store::open`] then migrates: a scratch
/// database per test, or a node's first set-up.
pub async fn create_database(server_url: &str, name: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?}: letters, digits and _ only"
    );
    let mut admin = sqlx::PgConnection::connect(server_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(server_url)?;
    url.set_path(name);
    Ok(url.to_string())
}

/// The database a test's cloud runs on: a fresh PostgreSQL database when
/// `ROOMCLOUD_TEST_STORE=postgres` names the backend and
/// `ROOMCLOUD_TEST_POSTGRES` the server (`./run test` starts one on
/// loopback and runs the store's tests again on it), else `None` (SQLite in
/// the test's data directory). For tests only; panics on a missing server.
pub async fn database_for_tests() -> Option<String> {
    if std::env::var("ROOMCLOUD_TEST_STORE").as_deref() != Ok("postgres") {
        return None;
    }
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES")
        .expect("ROOMCLOUD_TEST_STORE=postgres needs ROOMCLOUD_TEST_POSTGRES (a server URL)");
    let name = format!("test_{:016x}", rand::random::<u64>());
    Some(
        create_database(&server, &name)
            .await
            .expect("a scratch database"),
    )
}

#[cfg(test)]
pub(crate) async fn open_for_test(dir: &Path) -> Store {
    let database = database_for_tests().await;
    Store::open(dir, database.as_deref())
        .await
        .expect("store opens")
}

#[cfg(test)]
impl Store {
    /// The same database as another node would see it.
    pub(crate) fn as_other_node(&self) -> Store {
        Store {
            db: self.db.clone(),
            node: format!("{:016x}", rand::random::<u64>()).into(),
        }
    }
}

/// A database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A pool a write transaction can begin on, holding the one writer's lock
/// from its start: a transaction that read first and wrote later would
/// otherwise race another writer (the device numbers and the SIP user names
/// are allocated by reading what is taken).
trait WritePool {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = StoreResult<Transaction<'_, Self::Db>>> + Send;
}

impl WritePool for SqlitePool {
    type Db = sqlx::Sqlite;
    /// `BEGIN IMMEDIATE`: SQLite's write lock taken up front waits out the
    /// busy timeout; taken late, at the first write, it would fail at once
    /// (`SQLITE_BUSY`) whenever another connection wrote in between.
    async fn begin_write(&self) -> StoreResult<Transaction<'_, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl WritePool for PgPool {
    type Db = sqlx::Postgres;
    /// A transaction-scoped advisory lock: every node's writers queue on
    /// it, as SQLite's connections queue on its write lock.
    async fn begin_write(&self) -> StoreResult<Transaction<'_, sqlx::Postgres>> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// A key looked up as given (a path's segment): one with a NUL character
/// finds nothing. Nothing stored holds one (every text is checked for
/// control characters before it is written), and PostgreSQL refuses it as
/// a parameter, an error where SQLite just finds no row.
fn findable(key: &str) -> StoreResult<()> {
    match key.contains('\0') {
        true => Err(StoreError::NotFound),
        false => Ok(()),
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn conflict_as(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Db(err),
    }
}
