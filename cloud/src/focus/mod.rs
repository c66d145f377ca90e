//! The conference focus: SIP calls to `sip:<meeting-id>[*<password>]@domain`
//! become participants of the meeting's conference media.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the `Focus`: requests handed out by method, the meetings' live conferences and rosters, silent participants dropped |
//! | `dialogs.rs` | a meeting call's dialog: the INVITE answered (its `200 OK` repeated over UDP until the ACK, §13.3.1.4), BYE, CANCEL of an INVITE still being decided (`487`), re-INVITEs handed to `reinvite.rs` |
//! | `reinvite.rs` | a re-INVITE: content (RFC 4796) shared or stopped, the camera and sound as they were, the answer's version raised |
//! | `admission.rs` | an INVITE's way in: what was dialled and who calls → the meeting's join decision → a place held → the conference joined, the waiting room, or a refusal |
//! | `target.rs` | what was dialled (meeting ID, password), pure |
//! | `caller.rs` | who calls: a registered room (by its flow) or a guest |
//! | `sdp/` | the offer read and the answer written (gstreamer-sdp); our own offer asking a picture size |
//! | `sizing.rs` | each sender asked (a re-INVITE, RFC 6236 `imageattr`) for no more than its largest tile |
//! | `reject.rs` | a refused join as a SIP status, phrase and reason code |
//! | `roster.rs` | the roster as RFC 4575 conference-info, pure |
//! | `events.rs` | in-dialog SUBSCRIBE (the roster, NOTIFYs as it changes) and INFO (the participant's own layout, or a key pressed) |
//! | `waiting.rs`, `dtmf.rs` | the waiting room where a guest without the password is asked for it and types it on its keypad |
//! | `ending.rs` | a meeting ended from the cloud: every call sent a BYE saying why (and the BYE itself, shared with the waiting room) |
//! | `control.rs` | host controls, pure: roles, actions, who may take which |
//! | `hosting.rs` | a permitted host action carried out: the roster, the media (mute, pictures), BYEs, the audit log, the roster NOTIFYs |
//! | `claiming.rs` | a participant claims host with the host password; three wrong ones bar it for 3 minutes |
//! | `holding.rs` | the host's waiting room: guests held (a prompt, no media) until let in or not |
//! | `dialling.rs` | the focus calls out (a host's invitation, a scheduled meeting's invitees): an offerless INVITE, the callee's offer in its `200 OK` admitted as an invitee, our answer in the ACK |
//! | `ringing.rs` | a scheduled meeting's invitees rung at its start |
//! | `timing.rs` | a scheduled meeting's end: the 15-minute notice, the end at its time, the host's extensions |
//!
//! The synchronous SIP core answers `100 Trying` and hands these requests
//! over (`sip::Deferred`); this side answers through the request's
//! `ReplyPath` and completes its server transaction, so a retransmitted
//! INVITE gets the same final answer. What a dialog needs that the call
//! router needs too (requests printed, responses, retransmission) is
//! `dialog/`'s.

mod admission;
pub mod caller;
mod claiming;
pub mod control;
mod dialling;
mod dialogs;
pub mod dtmf;
mod ending;
mod events;
mod holding;
mod hosting;
pub mod placement;
mod reinvite;
pub mod reject;
mod ringing;
pub mod roster;
pub mod sdp;
mod sizing;
pub mod target;
mod timing;

pub use dialling::Ringing;
pub use holding::Held;
pub use timing::Polling;
mod waiting;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsip::Method;
use tokio::sync::{mpsc, watch};

use crate::clock::SharedClock;
use crate::dialog::{Contacts, Repeats};
use crate::lock;
use crate::media::{Conference, ConferenceConfig, ParticipantId};
use crate::meetings::join::LiveState;
use crate::meetings::Meetings;
use crate::sip::transaction::Transactions;
use crate::sip::{Deferred, Flows, Location};
use crate::store::Store;
use control::Role;
use reject::{Ending, Refusal};
use sdp::VideoClass;

/// How long a participant may send no media before it is dropped.
pub const MEDIA_TIMEOUT: Duration = Duration::from_secs(30);

/// Media settings of the focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusConfig {
    /// The address participants send media to (the cloud's public one).
    pub media_ip: IpAddr,
    /// The composed picture (1280×720 by default; tests use less).
    pub canvas: (u32, u32),
    pub fps: u32,
    /// The highest class sent (bounded by the canvas anyway).
    pub max_class: VideoClass,
    /// A participant from whom no RTP arrives this long is dropped (a
    /// terminal that lost power sends no BYE).
    pub media_timeout: Duration,
    /// Pictures a gallery page holds.
    pub gallery_page: usize,
    /// The UDP ports media is received on (`None`: any).
    pub media_ports: Option<roomterm_rtp::PortRange>,
}

