//! What a browser's offer says, read with gstreamer-sdp before webrtcbin
//! sees it: the m-lines, their payload formats (rtpmap and fmtp), and
//! whether it is a WebRTC offer at all (DTLS fingerprint, ICE
//! credentials). The offer comes from the network: everything here is a
//! typed refusal, never a panic.

use super::CastError;

/// Offers past this size are refused unread (a browser's is 3–12 KB).
pub const MAX_OFFER_BYTES: usize = 128 * 1024;

/// One payload format of an m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub pt: u8,
    /// From `a=rtpmap`, upper case (`VP8`, `H264`, `OPUS`, `RTX`…); empty
    /// when the offer has no rtpmap for this payload type.
    pub encoding: String,
    pub clock_rate: u32,
    /// `a=fmtp` parameters in order, keys lower case.
    pub fmtp: Vec<(String, String)>,
}

impl Format {
    /// An fmtp parameter's value (`packetization-mode`, `apt`…).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.fmtp
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// One m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `video`, `audio`, `application`…
    pub kind: String,
    pub mid: Option<String>,
    /// Whether the browser sends on it: `sendonly` or `sendrecv` (the
    /// default), and a port (0 is a disabled m-line unless `bundle-only`).
    pub sends: bool,
    /// Formats in the offer's order (its preference).
    pub formats: Vec<Format>,
}

/// A WebRTC offer's media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub media: Vec<Media>,
}

impl Offer {
    /// Reads `sdp`; `BadOffer` names what is missing or wrong.
    pub fn parse(sdp: &str) -> Result<Self, CastError> {
        if sdp.len() > MAX_OFFER_BYTES {
            return Err(bad(format!(
                "{} bytes, more than {MAX_OFFER_BYTES}",
                sdp.len()
            )));
        }
        if !sdp.trim_start().starts_with("v=") {
            return Err(bad("not SDP (no v= line first)".into()));
        }
        crate::media::init()?;
        let message = gst_sdp::SDPMessage::parse_buffer(sdp.as_bytes())
            .map_err(|_| bad("unparsable SDP".into()))?;
        if message.medias_len() == 0 {
            return Err(bad("no media (m=) lines".into()));
        }
        let session_has = |key: &str| message.attribute_val(key).is_some();
        let mut media = Vec::new();
        for m in message.medias() {
            let has = |key: &str| session_has(key) || m.attribute_val(key).is_some();
            let proto = m.proto().unwrap_or_default();
            let kind = m.media().unwrap_or_default().to_ascii_lowercase();
            if kind == "application" {
                // A data channel: webrtcbin answers it itself; nothing here.
                continue;
            }
            if !proto.contains("SAVPF") {
                return Err(bad(format!(
                    "{kind} m-line is {proto:?}, not WebRTC's UDP/TLS/RTP/SAVPF"
                )));
            }
            if !has("fingerprint") {
                return Err(bad(format!("no DTLS fingerprint for {kind}")));
            }
            if !has("ice-ufrag") || !has("ice-pwd") {
                return Err(bad(format!("no ICE credentials for {kind}")));
            }
            let direction_sends = !["recvonly", "inactive"]
                .iter()
                .any(|d| m.attribute_val(d).is_some());
            let enabled = m.port() != 0 || m.attribute_val("bundle-only").is_some();
            media.push(Media {
                sends: direction_sends && enabled,
                mid: m.attribute_val("mid").map(str::to_string),
                formats: formats(m),
                kind,
            });
        }
        if media.is_empty() {
            return Err(bad("no audio or video m-line".into()));
        }
        Ok(Offer { media })
    }
}

fn bad(reason: String) -> CastError {
    CastError::BadOffer(reason)
}

