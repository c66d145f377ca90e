//! Command line: `serve` runs the cloud; the other commands operate a running
//! cloud through its admin API (the same operations an admin client uses).

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use reqwest::Method;
use roomcloud::client::{AdminClient, ClientError};
use roomcloud::clock::SystemClock;
use roomcloud::devices::{DeviceView, IssuedCode, SipAccountView};
use roomcloud::meetings::recurrence::{Freq, Recurrence, Weekday};
use roomcloud::meetings::MeetingView;
use roomcloud::store::Enterprise;
use roomcloud::{CloudConfig, RunningCloud};
use roomterm_proto::SipTransport;
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "roomcloud",
    version,
    about = "The roomterm cloud: provisioning, SIP registrar, admin API"
)]
struct Cli {
    /// Data directory (database, CA, admin token).
    #[arg(
        long,
        global = true,
        env = "ROOMCLOUD_DATA",
        default_value = ".data/roomcloud"
    )]
    data: PathBuf,
    /// API URL of the cloud to operate (default: from <data>/cloud.json).
    #[arg(long, global = true, env = "ROOMCLOUD_URL")]
    url: Option<String>,
    /// Admin token (default: <data>/admin-token).
    #[arg(long, global = true, env = "ROOMCLOUD_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the cloud.
    Serve(ServeArgs),
    /// Manage enterprises.
    #[command(subcommand)]
    Enterprise(EnterpriseCmd),
    /// Manage devices (terminals).
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Manage SIP accounts of third-party endpoints.
    #[command(subcommand, name = "sip-account")]
    SipAccount(SipAccountCmd),
    /// Schedule and manage meetings.
    #[command(subcommand)]
    Meeting(MeetingCmd),
}

#[derive(Subcommand)]
enum MeetingCmd {
    /// Schedule a meeting; prints its ID (and the host password if generated).
    Create {
        /// Enterprise id or name.
        #[arg(long)]
        enterprise: String,
        #[arg(long)]
        subject: String,
        #[command(flatten)]
        times: TimeArgs,
        /// Invite a device (SN) or a SIP URI (sip:user@host); repeatable.
        #[arg(long = "invite")]
        invite: Vec<String>,
        /// 4-8 digits (generated when omitted).
        #[arg(long)]
        host_password: Option<String>,
        /// 4-8 digits; guests then need it.
        #[arg(long)]
        guest_password: Option<String>,
        /// Let guests in before the host arrives.
        #[arg(long)]
        join_before_host: bool,
        /// Most participants (1-500, default 100).
        #[arg(long)]
        party_limit: Option<i64>,
    },
    /// List scheduled meetings with occurrences in a time range.
    List {
        #[arg(long)]
        enterprise: Option<String>,
        /// Only meetings this device (SN) is invited to.
        #[arg(long)]
        device: Option<String>,
        /// Range start (RFC 3339 or unix seconds; default now).
        #[arg(long, value_parser = parse_time)]
        from: Option<i64>,
        /// Range end (default 31 days after the start).
        #[arg(long, value_parser = parse_time)]
        to: Option<i64>,
    },
    /// Show one meeting (also a device's meeting room, by its ID).
    Show { id: String },
    /// Change a meeting; only the given options change.
    Edit {
        id: String,
        #[arg(long)]
        subject: Option<String>,
        #[command(flatten)]
        times: TimeArgs,
        /// Replace the invitees with these (SN or SIP URI); repeatable.
        #[arg(long = "invite")]
        invite: Vec<String>,
        /// Remove all invitees.
        #[arg(long, conflicts_with = "invite")]
        no_invitees: bool,
        #[arg(long)]
        host_password: Option<String>,
        /// New guest password; "" removes it.
        #[arg(long)]
        guest_password: Option<String>,
        #[arg(long)]
        join_before_host: Option<bool>,
        #[arg(long)]
        party_limit: Option<i64>,
    },
    /// Cancel a scheduled meeting.
    Cancel { id: String },
    /// Who is in a meeting now, where each is shown, who is talking.
    Live { id: String },
    /// The layout everyone in a meeting sees: gallery, speaker or picture_in_picture.
    Layout { id: String, layout: String },
}

