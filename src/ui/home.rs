//! The room's start page: join a meeting, call a room, share a screen,
//! the settings.

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
            Control::Settings => self.go(Page::Settings),
            Control::Share => self.go(Page::Share),
            _ => {}
        }
        None
    }
}
