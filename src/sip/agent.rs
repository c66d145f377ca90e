//! The SIP user agent task: drives [`Registration`] with real time over a
//! [`Link`] (UDP, or TCP reconnected on demand), re-registers when told to
//! or when the local address changes, and publishes the registration status.

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::account::Account;
use super::call::{HostAnswer, OutgoingCall, Renegotiation};
use super::call_state::CallState;
use super::conference::Roster;
use super::incoming::IncomingCall;
use super::link::Link;
use super::message::Message;
use super::register::{RegFailure, RegStatus, Registration};
use super::wire;

/// How often the local address is checked for a change (new DHCP lease,
/// cable moved, Wi-Fi roam) without a netlink event: the fallback.
const ADDRESS_CHECK: Duration = Duration::from_secs(10);
/// How long stopping may take to remove the binding (connect, answer a
/// challenge); the binding would expire by itself anyway.
const UNREGISTER_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentCommand {
    /// Register again now (e.g. the cloud restarted or settings changed).
    Reregister,
    /// Call `user@domain` (a meeting: `<id>[*<password>]`) offering `sdp`;
    /// replaces a call in progress.
    Dial { user: String, sdp: String },
    /// End the call (BYE, or CANCEL before the answer; an incoming call
    /// still ringing is declined).
    HangUp,
    /// Answer the incoming call ringing here with `sdp`.
    Answer { sdp: String },
    /// Decline the incoming call ringing here.
    Decline,
    /// Watch `layout` in the meeting (`gallery`, `speaker`,
    /// `picture_in_picture`): asked of the focus.
    SelectLayout(String),
    /// Take a host action in the meeting (its JSON; an INFO to the focus).
    /// How it went: `host_answer`.
    HostAction(String),
    /// Offer `sdp` again in the meeting call (a re-INVITE): content
    /// shared into the meeting, or stopped. How it went: `renegotiation`.
    Renegotiate { sdp: String },
    /// Unregister and stop.
    Stop,
}

