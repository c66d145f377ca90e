//! How a refused join is said in SIP: a status code a SIP phone shows, a
//! reason phrase a person reads, and the stable reason code (in a
//! `Warning: 399` header, RFC 3261 §20.43) a terminal translates. Pure.

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
    }
}

/// The `Warning` header value carrying the stable code.
pub fn warning(host: &str, code: &str) -> String {
    format!("399 {host} \"{code}\"")
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
        ];
        let answers: std::collections::HashSet<_> = all.iter().map(|r| status(*r)).collect();
        assert_eq!(answers.len(), all.len());
        assert!(answers.iter().all(|(code, _)| (400..700).contains(code)));
        assert_eq!(
            warning("roomcloud.local", "full"),
            "399 roomcloud.local \"full\""
        );
    }
}
