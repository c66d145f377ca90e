//! A re-INVITE in a meeting call (RFC 3261 §14). The participant's camera
//! and sound stay as the first offer/answer set them (their ports do not
//! move); what a new offer changes is content (RFC 4796): a content line
//! that sends starts sharing — whoever shared before stops being shown —
//! and the same line at port 0 (or gone) stops it; a content line the
//! participant only receives gets the meeting's content as a stream of its
//! own (the same leg for the whole call). The answer is the session's,
//! with `o=`'s version raised, and is kept for the next one; every
//! subscriber's roster then says whose the content is.

use crate::dialog;
use crate::lock;
use crate::media::{Conference, ContentSpec, ContentWatch, ParticipantId};
use crate::sip::Deferred;

use super::sdp::{self, Offer, VideoClass};
use super::Focus;

impl Focus {
    pub(super) fn reinvite(&self, d: &Deferred) {
        let call_id = d.request.call_id().to_string();
        let Some((meeting_id, participant, local_tag, last_sdp, version)) =
            lock(&self.dialogs).get(&call_id).map(|dialog| {
                (
                    dialog.meeting_id.clone(),
                    dialog.participant,
                    dialog.local_tag.clone(),
                    dialog.sdp.clone(),
                    dialog.sdp_version,
                )
            })
        else {
            let tag = crate::sip::random_tag();
            return self.refuse(d, &tag, 481, "Call/Transaction Does Not Exist");
        };
        let conference = self.conference(&meeting_id);
        let ports = conference.as_ref().and_then(|c| c.ports(participant));
        let offered = !d.request.body.is_empty();
        let sdp = match (d.request.body.is_empty(), conference, ports) {
            // No offer (a session refresh asking for ours), or not in the
            // conference media yet (the waiting room): the session as is.
            (true, _, _) | (_, None, _) | (_, _, None) => last_sdp,
            (false, Some(conference), Some(ports)) => {
                // Content at 1080p whatever the meeting's class.
                let offer = match sdp::read_offer(&d.request.body, VideoClass::Hd1080) {
                    Ok(offer) => offer,
                    Err(err) => {
                        // The session stays as it was (RFC 3261 §14.2).
                        tracing::info!(%err, "unusable re-INVITE offer");
                        return self.refuse(d, &local_tag, 488, "Not Acceptable Here");
                    }
                };
                if offer.content.is_some() && !self.may_share(&meeting_id, participant) {
                    let warning = dialog::warning_header(&self.host, "host_only_share");
                    let answer = dialog::respond(
                        d,
                        &local_tag,
                        403,
                        "Only The Host May Share",
                        vec![warning],
                        None,
                    );
                    return dialog::complete(&self.transactions, d, answer);
                }
                let content_port = share(&conference, participant, &offer);
                let local = sdp::Local {
                    ip: self.config.media_ip,
                    video_port: ports.video.unwrap_or(0),
                    audio_port: ports.audio,
                    content_port,
                    content_out_port: watch(&conference, participant, &offer),
                };
                sdp::answer_version(&offer, local, participant, version + 1)
            }
        };
        let answer = dialog::respond(
            d,
            &local_tag,
            200,
            "OK",
            vec![self.contact(&d.reply)],
            Some(("application/sdp", sdp.clone().into_bytes())),
        );
        if let Some(dialog) = lock(&self.dialogs).get_mut(&call_id) {
            dialog.sdp = sdp;
            dialog.sdp_version = version + 1;
        }
        self.finish(d, answer);
        // Content may have started, stopped or changed hands: the rosters
        // say whose it is (a replaced sharer learns it there).
        if offered {
            self.notify_meeting(&meeting_id);
        }
    }

    /// Whether the participant may share content now (the host's
    /// "only the host shares" aside, anyone may).
    fn may_share(&self, meeting_id: &str, participant: ParticipantId) -> bool {
        lock(&self.conferences)
            .get(meeting_id)
            .is_none_or(|live| super::hosting::may_share(live, participant))
    }

    fn refuse(&self, d: &Deferred, tag: &str, code: u16, reason: &str) {
        let answer = dialog::respond(d, tag, code, reason, vec![], None);
        dialog::complete(&self.transactions, d, answer);
    }
}

/// Starts or stops `participant`'s content as `offer` says; the port it
/// is received on while shared.
pub(super) fn share(
    conference: &Conference,
    participant: ParticipantId,
    offer: &Offer,
) -> Option<u16> {
    let Some(content) = &offer.content else {
        conference.stop_content(participant);
        return None;
    };
    let spec = ContentSpec {
        to: content.to,
        pt: content.pt,
        rtx_pt: content.rtx_pt,
        bitrate_kbps: content.class.spec().bitrate_kbps,
    };
    match conference.share_content(participant, &spec) {
        Ok(port) => Some(port),
        Err(err) => {
            tracing::warn!(%err, participant, "cannot show the shared content");
            None
        }
    }
}

/// Receiving content apart, if `offer` has a content line to receive; the
/// port it leaves from.
pub(super) fn watch(
    conference: &Conference,
    participant: ParticipantId,
    offer: &Offer,
) -> Option<u16> {
    let watch = offer.content_watch.as_ref()?;
    let watch = ContentWatch {
        to: watch.to,
        pt: watch.pt,
    };
    conference
        .watch_content(participant, &watch)
        .inspect_err(|err| tracing::warn!(%err, participant, "cannot send content apart"))
        .ok()
}
