//! A call ringing here: who calls (a room, or a meeting ringing the room
//! into it), Answer (focused) or Decline; the remote's Call and hang-up
//! keys, and Back, do the same.

use super::{Control, Effect, Page, UiState};

impl UiState {
    pub(super) fn incoming_control(&mut self, control: Control) -> Option<Effect> {
        match control {
            Control::Answer => Some(Effect::Answer),
            Control::Decline => Some(Effect::Decline),
            _ => None,
        }
    }

    /// A call rings here: the ringing page shows who calls (over any page
    /// but the wizard's; a call in progress answers busy before this).
    pub fn call_incoming(&mut self, caller: &crate::sip::Caller) {
        self.caller_name = caller.name.clone();
        self.caller_number = caller.number.clone();
        self.caller_meeting = caller.meeting;
        self.call_from = Page::Incoming;
        if !self.in_wizard() {
            self.go(Page::Incoming);
        }
    }
}
