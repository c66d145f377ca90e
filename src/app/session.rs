//! An activated terminal's session: the config channel to the cloud, the
//! SIP agent, the updater, and the small tasks that mirror what they
//! publish into the terminal's status. Started with the credentials, ended
//! by a stop (reset, unbind, re-activation, shutdown).
//!
//! What the cloud pushes arrives as channel events: a new config (saved,
//! shown, its update offer handed to the updater), a reconnection (the
//! cloud restarted: register again at once), an unbind (the runtime ends
//! the session and forgets the credentials).

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::published::Published;
use super::TerminalOptions;
use crate::provision::{self, ChannelEvent, ChannelSettings};
use crate::sip::{Account, AgentCommand, CallState, SipAgent, SipTransport};
use crate::status::ProvisioningStatus;
use crate::store::Credentials;

pub struct Session {
    agent: SipAgent,
    /// The config channel, the updater and the mirrors; aborted on stop.
    tasks: Vec<JoinHandle<()>>,
    offers: watch::Sender<Option<roomterm_proto::UpdateOffer>>,
    /// The channel has been up before: a reconnection means the cloud came back.
    channel_was_up: bool,
    /// Messages to the cloud on the channel (casting answers, reports).
    reports: mpsc::Sender<roomterm_proto::DeviceMessage>,
    /// Asks for the meetings of the day again (a config came).
    schedule_again: watch::Sender<()>,
}

/// What a session reports to the runtime: the channel's events and the
/// agent's call states worth acting on (a call ringing, or its end).
pub struct SessionEvents {
    pub channel: mpsc::Receiver<ChannelEvent>,
    pub calls: mpsc::Receiver<CallState>,
}

/// The cloud removed this terminal: the session must end.
pub struct Unbound(pub String);

impl Session {
    /// Starts the agent, the channel and the updater for `credentials`;
    /// `None` (logged) when the SIP side cannot start.
    pub async fn start(
        credentials: &Credentials,
        options: &TerminalOptions,
        published: &Published,
    ) -> Option<(Self, SessionEvents)> {
        let proxy = match credentials.sip.proxy.parse() {
            Ok(proxy) => proxy,
            Err(err) => {
                tracing::error!(%err, proxy = %credentials.sip.proxy, "unusable SIP proxy address");
                return None;
            }
        };
        let account = Account {
            username: credentials.sip.username.clone(),
            password: credentials.sip.password.clone(),
            domain: credentials.sip.domain.clone(),
            proxy,
            transport: SipTransport::from_offer(credentials.sip.transport),
            expires: credentials.sip.register_expires,
            instance: Some(crate::sip::instance_urn(&options.sn)),
        };
        let domain = account.domain.clone();
        published.status(|s| s.sip_domain = Some(domain));
        let agent = match SipAgent::start(account).await {
            Ok(agent) => agent,
            Err(err) => {
                tracing::error!(%err, "cannot start the SIP agent");
                return None;
            }
        };
        // A fresh event queue per session: events still queued from the
        // previous one (say, the `unbound` a re-activation makes the cloud
        // send to the old token) are dropped with it, never applied to this.
        let (channel_tx, channel_events) = mpsc::channel(32);
        // Reports (an update's progress) go out on the channel, queued
        // while it is down.
        let (reports, outgoing) = mpsc::channel(16);
        let settings = ChannelSettings {
            server_url: credentials.server_url.clone(),
            channel_path: credentials.channel_path.clone(),
            device_token: credentials.device_token.clone(),
            ca_pem: options.data.pinned_ca(),
            software_version: options.software_version.clone(),
            data: Some(options.data.clone()),
        };
        let channel = tokio::spawn(provision::run_channel(settings, channel_tx, outgoing));
        let (offers, offered) = watch::channel(None);
        let (shown, update_progress) = watch::channel(None);
        let (in_call_tx, in_call) = watch::channel(published.status.borrow().in_call());
        let updater = crate::update::spawn(
            crate::update::UpdaterSettings {
                server_url: credentials.server_url.clone(),
                device_token: credentials.device_token.clone(),
                ca_pem: options.data.pinned_ca(),
                dir: options.data.root().to_path_buf(),
                release: options.software_version.clone(),
                shown,
                in_call,
            },
            offered,
            reports.clone(),
        );
        let (calls_tx, calls) = mpsc::channel(8);
        let (schedule_again, again) = watch::channel(());
        let ca = options.data.pinned_ca();
        let tasks = vec![
            super::schedule::follow(credentials, ca, published.clone(), again),
            channel,
            updater,
            mirror_registration(agent.status.clone(), published.clone()),
            mirror_update(update_progress, published.clone()),
            watch_in_call(published.status.subscribe(), in_call_tx),
            forward_calls(agent.call.clone(), calls_tx),
        ];
        published.status(|s| {
            s.provisioning = ProvisioningStatus::Connecting;
            s.room_name = Some(credentials.config.name.clone());
            s.number = Some(credentials.config.number.clone());
            s.meeting_room = credentials.config.meeting_room.clone();
        });
        let session = Self {
            agent,
            tasks,
            offers,
            channel_was_up: false,
            reports,
            schedule_again,
        };
        let events = SessionEvents {
            channel: channel_events,
            calls,
        };
        Some((session, events))
    }

