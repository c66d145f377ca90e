//! Keeps this node's [`Directory`] in step with the other nodes sharing the
//! store: a node that changes a SIP account (created, activated with new
//! credentials, removed) announces its user name, and every other node
//! reads that account again, dropping the bindings made with credentials
//! that no longer hold. With SQLite there is one node and nothing to do.

use std::sync::Arc;
use std::time::Duration;

use super::{Account, Directory, Location};
use crate::store::{Heard, Store, StoreError};

/// The store's channel of the announcements: the changed user names.
const CHANNEL: &str = "roomcloud_sip_accounts";

/// Tells the other nodes `username`'s account changed (after the change is
/// in the store). A failure is logged: the others then learn of it when
/// they next read every account.
pub async fn announce(store: &Store, username: &str) {
    if let Err(err) = store.announce(CHANNEL, username).await {
        tracing::warn!(%err, username, "cannot tell the other nodes of a changed SIP account");
    }
}

/// Follows the other nodes' changes for as long as the process runs.
pub fn follow(store: Store, directory: Arc<Directory>, location: Arc<Location>) {
    let reader = store.clone();
    store.follow(CHANNEL, move |heard| {
        let (store, directory, location) = (reader.clone(), directory.clone(), location.clone());
        async move {
            match heard {
                Heard::Said(username) => refresh(&store, &directory, &location, &username).await,
                Heard::Missed => reload(&store, &directory).await,
            }
        }
    });
}

/// Reads `username`'s account again; bindings go if its credentials changed.
async fn refresh(store: &Store, directory: &Directory, location: &Location, username: &str) {
    let before = directory.get(username);
    match store.find_sip_account(username).await {
        Ok(row) => match row.ha1() {
            Some(ha1) => directory.set(username, Account::new(ha1, &row.digest_algorithms)),
            None => directory.remove(username),
        },
        Err(StoreError::NotFound) => directory.remove(username),
        Err(err) => {
            tracing::warn!(%err, username, "cannot read a changed SIP account");
            return;
        }
    }
    if directory.get(username) != before {
        location.clear(username);
    }
}

/// Reads every account again, retrying while the store is unreachable.
async fn reload(store: &Store, directory: &Directory) {
    loop {
        match store.list_sip_accounts().await {
            Ok(rows) => return directory.replace(&rows),
            Err(err) => {
                tracing::warn!(%err, "cannot read the SIP accounts; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
