//! What a participant asks of the focus inside its call's dialog, besides
//! the call itself:
//!
//! - the roster (RFC 4575 over RFC 6665): `SUBSCRIBE` with `Event:
//!   conference` gets `200 OK` and at once a `NOTIFY` with the full
//!   roster; another follows whenever someone joins or leaves or the
//!   layout the subscriber watches changes; `Expires: 0` ends it;
//! - its own layout: `INFO` with `application/vnd.roomterm.layout+json`
//!   (`{"layout": "speaker"}`) makes it watch that layout (RFC 6086's INFO
//!   as a carrier; the body type names what it is);
//! - a host action: `INFO` with `application/vnd.roomterm.control+json`
//!   (`{"action": "mute_all", "allow_self_unmute": false}`), taken as this
//!   participant; `200 OK`, or the refusal's status with its reason code
//!   in a `Warning: 399` (`403` and `not_host` for a guest's mute all).
//!
//! NOTIFYs go down the flow the call came on; over UDP each is repeated
//! (T1 doubling to T2) until its answer arrives or 32 s have passed.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rsip::headers::UntypedHeader;
use rsip::Method;
use tokio::time::Instant;

use super::control::{Action, Actor, Denial};
use super::dtmf::key_in_info;
use super::roster::{self, ContentOwner, Member, Roster};
use super::Focus;
use crate::dialog::address::sip_uri;
use crate::dialog::{self, tag_of, uri_of, LegIdentity, Outgoing};
use crate::lock;
use crate::sip::message::Response;
use crate::sip::{Deferred, ReplyPath};

/// The body type of a layout choice.
pub const LAYOUT_TYPE: &str = "application/vnd.roomterm.layout+json";
/// The body type of a host action (`control::Action` as JSON).
pub const CONTROL_TYPE: &str = "application/vnd.roomterm.control+json";
/// Subscriptions last this long unless refreshed (and at most this).
const MAX_EXPIRES: u64 = 3600;

type DialogView = (
    String,
    String,
    crate::media::ParticipantId,
    LegIdentity,
    Arc<AtomicU32>,
);

/// One participant's roster subscription.
pub(super) struct Subscription {
    meeting_id: String,
    participant: crate::media::ParticipantId,
    /// The dialog's identity as we send in it, and the way to the
    /// participant.
    leg: LegIdentity,
    path: ReplyPath,
    /// Our CSeq in the dialog (shared with its other requests) and the
    /// roster document's version.
    cseq: Arc<AtomicU32>,
    version: u32,
    expires_at: Instant,
}

impl Focus {
    /// `481` to a request in a dialog that is not (or no longer) ours.
    fn no_dialog(&self, d: &Deferred) {
        self.answer(d, None, 481, "Call/Transaction Does Not Exist", vec![]);
    }

    /// `SUBSCRIBE` in a meeting call's dialog.
    pub(super) fn subscribe(&self, d: Deferred) {
        let event = d.request.header("event").unwrap_or_default();
        let event_name = event.split(';').next().unwrap_or_default().trim();
        let Some((dialog_tag, meeting_id, participant, leg, cseq)) = self.dialog_of(&d) else {
            return self.no_dialog(&d);
        };
        if !event_name.eq_ignore_ascii_case("conference") {
            let allow = rsip::Header::Other("Allow-Events".into(), "conference".into());
            return self.answer(&d, Some(&dialog_tag), 489, "Bad Event", vec![allow]);
        }
        let expires = d
            .request
            .header("expires")
            .and_then(|e| e.trim().parse::<u64>().ok())
            .unwrap_or(MAX_EXPIRES)
            .min(MAX_EXPIRES);
        let call_id = d.request.call_id().to_string();
        let expires_header = rsip::headers::Expires::new(expires.to_string()).into();
        self.answer(&d, Some(&dialog_tag), 200, "OK", vec![expires_header]);
        let mut subscriptions = lock(&self.subscriptions);
        if expires == 0 {
            if let Some(mut ended) = subscriptions.remove(&call_id) {
                drop(subscriptions);
                self.send_notify(&mut ended, "terminated;reason=timeout");
            }
            return;
        }
        let subscription = subscriptions
            .entry(call_id.clone())
            .or_insert_with(|| Subscription {
                meeting_id,
                participant,
                leg,
                path: d.reply.clone(),
                cseq,
                version: 0,
                expires_at: Instant::now(),
            });
        subscription.expires_at = Instant::now() + Duration::from_secs(expires);
        subscription.path = d.reply.clone();
        let state = format!("active;expires={expires}");
        self.send_notify(subscription, &state);
    }