    pub fn agent(&self) -> &SipAgent {
        &self.agent
    }

    /// Where messages to the cloud go (queued while the channel is down).
    pub fn reports(&self) -> &mpsc::Sender<roomterm_proto::DeviceMessage> {
        &self.reports
    }

    /// Unregisters and ends every task of the session.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.agent.stop().await;
    }

    /// What the channel says: the status follows; a config is saved and
    /// its offer handed on; an unbind is returned for the runtime to act.
    pub async fn channel_event(
        &mut self,
        event: ChannelEvent,
        options: &TerminalOptions,
        published: &Published,
    ) -> Option<Unbound> {
        match event {
            ChannelEvent::Connected => {
                if self.channel_was_up {
                    // The cloud (or the path to it) came back: its registrar may
                    // have lost our binding, so register again right away.
                    self.agent.command(AgentCommand::Reregister).await;
                }
                self.channel_was_up = true;
                published.status(|s| s.provisioning = ProvisioningStatus::Connected);
            }
            ChannelEvent::Disconnected { reason, .. } => {
                published.status(|s| s.provisioning = ProvisioningStatus::Disconnected { reason });
            }
            ChannelEvent::Config(config) => {
                if let Some(mut credentials) = options.data.load_credentials() {
                    if config.version >= credentials.config.version {
                        credentials.config = config.clone();
                        if let Err(err) = options.data.save_credentials(&credentials) {
                            tracing::warn!(%err, "cannot save the pushed config");
                        }
                    }
                }
                self.schedule_again.send_replace(());
                published.status(|s| {
                    s.room_name = Some(config.name.clone());
                    s.number = Some(config.number.clone());
                    s.meeting_room = config.meeting_room.clone();
                });
                self.offers.send_replace(config.update.clone());
            }
            ChannelEvent::Unbound(reason) => return Some(Unbound(reason)),
            ChannelEvent::ScheduleChanged => {
                self.schedule_again.send_replace(());
            }
            // The runtime hands casting to its cast part before this.
            ChannelEvent::Cast(_) => {}
        }
        None
    }
}

/// Copies the agent's registration status into the terminal status.
fn mirror_registration(
    mut sip: watch::Receiver<crate::sip::RegStatus>,
    published: Published,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let current = sip.borrow_and_update().clone();
            published.status(|s| s.sip = Some(current));
            if sip.changed().await.is_err() {
                return;
            }
        }
    })
}

/// Copies the updater's step into the terminal status.
fn mirror_update(
    mut progress: watch::Receiver<Option<crate::update::UpdateProgress>>,
    published: Published,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            let now = progress.borrow_and_update().clone();
            published.status.send_if_modified(|s| {
                let changed = s.update != now;
                s.update = now;
                changed
            });
        }
    })
}

/// Tells the updater whether a call is in progress.
fn watch_in_call(
    mut status: watch::Receiver<crate::status::TerminalStatus>,
    in_call: watch::Sender<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let now = status.borrow_and_update().in_call();
            in_call.send_if_modified(|busy| std::mem::replace(busy, now) != now);
        }
    })
}

/// Incoming calls and their end while ringing go to the runtime.
fn forward_calls(
    mut calls: watch::Receiver<Option<CallState>>,
    to_runtime: mpsc::Sender<CallState>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while calls.changed().await.is_ok() {
            let state = calls.borrow_and_update().clone();
            if let Some(state @ (CallState::Incoming { .. } | CallState::Ended(_))) = state {
                if to_runtime.send(state).await.is_err() {
                    return;
                }
            }
        }
    })
}
