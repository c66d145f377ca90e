//! The casting page's address as a QR code, drawn by Slint: one pixel per
//! module with the 4-module quiet zone the standard asks for; the page
//! scales it up with `image-rendering: pixelated`, so the modules stay
//! sharp at any size.

use qrcode::{Color, EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

const QUIET_ZONE: usize = 4;

/// `text` as a black-on-white QR code (error correction M: a phone still
/// reads it across a room with glare); `None` if it does not fit one.
pub fn qr_image(text: &str) -> Option<Image> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let modules = code.width();
    let side = modules + 2 * QUIET_ZONE;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side as u32, side as u32);
    let pixels = buffer.make_mut_slice();
    pixels.fill(Rgb8Pixel::new(255, 255, 255));
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
            pixels[y * side + x] = Rgb8Pixel::new(0, 0, 0);
        }
    }
    Some(Image::from_rgb8(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_has_its_quiet_zone_and_dark_finder_corners() {
        let image = qr_image("https://cloud.example:8443/cast/123456").unwrap();
        let buffer = image.to_rgb8().unwrap();
        let side = buffer.width() as usize;
        let px = |x: usize, y: usize| buffer.as_slice()[y * side + x];
        // Version 3 (29 modules) or so, plus 2 × 4 quiet modules.
        assert!(side >= 21 + 8, "{side}");
        let white = Rgb8Pixel::new(255, 255, 255);
        let black = Rgb8Pixel::new(0, 0, 0);
        assert!((0..side).all(|i| px(i, 0) == white && px(0, i) == white));
        // The three finder patterns start just inside the quiet zone.
        let q = QUIET_ZONE;
        assert_eq!(px(q, q), black);
        assert_eq!(px(side - q - 1, q), black);
        assert_eq!(px(q, side - q - 1), black);
        // The fourth corner is not a finder: its outer ring is not all dark.
        let modules = side - 2 * q;
        let ring = (0..7).all(|i| px(side - q - 1 - i, side - q - 1) == black);
        assert!(!ring || modules < 21);
    }
}
