//! A cast shared into the meeting the room is in, as content (RFC 4796):
//! the cast's pictures encoded on a content leg of their own
//! (`media::ContentSender`), offered to the focus in a re-INVITE, sent
//! where its answer says. When the cast ends the content line is offered
//! again refused (port 0) and the meeting's layouts return to people; when
//! the meeting ends first, the content just stops.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::calls::SharedOffer;
use super::published::Published;
use crate::cast::CastReceiver;
use crate::lock;
use crate::media::{ContentConfig, ContentSender, CONTENT_KBPS};
use crate::sip::content_sdp::{content_remote, reoffer, ContentOffer};
use crate::sip::{AgentCommand, CallState, Renegotiation};

/// How long the focus may take to answer a re-INVITE (Timer B's 32 s, and
/// a little).
const ANSWER_WITHIN: Duration = Duration::from_secs(35);

/// What sharing needs of the SIP agent.
pub struct MeetingCall {
    pub commands: mpsc::Sender<AgentCommand>,
    pub call: watch::Receiver<Option<CallState>>,
    pub renegotiation: watch::Receiver<Renegotiation>,
    /// Our last offer in the call (the re-INVITEs build on it).
    pub offer: SharedOffer,
}

/// The cast shared into the meeting; dropping it stops sharing (the
/// re-INVITE that says so still goes out).
pub struct MeetingShare {
    stop: Option<oneshot::Sender<()>>,
    sender: Slot,
    _task: JoinHandle<()>,
}

/// The content sender, held by the share and its task: whoever lets go
/// first takes it out and drops it under the lock. Its branch lives in the
/// cast's pipeline, so it must be gone before that pipeline stops: two
/// threads changing states in one pipeline deadlock.
type Slot = Arc<Mutex<Option<ContentSender>>>;

fn let_go(slot: &Slot) {
    let mut sender = lock(slot);
    drop(sender.take());
}

impl MeetingShare {
    pub fn start(
        receiver: &CastReceiver,
        config: &ContentConfig,
        call: MeetingCall,
        published: Published,
    ) -> Option<Self> {
        let sender = match receiver.share_as_content(config) {
            Ok(sender) => sender,
            Err(err) => {
                tracing::warn!(%err, "cannot share the cast into the meeting");
                return None;
            }
        };
        let (stop, stopped) = oneshot::channel();
        let port = sender.local_port();
        let sender: Slot = Arc::new(Mutex::new(Some(sender)));
        let task = tokio::spawn(share(
            sender.clone(),
            port,
            config.pt,
            call,
            published,
            stopped,
        ));
        Some(Self {
            stop: Some(stop),
            sender,
            _task: task,
        })
    }
}

impl Drop for MeetingShare {
    fn drop(&mut self) {
        // Synchronously: the cast's pipeline may stop right after.
        let_go(&self.sender);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn share(
    sender: Slot,
    port: u16,
    pt: u8,
    call: MeetingCall,
    published: Published,
    mut stopped: oneshot::Receiver<()>,
) {
    let MeetingCall {
        commands,
        call: mut state,
        mut renegotiation,
        offer: last_offer,
    } = call;
    let mut renegotiate = Renegotiating {
        commands,
        renegotiation: &mut renegotiation,
        last_offer,
    };
    let content = ContentOffer {
        port,
        pt,
        kbps: CONTENT_KBPS,
    };
    let answer = tokio::select! {
        answer = renegotiate.offer(Some(&content)) => Some(answer),
        // Stopped before the focus answered: offered again without.
        _ = &mut stopped => None,
        () = ended(&mut state) => {
            let_go(&sender);
            return;
        }
    };
    if let Some(answer) = answer {
        let remote = answer.as_deref().and_then(content_remote);
        let send = |remote| match lock(&sender).as_mut() {
            Some(sender) => sender.send_to(remote).map(|()| true),
            // The share was dropped meanwhile.
            None => Ok(false),
        };
        match remote.map(send) {
            Some(Ok(false)) => {}
            Some(Ok(true)) => {
                tracing::info!("the cast is shared into the meeting");
                set_shared(&published, true);
            }
            Some(Err(err)) => tracing::warn!(%err, "cannot send the content"),
            None => tracing::warn!("the meeting did not take the content"),
        }
        tokio::select! {
            _ = &mut stopped => {}
            () = ended(&mut state) => {
                let_go(&sender);
                set_shared(&published, false);
                return;
            }
        }
    }
    let_go(&sender);
    set_shared(&published, false);
    // The meeting goes on: its layouts return to people.
    tokio::select! {
        _ = renegotiate.offer(None) => {}
        () = ended(&mut state) => {}
    }
}

/// New offers in the call: one re-INVITE at a time, each built on the
/// last offer.
struct Renegotiating<'a> {
    commands: mpsc::Sender<AgentCommand>,
    renegotiation: &'a mut watch::Receiver<Renegotiation>,
    last_offer: SharedOffer,
}

impl Renegotiating<'_> {
    /// Offers the session again with `content` (or without), waiting for
    /// a re-INVITE still under way first; the focus's answer, if it took
    /// it.
    async fn offer(&mut self, content: Option<&ContentOffer>) -> Option<String> {
        let settled = |r: &Renegotiation| *r != Renegotiation::Offered;
        tokio::time::timeout(ANSWER_WITHIN, self.renegotiation.wait_for(settled))
            .await
            .ok()?
            .ok()?;
        let offers = lock(&self.last_offer).clone()?;
        let sdp = reoffer(&offers.last, &offers.first, content)?;
        if let Some(offers) = lock(&self.last_offer).as_mut() {
            offers.last = sdp.clone();
        }
        self.renegotiation.mark_unchanged();
        self.commands
            .send(AgentCommand::Renegotiate { sdp })
            .await
            .ok()?;
        // The last re-INVITE's outcome stays until this one is under way.
        tokio::time::timeout(ANSWER_WITHIN, self.renegotiation.changed())
            .await
            .ok()?
            .ok()?;
        let answered =
            |r: &Renegotiation| matches!(r, Renegotiation::Answered(_) | Renegotiation::Refused(_));
        let outcome = tokio::time::timeout(ANSWER_WITHIN, self.renegotiation.wait_for(answered))
            .await
            .ok()?
            .ok()?
            .clone();
        match outcome {
            Renegotiation::Answered(answer) => Some(answer),
            Renegotiation::Refused(status) => {
                tracing::warn!(status, "the focus refused the new offer");
                None
            }
            _ => None,
        }
    }
}

/// Resolves when the call is over.
async fn ended(call: &mut watch::Receiver<Option<CallState>>) {
    let over = |state: &Option<CallState>| !matches!(state, Some(CallState::Established { .. }));
    let _ = call.wait_for(over).await;
}

fn set_shared(published: &Published, shared: bool) {
    published.status(|s| {
        if let Some(cast) = &mut s.cast {
            cast.in_meeting = shared;
        }
    });
}

/// Whether the room is in a meeting now (a call to a focus, whose roster
/// it follows), where a cast is shared as content.
pub fn in_meeting(published: &Published) -> bool {
    let status = published.status.borrow();
    matches!(status.call, Some(CallState::Established { .. })) && status.call_roster.is_some()
}
