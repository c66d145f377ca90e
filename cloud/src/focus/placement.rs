//! Where a meeting's conference runs when several nodes sit behind a SIP
//! edge. The edge sends every join of a meeting number to the node the
//! number hashes to; that node sends it on — a `302` the edge follows —
//! to the node the meeting is placed on. The first join places it on the
//! node whose MCU composes least now (the pixels a second each node
//! publishes to the store every second, `Conference::composing_cost`), not
//! the one with the fewest people in meetings. A meeting placed on a node
//! that stopped publishing (gone for [`DEAD_AFTER_MS`]) is placed again,
//! and a meeting's place goes when its last participant leaves.
//!
//! Only joins the edge forwarded are placed: a caller reaching a node
//! directly (one node, no edge) is served where it called.

use std::sync::Arc;
use std::time::Duration;

use super::Focus;
use crate::lock;
use crate::sip::Source;
use crate::store::{NodeLoad, Store};

/// How often a node publishes its composing cost.
pub const PUBLISH_EVERY: Duration = Duration::from_secs(1);
/// A node that has not published for this long is gone: its meetings are
/// placed again.
pub const DEAD_AFTER_MS: i64 = 3_000;

/// This node's part in placing meetings.
pub struct Placement {
    store: Store,
    /// Where the edge reaches this node's SIP (`ip:port`), as it publishes.
    sip: String,
}

/// Where a join goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Here,
    /// Another node's SIP address.
    There(String),
}

impl Placement {
    pub fn new(store: Store, sip: String) -> Self {
        Self { store, sip }
    }

    /// Where meeting `meeting_id` runs (`running_here`: its conference is
    /// on this node), placing it if it is nowhere (or on a dead node). A
    /// store that cannot answer leaves the join here: a split meeting is
    /// better than none.
    pub async fn place(&self, meeting_id: &str, running_here: bool) -> Place {
        if running_here {
            return Place::Here;
        }
        match self.decide(meeting_id).await {
            Ok(place) => place,
            Err(err) => {
                tracing::warn!(%err, meeting = %meeting_id, "placement unknown: the meeting runs here");
                Place::Here
            }
        }
    }

    async fn decide(&self, meeting_id: &str) -> crate::store::StoreResult<Place> {
        let now = wall_ms();
        let live = self.store.live_loads(now - DEAD_AFTER_MS).await?;
        let me = self.store.node();
        let held = self.store.meeting_place(meeting_id).await?;
        let dead = match held {
            Some(node) if node == me => return Ok(Place::Here),
            Some(node) => match live.iter().find(|l| l.node == node) {
                Some(load) => return Ok(Place::There(load.sip.clone())),
                None => Some(node),
            },
            None => None,
        };
        let chosen = least_loaded(&live, me);
        let winner = self
            .store
            .claim_meeting_place(meeting_id, &chosen, dead.as_deref(), now)
            .await?;
        tracing::info!(meeting = %meeting_id, node = %winner, replaced = ?dead, "meeting placed");
        Ok(match live.iter().find(|l| l.node == winner) {
            Some(load) if winner != me => Place::There(load.sip.clone()),
            _ => Place::Here,
        })
    }

    /// The meeting's last participant left this node.
    pub async fn release(&self, meeting_id: &str) {
        if let Err(err) = self.store.release_meeting_place(meeting_id).await {
            tracing::warn!(%err, meeting = %meeting_id, "meeting place not released");
        }
    }

    async fn publish(&self, cost_kpx: i64) {
        let published = self.store.publish_load(&self.sip, cost_kpx, wall_ms());
        if let Err(err) = published.await {
            tracing::warn!(%err, "composing cost not published");
        }
    }
}

/// The node to place a new meeting on: the least loaded live one; this
/// node when it is as little loaded (no redirect for nothing), or when no
/// load is known yet.
fn least_loaded(live: &[NodeLoad], me: &str) -> String {
    let mine = live.iter().find(|l| l.node == me).map(|l| l.cost_kpx);
    match live.iter().min_by_key(|l| (l.cost_kpx, l.node != me)) {
        Some(least) if mine.is_none_or(|m| least.cost_kpx < m) => least.node.clone(),
        _ => me.to_string(),
    }
}

/// Milliseconds of the wall clock: nodes compare their publishing times,
/// so not the cloud's clock (a test's stands still).
fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Focus {
    /// Where a join of `meeting_id` belongs: `Some(node's SIP address)`
    /// when placed on another node (only for joins the edge forwarded).
    pub(super) async fn placed_elsewhere(
        &self,
        meeting_id: &str,
        source: &Source,
    ) -> Option<String> {
        let placement = self.placement.as_ref()?;
        source.device?;
        let here = lock(&self.conferences).contains_key(meeting_id);
        match placement.place(meeting_id, here).await {
            Place::Here => None,
            Place::There(sip) => Some(sip),
        }
    }

    /// A conference ended here: its meeting's place goes.
    pub(super) fn release_place(&self, meeting_id: &str) {
        if let Some(placement) = self.placement.clone() {
            let meeting_id = meeting_id.to_string();
            tokio::spawn(async move { placement.release(&meeting_id).await });
        }
    }
}

/// Publishes the node's composing cost every [`PUBLISH_EVERY`] while the
/// focus lives.
pub fn publish(focus: &Arc<Focus>) {
    let Some(placement) = focus.placement.clone() else {
        return;
    };
    let focus = Arc::downgrade(focus);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PUBLISH_EVERY);
        loop {
            every.tick().await;
            let Some(focus) = focus.upgrade() else {
                return;
            };
            let cost = focus.composing_cost() / 1000;
            drop(focus);
            placement
                .publish(i64::try_from(cost).unwrap_or(i64::MAX))
                .await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(node: &str, cost_kpx: i64) -> NodeLoad {
        NodeLoad {
            node: node.into(),
            sip: format!("{node}:5060"),
            cost_kpx,
            updated_ms: 0,
        }
    }

    #[test]
    fn a_new_meeting_goes_where_least_is_composed_and_stays_here_on_a_tie() {
        let live = [load("a", 5_000), load("b", 0), load("c", 0)];
        assert_eq!(least_loaded(&live, "a"), "b");
        assert_eq!(least_loaded(&live, "c"), "c", "a tie keeps it here");
        assert_eq!(least_loaded(&[load("a", 5_000)], "a"), "a");
        assert_eq!(least_loaded(&[], "a"), "a", "nothing known yet");
        // This node not published yet: the least loaded known one.
        assert_eq!(least_loaded(&[load("b", 10)], "a"), "b");
    }
}
