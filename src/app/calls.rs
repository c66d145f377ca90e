//! Calls on the terminal: placing one (a meeting by its ID, a room by its
//! number), a call ringing here (shown, auto-answered if the room says
//! so, answered or declined), hanging up. The call under way is followed
//! by its [`ActiveCall`]; the agent (the session's) carries the SIP.

use tokio::sync::{mpsc, watch};

use super::active_call::{self, ActiveCall, Lost, Prepared, Redial};
use super::media_controls::MediaControls;
use super::published::Published;
use crate::media::CallMediaConfig;
use crate::sip::{AgentCommand, CallEnd, CallState, SipAgent};
use crate::ui::UiState;

/// Whom a placed call is with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallPeer {
    Meeting(String),
    Room(String),
}

/// The user part a meeting is dialled at: `<id>` or `<id>*<password>`.
pub fn dial_user(meeting_id: &str, password: &str) -> String {
    if password.is_empty() {
        meeting_id.to_string()
    } else {
        format!("{meeting_id}*{password}")
    }
}

pub struct Calls {
    /// How calls send and receive; `None`: this terminal places no calls.
    config: Option<CallMediaConfig>,
    published: Published,
    media: MediaControls,
    /// The call under way (placed or answered).
    call: Option<ActiveCall>,
    /// The incoming call ringing now.
    ringing: Option<Ringing>,
    /// Our last offer in the call we placed (a re-INVITE offers it again,
    /// changed: content shared into a meeting); `None` in a call we
    /// answered.
    offer: SharedOffer,
    /// The meeting we dialled (`<id>[*<password>]`), placed again if its
    /// media is lost; `None` in any other call.
    placed_meeting: Option<String>,
    /// Attempts at placing it again since it was lost.
    redials: u32,
    /// Where a followed call says it was lost (the runtime reads it).
    lost: mpsc::Sender<Lost>,
}

/// Attempts at placing a lost meeting call again before the room gives up
/// (with [`active_call`]'s pause between them: about 10 s in all, past
/// the edge's probing of a dead node).
const MAX_REDIALS: u32 = 5;

/// Our offers in the call under way, shared with the casting part.
pub type SharedOffer = std::sync::Arc<std::sync::Mutex<Option<Offers>>>;

/// The call's first offer (its content line is the one to return to when
/// sharing stops) and its last (each re-INVITE raises its version).
#[derive(Debug, Clone)]
pub struct Offers {
    pub first: String,
    pub last: String,
}

/// A call ringing here.
#[derive(Debug, Clone)]
struct Ringing {
    /// The caller's offer; empty for a delayed offer (ours goes first).
    offer: String,
    /// A meeting rings the room into it.
    meeting: bool,
}

/// H.264's payload type on the content line (the camera's is 96).
pub const CONTENT_PT: u8 = 100;

impl Calls {
    /// The calls, and where they report a meeting call lost (for
    /// [`redial`](Self::redial)).
    pub fn new(
        config: Option<CallMediaConfig>,
        published: Published,
        media: MediaControls,
    ) -> (Self, mpsc::Receiver<Lost>) {
        let (lost, lost_calls) = mpsc::channel(4);
        let calls = Self {
            config,
            published,
            media,
            call: None,
            ringing: None,
            offer: SharedOffer::default(),
            placed_meeting: None,
            redials: 0,
            lost,
        };
        (calls, lost_calls)
    }

    /// A call from the control API shows on screen like one placed there:
    /// the in-call page names it, a refusal returns to its page.
    pub fn show_peer(&self, peer: &CallPeer) {
        self.published.ui(|ui| match peer {
            CallPeer::Meeting(id) => {
                ui.meeting_id = id.clone();
                ui.call_from = crate::ui::Page::Join;
            }
            CallPeer::Room(number) => {
                ui.dial_number = number.clone();
                ui.call_from = crate::ui::Page::Dial;
            }
        });
    }

