//! Casting end to end: a laptop's browser (Debian's chromium, headless)
//! opens the cloud's casting page, types the code the room shows and
//! shares a tab painted one colour; the room decodes that colour full
//! screen, names who shares, and returns to where it was when the tab
//! closes. All of it inside a network namespace made for the test (its
//! loopback and one LAN interface: WebRTC gathers host candidates
//! there and nowhere else). Needs root, iproute2 and chromium, as the test
//! command has.

use crate::common;

use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::browser::{CastPage, Laptop};
use roomcloud::clock::SystemClock;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::status::TerminalStatus;
use roomterm::store::DataDir;
use roomterm::ui::Page;

fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("ip runs");
    assert!(status.success(), "ip {}", args.join(" "));
}

/// A network namespace with `lo` and a "LAN" (10.79.0.1/24); the
/// calling thread (and every thread and process it starts) lives in it.
/// Deleted on drop.
pub(crate) struct Lan(String);

impl Lan {
    pub(crate) fn enter() -> Self {
        // One per test: tests run side by side in one process.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("rcast{}-{n}", std::process::id());
        ip(&["netns", "add", &name]);
        let lan = Self(name.clone());
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        // A veth pair with both ends here (this kernel has no dummy
        // links): lan0 is the LAN interface WebRTC gathers on.
        ip(&[
            "-n", &name, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1",
        ]);
        ip(&["-n", &name, "addr", "add", "10.79.0.1/24", "dev", "lan0"]);
        ip(&["-n", &name, "link", "set", "lan1", "up"]);
        ip(&["-n", &name, "link", "set", "lan0", "up"]);
        let file = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
        // SAFETY: setns on a valid namespace fd changes only this thread.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        lan
    }
}

