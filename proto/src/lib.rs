//! Wire types shared by the terminal (`roomterm`) and the cloud (`roomcloud`).
//!
//! Only plain serde types live here: the JSON bodies of the device API and the
//! messages of the config channel, plus the SIP digest arithmetic both sides
//! compute. Keep it tiny; logic belongs to either side.

pub mod cast;
pub mod digest;
pub mod password;

pub use cast::{CastCode, CastEnd, CastRefusal, TakeOver};

use serde::{Deserialize, Serialize};

/// Path prefix of the device-facing HTTP API.
pub const DEVICE_API: &str = "/api/device/v1";
/// Path prefix of the admin HTTP API.
pub const ADMIN_API: &str = "/api/admin/v1";

/// One entry of `GET {DEVICE_API}/directory`: the other activated rooms of
/// the terminal's enterprise and its third-party SIP endpoints, which it
/// can call by number (a room's digits, an endpoint's account name).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub name: String,
    /// The SIP user part to dial.
    pub number: String,
    /// Registered now (a call would ring).
    pub online: bool,
}

/// `GET {DEVICE_API}/meetings`: a meeting this room owns or is invited to,
/// running now or starting within a day, at its current or next
/// occurrence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScheduledMeeting {
    pub meeting_id: String,
    pub subject: String,
    /// Who booked it (empty: nobody named; absent from an older cloud).
    #[serde(default)]
    pub organiser: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub ends_at: i64,
}

/// `POST {DEVICE_API}/activate`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivateRequest {
    pub sn: String,
    pub code: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub software_version: Option<String>,
    /// The public key of the terminal's web admin (an uncompressed P-256
    /// point, hex): the cloud's CA signs a certificate for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_public_key: Option<String>,
}

/// Answer to a successful activation. The SIP password and the device token are
/// shown exactly once; the cloud keeps only hashes of them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivateResponse {
    /// Bearer token for every later device API call.
    pub device_token: String,
    pub sip: SipCredentials,
    pub config: DeviceConfig,
    /// PEM of the cloud's CA; the terminal pins it for all later TLS connections.
    pub ca_pem: String,
    /// Path of the config channel (WebSocket), relative to the API base URL.
    pub channel_path: String,
    /// The web admin's certificate (PEM, then the CA's), signed by the
    /// cloud's CA for `roomterm-<sn>.local`, when a key was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_certificate: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SipCredentials {
    pub username: String,
    pub password: String,
    /// SIP domain and digest realm, e.g. `roomcloud.local`.
    pub domain: String,
    /// Where to send REGISTER: `host:port`, reachable over UDP and TCP.
    pub proxy: String,
    /// Registration interval the cloud suggests, in seconds.
    pub register_expires: u32,
    /// Transport to register over. Absent (older clouds) means UDP.
    #[serde(default)]
    pub transport: SipTransport,
}

/// The SIP transport a cloud asks its terminals to use.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SipTransport {
    #[default]
    Udp,
    Tcp,
    /// A transport this build does not know (e.g. `tls` from a newer
    /// cloud): the answer still parses, and the terminal falls back.
    #[serde(other)]
    Unknown,
}

/// Configuration the cloud manages for one device. Pushed again on every change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DeviceConfig {
    /// Monotonic version; a terminal ignores a config older than the one it has.
    pub version: i64,
    /// Room name shown on the home page.
    pub name: String,
    pub enterprise: String,
    pub sn: String,
    /// Device number (the SIP user part) others dial to reach this room.
    pub number: String,
    /// Seconds between heartbeats on the config channel.
    pub heartbeat_secs: u32,
    /// A software update the cloud wants installed (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateOffer>,
    /// The room's own meeting room (its meeting ID): Start meeting joins
    /// it, as host (absent: a cloud without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_room: Option<String>,
    /// `host:port` of the cloud's media echo: the room's diagnostics
    /// check UDP reaches the media address (absent: a cloud without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_echo: Option<String>,
}

/// A signed update bundle (RAUC) for the terminal to install.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UpdateOffer {
    /// Changes with every offer: a device that gave up on one (failed,
    /// rolled back) tries again only when offered anew.
    pub id: i64,
    /// The release the bundle installs (its image's `IMAGE_VERSION`).
    pub version: String,
    /// Where to download it: a path of the device API, or a full URL.
    pub url: String,
    /// Lowercase hex SHA-256 and size of the bundle file.
    pub sha256: String,
    pub size: u64,
}

/// Where an update stands on the device, as it reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// Offered during a call: the download starts once no call has been in
    /// progress for a few seconds (an update never competes with a meeting
    /// for the network and the disk).
    Deferred,
    Downloading,
    Installing,
    /// Installed into the other slot; the restart into it waits for the
    /// call in progress to end.
    WaitingForCall,
    /// Installed into the other slot; restarting into it.
    Rebooting,
    /// Running the offered release (also when it already was).
    Installed,
    Failed,
    /// The new release did not come up healthy; the device runs the
    /// previous one again.
    RolledBack,
    /// A state this build does not know (from a newer terminal).
    #[serde(other)]
    Unknown,
}

