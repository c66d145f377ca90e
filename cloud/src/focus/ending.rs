//! A meeting ended from the cloud (cancelled while it runs, or ended for
//! all by its host) or one participant removed: each call is sent a BYE
//! saying why (RFC 3326 `Reason`, as the waiting room's goodbye), the
//! conference media stops with its last participant, and the rosters'
//! subscriptions go with their calls.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rsip::Method;

use super::dialogs::Dialog;
use super::{Focus, Refusal};
use crate::dialog::request::reason_header;
use crate::dialog::Outgoing;
use crate::lock;
use crate::media::ParticipantId;

/// Sends the far end of `dialog` a BYE, with why when there is a refusal
/// to tell (a phone shows it).
pub(super) fn send_bye(dialog: &Dialog, why: Option<&Refusal>) {
    let cseq = dialog.cseq.fetch_add(1, Ordering::Relaxed) + 1;
    send_bye_on(&dialog.leg, &dialog.path, cseq, why);
}

/// A BYE with CSeq `cseq` on `leg`, down `path`, saying why if told.
pub(super) fn send_bye_on(
    leg: &crate::dialog::LegIdentity,
    path: &crate::sip::ReplyPath,
    cseq: u32,
    why: Option<&Refusal>,
) {
    let mut bye = Outgoing::new(Method::Bye, cseq);
    if let Some(refusal) = why {
        bye.extra.push(reason_header(refusal.code, &refusal.reason));
        bye.extra.extend(refusal.header.clone());
    }
    path.send(Arc::new(leg.print(&bye)));
}

impl Focus {
    /// Ends every call in `meeting_id`, saying `why`; how many there were.
    pub fn end_meeting(&self, meeting_id: &str, why: &Refusal) -> usize {
        self.cancel_all_ringing(meeting_id);
        self.end_calls(meeting_id, None, why)
    }

    /// Ends the calls in `meeting_id` (of `only` that participant, or
    /// all), saying `why`; how many there were.
    pub(super) fn end_calls(
        &self,
        meeting_id: &str,
        only: Option<ParticipantId>,
        why: &Refusal,
    ) -> usize {
        let ended: Vec<(String, Dialog)> = {
            let mut dialogs = lock(&self.dialogs);
            let ids: Vec<String> = dialogs
                .iter()
                .filter(|(_, d)| {
                    d.meeting_id == meeting_id && only.is_none_or(|p| d.participant == p)
                })
                .map(|(call_id, _)| call_id.clone())
                .collect();
            ids.into_iter()
                .filter_map(|id| dialogs.remove(&id).map(|d| (id, d)))
                .collect()
        };
        for (call_id, dialog) in &ended {
            self.unsubscribe(call_id);
            send_bye(dialog, Some(why));
            self.remove_participant(meeting_id, dialog.participant);
        }
        if !ended.is_empty() {
            tracing::info!(meeting = %meeting_id, calls = ended.len(), reason = %why.reason, "meeting ended by the cloud");
        }
        ended.len()
    }
}
