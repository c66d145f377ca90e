//! Renders pages to PNG with Slint's software renderer, without a display:
//! for docs, reviews and the UI tests. One process can render many pages
//! (Slint allows one platform per process, so they share one window).

use rgb::FromSlice;
use std::path::Path;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::{ComponentHandle, PhysicalSize};

use super::offscreen::Offscreen;
use super::{
    apply, locale, screenshot_states, show_content, show_remote_video, show_self_view, AppWindow,
};

/// The in-call state whose shots show content shared in the meeting
/// (received apart: the sample slide large, the people beside it).
const CONTENT_SHOT: &str = "in-call-content";
use crate::media::RgbFrame;
use crate::sip::{CallEnd, CallState};
use crate::status::TerminalStatus;
use crate::store::Language;
use crate::ui::UiState;

/// One picture to take.
pub struct Screenshot {
    pub name: String,
    pub ui: UiState,
    pub status: TerminalStatus,
    pub language: Language,
    pub width: u32,
    pub height: u32,
}

/// A rendered frame: RGB rows, top to bottom.
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Renders every shot; writes `<dir>/<name>.png` when `dir` is given.
pub fn render_pages(shots: &[Screenshot], dir: Option<&Path>) -> anyhow::Result<Vec<Frame>> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen(window.clone())))
        .map_err(|e| anyhow::anyhow!("cannot set up offscreen rendering: {e}"))?;
    let app = AppWindow::new()?;
    app.show()?;
    let mut frames = Vec::new();
    // The sample pictures, drawn once for every page that shows them.
    let meeting = sample_meeting_picture();
    let slide = sample_slide();
    for shot in shots {
        window.set_size(PhysicalSize::new(shot.width, shot.height));
        slint::select_bundled_translation(locale(shot.language))
            .map_err(|e| anyhow::anyhow!("translation {:?}: {e}", locale(shot.language)))?;
        apply(&app, &shot.ui, &shot.status, "09:41");
        if matches!(shot.status.call, Some(CallState::Established { .. })) {
            show_remote_video(&app, &meeting);
            // The room's own camera: a warm solid colour, small.
            let own = RgbFrame {
                width: 320,
                height: 180,
                data: [224, 120, 72].repeat(320 * 180),
            };
            show_self_view(&app, &own);
            let content = shot.name.starts_with(CONTENT_SHOT).then_some(&slide);
            show_content(&app, content);
        }
        if shot.status.cast.is_some() {
            super::show_cast_picture(&app, &slide);
        }
        // Let property changes and layouts settle before drawing.
        slint::platform::update_timers_and_animations();
        window.request_redraw();
        // Drawn straight into the RGB bytes, seen as pixels: no per-pixel
        // copying or filling (which, unoptimised, took most of the UI
        // tests' time).
        let mut rgb = vec![0u8; shot.width as usize * shot.height as usize * 3];
        window.draw_if_needed(|renderer| {
            renderer.render(rgb.as_rgb_mut(), shot.width as usize);
        });
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
            let png = super::offscreen::encode_png(
                shot.width,
                shot.height,
                png::ColorType::Rgb,
                &rgb,
                png::Compression::Default,
            )?;
            std::fs::write(dir.join(format!("{}.png", shot.name)), png)?;
        }
        frames.push(Frame {
            width: shot.width,
            height: shot.height,
            rgb,
        });
    }
    Ok(frames)
}

/// The two layouts a terminal ships for: 1920×1080 TVs, 1280×800 panels.
pub const SIZES: [(u32, u32); 2] = [(1920, 1080), (1280, 800)];

/// The pages in the states docs and reviews show, in both languages, at
/// 1920×1080 and (for the busiest pages) 1280×800: `docs/screenshots/`.
pub fn standard_shots() -> Vec<Screenshot> {
    let docs_small = [
        "home",
        "home-meetings",
        "home-updating",
        "activation-wrong-code",
        "server-keyboard",
        "network-static-error",
    ];
    let mut shots = Vec::new();
    for (name, ui, status) in states() {
        for (width, height) in SIZES {
            if width != SIZES[0].0 && !docs_small.contains(&name) {
                continue;
            }
            shots.extend(both_languages(name, &ui, &status, width, height));
        }
    }
    shots
}

/// Every state in both languages at both sizes (the UI tests render all).
pub fn all_shots() -> Vec<Screenshot> {
    let mut shots = Vec::new();
    for (name, ui, status) in states() {
        for (width, height) in SIZES {
            shots.extend(both_languages(name, &ui, &status, width, height));
        }
    }
    shots
}