impl UpdateState {
    /// The name on the wire (`waiting_for_call`), for views and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deferred => "deferred",
            Self::Downloading => "downloading",
            Self::Installing => "installing",
            Self::WaitingForCall => "waiting_for_call",
            Self::Rebooting => "rebooting",
            Self::Installed => "installed",
            Self::Failed => "failed",
            Self::RolledBack => "rolled_back",
            Self::Unknown => "unknown",
        }
    }
}

/// Message from the cloud to the terminal on the config channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Sent when the channel opens and whenever the config changes.
    Config { config: DeviceConfig },
    /// Answer to a heartbeat, with the cloud's clock (unix seconds).
    HeartbeatAck { server_time: i64 },
    /// The device was removed or unbound: the terminal must forget its credentials.
    Unbound { message: String },
    /// A meeting of the room's enterprise was made, changed or cancelled:
    /// the room fetches its meetings of the day again.
    ScheduleChanged,
    /// The room's casting code: on open and on every rotation.
    CastCode { code: CastCode },
    /// A browser offers to cast (SDP offer, WebRTC). The room answers with
    /// `cast_answer` or `cast_refused`. `take_over`: the caster confirmed
    /// replacing whoever is showing.
    CastOffer {
        session: String,
        caster: String,
        sdp: String,
        #[serde(default)]
        take_over: bool,
    },
    /// A trickled ICE candidate of the browser (an SDP `a=candidate` value).
    CastCandidate {
        session: String,
        /// The index of the candidate's m-line in the offer.
        mline: u32,
        /// The attribute without `a=`: `candidate:1 1 udp …`, as
        /// `RTCIceCandidate.candidate` and webrtcbin's `add-ice-candidate`
        /// take it.
        candidate: String,
    },
    /// The cast `session` ends (the caster stopped, an admin, a take-over).
    CastStop { session: String, reason: CastEnd },
}

/// Message from the terminal to the cloud on the config channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceMessage {
    Heartbeat {
        #[serde(default)]
        software_version: Option<String>,
        /// The file system holding the terminal's data (settings, logs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        storage: Option<Storage>,
    },
    /// Progress or outcome of the update offer `offer`.
    UpdateStatus {
        offer: i64,
        version: String,
        state: UpdateState,
        /// Percent of the current step (download, install).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        progress: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// The room's SDP answer to `cast_offer` (ICE candidates inline).
    CastAnswer { session: String, sdp: String },
    /// The room did not take the cast; `showing` names who is on screen.
    CastRefused {
        session: String,
        reason: CastRefusal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        showing: Option<String>,
    },
    /// A cast the room took has ended on the room's side.
    CastEnded { session: String, reason: CastEnd },
}

/// Size and free space of the file system a terminal keeps its data on
/// (the image's data partition): an operator sees a disk filling with logs,
/// or an installer's image that did not grow to the eMMC, before it bites.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Storage {
    pub total_bytes: u64,
    pub free_bytes: u64,
}

/// Every error of the HTTP APIs has this body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorDetail {
    /// Stable, machine-readable code (e.g. `ip_locked`); see docs/API.md.
    pub code: String,
    /// Human-readable English message.
    pub message: String,
    /// Present when the client should wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_state_names_are_the_wire_names() {
        use UpdateState::*;
        for state in [
            Deferred,
            Downloading,
            Installing,
            WaitingForCall,
            Rebooting,
            Installed,
            Failed,
            RolledBack,
            Unknown,
        ] {
            let wire = serde_json::to_value(state).unwrap();
            assert_eq!(wire.as_str(), Some(state.as_str()));
        }
    }

    #[test]
    fn channel_messages_are_tagged() {
        let msg = ServerMessage::HeartbeatAck { server_time: 7 };
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(json, r#"{"type":"heartbeat_ack","server_time":7}"#);
        let back: DeviceMessage =
            serde_json::from_str(r#"{"type":"heartbeat","software_version":"1.0"}"#).unwrap();
        assert_eq!(
            back,
            DeviceMessage::Heartbeat {
                software_version: Some("1.0".into()),
                storage: None,
            }
        );
    }

    #[test]
    fn sip_transport_is_optional_and_tolerates_new_names() {
        let base =
            r#""username":"1","password":"p","domain":"d","proxy":"h:5060","register_expires":60"#;
        let parse = |extra: &str| -> SipTransport {
            serde_json::from_str::<SipCredentials>(&format!("{{{base}{extra}}}"))
                .unwrap()
                .transport
        };
        assert_eq!(parse(""), SipTransport::Udp);
        assert_eq!(parse(r#","transport":"tcp""#), SipTransport::Tcp);
        assert_eq!(parse(r#","transport":"tls""#), SipTransport::Unknown);
    }
}
