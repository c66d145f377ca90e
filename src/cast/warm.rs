//! The first cast of a process pays for loading the plugins of webrtcbin
//! and of the decoders (libav's is slow to load), and for the DTLS
//! certificate every webrtcbin of the process then shares (an RSA key).
//! [`prepare`] pays it ahead, e.g. at start, on a thread of its own:
//! measured in a debug build, the first answer took 1.4 s without it,
//! 0.3–0.5 s with it, later ones 0.22 s (0.2 s of which is ICE gathering).

use crate::media::pipeline::make;

use super::{CastConfig, CastError};

/// Loads the elements a cast with `config` uses and has the process's
/// DTLS certificate made.
pub fn prepare(config: &CastConfig) -> Result<(), CastError> {
    crate::media::init()?;
    let fixed = [
        "webrtcbin",
        "nicesrc",
        "rtpvp8depay",
        "rtph264depay",
        "h264parse",
        "rtpopusdepay",
        "opusdec",
        "videoconvert",
        "audioconvert",
        "audioresample",
    ];
    for factory in fixed
        .iter()
        .copied()
        .chain([config.h264_decoder.as_str(), config.vp8_decoder.as_str()])
    {
        make(factory)?;
    }
    // A DTLS decoder without a certificate of its own takes the process's
    // generated one, generating it the first time.
    make("dtlsdec")?;
    Ok(())
}
