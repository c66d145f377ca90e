//! Command line: `serve` runs the cloud; the other commands operate a running
//! cloud through its admin API (the same operations an admin client uses).

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use reqwest::Method;
use roomcloud::client::{AdminClient, ClientError};
use roomcloud::clock::SystemClock;
use roomcloud::devices::{DeviceView, IssuedCode, SipAccountView};
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
    };
    let cloud = roomcloud::start(config, std::sync::Arc::new(SystemClock)).await?;
    print_banner(cli, &cloud);
    if args.demo {
        demo(&cloud).await?;
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

/// Ensures the demo enterprise and device exist; prints a fresh code unless
/// the device is already activated.
async fn demo(cloud: &RunningCloud) -> anyhow::Result<()> {
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
    }
    out.trim_end().to_string()
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
