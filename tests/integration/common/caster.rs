//! A browser's stand-in for casting tests: a second webrtcbin that offers
//! a screen (a solid colour at 320×240) and optionally tab audio (a sine),
//! sendonly, bundled, its ICE kept to 127.0.0.1. The offer lists the
//! codecs asked for in that order (as Chrome lists VP8 before H.264);
//! once the answer is in, the encoder for the codec it put first is
//! linked, so what is sent is what the room chose.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gst_webrtc::{WebRTCICEGatheringState, WebRTCRTPTransceiverDirection, WebRTCSDPType};

/// What the stand-in offers.
pub struct Offering {
    /// Video encodings in offer order: `VP8`, `H264`, `VP9`.
    pub codecs: Vec<&'static str>,
    pub audio: bool,
    /// `0xAARRGGBB`.
    pub colour: u32,
}

pub struct Caster {
    pipeline: gst::Pipeline,
    webrtc: gst::Element,
    screen: Option<gst::Element>,
    /// The screen's size, as a capsfilter.
    size: Option<gst::Element>,
    colour: u32,
    /// Key-frame requests that reached the screen's payloader (the room's
    /// PLI or FIR, as webrtcbin turns them into events).
    key_requests: Arc<AtomicUsize>,
}

fn payload(codec: &str) -> i32 {
    match codec {
        "VP8" => 96,
        "H264" => 102,
        _ => 98,
    }
}

fn make(factory: &str) -> gst::Element {
    gst::ElementFactory::make(factory)
        .build()
        .unwrap_or_else(|e| panic!("{factory}: {e}"))
}

/// Waits for a promise-taking action's reply.
fn call(
    webrtc: &gst::Element,
    action: &str,
    arg: Option<&gst_webrtc::WebRTCSessionDescription>,
) -> Option<gst::Structure> {
    let (tx, rx) = mpsc::channel();
    let promise = gst::Promise::with_change_func(move |reply| {
        let _ = tx.send(reply.ok().flatten().map(|s| s.to_owned()));
    });
    match arg {
        Some(desc) => webrtc.emit_by_name::<()>(action, &[desc, &promise]),
        None => webrtc.emit_by_name::<()>(action, &[&None::<gst::Structure>, &promise]),
    }
    let reply = rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("{action}: no reply"));
    if let Some(error) = reply
        .as_ref()
        .and_then(|r| r.get::<gst::glib::Error>("error").ok())
    {
        panic!("{action}: {error}");
    }
    reply
}

