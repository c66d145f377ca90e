//! A real roomcloud for the terminal's tests: in-process, on loopback.

#![allow(dead_code)]

#[path = "../../../cloud/tests/integration/common/balancer.rs"]
pub mod balancer;
pub mod baresip;
pub mod browser;
pub mod caller;
pub mod cast_page;
pub mod caster;
pub mod cec_tv;
#[path = "../../../cloud/tests/integration/common/edge.rs"]
pub mod edge;
pub mod firefox;
pub mod node_process;
pub mod picture;
#[path = "../../../cloud/tests/integration/common/postgres.rs"]
pub mod postgres;
pub mod qemu;
pub mod qemu_agent;
pub mod remote;
pub mod room;
pub mod summary;
pub mod web_admin;

use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::clock::SharedClock;
use roomcloud::devices::IssuedCode;
use roomcloud::{CloudConfig, RunningCloud};
use serde_json::{json, Value};

/// Starts a cloud on `dir` (SIP on `sip_port`, 0 for any) with enterprise
/// `Acme`, and an admin client for it.
pub async fn start_cloud(
    dir: &std::path::Path,
    sip_port: u16,
    clock: SharedClock,
) -> (RunningCloud, AdminClient) {
    let mut config = CloudConfig::local(dir);
    config.sip_listen = format!("127.0.0.1:{sip_port}").parse().unwrap();
    start_configured(config, clock).await
}

/// Like [`start_cloud`], with any configuration.
pub async fn start_configured(
    config: CloudConfig,
    clock: SharedClock,
) -> (RunningCloud, AdminClient) {
    let cloud = roomcloud::start(config, clock).await.unwrap();
    let admin = AdminClient::new(
        &cloud.endpoints.api_url,
        &cloud.admin_token,
        Some(&cloud.ca_pem),
    )
    .unwrap();
    // Already there after a restart on the same data.
    let _: Result<Value, _> = admin
        .call(
            Method::POST,
            "/enterprises",
            Some(json!({ "name": "Acme" })),
        )
        .await;
    (cloud, admin)
}

/// Adds a device to `Acme`; returns its activation code.
pub async fn add_device(admin: &AdminClient, sn: &str) -> String {
    let issued: IssuedCode = admin
        .call(
            Method::POST,
            "/devices",
            Some(json!({ "sn": sn, "enterprise": "Acme" })),
        )
        .await
        .unwrap();
    issued.activation_code
}

/// The cloud's view of a device: a `DeviceView`, or JSON to look at fields
/// as the API spells them.
pub async fn device<T: serde::de::DeserializeOwned>(admin: &AdminClient, sn: &str) -> T {
    admin
        .call(Method::GET, &format!("/devices/{sn}"), None)
        .await
        .unwrap()
}

/// A cloud for meeting tests: a small canvas (320×240) keeps the
/// conference media cheap on 2 cores.
pub async fn start_meeting_cloud(dir: &std::path::Path) -> (RunningCloud, AdminClient) {
    start_meeting_cloud_with(dir, |_| {}).await
}

/// [`start_meeting_cloud`], configured further by `tweak`.
pub async fn start_meeting_cloud_with(
    dir: &std::path::Path,
    tweak: impl FnOnce(&mut CloudConfig),
) -> (RunningCloud, AdminClient) {
    let mut config = CloudConfig::local(dir);
    config.media_canvas = (320, 240);
    tweak(&mut config);
    start_configured(config, std::sync::Arc::new(roomcloud::clock::SystemClock)).await
}

/// Creates a meeting of `Acme` with `fields` (subject, passwords, …);
/// returns its ID.
pub async fn create_meeting(admin: &AdminClient, mut fields: Value) -> String {
    fields["enterprise"] = json!("Acme");
    let meeting: roomcloud::meetings::MeetingView = admin
        .call(Method::POST, "/meetings", Some(fields))
        .await
        .unwrap();
    meeting.meeting_id
}

/// The generic board's media plan with test camera and microphone.
pub fn media_plan() -> roomterm::media::MediaPlan {
    let board = roomterm::board::BoardProfile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("board"),
        "generic-x86_64",
    )
    .unwrap();
    roomterm::media::MediaPlan::probe(&board, roomterm::media::SourceMode::Test)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Tone levels from `listen`, listened to again until `settled` holds or
/// `within` has passed; the caller asserts on what comes back. A mute or a
/// leave takes the sender's, the mixer's and the receiver's buffers to
/// drain, and longer on a loaded machine than on an idle one.
pub fn levels_once(
    within: std::time::Duration,
    mut listen: impl FnMut() -> Vec<f64>,
    settled: impl Fn(&[f64]) -> bool,
) -> Vec<f64> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let levels = listen();
        if settled(&levels) || std::time::Instant::now() > deadline {
            return levels;
        }
    }
}

/// A terminal added to `Acme` as `sn`, started on `dir` with `call_media`,
/// activated with the cloud and registered.
pub async fn registered_terminal(
    dir: &std::path::Path,
    cloud: &RunningCloud,
    admin: &AdminClient,
    sn: &str,
    call_media: roomterm::media::CallMediaConfig,
) -> remote::Remote {
    registered_casting_terminal(dir, cloud, admin, sn, call_media, None).await
}

/// [`registered_terminal`], taking casts with `cast_media`.
pub async fn registered_casting_terminal(
    dir: &std::path::Path,
    cloud: &RunningCloud,
    admin: &AdminClient,
    sn: &str,
    call_media: roomterm::media::CallMediaConfig,
    cast_media: Option<roomterm::cast::CastConfig>,
) -> remote::Remote {
    let url = &cloud.endpoints.api_url;
    registered_terminal_at(dir, url, admin, sn, call_media, cast_media).await
}

/// [`registered_casting_terminal`] activated at `server_url` (a cloud
/// behind a load balancer: the balancer's address).
pub async fn registered_terminal_at(
    dir: &std::path::Path,
    server_url: &str,
    admin: &AdminClient,
    sn: &str,
    call_media: roomterm::media::CallMediaConfig,
    cast_media: Option<roomterm::cast::CastConfig>,
) -> remote::Remote {
    let code = add_device(admin, sn).await;
    let remote =
        remote::Remote::start_casting(dir, sn, Default::default(), Some(call_media), cast_media)
            .await;
    remote
        .post(
            "/activate",
            json!({ "server_url": server_url, "code": code }),
        )
        .await;
    remote
        .wait_status(|s| s["sip"]["state"] == "registered")
        .await;
    remote
}
