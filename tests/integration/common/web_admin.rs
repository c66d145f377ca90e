//! The terminal's web admin as its tests drive it: started beside a test
//! terminal, its screen compared with the terminal's own, and a client
//! without a browser that keeps the session's cookie by hand.

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use roomterm::screen::Mirror;
use roomterm::store::DataDir;
use roomterm::web::admin::{AdminOptions, WebAdmin};

use super::browser::CastPage;
use super::remote::Remote;

/// Theme.focus: the ring around the focused control.
const FOCUS: [u8; 3] = [0xff, 0xd2, 0x3f];

pub async fn start_admin(remote: &Remote, data: &std::path::Path) -> WebAdmin {
    WebAdmin::start(AdminOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        terminal: remote.terminal.clone(),
        data: DataDir::new(data).unwrap(),
        sn: remote.terminal.status.borrow().sn.clone(),
        token: remote.token.clone(),
        mirror: Mirror::offscreen(remote.terminal.clone(), tokio::runtime::Handle::current()),
        board: Some(
            roomterm::board::BoardProfile::load(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("board"),
                "generic-x86_64",
            )
            .unwrap(),
        ),
        restart: None,
    })
    .await
    .unwrap()
}

/// The terminal's own picture of its screen (control API, bearer token).
pub async fn own_screenshot(remote: &Remote) -> (u32, u32, Vec<u8>) {
    let (status, kind, png) = remote.get_bytes("/screen").await;
    assert_eq!((status.as_u16(), kind.as_str()), (200, "image/png"));
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgb).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, rgb)
}

/// Every 8th pixel's RGB in both directions: what the page's picture is
/// compared by.
pub const SAMPLE: &str = r#"(() => {
  const img = document.getElementById('screen');
  if (!img || !img.complete || !img.naturalWidth || !img.dataset.frames) return [];
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const out = [c.width, c.height];
  for (let y = 0; y < c.height; y += 8) for (let x = 0; x < c.width; x += 8) {
    const i = (y * c.width + x) * 4; out.push(d[i], d[i + 1], d[i + 2]);
  }
  return out;
})()"#;

/// The share of sampled pixels of the page's picture within 2 per channel
/// of the terminal's own.
pub fn agreement(page: &[i64], own: &(u32, u32, Vec<u8>)) -> f64 {
    let (w, h, rgb) = own;
    if page.len() < 2 || page[0] != *w as i64 || page[1] != *h as i64 {
        return 0.0;
    }
    let mut same = 0usize;
    let mut total = 0usize;
    let mut samples = page[2..].chunks(3);
    for y in (0..*h).step_by(8) {
        for x in (0..*w).step_by(8) {
            let Some(p) = samples.next() else { return 0.0 };
            let i = ((y * w + x) * 3) as usize;
            total += 1;
            if (0..3).all(|c| (p[c] - rgb[i + c] as i64).abs() <= 2) {
                same += 1;
            }
        }
    }
    same as f64 / total as f64
}

/// Waits until the page's picture is the terminal's own screenshot.
pub async fn picture_matches(page: &CastPage, remote: &Remote) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let own = own_screenshot(remote).await;
        let sampled: Vec<i64> = page.eval(SAMPLE).await;
        let share = agreement(&sampled, &own);
        if share >= 0.99 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the web remote's picture differs from the terminal's screen ({:.1} % alike)",
            share * 100.0
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The centre of the focus ring in a screenshot.
pub fn focus_centre((w, h, rgb): &(u32, u32, Vec<u8>)) -> (f64, f64) {
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..*h {
        for x in 0..*w {
            let i = ((y * w + x) * 3) as usize;
            if rgb[i..i + 3] == FOCUS {
                (min_x, min_y) = (min_x.min(x), min_y.min(y));
                (max_x, max_y) = (max_x.max(x), max_y.max(y));
            }
        }
    }
    assert!(
        min_x < max_x && min_y < max_y,
        "no focus ring on the screen"
    );
    (
        f64::from(min_x + max_x) / 2.0,
        f64::from(min_y + max_y) / 2.0,
    )
}

pub fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

pub fn untar(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().display().to_string();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            (name, text)
        })
        .collect()
}

/// A browser-less client: the session's cookie by hand.
pub struct Visitor {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Visitor {
    pub fn new(web: &WebAdmin) -> Self {
        Self::at(format!("https://{}", web.addr))
    }

    /// At `base` (`https://host:port`), whatever its certificate.
    pub fn at(base: String) -> Self {
        Self {
            http: reqwest::Client::builder()
                .danger_accept_invalid_certs(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base,
            cookie: None,
        }
    }

    /// POSTs a form from `origin`; keeps a session cookie it is given.
    pub async fn form(
        &mut self,
        path: &str,
        origin: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, origin)
            .form(fields);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix("roomterm_admin=") {
                let id = rest.split(';').next().unwrap();
                self.cookie = (!id.is_empty()).then(|| format!("roomterm_admin={id}"));
            }
        }
        response
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// Signs in as `admin` the first time: `Change_Me`, then the forced
    /// change to `password`; the session's CSRF token.
    pub async fn first_sign_in(&mut self, password: &str) -> String {
        let own = self.base.clone();
        let signed_in = self
            .form(
                "/sign-in",
                &own,
                &[("user", "admin"), ("password", "Change_Me")],
            )
            .await;
        assert_eq!(signed_in.headers()[reqwest::header::LOCATION], "/password");
        let csrf = self.csrf("/password").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("current", "Change_Me"),
            ("new", password),
            ("repeat", password),
        ];
        let changed = self.form("/password", &own, &fields).await;
        assert_eq!(changed.headers()[reqwest::header::LOCATION], "/");
        csrf
    }

    /// The CSRF token the page at `path` carries.
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await.text().await.unwrap();
        let at = page
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token");
        page[at + 19..at + 19 + 64].to_string()
    }
}