impl FocusConfig {
    pub fn new(media_ip: IpAddr) -> Self {
        Self {
            media_ip,
            canvas: (1280, 720),
            fps: 30,
            max_class: VideoClass::Hd720,
            media_timeout: MEDIA_TIMEOUT,
            gallery_page: crate::media::GALLERY_PAGE,
            media_ports: None,
        }
    }

    /// Where the media pipelines receive.
    pub fn media_bind(&self) -> crate::media::MediaBind {
        crate::media::MediaBind {
            ip: self.media_ip,
            ports: self.media_ports,
        }
    }
}

/// Who is in a meeting now, as the join decision, the roster and the host
/// controls need it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterEntry {
    pub participant: ParticipantId,
    pub role: Role,
    /// The caller's From header.
    pub from: String,
    /// The room's name, or the guest's display name (a host may rename).
    pub name: String,
    /// The room's SN, when a registered device called.
    pub device_sn: Option<String>,
    /// `roomterm` (a registered room) or `sip` (any other endpoint).
    pub kind: &'static str,
    /// It sends a picture (a phone does not).
    pub video: bool,
    /// Its sound is silenced in the MCU.
    pub muted: bool,
    /// … by the host (or an admin), not by itself.
    pub muted_by_host: bool,
    /// The host took its picture out of the composition.
    pub video_stopped: bool,
    pub hand_raised: bool,
    /// When it joined (ms since the epoch).
    pub joined_at_ms: i64,
}

impl RosterEntry {
    pub fn is_host(&self) -> bool {
        self.role == Role::Host
    }

    /// How a removed participant is known when it dials again: its room's
    /// SN, or the address it calls from.
    fn identity(&self) -> String {
        caller_identity(self.device_sn.as_deref(), &self.from)
    }
}

/// A caller's identity for the host's removals (see [`RosterEntry::identity`]).
fn caller_identity(device_sn: Option<&str>, from: &str) -> String {
    match device_sn {
        Some(sn) => format!("device:{sn}"),
        None => format!(
            "uri:{}",
            crate::dialog::uri_of(from)
                .unwrap_or(from)
                .to_ascii_lowercase()
        ),
    }
}

/// The meeting-wide settings a host changes while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Controls {
    /// Nobody new joins.
    pub locked: bool,
    /// Participants the host muted may unmute themselves.
    pub allow_self_unmute: bool,
    /// Newcomers join muted by the host.
    pub mute_on_entry: bool,
    /// Guests wait until the host lets them in.
    pub waiting_room: bool,
    /// Only the host and co-hosts may share content.
    pub host_only_share: bool,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            locked: false,
            allow_self_unmute: true,
            mute_on_entry: false,
            waiting_room: false,
            host_only_share: false,
        }
    }
}

struct Live {
    conference: Arc<Conference>,
    roster: Vec<RosterEntry>,
    controls: Controls,
    /// Identities the host removed: refused if they dial in again while
    /// the meeting runs.
    removed: std::collections::HashSet<String>,
    /// When the meeting ends unless extended (`timing.rs`).
    deadline: timing::Deadline,
    /// The host's polling: every `interval` seconds the next site is
    /// broadcast (`timing.rs`).
    polling: Option<timing::Polling>,
    /// Callers waiting for the host to let them in (`holding.rs`).
    held: Vec<holding::Held>,
    /// Wrong host passwords by identity (`claiming.rs`).
    claims: std::collections::HashMap<String, claiming::Tries>,
}

/// What [`Focus::new`] needs.
pub struct FocusParts {
    pub config: FocusConfig,
    pub meetings: Arc<Meetings>,
    pub transactions: Arc<Transactions>,
    /// For `Warning` headers.
    pub host: String,
    pub contacts: Contacts,
    /// The SIP domain (conference URIs are `sip:<meeting-id>@<domain>`).
    pub domain: String,
    /// Who is registered from where: a room calling in is known by it.
    pub location: Arc<Location>,
    /// The flows registered rooms are reached down (calls out).
    pub flows: Arc<Flows>,
    pub store: Store,
    pub clock: SharedClock,
    /// Behind a SIP edge: where meetings run (`placement.rs`).
    pub placement: Option<placement::Placement>,
}

