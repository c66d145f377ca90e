//! A meeting call's dialog: the INVITE answered — after the admission,
//! with the conference's or the waiting room's answer, or a refusal — and
//! kept for retransmissions and re-INVITEs; over UDP the `200 OK` repeated
//! until the ACK (§13.3.1.4); BYE leaves the meeting; CANCEL ends an INVITE
//! still being decided with `487`.

use std::sync::atomic::AtomicU32;
use std::sync::Arc;

use rsip::common::uri::Param;
use tokio::sync::watch;

use super::admission::{Decided, WaitingFor};
use super::{Focus, Refusal};
use crate::dialog::address::{target_of, with_tag};
use crate::dialog::contacts::contact;
use crate::dialog::{self, tag_of, LegIdentity};
use crate::lock;
use crate::media::ParticipantId;
use crate::sip::message::Request;
use crate::sip::{Deferred, ReplyPath};

/// A meeting call the focus answered.
pub(super) struct Dialog {
    pub meeting_id: String,
    pub participant: ParticipantId,
    /// Our To tag: in-dialog requests must carry it.
    pub local_tag: String,
    /// The session as last answered (SDP) and its `o=` version: a
    /// re-INVITE's answer says it again, changed where the offer changed
    /// the content (`reinvite.rs`).
    pub sdp: String,
    pub sdp_version: u32,
    /// How we send requests (NOTIFYs, a BYE) in the dialog, where, and
    /// the CSeq of our last one.
    pub leg: LegIdentity,
    pub path: ReplyPath,
    pub cseq: Arc<AtomicU32>,
}

impl Focus {
    pub(super) async fn invite(self: &Arc<Self>, d: Deferred) {
        let call_id = d.request.call_id().to_string();
        // A re-INVITE in a dialog we hold: the content may change.
        if self.in_dialog(&d.request) {
            return self.reinvite(&d);
        }
        let (cancelled_tx, cancelled) = watch::channel(false);
        lock(&self.deciding).insert(call_id.clone(), cancelled_tx);
        let local_tag = crate::sip::random_tag();
        let outcome = self.decide(&d.request, d.source).await;
        lock(&self.deciding).remove(&call_id);
        let outcome = match outcome {
            Ok(decided) if *cancelled.borrow() => {
                // CANCEL arrived while deciding: undo the join (or close
                // the waiting room, dropped here).
                match decided {
                    Decided::Joined(joined) => {
                        self.remove_participant(&joined.meeting_id, joined.participant)
                    }
                    Decided::Waiting { call, .. } => {
                        lock(&self.waiting).remove(&call.call_id);
                        self.unhold(&call.target.meeting_id, call.participant);
                    }
                }
                Err(Refusal::plain(487, "Request Terminated"))
            }
            other => other,
        };
        let answer = match outcome {
            Ok(decided) => {
                let (meeting_id, participant, sdp) = match &decided {
                    Decided::Joined(joined) => (
                        joined.meeting_id.clone(),
                        joined.participant,
                        joined.sdp.clone(),
                    ),
                    Decided::Waiting { call, sdp, .. } => (
                        call.target.meeting_id.clone(),
                        call.participant,
                        sdp.clone(),
                    ),
                };
                let answer = dialog::respond(
                    &d,
                    &local_tag,
                    200,
                    "OK",
                    vec![self.contact(&d.reply)],
                    Some(("application/sdp", sdp.clone().into_bytes())),
                );
                lock(&self.dialogs).insert(
                    call_id.clone(),
                    Dialog {
                        meeting_id: meeting_id.clone(),
                        participant,
                        local_tag: local_tag.clone(),
                        sdp,
                        sdp_version: 1,
                        leg: self.leg_of(&d, &local_tag),
                        path: d.reply.clone(),
                        cseq: Arc::default(),
                    },
                );
                match decided {
                    Decided::Joined(_) => self.notify_meeting(&meeting_id),
                    Decided::Waiting {
                        call,
                        lobby,
                        events,
                        purpose: WaitingFor::Password,
                        ..
                    } => {
                        tokio::spawn(self.clone().wait_for_password(*call, lobby, events));
                    }
                    Decided::Waiting {
                        call,
                        lobby,
                        events,
                        purpose: WaitingFor::Host,
                        ..
                    } => {
                        self.notify_meeting(&meeting_id);
                        tokio::spawn(self.clone().wait_for_host(*call, lobby, events));
                    }
                }
                answer
            }
            Err(refusal) => dialog::respond(
                &d,
                &local_tag,
                refusal.code,
                &refusal.reason,
                refusal.header.into_iter().collect(),
                None,
            ),
        };
        self.finish(&d, answer);
    }

