//! The call under way: mute, camera, layout, the speaker's level, the
//! meeting's Participants page and Host menu, leave (Home and Back do not
//! walk away from it); and where the screen goes when a call starts or
//! ends.

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
            Control::Participants => {
                self.go(Page::Participants);
                return None;
            }
            Control::HostMenu => {
                self.go(Page::HostMenu);
                return None;
            }
            _ => return None,
        })
    }

    /// A call began (from this screen or the control API): its page shows,
    /// unless the wizard is on screen.
    pub fn call_started(&mut self) {
        self.meeting = Default::default();
        self.claim_password.clear();
        if !self.in_wizard() {
            self.go(Page::InCall);
        }
    }

    /// The call ended: a refusal goes back to the page it was placed from
    /// (Join or Dial), where the reason shows and the number can be
    /// corrected; anything else goes Home.
    pub fn call_ended(&mut self, refused: bool) {
        self.meeting = Default::default();
        let inviting = std::mem::take(&mut self.inviting) && self.page == Page::Dial;
        if inviting
            || matches!(
                self.page,
                Page::InCall
                    | Page::Incoming
                    | Page::Participants
                    | Page::HostMenu
                    | Page::ClaimHost
            )
        {
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
