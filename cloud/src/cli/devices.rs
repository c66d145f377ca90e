//! `roomcloud device …`: add, list, show, reset, rename and remove devices,
//! their meeting rooms and update offers.

use clap::Subcommand;
use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::devices::{DeviceView, IssuedCode};
use roomcloud::meetings::MeetingView;
use serde_json::json;

use super::tables::{device_table, meeting_details, print_issued, Output};
use super::{api_error, urlencode};

#[derive(Subcommand)]
pub(super) enum DeviceCmd {
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

pub(super) async fn run(out: Output, client: &AdminClient, cmd: &DeviceCmd) -> anyhow::Result<()> {
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
            print_issued(out, &issued, "added");
        }
        DeviceCmd::ResetCode { sn } => {
            let issued: IssuedCode = client
                .call(Method::POST, &format!("{}/reset-code", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            print_issued(out, &issued, "new code for");
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
            out.print(&list, || device_table(&list));
        }
        DeviceCmd::Show { sn } => {
            let d: DeviceView = client
                .call(Method::GET, &sn_path(sn), None)
                .await
                .map_err(api_error)?;
            out.print(&d, || device_table(std::slice::from_ref(&d)));
        }
        DeviceCmd::Rename { sn, name } => {
            let d: DeviceView = client
                .call(Method::PATCH, &sn_path(sn), Some(json!({ "name": name })))
                .await
                .map_err(api_error)?;
            out.print(&d, || format!("renamed {} to {:?}", d.sn, d.name));
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
            out.print(&d, || format!("offered {version} ({bundle}) to {}", d.sn));
        }
        DeviceCmd::CancelUpdate { sn } => {
            let d: DeviceView = client
                .call(Method::DELETE, &format!("{}/update", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            out.print(&d, || format!("update offer withdrawn for {}", d.sn));
        }
        DeviceCmd::MeetingRoom { sn } => {
            let m: MeetingView = client
                .call(Method::GET, &format!("{}/meeting-room", sn_path(sn)), None)
                .await
                .map_err(api_error)?;
            out.print(&m, || meeting_details(&m));
        }
        DeviceCmd::Remove { sn } => {
            let d: DeviceView = client
                .call(Method::DELETE, &sn_path(sn), None)
                .await
                .map_err(api_error)?;
            out.print(&d, || {
                format!("removed {}; the SN can be added again", d.sn)
            });
        }
    }
    Ok(())
}
