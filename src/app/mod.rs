//! The terminal's runtime: activation, the provisioning channel and SIP
//! registration tied together, with one published [`TerminalStatus`].
//!
//! It reacts to what the cloud does: a pushed config updates the room name
//! (and is saved), a reconnected channel (the cloud restarted) triggers an
//! immediate SIP re-registration, an unbind wipes the credentials.

mod call;
pub mod service;
mod status;
pub mod ui;

pub use status::{PingState, ProvisioningStatus, TerminalStatus};

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::board::Key;
use crate::net::NetworkConfigurator;
use crate::provision::{self, ActivationError, ChannelEvent, ChannelSettings};
use crate::sip::{Account, AgentCommand, CallState, SipAgent, SipTransport};
use crate::store::{Credentials, DataDir};
use roomterm_proto::ActivateRequest;
use ui::{Control, Effect, UiState};

/// How often the terminal's own addresses are read for the network line
/// when no netlink event says they changed.
const ADDRESS_CHECK: std::time::Duration = std::time::Duration::from_secs(10);

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
}

enum Command {
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
    /// Answered once everything queued before it is handled.
    Barrier(oneshot::Sender<()>),
    /// Unregister and stop, answered when done.
    Shutdown(oneshot::Sender<()>),
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
    commands: mpsc::Sender<Command>,
}

impl Terminal {
    pub fn start(options: TerminalOptions) -> Self {
        let mut first = TerminalStatus::new(&options.sn);
        first.speaker_volume = options.data.load_settings().volume();
        let (status_tx, status) = watch::channel(first);
        let activated = options.data.load_credentials().is_some();
        let (ui_tx, ui) = watch::channel(UiState::new(&options.data.load_settings(), activated));
        let (commands, rx) = mpsc::channel(32);
        let (live_media, call_media) = watch::channel(None);
        tokio::spawn(Runtime::new(options, status_tx, ui_tx, live_media).run(rx));
        Self {
            status,
            ui,
            call_media,
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

/// The parts that run while the terminal is activated.
struct Session {
    channel: tokio::task::JoinHandle<()>,
    /// Copies the agent's registration status into the terminal status.
    sip_mirror: tokio::task::JoinHandle<()>,
    /// Tells the runtime of calls that ring here.
    call_watch: tokio::task::JoinHandle<()>,
    agent: SipAgent,
    /// Installs the update the cloud's config offers.
    updater: tokio::task::JoinHandle<()>,
    offers: watch::Sender<Option<roomterm_proto::UpdateOffer>>,
}

struct Runtime {
    options: TerminalOptions,
    status: Arc<watch::Sender<TerminalStatus>>,
    ui: Arc<watch::Sender<UiState>>,
    session: Option<Session>,
    call: Option<call::ActiveCall>,
    live_media: Arc<call::LiveMedia>,
    channel_events: mpsc::Receiver<ChannelEvent>,
    channel_tx: mpsc::Sender<ChannelEvent>,
    /// The channel has been up before: a reconnection means the cloud came back.
    channel_was_up: bool,
    /// The agent's call states, for calls ringing here.
    agent_calls: mpsc::Receiver<CallState>,
    /// The offer of the incoming call ringing now.
    ringing: Option<String>,
}

impl Runtime {
    fn new(
        options: TerminalOptions,
        status: watch::Sender<TerminalStatus>,
        ui: watch::Sender<UiState>,
        live_media: call::LiveMedia,
    ) -> Self {
        let (channel_tx, channel_events) = mpsc::channel(32);
        Self {
            options,
            status: Arc::new(status),
            ui: Arc::new(ui),
            session: None,
            call: None,
            live_media: Arc::new(live_media),
            channel_events,
            channel_tx,
            channel_was_up: false,
            agent_calls: mpsc::channel(1).1,
            ringing: None,
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        // The OS network follows the saved settings from the first moment
        // (on the image the networkd file lives on a volatile folder).
        let network = self.options.data.load_settings().network;
        self.apply_network(&network).await;
        if let Some(credentials) = self.options.data.load_credentials() {
            self.start_session(credentials).await;
        }
        let mut address_check = tokio::time::interval(ADDRESS_CHECK);
        let mut addresses = crate::net::AddressWatch::new();
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Shutdown(done)) => {
                        self.stop_session().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(command) => self.command(command).await,
                    None => break,
                },
                Some(event) = self.channel_events.recv() => self.channel_event(event).await,
                Some(state) = self.agent_calls.recv() => self.agent_call(state).await,
                _ = async {
                    tokio::select! {
                        _ = address_check.tick() => {}
                        _ = addresses.changed() => {}
                    }
                } => {
                    let now = tokio::task::spawn_blocking(crate::net::current_addresses)
                        .await
                        .unwrap_or_default();
                    self.status.send_if_modified(|s| {
                        let changed = s.network != now;
                        s.network = now;
                        changed
                    });
                }
            }
        }
        self.stop_session().await;
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Activate {
                server_url,
                code,
                reply,
            } => {
                let outcome = self.activate(server_url, code).await;
                let _ = reply.send(outcome);
            }
            Command::FactoryReset { reply } => {
                let _ = reply.send(self.factory_reset().await);
            }
            Command::Key(key) => {
                let effect = modify(&self.ui, |ui| ui.key(key));
                self.effect(effect).await;
            }
            Command::Tap(control) => {
                // A tap names what the user saw; a control no longer on
                // screen (the page changed meanwhile) is not pressed.
                let effect = modify(&self.ui, |ui| {
                    ui.on_screen(control)
                        .then(|| ui.activate(control))
                        .flatten()
                });
                self.effect(effect).await;
            }
            Command::Text(text) => self.ui.send_modify(|ui| ui.type_text(&text)),
            Command::PickContact(index) => self.ui.send_modify(|ui| ui.pick_contact(index)),
            Command::Join { user, peer, reply } => {
                // A call from the control API shows on screen like one
                // placed there: the in-call page names it.
                self.ui.send_modify(|ui| match &peer {
                    CallPeer::Meeting(id) => {
                        ui.meeting_id = id.clone();
                        ui.call_from = ui::Page::Join;
                    }
                    CallPeer::Room(number) => {
                        ui.dial_number = number.clone();
                        ui.call_from = ui::Page::Dial;
                    }
                });
                let _ = reply.send(self.join(user).await);
            }
            Command::HangUp => self.hang_up().await,
            Command::Answer { reply } => {
                let _ = reply.send(self.answer().await);
            }
            Command::Decline => self.decline().await,
            Command::SetAutoAnswer(enabled) => {
                let mut settings = self.options.data.load_settings();
                settings.auto_answer = enabled;
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                self.ui.send_modify(|ui| ui.auto_answer = enabled);
            }
            Command::SetMuted(muted) => self.set_muted(muted),
            Command::SetCamera(on) => self.set_camera(on),
            Command::SetVolume(level) => self.set_volume(level),
            Command::SetLayout(layout) => self.set_layout(layout).await,
            Command::Barrier(done) | Command::Shutdown(done) => {
                let _ = done.send(());
            }
        }
    }

