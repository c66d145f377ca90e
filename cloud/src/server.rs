//! Wiring: opens the store, creates the CA, starts the SIP registrar and the
//! HTTP APIs, and hands back what a caller (the binary or a test) needs.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use roomterm_proto::SipTransport;
use serde::{Deserialize, Serialize};

use crate::api::{self, AppState};
use crate::calls::{Router, RouterParts};
use crate::cast::{CastSettings, Casting};
use crate::clock::SharedClock;
use crate::devices::{Devices, SipSettings};
use crate::dialog::Contacts;
use crate::focus::{Focus, FocusConfig, FocusParts};
use crate::meetings::Meetings;
use crate::secrets;
use crate::sip::{Directory, Location, Realm, SipCore, SipServer};
use crate::tls::{write_private, Tls};
use roomterm_http_guard::{self as http_guard, HttpServer};

#[derive(Debug, Clone)]
pub struct CloudConfig {
    pub data_dir: PathBuf,
    /// The store: a PostgreSQL URL (several nodes share it), or `None`
    /// for the embedded SQLite database in `data_dir`.
    pub database: Option<String>,
    /// Address of the HTTP APIs.
    pub http_listen: SocketAddr,
    /// Address of the SIP registrar (UDP and TCP).
    pub sip_listen: SocketAddr,
    /// Transport terminals are told to register over (both are served).
    pub sip_transport: SipTransport,
    /// The SIP edge in front of several nodes (Kamailio): terminals are
    /// told to register there, and what it forwards is believed to come
    /// from the device its Via names. `None`: terminals reach this node.
    pub sip_edge: Option<SocketAddr>,
    /// SIP domain, also the digest realm.
    pub domain: String,
    /// Name or address terminals use to reach this cloud; derived from the
    /// listen address when not given.
    pub public_host: Option<String>,
    /// Serve plain HTTP instead of HTTPS (allowed on loopback only).
    pub plain_http: bool,
    /// The meetings' composed picture (tests use a small one).
    pub media_canvas: (u32, u32),
    /// A participant sending no media this long is dropped.
    pub media_timeout: std::time::Duration,
    /// Pictures a gallery page holds (25; tests turn pages with fewer).
    pub media_gallery_page: usize,
    /// The UDP ports of the media address (a firewall opens these): the
    /// first pair is the media echo's, calls use the rest. `None`: any.
    pub media_ports: Option<roomterm_rtp::PortRange>,
    /// Deadlines and shares on the HTTP APIs (slow or greedy clients).
    pub http_limits: http_guard::Limits,
    /// Load balancers in front of the HTTP(S) port (TCP mode, TLS passed
    /// through): their connections open with the PROXY protocol, which
    /// names the client each is for (lockouts, per-address shares).
    pub http_proxies: Vec<std::net::IpAddr>,
    /// How long a room's casting code works before the next one.
    pub cast_code_period: std::time::Duration,
    /// How long a browser's offer waits for its room's answer.
    pub cast_answer_timeout: std::time::Duration,
}

impl CloudConfig {
    /// Loopback, ephemeral ports: what tests and local trials want.
    pub fn local(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            database: None,
            http_listen: "127.0.0.1:0".parse().expect("valid address"),
            sip_listen: "127.0.0.1:0".parse().expect("valid address"),
            sip_transport: SipTransport::Udp,
            sip_edge: None,
            domain: "roomcloud.local".into(),
            public_host: None,
            plain_http: false,
            media_canvas: (1280, 720),
            media_timeout: crate::focus::MEDIA_TIMEOUT,
            media_gallery_page: crate::media::GALLERY_PAGE,
            media_ports: None,
            http_limits: http_guard::Limits::default(),
            http_proxies: Vec::new(),
            cast_code_period: crate::cast::CODE_PERIOD,
            cast_answer_timeout: crate::cast::ANSWER_TIMEOUT,
        }
    }
}

/// Where a running cloud can be reached; written to `<data>/cloud.json` for
/// the operator CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoints {
    pub api_url: String,
    pub sip_udp: SocketAddr,
    pub sip_tcp: SocketAddr,
    pub domain: String,
    /// Path of the CA certificate to trust (absent with plain HTTP).
    pub ca_path: Option<PathBuf>,
}

pub struct RunningCloud {
    pub endpoints: Endpoints,
    pub http_addr: SocketAddr,
    pub admin_token: String,
    /// PEM of the CA (empty with plain HTTP).
    pub ca_pem: String,
    pub devices: Arc<Devices>,
    pub meetings: Arc<Meetings>,
    /// The registrar's bindings held by this node (behind a SIP edge, each
    /// node holds those of the rooms whose REGISTERs it takes).
    pub location: Arc<Location>,
    /// The conference focus: meeting calls and their media.
    pub focus: Arc<Focus>,
    /// Point-to-point calls between rooms.
    pub router: Arc<Router>,
    /// Casting: the rooms' codes and the browsers' sessions.
    pub casting: Arc<Casting>,
    /// Console accounts.
    pub accounts: Arc<crate::accounts::Accounts>,
    http: HttpServer,
    _sip: SipServer,
}