    /// Sends the final answer and keeps it for retransmitted INVITEs; over
    /// UDP, repeats it until the ACK comes (T1 doubling to T2, Timer H).
    pub(super) fn finish(&self, d: &Deferred, answer: Arc<Vec<u8>>) {
        dialog::complete(&self.transactions, d, answer.clone());
        if !d.reply.is_unreliable() {
            return;
        }
        if let Some((cseq, _)) = d.request.cseq() {
            let call_id = d.request.call_id().to_string();
            self.unacked.start(call_id, cseq, d.reply.clone(), answer);
        }
    }

    pub(super) fn ack(&self, d: &Deferred) {
        if let Some((cseq, _)) = d.request.cseq() {
            self.unacked.stop(d.request.call_id(), cseq);
        }
    }

    pub(super) fn bye(&self, d: Deferred) {
        let call_id = d.request.call_id();
        let dialog = {
            let mut dialogs = lock(&self.dialogs);
            match dialogs.get(call_id) {
                Some(dialog)
                    if tag_of(d.request.header("to")) == Some(dialog.local_tag.clone()) =>
                {
                    dialogs.remove(call_id)
                }
                _ => None,
            }
        };
        let answer = match dialog {
            Some(dialog) => {
                self.unsubscribe(call_id);
                // A caller still typing its password is in no conference.
                if !self.waiting_gone(call_id) {
                    self.remove_participant(&dialog.meeting_id, dialog.participant);
                }
                dialog::respond(&d, &dialog.local_tag, 200, "OK", vec![], None)
            }
            None => dialog::respond(
                &d,
                &crate::sip::random_tag(),
                481,
                "Call/Transaction Does Not Exist",
                vec![],
                None,
            ),
        };
        dialog::complete(&self.transactions, &d, answer);
    }

    pub(super) fn cancel(&self, d: Deferred) {
        let pending = lock(&self.deciding).remove(d.request.call_id());
        let (code, reason) = match pending {
            Some(cancelled) => {
                let _ = cancelled.send(true);
                (200, "OK")
            }
            None => (481, "Call/Transaction Does Not Exist"),
        };
        let tag = crate::sip::random_tag();
        let answer = dialog::respond(&d, &tag, code, reason, vec![], None);
        dialog::complete(&self.transactions, &d, answer);
    }

    /// Whether this INVITE is in a dialog we hold (a re-INVITE).
    fn in_dialog(&self, request: &Request) -> bool {
        let Some(tag) = tag_of(request.header("to")) else {
            return false;
        };
        lock(&self.dialogs)
            .get(request.call_id())
            .is_some_and(|dialog| dialog.local_tag == tag)
    }

    /// Where the caller sends the dialog's ACK and BYE: back over the
    /// transport the INVITE came on. `isfocus` (RFC 4579) tells it this
    /// is a conference it may subscribe to.
    pub(super) fn contact(&self, path: &ReplyPath) -> rsip::Header {
        let (transport, at) = self.contacts.for_path(path);
        let mut contact = contact("focus", transport, &at);
        contact.params.push(Param::Other("isfocus".into(), None));
        contact.into()
    }

    /// How we send requests in the dialog the INVITE `d` opened.
    fn leg_of(&self, d: &Deferred, local_tag: &str) -> LegIdentity {
        let request = &d.request;
        let from = request.header("from").unwrap_or_default().to_string();
        let target = target_of(
            request.header("contact").or(request.header("from")),
            d.source.addr,
        );
        let (transport, sent_by) = self.contacts.for_path(&d.reply);
        LegIdentity {
            call_id: request.call_id().to_string(),
            local: with_tag(request.header("to").unwrap_or_default(), local_tag),
            remote: from,
            target,
            transport,
            sent_by,
        }
    }
}
