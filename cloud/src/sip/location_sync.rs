//! Bindings across the nodes behind a SIP edge. The edge spreads REGISTERs
//! by AOR, so a room's bindings live in the memory of one node; a call
//! from that room, or to it, may land on another (a meeting's node). Each
//! node copies its bindings to the store as they change, and looks there
//! for what it does not hold itself. The registrar's hot path stays in
//! memory: the copy is written behind it, one AOR at a time, and a
//! refresh that changes nothing but the expiry is written only once the
//! stored copy is past half its life (so it never lapses before the room's
//! next refresh, and a registration storm costs the database little).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::location::{Binding, Location, Source};
use crate::clock::{Millis, SharedClock};
use crate::store::{Store, StoredBinding};

/// Copies this node's binding changes to the store for as long as the
/// process runs. A failed write is logged; the room's next refresh
/// writes again.
pub fn mirror(store: Store, location: Arc<Location>, clock: SharedClock) {
    let mut changes = location.watch();
    tokio::spawn(async move {
        let mut written: HashMap<String, Vec<StoredBinding>> = HashMap::new();
        while let Some(first) = changes.recv().await {
            // What piled up while the last write ran, each AOR once.
            let mut pending = HashSet::from([first]);
            while let Ok(aor) = changes.try_recv() {
                pending.insert(aor);
            }
            for aor in pending {
                let now = clock.now_ms();
                let rows: Vec<StoredBinding> = location
                    .bindings(&aor, now)
                    .iter()
                    .filter_map(stored)
                    .collect();
                if !worth_writing(written.get(&aor).map(Vec::as_slice), &rows, now) {
                    continue;
                }
                match store.replace_sip_bindings(&aor, &rows, now).await {
                    Ok(()) if rows.is_empty() => {
                        written.remove(&aor);
                    }
                    Ok(()) => {
                        written.insert(aor, rows);
                    }
                    Err(err) => {
                        written.remove(&aor);
                        tracing::warn!(%err, aor, "cannot share a room's SIP binding with the other nodes");
                    }
                }
            }
        }
    });
}

/// Whether `rows` differ from what the store holds (`written`) in
/// anything but a later expiry, or the stored copy has less than half of
/// the rows' term left.
fn worth_writing(written: Option<&[StoredBinding]>, rows: &[StoredBinding], now: Millis) -> bool {
    let Some(written) = written else {
        return true;
    };
    let same = |a: &StoredBinding, b: &StoredBinding| {
        (&a.contact_key, &a.uri, &a.params, &a.source)
            == (&b.contact_key, &b.uri, &b.params, &b.source)
    };
    written.len() != rows.len()
        || rows
            .iter()
            .any(|row| match written.iter().find(|w| same(w, row)) {
                Some(w) => {
                    w.expires_at > row.expires_at || w.expires_at - now < (row.expires_at - now) / 2
                }
                None => true,
            })
}

/// The live bindings of `aor`: this node's, or else the other nodes'.
pub async fn bindings(location: &Location, store: &Store, aor: &str, now: Millis) -> Vec<Binding> {
    let here = location.bindings(aor, now);
    if !here.is_empty() {
        return here;
    }
    elsewhere(store, aor, now).await
}

/// Whether `aor` is registered from `source`, on this node or — for a
/// request an edge forwarded — on another one behind the same edge.
pub async fn is_registered_from(
    location: &Location,
    store: &Store,
    aor: &str,
    source: Source,
    now: Millis,
) -> bool {
    if location.is_registered_from(aor, source, now) {
        return true;
    }
    source.device.is_some()
        && elsewhere(store, aor, now)
            .await
            .iter()
            .any(|b| b.source == source)
}

async fn elsewhere(store: &Store, aor: &str, now: Millis) -> Vec<Binding> {
    match store.sip_bindings_elsewhere(aor, now).await {
        Ok(rows) => rows.into_iter().filter_map(binding).collect(),
        Err(err) => {
            tracing::warn!(%err, aor, "cannot read the other nodes' SIP bindings");
            Vec::new()
        }
    }
}