    async fn effect(&mut self, effect: Option<Effect>) {
        match effect {
            None => {}
            Some(Effect::PingServer) => self.ping(),
            Some(Effect::SaveSettings(mut settings)) => {
                let before = self.options.data.load_settings();
                settings.speaker_volume = before.speaker_volume;
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                if before.network != settings.network {
                    self.apply_network(&settings.network).await;
                }
            }
            Some(Effect::Activate { server_url, code }) => {
                // Success moves the UI on by itself; a failure stays to retry.
                let outcome = self.activate(server_url, code).await;
                if outcome.is_err() {
                    self.ui.send_modify(|ui| ui.activation_done(false));
                }
            }
            Some(Effect::FactoryReset) => {
                if let Err(err) = self.factory_reset().await {
                    tracing::error!(%err, "factory reset failed");
                }
            }
            Some(Effect::Join {
                meeting_id,
                password,
            }) => {
                if let Err(err) = self.join(dial_user(&meeting_id, &password)).await {
                    tracing::error!(%err, "cannot join the meeting");
                    self.ui.send_modify(|ui| ui.call_ended(true));
                }
            }
            Some(Effect::LoadDirectory) => self.load_directory(),
            Some(Effect::Dial { number }) => {
                if let Err(err) = self.join(number).await {
                    tracing::error!(%err, "cannot place the call");
                    self.ui.send_modify(|ui| ui.call_ended(true));
                }
            }
            Some(Effect::Answer) => {
                if let Err(err) = self.answer().await {
                    tracing::warn!(%err, "cannot answer");
                }
            }
            Some(Effect::Decline) => self.decline().await,
            Some(Effect::HangUp) => self.hang_up().await,
            Some(Effect::ToggleMute) => {
                let muted = self.status.borrow().mic_muted;
                self.set_muted(!muted);
            }
            Some(Effect::ToggleCamera) => {
                let off = self.status.borrow().camera_off;
                self.set_camera(off);
            }
            Some(Effect::ChangeVolume(delta)) => {
                let now = i16::from(self.status.borrow().speaker_volume);
                self.set_volume((now + i16::from(delta)).clamp(0, 100) as u8);
            }
            Some(Effect::CycleLayout) => {
                let next = {
                    let status = self.status.borrow();
                    let now = status.call_roster.as_ref().and_then(|r| r.layout.clone());
                    next_layout(now.as_deref())
                };
                self.set_layout(next.to_string()).await;
            }
        }
    }

