//! Which of the offer's codecs the room answers with, pure: H.264
//! (packetization mode 1, the profiles decoders here take) or VP8 for the
//! screen, in the board's order of preference; Opus for tab audio. The
//! answer names only the chosen codec's payload types: a browser sends
//! the answer's first codec, and webrtcbin keeps the offer's order when it
//! intersects it with a transceiver's codec preferences — so an ordered
//! preference list alone would still let the offer's first codec win.

use super::offer::{Format, Media, Offer};
use super::CastError;

/// A screen codec the room decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    Vp8,
}

impl VideoCodec {
    /// The SDP and RTP caps encoding name.
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H264",
            VideoCodec::Vp8 => "VP8",
        }
    }

    /// The codec an RTP caps `encoding-name` names, if it is one of ours.
    pub fn from_encoding(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "H264" => Some(VideoCodec::H264),
            "VP8" => Some(VideoCodec::Vp8),
            _ => None,
        }
    }
}

/// H.264 profiles (profile_idc) the decoders here take: constrained
/// baseline and baseline (0x42), main (0x4d), high (0x64). High 10 and
/// 4:4:4 (0x6e, 0xf4) are refused: hardware decoders do not take them.
const H264_PROFILES: [u8; 3] = [0x42, 0x4d, 0x64];

/// The formats to answer an m-line with, in the offer's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The m-line's index in the offer.
    pub mline: u32,
    pub kind: Kind,
    pub formats: Vec<Format>,
}

impl Choice {
    #[cfg(test)]
    pub fn payloads(&self) -> Vec<u8> {
        self.formats.iter().map(|f| f.pt).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Video(VideoCodec),
    /// Opus.
    Audio,
}

/// What the answer accepts: one choice per m-line the room takes (at
/// least one video); others are left to webrtcbin, which answers them
/// with whatever they offer and their streams are drained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub choices: Vec<Choice>,
}

impl Plan {
    /// The codec of the first video m-line the room takes.
    pub fn video_codec(&self) -> VideoCodec {
        self.choices
            .iter()
            .find_map(|c| match c.kind {
                Kind::Video(codec) => Some(codec),
                Kind::Audio => None,
            })
            .unwrap_or(VideoCodec::Vp8)
    }

    pub fn has_audio(&self) -> bool {
        self.choices.iter().any(|c| c.kind == Kind::Audio)
    }
}

/// Chooses the codecs for `offer`; `Unsupported` (naming what was
/// offered) when no video m-line has H.264 or VP8.
pub fn choose(offer: &Offer, prefer_h264: bool) -> Result<Plan, CastError> {
    let order = if prefer_h264 {
        [VideoCodec::H264, VideoCodec::Vp8]
    } else {
        [VideoCodec::Vp8, VideoCodec::H264]
    };
    if !offer.media.iter().any(|m| m.kind == "video" && m.sends) {
        return Err(CastError::BadOffer(
            "it sends no video (no sendonly or sendrecv video m-line)".into(),
        ));
    }
    let mut choices = Vec::new();
    for (mline, media) in offer.media.iter().enumerate() {
        let mline = mline as u32;
        if !media.sends {
            continue;
        }
        match media.kind.as_str() {
            "video" => {
                let found = order.iter().find_map(|&codec| {
                    let formats = formats(media, |f| accepts(codec, f));
                    (!formats.is_empty()).then_some((codec, formats))
                });
                if let Some((codec, formats)) = found {
                    choices.push(Choice {
                        mline,
                        kind: Kind::Video(codec),
                        formats,
                    });
                }
            }
            "audio" => {
                let formats = formats(media, |f| f.encoding == "OPUS" && f.clock_rate == 48_000);
                if !formats.is_empty() {
                    choices.push(Choice {
                        mline,
                        kind: Kind::Audio,
                        formats,
                    });
                }
            }
            _ => {}
        }
    }
    if !choices.iter().any(|c| matches!(c.kind, Kind::Video(_))) {
        return Err(CastError::Unsupported(format!(
            "no H.264 (packetization-mode 1; baseline, main or high) or VP8 video; offered: {}",
            offered(offer)
        )));
    }
    Ok(Plan { choices })
}

fn formats(media: &Media, take: impl Fn(&Format) -> bool) -> Vec<Format> {
    media.formats.iter().filter(|f| take(f)).cloned().collect()
}

fn accepts(codec: VideoCodec, format: &Format) -> bool {
    if format.encoding != codec.name() || format.clock_rate != 90_000 {
        return false;
    }
    match codec {
        VideoCodec::Vp8 => true,
        VideoCodec::H264 => {
            // Mode 0 (single NAL units) is what rtph264depay takes too, but
            // browsers offer each profile in both modes: mode 1 is the one
            // their packetisers fill MTU-sized packets with.
            format.param("packetization-mode") == Some("1")
                && h264_profile(format).is_some_and(|p| H264_PROFILES.contains(&p))
        }
    }
}

