//! Casting on the config channel: a browser shares its screen to a room.
//!
//! The cloud issues each room's casting codes and relays the browser's
//! signalling (WHIP-shaped HTTP on its side, RFC 9725) to the room over the
//! room's config channel; media then flows peer to peer (WebRTC) between
//! the browser and the room on the LAN. A session is named by an id the
//! cloud makes (the WHIP resource's last path segment).

use serde::{Deserialize, Serialize};

/// The code a room shows for casting, pushed when issued and on every
/// rotation. A session started with it stays valid after it rotates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CastCode {
    /// Six digits.
    pub code: String,
    /// Unix seconds from which the cloud no longer accepts it for a new
    /// session; the cloud sends the next code as this passes (it checks
    /// every second).
    pub valid_until: i64,
    /// The casting page (`https://<cloud>/cast`), shown as text.
    pub page: String,
    /// The page with this code filled in (`…/cast/<code>`): the QR code.
    pub url: String,
}

/// Who may replace a cast that is showing (a room setting).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TakeOver {
    /// A second caster who confirms replaces the first.
    #[default]
    Allowed,
    /// The room is asked on screen; nobody answering refuses.
    AskRoom,
    /// One cast at a time until it stops.
    Never,
}

/// Why a room did not take a cast.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CastRefusal {
    /// Someone else is showing; the caster may ask to take over.
    Busy,
    /// Someone else is showing and the room's setting keeps them on.
    TakeOverNotAllowed,
    /// The room was asked and said no (or nobody answered).
    DeclinedByRoom,
    /// The offer could not be answered (no common codec, media error).
    Unsupported,
    #[serde(other)]
    Unknown,
}

/// Why a cast stopped.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CastEnd {
    /// The caster pressed Stop or closed the tab.
    StoppedByCaster,
    /// Someone in the room pressed Stop.
    StoppedByRoom,
    /// An admin stopped it from the cloud.
    StoppedByAdmin,
    /// Another caster took over.
    TakenOver,
    /// The connection failed (ICE) or went silent (network dropped).
    ConnectionLost,
    /// The room's channel to the cloud closed.
    RoomOffline,
    #[serde(other)]
    Unknown,
}

impl CastEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StoppedByCaster => "stopped_by_caster",
            Self::StoppedByRoom => "stopped_by_room",
            Self::StoppedByAdmin => "stopped_by_admin",
            Self::TakenOver => "taken_over",
            Self::ConnectionLost => "connection_lost",
            Self::RoomOffline => "room_offline",
            Self::Unknown => "unknown",
        }
    }
}

impl CastRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::TakeOverNotAllowed => "take_over_not_allowed",
            Self::DeclinedByRoom => "declined_by_room",
            Self::Unsupported => "unsupported",
            Self::Unknown => "unknown",
        }
    }
}
