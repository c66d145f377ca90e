//! The web admin: HTTPS pages on the room's own network for the people who
//! look after it — sign-in as `admin` (the factory password changed at
//! the first sign-in), status with the call's live figures, the web remote
//! (the room's screen live, clicks as taps, the remote's keys), the
//! diagnostic bundle and the log, restart and factory reset. The pages'
//! script drives the control API's routes, served here too, with the
//! session's cookie and CSRF token in place of the bearer token.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the server: TLS, the routes, the assets of `assets/admin/` |
//! | `pages.rs` | the handlers: sign-in/out, password, status, remote, diagnostics, maintenance |
//! | `settings_page.rs` | the Settings page: network and server, checked as the wizard checks them |
//! | `html.rs` | the markup (maud), one function per page over one frame |
//! | `strings.rs` | both languages, and which one a request gets |
//! | `password.rs` | the admin password: factory `Change_Me`, the rule, Argon2id, the 3-wrong lock |
//! | `tls.rs` | the certificate (self-signed, made on first start) |
//! | `bundle.rs` | the diagnostic bundle, secrets removed |

mod bundle;
mod html;
mod pages;
mod password;
mod settings_page;
mod strings;
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use roomterm_http_guard::pages::{Asset, AssetQuery};
use roomterm_http_guard::HttpServer;

pub use super::sessions::{Sessions, COOKIE};
pub use password::{AdminPassword, FACTORY_PASSWORD, USER};

use super::{ApiState, LIMITS};
use crate::app::Terminal;
use crate::board::BoardProfile;
use crate::screen::Mirror;
use crate::store::DataDir;

static CSS: Asset = Asset {
    name: "admin.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../../assets/admin/admin.css"),
    version: LazyLock::new(|| roomterm_http_guard::pages::version(CSS.body)),
};
static JS: Asset = Asset {
    name: "admin.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../../assets/admin/admin.js"),
    version: LazyLock::new(|| roomterm_http_guard::pages::version(JS.body)),
};

/// What the web admin is given.
pub struct AdminOptions {
    pub listen: SocketAddr,
    pub terminal: Terminal,
    pub data: DataDir,
    pub sn: String,
    /// The control API's token (the bundle leaves it out).
    pub token: String,
    pub mirror: Mirror,
    /// For the bundle's self-check.
    pub board: Option<BoardProfile>,
    /// Restarts the terminal's software (`None`: not run by a service
    /// manager that would start it again; the page says so).
    pub restart: Option<Arc<dyn Fn() + Send + Sync>>,
}

#[derive(Clone)]
pub(crate) struct AdminState {
    api: ApiState,
    password: Arc<AdminPassword>,
    data: DataDir,
    board: Option<BoardProfile>,
    restart: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The running web admin (stopped when dropped).
pub struct WebAdmin {
    pub addr: SocketAddr,
    _server: HttpServer,
}

impl WebAdmin {
    pub async fn start(options: AdminOptions) -> anyhow::Result<Self> {
        let tls = tls::server_config(&options.data, &options.sn)?;
        let listener = tokio::net::TcpListener::bind(options.listen).await?;
        let addr = listener.local_addr()?;
        let sessions = Arc::new(Sessions::default());
        let api = ApiState {
            terminal: options.terminal,
            token: options.token,
            mirror: options.mirror,
            sessions: Some(sessions),
        };
        let state = AdminState {
            password: Arc::new(AdminPassword::new(options.data.root())),
            api: api.clone(),
            data: options.data,
            board: options.board,
            restart: options.restart,
        };
        let pages = Router::new()
            .route("/", get(pages::status))
            .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
            .route("/sign-out", post(pages::sign_out))
            .route(
                "/password",
                get(pages::password_form).post(pages::change_password),
            )
            .route("/remote", get(pages::remote))
            .route("/settings", get(settings_page::settings))
            .route("/settings/network", post(settings_page::network))
            .route("/settings/server", post(settings_page::server))
            .route("/diagnostics", get(pages::diagnostics))
            .route("/diagnostics/bundle", get(pages::bundle))
            .route("/diagnostics/check", post(pages::check))
            .route("/maintenance", get(pages::maintenance))
            .route("/maintenance/restart", post(pages::restart))
            .route("/maintenance/factory-reset", post(pages::factory_reset))
            .route("/assets/{name}", get(asset))
            .with_state(state);
        let app = pages.merge(super::routes().with_state(api));
        let server = HttpServer::start(listener, Some(tls), app, LIMITS)?;
        tracing::info!(%addr, "web admin listening (HTTPS)");
        Ok(Self {
            addr,
            _server: server,
        })
    }
}

async fn asset(
    Path(name): Path<String>,
    headers: HeaderMap,
    Query(query): Query<AssetQuery>,
) -> Response {
    roomterm_http_guard::pages::serve(&[&CSS, &JS], &name, &headers, &query)
        .unwrap_or_else(|| axum::http::StatusCode::NOT_FOUND.into_response())
}

/// Where the pages find their assets.
fn asset_urls() -> (String, String) {
    (CSS.url("/assets"), JS.url("/assets"))
}

/// The state's parts a handler reads.
impl AdminState {
    fn sessions(&self) -> &Sessions {
        self.api
            .sessions
            .as_deref()
            .expect("the web admin's API state has its sessions")
    }
}
