//! The cloud's conference media (MCU) between terminals' call media, over
//! real RTP on loopback: three participants, each with its own colour and
//! tone. Each one decodes a composed picture whose layout regions carry the
//! others' colours, hears the others' tones but never its own, stops being
//! heard when it mutes, and the layout closes up when one leaves. Everyone
//! of one class shares one encoder.

use std::time::{Duration, Instant};

use roomcloud::media::{
    AudioCodec, ClassSpec, Conference, ConferenceConfig, ParticipantSpec, Rect,
};
use roomterm::media::{tone_rms, CallMedia, CallMediaConfig, MediaPlan, RgbFrame};

use crate::common::levels_once;
use crate::common::picture::{self, close};

pub(crate) const CANVAS: (u32, u32) = (320, 240);
const SMALL: ClassSpec = ClassSpec {
    width: 320,
    height: 240,
    bitrate_kbps: 512,
};

pub(crate) struct Person {
    pub id: u64,
    pub rgb: [u8; 3],
    pub tone: f64,
    pub media: CallMedia,
}

pub(crate) fn join(
    conference: &Conference,
    plan: &MediaPlan,
    id: u64,
    rgb: [u8; 3],
    tone: f64,
) -> Person {
    let argb = 0xff00_0000 | u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
    join_with(
        conference,
        CallMediaConfig::small(plan, argb, tone),
        id,
        rgb,
        tone,
    )
}

/// [`join`] with call media of `config`.
pub(crate) fn join_with(
    conference: &Conference,
    config: CallMediaConfig,
    id: u64,
    rgb: [u8; 3],
    tone: f64,
) -> Person {
    let (video_pt, audio_pt, video_rtx_pt) =
        (config.video_pt, config.audio_pt, config.video_rtx_pt);
    let media = CallMedia::receive(config).unwrap();
    let (video, audio) = media.local_ports();
    let ports = conference
        .join(ParticipantSpec {
            id,
            video_to: Some(([127, 0, 0, 1], video).into()),
            audio_to: ([127, 0, 0, 1], audio).into(),
            video_pt,
            audio_pt,
            video_rtx_pt,
            audio_codec: AudioCodec::Opus,
            class: SMALL,
            ports: None,
            name: format!("Site {id}"),
        })
        .unwrap();
    media
        .send_to(
            ([127, 0, 0, 1], ports.video.unwrap()),
            ([127, 0, 0, 1], ports.audio),
        )
        .unwrap();
    Person {
        id,
        rgb,
        tone,
        media,
    }
}

pub(crate) fn colour_at(frame: &RgbFrame, rect: &Rect) -> [u8; 3] {
    picture::colour_at(frame, CANVAS, rect)
}

/// Waits (up to 20 s: a loaded machine starts pictures late) for a
/// picture in which every participant's region shows its colour; returns
/// the last picture seen otherwise.
pub(crate) fn wait_for_layout(
    conference: &Conference,
    viewer: &Person,
    people: &[&Person],
) -> RgbFrame {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let frame = match viewer.media.next_frame(Duration::from_secs(2)) {
            Ok(frame) => frame,
            Err(err) => {
                assert!(Instant::now() < deadline, "no picture in 20 s: {err:?}");
                continue;
            }
        };
        let layout = conference.layout();
        let all_there = people.iter().all(|p| {
            layout
                .iter()
                .find(|(id, _)| *id == p.id)
                .is_some_and(|(_, rect)| close(colour_at(&frame, rect), p.rgb))
        });
        if all_there || Instant::now() > deadline {
            return frame;
        }
    }
}

pub(crate) fn assert_layout(conference: &Conference, frame: &RgbFrame, people: &[&Person]) {
    let layout = conference.layout();
    assert_eq!(layout.len(), people.len(), "{layout:?}");
    for p in people {
        let (_, rect) = layout.iter().find(|(id, _)| *id == p.id).unwrap();
        let seen = colour_at(frame, rect);
        assert!(
            close(seen, p.rgb),
            "participant {}'s region {rect:?} shows {seen:?}, not {:?}",
            p.id,
            p.rgb
        );
    }
}

/// (tone → RMS) of what `listener` hears over half a second.
fn hears(listener: &Person, tones: &[f64]) -> Vec<f64> {
    listener.media.flush();
    let samples = listener.media.listen(Duration::from_millis(600)).unwrap();
    // The last 0.5 s: the mix has settled.
    let tail = &samples[samples.len().saturating_sub(24_000)..];
    tones.iter().map(|f| tone_rms(tail, 48_000.0, *f)).collect()
}

