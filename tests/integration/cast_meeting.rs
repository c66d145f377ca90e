//! A cast shared into a meeting, end to end: two rooms and baresip meet in
//! the cloud; a laptop's browser (headless Chromium) casts a red tab to
//! the first room, which shows it and shares it into the meeting as
//! content (its content line turned from receiving to sending in a
//! re-INVITE); the second room receives it as a stream of its own — red at
//! full content size — with the people alone in its composed picture, and
//! baresip, a single-stream endpoint, is sent the content composed large
//! with the people below. When the tab closes, the sharing room receives
//! again, the content stops and everyone sees people only. A room already
//! showing a cast when it joins shares it as it joins; another room's cast
//! shared then replaces it, and the first room's cast ends. Inside a network
//! namespace of the test's own (WebRTC gathers host candidates there), as
//! `cast.rs`.

use std::time::{Duration, Instant};

use roomcloud::media::{Conference, Rect};
use roomterm::media::{RgbFrame, CONTENT_HEIGHT, CONTENT_WIDTH};
use roomterm::ui::Page;
use serde_json::json;

use crate::cast::{wait_for, wait_page, Lan};
use crate::common::baresip::Baresip;
use crate::common::browser::{CastPage, Laptop};
use crate::common::picture::{close, colour_at};
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const CANVAS: (u32, u32) = (320, 240);
const PASSWORD: &str = "2468";
const RED: [u8; 3] = [255, 0, 0];
const BLUE: [u8; 3] = [0, 0, 255];

async fn join(room: &Room, meeting_id: &str) {
    room.remote
        .post(
            "/join",
            json!({ "meeting_id": meeting_id, "password": PASSWORD }),
        )
        .await;
    room.remote.call_state("in_call").await;
}

/// The content region and the people's thumbnails while someone shares.
fn content_layout(conference: &Conference) -> Option<(Rect, Vec<(u64, Rect)>)> {
    conference.content_layout()
}

/// Waits (up to `within`) for a picture `room` decodes that passes `ok`;
/// panics with `what` and the last picture's verdict otherwise.
fn wait_for_picture(
    room: &Room,
    what: &str,
    within: Duration,
    ok: impl Fn(&RgbFrame) -> Result<(), String>,
) {
    let media = room.media();
    let deadline = Instant::now() + within;
    tokio::task::block_in_place(|| loop {
        let frame = media.next_frame(Duration::from_secs(5)).unwrap();
        match ok(&frame) {
            Ok(()) => return,
            Err(why) => assert!(
                Instant::now() < deadline,
                "room {} never saw {what}: {why}",
                room.number
            ),
        }
    })
}

/// Waits (up to `within`) for `room`'s content stream to show `rgb` at
/// full content size.
fn wait_for_content(room: &Room, rgb: [u8; 3], within: Duration) {
    let media = room.media();
    let deadline = Instant::now() + within;
    tokio::task::block_in_place(|| loop {
        let seen = media.next_content(Duration::from_secs(5)).map(|frame| {
            let at = ((frame.height / 2 * frame.width + frame.width / 2) * 3) as usize;
            (
                (frame.width, frame.height),
                [frame.data[at], frame.data[at + 1], frame.data[at + 2]],
            )
        });
        if seen
            .as_ref()
            .is_ok_and(|(size, c)| *size == (CONTENT_WIDTH, CONTENT_HEIGHT) && close(*c, rgb))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "room {} receives {seen:?} as content",
            room.number
        );
    })
}

/// The people's layout in full tiles, the sharer yellow and the watcher
/// magenta in theirs.
fn people_alone(
    conference: &Conference,
    frame: &RgbFrame,
    sharer: u64,
    watcher: u64,
) -> Result<(), String> {
    let layout = conference.people_layout();
    let shows = |who: u64, rgb: [u8; 3]| {
        layout
            .iter()
            .find(|(p, _)| *p == who)
            .is_some_and(|(_, rect)| close(colour_at(frame, CANVAS, rect), rgb))
    };
    let full_tiles = layout
        .iter()
        .all(|(_, rect)| rect.width == CANVAS.0 as i32 / 2);
    if full_tiles && shows(sharer, [255, 255, 0]) && shows(watcher, [255, 0, 255]) {
        Ok(())
    } else {
        let seen: Vec<_> = layout
            .iter()
            .map(|(p, rect)| (*p, *rect, colour_at(frame, CANVAS, rect)))
            .collect();
        Err(format!("the people: {seen:?}"))
    }
}

