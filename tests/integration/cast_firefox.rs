//! Casting from Firefox: the same casting page, in Debian's firefox-esr
//! (headless, over Marionette), casts a green tab to a room; the room
//! decodes green full screen and names who shares, and returns Home when
//! Firefox closes. The page is built for Chrome, Edge, Firefox and Safari;
//! Chromium (`cast.rs`) and Firefox are the two this machine runs. Inside
//! a network namespace of the test's own, as `cast.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use roomcloud::clock::SystemClock;
use roomterm::ui::Page;

use crate::cast::{cast_centre, casting_room, wait_for, wait_page, Lan};
use crate::common::{self, firefox::Firefox};

#[test]
fn firefox_casts_a_tab_to_the_room() {
    let lan = Lan::enter();
    lan.with_default_route();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (cloud, admin) =
            common::start_cloud(&dir.path().join("cloud"), 0, Arc::new(SystemClock)).await;
        let terminal = casting_room(&dir.path().join("room"), &cloud, &admin, "SN-FOX1").await;
        let shown = wait_for(&terminal, "a casting code", Duration::from_secs(20), |s| {
            s.cast_code.is_some()
        })
        .await
        .cast_code
        .unwrap();

        // Firefox opens the casting address, types the code by hand (the
        // page, not the QR code's) and shares a green tab.
        let page_url = shown
            .url
            .trim_end_matches(&format!("/{}", shown.code))
            .to_string();
        let mut firefox = tokio::task::block_in_place(Firefox::start);
        let pressed = tokio::task::block_in_place(|| {
            firefox.open(&page_url, "#00ff00");
            firefox.wait_state("idle", Duration::from_secs(20));
            firefox.fill("#code", &shown.code);
            firefox.fill("#name", "Fox Lee");
            let pressed = Instant::now();
            firefox.click("#share");
            firefox.wait_state("sharing", Duration::from_secs(30));
            pressed
        });

        wait_page(&terminal, Page::Casting, Duration::from_secs(10)).await;
        let centre = cast_centre(&terminal, Duration::from_secs(20)).await;
        assert!(
            centre[1] > 200 && centre[0] < 60 && centre[2] < 60,
            "the room shows {centre:?}, not green"
        );
        let cast = terminal.status.borrow().cast.clone().expect("a cast");
        assert_eq!(cast.caster, "Fox Lee");
        eprintln!(
            "first picture from Firefox {:?} after Share",
            pressed.elapsed()
        );

        // Firefox goes away: the room returns Home.
        drop(firefox);
        wait_for(&terminal, "the cast to end", Duration::from_secs(10), |s| {
            s.cast.is_none()
        })
        .await;
        wait_page(&terminal, Page::Home, Duration::from_secs(3)).await;
        terminal.shutdown().await;
        drop(cloud);
    });
}
