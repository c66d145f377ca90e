//! The UI state machine: current page, focus, and what is being typed, driven
//! by keys (keyboard, IR remote, control API) and taps alike. Pure: it
//! returns [`Effect`]s for the runtime to carry out. One file per page
//! group, as `ui/pages/` has one `.slint` file per page:
//!
//! | file | pages | what it handles |
//! |---|---|---|
//! | `pages.rs` | all | the pages, their controls in D-pad rows, where Back leads |
//! | `keyboard.rs` | (over any) | the on-screen keyboards for text fields |
//! | `wizard.rs` | language, network, server, activation | the first-boot wizard; checking a static address; the code |
//! | `home.rs` | home | the room's start page |
//! | `settings.rs` | settings, diagnostics, confirm reset | the settings pages, auto-answer, the ping, the factory reset |
//! | `join.rs` | join | the meeting ID and password |
//! | `dial.rs` | dial | a room's number, the directory |
//! | `incoming.rs` | incoming | a call ringing here |
//! | `in_call.rs` | in call | the call's controls; where a call's end leads |
//! | `participants.rs` | participants, host menu | the meeting's people and a host's actions on them and on the meeting |
//! | `cast.rs` | share, casting, cast request | the casting code, a cast on screen, a take-over asked of the room |
//!
//! Here: the state, focus movement, what the remote's keys do on any page
//! (OK submits a complete entry, Back erases then goes back, Home, the
//! volume keys) and which group a control belongs to.

mod cast;
mod dial;
mod home;
mod in_call;
mod incoming;
mod join;
mod keyboard;
mod pages;
mod participants;
mod settings;
mod standby;
mod wizard;

pub use join::JoinField;
pub use keyboard::Field;
pub use pages::{Control, Page};
pub use participants::{MeetingPanel, PanelMember};

use serde::Serialize;

use crate::keys::Key;
use crate::store::{Language, NetworkSettings, Settings};

/// What the runtime must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Save (and apply: the network part reaches the OS) the settings.
    SaveSettings(Settings),
    Activate {
        server_url: String,
        code: String,
    },
    FactoryReset,
    PingServer,
    /// Join the room's own meeting room, as its host.
    StartMeeting,
    /// Dial the meeting (`password` empty: none).
    Join {
        meeting_id: String,
        password: String,
    },
    /// Fetch the enterprise directory for the Dial page.
    LoadDirectory,
    /// Call a room by its number.
    Dial {
        number: String,
    },
    /// Pick up the call ringing here, or refuse it.
    Answer,
    Decline,
    HangUp,
    ToggleMute,
    ToggleCamera,
    /// Change the speaker's level by this many percent.
    ChangeVolume(i8),
    /// Watch the meeting's next layout.
    CycleLayout,
    /// A host action in the meeting (the cloud's JSON form).
    Host(serde_json::Value),
    /// Stop the cast on screen.
    StopCast,
    /// The room's answer to someone asking to take over the cast.
    AnswerCastRequest(bool),
}

