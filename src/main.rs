//! `roomterm`: the terminal process. One runtime (activation, provisioning
//! channel, SIP registration, control API) under either the Slint window on
//! the main thread or, with `--headless`, status lines on stdout.

use std::path::PathBuf;

use clap::Parser;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::board::{read_serial, BoardProfile};
use roomterm::status::TerminalStatus;
use roomterm::store::DataDir;

#[derive(Parser)]
#[command(name = "roomterm", version, about = "Meeting-room terminal")]
struct Cli {
    /// Data directory (settings, credentials, pinned CA).
    #[arg(long, env = "ROOMTERM_DATA", default_value = ".data/roomterm")]
    data: PathBuf,
    /// Board profile id (default: detected from the device tree, else generic-x86_64).
    #[arg(long)]
    board: Option<String>,
    /// Folder of board profiles.
    #[arg(long, env = "ROOMTERM_BOARDS", default_value = "board")]
    boards: PathBuf,
    /// Serial number (default: device-tree serial, else /etc/machine-id).
    #[arg(long, env = "ROOMTERM_SN")]
    sn: Option<String>,
    /// Cloud API URL to activate with, e.g. https://127.0.0.1:8443.
    #[arg(long, env = "ROOMTERM_SERVER")]
    server: Option<String>,
    /// Activation code (with --server), when not yet activated. Without it,
    /// the first-boot wizard asks for one (with the server pre-filled).
    #[arg(long, env = "ROOMTERM_CODE")]
    code: Option<String>,
    /// Run without a display: status lines on stdout, control via the API.
    #[arg(long)]
    headless: bool,
    /// Control API address (HTTP + WebSocket; token in <data>/control-token).
    #[arg(long, default_value = "127.0.0.1:7070")]
    control: std::net::SocketAddr,
    /// Room-controller line protocol address (TCP, xAPI-style lines; the
    /// control token signs in). Given, it pins the address; else the
    /// settings say (off out of the box).
    #[arg(long, value_name = "ADDR")]
    line_listen: Option<std::net::SocketAddr>,
    /// The web admin's address (HTTPS on the room's network; sign in as
    /// `admin`, `Change_Me` the first time). The image serves it on 443.
    #[arg(
        long,
        env = "ROOMTERM_ADMIN",
        default_value = "0.0.0.0:9443",
        value_name = "ADDR"
    )]
    admin: std::net::SocketAddr,
    /// Serve no web admin.
    #[arg(long)]
    no_admin: bool,
    /// Render pages to PNG files in this folder, then exit: the docs' set,
    /// or with --shot the named states (both languages, both sizes).
    #[arg(long, value_name = "DIR")]
    screenshots: Option<PathBuf>,
    /// With --screenshots: states whose names start with this (repeatable),
    /// e.g. `--shot activation-locked --shot home`; `--shot list` lists them.
    #[arg(long, value_name = "NAME")]
    shot: Vec<String>,
    /// Forget settings, credentials and the pinned CA, then exit.
    #[arg(long)]
    factory_reset: bool,
    /// Write the network settings as a systemd-networkd file here (the image
    /// uses /run/systemd/network). Unset: the machine's network is left alone.
    #[arg(long, env = "ROOMTERM_NETWORK_DIR", value_name = "DIR")]
    network_dir: Option<PathBuf>,
    /// The system journal's folder on the data partition (the image's
    /// /data/log/journal): a factory reset erases it with the settings.
    /// Unset: a reset leaves the machine's logs alone.
    #[arg(long, env = "ROOMTERM_JOURNAL_DIR", value_name = "DIR")]
    journal_dir: Option<PathBuf>,
    /// Do not read Linux input devices (IR receivers; keyboards when headless).
    #[arg(long)]
    no_input_devices: bool,
    /// A test pattern and tone instead of the board's camera and microphone.
    #[arg(long)]
    test_sources: bool,
    /// Check this build on this board (profile, GStreamer elements, an
    /// H.264 and an Opus round trip, devices), print a report, then exit:
    /// non-zero when something the terminal needs does not work.
    #[arg(long)]
    self_check: bool,
    /// Keep a one-line status summary in this file (for scripts without a
    /// control-API token, such as the image's update health check).
    #[arg(long, env = "ROOMTERM_STATUS_FILE", value_name = "FILE")]
    status_file: Option<PathBuf>,
    /// Join this meeting (`ID` or `ID*PASSWORD`) once registered, as a
    /// lobby display or the demo's second room does.
    #[arg(long, value_name = "MEETING")]
    join: Option<String>,
    /// Started without a display (none connected): exit with status 75 once
    /// one is plugged in and no call is in progress, for the service
    /// manager to start the terminal again on it (the image's unit).
    #[arg(long, env = "ROOMTERM_RESTART_FOR_DISPLAY")]
    restart_for_display: bool,
    /// Where the kernel lists display connectors (for tests).
    #[arg(long, env = "ROOMTERM_DRM_DIR", default_value = roomterm::screen::connectors::SYSFS_DRM, hide = true)]
    drm_dir: PathBuf,
}

