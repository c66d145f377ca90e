//! The room's meetings of the day, for Home: fetched when the session
//! starts, when the cloud pushes a new config, and every minute (a meeting
//! made, moved or cancelled in the cloud shows within one). The last list
//! stays if a fetch fails.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::published::Published;
use crate::store::Credentials;

/// How often the list is fetched again.
const EVERY: Duration = Duration::from_secs(60);

/// Keeps Home's list current until the session ends; `again` asks for a
/// fetch now.
pub fn follow(
    credentials: &Credentials,
    ca: Option<String>,
    published: Published,
    mut again: watch::Receiver<()>,
) -> JoinHandle<()> {
    let (server, token) = (
        credentials.server_url.clone(),
        credentials.device_token.clone(),
    );
    tokio::spawn(async move {
        loop {
            match crate::provision::fetch_meetings(&server, &token, ca.as_deref()).await {
                Ok(meetings) => published.ui(|ui| ui.schedule = meetings),
                Err(err) => tracing::warn!(%err, "cannot fetch the meetings of the day"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                changed = again.changed() => if changed.is_err() { return },
            }
        }
    })
}