/// How much one volume key press changes the speaker's level, in percent.
pub const VOLUME_STEP: i8 = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiState {
    pub page: Page,
    /// (row, column) of the focused control.
    pub focus: (usize, usize),
    pub settings_language: Language,
    pub dhcp: bool,
    /// The static address fields as typed (checked on Next).
    pub address: String,
    pub gateway: String,
    pub dns: String,
    pub dns2: String,
    /// Why the static address was not accepted (a `NetError` code).
    pub network_error: Option<&'static str>,
    pub server_url: String,
    pub code: String,
    /// Set while an activation is in flight.
    pub activating: bool,
    /// The field the on-screen keyboard types into, while it is open.
    pub editing: Option<Field>,
    /// Where the wizard pages return to when opened from Settings.
    pub return_to: Option<Page>,
    /// The Join page's fields as typed, and which one the keypad fills.
    pub meeting_id: String,
    pub meeting_password: String,
    pub join_field: JoinField,
    /// The Join page shows why the last call was refused (until the page
    /// is left).
    pub call_refused: bool,
    /// The Dial page's number as typed (or picked from the directory).
    pub dial_number: String,
    /// The Dial page rings the number into the meeting (opened from the
    /// Host menu) instead of calling it.
    pub inviting: bool,
    /// What the Dial page's directory is searched for (part of a name or
    /// number, any case; empty: every room).
    pub directory_query: String,
    /// The host password as typed on the Claim host page (shown as dots).
    pub claim_password: String,
    /// The rooms of the enterprise, as the cloud last listed them, and
    /// the one picked (its number fills `dial_number`).
    pub directory: Vec<roomterm_proto::DirectoryEntry>,
    pub directory_selected: Option<usize>,
    /// The room's meetings of the day, soonest first (Home offers the
    /// first `Page::HOME_MEETINGS` with a button each).
    pub schedule: Vec<roomterm_proto::ScheduledMeeting>,
    /// Where the call came from: Join or Dial (a refusal returns there),
    /// or Incoming (answered here).
    pub call_from: Page,
    /// Who calls, while a call rings here.
    pub caller_name: String,
    pub caller_number: String,
    /// A meeting rings the room into it (the name is its subject, the
    /// number its ID).
    pub caller_meeting: bool,
    /// Incoming calls are answered without asking.
    pub auto_answer: bool,
    /// Who may replace a cast that is showing.
    pub cast_take_over: roomterm_proto::TakeOver,
    /// The page a cast replaced: where the room returns when it ends.
    pub cast_return: Page,
    /// The screen is dark (standby, `standby.rs`).
    pub standby: bool,
    /// The meeting as the roster last said: who is in it, the one picked
    /// on the Participants page, this room's rights and the host's
    /// settings (`participants.rs`).
    pub meeting: MeetingPanel,
    /// The network settings last accepted.
    #[serde(skip)]
    network: NetworkSettings,
    /// Focus on the page under the keyboard, restored when it closes.
    #[serde(skip)]
    focus_under_keyboard: (usize, usize),
}

impl UiState {
    /// Starts in the wizard, or on Home for an activated terminal.
    pub fn new(settings: &Settings, activated: bool) -> Self {
        let (address, gateway, dns) = match &settings.network {
            NetworkSettings::Dhcp => Default::default(),
            NetworkSettings::Static {
                address,
                gateway,
                dns,
            } => (address.clone(), gateway.clone(), dns.clone()),
        };
        Self {
            page: if activated {
                Page::Home
            } else {
                Page::Language
            },
            focus: (0, 0),
            settings_language: settings.language,
            dhcp: settings.network == NetworkSettings::Dhcp,
            address,
            gateway,
            dns: dns.first().cloned().unwrap_or_default(),
            dns2: dns.get(1).cloned().unwrap_or_default(),
            network_error: None,
            server_url: settings.server_url.clone().unwrap_or_default(),
            code: String::new(),
            activating: false,
            editing: None,
            return_to: None,
            meeting_id: String::new(),
            meeting_password: String::new(),
            join_field: JoinField::MeetingId,
            call_refused: false,
            dial_number: String::new(),
            directory: Vec::new(),
            directory_selected: None,
            schedule: Vec::new(),
            call_from: Page::Join,
            caller_name: String::new(),
            caller_number: String::new(),
            caller_meeting: false,
            inviting: false,
            directory_query: String::new(),
            claim_password: String::new(),
            auto_answer: settings.auto_answer,
            cast_take_over: settings.cast_take_over,
            cast_return: Page::Home,
            meeting: MeetingPanel::default(),
            standby: false,
            network: settings.network.clone(),
            focus_under_keyboard: (0, 0),
        }
    }