    async fn set_layout(&self, layout: String) {
        if let Some(session) = &self.session {
            session
                .agent
                .command(AgentCommand::SelectLayout(layout))
                .await;
        }
    }

    async fn hang_up(&self) {
        if let Some(session) = &self.session {
            session.agent.command(AgentCommand::HangUp).await;
        }
    }

    /// A call state of the agent's: an incoming call rings (the screen
    /// shows who calls; auto-answer picks up), or stops ringing unanswered.
    /// Calls placed or answered are followed by their [`call::ActiveCall`].
    async fn agent_call(&mut self, state: CallState) {
        match &state {
            CallState::Incoming { caller, offer } => {
                tracing::info!(name = %caller.name, number = %caller.number, "incoming call");
                self.ringing = Some(offer.clone());
                self.call = None;
                self.status.send_modify(|s| {
                    s.call = Some(state.clone());
                    s.call_quality = None;
                });
                self.ui.send_modify(|ui| ui.call_incoming(caller));
                if self.options.data.load_settings().auto_answer {
                    if let Err(err) = self.answer().await {
                        tracing::warn!(%err, "cannot auto-answer");
                    }
                }
            }
            CallState::Ended(_) if self.ringing.take().is_some() => {
                self.status.send_modify(|s| s.call = Some(state.clone()));
                self.ui.send_modify(|ui| ui.call_ended(false));
            }
            _ => {}
        }
    }

    /// Answers the ringing call: media bound with the offer's payload
    /// types, our SDP sent in the `200 OK`, the call followed from there.
    async fn answer(&mut self) -> Result<(), String> {
        let Some(session) = &self.session else {
            return Err("not activated".into());
        };
        let Some(offer) = self.ringing.clone() else {
            return Err("no call is ringing".into());
        };
        let Some(mut config) = self.options.call_media.clone() else {
            return Err("this terminal has no call media".into());
        };
        let Some(offered) = crate::sip::sdp::offered_payloads(&offer) else {
            session.agent.command(AgentCommand::Decline).await;
            return Err("the caller offers no H.264 and Opus".into());
        };
        config.video_pt = offered.video;
        config.audio_pt = offered.audio;
        // Retransmission only if the caller offered it (with its number).
        config.video_rtx_pt = offered.video_rtx.filter(|_| config.video_rtx_pt.is_some());
        let prepared = call::prepare(&config).map_err(|e| e.to_string())?;
        self.ready_media(&prepared.media);
        let answer = prepared.sdp.clone();
        self.ringing = None;
        let mut agent_call = session.agent.call.clone();
        agent_call.mark_unchanged();
        session
            .agent
            .command(AgentCommand::Answer { sdp: answer })
            .await;
        self.follow_call(prepared, agent_call);
        Ok(())
    }

    /// Shows the call's page and follows the call (placed or answered)
    /// from the agent's next state on.
    fn follow_call(
        &mut self,
        prepared: call::Prepared,
        agent_call: watch::Receiver<Option<CallState>>,
    ) {
        self.ui.send_modify(UiState::call_started);
        let Some(session) = &self.session else {
            return;
        };
        let mut roster = session.agent.roster.clone();
        roster.mark_unchanged();
        self.call = Some(call::follow(
            prepared,
            agent_call,
            roster,
            self.status.clone(),
            self.ui.clone(),
            self.live_media.clone(),
        ));
    }

    async fn decline(&mut self) {
        if let Some(session) = &self.session {
            if self.ringing.is_some() {
                session.agent.command(AgentCommand::Decline).await;
            }
        }
    }

