//! Cost of one full digest registration (REGISTER → 401 → REGISTER → 200)
//! through `SipCore::handle`, without sockets, of a challenge alone, and of
//! the `503` a worker answers under overload (`SipCore::busy`). Prints a
//! table; asserts nothing.
//! Run: cargo bench -p roomcloud --bench sip_core

use std::sync::Arc;
use std::time::Instant;

use md5::{Digest, Md5};
use roomcloud::clock::SystemClock;
use roomcloud::secrets::ha1;
use roomcloud::sip::{Account, Directory, Location, Realm, SipCore, Source, Transport};

const DOMAIN: &str = "bench.local";

fn register(user: &str, n: u32, auth: Option<&str>) -> String {
    let mut msg = format!(
        "REGISTER sip:{DOMAIN} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{user}-{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@{DOMAIN}>;tag=1\r\n\
         To: <sip:{user}@{DOMAIN}>\r\n\
         Call-ID: {user}-call\r\n\
         CSeq: {n} REGISTER\r\n\
         Contact: <sip:{user}@127.0.0.1:5070;transport=UDP>\r\n\
         Expires: 3600\r\n\
         User-Agent: bench\r\n"
    );
    if let Some(auth) = auth {
        msg.push_str(&format!("Authorization: {auth}\r\n"));
    }
    msg.push_str("Content-Length: 0\r\n\r\n");
    msg
}

fn hex_md5(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn main() {
    let directory = Arc::new(Directory::default());
    let users: Vec<String> = (0..1000).map(|i| format!("bench{i:04}")).collect();
    for user in &users {
        directory.set(user, Account::new(ha1(user, DOMAIN, "pw"), "MD5"));
    }
    let core = SipCore::new(
        Realm {
            domain: DOMAIN.into(),
            aliases: vec![],
        },
        directory,
        Arc::new(Location::default()),
        Arc::new(SystemClock),
    );
    let source = Source::direct(Transport::Udp, "127.0.0.1:5070".parse().unwrap());
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let start = Instant::now();
    for i in 0..rounds {
        let user = &users[(i as usize) % users.len()];
        let n = 2 * i + 1;
        let challenge = core
            .handle(register(user, n, None).as_bytes(), source)
            .unwrap();
        let text = std::str::from_utf8(&challenge).unwrap();
        let nonce = text
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let ha1 = hex_md5(&format!("{user}:{DOMAIN}:pw"));
        let ha2 = hex_md5(&format!("REGISTER:sip:{DOMAIN}"));
        let response = hex_md5(&format!("{ha1}:{nonce}:00000001:c:auth:{ha2}"));
        let auth = format!(
            "Digest username=\"{user}\", realm=\"{DOMAIN}\", nonce=\"{nonce}\", uri=\"sip:{DOMAIN}\", \
             response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c\""
        );
        let ok = core
            .handle(register(user, n + 1, Some(&auth)).as_bytes(), source)
            .unwrap();
        assert!(
            ok.starts_with(b"SIP/2.0 200"),
            "{}",
            String::from_utf8_lossy(&ok)
        );
    }
    let secs = start.elapsed().as_secs_f64();
    // A challenge alone, and a 503 instead of it, for new requests each time.
    let requests: Vec<String> = (0..rounds)
        .map(|i| register(&users[(i as usize) % users.len()], 2 * rounds + i, None))
        .collect();
    let start = Instant::now();
    for request in &requests {
        core.handle(request.as_bytes(), source).unwrap();
    }
    let challenge_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for request in &requests {
        core.busy(request.as_bytes(), 7).unwrap();
    }
    let busy_secs = start.elapsed().as_secs_f64();
    println!(
        "{:<40} {:>12} {:>10}",
        "case (1 thread)", "per second", "µs each"
    );
    for (case, secs) in [
        ("registration: REGISTER → 401 → … → 200", secs),
        ("REGISTER → 401", challenge_secs),
        ("REGISTER → 503 (SipCore::busy)", busy_secs),
    ] {
        println!(
            "{:<40} {:>12.0} {:>10.1}",
            case,
            f64::from(rounds) / secs,
            secs * 1e6 / f64::from(rounds)
        );
    }
}
