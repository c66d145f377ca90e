//! One call leg: an `rtpbin` in the caller's bin, a session per medium.
//!
//! rtpbin calls back from its streaming threads (a new stream's pad, a new
//! jitter buffer, the retransmission elements, payload type maps), and
//! those callbacks read the media table. It is never locked while calling
//! into rtpbin: requesting a pad runs a callback on the same thread.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;

use crate::error::{make, RtpError};
use crate::ports::{bind_pair, bind_pair_at};
use crate::retransmission::retransmission_bin;
use crate::spec::{caps_for, MediumSpec, Remote};
use crate::stats::{ReceiveStats, SessionStats};

/// Consecutive packets that start a jitter buffer at once.
const FASTSTART_PACKETS: u32 = 2;
/// The shortest time between regular RTCP reports.
const RTCP_INTERVAL_NS: u64 = 1_000_000_000;

struct Medium {
    spec: MediumSpec,
    rtp_src: gst::Element,
    rtcp_src: gst::Element,
    port: u16,
    /// In front of the caller's depayloader: every stream rtpbin opens.
    funnel: gst::Element,
    /// The funnel's pads, by the rtpbin pad they take.
    funnel_pads: HashMap<String, gst::Pad>,
    /// The far end sends and answers NACKs with retransmissions.
    retransmit: bool,
    jitterbuffers: Vec<glib::WeakRef<gst::Element>>,
    sending: Option<Sending>,
}

struct Sending {
    /// `None` while the leg only receives (RTCP still flows).
    rtp_sink: Option<gst::Element>,
    /// rtpbin's pad the payloader feeds.
    rtp_in: Option<gst::Pad>,
    rtcp_sink: gst::Element,
}

type Media = Arc<Mutex<HashMap<u32, Medium>>>;

fn lock(media: &Media) -> MutexGuard<'_, HashMap<u32, Medium>> {
    media
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One call leg's RTP: an rtpbin and its sockets in the caller's bin.
/// Clones are handles to the same leg.
#[derive(Clone)]
pub struct Rtp {
    bin: gst::Bin,
    rtpbin: gst::Element,
    media: Media,
}

impl Rtp {
    /// Adds an rtpbin named `name` to `bin` (stopped: [`start`](Self::start)
    /// it once the media are set up).
    pub fn new(bin: &impl IsA<gst::Bin>, name: &str) -> Result<Self, RtpError> {
        let rtpbin = gst::ElementFactory::make("rtpbin")
            .name(name)
            .build()
            .map_err(|e| RtpError::Element {
                element: "rtpbin".into(),
                message: e.to_string(),
            })?;
        // Feedback (NACK, PLI) at once rather than at the next report.
        rtpbin.set_property_from_str("rtp-profile", "avpf");
        // A far end that restarts its sender leaves a dead SSRC behind.
        rtpbin.set_property("autoremove", true);
        let media: Media = Arc::default();
        connect_signals(&rtpbin, &media);
        bin.add(&rtpbin).map_err(|e| RtpError::Element {
            element: "rtpbin".into(),
            message: e.to_string(),
        })?;
        Ok(Self {
            bin: bin.clone().upcast(),
            rtpbin,
            media,
        })
    }

    /// Receives `spec` on a fresh pair of ports of `local` into `depay`
    /// (its sink pad: what arrives, in RTP). Returns the RTP port (RTCP is
    /// the next one).
    pub fn receive(
        &self,
        spec: MediumSpec,
        local: IpAddr,
        depay: &gst::Element,
    ) -> Result<u16, RtpError> {
        let (session, bandwidth_kbps) = (spec.session, spec.bandwidth_kbps);
        let fail = |message: String| RtpError::Session { session, message };
        let caps = spec.receive_caps();
        let (rtp_src, rtcp_src, port) = match spec.port {
            Some(port) => bind_pair_at(local, &caps, port)?,
            None => bind_pair(local, &caps, spec.port_range)?,
        };
        let funnel = make("funnel")?;
        self.bin
            .add_many([&rtp_src, &rtcp_src, &funnel])
            .map_err(|e| fail(e.to_string()))?;
        funnel.link(depay).map_err(|e| fail(e.to_string()))?;
        lock(&self.media).insert(
            session,
            Medium {
                retransmit: spec.rtx_pt.is_some(),
                spec,
                rtp_src: rtp_src.clone(),
                rtcp_src: rtcp_src.clone(),
                port,
                funnel,
                funnel_pads: HashMap::new(),
                jitterbuffers: Vec::new(),
                sending: None,
            },
        );
        // The session and its aux receiver are made on this request.
        for (src, pad) in [
            (&rtp_src, format!("recv_rtp_sink_{session}")),
            (&rtcp_src, format!("recv_rtcp_sink_{session}")),
        ] {
            let sink = self
                .rtpbin
                .request_pad_simple(&pad)
                .ok_or_else(|| fail(format!("rtpbin gave no {pad}")))?;
            src.static_pad("src")
                .ok_or_else(|| fail("udpsrc without src pad".into()))?
                .link(&sink)
                .map_err(|e| fail(format!("{pad}: {e}")))?;
        }
        if let Some(rtpsession) = self
            .rtpbin
            .emit_by_name::<Option<gst::Element>>("get-session", &[&session])
        {
            // RFC 3550's 5 s minimum suits audio-only sessions of the 90s;
            // a report a second keeps the round trip (latency) current, and
            // RTCP stays far below 5 % of a video call's bandwidth.
            rtpsession.set_property("rtcp-min-interval", RTCP_INTERVAL_NS);
            // Bits per second, whatever the property's blurb says (the
            // interval is computed from packet sizes times 8). Left to
            // itself, a receiver takes the session for 64 kbit/s: its
            // NACKs would wait up to 0.7 s for their turn, too late for
            // any jitter buffer.
            rtpsession.set_property("bandwidth", f64::from(bandwidth_kbps) * 1000.0);
        }
        Ok(port)
    }

