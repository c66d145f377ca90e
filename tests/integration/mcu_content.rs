//! Content shared into a meeting, through the cloud's MCU over real RTP:
//! a room shares content (a solid colour standing in for a screen cast,
//! sent as the terminal sends content: 1080p15 H.264 on a leg of its own);
//! every room's composed picture shows it large, with the people as
//! thumbnails below; a second sharer replaces the first; when sharing
//! stops, the layout returns to people only. A room that receives
//! content apart (a meeting call's content line) gets the sharer's stream
//! at its own size and keeps the people alone in its composed picture.

use std::time::{Duration, Instant};

use roomcloud::media::{Conference, ConferenceConfig, ContentSpec, ContentWatch};
use roomterm::media::{
    CallMediaConfig, ContentConfig, ContentSender, MediaPlan, RgbFrame, CONTENT_HEIGHT,
    CONTENT_WIDTH,
};

use crate::common::picture::close;
use crate::mcu::{assert_layout, colour_at, join, join_with, wait_for_layout, Person, CANVAS};

const MAGENTA: [u8; 3] = [255, 0, 255];
const YELLOW: [u8; 3] = [255, 255, 0];

fn argb(rgb: [u8; 3]) -> u32 {
    0xff00_0000 | u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2])
}

/// `owner` shares `rgb` as content; the sender must stay alive to share.
fn share(conference: &Conference, owner: u64, rgb: [u8; 3]) -> ContentSender {
    let plan = crate::common::media_plan();
    let config = ContentConfig {
        encoder: plan.h264_encoder.clone(),
        pt: 100,
        local: [127, 0, 0, 1].into(),
    };
    let mut content = ContentSender::test_pattern(argb(rgb), &config).unwrap();
    let port = conference
        .share_content(
            owner,
            &ContentSpec {
                to: ([127, 0, 0, 1], content.local_port()).into(),
                pt: 100,
                rtx_pt: None,
                bitrate_kbps: 1500,
            },
        )
        .unwrap();
    content.send_to(([127, 0, 0, 1], port).into()).unwrap();
    content
}

/// Waits (up to 15 s) for a picture with `rgb` in the content region and
/// every person in their thumbnail; returns it, or panics with what the
/// last picture showed.
fn wait_for_content(
    conference: &Conference,
    viewer: &Person,
    rgb: [u8; 3],
    people: &[&Person],
) -> RgbFrame {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let frame = viewer.media.next_frame(Duration::from_secs(5)).unwrap();
        let (region, shown) = conference.content_layout().expect("someone shares");
        let content_seen = colour_at(&frame, &region);
        let people_seen = people.iter().all(|p| {
            shown
                .iter()
                .find(|(id, _)| *id == p.id)
                .is_some_and(|(_, rect)| close(colour_at(&frame, rect), p.rgb))
        });
        if close(content_seen, rgb) && people_seen {
            return frame;
        }
        assert!(
            Instant::now() < deadline,
            "room {} sees {content_seen:?} in the content region {region:?}, not {rgb:?} \
             (people in place: {people_seen})",
            viewer.id
        );
    }
}

#[test]
fn shared_content_is_large_for_everyone_until_it_stops() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let blue = join(&conference, &plan, 2, [0, 0, 255], 660.0);
    let everyone = [&red, &blue];
    for viewer in everyone {
        wait_for_layout(&conference, viewer, &everyone);
    }

    // Red shares magenta: large for both, the people small below it.
    let red_content = share(&conference, red.id, MAGENTA);
    assert_eq!(conference.content_owner(), Some(red.id));
    let (region, people) = conference.content_layout().unwrap();
    for (_, rect) in &people {
        assert!(
            rect.y >= region.y + region.height,
            "{rect:?} under {region:?}"
        );
        assert!(rect.width * 4 <= region.width, "{rect:?} is a thumbnail");
    }
    for viewer in everyone {
        wait_for_content(&conference, viewer, MAGENTA, &everyone);
    }

    // Blue shares yellow: it replaces red's (one content at a time).
    let blue_content = share(&conference, blue.id, YELLOW);
    assert_eq!(conference.content_owner(), Some(blue.id));
    for viewer in everyone {
        wait_for_content(&conference, viewer, YELLOW, &everyone);
    }
    // Red stopping is nothing now: it no longer shares.
    assert!(!conference.stop_content(red.id));
    drop(red_content);

    // Blue stops: people only again, no content colour anywhere.
    assert!(conference.stop_content(blue.id));
    drop(blue_content);
    assert!(conference.content_layout().is_none());
    for viewer in everyone {
        let frame = wait_for_layout(&conference, viewer, &everyone);
        assert_layout(&conference, &frame, &everyone);
        let yellow = frame
            .data
            .chunks(3)
            .filter(|p| close([p[0], p[1], p[2]], YELLOW))
            .count();
        assert!(yellow * 100 < frame.data.len() / 3, "content still shown");
    }
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
}

