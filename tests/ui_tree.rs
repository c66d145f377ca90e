//! UI tests through Slint's testing backend and the accessibility tree of
//! the real `.slint` pages: every page (and keyboard) renders in both
//! languages with a label on every control, the controls on screen are
//! exactly the ones the D-pad walks through, the D-pad reaches all of them,
//! and activating each one (as a screen reader or a tap would) reports that
//! control to the runtime; key events through the window arrive as the
//! terminal's key names.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use i_slint_backend_testing::{AccessibleRole, ElementQuery};
use roomterm::keys::Key;
use roomterm::screen::{apply, control_id, locale, AppState, AppWindow};
use roomterm::status::{ProvisioningStatus, TerminalStatus};
use roomterm::store::{Language, Settings};
use roomterm::ui::{Field, Page, UiState};
use slint::ComponentHandle;

/// Interactive elements on screen: accessible id → label.
fn controls_on_screen(app: &AppWindow) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let buttons = ElementQuery::from_root(app)
        .match_descendants()
        .match_predicate(|e| {
            matches!(
                e.accessible_role(),
                Some(AccessibleRole::Button | AccessibleRole::TextInput)
            )
        })
        .find_all();
    for element in buttons {
        let id = element.accessible_id().unwrap_or_default().to_string();
        let label = element.accessible_label().unwrap_or_default().to_string();
        assert!(
            !id.is_empty(),
            "an interactive element without an id: {label:?}"
        );
        found.insert(id, label);
    }
    found
}

/// The D-pad walk: every control focus can reach from the page's start.
fn reachable(ui: &UiState) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![ui.clone()];
    let mut visited = BTreeSet::new();
    while let Some(state) = stack.pop() {
        if !visited.insert(state.focus) {
            continue;
        }
        seen.insert(control_id(state.focused()));
        for key in [Key::Up, Key::Down, Key::Left, Key::Right] {
            let mut next = state.clone();
            next.key(key);
            stack.push(next);
        }
    }
    seen
}

fn states() -> Vec<(String, UiState, TerminalStatus)> {
    let mut status = TerminalStatus::new("SN-UI");
    status.provisioning = ProvisioningStatus::Connected;
    status.room_name = Some("Room".into());
    let mut out = Vec::new();
    for page in Page::ALL {
        let mut ui = UiState::new(&Settings::default(), false);
        ui.page = page;
        ui.dhcp = page != Page::NetworkStatic;
        out.push((format!("{page:?}"), ui, status.clone()));
    }
    // A meeting's pages as its host and a guest see them.
    for (page, host) in [Page::InCall, Page::Participants, Page::HostMenu]
        .into_iter()
        .flat_map(|p| [(p, true), (p, false)])
    {
        let mut ui = UiState::new(&Settings::default(), true);
        ui.page = page;
        ui.meeting.in_meeting = true;
        ui.meeting.host_rights = host;
        out.push((
            format!("{page:?} in a meeting, host {host}"),
            ui,
            status.clone(),
        ));
    }
    for field in [Field::Server, Field::Gateway] {
        let mut ui = UiState::new(&Settings::default(), false);
        ui.page = if field == Field::Server {
            Page::Server
        } else {
            Page::NetworkStatic
        };
        ui.dhcp = field == Field::Server;
        ui.editing = Some(field);
        out.push((format!("keyboard {field:?}"), ui, status.clone()));
    }
    out
}

