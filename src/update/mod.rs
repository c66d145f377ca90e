//! Software updates on the device. The cloud offers a signed RAUC bundle in
//! the device's config; the updater downloads it (`download.rs`: size and
//! SHA-256 checked), hands it to RAUC (`install.rs`: signature checked,
//! written to the slot not running), reboots into it, and reports every
//! step on the config channel. After the reboot it reports `installed`, or
//! `rolled_back` when the image's update check found the new release
//! unhealthy and the bootloader came back to the old one (`record.rs`
//! remembers across the reboot). An update starts between calls, and the
//! reboot waits for a call that began meanwhile to end: a meeting is never
//! cut short, nor starved of bandwidth, by an update.

mod download;
mod install;
mod record;

use std::path::PathBuf;
use std::time::Duration;

use roomterm_proto::{DeviceMessage, UpdateOffer, UpdateState};
use tokio::sync::{mpsc, watch};

use record::{Phase, UpdateRecord};

/// An update under way, as the terminal shows it (home page, control API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateProgress {
    pub version: String,
    /// `Deferred`, `Downloading`, `Installing`, `WaitingForCall` or
    /// `Rebooting`.
    pub state: UpdateState,
    /// Percent of the current step (download, install).
    pub progress: Option<u8>,
}

/// What the updater needs from the session.
pub struct UpdaterSettings {
    pub server_url: String,
    pub device_token: String,
    pub ca_pem: Option<String>,
    /// Where the record and the downloaded bundle go (the data directory).
    pub dir: PathBuf,
    /// The release running now.
    pub release: String,
    /// Where the updater shows the step under way (the runtime puts it on
    /// the home page and in the control API's status).
    pub shown: watch::Sender<Option<UpdateProgress>>,
    /// Whether a call is placed, ringing or under way now.
    pub in_call: watch::Receiver<bool>,
}

/// Acts on each new offer in `offers`; reports go to `reports` (the config
/// channel sends them, queued while it is down). Ends when `offers` closes.
pub fn spawn(
    settings: UpdaterSettings,
    mut offers: watch::Receiver<Option<UpdateOffer>>,
    reports: mpsc::Sender<DeviceMessage>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut record = UpdateRecord::load(&settings.dir);
        let reporter = Reporter {
            reports,
            shown: settings.shown.clone(),
        };
        if let Some((offer, version, state)) = record.outcome_after_reboot(&settings.release) {
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
            if let Err(err) = record.save(offer, &version, phase) {
                tracing::warn!(%err, "update record");
            }
        }
        loop {
            let offer = offers.borrow_and_update().clone();
            if let Some(offer) = offer.filter(|o| record.is_new(o)) {
                attempt(&settings, &offer, &mut record, &reporter).await;
            }
            if offers.changed().await.is_err() {
                return;
            }
        }
    })
}

/// Sends reports and shows them on the terminal; progress is dropped rather
/// than waited for when the queue is full (a later one supersedes it),
/// outcomes are not.
struct Reporter {
    reports: mpsc::Sender<DeviceMessage>,
    shown: watch::Sender<Option<UpdateProgress>>,
}

impl Reporter {
    /// Shows `state` on the terminal while it is a step under way; clears
    /// it once the update is over (either way).
    fn show(&self, version: &str, state: UpdateState, progress: Option<u8>) {
        let shown = matches!(
            state,
            UpdateState::Deferred
                | UpdateState::Downloading
                | UpdateState::Installing
                | UpdateState::WaitingForCall
                | UpdateState::Rebooting
        )
        .then(|| UpdateProgress {
            version: version.to_string(),
            state,
            progress,
        });
        self.shown.send_if_modified(|now| {
            let changed = *now != shown;
            *now = shown;
            changed
        });
    }

