//! Splitting the byte stream from the proxy into SIP messages (RFC 3261
//! §18.3: headers up to the blank line, then exactly Content-Length bytes of
//! body) and spotting RFC 5626 §4.4.1 keep-alive pongs (a bare CRLF between
//! messages). Pure and defensive: bytes in, frames out; a peer that breaks the
//! framing gets an error, never a panic or an unbounded buffer.

/// Generous for any response (a 200 lists at most a handful of contacts).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Room for the largest bodies a terminal expects (SDP, conference NOTIFYs).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Message(Vec<u8>),
    /// A CRLF between messages: the server's answer to our CRLFCRLF ping.
    Pong,
}

/// The stream is out of sync; nothing after it can be trusted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("SIP headers longer than {MAX_HEADER_BYTES} bytes")]
    HeadersTooLarge,
    #[error("invalid Content-Length")]
    BadContentLength,
    #[error("SIP body longer than {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
}

#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// How far the search for the end of the head has got, so a message
    /// trickling in byte by byte is not rescanned from the start each time.
    scanned: usize,
}

impl Framer {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
            self.scanned = self.scanned.saturating_sub(2);
            return Ok(Some(Frame::Pong));
        }
        if self.buf == b"\r" {
            // Half a pong; the LF is on its way.
            return Ok(None);
        }
        let from = self.scanned.saturating_sub(3);
        let Some(end) = find(&self.buf[from..], b"\r\n\r\n").map(|at| from + at) else {
            self.scanned = self.buf.len();
            if self.buf.len() > MAX_HEADER_BYTES {
                return Err(FrameError::HeadersTooLarge);
            }
            return Ok(None);
        };
        let head_len = end + 4;
        if head_len > MAX_HEADER_BYTES {
            return Err(FrameError::HeadersTooLarge);
        }
        let body = content_length(&self.buf[..end])?;
        if body > MAX_BODY_BYTES {
            return Err(FrameError::BodyTooLarge);
        }
        let total = head_len + body;
        if self.buf.len() < total {
            return Ok(None);
        }
        let rest = self.buf.split_off(total);
        self.scanned = 0;
        Ok(Some(Frame::Message(std::mem::replace(&mut self.buf, rest))))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The body length the head declares. Mandatory on streams (§18.3), so a
/// missing one can only mean "no body"; two that disagree are an attack or a
/// bug, either way unframeable.
fn content_length(head: &[u8]) -> Result<usize, FrameError> {
    let mut found = None;
    for line in head.split(|&b| b == b'\n').skip(1) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
            continue;
        }
        let value = std::str::from_utf8(line[colon + 1..].trim_ascii())
            .ok()
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or(FrameError::BadContentLength)?;
        if found.is_some_and(|previous| previous != value) {
            return Err(FrameError::BadContentLength);
        }
        found = Some(value);
    }
    Ok(found.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] = b"SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n";
    const WITH_BODY: &[u8] = b"SIP/2.0 401 Unauthorized\r\nl: 5\r\n\r\nhello";

    fn drain(framer: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| framer.next_frame().unwrap()).collect()
    }

    #[test]
    fn messages_split_at_every_byte_come_out_whole() {
        let stream = [b"\r\n".as_slice(), WITH_BODY, OK, b"\r\n"].concat();
        let mut framer = Framer::default();
        let mut frames = Vec::new();
        for byte in &stream {
            framer.push(std::slice::from_ref(byte));
            frames.extend(drain(&mut framer));
        }
        assert_eq!(
            frames,
            [
                Frame::Pong,
                Frame::Message(WITH_BODY.to_vec()),
                Frame::Message(OK.to_vec()),
                Frame::Pong,
            ]
        );
        assert!(framer.buf.is_empty());
    }

    #[test]
    fn coalesced_messages_and_pongs_come_out_in_order() {
        let mut framer = Framer::default();
        framer.push(&[OK, b"\r\n", WITH_BODY, OK, &OK[..10]].concat());
        assert_eq!(
            drain(&mut framer),
            [
                Frame::Message(OK.to_vec()),
                Frame::Pong,
                Frame::Message(WITH_BODY.to_vec()),
                Frame::Message(OK.to_vec()),
            ]
        );
        // The start of the next message waits for the rest.
        framer.push(&OK[10..]);
        assert_eq!(drain(&mut framer), [Frame::Message(OK.to_vec())]);
    }

    #[test]
    fn a_body_is_not_mistaken_for_headers() {
        let tricky = b"SIP/2.0 200 OK\r\nContent-Length: 8\r\n\r\n\r\n\r\nabcd";
        let mut framer = Framer::default();
        framer.push(tricky);
        framer.push(b"\r\n");
        assert_eq!(
            drain(&mut framer),
            [Frame::Message(tricky.to_vec()), Frame::Pong]
        );
    }

    #[test]
    fn hostile_framing_is_an_error() {
        for head in [
            "SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n",
            "SIP/2.0 200 OK\r\nContent-Length: +1\r\n\r\n",
            "SIP/2.0 200 OK\r\nContent-Length: 1\r\nl: 2\r\n\r\n",
            "SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        ] {
            let mut framer = Framer::default();
            framer.push(head.as_bytes());
            assert_eq!(
                framer.next_frame(),
                Err(FrameError::BadContentLength),
                "{head}"
            );
        }
        let mut framer = Framer::default();
        framer.push(b"SIP/2.0 200 OK\r\nContent-Length: 262145\r\n\r\n");
        assert_eq!(framer.next_frame(), Err(FrameError::BodyTooLarge));
        let mut framer = Framer::default();
        framer.push(&vec![b'a'; MAX_HEADER_BYTES + 1]);
        assert_eq!(framer.next_frame(), Err(FrameError::HeadersTooLarge));
    }
}