    /// The controls now on screen, in rows: the page's, or the keyboard's
    /// while it is open.
    pub fn rows(&self) -> &'static [&'static [Control]] {
        match self.editing {
            Some(field) => field.keyboard(),
            // A call with one room: no Participants, no Host menu.
            None if self.page == Page::InCall && !self.meeting.in_meeting => Page::CALL_ROWS,
            None if self.page == Page::Home => Page::home_rows(self.schedule.len()),
            // Someone waiting is let in or not; nothing else applies yet.
            None if self.page == Page::Participants
                && self.meeting.host_rights
                && self.meeting.picked().is_some_and(|p| p.waiting) =>
            {
                Page::WAITING_ROWS
            }
            // Someone rung in: only stopping the ringing applies.
            None if self.page == Page::Participants
                && self.meeting.host_rights
                && self.meeting.picked().is_some_and(|p| p.ringing) =>
            {
                Page::RINGING_ROWS
            }
            None if self.meeting.host_rights => self.page.rows(),
            None => self.page.guest_rows(),
        }
    }

    /// Whether `control` is on screen now (taps elsewhere are ignored).
    pub fn on_screen(&self, control: Control) -> bool {
        self.rows().iter().any(|row| row.contains(&control))
    }

    pub fn focused(&self) -> Control {
        let rows = self.rows();
        let row = rows[self.focus.0.min(rows.len() - 1)];
        row[self.focus.1.min(row.len() - 1)]
    }

    fn go(&mut self, page: Page) {
        // A call or a cast reaching the screen wakes it.
        if matches!(
            page,
            Page::Incoming | Page::InCall | Page::Casting | Page::CastRequest
        ) {
            self.standby = false;
        }
        self.page = page;
        self.call_refused = false;
        self.focus = (0, 0);
        self.editing = None;
    }

    /// The settings as the screen has them, to be saved.
    fn settings(&self) -> Settings {
        Settings {
            language: self.settings_language,
            server_url: (!self.server_url.is_empty()).then(|| self.server_url.clone()),
            network: self.network.clone(),
            auto_answer: self.auto_answer,
            cast_take_over: self.cast_take_over,
            // Not the screen's to set: the runtime keeps the saved values.
            speaker_volume: None,
            standby_minutes: None,
            line_protocol: None,
        }
    }

    /// Where Back leads from the current page.
    fn back_target(&self) -> Option<Page> {
        if self.page == Page::Dial && self.inviting {
            return Some(Page::HostMenu);
        }
        match self.return_to {
            Some(to) if self.in_wizard() => Some(to),
            _ => self.page.parent(),
        }
    }

    fn back(&mut self) {
        if let Some(target) = self.back_target() {
            self.inviting = false;
            if target == Page::Settings {
                self.return_to = None;
            }
            let target = if target == Page::Network {
                self.network_page()
            } else {
                target
            };
            self.go(target);
        }
    }

    pub fn key(&mut self, key: Key) -> Option<Effect> {
        let rows = self.rows();
        let (row, col) = self.focus;
        match key {
            Key::Up if row > 0 => self.move_focus((row - 1, col.min(rows[row - 1].len() - 1))),
            Key::Down if row + 1 < rows.len() => {
                self.move_focus((row + 1, col.min(rows[row + 1].len() - 1)))
            }
            Key::Left if col > 0 => self.move_focus((row, col - 1)),
            Key::Right if col + 1 < rows[row].len() => self.move_focus((row, col + 1)),
            Key::Ok => return self.ok(),
            // The remote's Call key sends what the Join or Dial page holds.
            Key::Call if self.page == Page::Join => return self.activate(Control::JoinMeeting),
            Key::Call if self.page == Page::Dial => return self.activate(Control::PlaceCall),
            // The remote's volume keys work on every page but the wizard's.
            Key::VolumeUp if !self.in_wizard() => return Some(Effect::ChangeVolume(VOLUME_STEP)),
            Key::VolumeDown if !self.in_wizard() => {
                return Some(Effect::ChangeVolume(-VOLUME_STEP))
            }
            Key::Mute if self.page == Page::InCall => return Some(Effect::ToggleMute),
            // The remote's menu key in a call: the layout, as on room remotes.
            Key::Menu if self.page == Page::InCall => return Some(Effect::CycleLayout),
            Key::HangUp if self.page == Page::InCall => return Some(Effect::HangUp),
            Key::HangUp if self.page == Page::Incoming => return Some(Effect::Decline),
            Key::Call if self.page == Page::Incoming => return Some(Effect::Answer),
            Key::Back if self.editing.is_some() => self.close_keyboard(),
            Key::Back => return self.back_key(),
            Key::Home
                if self.editing.is_none()
                    && !self.in_wizard()
                    && !matches!(
                        self.page,
                        Page::InCall | Page::Incoming | Page::Casting | Page::CastRequest
                    ) =>
            {
                if self.page != Page::Home {
                    self.return_to = None;
                    self.go(Page::Home);
                }
            }
            _ => {
                if let Some(digit) = key.digit() {
                    self.type_digit(digit);
                }
            }
        }
        None
    }

    /// The remote's Back: first erases what a keypad page holds, as on a
    /// phone; on a ringing call refuses it; else goes back.
    fn back_key(&mut self) -> Option<Effect> {
        if self.page == Page::Activation && !self.code.is_empty() {
            self.code.pop();
        } else if self.page == Page::Join && !self.join_text_mut().0.is_empty() {
            self.join_text_mut().0.pop();
        } else if self.page == Page::Dial && !self.dial_number.is_empty() {
            self.dial_number.pop();
        } else if self.page == Page::ClaimHost && !self.claim_password.is_empty() {
            self.claim_password.pop();
        } else if self.page == Page::Incoming {
            return Some(Effect::Decline);
        } else {
            self.back();
        }
        None
    }

    /// D-pad focus moves; on the Join page the keypad types into the
    /// field that has focus, as on a hard terminal's remote.
    fn move_focus(&mut self, focus: (usize, usize)) {
        self.focus = focus;
        if self.editing.is_none() && self.page == Page::Join {
            self.follow_join_focus();
        }
    }

    /// OK on the remote: a focused entry field submits what it holds (a
    /// complete code activates, a meeting ID joins, a number dials), any
    /// other control is pressed. A tap on a field only selects it.
    fn ok(&mut self) -> Option<Effect> {
        let submit = match (self.editing, self.focused()) {
            (None, Control::CodeField) => Control::Activate,
            (None, Control::MeetingIdField | Control::PasswordField) => Control::JoinMeeting,
            (None, Control::NumberField) => Control::PlaceCall,
            (None, Control::ClaimHostField) => Control::ClaimHost,
            (_, focused) => focused,
        };
        self.activate(submit)
    }

    fn in_wizard(&self) -> bool {
        matches!(
            self.page,
            Page::Language | Page::Network | Page::NetworkStatic | Page::Server | Page::Activation
        )
    }

    /// A digit from the remote or the on-screen keypad: into the open
    /// keyboard's field, the page's entry, or a focused address field.
    fn type_digit(&mut self, digit: char) {
        if let Some(field) = self.editing {
            self.type_into(field, &digit.to_string());
            return;
        }
        match self.page {
            Page::Activation => self.type_code_digit(digit),
            Page::Join => self.type_join_digit(digit),
            Page::Dial => self.type_number_digit(digit),
            Page::ClaimHost => self.type_claim_digit(digit),
            _ => {
                // Digits on a focused address field type straight into it.
                if let Some(field) = Field::of(self.focused()) {
                    self.type_into(field, &digit.to_string());
                }
            }
        }
    }

    /// Text from a keyboard or the control API, typed into the field being
    /// edited or the focused one (the code takes digits only).
    pub fn type_text(&mut self, text: &str) {
        let text = text.trim();
        if let Some(field) = self.editing.or_else(|| Field::of(self.focused())) {
            self.type_into(field, text);
        } else if self.focused() == Control::CodeField
            || matches!(self.page, Page::Join | Page::Dial | Page::ClaimHost)
        {
            for digit in text.chars().filter(char::is_ascii_digit) {
                self.type_digit(digit);
            }
        }
    }

    /// A tap or OK on `control`: keypad digits and text fields work alike
    /// everywhere; the rest is the page group's.
    pub fn activate(&mut self, control: Control) -> Option<Effect> {
        if let Some(digit) = control.keypad_digit() {
            self.type_digit(digit);
            return None;
        }
        if let Some(field) = Field::of(control) {
            self.focus = self.position_of(control).unwrap_or(self.focus);
            self.open_keyboard(field);
            return None;
        }
        if self.editing.is_some() {
            self.keyboard_control(control);
            return None;
        }
        if control == Control::Back {
            self.back();
            return None;
        }
        match self.page {
            Page::Language
            | Page::Network
            | Page::NetworkStatic
            | Page::Server
            | Page::Activation => self.wizard_control(control),
            Page::Home => self.home_control(control),
            Page::Settings | Page::Diagnostics | Page::ConfirmReset => {
                self.settings_control(control)
            }
            Page::Join => self.join_control(control),
            Page::Dial => self.dial_control(control),
            Page::Incoming => self.incoming_control(control),
            Page::InCall => self.in_call_control(control),
            Page::Share | Page::Casting | Page::CastRequest => self.cast_control(control),
            Page::Participants | Page::HostMenu | Page::ClaimHost => self.meeting_control(control),
        }
    }

    /// Where `control` sits on the current page (a tap moves focus there).
    fn position_of(&self, control: Control) -> Option<(usize, usize)> {
        self.rows()
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|c| *c == control).map(|col| (r, col)))
    }
}