impl RunningCloud {
    /// Stops serving HTTP (the port is closed on return; open requests get
    /// 2 s) and SIP.
    pub async fn shutdown(self) {
        self.devices.presence.close_all();
        self.http.shutdown(std::time::Duration::from_secs(2)).await;
        drop(self._sip);
    }
}

pub async fn start(config: CloudConfig, clock: SharedClock) -> anyhow::Result<RunningCloud> {
    if config.plain_http && !config.http_listen.ip().is_loopback() {
        anyhow::bail!(
            "plain HTTP is only allowed on a loopback address, not {}",
            config.http_listen
        );
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = crate::store::Store::open(&config.data_dir, config.database.as_deref()).await?;
    let admin_token = load_or_create_admin_token(&config.data_dir)?;
    let public_host = config
        .public_host
        .clone()
        .unwrap_or_else(|| default_public_host(config.http_listen.ip()));

    let tls = if config.plain_http {
        None
    } else {
        let mut names = vec![public_host.clone(), "localhost".into(), "127.0.0.1".into()];
        if !config.http_listen.ip().is_unspecified() {
            names.push(config.http_listen.ip().to_string());
        }
        names.sort();
        names.dedup();
        Some(Tls::load_or_create(&config.data_dir.join("tls"), &names)?)
    };

    let directory = Arc::new(Directory::from_rows(&store.list_sip_accounts().await?));
    let location = Arc::new(Location::default());
    crate::sip::directory_sync::follow(store.clone(), directory.clone(), location.clone());
    let mut aliases = vec![public_host.clone(), "localhost".into(), "127.0.0.1".into()];
    if !config.sip_listen.ip().is_unspecified() {
        aliases.push(config.sip_listen.ip().to_string());
    }
    if let Some(edge) = config.sip_edge {
        aliases.push(edge.ip().to_string());
        // The other nodes behind the edge find this node's rooms here.
        crate::sip::location_sync::mirror(store.clone(), location.clone(), clock.clone());
    }
    let realm = Realm {
        domain: config.domain.clone(),
        aliases,
    };
    let accounts = crate::accounts::Accounts::new(store.clone(), clock.clone());
    let meetings = Arc::new(Meetings::new(
        store.clone(),
        clock.clone(),
        config.domain.clone(),
    ));
    // Dialog requests go from the SIP core to the call router, which keeps
    // calls to rooms and passes the rest (meetings) to the conference focus.
    let (calls, dialog_requests) = tokio::sync::mpsc::unbounded_channel();
    let (responses_tx, responses) = tokio::sync::mpsc::unbounded_channel();
    let mut core = SipCore::new(realm, directory.clone(), location.clone(), clock.clone())
        .with_calls(calls)
        .with_responses(responses_tx);
    if let Some(edge) = config.sip_edge {
        core = core.with_edge(edge);
    }
    let transactions = core.transactions();
    let flows = core.flows.clone();
    let focus_flows = flows.clone();
    let sip = SipServer::start(config.sip_listen, Arc::new(core)).await?;
    let mut media = FocusConfig::new(media_ip(&public_host, config.sip_listen.ip()));
    media.canvas = config.media_canvas;
    media.media_timeout = config.media_timeout;
    media.gallery_page = config.media_gallery_page;
    media.media_ports = match config.media_ports {
        Some(range) => Some(range.after_first_pair().context("media ports: too few")?),
        None => None,
    };
    // In-dialog requests (ACK, BYE) come back to the Contact: it names the
    // ports really bound (the listen port may have been 0).
    let contacts = Contacts::new(&public_host, sip.udp_addr.port(), sip.tcp_addr.port());
    let router = Router::new(RouterParts {
        domain: config.domain.clone(),
        host: public_host.clone(),
        contacts: contacts.clone(),
        directory: directory.clone(),
        location: location.clone(),
        flows,
        transactions: transactions.clone(),
        store: store.clone(),
        clock: clock.clone(),
    });
    let focus = Focus::new(FocusParts {
        config: media,
        meetings: meetings.clone(),
        transactions,
        host: public_host.clone(),
        contacts,
        domain: config.domain.clone(),
        location: location.clone(),
        flows: focus_flows,
        store: store.clone(),
        clock: clock.clone(),
        // Behind a SIP edge, a meeting runs on the node composing least
        // when it starts (the edge reaches this one at its SIP address).
        placement: config.sip_edge.map(|_| {
            crate::focus::placement::Placement::new(
                store.clone(),
                url_host(&public_host, sip.udp_addr),
            )
        }),
    });
    crate::focus::placement::publish(&focus);
    let (to_focus, focus_requests) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(focus.clone().run(focus_requests));
    let answers_to_focus = focus.clone();
    tokio::spawn(crate::calls::dispatch(
        router.clone(),
        dialog_requests,
        responses,
        to_focus,
        move |response| answers_to_focus.on_response(response),
    ));

    let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone()).unwrap_or_default();
    // The media address's echo, for the rooms' diagnostics: on the media
    // ports' first, so what reaches it passes the same firewall rule as
    // the calls' media.
    let echo_port = config.media_ports.map_or(0, |range| range.first());
    let echo = tokio::net::UdpSocket::bind((config.sip_listen.ip(), echo_port))
        .await
        .context("cannot bind the media echo")?;
    let echo_addr = echo.local_addr()?;
    tokio::spawn(crate::media::echo::serve(echo));
    let mut devices = Devices::new(
        store.clone(),
        clock.clone(),
        directory,
        location.clone(),
        SipSettings {
            domain: config.domain.clone(),
            proxy: match config.sip_edge {
                Some(edge) => edge.to_string(),
                None => url_host(&public_host, sip.udp_addr),
            },
            transport: config.sip_transport,
            media_echo: Some(url_host(&public_host, echo_addr)),
        },
        ca_pem.clone(),
    )
    .with_updates_dir(config.data_dir.join("updates"));
    if let Some(tls) = &tls {
        devices = devices.with_device_certs(tls.device_certs.clone());
    }
    let devices = Arc::new(devices);
    crate::devices::presence_sync::follow(store.clone(), devices.presence.clone());
    // The listener first: the casting page's address names its port.
    let listener = tokio::net::TcpListener::bind(config.http_listen)
        .await
        .with_context(|| format!("cannot bind HTTP {}", config.http_listen))?;
    let http_addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let endpoints = Endpoints {
        api_url: format!("{scheme}://{}", url_host(&public_host, http_addr)),
        sip_udp: sip.udp_addr,
        sip_tcp: sip.tcp_addr,
        domain: config.domain.clone(),
        ca_path: (!config.plain_http).then(|| config.data_dir.join("tls").join("ca.pem")),
    };
    let casting = Arc::new(Casting::new(
        CastSettings {
            page: format!("{}/cast", endpoints.api_url),
            code_period: config.cast_code_period,
            answer_timeout: config.cast_answer_timeout,
        },
        clock.clone(),
        store.clone(),
    ));
    let app = api::router(AppState {
        devices: devices.clone(),
        meetings: meetings.clone(),
        focus: focus.clone(),
        casting: casting.clone(),
        admin_token_hash: secrets::hash_token(&admin_token),
        control: Arc::new(api::ControlSessions::new(clock.clone(), store)),
        accounts: accounts.clone(),
    });
    let http = HttpServer::start_behind(
        listener,
        tls.map(|tls| tls.server_config),
        app,
        config.http_limits,
        config.http_proxies.clone(),
    )?;

    let json = serde_json::to_vec_pretty(&endpoints)?;
    std::fs::write(config.data_dir.join("cloud.json"), json)?;
    tracing::info!(api = %endpoints.api_url, "HTTP APIs listening on {http_addr}");

    Ok(RunningCloud {
        endpoints,
        http_addr,
        admin_token,
        ca_pem,
        devices,
        meetings,
        location,
        focus,
        router,
        casting,
        accounts,
        http,
        _sip: sip,
    })
}