    /// `INFO` in a meeting call's dialog: the participant's layout, a host
    /// action it takes, or a key it pressed (for the waiting room's
    /// password).
    pub(super) async fn info(self: &Arc<Self>, d: Deferred) {
        let Some((dialog_tag, meeting_id, participant, _, _)) = self.dialog_of(&d) else {
            return self.no_dialog(&d);
        };
        let content_type = d.request.header("content-type").unwrap_or_default();
        if let Some(key) = key_in_info(content_type, &d.request.body) {
            // Keys matter only while the password is awaited.
            self.waiting_key(d.request.call_id(), key);
            return self.answer(&d, Some(&dialog_tag), 200, "OK", vec![]);
        }
        if content_type.trim().eq_ignore_ascii_case(CONTROL_TYPE) {
            let Ok(action) = serde_json::from_slice::<Action>(&d.request.body) else {
                return self.answer(&d, Some(&dialog_tag), 400, "Unknown Host Action", vec![]);
            };
            let actor = Actor::Participant(participant);
            return match self.act(&meeting_id, actor, &action).await {
                Ok(()) => self.answer(&d, Some(&dialog_tag), 200, "OK", vec![]),
                Err(denial) => {
                    // The reason code, as a refused join carries it.
                    let warning = dialog::warning_header(&self.host, denial.code());
                    let phrase = denial_phrase(denial);
                    let status = denial.status();
                    self.answer(&d, Some(&dialog_tag), status, phrase, vec![warning])
                }
            };
        }
        if !content_type.trim().eq_ignore_ascii_case(LAYOUT_TYPE) {
            let accept = rsip::headers::Accept::new(format!(
                "{LAYOUT_TYPE}, {CONTROL_TYPE}, application/dtmf-relay, application/dtmf"
            ))
            .into();
            return self.answer(
                &d,
                Some(&dialog_tag),
                415,
                "Unsupported Media Type",
                vec![accept],
            );
        }
        #[derive(serde::Deserialize)]
        struct Choice {
            layout: String,
        }
        let layout = serde_json::from_slice::<Choice>(&d.request.body)
            .ok()
            .and_then(|c| roster::layout_of(&c.layout));
        let Some(layout) = layout else {
            return self.answer(&d, Some(&dialog_tag), 400, "Unknown Layout", vec![]);
        };
        let applied = self
            .conference(&meeting_id)
            .map(|c| c.set_participant_layout(participant, layout));
        match applied {
            Some(Ok(())) => {
                self.answer(&d, Some(&dialog_tag), 200, "OK", vec![]);
                self.notify_meeting(&meeting_id);
            }
            other => {
                tracing::warn!(?other, "cannot change a participant's layout");
                self.answer(&d, Some(&dialog_tag), 500, "Layout Unavailable", vec![]);
            }
        }
    }

    /// Sends every subscriber of the meeting its roster now (someone
    /// joined or left, or layouts changed); expired subscriptions go.
    pub(super) fn notify_meeting(&self, meeting_id: &str) {
        // Nobody listening is no error.
        let _ = self.changes.send(meeting_id.to_string());
        let now = Instant::now();
        let mut subscriptions = lock(&self.subscriptions);
        subscriptions.retain(|_, s| s.expires_at > now);
        for subscription in subscriptions
            .values_mut()
            .filter(|s| s.meeting_id == meeting_id)
        {
            let left = subscription.expires_at.saturating_duration_since(now);
            let state = format!("active;expires={}", left.as_secs());
            self.send_notify(subscription, &state);
        }
    }

    /// A participant's call ended: its subscription with it.
    pub(super) fn unsubscribe(&self, call_id: &str) {
        lock(&self.subscriptions).remove(call_id);
    }

    /// A response to one of our NOTIFYs stops its repetition (one to a
    /// call out goes to its call).
    pub fn on_response(&self, response: &Response) {
        if self.to_dialling(response) || self.to_sizing(response) {
            return;
        }
        if let Some((cseq, _)) = response.cseq() {
            self.unanswered.stop(response.call_id(), cseq);
        }
    }