    /// The RTP port `session` receives on (RTCP: the next one).
    pub fn port(&self, session: u32) -> Option<u16> {
        lock(&self.media).get(&session).map(|m| m.port)
    }

    /// Watches every datagram arriving on `session`'s RTP socket.
    pub fn on_rtp_packet(&self, session: u32, on_packet: impl Fn(&[u8]) + Send + Sync + 'static) {
        let Some(pad) = lock(&self.media)
            .get(&session)
            .and_then(|m| m.rtp_src.static_pad("src"))
        else {
            return;
        };
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                if let Ok(map) = buffer.map_readable() {
                    on_packet(map.as_slice());
                }
            }
            gst::PadProbeReturn::Ok
        });
    }

    /// Whether the far end takes part in retransmission on `session`
    /// (the answer decides; a medium with no RTX payload type never does).
    pub fn set_retransmission(&self, session: u32, on: bool) {
        let jitterbuffers = {
            let mut media = lock(&self.media);
            let Some(medium) = media.get_mut(&session) else {
                return;
            };
            medium.retransmit = on && medium.spec.rtx_pt.is_some();
            medium.jitterbuffers.retain(|jb| jb.upgrade().is_some());
            (medium.retransmit, medium.jitterbuffers.clone())
        };
        for jb in jitterbuffers.1.iter().filter_map(|jb| jb.upgrade()) {
            jb.set_property("do-retransmission", jitterbuffers.0);
        }
    }

    /// Sends RTCP for `session` to the far end, and what `payloader`
    /// makes (if any: a leg may only receive) as RTP, out of the session's
    /// own sockets. Called again, it moves the destination, and a new
    /// payloader takes the old one's place (an MCU participant switching
    /// to another layout's encoder). Start the payloader after this: its
    /// pad is linked here.
    pub fn send(
        &self,
        session: u32,
        to: Remote,
        payloader: Option<&gst::Element>,
    ) -> Result<(), RtpError> {
        let fail = |message: String| RtpError::Session { session, message };
        let (rtp_src, rtcp_src, rtcp_sink, rtp_sink, rtp_in) = {
            let media = lock(&self.media);
            let medium = media
                .get(&session)
                .ok_or_else(|| fail("not received: no sockets to send from".into()))?;
            let sending = medium.sending.as_ref();
            (
                medium.rtp_src.clone(),
                medium.rtcp_src.clone(),
                sending.map(|s| s.rtcp_sink.clone()),
                sending.and_then(|s| s.rtp_sink.clone()),
                sending.and_then(|s| s.rtp_in.clone()),
            )
        };
        let rtcp_sink = match rtcp_sink {
            Some(sink) => {
                retarget(&sink, to.rtcp);
                sink
            }
            None => {
                let sink = udpsink(&rtcp_src, to.rtcp)?;
                self.bin.add(&sink).map_err(|e| fail(e.to_string()))?;
                let pad = self
                    .rtpbin
                    .request_pad_simple(&format!("send_rtcp_src_{session}"))
                    .ok_or_else(|| fail("rtpbin gave no send_rtcp_src".into()))?;
                link_to_sink(&pad, &sink).map_err(fail)?;
                sink
            }
        };
        let (rtp_sink, rtp_in) = match (rtp_sink, payloader) {
            (Some(sink), payloader) => {
                retarget(&sink, to.rtp);
                if let (Some(payloader), Some(rtp_in)) = (payloader, &rtp_in) {
                    if let Some(old) = rtp_in.peer() {
                        let _ = old.unlink(rtp_in);
                    }
                    payloader
                        .static_pad("src")
                        .ok_or_else(|| fail("payloader without src pad".into()))?
                        .link(rtp_in)
                        .map_err(|e| fail(format!("payloader → rtpbin: {e}")))?;
                }
                (Some(sink), rtp_in)
            }
            (None, Some(payloader)) => {
                let sink = udpsink(&rtp_src, to.rtp)?;
                self.bin.add(&sink).map_err(|e| fail(e.to_string()))?;
                // The aux sender (retransmission) is made on this request.
                let rtp_in = self
                    .rtpbin
                    .request_pad_simple(&format!("send_rtp_sink_{session}"))
                    .ok_or_else(|| fail("rtpbin gave no send_rtp_sink".into()))?;
                let rtp_out = self
                    .rtpbin
                    .static_pad(&format!("send_rtp_src_{session}"))
                    .ok_or_else(|| fail("rtpbin made no send_rtp_src".into()))?;
                link_to_sink(&rtp_out, &sink).map_err(fail)?;
                payloader
                    .static_pad("src")
                    .ok_or_else(|| fail("payloader without src pad".into()))?
                    .link(&rtp_in)
                    .map_err(|e| fail(format!("payloader → rtpbin: {e}")))?;
                (Some(sink), Some(rtp_in))
            }
            (None, None) => (None, None),
        };
        if let Some(medium) = lock(&self.media).get_mut(&session) {
            medium.sending = Some(Sending {
                rtp_sink,
                rtp_in,
                rtcp_sink,
            });
        }
        Ok(())
    }

    /// Brings the leg's elements to the bin's state, downstream first.
    /// Call after the caller's own elements downstream of it are started.
    pub fn start(&self) -> Result<(), RtpError> {
        let (funnels, sources) = self.elements();
        for element in funnels.iter().chain([&self.rtpbin]).chain(sources.iter()) {
            element
                .sync_state_with_parent()
                .map_err(|e| RtpError::Element {
                    element: element.name().to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }

    /// Stops the leg and takes its elements out of the bin (a participant
    /// leaving a running conference).
    pub fn remove(&self) {
        let (funnels, sources) = self.elements();
        let sinks: Vec<gst::Element> = lock(&self.media)
            .values()
            .filter_map(|m| m.sending.as_ref())
            .flat_map(|s| s.rtp_sink.iter().chain([&s.rtcp_sink]).cloned())
            .collect();
        let all: Vec<&gst::Element> = sources
            .iter()
            .chain([&self.rtpbin])
            .chain(funnels.iter())
            .chain(sinks.iter())
            .collect();
        for element in &all {
            let _ = element.set_state(gst::State::Null);
        }
        for element in all {
            let _ = self.bin.remove(element);
        }
        lock(&self.media).clear();
    }

    /// (funnels, udpsrcs) of every medium.
    fn elements(&self) -> (Vec<gst::Element>, Vec<gst::Element>) {
        let media = lock(&self.media);
        let funnels = media.values().map(|m| m.funnel.clone()).collect();
        let sources = media
            .values()
            .flat_map(|m| [m.rtp_src.clone(), m.rtcp_src.clone()])
            .collect();
        (funnels, sources)
    }

    /// What RTCP says about `session` now.
    pub fn stats(&self, session: u32) -> SessionStats {
        let rtpsession = self
            .rtpbin
            .emit_by_name::<Option<gst::Element>>("get-session", &[&session]);
        let mut stats = rtpsession
            .map(|s| SessionStats::from_structure(&s.property::<gst::Structure>("stats")))
            .unwrap_or_default();
        let jitterbuffers = lock(&self.media)
            .get(&session)
            .map(|m| m.jitterbuffers.clone())
            .unwrap_or_default();
        for jb in jitterbuffers.iter().filter_map(|jb| jb.upgrade()) {
            stats.receive += ReceiveStats::from_structure(&jb.property::<gst::Structure>("stats"));
        }
        stats
    }
}

fn udpsink(socket_of: &gst::Element, to: SocketAddr) -> Result<gst::Element, RtpError> {
    let sink = make("udpsink")?;
    sink.set_property_from_value("socket", &socket_of.property_value("used-socket"));
    // The udpsrc owns the socket and closes it.
    sink.set_property("close-socket", false);
    sink.set_property("sync", false);
    sink.set_property("async", false);
    retarget(&sink, to);
    Ok(sink)
}

/// Links `pad` to `sink` and starts the sink.
fn link_to_sink(pad: &gst::Pad, sink: &gst::Element) -> Result<(), String> {
    let sink_pad = sink
        .static_pad("sink")
        .ok_or_else(|| "udpsink without sink pad".to_string())?;
    pad.link(&sink_pad).map_err(|e| e.to_string())?;
    sink.sync_state_with_parent().map_err(|e| e.to_string())?;
    Ok(())
}

fn retarget(sink: &gst::Element, to: SocketAddr) {
    sink.set_property("host", to.ip().to_string());
    sink.set_property("port", i32::from(to.port()));
}

/// The session of an rtpbin pad named `recv_rtp_src_<session>_<ssrc>_<pt>`.
fn received_session(pad: &str) -> Option<u32> {
    pad.strip_prefix("recv_rtp_src_")?
        .split('_')
        .next()?
        .parse()
        .ok()
}

fn connect_signals(rtpbin: &gst::Element, media: &Media) {
    let table = media.clone();
    rtpbin.connect("request-pt-map", false, move |values| {
        let session = values[1].get::<u32>().ok()?;
        let pt = values[2].get::<u32>().ok()?;
        let caps = lock(&table)
            .get(&session)
            .and_then(|m| caps_for(&m.spec, pt));
        Some(caps.to_value())
    });
    for (signal, element) in [
        ("request-aux-sender", "rtprtxsend"),
        ("request-aux-receiver", "rtprtxreceive"),
    ] {
        let table = media.clone();
        rtpbin.connect(signal, false, move |values| {
            let session = values[1].get::<u32>().ok()?;
            let map = lock(&table).get(&session).and_then(|m| {
                // What we send is retransmitted only if the far end said
                // it takes RTX; what arrives may always be retransmitted.
                let wanted = m.retransmit || element == "rtprtxreceive";
                Some((m.spec.pt, m.spec.rtx_pt.filter(|_| wanted)?))
            });
            let aux = map.and_then(|(pt, rtx_pt)| {
                retransmission_bin(element, session, pt, rtx_pt)
                    .inspect_err(|err| tracing::warn!(%err, "no retransmission"))
                    .ok()
            });
            Some(aux.to_value())
        });
    }
    let table = media.clone();
    rtpbin.connect("new-jitterbuffer", false, move |values| {
        let jitterbuffer = values[1].get::<gst::Element>().ok()?;
        let session = values[2].get::<u32>().ok()?;
        let settings = {
            let mut media = lock(&table);
            let medium = media.get_mut(&session)?;
            medium.jitterbuffers.push(jitterbuffer.downgrade());
            (medium.spec.latency_ms, medium.retransmit)
        };
        jitterbuffer.set_property("latency", settings.0);
        jitterbuffer.set_property("do-retransmission", settings.1);
        // Start with the second packet in a row, not after a whole latency:
        // a newcomer's first picture would otherwise wait for it.
        jitterbuffer.set_property("faststart-min-packets", FASTSTART_PACKETS);
        None
    });
    let table = media.clone();
    rtpbin.connect_pad_added(move |_, pad| {
        let name = pad.name().to_string();
        let Some(session) = received_session(&name) else {
            return;
        };
        let Some(funnel) = lock(&table).get(&session).map(|m| m.funnel.clone()) else {
            return;
        };
        let Some(sink) = funnel.request_pad_simple("sink_%u") else {
            return;
        };
        if let Err(err) = pad.link(&sink) {
            tracing::warn!(%err, pad = name, "cannot take a new RTP stream");
            funnel.release_request_pad(&sink);
            return;
        }
        if let Some(medium) = lock(&table).get_mut(&session) {
            medium.funnel_pads.insert(name, sink);
        }
    });
    let table = media.clone();
    rtpbin.connect_pad_removed(move |_, pad| {
        let name = pad.name().to_string();
        let Some(session) = received_session(&name) else {
            return;
        };
        let gone = lock(&table).get_mut(&session).and_then(|m| {
            let sink = m.funnel_pads.remove(&name)?;
            Some((m.funnel.clone(), sink))
        });
        if let Some((funnel, sink)) = gone {
            funnel.release_request_pad(&sink);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_pads_name_their_session() {
        assert_eq!(received_session("recv_rtp_src_1_3735928559_96"), Some(1));
        assert_eq!(received_session("recv_rtp_src_0_1_111"), Some(0));
        assert_eq!(received_session("send_rtp_src_0"), None);
        assert_eq!(received_session("recv_rtp_src_x_1_2"), None);
    }
}