pub struct Focus {
    config: FocusConfig,
    contacts: Contacts,
    meetings: Arc<Meetings>,
    transactions: Arc<Transactions>,
    host: String,
    domain: String,
    location: Arc<Location>,
    flows: Arc<Flows>,
    store: Store,
    clock: SharedClock,
    placement: Option<Arc<placement::Placement>>,
    /// Roster subscriptions, by their call's Call-ID.
    subscriptions: Mutex<HashMap<String, events::Subscription>>,
    /// NOTIFYs sent over UDP and not yet answered.
    unanswered: Repeats,
    /// Calls out still ringing (or just answered), by Call-ID: the
    /// responses to their INVITE go to their task.
    dialling: Mutex<HashMap<String, dialling::Dialling>>,
    /// Scheduled occurrences whose invitees were rung (`ringing.rs`).
    rung: Mutex<std::collections::HashSet<(String, i64)>>,
    /// Callers in the waiting room for the password, by Call-ID.
    waiting: Mutex<HashMap<String, mpsc::UnboundedSender<waiting::WaitingEvent>>>,
    conferences: Mutex<HashMap<String, Live>>,
    dialogs: Mutex<HashMap<String, dialogs::Dialog>>,
    /// Callers that send the picture size asked of them (`sizing.rs`).
    sizing: Mutex<HashMap<ParticipantId, sizing::Sizing>>,
    /// Final INVITE answers awaiting their ACK (UDP).
    unacked: Repeats,
    /// INVITEs still being decided: Call-ID → cancelled.
    deciding: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// Joins being decided per meeting ID (they hold a place).
    joining: Arc<Mutex<HashMap<String, u32>>>,
    next_participant: AtomicU64,
    /// The meeting ID of every change a roster NOTIFY tells (join, leave,
    /// layout, host action, time): the live pages follow it.
    changes: tokio::sync::broadcast::Sender<String>,
}

impl Focus {
    pub fn new(parts: FocusParts) -> Arc<Self> {
        Arc::new(Self {
            config: parts.config,
            meetings: parts.meetings,
            transactions: parts.transactions,
            host: parts.host,
            contacts: parts.contacts,
            domain: parts.domain,
            location: parts.location,
            flows: parts.flows,
            dialling: Mutex::new(HashMap::new()),
            rung: Mutex::default(),
            subscriptions: Mutex::new(HashMap::new()),
            unanswered: Repeats::default(),
            waiting: Mutex::new(HashMap::new()),
            store: parts.store,
            clock: parts.clock,
            placement: parts.placement.map(Arc::new),
            conferences: Mutex::new(HashMap::new()),
            dialogs: Mutex::new(HashMap::new()),
            sizing: Mutex::default(),
            unacked: Repeats::default(),
            deciding: Mutex::new(HashMap::new()),
            joining: Arc::default(),
            next_participant: AtomicU64::new(1),
            changes: tokio::sync::broadcast::channel(256).0,
        })
    }

    /// Serves the requests the SIP core hands over until it stops.
    pub async fn run(self: Arc<Self>, mut requests: mpsc::UnboundedReceiver<Deferred>) {
        let sweeper = tokio::spawn(self.clone().drop_silent());
        let timekeeper = tokio::spawn(self.clone().keep_time());
        let ringer = tokio::spawn(self.clone().ring_invitees());
        let sizer = tokio::spawn(self.clone().ask_sizes());
        while let Some(deferred) = requests.recv().await {
            let focus = self.clone();
            tokio::spawn(async move { focus.handle(deferred).await });
        }
        sweeper.abort();
        timekeeper.abort();
        ringer.abort();
        sizer.abort();
    }

    /// Drops participants whose media stopped without a BYE, checking a
    /// few times per timeout.
    async fn drop_silent(self: Arc<Self>) {
        let timeout = self.config.media_timeout;
        let mut tick = tokio::time::interval((timeout / 4).max(Duration::from_millis(100)));
        loop {
            tick.tick().await;
            let live: Vec<(String, Arc<Conference>)> = lock(&self.conferences)
                .iter()
                .map(|(id, live)| (id.clone(), live.conference.clone()))
                .collect();
            for (meeting_id, conference) in live {
                for participant in conference.silent(timeout) {
                    tracing::warn!(
                        meeting = %meeting_id,
                        participant,
                        ?timeout,
                        "no media: dropped from the meeting"
                    );
                    let gone: Vec<String> = {
                        let mut dialogs = lock(&self.dialogs);
                        let gone = dialogs
                            .iter()
                            .filter(|(_, d)| {
                                d.meeting_id == meeting_id && d.participant == participant
                            })
                            .map(|(call_id, _)| call_id.clone())
                            .collect::<Vec<_>>();
                        for call_id in &gone {
                            dialogs.remove(call_id);
                        }
                        gone
                    };
                    for call_id in &gone {
                        self.unsubscribe(call_id);
                    }
                    self.remove_participant(&meeting_id, participant);
                }
            }
        }
    }

