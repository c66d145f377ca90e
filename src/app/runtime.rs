//! The runtime task: it owns the terminal's parts and handles, in order,
//! the handle's commands, the UI's effects, the session's events and the
//! network's changes, handing each to the part whose capability it is.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::activation;
use super::active_call::LiveMedia;
use super::calls::{dial_user, CallPeer, Calls};
use super::cast::{CastEvent, Casting, LiveCast};
use super::command::Command;
use super::directory;
use super::media_controls::MediaControls;
use super::network::Network;
use super::published::Published;
use super::session::{Session, SessionEvents, Unbound};
use super::TerminalOptions;
use crate::media::ContentConfig;
use crate::provision::ActivationError;
use crate::status::{ProvisioningStatus, TerminalStatus};
use crate::store::{Credentials, NetworkSettings};
use crate::ui::{Effect, UiState};

pub struct Runtime {
    options: TerminalOptions,
    published: Published,
    session: Option<Session>,
    /// The session's events; empty (never ready) without a session.
    events: SessionEvents,
    calls: Calls,
    /// Meeting calls found lost, to place again.
    lost_calls: mpsc::Receiver<super::active_call::Lost>,
    media: MediaControls,
    network: Network,
    casting: Casting,
    cast_events: mpsc::Receiver<CastEvent>,
    /// The last touch, key or text (standby counts from it).
    last_input: tokio::time::Instant,
}

/// How often the idle time is checked against the standby setting.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Receivers that never yield: the session's events before it starts.
fn no_events() -> SessionEvents {
    SessionEvents {
        channel: mpsc::channel(1).1,
        calls: mpsc::channel(1).1,
    }
}

type HostAnswerResult = Result<super::HostOutcome, super::HostActionError>;

impl Runtime {
    pub fn new(
        options: TerminalOptions,
        status: watch::Sender<TerminalStatus>,
        ui: watch::Sender<UiState>,
        live_media: LiveMedia,
        live_cast: LiveCast,
    ) -> Self {
        let published = Published {
            status: Arc::new(status),
            ui: Arc::new(ui),
        };
        let media = MediaControls::new(
            options.data.clone(),
            published.clone(),
            Arc::new(live_media),
        );
        let (calls, lost_calls) =
            Calls::new(options.call_media.clone(), published.clone(), media.clone());
        let network = Network::new(options.network.clone(), published.clone());
        // Content into a meeting: the call's encoder, on the call's address.
        let content = options.call_media.as_ref().map(|call| ContentConfig {
            encoder: call.encoder.clone(),
            pt: super::calls::CONTENT_PT,
            local: call.local,
        });
        let (casting, cast_events) = Casting::new(
            published.clone(),
            options.cast_media.clone(),
            content,
            calls.offer(),
            Arc::new(live_cast),
        );
        Self {
            options,
            published,
            session: None,
            events: no_events(),
            calls,
            lost_calls,
            media,
            network,
            casting,
            cast_events,
            last_input: tokio::time::Instant::now(),
        }
    }

    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        // The OS network follows the saved settings from the first moment
        // (on the image the networkd file lives on a volatile folder).
        let network = self.options.data.load_settings().network;
        self.network.apply(&network).await;
        if let Some(credentials) = self.options.data.load_credentials() {
            self.start_session(&credentials).await;
        }
        // A cast showing follows the room into and out of meetings.
        let mut status = self.published.status.subscribe();
        let mut screen = self.published.ui.subscribe();
        let mut idle = tokio::time::interval(IDLE_CHECK);
        loop {
            tokio::select! {
                _ = idle.tick() => self.idle_check(),
                Ok(()) = screen.changed() => self.mirror_standby(),
                command = commands.recv() => match command {
                    Some(Command::Shutdown(done)) => {
                        self.stop_session().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(command) => self.command(command).await,
                    None => break,
                },
                Some(event) = self.events.channel.recv() => self.channel_event(event).await,
                Some(state) = self.events.calls.recv() => {
                    if let Some(session) = &self.session {
                        let auto_answer = self.options.data.load_settings().auto_answer;
                        self.calls.agent_state(session.agent(), state, auto_answer).await;
                    }
                }
                Some(lost) = self.lost_calls.recv() => {
                    if let Some(session) = &self.session {
                        self.calls.redial(session.agent(), lost).await;
                    }
                }
                () = self.network.changed() => self.network.refresh().await,
                Ok(()) = status.changed() => {
                    if let Some(session) = &self.session {
                        self.casting.follow_meeting(session.agent(), session.reports());
                    }
                }
                Some(event) = self.cast_events.recv() => {
                    if let Some(session) = &self.session {
                        self.casting.event(event, session.reports(), session.agent());
                    }
                }
            }
        }
        self.stop_session().await;
    }

