//! Reading a composed meeting picture: the colour a layout region shows.

use roomcloud::media::Rect;
use roomterm::media::RgbFrame;

/// Mean colour of the square of half-side `half` (canvas pixels) around
/// canvas point (`x`, `y`), scaled from the `canvas` to the frame.
pub fn colour_near(frame: &RgbFrame, canvas: (u32, u32), x: i32, y: i32, half: i32) -> [u8; 3] {
    let sx = f64::from(frame.width) / f64::from(canvas.0);
    let sy = f64::from(frame.height) / f64::from(canvas.1);
    let scale = |v: i32, s: f64, max: u32| ((f64::from(v) * s) as u32).min(max - 1);
    let (x0, x1) = (
        scale(x - half, sx, frame.width),
        scale(x + half, sx, frame.width),
    );
    let (y0, y1) = (
        scale(y - half, sy, frame.height),
        scale(y + half, sy, frame.height),
    );
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = frame.pixel(x, y);
            for c in 0..3 {
                sum[c] += u64::from(p[c]);
            }
            n += 1;
        }
    }
    sum.map(|s| (s / n) as u8)
}

/// Mean colour around the centre of `rect` (a sixth of its size).
pub fn colour_at(frame: &RgbFrame, canvas: (u32, u32), rect: &Rect) -> [u8; 3] {
    let (cx, cy) = rect.centre();
    let half = (rect.width.min(rect.height) / 6).max(2);
    colour_near(frame, canvas, cx, cy, half)
}

/// The colours at the left, middle and right thirds of `rect`.
pub fn thirds(frame: &RgbFrame, canvas: (u32, u32), rect: &Rect) -> [[u8; 3]; 3] {
    let (_, cy) = rect.centre();
    let half = (rect.width.min(rect.height) / 18).max(2);
    [1, 3, 5].map(|sixth| colour_near(frame, canvas, rect.x + rect.width * sixth / 6, cy, half))
}

pub fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    RgbFrame::distance(a, b) <= 40
}
