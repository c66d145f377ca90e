//! A laptop's Firefox casting: Debian's firefox-esr, headless, driven over
//! Marionette — Firefox's own remote protocol, the one geckodriver
//! translates WebDriver into — so nothing is downloaded and no driver runs
//! beside it. Marionette is length-prefixed JSON over TCP: `len:[0, id,
//! command, params]` out, `len:[1, id, error, result]` back.
//!
//! As with Chromium (`browser.rs`), the person at the screen picker is
//! stood in for: the page's `getDisplayMedia` returns a canvas painted one
//! colour. Here it is replaced after the page loaded (Marionette has no
//! script-before-load); the page looks it up when Share is pressed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Prefs for a quiet, test-friendly profile.
const PREFS: &str = r#"
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
// Host candidates by address: the room resolves no mDNS names here.
user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);
"#;

pub struct Firefox {
    child: Child,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Firefox {
    /// Starts firefox-esr headless with Marionette on a free port, and a
    /// session that accepts the cloud's own certificate authority.
    pub fn start() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let prefs = format!("{PREFS}user_pref(\"marionette.port\", {port});\n");
        std::fs::write(profile.path().join("user.js"), prefs).unwrap();
        let child = Command::new("firefox-esr")
            .args(["--headless", "--marionette", "--no-remote", "--profile"])
            .arg(profile.path())
            .env("MOZ_HEADLESS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("firefox-esr starts (the test command installs it)");
        let deadline = Instant::now() + Duration::from_secs(60);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => break stream,
                Err(err) => {
                    assert!(Instant::now() < deadline, "no Marionette on {port}: {err}");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut firefox = Self {
            child,
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            next_id: 0,
            _profile: profile,
        };
        let hello = firefox.read_message();
        assert_eq!(hello["applicationType"], "gecko", "{hello}");
        firefox
            .command(
                "WebDriver:NewSession",
                // Marionette takes the capabilities geckodriver would have
                // merged, flat.
                json!({ "acceptInsecureCerts": true }),
            )
            .expect("a Marionette session");
        firefox
    }

    /// Opens the casting page at `url`, its "screen" painted `colour`.
    pub fn open(&mut self, url: &str, colour: &str) {
        self.command("WebDriver:Navigate", json!({ "url": url }))
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        let picker = super::browser::PICKER.replace("COLOUR", colour);
        let _ = self.eval(&format!("{picker}\nreturn true;"));
    }

    /// Runs `script` (a function body: `return` what it gives) in the page.
    pub fn eval(&mut self, script: &str) -> Value {
        let result = self
            .command(
                "WebDriver:ExecuteScript",
                json!({ "script": script, "args": [] }),
            )
            .unwrap_or_else(|e| panic!("script failed: {e}"));
        result["value"].clone()
    }

    /// Sets a field's value as typing would.
    pub fn fill(&mut self, selector: &str, value: &str) {
        let script = format!(
            "const e = document.querySelector({selector:?}); e.value = {value:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
        );
        self.eval(&script);
    }

    /// Clicks like a person (WebDriver's click: a real mouse event).
    pub fn click(&mut self, selector: &str) {
        let found = self
            .command(
                "WebDriver:FindElement",
                json!({ "using": "css selector", "value": selector }),
            )
            .unwrap_or_else(|e| panic!("{selector}: {e}"));
        let element = found["value"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{selector}: {found}"))
            .to_string();
        self.command("WebDriver:ElementClick", json!({ "id": element }))
            .unwrap_or_else(|e| panic!("click {selector}: {e}"));
    }

    /// `document.body.dataset.state`, as the Chromium tests read it.
    pub fn state(&mut self) -> String {
        let state = self.eval("return document.body.dataset.state || '';");
        state.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page's state is `want`; panics with what it says.
    pub fn wait_state(&mut self, want: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let state = self.state();
            if state == want {
                return;
            }
            if Instant::now() > deadline {
                let said =
                    self.eval("return document.querySelector('#status')?.textContent || '';");
                panic!("casting page in Firefox is {state:?}, not {want:?}: {said}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One command and its result, or its error's message.
    fn command(&mut self, name: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let body = json!([0, id, name, params]).to_string();
        self.writer
            .write_all(format!("{}:{body}", body.len()).as_bytes())
            .map_err(|e| e.to_string())?;
        loop {
            let message = self.read_message();
            // Replies only: [1, id, error, result].
            if message[0] == 1 && message[1] == id {
                return match &message[2] {
                    Value::Null => Ok(message[3].clone()),
                    error => Err(error.to_string()),
                };
            }
        }
    }

    fn read_message(&mut self) -> Value {
        let mut length = Vec::new();
        self.reader
            .read_until(b':', &mut length)
            .expect("Marionette answers");
        length.pop();
        let length: usize = String::from_utf8_lossy(&length)
            .trim()
            .parse()
            .expect("a Marionette length prefix");
        let mut body = vec![0; length];
        self.reader
            .read_exact(&mut body)
            .expect("a whole Marionette message");
        serde_json::from_slice(&body).expect("Marionette speaks JSON")
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