impl Caster {
    /// Starts the stand-in and returns it with its offer, candidates inline.
    pub fn offer(offering: &Offering) -> (Caster, String) {
        roomterm::media::init().unwrap();
        let pipeline = gst::Pipeline::new();
        let webrtc = make("webrtcbin");
        webrtc.set_property_from_str("bundle-policy", "max-bundle");
        let ice = webrtc.property::<gst::glib::Object>("ice-agent");
        assert!(ice.emit_by_name::<bool>("add-local-ip-address", &[&"127.0.0.1"]));
        pipeline.add(&webrtc).unwrap();
        pipeline.set_state(gst::State::Playing).unwrap();

        let mut caps = gst::Caps::new_empty();
        for codec in &offering.codecs {
            let mut s = gst::Structure::builder("application/x-rtp")
                .field("media", "video")
                .field("encoding-name", *codec)
                .field("clock-rate", 90_000i32)
                .field("payload", payload(codec))
                .field("rtcp-fb-nack", true)
                .field("rtcp-fb-nack-pli", true)
                .field("rtcp-fb-ccm-fir", true);
            if *codec == "H264" {
                s = s
                    .field("packetization-mode", "1")
                    .field("profile-level-id", "42e01f");
            }
            caps.get_mut().unwrap().append_structure(s.build());
        }
        let video = webrtc.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
            "add-transceiver",
            &[&WebRTCRTPTransceiverDirection::Sendonly, &caps],
        );
        video.set_property("do-nack", true);
        if offering.audio {
            let caps = gst::Caps::builder("application/x-rtp")
                .field("media", "audio")
                .field("encoding-name", "OPUS")
                .field("clock-rate", 48_000i32)
                .field("payload", 111i32)
                .build();
            webrtc.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
                "add-transceiver",
                &[&WebRTCRTPTransceiverDirection::Sendonly, &caps],
            );
        }
        let reply = call(&webrtc, "create-offer", None).expect("an offer");
        let offer = reply
            .get::<gst_webrtc::WebRTCSessionDescription>("offer")
            .unwrap();
        call(&webrtc, "set-local-description", Some(&offer));
        let deadline = Instant::now() + Duration::from_secs(5);
        while webrtc.property::<WebRTCICEGatheringState>("ice-gathering-state")
            != WebRTCICEGatheringState::Complete
        {
            assert!(
                Instant::now() < deadline,
                "the caster's gathering never completed"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let local = webrtc
            .property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description")
            .unwrap();
        let text = local.sdp().as_text().unwrap();
        (
            Caster {
                pipeline,
                webrtc,
                screen: None,
                size: None,
                colour: offering.colour,
                key_requests: Arc::new(AtomicUsize::new(0)),
            },
            text,
        )
    }

    /// Takes the room's answer and starts sending what it chose.
    pub fn accept(&mut self, answer: &str) {
        let sdp = gst_sdp::SDPMessage::parse_buffer(answer.as_bytes()).unwrap();
        let description =
            gst_webrtc::WebRTCSessionDescription::new(WebRTCSDPType::Answer, sdp.clone());
        call(&self.webrtc, "set-remote-description", Some(&description));
        for (mline, media) in sdp.medias().enumerate() {
            if media.port() == 0 {
                continue;
            }
            let pt = media.format(0).unwrap().parse::<u32>().unwrap();
            let rtpmap = media
                .attributes()
                .filter(|a| a.key() == "rtpmap")
                .filter_map(|a| a.value())
                .find(|v| v.starts_with(&format!("{pt} ")))
                .unwrap()
                .to_string();
            let encoding = rtpmap
                .split([' ', '/'])
                .nth(1)
                .unwrap()
                .to_ascii_uppercase();
            let chain = match encoding.as_str() {
                "VP8" | "H264" => self.screen_chain(&encoding, pt),
                "OPUS" => tone_chain(pt),
                other => panic!("answered {other}"),
            };
            let refs: Vec<&gst::Element> = chain.iter().collect();
            self.pipeline.add_many(&refs).unwrap();
            gst::Element::link_many(&refs).unwrap();
            let sink = self.sink_pad(mline as u32);
            chain
                .last()
                .unwrap()
                .static_pad("src")
                .unwrap()
                .link(&sink)
                .unwrap();
            for element in chain.iter().rev() {
                element.sync_state_with_parent().unwrap();
            }
        }
    }

    /// By the time the answer is in, webrtcbin 1.22 has made a sink pad of
    /// its own for a send transceiver from `add-transceiver`; requesting
    /// `sink_<mline>` then fails.
    fn sink_pad(&self, mline: u32) -> gst::Pad {
        for pad in self.webrtc.sink_pads() {
            let transceiver = pad.property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver");
            if transceiver.mlineindex() == mline {
                return pad;
            }
        }
        self.webrtc
            .request_pad_simple(&format!("sink_{mline}"))
            .unwrap_or_else(|| panic!("no sink pad for m-line {mline}"))
    }

    fn screen_chain(&mut self, encoding: &str, pt: u32) -> Vec<gst::Element> {
        let source = make("videotestsrc");
        source.set_property("is-live", true);
        source.set_property_from_str("pattern", "solid-color");
        source.set_property("foreground-color", self.colour);
        let caps = make("capsfilter");
        caps.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("width", 320i32)
                .field("height", 240i32)
                .field("framerate", gst::Fraction::new(15, 1))
                .build(),
        );
        self.size = Some(caps.clone());
        let mut chain = vec![source.clone(), caps, make("videoconvert")];
        if encoding == "VP8" {
            let encoder = make("vp8enc");
            encoder.set_property("deadline", 1i64);
            encoder.set_property("keyframe-max-dist", 30i32);
            chain.extend([encoder, make("rtpvp8pay")]);
        } else {
            let encoder = make("x264enc");
            encoder.set_property_from_str("tune", "zerolatency");
            encoder.set_property_from_str("speed-preset", "ultrafast");
            encoder.set_property("key-int-max", 30u32);
            // The offer's profile (42e01f), as a browser's encoder keeps to it.
            let profile = make("capsfilter");
            profile.set_property(
                "caps",
                gst::Caps::builder("video/x-h264")
                    .field("profile", "constrained-baseline")
                    .field("stream-format", "byte-stream")
                    .build(),
            );
            let pay = make("rtph264pay");
            pay.set_property("config-interval", -1i32);
            chain.extend([encoder, profile, pay]);
        }
        let pay = chain.last().unwrap();
        pay.set_property("pt", pt);
        let requests = self.key_requests.clone();
        pay.static_pad("src").unwrap().add_probe(
            gst::PadProbeType::EVENT_UPSTREAM,
            move |_, info| {
                if let Some(gst::PadProbeData::Event(event)) = &info.data {
                    if gst_video::UpstreamForceKeyUnitEvent::parse(event).is_ok() {
                        requests.fetch_add(1, Ordering::Relaxed);
                    }
                }
                gst::PadProbeReturn::Ok
            },
        );
        self.screen = Some(source);
        chain
    }

    /// Paints the screen another colour.
    /// The shared window changes size (the encoder restarts with it).
    pub fn resize(&self, width: i32, height: i32) {
        let size = self.size.as_ref().expect("sending");
        size.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("width", width)
                .field("height", height)
                .field("framerate", gst::Fraction::new(15, 1))
                .build(),
        );
    }

    pub fn paint(&self, colour: u32) {
        let screen = self.screen.as_ref().expect("sending");
        screen.set_property("foreground-color", colour);
    }

    /// The screen stops changing and the stand-in, unlike a browser, sends
    /// no repeated frame: nothing leaves its encoder any more.
    pub fn freeze(&self) {
        let screen = self.screen.as_ref().expect("sending");
        screen.static_pad("src").unwrap().add_probe(
            gst::PadProbeType::BLOCK_DOWNSTREAM | gst::PadProbeType::BUFFER,
            |_, _| gst::PadProbeReturn::Ok,
        );
    }

    pub fn key_requests(&self) -> usize {
        self.key_requests.load(Ordering::Relaxed)
    }

    /// The tab closes: everything stops at once, nothing said.
    pub fn close(self) {
        self.pipeline.set_state(gst::State::Null).unwrap();
    }
}

fn tone_chain(pt: u32) -> Vec<gst::Element> {
    let source = make("audiotestsrc");
    source.set_property("is-live", true);
    source.set_property("freq", 440f64);
    source.set_property("volume", 0.5f64);
    let pay = make("rtpopuspay");
    pay.set_property("pt", pt);
    vec![
        source,
        make("audioconvert"),
        make("audioresample"),
        make("opusenc"),
        pay,
    ]
}

impl Drop for Caster {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
