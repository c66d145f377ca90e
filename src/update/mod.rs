//! Software updates on the device. The cloud offers a signed RAUC bundle in
//! the device's config; the updater downloads it (`download.rs`: size and
//! SHA-256 checked), hands it to RAUC (`install.rs`: signature checked,
//! written to the slot not running), reboots into it, and reports every
//! step on the config channel. After the reboot it reports `installed`, or
//! `rolled_back` when the image's update check found the new release
//! unhealthy and the bootloader came back to the old one (`journal.rs`
//! remembers across the reboot).

mod download;
mod install;
mod journal;

use std::path::PathBuf;
use std::time::Duration;

use roomterm_proto::{DeviceMessage, UpdateOffer, UpdateState};
use tokio::sync::{mpsc, watch};

use journal::{Journal, Phase};

/// What the updater needs from the session.
pub struct UpdaterSettings {
    pub server_url: String,
    pub device_token: String,
    pub ca_pem: Option<String>,
    /// Where the journal and the downloaded bundle go (the data directory).
    pub dir: PathBuf,
    /// The release running now.
    pub release: String,
}

/// Acts on each new offer in `offers`; reports go to `reports` (the config
/// channel sends them, queued while it is down). Ends when `offers` closes.
pub fn spawn(
    settings: UpdaterSettings,
    mut offers: watch::Receiver<Option<UpdateOffer>>,
    reports: mpsc::Sender<DeviceMessage>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut journal = Journal::load(&settings.dir);
        let reporter = Reporter(reports);
        if let Some((offer, version, state)) = journal.outcome_after_reboot(&settings.release) {
            let message = (state == UpdateState::RolledBack).then(|| {
                format!(
                    "{version} did not come up healthy; running {} again",
                    settings.release
                )
            });
            tracing::info!(offer, %version, ?state, "update outcome after the reboot");
            reporter.outcome(offer, &version, state, message).await;
            let phase = if state == UpdateState::Installed {
                Phase::Installed
            } else {
                Phase::RolledBack
            };
            if let Err(err) = journal.record(offer, &version, phase) {
                tracing::warn!(%err, "update journal");
            }
        }
        loop {
            let offer = offers.borrow_and_update().clone();
            if let Some(offer) = offer.filter(|o| journal.is_new(o)) {
                attempt(&settings, &offer, &mut journal, &reporter).await;
            }
            if offers.changed().await.is_err() {
                return;
            }
        }
    })
}

/// Sends reports; progress is dropped rather than waited for when the
/// queue is full (a later one supersedes it), outcomes are not.
struct Reporter(mpsc::Sender<DeviceMessage>);

impl Reporter {
    fn progress(&self, offer: &UpdateOffer, state: UpdateState, progress: u8) {
        let _ = self.0.try_send(DeviceMessage::UpdateStatus {
            offer: offer.id,
            version: offer.version.clone(),
            state,
            progress: Some(progress),
            message: None,
        });
    }

    async fn outcome(
        &self,
        offer: i64,
        version: &str,
        state: UpdateState,
        message: Option<String>,
    ) {
        let _ = self
            .0
            .send(DeviceMessage::UpdateStatus {
                offer,
                version: version.to_string(),
                state,
                progress: None,
                message,
            })
            .await;
    }
}

async fn attempt(
    settings: &UpdaterSettings,
    offer: &UpdateOffer,
    journal: &mut Journal,
    reporter: &Reporter,
) {
    if offer.version == settings.release {
        tracing::info!(version = %offer.version, "offered the release already running");
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Installed, None)
            .await;
        let _ = journal.record(offer.id, &offer.version, Phase::Installed);
        return;
    }
    tracing::info!(version = %offer.version, size = offer.size, "installing an update");
    let bundle = settings.dir.join("update").join("bundle.raucb");
    let result = fetch_and_install(settings, offer, &bundle, reporter).await;
    // The bundle is written to the slot (or useless): free the space.
    let _ = tokio::fs::remove_file(&bundle).await;
    if let Err(why) = result {
        tracing::warn!(version = %offer.version, %why, "update failed");
        let _ = journal.record(offer.id, &offer.version, Phase::Failed);
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
        return;
    }
    if let Err(err) = journal.record(offer.id, &offer.version, Phase::Rebooting) {
        // Without the journal the outcome could not be told after the
        // reboot: better not to reboot.
        let why = format!("cannot keep the update journal: {err}");
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
        return;
    }
    reporter
        .outcome(offer.id, &offer.version, UpdateState::Rebooting, None)
        .await;
    // Give the channel a moment to send the report before the network goes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    tracing::info!(version = %offer.version, "installed; rebooting into it");
    if let Err(why) = install::reboot().await {
        let _ = journal.record(offer.id, &offer.version, Phase::Failed);
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
    }
}

async fn fetch_and_install(
    settings: &UpdaterSettings,
    offer: &UpdateOffer,
    bundle: &std::path::Path,
    reporter: &Reporter,
) -> Result<(), String> {
    reporter.progress(offer, UpdateState::Downloading, 0);
    download::download(
        &settings.server_url,
        &settings.device_token,
        settings.ca_pem.as_deref(),
        offer,
        bundle,
        |percent| reporter.progress(offer, UpdateState::Downloading, percent),
    )
    .await?;
    reporter.progress(offer, UpdateState::Installing, 0);
    install::install(bundle, |percent| {
        reporter.progress(offer, UpdateState::Installing, percent)
    })
    .await
}
