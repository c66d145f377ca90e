//! A laptop's browser casting: Debian's chromium, headless, driven over the
//! DevTools protocol (chromiumoxide). The "screen" it shares is a tab it
//! opened itself, painted one colour and picked by its title
//! (`--auto-select-tab-capture-source-by-title`), so the room can check
//! what it shows. Nothing is downloaded: the system's chromium runs.

use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::Page;
use futures_util::StreamExt;

/// The title of the tab every caster shares.
pub const SHARED_TAB: &str = "ROOMTERM-SHARED-SCREEN";

pub struct Laptop {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
    /// The tab being shared (its colour is what the room shows).
    pub screen: Page,
}

impl Laptop {
    /// Starts chromium with a tab painted `colour` (CSS) to be shared.
    pub async fn start(colour: &str) -> Self {
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
                // getDisplayMedia without a person to pick: the tab titled so.
                &format!("--auto-select-tab-capture-source-by-title={SHARED_TAB}"),
                "--use-fake-ui-for-media-stream",
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
        let screen = browser.new_page("about:blank").await.unwrap();
        let html = format!(
            "<title>{SHARED_TAB}</title><body style='margin:0;background:{colour};height:100vh'></body>"
        );
        screen
            .evaluate(format!("document.write({html:?}); document.close();"))
            .await
            .unwrap();
        Self {
            browser,
            handler,
            _profile: profile,
            screen,
        }
    }

    /// Opens the casting page at `url` in a new tab.
    pub async fn open(&self, url: &str) -> Page {
        self.browser.new_page(url).await.unwrap()
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

    /// Sets a field's value as typing would.
    pub async fn fill(&self, selector: &str, value: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.value = {value:?}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()"
        );
        let _: bool = self.eval(&js).await;
    }

    /// Clicks like a person (a real mouse event: getDisplayMedia needs one).
    pub async fn click(&self, selector: &str) {
        self.0
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
            .click()
            .await
            .unwrap();
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