    /// Places a call to `user` (a meeting ID, with `*password`, or a
    /// room's number): media bound first, its ports in the offer. A
    /// meeting's offer also has a content line to receive what someone
    /// shares, apart from the people (RFC 4796).
    pub async fn place(
        &mut self,
        agent: &SipAgent,
        user: String,
        meeting: bool,
    ) -> Result<(), String> {
        self.placed_meeting = meeting.then(|| user.clone());
        self.redials = 0;
        self.dial(agent, user, meeting).await
    }

    /// The meeting call we placed was lost (its media stopped, or placing
    /// it again failed): placed again through the same proxy — the edge
    /// sends it to a node that answers — after registering again, up to
    /// [`MAX_REDIALS`] times. The screen says it is reconnecting meanwhile.
    pub async fn redial(&mut self, agent: &SipAgent, why: Lost) {
        let Some(user) = self.placed_meeting.clone() else {
            return;
        };
        if why == Lost::Silent {
            self.redials = 0;
        }
        if self.redials >= MAX_REDIALS {
            return;
        }
        self.redials += 1;
        tracing::warn!(
            attempt = self.redials,
            "placing the lost meeting call again"
        );
        self.published.status(|s| s.call_reconnecting = true);
        agent.command(AgentCommand::Reregister).await;
        if let Err(err) = self.dial(agent, user, true).await {
            tracing::warn!(%err, "cannot place the lost call again");
        }
    }

    /// Places the call (see [`place`](Self::place)).
    async fn dial(&mut self, agent: &SipAgent, user: String, meeting: bool) -> Result<(), String> {
        let Some(config) = &self.config else {
            return Err("this terminal has no call media".into());
        };
        let mut config = config.clone();
        config.content_pt = meeting.then_some(CONTENT_PT);
        let prepared = active_call::prepare(&config).map_err(|e| e.to_string())?;
        self.media.ready(&prepared.media);
        let offer = prepared.sdp.clone();
        // The previous call's media goes before the new call starts; a
        // call ringing here is declined by the agent as this one is placed.
        self.call = None;
        self.ringing = None;
        let mut agent_call = agent.call.clone();
        agent_call.mark_unchanged();
        *crate::lock(&self.offer) = Some(Offers {
            first: offer.clone(),
            last: offer.clone(),
        });
        agent.command(AgentCommand::Dial { user, sdp: offer }).await;
        // The last call's end is no longer news.
        self.published.status(|s| {
            s.call = Some(CallState::Calling);
            s.call_quality = None;
        });
        self.follow(agent, prepared, agent_call);
        Ok(())
    }

    /// A call state of the agent's: an incoming call rings (the screen
    /// shows who calls; `auto_answer` picks up), or stops ringing
    /// unanswered. Calls placed or answered are followed by their
    /// [`ActiveCall`].
    pub async fn agent_state(&mut self, agent: &SipAgent, state: CallState, auto_answer: bool) {
        match &state {
            CallState::Incoming { caller, offer } => {
                tracing::info!(name = %caller.name, number = %caller.number, "incoming call");
                self.ringing = Some(Ringing {
                    offer: offer.clone(),
                    meeting: caller.meeting,
                });
                self.call = None;
                self.published.status(|s| {
                    s.call = Some(state.clone());
                    s.call_quality = None;
                });
                self.published.ui(|ui| ui.call_incoming(caller));
                if auto_answer {
                    if let Err(err) = self.answer(agent).await {
                        tracing::warn!(%err, "cannot auto-answer");
                    }
                }
            }
            CallState::Ended(_) if self.ringing.take().is_some() => {
                self.published.status(|s| s.call = Some(state.clone()));
                self.published.ui(|ui| ui.call_ended(false));
            }
            _ => {}
        }
    }

