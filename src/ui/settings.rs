//! Settings and what hangs off it: the wizard's pages opened from here
//! (they return here), auto-answer, who may take over a cast, the diagnostics ping, and the factory
//! reset behind a confirmation with Back focused.

use super::{Control, Effect, Page, UiState};
use crate::store::Settings;

impl UiState {
    /// The network or server changed elsewhere (the web admin, the control
    /// API): the pages show the new values, and what they save next keeps
    /// them.
    pub fn settings_changed(&mut self, settings: &Settings) {
        let fresh = UiState::new(settings, false);
        self.dhcp = fresh.dhcp;
        self.address = fresh.address;
        self.gateway = fresh.gateway;
        self.dns = fresh.dns;
        self.dns2 = fresh.dns2;
        self.network = fresh.network;
        self.network_error = None;
        self.server_url = fresh.server_url;
    }

    pub(super) fn settings_control(&mut self, control: Control) -> Option<Effect> {
        use Control::*;
        match control {
            SettingsLanguage | SettingsNetwork | SettingsServer => {
                self.return_to = Some(Page::Settings);
                let page = match control {
                    SettingsLanguage => Page::Language,
                    SettingsNetwork => self.network_page(),
                    _ => Page::Server,
                };
                self.go(page);
            }
            AutoAnswer => {
                self.auto_answer = !self.auto_answer;
                return Some(Effect::SaveSettings(self.settings()));
            }
            CastTakeOver => return self.next_take_over(),
            OpenDiagnostics => self.go(Page::Diagnostics),
            FactoryReset => self.go(Page::ConfirmReset),
            ConfirmReset => return Some(Effect::FactoryReset),
            PingServer => return Some(Effect::PingServer),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Key;
    use crate::store::Language;

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
}
