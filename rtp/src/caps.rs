//! The `application/x-rtp` caps a session's receiving side announces to
//! its jitter buffer and depayloader, and the one format decoded sound has
//! on both sides (what the MCU mixes, what a terminal measures and plays).

/// The rate of decoded sound everywhere: Opus's own.
pub const AUDIO_RATE: i32 = 48_000;

/// Decoded sound: 16-bit mono at [`AUDIO_RATE`].
pub fn mono_s16_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", AUDIO_RATE)
        .field("channels", 1i32)
        .build()
}

/// H.264 in packetization mode 1 (RFC 6184) with payload type `pt`.
pub fn h264_caps(pt: u8) -> gst::Caps {
    gst::Caps::builder("application/x-rtp")
        .field("media", "video")
        .field("clock-rate", 90_000i32)
        .field("encoding-name", "H264")
        .field("payload", i32::from(pt))
        .field("packetization-mode", "1")
        .build()
}

/// An audio codec by its SDP encoding name (`OPUS`, `PCMU`, ...) and
/// clock rate, with payload type `pt`.
pub fn audio_caps(encoding_name: &str, clock_rate: i32, pt: u8) -> gst::Caps {
    gst::Caps::builder("application/x-rtp")
        .field("media", "audio")
        .field("clock-rate", clock_rate)
        .field("encoding-name", encoding_name)
        .field("payload", i32::from(pt))
        .build()
}
