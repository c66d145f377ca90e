//! A laptop's browser casting: Debian's chromium, headless, driven over the
//! DevTools protocol (chromiumoxide). Nothing is downloaded: the system's
//! chromium runs. The one thing stood in for is the person at the screen
//! picker: headless Chromium 156 has no screen to offer, and its
//! fake-capture switches leave `getDisplayMedia` waiting for ever (tried:
//! `--auto-accept-this-tab-capture` with `preferCurrentTab`,
//! `--auto-select-tab-capture-source-by-title`,
//! `--use-fake-ui-for-media-stream`), so the page's `getDisplayMedia`
//! returns a canvas painted one colour, captured with `captureStream()` —
//! the "screen" whose colour the room must show. Everything after the
//! picker (the page's script, WebRTC, the network) is the browser's own.

use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::Page;
use futures_util::StreamExt;

/// Before any of the page's scripts: the screen picker's stand-in, a
/// 1280×720 canvas painted `COLOUR` and repainted every 100 ms (a still
/// screen still sends pictures).
pub(crate) const PICKER: &str = r#"
navigator.mediaDevices.getDisplayMedia = async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const g = canvas.getContext('2d');
  const paint = () => { g.fillStyle = window.screenColour || 'COLOUR'; g.fillRect(0, 0, 1280, 720); };
  paint();
  setInterval(paint, 100);
  return canvas.captureStream(30);
};
"#;

pub struct Laptop {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Laptop {
    /// Starts chromium.
    pub async fn start() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable("/usr/bin/chromium")
            .new_headless_mode()
            .no_sandbox()
            .user_data_dir(profile.path())
            .window_size(1280, 800)
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(30))
            .args([
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--ignore-certificate-errors",
                // Host candidates by address: the room resolves no mDNS
                // names here (no resolver in the test's namespace).
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                // Background tabs keep painting and sending.
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
            ])
            .build()
            .unwrap();
        let (browser, mut events) = Browser::launch(config)
            .await
            .expect("chromium starts (the test command installs it)");
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        Self {
            browser,
            handler,
            _profile: profile,
        }
    }

    /// Opens the casting page at `url` in a new tab, its "screen" painted
    /// `colour` (CSS).
    pub async fn open(&self, url: &str, colour: &str) -> Page {
        self.open_with(url, &PICKER.replace("COLOUR", colour)).await
    }

    /// Opens the casting page at `url` in a new tab, `picker` (a script
    /// run before the page's) standing in for the screen picker.
    pub async fn open_with(&self, url: &str, picker: &str) -> Page {
        // Navigate once the tab is set up: a first navigation can race
        // the tab's certificate-error override (the cloud's CA is its own).
        let page = self.browser.new_page("about:blank").await.unwrap();
        page.evaluate_on_new_document(picker.to_string())
            .await
            .unwrap();
        // Chromium aborts a navigation when the host's interfaces change
        // (ERR_NETWORK_CHANGED: other tests create network namespaces and
        // QEMU its own); a person would press reload.
        for attempt in 1.. {
            match page.goto(url).await {
                Ok(_) => break,
                Err(err) if attempt < 5 && err.to_string().contains("ERR_NETWORK_CHANGED") => {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(err) => panic!("cannot open {url}: {err}"),
            }
        }
        page.wait_for_navigation().await.unwrap();
        page
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// The casting page in one tab: type, press, read what it says.
pub struct CastPage(pub Page);

impl CastPage {
    pub async fn eval<T: serde::de::DeserializeOwned>(&self, js: &str) -> T {
        self.0.evaluate(js).await.unwrap().into_value().unwrap()
    }

    /// Evaluates `js` until it is true (10 s), else fails saying `what`. An
    /// evaluation while the page navigates (a form's answer) fails; it is
    /// tried again.
    pub async fn until(&self, js: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let done = match self.0.evaluate(js).await {
                Ok(value) => value.into_value::<bool>().unwrap_or(false),
                Err(_) => false,
            };
            if done {
                return;
            }
            if Instant::now() > deadline {
                let body: String = self.eval("document.body.innerText").await;
                panic!("{what} never happened; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The whole page at 1280×800 into `target/tmp/<folder>/<name>.png`.
    pub async fn screenshot(&self, folder: &str, name: &str) {
        use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
        use chromiumoxide::page::ScreenshotParams;
        self.0
            .execute(SetDeviceMetricsOverrideParams::new(1280, 800, 1.0, false))
            .await
            .unwrap();
        let png = self
            .0
            .screenshot(ScreenshotParams::builder().full_page(true).build())
            .await
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Sets a field's value as typing would.
    pub async fn fill(&self, selector: &str, value: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.value = {value:?}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()"
        );
        let _: bool = self.eval(&js).await;
    }

    /// Clicks like a person (a real mouse event: getDisplayMedia needs one).
    /// A page that was just replaced (a form's answer) can leave the
    /// browser's node ids stale for a moment: the click is tried again.
    pub async fn click(&self, selector: &str) {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let clicked = match self.0.find_element(selector).await {
                Ok(element) => element.click().await.map(|_| ()),
                Err(err) => Err(err),
            };
            match clicked {
                Ok(()) => return,
                Err(err) if attempt < 20 => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("{selector}: {err}"),
            }
        }
    }

    /// `document.body.dataset.state`: idle, connecting, sharing, busy, ended, error.
    pub async fn state(&self) -> String {
        self.eval("document.body.dataset.state || ''").await
    }

    /// Waits until the page's state is `want`; panics with what it says.
    pub async fn wait_state(&self, want: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let state = self.state().await;
            if state == want {
                return;
            }
            if Instant::now() > deadline {
                let status: String = self
                    .eval("document.querySelector('#status')?.textContent || ''")
                    .await;
                panic!("casting page is {state:?}, not {want:?}: {status:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
