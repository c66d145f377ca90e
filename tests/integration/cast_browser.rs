//! A real browser casts to the room: Debian's headless Chromium runs
//! `common::cast_page` (a painted canvas captured as a screen, a tab-audio
//! tone) and its offers go to `CastReceiver::answer`. The test thread
//! moves into a network namespace of its own with only `lo` before it
//! starts anything, so Chromium (its child) and the receiver's threads
//! share a loopback no other test or interface sees; Chromium is allowed
//! loopback candidates and keeps its mDNS names off. Needs root, as the
//! test command has. Threads GLib or GStreamer pool while this runs may
//! later serve other tests from this namespace; none of them opens
//! sockets (webrtcbin's and libnice's own threads do, made per element).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use roomterm::cast::{CastLink, CastReceiver, LostReason};
use roomterm::media::{tone_rms, AudioLevel};

use crate::cast_receiver::{config, wait_for_colour, wait_for_loss};
use crate::common::cast_page::CastPage;

/// Chromium, killed with the test.
struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium(url: &str, profile: &std::path::Path) -> Browser {
    let child = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium runs");
    Browser(child)
}

/// This thread (and what it starts) into a new network namespace, `lo` up.
fn own_loopback() {
    // SAFETY: unshare only changes the calling thread's namespace.
    let result = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(result, 0, "unshare: {}", std::io::Error::last_os_error());
    let up = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .unwrap();
    assert!(up.success());
}

/// The page's next offer, answered by a new receiver.
fn next_cast(page: &CastPage, prefer_h264: bool) -> (CastReceiver, Instant) {
    let (offer, reply) = page
        .offers
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no offer; page errors: {:?}", page.errors.lock().unwrap()));
    let started = Instant::now();
    let (receiver, answer) = CastReceiver::answer(&offer, config(prefer_h264))
        .unwrap_or_else(|e| panic!("{e}\n{offer}"));
    eprintln!("answered in {:?}", started.elapsed());
    reply.send(answer).unwrap();
    (receiver, started)
}

#[test]
fn chromium_casts_its_screen_and_tab_audio() {
    own_loopback();
    // As the terminal does at start: the first cast would otherwise make
    // the process's DTLS certificate while the browser waits.
    let warming = Instant::now();
    roomterm::cast::prepare(&config(true)).unwrap();
    eprintln!("prepared in {:?}", warming.elapsed());
    let page = CastPage::serve();
    let profile = tempfile::tempdir().unwrap();
    let browser = chromium(&format!("http://127.0.0.1:{}/", page.port), profile.path());

    // A board with a hardware H.264 decoder: Chromium's H.264 (OpenH264).
    let (receiver, started) = next_cast(&page, true);
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(15));
    eprintln!(
        "chromium, H.264: first red frame {:?} after the offer",
        started.elapsed()
    );
    assert_eq!(receiver.codec(), Some("H264"));
    page.paint("lime");
    wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(5));
    let samples = receiver.listen(Duration::from_secs(1)).unwrap();
    let tone = tone_rms(&samples, 48_000.0, 440.0);
    eprintln!(
        "chromium tab audio: RMS {:.3}, 440 Hz {tone:.3}",
        AudioLevel::of(&samples).rms
    );
    assert!(tone > 0.1, "440 Hz at {tone:.3}");

    // The cast ends in the page (pc.close()): the room notices.
    let stopped = Instant::now();
    page.paint("stop");
    let lost = wait_for_loss(&receiver, Duration::from_secs(2));
    eprintln!(
        "chromium closed its connection: {lost:?} after {:?}",
        stopped.elapsed()
    );
    receiver.stop();

    // Casting again, to a board decoding in software: VP8.
    page.paint("red");
    let (receiver, started) = next_cast(&page, false);
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(15));
    eprintln!(
        "chromium, VP8: first red frame {:?} after the offer",
        started.elapsed()
    );
    assert_eq!(receiver.codec(), Some("VP8"));

    // The browser dies: nothing said, the room notices within 2 s.
    let killed = Instant::now();
    drop(browser);
    let lost = wait_for_loss(&receiver, Duration::from_secs(2));
    eprintln!("chromium killed: {lost:?} after {:?}", killed.elapsed());
    assert!(
        matches!(lost, CastLink::Lost(LostReason::Silent(_))),
        "{lost:?}"
    );
    assert!(page.errors.lock().unwrap().is_empty());
}
