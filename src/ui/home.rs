//! The room's start page: join a meeting, call a room, share a screen,
//! the settings; start a meeting in the room's own meeting room, as its
//! host, in one touch.

use super::join::JoinField;
use super::{Control, Effect, Page, UiState};

impl UiState {
    pub(super) fn home_control(&mut self, control: Control) -> Option<Effect> {
        match control {
            Control::Join => {
                self.meeting_password.clear();
                self.join_field = JoinField::MeetingId;
                self.go(Page::Join);
            }
            Control::Call => {
                self.go(Page::Dial);
                return Some(Effect::LoadDirectory);
            }
            Control::StartMeeting => {
                // The runtime knows the room's meeting room (its config)
                // and puts its ID on the page as it dials.
                self.meeting_password.clear();
                self.call_from = Page::Join;
                self.go(Page::InCall);
                return Some(Effect::StartMeeting);
            }
            Control::Settings => self.go(Page::Settings),
            Control::Share => self.go(Page::Share),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_meeting_is_one_touch_from_home() {
        let mut ui = UiState::new(&crate::store::Settings::default(), true);
        assert_eq!(ui.page, Page::Home);
        assert_eq!(
            ui.activate(Control::StartMeeting),
            Some(Effect::StartMeeting)
        );
        assert_eq!(ui.page, Page::InCall);
    }
}