/// The exit status that asks the service manager for a restart: a display
/// was connected, or the web admin's Restart (EX_TEMPFAIL).
const EXIT_DISPLAY_CONNECTED: i32 = 75;

fn main() -> std::process::ExitCode {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Colours only for a person at a terminal, not for the journal.
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        // The web admin's log page and diagnostic bundle.
        .with(roomterm::logs::Recent)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The network runs on tokio; with a display, the main thread belongs to
/// the Slint event loop.
fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(dir) = &cli.screenshots {
        let shots = if cli.shot.is_empty() {
            roomterm::screen::standard_shots()
        } else {
            let all = roomterm::screen::all_shots();
            if cli.shot.iter().any(|s| s == "list") {
                for shot in &all {
                    println!("{}", shot.name);
                }
                return Ok(());
            }
            let chosen: Vec<_> = all
                .into_iter()
                .filter(|s| cli.shot.iter().any(|p| s.name.starts_with(p.as_str())))
                .collect();
            anyhow::ensure!(
                !chosen.is_empty(),
                "no screenshot state matches {:?}; `--shot list` names them",
                cli.shot
            );
            chosen
        };
        roomterm::screen::render_pages(&shots, Some(dir))?;
        println!("{} screenshots in {}", shots.len(), dir.display());
        return Ok(());
    }
    if cli.self_check {
        return self_check(&cli);
    }
    let data = DataDir::new(&cli.data)?.with_journal(cli.journal_dir.clone());
    if cli.factory_reset {
        data.factory_reset()?;
        println!("factory reset done: {}", cli.data.display());
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new()?;
    // The screen first: a terminal without one (no display connected, no
    // DRM device, no desktop session) runs headless rather than not at all.
    let window = if cli.headless { None } else { open_window() };
    let mirror = window.as_ref().map(roomterm::screen::Mirror::of_window);
    // The web admin's Restart: the service manager starts us again.
    let (restart, mut restarting) = tokio::sync::watch::channel(false);
    // Kept, so a terminal without Restart never sees the channel close.
    let _restart_kept = restart.clone();
    let restart: Option<std::sync::Arc<dyn Fn() + Send + Sync>> =
        std::env::var_os("NOTIFY_SOCKET").is_some().then(|| {
            std::sync::Arc::new(move || {
                let _ = restart.send(true);
                let _ = slint::invoke_from_event_loop(|| {
                    let _ = slint::quit_event_loop();
                });
            }) as std::sync::Arc<dyn Fn() + Send + Sync>
        });
    // The control API (and the line protocol, the web admin) serve as long
    // as `_api` lives.
    let (terminal, _api) = runtime.block_on(start(&cli, data, mirror, restart))?;
    let mut display_connected = None;
    match window {
        None if !cli.headless && cli.restart_for_display => {
            display_connected = runtime.block_on(async {
                tokio::select! {
                    () = print_status(terminal.clone()) => None,
                    name = wait_for_display(&terminal, cli.drm_dir.clone()) => Some(name),
                    _ = restarting.wait_for(|r| *r) => None,
                }
            });
        }
        None => runtime.block_on(async {
            tokio::select! {
                () = print_status(terminal.clone()) => {}
                _ = restarting.wait_for(|r| *r) => {}
            }
        }),
        Some(window) => {
            // Status lines with a screen too: an image's serial console and
            // journal show what the screen shows.
            runtime.spawn(print_status(terminal.clone()));
            // SIGINT/SIGTERM close the window like its close button does.
            runtime.spawn(async {
                stop_signal().await;
                let _ = slint::invoke_from_event_loop(|| {
                    let _ = slint::quit_event_loop();
                });
            });
            roomterm::screen::run_window(window, runtime.handle().clone(), terminal.clone())?;
        }
    }
    // Unregister so the cloud shows the terminal offline at once (bounded:
    // a dead network must not hold up a power-off).
    let stopped = runtime.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(3), terminal.shutdown()).await
    });
    if stopped.is_err() {
        tracing::warn!("stopped without unregistering (no answer within 3 s)");
    }
    // Not while casting's start-up work runs: exiting under it crashes.
    roomterm::cast::warm::wait_prepared();
    if let Some(connector) = display_connected {
        println!("display connected ({connector}): restarting to show the pages there");
        std::process::exit(EXIT_DISPLAY_CONNECTED);
    }
    if *restarting.borrow() {
        println!("restarting, as the web admin asked");
        std::process::exit(EXIT_DISPLAY_CONNECTED);
    }
    Ok(())
}

