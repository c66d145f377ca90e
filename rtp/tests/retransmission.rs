//! Two legs on loopback, video through a relay that drops one RTP datagram
//! in ten: with retransmission the receiver gets the lost packets back (its
//! NACKs reach the sender, whose RTX packets reach it); without, it loses
//! them and asks the sender for key frames instead. Either way RTCP gives
//! both ends a round-trip time.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp, SessionStats};

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const VIDEO: u32 = 1;

fn make(factory: &str) -> gst::Element {
    gst::ElementFactory::make(factory).build().unwrap()
}

fn spec(rtx: bool) -> MediumSpec {
    MediumSpec {
        session: VIDEO,
        caps: roomterm_rtp::h264_caps(96),
        pt: 96,
        rtx_pt: rtx.then_some(97),
        latency_ms: 200,
        bandwidth_kbps: 512,
        key_frames: true,
        port: None,
        port_range: None,
    }
}

/// Forwards datagrams to `to`, dropping every tenth, until `stop`.
fn lossy_relay(to: SocketAddr, stop: Arc<AtomicBool>, dropped: Arc<AtomicU64>) -> SocketAddr {
    let socket = UdpSocket::bind((LOCAL, 0)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let at = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        let mut count = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let Ok(n) = socket.recv(&mut buf) else {
                continue;
            };
            count += 1;
            if count % 10 == 5 {
                dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let _ = socket.send_to(&buf[..n], to);
        }
    });
    at
}

struct Leg {
    pipeline: gst::Pipeline,
    rtp: Rtp,
    port: u16,
}

impl Leg {
    fn rtp_addr(&self) -> SocketAddr {
        SocketAddr::new(LOCAL, self.port)
    }

    fn stats(&self) -> SessionStats {
        self.rtp.stats(VIDEO)
    }
}

impl Drop for Leg {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Decodes what arrives; counts the pictures.
fn receiver(rtx: bool, pictures: Arc<AtomicU64>) -> Leg {
    let pipeline = gst::Pipeline::new();
    let rtp = Rtp::new(&pipeline, "rtp").unwrap();
    let depay = make("rtph264depay");
    depay.set_property("request-keyframe", true);
    depay.set_property("wait-for-keyframe", true);
    let sink = make("fakesink");
    sink.set_property("signal-handoffs", true);
    sink.connect("handoff", false, move |_| {
        pictures.fetch_add(1, Ordering::Relaxed);
        None
    });
    let chain = [depay.clone(), make("avdec_h264"), sink];
    pipeline.add_many(&chain).unwrap();
    gst::Element::link_many(&chain).unwrap();
    let port = rtp.receive(spec(rtx), LOCAL, &depay).unwrap();
    Leg {
        pipeline,
        rtp,
        port,
    }
}

/// Sends a moving test picture at 320×240, 30 fps.
fn sender(rtx: bool) -> (Leg, gst::Element) {
    let pipeline = gst::Pipeline::new();
    let rtp = Rtp::new(&pipeline, "rtp").unwrap();
    let nothing = make("fakesink");
    pipeline.add(&nothing).unwrap();
    let port = rtp.receive(spec(rtx), LOCAL, &nothing).unwrap();
    let source = make("videotestsrc");
    source.set_property("is-live", true);
    source.set_property_from_str("pattern", "ball");
    let caps = make("capsfilter");
    caps.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("width", 320i32)
            .field("height", 240i32)
            .field("framerate", gst::Fraction::new(30, 1))
            .build(),
    );
    let encoder = make("x264enc");
    encoder.set_property_from_str("tune", "zerolatency");
    encoder.set_property_from_str("speed-preset", "ultrafast");
    encoder.set_property("bitrate", 512u32);
    encoder.set_property("key-int-max", 600u32);
    let pay = make("rtph264pay");
    pay.set_property("pt", 96u32);
    pay.set_property("config-interval", -1i32);
    let chain = [source, caps, make("videoconvert"), encoder, pay.clone()];
    pipeline.add_many(&chain).unwrap();
    gst::Element::link_many(&chain).unwrap();
    (
        Leg {
            pipeline,
            rtp,
            port,
        },
        pay,
    )
}

