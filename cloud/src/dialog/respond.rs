//! Answering a request the SIP core handed over (`sip::Deferred`): the
//! response, sent down the request's path and kept in its server
//! transaction so a retransmitted request gets it again.

use std::sync::Arc;

use rsip::headers::UntypedHeader;
use rsip::Uri;

use super::address::host_port;
use crate::sip::message::ResponseBuilder;
use crate::sip::transaction::Transactions;
use crate::sip::Deferred;

/// The response to `d`: its dialog headers echoed, `tag` added to a To
/// without one, `extra` headers and an optional `(content type, body)`.
pub fn respond(
    d: &Deferred,
    tag: &str,
    code: u16,
    reason: &str,
    extra: Vec<rsip::Header>,
    body: Option<(&str, Vec<u8>)>,
) -> Arc<Vec<u8>> {
    let echo = d.request.echo();
    let top_via = d.request.via.answered_from(d.source.addr);
    Arc::new(
        ResponseBuilder::new(&echo, Some(top_via), tag).build_with_body(code, reason, extra, body),
    )
}

/// Sends a final answer to `d` and completes its server transaction.
pub fn complete(transactions: &Transactions, d: &Deferred, answer: Arc<Vec<u8>>) {
    if let Some(key) = &d.key {
        transactions.complete(key, answer.clone());
    }
    d.reply.send(answer);
}

/// The `Warning` value carrying a stable reason code (`busy`, `full`…) that
/// a terminal translates: `399 <host> "<code>"` (RFC 3261 §20.43).
pub fn warning(host: &str, code: &str) -> String {
    rsip::typed::Warning {
        code: 399,
        uri: Uri {
            host_with_port: host_port(host, None),
            ..Default::default()
        },
        text: code.to_string(),
    }
    .to_string()
}

/// [`warning`] as a header.
pub fn warning_header(host: &str, code: &str) -> rsip::Header {
    rsip::headers::Warning::new(warning(host, code)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_code_travels_in_a_warning_399() {
        assert_eq!(
            warning("roomcloud.local", "full"),
            "399 roomcloud.local \"full\""
        );
    }
}