/// A sharer that leaves takes its content with it.
#[test]
fn content_goes_with_its_sharer() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    let content = share(&conference, red.id, MAGENTA);
    wait_for_content(&conference, &green, MAGENTA, &[&red, &green]);
    conference.leave(red.id).unwrap();
    drop(content);
    assert_eq!(conference.content_owner(), None);
    let frame = wait_for_layout(&conference, &green, &[&green]);
    assert_layout(&conference, &frame, &[&green]);
    // Sharing for someone not in the meeting is refused.
    assert!(share_refused(&conference, red.id));
}

fn share_refused(conference: &Conference, owner: u64) -> bool {
    conference
        .share_content(
            owner,
            &ContentSpec {
                to: ([127, 0, 0, 1], 9).into(),
                pt: 100,
                rtx_pt: None,
                bitrate_kbps: 1500,
            },
        )
        .is_err()
}

/// Joins as a roomterm joins a meeting: with a content line to receive
/// shared content on, apart from the people.
fn join_watching(
    conference: &Conference,
    plan: &MediaPlan,
    id: u64,
    rgb: [u8; 3],
    tone: f64,
) -> Person {
    let config = CallMediaConfig {
        content_pt: Some(100),
        ..CallMediaConfig::small(plan, argb(rgb), tone)
    };
    let person = join_with(conference, config, id, rgb, tone);
    let watch = ContentWatch {
        to: ([127, 0, 0, 1], person.media.content_port().unwrap()).into(),
        pt: 100,
    };
    let port = conference.watch_content(id, &watch).unwrap();
    person
        .media
        .content_from(([127, 0, 0, 1], port).into())
        .unwrap();
    person
}

/// The centre of a content picture, if it is at content size.
fn content_centre(frame: &RgbFrame) -> Option<[u8; 3]> {
    if (frame.width, frame.height) != (CONTENT_WIDTH, CONTENT_HEIGHT) {
        return None;
    }
    let at = ((frame.height / 2 * frame.width + frame.width / 2) * 3) as usize;
    Some([frame.data[at], frame.data[at + 1], frame.data[at + 2]])
}

/// Waits (up to 15 s) for `viewer`'s content stream to show `rgb` at
/// full content size.
fn wait_for_content_apart(viewer: &Person, rgb: [u8; 3]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let seen = viewer
            .media
            .next_content(Duration::from_secs(5))
            .map(|frame| content_centre(&frame));
        if seen
            .as_ref()
            .is_ok_and(|c| c.is_some_and(|c| close(c, rgb)))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "room {} receives {seen:?} as content, not {rgb:?} at {CONTENT_WIDTH}×{CONTENT_HEIGHT}",
            viewer.id
        );
    }
}

/// Waits (up to 10 s) for `viewer`'s composed picture to show the people
/// alone, each in its place of the people's layout.
fn wait_for_people_alone(conference: &Conference, viewer: &Person, people: &[&Person]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let frame = viewer.media.next_frame(Duration::from_secs(5)).unwrap();
        let layout = conference.people_layout();
        let seen: Vec<_> = layout
            .iter()
            .map(|(id, rect)| (*id, colour_at(&frame, rect)))
            .collect();
        let all_there = people
            .iter()
            .all(|p| seen.iter().any(|(id, c)| *id == p.id && close(*c, p.rgb)));
        if all_there && layout.len() == people.len() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "room {} does not see the people alone: {seen:?}",
            viewer.id
        );
    }
}

/// Waits until `viewer` receives no content for a second (up to 10 s).
fn wait_for_no_content(viewer: &Person) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while viewer.media.next_content(Duration::from_secs(1)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "room {} still receives content",
            viewer.id
        );
    }
}

#[test]
fn a_content_watcher_gets_the_content_as_a_stream_of_its_own() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join_watching(&conference, &plan, 2, [0, 255, 0], 660.0);
    let everyone = [&red, &green];
    wait_for_layout(&conference, &green, &everyone);

    // Red (a single-stream endpoint) shares magenta: green receives it
    // apart at full size and sees the people alone; red sees it composed.
    let content = share(&conference, red.id, MAGENTA);
    wait_for_content_apart(&green, MAGENTA);
    wait_for_people_alone(&conference, &green, &everyone);
    assert!(!conference.content_composed_for(green.id));
    assert!(conference.content_composed_for(red.id));
    wait_for_content(&conference, &red, MAGENTA, &everyone);

    // Green shares yellow itself: it is not sent its own content back,
    // red sees yellow composed.
    let own = share(&conference, green.id, YELLOW);
    drop(content);
    wait_for_content(&conference, &red, YELLOW, &everyone);
    wait_for_no_content(&green);
    wait_for_people_alone(&conference, &green, &everyone);

    // Green stops: nothing shared, the people alone for both. The two
    // compositions (with content for red's kind of endpoint, without for
    // green's) stay: sharing switched nobody's picture to another one.
    assert!(conference.stop_content(green.id));
    drop(own);
    for viewer in everyone {
        let frame = wait_for_layout(&conference, viewer, &everyone);
        assert_layout(&conference, &frame, &everyone);
    }
    assert_eq!(conference.views(), 2);
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
}
