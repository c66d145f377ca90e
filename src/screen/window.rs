//! The terminal on a display: the Slint event loop owns the main thread,
//! the runtime lives on tokio; state flows in through
//! `invoke_from_event_loop`, taps and keys flow out as runtime commands.

use slint::ComponentHandle;

use super::{apply, control_from_id, locale, AppState, AppWindow};
use crate::app::Terminal;
use crate::board::Key;
use crate::store::Language;

/// Runs the window until it is closed.
pub fn run_window(runtime: tokio::runtime::Handle, terminal: Terminal) -> anyhow::Result<()> {
    let app = AppWindow::new()?;
    let state = app.global::<AppState>();
    {
        let (terminal, runtime) = (terminal.clone(), runtime.clone());
        state.on_tapped(move |id| {
            if let Some(control) = control_from_id(&id) {
                let terminal = terminal.clone();
                runtime.spawn(async move { terminal.tap(control).await });
            }
        });
    }
    {
        let (terminal, runtime) = (terminal.clone(), runtime.clone());
        state.on_key(move |name| {
            let key: Option<Key> =
                serde_json::from_value(serde_json::Value::String(name.to_string())).ok();
            if let Some(key) = key {
                let terminal = terminal.clone();
                runtime.spawn(async move { terminal.key(key).await });
            }
        });
    }

    // Push every change of UI or status (and the clock) to the window.
    let weak = app.as_weak();
    runtime.spawn(async move {
        let (mut ui, mut status) = (terminal.ui.clone(), terminal.status.clone());
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut language: Option<Language> = None;
        loop {
            let (ui_now, status_now) = (
                ui.borrow_and_update().clone(),
                status.borrow_and_update().clone(),
            );
            let switch =
                (language != Some(ui_now.settings_language)).then_some(ui_now.settings_language);
            language = Some(ui_now.settings_language);
            let clock = clock_text();
            let weak = weak.clone();
            let shown = slint::invoke_from_event_loop(move || {
                if let Some(app) = weak.upgrade() {
                    if let Some(language) = switch {
                        if let Err(err) = slint::select_bundled_translation(locale(language)) {
                            tracing::warn!(%err, "cannot switch language");
                        }
                    }
                    apply(&app, &ui_now, &status_now, &clock);
                }
            });
            if shown.is_err() {
                return; // The event loop is gone: the window was closed.
            }
            tokio::select! {
                changed = ui.changed() => if changed.is_err() { return },
                changed = status.changed() => if changed.is_err() { return },
                _ = tick.tick() => {}
            }
        }
    });
    app.run()?;
    Ok(())
}

/// Local wall-clock time as `HH:MM`.
fn clock_text() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}
