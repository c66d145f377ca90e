//! The JSON shape of the terminal's status in the control API: stable field
//! names and machine-readable states, independent of internal types.

use serde::Serialize;

use super::{PingState, ProvisioningStatus, TerminalStatus};
use crate::net::{InterfaceAddress, PingReport};
use crate::provision::ActivationError;
use crate::sip::{CallEnd, CallState, RegFailure, RegStatus};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusView {
    pub sn: String,
    pub room_name: Option<String>,
    pub number: Option<String>,
    /// The room's own meeting room (Home's Start meeting joins it).
    pub meeting_room: Option<String>,
    /// `connected` with the addresses as reason, or `no_address`.
    pub network: LineView,
    pub addresses: Vec<InterfaceAddress>,
    pub provisioning: LineView,
    pub sip: LineView,
    pub activation_error: Option<ErrorView>,
    pub ping: PingView,
    /// `none`, `calling`, `ringing` (the far end rings), `incoming` (a
    /// call rings here, with its caller), `in_call`, or `ended` with the
    /// reason (`refused` carries `status phrase` and the stable code).
    pub call: CallView,
    /// The speaker's level, 0–100.
    pub speaker_volume: u8,
    /// The screen is in standby.
    pub standby: bool,
    /// A software update under way; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateView>,
    /// Casting: the code on screen and the cast showing.
    pub cast: CastView,
}

/// Casting as the room shows it: `code`, `page` and `url` (absent before
/// the cloud sent a code), `state` `none` or `showing` with who shares
/// (`caster`, `codec` once the first picture came), and why the last cast
/// ended (`ended`: `stopped_by_caster`, `connection_lost`, …).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CastView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<&'static str>,
    /// The cast is shared into the meeting the room is in, as content.
    pub in_meeting: bool,
}

fn cast_view(s: &TerminalStatus) -> CastView {
    let code = s.cast_code.as_ref();
    CastView {
        code: code.map(|c| c.code.clone()),
        page: code.map(|c| c.page.clone()),
        url: code.map(|c| c.url.clone()),
        state: if s.cast.is_some() { "showing" } else { "none" },
        caster: s.cast.as_ref().map(|c| c.caster.clone()),
        codec: s.cast.as_ref().and_then(|c| c.codec),
        ended: s.cast_ended.map(|(reason, _)| reason.as_str()),
        in_meeting: s.cast.as_ref().is_some_and(|c| c.in_meeting),
    }
}

/// An update under way: `deferred` (offered during a call; starts when it
/// ends), `downloading` and `installing` with a percentage,
/// `waiting_for_call` (installed; the restart waits for the call to end),
/// `rebooting`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UpdateView {
    pub version: String,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallView {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The cloud's reason code for a refusal (`wrong_password`, `full`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Who calls, while an incoming call rings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<CallerView>,
    /// The microphone is muted.
    pub muted: bool,
    /// The camera is on (the far end sees black while it is off).
    pub camera_on: bool,
    /// While in a call: the network quality (level, loss icon, warning,
    /// losses over the last 6 s as fractions, jitter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<crate::media::QualityReport>,
    /// In a meeting: how many are in it, who (hosts marked), and the
    /// layout this room watches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::sip::conference::Roster>,
    /// Why the camera or microphone is not used in the call (the far end
    /// sees black, hears silence): `camera_missing`, `microphone_missing`.
    #[serde(flatten)]
    pub devices: crate::media::Devices,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallerView {
    pub name: String,
    pub number: String,
}

fn call_view(s: &TerminalStatus) -> CallView {
    let call = s.call.as_ref();
    let caller = match call {
        Some(CallState::Incoming { caller, .. }) => Some(CallerView {
            name: caller.name.clone(),
            number: caller.number.clone(),
        }),
        _ => None,
    };
    let (state, reason, code) = match call {
        None => ("none", None, None),
        Some(CallState::Incoming { .. }) => ("incoming", None, None),
        Some(CallState::Calling) => ("calling", None, None),
        Some(CallState::Ringing) => ("ringing", None, None),
        Some(CallState::Established { .. }) => ("in_call", None, None),
        Some(CallState::Ended(end)) => match end {
            CallEnd::Refused {
                status,
                reason,
                code,
            } => ("ended", Some(format!("{status} {reason}")), code.clone()),
            CallEnd::Timeout => ("ended", Some("no answer".into()), None),
            CallEnd::HungUp => ("ended", Some("hung up".into()), None),
            CallEnd::RemoteHungUp { code } => {
                ("ended", Some("the other side hung up".into()), code.clone())
            }
            CallEnd::Declined => ("ended", Some("declined".into()), None),
            CallEnd::Missed => ("ended", Some("missed".into()), None),
        },
    };
    // Placed again after its media stopped: neither a new call nor ended.
    let state = match state {
        "calling" | "ringing" | "in_call" if s.call_reconnecting => "reconnecting",
        state => state,
    };
    CallView {
        state,
        reason,
        code,
        caller,
        muted: s.mic_muted,
        camera_on: !s.camera_off,
        quality: s.call_quality.clone(),
        roster: s.call_roster.clone(),
        devices: s.call_devices.clone(),
    }
}

/// The diagnostics ping: `not_run`, `running` or `done` with the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PingView {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<PingReport>,
}

