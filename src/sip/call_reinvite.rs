//! Re-INVITEs in an established call, both ways (RFC 3261 §14): ours
//! offering the session again (content shared or stopped), one at a time;
//! and the focus's asking the picture size we send (RFC 6236 `imageattr`),
//! answered with our session as it is and the size confirmed.

use std::time::Instant;

use rsip::Method;

use super::super::account::SipTransport;
use super::super::call_state::CallState;
use super::super::message::Message;
use super::super::sdp;
use super::super::wire::{self, Local};
use super::{new_branch, random_hex, OutgoingCall, Renegotiation, TIMER_B};

impl OutgoingCall {
    /// Offers `sdp` again in the established call (a re-INVITE); `None`
    /// when the call is not established or a re-INVITE is still waiting
    /// (RFC 3261 §14.1: one at a time).
    pub fn reinvite(&mut self, sdp: &str, now: Instant) -> Option<Vec<u8>> {
        if !matches!(self.state, CallState::Established { .. }) || self.reinviting.is_some() {
            return None;
        }
        // Our offer may be built on an older copy of the session (a
        // size request answered since): its version goes above.
        let sdp = &sdp::after_session(&self.local_sdp, sdp).unwrap_or_else(|| sdp.to_string());
        self.cseq += 1;
        let to = self.remote_to_header();
        let branch = format!("z9hG4bK{}", random_hex());
        let bytes = self.request(Method::Invite, to, &branch, self.cseq, Some(sdp));
        let reliable = self.transport == SipTransport::Tcp;
        self.pending.sent(self.cseq, &bytes, reliable, now);
        self.reinviting = Some((self.cseq, branch, now + TIMER_B));
        self.reoffer = Some(sdp.to_string());
        self.renegotiation = Renegotiation::Offered;
        Some(bytes)
    }

    /// How the last re-INVITE went.
    pub fn renegotiation(&self) -> &Renegotiation {
        &self.renegotiation
    }

    /// A response to our re-INVITE `number`: the ACK to send, if any.
    pub(super) fn on_reinvite_response(
        &mut self,
        number: u32,
        status: u16,
        msg: &Message,
    ) -> Option<Vec<u8>> {
        let to = msg.header("to").unwrap_or_default().to_string();
        match &self.reinviting {
            Some((cseq, branch, _)) if *cseq == number => {
                // Any answer stops the repetition (§17.1.1.2).
                self.pending.answered(number);
                if status < 200 {
                    return None;
                }
                let branch = branch.clone();
                self.reinviting = None;
                let reoffer = self.reoffer.take();
                if status < 300 {
                    if let Some(reoffer) = reoffer {
                        self.local_sdp = reoffer;
                    }
                    self.renegotiation = Renegotiation::Answered(msg.body.clone());
                    self.state = CallState::Established {
                        remote_sdp: msg.body.clone(),
                    };
                    Some(self.ack(&to, &new_branch(), number))
                } else {
                    self.renegotiation = Renegotiation::Refused(status);
                    Some(self.ack(&to, &branch, number))
                }
            }
            // A repeated 2xx of an earlier one: our ACK was lost.
            _ if (200..300).contains(&status) => Some(self.ack(&to, &new_branch(), number)),
            _ => None,
        }
    }

    /// The picture size the focus asked us to send; `None`: the class's.
    pub fn asked_size(&self) -> Option<(u32, u32)> {
        self.asked_size
    }

    /// The focus's re-INVITE (RFC 3261 §14.2): the session stays as it is
    /// but for the picture size it asks us to send (RFC 6236), which our
    /// answer confirms. A repeated one gets the same answer; one that
    /// crosses ours waits (`491`, §14.1).
    pub(super) fn on_reoffer(&mut self, msg: &Message) -> Vec<u8> {
        let number = msg
            .header("cseq")
            .and_then(|c| c.split_whitespace().next()?.parse::<u32>().ok())
            .unwrap_or(0);
        if let Some((cseq, answer)) = &self.answered_offer {
            if *cseq == number {
                return answer.clone();
            }
        }
        if self.reinviting.is_some() {
            return wire::response(msg, 491, "Request Pending", None).build();
        }
        let size = sdp::asked_size(&msg.body);
        let Some(ours) = sdp::size_answer(&self.local_sdp, size) else {
            return wire::response(msg, 488, "Not Acceptable Here", None).build();
        };
        let local = Local {
            transport: self.transport,
            addr: self.local,
            user: self.user.clone(),
        };
        let answer = wire::response(msg, 200, "OK", None)
            .header(local.contact(Vec::new()))
            .body("application/sdp", &ours)
            .build();
        self.local_sdp = ours;
        self.asked_size = size;
        self.answered_offer = Some((number, answer.clone()));
        answer
    }
}
