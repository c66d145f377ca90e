//! Each sender asked for no more than its largest tile. Twice a second the
//! focus compares what every conference wants of each picture
//! (`Conference::send_sizes`: the smallest rung of the ladder that fills
//! its largest tile) with what the sender agreed to send, and asks a
//! sender that differs in a re-INVITE of its own: the session as it is,
//! with RFC 6236 `a=imageattr:<pt> recv [x=W,y=H]` on the camera line
//! (`sdp/size_request.rs`). Only callers whose offer said they send sizes
//! asked for (`imageattr … send`) are asked — a roomterm does; a phone or a
//! softphone that did not say so sends what it negotiated and is scaled
//! here as before.
//!
//! A larger size is asked for at once (the new speaker should be sharp
//! within a key frame); a smaller one only once it has been wanted for
//! [`LOWER_AFTER`], so a speaker who pauses briefly does not make every
//! sender start over. One re-INVITE at a time per call; one that crosses
//! the caller's own (`491`) is tried again on a later round; a caller that
//! refuses one otherwise is not asked again.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rsip::Method;
use tokio::time::Instant;

use super::sdp;
use super::Focus;
use crate::dialog::{new_branch, Outgoing, TRANSACTION_WAIT};
use crate::lock;
use crate::media::ParticipantId;
use crate::sip::message::Response;

/// How often the wanted sizes are compared with the agreed ones.
const EVERY: Duration = Duration::from_millis(500);
/// How long a smaller size must stay wanted before it is asked for.
pub const LOWER_AFTER: Duration = Duration::from_secs(2);

/// A caller that sends the sizes asked of it.
pub(super) struct Sizing {
    /// What it sends now: its class's until it agreed to another.
    agreed: (u32, u32),
    /// Since when a smaller size than agreed has been wanted.
    smaller_since: Option<Instant>,
    /// Our re-INVITE still waiting for its answer.
    asking: Option<Asking>,
}

struct Asking {
    call_id: String,
    cseq: u32,
    branch: String,
    size: (u32, u32),
    sent: Instant,
}

impl Sizing {
    /// A caller sending `class` (its negotiated size).
    pub(super) fn new(class: (u32, u32)) -> Self {
        Self {
            agreed: class,
            smaller_since: None,
            asking: None,
        }
    }

    /// Whether to ask for `wanted` now.
    fn due(&mut self, wanted: (u32, u32), now: Instant) -> bool {
        if let Some(asking) = &self.asking {
            if now.duration_since(asking.sent) < TRANSACTION_WAIT {
                return false;
            }
            // Never answered: asked again below if still needed.
            self.asking = None;
        }
        let area = |(w, h): (u32, u32)| u64::from(w) * u64::from(h);
        if wanted == self.agreed {
            self.smaller_since = None;
            return false;
        }
        if area(wanted) > area(self.agreed) {
            self.smaller_since = None;
            return true;
        }
        let since = *self.smaller_since.get_or_insert(now);
        now.duration_since(since) >= LOWER_AFTER
    }
}

impl Focus {
    /// Compares wanted and agreed sizes until the focus stops.
    pub(super) async fn ask_sizes(self: Arc<Self>) {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let conferences: Vec<_> = lock(&self.conferences)
                .iter()
                .map(|(id, live)| (id.clone(), live.conference.clone()))
                .collect();
            for (meeting_id, conference) in conferences {
                for (participant, wanted) in conference.send_sizes() {
                    let due = lock(&self.sizing)
                        .get_mut(&participant)
                        .is_some_and(|s| s.due(wanted, Instant::now()));
                    if due {
                        self.ask_size(&meeting_id, participant, wanted);
                    }
                }
            }
        }
    }

    /// Sends `participant` our re-INVITE asking for `size`.
    fn ask_size(&self, meeting_id: &str, participant: ParticipantId, size: (u32, u32)) {
        let (leg, path, cseq, body) = {
            let mut dialogs = lock(&self.dialogs);
            let Some(dialog) = dialogs
                .values_mut()
                .find(|d| d.meeting_id == meeting_id && d.participant == participant)
            else {
                return;
            };
            let version = dialog.sdp_version + 1;
            let Some(body) = sdp::size_request(&dialog.sdp, version, size) else {
                return;
            };
            dialog.sdp_version = version;
            let cseq = dialog.cseq.fetch_add(1, Ordering::Relaxed) + 1;
            (dialog.leg.clone(), dialog.path.clone(), cseq, body)
        };
        let branch = new_branch();
        let mut invite = Outgoing::new(Method::Invite, cseq);
        invite.branch = Some(&branch);
        invite.contact = Some(self.contact(&path));
        invite.body = Some(("application/sdp", body.as_bytes()));
        let bytes = Arc::new(leg.print(&invite));
        if let Some(sizing) = lock(&self.sizing).get_mut(&participant) {
            sizing.asking = Some(Asking {
                call_id: leg.call_id.clone(),
                cseq,
                branch: branch.clone(),
                size,
                sent: Instant::now(),
            });
        }
        tracing::debug!(participant, ?size, "asking for a picture size");
        path.send(bytes.clone());
        if path.is_unreliable() {
            self.unanswered
                .start(leg.call_id.clone(), cseq, path, bytes);
        }
    }

    /// A response to one of our size re-INVITEs (`true`), which is ACKed
    /// and settles what the caller sends.
    pub(super) fn to_sizing(&self, response: &Response) -> bool {
        let Some((cseq, method)) = response.cseq() else {
            return false;
        };
        if !method.eq_ignore_ascii_case("INVITE") {
            return false;
        }
        let call_id = response.call_id();
        let mut sizing = lock(&self.sizing);
        let Some((participant, entry)) = sizing.iter_mut().find(|(_, s)| {
            s.asking
                .as_ref()
                .is_some_and(|a| a.call_id == call_id && a.cseq == cseq)
        }) else {
            return false;
        };
        let participant = *participant;
        self.unanswered.stop(call_id, cseq);
        let status = response.status;
        if status < 200 {
            return true;
        }
        let Some(asking) = entry.asking.take() else {
            return true;
        };
        match status {
            200..=299 => {
                entry.agreed = asking.size;
                entry.smaller_since = None;
                tracing::info!(participant, size = ?asking.size, "sends the picture size asked");
            }
            // Crossed the caller's own re-INVITE: a later round asks again.
            491 => {}
            _ => {
                tracing::info!(
                    participant,
                    status,
                    "does not send sizes asked: not asked again"
                );
                sizing.remove(&participant);
            }
        }
        drop(sizing);
        self.acknowledge_size(response, &asking, status);
        true
    }

    /// The ACK of our re-INVITE's final answer: a new transaction after a
    /// 2xx, the INVITE's own branch after a failure (RFC 3261 §17.1.1.3).
    fn acknowledge_size(&self, response: &Response, asking: &Asking, status: u16) {
        let dialogs = lock(&self.dialogs);
        let Some(dialog) = dialogs.get(&asking.call_id) else {
            return;
        };
        let to = response.header("to").unwrap_or_default().to_string();
        let mut ack = Outgoing::new(Method::Ack, asking.cseq);
        ack.to = Some(&to);
        if status >= 300 {
            ack.branch = Some(&asking.branch);
        }
        dialog.path.send(Arc::new(dialog.leg.print(&ack)));
    }
}