pub struct SipAgent {
    pub status: watch::Receiver<RegStatus>,
    /// The current (or last) call's state; `None` before the first call.
    pub call: watch::Receiver<Option<CallState>>,
    /// The meeting's roster while a meeting call lasts (`None` otherwise).
    pub roster: watch::Receiver<Option<Roster>>,
    /// How the call's last re-INVITE went.
    pub renegotiation: watch::Receiver<Renegotiation>,
    /// How the call's last host action went.
    pub host_answer: watch::Receiver<HostAnswer>,
    /// The picture size the meeting's focus asks this room to send
    /// (`None`: the class's).
    pub send_size: watch::Receiver<Option<(u32, u32)>>,
    commands: mpsc::Sender<AgentCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl SipAgent {
    /// Starts registering `account` over its transport. Only local problems
    /// fail here; an unreachable server shows in `status`.
    pub async fn start(account: Account) -> std::io::Result<Self> {
        let link = Link::open(account.transport, account.proxy).await?;
        let (status_tx, status) = watch::channel(RegStatus::Registering);
        let (call_tx, call) = watch::channel(None);
        let (roster_tx, roster) = watch::channel(None);
        let (renegotiation_tx, renegotiation) = watch::channel(Renegotiation::None);
        let (host_answer_tx, host_answer) = watch::channel(HostAnswer::None);
        let (send_size_tx, send_size) = watch::channel(None);
        let (commands, rx) = mpsc::channel(8);
        let published = Published {
            status: status_tx,
            call: call_tx,
            roster: roster_tx,
            renegotiation: renegotiation_tx,
            host_answer: host_answer_tx,
            send_size: send_size_tx,
        };
        let task = tokio::spawn(run(account, link, published, rx));
        Ok(Self {
            status,
            call,
            roster,
            renegotiation,
            host_answer,
            send_size,
            commands,
            task,
        })
    }

    pub async fn command(&self, command: AgentCommand) {
        let _ = self.commands.send(command).await;
    }

    /// Where commands go, for a task that outlives this borrow.
    pub fn commands(&self) -> mpsc::Sender<AgentCommand> {
        self.commands.clone()
    }

    /// Unregisters (best effort, bounded) and ends the task.
    pub async fn stop(self) {
        let _ = self.commands.send(AgentCommand::Stop).await;
        let _ = tokio::time::timeout(Duration::from_secs(3), self.task).await;
    }
}

/// What the agent's task publishes.
struct Published {
    status: watch::Sender<RegStatus>,
    call: watch::Sender<Option<CallState>>,
    roster: watch::Sender<Option<Roster>>,
    renegotiation: watch::Sender<Renegotiation>,
    host_answer: watch::Sender<HostAnswer>,
    send_size: watch::Sender<Option<(u32, u32)>>,
}

async fn run(
    account: Account,
    link: Link,
    published: Published,
    mut commands: mpsc::Receiver<AgentCommand>,
) {
    let Published {
        status,
        call: call_status,
        roster,
        renegotiation,
        host_answer,
        send_size,
    } = published;
    // Until the first TCP connect the proxy's own address stands in; every
    // REGISTER is built after `Link::ready` gives the real one.
    let local = link.local().unwrap_or(account.proxy);
    let mut agent = Agent {
        reg: Registration::new(account, local),
        link,
        buf: vec![0u8; 65_535],
        call: None,
    };
    let mut address_check = tokio::time::interval(ADDRESS_CHECK);
    let mut addresses = crate::net::AddressWatch::new();
    agent.register_now().await;
    loop {
        status.send_if_modified(|current| {
            let changed = current != agent.reg.status();
            if changed {
                tracing::info!(status = ?agent.reg.status(), "SIP registration");
                *current = agent.reg.status().clone();
            }
            changed
        });
        call_status.send_if_modified(|current| {
            let now = agent.call.as_ref().map(|c| c.state().clone());
            let changed = *current != now;
            if changed {
                // The state without the answer's SDP (logged at debug).
                let state = match &now {
                    Some(CallState::Established { remote_sdp: answer }) => {
                        tracing::debug!(%answer, "SIP call answered");
                        "established".to_string()
                    }
                    other => format!("{other:?}"),
                };
                tracing::info!(call = %state, "SIP call");
                *current = now;
            }
            changed
        });
        let placed = match &agent.call {
            Some(Call::Out(call)) => Some(call),
            _ => None,
        };
        publish(&roster, placed.and_then(|c| c.roster()).cloned());
        let renegotiated = placed.map(|c| c.renegotiation().clone());
        publish(&renegotiation, renegotiated.unwrap_or_default());
        publish(
            &host_answer,
            placed.map(|c| c.host_answer().clone()).unwrap_or_default(),
        );
        publish(&send_size, placed.and_then(|c| c.asked_size()));
        let wakeup = [
            agent.reg.next_wakeup(),
            agent.call.as_ref().and_then(Call::next_wakeup),
        ]
        .into_iter()
        .flatten()
        .min()
        .map(tokio::time::Instant::from_std)
        .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            received = agent.link.recv(&mut agent.buf) => match received {
                Ok(message) => agent.on_message(&message).await,
                Err(err) => agent.on_link_error(&err),
            },
            _ = tokio::time::sleep_until(wakeup) => agent.on_timer().await,
            // A netlink event says at once; the tick catches what it misses.
            _ = addresses.changed() => {
                if agent.link.follow_route().await {
                    agent.register_now().await;
                }
            }
            _ = address_check.tick() => {
                if agent.link.follow_route().await {
                    agent.register_now().await;
                }
            }
            command = commands.recv() => match command {
                Some(AgentCommand::Reregister) => agent.register_now().await,
                Some(AgentCommand::Dial { user, sdp }) => agent.dial(&user, &sdp).await,
                Some(AgentCommand::HangUp) => agent.hang_up().await,
                Some(AgentCommand::Answer { sdp }) => agent.answer(&sdp).await,
                Some(AgentCommand::Decline) => agent.decline().await,
                Some(AgentCommand::SelectLayout(layout)) => agent.select_layout(&layout).await,
                Some(AgentCommand::Renegotiate { sdp }) => agent.renegotiate(&sdp).await,
                Some(AgentCommand::HostAction(body)) => agent.host_action(&body).await,
                Some(AgentCommand::Stop) | None => {
                    agent.hang_up().await;
                    let _ = tokio::time::timeout(UNREGISTER_WAIT, agent.unregister()).await;
                    return;
                }
            },
        }
    }
}

struct Agent {
    reg: Registration,
    link: Link,
    buf: Vec<u8>,
    call: Option<Call>,
}

impl Agent {
    async fn dial(&mut self, user: &str, sdp: &str) {
        self.hang_up().await;
        match self.link.ready().await {
            Ok(local) => {
                let account = self.reg.account().clone();
                let (call, invite) =
                    OutgoingCall::start(&account, local, user, sdp, Instant::now());
                self.call = Some(Call::Out(Box::new(call)));
                self.send(&invite).await;
            }
            Err(err) => tracing::warn!(%err, "cannot place the call: no SIP link"),
        }
    }

    async fn hang_up(&mut self) {
        let out = self.call.as_mut().and_then(Call::hang_up);
        if let Some(out) = out {
            self.send(&out).await;
        }
    }

    async fn answer(&mut self, sdp: &str) {
        let out = match &mut self.call {
            Some(Call::In(call)) => call.answer(sdp, Instant::now()),
            _ => None,
        };
        match out {
            Some(out) => self.send(&out).await,
            None => tracing::warn!("no incoming call to answer"),
        }
    }

