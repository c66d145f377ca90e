//! The UI state machine: current page, focus, and what is being typed, driven
//! by keys (keyboard, IR remote, control API) and taps alike. Pure: it
//! returns [`Effect`]s for the runtime to carry out.

mod pages;

pub use pages::{Control, Page};

use serde::Serialize;

use crate::board::Key;
use crate::store::{Language, NetworkSettings, Settings};

/// Longest activation code accepted on the keypad.
const CODE_MAX: usize = 12;

/// What the runtime must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    SaveSettings(Settings),
    Activate { server_url: String, code: String },
    FactoryReset,
    PingServer,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiState {
    pub page: Page,
    /// (row, column) of the focused control.
    pub focus: (usize, usize),
    pub settings_language: Language,
    pub dhcp: bool,
    pub server_url: String,
    pub code: String,
    /// Set while an activation is in flight.
    pub activating: bool,
}

impl UiState {
    /// Starts in the wizard, or on Home for an activated terminal.
    pub fn new(settings: &Settings, activated: bool) -> Self {
        Self {
            page: if activated {
                Page::Home
            } else {
                Page::Language
            },
            focus: (0, 0),
            settings_language: settings.language,
            dhcp: settings.network == NetworkSettings::Dhcp,
            server_url: settings.server_url.clone().unwrap_or_default(),
            code: String::new(),
            activating: false,
        }
    }

    pub fn focused(&self) -> Control {
        let rows = self.page.rows();
        let row = rows[self.focus.0.min(rows.len() - 1)];
        row[self.focus.1.min(row.len() - 1)]
    }

    fn go(&mut self, page: Page) {
        self.page = page;
        self.focus = (0, 0);
    }

    fn settings(&self) -> Settings {
        Settings {
            language: self.settings_language,
            server_url: (!self.server_url.is_empty()).then(|| self.server_url.clone()),
            network: if self.dhcp {
                NetworkSettings::Dhcp
            } else {
                NetworkSettings::default()
            },
            auto_answer: false,
        }
    }

    /// Activation finished: success goes Home, failure stays to retry.
    pub fn activation_done(&mut self, success: bool) {
        self.activating = false;
        if success {
            self.code.clear();
            self.go(Page::Home);
        }
    }

    /// The terminal was reset or unbound: back to the wizard.
    pub fn restart_wizard(&mut self) {
        self.code.clear();
        self.activating = false;
        self.go(Page::Language);
    }

    pub fn key(&mut self, key: Key) -> Option<Effect> {
        let rows = self.page.rows();
        let (row, col) = self.focus;
        match key {
            Key::Up if row > 0 => self.focus = (row - 1, col.min(rows[row - 1].len() - 1)),
            Key::Down if row + 1 < rows.len() => {
                self.focus = (row + 1, col.min(rows[row + 1].len() - 1))
            }
            Key::Left if col > 0 => self.focus.1 = col - 1,
            Key::Right if col + 1 < rows[row].len() => self.focus.1 = col + 1,
            Key::Ok => return self.activate(self.focused()),
            Key::Back => {
                if self.page == Page::Activation && !self.code.is_empty() {
                    // Back first erases, as on a phone keypad.
                    self.code.pop();
                } else if let Some(parent) = self.page.parent() {
                    self.go(parent);
                }
            }
            Key::Home if self.page.parent().is_some() && !self.in_wizard() => self.go(Page::Home),
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
            Page::Language | Page::Network | Page::Server | Page::Activation
        )
    }

    fn type_digit(&mut self, digit: char) {
        match self.page {
            Page::Activation if self.code.len() < CODE_MAX => self.code.push(digit),
            // Digits on the server page type into the address (IP + port).
            Page::Server => self.server_url.push(digit),
            _ => {}
        }
    }

    /// Text from a keyboard or the control API, typed into the focused field
    /// (the server address, or the code — digits only).
    pub fn type_text(&mut self, text: &str) {
        match self.focused() {
            Control::ServerField => self.server_url.push_str(text.trim()),
            Control::CodeField => {
                for digit in text.chars().filter(char::is_ascii_digit) {
                    self.type_digit(digit);
                }
            }
            _ => {}
        }
    }

    /// A tap or OK on `control`.
    pub fn activate(&mut self, control: Control) -> Option<Effect> {
        use Control::*;
        if let Some(digit) = control.keypad_digit() {
            self.type_digit(digit);
            return None;
        }
        match control {
            LanguageZh => self.settings_language = Language::ZhCn,
            LanguageEn => self.settings_language = Language::En,
            NetworkDhcp => self.dhcp = true,
            NetworkStatic => self.dhcp = false,
            Next => {
                let next = match self.page {
                    Page::Language => Page::Network,
                    Page::Network => Page::Server,
                    Page::Server if !self.server_url.is_empty() => Page::Activation,
                    _ => return None,
                };
                self.go(next);
                return Some(Effect::SaveSettings(self.settings()));
            }
            Back => {
                if let Some(parent) = self.page.parent() {
                    self.go(parent);
                }
            }
            Delete => {
                self.code.pop();
            }
            Activate if self.code.len() == CODE_MAX && !self.activating => {
                self.activating = true;
                return Some(Effect::Activate {
                    server_url: self.server_url.clone(),
                    code: self.code.clone(),
                });
            }
            Settings => self.go(Page::Settings),
            OpenDiagnostics => self.go(Page::Diagnostics),
            FactoryReset => return Some(Effect::FactoryReset),
            PingServer => return Some(Effect::PingServer),
            SettingsLanguage => self.go(Page::Language),
            SettingsNetwork => self.go(Page::Network),
            SettingsServer => self.go(Page::Server),
            // Meetings, calls and sharing arrive with the media engine.
            Join | Call | Share | ServerField | CodeField | Activate | Key0 | Key1 | Key2
            | Key3 | Key4 | Key5 | Key6 | Key7 | Key8 | Key9 => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: [Page; 7] = [
        Page::Language,
        Page::Network,
        Page::Server,
        Page::Activation,
        Page::Home,
        Page::Settings,
        Page::Diagnostics,
    ];

    #[test]
    fn the_d_pad_reaches_every_control_on_every_page() {
        for page in PAGES {
            let mut ui = UiState::new(&Settings::default(), false);
            ui.page = page;
            // Every focus position reachable from the start with the D-pad.
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
            let all: std::collections::HashSet<_> =
                page.rows().iter().flat_map(|r| r.iter().copied()).collect();
            assert_eq!(seen, all, "{page:?}");
        }
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
        assert_eq!(
            ui.activate(Control::FactoryReset),
            Some(Effect::FactoryReset)
        );
        ui.restart_wizard();
        assert_eq!(ui.page, Page::Language);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Language);
    }
}