    /// Answers the ringing call: media bound with the offer's payload
    /// types, our SDP sent in the `200 OK`, the call followed from there.
    pub async fn answer(&mut self, agent: &SipAgent) -> Result<(), String> {
        let Some(ringing) = self.ringing.clone() else {
            return Err("no call is ringing".into());
        };
        let Some(mut config) = self.config.clone() else {
            return Err("this terminal has no call media".into());
        };
        if ringing.offer.trim().is_empty() {
            return self.offer_first(agent, config, ringing.meeting).await;
        }
        let offer = ringing.offer;
        let Some(offered) = crate::sip::sdp::offered_payloads(&offer) else {
            agent.command(AgentCommand::Decline).await;
            return Err("the caller offers no H.264 and Opus".into());
        };
        config.video_pt = offered.video;
        config.audio_pt = offered.audio;
        // Retransmission only if the caller offered it (with its number).
        config.video_rtx_pt = offered.video_rtx.filter(|_| config.video_rtx_pt.is_some());
        let prepared = active_call::prepare(&config).map_err(|e| e.to_string())?;
        self.media.ready(&prepared.media);
        // Its media lines in its order, what we do not take refused.
        let Some(answer) = crate::sip::sdp::answer(&offer, &prepared.local) else {
            agent.command(AgentCommand::Decline).await;
            return Err("the caller's offer cannot be answered".into());
        };
        self.ringing = None;
        self.placed_meeting = None;
        *crate::lock(&self.offer) = None;
        let mut agent_call = agent.call.clone();
        agent_call.mark_unchanged();
        agent.command(AgentCommand::Answer { sdp: answer }).await;
        self.follow(agent, prepared, agent_call);
        Ok(())
    }

    /// Answers a delayed offer (a meeting ringing the room) with our own
    /// offer, as when placing the call: the answer comes in the ACK.
    async fn offer_first(
        &mut self,
        agent: &SipAgent,
        mut config: CallMediaConfig,
        meeting: bool,
    ) -> Result<(), String> {
        config.content_pt = meeting.then_some(CONTENT_PT);
        let prepared = active_call::prepare(&config).map_err(|e| e.to_string())?;
        self.media.ready(&prepared.media);
        let offer = prepared.sdp.clone();
        self.ringing = None;
        self.placed_meeting = None;
        *crate::lock(&self.offer) = Some(Offers {
            first: offer.clone(),
            last: offer.clone(),
        });
        let mut agent_call = agent.call.clone();
        agent_call.mark_unchanged();
        agent.command(AgentCommand::Answer { sdp: offer }).await;
        self.follow(agent, prepared, agent_call);
        Ok(())
    }

    /// Declines the call ringing here (`603`), if one rings.
    pub async fn decline(&self, agent: &SipAgent) {
        if self.ringing.is_some() {
            agent.command(AgentCommand::Decline).await;
        }
    }

    pub async fn hang_up(&mut self, agent: &SipAgent) {
        // Left on purpose: never placed again.
        self.placed_meeting = None;
        let reconnecting = self.published.status.borrow().call_reconnecting;
        agent.command(AgentCommand::HangUp).await;
        if reconnecting {
            // Between two attempts at placing a lost call there may be no
            // call left to hang up: it ends here.
            self.call = None;
            self.published.status(|s| {
                s.call = Some(CallState::Ended(CallEnd::HungUp));
                active_call::forget_ended(s);
            });
            self.published.ui(|ui| ui.call_ended(false));
        }
    }

    /// Our last offer in the call under way.
    pub fn offer(&self) -> SharedOffer {
        self.offer.clone()
    }

    /// Forgets the call and any ringing one (the session ends).
    pub fn drop_all(&mut self) {
        self.call = None;
        self.ringing = None;
        self.placed_meeting = None;
    }

    /// Shows the call's page and follows the call (placed or answered)
    /// from the agent's next state on.
    fn follow(
        &mut self,
        agent: &SipAgent,
        prepared: Prepared,
        agent_call: watch::Receiver<Option<CallState>>,
    ) {
        self.published.ui(UiState::call_started);
        let mut roster = agent.roster.clone();
        roster.mark_unchanged();
        let send_size = agent.send_size.clone();
        let redial = self.placed_meeting.as_ref().map(|_| Redial {
            lost: self.lost.clone(),
            // The first call is the user's: a refusal shows. Attempts at
            // placing it again retry, up to the last.
            retry_failure: self.redials > 0 && self.redials < MAX_REDIALS,
        });
        self.call = Some(active_call::follow(
            prepared,
            agent_call,
            active_call::Meeting { roster, send_size },
            self.published.clone(),
            self.media.live().clone(),
            redial,
        ));
    }
}
