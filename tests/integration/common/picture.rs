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

/// A binary PPM (P6, 8 bits), as QEMU's `screendump` writes it.
pub fn read_ppm(path: &std::path::Path) -> RgbFrame {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Four header fields (magic, width, height, maximum) separated by
    // whitespace, then one whitespace byte and the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P6", "255"));
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = bytes[at + 1..].to_vec();
    assert_eq!(data.len(), (width * height * 3) as usize, "truncated PPM");
    RgbFrame {
        width,
        height,
        data,
    }
}

/// An 8-bit RGB or RGBA PNG (the terminal's own screenshots).
pub fn read_png(path: &std::path::Path) -> RgbFrame {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("{}: {other:?}", path.display()),
    };
    let data = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbFrame {
        width: info.width,
        height: info.height,
        data,
    }
}

/// How much of what `screen` and `page` draw over `page`'s background
/// (its corner) is the same: near 1 for the page itself, whatever a few
/// changed words; far less for another page on the same background.
pub fn page_overlap(screen: &RgbFrame, page: &RgbFrame) -> f64 {
    assert_eq!((screen.width, screen.height), (page.width, page.height));
    let background = page.pixel(1, 1);
    let near = |a: &[u8], b: &[u8]| a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= 24);
    let (mut same, mut drawn) = (0u64, 0u64);
    for (s, p) in screen.data.chunks(3).zip(page.data.chunks(3)) {
        let (on_screen, on_page) = (!near(s, &background), !near(p, &background));
        if on_screen || on_page {
            drawn += 1;
            if on_screen && on_page && near(s, p) {
                same += 1;
            }
        }
    }
    same as f64 / drawn.max(1) as f64
}
