//! The call under way: mute, camera, layout, the speaker's level, leave
//! (Home and Back do not walk away from it); and where the screen goes when
//! a call starts or ends.

use super::{Control, Effect, Page, UiState, VOLUME_STEP};

impl UiState {
    pub(super) fn in_call_control(&mut self, control: Control) -> Option<Effect> {
        Some(match control {
            Control::Mute => Effect::ToggleMute,
            Control::Camera => Effect::ToggleCamera,
            Control::Layout => Effect::CycleLayout,
            Control::VolumeDown => Effect::ChangeVolume(-VOLUME_STEP),
            Control::VolumeUp => Effect::ChangeVolume(VOLUME_STEP),
            Control::Leave => Effect::HangUp,
            _ => return None,
        })
    }

    /// A call began (from this screen or the control API): its page shows,
    /// unless the wizard is on screen.
    pub fn call_started(&mut self) {
        if !self.in_wizard() {
            self.go(Page::InCall);
        }
    }

    /// The call ended: a refusal goes back to the page it was placed from
    /// (Join or Dial), where the reason shows and the number can be
    /// corrected; anything else goes Home.
    pub fn call_ended(&mut self, refused: bool) {
        if matches!(self.page, Page::InCall | Page::Incoming) {
            self.meeting_password.clear();
            if refused {
                let back = if self.call_from == Page::Dial {
                    Page::Dial
                } else {
                    Page::Join
                };
                self.go(back);
                self.call_refused = true;
            } else {
                self.go(Page::Home);
            }
        }
    }
}
