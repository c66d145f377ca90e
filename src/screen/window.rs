//! The terminal on a display: the Slint event loop owns the main thread,
//! the runtime lives on tokio; state flows in through
//! `invoke_from_event_loop`, taps and keys flow out as runtime commands.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::{apply, locale, show_remote_video, show_self_view, AppWindow};
use crate::app::Terminal;
use crate::lock;
use crate::media::RgbFrame;
use crate::store::Language;

/// How often the in-call page looks for a new picture (30 fps).
const VIDEO_TICK: std::time::Duration = std::time::Duration::from_millis(33);
/// Shared content comes at a steady rate (15 pictures a second, a still
/// slide too): this long without a picture, it has stopped.
const CONTENT_GONE: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens the window: Slint's backend (winit, or LinuxKMS on the
/// appliance) fails here when there is no display to show it on.
pub fn open_window() -> Result<AppWindow, slint::PlatformError> {
    AppWindow::new()
}

/// Runs `app` (from [`open_window`]) until it is closed.
pub fn run_window(
    app: AppWindow,
    runtime: tokio::runtime::Handle,
    terminal: Terminal,
) -> anyhow::Result<()> {
    super::inputs::forward(&app, &runtime, terminal.clone());

    // The far end's picture, at most at the display's pace: one frame
    // waits for the event loop at a time, newer ones replace it, so a slow
    // renderer drops frames instead of queueing them.
    {
        let weak = app.as_weak();
        let mut media = terminal.call_media.clone();
        let pending: Arc<Mutex<Option<RgbFrame>>> = Arc::default();
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(VIDEO_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut last_content: Option<std::time::Instant> = None;
            loop {
                // Between calls, sleep until one starts instead of ticking.
                let Ok(live) = media.wait_for(Option::is_some).await.map(|m| m.clone()) else {
                    return;
                };
                tick.tick().await;
                let Some(live) = live else {
                    continue;
                };
                // The room's own picture, small (far fewer pixels).
                if let Some(own) = live.latest_self_view() {
                    let weak = weak.clone();
                    let _ = slint::invoke_from_event_loop(move || {
                        if let Some(app) = weak.upgrade() {
                            show_self_view(&app, &own);
                        }
                    });
                }
                // Shared content, while it comes.
                let content = live.latest_content();
                let gone =
                    content.is_none() && last_content.is_some_and(|at| at.elapsed() > CONTENT_GONE);
                if content.is_some() || gone {
                    last_content = content.is_some().then(std::time::Instant::now);
                    let weak = weak.clone();
                    let _ = slint::invoke_from_event_loop(move || {
                        if let Some(app) = weak.upgrade() {
                            crate::screen::show_content(&app, content.as_ref());
                        }
                    });
                }
                let Some(frame) = live.latest_frame() else {
                    continue;
                };
                let already_scheduled = lock(&pending).replace(frame).is_some();
                if already_scheduled {
                    continue;
                }
                let (weak, pending) = (weak.clone(), pending.clone());
                let shown = slint::invoke_from_event_loop(move || {
                    let frame = lock(&pending).take();
                    if let (Some(app), Some(frame)) = (weak.upgrade(), frame) {
                        show_remote_video(&app, &frame);
                    }
                });
                if shown.is_err() {
                    return;
                }
            }
        });
    }

    // The cast's pictures, the same way: the newest one waits for the
    // event loop, newer ones replace it.
    {
        let weak = app.as_weak();
        let mut cast = terminal.cast_media.clone();
        let pending: Arc<Mutex<Option<RgbFrame>>> = Arc::default();
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(VIDEO_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                let Ok(live) = cast.wait_for(Option::is_some).await.map(|c| c.clone()) else {
                    return;
                };
                tick.tick().await;
                let Some(frame) = live.and_then(|live| live.latest_frame()) else {
                    continue;
                };
                if lock(&pending).replace(frame).is_some() {
                    continue;
                }
                let (weak, pending) = (weak.clone(), pending.clone());
                let shown = slint::invoke_from_event_loop(move || {
                    let frame = lock(&pending).take();
                    if let (Some(app), Some(frame)) = (weak.upgrade(), frame) {
                        crate::screen::show_cast_picture(&app, &frame);
                    }
                });
                if shown.is_err() {
                    return;
                }
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
