//! Input devices drive a real headless terminal: synthetic rc-core frames
//! (as an IR receiver sends them, with kernel timestamps) go through the
//! input pump, and the wizard reacts as a user with the bundled remote
//! would see it. The scancodes come from the board's keymap.
//!
//! Real devices (evdev nodes, EVIOCGRAB, hot-plug) cannot be created on
//! machines without /dev/uinput; everything above the device is real here.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::time::Duration;

use evdev::{InputEvent, KeyCode};
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::board::{BoardProfile, IrKeymap};
use roomterm::input::{frames, pump, Decoder, DiscoveryRules, InputConfig};
use roomterm::keys::Key;
use roomterm::store::{DataDir, Language};
use roomterm::ui::{Control, Page};

/// The bundled remote, pressed by a patient user: buttons are released
/// 400 ms before the next one is pressed.
struct Remote {
    keymap: IrKeymap,
    scancodes: HashMap<Key, u32>,
    at: Duration,
    events: Vec<InputEvent>,
}

impl Remote {
    fn new() -> Self {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
        let keymap = BoardProfile::load(&boards, "generic-x86_64")
            .unwrap()
            .ir_keymap;
        let scancodes = keymap
            .keys
            .iter()
            .map(|(code, key)| (*key, *code))
            .collect();
        Self {
            keymap,
            scancodes,
            at: Duration::from_secs(1_700_000_000),
            events: Vec::new(),
        }
    }

    fn hold(&mut self, key: Key, held: Duration) -> &mut Self {
        let scancode = self.scancodes[&key];
        self.frames(frames::ir_press(self.at, scancode, None, held), held)
    }

    fn press(&mut self, keys: &[Key]) -> &mut Self {
        for key in keys {
            self.hold(*key, Duration::ZERO);
        }
        self
    }

    fn frames(&mut self, events: Vec<InputEvent>, took: Duration) -> &mut Self {
        self.events.extend(events);
        self.at += took + Duration::from_millis(400);
        self
    }

    /// Pumps what was pressed into `terminal`, as the receiver's stream.
    async fn send(&mut self, terminal: &Terminal) {
        let events = std::mem::take(&mut self.events);
        let stream = futures_util::stream::iter(events.into_iter().map(Ok));
        pump(stream, Decoder::ir(&self.keymap), terminal)
            .await
            .unwrap();
        terminal.barrier().await;
    }
}

fn start_terminal(dir: &Path) -> Terminal {
    Terminal::start(TerminalOptions {
        data: DataDir::new(dir).unwrap(),
        sn: "SN-IN1".into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0".into(),
        network: Default::default(),
        call_media: None,
        cast_media: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remote_walks_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let terminal = start_terminal(dir.path());
    let ui = || terminal.ui.borrow().clone();
    assert_eq!(ui().page, Page::Language);
    let mut remote = Remote::new();

    // English, then Next.
    remote
        .press(&[Key::Right, Key::Ok, Key::Down, Key::Ok])
        .send(&terminal)
        .await;
    assert_eq!(ui().page, Page::Network);
    assert_eq!(ui().settings_language, Language::En);

    // Holding OK on Back acts once: back on the first page, focus on
    // Chinese, and still English (a second OK would have chosen Chinese).
    remote.press(&[Key::Down]).send(&terminal).await;
    assert_eq!(ui().focused(), Control::Back);
    remote
        .hold(Key::Ok, Duration::from_millis(1500))
        .send(&terminal)
        .await;
    assert_eq!(ui().page, Page::Language);
    assert_eq!(ui().focused(), Control::LanguageZh);
    assert_eq!(ui().settings_language, Language::En);

    // Forward again to the server page; the address comes as text.
    remote
        .press(&[Key::Down, Key::Ok, Key::Down, Key::Right, Key::Ok])
        .send(&terminal)
        .await;
    assert_eq!(ui().page, Page::Server);
    assert_eq!(ui().focused(), Control::ServerField);
    terminal.text("https://cloud.example:8443").await;
    remote
        .press(&[Key::Down, Key::Right, Key::Ok])
        .send(&terminal)
        .await;
    assert_eq!(ui().page, Page::Activation);
    assert_eq!(ui().focused(), Control::CodeField);

    // Holding Down repeats: pressed at 0 ms, again at 540 and 756 ms —
    // three rows down the keypad, to 7.
    remote
        .hold(Key::Down, Duration::from_millis(760))
        .send(&terminal)
        .await;
    assert_eq!(ui().focused(), Control::Key7);
    // Holding OK on a keypad key types it once.
    remote
        .hold(Key::Ok, Duration::from_millis(1500))
        .send(&terminal)
        .await;
    assert_eq!(ui().code, "7");

    // Digit buttons type; the same button twice is two presses.
    remote
        .press(&[Key::Digit1, Key::Digit1, Key::Digit0])
        .send(&terminal)
        .await;
    assert_eq!(ui().code, "7110");
    // A button the terminal's keymap lacks: the kernel keymap's key counts;
    // unknown to both, nothing happens.
    let at = remote.at;
    remote.frames(
        frames::scan(at, 0xff07, Some((KeyCode::KEY_NUMERIC_9, 1))),
        Duration::ZERO,
    );
    let at = remote.at;
    remote.frames(frames::scan(at, 0xff08, None), Duration::ZERO);
    remote.send(&terminal).await;
    assert_eq!(ui().code, "71109");
    // Back erases.
    remote.press(&[Key::Back, Key::Back]).send(&terminal).await;
    assert_eq!(ui().code, "711");
    assert_eq!(ui().page, Page::Activation);
}

#[tokio::test]
async fn a_failing_device_ends_its_pump_after_delivering_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let terminal = start_terminal(dir.path());
    let t = Duration::from_secs(1_700_000_000);
    let mut events: Vec<io::Result<InputEvent>> = frames::key(t, KeyCode::KEY_RIGHT, 1)
        .into_iter()
        .chain(frames::key(t, KeyCode::KEY_RIGHT, 0))
        .map(Ok)
        .collect();
    // Unplugged: the kernel answers reads with ENODEV.
    events.push(Err(io::Error::from_raw_os_error(libc::ENODEV)));
    events.extend(frames::key(t, KeyCode::KEY_ENTER, 1).into_iter().map(Ok));
    let result = pump(
        futures_util::stream::iter(events),
        Decoder::keyboard(),
        &terminal,
    )
    .await;
    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::ENODEV));
    terminal.barrier().await;
    let ui = terminal.ui.borrow().clone();
    // Right moved the focus; the Enter after the failure never arrived.
    assert_eq!(ui.focused(), Control::LanguageEn);
    assert_eq!(ui.settings_language, Language::ZhCn);
}

#[tokio::test]
async fn the_watcher_carries_on_without_devices() {
    // No /dev/input here (or nothing we may open): the watcher logs once
    // and keeps looking instead of failing.
    let dir = tempfile::tempdir().unwrap();
    let terminal = start_terminal(dir.path());
    let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
    let profile = BoardProfile::load(&boards, "rk3588").unwrap();
    let config = InputConfig::new(&profile, false);
    assert!(!config.rules.keyboards);
    assert!(!config.rules.ir_device_names.is_empty());
    let watcher = roomterm::input::spawn(terminal.clone(), config);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!watcher.is_finished());
    watcher.abort();
    if !Path::new("/dev/input").exists() {
        let rules = DiscoveryRules {
            ir_device_names: vec!["gpio_ir_recv".into()],
            cec_device_names: Vec::new(),
            keyboards: true,
        };
        assert!(roomterm::input::scan(&rules, &Default::default()).is_empty());
    }
}