    /// Notes an input; whether it only woke the screen.
    fn woken(&mut self) -> bool {
        self.last_input = tokio::time::Instant::now();
        let woken = self.published.ui_with(UiState::wake);
        self.mirror_standby();
        woken
    }

    /// Idle past the settings' standby time: the screen goes dark (if the
    /// room may sleep now; else the time counts again).
    fn idle_check(&mut self) {
        let Some(after) = self.options.data.load_settings().standby_after() else {
            return;
        };
        if self.last_input.elapsed() >= after && !self.published.ui.borrow().standby {
            self.last_input = tokio::time::Instant::now();
            if self.published.ui_with(UiState::enter_standby) {
                tracing::info!("idle: standby");
            }
            self.mirror_standby();
        }
    }

    /// The status says what the screen shows (the line protocol's and the
    /// control API's `standby`).
    fn mirror_standby(&self) {
        let standby = self.published.ui.borrow().standby;
        self.published.status.send_if_modified(|status| {
            let changed = status.standby != standby;
            status.standby = standby;
            changed
        });
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
            // The first input in standby only wakes the screen.
            Command::Key(_) | Command::Tap(_) | Command::Text(_) | Command::PickContact(_)
                if self.woken() => {}
            Command::Key(key) => {
                let effect = self.published.ui_with(|ui| ui.key(key));
                self.effect(effect).await;
            }
            Command::Tap(control) => {
                // A tap names what the user saw; a control no longer on
                // screen (the page changed meanwhile) is not pressed.
                let effect = self.published.ui_with(|ui| {
                    ui.on_screen(control)
                        .then(|| ui.activate(control))
                        .flatten()
                });
                self.effect(effect).await;
            }
            Command::Text(text) => self.published.ui(|ui| ui.type_text(&text)),
            Command::PickContact(index) => self.published.ui(|ui| ui.pick(index)),
            Command::StopCast => self.effect(Some(Effect::StopCast)).await,
            Command::Standby(on) => {
                self.last_input = tokio::time::Instant::now();
                self.published.ui(|ui| {
                    if on {
                        ui.enter_standby();
                    } else {
                        ui.wake();
                    }
                });
                self.mirror_standby();
            }
            Command::SetLineProtocol(listen) => {
                let mut settings = self.options.data.load_settings();
                settings.line_protocol = listen;
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                self.published.status(|s| s.line_protocol = listen);
            }
            Command::SetNetwork(network) => {
                let mut settings = self.options.data.load_settings();
                settings.network = network;
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                self.network.apply(&settings.network).await;
                self.published.ui(|ui| ui.settings_changed(&settings));
            }
            Command::SetServer(url) => {
                let mut settings = self.options.data.load_settings();
                settings.server_url = Some(url);
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                self.published.ui(|ui| ui.settings_changed(&settings));
            }
            Command::CheckReachability(reply) => {
                let credentials = self.options.data.load_credentials();
                let wizard_url = self.published.ui.borrow().server_url.clone();
                tokio::spawn(async move {
                    let _ = reply.send(super::network::reachability(credentials, wizard_url).await);
                });
            }
            Command::SetStandbyMinutes(minutes) => {
                let mut settings = self.options.data.load_settings();
                settings.standby_minutes = Some(minutes);
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
            }
            Command::Join { user, peer, reply } => {
                self.calls.show_peer(&peer);
                let meeting = matches!(peer, CallPeer::Meeting(_));
                let _ = reply.send(self.place(user, meeting).await);
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
                self.published.ui(|ui| ui.auto_answer = enabled);
            }
            Command::SetMuted(muted) => self.set_muted(muted).await,
            Command::SetCamera(on) => self.media.set_camera(on),
            Command::SetVolume(level) => self.media.set_volume(level),
            Command::SetLayout(layout) => {
                if let Some(session) = &self.session {
                    self.media.set_layout(session.agent(), layout).await;
                }
            }
            Command::HostAction { action, reply } => {
                let answer = self.host_action(action).await;
                tokio::spawn(async move {
                    let _ = reply.send(answer.await);
                });
            }
            Command::Barrier(done) | Command::Shutdown(done) => {
                let _ = done.send(());
            }
        }
    }

    /// Carries out what a key or a tap asked for.
    async fn effect(&mut self, effect: Option<Effect>) {
        match effect {
            None => {}
            Some(Effect::PingServer) => {
                // The activated cloud, else the address typed in the wizard.
                let url = match self.options.data.load_credentials() {
                    Some(credentials) => credentials.server_url,
                    None => self.published.ui.borrow().server_url.clone(),
                };
                self.network.ping(url);
            }
            Some(Effect::SaveSettings(mut settings)) => {
                let before = self.options.data.load_settings();
                settings.speaker_volume = before.speaker_volume;
                settings.standby_minutes = before.standby_minutes;
                settings.line_protocol = before.line_protocol;
                if let Err(err) = self.options.data.save_settings(&settings) {
                    tracing::error!(%err, "cannot save settings");
                }
                if before.network != settings.network {
                    self.network.apply(&settings.network).await;
                }
            }
            Some(Effect::Activate { server_url, code }) => {
                // Success moves the UI on by itself; a failure stays to retry.
                let outcome = self.activate(server_url, code).await;
                if outcome.is_err() {
                    self.published.ui(|ui| ui.activation_done(false));
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
                if let Err(err) = self.place(dial_user(&meeting_id, &password), true).await {
                    tracing::error!(%err, "cannot join the meeting");
                    self.published.ui(|ui| ui.call_ended(true));
                }
            }
            Some(Effect::StartMeeting) => {
                let room = self.published.status.borrow().meeting_room.clone();
                let placed = match room {
                    Some(room) => {
                        self.published.ui(|ui| ui.meeting_id = room.clone());
                        self.place(dial_user(&room, ""), true).await
                    }
                    None => Err("the cloud gave this room no meeting room".to_string()),
                };
                if let Err(err) = placed {
                    tracing::error!(%err, "cannot start a meeting");
                    self.published.ui(|ui| ui.call_ended(true));
                }
            }
            Some(Effect::LoadDirectory) => directory::load(&self.options.data, &self.published),
            Some(Effect::Dial { number }) => {
                if let Err(err) = self.place(number, false).await {
                    tracing::error!(%err, "cannot place the call");
                    self.published.ui(|ui| ui.call_ended(true));
                }
            }
            Some(Effect::Answer) => {
                if let Err(err) = self.answer().await {
                    tracing::warn!(%err, "cannot answer");
                }
            }
            Some(Effect::Decline) => self.decline().await,
            Some(Effect::HangUp) => self.hang_up().await,
            Some(Effect::Host(action)) => {
                let answer = self.host_action(action).await;
                let published = self.published.clone();
                // The pages say why the meeting refused it.
                tokio::spawn(async move {
                    let refused = match answer.await {
                        Ok(outcome) if outcome.status < 300 => None,
                        Ok(outcome) => Some(outcome.code.unwrap_or_else(|| "refused".into())),
                        Err(super::HostActionError::NoAnswer) => Some("no_answer".into()),
                        Err(_) => Some("not_in_meeting".into()),
                    };
                    if let Some(code) = &refused {
                        tracing::info!(code, "the meeting refused a host action");
                    }
                    published.ui(|ui| ui.host_answered(refused));
                });
            }
            Some(Effect::ToggleMute) => self.set_muted(!self.media.muted_anywhere()).await,
            Some(Effect::ToggleCamera) => self.media.toggle_camera(),
            Some(Effect::ChangeVolume(delta)) => self.media.change_volume(delta),
            Some(Effect::CycleLayout) => {
                if let Some(session) = &self.session {
                    self.media.cycle_layout(session.agent()).await;
                }
            }
            Some(Effect::StopCast) => {
                if let Some(session) = &self.session {
                    self.casting.stop_by_room(session.reports());
                }
            }
            Some(Effect::AnswerCastRequest(allow)) => {
                if let Some(session) = &self.session {
                    self.casting.room_answered(allow, session.reports());
                }
            }
        }
    }

    /// Places a call; a `meeting`'s offer also receives shared content.
    async fn place(&mut self, user: String, meeting: bool) -> Result<(), String> {
        let Some(session) = &self.session else {
            return Err("not activated".into());
        };
        self.calls.place(session.agent(), user, meeting).await
    }

    async fn answer(&mut self) -> Result<(), String> {
        let Some(session) = &self.session else {
            return Err("not activated".into());
        };
        self.calls.answer(session.agent()).await
    }

    async fn decline(&mut self) {
        if let Some(session) = &self.session {
            self.calls.decline(session.agent()).await;
        }
    }

    /// Sends a host action (from the screen or the control API) to the
    /// meeting; the answer comes through the returned future.
    async fn host_action(
        &self,
        action: serde_json::Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = HostAnswerResult> + Send>> {
        let roster = self.published.status.borrow().call_roster.clone();
        match (
            &self.session,
            super::hosting::prepare(action, roster.as_ref()),
        ) {
            (Some(session), Ok(body)) => {
                Box::pin(super::hosting::send(session.agent(), body).await)
            }
            (None, _) => Box::pin(std::future::ready(Err(
                super::HostActionError::NotInMeeting,
            ))),
            (_, Err(why)) => Box::pin(std::future::ready(Err(why))),
        }
    }

    /// The microphone, and in a meeting the focus's mute of this room.
    async fn set_muted(&mut self, muted: bool) {
        self.media.set_muted(muted);
        if let Some(session) = &self.session {
            let roster = self.published.status.borrow().call_roster.clone();
            super::hosting::tell_mute(session.agent(), roster.as_ref(), muted).await;
        }
    }

    async fn hang_up(&mut self) {
        if let Some(session) = &self.session {
            self.calls.hang_up(session.agent()).await;
        }
    }

    async fn activate(&mut self, server_url: String, code: String) -> Result<(), ActivationError> {
        let outcome = activation::activate(&self.options, server_url, code).await;
        if let Ok(credentials) = &outcome {
            self.stop_session().await;
            self.start_session(credentials).await;
            self.published.ui(|ui| ui.activation_done(true));
        }
        activation::show_outcome(&self.published, &outcome);
        outcome.map(|_| ())
    }

    async fn factory_reset(&mut self) -> std::io::Result<()> {
        self.stop_session().await;
        let result = self.options.data.factory_reset();
        self.network.apply(&NetworkSettings::Dhcp).await;
        self.published
            .status
            .send_replace(TerminalStatus::new(&self.options.sn));
        self.published
            .ui
            .send_replace(UiState::new(&Default::default(), false));
        result
    }

    async fn channel_event(&mut self, event: crate::provision::ChannelEvent) {
        let Some(session) = &mut self.session else {
            return;
        };
        if let crate::provision::ChannelEvent::Cast(signal) = event {
            let take_over = self.options.data.load_settings().cast_take_over;
            self.casting.signal(signal, take_over, session.reports());
            return;
        }
        let Some(Unbound(reason)) = session
            .channel_event(event, &self.options, &self.published)
            .await
        else {
            return;
        };
        tracing::warn!(%reason, "the cloud unbound this terminal; forgetting its credentials");
        self.stop_session().await;
        if let Err(err) = self.options.data.factory_reset() {
            tracing::error!(%err, "cannot wipe credentials");
        }
        self.published.status(|s| {
            s.provisioning = ProvisioningStatus::Unbound { reason };
            s.sip = None;
        });
        self.published.ui(UiState::restart_wizard);
    }

    async fn start_session(&mut self, credentials: &Credentials) {
        if let Some((session, events)) =
            Session::start(credentials, &self.options, &self.published).await
        {
            self.session = Some(session);
            self.events = events;
        }
    }

    async fn stop_session(&mut self) {
        self.calls.drop_all();
        self.casting.drop_all();
        self.events = no_events();
        if let Some(session) = self.session.take() {
            session.stop().await;
        }
    }
}
