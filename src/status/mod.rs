//! What the terminal shows on its status lines, as data: the one status
//! the runtime publishes and every face reads (the screen, the control
//! API, the LEDs, the stdout line). `view.rs` names it in the codes the
//! control API documents and the screen translates.

mod view;

pub use view::{activation_error, StatusView};

use crate::net::{InterfaceAddress, PingReport};
use crate::provision::ActivationError;
use crate::sip::RegStatus;

/// The provisioning ("ACS") line.
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisioningStatus {
    /// No credentials: the first-boot wizard must activate the terminal.
    NotActivated,
    Connecting,
    Connected,
    Disconnected {
        reason: String,
    },
    /// The cloud removed this terminal; it must be activated again.
    Unbound {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TerminalStatus {
    pub sn: String,
    pub provisioning: ProvisioningStatus,
    /// `None` until activated.
    pub sip: Option<RegStatus>,
    /// The cloud's SIP domain (rooms are `sip:<number>@<domain>`), once
    /// activated.
    pub sip_domain: Option<String>,
    pub room_name: Option<String>,
    pub number: Option<String>,
    /// The room's own meeting room (Start meeting joins it as host).
    pub meeting_room: Option<String>,
    /// The outcome of the last activation attempt, for the wizard's error page.
    pub activation_error: Option<ActivationError>,
    /// When an IP lockout ends (from the cloud's Retry-After), so the
    /// remaining time counts down on screen and in the control API.
    pub locked_until: Option<std::time::Instant>,
    /// The terminal's addresses now (empty: no network).
    pub network: Vec<InterfaceAddress>,
    /// The diagnostics page's connection test.
    pub ping: PingState,
    /// The current or last call (`None` before the first).
    pub call: Option<crate::sip::CallState>,
    /// The microphone is muted in the call (every call starts unmuted).
    pub mic_muted: bool,
    /// The camera is off in the call (every call starts with it on).
    pub camera_off: bool,
    /// The speaker's level, 0–100 (kept across calls and restarts).
    pub speaker_volume: u8,
    /// The screen is in standby (dark until a touch, a key or a call).
    pub standby: bool,
    /// Where the settings want the line protocol to listen (`None`: off).
    pub line_protocol: Option<std::net::SocketAddr>,
    /// The network quality of the call in progress.
    pub call_quality: Option<crate::media::QualityReport>,
    /// The meeting's roster (who, how many, the layout this room watches)
    /// while in a meeting; `None` in a room-to-room call.
    pub call_roster: Option<crate::sip::conference::Roster>,
    /// A camera or microphone that did not open for the call in progress.
    pub call_devices: crate::media::Devices,
    /// A software update under way (downloading, installing, waiting for
    /// the call to end, restarting); `None` otherwise.
    pub update: Option<crate::update::UpdateProgress>,
    /// The casting code to show, as the cloud last pushed it.
    pub cast_code: Option<roomterm_proto::CastCode>,
    /// The cast on screen (`None`: nobody casts).
    pub cast: Option<CastStatus>,
    /// How the last cast ended, and when (the screen says why for a while).
    pub cast_ended: Option<(roomterm_proto::CastEnd, std::time::Instant)>,
    /// When the last call ended (the screen says why for a while when the
    /// cloud ended it).
    pub call_ended_at: Option<std::time::Instant>,
    /// The meeting's media stopped and the room is placing the call again
    /// (its cloud node may have gone; the edge takes it to another).
    pub call_reconnecting: bool,
}

/// A cast on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CastStatus {
    /// The cloud's name for it (the WHIP resource).
    pub session: String,
    /// Who shares, as they typed it.
    pub caster: String,
    /// "H264" or "VP8", once the first picture arrived.
    pub codec: Option<&'static str>,
    pub since: std::time::Instant,
    /// Someone asking to take over (the room's setting asks the room).
    pub asking: Option<String>,
    /// Shared into the meeting the room is in, as content.
    pub in_meeting: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum PingState {
    #[default]
    NotRun,
    Running,
    Done(PingReport),
}

impl TerminalStatus {
    pub fn new(sn: &str) -> Self {
        Self {
            sn: sn.to_string(),
            provisioning: ProvisioningStatus::NotActivated,
            sip: None,
            sip_domain: None,
            room_name: None,
            number: None,
            meeting_room: None,
            activation_error: None,
            locked_until: None,
            network: Vec::new(),
            ping: PingState::NotRun,
            call: None,
            mic_muted: false,
            camera_off: false,
            speaker_volume: crate::store::DEFAULT_VOLUME,
            standby: false,
            line_protocol: None,
            call_quality: None,
            call_roster: None,
            call_devices: Default::default(),
            update: None,
            cast_code: None,
            cast: None,
            cast_ended: None,
            call_ended_at: None,
            call_reconnecting: false,
        }
    }

    /// One line for people and scripts: the headless terminal's stdout,
    /// the status file the image's health check reads.
    pub fn summary(&self) -> String {
        let s = self;
        let provisioning = match &s.provisioning {
            ProvisioningStatus::NotActivated => "not activated".to_string(),
            ProvisioningStatus::Connecting => "connecting".into(),
            ProvisioningStatus::Connected => "connected".into(),
            ProvisioningStatus::Disconnected { reason } => format!("disconnected ({reason})"),
            ProvisioningStatus::Unbound { reason } => format!("unbound ({reason})"),
        };
        let sip = match &s.sip {
            None => "-".to_string(),
            Some(RegStatus::Registering) => "registering".into(),
            Some(RegStatus::Registered { .. }) => "registered".into(),
            Some(RegStatus::Failed(why)) => format!("not registered: {why}"),
        };
        let call = StatusView::from(s).call;
        let call = match (call.state, call.reason) {
            ("none", _) => String::new(),
            (state, Some(reason)) => format!("  call {state} ({reason})"),
            (state, None) => format!("  call {state}"),
        };
        let update = match &s.update {
            None => String::new(),
            Some(u) => format!("  update {} {}", u.version, u.state.as_str()),
        };
        format!(
            "room {:?}  number {}  provisioning {provisioning}  SIP {sip}{call}{update}",
            s.room_name.as_deref().unwrap_or("-"),
            s.number.as_deref().unwrap_or("-")
        )
    }

    pub fn is_registered(&self) -> bool {
        matches!(self.sip, Some(RegStatus::Registered { .. }))
    }

    /// A call is placed, ringing or under way: nothing may restart the
    /// terminal now.
    pub fn in_call(&self) -> bool {
        use crate::sip::CallState;
        matches!(
            self.call,
            Some(
                CallState::Calling
                    | CallState::Ringing
                    | CallState::Incoming { .. }
                    | CallState::Established { .. }
            )
        )
    }
}