/// The m-line's payload formats with their rtpmap and fmtp; formats that
/// are not payload type numbers are skipped.
fn formats(m: &gst_sdp::SDPMediaRef) -> Vec<Format> {
    let mut out: Vec<Format> = m
        .formats()
        .filter_map(|f| f.parse::<u8>().ok())
        .filter(|pt| *pt < 128)
        .map(|pt| Format {
            pt,
            encoding: String::new(),
            clock_rate: 0,
            fmtp: Vec::new(),
        })
        .collect();
    for attr in m.attributes() {
        let Some(value) = attr.value() else { continue };
        let Some((pt, rest)) = value.split_once(' ') else {
            continue;
        };
        let Ok(pt) = pt.trim().parse::<u8>() else {
            continue;
        };
        let Some(format) = out.iter_mut().find(|f| f.pt == pt) else {
            continue;
        };
        match attr.key() {
            "rtpmap" => {
                let mut parts = rest.trim().split('/');
                format.encoding = parts.next().unwrap_or_default().to_ascii_uppercase();
                format.clock_rate = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
            }
            "fmtp" => {
                format.fmtp = rest
                    .split(';')
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Chrome's getDisplayMedia offer, cut down: VP8, VP9, H.264 in both
    /// packetization modes, AV1, their RTX, red and ulpfec; tab audio.
    pub(crate) const CHROME: &str = "v=0\r
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
s=-\r
t=0 0\r
a=group:BUNDLE 0 1\r
a=msid-semantic: WMS\r
m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 106 107 45 46 116 117 118\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 DA:7B:57:DC:28:CE:04:4F:31:79:85:C4:31:67:EB:27:58:29:ED:77:2A:0D:24:AE:ED:AD:30:BC:BD:F1:9C:02\r
a=setup:actpass\r
a=mid:0\r
a=sendonly\r
a=rtcp-mux\r
a=rtcp-rsize\r
a=rtpmap:96 VP8/90000\r
a=rtcp-fb:96 goog-remb\r
a=rtcp-fb:96 transport-cc\r
a=rtcp-fb:96 ccm fir\r
a=rtcp-fb:96 nack\r
a=rtcp-fb:96 nack pli\r
a=rtpmap:97 rtx/90000\r
a=fmtp:97 apt=96\r
a=rtpmap:98 VP9/90000\r
a=fmtp:98 profile-id=0\r
a=rtpmap:99 rtx/90000\r
a=fmtp:99 apt=98\r
a=rtpmap:102 H264/90000\r
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r
a=rtpmap:103 rtx/90000\r
a=fmtp:103 apt=102\r
a=rtpmap:106 H264/90000\r
a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r
a=rtpmap:107 rtx/90000\r
a=fmtp:107 apt=106\r
a=rtpmap:45 AV1/90000\r
a=rtpmap:46 rtx/90000\r
a=fmtp:46 apt=45\r
a=rtpmap:116 red/90000\r
a=rtpmap:117 rtx/90000\r
a=fmtp:117 apt=116\r
a=rtpmap:118 ulpfec/90000\r
a=candidate:1 1 udp 2122260223 192.168.1.20 51000 typ host generation 0\r
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0\r
c=IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=fingerprint:sha-256 DA:7B:57:DC:28:CE:04:4F:31:79:85:C4:31:67:EB:27:58:29:ED:77:2A:0D:24:AE:ED:AD:30:BC:BD:F1:9C:02\r
a=setup:actpass\r
a=mid:1\r
a=sendonly\r
a=rtcp-mux\r
a=rtpmap:111 opus/48000/2\r
a=fmtp:111 minptime=10;useinbandfec=1\r
a=rtpmap:63 red/48000/2\r
a=rtpmap:0 PCMU/8000\r
";

    #[test]
    fn reads_chrome_formats_in_order() {
        let offer = Offer::parse(CHROME).unwrap();
        assert_eq!(offer.media.len(), 2);
        let video = &offer.media[0];
        assert_eq!(video.kind, "video");
        assert_eq!(video.mid.as_deref(), Some("0"));
        assert!(video.sends);
        let receiving = Offer::parse(&CHROME.replace("a=sendonly", "a=recvonly")).unwrap();
        assert!(!receiving.media[0].sends);
        let disabled = Offer::parse(&CHROME.replace("m=video 9", "m=video 0")).unwrap();
        assert!(!disabled.media[0].sends);
        let names: Vec<&str> = video.formats.iter().map(|f| f.encoding.as_str()).collect();
        assert_eq!(
            names,
            [
                "VP8", "RTX", "VP9", "RTX", "H264", "RTX", "H264", "RTX", "AV1", "RTX", "RED",
                "RTX", "ULPFEC"
            ]
        );
        let h264 = &video.formats[4];
        assert_eq!((h264.pt, h264.clock_rate), (102, 90_000));
        assert_eq!(h264.param("packetization-mode"), Some("1"));
        assert_eq!(h264.param("Profile-Level-Id"), Some("42001f"));
        assert_eq!(video.formats[5].param("apt"), Some("102"));
        let audio = &offer.media[1];
        assert_eq!(audio.formats[0].encoding, "OPUS");
        assert_eq!(audio.formats[0].clock_rate, 48_000);
    }

    #[test]
    fn refusals_say_why() {
        let cases = [
            ("", "not SDP"),
            ("hello\r\nworld", "not SDP"),
            ("v=0\r\ns=-\r\n", "no media"),
            (
                &CHROME.replace("UDP/TLS/RTP/SAVPF", "RTP/AVP"),
                "not WebRTC",
            ),
            (
                &CHROME
                    .lines()
                    .filter(|l| !l.starts_with("a=fingerprint"))
                    .collect::<Vec<_>>()
                    .join("\r\n"),
                "fingerprint",
            ),
            (
                &CHROME
                    .lines()
                    .filter(|l| !l.starts_with("a=ice-pwd"))
                    .collect::<Vec<_>>()
                    .join("\r\n"),
                "ICE credentials",
            ),
            (&"v=0\r\n".repeat(30_000), "bytes"),
        ];
        for (sdp, expect) in cases {
            match Offer::parse(sdp) {
                Err(CastError::BadOffer(reason)) => {
                    assert!(reason.contains(expect), "{expect}: {reason}")
                }
                other => panic!("{expect}: {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut bytes = CHROME.as_bytes().to_vec();
        // Cut and corrupt the offer every which way.
        for i in (0..bytes.len()).step_by(7) {
            let _ = Offer::parse(&String::from_utf8_lossy(&bytes[..i]));
            bytes[i] = b"=: /;\r\n9x"[i % 9];
            let _ = Offer::parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
