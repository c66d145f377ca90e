//! The Dial page: a room's number on the keypad, or picked from the
//! enterprise directory (previous/next, or a tap on the list); called with
//! Call, OK on the number, or the remote's Call key — or, opened from the
//! Host menu, rung into the meeting (Invite).

use super::{Control, Effect, Page, UiState};

/// Longest room number typed on the Dial page.
const NUMBER_MAX: usize = 20;

impl UiState {
    pub(super) fn dial_control(&mut self, control: Control) -> Option<Effect> {
        match control {
            Control::DirectoryPrev | Control::DirectoryNext => {
                let n = self.directory.len();
                if n > 0 {
                    let next = match (self.directory_selected, control) {
                        (None, Control::DirectoryPrev) => n - 1,
                        (None, _) => 0,
                        (Some(i), Control::DirectoryPrev) => (i + n - 1) % n,
                        (Some(i), _) => (i + 1) % n,
                    };
                    self.pick_contact(next);
                }
            }
            Control::Delete => {
                self.dial_number.pop();
            }
            // Opened from the Host menu: the number is rung into the
            // meeting, and the host watches it join.
            Control::PlaceCall if self.inviting && !self.dial_number.is_empty() => {
                self.inviting = false;
                self.go(Page::Participants);
                return Some(Effect::Host(
                    serde_json::json!({ "action": "invite", "to": self.dial_number }),
                ));
            }
            Control::PlaceCall if !self.dial_number.is_empty() => {
                self.call_from = Page::Dial;
                self.go(Page::InCall);
                return Some(Effect::Dial {
                    number: self.dial_number.clone(),
                });
            }
            _ => {}
        }
        None
    }

    pub(super) fn type_number_digit(&mut self, digit: char) {
        if self.dial_number.len() < NUMBER_MAX {
            self.dial_number.push(digit);
        }
    }

    /// The cloud's directory arrived; a pick that no longer exists is
    /// dropped.
    pub fn directory_loaded(&mut self, rooms: Vec<roomterm_proto::DirectoryEntry>) {
        let picked = self
            .directory_selected
            .and_then(|i| self.directory.get(i))
            .map(|e| e.number.clone());
        self.directory = rooms;
        self.directory_selected =
            picked.and_then(|number| self.directory.iter().position(|e| e.number == number));
    }

    /// Picks room `index` of the directory: its number fills the Dial
    /// page's field (a tap on the list, or the previous/next keys).
    pub fn pick_contact(&mut self, index: usize) {
        if let Some(entry) = self.directory.get(index) {
            self.directory_selected = Some(index);
            self.dial_number = entry.number.clone();
            self.call_refused = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::press;
    use super::*;
    use crate::keys::Key;
    use crate::store::Settings;

    #[test]
    fn the_directory_picks_rooms_round_and_keeps_the_pick_across_reloads() {
        let room = |n: &str| roomterm_proto::DirectoryEntry {
            name: format!("Room {n}"),
            number: n.into(),
            online: true,
        };
        let mut ui = UiState::new(&Settings::default(), true);
        assert_eq!(ui.activate(Control::Call), Some(Effect::LoadDirectory));
        assert_eq!(ui.page, Page::Dial);
        // Nothing listed yet: the keys do nothing.
        ui.activate(Control::DirectoryNext);
        assert_eq!((ui.directory_selected, ui.dial_number.as_str()), (None, ""));
        ui.directory_loaded(vec![room("100002"), room("100003"), room("100004")]);
        ui.activate(Control::DirectoryPrev);
        assert_eq!(
            ui.dial_number, "100004",
            "previous from nothing is the last"
        );
        ui.activate(Control::DirectoryNext);
        assert_eq!(ui.dial_number, "100002", "and round again");
        // A reload that moves the picked room keeps it picked; one that
        // drops it forgets the pick (the typed number stays).
        ui.directory_loaded(vec![room("100001"), room("100002")]);
        assert_eq!(ui.directory_selected, Some(1));
        ui.directory_loaded(vec![room("100005")]);
        assert_eq!(
            (ui.directory_selected, ui.dial_number.as_str()),
            (None, "100002")
        );
        ui.pick_contact(7);
        assert_eq!(ui.directory_selected, None, "out of range");
    }

    #[test]
    fn ok_on_the_number_or_the_call_key_dials() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), true);
        ui.activate(Control::Call);
        assert_eq!(ui.key(Ok), None, "no number, no call");
        ui.type_text("100002");
        let dial = Some(Effect::Dial {
            number: "100002".into(),
        });
        assert_eq!(ui.key(Ok), dial);
        ui.call_ended(true);
        assert_eq!(press(&mut ui, &[Down, Call]), dial);
    }
}
