//! What size each sender is asked to send: no larger than its largest
//! tile in any composition. Decoding a 720p picture to draw it as a
//! 320×180 thumbnail is most of what an MCU spends; a sender asked for the
//! thumbnail's size costs a sixteenth of it to decode, scale and label,
//! and sends a fraction of the bits. Pure: tiles in, sizes out.
//!
//! Sizes come from a fixed ladder (16:9, even, as encoders want them), so
//! a tile a few pixels larger does not ask the sender again; a picture
//! shown nowhere (past the gallery page, a thumbnail row that is full,
//! stopped by the host) is asked for the smallest rung.

use super::layout::Rect;

/// The rungs, smallest first.
pub const LADDER: [(u32, u32); 6] = [
    (320, 180),
    (480, 270),
    (640, 360),
    (960, 540),
    (1280, 720),
    (1920, 1080),
];

/// The size a sender of `class` (the size its call negotiated) is asked
/// for when its largest tile is `tile`: the smallest rung that fills the
/// tile, cut to the class (which is what it sends unasked) where it is
/// larger.
pub fn for_tile(tile: Option<&Rect>, class: (u32, u32)) -> (u32, u32) {
    let (width, height) = tile.map_or((0, 0), |t| (t.width.max(0) as u32, t.height.max(0) as u32));
    let rung = LADDER
        .iter()
        .copied()
        .find(|&(w, h)| w >= width && h >= height)
        .unwrap_or(LADDER[LADDER.len() - 1]);
    (rung.0.min(class.0), rung.1.min(class.1))
}

/// The larger of two tiles (by area): a picture shown in two
/// compositions is sent for the larger.
pub fn larger(a: Rect, b: Rect) -> Rect {
    let area = |r: &Rect| i64::from(r.width) * i64::from(r.height);
    if area(&b) > area(&a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{arrange, LayoutKind};
    use super::*;

    const HD: (u32, u32) = (1280, 720);

    fn sizes(kind: LayoutKind, count: usize) -> Vec<(u32, u32)> {
        arrange(kind, count, 1280, 720)
            .iter()
            .map(|tile| for_tile(Some(tile), HD))
            .collect()
    }

    #[test]
    fn a_gallery_asks_each_sender_for_its_tile_and_no_more() {
        assert_eq!(sizes(LayoutKind::Gallery, 1), [HD]);
        assert_eq!(sizes(LayoutKind::Gallery, 4), [(640, 360); 4]);
        assert_eq!(sizes(LayoutKind::Gallery, 8), [(480, 270); 8]);
        assert_eq!(sizes(LayoutKind::Gallery, 16), [(320, 180); 16]);
    }

    #[test]
    fn the_speaker_is_asked_for_the_main_region_and_thumbnails_for_theirs() {
        let speaker = sizes(LayoutKind::Speaker, 5);
        assert_eq!(speaker[0], HD, "the main region is most of the canvas");
        assert!(speaker[1..].iter().all(|s| *s == (320, 180)), "{speaker:?}");
    }

    #[test]
    fn a_picture_shown_nowhere_is_asked_for_the_smallest_rung() {
        assert_eq!(for_tile(None, HD), (320, 180));
    }

    #[test]
    fn never_more_than_the_call_negotiated() {
        let full = Rect {
            x: 0,
            y: 0,
            width: 1280,
            height: 720,
        };
        assert_eq!(for_tile(Some(&full), (704, 576)), (704, 576));
        assert_eq!(for_tile(Some(&full), (1920, 1080)), HD);
        let thumb = Rect {
            width: 300,
            height: 168,
            ..full
        };
        assert_eq!(for_tile(Some(&thumb), (704, 576)), (320, 180));
        let quarter = Rect {
            width: 160,
            height: 120,
            ..full
        };
        assert_eq!(for_tile(Some(&quarter), (320, 240)), (320, 180));
    }
}
