//! The on-screen keyboards: a text field (the server's address, a static
//! address, the Dial page's directory search) opens one over the page; its
//! keys type into the field, Back or Done close it with the text kept and
//! the focus back where it was.

use serde::Serialize;

use super::{Control, UiState};

/// A text field that opens the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Server,
    Address,
    Gateway,
    Dns,
    Dns2,
    /// The Dial page's search of the directory (a name or a number).
    DirectorySearch,
}

impl Field {
    pub fn of(control: Control) -> Option<Field> {
        Some(match control {
            Control::ServerField => Field::Server,
            Control::AddressField => Field::Address,
            Control::GatewayField => Field::Gateway,
            Control::DnsField => Field::Dns,
            Control::Dns2Field => Field::Dns2,
            Control::DirectorySearchField => Field::DirectorySearch,
            _ => return None,
        })
    }

    /// The keyboard for this field: letters for a URL, digits and dots for
    /// an IP address.
    pub fn keyboard(self) -> &'static [&'static [Control]] {
        match self {
            Field::Server => URL_KEYBOARD,
            Field::DirectorySearch => NAME_KEYBOARD,
            _ => IP_KEYBOARD,
        }
    }

    /// Whether `c` can be typed into this field.
    pub fn accepts(self, c: char) -> bool {
        match self {
            Field::Server => c.is_ascii_graphic(),
            // Any script: a name typed through the control API may be CJK.
            Field::DirectorySearch => !c.is_control(),
            Field::Address => c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/'),
            _ => c.is_ascii_hexdigit() || matches!(c, '.' | ':'),
        }
    }

    pub fn max_len(self) -> usize {
        match self {
            Field::Server => 200,
            Field::DirectorySearch => 64,
            _ => 43, // the longest IPv6 address with a prefix
        }
    }
}

use Control::Char as C;

const IP_KEYBOARD: &[&[Control]] = &[
    &[C('1'), C('2'), C('3')],
    &[C('4'), C('5'), C('6')],
    &[C('7'), C('8'), C('9')],
    &[C('.'), C('0'), C('/')],
    &[Control::Backspace, Control::Done],
];

const URL_KEYBOARD: &[&[Control]] = &[
    &[
        C('1'),
        C('2'),
        C('3'),
        C('4'),
        C('5'),
        C('6'),
        C('7'),
        C('8'),
        C('9'),
        C('0'),
    ],
    &[
        C('q'),
        C('w'),
        C('e'),
        C('r'),
        C('t'),
        C('y'),
        C('u'),
        C('i'),
        C('o'),
        C('p'),
    ],
    &[
        C('a'),
        C('s'),
        C('d'),
        C('f'),
        C('g'),
        C('h'),
        C('j'),
        C('k'),
        C('l'),
        C(':'),
    ],
    &[
        C('z'),
        C('x'),
        C('c'),
        C('v'),
        C('b'),
        C('n'),
        C('m'),
        C('.'),
        C('-'),
        C('/'),
    ],
    &[Control::Https, Control::Backspace, Control::Done],
];

/// Letters and digits, to search names and numbers, and what a SIP
/// address needs (`alice@example.com:5060`) for inviting one.
const NAME_KEYBOARD: &[&[Control]] = &[
    URL_KEYBOARD[0],
    URL_KEYBOARD[1],
    URL_KEYBOARD[2],
    &[
        C('z'),
        C('x'),
        C('c'),
        C('v'),
        C('b'),
        C('n'),
        C('m'),
        C('.'),
        C('-'),
        C('@'),
    ],
    &[Control::Backspace, Control::Done],
];

impl UiState {
    /// The text of a field.
    pub fn field(&self, field: Field) -> &str {
        match field {
            Field::Server => &self.server_url,
            Field::Address => &self.address,
            Field::Gateway => &self.gateway,
            Field::Dns => &self.dns,
            Field::Dns2 => &self.dns2,
            Field::DirectorySearch => &self.directory_query,
        }
    }

    fn field_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Server => &mut self.server_url,
            Field::Address => &mut self.address,
            Field::Gateway => &mut self.gateway,
            Field::Dns => &mut self.dns,
            Field::Dns2 => &mut self.dns2,
            Field::DirectorySearch => &mut self.directory_query,
        }
    }

    pub(super) fn type_into(&mut self, field: Field, text: &str) {
        let max = field.max_len();
        let value = self.field_mut(field);
        for c in text.chars().filter(|c| field.accepts(*c)) {
            if value.len() >= max {
                break;
            }
            value.push(c);
        }
        if !matches!(field, Field::Server | Field::DirectorySearch) {
            self.network_error = None;
        }
    }

    pub(super) fn open_keyboard(&mut self, field: Field) {
        self.focus_under_keyboard = self.focus;
        self.editing = Some(field);
        self.focus = (0, 0);
    }

    pub(super) fn close_keyboard(&mut self) {
        self.editing = None;
        self.focus = self.focus_under_keyboard;
    }

    /// A key of the open keyboard.
    pub(super) fn keyboard_control(&mut self, control: Control) {
        let Some(field) = self.editing else {
            return;
        };
        match control {
            Control::Char(c) => self.type_into(field, &c.to_string()),
            Control::Backspace => {
                self.field_mut(field).pop();
            }
            Control::Https => {
                let value = self.field_mut(field);
                if !value.starts_with("http") {
                    value.insert_str(0, "https://");
                }
            }
            Control::Done | Control::Back => {
                self.close_keyboard();
                if field == Field::DirectorySearch {
                    self.search_closed();
                }
            }
            _ => {}
        }
    }
}
