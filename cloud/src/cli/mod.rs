//! Command line: `serve` runs the cloud; the other commands operate a running
//! cloud through its admin API (the same operations an admin client uses).
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the command tree and dispatch |
//! | `serve.rs` | `serve` (and `--demo`): run the cloud until a signal |
//! | `enterprises.rs`, `devices.rs`, `sip_accounts.rs`, `meetings.rs`, `casts.rs`, `accounts.rs` | one command group each: arguments to an admin API call |
//! | `tables.rs` | what results look like: tables for people, JSON with `--json` |

mod accounts;
mod casts;
mod devices;
mod enterprises;
mod meetings;
mod serve;
mod sip_accounts;
mod tables;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use roomcloud::client::{AdminClient, ClientError};

use tables::Output;

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
    Serve(serve::ServeArgs),
    /// Manage enterprises.
    #[command(subcommand)]
    Enterprise(enterprises::EnterpriseCmd),
    /// Manage devices (terminals).
    #[command(subcommand)]
    Device(devices::DeviceCmd),
    /// Manage SIP accounts of third-party endpoints.
    #[command(subcommand, name = "sip-account")]
    SipAccount(sip_accounts::SipAccountCmd),
    /// Schedule and manage meetings.
    #[command(subcommand)]
    Meeting(meetings::MeetingCmd),
    /// Console accounts: the people who sign in to the web console.
    #[command(subcommand)]
    Account(accounts::AccountCmd),
    /// Screens cast to rooms now: list, stop.
    #[command(subcommand, name = "casts")]
    Casts(casts::CastsCmd),
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Serve(args) = &cli.command {
        return serve::run(&cli.data, args).await;
    }
    let client = AdminClient::from_data_dir(&cli.data, cli.url.as_deref(), cli.token.as_deref())?;
    let out = Output { json: cli.json };
    match &cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Enterprise(cmd) => enterprises::run(out, &client, cmd).await,
        Command::Device(cmd) => devices::run(out, &client, cmd).await,
        Command::SipAccount(cmd) => sip_accounts::run(out, &client, cmd).await,
        Command::Meeting(cmd) => meetings::run(out, &client, cmd).await,
        Command::Casts(cmd) => casts::run(out, &client, cmd).await,
        Command::Account(cmd) => accounts::run(out, &client, cmd).await,
    }
}

pub(super) fn api_error(err: ClientError) -> anyhow::Error {
    anyhow::anyhow!(err)
}

/// A path segment for the admin API's URLs.
pub(super) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
