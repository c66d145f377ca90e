//! Config pushes across the nodes sharing the store: a room's channel may
//! be open on any node, so a change made on one (a room renamed, re-keyed,
//! offered an update or removed; an enterprise's meetings changed) is
//! announced through PostgreSQL and every other node tells its own open
//! channels. With SQLite there is one node and the local fan-out is all.

use std::sync::Arc;

use super::presence::Presence;
use crate::store::{Heard, Store};

/// The PostgreSQL channel: `device <id>` or `schedule <enterprise id>`.
const CHANNEL: &str = "roomcloud_channels";

/// `device_id`'s record changed: its open channels here and on the other
/// nodes reload it.
pub async fn device_changed(store: &Store, presence: &Presence, device_id: i64) {
    presence.publish(device_id);
    tell(store, &format!("device {device_id}")).await;
}

/// `enterprise_id`'s meetings changed: its rooms' channels, here and on
/// the other nodes, fetch the day's again.
pub async fn schedule_changed(store: &Store, presence: &Presence, enterprise_id: i64) {
    presence.schedule_changed(enterprise_id);
    tell(store, &format!("schedule {enterprise_id}")).await;
}

async fn tell(store: &Store, what: &str) {
    if let Err(err) = store.announce(CHANNEL, what).await {
        tracing::warn!(%err, what, "cannot tell the other nodes' channels");
    }
}

/// Relays the other nodes' announcements to this node's channels for as
/// long as the process runs.
pub fn follow(store: Store, presence: Arc<Presence>) {
    store.follow(CHANNEL, move |heard| {
        let presence = presence.clone();
        async move {
            match heard {
                Heard::Said(what) => relay(&presence, &what),
                // Changes may have been missed: every open channel reloads
                // its room.
                Heard::Missed => presence.publish_all(),
            }
        }
    });
}

fn relay(presence: &Presence, what: &str) {
    let parsed = what
        .split_once(' ')
        .and_then(|(kind, id)| Some((kind, id.parse::<i64>().ok()?)));
    match parsed {
        Some(("device", id)) => presence.publish(id),
        Some(("schedule", id)) => presence.schedule_changed(id),
        _ => tracing::debug!(what, "unknown config announcement"),
    }
}
