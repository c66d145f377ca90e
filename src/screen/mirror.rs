//! The room's screen for the web remote: pictures of exactly what it shows
//! (PNG), and clicks on them pressed where they fall, so a click on a
//! button is the same tap a finger would make.
//!
//! A terminal with a window takes its window's own snapshot and hands the
//! click to it. A headless one has no pages drawn anywhere, so the first
//! request starts a thread that draws them offscreen with the software
//! renderer the screenshots use, from the same state the window would be
//! given (Slint's platform is per thread, so each terminal of a test
//! process gets its own).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use rgb::FromSlice;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, PhysicalSize};
use tokio::sync::oneshot;

use super::offscreen::{encode_png, Offscreen};
use super::{apply, locale, AppWindow};
use crate::app::Terminal;
use crate::lock;
use crate::media::RgbFrame;
use crate::store::Language;

/// The size a headless terminal's pages are drawn at for the web remote.
pub const HEADLESS_SIZE: (u32, u32) = (1280, 720);

/// One picture of the screen.
#[derive(Clone)]
pub struct ScreenPicture {
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

/// The handle the web remote holds (cheap to clone, usable from any thread).
#[derive(Clone)]
pub struct Mirror(Source);

#[derive(Clone)]
enum Source {
    Window(slint::Weak<AppWindow>),
    Offscreen {
        terminal: Terminal,
        runtime: tokio::runtime::Handle,
        /// Started by the first request.
        thread: Arc<Mutex<Option<mpsc::Sender<Request>>>>,
    },
}

enum Request {
    Picture(oneshot::Sender<Option<ScreenPicture>>),
    Click { x: f32, y: f32 },
}

impl Mirror {
    /// The room's own window.
    pub fn of_window(window: &AppWindow) -> Self {
        Self(Source::Window(window.as_weak()))
    }

    /// A headless terminal's pages, drawn offscreen at [`HEADLESS_SIZE`].
    pub fn offscreen(terminal: Terminal, runtime: tokio::runtime::Handle) -> Self {
        Self(Source::Offscreen {
            terminal,
            runtime,
            thread: Arc::default(),
        })
    }

    /// What the screen shows now; `None` when it cannot be drawn.
    pub async fn picture(&self) -> Option<ScreenPicture> {
        let (reply, answer) = oneshot::channel();
        match &self.0 {
            Source::Window(weak) => {
                let weak = weak.clone();
                slint::invoke_from_event_loop(move || {
                    let picture = weak.upgrade().and_then(|app| {
                        let shot = app.window().take_snapshot().ok()?;
                        encode_png(
                            shot.width(),
                            shot.height(),
                            png::ColorType::Rgba,
                            shot.as_bytes(),
                            png::Compression::Fast,
                        )
                        .ok()
                        .map(|png| ScreenPicture {
                            width: shot.width(),
                            height: shot.height(),
                            png,
                        })
                    });
                    let _ = reply.send(picture);
                })
                .ok()?;
            }
            Source::Offscreen { .. } => self.send(Request::Picture(reply))?,
        }
        answer.await.ok().flatten()
    }

    /// Presses the screen at (`x`, `y`) in the picture's pixels.
    pub fn click(&self, x: f32, y: f32) {
        match &self.0 {
            Source::Window(weak) => {
                let weak = weak.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        let scale = app.window().scale_factor();
                        press(app.window(), x / scale, y / scale);
                    }
                });
            }
            Source::Offscreen { .. } => {
                let _ = self.send(Request::Click { x, y });
            }
        }
    }

    fn send(&self, request: Request) -> Option<()> {
        let Source::Offscreen {
            terminal,
            runtime,
            thread,
        } = &self.0
        else {
            return None;
        };
        let mut thread = lock(thread);
        let sender = thread.get_or_insert_with(|| {
            let (sender, requests) = mpsc::channel();
            let (terminal, runtime) = (terminal.clone(), runtime.clone());
            let started = std::thread::Builder::new()
                .name("screen-mirror".into())
                .spawn(move || {
                    if let Err(err) = draw_offscreen(terminal, runtime, requests) {
                        tracing::warn!(%err, "the web remote's screen cannot be drawn");
                    }
                });
            if let Err(err) = started {
                tracing::warn!(%err, "no thread for the web remote's screen");
            }
            sender
        });
        if sender.send(request).is_err() {
            // The thread ended (it could not draw): the next request tries again.
            *thread = None;
            return None;
        }
        Some(())
    }
}

/// A press and release at a logical position: a tap.
fn press(window: &slint::Window, x: f32, y: f32) {
    let position = LogicalPosition::new(x, y);
    let button = PointerEventButton::Left;
    window.dispatch_event(WindowEvent::PointerMoved { position });
    window.dispatch_event(WindowEvent::PointerPressed { position, button });
    window.dispatch_event(WindowEvent::PointerReleased { position, button });
    window.dispatch_event(WindowEvent::PointerExited);
}

/// The offscreen thread: one window, given the terminal's state before
/// each picture and each click (so a click lands on the page it was aimed
/// at); its taps reach the runtime as the real window's do.
fn draw_offscreen(
    terminal: Terminal,
    runtime: tokio::runtime::Handle,
    requests: mpsc::Receiver<Request>,
) -> anyhow::Result<()> {
    let (width, height) = HEADLESS_SIZE;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen(window.clone())))
        .map_err(|e| anyhow::anyhow!("cannot set up offscreen rendering: {e}"))?;
    let app = AppWindow::new()?;
    app.show()?;
    window.set_size(PhysicalSize::new(width, height));
    super::inputs::forward(&app, &runtime, terminal.clone());
    let mut language: Option<Language> = None;
    // The newest picture of a call or cast, kept between requests: the
    // media hands each decoded picture out once.
    let mut cast_picture: Option<RgbFrame> = None;
    while let Ok(request) = requests.recv() {
        let ui = terminal.ui.borrow().clone();
        let status = terminal.status.borrow().clone();
        if language != Some(ui.settings_language) {
            language = Some(ui.settings_language);
            slint::select_bundled_translation(locale(ui.settings_language))
                .map_err(|e| anyhow::anyhow!("translation: {e}"))?;
        }
        apply(
            &app,
            &ui,
            &status,
            &chrono::Local::now().format("%H:%M").to_string(),
        );
        if let Some(media) = terminal.call_media.borrow().clone() {
            if let Some(frame) = media.snapshot() {
                super::show_remote_video(&app, &frame);
            }
            if let Some(own) = media.latest_self_view() {
                super::show_self_view(&app, &own);
            }
            super::show_content(&app, media.latest_content().as_ref());
        }
        match terminal.cast_media.borrow().clone() {
            Some(cast) => {
                if let Some(frame) = cast.latest_frame() {
                    cast_picture = Some(frame);
                }
                if let Some(frame) = &cast_picture {
                    super::show_cast_picture(&app, frame);
                }
            }
            None => cast_picture = None,
        }
        slint::platform::update_timers_and_animations();
        match request {
            Request::Click { x, y } => press(app.window(), x, y),
            Request::Picture(reply) => {
                window.request_redraw();
                let mut rgb = vec![0u8; width as usize * height as usize * 3];
                window.draw_if_needed(|renderer| {
                    renderer.render(rgb.as_rgb_mut(), width as usize);
                });
                let png = encode_png(
                    width,
                    height,
                    png::ColorType::Rgb,
                    &rgb,
                    png::Compression::Fast,
                )?;
                let _ = reply.send(Some(ScreenPicture { width, height, png }));
            }
        }
    }
    Ok(())
}