impl Lan {
    /// A default route out of the LAN (to a gateway that is not there):
    /// Firefox gathers no ICE candidates at all without one (its offer
    /// never completes), as on a LAN with no router.
    pub(crate) fn with_default_route(&self) {
        ip(&[
            "-n",
            &self.0,
            "route",
            "add",
            "default",
            "via",
            "10.79.0.254",
            "dev",
            "lan0",
        ]);
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

pub(crate) async fn wait_for(
    terminal: &Terminal,
    what: &str,
    within: Duration,
    ok: impl Fn(&TerminalStatus) -> bool,
) -> TerminalStatus {
    let mut status = terminal.status.clone();
    let reached = tokio::time::timeout(within, status.wait_for(|s| ok(s)))
        .await
        .map(|s| s.map(|s| s.clone()));
    match reached {
        Ok(Ok(s)) => s,
        _ => panic!(
            "{what} not within {within:?}: {:?}",
            terminal.status.borrow()
        ),
    }
}

pub(crate) async fn wait_page(terminal: &Terminal, page: Page, within: Duration) {
    let mut ui = terminal.ui.clone();
    let reached = tokio::time::timeout(within, ui.wait_for(|ui| ui.page == page)).await;
    assert!(
        matches!(reached, Ok(Ok(_))),
        "page {page:?} not within {within:?}: on {:?}",
        terminal.ui.borrow().page
    );
}

/// The newest cast picture's centre colour, once one arrived.
pub(crate) async fn cast_centre(terminal: &Terminal, within: Duration) -> [u8; 3] {
    let deadline = Instant::now() + within;
    loop {
        let live = terminal.cast_media.borrow().clone();
        if let Some(frame) = live.and_then(|cast| cast.latest_frame()) {
            let (w, h) = (frame.width as usize, frame.height as usize);
            let i = ((h / 2) * w + w / 2) * 3;
            let centre = [frame.data[i], frame.data[i + 1], frame.data[i + 2]];
            if centre != [0, 0, 0] || Instant::now() > deadline {
                return centre;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no cast picture within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A room that casts and has no call media, at `dir`, activated with
/// `cloud` as `sn`.
pub(crate) async fn casting_room(
    dir: &std::path::Path,
    cloud: &roomcloud::RunningCloud,
    admin: &roomcloud::client::AdminClient,
    sn: &str,
) -> Terminal {
    let plan = common::media_plan();
    let terminal = Terminal::start(TerminalOptions {
        data: DataDir::new(dir).unwrap(),
        sn: sn.into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0".into(),
        network: Default::default(),
        call_media: None,
        cast_media: Some(roomterm::cast::CastConfig::from_plan(&plan)),
    });
    let code = common::add_device(admin, sn).await;
    terminal
        .activate(&cloud.endpoints.api_url, &code)
        .await
        .unwrap();
    terminal
}

#[test]
fn a_browser_casts_a_tab_to_the_room_and_closing_it_returns_the_room() {
    let _lan = Lan::enter();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (cloud, admin) =
            common::start_cloud(&dir.path().join("cloud"), 0, Arc::new(SystemClock)).await;
        let terminal = casting_room(&dir.path().join("room"), &cloud, &admin, "SN-CAST1").await;

        // The room shows a code and the page's address.
        let shown = wait_for(&terminal, "a casting code", Duration::from_secs(20), |s| {
            s.cast_code.is_some()
        })
        .await
        .cast_code
        .unwrap();
        assert_eq!(shown.code.len(), 6, "{shown:?}");
        assert!(shown.code.chars().all(|c| c.is_ascii_digit()));
        assert!(
            shown.url.ends_with(&format!("/cast/{}", shown.code)),
            "{shown:?}"
        );

        // A laptop opens the QR code's address and shares a red tab.
        let laptop = Laptop::start().await;
        let page = CastPage(laptop.open(&shown.url, "#ff0000").await);
        page.wait_state("idle", Duration::from_secs(20)).await;
        let prefilled: String = page.eval("document.querySelector('#code').value").await;
        assert_eq!(prefilled.replace(' ', ""), shown.code);
        page.fill("#name", "Ann Lee").await;
        let pressed = Instant::now();
        page.click("#share").await;
        page.wait_state("sharing", Duration::from_secs(30)).await;

        // The room shows it full screen, with who shares.
        wait_page(&terminal, Page::Casting, Duration::from_secs(10)).await;
        let centre = cast_centre(&terminal, Duration::from_secs(20)).await;
        let first_picture = pressed.elapsed();
        assert!(
            centre[0] > 200 && centre[1] < 60 && centre[2] < 60,
            "the room shows {centre:?}, not red"
        );
        let status = terminal.status.borrow().clone();
        let cast = status.cast.expect("a cast in the status");
        assert_eq!(cast.caster, "Ann Lee");
        let codec = wait_for(&terminal, "the codec", Duration::from_secs(5), |s| {
            s.cast.as_ref().is_some_and(|c| c.codec.is_some())
        })
        .await
        .cast
        .and_then(|c| c.codec);
        // generic-x86_64 decodes H.264 in software: VP8 is asked for.
        assert_eq!(codec, Some("VP8"));
        eprintln!("first cast picture {first_picture:?} after Share ({codec:?})");

        // The tab closes: the room returns Home and says why, within 2 s
        // (plus the slack a loaded machine needs).
        page.0.close().await.unwrap();
        let closed = Instant::now();
        let after = wait_for(&terminal, "the cast to end", Duration::from_secs(10), |s| {
            s.cast.is_none()
        })
        .await;
        let took = closed.elapsed();
        wait_page(&terminal, Page::Home, Duration::from_secs(2)).await;
        let (reason, _) = after.cast_ended.expect("why it ended");
        assert!(
            matches!(
                reason,
                roomterm_proto::CastEnd::StoppedByCaster | roomterm_proto::CastEnd::ConnectionLost
            ),
            "{reason:?}"
        );
        eprintln!("room back {took:?} after the tab closed ({reason:?})");
        assert!(terminal.cast_media.borrow().is_none());
        laptop.close().await;
        drop(cloud);
    });
}