    /// The meeting's participants now.
    pub fn roster(&self, meeting_id: &str) -> Vec<RosterEntry> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.roster.clone())
            .unwrap_or_default()
    }

    /// Which meeting each room in one is in, by the room's SN.
    pub fn rooms_in_meetings(&self) -> std::collections::HashMap<String, String> {
        lock(&self.conferences)
            .iter()
            .flat_map(|(meeting_id, live)| {
                live.roster
                    .iter()
                    .filter_map(|e| Some((e.device_sn.clone()?, meeting_id.clone())))
            })
            .collect()
    }

    /// Every change to a running meeting, by its ID (a slow reader that
    /// falls behind hears `Lagged` and reads the meeting afresh).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// The meeting's conference media, while anyone is in it.
    pub fn conference(&self, meeting_id: &str) -> Option<Arc<Conference>> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.conference.clone())
    }

    /// What this node's conferences cost to make now, in pixels a second
    /// (`Conference::composing_cost`).
    pub fn composing_cost(&self) -> u64 {
        // Collected first: each conference's own lock is not taken under
        // the focus's.
        let conferences: Vec<Arc<Conference>> = lock(&self.conferences)
            .values()
            .map(|live| live.conference.clone())
            .collect();
        conferences.iter().map(|c| c.composing_cost()).sum()
    }

    async fn handle(self: Arc<Self>, d: Deferred) {
        match d.request.method {
            Method::Invite => self.invite(d).await,
            Method::Ack => self.ack(&d),
            Method::Bye => self.bye(d),
            Method::Cancel => self.cancel(d),
            Method::Subscribe => self.subscribe(d),
            Method::Info => self.info(d).await,
            _ => {}
        }
    }

    fn domain(&self) -> &str {
        &self.domain
    }

    /// The host name the focus's `Warning` headers name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Sets the meeting's layout for everyone and tells the subscribers;
    /// `false` when nobody is in the meeting.
    pub fn set_layout(&self, meeting_id: &str, layout: crate::media::LayoutKind) -> bool {
        let Some(conference) = self.conference(meeting_id) else {
            return false;
        };
        conference.set_layout(layout);
        self.notify_meeting(meeting_id);
        true
    }

    fn conference_for(
        &self,
        meeting_id: &str,
    ) -> Result<Arc<Conference>, crate::media::MediaError> {
        let mut conferences = lock(&self.conferences);
        if let Some(live) = conferences.get(meeting_id) {
            return Ok(live.conference.clone());
        }
        let (w, h) = self.config.canvas;
        let mut config = ConferenceConfig::probe(w, h, self.config.fps, self.config.media_bind())?;
        config.gallery_page = self.config.gallery_page;
        let conference = Arc::new(Conference::start(config)?);
        conferences.insert(
            meeting_id.to_string(),
            Live {
                conference: conference.clone(),
                roster: Vec::new(),
                controls: Controls::default(),
                removed: Default::default(),
                deadline: timing::Deadline::Unknown,
                polling: None,
                held: Vec::new(),
                claims: Default::default(),
            },
        );
        self.meetings.set_running(meeting_id, true);
        Ok(conference)
    }

    /// Takes a participant out; the last one out ends the conference media.
    fn remove_participant(&self, meeting_id: &str, participant: ParticipantId) {
        let mut conferences = lock(&self.conferences);
        let Some(live) = conferences.get_mut(meeting_id) else {
            return;
        };
        if let Err(err) = live.conference.leave(participant) {
            tracing::warn!(%err, "leaving the conference media");
        }
        lock(&self.sizing).remove(&participant);
        live.roster.retain(|r| r.participant != participant);
        if live.roster.is_empty() {
            conferences.remove(meeting_id);
            self.meetings.set_running(meeting_id, false);
            self.release_place(meeting_id);
        }
        drop(conferences);
        self.notify_meeting(meeting_id);
        tracing::info!(meeting = %meeting_id, participant, "left");
    }
}

/// What the join decision needs of a live conference (none: nobody).
fn counts(live: Option<&Live>) -> LiveState {
    let roster = live.map(|l| l.roster.as_slice()).unwrap_or_default();
    LiveState {
        host_present: roster.iter().any(RosterEntry::is_host),
        participants: roster.len() as u32,
        locked: live.is_some_and(|l| l.controls.locked),
    }
}
