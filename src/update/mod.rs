//! Software updates on the device. The cloud offers a signed RAUC bundle in
//! the device's config; the updater downloads it (`download.rs`: size and
//! SHA-256 checked), hands it to RAUC (`install.rs`: signature checked,
//! written to the slot not running), reboots into it, and reports every
//! step on the config channel. After the reboot it reports `installed`, or
//! `rolled_back` when the image's update check found the new release
//! unhealthy and the bootloader came back to the old one (`journal.rs`
//! remembers across the reboot). An update starts between calls, and the
//! reboot waits for a call that began meanwhile to end: a meeting is never
//! cut short, nor starved of bandwidth, by an update.

mod download;
mod install;
mod journal;

use std::path::PathBuf;
use std::time::Duration;

use roomterm_proto::{DeviceMessage, UpdateOffer, UpdateState};
use tokio::sync::{mpsc, watch};

use journal::{Journal, Phase};

use crate::app::TerminalStatus;

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
    /// Where the journal and the downloaded bundle go (the data directory).
    pub dir: PathBuf,
    /// The release running now.
    pub release: String,
    /// The terminal's status: the updater shows its progress there, and
    /// reads whether a call is in progress.
    pub status: std::sync::Arc<watch::Sender<TerminalStatus>>,
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
        let reporter = Reporter {
            reports,
            status: settings.status.clone(),
        };
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

/// Sends reports and shows them on the terminal; progress is dropped rather
/// than waited for when the queue is full (a later one supersedes it),
/// outcomes are not.
struct Reporter {
    reports: mpsc::Sender<DeviceMessage>,
    status: std::sync::Arc<watch::Sender<TerminalStatus>>,
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
        self.status.send_if_modified(|s| {
            let changed = s.update != shown;
            s.update = shown;
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
        let _ = journal.record(offer.id, &offer.version, Phase::Failed);
        reporter
            .outcome(offer.id, &offer.version, UpdateState::Failed, Some(why))
            .await;
        return;
    }
    wait_for_a_free_room(settings, offer, reporter, UpdateState::WaitingForCall).await;
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
    if !settings.status.borrow().in_call() {
        return;
    }
    tracing::info!(version = %offer.version, state = waiting.as_str(), "the update waits for the call to end");
    reporter
        .outcome(offer.id, &offer.version, waiting, None)
        .await;
    wait_until_no_call(settings.status.subscribe(), CALL_SETTLE).await;
}

/// Returns once no call is in progress, and has not been for `settle`: a
/// room that hangs up to dial again is not restarted between the two calls.
async fn wait_until_no_call(mut status: watch::Receiver<TerminalStatus>, settle: Duration) {
    loop {
        if status.wait_for(|s| !s.in_call()).await.is_err() {
            return;
        }
        match tokio::time::timeout(settle, status.wait_for(|s| s.in_call())).await {
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
    use crate::sip::{CallEnd, CallState};

    fn set_call(status: &watch::Sender<TerminalStatus>, call: CallState) {
        status.send_modify(|s| s.call = Some(call));
    }

    /// An offer made during a meeting: the cloud hears `deferred`, and no
    /// download starts until the room has been free for `CALL_SETTLE`.
    #[tokio::test]
    async fn an_update_offered_during_a_call_starts_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let status = std::sync::Arc::new(watch::Sender::new(TerminalStatus::new("SN")));
        set_call(
            &status,
            CallState::Established {
                remote_sdp: String::new(),
            },
        );
        let settings = UpdaterSettings {
            // Nothing listens there: the download, once it starts, fails.
            server_url: "https://127.0.0.1:9".into(),
            device_token: "token".into(),
            ca_pem: None,
            dir: dir.path().to_path_buf(),
            release: "1.0.0".into(),
            status: status.clone(),
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
        let shown = status.borrow().update.clone().map(|u| u.state);
        assert_eq!(shown, Some(UpdateState::Deferred), "the home page says so");
        let during = tokio::time::timeout(Duration::from_secs(1) + CALL_SETTLE, sent.recv()).await;
        assert!(during.is_err(), "started during the call: {during:?}");

        set_call(&status, CallState::Ended(CallEnd::HungUp));
        let next = tokio::time::timeout(CALL_SETTLE * 3, sent.recv()).await;
        assert_eq!(next.unwrap().map(state), Some(UpdateState::Downloading));
        drop(offers);
        updater.abort();
    }

    #[tokio::test]
    async fn the_restart_waits_for_the_call_and_a_redial_to_end() {
        let status = watch::Sender::new(TerminalStatus::new("SN"));
        set_call(
            &status,
            CallState::Established {
                remote_sdp: String::new(),
            },
        );
        let settle = Duration::from_secs(2);
        let waiting = tokio::spawn(wait_until_no_call(status.subscribe(), settle));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "restarted during the call");

        // Hung up, and dialling again at once: still no restart.
        set_call(&status, CallState::Ended(CallEnd::HungUp));
        tokio::time::sleep(Duration::from_millis(50)).await;
        set_call(&status, CallState::Calling);
        tokio::time::sleep(settle + Duration::from_millis(500)).await;
        assert!(!waiting.is_finished(), "restarted between two calls");

        set_call(&status, CallState::Ended(CallEnd::HungUp));
        tokio::time::timeout(settle * 3, waiting)
            .await
            .expect("restarts once the room is free")
            .unwrap();
    }
}
