//! The enterprise directory for the Dial page: fetched from the cloud each
//! time the page opens, shown when it arrives (the last one stays if the
//! fetch fails).

use super::published::Published;
use crate::store::DataDir;

/// Fetches the directory in the background into the UI state.
pub fn load(data: &DataDir, published: &Published) {
    let Some(credentials) = data.load_credentials() else {
        return;
    };
    let ca = data.pinned_ca();
    let ui = published.ui.clone();
    tokio::spawn(async move {
        match crate::provision::fetch_directory(
            &credentials.server_url,
            &credentials.device_token,
            ca.as_deref(),
        )
        .await
        {
            Ok(rooms) => ui.send_modify(|ui| ui.directory_loaded(rooms)),
            Err(err) => tracing::warn!(%err, "cannot fetch the directory"),
        }
    });
}
