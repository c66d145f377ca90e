//! Every page renders, in both languages and both layouts, through Slint's
//! software renderer: real pixels, translated text (the two languages give
//! different pictures), and the focus ring where the focus is.

use roomterm::screen::{all_shots, render_pages, standard_shots, Frame, SIZES};

fn distinct_colours(frame: &Frame) -> usize {
    // One bit per 24-bit colour: a plain loop, quick even unoptimised.
    let mut seen = vec![0u64; (1 << 24) / 64];
    let mut count = 0;
    for p in frame.rgb.chunks_exact(3) {
        let colour = (p[0] as usize) << 16 | (p[1] as usize) << 8 | p[2] as usize;
        let (word, bit) = (colour / 64, 1u64 << (colour % 64));
        if seen[word] & bit == 0 {
            seen[word] |= bit;
            count += 1;
        }
    }
    count
}

/// Pixels of the focus colour (#ffd23f) in the frame.
fn focus_pixels(frame: &Frame) -> usize {
    let mut count = 0;
    for p in frame.rgb.chunks_exact(3) {
        if p[0] > 240 && p[1] >= 200 && p[1] < 220 && p[2] < 90 {
            count += 1;
        }
    }
    count
}

#[test]
fn every_page_renders_in_both_languages_and_layouts() {
    let shots = all_shots();
    let frames = render_pages(&shots, None).expect("offscreen rendering works");
    // The docs' set is a subset of what is checked here.
    for doc in standard_shots() {
        assert!(shots.iter().any(|s| s.name == doc.name), "{}", doc.name);
    }
    let pages = [
        "language",
        "network",
        "server",
        "activation",
        "home",
        "settings",
        "diagnostics",
        "confirm-reset",
    ];
    for page in pages {
        for lang in ["zh", "en"] {
            for (w, h) in SIZES {
                let size = if (w, h) == SIZES[0] {
                    String::new()
                } else {
                    format!("-{w}x{h}")
                };
                let name = format!("{page}-{lang}{size}");
                assert!(shots.iter().any(|s| s.name == name), "{name} missing");
            }
        }
    }
    for (shot, frame) in shots.iter().zip(&frames) {
        assert_eq!((frame.width, frame.height), (shot.width, shot.height));
        // Text is antialiased: a real page has many colours, a blank one few.
        assert!(distinct_colours(frame) > 50, "{} looks empty", shot.name);
        assert!(
            focus_pixels(frame) > 500,
            "{}: no visible focus ring",
            shot.name
        );
    }
    for (shot, frame) in shots.iter().zip(&frames) {
        if shot.language == roomterm::store::Language::ZhCn {
            let en_name = shot.name.replacen("-zh", "-en", 1);
            let en = shots.iter().position(|s| s.name == en_name).unwrap();
            assert_ne!(
                frame.rgb, frames[en].rgb,
                "{}: Chinese and English render the same",
                shot.name
            );
        }
    }
}