/// A tone of 0.5 full scale has an RMS near 0.35; Opus and the mixer keep
/// most of it. Absent is far below.
const HEARD: f64 = 0.05;
const ABSENT: f64 = 0.01;
/// How long a mute or a leave may take to fall silent at a listener.
const SETTLE: Duration = Duration::from_secs(5);

#[test]
fn three_rooms_see_the_others_in_the_layout_and_hear_everyone_but_themselves() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    let blue = join(&conference, &plan, 3, [0, 0, 255], 1000.0);
    let everyone = [&red, &green, &blue];
    let tones: Vec<f64> = everyone.iter().map(|p| p.tone).collect();

    // One encoder for the one class, however many watch.
    assert_eq!(conference.encoders(), 1);

    // Pictures: each room's decoded frame has everyone's colour in place.
    for viewer in everyone {
        let frame = wait_for_layout(&conference, viewer, &everyone);
        assert_layout(&conference, &frame, &everyone);
    }

    // Sound: everyone hears the other two, and not themselves.
    // A loaded machine can drop a moment of sound; a listen that caught
    // one is taken again (within SETTLE) before judging.
    for listener in everyone {
        let expected = |levels: &[f64]| {
            everyone.iter().zip(levels).all(|(person, level)| {
                (person.id == listener.id && *level < ABSENT)
                    || (person.id != listener.id && *level > HEARD)
            })
        };
        let levels = levels_once(SETTLE, || hears(listener, &tones), expected);
        for (person, level) in everyone.iter().zip(&levels) {
            if person.id == listener.id {
                assert!(
                    *level < ABSENT,
                    "{} hears its own tone back at {level:.3} ({levels:?})",
                    listener.id
                );
            } else {
                assert!(
                    *level > HEARD,
                    "{} does not hear {} ({level:.3}; {levels:?})",
                    listener.id,
                    person.id
                );
            }
        }
    }

    // Green mutes: nobody hears it any more; red still hears blue.
    green.media.set_muted(true);
    let levels = levels_once(
        SETTLE,
        || hears(&red, &tones),
        |l| l[1] < ABSENT && l[2] > HEARD,
    );
    assert!(levels[1] < ABSENT, "green still heard: {levels:?}");
    assert!(levels[2] > HEARD, "blue lost: {levels:?}");
    green.media.set_muted(false);

    // Blue leaves: the layout closes up to two, with no blue anywhere.
    conference.leave(blue.id).unwrap();
    drop(blue);
    let remaining = [&red, &green];
    for viewer in remaining {
        let frame = wait_for_layout(&conference, viewer, &remaining);
        assert_layout(&conference, &frame, &remaining);
        let blue_pixels = frame
            .data
            .chunks(3)
            .filter(|p| p[2] > 200 && p[0] < 60 && p[1] < 60)
            .count();
        assert!(
            blue_pixels * 100 < frame.data.len() / 3,
            "blue still on screen"
        );
    }
    let levels = levels_once(
        SETTLE,
        || hears(&red, &tones),
        |l| l[2] < ABSENT && l[1] > HEARD,
    );
    assert!(
        levels[2] < ABSENT,
        "blue still heard after leaving: {levels:?}"
    );
    assert!(levels[1] > HEARD, "green lost after blue left: {levels:?}");
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
    assert!(conference.leave(3).is_err(), "leaving twice is an error");
}

/// A room that leaves and comes back, again and again, while another stays:
/// each leave returns (tearing down a participant's chain while it pushes
/// into the compositor and mixers must not hang — at 720p under load it
/// did, when the chain was stopped before its aggregator pad was released;
/// `bench/join-time.sh` showed it), and the one who stayed sees the
/// newcomer each time.
#[test]
fn a_room_leaves_and_rejoins_while_another_stays() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = std::sync::Arc::new(Conference::start(config).unwrap());
    let stays = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    for round in 0..4u64 {
        let id = 10 + round;
        let visitor = join(&conference, &plan, id, [0, 0, 255], 1000.0);
        let frame = wait_for_layout(&conference, &stays, &[&stays, &visitor]);
        assert_layout(&conference, &frame, &[&stays, &visitor]);
        // The leave, bounded: a hang fails here instead of stalling.
        let (done, left) = std::sync::mpsc::channel();
        let leaving = conference.clone();
        std::thread::spawn(move || {
            let _ = done.send(leaving.leave(id));
        });
        let outcome = left.recv_timeout(Duration::from_secs(10));
        assert!(
            matches!(outcome, Ok(Ok(()))),
            "leave {round} did not return: {outcome:?}"
        );
        drop(visitor);
    }
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
}

