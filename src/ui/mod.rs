//! The UI state machine: current page, focus, and what is being typed, driven
//! by keys (keyboard, IR remote, control API) and taps alike. Pure: it
//! returns [`Effect`]s for the runtime to carry out.

mod pages;

pub use pages::{Control, Field, Page};

use serde::Serialize;

/// Longest meeting ID and meeting password typed on the Join page.
const MEETING_ID_MAX: usize = 20;
/// Longest room number typed on the Dial page.
const NUMBER_MAX: usize = 20;
const MEETING_PASSWORD_MAX: usize = 8;

/// The Join page field the keypad types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinField {
    MeetingId,
    Password,
}

use crate::board::Key;
use crate::store::{Language, NetworkSettings, Settings};

/// Longest activation code accepted on the keypad.
const CODE_MAX: usize = 12;

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
    /// The rooms of the enterprise, as the cloud last listed them, and
    /// the one picked (its number fills `dial_number`).
    pub directory: Vec<roomterm_proto::DirectoryEntry>,
    pub directory_selected: Option<usize>,
    /// Where the call came from: Join or Dial (a refusal returns there),
    /// or Incoming (answered here).
    pub call_from: Page,
    /// Who calls, while a call rings here.
    pub caller_name: String,
    pub caller_number: String,
    /// Incoming calls are answered without asking.
    pub auto_answer: bool,
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
            call_from: Page::Join,
            caller_name: String::new(),
            caller_number: String::new(),
            auto_answer: settings.auto_answer,
            network: settings.network.clone(),
            focus_under_keyboard: (0, 0),
        }
    }

    /// The controls now on screen, in rows: the page's, or the keyboard's
    /// while it is open.
    pub fn rows(&self) -> &'static [&'static [Control]] {
        match self.editing {
            Some(field) => field.keyboard(),
            None => self.page.rows(),
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

    /// The text of a field.
    pub fn field(&self, field: Field) -> &str {
        match field {
            Field::Server => &self.server_url,
            Field::Address => &self.address,
            Field::Gateway => &self.gateway,
            Field::Dns => &self.dns,
            Field::Dns2 => &self.dns2,
        }
    }

    fn field_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Server => &mut self.server_url,
            Field::Address => &mut self.address,
            Field::Gateway => &mut self.gateway,
            Field::Dns => &mut self.dns,
            Field::Dns2 => &mut self.dns2,
        }
    }

    fn go(&mut self, page: Page) {
        self.page = page;
        self.call_refused = false;
        self.focus = (0, 0);
        self.editing = None;
    }

    fn network_page(&self) -> Page {
        if self.dhcp {
            Page::Network
        } else {
            Page::NetworkStatic
        }
    }

    fn settings(&self) -> Settings {
        Settings {
            language: self.settings_language,
            server_url: (!self.server_url.is_empty()).then(|| self.server_url.clone()),
            network: self.network.clone(),
            auto_answer: self.auto_answer,
            // Not the screen's to set: the runtime keeps the saved level.
            speaker_volume: None,
        }
    }

    /// Activation finished: success goes Home, failure stays to retry.
    pub fn activation_done(&mut self, success: bool) {
        self.activating = false;
        if success {
            self.code.clear();
            self.return_to = None;
            self.go(Page::Home);
        }
    }

    /// A call began (from this screen or the control API): its page shows,
    /// unless the wizard is on screen.
    pub fn call_started(&mut self) {
        if !self.in_wizard() {
            self.go(Page::InCall);
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

    /// A call rings here: the ringing page shows who calls (over any page
    /// but the wizard's; a call in progress answers busy before this).
    pub fn call_incoming(&mut self, caller: &crate::sip::Caller) {
        self.caller_name = caller.name.clone();
        self.caller_number = caller.number.clone();
        self.call_from = Page::Incoming;
        if !self.in_wizard() {
            self.go(Page::Incoming);
        }
    }

    /// The call ended: a refusal goes back to the page it was placed from
    /// (Join or Dial), where the reason shows and the number can be
    /// corrected; anything else goes Home.
    pub fn call_ended(&mut self, refused: bool) {
        if matches!(self.page, Page::InCall | Page::Incoming) {
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

    fn join_text_mut(&mut self) -> (&mut String, usize) {
        match self.join_field {
            JoinField::MeetingId => (&mut self.meeting_id, MEETING_ID_MAX),
            JoinField::Password => (&mut self.meeting_password, MEETING_PASSWORD_MAX),
        }
    }

    /// The terminal was reset or unbound: back to the wizard.
    pub fn restart_wizard(&mut self) {
        self.code.clear();
        self.activating = false;
        self.return_to = None;
        self.go(Page::Language);
    }

    /// Where Back leads from the current page.
    fn back_target(&self) -> Option<Page> {
        match self.return_to {
            Some(to) if self.in_wizard() => Some(to),
            _ => self.page.parent(),
        }
    }

    fn back(&mut self) {
        if let Some(target) = self.back_target() {
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
            Key::Up if row > 0 => self.focus = (row - 1, col.min(rows[row - 1].len() - 1)),
            Key::Down if row + 1 < rows.len() => {
                self.focus = (row + 1, col.min(rows[row + 1].len() - 1))
            }
            Key::Left if col > 0 => self.focus.1 = col - 1,
            Key::Right if col + 1 < rows[row].len() => self.focus.1 = col + 1,
            Key::Ok => return self.activate(self.focused()),
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
            Key::Back => {
                if self.page == Page::Activation && !self.code.is_empty() {
                    // Back first erases, as on a phone keypad.
                    self.code.pop();
                } else if self.page == Page::Join && !self.join_text_mut().0.is_empty() {
                    self.join_text_mut().0.pop();
                } else if self.page == Page::Dial && !self.dial_number.is_empty() {
                    self.dial_number.pop();
                } else if self.page == Page::Incoming {
                    // Back on a ringing call refuses it, as on a phone.
                    return Some(Effect::Decline);
                } else {
                    self.back();
                }
            }
            Key::Home
                if self.editing.is_none()
                    && !self.in_wizard()
                    && !matches!(self.page, Page::InCall | Page::Incoming) =>
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

    fn in_wizard(&self) -> bool {
        matches!(
            self.page,
            Page::Language | Page::Network | Page::NetworkStatic | Page::Server | Page::Activation
        )
    }

    fn type_digit(&mut self, digit: char) {
        if let Some(field) = self.editing {
            self.type_into(field, &digit.to_string());
            return;
        }
        match self.page {
            Page::Activation if self.code.len() < CODE_MAX => self.code.push(digit),
            Page::Join => {
                let (text, max) = self.join_text_mut();
                if text.len() < max {
                    text.push(digit);
                }
            }
            Page::Dial if self.dial_number.len() < NUMBER_MAX => self.dial_number.push(digit),
            _ => {
                // Digits on a focused address field type straight into it.
                if let Some(field) = Field::of(self.focused()) {
                    self.type_into(field, &digit.to_string());
                }
            }
        }
    }

    fn type_into(&mut self, field: Field, text: &str) {
        let max = field.max_len();
        let value = self.field_mut(field);
        for c in text.chars().filter(|c| field.accepts(*c)) {
            if value.len() >= max {
                break;
            }
            value.push(c);
        }
        if field != Field::Server {
            self.network_error = None;
        }
    }

    /// Text from a keyboard or the control API, typed into the field being
    /// edited or the focused one (the code takes digits only).
    pub fn type_text(&mut self, text: &str) {
        let text = text.trim();
        if let Some(field) = self.editing.or_else(|| Field::of(self.focused())) {
            self.type_into(field, text);
        } else if self.focused() == Control::CodeField
            || matches!(self.page, Page::Join | Page::Dial)
        {
            for digit in text.chars().filter(char::is_ascii_digit) {
                self.type_digit(digit);
            }
        }
    }

    fn open_keyboard(&mut self, field: Field) {
        self.focus_under_keyboard = self.focus;
        self.editing = Some(field);
        self.focus = (0, 0);
    }

    fn close_keyboard(&mut self) {
        self.editing = None;
        self.focus = self.focus_under_keyboard;
    }

    /// Accepts the network page: DHCP, or a static address that checks out.
    fn accept_network(&mut self) -> bool {
        if self.dhcp {
            self.network = NetworkSettings::Dhcp;
            return true;
        }
        match crate::net::parse_static(&self.address, &self.gateway, &[&self.dns, &self.dns2]) {
            Ok(network) => {
                self.network = network;
                self.network_error = None;
                true
            }
            Err(err) => {
                self.network_error = Some(err.code());
                false
            }
        }
    }

    fn next(&mut self) -> Option<Effect> {
        let page = self.page;
        let next = match page {
            Page::Language => self.network_page(),
            Page::Network | Page::NetworkStatic if self.accept_network() => Page::Server,
            Page::Server if !self.server_url.is_empty() => Page::Activation,
            _ => return None,
        };
        match self.return_to.take() {
            Some(to) => self.go(to),
            None => self.go(next),
        }
        Some(Effect::SaveSettings(self.settings()))
    }

    /// A tap or OK on `control`.
    pub fn activate(&mut self, control: Control) -> Option<Effect> {
        use Control::*;
        if let Some(digit) = control.keypad_digit() {
            self.type_digit(digit);
            return None;
        }
        if let Some(field) = Field::of(control) {
            self.focus = self.position_of(control).unwrap_or(self.focus);
            self.open_keyboard(field);
            return None;
        }
        match control {
            LanguageZh => self.settings_language = Language::ZhCn,
            LanguageEn => self.settings_language = Language::En,
            NetworkDhcp | NetworkStatic => {
                self.dhcp = control == NetworkDhcp;
                self.network_error = None;
                let focus = self.focus;
                self.page = self.network_page();
                self.focus = focus;
            }
            Next => return self.next(),
            Back if self.editing.is_some() => self.close_keyboard(),
            Back => self.back(),
            Delete if self.page == Page::Join => {
                self.join_text_mut().0.pop();
            }
            Delete if self.page == Page::Dial => {
                self.dial_number.pop();
            }
            Delete => {
                self.code.pop();
            }
            Join => {
                self.meeting_password.clear();
                self.join_field = JoinField::MeetingId;
                self.go(Page::Join);
            }
            MeetingIdField | PasswordField => {
                self.join_field = if control == MeetingIdField {
                    JoinField::MeetingId
                } else {
                    JoinField::Password
                };
                self.focus = self.position_of(control).unwrap_or(self.focus);
            }
            Call => {
                self.go(Page::Dial);
                return Some(Effect::LoadDirectory);
            }
            DirectoryPrev | DirectoryNext => {
                let n = self.directory.len();
                if n > 0 {
                    let next = match (self.directory_selected, control) {
                        (None, DirectoryPrev) => n - 1,
                        (None, _) => 0,
                        (Some(i), DirectoryPrev) => (i + n - 1) % n,
                        (Some(i), _) => (i + 1) % n,
                    };
                    self.pick_contact(next);
                }
            }
            PlaceCall if !self.dial_number.is_empty() => {
                self.call_from = Page::Dial;
                self.go(Page::InCall);
                return Some(Effect::Dial {
                    number: self.dial_number.clone(),
                });
            }
            Answer => return Some(Effect::Answer),
            Decline => return Some(Effect::Decline),
            AutoAnswer => {
                self.auto_answer = !self.auto_answer;
                return Some(Effect::SaveSettings(self.settings()));
            }
            JoinMeeting if !self.meeting_id.is_empty() => {
                self.call_from = Page::Join;
                self.go(Page::InCall);
                return Some(Effect::Join {
                    meeting_id: self.meeting_id.clone(),
                    password: self.meeting_password.clone(),
                });
            }
            Mute => return Some(Effect::ToggleMute),
            Camera => return Some(Effect::ToggleCamera),
            Layout => return Some(Effect::CycleLayout),
            VolumeDown => return Some(Effect::ChangeVolume(-VOLUME_STEP)),
            VolumeUp => return Some(Effect::ChangeVolume(VOLUME_STEP)),
            Leave => return Some(Effect::HangUp),
            Activate if self.code.len() == CODE_MAX && !self.activating => {
                self.activating = true;
                return Some(Effect::Activate {
                    server_url: self.server_url.clone(),
                    code: self.code.clone(),
                });
            }
            Settings => self.go(Page::Settings),
            OpenDiagnostics => self.go(Page::Diagnostics),
            FactoryReset => self.go(Page::ConfirmReset),
            ConfirmReset => return Some(Effect::FactoryReset),
            PingServer => return Some(Effect::PingServer),
            SettingsLanguage | SettingsNetwork | SettingsServer => {
                self.return_to = Some(Page::Settings);
                let page = match control {
                    SettingsLanguage => Page::Language,
                    SettingsNetwork => self.network_page(),
                    _ => Page::Server,
                };
                self.go(page);
            }
            Char(c) => {
                if let Some(field) = self.editing {
                    self.type_into(field, &c.to_string());
                }
            }
            Backspace => {
                if let Some(field) = self.editing {
                    self.field_mut(field).pop();
                }
            }
            Https => {
                if let Some(field) = self.editing {
                    let value = self.field_mut(field);
                    if !value.starts_with("http") {
                        value.insert_str(0, "https://");
                    }
                }
            }
            Done => self.close_keyboard(),
            // Sharing arrives later.
            Share | JoinMeeting | PlaceCall | NumberField | CodeField | Activate | AddressField
            | GatewayField | DnsField | Dns2Field | ServerField | Key0 | Key1 | Key2 | Key3
            | Key4 | Key5 | Key6 | Key7 | Key8 | Key9 => {}
        }
        None
    }

    /// Where `control` sits on the current page (a tap moves focus there).
    fn position_of(&self, control: Control) -> Option<(usize, usize)> {
        self.page
            .rows()
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|c| *c == control).map(|col| (r, col)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: [Page; 13] = [
        Page::Language,
        Page::Network,
        Page::NetworkStatic,
        Page::Server,
        Page::Activation,
        Page::Home,
        Page::Settings,
        Page::Diagnostics,
        Page::ConfirmReset,
        Page::Join,
        Page::InCall,
        Page::Dial,
        Page::Incoming,
    ];

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
    fn the_d_pad_reaches_every_control_on_every_page_and_keyboard() {
        for page in PAGES {
            let mut ui = UiState::new(&Settings::default(), false);
            ui.page = page;
            let all: std::collections::HashSet<_> =
                page.rows().iter().flat_map(|r| r.iter().copied()).collect();
            assert_eq!(reachable(&ui), all, "{page:?}");
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

    /// Presses `keys` in order.
    fn press(ui: &mut UiState, keys: &[Key]) -> Option<Effect> {
        keys.iter().fold(None, |_, key| ui.key(*key))
    }

    #[test]
    fn a_static_address_typed_with_the_remote() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), false);
        press(&mut ui, &[Down, Ok]); // Next (Chinese stays)
        assert_eq!(ui.page, Page::Network);
        press(&mut ui, &[Right, Ok]); // Static
        assert_eq!(ui.page, Page::NetworkStatic);
        assert_eq!(ui.focused(), Control::NetworkStatic);
        // Address: OK opens the IP keyboard; remote digits and the "." key.
        press(&mut ui, &[Down, Left, Ok]);
        assert_eq!(ui.editing, Some(Field::Address));
        press(&mut ui, &[Digit1, Digit0]);
        press(&mut ui, &[Down, Down, Down, Ok]); // "."
        press(&mut ui, &[Digit0, Digit0]);
        press(&mut ui, &[Ok]); // "." again: focus stayed on it
        press(&mut ui, &[Digit0, Digit0]);
        press(&mut ui, &[Ok, Digit7]);
        assert_eq!(ui.address, "10.00.00.7");
        press(&mut ui, &[Down, Ok]); // Backspace
        ui.address = "10.0.0.7".into();
        press(&mut ui, &[Right, Ok]); // Done
        assert_eq!((ui.editing, ui.focused()), (None, Control::AddressField));
        // Gateway outside the /24 is refused on Next, with a reason.
        press(&mut ui, &[Right, Ok]);
        ui.type_text("10.0.1.1");
        press(&mut ui, &[Back]);
        assert_eq!(ui.focused(), Control::GatewayField);
        press(&mut ui, &[Down, Down, Right, Ok]);
        assert_eq!(ui.focused(), Control::Next);
        assert_eq!(ui.network_error, Some("gateway_outside_subnet"));
        assert_eq!(ui.page, Page::NetworkStatic);
        ui.gateway = "10.0.0.1".into();
        ui.dns = "10.0.0.1".into();
        let Some(Effect::SaveSettings(saved)) = press(&mut ui, &[Ok]) else {
            panic!("Next with a good address saves");
        };
        assert_eq!(ui.page, Page::Server);
        assert_eq!(
            saved.network,
            NetworkSettings::Static {
                address: "10.0.0.7/24".into(),
                gateway: "10.0.0.1".into(),
                dns: vec!["10.0.0.1".into()],
            }
        );
        // Back to the network page shows the static fields again.
        press(&mut ui, &[Back]);
        assert_eq!(ui.page, Page::NetworkStatic);
    }

    #[test]
    fn the_server_address_on_the_letter_keyboard() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), false);
        ui.go(Page::Server);
        press(&mut ui, &[Ok]);
        assert_eq!(ui.editing, Some(Field::Server));
        // Bottom row: https://, then "c" (row 4, column 3) and a digit.
        press(&mut ui, &[Down, Down, Down, Down, Ok]);
        press(&mut ui, &[Up, Right, Right, Ok, Digit8]);
        assert_eq!(ui.server_url, "https://c8");
        press(&mut ui, &[Back]); // closes, keeps the text
        assert_eq!((ui.editing, ui.server_url.as_str()), (None, "https://c8"));
        assert_eq!(ui.page, Page::Server);
    }

    #[test]
    fn settings_pages_return_to_settings() {
        let mut ui = UiState::new(&Settings::default(), true);
        ui.activate(Control::Settings);
        ui.activate(Control::SettingsLanguage);
        assert_eq!(ui.page, Page::Language);
        ui.activate(Control::LanguageEn);
        assert!(
            matches!(ui.activate(Control::Next), Some(Effect::SaveSettings(s)) if s.language == Language::En)
        );
        assert_eq!(ui.page, Page::Settings);
        ui.activate(Control::SettingsServer);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Settings);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Home);
    }

    #[test]
    fn wizard_with_the_remote_only() {
        let mut ui = UiState::new(&Settings::default(), false);
        ui.key(Key::Right); // English
        assert_eq!(ui.key(Key::Ok), None);
        ui.key(Key::Down); // Next
        assert!(
            matches!(ui.key(Key::Ok), Some(Effect::SaveSettings(s)) if s.language == Language::En)
        );
        assert_eq!(ui.page, Page::Network);
        ui.key(Key::Down);
        ui.key(Key::Right); // Next
        ui.key(Key::Ok);
        assert_eq!(ui.page, Page::Server);
        ui.server_url = "https://10.0.0.5:8443".into();
        ui.key(Key::Down);
        ui.key(Key::Right);
        ui.key(Key::Ok);
        assert_eq!(ui.page, Page::Activation);
        for d in [Key::Digit1, Key::Digit2, Key::Digit3] {
            ui.key(d);
        }
        ui.key(Key::Back); // erases the 3
        assert_eq!(ui.code, "12");
        // The rest on the on-screen keypad: down to "1", OK ten times.
        ui.key(Key::Down);
        for _ in 0..10 {
            ui.key(Key::Ok);
        }
        assert_eq!(ui.code, "121111111111");
        // Down to the bottom row, right twice: Activate.
        for _ in 0..3 {
            ui.key(Key::Down);
        }
        ui.key(Key::Right);
        ui.key(Key::Right);
        assert_eq!(ui.focused(), Control::Activate);
        assert_eq!(
            ui.key(Key::Ok),
            Some(Effect::Activate {
                server_url: "https://10.0.0.5:8443".into(),
                code: "121111111111".into()
            })
        );
        // A second OK while in flight does nothing.
        assert_eq!(ui.key(Key::Ok), None);
        ui.activation_done(true);
        assert_eq!(ui.page, Page::Home);
    }

    #[test]
    fn joining_a_meeting_with_the_remote_then_leaving() {
        use Key::*;
        let mut ui = UiState::new(&Settings::default(), true);
        press(&mut ui, &[Ok]); // Join, first on Home
        assert_eq!(ui.page, Page::Join);
        press(&mut ui, &[Digit1, Digit2, Digit3, Digit4, Digit5, Back]);
        assert_eq!(ui.meeting_id, "1234");
        // The password field, then digits from the remote.
        press(&mut ui, &[Right, Ok, Digit9, Digit8, Digit7, Digit6]);
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
