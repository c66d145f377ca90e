//! `roomcloud serve`: runs the cloud until a signal, with `--demo` a demo
//! enterprise, two rooms and the code to activate the first.

use std::path::Path;

use roomcloud::clock::SystemClock;
use roomcloud::{CloudConfig, RunningCloud};
use roomterm_proto::SipTransport;

use super::tables::{group_digits, when};

#[derive(clap::Args)]
pub(super) struct ServeArgs {
    /// HTTP(S) API address.
    #[arg(long, default_value = "0.0.0.0:8443")]
    http: std::net::SocketAddr,
    /// SIP address (UDP and TCP).
    #[arg(long, default_value = "0.0.0.0:5060")]
    sip: std::net::SocketAddr,
    /// Transport terminals are told to register over: `udp` or `tcp`.
    #[arg(long, default_value = "udp", value_parser = parse_sip_transport)]
    sip_transport: SipTransport,
    /// The SIP edge (Kamailio) in front of several nodes, IP:PORT:
    /// terminals register through it, and this node believes the device
    /// addresses it forwards (see docs/SCALING.md).
    #[arg(long, value_name = "IP:PORT")]
    sip_edge: Option<std::net::SocketAddr>,
    /// SIP domain and digest realm.
    #[arg(long, default_value = "roomcloud.local")]
    domain: String,
    /// Host name or address terminals reach this cloud at.
    #[arg(long)]
    public_host: Option<String>,
    /// Serve plain HTTP (only allowed on a loopback address, for development).
    #[arg(long)]
    plain_http: bool,
    /// HTTP(S) connections one client address may have open at once (an
    /// IPv6 /64 counts as one); raise it for many terminals behind one NAT.
    #[arg(long, default_value_t = roomterm_http_guard::Limits::default().connections_per_address)]
    http_connections_per_address: usize,
    /// A load balancer in front of the HTTPS port (repeat for each): its
    /// connections must open with the PROXY protocol (HAProxy
    /// `send-proxy-v2`, nginx `proxy_protocol on`), whose client address
    /// counts for lockouts and shares instead of the balancer's.
    #[arg(long = "http-proxy", value_name = "IP")]
    http_proxies: Vec<std::net::IpAddr>,
    /// Seconds a room's casting code works before the next one.
    #[arg(long, value_name = "SECS", default_value_t = roomcloud::cast::CODE_PERIOD.as_secs(),
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    cast_code_period: u64,
    /// UDP ports of the media address, FIRST-LAST (e.g. 40000-40999): what
    /// a firewall in front of the cloud opens. The first pair is the media
    /// echo's (the rooms' diagnostics), calls use the rest. Default: any.
    #[arg(long, value_name = "FIRST-LAST")]
    media_ports: Option<roomterm_rtp::PortRange>,
    /// The shared store of several cloud nodes: a PostgreSQL URL
    /// (postgres://user:password@host/db; from the environment keeps the
    /// password out of the process list). Default: the embedded SQLite
    /// database in the data directory.
    #[arg(
        long,
        value_name = "URL",
        env = "ROOMCLOUD_DATABASE",
        hide_env_values = true
    )]
    database: Option<String>,
    /// Create a demo enterprise and device and print its activation code.
    #[arg(long)]
    demo: bool,
}

fn parse_sip_transport(name: &str) -> Result<SipTransport, String> {
    match name.to_ascii_lowercase().as_str() {
        "udp" => Ok(SipTransport::Udp),
        "tcp" => Ok(SipTransport::Tcp),
        _ => Err(format!("unknown SIP transport {name:?} (udp or tcp)")),
    }
}

