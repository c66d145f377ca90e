//! A meeting call on the terminal: its media bound first (the ports go in
//! the offer), the agent dialling, the answer's addresses given to the
//! senders, and everything dropped when the call ends. The call's state is
//! mirrored into the terminal status for the screen and the control API;
//! its media is published for the in-call screen while the call lasts.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::published::Published;
use crate::media::{CallMedia, CallMediaConfig, MediaError};
use crate::sip::content_sdp::content_remote;
use crate::sip::{sdp, CallEnd, CallState};

/// How often the network quality is measured (its warning counts seconds).
const QUALITY_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A meeting's media that stops for this long means its node is gone: the
/// MCU sends pictures and sound without pause, whoever speaks or not.
pub const LOST_AFTER: Duration = Duration::from_secs(4);
/// The pause before a failed attempt to place the call again is retried.
const RETRY_PAUSE: Duration = Duration::from_secs(2);

/// Why a call is to be placed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// Its media stopped.
    Silent,
    /// An attempt to place it again failed (no answer, a server error).
    AttemptFailed,
}

/// A call that is placed again when lost: where to say so, and whether a
/// failed attempt is worth another.
#[derive(Debug, Clone)]
pub struct Redial {
    pub lost: mpsc::Sender<Lost>,
    pub retry_failure: bool,
}

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

/// A call's media, bound, with the SDP that describes it.
pub struct Prepared {
    pub media: CallMedia,
    pub local: sdp::LocalMedia,
    /// Our offer (an answer is shaped on the caller's: `sdp::answer`).
    pub sdp: String,
}

/// Binds the call media and describes it.
pub fn prepare(config: &CallMediaConfig) -> Result<Prepared, MediaError> {
    let media = CallMedia::receive(config.clone())?;
    let (video_port, audio_port) = media.local_ports();
    let local = sdp::LocalMedia {
        ip: config.local,
        video_port,
        audio_port,
        video_pt: config.video_pt,
        audio_pt: config.audio_pt,
        video_rtx_pt: config.video_rtx_pt,
        kbps: config.class.bitrate_kbps(),
        content: media.content_port().zip(config.content_pt),
    };
    let sdp = sdp::offer(&local);
    Ok(Prepared { media, local, sdp })
}

/// What the agent says of a meeting call besides its state.
pub struct Meeting {
    /// The roster, from the focus's NOTIFYs.
    pub roster: watch::Receiver<Option<crate::sip::conference::Roster>>,
    /// The picture size the focus asks for (`None`: the class's).
    pub send_size: watch::Receiver<Option<(u32, u32)>>,
}

/// Publishes the call's media and follows the agent's call state with it
/// until the call ends.
pub fn follow(
    prepared: Prepared,
    mut call: watch::Receiver<Option<CallState>>,
    meeting: Meeting,
    published: Published,
    live: Arc<LiveMedia>,
    redial: Option<Redial>,
) -> ActiveCall {
    let Published { status, ui } = published;
    let Meeting {
        mut roster,
        mut send_size,
    } = meeting;
    let Prepared { media, local, .. } = prepared;
    let media = Arc::new(media);
    live.send_replace(Some(media.clone()));
    let task = tokio::spawn({
        let media = media.clone();
        let live = live.clone();
        async move {
            let mut sending = false;
            // Answered at, until its media is found lost (once).
            let mut watching_since: Option<Instant> = None;
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
                        match sdp::remote_media(answer, &local) {
                            Some(remote) => {
                                media.set_retransmission(remote.retransmission);
                                // Our receiver reports and key-frame
                                // requests for shared content go where
                                // the content comes from.
                                if let Some(content) = content_remote(answer) {
                                    if let Err(err) = media.content_from(content) {
                                        tracing::warn!(%err, "no RTCP for the content");
                                    }
                                }
                                match media.send_to(remote.video, remote.audio) {
                                    Ok(()) => {
                                        sending = true;
                                        media.set_send_size(*send_size.borrow_and_update());
                                        watching_since = Some(Instant::now());
                                        let devices = media.devices();
                                        status.send_modify(|s| {
                                            s.call_devices = devices;
                                            s.call_reconnecting = false;
                                        });
                                    }
                                    Err(err) => tracing::error!(%err, "cannot send call media"),
                                }
                            }
                            None => tracing::warn!("the answer names no usable media"),
                        }
                    }
                }
                if let (Some(CallState::Ended(end)), Some(redial)) = (&state, &redial) {
                    if redial.retry_failure && worth_retrying(end) {
                        tracing::warn!(?end, "placing the lost call again failed: retrying");
                        tokio::time::sleep(RETRY_PAUSE).await;
                        let _ = redial.lost.send(Lost::AttemptFailed).await;
                        return;
                    }
                }
                let ended = match &state {
                    Some(CallState::Ended(end)) => Some(matches!(end, CallEnd::Refused { .. })),
                    _ => None,
                };
                status.send_modify(|s| {
                    s.call = state;
                    if ended.is_some() {
                        forget_ended(s);
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
                        changed = send_size.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            let size = *send_size.borrow_and_update();
                            tracing::info!(?size, "the focus asks for another picture size");
                            media.set_send_size(size);
                        }
                        changed = roster.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            let now = roster.borrow_and_update().clone();
                            if let Some(now) = &now {
                                ui.send_modify(|ui| ui.roster_changed(now));
                            }
                            status.send_modify(|s| s.call_roster = now);
                        }
                        _ = measure.tick(), if sending => {
                            let lost = watching_since
                                .is_some_and(|since| media.silent_for(since) >= LOST_AFTER);
                            if let (true, Some(redial)) = (lost, &redial) {
                                tracing::warn!("the meeting's media stopped: placing the call again");
                                watching_since = None;
                                status.send_modify(|s| s.call_reconnecting = true);
                                let _ = redial.lost.send(Lost::Silent).await;
                            }
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

/// The status of a call that ended: when, and nothing of it left to show.
pub fn forget_ended(s: &mut crate::status::TerminalStatus) {
    s.call_reconnecting = false;
    s.call_ended_at = Some(std::time::Instant::now());
    s.call_quality = None;
    s.call_roster = None;
    s.call_devices = Default::default();
}

/// An attempt that may succeed if made again: no answer, or a server
/// error (a node the edge has not yet taken out of rotation). A refusal
/// about the call itself (wrong password, meeting over) is final.
fn worth_retrying(end: &CallEnd) -> bool {
    match end {
        CallEnd::Timeout => true,
        CallEnd::Refused { status, .. } => *status == 408 || *status >= 500,
        _ => false,
    }
}