    async fn select_layout(&mut self, layout: &str) {
        let out = match &mut self.call {
            Some(Call::Out(call)) => call.select_layout(layout, Instant::now()),
            _ => None,
        };
        match out {
            Some(info) => self.send(&info).await,
            None => tracing::info!(layout, "no meeting call to change the layout of"),
        }
    }

    async fn host_action(&mut self, body: &str) {
        let out = match &mut self.call {
            Some(Call::Out(call)) => call.host_action(body, Instant::now()),
            _ => None,
        };
        match out {
            Some(info) => self.send(&info).await,
            None => tracing::info!("no meeting call to take a host action in"),
        }
    }

    async fn renegotiate(&mut self, sdp: &str) {
        let out = match &mut self.call {
            Some(Call::Out(call)) => call.reinvite(sdp, Instant::now()),
            _ => None,
        };
        match out {
            Some(reinvite) => self.send(&reinvite).await,
            None => tracing::info!("no established meeting call to offer again in"),
        }
    }

    async fn decline(&mut self) {
        let out = match &mut self.call {
            Some(Call::In(call)) => call.decline(),
            _ => None,
        };
        if let Some(out) = out {
            self.send(&out).await;
        }
    }

    /// A request outside the current call: a new INVITE rings here (or
    /// gets `486 Busy Here` during a call); stray in-dialog requests get
    /// `481`.
    async fn on_new_request(&mut self, message: &[u8]) {
        let Some(msg) = Message::parse(message) else {
            return;
        };
        let busy = self
            .call
            .as_ref()
            .is_some_and(|c| !matches!(c.state(), CallState::Ended(_)));
        let out = match msg.method.as_str() {
            "ACK" => None,
            "INVITE" if busy => Some(wire::response(&msg, 486, "Busy Here", None).build()),
            "INVITE" => {
                let local = self.link.local().unwrap_or(self.reg.account().proxy);
                let account = self.reg.account().clone();
                match IncomingCall::ring(&account, local, message, Instant::now()) {
                    Some((call, ringing)) => {
                        self.call = Some(Call::In(Box::new(call)));
                        Some(ringing)
                    }
                    None => Some(wire::response(&msg, 400, "Bad Request", None).build()),
                }
            }
            "OPTIONS" => Some(wire::response(&msg, 200, "OK", None).build()),
            _ => Some(wire::response(&msg, 481, "Call/Transaction Does Not Exist", None).build()),
        };
        if let Some(out) = out {
            self.send(&out).await;
        }
    }

    /// A fresh REGISTER, connecting first if needed: a new TCP connection
    /// has a new local port, so the request is built only once it exists.
    async fn register_now(&mut self) {
        match self.link.ready().await {
            Ok(local) => {
                let out = self.reg.register_now(local, Instant::now());
                self.send(&out).await;
            }
            Err(err) => self.reg.on_send_error(err.to_string(), Instant::now()),
        }
    }

    async fn on_timer(&mut self) {
        let now = Instant::now();
        if !self.link.is_up() {
            // TCP lost its flow: the retry the registration asks for starts
            // with a new connection.
            if self.reg.next_wakeup().is_some_and(|at| at <= now) {
                self.register_now().await;
            }
            return;
        }
        if let Some(again) = self.call.as_mut().and_then(|c| c.poll(now)) {
            self.send(&again).await;
        }
        let out = self.reg.poll(now);
        if self.reg.status() == &RegStatus::Failed(RegFailure::Timeout) {
            // No answer on an open TCP flow: it is probably dead without a
            // FIN (RFC 5626 §4.4); retry on a new one.
            self.link.close();
        }
        if let Some(out) = out {
            self.send(&out).await;
        }
    }

    /// Requests (a BYE from the far end) and answers to the call go to the
    /// call; everything else to the registration.
    async fn on_message(&mut self, message: &[u8]) {
        let is_request = !message.starts_with(b"SIP/2.0 ");
        let ours = self
            .call
            .as_ref()
            .is_some_and(|c| call_id_of(message).as_deref() == Some(c.call_id()));
        let out = match &mut self.call {
            Some(call) if is_request && ours => {
                let out = call.on_request(message);
                self.meeting_answered();
                out
            }
            _ if is_request => return self.on_new_request(message).await,
            Some(call) if !is_for_register(message) => {
                call.on_response(message).into_iter().collect()
            }
            _ => self
                .reg
                .on_response(message, Instant::now())
                .into_iter()
                .collect(),
        };
        for out in out {
            self.send(&out).await;
        }
    }