#[derive(clap::Args)]
struct TimeArgs {
    /// Start: RFC 3339 ("2025-06-02T09:00:00Z"; without offset it is UTC) or unix seconds.
    #[arg(long, value_parser = parse_time)]
    start: Option<i64>,
    /// Length: minutes ("90") or a duration ("1h30m"); 15 min to 24 h.
    #[arg(long, value_parser = parse_minutes)]
    duration: Option<i64>,
    /// Recurrence: none, daily, weekly, weekly:mo,we,fr or monthly.
    #[arg(long, value_parser = parse_repeat)]
    repeat: Option<Recurrence>,
    /// Last occurrence may start at this time (with --repeat).
    #[arg(long, value_parser = parse_time, requires = "repeat")]
    until: Option<i64>,
    /// Number of occurrences (with --repeat).
    #[arg(long, requires = "repeat")]
    count: Option<u32>,
    /// Wall-clock offset for recurrences, e.g. "+08:00" or minutes ("480").
    #[arg(long, value_parser = parse_offset, allow_hyphen_values = true)]
    utc_offset: Option<i32>,
}

impl TimeArgs {
    fn recurrence(&self) -> Option<Recurrence> {
        self.repeat.clone().map(|mut r| {
            r.until = self.until;
            r.count = self.count;
            r
        })
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    /// HTTP(S) API address.
    #[arg(long, default_value = "0.0.0.0:8443")]
    http: std::net::SocketAddr,
    /// SIP address (UDP and TCP).
    #[arg(long, default_value = "0.0.0.0:5060")]
    sip: std::net::SocketAddr,
    /// Transport terminals are told to register over: `udp` or `tcp`.
    #[arg(long, default_value = "udp", value_parser = parse_sip_transport)]
    sip_transport: SipTransport,
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
    #[arg(long, default_value_t = roomcloud::http_guard::Limits::default().connections_per_address)]
    http_connections_per_address: usize,
    /// Create a demo enterprise and device and print its activation code.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum EnterpriseCmd {
    /// Create an enterprise.
    Create { name: String },
    /// List enterprises.
    List,
}

#[derive(Subcommand)]
enum DeviceCmd {
    /// Add a device by serial number; prints its activation code.
    Add {
        sn: String,
        /// Enterprise id or name.
        #[arg(long)]
        enterprise: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        model: Option<String>,
    },
    /// List devices with their live state.
    List {
        #[arg(long)]
        enterprise: Option<String>,
    },
    /// Show one device.
    Show { sn: String },
    /// Issue a new activation code (valid 10 days); the old one stops working.
    ResetCode { sn: String },
    /// Rename a device; the terminal shows the new name at once.
    Rename { sn: String, name: String },
    /// Remove (unbind) a device; its SN can be added again.
    Remove { sn: String },
    /// Show the device's own meeting room.
    MeetingRoom { sn: String },
    /// Offer a signed update bundle (a file in <data>/updates/) to a device;
    /// `device show` follows its progress.
    Update {
        sn: String,
        /// The release the bundle installs (its image's IMAGE_VERSION).
        #[arg(long)]
        version: String,
        /// The bundle's file name in <data>/updates/.
        #[arg(long)]
        bundle: String,
    },
    /// Withdraw a device's update offer.
    CancelUpdate { sn: String },
}

#[derive(Subcommand)]
enum SipAccountCmd {
    /// Create a SIP account for a third-party endpoint.
    Add {
        username: String,
        #[arg(long)]
        enterprise: String,
        /// Password (generated and printed when omitted).
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Digest algorithms to offer, e.g. "SHA-256,MD5" (default MD5, which
        /// every endpoint understands).
        #[arg(long)]
        digest_algorithms: Option<String>,
    },
    /// List SIP accounts and whether they are registered.
    List,
    /// Remove a third-party SIP account.
    Remove { username: String },
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Serve(args) = &cli.command {
        return serve(&cli, args).await;
    }
    let client = AdminClient::from_data_dir(&cli.data, cli.url.as_deref(), cli.token.as_deref())?;
    match &cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Enterprise(cmd) => enterprise(&cli, &client, cmd).await,
        Command::Device(cmd) => device(&cli, &client, cmd).await,
        Command::SipAccount(cmd) => sip_account(&cli, &client, cmd).await,
        Command::Meeting(cmd) => meeting(&cli, &client, cmd).await,
    }
}

fn parse_sip_transport(name: &str) -> Result<SipTransport, String> {
    match name.to_ascii_lowercase().as_str() {
        "udp" => Ok(SipTransport::Udp),
        "tcp" => Ok(SipTransport::Tcp),
        _ => Err(format!("unknown SIP transport {name:?} (udp or tcp)")),
    }
}

async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let config = CloudConfig {
        data_dir: cli.data.clone(),
        http_listen: args.http,
        sip_listen: args.sip,
        sip_transport: args.sip_transport,
        domain: args.domain.clone(),
        public_host: args.public_host.clone(),
        plain_http: args.plain_http,
        media_canvas: (1280, 720),
        media_timeout: roomcloud::focus::MEDIA_TIMEOUT,
        http_limits: roomcloud::http_guard::Limits {
            connections_per_address: args.http_connections_per_address,
            ..Default::default()
        },
    };
    let cloud = roomcloud::start(config, std::sync::Arc::new(SystemClock)).await?;
    print_banner(cli, &cloud);
    if args.demo {
        demo(&cloud, &cli.data).await?;
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    cloud.shutdown().await;
    Ok(())
}

fn print_banner(cli: &Cli, cloud: &RunningCloud) {
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
    println!("  admin token  {}", cli.data.join("admin-token").display());
    println!("  data         {}", cli.data.display());
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
async fn demo(cloud: &RunningCloud, data_dir: &std::path::Path) -> anyhow::Result<()> {
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

fn api_error(err: ClientError) -> anyhow::Error {
    anyhow::anyhow!(err)
}

async fn enterprise(cli: &Cli, client: &AdminClient, cmd: &EnterpriseCmd) -> anyhow::Result<()> {
    match cmd {
        EnterpriseCmd::Create { name } => {
            let e: Enterprise = client
                .call(Method::POST, "/enterprises", Some(json!({ "name": name })))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &e, || {
                format!("created enterprise {} (id {})", e.name, e.id)
            });
        }
        EnterpriseCmd::List => {
            let list: Vec<Enterprise> = client
                .call(Method::GET, "/enterprises", None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &list, || {
                let mut out = format!("{:>4}  {}\n", "ID", "NAME");
                for e in &list {
                    out.push_str(&format!("{:>4}  {}\n", e.id, e.name));
                }
                out.trim_end().to_string()
            });
        }
    }
    Ok(())
}

async fn device(cli: &Cli, client: &AdminClient, cmd: &DeviceCmd) -> anyhow::Result<()> {
    let sn_path = |sn: &str| format!("/devices/{}", urlencode(sn));
    match cmd {
        DeviceCmd::Add {
            sn,
            enterprise,
            name,
            model,
        } => {
            let body = json!({ "sn": sn, "enterprise": enterprise, "name": name, "model": model });
            let issued: IssuedCode = client
                .call(Method::POST, "/devices", Some(body))
                .await
                .map_err(api_error)?;
            print_issued(cli, &issued, "added");
        }
        DeviceCmd::ResetCode { sn } => {
            let issued: IssuedCode = client
                .call(Method::POST, &format!("{}/reset-code", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            print_issued(cli, &issued, "new code for");
        }
        DeviceCmd::List { enterprise } => {
            let path = match enterprise {
                Some(e) => format!("/devices?enterprise={}", urlencode(e)),
                None => "/devices".into(),
            };
            let list: Vec<DeviceView> = client
                .call(Method::GET, &path, None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &list, || device_table(&list));
        }
        DeviceCmd::Show { sn } => {
            let d: DeviceView = client
                .call(Method::GET, &sn_path(sn), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &d, || device_table(std::slice::from_ref(&d)));
        }
        DeviceCmd::Rename { sn, name } => {
            let d: DeviceView = client
                .call(Method::PATCH, &sn_path(sn), Some(json!({ "name": name })))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &d, || format!("renamed {} to {:?}", d.sn, d.name));
        }
        DeviceCmd::Update {
            sn,
            version,
            bundle,
        } => {
            let body = json!({ "version": version, "bundle": bundle });
            let d: DeviceView = client
                .call(Method::POST, &format!("{}/update", sn_path(sn)), Some(body))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &d, || {
                format!("offered {version} ({bundle}) to {}", d.sn)
            });
        }
        DeviceCmd::CancelUpdate { sn } => {
            let d: DeviceView = client
                .call(Method::DELETE, &format!("{}/update", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &d, || format!("update offer withdrawn for {}", d.sn));
        }
        DeviceCmd::MeetingRoom { sn } => {
            let m: MeetingView = client
                .call(Method::GET, &format!("{}/meeting-room", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &m, || meeting_details(&m));
        }
        DeviceCmd::Remove { sn } => {
            let d: DeviceView = client
                .call(Method::DELETE, &sn_path(sn), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &d, || {
                format!("removed {}; the SN can be added again", d.sn)
            });
        }
    }
    Ok(())
}

async fn sip_account(cli: &Cli, client: &AdminClient, cmd: &SipAccountCmd) -> anyhow::Result<()> {
    match cmd {
        SipAccountCmd::Add {
            username,
            enterprise,
            password,
            display_name,
            digest_algorithms,
        } => {
            let body = json!({
                "username": username, "enterprise": enterprise,
                "password": password, "display_name": display_name,
                "digest_algorithms": digest_algorithms,
            });
            let a: SipAccountView = client
                .call(Method::POST, "/sip-accounts", Some(body))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &a, || {
                format!(
                    "created SIP account {}  password {}",
                    a.username,
                    a.password.as_deref().unwrap_or("(as given)")
                )
            });
        }
        SipAccountCmd::List => {
            let list: Vec<SipAccountView> = client
                .call(Method::GET, "/sip-accounts", None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &list, || {
                let mut out = format!(
                    "{:<16} {:<24} {:<16} {}\n",
                    "USERNAME", "NAME", "DEVICE", "SIP"
                );
                for a in &list {
                    out.push_str(&format!(
                        "{:<16} {:<24} {:<16} {}\n",
                        a.username,
                        a.display_name,
                        a.device_sn.as_deref().unwrap_or("-"),
                        if a.sip_registered { "registered" } else { "-" }
                    ));
                }
                out.trim_end().to_string()
            });
        }
        SipAccountCmd::Remove { username } => {
            let _: serde_json::Value = client
                .call(
                    Method::DELETE,
                    &format!("/sip-accounts/{}", urlencode(username)),
                    None,
                )
                .await
                .map_err(api_error)?;
            if !cli.json {
                println!("removed SIP account {username}");
            }
        }
    }
    Ok(())
}

async fn meeting(cli: &Cli, client: &AdminClient, cmd: &MeetingCmd) -> anyhow::Result<()> {
    let id_path = |id: &str| format!("/meetings/{}", urlencode(id));
    match cmd {
        MeetingCmd::Create {
            enterprise,
            subject,
            times,
            invite,
            host_password,
            guest_password,
            join_before_host,
            party_limit,
        } => {
            let body = json!({
                "enterprise": enterprise, "subject": subject,
                "start_at": times.start, "duration_mins": times.duration,
                "utc_offset_minutes": times.utc_offset, "recurrence": times.recurrence(),
                "invitees": invitees(invite),
                "host_password": host_password, "guest_password": guest_password,
                "join_before_host": join_before_host, "party_limit": party_limit,
            });
            let m: MeetingView = client
                .call(Method::POST, "/meetings", Some(body))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &m, || {
                let mut out = format!(
                    "scheduled meeting {}\n{}",
                    m.meeting_id,
                    meeting_details(&m)
                );
                if let Some(p) = &m.host_password {
                    out.push_str(&format!("\nhost password: {p}  (shown once)"));
                }
                out
            });
        }
        MeetingCmd::List {
            enterprise,
            device,
            from,
            to,
        } => {
            let mut query = Vec::new();
            if let Some(e) = enterprise {
                query.push(format!("enterprise={}", urlencode(e)));
            }
            if let Some(d) = device {
                query.push(format!("device={}", urlencode(d)));
            }
            if let Some(f) = from {
                query.push(format!("from={f}"));
            }
            if let Some(t) = to {
                query.push(format!("to={t}"));
            }
            let path = match query.is_empty() {
                true => "/meetings".to_string(),
                false => format!("/meetings?{}", query.join("&")),
            };
            let list: Vec<MeetingView> = client
                .call(Method::GET, &path, None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &list, || meeting_table(&list));
        }
        MeetingCmd::Show { id } => {
            let m: MeetingView = client
                .call(Method::GET, &id_path(id), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &m, || meeting_details(&m));
        }
        MeetingCmd::Edit {
            id,
            subject,
            times,
            invite,
            no_invitees,
            host_password,
            guest_password,
            join_before_host,
            party_limit,
        } => {
            let mut body = serde_json::Map::new();
            let mut set = |k: &str, v: serde_json::Value| {
                if !v.is_null() {
                    body.insert(k.into(), v);
                }
            };
            set("subject", json!(subject));
            set("start_at", json!(times.start));
            set("duration_mins", json!(times.duration));
            set("utc_offset_minutes", json!(times.utc_offset));
            set("recurrence", json!(times.recurrence()));
            if *no_invitees {
                set("invitees", json!({ "devices": [], "sip_uris": [] }));
            } else if !invite.is_empty() {
                set("invitees", invitees(invite));
            }
            set("host_password", json!(host_password));
            set("guest_password", json!(guest_password));
            set("join_before_host", json!(join_before_host));
            set("party_limit", json!(party_limit));
            let m: MeetingView = client
                .call(Method::PATCH, &id_path(id), Some(body.into()))
                .await
                .map_err(api_error)?;
            print_or_json(cli, &m, || {
                format!("updated meeting {}\n{}", m.meeting_id, meeting_details(&m))
            });
        }
        MeetingCmd::Live { id } => {
            let live: serde_json::Value = client
                .call(Method::GET, &format!("{}/live", id_path(id)), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &live, || live_table(&live));
        }
        MeetingCmd::Layout { id, layout } => {
            let live: serde_json::Value = client
                .call(
                    Method::POST,
                    &format!("{}/layout", id_path(id)),
                    Some(json!({ "layout": layout })),
                )
                .await
                .map_err(api_error)?;
            print_or_json(cli, &live, || live_table(&live));
        }
        MeetingCmd::Cancel { id } => {
            let m: MeetingView = client
                .call(Method::POST, &format!("{}/cancel", id_path(id)), None)
                .await
                .map_err(api_error)?;
            print_or_json(cli, &m, || {
                format!("cancelled meeting {} ({})", m.meeting_id, m.subject)
            });
        }
    }
    Ok(())
}

/// A live meeting: its layout, then one line per participant.
fn live_table(live: &serde_json::Value) -> String {
    let speaker = live["active_speaker"].as_u64();
    let mut out = format!(
        "meeting {}  layout {}\n",
        live["meeting_id"].as_str().unwrap_or_default(),
        live["layout"].as_str().unwrap_or_default()
    );
    for p in live["participants"].as_array().into_iter().flatten() {
        let id = p["participant"].as_u64().unwrap_or_default();
        let region = &p["region"];
        let shown = if region.is_null() {
            "not shown".to_string()
        } else {
            format!(
                "{}x{} at {},{}",
                region["width"], region["height"], region["x"], region["y"]
            )
        };
        out.push_str(&format!(
            "  {id:>4}  {:<5} {:<40} {shown}{}\n",
            if p["host"] == true { "host" } else { "guest" },
            p["from"].as_str().unwrap_or_default(),
            if speaker == Some(id) {
                "  (talking)"
            } else {
                ""
            },
        ));
    }
    out
}

/// Splits `--invite` values into device SNs and SIP URIs.
fn invitees(invite: &[String]) -> serde_json::Value {
    let (uris, sns): (Vec<&String>, Vec<&String>) = invite.iter().partition(|i| {
        let lower = i.to_ascii_lowercase();
        lower.starts_with("sip:") || lower.starts_with("sips:")
    });
    json!({ "devices": sns, "sip_uris": uris })
}

fn meeting_table(list: &[MeetingView]) -> String {
    let mut out = format!(
        "{:<10} {:<28} {:<20} {:>5} {:<10} {}\n",
        "ID", "SUBJECT", "NEXT", "MINS", "STATE", "REPEAT"
    );
    for m in list {
        out.push_str(&format!(
            "{:<10} {:<28} {:<20} {:>5} {:<10} {}\n",
            m.meeting_id,
            m.subject,
            when(m.occurrences.first().copied().or(m.next_start)),
            m.duration_mins.map(|d| d.to_string()).unwrap_or("-".into()),
            m.state,
            m.rrule.as_deref().unwrap_or("-")
        ));
    }
    out.trim_end().to_string()
}

fn meeting_details(m: &MeetingView) -> String {
    let mut lines = vec![
        format!("meeting ID     {}  ({})", m.meeting_id, m.sip_uri),
        format!("kind           {}", m.kind),
        format!("subject        {}", m.subject),
        format!("enterprise     {}", m.enterprise),
        format!("state          {}", m.state),
    ];
    if let Some(owner) = &m.owner_sn {
        lines.push(format!("room of        {owner}"));
    }
    if m.kind == "scheduled" {
        lines.push(format!(
            "start          {}  ({} min, UTC offset {} min)",
            when(m.start_at),
            m.duration_mins.unwrap_or(0),
            m.utc_offset_minutes
        ));
        lines.push(format!(
            "repeat         {}",
            m.rrule.as_deref().unwrap_or("-")
        ));
        lines.push(format!("next           {}", when(m.next_start)));
    }
    let mut invited: Vec<&str> = m.invitees.devices.iter().map(String::as_str).collect();
    invited.extend(m.invitees.sip_uris.iter().map(String::as_str));
    lines.push(format!(
        "invitees       {}",
        if invited.is_empty() {
            "-".into()
        } else {
            invited.join(", ")
        }
    ));
    lines.push(format!(
        "passwords      host {}  guest {}",
        if m.host_password_set { "set" } else { "-" },
        if m.guest_password_set { "set" } else { "-" }
    ));
    lines.push(format!(
        "party limit    {}  join before host {}",
        m.party_limit,
        if m.join_before_host { "yes" } else { "no" }
    ));
    lines.join("\n")
}

fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs);
    }
    humantime::parse_rfc3339_weak(s)
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .ok_or_else(|| format!("{s:?} is not a time (RFC 3339 or unix seconds)"))
}

