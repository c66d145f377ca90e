//! Meeting placement behind a SIP edge (migration 0012): each node's
//! composing cost and SIP address, published every second, and the node
//! each meeting was placed on. `focus/placement.rs` decides with these.

use super::{on_pool, Store, StoreResult, WritePool};

/// A node that published its load lately.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NodeLoad {
    pub node: String,
    /// Where the edge reaches its SIP (`ip:port`).
    pub sip: String,
    /// What its MCU composes now: thousands of pixels a second.
    pub cost_kpx: i64,
    pub updated_ms: i64,
}

impl Store {
    /// This process among the nodes sharing the database.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Publishes this node's load (`now_ms`: wall clock).
    pub async fn publish_load(&self, sip: &str, cost_kpx: i64, now_ms: i64) -> StoreResult<()> {
        let node = self.node.to_string();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO node_loads (node, sip, cost_kpx, updated_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (node) DO UPDATE
                 SET sip = excluded.sip, cost_kpx = excluded.cost_kpx,
                     updated_ms = excluded.updated_ms",
            )
            .bind(&node)
            .bind(sip)
            .bind(cost_kpx)
            .bind(now_ms)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The nodes that published since `since_ms` (alive), least loaded
    /// first.
    pub async fn live_loads(&self, since_ms: i64) -> StoreResult<Vec<NodeLoad>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT node, sip, cost_kpx, updated_ms FROM node_loads
                 WHERE updated_ms >= $1 ORDER BY cost_kpx, node",
            )
            .bind(since_ms)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The node meeting `meeting_id` is placed on, if any.
    pub async fn meeting_place(&self, meeting_id: &str) -> StoreResult<Option<String>> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT node FROM meeting_places WHERE meeting_id = $1")
                    .bind(meeting_id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Places `meeting_id` on `node` unless another node holds it (and is
    /// not `dead`, a node known gone, whose place is taken over); returns
    /// the node it is placed on now. Two nodes placing one meeting at once
    /// agree on one.
    pub async fn claim_meeting_place(
        &self,
        meeting_id: &str,
        node: &str,
        dead: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<String> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let held: Option<String> =
                sqlx::query_scalar("SELECT node FROM meeting_places WHERE meeting_id = $1")
                    .bind(meeting_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let winner = match held {
                Some(held) if Some(held.as_str()) != dead => held,
                _ => {
                    sqlx::query(
                        "INSERT INTO meeting_places (meeting_id, node, placed_ms)
                         VALUES ($1, $2, $3)
                         ON CONFLICT (meeting_id) DO UPDATE
                         SET node = excluded.node, placed_ms = excluded.placed_ms",
                    )
                    .bind(meeting_id)
                    .bind(node)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    node.to_string()
                }
            };
            tx.commit().await?;
            Ok(winner)
        })
    }

    /// The meeting ended on this node: its place goes (the next first join
    /// places it again).
    pub async fn release_meeting_place(&self, meeting_id: &str) -> StoreResult<()> {
        let node = self.node.to_string();
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM meeting_places WHERE meeting_id = $1 AND node = $2")
                .bind(meeting_id)
                .bind(&node)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::store::open_for_test;

    #[tokio::test]
    async fn the_least_loaded_live_nodes_come_first_and_one_place_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = open_for_test(dir.path()).await;
        let b = a.as_other_node();
        a.publish_load("127.0.0.1:5060", 900, 10_000).await.unwrap();
        b.publish_load("127.0.0.1:5062", 100, 10_000).await.unwrap();
        let live = a.live_loads(9_000).await.unwrap();
        let order: Vec<&str> = live.iter().map(|l| l.sip.as_str()).collect();
        assert_eq!(order, ["127.0.0.1:5062", "127.0.0.1:5060"]);
        // B stops publishing: gone from the live ones.
        a.publish_load("127.0.0.1:5060", 900, 14_000).await.unwrap();
        let live = a.live_loads(13_000).await.unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].node, a.node());

        // The first to claim a meeting holds it; a second claim gets the
        // first's node back, unless that node is known dead.
        let first = a.claim_meeting_place("8100002", b.node(), None, 1).await;
        assert_eq!(first.unwrap(), b.node());
        let second = a.claim_meeting_place("8100002", a.node(), None, 2).await;
        assert_eq!(second.unwrap(), b.node());
        let taken = a.claim_meeting_place("8100002", a.node(), Some(b.node()), 3);
        assert_eq!(taken.await.unwrap(), a.node());
        assert_eq!(
            b.meeting_place("8100002").await.unwrap().as_deref(),
            Some(a.node())
        );
        // Only the holder's end releases it.
        b.release_meeting_place("8100002").await.unwrap();
        assert!(a.meeting_place("8100002").await.unwrap().is_some());
        a.release_meeting_place("8100002").await.unwrap();
        assert!(a.meeting_place("8100002").await.unwrap().is_none());
    }
}
