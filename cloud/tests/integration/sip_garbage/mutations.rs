//! The mutation loop over the seed corpus, and the keypad's mangled
//! key presses: fixed-seed, the same inputs on every run.

use super::{corpus, run};

/// A fixed-seed xorshift64: the same 20k inputs on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const INTERESTING: &[u8] = b"\0\r\n\t :;,=\"<>@*\\/%\x7f\x80\xc3\xff0123456789";
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\r",
    b"\n",
    b"\0--\0",
    b"SIP/2.0",
    b"SIP/2.0/UDP ",
    b";branch=z9hG4bK",
    b";rport",
    b";received=",
    b";tag=",
    b";expires=",
    b";expires=0",
    b"Via: ",
    b"v: ",
    b"CSeq: ",
    b"Call-ID: ",
    b"Contact: *\r\n",
    b"m: ",
    b"l: ",
    b"Content-Length: ",
    b"Expires: ",
    b"Require: x\r\n",
    b"Authorization: Digest ",
    b"algorithm=SHA-256",
    b"algorithm=MD5-sess",
    b"qop=auth-int",
    b"nc=ffffffff",
    b"nc=zz",
    b"@NONCE@",
    b"@RESPONSE@",
    b"<sip:",
    b"<sips:100001@example.com>",
    b"<tel:+123>",
    b"[::1]",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"%00",
    b"4294967296",
    b"99999999999999999999999",
    b"-1",
    b"\xc3\xa9",
    b"\xe2\x82",
    b"\xff\xfe",
];

fn lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &byte) in data.iter().enumerate() {
        if byte == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push((start, data.len()));
    }
    out
}

fn mutate(rng: &mut XorShift, data: &mut Vec<u8>, seeds: &[(String, Vec<u8>)]) {
    let pos = |rng: &mut XorShift, data: &Vec<u8>| rng.below(data.len() + 1);
    match rng.below(16) {
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = *rng.pick(INTERESTING);
        }
        2 => {
            let len = rng.below(data.len() + 1);
            data.truncate(len);
        }
        3 if !data.is_empty() => {
            // duplicate a slice somewhere else
            let a = rng.below(data.len());
            let b = a + rng.below((data.len() - a).min(256) + 1);
            let copy = data[a..b].to_vec();
            let at = pos(rng, data);
            data.splice(at..at, copy);
        }
        4 => {
            let at = pos(rng, data);
            data.splice(at..at, b"\r\n".iter().copied());
        }
        5 if !data.is_empty() => {
            let a = rng.below(data.len());
            let b = a + rng.below((data.len() - a).min(64) + 1);
            data.drain(a..b);
        }
        6 | 7 => {
            let token = *rng.pick(TOKENS);
            let at = pos(rng, data);
            data.splice(at..at, token.iter().copied());
        }
        8 => {
            // repeat a whole line, up to 200 times
            let lines = lines(data);
            if !lines.is_empty() {
                let (a, b) = *rng.pick(&lines);
                let line = data[a..b].to_vec();
                let times = 1 + rng.below(200);
                data.splice(b..b, line.iter().copied().cycle().take(line.len() * times));
            }
        }
        9 => {
            // swap two lines
            let lines = lines(data);
            if lines.len() >= 2 {
                let (x, y) = (rng.below(lines.len()), rng.below(lines.len()));
                let (x, y) = (x.min(y), x.max(y));
                if x != y {
                    let (a, b) = (lines[x], lines[y]);
                    let mut out = data[..a.0].to_vec();
                    out.extend_from_slice(&data[b.0..b.1]);
                    out.extend_from_slice(&data[a.1..b.0]);
                    out.extend_from_slice(&data[a.0..a.1]);
                    out.extend_from_slice(&data[b.1..]);
                    *data = out;
                }
            }
        }
        10 => {
            // a huge value: after a line's colon, or a new header line
            let size = if rng.below(8) == 0 { 70_000 } else { 5_000 };
            let fill = *rng.pick(b"a,;\"< \xc3");
            let lines = lines(data);
            let at = match lines.get(rng.below(lines.len() + 1)) {
                Some(&(a, b)) => data[a..b]
                    .iter()
                    .position(|&c| c == b':')
                    .map_or(a, |i| a + i + 1),
                None => data.len(),
            };
            let mut value = vec![fill; size];
            if rng.below(2) == 0 {
                value.splice(0..0, b"X-Huge: ".iter().copied());
                value.extend_from_slice(b"\r\n");
            }
            data.splice(at..at, value);
        }
        11 => {
            // rewrite a number
            if let Some(i) = (0..data.len())
                .map(|k| (k + rng.below(data.len().max(1))) % data.len().max(1))
                .take(64)
                .find(|&k| data.get(k).is_some_and(u8::is_ascii_digit))
            {
                const NUMBERS: &[&[u8]] = &[
                    b"0",
                    b"-1",
                    b"59",
                    b"4294967295",
                    b"4294967296",
                    b"18446744073709551616",
                ];
                let number = *rng.pick(NUMBERS);
                data.splice(i..i + 1, number.iter().copied());
            }
        }
        12 => {
            // crossover with another seed
            let (_, other) = rng.pick(seeds);
            let cut = rng.below(data.len() + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        13 => {
            // case games on header names
            for line in lines(data) {
                if rng.below(4) == 0 {
                    data[line.0..line.1].make_ascii_lowercase();
                }
            }
        }
        14 => {
            // CRLF → LF or CR somewhere
            let crlfs: Vec<usize> = data
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b"\r\n")
                .map(|(i, _)| i)
                .collect();
            if !crlfs.is_empty() {
                let i = *rng.pick(&crlfs);
                let keep = rng.below(2);
                data.remove(i + keep);
            }
        }
        _ => {
            let at = pos(rng, data);
            let byte = (rng.next() & 0xff) as u8;
            data.insert(at, byte);
        }
    }
}