/// Runs the cloud until SIGINT or SIGTERM.
pub(super) async fn run(data: &Path, args: &ServeArgs) -> anyhow::Result<()> {
    let config = CloudConfig {
        data_dir: data.to_path_buf(),
        database: args.database.clone(),
        http_listen: args.http,
        sip_listen: args.sip,
        sip_transport: args.sip_transport,
        sip_edge: args.sip_edge,
        domain: args.domain.clone(),
        public_host: args.public_host.clone(),
        plain_http: args.plain_http,
        media_canvas: (1280, 720),
        media_timeout: roomcloud::focus::MEDIA_TIMEOUT,
        media_gallery_page: roomcloud::media::GALLERY_PAGE,
        media_ports: args.media_ports,
        http_limits: roomterm_http_guard::Limits {
            connections_per_address: args.http_connections_per_address,
            ..Default::default()
        },
        http_proxies: args.http_proxies.clone(),
        cast_code_period: std::time::Duration::from_secs(args.cast_code_period),
        cast_answer_timeout: roomcloud::cast::ANSWER_TIMEOUT,
    };
    let cloud = roomcloud::start(config, std::sync::Arc::new(SystemClock)).await?;
    print_banner(data, &cloud);
    if args.demo {
        demo(&cloud, data).await?;
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    cloud.shutdown().await;
    Ok(())
}

fn print_banner(data: &Path, cloud: &RunningCloud) {
    let e = &cloud.endpoints;
    println!("roomcloud {} is running", env!("CARGO_PKG_VERSION"));
    println!("  API          {}", e.api_url);
    if let Some(ca) = &e.ca_path {
        println!("  CA           {}", ca.display());
    }
    println!(
        "  SIP          udp {}  tcp {}  domain {}",
        e.sip_udp, e.sip_tcp, e.domain
    );
    println!("  admin token  {}", data.join("admin-token").display());
    println!("  data         {}", data.display());
    println!("  store        {}", cloud.devices.store().backend());
}

const DEMO_ENTERPRISE: &str = "Demo Enterprise";
const DEMO_SN: &str = "RT-DEMO-0001";
/// The demo's second room: a headless terminal sitting in its own meeting
/// room, which the first one joins.
const DEMO_LOBBY_SN: &str = "RT-DEMO-0002";

/// What `./run demo` reads to start the second room: `<data>/demo.json`.
#[derive(serde::Serialize)]
struct DemoInfo<'a> {
    meeting_id: &'a str,
    lobby_sn: &'a str,
}

/// Ensures the demo enterprise and device exist; prints a fresh code unless
/// the device is already activated.
async fn demo(cloud: &RunningCloud, data_dir: &Path) -> anyhow::Result<()> {
    let devices = &cloud.devices;
    if devices
        .store()
        .find_enterprise(DEMO_ENTERPRISE)
        .await
        .is_err()
    {
        devices.create_enterprise(DEMO_ENTERPRISE).await?;
    }
    let issued = match devices.device(DEMO_SN).await {
        Err(_) => Some(
            devices
                .add_device(
                    DEMO_SN,
                    DEMO_ENTERPRISE,
                    Some("Demo Room"),
                    Some("generic-x86_64"),
                )
                .await?,
        ),
        Ok(device) if device.state == "pending" => Some(devices.reset_code(DEMO_SN).await?),
        Ok(_) => None,
    };
    if devices.device(DEMO_LOBBY_SN).await.is_err() {
        devices
            .add_device(
                DEMO_LOBBY_SN,
                DEMO_ENTERPRISE,
                Some("Demo Lobby"),
                Some("generic-x86_64"),
            )
            .await?;
    }
    let room = cloud.meetings.device_room(DEMO_LOBBY_SN).await?;
    let info = DemoInfo {
        meeting_id: &room.meeting_id,
        lobby_sn: DEMO_LOBBY_SN,
    };
    std::fs::write(
        data_dir.join("demo.json"),
        serde_json::to_vec_pretty(&info)?,
    )?;
    println!(
        "  demo meeting {}  (Demo Lobby's meeting room: on the terminal, Join and type this ID)",
        room.meeting_id
    );
    println!(
        "  casting      {}  (in a desktop browser; type the code the room shows)",
        cloud.casting.page()
    );
    let password = demo_admin(cloud, data_dir).await?;
    println!(
        "  console      {}/console  (sign in as {DEMO_ADMIN}, password {password})",
        cloud.endpoints.api_url.trim_end_matches('/')
    );
    match issued {
        Some(issued) => println!(
            "  demo device  SN {}  activation code {}  (valid until {})",
            DEMO_SN,
            group_digits(&issued.activation_code),
            when(issued.device.activation_code_expires_at)
        ),
        None => println!(
            "  demo device  SN {DEMO_SN} is already activated (reset its code with: roomcloud device reset-code {DEMO_SN})"
        ),
    }
    Ok(())
}

/// The demo enterprise's console admin.
const DEMO_ADMIN: &str = "admin";

/// Ensures the demo's console admin exists: its password is generated the
/// first time and kept (owner-only) beside the database, so every start
/// prints the same login.
async fn demo_admin(cloud: &RunningCloud, data_dir: &Path) -> anyhow::Result<String> {
    let file = data_dir.join("demo-admin-password");
    if let Ok(password) = std::fs::read_to_string(&file) {
        let known = cloud.accounts.list(Some(DEMO_ENTERPRISE)).await?;
        if known.iter().any(|a| a.username == DEMO_ADMIN) {
            return Ok(password.trim().to_string());
        }
    }
    let password = roomcloud::accounts::generate_password();
    let _ = cloud.accounts.remove(DEMO_ADMIN).await;
    cloud
        .accounts
        .create(
            DEMO_ENTERPRISE,
            DEMO_ADMIN,
            Some("Demo Admin"),
            roomcloud::accounts::Role::Admin,
            &password,
        )
        .await?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)?;
        out.write_all(password.as_bytes())?;
    }
    Ok(password)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