    async fn activate(&mut self, server_url: String, code: String) -> Result<(), ActivationError> {
        let request = ActivateRequest {
            sn: self.options.sn.clone(),
            code,
            model: Some(self.options.model.clone()),
            software_version: Some(self.options.software_version.clone()),
        };
        let outcome = match provision::activate(&server_url, &request).await {
            Ok(answer) => {
                let credentials = Credentials {
                    server_url,
                    device_token: answer.device_token,
                    sip: answer.sip,
                    config: answer.config,
                    channel_path: answer.channel_path,
                };
                let data = &self.options.data;
                match data
                    .save_pinned_ca(&answer.ca_pem)
                    .and_then(|()| data.save_credentials(&credentials))
                {
                    Ok(()) => {
                        self.stop_session().await;
                        self.start_session(credentials).await;
                        self.ui.send_modify(|ui| ui.activation_done(true));
                        Ok(())
                    }
                    Err(err) => Err(ActivationError::Refused(format!(
                        "cannot store credentials: {err}"
                    ))),
                }
            }
            Err(err) => Err(err),
        };
        let locked_until = match &outcome {
            Err(ActivationError::Locked { retry_after_secs }) => {
                Some(std::time::Instant::now() + std::time::Duration::from_secs(*retry_after_secs))
            }
            _ => None,
        };
        self.status.send_modify(|s| {
            s.activation_error = outcome.as_ref().err().cloned();
            s.locked_until = locked_until;
        });
        outcome
    }

    async fn join(&mut self, user: String) -> Result<(), String> {
        let Some(session) = &self.session else {
            return Err("not activated".into());
        };
        let Some(config) = &self.options.call_media else {
            return Err("this terminal has no call media".into());
        };
        let prepared = call::prepare(config).map_err(|e| e.to_string())?;
        self.ready_media(&prepared.media);
        let offer = prepared.sdp.clone();
        // The previous call's media goes before the new call starts; a
        // call ringing here is declined by the agent as this one is placed.
        self.call = None;
        self.ringing = None;
        let mut agent_call = session.agent.call.clone();
        agent_call.mark_unchanged();
        session
            .agent
            .command(AgentCommand::Dial { user, sdp: offer })
            .await;
        // The last call's end is no longer news.
        self.status.send_modify(|s| {
            s.call = Some(CallState::Calling);
            s.call_quality = None;
        });
        self.follow_call(prepared, agent_call);
        Ok(())
    }

    /// Mutes the live call's microphone; remembered for the call's screen
    /// even before the media starts sending.
    fn set_muted(&self, muted: bool) {
        if let Some(media) = self.live_media.borrow().as_ref() {
            media.set_muted(muted);
        }
        self.status.send_modify(|s| s.mic_muted = muted);
    }

    /// Every call starts with the microphone open and the camera on, at
    /// the room's speaker level.
    fn ready_media(&self, media: &crate::media::CallMedia) {
        media.set_speaker_volume(f64::from(self.status.borrow().speaker_volume) / 100.0);
        self.status.send_modify(|s| {
            s.mic_muted = false;
            s.camera_off = false;
        });
    }

    fn set_camera(&self, on: bool) {
        if let Some(media) = self.live_media.borrow().as_ref() {
            media.set_camera(on);
        }
        self.status.send_modify(|s| s.camera_off = !on);
    }

    /// Sets the speaker's level now and for later calls (saved).
    fn set_volume(&self, level: u8) {
        let level = level.min(100);
        if let Some(media) = self.live_media.borrow().as_ref() {
            media.set_speaker_volume(f64::from(level) / 100.0);
        }
        let mut settings = self.options.data.load_settings();
        if settings.volume() != level {
            settings.speaker_volume = Some(level);
            if let Err(err) = self.options.data.save_settings(&settings) {
                tracing::error!(%err, "cannot save settings");
            }
        }
        self.status.send_modify(|s| s.speaker_volume = level);
    }

    async fn apply_network(&self, network: &crate::store::NetworkSettings) {
        match self.options.network.apply(network).await {
            Ok(Some(path)) => {
                tracing::info!(path = %path.display(), ?network, "network settings applied")
            }
            Ok(None) => {}
            Err(err) => tracing::error!(%err, "cannot apply the network settings"),
        }
    }

