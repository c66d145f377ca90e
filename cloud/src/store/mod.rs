//! Persistence. All SQL lives in this module; the rest of the cloud sees typed
//! rows and [`StoreError`]. SQLite (through sqlx) is the embedded default; the
//! queries stick to SQL that PostgreSQL also accepts so a `PgPool` variant can
//! be added here without touching callers.

mod accounts;
mod audit;
mod device_events;
mod devices;
mod enterprises;
mod meetings;
mod sip_accounts;
mod updates;

pub use accounts::{AccountRow, NewAccount};
pub use audit::HostActionRow;
pub use device_events::{DeviceEventRow, EVENTS_KEPT};
pub use devices::{DeviceRow, NewDevice, DEVICE_ALGORITHMS};
pub use enterprises::Enterprise;
pub use meetings::{InviteeIds, InviteeRows, MeetingFields, MeetingKey, MeetingQuery, MeetingRow};
pub use sip_accounts::{Ha1Pair, SipAccountRow};
pub use updates::{NewOffer, UpdateReport};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

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
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `roomcloud.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
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
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl Store {
    /// A write transaction, holding SQLite's write lock from its start
    /// (`BEGIN IMMEDIATE`): one that read first and wrote later would fail
    /// at once (`SQLITE_BUSY`, no wait) whenever another connection wrote
    /// in between — under load, a 500 for a plain add. Taken up front, the
    /// lock waits out the busy timeout instead.
    async fn write(&self) -> StoreResult<sqlx::Transaction<'_, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn conflict_as(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Db(err),
    }
}
