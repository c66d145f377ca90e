//! What the [`Terminal`](super::Terminal) handle asks of the runtime: one
//! message per call, handled in order.

use tokio::sync::oneshot;

use super::calls::CallPeer;
use crate::keys::Key;
use crate::provision::ActivationError;
use crate::ui::Control;

pub enum Command {
    Activate {
        server_url: String,
        code: String,
        reply: oneshot::Sender<Result<(), ActivationError>>,
    },
    FactoryReset {
        reply: oneshot::Sender<std::io::Result<()>>,
    },
    /// A key from a keyboard, remote or the control API.
    Key(Key),
    /// A tap on a control (touch, or the control API).
    Tap(Control),
    /// Text typed into the focused field.
    Text(String),
    /// A room of the Dial page's directory picked by touch.
    PickContact(usize),
    /// Join a meeting (`<id>[*<password>]`) or call a room (its number).
    Join {
        user: String,
        /// What the in-call page names: the meeting's ID, or the room's number.
        peer: CallPeer,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// End the call.
    HangUp,
    /// Answer the call ringing here.
    Answer {
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Decline the call ringing here.
    Decline,
    /// Answer incoming calls without asking (saved in the settings).
    SetAutoAnswer(bool),
    /// Mute or unmute the microphone in the call.
    SetMuted(bool),
    /// Turn the camera on or off in the call.
    SetCamera(bool),
    /// The speaker's level, 0–100.
    SetVolume(u8),
    /// The meeting layout this room watches.
    SetLayout(String),
    /// A host action in the meeting (the cloud's JSON form).
    HostAction {
        action: serde_json::Value,
        reply: oneshot::Sender<Result<super::HostOutcome, super::HostActionError>>,
    },
    /// Ends the cast showing (as the room's Stop does).
    StopCast,
    /// Standby on (if the room may sleep now) or off.
    Standby(bool),
    /// Where the line protocol listens (`None`: off), saved.
    SetLineProtocol(Option<std::net::SocketAddr>),
    /// Idle minutes before standby (0: never; saved in the settings).
    SetStandbyMinutes(u32),
    /// A checked network configuration, saved and applied.
    SetNetwork(crate::store::NetworkSettings),
    /// The cloud to activate with (before activation only; checked).
    SetServer(String),
    /// The web admin's reachability check.
    CheckReachability(oneshot::Sender<super::network::Reachability>),
    /// Answered once everything queued before it is handled.
    Barrier(oneshot::Sender<()>),
    /// Unregister and stop, answered when done.
    Shutdown(oneshot::Sender<()>),
}
