//! A host action carried out on a running meeting: checked against the
//! asker's role (`control.rs`), applied to the roster and the meeting's
//! settings, enforced in the media (mute, pictures) or by BYE (remove, end
//! for all), written to the audit log — refusals too — and told to every
//! participant by a roster NOTIFY.

use std::sync::Arc;

use super::control::{self, Action, Actor, Denial, Role, Standing};
use super::timing;
use super::{Controls, Ending, Focus, Live, Refusal, RosterEntry};
use crate::lock;
use crate::media::ParticipantId;
use crate::meetings::join::RejectReason;
use crate::store::HostActionRow;

/// How many audit entries `host_actions` returns at most.
const AUDIT_SHOWN: i64 = 500;

/// What is left to do once the conference's state is changed and its lock
/// let go.
enum After {
    Nothing,
    /// End this participant's calls; it may not come back.
    Remove(ParticipantId),
    EndForAll,
    /// Ring this number or URI into the meeting (`dialling.rs`).
    Invite(String),
    /// Stop ringing this invitee.
    CancelInvite(ParticipantId),
}

impl Focus {
    /// Takes `action` on the running meeting as `actor` asks; every
    /// outcome is audited.
    pub async fn act(
        self: &Arc<Self>,
        meeting_id: &str,
        actor: Actor,
        action: &Action,
    ) -> Result<(), Denial> {
        // A claim checks a password first, off the conferences' lock.
        let claimed = match action {
            Action::ClaimHost { password } => Some(
                self.claim_host(meeting_id, actor, password)
                    .await
                    .map(|()| After::Nothing),
            ),
            _ => None,
        };
        let (names, outcome) = match lock(&self.conferences).get_mut(meeting_id) {
            None => ((None, None), claimed.unwrap_or(Err(Denial::NotInProgress))),
            Some(live) => {
                let names = (
                    name_of(live, actor_id(actor)),
                    action.target().and_then(|t| name_of(live, Some(t))),
                );
                let outcome = match claimed {
                    Some(outcome) => outcome,
                    None => self.apply(live, actor, action),
                };
                (names, outcome)
            }
        };
        // An invitation is only taken once the callee is found and would
        // be let in (nobody is rung into a refusal).
        let outcome = match outcome {
            Ok(After::Invite(to)) => self
                .invite_into(meeting_id, &to)
                .await
                .map(|()| After::Nothing),
            Ok(After::CancelInvite(participant)) => {
                match self.cancel_ringing(meeting_id, participant) {
                    true => Ok(After::Nothing),
                    false => Err(Denial::NoParticipant),
                }
            }
            other => other,
        };
        self.audit(meeting_id, actor, action, names, &outcome).await;
        let after = outcome?;
        match after {
            After::Nothing | After::Invite(_) | After::CancelInvite(_) => {}
            After::Remove(participant) => {
                let why = Refusal::rejected(RejectReason::Removed, &self.host);
                self.end_calls(meeting_id, Some(participant), &why);
            }
            After::EndForAll => {
                let why = Refusal::ending(Ending::EndedByHost, &self.host);
                self.end_meeting(meeting_id, &why);
                if let Err(err) = self.meetings.end(meeting_id).await {
                    tracing::warn!(%err, meeting = %meeting_id, "cannot mark the meeting ended");
                }
            }
        }
        self.notify_meeting(meeting_id);
        tracing::info!(meeting = %meeting_id, actor = %actor.label(), action = action.name(), "host action");
        Ok(())
    }

    /// Rings `to` into the running meeting, once found and let in.
    async fn invite_into(self: &Arc<Self>, meeting_id: &str, to: &str) -> Result<(), Denial> {
        let callee = self.reach(to).await?;
        self.may_invite(meeting_id, callee.device_sn.as_deref())
            .await
            .map_err(|refusal| {
                tracing::info!(reason = %refusal.reason, "an invitation that would be refused");
                Denial::NotJoinable
            })?;
        let subject = match self.meetings.show(meeting_id).await {
            Ok(meeting) => meeting.subject,
            Err(_) => meeting_id.to_string(),
        };
        self.dial(meeting_id, &subject, callee);
        Ok(())
    }

