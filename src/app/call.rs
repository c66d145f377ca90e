//! A meeting call on the terminal: its media bound first (the ports go in
//! the offer), the agent dialling, the answer's addresses given to the
//! senders, and everything dropped when the call ends. The call's state is
//! mirrored into the terminal status for the screen and the control API;
//! its media is published for the in-call screen while the call lasts.

use std::sync::{Arc, Weak};

use tokio::sync::watch;

use super::ui::UiState;
use super::TerminalStatus;
use crate::media::{CallMedia, CallMediaConfig, MediaError};
use crate::sip::{sdp, CallEnd, CallState};

/// How often the network quality is measured (its warning counts seconds).
const QUALITY_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The live call's media, or `None` between calls.
pub type LiveMedia = watch::Sender<Option<Arc<CallMedia>>>;

/// The task that follows the call. The media lives while the call does
/// (and while the screen holds a picture of it): the task and the live
/// slot hold it, so it stops when the call ends or this is dropped.
pub struct ActiveCall {
    task: tokio::task::JoinHandle<()>,
    media: Weak<CallMedia>,
    live: Arc<LiveMedia>,
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        self.task.abort();
        withdraw(&self.live, &self.media);
    }
}

/// Unpublishes `media` if it is still the live one.
fn withdraw(live: &LiveMedia, media: &Weak<CallMedia>) {
    live.send_if_modified(|current| {
        let ours = current
            .as_ref()
            .is_some_and(|m| std::ptr::eq(Arc::as_ptr(m), media.as_ptr()));
        if ours {
            *current = None;
        }
        ours
    });
}

/// Binds the call media; returns it with the SDP offer for it.
pub fn prepare(config: &CallMediaConfig) -> Result<(CallMedia, String), MediaError> {
    let media = CallMedia::receive(config.clone())?;
    let (video, audio) = media.local_ports();
    let kbps = config.class.bitrate_kbps();
    let offer = sdp::offer(
        config.local,
        video,
        audio,
        config.video_pt,
        config.audio_pt,
        kbps,
    );
    Ok((media, offer))
}

/// Publishes `media` and follows the agent's call state with it until the
/// call ends.
pub fn follow(
    media: CallMedia,
    mut call: watch::Receiver<Option<CallState>>,
    status: Arc<watch::Sender<TerminalStatus>>,
    ui: Arc<watch::Sender<UiState>>,
    live: Arc<LiveMedia>,
) -> ActiveCall {
    let media = Arc::new(media);
    live.send_replace(Some(media.clone()));
    let task = tokio::spawn({
        let media = media.clone();
        let live = live.clone();
        async move {
            let mut sending = false;
            let mut measure = tokio::time::interval(QUALITY_EVERY);
            // What the watch holds now may be the previous call's end: this
            // call's states start with the change the Dial makes (the
            // receiver was marked seen before the Dial was sent).
            if call.changed().await.is_err() {
                return;
            }
            loop {
                let state = call.borrow_and_update().clone();
                if let Some(CallState::Established { remote_sdp: answer }) = &state {
                    if !sending {
                        match sdp::remote_media(answer) {
                            Some((video, audio)) => match media.send_to(video, audio) {
                                Ok(()) => sending = true,
                                Err(err) => tracing::error!(%err, "cannot send call media"),
                            },
                            None => tracing::warn!("the answer names no usable media"),
                        }
                    }
                }
                let ended = match &state {
                    Some(CallState::Ended(end)) => Some(matches!(end, CallEnd::Refused { .. })),
                    _ => None,
                };
                status.send_modify(|s| {
                    s.call = state;
                    if ended.is_some() {
                        s.call_quality = None;
                    }
                });
                if let Some(refused) = ended {
                    ui.send_modify(|ui| ui.call_ended(refused));
                    withdraw(&live, &Arc::downgrade(&media));
                    return;
                }
                // The quality once a second while the call lasts.
                loop {
                    tokio::select! {
                        changed = call.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            break;
                        }
                        _ = measure.tick(), if sending => {
                            let report = media.quality();
                            status.send_if_modified(|s| {
                                let changed = s.call_quality.as_ref() != Some(&report);
                                s.call_quality = Some(report);
                                changed
                            });
                        }
                    }
                }
            }
        }
    });
    ActiveCall {
        task,
        media: Arc::downgrade(&media),
        live,
    }
}
