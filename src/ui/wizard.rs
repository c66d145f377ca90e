//! The first-boot wizard: language, network (DHCP, or a static address
//! checked field by field), the cloud's address, and the activation code on
//! a keypad. Opened again from Settings, each step returns there.

use super::{Control, Effect, Page, UiState};
use crate::store::{Language, NetworkSettings};

/// Longest activation code accepted on the keypad.
pub(super) const CODE_MAX: usize = 12;

impl UiState {
    pub(super) fn wizard_control(&mut self, control: Control) -> Option<Effect> {
        use Control::*;
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
            _ => {}
        }
        None
    }

    pub(super) fn type_code_digit(&mut self, digit: char) {
        if self.code.len() < CODE_MAX {
            self.code.push(digit);
        }
    }

    pub(super) fn network_page(&self) -> Page {
        if self.dhcp {
            Page::Network
        } else {
            Page::NetworkStatic
        }
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

    /// Activation finished: success goes Home, failure stays to retry.
    pub fn activation_done(&mut self, success: bool) {
        self.activating = false;
        if success {
            self.code.clear();
            self.return_to = None;
            self.go(Page::Home);
        }
    }

    /// The terminal was reset or unbound: back to the wizard.
    pub fn restart_wizard(&mut self) {
        self.code.clear();
        self.activating = false;
        self.return_to = None;
        self.go(Page::Language);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{press, Field};
    use super::*;
    use crate::keys::Key;
    use crate::store::Settings;

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
    fn ok_on_a_complete_code_activates() {
        use Key::*;
        // OK on the code field activates once all 12 digits are in, not
        // before, as on a hard terminal: no walk to the Activate key.
        let mut ui = UiState::new(&Settings::default(), false);
        ui.server_url = "https://10.0.0.5:8443".into();
        ui.go(Page::Activation);
        assert_eq!(ui.focused(), Control::CodeField);
        press(&mut ui, &[Digit1; 11]);
        assert_eq!(ui.key(Ok), None, "an incomplete code is not sent");
        assert_eq!(
            press(&mut ui, &[Digit2, Ok]),
            Some(Effect::Activate {
                server_url: "https://10.0.0.5:8443".into(),
                code: "111111111112".into()
            })
        );
    }
}
