//! The first cast of a process pays for loading the plugins of webrtcbin
//! and of the decoders (libav's is slow to load), and for the DTLS
//! certificate every webrtcbin of the process then shares (an RSA key).
//! [`prepare`] pays it ahead, e.g. at start, on a thread of its own:
//! measured in a debug build, the first answer took 1.4 s without it,
//! 0.3–0.5 s with it, later ones 0.22 s (0.2 s of which is ICE gathering).

use std::sync::Mutex;
use std::thread::JoinHandle;

use crate::media::pipeline::make;

use super::{CastConfig, CastError};

/// The thread paying ahead, while it runs.
static PREPARING: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

/// [`prepare`] on a thread of its own.
pub fn prepare_in_background(config: CastConfig) {
    let thread = std::thread::spawn(move || {
        if let Err(err) = prepare(&config) {
            tracing::warn!(%err, "casting will not work");
        }
    });
    *crate::lock(&PREPARING) = Some(thread);
}

/// Waits for [`prepare_in_background`] to finish: a process must not exit
/// under it (OpenSSL's exit handlers free the locks the DTLS certificate's
/// generation is taking: a crash).
pub fn wait_prepared() {
    let thread = crate::lock(&PREPARING).take();
    if let Some(thread) = thread {
        let _ = thread.join();
    }
}

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
