//! The call under way: the room's controls' state, the network quality,
//! the roster's count and layout, the meeting's notice, missing devices;
//! and the pictures, which arrive apart from the state (the window's video
//! tick).

use crate::media::{QualityLevel, RgbFrame};
use crate::screen::InCallPageState;
use crate::sip::conference::Roster;
use crate::status::StatusView;

pub fn apply(state: &InCallPageState, view: &StatusView) {
    let roster = view.call.roster.as_ref();
    // Muted here or by the meeting: either way the button says Unmute.
    let meeting_muted = roster.and_then(Roster::me).is_some_and(|me| me.muted);
    state.set_mic_muted(view.call.muted || meeting_muted);
    state.set_camera_off(!view.call.camera_on);
    state.set_speaker_volume(i32::from(view.speaker_volume));
    let quality = view.call.quality.as_ref();
    state.set_net_level(
        quality
            .map(|q| match q.level {
                QualityLevel::Good => "good",
                QualityLevel::Fair => "fair",
                QualityLevel::Poor => "poor",
            })
            .unwrap_or_default()
            .into(),
    );
    state.set_net_warning(quality.is_some_and(|q| q.warning));
    state.set_camera_missing(view.call.devices.camera_missing.is_some());
    state.set_microphone_missing(view.call.devices.microphone_missing.is_some());
    state.set_meeting_count(roster.map_or(0, |r| r.count as i32));
    state.set_meeting_layout(
        roster
            .and_then(|r| r.layout.clone())
            .unwrap_or_default()
            .into(),
    );
    state.set_notice(roster.map_or("", meeting_notice).into());
    if view.call.state != "in_call" {
        // The pictures of an earlier call never show in the next one.
        state.set_has_remote_video(false);
        state.set_has_self_video(false);
        state.set_has_content(false);
    }
}

/// The one notice the meeting shows the room, the most pressing first:
/// waiting to be let in, its end near, the host's mute on this room, the
/// lock.
fn meeting_notice(roster: &Roster) -> &'static str {
    let muted_by_host = roster.me().is_some_and(|me| me.muted_by_host);
    if roster.held {
        "waiting_for_host"
    } else if roster.ending_soon {
        "ending_soon"
    } else if muted_by_host && roster.self_unmute {
        "muted_may_unmute"
    } else if muted_by_host {
        "muted_by_host"
    } else if roster.locked {
        "locked"
    } else {
        ""
    }
}

/// Shows the room's own camera picture in the corner.
pub fn show_self_view(state: &InCallPageState, frame: &RgbFrame) {
    state.set_self_video(image(frame));
    state.set_has_self_video(true);
}

/// Shows a picture of the content shared in the meeting, or (`None`)
/// stops showing content.
pub fn show_content(state: &InCallPageState, frame: Option<&RgbFrame>) {
    match frame {
        Some(frame) => {
            state.set_content(image(frame));
            state.set_has_content(true);
        }
        None => state.set_has_content(false),
    }
}

/// Shows a decoded picture of the far end.
pub fn show_remote_video(state: &InCallPageState, frame: &RgbFrame) {
    state.set_remote_video(image(frame));
    state.set_has_remote_video(true);
}

fn image(frame: &RgbFrame) -> slint::Image {
    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
        &frame.data,
        frame.width,
        frame.height,
    );
    slint::Image::from_rgb8(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(you_muted: bool, self_unmute: bool, locked: bool, soon: bool) -> Roster {
        let xml = format!(
            "<conference-info><conference-state><you>1</you>\
             <self-unmute>{self_unmute}</self-unmute><locked>{locked}</locked>\
             <ending-soon>{soon}</ending-soon></conference-state><users>\
             <user entity=\"sip:1@x\"><state id=\"1\" muted=\"{you_muted}\" \
             by-host=\"{you_muted}\"/></user></users></conference-info>"
        );
        crate::sip::conference::parse(&xml).unwrap()
    }

    #[test]
    fn the_most_pressing_notice_shows() {
        assert_eq!(meeting_notice(&roster(false, true, false, false)), "");
        assert_eq!(meeting_notice(&roster(false, true, true, false)), "locked");
        assert_eq!(
            meeting_notice(&roster(true, true, true, false)),
            "muted_may_unmute"
        );
        assert_eq!(
            meeting_notice(&roster(true, false, true, false)),
            "muted_by_host"
        );
        assert_eq!(
            meeting_notice(&roster(true, false, true, true)),
            "ending_soon"
        );
    }
}
