//! The terminal's runtime: activation, the provisioning channel, SIP
//! registration, calls and their media tied together, publishing one
//! [`TerminalStatus`] and one [`UiState`] that every face reads (screen,
//! control API, LEDs, stdout).
//!
//! [`Terminal`] is the handle every input holds (keys, taps, the control
//! API); each call on it becomes a [`Command`] the runtime task handles in
//! order. The runtime owns one part per capability, each in its own file:
//!
//! | file | capability |
//! |---|---|
//! | `runtime.rs` | the task: the parts, the select loop, commands and the UI's effects routed to the parts |
//! | `session.rs` | an activated terminal's session: config channel, SIP agent, updater, and what the cloud pushes (config, unbind, reconnection) |
//! | `activation.rs` | activating with a code: credentials and CA stored, the outcome (lockout time) shown |
//! | `calls.rs` | placing, answering, declining and hanging up calls; a call ringing here |
//! | `active_call.rs` | one call under way: its media bound, sending once answered, its state, quality and roster mirrored |
//! | `media_controls.rs` | microphone, camera, speaker level (saved), the meeting layout |
//! | `hosting.rs` | host actions from this room: an INFO to the focus, its answer |
//! | `network.rs` | the OS network settings, the network line, the diagnostics ping |
//! | `directory.rs` | the enterprise directory for the Dial page |
//! | `cast.rs` | casting: the code to show, a browser's offer answered or refused (one caster, the take-over setting), the cast shown and ended |
//! | `content.rs` | a cast shared into the meeting as content: the content leg, the re-INVITE that offers it and the one that withdraws it |
//! | `published.rs` | the status and UI watch senders the parts share |
//! | `service.rs` | running as the image's systemd service (readiness, watchdog, status file) |

mod activation;
mod active_call;
mod calls;
mod cast;
mod command;
mod content;
mod directory;
mod hosting;
pub use hosting::{HostActionError, HostOutcome};
pub use network::Reachability;
mod media_controls;
mod network;
mod published;
mod runtime;
mod schedule;
pub mod service;
mod session;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::keys::Key;
use crate::net::NetworkConfigurator;
use crate::provision::ActivationError;
use crate::status::TerminalStatus;
use crate::store::DataDir;
use crate::ui::{Control, UiState};
use calls::{dial_user, CallPeer};
use command::Command;
use runtime::Runtime;

pub struct TerminalOptions {
    pub data: DataDir,
    pub sn: String,
    pub model: String,
    pub software_version: String,
    /// Where the network settings go (nowhere on a developer's machine).
    pub network: NetworkConfigurator,
    /// How calls send and receive (codecs from the board's media plan);
    /// `None`: this terminal places no calls.
    pub call_media: Option<crate::media::CallMediaConfig>,
    /// How casts are received (decoders from the board's media plan);
    /// `None`: this terminal refuses casts.
    pub cast_media: Option<crate::cast::CastConfig>,
}

/// Handle to the running terminal runtime.
#[derive(Clone)]
pub struct Terminal {
    pub status: watch::Receiver<TerminalStatus>,
    /// What the screen shows: page, focus, typed text.
    pub ui: watch::Receiver<UiState>,
    /// The live call's media (its decoded picture and sound), `None`
    /// between calls.
    pub call_media: watch::Receiver<Option<Arc<crate::media::CallMedia>>>,
    /// The cast on screen (its decoded pictures), `None` when nobody casts.
    pub cast_media: watch::Receiver<Option<Arc<crate::cast::CastReceiver>>>,
    commands: mpsc::Sender<Command>,
}

impl Terminal {
    pub fn start(options: TerminalOptions) -> Self {
        let mut first = TerminalStatus::new(&options.sn);
        first.speaker_volume = options.data.load_settings().volume();
        first.line_protocol = options.data.load_settings().line_protocol;
        let (status_tx, status) = watch::channel(first);
        let activated = options.data.load_credentials().is_some();
        let (ui_tx, ui) = watch::channel(UiState::new(&options.data.load_settings(), activated));
        let (commands, rx) = mpsc::channel(32);
        let (live_media, call_media) = watch::channel(None);
        let (live_cast, cast_media) = watch::channel(None);
        tokio::spawn(Runtime::new(options, status_tx, ui_tx, live_media, live_cast).run(rx));
        Self {
            status,
            ui,
            call_media,
            cast_media,
            commands,
        }
    }