fn stored(b: &Binding) -> Option<StoredBinding> {
    Some(StoredBinding {
        node: String::new(),
        contact_key: b.key.clone(),
        uri: b.uri.clone(),
        params: b.params.clone(),
        source: serde_json::to_string(&b.source).ok()?,
        expires_at: b.expires_at,
    })
}

fn binding(row: StoredBinding) -> Option<Binding> {
    Some(Binding {
        source: serde_json::from_str(&row.source).ok()?,
        key: row.contact_key,
        uri: row.uri,
        params: row.params,
        expires_at: row.expires_at,
        call_id: String::new(),
        cseq: 0,
        user_agent: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::location::Transport;

    fn row(source: &str, expires_at: i64) -> StoredBinding {
        StoredBinding {
            node: String::new(),
            contact_key: "sip:a@192.0.2.7".into(),
            uri: "sip:a@192.0.2.7".into(),
            params: String::new(),
            source: source.into(),
            expires_at,
        }
    }

    /// A refresh that only moves the expiry is written once the stored
    /// copy has less than half the new term left; any other change at once.
    #[test]
    fn refreshes_are_written_when_the_copy_ages() {
        let stored = [row("s1", 3_600_000)];
        assert!(worth_writing(None, &[row("s1", 3_600_000)], 0));
        // 10 minutes on, refreshed for an hour: the copy has 50 min left.
        assert!(!worth_writing(
            Some(&stored),
            &[row("s1", 4_200_000)],
            600_000
        ));
        // 40 minutes on: 20 min left of a new hour's term.
        assert!(worth_writing(
            Some(&stored),
            &[row("s1", 6_000_000)],
            2_400_000
        ));
        assert!(
            worth_writing(Some(&stored), &[row("s2", 4_200_000)], 600_000),
            "moved"
        );
        assert!(worth_writing(Some(&stored), &[], 600_000), "unregistered");
        assert!(
            worth_writing(Some(&stored), &[row("s1", 1_000_000)], 600_000),
            "shortened"
        );
    }

    /// What one node writes, another reads back the same; its own rows
    /// it does not read as "elsewhere".
    #[tokio::test]
    async fn a_binding_round_trips_through_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path()).await;
        let source = Source {
            transport: Transport::Udp,
            addr: "127.0.0.2:5060".parse().unwrap(),
            device: Some("192.0.2.7:5070".parse().unwrap()),
        };
        let b = Binding {
            key: "sip:alice@192.0.2.7:5070".into(),
            uri: "sip:alice@192.0.2.7:5070".into(),
            params: ";+sip.instance=\"<urn:x>\"".into(),
            expires_at: 10_000,
            call_id: "c".into(),
            cseq: 1,
            source,
            user_agent: None,
        };
        store
            .replace_sip_bindings("alice", &[stored(&b).unwrap()], 1_000)
            .await
            .unwrap();
        assert!(elsewhere(&store, "alice", 1_000).await.is_empty());
        let other = store.as_other_node();
        let seen = elsewhere(&other, "alice", 1_000).await;
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].source, &seen[0].uri), (source, &b.uri));
        assert!(
            elsewhere(&other, "alice", 10_000).await.is_empty(),
            "expired"
        );
        assert!(is_registered_from(&Location::default(), &other, "alice", source, 1_000).await);
        let direct = Source::direct(Transport::Udp, "192.0.2.7:5070".parse().unwrap());
        assert!(
            !is_registered_from(&Location::default(), &other, "alice", direct, 1_000).await,
            "only requests through the edge are checked against the other nodes"
        );
        store
            .replace_sip_bindings("alice", &[], 2_000)
            .await
            .unwrap();
        assert!(elsewhere(&other, "alice", 2_000).await.is_empty());
    }
}