/// Presses `keys` in order; the last one's effect.
#[cfg(test)]
fn press(ui: &mut UiState, keys: &[Key]) -> Option<Effect> {
    keys.iter().fold(None, |_, key| ui.key(*key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every control reachable with the D-pad from the initial focus.
    fn reachable(ui: &UiState) -> std::collections::HashSet<Control> {
        let mut seen = std::collections::HashSet::new();
        let mut queue = vec![ui.focus];
        let mut visited = std::collections::HashSet::new();
        while let Some(focus) = queue.pop() {
            if !visited.insert(focus) {
                continue;
            }
            for key in [Key::Up, Key::Down, Key::Left, Key::Right] {
                let mut probe = ui.clone();
                probe.focus = focus;
                seen.insert(probe.focused());
                probe.key(key);
                queue.push(probe.focus);
            }
        }
        seen
    }

    #[test]
    fn the_d_pad_reaches_every_control_on_every_page_and_keyboard() {
        for (page, host) in Page::ALL.into_iter().flat_map(|p| [(p, true), (p, false)]) {
            let mut ui = UiState::new(&Settings::default(), false);
            ui.page = page;
            ui.meeting.host_rights = host;
            ui.meeting.in_meeting = true;
            let rows = if host { page.rows() } else { page.guest_rows() };
            let all: std::collections::HashSet<_> =
                rows.iter().flat_map(|r| r.iter().copied()).collect();
            assert_eq!(reachable(&ui), all, "{page:?} host {host}");
        }
        for field in [Field::Server, Field::Address] {
            let mut ui = UiState::new(&Settings::default(), false);
            ui.editing = Some(field);
            let all: std::collections::HashSet<_> = field
                .keyboard()
                .iter()
                .flat_map(|r| r.iter().copied())
                .collect();
            assert_eq!(reachable(&ui), all, "{field:?}");
        }
    }

    #[test]
    fn control_ids_round_trip_including_keyboard_characters() {
        for control in [
            Control::NetworkStatic,
            Control::Char('q'),
            Control::Char('/'),
        ] {
            let id = serde_json::to_value(control).unwrap();
            let back: Control = serde_json::from_value(id.clone()).unwrap();
            assert_eq!(back, control, "{id}");
        }
        assert_eq!(serde_json::to_value(Control::Char(':')).unwrap(), ":");
        assert_eq!(
            serde_json::to_value(Control::Dns2Field).unwrap(),
            "dns2_field"
        );
    }

    #[test]
    fn back_always_goes_somewhere_sensible() {
        let mut ui = UiState::new(&Settings::default(), true);
        assert_eq!(ui.page, Page::Home);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Home);
        ui.activate(Control::Settings);
        ui.activate(Control::OpenDiagnostics);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Settings);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Home);
        ui.activate(Control::Settings);
        // Factory reset asks first; Back (focused) keeps everything.
        assert_eq!(ui.activate(Control::FactoryReset), None);
        assert_eq!(ui.page, Page::ConfirmReset);
        assert_eq!(ui.focused(), Control::Back);
        assert_eq!(ui.key(Key::Ok), None);
        assert_eq!(ui.page, Page::Settings);
        ui.activate(Control::FactoryReset);
        ui.key(Key::Right);
        assert_eq!(ui.key(Key::Ok), Some(Effect::FactoryReset));
        ui.restart_wizard();
        assert_eq!(ui.page, Page::Language);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Language);
    }
}
