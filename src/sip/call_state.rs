//! What a call is doing, as the agent publishes it and the terminal shows
//! it: one state for a call placed here (`call.rs`) or ringing here
//! (`incoming.rs`), and why it ended.

/// Who is calling, as the ringing screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The display name (the cloud puts the calling room's name there).
    pub name: String,
    /// The SIP user: the calling room's number (a meeting's ID when a
    /// meeting rings the room).
    pub number: String,
    /// A meeting's focus rings the room into the meeting (`isfocus` on
    /// its Contact, RFC 4579): answered, the call is a meeting call.
    pub meeting: bool,
}

/// Why a call ended, as the terminal says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// A final refusal; `code` is the stable reason (the cloud's
    /// `Warning: 399 … "<code>"`, e.g. `wrong_password`, `full`) if given.
    Refused {
        status: u16,
        reason: String,
        code: Option<String>,
    },
    /// No answer (Timer B), or ringing past the limit.
    Timeout,
    /// We hung up.
    HungUp,
    /// The far end hung up (BYE); `code` is the cloud's stable reason for
    /// ending it (its `Warning: 399`, e.g. `removed`, `ended_by_host`),
    /// if it gave one.
    RemoteHungUp { code: Option<String> },
    /// An incoming call we declined.
    Declined,
    /// An incoming call that stopped ringing unanswered (the caller gave
    /// up, or it rang too long).
    Missed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    Calling,
    Ringing,
    /// An incoming call ringing here, with the caller's offer (empty: a
    /// delayed offer, ours goes in the `200 OK`).
    Incoming {
        caller: Caller,
        offer: String,
    },
    /// Answered: the far end's SDP (its answer to our offer, or the offer
    /// of a call we answered).
    Established {
        remote_sdp: String,
    },
    Ended(CallEnd),
}
