//! A meeting call on the terminal: its media bound first (the ports go in
//! the offer), the agent dialling, the answer's addresses given to the
//! senders, and everything dropped when the call ends. The call's state is
//! mirrored into the terminal status for the screen and the control API.

use std::sync::Arc;

use tokio::sync::watch;

use super::TerminalStatus;
use crate::media::{CallMedia, CallMediaConfig, MediaError};
use crate::sip::{sdp, CallState};

/// The media and the task that follows the call.
pub struct ActiveCall {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        self.task.abort();
    }
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

/// Follows the agent's call state with `media` until the call ends.
pub fn follow(
    mut media: CallMedia,
    mut call: watch::Receiver<Option<CallState>>,
    status: Arc<watch::Sender<TerminalStatus>>,
) -> ActiveCall {
    let task = tokio::spawn(async move {
        let mut sending = false;
        loop {
            let state = call.borrow_and_update().clone();
            if let Some(CallState::Established { answer }) = &state {
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
            let ended = matches!(state, Some(CallState::Ended(_)));
            status.send_modify(|s| s.call = state);
            if ended || call.changed().await.is_err() {
                return;
            }
        }
    });
    ActiveCall { task }
}
