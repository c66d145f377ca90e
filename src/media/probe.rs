//! Which elements this machine uses: the board profile lists candidates in
//! order of preference; the first one the GStreamer registry knows wins.
//! The choice itself is pure (`MediaPlan::choose` takes the registry as a
//! function) so it is tested without any plugin installed.

use std::fmt;

use crate::board::BoardProfile;

use super::{init, MediaError};

/// Element used as camera / microphone when test signals stand in.
pub const TEST_VIDEO_SOURCE: &str = "videotestsrc";
pub const TEST_AUDIO_SOURCE: &str = "audiotestsrc";

/// Where camera and microphone come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceMode {
    /// As the profile says (a profile may itself name the test sources).
    Profile,
    /// Test signals whatever the profile says (CI, demos, `--test-sources`).
    Test,
}

/// A capture source: the element and, for real devices, the device it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub element: String,
    pub device: Option<String>,
}

impl Source {
    pub fn is_test(&self) -> bool {
        self.element == TEST_VIDEO_SOURCE || self.element == TEST_AUDIO_SOURCE
    }
}

/// The elements the media engine uses on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPlan {
    pub h264_encoder: String,
    pub h264_decoder: String,
    /// For a browser's screen cast (`crate::cast`).
    pub vp8_decoder: String,
    pub video_sink: String,
    pub camera: Source,
    pub microphone: Source,
}

/// A role for which no candidate exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingRole {
    pub role: &'static str,
    pub candidates: Vec<String>,
}

/// Every role without a usable element, so an installer fixes all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProbeError {
    pub missing: Vec<MissingRole>,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no usable GStreamer element for ")?;
        for (i, role) in self.missing.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{} (tried ", role.role)?;
            for (j, name) in role.candidates.iter().enumerate() {
                if j > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{name}")?;
                if let Some(package) = package_hint(name) {
                    write!(f, " [{package}]")?;
                }
            }
            write!(f, ")")?;
        }
        write!(f, ": none is installed or registered")
    }
}

/// Whether the GStreamer registry has an element factory of this name.
/// Hardware plugins (va, v4l2codecs) register factories only when their
/// device exists, so this also answers "does this board have it".
pub fn element_exists(name: &str) -> bool {
    gst::ElementFactory::find(name).is_some()
}

/// Checks that fixed helper elements exist (payloaders, UDP, converters),
/// naming every missing one with the Debian package that ships it.
pub fn require(role: &'static str, elements: &[&str]) -> Result<(), MediaError> {
    init()?;
    let missing: Vec<MissingRole> = elements
        .iter()
        .filter(|name| !element_exists(name))
        .map(|name| MissingRole {
            role,
            candidates: vec![name.to_string()],
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ProbeError { missing }.into())
    }
}

/// The Debian package that ships an element, for error messages.
pub fn package_hint(element: &str) -> Option<&'static str> {
    Some(match element {
        "x264enc" => "gstreamer1.0-plugins-ugly",
        "avdec_h264" => "gstreamer1.0-libav",
        "openh264enc" | "openh264dec" | "vah264enc" | "vah264dec" | "v4l2slh264dec"
        | "vavp8dec" | "v4l2slvp8dec" | "kmssink" | "waylandsink" | "webrtcbin" => {
            "gstreamer1.0-plugins-bad"
        }
        "avdec_vp8" => "gstreamer1.0-libav",
        "nicesrc" | "nicesink" => "gstreamer1.0-nice",
        "v4l2src" | "v4l2h264enc" | "v4l2h264dec" | "v4l2vp8dec" | "vp8dec" | "autovideosink"
        | "autoaudiosrc" | "rtph264pay" | "rtph264depay" | "rtpvp8depay" | "rtpopuspay"
        | "rtpopusdepay" | "rtpjitterbuffer" | "udpsrc" | "udpsink" | "pulsesrc" => {
            "gstreamer1.0-plugins-good"
        }
        "videotestsrc" | "audiotestsrc" | "videoconvert" | "videoscale" | "audioconvert"
        | "audioresample" | "volume" | "appsink" | "appsrc" | "opusenc" | "opusdec"
        | "xvimagesink" | "ximagesink" => "gstreamer1.0-plugins-base",
        "alsasrc" | "alsasink" => "gstreamer1.0-alsa",
        "mpph264enc" | "mppvideodec" => "the board's Rockchip MPP plugin",
        _ => return None,
    })
}

impl MediaPlan {
    /// Probes the GStreamer registry for the profile's preferences.
    pub fn probe(profile: &BoardProfile, sources: SourceMode) -> Result<Self, MediaError> {
        init()?;
        Ok(Self::choose(profile, sources, element_exists)?)
    }