    /// Whether the terminal's runtime has ended (after a shutdown).
    pub fn is_stopped(&self) -> bool {
        self.commands.is_closed()
    }

    /// Presses a key; the UI (and whatever it triggers) reacts.
    pub async fn key(&self, key: Key) {
        let _ = self.commands.send(Command::Key(key)).await;
    }

    /// Resolves once every input sent before has been handled.
    pub async fn barrier(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Barrier(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Picks room `index` of the Dial page's directory (its number fills
    /// the field), as a tap on the list does.
    pub async fn pick_contact(&self, index: usize) {
        let _ = self.commands.send(Command::PickContact(index)).await;
    }

    /// Types text into the focused field.
    pub async fn text(&self, text: &str) {
        let _ = self.commands.send(Command::Text(text.to_string())).await;
    }

    /// Taps a control on the current page.
    pub async fn tap(&self, control: Control) {
        let _ = self.commands.send(Command::Tap(control)).await;
    }

    /// Activates with the cloud at `server_url`; on success the terminal
    /// connects and registers by itself.
    pub async fn activate(&self, server_url: &str, code: &str) -> Result<(), ActivationError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Activate {
            server_url: server_url.to_string(),
            code: code.to_string(),
            reply,
        };
        if self.commands.send(command).await.is_err() {
            return Err(ActivationError::Refused("terminal stopped".into()));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(ActivationError::Refused("terminal stopped".into())))
    }

    /// Joins meeting `meeting_id` (with its host or guest password): the
    /// call's progress shows in `status.call`. Fails at once when the
    /// terminal is not activated or places no calls.
    pub async fn join(&self, meeting_id: &str, password: Option<&str>) -> Result<(), String> {
        let user = dial_user(meeting_id, password.unwrap_or_default());
        self.place(user, CallPeer::Meeting(meeting_id.to_string()))
            .await
    }

    /// Calls the room with `number` (the cloud rings it): progress in
    /// `status.call`, a refusal back on the Dial page.
    pub async fn dial(&self, number: &str) -> Result<(), String> {
        self.place(number.to_string(), CallPeer::Room(number.to_string()))
            .await
    }

    async fn place(&self, user: String, peer: CallPeer) -> Result<(), String> {
        self.ask(|reply| Command::Join { user, peer, reply }).await
    }

    /// Sends the command `make` builds and waits for its answer.
    async fn ask(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<(), String>>) -> Command,
    ) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(make(reply)).await.is_err() {
            return Err("terminal stopped".into());
        }
        answer
            .await
            .unwrap_or_else(|_| Err("terminal stopped".into()))
    }

    /// Leaves the call (BYE), if there is one.
    pub async fn hang_up(&self) {
        let _ = self.commands.send(Command::HangUp).await;
    }

    /// Answers the call ringing here; fails when none rings.
    pub async fn answer(&self) -> Result<(), String> {
        self.ask(|reply| Command::Answer { reply }).await
    }

    /// Declines the call ringing here (`603 Decline` to the caller).
    pub async fn decline(&self) {
        let _ = self.commands.send(Command::Decline).await;
    }

    /// Turns auto-answer on or off (saved; shown in the UI's settings).
    /// Ends the cast showing in the room, if any (the caster is told the
    /// room stopped it).
    pub async fn stop_cast(&self) {
        let _ = self.commands.send(Command::StopCast).await;
    }

    /// Standby on (when the room may sleep: not in a call or cast) or off;
    /// shows in `status.standby`.
    pub async fn set_standby(&self, on: bool) {
        let _ = self.commands.send(Command::Standby(on)).await;
    }

    /// Where the room-controller line protocol listens (`None`: off),
    /// saved in the settings; `line::LineSwitch` follows it.
    pub async fn set_line_protocol(&self, listen: Option<std::net::SocketAddr>) {
        let _ = self.commands.send(Command::SetLineProtocol(listen)).await;
    }

    /// Idle minutes before standby (0: never), saved in the settings.
    pub async fn set_standby_minutes(&self, minutes: u32) {
        let _ = self
            .commands
            .send(Command::SetStandbyMinutes(minutes))
            .await;
    }

    /// Saves and applies a network configuration (checked by the caller
    /// with `net::parse_static`, as the wizard checks it).
    pub async fn set_network(&self, network: crate::store::NetworkSettings) {
        let _ = self.commands.send(Command::SetNetwork(network)).await;
    }

    /// Sets the cloud the wizard activates with; refused once activated
    /// (a terminal moves to another cloud through a factory reset).
    pub async fn set_server(&self, url: &str) -> Result<(), &'static str> {
        use crate::status::ProvisioningStatus::{NotActivated, Unbound};
        if !matches!(
            self.status.borrow().provisioning,
            NotActivated | Unbound { .. }
        ) {
            return Err("already_activated");
        }
        let _ = self
            .commands
            .send(Command::SetServer(url.to_string()))
            .await;
        Ok(())
    }

    /// Whether the cloud answers from here (API port, SIP over UDP and
    /// TCP); takes a few seconds when something does not answer.
    pub async fn check_reachability(&self) -> Option<network::Reachability> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::CheckReachability(reply))
            .await
            .ok()?;
        answer.await.ok()
    }

    pub async fn set_auto_answer(&self, enabled: bool) {
        let _ = self.commands.send(Command::SetAutoAnswer(enabled)).await;
    }

    /// Turns the camera on or off in the call (the far end sees black);
    /// shows in `status.camera_off`.
    pub async fn set_camera(&self, on: bool) {
        let _ = self.commands.send(Command::SetCamera(on)).await;
    }

    /// Asks the meeting for `layout` (`gallery`, `speaker`,
    /// `picture_in_picture`) in this room; shows in `status.call_roster`
    /// once the focus confirms it.
    pub async fn set_layout(&self, layout: &str) {
        let _ = self
            .commands
            .send(Command::SetLayout(layout.to_string()))
            .await;
    }

    /// Sets the speaker's level (0–100; saved); shows in
    /// `status.speaker_volume`.
    pub async fn set_volume(&self, level: u8) {
        let _ = self.commands.send(Command::SetVolume(level)).await;
    }

    /// Mutes or unmutes the microphone; shows in `status.mic_muted`.
    pub async fn set_muted(&self, muted: bool) {
        let _ = self.commands.send(Command::SetMuted(muted)).await;
    }

    /// Takes a host action in the meeting (the cloud's JSON form;
    /// `"participant": "me"` is this room): the focus's answer, or why it
    /// could not be asked.
    pub async fn host_action(
        &self,
        action: serde_json::Value,
    ) -> Result<HostOutcome, HostActionError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::HostAction { action, reply })
            .await
            .map_err(|_| HostActionError::NotInMeeting)?;
        answer.await.unwrap_or(Err(HostActionError::NotInMeeting))
    }

    /// Unregisters from the cloud and stops the runtime (power-off, SIGTERM):
    /// the cloud then shows the terminal offline at once.
    pub async fn shutdown(&self) {
        let (done, answer) = oneshot::channel();
        if self.commands.send(Command::Shutdown(done)).await.is_ok() {
            let _ = answer.await;
        }
    }

    /// Forgets settings, credentials and the pinned CA; back to the wizard.
    pub async fn factory_reset(&self) -> std::io::Result<()> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::FactoryReset { reply })
            .await
            .map_err(|_| std::io::Error::other("terminal stopped"))?;
        answer
            .await
            .map_err(|_| std::io::Error::other("terminal stopped"))?
    }
}