    fn send_notify(&self, subscription: &mut Subscription, state: &str) {
        let cseq = subscription.cseq.fetch_add(1, Ordering::Relaxed) + 1;
        subscription.version += 1;
        let conference = self.conference(&subscription.meeting_id);
        let sharer = conference.as_ref().and_then(|c| c.content_owner());
        let broadcast = conference.as_ref().and_then(|c| c.broadcasting());
        let members: Vec<Member> = self
            .roster(&subscription.meeting_id)
            .into_iter()
            .map(|entry| Member {
                entity: uri_of(&entry.from).unwrap_or_default().to_string(),
                name: entry.name,
                id: entry.participant,
                role: entry.role,
                sharing: sharer == Some(entry.participant),
                muted: entry.muted,
                muted_by_host: entry.muted_by_host,
                video_stopped: entry.video_stopped,
                hand_raised: entry.hand_raised,
            })
            .collect();
        let controls = self.controls(&subscription.meeting_id).unwrap_or_default();
        let layout = conference.and_then(|c| c.watching(subscription.participant));
        let content = sharer.map(|owner| {
            if owner == subscription.participant {
                ContentOwner::Yours
            } else {
                ContentOwner::Theirs
            }
        });
        let held = self.held(&subscription.meeting_id);
        let waiting: Vec<_> = held
            .iter()
            .map(|h| (h.participant, h.name.clone()))
            .collect();
        let ringing: Vec<_> = self
            .ringing(&subscription.meeting_id)
            .into_iter()
            .map(|r| (r.participant, r.name))
            .collect();
        let conference = sip_uri(&subscription.meeting_id, self.domain()).to_string();
        let body = roster::conference_info(&Roster {
            conference: &conference,
            version: subscription.version,
            members: &members,
            layout,
            content,
            controls,
            you: Some(subscription.participant),
            deadline: self.deadline(&subscription.meeting_id),
            broadcast,
            polling: self
                .polling(&subscription.meeting_id)
                .map(|p| p.interval_secs),
            waiting: &waiting,
            ringing: &ringing,
            held: held
                .iter()
                .any(|h| h.participant == subscription.participant),
        });
        let mut out = Outgoing::new(Method::Notify, cseq);
        out.extra = vec![
            rsip::headers::Event::new("conference").into(),
            rsip::headers::SubscriptionState::new(state).into(),
            subscription.leg.contact(),
        ];
        out.body = Some((roster::CONTENT_TYPE, body.as_bytes()));
        let bytes = Arc::new(subscription.leg.print(&out));
        subscription.path.send(bytes.clone());
        if subscription.path.is_unreliable() {
            let call_id = subscription.leg.call_id.clone();
            self.unanswered
                .start(call_id, cseq, subscription.path.clone(), bytes);
        }
    }

    /// The dialog a request belongs to (Call-ID and our tag): (our tag,
    /// meeting, participant, how we send in it, our CSeq in it).
    fn dialog_of(&self, d: &Deferred) -> Option<DialogView> {
        let tag = tag_of(d.request.header("to"))?;
        let dialogs = lock(&self.dialogs);
        let dialog = dialogs.get(d.request.call_id())?;
        (dialog.local_tag == tag).then(|| {
            (
                tag,
                dialog.meeting_id.clone(),
                dialog.participant,
                dialog.leg.clone(),
                dialog.cseq.clone(),
            )
        })
    }

    /// A final answer to an in-dialog request (`tag`: the dialog's).
    fn answer(
        &self,
        d: &Deferred,
        tag: Option<&str>,
        code: u16,
        reason: &str,
        extra: Vec<rsip::Header>,
    ) {
        let tag = tag.map_or_else(crate::sip::random_tag, str::to_string);
        let answer = dialog::respond(d, &tag, code, reason, extra, None);
        dialog::complete(&self.transactions, d, answer);
    }
}

/// The reason phrase of a refused host action.
fn denial_phrase(denial: Denial) -> &'static str {
    match denial {
        Denial::NotHost => "Host Only",
        Denial::SelfUnmuteForbidden => "Muted By Host",
        Denial::HostProtected => "Host Protected",
        Denial::NoParticipant => "No Such Participant",
        Denial::NotInProgress => "Meeting Not In Progress",
        Denial::BadName => "Bad Name",
        Denial::NoEndTime => "No End Time",
        Denial::TooLong => "Meeting Too Long",
        Denial::NoPicture => "No Picture",
        Denial::BadInterval => "Bad Interval",
        Denial::BadAddress => "Bad Address",
        Denial::Unreachable => "Unreachable",
        Denial::NotJoinable => "Would Not Be Let In",
        Denial::WrongPassword => "Wrong Host Password",
        Denial::TooManyTries => "Too Many Tries",
    }
}
