//! "Only the host shares", on real calls: the host room turns it on from
//! its control API (SIP INFO); a guest phone's re-INVITE that starts
//! sharing is refused (`403`, reason code `host_only_share`) and nothing
//! is shown; turned off, the same offer shares and the host room decodes
//! the guest's slides; turned on again, the guest's sharing stops and the
//! host room's roster says nobody shares.

use std::time::{Duration, Instant};

use roomterm::media::{ContentConfig, ContentSender};
use serde_json::json;

use crate::common::caller::{self, Caller};
use crate::common::picture::close;
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const RED: [u8; 3] = [255, 0, 0];

/// A guest phone's offer: its camera and sound, and slides it sends from
/// `content_port`.
fn sharing_offer(content_port: u16) -> String {
    format!(
        "{}m=video {content_port} RTP/AVP 100\r\nb=AS:1500\r\na=rtpmap:100 H264/90000\r\n\
         a=fmtp:100 packetization-mode=1;profile-level-id=42e028\r\na=content:slides\r\n\
         a=sendonly\r\n",
        caller::offer(9, 9, 96, 111)
    )
}

/// The port of the answer's third media line (the content, received).
fn content_port(answer_sdp: &str) -> u16 {
    answer_sdp
        .lines()
        .filter(|l| l.starts_with("m="))
        .nth(2)
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|p| p.parse().ok())
        .expect("a content line in the answer")
}

/// Waits up to 15 s for `room` to receive red content (the meeting's
/// content comes to a room as a stream of its own).
fn receives_red(room: &Room) {
    let media = room.media();
    let deadline = Instant::now() + Duration::from_secs(15);
    tokio::task::block_in_place(|| loop {
        let seen = media.next_content(Duration::from_secs(5)).map(|frame| {
            let at = ((frame.height / 2 * frame.width + frame.width / 2) * 3) as usize;
            [frame.data[at], frame.data[at + 1], frame.data[at + 2]]
        });
        if seen.as_ref().is_ok_and(|c| close(*c, RED)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "room {} receives {seen:?} as content",
            room.number
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_host_shares_when_the_host_says_so() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let room_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Design review", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let host = Room::start(
        room_dir.path(),
        &cloud,
        &admin,
        "SN-S1",
        [255, 255, 0],
        440.0,
    )
    .await;
    host.remote
        .post("/join", json!({ "meeting_id": id, "password": "1111" }))
        .await;
    host.remote.call_state("in_call").await;
    host.remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
    let answer = host
        .remote
        .post(
            "/call/host",
            json!({ "action": "host_only_share", "on": true }),
        )
        .await;
    assert_eq!(answer["status"], 200, "{answer}");
    host.remote
        .wait_status(|s| s["call"]["roster"]["host_only_share"] == true)
        .await;

    // A guest phone in the meeting asks to share: refused, nothing shown.
    let plan = common::media_plan();
    let config = ContentConfig {
        encoder: plan.h264_encoder.clone(),
        pt: 100,
        local: [127, 0, 0, 1].into(),
    };
    let mut slides = ContentSender::test_pattern(0xffff_0000, &config).unwrap();
    let mut guest = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "guest").await;
    let joined = guest.invite(&id, &caller::offer(9, 9, 96, 111)).await;
    assert_eq!(joined.code, 200, "{}", joined.raw);
    let refused = guest
        .reinvite(&id, &sharing_offer(slides.local_port()))
        .await;
    assert_eq!(refused.code, 403, "{}", refused.raw);
    assert!(refused.raw.contains("host_only_share"), "{}", refused.raw);
    let conference = cloud.focus.conference(&id).unwrap();
    assert_eq!(conference.content_owner(), None);

    // Everyone may share again: the same offer shares, and the host room
    // sees the guest's slides large.
    host.remote
        .post(
            "/call/host",
            json!({ "action": "host_only_share", "on": false }),
        )
        .await;
    host.remote
        .wait_status(|s| s["call"]["roster"]["host_only_share"] == false)
        .await;
    let shared = guest
        .reinvite(&id, &sharing_offer(slides.local_port()))
        .await;
    assert_eq!(shared.code, 200, "{}", shared.raw);
    assert!(conference.content_owner().is_some());
    slides
        .send_to(([127, 0, 0, 1], content_port(&shared.body)).into())
        .unwrap();
    receives_red(&host);
    host.remote
        .wait_status(|s| s["call"]["roster"]["content"] == "theirs")
        .await;

    // Host only again: the guest's sharing stops for everyone.
    host.remote
        .post(
            "/call/host",
            json!({ "action": "host_only_share", "on": true }),
        )
        .await;
    let status = host
        .remote
        .wait_status(|s| s["call"]["roster"]["content"].is_null())
        .await;
    assert_eq!(conference.content_owner(), None);
    assert_eq!(status["call"]["roster"]["host_only_share"], true);
    drop(slides);
    cloud.shutdown().await;
}
