//! The registrar under a REGISTER flood: it keeps no state per flooded
//! request.

use crate::harness;

fn register_in(domain: &str, n: usize, from: std::net::SocketAddr) -> String {
    format!(
        "REGISTER sip:{domain} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {from};branch=z9hG4bK-flood-{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:flood{n}@{domain}>;tag=f{n}\r\n\
         To: <sip:flood{n}@{domain}>\r\n\
         Call-ID: flood-{n}\r\n\
         CSeq: 1 REGISTER\r\n\
         Contact: <sip:flood{n}@{from}>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// Twenty thousand distinct REGISTERs leave no state behind: they are
/// challenged statelessly (the transaction table used to keep each answer
/// for 32 s).
#[test]
fn registers_hold_no_transaction_state() {
    let core = harness::new_core();
    let from: std::net::SocketAddr = "192.0.2.7:5060".parse().unwrap();
    for n in 0..20_000 {
        let answer = core.handle(
            register_in(harness::DOMAIN, n, from).as_bytes(),
            harness::source(),
        );
        assert!(answer.is_some_and(|a| a.starts_with(b"SIP/2.0 401 ")));
    }
    let stats = core.stats();
    assert_eq!(stats.transactions, 0, "{stats:?}");
    assert_eq!(stats.nonces, 0, "{stats:?}");
}