    fn progress(&self, offer: &UpdateOffer, state: UpdateState, progress: u8) {
        self.show(&offer.version, state, Some(progress));
        let _ = self.reports.try_send(DeviceMessage::UpdateStatus {
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
        self.show(version, state, None);
        let _ = self
            .reports
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
    record: &mut UpdateRecord,
    reporter: &Reporter,
) {
    if offer.version == settings.release {
        tracing::info!(version = %offer.version, "offered the release already running");
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Installed, None)
            .await;
        let _ = record.save(offer.id, &offer.version, Phase::Installed);
        return;
    }
    // Downloading and writing a slot take the network and the disk a
    // meeting needs: an update starts between calls.
    wait_for_a_free_room(settings, offer, reporter, UpdateState::Deferred).await;
    tracing::info!(version = %offer.version, size = offer.size, "installing an update");
    let bundle = settings.dir.join("update").join("bundle.raucb");
    let result = fetch_and_install(settings, offer, &bundle, reporter).await;
    // The bundle is written to the slot (or useless): free the space.
    let _ = tokio::fs::remove_file(&bundle).await;
    if let Err(why) = result {
        tracing::warn!(version = %offer.version, %why, "update failed");
        let _ = record.save(offer.id, &offer.version, Phase::Failed);
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
        return;
    }
    wait_for_a_free_room(settings, offer, reporter, UpdateState::WaitingForCall).await;
    if let Err(err) = record.save(offer.id, &offer.version, Phase::Rebooting) {
        // Without the record the outcome could not be told after the
        // reboot: better not to reboot.
        let why = format!("cannot keep the update record: {err}");
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
        let _ = record.save(offer.id, &offer.version, Phase::Failed);
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
    }
}

/// How long no call must be in progress before an update starts or
/// restarts the terminal.
const CALL_SETTLE: Duration = Duration::from_secs(5);

/// During a call: reports `waiting` (`Deferred` before the download,
/// `WaitingForCall` before the restart), then returns once the room is free.
async fn wait_for_a_free_room(
    settings: &UpdaterSettings,
    offer: &UpdateOffer,
    reporter: &Reporter,
    waiting: UpdateState,
) {
    if !*settings.in_call.borrow() {
        return;
    }
    tracing::info!(version = %offer.version, state = waiting.as_str(), "the update waits for the call to end");
    reporter
        .outcome(offer.id, &offer.version, waiting, None)
        .await;
    wait_until_no_call(settings.in_call.clone(), CALL_SETTLE).await;
}

/// Returns once no call is in progress, and has not been for `settle`: a
/// room that hangs up to dial again is not restarted between the two calls.
async fn wait_until_no_call(mut in_call: watch::Receiver<bool>, settle: Duration) {
    loop {
        if in_call.wait_for(|busy| !busy).await.is_err() {
            return;
        }
        match tokio::time::timeout(settle, in_call.wait_for(|busy| *busy)).await {
            // Still no call after SETTLE (or the terminal is going away).
            Err(_) | Ok(Err(_)) => return,
            Ok(Ok(_)) => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An offer made during a meeting: the cloud hears `deferred`, and no
    /// download starts until the room has been free for `CALL_SETTLE`.
    #[tokio::test]
    async fn an_update_offered_during_a_call_starts_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let in_call = watch::Sender::new(true);
        let shown = watch::Sender::new(None);
        let settings = UpdaterSettings {
            // Nothing listens there: the download, once it starts, fails.
            server_url: "https://127.0.0.1:9".into(),
            device_token: "token".into(),
            ca_pem: None,
            dir: dir.path().to_path_buf(),
            release: "1.0.0".into(),
            shown: shown.clone(),
            in_call: in_call.subscribe(),
        };
        let offer = UpdateOffer {
            id: 7,
            version: "1.1.0".into(),
            url: "/api/v1/device/updates/7".into(),
            sha256: "00".repeat(32),
            size: 1024,
        };
        let (reports, mut sent) = mpsc::channel(16);
        let (offers, offered) = watch::channel(Some(offer));
        let updater = spawn(settings, offered, reports);
        let state = |message: DeviceMessage| match message {
            DeviceMessage::UpdateStatus { state, .. } => state,
            other => panic!("{other:?}"),
        };

        let first = tokio::time::timeout(Duration::from_secs(5), sent.recv()).await;
        assert_eq!(first.unwrap().map(state), Some(UpdateState::Deferred));
        let on_screen = shown.borrow().clone().map(|u| u.state);
        assert_eq!(
            on_screen,
            Some(UpdateState::Deferred),
            "the home page says so"
        );
        let during = tokio::time::timeout(Duration::from_secs(1) + CALL_SETTLE, sent.recv()).await;
        assert!(during.is_err(), "started during the call: {during:?}");

        in_call.send_replace(false);
        let next = tokio::time::timeout(CALL_SETTLE * 3, sent.recv()).await;
        assert_eq!(next.unwrap().map(state), Some(UpdateState::Downloading));
        drop(offers);
        updater.abort();
    }

    #[tokio::test]
    async fn the_restart_waits_for_the_call_and_a_redial_to_end() {
        let in_call = watch::Sender::new(true);
        let settle = Duration::from_secs(2);
        let waiting = tokio::spawn(wait_until_no_call(in_call.subscribe(), settle));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "restarted during the call");

        // Hung up, and dialling again at once: still no restart.
        in_call.send_replace(false);
        tokio::time::sleep(Duration::from_millis(50)).await;
        in_call.send_replace(true);
        tokio::time::sleep(settle + Duration::from_millis(500)).await;
        assert!(!waiting.is_finished(), "restarted between two calls");

        in_call.send_replace(false);
        tokio::time::timeout(settle * 3, waiting)
            .await
            .expect("restarts once the room is free")
            .unwrap();
    }
}
