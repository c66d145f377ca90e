//! Debian's chromium, headless, driven over the DevTools protocol (no
//! browser download: the fetcher is off) — the pages' tests look through
//! it as a person would.

use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;
use futures_util::StreamExt;

pub struct Chromium {
    pub browser: Browser,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub async fn launch() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable("/usr/bin/chromium")
            .new_headless_mode()
            .no_sandbox()
            .user_data_dir(profile.path())
            .window_size(1280, 900)
            .build()
            .unwrap();
        let (browser, mut handler) = Browser::launch(config).await.expect("chromium starts");
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        Chromium {
            browser,
            _profile: profile,
        }
    }

    /// A tab `width` × `height` CSS pixels on `url`.
    pub async fn open_sized(&self, url: &str, width: i64, height: i64) -> Page {
        let page = self.browser.new_page("about:blank").await.unwrap();
        page.execute(SetDeviceMetricsOverrideParams::new(
            width, height, 1.0, false,
        ))
        .await
        .unwrap();
        page.goto(url).await.unwrap();
        page
    }
}

pub async fn eval<T: serde::de::DeserializeOwned>(page: &Page, expression: &str) -> T {
    page.evaluate(expression)
        .await
        .unwrap_or_else(|err| panic!("{expression}: {err}"))
        .into_value()
        .unwrap()
}

pub async fn click(page: &Page, selector: &str) {
    page.find_element(selector)
        .await
        .unwrap_or_else(|err| panic!("{selector}: {err}"))
        .click()
        .await
        .unwrap();
}

/// Waits up to 10 s for `expression` to be true (asked again while a
/// navigation replaces the page under it).
pub async fn wait_for(page: &Page, expression: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = page.evaluate(expression).await.ok();
        if now.and_then(|v| v.into_value::<bool>().ok()) == Some(true) {
            return;
        }
        if Instant::now() > deadline {
            let text: String = eval(page, "document.body ? document.body.innerText : ''").await;
            panic!("never {expression}; the page says:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A full-page screenshot into `<target tmp>/<dir>/<name>.png`.
pub async fn screenshot(page: &Page, dir: &str, name: &str) {
    let png = page
        .screenshot(ScreenshotParams::builder().full_page(true).build())
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}