/// `<name>-zh` and `<name>-en`, with `-WxH` after it below full HD.
fn both_languages(
    name: &str,
    ui: &UiState,
    status: &TerminalStatus,
    width: u32,
    height: u32,
) -> Vec<Screenshot> {
    [(Language::ZhCn, "zh"), (Language::En, "en")]
        .into_iter()
        .map(|(language, tag)| {
            let mut ui = ui.clone();
            ui.settings_language = language;
            let size = if (width, height) == SIZES[0] {
                String::new()
            } else {
                format!("-{width}x{height}")
            };
            Screenshot {
                name: format!("{name}-{tag}{size}"),
                ui,
                status: status.clone(),
                language,
                width,
                height,
            }
        })
        .collect()
}

/// The named states: each page, its error states and its keyboards.
fn states() -> Vec<(&'static str, UiState, TerminalStatus)> {
    use crate::provision::ActivationError;
    use crate::sip::{RegFailure, RegStatus};
    use crate::status::ProvisioningStatus;
    use crate::ui::Page;

    let base_ui = |page: Page| {
        let mut ui = UiState::new(&crate::store::Settings::default(), false);
        ui.page = page;
        ui.server_url = "https://cloud.example.com:8443".into();
        ui
    };
    let mut fresh = TerminalStatus::new("RT-DEMO-0001");
    fresh.provisioning = ProvisioningStatus::NotActivated;
    let mut online = TerminalStatus::new("RT-DEMO-0001");
    online.provisioning = ProvisioningStatus::Connected;
    online.sip = Some(RegStatus::Registered {
        expires_in: std::time::Duration::from_secs(3600),
    });
    online.room_name = Some("Yangtze 3F".into());
    online.network = vec![crate::net::InterfaceAddress {
        interface: "eth0".into(),
        address: [192, 168, 1, 20].into(),
    }];
    online.number = Some("100001".into());
    let mut offline = online.clone();
    offline.provisioning = ProvisioningStatus::Disconnected {
        reason: "connection refused".into(),
    };
    offline.sip = Some(RegStatus::Failed(RegFailure::Unreachable(
        "connection refused".into(),
    )));

    let mut updating = online.clone();
    updating.update = Some(crate::update::UpdateProgress {
        version: "1.5.0".into(),
        state: roomterm_proto::UpdateState::Installing,
        progress: Some(62),
    });

    let mut deferred = online.clone();
    deferred.update = Some(crate::update::UpdateProgress {
        version: "1.5.0".into(),
        state: roomterm_proto::UpdateState::Deferred,
        progress: None,
    });

    let mut states: Vec<(&'static str, UiState, TerminalStatus)> = vec![
        ("language", base_ui(Page::Language), fresh.clone()),
        ("network", base_ui(Page::Network), fresh.clone()),
        ("server", base_ui(Page::Server), fresh.clone()),
        ("activation", base_ui(Page::Activation), fresh.clone()),
        ("home", base_ui(Page::Home), online.clone()),
        ("home-offline", base_ui(Page::Home), offline),
        ("home-updating", base_ui(Page::Home), updating),
        ("home-update-deferred", base_ui(Page::Home), deferred),
        ("settings", base_ui(Page::Settings), online.clone()),
        ("confirm-reset", base_ui(Page::ConfirmReset), online.clone()),
    ];
    // Home with the room's meetings of the day.
    let mut planned = base_ui(Page::Home);
    planned.schedule = vec![
        roomterm_proto::ScheduledMeeting {
            meeting_id: "8100002".into(),
            subject: "Quarterly review".into(),
            organiser: "Li Na".into(),
            starts_at: 1_796_637_600,
            ends_at: 1_796_641_200,
        },
        roomterm_proto::ScheduledMeeting {
            meeting_id: "8100007".into(),
            subject: "产品路线图评审 Product roadmap".into(),
            organiser: "王芳".into(),
            starts_at: 1_796_652_000,
            ends_at: 1_796_657_400,
        },
    ];
    planned.focus = (1, 1);
    states.push(("home-meetings", planned, online.clone()));
    // Back Home after the host removed the room: Home says so.
    let mut removed = online.clone();
    removed.call = Some(CallState::Ended(crate::sip::CallEnd::RemoteHungUp {
        code: Some("removed".into()),
    }));
    removed.call_ended_at = Some(std::time::Instant::now());
    states.push(("home-removed", base_ui(Page::Home), removed));
    let mut pinged = online.clone();
    pinged.ping = crate::status::PingState::Done(crate::net::PingReport {
        target: "cloud.example.com:8443".into(),
        sent: 4,
        answered: 4,
        min_ms: Some(0.8),
        avg_ms: Some(1.1),
        max_ms: Some(1.6),
        error: None,
    });
    states.push(("diagnostics", base_ui(Page::Diagnostics), pinged));
    let mut static_ui = base_ui(Page::NetworkStatic);
    static_ui.dhcp = false;
    static_ui.address = "192.168.1.20/24".into();
    static_ui.gateway = "192.168.2.1".into();
    static_ui.dns = "192.168.1.1".into();
    static_ui.network_error = Some("gateway_outside_subnet");
    static_ui.focus = (1, 1);
    states.push(("network-static-error", static_ui.clone(), online.clone()));
    let mut address_keyboard = static_ui;
    address_keyboard.network_error = None;
    address_keyboard.gateway = "192.168.1.".into();
    address_keyboard.editing = Some(crate::ui::Field::Gateway);
    address_keyboard.focus = (3, 0);
    states.push(("network-keyboard", address_keyboard, online.clone()));
    let mut url_keyboard = base_ui(Page::Server);
    url_keyboard.server_url = "https://cloud.exa".into();
    url_keyboard.editing = Some(crate::ui::Field::Server);
    url_keyboard.focus = (2, 4);
    states.push(("server-keyboard", url_keyboard, fresh.clone()));
    let mut typed = base_ui(Page::Activation);
    typed.code = "12345678".into();
    typed.focus = (1, 1);
    states.push(("activation-typing", typed, fresh.clone()));
    let mut wrong = base_ui(Page::Activation);
    wrong.code = "000000000000".into();
    let mut wrong_status = fresh.clone();
    wrong_status.activation_error = Some(ActivationError::WrongCode);
    states.push(("activation-wrong-code", wrong.clone(), wrong_status));
    let mut unreachable_status = fresh.clone();
    unreachable_status.activation_error =
        Some(ActivationError::Unreachable("connection refused".into()));
    states.push(("activation-unreachable", wrong.clone(), unreachable_status));
    let mut expired_status = fresh.clone();
    expired_status.activation_error = Some(ActivationError::CodeExpired);
    states.push(("activation-expired", wrong.clone(), expired_status));
    let mut locked_status = fresh;
    locked_status.activation_error = Some(ActivationError::Locked {
        retry_after_secs: 540,
    });
    states.push(("activation-locked", wrong, locked_status));

    let mut join = base_ui(Page::Join);
    join.meeting_id = "507285042".into();
    join.meeting_password = "2468".into();
    join.join_field = crate::ui::JoinField::Password;
    join.focus = (4, 2);
    states.push(("join", join.clone(), online.clone()));
    let mut refused = join;
    refused.meeting_password.clear();
    refused.call_refused = true;
    refused.focus = (0, 1);
    let mut refused_status = online.clone();
    refused_status.call = Some(CallState::Ended(CallEnd::Refused {
        status: 403,
        reason: "Wrong Meeting Password".into(),
        code: Some("wrong_password".into()),
    }));
    states.push(("join-wrong-password", refused, refused_status));
    let mut in_call = base_ui(Page::InCall);
    in_call.meeting_id = "507285042".into();
    let mut in_call_status = online.clone();
    in_call_status.call = Some(CallState::Established {
        remote_sdp: String::new(),
    });
    in_call_status.mic_muted = true;
    in_call_status.call_quality = Some(crate::media::QualityReport {
        level: crate::media::QualityLevel::Good,
        loss_icon: crate::media::LossIcon::None,
        warning: false,
        audio_loss: Some(0.0),
        video_loss: Some(0.0),
        jitter_ms: 2.0,
        latency_ms: Some(12.0),
        recovered_packets: 0,
        key_frame_requests: 0,
        audio: Default::default(),
        video: Default::default(),
    });
    let member = |name: &str, host: bool| crate::sip::conference::RosterMember {
        host,
        ..crate::sip::conference::RosterMember::named(name)
    };
    in_call_status.call_roster = Some(crate::sip::conference::Roster {
        count: 4,
        members: vec![
            member("Boardroom 3F", true),
            member("Huddle 2", false),
            member("Alice", false),
            member("Shanghai Office", false),
        ],
        layout: Some("speaker".into()),
        version: 3,
        content: None,
        locked: false,
        self_unmute: true,
        you: None,
        ends_at: None,
        ending_soon: false,
        broadcast: None,
        polling: None,
        waiting: Vec::new(),
        ringing: Vec::new(),
        held: false,
        waiting_room: false,
        host_only_share: false,
        mute_on_entry: false,
    });
    states.push(("in-call", in_call.clone(), in_call_status.clone()));
    states.push((CONTENT_SHOT, in_call.clone(), in_call_status.clone()));
    let mut no_devices = in_call_status.clone();
    no_devices.mic_muted = false;
    no_devices.call_devices = crate::media::Devices {
        camera_missing: Some("v4l2src /dev/video0 does not open".into()),
        microphone_missing: Some("alsasrc hw:CARD=rockchipes8388 does not open".into()),
    };
    states.push(("in-call-no-devices", in_call.clone(), no_devices));
    let mut lossy = in_call_status;
    lossy.mic_muted = false;
    lossy.call_quality = Some(crate::media::QualityReport {
        level: crate::media::QualityLevel::Poor,
        loss_icon: crate::media::LossIcon::Red,
        warning: true,
        audio_loss: Some(0.02),
        video_loss: Some(0.12),
        jitter_ms: 18.0,
        latency_ms: Some(140.0),
        recovered_packets: 412,
        key_frame_requests: 9,
        audio: Default::default(),
        video: Default::default(),
    });
    states.push(("in-call-lossy", in_call.clone(), lossy));
    states.extend(screenshot_states::host_states(&in_call, &online));
    let mut calling_status = online.clone();
    calling_status.call = Some(CallState::Calling);
    // The meeting's media stopped: the room places the call again.
    let mut reconnecting = calling_status.clone();
    reconnecting.call_reconnecting = true;
    states.push(("reconnecting", in_call.clone(), reconnecting));
    states.push(("calling", in_call, calling_status));

    let mut dial = base_ui(Page::Dial);
    let room = |name: &str, number: &str, online: bool| roomterm_proto::DirectoryEntry {
        name: name.into(),
        number: number.into(),
        online,
    };
    dial.directory = vec![
        room("Boardroom 3F", "100002", true),
        room("Huddle 2", "100007", false),
        room("Training Room", "100004", true),
    ];
    dial.pick_contact(0);
    dial.focus = (5, 2);
    dial.call_from = Page::Dial;
    dial.call_refused = true;
    dial.focus = (4, 2);
    let mut declined_status = online.clone();
    declined_status.call = Some(CallState::Ended(CallEnd::Refused {
        status: 603,
        reason: "Decline".into(),
        code: Some("declined".into()),
    }));
    // The host rings a room into the meeting (Host menu, Invite).
    let mut inviting = dial.clone();
    inviting.call_refused = false;
    inviting.inviting = true;
    inviting.pick_contact(2);
    inviting.directory_query = "room".into();
    inviting.focus = (5, 2);
    let mut in_meeting = online.clone();
    in_meeting.call = Some(CallState::Established {
        remote_sdp: String::new(),
    });
    states.push(("dial-invite", inviting, in_meeting));
    states.push(("dial-declined", dial, declined_status));
    let caller = crate::sip::Caller {
        name: "Boardroom 3F".into(),
        number: "100001".into(),
        meeting: false,
    };
    let mut incoming = base_ui(Page::Incoming);
    incoming.call_incoming(&caller);
    let online_for_cast = online.clone();
    let mut ringing_status = online;
    ringing_status.call = Some(CallState::Incoming {
        caller,
        offer: String::new(),
    });
    let invitation = crate::sip::Caller {
        name: "Weekly sync".into(),
        number: "900123".into(),
        meeting: true,
    };
    let mut invited = base_ui(Page::Incoming);
    invited.call_incoming(&invitation);
    let mut invited_status = ringing_status.clone();
    invited_status.call = Some(CallState::Incoming {
        caller: invitation,
        offer: String::new(),
    });
    states.push(("incoming", incoming, ringing_status));
    states.push(("incoming-meeting", invited, invited_status));
    states.extend(screenshot_states::cast_states(&online_for_cast));
    states
}
/// A stand-in for a shared screen: a white slide with a title bar and
/// lines of dark "text", as a presentation looks.
fn sample_slide() -> RgbFrame {
    let (width, height) = (1280u32, 720u32);
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let title = (60..130).contains(&y) && (80..900).contains(&x);
            let line = (200..620).contains(&y)
                && (y - 200) % 70 < 24
                && (80..1100 - ((y - 200) / 70 % 3) * 150).contains(&x);
            data.extend(if title {
                [32, 96, 200]
            } else if line {
                [48, 52, 60]
            } else {
                [250, 250, 250]
            });
        }
    }
    RgbFrame {
        width,
        height,
        data,
    }
}

/// A stand-in for the meeting picture on the in-call screenshot: a 2×2
/// gallery of flat colours, as the cloud composes it.
fn sample_meeting_picture() -> RgbFrame {
    let (width, height) = (640u32, 360u32);
    let colours = [[196, 82, 64], [64, 140, 196], [92, 168, 96], [200, 170, 70]];
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (col, row) = ((x * 2 / width) as usize, (y * 2 / height) as usize);
            let edge = x % (width / 2) < 4 || y % (height / 2) < 4;
            data.extend(if edge {
                [0, 0, 0]
            } else {
                colours[row * 2 + col]
            });
        }
    }
    RgbFrame {
        width,
        height,
        data,
    }
}