#[test]
fn every_page_in_both_languages_is_labelled_reachable_and_tappable() {
    i_slint_backend_testing::init_no_event_loop();
    let app = AppWindow::new().unwrap();
    let tapped = Rc::new(RefCell::new(Vec::<String>::new()));
    {
        let tapped = tapped.clone();
        app.global::<AppState>()
            .on_tapped(move |id| tapped.borrow_mut().push(id.to_string()));
    }
    app.show().unwrap();

    let mut labels_by_language: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for language in [Language::ZhCn, Language::En] {
        slint::select_bundled_translation(locale(language)).unwrap();
        for (name, ui, status) in states() {
            apply(&app, &ui, &status, "09:41");
            let on_screen = controls_on_screen(&app);
            // What the screen shows is what the D-pad walks, no more, no less.
            let rows: BTreeSet<String> = ui
                .rows()
                .iter()
                .flat_map(|row| row.iter().map(|c| control_id(*c)))
                .collect();
            let shown: BTreeSet<String> = on_screen.keys().cloned().collect();
            assert_eq!(shown, rows, "{name} ({language:?}): screen vs. D-pad rows");
            assert_eq!(
                reachable(&ui),
                rows,
                "{name}: the D-pad does not reach everything"
            );
            for (id, label) in &on_screen {
                assert!(!label.trim().is_empty(), "{name}: {id} has no label");
                labels_by_language
                    .entry((name.clone(), id.clone()))
                    .or_default()
                    .push(label.clone());
            }
            // Activating each control reports exactly it.
            for id in on_screen.keys() {
                tapped.borrow_mut().clear();
                let element = ElementQuery::from_root(&app)
                    .match_descendants()
                    .match_predicate({
                        let id = id.clone();
                        move |e| e.accessible_id().as_deref() == Some(id.as_str())
                    })
                    .find_first()
                    .unwrap();
                element.invoke_accessible_default_action();
                assert_eq!(*tapped.borrow(), vec![id.clone()], "{name}: {id}");
            }
        }
    }
    // Words change with the language (digits, symbols and language names stay).
    let translated = labels_by_language
        .iter()
        .filter(|(_, labels)| labels[0] != labels[1])
        .count();
    let same: Vec<_> = labels_by_language
        .iter()
        .filter(|(_, labels)| {
            labels[0] == labels[1]
                && labels[0]
                    .chars()
                    .any(|c| c.is_ascii_alphabetic() && c.is_ascii_lowercase())
                && labels[0].len() > 8
        })
        .map(|(key, labels)| format!("{key:?}: {:?}", labels[0]))
        .collect();
    assert!(
        translated >= 30,
        "only {translated} labels differ between languages"
    );
    assert!(same.is_empty(), "untranslated labels: {same:?}");

    // Real key events through the window (what winit delivers from a
    // keyboard, or an IR remote through rc-core) reach the runtime as the
    // terminal's key names; printable text types into an open keyboard.
    // (Here: Slint allows one platform per process.)
    keys_reach_the_runtime_by_name(&app);
}

fn keys_reach_the_runtime_by_name(app: &AppWindow) {
    use slint::platform::{Key as SlintKey, WindowEvent};
    let pressed = Rc::new(RefCell::new(Vec::<String>::new()));
    let typed = Rc::new(RefCell::new(String::new()));
    {
        let pressed = pressed.clone();
        app.global::<AppState>()
            .on_key(move |name| pressed.borrow_mut().push(name.to_string()));
        let typed = typed.clone();
        app.global::<AppState>()
            .on_typed(move |text| typed.borrow_mut().push_str(&text));
    }
    let press = |text: slint::SharedString| {
        app.window()
            .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        app.window()
            .dispatch_event(WindowEvent::KeyReleased { text });
    };
    let mut ui = UiState::new(&Settings::default(), false);
    ui.page = Page::Home;
    apply(app, &ui, &TerminalStatus::new("SN-UI"), "09:41");
    for key in [
        SlintKey::UpArrow,
        SlintKey::DownArrow,
        SlintKey::LeftArrow,
        SlintKey::RightArrow,
        SlintKey::Return,
        SlintKey::Escape,
        SlintKey::Backspace,
        SlintKey::Home,
    ] {
        press(key.into());
    }
    press("7".into());
    assert_eq!(
        *pressed.borrow(),
        ["up", "down", "left", "right", "ok", "back", "back", "home", "digit7"],
    );
    assert_eq!(*typed.borrow(), "", "no field is open: nothing is typed");

    // With the server keyboard open, letters type into its field.
    pressed.borrow_mut().clear();
    ui.page = Page::Server;
    ui.editing = Some(Field::Server);
    apply(app, &ui, &TerminalStatus::new("SN-UI"), "09:41");
    for c in ["h", "o", "s", "t", ":"] {
        press(c.into());
    }
    assert_eq!(*typed.borrow(), "host:");
    assert!(pressed.borrow().is_empty(), "{:?}", pressed.borrow());
}