/// One status line: a state and, when not fine, why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LineView {
    /// e.g. `connected`, `registered`, `failed`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorView {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

fn line(state: &'static str, reason: Option<String>) -> LineView {
    LineView { state, reason }
}

pub fn activation_error(err: &ActivationError) -> ErrorView {
    let code = match err {
        ActivationError::WrongCode => "wrong_code",
        ActivationError::CodeExpired => "code_expired",
        ActivationError::CodeUsed => "code_used",
        ActivationError::Locked { .. } => "ip_locked",
        ActivationError::Unreachable(_) => "server_unreachable",
        ActivationError::Untrusted(_) => "server_untrusted",
        ActivationError::Refused(_) => "refused",
    };
    let retry_after_secs = match err {
        ActivationError::Locked { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    ErrorView {
        code,
        message: err.to_string(),
        retry_after_secs,
    }
}

impl From<&TerminalStatus> for StatusView {
    fn from(s: &TerminalStatus) -> Self {
        Self::at(s, std::time::Instant::now())
    }
}

impl StatusView {
    /// The status as seen at `now`: a lockout's remaining time counts down.
    pub fn at(s: &TerminalStatus, now: std::time::Instant) -> Self {
        let provisioning = match &s.provisioning {
            ProvisioningStatus::NotActivated => line("not_activated", None),
            ProvisioningStatus::Connecting => line("connecting", None),
            ProvisioningStatus::Connected => line("connected", None),
            ProvisioningStatus::Disconnected { reason } => {
                line("disconnected", Some(reason.clone()))
            }
            ProvisioningStatus::Unbound { reason } => line("unbound", Some(reason.clone())),
        };
        let sip = match &s.sip {
            None => line("not_configured", None),
            Some(RegStatus::Registering) => line("registering", None),
            Some(RegStatus::Registered { .. }) => line("registered", None),
            Some(RegStatus::Failed(failure)) => match failure {
                RegFailure::Timeout => line("timeout", None),
                RegFailure::WrongCredentials(code) => {
                    line("wrong_credentials", Some(code.to_string()))
                }
                RegFailure::Rejected { code, reason } => {
                    line("rejected", Some(format!("{code} {reason}")))
                }
                RegFailure::Unreachable(why) => line("unreachable", Some(why.clone())),
            },
        };
        let network = match s.network.as_slice() {
            [] => line("no_address", None),
            addresses => line(
                "connected",
                Some(
                    addresses
                        .iter()
                        .map(|a| format!("{} {}", a.interface, a.address))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        };
        let ping = match &s.ping {
            PingState::NotRun => PingView {
                state: "not_run",
                report: None,
            },
            PingState::Running => PingView {
                state: "running",
                report: None,
            },
            PingState::Done(report) => PingView {
                state: "done",
                report: Some(report.clone()),
            },
        };
        Self {
            sn: s.sn.clone(),
            room_name: s.room_name.clone(),
            number: s.number.clone(),
            meeting_room: s.meeting_room.clone(),
            network,
            addresses: s.network.clone(),
            provisioning,
            sip,
            activation_error: s.activation_error.as_ref().map(|err| {
                let mut view = activation_error(err);
                if let (Some(_), Some(until)) = (view.retry_after_secs, s.locked_until) {
                    // Whole seconds left, rounded up: 0 only once it is over.
                    let left = until.saturating_duration_since(now);
                    view.retry_after_secs = Some(left.as_millis().div_ceil(1000) as u64);
                }
                view
            }),
            ping,
            call: call_view(s),
            speaker_volume: s.speaker_volume,
            standby: s.standby,
            cast: cast_view(s),
            update: s.update.as_ref().map(|u| UpdateView {
                version: u.version.clone(),
                state: u.state.as_str(),
                progress: u.progress,
            }),
        }
    }
}
