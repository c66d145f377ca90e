//! Host actions taken from this room (the control API; a room controller
//! drives them): the action, as the cloud's host controls spell it in
//! JSON, goes to the focus in an INFO of the meeting call, and the focus's
//! answer comes back — `200`, or a refusal with its reason code
//! (`not_host`, `self_unmute_forbidden`, …). `"participant": "me"` names
//! this room's own participant id, as the roster gives it.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::sip::conference::Roster;
use crate::sip::{AgentCommand, HostAnswer, SipAgent};

/// How long the focus has to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The focus's answer to a host action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostOutcome {
    pub status: u16,
    /// The refusal's reason code.
    pub code: Option<String>,
}

/// Why a host action could not be asked, or got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostActionError {
    #[error("not in a meeting")]
    NotInMeeting,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("the meeting did not answer")]
    NoAnswer,
}

/// The INFO body for `action` in the meeting `roster` describes; why not,
/// when it cannot be sent.
pub fn prepare(mut action: Value, roster: Option<&Roster>) -> Result<String, HostActionError> {
    use HostActionError::Invalid;
    let roster = roster.ok_or(HostActionError::NotInMeeting)?;
    let Some(fields) = action.as_object_mut() else {
        return Err(Invalid("a host action is a JSON object"));
    };
    if !fields.get("action").is_some_and(Value::is_string) {
        return Err(Invalid("a host action names its \"action\""));
    }
    if fields.get("participant").and_then(Value::as_str) == Some("me") {
        let me = roster
            .you
            .ok_or(Invalid("the meeting does not say who this room is"))?;
        fields.insert("participant".into(), me.into());
    }
    Ok(action.to_string())
}

/// Sends `body` to the focus; the answer arrives through the returned
/// future (which holds no borrow of the agent: the runtime goes on).
pub async fn send(
    agent: &SipAgent,
    body: String,
) -> impl std::future::Future<Output = Result<HostOutcome, HostActionError>> {
    let mut answers = agent.host_answer.clone();
    answers.mark_unchanged();
    agent.command(AgentCommand::HostAction(body)).await;
    async move {
        let answered = tokio::time::timeout(ANSWER_WITHIN, async {
            loop {
                answers
                    .changed()
                    .await
                    .map_err(|_| HostActionError::NotInMeeting)?;
                if let HostAnswer::Answered { status, code } = &*answers.borrow() {
                    return Ok(HostOutcome {
                        status: *status,
                        code: code.clone(),
                    });
                }
            }
        })
        .await;
        answered.unwrap_or(Err(HostActionError::NoAnswer))
    }
}

/// The room muted or unmuted its microphone: in a meeting the focus is
/// told too, so the roster shows it — and an unmute asks to lift the
/// host's mute (refused while the host forbids it; the notice stays).
pub async fn tell_mute(agent: &SipAgent, roster: Option<&Roster>, muted: bool) {
    let Some(me) = roster.and_then(Roster::me) else {
        return;
    };
    if me.muted == muted {
        return;
    }
    let Some(id) = me.id else { return };
    let action = if muted { "mute" } else { "unmute" };
    let body = serde_json::json!({ "action": action, "participant": id }).to_string();
    let answer = send(agent, body).await;
    tokio::spawn(async move {
        match answer.await {
            Ok(HostOutcome { status, .. }) if status < 300 => {}
            outcome => tracing::info!(?outcome, action, "the meeting kept its mute"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roster(you: Option<u64>) -> Roster {
        crate::sip::conference::parse(&format!(
            "<conference-info><conference-state>{}</conference-state></conference-info>",
            you.map(|y| format!("<you>{y}</you>")).unwrap_or_default()
        ))
        .unwrap()
    }

    #[test]
    fn me_is_this_rooms_participant_id() {
        let body = prepare(
            json!({ "action": "unmute", "participant": "me" }),
            Some(&roster(Some(7))),
        )
        .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({ "action": "unmute", "participant": 7 })
        );
        let other = prepare(
            json!({ "action": "mute", "participant": 3 }),
            Some(&roster(Some(7))),
        )
        .unwrap();
        assert!(other.contains("\"participant\":3"), "{other}");
    }

    #[test]
    fn what_cannot_be_sent_says_why() {
        let action = json!({ "action": "lock" });
        assert_eq!(
            prepare(action.clone(), None),
            Err(HostActionError::NotInMeeting)
        );
        assert!(prepare(json!([1, 2]), Some(&roster(None))).is_err());
        assert!(prepare(json!({ "participant": 1 }), Some(&roster(None))).is_err());
        let me = json!({ "action": "unmute", "participant": "me" });
        assert!(prepare(me, Some(&roster(None))).is_err());
        assert!(prepare(action, Some(&roster(None))).is_ok());
    }
}
