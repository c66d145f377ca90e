//! The pages of the terminal and the controls on each, laid out as rows so
//! that a D-pad can reach every one. The Slint UI draws these; the control
//! API reports them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    /// First-boot wizard, step 1.
    Language,
    /// Step 2: DHCP or static addressing.
    Network,
    /// Step 3: the cloud's address.
    Server,
    /// Step 4: the activation code on a keypad.
    Activation,
    Home,
    Settings,
    Diagnostics,
}

impl Page {
    /// Controls in rows, top to bottom, left to right.
    pub fn rows(self) -> &'static [&'static [Control]] {
        use Control::*;
        match self {
            Page::Language => &[&[LanguageZh, LanguageEn], &[Next]],
            Page::Network => &[&[NetworkDhcp, NetworkStatic], &[Back, Next]],
            Page::Server => &[&[ServerField], &[Back, Next]],
            Page::Activation => &[
                &[CodeField],
                &[Key1, Key2, Key3],
                &[Key4, Key5, Key6],
                &[Key7, Key8, Key9],
                &[Delete, Key0, Activate],
                &[Back],
            ],
            Page::Home => &[&[Join, Call, Share, Settings]],
            Page::Settings => &[
                &[SettingsNetwork, SettingsServer, SettingsLanguage],
                &[OpenDiagnostics, FactoryReset],
                &[Back],
            ],
            Page::Diagnostics => &[&[PingServer], &[Back]],
        }
    }

    /// Where Back leads (`None`: nowhere, e.g. the first wizard step or Home).
    pub fn parent(self) -> Option<Page> {
        match self {
            Page::Language | Page::Home => None,
            Page::Network => Some(Page::Language),
            Page::Server => Some(Page::Network),
            Page::Activation => Some(Page::Server),
            Page::Settings => Some(Page::Home),
            Page::Diagnostics => Some(Page::Settings),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    LanguageZh,
    LanguageEn,
    NetworkDhcp,
    NetworkStatic,
    ServerField,
    CodeField,
    Key0,
    Key1,
    Key2,
    Key3,
    Key4,
    Key5,
    Key6,
    Key7,
    Key8,
    Key9,
    Delete,
    Activate,
    Next,
    Back,
    Join,
    Call,
    Share,
    Settings,
    SettingsNetwork,
    SettingsServer,
    SettingsLanguage,
    OpenDiagnostics,
    FactoryReset,
    PingServer,
}

impl Control {
    /// The digit an on-screen keypad key types.
    pub fn keypad_digit(self) -> Option<char> {
        use Control::*;
        Some(match self {
            Key0 => '0',
            Key1 => '1',
            Key2 => '2',
            Key3 => '3',
            Key4 => '4',
            Key5 => '5',
            Key6 => '6',
            Key7 => '7',
            Key8 => '8',
            Key9 => '9',
            _ => return None,
        })
    }
}
