//! What one node tells the others sharing the store: PostgreSQL's
//! NOTIFY/LISTEN, each announcement stamped with the node that made it so
//! that it skips its own. With SQLite there is one node and nobody to tell.

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgNotification};

use super::{Db, Store, StoreResult};

/// What a follower of a channel hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Another node's announcement.
    Said(String),
    /// Announcements may have been missed (at the start, or while the
    /// connection to PostgreSQL was down): whatever they keep in step,
    /// read it all again.
    Missed,
}

impl Store {
    /// Tells the other nodes sharing this store something changed.
    pub async fn announce(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if let Db::Postgres(pool) = &self.db {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(format!("{} {payload}", self.node))
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Hands `each` what the other nodes announce on `channel`, for as long
    /// as the process runs, [`Heard::Missed`] first (nothing with SQLite).
    /// The listener reconnects by itself after PostgreSQL restarts.
    pub fn follow<F, Fut>(&self, channel: &'static str, mut each: F)
    where
        F: FnMut(Heard) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let Db::Postgres(pool) = &self.db else {
            return;
        };
        let pool = pool.clone();
        let store = self.clone();
        tokio::spawn(async move {
            let mut listener = loop {
                match listen(&pool, channel).await {
                    Ok(listener) => break listener,
                    Err(err) => {
                        tracing::warn!(%err, channel, "cannot listen to the other nodes; trying again");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            each(Heard::Missed).await;
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        if let Some(said) = store.said_elsewhere(&notification) {
                            each(Heard::Said(said.to_string())).await;
                        }
                    }
                    // The connection dropped; the next call reconnects.
                    Ok(None) => {
                        tracing::warn!(channel, "lost the other nodes' announcements");
                        each(Heard::Missed).await;
                    }
                    Err(err) => {
                        tracing::warn!(%err, channel, "the other nodes' announcements");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }

    /// What another node announced (`None`: this node's own announcement).
    fn said_elsewhere<'a>(&self, notification: &'a PgNotification) -> Option<&'a str> {
        let (node, payload) = notification.payload().split_once(' ')?;
        (node != &*self.node).then_some(payload)
    }
}

async fn listen(pool: &sqlx::PgPool, channel: &str) -> StoreResult<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}
