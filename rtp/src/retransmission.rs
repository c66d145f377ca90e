//! The RFC 4588 retransmission elements rtpbin takes as aux elements:
//! `rtprtxsend` keeps what we sent to answer NACKs, `rtprtxreceive` turns
//! retransmissions back into the packets they repeat.

use gst::prelude::*;

use crate::error::{make, RtpError};

/// How much of what we sent the retransmitter keeps, ms: a NACK for
/// anything older comes too late for the far end's jitter buffer anyway.
const RTX_HISTORY_MS: u32 = 1_000;
/// `rtprtxsend` or `rtprtxreceive` in a bin with the pads rtpbin expects
/// of an aux element (`sink_<session>`, `src_<session>`).
pub(crate) fn retransmission_bin(
    factory: &str,
    session: u32,
    pt: u8,
    rtx_pt: u8,
) -> Result<gst::Element, RtpError> {
    let fail = |message: String| RtpError::Session { session, message };
    let rtx = make(factory)?;
    rtx.set_property(
        "payload-type-map",
        gst::Structure::builder("application/x-rtp-pt-map")
            .field(pt.to_string(), u32::from(rtx_pt))
            .build(),
    );
    if factory == "rtprtxsend" {
        rtx.set_property("max-size-time", RTX_HISTORY_MS);
        rtx.set_property("max-size-packets", 0u32);
    }
    let bin = gst::Bin::new();
    bin.add(&rtx).map_err(|e| fail(e.to_string()))?;
    for (direction, name) in [("sink", "sink"), ("src", "src")] {
        let target = rtx
            .static_pad(direction)
            .ok_or_else(|| fail(format!("{factory} without {direction} pad")))?;
        let ghost = gst::GhostPad::builder_with_target(&target)
            .map_err(|e| fail(e.to_string()))?
            .name(format!("{name}_{session}"))
            .build();
        bin.add_pad(&ghost).map_err(|e| fail(e.to_string()))?;
    }
    Ok(bin.upcast())
}
