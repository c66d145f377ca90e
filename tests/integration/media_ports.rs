//! A cloud behind a firewall that opens only its media ports
//! (`--media-ports`): a room's call into a meeting is answered with ports
//! inside the range, its media arrives there (the room stays in the meeting
//! past the media timeout, which drops a room whose RTP never arrives), and
//! the media echo the rooms' diagnostics probe answers on the range's first
//! port, the one pair calls never get.

use crate::common;
use crate::common::caller::{offer, Caller};

use std::net::UdpSocket;
use std::time::Duration;

use roomterm::media::{CallMedia, CallMediaConfig};
use roomterm_rtp::PortRange;
use serde_json::json;

/// Ten free pairs on loopback.
fn free_range() -> PortRange {
    (30_000..60_000)
        .step_by(20)
        .filter_map(|first| PortRange::new(first, first + 19).ok())
        .find(|r| (r.first()..=r.last()).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()))
        .expect("a free range of 20 ports")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_arrives_only_on_the_configured_ports_and_the_echo_sits_on_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let range = free_range();
    let mut config = roomcloud::CloudConfig::local(dir.path());
    config.media_canvas = (320, 240);
    config.media_timeout = Duration::from_secs(2);
    config.media_ports = Some(range);
    let (cloud, admin) =
        common::start_configured(config, std::sync::Arc::new(roomcloud::clock::SystemClock)).await;

    let echo = roomterm::net::media_echo(&format!("127.0.0.1:{}", range.first())).await;
    assert!(echo.answered, "no echo on the range's first port: {echo:?}");

    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Firewalled", "host_password": "4321", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let media = CallMedia::receive(CallMediaConfig::small(&plan, 0xff00ff00, 440.0)).unwrap();
    let mut caller = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "room").await;
    let (video, audio) = media.local_ports();
    let answer = caller
        .invite(&format!("{id}*4321"), &offer(video, audio, 96, 111))
        .await;
    assert_eq!(answer.code, 200);
    let (ip, video, audio) = answer.media();
    for port in [video, audio] {
        assert!(
            port >= range.first() + 2 && port < range.last(),
            "media port {port} outside {range} (its first pair is the echo's)"
        );
    }
    media.send_to((ip, video), (ip, audio)).unwrap();
    // Past the media timeout: still in, so its RTP reached those ports.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        cloud.focus.roster(&id).len(),
        1,
        "the room's media never arrived"
    );
    drop(media);
    cloud.shutdown().await;
}