#[test]
fn a_cast_in_a_meeting_is_content_for_everyone_until_the_tab_closes() {
    let _lan = Lan::enter();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cloud_dir = tempfile::tempdir().unwrap();
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
        let id = create_meeting(
            &admin,
            json!({ "subject": "Review", "host_password": PASSWORD, "join_before_host": true }),
        )
        .await;
        let plan = common::media_plan();
        let cast_media = Some(roomterm::cast::CastConfig::from_plan(&plan));
        let sharing = Room::start_casting(
            dir_a.path(),
            &cloud,
            &admin,
            "SN-CM1",
            ([255, 255, 0], 440.0),
            cast_media,
        )
        .await;
        let watching = Room::start_casting(
            dir_b.path(),
            &cloud,
            &admin,
            "SN-CM2",
            ([255, 0, 255], 660.0),
            Some(roomterm::cast::CastConfig::from_plan(&plan)),
        )
        .await;
        join(&sharing, &id).await;
        join(&watching, &id).await;
        let baresip = Baresip::dial(
            &format!("sip:{id}*{PASSWORD}@{}", cloud.endpoints.sip_udp),
            1000,
        );
        let deadline = Instant::now() + Duration::from_secs(15);
        while cloud.focus.roster(&id).len() < 3 {
            assert!(
                Instant::now() < deadline,
                "baresip did not join:\n{}",
                baresip.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let conference = cloud.focus.conference(&id).unwrap();
        let terminal = &sharing.remote.terminal;

        // A laptop casts a red tab to the sharing room with its code.
        let shown = wait_for(terminal, "a casting code", Duration::from_secs(20), |s| {
            s.cast_code.is_some()
        })
        .await
        .cast_code
        .unwrap();
        let laptop = Laptop::start().await;
        let page = CastPage(laptop.open(&shown.url, "#ff0000").await);
        page.wait_state("idle", Duration::from_secs(20)).await;
        page.fill("#name", "Ann Lee").await;
        let pressed = Instant::now();
        page.click("#share").await;
        page.wait_state("sharing", Duration::from_secs(30)).await;
        wait_page(terminal, Page::Casting, Duration::from_secs(10)).await;

        // The room shares it into the meeting: the focus shows it large.
        wait_for(
            terminal,
            "the cast in the meeting",
            Duration::from_secs(20),
            |s| s.cast.as_ref().is_some_and(|c| c.in_meeting),
        )
        .await;
        let participants = cloud.focus.roster(&id);
        let sharer = participants
            .iter()
            .find(|p| p.device_sn.as_deref() == Some("SN-CM1"))
            .unwrap()
            .participant;
        assert_eq!(conference.content_owner(), Some(sharer));
        let (_, people) = content_layout(&conference).unwrap();
        assert_eq!(people.len(), 3, "everyone below the content: {people:?}");
        let watcher = participants
            .iter()
            .find(|p| p.device_sn.as_deref() == Some("SN-CM2"))
            .unwrap()
            .participant;
        let guest = participants
            .iter()
            .find(|p| p.device_sn.is_none())
            .unwrap()
            .participant;
        // The other room: the content apart, red at full size.
        wait_for_content(&watching, RED, Duration::from_secs(20));
        eprintln!(
            "content in the other room {:?} after Share",
            pressed.elapsed()
        );
        // Its composed picture keeps the people alone (the sharer yellow).
        wait_for_picture(
            &watching,
            "the people alone",
            Duration::from_secs(10),
            |frame| people_alone(&conference, frame, sharer, watcher),
        );
        assert!(!conference.content_composed_for(watcher));
        // baresip, a single-stream endpoint, is sent the content composed.
        assert!(conference.content_composed_for(guest));
        assert_eq!(conference.watching(guest), Some(conference.layout_kind()));

        // The tab closes: the room receives content again (its first
        // offer's line), the content stops, the layouts return to people.
        page.0.close().await.unwrap();
        wait_for(terminal, "the cast to end", Duration::from_secs(10), |s| {
            s.cast.is_none()
        })
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while conference.content_owner().is_some() {
            assert!(Instant::now() < deadline, "the content never stopped");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!conference.content_composed_for(guest));
        // (baresip's colour bars have red in them: the rooms' tiles say it.)
        wait_for_picture(&watching, "people only", Duration::from_secs(15), |frame| {
            people_alone(&conference, frame, sharer, watcher)
        });
        let media = watching.media();
        tokio::task::block_in_place(|| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while media.next_content(Duration::from_secs(1)).is_ok() {
                assert!(Instant::now() < deadline, "content still arrives");
            }
        });
        // The meeting goes on.
        assert_eq!(cloud.focus.roster(&id).len(), 3);

        // The sharing room leaves and is cast to alone (shown in the room
        // only); when it joins again, the cast goes into the meeting.
        sharing.remote.post("/hang-up", json!({})).await;
        wait_for(
            terminal,
            "the room out of the meeting",
            Duration::from_secs(10),
            |s| !s.in_call(),
        )
        .await;
        let code = wait_for(terminal, "a casting code", Duration::from_secs(20), |s| {
            s.cast_code.is_some()
        })
        .await
        .cast_code
        .unwrap();
        let page = CastPage(laptop.open(&code.url, "#ff0000").await);
        page.wait_state("idle", Duration::from_secs(20)).await;
        page.fill("#name", "Ann Lee").await;
        page.click("#share").await;
        page.wait_state("sharing", Duration::from_secs(30)).await;
        let alone = wait_for(terminal, "the cast shown", Duration::from_secs(10), |s| {
            s.cast.is_some()
        })
        .await;
        assert!(!alone.cast.unwrap().in_meeting);
        join(&sharing, &id).await;
        wait_for(
            terminal,
            "the cast in the meeting it joined",
            Duration::from_secs(20),
            |s| s.cast.as_ref().is_some_and(|c| c.in_meeting),
        )
        .await;
        wait_for_content(&watching, RED, Duration::from_secs(20));

        // The other room is cast a blue tab: shared into the meeting, it
        // replaces the first room's content. The first room's cast ends
        // (its caster is told someone else took over), and it receives the
        // blue content apart.
        let other_terminal = &watching.remote.terminal;
        let code = wait_for(
            other_terminal,
            "a casting code",
            Duration::from_secs(20),
            |s| s.cast_code.is_some(),
        )
        .await
        .cast_code
        .unwrap();
        let second = CastPage(laptop.open(&code.url, "#0000ff").await);
        second.wait_state("idle", Duration::from_secs(20)).await;
        second.fill("#name", "Bo Chen").await;
        second.click("#share").await;
        second.wait_state("sharing", Duration::from_secs(30)).await;
        wait_for(
            other_terminal,
            "the second cast in the meeting",
            Duration::from_secs(20),
            |s| s.cast.as_ref().is_some_and(|c| c.in_meeting),
        )
        .await;
        let ended = wait_for(
            terminal,
            "the replaced cast to end",
            Duration::from_secs(10),
            |s| s.cast.is_none(),
        )
        .await;
        assert_eq!(
            ended.cast_ended.map(|(reason, _)| reason),
            Some(roomterm_proto::CastEnd::TakenOver)
        );
        page.wait_state("ended", Duration::from_secs(10)).await;
        let said: String = page
            .eval("document.querySelector('#status')?.textContent || ''")
            .await;
        assert!(
            said.contains("took over"),
            "the first caster reads {said:?}"
        );
        assert_eq!(conference.content_owner(), Some(watcher));
        wait_for_content(&sharing, BLUE, Duration::from_secs(20));
        laptop.close().await;
        drop(baresip);
        drop(cloud);
    });
}
