//! How a refused join is said in SIP: a status code a SIP phone shows, a
//! reason phrase a person reads, and the stable reason code (in a
//! `Warning: 399` header, RFC 3261 §20.43, `dialog::warning`) a terminal
//! translates. Pure.

use crate::meetings::join::RejectReason;

/// `(status, reason phrase)` for a refused join.
pub fn status(reason: RejectReason) -> (u16, &'static str) {
    match reason {
        RejectReason::NotFound => (404, "Meeting Not Found"),
        RejectReason::NotStarted => (480, "Meeting Not Started"),
        RejectReason::Ended => (410, "Meeting Ended"),
        RejectReason::WrongPassword => (403, "Wrong Meeting Password"),
        RejectReason::PasswordRequired => (403, "Meeting Password Required"),
        RejectReason::Full => (486, "Meeting Full"),
        RejectReason::Locked => (403, "Meeting Locked"),
        RejectReason::Removed => (403, "Removed From Meeting"),
    }
}

/// A refused INVITE, as SIP.
pub struct Refusal {
    pub code: u16,
    pub reason: String,
    /// A header the answer carries: the reason code's `Warning: 399`,
    /// or a redirect's `Contact`.
    pub header: Option<rsip::Header>,
    /// The stable reason code (`wrong_password`, `full`, …) of a refused
    /// join.
    pub reason_code: Option<&'static str>,
}

impl Refusal {
    /// A refusal with no reason code (not a join decision's).
    pub fn plain(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            header: None,
            reason_code: None,
        }
    }
}

impl Refusal {
    /// A join that belongs to another node (`placement.rs`): `302` with the
    /// same user at that node's SIP address, which the edge follows.
    pub fn moved(user: &str, node_sip: &str) -> Self {
        use rsip::headers::UntypedHeader;
        let contact = rsip::headers::Contact::new(format!("<sip:{user}@{node_sip}>"));
        Self {
            code: 302,
            reason: "Moved Temporarily".into(),
            header: Some(contact.into()),
            reason_code: None,
        }
    }

    /// A join decision's refusal: its status and phrase, and its reason
    /// code in a `Warning: 399` from `host`.
    pub fn rejected(reason: RejectReason, host: &str) -> Self {
        let (code, phrase) = status(reason);
        Self {
            code,
            reason: phrase.to_string(),
            header: Some(crate::dialog::warning_header(host, reason.code())),
            reason_code: Some(reason.code()),
        }
    }
}

/// Why the cloud ends a call it had let in (a BYE's `Reason`, and its
/// stable code in a `Warning: 399` for a terminal to say in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    EndedByHost,
    TimeUp,
    Cancelled,
    /// The host did not let a held caller in.
    Denied,
    /// Nobody let a held caller in in time.
    NotLetIn,
}

impl Ending {
    pub fn code(self) -> &'static str {
        match self {
            Self::EndedByHost => "ended_by_host",
            Self::TimeUp => "time_up",
            Self::Cancelled => "cancelled",
            Self::Denied => "denied",
            Self::NotLetIn => "not_let_in",
        }
    }

    fn status(self) -> (u16, &'static str) {
        match self {
            Self::EndedByHost => (410, "Meeting Ended By Host"),
            Self::TimeUp => (410, "Meeting Time Is Up"),
            Self::Cancelled => (410, "Meeting Cancelled"),
            Self::Denied => (403, "Denied By Host"),
            Self::NotLetIn => (408, "Nobody Let You In"),
        }
    }
}

impl Refusal {
    /// The cloud ending an answered call: the BYE's reason and code.
    pub fn ending(why: Ending, host: &str) -> Self {
        let (code, phrase) = why.status();
        Self {
            code,
            reason: phrase.to_string(),
            header: Some(crate::dialog::warning_header(host, why.code())),
            reason_code: Some(why.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_distinct_final_status_or_phrase() {
        let all = [
            RejectReason::NotFound,
            RejectReason::NotStarted,
            RejectReason::Ended,
            RejectReason::WrongPassword,
            RejectReason::PasswordRequired,
            RejectReason::Full,
            RejectReason::Locked,
            RejectReason::Removed,
        ];
        let answers: std::collections::HashSet<_> = all.iter().map(|r| status(*r)).collect();
        assert_eq!(answers.len(), all.len());
        assert!(answers.iter().all(|(code, _)| (400..700).contains(code)));
    }
}
