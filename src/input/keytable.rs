//! The ir-keytable copy of the keymap (`board/ir-keymap.nec.toml`, loaded
//! into rc-core) must say what the terminal's own table says.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use evdev::KeyCode;
use serde::Deserialize;

use super::decoder::Decoder;
use super::frames::scan;
use crate::board::{BoardProfile, IrKeymap, FALLBACK_BOARD};

#[derive(Deserialize)]
struct Keytable {
    protocols: Vec<Protocol>,
}

#[derive(Deserialize)]
struct Protocol {
    protocol: String,
    scancodes: BTreeMap<String, String>,
}

#[test]
fn the_kernel_keytable_agrees_with_the_terminal_keymap() {
    let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
    let ours = BoardProfile::load(&boards, FALLBACK_BOARD)
        .unwrap()
        .ir_keymap;
    let text = std::fs::read_to_string(boards.join("ir-keymap.nec.toml")).unwrap();
    let table: Keytable = toml::from_str(&text).unwrap();
    let [protocol] = &table.protocols[..] else {
        panic!("one protocol expected");
    };
    assert_eq!(protocol.protocol, ours.protocol);
    let mut seen = Vec::new();
    for (n, (scancode, name)) in protocol.scancodes.iter().enumerate() {
        let scancode = u32::from_str_radix(scancode.trim_start_matches("0x"), 16).unwrap();
        let code = KeyCode::from_str(name).unwrap_or_else(|_| panic!("{name}"));
        // What a receiver whose board keymap lacks the button would do:
        // fall back to the kernel's key code.
        let mut decoder = Decoder::ir(&IrKeymap::default());
        let at = Duration::from_secs(1_700_000_000 + n as u64);
        let keys: Vec<_> = scan(at, scancode, Some((code, 1)))
            .into_iter()
            .filter_map(|e| decoder.feed(e))
            .collect();
        assert_eq!(keys, [ours.keys[&scancode]], "{scancode:#x} {name}");
        seen.push(scancode);
    }
    assert_eq!(seen, ours.keys.keys().copied().collect::<Vec<_>>());
}