struct Outcome {
    sent: SessionStats,
    received: SessionStats,
    pictures: u64,
    dropped: u64,
}

fn run(rtx: bool) -> Outcome {
    gst::init().unwrap();
    let pictures = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let rx = receiver(rtx, pictures.clone());
    let (tx, pay) = sender(rtx);
    let relay = lossy_relay(rx.rtp_addr(), stop.clone(), dropped.clone());
    let rtcp = |leg: &Leg| SocketAddr::new(LOCAL, leg.port + 1);
    tx.rtp.set_retransmission(VIDEO, rtx);
    rx.rtp.set_retransmission(VIDEO, rtx);
    tx.rtp
        .send(VIDEO, Remote::new(relay, Some(rtcp(&rx))), Some(&pay))
        .unwrap();
    rx.rtp
        .send(VIDEO, Remote::new(tx.rtp_addr(), None), None)
        .unwrap();
    rx.pipeline.set_state(gst::State::Playing).unwrap();
    tx.pipeline.set_state(gst::State::Playing).unwrap();
    thread::sleep(Duration::from_secs(6));
    let received = rx.stats();
    let pictures = pictures.load(Ordering::Relaxed);
    let dropped = dropped.load(Ordering::Relaxed);
    let sent = sent_with_round_trip(&tx);
    stop.store(true, Ordering::Relaxed);
    Outcome {
        sent,
        received,
        pictures,
        dropped,
    }
}

/// The sender's statistics once a receiver report has told it the round
/// trip. RTCP reports are sent at randomised intervals (RFC 3550 §6.2), so
/// the first report can leave before the receiver has seen a sender report
/// and carry no round trip; the next one follows within the interval. On a
/// loaded machine that takes longer, so wait for it rather than a fixed time.
fn sent_with_round_trip(tx: &Leg) -> SessionStats {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = tx.stats();
        if stats.rtt_ms.is_some() || Instant::now() > deadline {
            return stats;
        }
        thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn lost_packets_come_back_retransmitted() {
    let o = run(true);
    let r = o.received.receive;
    eprintln!(
        "with RTX: dropped {} {:?} sent {:?} pictures {}",
        o.dropped, o.received, o.sent, o.pictures
    );
    assert!(o.dropped > 30, "the relay dropped {}", o.dropped);
    assert!(o.received.nacks_sent > 0, "{:?}", o.received);
    assert!(o.sent.nacks_received > 0, "{:?}", o.sent);
    // Nearly every lost packet was recovered (a retransmission can be
    // dropped too: one in ten).
    assert!(
        r.retransmissions_recovered * 10 >= o.dropped * 7,
        "{} of {} recovered",
        r.retransmissions_recovered,
        o.dropped
    );
    assert!(r.lost * 5 <= o.dropped, "{} lost of {}", r.lost, o.dropped);
    // Six seconds at 30 fps, hardly a picture missing.
    assert!(o.pictures >= 150, "{} pictures", o.pictures);
    assert!(o.sent.rtt_ms.is_some_and(|rtt| rtt < 100.0), "{:?}", o.sent);
}

#[test]
fn without_retransmission_losses_ask_for_key_frames() {
    let o = run(false);
    let r = o.received.receive;
    eprintln!(
        "without RTX: dropped {} {:?} sent {:?} pictures {}",
        o.dropped, o.received, o.sent, o.pictures
    );
    assert!(o.dropped > 30, "the relay dropped {}", o.dropped);
    assert_eq!(r.retransmissions_recovered, 0);
    assert!(r.lost > 0, "{:?}", r);
    assert!(o.received.key_frame_requests_sent > 0, "{:?}", o.received);
    // The sender sends a key frame only when asked (one in 20 s
    // otherwise): pictures after the first loss are the answers'.
    assert!(o.pictures >= 60, "{} pictures", o.pictures);
    assert!(o.sent.rtt_ms.is_some_and(|rtt| rtt < 100.0), "{:?}", o.sent);
}