/// Resolves with the connector's name once a display is plugged in and no
/// call is in progress (a restart would end it).
async fn wait_for_display(terminal: &Terminal, drm_dir: PathBuf) -> String {
    use roomterm::screen::connectors;
    let connector = connectors::newly_connected(drm_dir, connectors::POLL).await;
    tracing::info!(%connector, "display connected");
    let mut status = terminal.status.clone();
    let _ = status.wait_for(|s| !s.in_call()).await;
    connector
}

fn self_check(cli: &Cli) -> anyhow::Result<()> {
    use roomterm::self_check::{self, Outcome};
    let device_tree = std::fs::read("/proc/device-tree/compatible").ok();
    let board = BoardProfile::select(&cli.boards, cli.board.as_deref(), device_tree.as_deref())?;
    println!(
        "roomterm {} self-check ({})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );
    let checks = self_check::run(&board, std::path::Path::new("/"));
    for check in &checks {
        println!("{check}");
    }
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    anyhow::ensure!(failed == 0, "{failed} check(s) failed");
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM (systemd stopping the service).
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// The window, on the desktop (winit) or the appliance's display (LinuxKMS,
/// `SLINT_BACKEND=linuxkms-software` in the image), or `None` with the
/// reason logged.
fn open_window() -> Option<roomterm::screen::AppWindow> {
    match roomterm::screen::open_window() {
        Ok(window) => Some(window),
        Err(err) => {
            // Slint's first lines say why (no DRM device, no connected
            // output...); the rest lists every framebuffer it also tried.
            let reason = err
                .to_string()
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join("; ");
            tracing::warn!("no display, running headless: {reason}");
            None
        }
    }
}

/// Starts the terminal; `headless`: no window (keyboards are then read
/// from evdev, and nothing plays on a speaker).
async fn start(
    cli: &Cli,
    data: DataDir,
    window: Option<roomterm::screen::Mirror>,
    restart: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
) -> anyhow::Result<(Terminal, Serving)> {
    let headless = window.is_none();
    let device_tree = std::fs::read("/proc/device-tree/compatible").ok();
    let board = BoardProfile::select(&cli.boards, cli.board.as_deref(), device_tree.as_deref())?;
    let sn = match &cli.sn {
        Some(sn) => sn.clone(),
        None => read_serial(std::path::Path::new("/"))
            .ok_or_else(|| anyhow::anyhow!("no serial number found; pass --sn"))?,
    };
    println!(
        "roomterm {}  board {}  SN {sn}",
        env!("CARGO_PKG_VERSION"),
        board.board.id
    );
    let activated = data.load_credentials().is_some();
    // A server named on the command line pre-fills the wizard's address.
    let mut settings = data.load_settings();
    if let (None, Some(server)) = (&settings.server_url, &cli.server) {
        settings.server_url = Some(server.clone());
        data.save_settings(&settings)?;
    }
    // A windowed terminal is in a room with a speaker; a headless one (a
    // lobby display, CI) plays nothing.
    let (call_media, cast_media) = media_configs(&board, &sn, !headless, cli.test_sources);
    let terminal = Terminal::start(TerminalOptions {
        data,
        sn,
        model: board.board.id.clone(),
        software_version: roomterm::app::service::release(),
        network: roomterm::net::NetworkConfigurator {
            networkd_dir: cli.network_dir.clone(),
        },
        call_media,
        cast_media,
    });
    // The reset button and status LEDs; a board whose GPIO chip is missing
    // still runs (the self-check says so).
    match roomterm::gpio::open(&board.gpio) {
        Ok(Some(gpio)) => {
            roomterm::gpio::spawn(terminal.clone(), gpio);
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(%err, "no reset button or status LEDs"),
    }
    // The display over HDMI-CEC, where the board has it wired.
    if let Some(device) = &board.cec.device {
        roomterm::cec::spawn(terminal.clone(), device.clone());
    }
    if !cli.no_input_devices {
        let config = roomterm::input::InputConfig::new(&board, headless);
        roomterm::input::spawn(terminal.clone(), config);
    }
    if let Some(path) = &cli.status_file {
        roomterm::app::service::spawn_status_file(&terminal, path.clone());
    }
    let token = roomterm::web::load_or_create_token(&cli.data)?;
    // The screen the web remote shows: the window, or (headless) the pages
    // drawn offscreen.
    let mirror = window.unwrap_or_else(|| {
        roomterm::screen::Mirror::offscreen(terminal.clone(), tokio::runtime::Handle::current())
    });
    let api = roomterm::web::ControlApi::start_showing(
        cli.control,
        terminal.clone(),
        token.clone(),
        mirror.clone(),
    )
    .await?;
    let admin = if cli.no_admin {
        None
    } else {
        let options = roomterm::web::admin::AdminOptions {
            listen: cli.admin,
            terminal: terminal.clone(),
            data: DataDir::new(&cli.data)?,
            sn: terminal.status.borrow().sn.clone(),
            token: token.clone(),
            mirror,
            board: Some(board.clone()),
            restart,
        };
        match roomterm::web::admin::WebAdmin::start(options).await {
            Ok(admin) => {
                println!(
                    "web admin https://{}/  (admin, Change_Me the first time)",
                    admin.addr
                );
                Some(admin)
            }
            Err(err) => {
                tracing::warn!(%err, addr = %cli.admin, "no web admin");
                None
            }
        }
    };
    // Pinned on the command line, or as the settings say (off out of the
    // box; the control API turns it on and off).
    let line = match cli.line_listen {
        Some(listen) => {
            let line =
                roomterm::line::LineServer::start(listen, terminal.clone(), token.clone()).await?;
            println!("room-controller line protocol on {}", line.addr);
            Some(line)
        }
        None => {
            roomterm::line::follow_settings(terminal.clone(), token.clone());
            None
        }
    };
    // A room controller wired to the board's serial port, if it has one.
    let serial = match &board.control.serial {
        Some(path) => {
            match roomterm::line::SerialLine::start(
                path,
                board.control.baud,
                terminal.clone(),
                token,
            ) {
                Ok(serial) => Some(serial),
                Err(err) => {
                    tracing::warn!(%err, path = %path.display(), "no serial room control");
                    None
                }
            }
        }
        None => None,
    };
    println!(
        "control API http://{}/api/v1  (token in {})",
        api.addr,
        cli.data.join("control-token").display()
    );
    if !activated {
        if let (Some(server), Some(code)) = (&cli.server, &cli.code) {
            if let Err(err) = terminal.activate(server, code).await {
                println!("activation failed: {err}");
            }
        }
    }
    roomterm::app::service::notify_ready();
    roomterm::app::service::spawn_watchdog();
    if let Some(meeting) = &cli.join {
        let (id, password) = match meeting.split_once('*') {
            Some((id, password)) => (id.to_string(), Some(password.to_string())),
            None => (meeting.clone(), None),
        };
        anyhow::ensure!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "--join takes a meeting ID of digits, optionally *PASSWORD"
        );
        tokio::spawn(join_when_registered(terminal.clone(), id, password));
    }
    Ok((terminal, (api, line, serial, admin)))
}

/// What serves while the terminal runs: the control API, the line
/// protocol (TCP, serial) and the web admin.
type Serving = (
    roomterm::web::ControlApi,
    Option<roomterm::line::LineServer>,
    Option<roomterm::line::SerialLine>,
    Option<roomterm::web::admin::WebAdmin>,
);

async fn join_when_registered(terminal: Terminal, id: String, password: Option<String>) {
    let mut status = terminal.status.clone();
    if status
        .wait_for(TerminalStatus::is_registered)
        .await
        .is_err()
    {
        return;
    }
    if let Err(err) = terminal.join(&id, password.as_deref()).await {
        println!("cannot join meeting {id}: {err}");
    }
}

/// Calls at 720p with the board's codecs, camera and microphone, played on
/// the speaker when there is one (`speaker`). Where the profile (or
/// `test`) names the test sources, a colour and a tone taken from the SN
/// stand in, so two demo rooms look and sound different; a board without
/// the codecs places no calls.
fn media_configs(
    board: &BoardProfile,
    sn: &str,
    speaker: bool,
    test: bool,
) -> (
    Option<roomterm::media::CallMediaConfig>,
    Option<roomterm::cast::CastConfig>,
) {
    use roomterm::media::{CallMediaConfig, MediaPlan, SourceMode, VideoClass};
    let mode = if test {
        SourceMode::Test
    } else {
        SourceMode::Profile
    };
    let plan = match MediaPlan::probe(board, mode) {
        Ok(plan) => plan,
        Err(err) => {
            tracing::warn!(%err, "no calls and no casting: media elements missing");
            return (None, None);
        }
    };
    // Well-separated colours and tones, so that rooms whose SNs differ in
    // one character still look and sound apart.
    const COLOURS: [u32; 8] = [
        0xffd0_4a3a,
        0xff2f_8cff,
        0xff35_c46a,
        0xfff2_b233,
        0xffa0_5ad8,
        0xff1f_c8c0,
        0xffe8_6fa8,
        0xff8a_9a2c,
    ];
    let hash = sn
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let colour = COLOURS[hash as usize % COLOURS.len()];
    let tone = 300.0 + f64::from(hash % 8) * 100.0;
    // A cast's tab audio plays where the calls' sound does.
    let cast = roomterm::cast::CastConfig {
        speaker: speaker.then(|| "autoaudiosink".to_string()),
        ..roomterm::cast::CastConfig::from_plan(&plan)
    };
    let call = CallMediaConfig {
        class: VideoClass::Hd720,
        width: 1280,
        height: 720,
        // The far end plays on the board's speaker; the echo canceller
        // hears it there.
        speaker: speaker.then(|| "autoaudiosink".to_string()),
        // Noise suppression and gain control for a room's microphone.
        real_microphone: !plan.microphone.is_test(),
        ..CallMediaConfig::small(&plan, colour, tone)
    };
    (Some(call), Some(cast))
}

/// Prints a status line on every change until a stop signal.
async fn print_status(terminal: Terminal) {
    let mut status = terminal.status.clone();
    let mut last = String::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        let line = status.borrow_and_update().summary();
        if line != last {
            println!("{line}");
            last = line;
        }
        tokio::select! {
            changed = status.changed() => if changed.is_err() { return },
            _ = &mut stop => return,
        }
    }
}