const MUTATIONS: usize = 20_000;

#[test]
fn twenty_thousand_mutations_never_panic_nor_answer_garbage() {
    let seeds = corpus();
    let answered = std::sync::atomic::AtomicUsize::new(0);
    // Two fixed-seed streams of 10k on two threads: same inputs every run.
    std::thread::scope(|scope| {
        for stream in 0..2u64 {
            let (seeds, answered) = (&seeds, &answered);
            scope.spawn(move || {
                let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (stream + 1));
                for i in 0..MUTATIONS / 2 {
                    let (name, base) = rng.pick(seeds);
                    let mut data = base.clone();
                    for _ in 0..1 + rng.below(4) {
                        mutate(&mut rng, &mut data, seeds);
                    }
                    let label = format!("mutation {stream}/{i} of {name}");
                    let out = run(&label, &data);
                    let n = out.iter().filter(|(_, r)| r.is_some()).count();
                    answered.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    // The loop must actually exercise the core, not just be dropped early.
    let answered = answered.into_inner();
    assert!(answered > MUTATIONS / 4, "only {answered} answers");
}

/// The keypad fuzz target's property on stable: telephone-event packets
/// and INFO bodies, mangled every way, read without a panic and give only
/// keys a keypad has.
#[test]
fn mangled_key_presses_never_panic_and_give_only_keypad_keys() {
    use roomcloud::focus::dtmf::{key_in_info, DtmfReader};
    let keypad = |key: char| key.is_ascii_digit() || key == '*' || key == '#';
    let event: Vec<u8> = vec![
        0x80, 101, 0x00, 0x07, 0x00, 0x00, 0x03, 0xc0, 0xde, 0xad, 0xbe, 0xef, 0x05, 0x8a, 0x03,
        0x20,
    ];
    let bodies: [&[u8]; 2] = [b"Signal=5\r\nDuration=160\r\n", b"#"];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for round in 0..20_000 {
        let mut packet = event.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(packet.len());
            packet[at] = rng.next() as u8;
        }
        packet.truncate(rng.below(packet.len() + 1));
        let mut reader = DtmfReader::new(101);
        for _ in 0..2 {
            if let Some(key) = reader.packet(&packet) {
                assert!(keypad(key), "round {round}: {key:?} from {packet:?}");
            }
        }
        let mut body = bodies[round % 2].to_vec();
        let at = rng.below(body.len());
        body[at] = rng.next() as u8;
        for kind in ["application/dtmf-relay", "application/dtmf"] {
            if let Some(key) = key_in_info(kind, &body) {
                assert!(keypad(key), "{key:?} from {body:?}");
            }
        }
    }
}
