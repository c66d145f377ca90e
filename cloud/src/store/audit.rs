//! The audit log of host actions on live meetings.

use super::{on_pool, Store, StoreResult};

/// One host action, taken (`outcome` "ok") or refused (its reason code).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct HostActionRow {
    pub at_ms: i64,
    pub meeting_id: String,
    /// `admin`, or `participant:<id> (<name>)`.
    pub actor: String,
    /// The action's name (`mute_all`, `remove`, …).
    pub action: String,
    /// Who it was taken on, by name, if anyone.
    pub target: Option<String>,
    /// The action as it was asked, JSON.
    pub detail: String,
    pub outcome: String,
}

impl Store {
    pub async fn record_host_action(&self, row: &HostActionRow) -> StoreResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO host_actions (at_ms, meeting_id, actor, action, target, detail, outcome)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(row.at_ms)
            .bind(&row.meeting_id)
            .bind(&row.actor)
            .bind(&row.action)
            .bind(&row.target)
            .bind(&row.detail)
            .bind(&row.outcome)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The meeting's host actions, oldest first (at most `limit`, newest).
    pub async fn host_actions(
        &self,
        meeting_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<HostActionRow>> {
        on_pool!(self, |pool| {
            let mut rows: Vec<HostActionRow> = sqlx::query_as(
                "SELECT at_ms, meeting_id, actor, action, target, detail, outcome FROM host_actions
                 WHERE meeting_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(meeting_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.reverse();
            Ok(rows)
        })
    }
}