    /// The plan for a registry described by `exists`.
    pub fn choose(
        profile: &BoardProfile,
        sources: SourceMode,
        exists: impl Fn(&str) -> bool,
    ) -> Result<Self, ProbeError> {
        let media = &profile.media;
        let mut missing = Vec::new();
        let mut pick = |role: &'static str, candidates: &[String]| -> String {
            match candidates.iter().find(|name| exists(name)) {
                Some(name) => name.clone(),
                None => {
                    missing.push(MissingRole {
                        role,
                        candidates: candidates.to_vec(),
                    });
                    String::new()
                }
            }
        };
        let h264_encoder = pick("H.264 encoder", &media.h264_encoders);
        let h264_decoder = pick("H.264 decoder", &media.h264_decoders);
        let vp8_decoder = pick("VP8 decoder", &media.vp8_decoders);
        let video_sink = pick("video sink", &media.video_sinks);
        let test = sources == SourceMode::Test;
        let camera = if test || media.camera_source == TEST_VIDEO_SOURCE {
            TEST_VIDEO_SOURCE.to_string()
        } else {
            media.camera_source.clone()
        };
        let camera = pick("camera source", &[camera]);
        let microphone = if test || media.microphone_source == TEST_AUDIO_SOURCE {
            TEST_AUDIO_SOURCE.to_string()
        } else {
            media.microphone_source.clone()
        };
        let microphone = pick("microphone source", &[microphone]);
        if !missing.is_empty() {
            return Err(ProbeError { missing });
        }
        let device = |element: &str, device: &str| {
            (element != TEST_VIDEO_SOURCE && element != TEST_AUDIO_SOURCE && !device.is_empty())
                .then(|| device.to_string())
        };
        Ok(MediaPlan {
            camera: Source {
                device: device(&camera, &media.camera_device),
                element: camera,
            },
            microphone: Source {
                device: device(&microphone, &profile.audio.capture_device),
                element: microphone,
            },
            h264_encoder,
            h264_decoder,
            vp8_decoder,
            video_sink,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn profile(id: &str) -> BoardProfile {
        BoardProfile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("board"), id).unwrap()
    }

    fn registry(names: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |name| names.contains(&name)
    }

    #[test]
    fn first_existing_candidate_wins() {
        let rk = profile("rk3588");
        let plan = MediaPlan::choose(
            &rk,
            SourceMode::Profile,
            registry(&[
                "v4l2h264enc",
                "x264enc",
                "mppvideodec",
                "avdec_h264",
                "v4l2slvp8dec",
                "vp8dec",
                "autovideosink",
                "v4l2src",
                "alsasrc",
            ]),
        )
        .unwrap();
        assert_eq!(plan.h264_encoder, "v4l2h264enc");
        assert_eq!(plan.h264_decoder, "mppvideodec");
        assert_eq!(plan.vp8_decoder, "mppvideodec");
        assert_eq!(plan.video_sink, "autovideosink");
        assert_eq!(
            plan.camera,
            Source {
                element: "v4l2src".into(),
                device: Some("/dev/video0".into())
            }
        );
        assert_eq!(plan.microphone.element, "alsasrc");
        assert_eq!(
            plan.microphone.device.as_deref(),
            Some(rk.audio.capture_device.as_str())
        );
        assert!(!plan.camera.is_test());
    }

    #[test]
    fn test_sources_by_flag_or_profile() {
        let all = registry(&[
            "x264enc",
            "avdec_h264",
            "vp8dec",
            "kmssink",
            "autovideosink",
            "videotestsrc",
            "audiotestsrc",
        ]);
        let plan = MediaPlan::choose(&profile("rk3588"), SourceMode::Test, &all).unwrap();
        assert_eq!(plan.camera.element, "videotestsrc");
        assert_eq!(plan.camera.device, None);
        assert_eq!(plan.microphone.element, "audiotestsrc");
        assert_eq!(plan.microphone.device, None);
        assert!(plan.camera.is_test() && plan.microphone.is_test());
        let plan =
            MediaPlan::choose(&profile("generic-x86_64"), SourceMode::Profile, &all).unwrap();
        assert!(plan.camera.is_test() && plan.microphone.is_test());
        assert_eq!(plan.h264_encoder, "x264enc");
    }

    #[test]
    fn every_missing_role_and_candidate_is_named() {
        let err = MediaPlan::choose(
            &profile("rk3588"),
            SourceMode::Profile,
            registry(&["avdec_h264", "vp8dec"]),
        )
        .unwrap_err();
        let roles: Vec<_> = err.missing.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [
                "H.264 encoder",
                "video sink",
                "camera source",
                "microphone source"
            ]
        );
        let text = err.to_string();
        for name in [
            "mpph264enc",
            "v4l2h264enc",
            "x264enc [gstreamer1.0-plugins-ugly]",
            "kmssink",
            "waylandsink",
            "autovideosink",
            "v4l2src",
            "alsasrc [gstreamer1.0-alsa]",
        ] {
            assert!(text.contains(name), "{name} not in {text}");
        }
        assert!(!text.contains("H.264 decoder"), "{text}");
        assert!(!text.contains("VP8 decoder"), "{text}");
        // Without any VP8 decoder, that role is named too.
        let err = MediaPlan::choose(
            &profile("rpi5"),
            SourceMode::Test,
            registry(&[
                "x264enc",
                "avdec_h264",
                "kmssink",
                "videotestsrc",
                "audiotestsrc",
            ]),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no usable GStreamer element for VP8 decoder (tried vp8dec [gstreamer1.0-plugins-good]): none is installed or registered");
    }
}