/// Where participants send media: the public host if it is an address,
/// else the SIP listen address, else this machine's outward address.
fn media_ip(public_host: &str, sip_ip: IpAddr) -> IpAddr {
    public_host
        .parse()
        .ok()
        .or((!sip_ip.is_unspecified()).then_some(sip_ip))
        .unwrap_or_else(|| {
            default_public_host(sip_ip)
                .parse()
                .unwrap_or(IpAddr::from([127, 0, 0, 1]))
        })
}

/// `host:port` with the public host and `addr`'s port, an IPv6 address in
/// brackets (for URLs, the SIP proxy and the focus's Contact).
fn url_host(public_host: &str, http_addr: SocketAddr) -> String {
    match public_host.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => format!("[{ip}]:{}", http_addr.port()),
        _ => format!("{public_host}:{}", http_addr.port()),
    }
}

fn load_or_create_admin_token(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("admin-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        let token = token.trim().to_string();
        if !token.is_empty() {
            return Ok(token);
        }
    }
    let token = secrets::new_token("rta_");
    write_private(&path, token.as_bytes())?;
    Ok(token)
}

/// The listen address if it is specific, else the first non-loopback IPv4
/// address of this host, else loopback.
fn default_public_host(listen: IpAddr) -> String {
    if !listen.is_unspecified() {
        return listen.to_string();
    }
    if_addrs::get_if_addrs()
        .ok()
        .and_then(|addrs| {
            addrs
                .into_iter()
                .find(|a| !a.is_loopback() && a.ip().is_ipv4())
                .map(|a| a.ip().to_string())
        })
        .unwrap_or_else(|| "127.0.0.1".into())
}