    /// The meeting's host settings now (`None`: nobody is in it).
    pub fn controls(&self, meeting_id: &str) -> Option<Controls> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.controls)
    }

    /// The meeting's audit log of host actions, oldest first.
    pub async fn host_actions(&self, meeting_id: &str) -> Vec<HostActionRow> {
        self.store
            .host_actions(meeting_id, AUDIT_SHOWN)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "cannot read the host actions");
                Vec::new()
            })
    }

    /// The permission check, then the change to the roster, the settings
    /// and the media (all under the conferences' lock).
    fn apply(&self, live: &mut Live, actor: Actor, action: &Action) -> Result<After, Denial> {
        let entry = |id: ParticipantId| live.roster.iter().find(|e| e.participant == id);
        let actor_role = match actor {
            Actor::Admin => None,
            Actor::Participant(id) => Some(entry(id).ok_or(Denial::NoParticipant)?.role),
        };
        let target = match action.target() {
            Some(id) => Some(entry(id).ok_or(Denial::NoParticipant)?),
            None => None,
        };
        let standing = Standing {
            actor_role,
            target_role: target.map(|t| t.role),
            target_muted_by_host: target.is_some_and(|t| t.muted_by_host),
            allow_self_unmute: live.controls.allow_self_unmute,
        };
        control::permitted(actor, action, standing)?;
        let by_host = |target: ParticipantId| actor != Actor::Participant(target);
        let conference = live.conference.clone();
        let mute = |e: &mut RosterEntry, muted: bool, by_host: bool| {
            if let Err(err) = conference.set_muted(e.participant, muted) {
                tracing::warn!(%err, participant = e.participant, "cannot change a mute");
                return;
            }
            e.muted = muted;
            e.muted_by_host = muted && by_host;
        };
        let roster = &mut live.roster;
        let one = |roster: &mut Vec<RosterEntry>, id: ParticipantId| {
            roster.iter_mut().position(|e| e.participant == id)
        };
        match action {
            Action::Mute { participant } => {
                if let Some(at) = one(roster, *participant) {
                    mute(&mut roster[at], true, by_host(*participant));
                }
            }
            Action::Unmute { participant } => {
                if let Some(at) = one(roster, *participant) {
                    mute(&mut roster[at], false, false);
                }
            }
            Action::MuteAll { allow_self_unmute } => {
                live.controls.allow_self_unmute = *allow_self_unmute;
                for e in roster.iter_mut() {
                    if e.role != Role::Host && actor != Actor::Participant(e.participant) {
                        mute(e, true, true);
                    }
                }
            }
            Action::UnmuteAll => {
                live.controls.allow_self_unmute = true;
                for e in roster.iter_mut().filter(|e| e.muted_by_host) {
                    mute(e, false, false);
                }
            }
            Action::MuteOnEntry { on } => live.controls.mute_on_entry = *on,
            Action::StopVideo { participant } | Action::StartVideo { participant } => {
                let stopped = matches!(action, Action::StopVideo { .. });
                if let Some(at) = one(roster, *participant) {
                    match live.conference.set_video_stopped(*participant, stopped) {
                        Ok(()) => roster[at].video_stopped = stopped,
                        Err(err) => tracing::warn!(%err, "cannot stop or start a picture"),
                    }
                }
            }
            Action::RaiseHand { participant } | Action::LowerHand { participant } => {
                if let Some(at) = one(roster, *participant) {
                    roster[at].hand_raised = matches!(action, Action::RaiseHand { .. });
                }
            }
            Action::Rename { participant, name } => {
                let name = control::clean_name(name)?;
                if let Some(at) = one(roster, *participant) {
                    if let Err(err) = live.conference.rename(*participant, &name) {
                        tracing::warn!(%err, "cannot redraw a name");
                    }
                    roster[at].name = name;
                }
            }
            Action::SetRole { participant, role } => {
                if *role == Role::Host {
                    for e in roster.iter_mut().filter(|e| e.role == Role::Host) {
                        e.role = Role::Guest;
                    }
                }
                if let Some(at) = one(roster, *participant) {
                    roster[at].role = *role;
                }
            }
            Action::Remove { participant } => {
                if let Some(at) = one(roster, *participant) {
                    live.removed.insert(roster[at].identity());
                }
                return Ok(After::Remove(*participant));
            }
            Action::Lock | Action::Unlock => live.controls.locked = *action == Action::Lock,
            Action::WaitingRoom { on } => live.controls.waiting_room = *on,
            Action::HostOnlyShare { on } => {
                live.controls.host_only_share = *on;
                let sharer = live.conference.content_owner();
                if let Some(guest) = sharer.filter(|s| *on && !may_share(live, *s)) {
                    live.conference.stop_content(guest);
                }
            }
            Action::Admit { participant } | Action::Deny { participant } => {
                let call_id = live
                    .held
                    .iter()
                    .find(|h| h.participant == *participant)
                    .map(|h| h.call_id.clone())
                    .ok_or(Denial::NoParticipant)?;
                self.decide_held(&call_id, matches!(action, Action::Admit { .. }));
            }
            Action::AdmitAll => {
                for held in &live.held {
                    self.decide_held(&held.call_id, true);
                }
            }
            Action::Extend => live.deadline = live.deadline.extended(self.clock.now_secs())?,
            Action::Broadcast { participant } => {
                let shown = roster
                    .iter()
                    .any(|e| e.participant == *participant && e.video && !e.video_stopped);
                if !shown {
                    return Err(Denial::NoPicture);
                }
                live.polling = None;
                live.conference.show_gallery_page(None);
                if let Err(err) = live.conference.broadcast(Some(*participant)) {
                    tracing::warn!(%err, "cannot broadcast");
                    return Err(Denial::NoPicture);
                }
            }
            Action::StopBroadcast | Action::StopPolling => {
                live.polling = None;
                live.conference.show_gallery_page(None);
                if let Err(err) = live.conference.broadcast(None) {
                    tracing::warn!(%err, "cannot stop the broadcast");
                }
            }
            Action::Poll {
                interval_secs,
                pages,
            } => {
                if !timing::POLL_INTERVALS.contains(interval_secs) {
                    return Err(Denial::BadInterval);
                }
                let now = self.clock.now_secs();
                // Sites in turn, or everyone's gallery a page at a time.
                if *pages {
                    if let Err(err) = live.conference.broadcast(None) {
                        tracing::warn!(%err, "cannot stop the broadcast");
                    }
                    live.conference
                        .set_layout(crate::media::LayoutKind::Gallery);
                } else {
                    live.conference.show_gallery_page(None);
                }
                live.polling = Some(timing::Polling {
                    interval_secs: *interval_secs,
                    next_at: now,
                    pages: *pages,
                });
                self.poll_next(live, now);
            }
            Action::EndForAll => return Ok(After::EndForAll),
            Action::Invite { to } => return Ok(After::Invite(to.clone())),
            Action::CancelInvite { participant } => return Ok(After::CancelInvite(*participant)),
            // Taken by `claim_host` before (it checks a password).
            Action::ClaimHost { .. } => {}
        }
        Ok(After::Nothing)
    }

    async fn audit(
        &self,
        meeting_id: &str,
        actor: Actor,
        action: &Action,
        (actor_name, target_name): (Option<String>, Option<String>),
        outcome: &Result<After, Denial>,
    ) {
        let actor = match actor_name {
            Some(name) => format!("{} ({name})", actor.label()),
            None => actor.label(),
        };
        let row = HostActionRow {
            at_ms: self.clock.now_ms(),
            meeting_id: meeting_id.to_string(),
            actor,
            action: action.name().to_string(),
            target: target_name,
            // A password is never written down.
            detail: match action {
                Action::ClaimHost { .. } => r#"{"action":"claim_host"}"#.to_string(),
                _ => serde_json::to_string(action).unwrap_or_default(),
            },
            outcome: match outcome {
                Ok(_) => "ok".to_string(),
                Err(denial) => denial.code().to_string(),
            },
        };
        if let Err(err) = self.store.record_host_action(&row).await {
            tracing::warn!(%err, "cannot write the audit log");
        }
    }
}

/// Whether `participant` may share content in the meeting now.
pub(super) fn may_share(live: &Live, participant: ParticipantId) -> bool {
    !live.controls.host_only_share
        || live
            .roster
            .iter()
            .any(|e| e.participant == participant && e.role != Role::Guest)
}

fn actor_id(actor: Actor) -> Option<ParticipantId> {
    match actor {
        Actor::Admin => None,
        Actor::Participant(id) => Some(id),
    }
}

fn name_of(live: &Live, id: Option<ParticipantId>) -> Option<String> {
    let id = id?;
    live.roster
        .iter()
        .find(|e| e.participant == id)
        .map(|e| e.name.clone())
}
