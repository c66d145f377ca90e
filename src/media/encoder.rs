//! Encoder settings per class: bitrate, key-frame interval and low-latency
//! tuning, spelled for each encoder family. The wanted settings are pure
//! data; applying them sets a property only when the element has it and the
//! value parses and fits, so a BSP whose encoder lacks a property (or names
//! an enum value differently) still gets every setting it understands.

use gst::glib;
use gst::prelude::*;

use super::VideoClass;

/// One property to set, in `gst-launch` string form (`"zerolatency"`,
/// `"1000"`, `"controls,video_bitrate=1000000"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub property: &'static str,
    pub value: String,
}

fn set(property: &'static str, value: impl ToString) -> Setting {
    Setting {
        property,
        value: value.to_string(),
    }
}

/// What `apply_encoder_settings` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedSettings {
    pub applied: Vec<Setting>,
    /// Settings left out, with the reason (no such property, not writable,
    /// value not accepted).
    pub skipped: Vec<(Setting, String)>,
}

/// The settings wanted for `encoder` at `class`. Unknown encoders get none:
/// their defaults are safer than guessed property names.
pub fn encoder_settings(encoder: &str, class: VideoClass) -> Vec<Setting> {
    encoder_settings_at(encoder, class.bitrate_bps(), class.key_interval())
}

/// The settings wanted for `encoder` at `bps` with a key frame every
/// `gop` frames (shared content has a budget of its own).
pub fn encoder_settings_at(encoder: &str, bps: u32, gop: u32) -> Vec<Setting> {
    let kbps = bps / 1000;
    match encoder {
        // bitrate in kbit/s; zerolatency = no B-frames, no lookahead, sliced threads.
        "x264enc" => vec![
            set("bitrate", kbps),
            set("tune", "zerolatency"),
            set("speed-preset", "ultrafast"),
            set("key-int-max", gop),
            set("bframes", 0),
        ],
        // bitrate in bit/s.
        "openh264enc" => vec![
            set("bitrate", bps),
            set("rate-control", "bitrate"),
            set("usage-type", "camera"),
            set("complexity", "low"),
            set("gop-size", gop),
        ],
        // VA-API (Intel/AMD): kbit/s; target-usage 7 is the fastest.
        "vah264enc" => vec![
            set("bitrate", kbps),
            set("rate-control", "cbr"),
            set("key-int-max", gop),
            set("b-frames", 0),
            set("target-usage", 7),
        ],
        // Rockchip MPP: bit/s; SPS/PPS before every IDR for late joiners.
        "mpph264enc" => vec![
            set("bps", bps),
            set("rc-mode", "cbr"),
            set("gop", gop),
            set("header-mode", "each-idr"),
        ],
        // V4L2 stateful encoders (Raspberry Pi, some Rockchip BSPs): controls.
        "v4l2h264enc" => vec![set(
            "extra-controls",
            format!(
                "controls,video_bitrate={bps},video_gop_size={gop},\
                 h264_i_frame_period={gop},video_b_frames=0,repeat_sequence_header=1"
            ),
        )],
        _ => Vec::new(),
    }
}

/// Sets each wanted property the element really has; never panics on a
/// missing property or a value the element does not accept.
pub fn apply_encoder_settings(element: &gst::Element, settings: &[Setting]) -> AppliedSettings {
    let mut result = AppliedSettings::default();
    for setting in settings {
        match value_for(element, setting) {
            Ok(value) => {
                element.set_property_from_value(setting.property, &value);
                result.applied.push(setting.clone());
            }
            Err(reason) => {
                tracing::debug!(
                    element = %element.name(),
                    property = setting.property,
                    value = %setting.value,
                    "encoder setting skipped: {reason}"
                );
                result.skipped.push((setting.clone(), reason));
            }
        }
    }
    result
}

fn value_for(element: &gst::Element, setting: &Setting) -> Result<glib::Value, String> {
    if !element.has_property(setting.property) {
        return Err("no such property".into());
    }
    let pspec = element
        .find_property(setting.property)
        .ok_or("no such property")?;
    if !pspec.flags().contains(glib::ParamFlags::WRITABLE) {
        return Err("not writable".into());
    }
    let value = glib::Value::deserialize(&setting.value, pspec.value_type())
        .map_err(|_| format!("{:?} is not a {}", setting.value, pspec.value_type()))?;
    if !fits(&pspec, &value) {
        return Err(format!("{} is out of range", setting.value));
    }
    Ok(value)
}