fn parse_minutes(s: &str) -> Result<i64, String> {
    if let Ok(mins) = s.parse::<i64>() {
        return Ok(mins);
    }
    humantime::parse_duration(s)
        .map(|d| (d.as_secs() / 60) as i64)
        .map_err(|_| format!("{s:?} is not a duration (minutes or e.g. 1h30m)"))
}

fn parse_offset(s: &str) -> Result<i32, String> {
    if let Ok(mins) = s.parse::<i32>() {
        return Ok(mins);
    }
    let bad = || format!("{s:?} is not a UTC offset (+08:00 or minutes)");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    Ok(sign * (h * 60 + m))
}

fn parse_repeat(s: &str) -> Result<Recurrence, String> {
    let lower = s.to_ascii_lowercase();
    let (freq, days) = lower.split_once(':').unwrap_or((&lower, ""));
    let freq = Freq::parse(freq)
        .ok_or_else(|| format!("{s:?}: use none, daily, weekly[:mo,we,...] or monthly"))?;
    let weekdays = days
        .split(',')
        .filter(|d| !d.is_empty())
        .map(|d| {
            Weekday::ALL
                .into_iter()
                .find(|w| serde_json::to_value(w).ok() == Some(json!(d)))
                .ok_or_else(|| format!("{d:?} is not a weekday (mo, tu, we, th, fr, sa, su)"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Recurrence {
        freq,
        weekdays,
        until: None,
        count: None,
    })
}

fn print_or_json<T: serde::Serialize>(cli: &Cli, value: &T, text: impl FnOnce() -> String) {
    if cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    } else {
        println!("{}", text());
    }
}

fn print_issued(cli: &Cli, issued: &IssuedCode, verb: &str) {
    print_or_json(cli, issued, || {
        format!(
            "{verb} {} ({})\nactivation code: {}  valid until {}",
            issued.device.sn,
            issued.device.name,
            group_digits(&issued.activation_code),
            when(issued.device.activation_code_expires_at)
        )
    });
}

fn device_table(list: &[DeviceView]) -> String {
    let mut out = format!(
        "{:<16} {:<20} {:<8} {:<8} {:<12} {:<12} {}\n",
        "SN", "NAME", "NUMBER", "STATE", "PROVISIONING", "SIP", "LAST SEEN"
    );
    for d in list {
        out.push_str(&format!(
            "{:<16} {:<20} {:<8} {:<8} {:<12} {:<12} {}\n",
            d.sn,
            d.name,
            d.number,
            d.state,
            if d.provisioning_connected {
                "connected"
            } else {
                "-"
            },
            if d.sip_registered { "registered" } else { "-" },
            when(d.last_seen_at)
        ));
        if let Some(storage) = &d.storage {
            out.push_str(&format!(
                "  data {} free of {}\n",
                gigabytes(storage.free_bytes),
                gigabytes(storage.total_bytes)
            ));
        }
        if let Some(u) = &d.update {
            let progress = u.progress.map(|p| format!(" {p}%")).unwrap_or_default();
            let message = u
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  update {} ({}): {}{progress}{message}\n",
                u.version,
                u.bundle,
                u.state.as_deref().unwrap_or("offered")
            ));
        }
    }
    out.trim_end().to_string()
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

fn when(secs: Option<i64>) -> String {
    match secs {
        Some(s) if s >= 0 => {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(s as u64))
                .to_string()
        }
        _ => "-".into(),
    }
}

fn group_digits(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
