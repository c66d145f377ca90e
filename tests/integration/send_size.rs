//! The MCU asks each room for no larger a picture than its largest tile,
//! and the room's encoder follows: checked on what the MCU decodes from
//! each room and on what the rooms still see. In a gallery of two on the
//! test canvas (320×240: tiles of 160×120) each room is asked for the
//! ladder's smallest size and sends 320×180 instead of its camera's
//! 320×240; in picture-in-picture the full-screen one is asked back up at
//! once and sends its camera's size again while the inset stays small;
//! back in the gallery it is asked down again, but not before
//! `sizing::LOWER_AFTER`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::picture::{close, colour_at};
use crate::common::room::Room;
use crate::common::{self, create_meeting};
use crate::host_controls::join;

const SMALL: (u32, u32) = (320, 180);
const CAMERA: (u32, u32) = (320, 240);

/// Waits up to `within` until `done`; how long it took. `state` says
/// where things stand if it never happens.
async fn until(
    within: Duration,
    what: &str,
    state: &dyn Fn() -> String,
    done: impl Fn() -> bool,
) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < within, "never {what}: {}", state());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_room_sends_the_size_of_its_largest_tile() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Sizes", "host_password": "2468", "join_before_host": true }),
    )
    .await;
    let cyan = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-S1",
        [0, 255, 255],
        440.0,
    )
    .await;
    let red = Room::start(dirs[1].path(), &cloud, &admin, "SN-S2", [255, 0, 0], 660.0).await;
    join(&cyan, &id).await;
    join(&red, &id).await;
    let conference = cloud.focus.conference(&id).expect("the meeting runs");
    let roster = cloud.focus.roster(&id);
    let who = |sn: &str| {
        roster
            .iter()
            .find(|e| e.device_sn.as_deref() == Some(sn))
            .unwrap()
            .participant
    };
    let (cyan_id, red_id) = (who("SN-S1"), who("SN-S2"));
    let decoded = |id| conference.received_size(id);

    // A gallery of two: both asked for the smallest size, and both send it.
    let sizes = || {
        format!(
            "decoded {:?} {:?}, wanted {:?}, sent {:?} {:?}",
            decoded(cyan_id),
            decoded(red_id),
            conference.send_sizes(),
            cyan.media().send_size(),
            red.media().send_size()
        )
    };
    until(
        Duration::from_secs(20),
        "both decoded at 320×180",
        &sizes,
        || decoded(cyan_id) == Some(SMALL) && decoded(red_id) == Some(SMALL),
    )
    .await;
    assert_eq!(cyan.media().send_size(), Some(SMALL));
    assert_eq!(red.media().send_size(), Some(SMALL));
    // Still seen: each room's picture of the meeting shows the other.
    for (room, other) in [(&cyan, &red), (&red, &cyan)] {
        let layout = conference.layout();
        let frame = room.media().next_frame(Duration::from_secs(5)).unwrap();
        let shown = layout
            .iter()
            .any(|(_, rect)| close(colour_at(&frame, conference.canvas(), rect), other.look));
        assert!(shown, "{:?} does not see {:?}", room.look, other.look);
    }

    // Picture-in-picture: the full-screen picture (the speaker's: red is
    // muted, cyan speaks) is asked back up at once; the inset stays small.
    red.remote.post("/mute", json!({ "muted": true })).await;
    until(Duration::from_secs(10), "cyan the speaker", &sizes, || {
        conference.active_speaker() == Some(cyan_id)
    })
    .await;
    assert!(cloud
        .focus
        .set_layout(&id, roomcloud::media::LayoutKind::PictureInPicture));
    let layout = conference.layout();
    let (full, inset) = (layout[0].0, layout[1].0);
    assert_eq!((full, inset), (cyan_id, red_id), "the speaker full screen");
    let raised = until(
        Duration::from_secs(10),
        "the full screen at 320×240",
        &sizes,
        || decoded(full) == Some(CAMERA),
    )
    .await;
    assert_eq!(decoded(inset), Some(SMALL), "the inset stays small");

    // Back to the gallery: asked down again, after the pause that keeps a
    // speaker's short silence from costing a key frame.
    assert!(cloud
        .focus
        .set_layout(&id, roomcloud::media::LayoutKind::Gallery));
    let lowered = until(
        Duration::from_secs(15),
        "the full screen small again",
        &sizes,
        || decoded(full) == Some(SMALL),
    )
    .await;
    assert!(
        lowered >= Duration::from_millis(1500),
        "lowered after {lowered:?} (raised after {raised:?})"
    );
}
