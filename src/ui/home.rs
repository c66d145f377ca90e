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
            Control::Meeting0 | Control::Meeting1 => {
                let at = usize::from(control == Control::Meeting1);
                let meeting = self.schedule.get(at)?;
                let meeting_id = meeting.meeting_id.clone();
                self.meeting_id = meeting_id.clone();
                self.meeting_password.clear();
                self.call_from = Page::Join;
                self.go(Page::InCall);
                return Some(Effect::Join {
                    meeting_id,
                    password: String::new(),
                });
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
    fn the_days_meetings_are_one_touch_or_ok_from_home() {
        let mut ui = UiState::new(&crate::store::Settings::default(), true);
        assert!(!ui.on_screen(Control::Meeting0));
        ui.schedule = vec![roomterm_proto::ScheduledMeeting {
            meeting_id: "8100001".into(),
            subject: "Standup".into(),
            organiser: String::new(),
            starts_at: 0,
            ends_at: 900,
        }];
        assert!(ui.on_screen(Control::Meeting0) && !ui.on_screen(Control::Meeting1));
        ui.key(crate::keys::Key::Down);
        ui.key(crate::keys::Key::Right);
        assert_eq!(ui.focused(), Control::Meeting0);
        assert_eq!(
            ui.activate(Control::Meeting0),
            Some(Effect::Join {
                meeting_id: "8100001".into(),
                password: String::new()
            })
        );
        assert_eq!((ui.page, ui.meeting_id.as_str()), (Page::InCall, "8100001"));
    }

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
