//! Drawing pages without a display: Slint's platform for one offscreen
//! window (the screenshots' and a headless terminal's web remote), and
//! the PNG both hand out.

use std::rc::Rc;

use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::platform::{Platform, WindowAdapter};

/// The platform whose every window is the one given.
pub(super) struct Offscreen(pub(super) Rc<MinimalSoftwareWindow>);

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

/// Pixels as a PNG file's bytes; the web remote's with fast compression
/// (the pages are flat colours, and it asks for several a second).
pub(super) fn encode_png(
    width: u32,
    height: u32,
    colour: png::ColorType,
    pixels: &[u8],
    compression: png::Compression,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(compression);
    encoder.write_header()?.write_image_data(pixels)?;
    Ok(out)
}
