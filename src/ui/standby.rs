//! Standby: the screen goes dark while nobody uses the room, after the
//! idle time in the settings or when a room controller asks. The first
//! touch or key only wakes it (it presses nothing, as on a TV), and a call
//! ringing, a call starting or a cast starting wake it on their own.

use super::{Page, UiState};

impl UiState {
    /// Whether the room may sleep now: not in the wizard, no call ringing
    /// or running, nothing cast.
    pub fn may_sleep(&self) -> bool {
        !self.in_wizard()
            && !matches!(
                self.page,
                Page::Incoming | Page::InCall | Page::Casting | Page::CastRequest
            )
            && !self.meeting.in_meeting
    }

    /// Goes to standby if it may; whether it is in standby now.
    pub fn enter_standby(&mut self) -> bool {
        if self.may_sleep() {
            self.standby = true;
        }
        self.standby
    }

    /// Wakes the screen; whether it was asleep (then the input that woke
    /// it does nothing else).
    pub fn wake(&mut self) -> bool {
        std::mem::replace(&mut self.standby, false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Control;
    use super::*;
    use crate::keys::Key;
    use crate::store::Settings;

    #[test]
    fn the_first_input_only_wakes_and_calls_wake_on_their_own() {
        let mut ui = UiState::new(&Settings::default(), true);
        assert!(ui.enter_standby());
        assert!(ui.wake(), "the key that wakes it");
        assert_eq!(ui.page, Page::Home, "pressed nothing");
        assert!(!ui.wake(), "awake: keys press again");
        assert_eq!(ui.key(Key::Down), None);

        // A call ringing wakes the room; a room in a call does not sleep.
        ui.enter_standby();
        ui.call_incoming(&crate::sip::Caller {
            name: "Board".into(),
            number: "100002".into(),
            meeting: false,
        });
        assert!(!ui.standby);
        assert!(!ui.enter_standby(), "not while it rings");
        ui.activate(Control::Answer);

        // In the wizard it never sleeps.
        let mut wizard = UiState::new(&Settings::default(), false);
        assert!(!wizard.enter_standby());
    }
}