    /// Fetches the enterprise directory in the background; the Dial page
    /// shows it when it arrives (and keeps the last one if it fails).
    fn load_directory(&self) {
        let Some(credentials) = self.options.data.load_credentials() else {
            return;
        };
        let ca = self.options.data.pinned_ca();
        let ui = self.ui.clone();
        tokio::spawn(async move {
            match crate::provision::fetch_directory(
                &credentials.server_url,
                &credentials.device_token,
                ca.as_deref(),
            )
            .await
            {
                Ok(rooms) => ui.send_modify(|ui| ui.directory_loaded(rooms)),
                Err(err) => tracing::warn!(%err, "cannot fetch the directory"),
            }
        });
    }

    /// Starts the diagnostics ping to the cloud (the activated one, else the
    /// address typed in the wizard); the result lands in the status.
    fn ping(&self) {
        if self.status.borrow().ping == PingState::Running {
            return;
        }
        let url = match self.options.data.load_credentials() {
            Some(credentials) => credentials.server_url,
            None => self.ui.borrow().server_url.clone(),
        };
        self.status.send_modify(|s| s.ping = PingState::Running);
        let status = self.status.clone();
        tokio::spawn(async move {
            let report = crate::net::ping_server(&url).await;
            status.send_modify(|s| s.ping = PingState::Done(report));
        });
    }

    async fn factory_reset(&mut self) -> std::io::Result<()> {
        self.stop_session().await;
        let result = self.options.data.factory_reset();
        self.apply_network(&crate::store::NetworkSettings::Dhcp)
            .await;
        self.status
            .send_replace(TerminalStatus::new(&self.options.sn));
        self.ui
            .send_replace(UiState::new(&Default::default(), false));
        result
    }

    async fn channel_event(&mut self, event: ChannelEvent) {
        match event {
            ChannelEvent::Connected => {
                if self.channel_was_up {
                    // The cloud (or the path to it) came back: its registrar may
                    // have lost our binding, so register again right away.
                    if let Some(session) = &self.session {
                        session.agent.command(AgentCommand::Reregister).await;
                    }
                }
                self.channel_was_up = true;
                self.status
                    .send_modify(|s| s.provisioning = ProvisioningStatus::Connected);
            }
            ChannelEvent::Disconnected { reason, .. } => {
                self.status
                    .send_modify(|s| s.provisioning = ProvisioningStatus::Disconnected { reason });
            }
            ChannelEvent::Config(config) => {
                if let Some(mut credentials) = self.options.data.load_credentials() {
                    if config.version >= credentials.config.version {
                        credentials.config = config.clone();
                        if let Err(err) = self.options.data.save_credentials(&credentials) {
                            tracing::warn!(%err, "cannot save the pushed config");
                        }
                    }
                }
                self.status.send_modify(|s| {
                    s.room_name = Some(config.name.clone());
                    s.number = Some(config.number.clone());
                });
                if let Some(session) = &self.session {
                    session.offers.send_replace(config.update.clone());
                }
            }
            ChannelEvent::Unbound(reason) => {
                tracing::warn!(%reason, "the cloud unbound this terminal; forgetting its credentials");
                self.stop_session().await;
                if let Err(err) = self.options.data.factory_reset() {
                    tracing::error!(%err, "cannot wipe credentials");
                }
                self.status.send_modify(|s| {
                    s.provisioning = ProvisioningStatus::Unbound { reason };
                    s.sip = None;
                });
                self.ui.send_modify(UiState::restart_wizard);
            }
        }
    }