/// profile_idc from `profile-level-id` (RFC 6184: absent means baseline).
fn h264_profile(format: &Format) -> Option<u8> {
    match format.param("profile-level-id") {
        None => Some(0x42),
        Some(id) if id.len() == 6 => u8::from_str_radix(id.get(..2)?, 16).ok(),
        Some(_) => None,
    }
}

/// The video encodings offered, for the refusal's words.
fn offered(offer: &Offer) -> String {
    let mut names: Vec<&str> = Vec::new();
    for media in offer.media.iter().filter(|m| m.kind == "video") {
        for format in &media.formats {
            let name = format.encoding.as_str();
            let helper = matches!(name, "RTX" | "RED" | "ULPFEC" | "FLEXFEC-03" | "");
            if !helper && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        "no video".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::super::offer::tests::CHROME;
    use super::*;

    #[test]
    fn preference_decides_between_offered_codecs() {
        let offer = Offer::parse(CHROME).unwrap();
        let plan = choose(&offer, true).unwrap();
        assert_eq!(plan.video_codec(), VideoCodec::H264);
        // Only the mode-1 constrained-baseline entry: 106 is mode 0.
        assert_eq!(plan.choices[0].payloads(), [102]);
        assert!(plan.has_audio());
        assert_eq!(
            (plan.choices[1].mline, plan.choices[1].kind),
            (1, Kind::Audio)
        );
        assert_eq!(plan.choices[1].payloads(), [111]);
        let plan = choose(&offer, false).unwrap();
        assert_eq!(plan.video_codec(), VideoCodec::Vp8);
        assert_eq!(plan.choices[0].payloads(), [96]);
    }

    #[test]
    fn a_real_chromium_offer() {
        // Chromium 156's createOffer() for a canvas track and an audio
        // track, both sendonly (testdata/README.md).
        let offer = Offer::parse(include_str!("testdata/chromium-156-offer.sdp")).unwrap();
        let plan = choose(&offer, true).unwrap();
        // Mode 1 in constrained baseline 42001f and 42e01f, main 4d001f;
        // the mode-0 twins left out.
        assert_eq!(plan.choices[0].payloads(), [102, 108, 116]);
        assert_eq!(plan.choices[1].payloads(), [111]);
        assert_eq!(choose(&offer, false).unwrap().choices[0].payloads(), [96]);
    }

    #[test]
    fn falls_back_to_the_other_codec() {
        let vp8_only = CHROME
            .replace("packetization-mode=1", "packetization-mode=0")
            .replace("H264/90000", "H265/90000");
        let plan = choose(&Offer::parse(&vp8_only).unwrap(), true).unwrap();
        assert_eq!(plan.video_codec(), VideoCodec::Vp8);
        let h264_only = CHROME.replace("96 VP8/90000", "96 VP7/90000");
        let plan = choose(&Offer::parse(&h264_only).unwrap(), false).unwrap();
        assert_eq!(plan.video_codec(), VideoCodec::H264);
    }

    #[test]
    fn h264_profiles_and_modes() {
        let format = |fmtp: &str| Format {
            pt: 100,
            encoding: "H264".into(),
            clock_rate: 90_000,
            fmtp: fmtp
                .split(';')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        };
        for (fmtp, ok) in [
            ("packetization-mode=1;profile-level-id=42e01f", true),
            ("packetization-mode=1;profile-level-id=4d0032", true),
            ("packetization-mode=1;profile-level-id=640c1f", true),
            ("packetization-mode=1", true),
            ("packetization-mode=1;profile-level-id=f4001f", false),
            ("packetization-mode=1;profile-level-id=6e001f", false),
            ("packetization-mode=1;profile-level-id=42", false),
            ("packetization-mode=1;profile-level-id=zz001f", false),
            ("packetization-mode=0;profile-level-id=42e01f", false),
            ("profile-level-id=42e01f", false),
        ] {
            assert_eq!(accepts(VideoCodec::H264, &format(fmtp)), ok, "{fmtp}");
        }
    }

    #[test]
    fn unsupported_names_what_was_offered() {
        let only_vp9 = CHROME
            .replace("96 VP8/90000", "96 VP7/90000")
            .replace("H264/90000", "H265/90000");
        match choose(&Offer::parse(&only_vp9).unwrap(), true) {
            Err(CastError::Unsupported(why)) => {
                assert!(why.contains("offered: VP7, VP9, H265, AV1"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        // Tab audio alone is no screen; nor is a browser asking to receive.
        for offer in [
            CHROME.replace("m=video", "m=text"),
            CHROME.replace("a=sendonly", "a=recvonly"),
        ] {
            match choose(&Offer::parse(&offer).unwrap(), true) {
                Err(CastError::BadOffer(why)) => assert!(why.contains("sends no video"), "{why}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
