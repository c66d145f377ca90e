//! Splitting a TCP byte stream into SIP messages (RFC 3261 §18.3): headers up
//! to the blank line, then exactly Content-Length bytes of body. Also spots
//! the RFC 5626 CRLF keep-alive ping.

use bytes::{Buf, BytesMut};

pub const MAX_HEADER_BYTES: usize = 64 * 1024;
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Message(Vec<u8>),
    /// A double CRLF between messages: answer with a single CRLF (pong).
    Ping,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("message headers exceed {MAX_HEADER_BYTES} bytes")]
    HeadersTooLarge,
    /// The head is returned so the sender can still be answered `400`.
    #[error("invalid Content-Length")]
    BadContentLength { head: Vec<u8> },
    #[error("message body exceeds {MAX_BODY_BYTES} bytes")]
    BodyTooLarge { head: Vec<u8> },
}

#[derive(Default)]
pub struct StreamFramer {
    buf: BytesMut,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> Result<usize, ()> {
    let text = std::str::from_utf8(head).map_err(|_| ())?;
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
                return value.trim().parse().map_err(|_| ());
            }
        }
    }
    // Mandatory on streams, but a missing one can only mean "no body".
    Ok(0)
}

impl StreamFramer {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed. After an
    /// error the stream cannot be resynchronised and must be closed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        loop {
            if self.buf.starts_with(b"\r\n\r\n") {
                self.buf.advance(4);
                return Ok(Some(Frame::Ping));
            }
            if self.buf.starts_with(b"\r\n") && self.buf.len() >= 3 && self.buf[2] != b'\r' {
                // Stray CRLF before a message (§7.5): skip it.
                self.buf.advance(2);
                continue;
            }
            break;
        }
        if self.buf.starts_with(b"\r") {
            return Ok(None);
        }
        let Some(end) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() > MAX_HEADER_BYTES {
                return Err(FrameError::HeadersTooLarge);
            }
            return Ok(None);
        };
        if end > MAX_HEADER_BYTES {
            return Err(FrameError::HeadersTooLarge);
        }
        let head = &self.buf[..end + 4];
        let body = content_length(head).map_err(|()| FrameError::BadContentLength {
            head: head.to_vec(),
        })?;
        if body > MAX_BODY_BYTES {
            return Err(FrameError::BodyTooLarge {
                head: head.to_vec(),
            });
        }
        let total = end + 4 + body;
        if self.buf.len() < total {
            return Ok(None);
        }
        Ok(Some(Frame::Message(self.buf.split_to(total).to_vec())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_messages_and_pings_across_reads() {
        let mut framer = StreamFramer::default();
        let msg = b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 4\r\n\r\nbody";
        framer.push(b"\r\n\r\n");
        framer.push(&msg[..10]);
        assert_eq!(framer.next_frame(), Ok(Some(Frame::Ping)));
        assert_eq!(framer.next_frame(), Ok(None));
        framer.push(&msg[10..]);
        framer.push(msg);
        assert_eq!(framer.next_frame(), Ok(Some(Frame::Message(msg.to_vec()))));
        assert_eq!(framer.next_frame(), Ok(Some(Frame::Message(msg.to_vec()))));
        assert_eq!(framer.next_frame(), Ok(None));
    }

    #[test]
    fn hostile_lengths_are_errors() {
        let mut framer = StreamFramer::default();
        framer.push(b"OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n");
        assert!(matches!(
            framer.next_frame(),
            Err(FrameError::BadContentLength { .. })
        ));
        let mut framer = StreamFramer::default();
        framer.push(&vec![b'a'; MAX_HEADER_BYTES + 1]);
        assert_eq!(framer.next_frame(), Err(FrameError::HeadersTooLarge));
        let mut framer = StreamFramer::default();
        framer.push(b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n");
        assert!(matches!(
            framer.next_frame(),
            Err(FrameError::BodyTooLarge { .. })
        ));
    }
}