    async fn start_session(&mut self, credentials: Credentials) {
        let proxy = match credentials.sip.proxy.parse() {
            Ok(proxy) => proxy,
            Err(err) => {
                tracing::error!(%err, proxy = %credentials.sip.proxy, "unusable SIP proxy address");
                return;
            }
        };
        let account = Account {
            username: credentials.sip.username.clone(),
            password: credentials.sip.password.clone(),
            domain: credentials.sip.domain.clone(),
            proxy,
            transport: SipTransport::from_offer(credentials.sip.transport),
            expires: credentials.sip.register_expires,
            instance: Some(crate::sip::instance_urn(&self.options.sn)),
        };
        let domain = account.domain.clone();
        self.status.send_modify(|s| s.sip_domain = Some(domain));
        let agent = match SipAgent::start(account).await {
            Ok(agent) => agent,
            Err(err) => {
                tracing::error!(%err, "cannot start the SIP agent");
                return;
            }
        };
        let settings = ChannelSettings {
            server_url: credentials.server_url.clone(),
            channel_path: credentials.channel_path.clone(),
            device_token: credentials.device_token.clone(),
            ca_pem: self.options.data.pinned_ca(),
            software_version: self.options.software_version.clone(),
            data: Some(self.options.data.clone()),
        };
        // A fresh event queue per session: events still queued from the
        // previous one (say, the `unbound` a re-activation makes the cloud
        // send to the old token) are dropped with it, never applied to this.
        let (channel_tx, channel_events) = mpsc::channel(32);
        self.channel_tx = channel_tx;
        self.channel_events = channel_events;
        // Reports (an update's progress) go out on the channel, queued
        // while it is down.
        let (reports, outgoing) = mpsc::channel(16);
        let channel = tokio::spawn(provision::run_channel(
            settings,
            self.channel_tx.clone(),
            outgoing,
        ));
        let (offers, offered) = watch::channel(None);
        let updater = crate::update::spawn(
            crate::update::UpdaterSettings {
                server_url: credentials.server_url.clone(),
                device_token: credentials.device_token.clone(),
                ca_pem: self.options.data.pinned_ca(),
                dir: self.options.data.root().to_path_buf(),
                release: self.options.software_version.clone(),
                status: self.status.clone(),
            },
            offered,
            reports,
        );
        let mut sip = agent.status.clone();
        let status = self.status.clone();
        let sip_mirror = tokio::spawn(async move {
            loop {
                let current = sip.borrow_and_update().clone();
                status.send_modify(|s| s.sip = Some(current));
                if sip.changed().await.is_err() {
                    return;
                }
            }
        });
        // Incoming calls and their end while ringing go to the runtime.
        let (calls_tx, agent_calls) = mpsc::channel(8);
        self.agent_calls = agent_calls;
        let mut calls = agent.call.clone();
        let call_watch = tokio::spawn(async move {
            while calls.changed().await.is_ok() {
                let state = calls.borrow_and_update().clone();
                if let Some(state @ (CallState::Incoming { .. } | CallState::Ended(_))) = state {
                    if calls_tx.send(state).await.is_err() {
                        return;
                    }
                }
            }
        });
        self.channel_was_up = false;
        self.status.send_modify(|s| {
            s.provisioning = ProvisioningStatus::Connecting;
            s.room_name = Some(credentials.config.name.clone());
            s.number = Some(credentials.config.number.clone());
        });
        self.session = Some(Session {
            channel,
            sip_mirror,
            call_watch,
            agent,
            updater,
            offers,
        });
    }

    async fn stop_session(&mut self) {
        self.call = None;
        self.ringing = None;
        if let Some(session) = self.session.take() {
            session.channel.abort();
            session.sip_mirror.abort();
            session.call_watch.abort();
            session.updater.abort();
            session.agent.stop().await;
        }
    }
}

/// Whom a placed call is with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CallPeer {
    Meeting(String),
    Room(String),
}

/// The user part a meeting is dialled at: `<id>` or `<id>*<password>`.
fn dial_user(meeting_id: &str, password: &str) -> String {
    if password.is_empty() {
        meeting_id.to_string()
    } else {
        format!("{meeting_id}*{password}")
    }
}

/// `send_modify` that also returns what the closure computed.
fn modify<T, R>(sender: &watch::Sender<T>, f: impl FnOnce(&mut T) -> R) -> R {
    let mut out = None;
    sender.send_modify(|value| out = Some(f(value)));
    out.expect("send_modify runs the closure")
}

/// The meeting layouts in the order the Layout button walks them.
const LAYOUTS: [&str; 3] = ["gallery", "speaker", "picture_in_picture"];

/// The layout after `now` (the meeting's default, the gallery, if unknown).
fn next_layout(now: Option<&str>) -> &'static str {
    let at = now
        .and_then(|now| LAYOUTS.iter().position(|l| *l == now))
        .unwrap_or(0);
    LAYOUTS[(at + 1) % LAYOUTS.len()]
}

#[cfg(test)]
mod tests {
    use super::next_layout;

    #[test]
    fn the_layout_button_walks_gallery_speaker_picture_in_picture() {
        assert_eq!(next_layout(None), "speaker");
        assert_eq!(next_layout(Some("gallery")), "speaker");
        assert_eq!(next_layout(Some("speaker")), "picture_in_picture");
        assert_eq!(next_layout(Some("picture_in_picture")), "gallery");
        assert_eq!(next_layout(Some("mosaic")), "speaker");
    }
}
