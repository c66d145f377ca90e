//! The offer/answer exchange with webrtcbin, blocking: transceivers that
//! accept only the chosen codecs, the remote offer, the answer set as
//! local description, then ICE gathering waited for (bounded) so the
//! answer carries its candidates inline — the browser needs no trickle
//! from the room.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use gst::prelude::*;
use gst_webrtc::{WebRTCICEGatheringState, WebRTCRTPTransceiverDirection, WebRTCSDPType};

use super::codecs::{Kind, Plan, VideoCodec};
use super::CastError;

/// How long webrtcbin may take for one step (it answers in milliseconds).
const STEP: Duration = Duration::from_secs(5);
/// How long host candidates may take to gather (milliseconds on a LAN;
/// the bound is for an interface that never answers).
pub const GATHERING: Duration = Duration::from_secs(2);

/// One recvonly transceiver per m-line the room takes, in the offer's
/// order, so webrtcbin pairs them with the offer's m-lines instead of
/// making its own that accept every codec offered.
pub fn add_transceivers(webrtc: &gst::Element, plan: &Plan) {
    for choice in &plan.choices {
        let (media, name, rate) = match choice.kind {
            Kind::Video(codec) => ("video", codec.name(), 90_000i32),
            Kind::Audio => ("audio", "OPUS", 48_000),
        };
        let mut caps = gst::Caps::new_empty();
        {
            let caps = caps.get_mut().expect("a new caps is writable");
            for format in &choice.formats {
                let mut s = gst::Structure::builder("application/x-rtp")
                    .field("media", media)
                    .field("encoding-name", name)
                    .field("clock-rate", rate)
                    .field("payload", i32::from(format.pt));
                // webrtcbin leaves the offer's profile-level-id out of an
                // H.264 answer (so it would read as baseline 42000a, which
                // a browser matches against its own profiles): name it.
                for key in ["packetization-mode", "profile-level-id"] {
                    if let Some(value) = format.param(key) {
                        s = s.field(key, value);
                    }
                }
                caps.append_structure(s.build());
            }
        }
        let transceiver = webrtc.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
            "add-transceiver",
            &[&WebRTCRTPTransceiverDirection::Recvonly, &caps],
        );
        if media == "video" {
            // NACK (and with it RTX, when offered) for the screen: a lost
            // packet comes back within a LAN round trip.
            transceiver.set_property("do-nack", true);
        }
    }
}

/// Sets `offer` as remote description and returns the answer's text with
/// its candidates, the answer being set as local description.
pub fn answer(
    webrtc: &gst::Element,
    offer: gst_sdp::SDPMessage,
    plan: &Plan,
) -> Result<String, CastError> {
    let offer =
        gst_webrtc::WebRTCSessionDescription::new(WebRTCSDPType::Offer, with_directions(offer));
    // webrtcbin refusing the offer (no mid, no setup, a BUNDLE of unknown
    // mids…) is the offer's fault.
    call(webrtc, "set-remote-description", Some(&offer)).map_err(|e| match e {
        CastError::Negotiation(why) => CastError::BadOffer(format!("webrtcbin refused it: {why}")),
        other => other,
    })?;
    let reply = call(webrtc, "create-answer", None)?
        .ok_or_else(|| failed("create-answer gave no answer"))?;
    let answer = reply
        .get::<gst_webrtc::WebRTCSessionDescription>("answer")
        .map_err(|_| failed(&format!("create-answer replied {reply}")))?;
    check_codec(&answer, plan.video_codec())?;
    call(webrtc, "set-local-description", Some(&answer))?;
    wait_for_gathering(webrtc);
    let local = webrtc
        .property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description")
        .ok_or_else(|| failed("no local description"))?;
    let text = local
        .sdp()
        .as_text()
        .map_err(|e| failed(&format!("answer not printable: {e}")))?;
    if !text.lines().any(|l| l.starts_with("a=candidate:")) {
        return Err(CastError::NoCandidates(GATHERING.as_millis() as u64));
    }
    Ok(text)
}

/// An m-line without a direction attribute is `sendrecv` (RFC 3264), but
/// webrtcbin 1.22 takes it for none and rejects it: say it.
fn with_directions(mut offer: gst_sdp::SDPMessage) -> gst_sdp::SDPMessage {
    const DIRECTIONS: [&str; 4] = ["sendrecv", "sendonly", "recvonly", "inactive"];
    let session = DIRECTIONS
        .into_iter()
        .find(|d| offer.attribute_val(d).is_some());
    for media in offer.medias_mut() {
        if !DIRECTIONS.iter().any(|d| media.attribute_val(d).is_some()) {
            media.add_attribute(session.unwrap_or("sendrecv"), None);
        }
    }
    offer
}

/// Emits one of webrtcbin's promise-taking actions and waits for the
/// reply; an `error` in it (webrtcbin refusing the SDP) is a failure.
fn call(
    webrtc: &gst::Element,
    action: &str,
    description: Option<&gst_webrtc::WebRTCSessionDescription>,
) -> Result<Option<gst::Structure>, CastError> {
    let (tx, rx) = mpsc::channel();
    let promise = gst::Promise::with_change_func(move |reply| {
        let _ = tx.send(reply.map(|r| r.map(|s| s.to_owned())));
    });
    match description {
        Some(description) => webrtc.emit_by_name::<()>(action, &[description, &promise]),
        None => webrtc.emit_by_name::<()>(action, &[&None::<gst::Structure>, &promise]),
    }
    let reply = match rx.recv_timeout(STEP) {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => return Err(failed(&format!("{action}: {e:?}"))),
        Err(_) => {
            promise.interrupt();
            return Err(failed(&format!("{action}: no reply within {STEP:?}")));
        }
    };
    if let Some(error) = reply
        .as_ref()
        .and_then(|r| r.get::<gst::glib::Error>("error").ok())
    {
        return Err(failed(&format!("{action}: {}", error.message())));
    }
    Ok(reply)
}

/// The answer's first video format must be the codec chosen: the browser
/// sends that one, and the decoder was built for it.
fn check_codec(
    answer: &gst_webrtc::WebRTCSessionDescription,
    codec: VideoCodec,
) -> Result<(), CastError> {
    let sdp = answer.sdp();
    let video = sdp
        .medias()
        .find(|m| m.media() == Some("video") && m.port() != 0)
        .ok_or_else(|| failed("the answer rejects the video"))?;
    let first = video.format(0).unwrap_or_default().to_string();
    let encoding = video
        .attributes()
        .filter(|a| a.key() == "rtpmap")
        .filter_map(|a| a.value())
        .find_map(|v| {
            let (pt, rest) = v.split_once(' ')?;
            (pt == first).then(|| rest.split('/').next().unwrap_or_default().to_string())
        })
        .unwrap_or_default();
    if VideoCodec::from_encoding(&encoding) == Some(codec) {
        Ok(())
    } else {
        Err(failed(&format!(
            "webrtcbin answered {encoding:?} (payload {first}), not {}",
            codec.name()
        )))
    }
}

/// Until gathering completes, at most [`GATHERING`]; what was gathered
/// by then is answered either way.
fn wait_for_gathering(webrtc: &gst::Element) {
    let deadline = Instant::now() + GATHERING;
    while Instant::now() < deadline {
        let state = webrtc.property::<WebRTCICEGatheringState>("ice-gathering-state");
        if state == WebRTCICEGatheringState::Complete {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    tracing::warn!("ICE gathering incomplete after {GATHERING:?}: answering what was gathered");
}

fn failed(why: &str) -> CastError {
    CastError::Negotiation(why.to_string())
}
