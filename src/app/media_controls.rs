//! What a room changes in a call: the microphone, the camera, the
//! speaker's level (saved: it outlives calls and restarts) and the meeting
//! layout it watches. Each reaches the live media and shows in the status
//! at once, even before the media starts sending.

use std::sync::Arc;

use super::active_call::LiveMedia;
use super::published::Published;
use crate::media::CallMedia;
use crate::sip::{AgentCommand, SipAgent};
use crate::store::DataDir;

#[derive(Clone)]
pub struct MediaControls {
    data: DataDir,
    published: Published,
    live: Arc<LiveMedia>,
}

impl MediaControls {
    pub fn new(data: DataDir, published: Published, live: Arc<LiveMedia>) -> Self {
        Self {
            data,
            published,
            live,
        }
    }

    /// The live call's media slot, published for the screen.
    pub fn live(&self) -> &Arc<LiveMedia> {
        &self.live
    }

    /// Every call starts with the microphone open and the camera on, at
    /// the room's speaker level.
    pub fn ready(&self, media: &CallMedia) {
        media.set_speaker_volume(f64::from(self.published.status.borrow().speaker_volume) / 100.0);
        self.published.status(|s| {
            s.mic_muted = false;
            s.camera_off = false;
        });
    }

    pub fn set_muted(&self, muted: bool) {
        if let Some(media) = self.live.borrow().as_ref() {
            media.set_muted(muted);
        }
        self.published.status(|s| s.mic_muted = muted);
    }

    /// Muted here (the microphone) or in the meeting (the focus's mute):
    /// what the Mute button shows and turns.
    pub fn muted_anywhere(&self) -> bool {
        let status = self.published.status.borrow();
        let in_meeting = status
            .call_roster
            .as_ref()
            .and_then(|r| r.me())
            .is_some_and(|me| me.muted);
        status.mic_muted || in_meeting
    }

    pub fn set_camera(&self, on: bool) {
        if let Some(media) = self.live.borrow().as_ref() {
            media.set_camera(on);
        }
        self.published.status(|s| s.camera_off = !on);
    }

    pub fn toggle_camera(&self) {
        let off = self.published.status.borrow().camera_off;
        self.set_camera(off);
    }

    /// Sets the speaker's level now and for later calls (saved).
    pub fn set_volume(&self, level: u8) {
        let level = level.min(100);
        if let Some(media) = self.live.borrow().as_ref() {
            media.set_speaker_volume(f64::from(level) / 100.0);
        }
        let mut settings = self.data.load_settings();
        if settings.volume() != level {
            settings.speaker_volume = Some(level);
            if let Err(err) = self.data.save_settings(&settings) {
                tracing::error!(%err, "cannot save settings");
            }
        }
        self.published.status(|s| s.speaker_volume = level);
    }

    /// The volume keys: `delta` percent up or down, within 0–100.
    pub fn change_volume(&self, delta: i8) {
        let now = i16::from(self.published.status.borrow().speaker_volume);
        self.set_volume((now + i16::from(delta)).clamp(0, 100) as u8);
    }

    /// Asks the meeting for `layout` in this room (the agent's INFO); the
    /// roster confirms it.
    pub async fn set_layout(&self, agent: &SipAgent, layout: String) {
        agent.command(AgentCommand::SelectLayout(layout)).await;
    }

    /// The Layout button and the remote's menu key: the next layout after
    /// the one the roster says this room watches.
    pub async fn cycle_layout(&self, agent: &SipAgent) {
        let next = {
            let status = self.published.status.borrow();
            let now = status.call_roster.as_ref().and_then(|r| r.layout.clone());
            next_layout(now.as_deref())
        };
        self.set_layout(agent, next.to_string()).await;
    }
}

/// The meeting layouts in the order the Layout button walks them.
const LAYOUTS: [&str; 3] = ["gallery", "speaker", "picture_in_picture"];

/// The layout after `now` (the meeting's default, the gallery, if unknown).
fn next_layout(now: Option<&str>) -> &'static str {
    let at = now
        .and_then(|now| LAYOUTS.iter().position(|l| *l == now))
        .unwrap_or(0);
    LAYOUTS[(at + 1) % LAYOUTS.len()]
}

#[cfg(test)]
mod tests {
    use super::next_layout;

    #[test]
    fn the_layout_button_walks_gallery_speaker_picture_in_picture() {
        assert_eq!(next_layout(None), "speaker");
        assert_eq!(next_layout(Some("gallery")), "speaker");
        assert_eq!(next_layout(Some("speaker")), "picture_in_picture");
        assert_eq!(next_layout(Some("picture_in_picture")), "gallery");
        assert_eq!(next_layout(Some("mosaic")), "speaker");
    }
}