    /// A meeting that rang this room, now answered (the ACK came): the
    /// call goes on as a meeting call.
    fn meeting_answered(&mut self) {
        let Some(Call::In(call)) = &self.call else {
            return;
        };
        let CallState::Established { remote_sdp } = call.state() else {
            return;
        };
        if !call.from_focus() {
            return;
        }
        let local = self.link.local().unwrap_or(self.reg.account().proxy);
        let meeting = OutgoingCall::answered(
            self.reg.account(),
            local,
            call.dialog(),
            remote_sdp.clone(),
            Instant::now(),
        );
        self.call = Some(Call::Out(Box::new(meeting)));
    }

    /// UDP: ICMP unreachable. TCP: the flow ended (closed, reset, keep-alive
    /// unanswered, garbage) and the link has already dropped it.
    fn on_link_error(&mut self, err: &std::io::Error) {
        tracing::warn!(%err, "SIP transport");
        self.reg.on_send_error(err.to_string(), Instant::now());
    }

    async fn send(&mut self, bytes: &[u8]) {
        if let Err(err) = self.link.send(bytes).await {
            self.reg.on_send_error(err.to_string(), Instant::now());
        }
    }

    /// Removes our binding and waits for the answer (answering a stale-nonce
    /// challenge on the way). Bounded by the caller.
    async fn unregister(&mut self) {
        if self.link.ready().await.is_err() {
            return;
        }
        let out = self.reg.unregister(Instant::now());
        if self.link.send(&out).await.is_err() {
            return;
        }
        while self.reg.is_waiting() {
            let wakeup = self.reg.next_wakeup().map_or_else(
                || tokio::time::Instant::now() + UNREGISTER_WAIT,
                tokio::time::Instant::from_std,
            );
            let out = tokio::select! {
                received = self.link.recv(&mut self.buf) => match received {
                    Ok(message) => self.reg.on_response(&message, Instant::now()),
                    Err(_) => return,
                },
                // UDP retransmission of the un-REGISTER.
                _ = tokio::time::sleep_until(wakeup) => self.reg.poll(Instant::now()),
            };
            if let Some(out) = out {
                if self.link.send(&out).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Publishes `now` if it differs from what `to` holds.
fn publish<T: PartialEq>(to: &watch::Sender<T>, now: T) {
    to.send_if_modified(|current| {
        let changed = *current != now;
        *current = now;
        changed
    });
}

/// The call the agent has: one at a time, placed or received (boxed:
/// either is hundreds of bytes).
enum Call {
    Out(Box<OutgoingCall>),
    In(Box<IncomingCall>),
}

impl Call {
    fn state(&self) -> &CallState {
        match self {
            Call::Out(call) => call.state(),
            Call::In(call) => call.state(),
        }
    }

    fn call_id(&self) -> &str {
        match self {
            Call::Out(call) => call.call_id(),
            Call::In(call) => call.call_id(),
        }
    }

    fn next_wakeup(&self) -> Option<Instant> {
        match self {
            Call::Out(call) => call.next_wakeup(),
            Call::In(call) => call.next_wakeup(),
        }
    }

    fn poll(&mut self, now: Instant) -> Option<Vec<u8>> {
        match self {
            Call::Out(call) => call.poll(now),
            Call::In(call) => call.poll(now),
        }
    }

    fn on_request(&mut self, message: &[u8]) -> Vec<Vec<u8>> {
        match self {
            Call::Out(call) => call.on_request(message).into_iter().collect(),
            Call::In(call) => call.on_request(message),
        }
    }

    /// Responses only answer requests we sent: the INVITE of a placed
    /// call, or a BYE.
    fn on_response(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            Call::Out(call) => call.on_response(message),
            Call::In(_) => None,
        }
    }

    fn hang_up(&mut self) -> Option<Vec<u8>> {
        match self {
            Call::Out(call) => call.hang_up(),
            Call::In(call) => call.hang_up(),
        }
    }
}

/// The Call-ID of a message, read leniently (full or compact name).
fn call_id_of(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let head = text.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        (name.eq_ignore_ascii_case("call-id") || name.eq_ignore_ascii_case("i"))
            .then(|| value.trim().to_string())
    })
}

/// Whether a response answers a REGISTER (its CSeq method).
fn is_for_register(message: &[u8]) -> bool {
    let text = String::from_utf8_lossy(message);
    text.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            let name = name.trim();
            (name.eq_ignore_ascii_case("cseq")) && value.trim_end().ends_with("REGISTER")
        })
    })
}

impl std::fmt::Display for RegFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegFailure::Timeout => write!(f, "no answer from the SIP server"),
            RegFailure::WrongCredentials(code) => write!(f, "SIP credentials refused ({code})"),
            RegFailure::Rejected { code, reason } => {
                write!(f, "SIP server refused: {code} {reason}")
            }
            RegFailure::Unreachable(why) => write!(f, "SIP server unreachable: {why}"),
        }
    }
}
