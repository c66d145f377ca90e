//! Keys pressed on a caller's keypad, pure: RFC 4733 telephone-events in
//! its RTP, or SIP INFO bodies (`application/dtmf-relay`, as Cisco and
//! Polycom send; `application/dtmf`), and the password typed with them.

use std::time::Duration;

/// The key of an RFC 4733 event code (0–9, `*`, `#`; the rest are not keys).
fn key_of(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        _ => None,
    }
}

/// Turns a caller's telephone-event RTP packets into key presses, each
/// once: an event is repeated in several packets (its end three times), so
/// a key counts when a packet starts an event not seen before — another
/// timestamp, or the same one after that event ended (a phone replaying
/// recorded events reuses timestamps).
#[derive(Debug, Clone)]
pub struct DtmfReader {
    pt: u8,
    /// The event being received: its timestamp, and whether it ended.
    current: Option<(u32, bool)>,
}

impl DtmfReader {
    /// Events carried with payload type `pt` (the offer's telephone-event).
    pub fn new(pt: u8) -> Self {
        Self { pt, current: None }
    }

    /// The key a packet starts, if it starts one.
    pub fn packet(&mut self, rtp: &[u8]) -> Option<char> {
        if rtp.len() < 12 || rtp[0] >> 6 != 2 || rtp[1] & 0x7f != self.pt {
            return None;
        }
        // Past the fixed header, CSRCs and any extension.
        let csrcs = usize::from(rtp[0] & 0x0f) * 4;
        let mut at = 12 + csrcs;
        if rtp[0] & 0x10 != 0 {
            let words = rtp.get(at + 2..at + 4)?;
            at += 4 + usize::from(u16::from_be_bytes([words[0], words[1]])) * 4;
        }
        let payload = rtp.get(at..at + 4)?;
        let timestamp = u32::from_be_bytes([rtp[4], rtp[5], rtp[6], rtp[7]]);
        let ended = payload[1] & 0x80 != 0;
        let new = match self.current {
            None => true,
            Some((ts, _)) if ts != timestamp => true,
            Some((_, was_ended)) => was_ended && !ended,
        };
        self.current = Some((timestamp, ended));
        if new {
            key_of(payload[0])
        } else {
            None
        }
    }
}

/// The key in an INFO body of type `content_type`, if it carries one.
pub fn key_in_info(content_type: &str, body: &[u8]) -> Option<char> {
    let body = std::str::from_utf8(body).ok()?;
    let kind = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let signal = match kind.as_str() {
        // "Signal=5\r\nDuration=160"
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| value.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    let mut chars = signal.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Some(c),
        // Some send the event code: 10 for *, 11 for #.
        _ => key_of(signal.parse().ok()?),
    }
}

/// After this long without a key, what was typed counts as entered (for
/// callers who do not press `#`).
pub const ENTRY_PAUSE: Duration = Duration::from_secs(4);
/// Meeting passwords are 4–8 digits; more is a mistake.
const MAX_DIGITS: usize = 16;

/// A password typed on a keypad: `#` enters it, `*` starts over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordEntry {
    digits: String,
}

impl PasswordEntry {
    /// A key pressed; the password when it completes one.
    pub fn key(&mut self, key: char) -> Option<String> {
        match key {
            '#' => self.take(),
            '*' => {
                self.digits.clear();
                None
            }
            digit if digit.is_ascii_digit() && self.digits.len() < MAX_DIGITS => {
                self.digits.push(digit);
                None
            }
            _ => None,
        }
    }

    /// Whether anything is typed (the pause then enters it).
    pub fn is_typing(&self) -> bool {
        !self.digits.is_empty()
    }

    /// What was typed, as entered; `None` if nothing was.
    pub fn take(&mut self) -> Option<String> {
        (!self.digits.is_empty()).then(|| std::mem::take(&mut self.digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RFC 4733 packet: `event`, the end bit, at `timestamp`.
    fn event(pt: u8, seq: u16, timestamp: u32, key: u8, end: bool) -> Vec<u8> {
        let mut packet = vec![0x80, pt];
        packet.extend(seq.to_be_bytes());
        packet.extend(timestamp.to_be_bytes());
        packet.extend(0x1234_5678u32.to_be_bytes());
        packet.extend([key, if end { 0x80 | 10 } else { 10 }, 0x01, 0x40]);
        packet
    }

    #[test]
    fn each_event_counts_once_however_often_it_is_repeated() {
        let mut reader = DtmfReader::new(101);
        let mut keys = String::new();
        let mut seq = 0;
        let mut send = |reader: &mut DtmfReader, ts, key, end| {
            seq += 1;
            reader.packet(&event(101, seq, ts, key, end))
        };
        for (ts, key) in [(1000, 3), (2000, 3), (3000, 11)] {
            for end in [false, false, true, true, true] {
                keys.extend(send(&mut reader, ts, key, end));
            }
        }
        assert_eq!(keys, "33#");
        // A recording replayed with the same timestamp is a new press.
        for end in [false, true, true] {
            keys.extend(send(&mut reader, 3000, 7, end));
        }
        assert_eq!(keys, "33#7");
    }

    #[test]
    fn other_payload_types_and_garbage_are_no_keys() {
        let mut reader = DtmfReader::new(101);
        assert_eq!(reader.packet(&event(0, 1, 10, 5, false)), None);
        assert_eq!(reader.packet(&[0x80, 101, 0, 1]), None);
        assert_eq!(reader.packet(&[]), None);
        // Event 16 (a tone, not a key).
        assert_eq!(reader.packet(&event(101, 2, 20, 16, false)), None);
        // A CSRC count pointing past the end.
        let mut bad = event(101, 3, 30, 5, false);
        bad[0] = 0x8f;
        assert_eq!(reader.packet(&bad), None);
        for cut in 0..16 {
            let _ = reader.packet(&event(101, 4, 40, 1, false)[..cut]);
        }
    }

    #[test]
    fn info_bodies_carry_keys() {
        assert_eq!(
            key_in_info("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(
            key_in_info("application/dtmf-relay", b"Signal= #\r\n"),
            Some('#')
        );
        assert_eq!(
            key_in_info("application/dtmf-relay", b"Signal=11\r\n"),
            Some('#')
        );
        assert_eq!(key_in_info("Application/DTMF", b"7"), Some('7'));
        assert_eq!(key_in_info("application/dtmf", b"x"), None);
        assert_eq!(key_in_info("text/plain", b"5"), None);
        assert_eq!(key_in_info("application/dtmf-relay", &[0xff, 0xfe]), None);
    }

    #[test]
    fn a_password_is_entered_with_hash_and_cleared_with_star() {
        let mut entry = PasswordEntry::default();
        assert_eq!(entry.key('#'), None, "nothing typed yet");
        for key in "12*3333".chars() {
            assert_eq!(entry.key(key), None);
        }
        assert!(entry.is_typing());
        assert_eq!(entry.key('#'), Some("3333".into()));
        assert!(!entry.is_typing());
        for _ in 0..40 {
            entry.key('9');
        }
        assert_eq!(entry.take().map(|p| p.len()), Some(MAX_DIGITS));
    }
}
