//! Where each participant's picture goes on the composed canvas. Pure: the
//! layout kind, the participants in display order and the canvas size go
//! in; one rectangle per shown participant comes out. Every rectangle keeps
//! the canvas's aspect ratio (no stretched faces) and is centred in its
//! cell; rectangles never overlap except the picture-in-picture inset.

use serde::{Deserialize, Serialize};

/// Thumbnails under the speaker in speaker view.
pub const SPEAKER_THUMBNAILS: usize = 4;
/// Tiles on one gallery page (5×5, as room systems show).
pub const GALLERY_PAGE: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutKind {
    /// Everyone in an even grid (first page of up to 25).
    #[default]
    Gallery,
    /// The speaker large, up to four others as thumbnails below.
    Speaker,
    /// The speaker full screen, the next participant inset bottom right.
    PictureInPicture,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Rect {
    pub fn centre(&self) -> (i32, i32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// Rectangles for `count` participants in display order (the speaker
/// first for the speaker views); participants past the page get none.
pub fn arrange(kind: LayoutKind, count: usize, width: i32, height: i32) -> Vec<Rect> {
    if count == 0 || width <= 0 || height <= 0 {
        return Vec::new();
    }
    match kind {
        LayoutKind::Gallery => gallery(count.min(GALLERY_PAGE), width, height),
        LayoutKind::Speaker => speaker(count, width, height),
        LayoutKind::PictureInPicture => pip(count, width, height),
    }
}

/// While someone shares content (slides, a screen): the content large on
/// top, whatever the meeting's layout, and the first people of `count` in
/// display order as thumbnails below it — the speaker view with the
/// content in the speaker's place. Returns the content's rectangle and the
/// people's (at most [`SPEAKER_THUMBNAILS`]).
pub fn with_content(count: usize, width: i32, height: i32) -> Option<(Rect, Vec<Rect>)> {
    if width <= 0 || height <= 0 {
        return None;
    }
    let mut rects = speaker(count + 1, width, height);
    let content = rects.remove(0);
    Some((content, rects))
}

/// The largest rectangle of the canvas's aspect ratio inside the cell,
/// centred in it.
fn fit(cell_x: i32, cell_y: i32, cell_w: i32, cell_h: i32, width: i32, height: i32) -> Rect {
    // Compare cell_w / cell_h with width / height without floats.
    let (w, h) = if i64::from(cell_w) * i64::from(height) > i64::from(cell_h) * i64::from(width) {
        (
            (i64::from(cell_h) * i64::from(width) / i64::from(height)) as i32,
            cell_h,
        )
    } else {
        (
            cell_w,
            (i64::from(cell_w) * i64::from(height) / i64::from(width)) as i32,
        )
    };
    // Even sizes and positions: chroma-subsampled formats need them.
    let (w, h) = (w & !1, h & !1);
    Rect {
        x: (cell_x + (cell_w - w) / 2) & !1,
        y: (cell_y + (cell_h - h) / 2) & !1,
        width: w,
        height: h,
    }
}

fn gallery(count: usize, width: i32, height: i32) -> Vec<Rect> {
    let cols = (1..).find(|c| c * c >= count).unwrap_or(1) as i32;
    let rows = (count as i32 + cols - 1) / cols;
    let (cell_w, cell_h) = (width / cols, height / rows);
    (0..count as i32)
        .map(|i| {
            let (row, col) = (i / cols, i % cols);
            // A short last row is centred, not left-aligned.
            let in_row = if row == rows - 1 {
                count as i32 - row * cols
            } else {
                cols
            };
            let offset = (width - in_row * cell_w) / 2;
            fit(
                offset + col * cell_w,
                row * cell_h,
                cell_w,
                cell_h,
                width,
                height,
            )
        })
        .collect()
}

fn speaker(count: usize, width: i32, height: i32) -> Vec<Rect> {
    if count == 1 {
        return vec![fit(0, 0, width, height, width, height)];
    }
    // The bottom fifth holds the thumbnails; the speaker gets the rest.
    let strip = height / 5;
    let mut rects = vec![fit(0, 0, width, height - strip, width, height)];
    let thumbs = (count - 1).min(SPEAKER_THUMBNAILS) as i32;
    let cell_w = width / SPEAKER_THUMBNAILS as i32;
    let offset = (width - thumbs * cell_w) / 2;
    for i in 0..thumbs {
        rects.push(fit(
            offset + i * cell_w,
            height - strip,
            cell_w,
            strip,
            width,
            height,
        ));
    }
    rects
}

fn pip(count: usize, width: i32, height: i32) -> Vec<Rect> {
    let mut rects = vec![fit(0, 0, width, height, width, height)];
    if count > 1 {
        // A quarter of the width, a margin of 1/32 from the corner.
        let (w, h) = ((width / 4) & !1, (height / 4) & !1);
        let margin = (width / 32) & !1;
        rects.push(Rect {
            x: (width - w - margin) & !1,
            y: (height - h - margin) & !1,
            width: w,
            height: h,
        });
    }
    rects
}

/// True when no two rectangles overlap (the PiP inset is the exception the
/// callers allow for).
pub fn disjoint(rects: &[Rect]) -> bool {
    rects
        .iter()
        .enumerate()
        .all(|(i, a)| rects[i + 1..].iter().all(|b| !a.overlaps(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(r: &Rect, w: i32, h: i32) -> bool {
        r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h && r.width > 0
    }

    #[test]
    fn gallery_grids_keep_aspect_and_never_overlap() {
        for (w, h) in [(1920, 1080), (1280, 720), (704, 576), (320, 240)] {
            for n in 1..=30 {
                let rects = arrange(LayoutKind::Gallery, n, w, h);
                assert_eq!(rects.len(), n.min(GALLERY_PAGE), "{n} at {w}x{h}");
                assert!(disjoint(&rects), "{n} at {w}x{h}: {rects:?}");
                for r in &rects {
                    assert!(inside(r, w, h), "{n} at {w}x{h}: {r:?}");
                    assert_eq!(r.x % 2 + r.y % 2 + r.width % 2 + r.height % 2, 0);
                    // Aspect within 2 % of the canvas.
                    let skew = (r.width as f64 / r.height as f64) / (w as f64 / h as f64);
                    assert!((0.98..1.02).contains(&skew), "{r:?} at {w}x{h}");
                }
            }
        }
    }

    #[test]
    fn two_in_a_gallery_sit_side_by_side_and_one_fills_the_screen() {
        let one = arrange(LayoutKind::Gallery, 1, 320, 240);
        assert_eq!(
            one,
            vec![Rect {
                x: 0,
                y: 0,
                width: 320,
                height: 240
            }]
        );
        let two = arrange(LayoutKind::Gallery, 2, 320, 240);
        assert!(
            two[0].centre().0 < 160 && two[1].centre().0 > 160,
            "{two:?}"
        );
        // Three: two on top, one centred below.
        let three = arrange(LayoutKind::Gallery, 3, 320, 240);
        assert_eq!(three[2].centre().0, 160, "{three:?}");
    }

    #[test]
    fn speaker_view_has_the_speaker_large_and_at_most_four_thumbnails() {
        for n in 1..=9 {
            let rects = arrange(LayoutKind::Speaker, n, 1280, 720);
            assert_eq!(rects.len(), n.min(1 + SPEAKER_THUMBNAILS));
            assert!(disjoint(&rects), "{rects:?}");
            for r in &rects[1..] {
                assert!(r.width * r.height * 4 < rects[0].width * rects[0].height);
                assert!(inside(r, 1280, 720));
            }
        }
    }

    #[test]
    fn picture_in_picture_insets_the_second_in_a_corner() {
        let rects = arrange(LayoutKind::PictureInPicture, 3, 1280, 720);
        assert_eq!(rects.len(), 2);
        assert_eq!(rects[0].width, 1280);
        assert!(rects[1].x > 640 && rects[1].y > 360 && inside(&rects[1], 1280, 720));
    }

    #[test]
    fn content_is_large_with_people_as_thumbnails_below() {
        for n in 0..=7 {
            let (content, people) = with_content(n, 1920, 1080).unwrap();
            assert_eq!(people.len(), n.min(SPEAKER_THUMBNAILS), "{n}");
            let mut all = vec![content];
            all.extend(&people);
            assert!(disjoint(&all), "{all:?}");
            for p in &people {
                assert!(p.y >= content.y + content.height, "{p:?} below {content:?}");
                assert!(p.width * p.height * 4 < content.width * content.height);
                assert!(inside(p, 1920, 1080));
            }
        }
        // Nobody's picture to show: the content fills the canvas.
        let (content, _) = with_content(0, 1280, 720).unwrap();
        assert_eq!((content.width, content.height), (1280, 720));
        assert!(with_content(2, 0, 720).is_none());
    }

    #[test]
    fn nothing_to_show_or_no_canvas_gives_no_rectangles() {
        assert!(arrange(LayoutKind::Gallery, 0, 1280, 720).is_empty());
        assert!(arrange(LayoutKind::Speaker, 3, 0, 720).is_empty());
    }
}