/// Range check for numeric properties (glib panics on out-of-range values).
fn fits(pspec: &glib::ParamSpec, value: &glib::Value) -> bool {
    macro_rules! range {
        ($spec:ty, $t:ty) => {
            if let Some(spec) = pspec.downcast_ref::<$spec>() {
                return match value.get::<$t>() {
                    Ok(v) => (spec.minimum()..=spec.maximum()).contains(&v),
                    Err(_) => false,
                };
            }
        };
    }
    range!(glib::ParamSpecUInt, u32);
    range!(glib::ParamSpecInt, i32);
    range!(glib::ParamSpecUInt64, u64);
    range!(glib::ParamSpecInt64, i64);
    range!(glib::ParamSpecULong, glib::ffi::gulong);
    range!(glib::ParamSpecLong, glib::ffi::glong);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(name: &str) -> Option<gst::Element> {
        crate::media::init().unwrap();
        gst::ElementFactory::make(name).build().ok()
    }

    #[test]
    fn settings_follow_the_class_and_the_encoder_units() {
        let x264 = encoder_settings("x264enc", VideoClass::Hd720);
        assert_eq!(x264[0], set("bitrate", 1000));
        assert!(x264.contains(&set("tune", "zerolatency")));
        assert!(x264.contains(&set("speed-preset", "ultrafast")));
        assert!(x264.contains(&set("key-int-max", 60)));
        assert_eq!(
            encoder_settings("openh264enc", VideoClass::Cif4)[0],
            set("bitrate", 512_000)
        );
        assert_eq!(
            encoder_settings("mpph264enc", VideoClass::Hd1080)[0],
            set("bps", 2_000_000)
        );
        let v4l2 = &encoder_settings("v4l2h264enc", VideoClass::Hd1080)[0];
        assert_eq!(v4l2.property, "extra-controls");
        assert!(v4l2.value.contains("video_bitrate=2000000"));
        assert!(encoder_settings("someenc", VideoClass::Hd720).is_empty());
    }

    #[test]
    fn x264enc_gets_every_setting() {
        let Some(enc) = make("x264enc") else {
            panic!("x264enc missing: apt install gstreamer1.0-plugins-ugly");
        };
        for class in VideoClass::ALL {
            let result = apply_encoder_settings(&enc, &encoder_settings("x264enc", class));
            assert!(result.skipped.is_empty(), "{:?}", result.skipped);
            assert_eq!(enc.property::<u32>("bitrate"), class.bitrate_kbps());
            assert_eq!(enc.property::<u32>("key-int-max"), 60);
        }
        let preset = enc.property_value("speed-preset");
        let preset = glib::EnumValue::from_value(&preset).unwrap().1;
        assert_eq!(preset.nick(), "ultrafast");
        let tune = enc.property_value("tune");
        let (_, tunes) = glib::FlagsValue::from_value(&tune).unwrap();
        let nicks: Vec<_> = tunes.iter().map(|f| f.nick()).collect();
        assert_eq!(nicks, ["zerolatency"]);
    }

    #[test]
    fn missing_properties_and_bad_values_are_skipped_not_fatal() {
        let enc = make("x264enc").expect("x264enc");
        let wanted = [
            set("no-such-property", 1),
            set("bitrate", 0),             // below the minimum (1)
            set("speed-preset", "warp-9"), // not an enum nick
            set("key-int-max", 30),
        ];
        let result = apply_encoder_settings(&enc, &wanted);
        assert_eq!(result.applied, [set("key-int-max", 30)]);
        let reasons: Vec<_> = result
            .skipped
            .iter()
            .map(|(s, r)| (s.property, r.as_str()))
            .collect();
        assert_eq!(reasons[0], ("no-such-property", "no such property"));
        assert!(reasons[1].1.contains("out of range"), "{reasons:?}");
        assert!(reasons[2].1.contains("is not a"), "{reasons:?}");
        assert_eq!(enc.property::<u32>("key-int-max"), 30);
    }
}
