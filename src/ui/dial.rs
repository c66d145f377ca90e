//! The Dial page: a room's number on the keypad, or picked from the
//! enterprise directory (previous/next, or a tap on the list; searched by
//! part of a name or number on the keyboard, as an address book is); called with
//! Call, OK on the number, or the remote's Call key — or, opened from the
//! Host menu, rung into the meeting (Invite): a room, or any SIP address
//! typed into the search.

use super::{Control, Effect, Page, UiState};

/// Longest room number typed on the Dial page.
const NUMBER_MAX: usize = 20;

impl UiState {
    pub(super) fn dial_control(&mut self, control: Control) -> Option<Effect> {
        match control {
            Control::DirectoryPrev | Control::DirectoryNext => {
                let listed = self.directory_matches();
                let n = listed.len();
                if n > 0 {
                    let at = self
                        .directory_selected
                        .and_then(|i| listed.iter().position(|l| *l == i));
                    let next = match (at, control) {
                        (None, Control::DirectoryPrev) => n - 1,
                        (None, _) => 0,
                        (Some(i), Control::DirectoryPrev) => (i + n - 1) % n,
                        (Some(i), _) => (i + 1) % n,
                    };
                    self.pick_contact(listed[next]);
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
        // A typed SIP address gives way to a number.
        if self.dial_number.contains('@') {
            self.dial_number.clear();
        }
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

    /// The directory's rooms the search matches (indices into it): part
    /// of a name or number, any case; all with no search.
    pub fn directory_matches(&self) -> Vec<usize> {
        let query = self.directory_query.trim().to_lowercase();
        self.directory
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                query.is_empty()
                    || e.name.to_lowercase().contains(&query)
                    || e.number.contains(&query)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The SIP address the search holds, when it holds one rather than
    /// part of a name (`alice@example.com` or `sip:…`): as the cloud dials
    /// it, scheme first.
    pub fn typed_address(&self) -> Option<String> {
        let typed = self.directory_query.trim();
        let (user, host) = typed
            .strip_prefix("sip:")
            .unwrap_or(typed)
            .split_once('@')?;
        if user.is_empty() || host.is_empty() || typed.contains(char::is_whitespace) {
            return None;
        }
        Some(format!("sip:{user}@{host}"))
    }

    /// The search's keyboard closed: while inviting, a SIP address typed
    /// there is what Invite rings (it shows in the number's field).
    pub(super) fn search_closed(&mut self) {
        if let Some(address) = self.typed_address().filter(|_| self.inviting) {
            self.dial_number = address;
            self.directory_selected = None;
            self.call_refused = false;
        }
    }

    /// Picks the `index`th room the list shows (a tap on it).
    pub fn pick_listed(&mut self, index: usize) {
        if let Some(&at) = self.directory_matches().get(index) {
            self.pick_contact(at);
        }
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

    #[test]
    fn the_directory_is_searched_by_part_of_a_name_or_number() {
        let room = |name: &str, n: &str| roomterm_proto::DirectoryEntry {
            name: name.into(),
            number: n.into(),
            online: true,
        };
        let mut ui = UiState::new(&Settings::default(), true);
        ui.activate(Control::Call);
        ui.directory_loaded(vec![
            room("Boardroom 3F", "100002"),
            room("Huddle 2", "100007"),
            room("培训室 Training", "100004"),
        ]);
        ui.activate(Control::DirectorySearchField);
        assert_eq!(ui.editing, Some(super::super::Field::DirectorySearch));
        ui.type_text("hud");
        assert_eq!(ui.directory_matches(), [1]);
        ui.activate(Control::Done);
        ui.activate(Control::DirectoryNext);
        assert_eq!(ui.dial_number, "100007", "next walks the matches only");
        ui.activate(Control::DirectoryNext);
        assert_eq!(ui.dial_number, "100007", "and round");
        ui.directory_query = "培训".into();
        ui.pick_listed(0);
        assert_eq!(ui.dial_number, "100004");
        ui.directory_query = "0000".into();
        assert_eq!(ui.directory_matches(), [0, 1, 2], "numbers match too");
        ui.pick_listed(9);
        assert_eq!(
            ui.dial_number, "100004",
            "a tap past the list picks nothing"
        );
    }

    #[test]
    fn a_sip_address_typed_into_the_search_is_invited() {
        let mut ui = UiState::new(&Settings::default(), true);
        ui.activate(Control::Call);
        ui.activate(Control::DirectorySearchField);
        ui.type_text("alice@example.com:5070");
        ui.activate(Control::Done);
        assert_eq!(ui.dial_number, "", "a room's call cannot ring an address");
        ui.inviting = true;
        ui.activate(Control::DirectorySearchField);
        for c in ['@', '.', '-'] {
            assert!(
                super::super::Field::DirectorySearch
                    .keyboard()
                    .iter()
                    .any(|row| row.contains(&Control::Char(c))),
                "{c} on the keyboard"
            );
        }
        ui.activate(Control::Done);
        assert_eq!(ui.dial_number, "sip:alice@example.com:5070");
        assert_eq!(
            ui.activate(Control::PlaceCall),
            Some(Effect::Host(serde_json::json!({
                "action": "invite",
                "to": "sip:alice@example.com:5070"
            })))
        );
        // Part of a name is a search, not an address; a digit typed after
        // an address starts a number.
        ui.directory_query = "sip:@host".into();
        assert_eq!(ui.typed_address(), None);
        ui.dial_number = "sip:a@b".into();
        ui.type_number_digit('1');
        assert_eq!(ui.dial_number, "1");
    }
}
