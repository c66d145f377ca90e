//! The Join page: a meeting ID and an optional password on the keypad (or
//! the remote's digits, into the field that has focus), joined with Join,
//! OK on a field, or the remote's Call key. A refusal comes back here with
//! its reason (`call_refused`), the ID kept and the password not.

use serde::Serialize;

use super::{Control, Effect, Page, UiState};

/// Longest meeting ID typed on the Join page.
const MEETING_ID_MAX: usize = 20;
const MEETING_PASSWORD_MAX: usize = 8;

/// The Join page field the keypad types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinField {
    MeetingId,
    Password,
}

impl UiState {
    pub(super) fn join_control(&mut self, control: Control) -> Option<Effect> {
        match control {
            Control::MeetingIdField | Control::PasswordField => {
                self.join_field = if control == Control::MeetingIdField {
                    JoinField::MeetingId
                } else {
                    JoinField::Password
                };
                self.focus = self.position_of(control).unwrap_or(self.focus);
            }
            Control::Delete => {
                self.join_text_mut().0.pop();
            }
            Control::JoinMeeting if !self.meeting_id.is_empty() => {
                self.call_from = Page::Join;
                self.go(Page::InCall);
                return Some(Effect::Join {
                    meeting_id: self.meeting_id.clone(),
                    password: self.meeting_password.clone(),
                });
            }
            _ => {}
        }
        None
    }

    /// The keypad types into the field the D-pad focus lands on.
    pub(super) fn follow_join_focus(&mut self) {
        match self.focused() {
            Control::MeetingIdField => self.join_field = JoinField::MeetingId,
            Control::PasswordField => self.join_field = JoinField::Password,
            _ => {}
        }
    }

    pub(super) fn join_text_mut(&mut self) -> (&mut String, usize) {
        match self.join_field {
            JoinField::MeetingId => (&mut self.meeting_id, MEETING_ID_MAX),
            JoinField::Password => (&mut self.meeting_password, MEETING_PASSWORD_MAX),
        }
    }

    pub(super) fn type_join_digit(&mut self, digit: char) {
        let (text, max) = self.join_text_mut();
        if text.len() < max {
            text.push(digit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{press, VOLUME_STEP};
    use super::*;
    use crate::keys::Key;
    use crate::store::Settings;

    #[test]
    fn joining_a_meeting_with_the_remote_then_leaving() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), true);
        press(&mut ui, &[Ok]); // Join, first on Home
        assert_eq!(ui.page, Page::Join);
        press(&mut ui, &[Digit1, Digit2, Digit3, Digit4, Digit5, Back]);
        assert_eq!(ui.meeting_id, "1234");
        // The password field takes the digits once it has focus.
        press(&mut ui, &[Right, Digit9, Digit8, Digit7, Digit6]);
        assert_eq!(ui.join_field, JoinField::Password);
        assert_eq!(
            (ui.meeting_id.as_str(), ui.meeting_password.as_str()),
            ("1234", "9876")
        );
        // Down to the bottom row, right: Join.
        press(&mut ui, &[Down, Down, Down, Down, Right]);
        assert_eq!(ui.focused(), Control::JoinMeeting);
        assert_eq!(
            ui.key(Ok),
            Some(Effect::Join {
                meeting_id: "1234".into(),
                password: "9876".into()
            })
        );
        assert_eq!(ui.page, Page::InCall);
        // In the call, Home and Back do not walk away from it.
        press(&mut ui, &[Home, Back]);
        assert_eq!(ui.page, Page::InCall);
        assert_eq!(ui.key(Ok), Some(Effect::ToggleMute));
        assert_eq!(press(&mut ui, &[Right, Ok]), Some(Effect::ToggleCamera));
        assert_eq!(press(&mut ui, &[Right, Ok]), Some(Effect::CycleLayout));
        assert_eq!(
            press(&mut ui, &[Right, Right, Ok]),
            Some(Effect::ChangeVolume(VOLUME_STEP))
        );
        // The remote's own keys work in the call whatever has focus.
        assert_eq!(ui.key(VolumeDown), Some(Effect::ChangeVolume(-VOLUME_STEP)));
        assert_eq!(ui.key(Key::Mute), Some(Effect::ToggleMute));
        assert_eq!(ui.key(Key::Menu), Some(Effect::CycleLayout));
        assert_eq!(press(&mut ui, &[Right, Ok]), Some(Effect::HangUp));
        // A refusal returns to Join with the ID kept, the password not.
        ui.call_ended(true);
        assert_eq!(ui.page, Page::Join);
        assert!(ui.call_refused);
        assert_eq!(
            (ui.meeting_id.as_str(), ui.meeting_password.as_str()),
            ("1234", "")
        );
        // An empty ID dials nothing.
        ui.meeting_id.clear();
        assert_eq!(ui.activate(Control::JoinMeeting), None);
        assert_eq!(ui.page, Page::Join);
        // A call placed from elsewhere shows its page; its end goes Home.
        ui.call_started();
        assert_eq!(ui.page, Page::InCall);
        ui.call_ended(false);
        assert_eq!(ui.page, Page::Home);
        assert!(!ui.call_refused);
    }

    #[test]
    fn ok_on_a_meeting_id_or_the_call_key_joins() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), true);
        press(&mut ui, &[Ok]);
        assert_eq!(
            (ui.page, ui.focused()),
            (Page::Join, Control::MeetingIdField)
        );
        assert_eq!(ui.key(Ok), None, "no ID, nothing to join");
        let join = |password: &str| {
            Some(Effect::Join {
                meeting_id: "8100002".into(),
                password: password.into(),
            })
        };
        ui.type_text("8100002");
        assert_eq!(ui.key(Ok), join(""));
        assert_eq!(ui.page, Page::InCall);
        ui.call_ended(true);
        press(&mut ui, &[Right, Digit4, Digit2]);
        assert_eq!(ui.key(Ok), join("42"), "OK on the password field joins too");
        ui.call_ended(true);
        // The remote's Call key joins from anywhere on the page.
        press(&mut ui, &[Digit4, Down, Down]);
        assert_eq!(ui.key(Call), join("4"));
        // A tap on a field only selects it.
        ui.call_ended(true);
        assert_eq!(ui.activate(Control::MeetingIdField), None);
        assert_eq!(ui.join_field, JoinField::MeetingId);
    }
}