/// Waits (up to `secs`) until the conference names `id` the speaker.
fn wait_for_speaker(conference: &Conference, id: u64, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while conference.active_speaker() != Some(id) {
        assert!(
            Instant::now() < deadline,
            "the speaker is {:?}, not {id}",
            conference.active_speaker()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn speaker_view_shows_whoever_talks_large() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    conference.set_layout(roomcloud::media::LayoutKind::Speaker);
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    let blue = join(&conference, &plan, 3, [0, 0, 255], 880.0);
    // Only green talks: green takes the big picture.
    red.media.set_muted(true);
    blue.media.set_muted(true);
    wait_for_speaker(&conference, 2, 10);
    let frame = wait_for_layout(&conference, &red, &[&green, &blue]);
    let layout = conference.layout();
    assert_eq!(layout[0].0, 2, "the speaker first: {layout:?}");
    assert!(layout[0].1.width > 2 * layout[1].1.width, "{layout:?}");
    assert!(
        close(colour_at(&frame, &layout[0].1), green.rgb),
        "red sees {:?} large",
        colour_at(&frame, &layout[0].1)
    );
    // Green stops, blue starts: after the hold time blue is the speaker.
    green.media.set_muted(true);
    blue.media.set_muted(false);
    wait_for_speaker(&conference, 3, 10);
    let layout = conference.layout();
    assert_eq!(layout[0].0, 3, "{layout:?}");
    let frame = wait_for_layout(&conference, &red, &[&green, &blue]);
    assert!(close(colour_at(&frame, &layout[0].1), blue.rgb));
    // The speaker leaving hands the picture to the next who talks.
    drop(blue.media);
    conference.leave(3).unwrap();
    red.media.set_muted(false);
    wait_for_speaker(&conference, 1, 10);
}

/// Where `id` is in `kind`'s arrangement of `order` on the test canvas.
fn place_in(kind: roomcloud::media::LayoutKind, order: &[u64], id: u64) -> Rect {
    let rects =
        roomcloud::media::layout::arrange(kind, order.len(), CANVAS.0 as i32, CANVAS.1 as i32);
    let at = order.iter().position(|p| *p == id).unwrap();
    rects[at]
}

/// A room that picks its own layout sees it while the others keep the
/// meeting's; the second composition (and its encoder) lives only while
/// someone watches it, and the host's layout for everyone brings all back
/// to one.
#[test]
fn a_room_picks_its_own_layout_and_the_others_keep_theirs() {
    use roomcloud::media::LayoutKind;
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    assert_eq!((conference.views(), conference.encoders()), (1, 1));

    // Red picks picture-in-picture: the speaker (red: green is muted)
    // fills the screen, green sits small in a corner. Green still sees the
    // gallery.
    green.media.set_muted(true);
    wait_for_speaker(&conference, red.id, 10);
    conference
        .set_participant_layout(red.id, LayoutKind::PictureInPicture)
        .unwrap();
    assert_eq!(
        conference.watching(red.id),
        Some(LayoutKind::PictureInPicture)
    );
    assert_eq!(conference.watching(green.id), Some(LayoutKind::Gallery));
    assert_eq!((conference.views(), conference.encoders()), (2, 2));
    let small = place_in(LayoutKind::PictureInPicture, &[1, 2], 2);
    let deadline = Instant::now() + Duration::from_secs(10);
    let pip = loop {
        let frame = red.media.next_frame(Duration::from_secs(5)).unwrap();
        let corner = colour_at(&frame, &small);
        let full = frame.pixel(4, 4);
        if (close(corner, green.rgb) && close(full, red.rgb)) || Instant::now() > deadline {
            break frame;
        }
    };
    assert!(close(colour_at(&pip, &small), green.rgb), "no green corner");
    assert!(
        close(pip.pixel(4, 4), red.rgb),
        "red does not fill the screen"
    );
    let frame = wait_for_layout(&conference, &green, &[&red, &green]);
    assert_layout(&conference, &frame, &[&red, &green]);
    for (id, rgb) in [(1, red.rgb), (2, green.rgb)] {
        let rect = place_in(LayoutKind::Gallery, &[1, 2], id);
        assert!(close(colour_at(&frame, &rect), rgb), "green's gallery");
    }

    // The host sets the speaker view for everyone: one composition again.
    conference.set_layout(LayoutKind::Speaker);
    assert_eq!(conference.watching(red.id), Some(LayoutKind::Speaker));
    assert_eq!(conference.watching(green.id), Some(LayoutKind::Speaker));
    assert_eq!((conference.views(), conference.encoders()), (1, 1));
    let frame = wait_for_layout(&conference, &red, &[&red, &green]);
    assert_layout(&conference, &frame, &[&red, &green]);
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
}

/// Past one gallery page (2 here, 25 in a meeting), the host turns the
/// pages: each page shows only its pictures, the last page wraps to the
/// first, and stopping brings the first page back.
#[test]
fn the_gallery_pages_turn_for_everyone() {
    let plan = crate::common::media_plan();
    let mut config =
        ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    config.gallery_page = 2;
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    let blue = join(&conference, &plan, 3, [0, 0, 255], 880.0);
    assert_eq!(conference.gallery_pages(), 2);
    let frame = wait_for_layout(&conference, &red, &[&red, &green]);
    assert_layout(&conference, &frame, &[&red, &green]);

    // Page 2: blue alone, full screen, at every viewer.
    conference.show_gallery_page(Some(1));
    for viewer in [&red, &blue] {
        let frame = wait_for_layout(&conference, viewer, &[&blue]);
        assert_layout(&conference, &frame, &[&blue]);
        assert!(
            close(frame.pixel(4, 4), blue.rgb),
            "blue is not full screen"
        );
    }
    // Page 3 is page 1 again; stopping keeps it.
    conference.show_gallery_page(Some(2));
    let frame = wait_for_layout(&conference, &blue, &[&red, &green]);
    assert_layout(&conference, &frame, &[&red, &green]);
    conference.show_gallery_page(None);
    assert_eq!(conference.gallery_page(), None);
    let frame = wait_for_layout(&conference, &green, &[&red, &green]);
    assert_layout(&conference, &frame, &[&red, &green]);
    let error = conference.bus_error();
    assert!(error.is_none(), "{error:?}");
}

/// The share of pixels in rows `from`..`to` (fractions of its height) of
/// `rect` that are far from `rgb`.
fn off_colour(frame: &RgbFrame, rect: &Rect, (from, to): (f64, f64), rgb: [u8; 3]) -> f64 {
    let sx = f64::from(frame.width) / f64::from(CANVAS.0);
    let sy = f64::from(frame.height) / f64::from(CANVAS.1);
    let x0 = (f64::from(rect.x) * sx) as u32;
    let x1 = ((f64::from(rect.x + rect.width) * sx) as u32).min(frame.width);
    let y0 = ((f64::from(rect.y) + f64::from(rect.height) * from) * sy) as u32;
    let y1 = (((f64::from(rect.y) + f64::from(rect.height) * to) * sy) as u32).min(frame.height);
    let (mut off, mut all) = (0u32, 0u32);
    for y in y0..y1 {
        for x in x0..x1 {
            all += 1;
            if RgbFrame::distance(frame.pixel(x, y), rgb) > 80 {
                off += 1;
            }
        }
    }
    f64::from(off) / f64::from(all.max(1))
}

/// Every site's picture carries its name, bottom left on a shaded band
/// (as every MCU draws it): the bottom of a tile is not all its colour, the
/// top is; a longer name after a rename takes more of the bottom.
#[test]
fn every_tile_carries_its_sites_name_and_a_rename_redraws_it() {
    let plan = crate::common::media_plan();
    let config = ConferenceConfig::probe(CANVAS.0, CANVAS.1, 30, [127, 0, 0, 1].into()).unwrap();
    let conference = Conference::start(config).unwrap();
    let red = join(&conference, &plan, 1, [255, 0, 0], 440.0);
    let green = join(&conference, &plan, 2, [0, 255, 0], 660.0);
    let rect = |id| {
        conference
            .layout()
            .into_iter()
            .find(|(p, _)| *p == id)
            .unwrap()
            .1
    };
    let bottom = (0.82, 1.0);
    let named = |want: &dyn Fn(f64) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let frame = wait_for_layout(&conference, &red, &[&red, &green]);
            let band = off_colour(&frame, &rect(green.id), bottom, green.rgb);
            let top = off_colour(&frame, &rect(green.id), (0.0, 0.18), green.rgb);
            if want(band) && top < 0.02 {
                return band;
            }
            assert!(
                Instant::now() < deadline,
                "green's tile: {band:.3} of its bottom, {top:.3} of its top off its colour"
            );
        }
    };
    let short = named(&|band| band > 0.03);
    conference
        .rename(green.id, "长江厅 Yangtze Conference Room, 3F")
        .unwrap();
    let long = named(&|band| band > short * 1.5);
    assert!(long > short * 1.5, "{short:.3} → {long:.3}");
}
