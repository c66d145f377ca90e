//! Splitting a TCP byte stream into SIP messages (RFC 3261 §18.3): headers up
//! to the blank line, then exactly Content-Length bytes of body. Also spots
//! the RFC 5626 CRLF keep-alive ping.
//!
//! The work per received byte is constant, however the stream is cut: the
//! search for the blank line resumes where the last one stopped, and once a
//! head is complete the frame's length is kept while its body arrives. (It
//! used to rescan the whole buffer on every read: a 60 KB head trickled a
//! byte at a time cost a second of CPU.) Heads are capped at
//! [`MAX_HEADER_BYTES`], bodies at [`MAX_BODY_BYTES`].

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
    /// The first [`MAX_HEADER_BYTES`] are returned to answer `513` from.
    #[error("message headers exceed {MAX_HEADER_BYTES} bytes")]
    HeadersTooLarge { head: Vec<u8> },
    /// The head is returned so the sender can still be answered `400`.
    #[error("invalid Content-Length")]
    BadContentLength { head: Vec<u8> },
    #[error("message body exceeds {MAX_BODY_BYTES} bytes")]
    BodyTooLarge { head: Vec<u8> },
}

#[derive(Default)]
pub struct StreamFramer {
    buf: BytesMut,
    /// How much of `buf` is known to hold no blank line.
    searched: usize,
    /// The whole length of the message at the front, once its head is in.
    frame_len: Option<usize>,
    /// Bytes the blank-line search has looked at, all told: the work per
    /// received byte, which the tests hold constant.
    scanned: u64,
}

/// The first CRLFCRLF in `haystack` at or after `from`.
fn find_blank_line(haystack: &[u8], from: usize) -> Option<usize> {
    let start = from.min(haystack.len());
    haystack[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| start + i)
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

    /// Whether part of a message (not just keep-alive CRLFs) is waiting:
    /// the transport gives such a message a deadline to complete.
    pub fn in_message(&self) -> bool {
        self.frame_len.is_some() || !b"\r\n\r\n".starts_with(&self.buf)
    }

    fn advance(&mut self, n: usize) {
        self.buf.advance(n);
        self.searched = self.searched.saturating_sub(n);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed. After an
    /// error the stream cannot be resynchronised and must be closed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.frame_len.is_none() {
            loop {
                if self.buf.starts_with(b"\r\n\r\n") {
                    self.advance(4);
                    return Ok(Some(Frame::Ping));
                }
                if self.buf.starts_with(b"\r\n") && self.buf.len() >= 3 && self.buf[2] != b'\r' {
                    // Stray CRLF before a message (§7.5): skip it.
                    self.advance(2);
                    continue;
                }
                break;
            }
            // Perhaps the start of a ping; anything else is a message, and
            // bounded by the head limit like one.
            if b"\r\n\r\n".starts_with(&self.buf) {
                return Ok(None);
            }
            // The blank line may straddle the end of the last search.
            let from = self.searched.saturating_sub(3);
            self.scanned += self.buf.len().saturating_sub(from) as u64;
            let Some(end) = find_blank_line(&self.buf, from) else {
                self.searched = self.buf.len();
                if self.buf.len() > MAX_HEADER_BYTES {
                    return Err(FrameError::HeadersTooLarge {
                        head: self.buf[..MAX_HEADER_BYTES].to_vec(),
                    });
                }
                return Ok(None);
            };
            let head = &self.buf[..end + 4];
            if end > MAX_HEADER_BYTES {
                return Err(FrameError::HeadersTooLarge {
                    head: head[..MAX_HEADER_BYTES].to_vec(),
                });
            }
            let body = content_length(head).map_err(|()| FrameError::BadContentLength {
                head: head.to_vec(),
            })?;
            if body > MAX_BODY_BYTES {
                return Err(FrameError::BodyTooLarge {
                    head: head.to_vec(),
                });
            }
            self.frame_len = Some(end + 4 + body);
        }
        let total = self.frame_len.unwrap_or_default();
        if self.buf.len() < total {
            return Ok(None);
        }
        self.frame_len = None;
        self.searched = 0;
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
        assert!(matches!(
            framer.next_frame(),
            Err(FrameError::HeadersTooLarge { .. })
        ));
        let mut framer = StreamFramer::default();
        framer.push(b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n");
        assert!(matches!(
            framer.next_frame(),
            Err(FrameError::BodyTooLarge { .. })
        ));
    }

    /// A message with a head of about `head_bytes` and a 4-byte body.
    fn big_message(head_bytes: usize) -> Vec<u8> {
        let mut msg = b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 4\r\n".to_vec();
        while msg.len() < head_bytes {
            msg.extend_from_slice(b"X-Filler: 0123456789abcdef0123456789abcdef\r\n");
        }
        msg.extend_from_slice(b"\r\nbody");
        msg
    }

    /// Feeds `data` in pieces of 1, 2, ... `max_piece` bytes (cycling) and
    /// collects every frame.
    fn trickle(framer: &mut StreamFramer, data: &[u8], max_piece: usize) -> Vec<Frame> {
        let mut frames = Vec::new();
        let (mut at, mut piece) = (0, 1);
        while at < data.len() {
            let end = (at + piece).min(data.len());
            framer.push(&data[at..end]);
            while let Some(frame) = framer.next_frame().expect("valid stream") {
                frames.push(frame);
            }
            at = end;
            piece = piece % max_piece + 1;
        }
        frames
    }

    #[test]
    fn a_60_kb_head_trickled_in_small_pieces_is_one_message() {
        let msg = big_message(60 * 1024);
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(&msg);
        stream.extend_from_slice(&msg);
        let mut framer = StreamFramer::default();
        let frames = trickle(&mut framer, &stream, 7);
        assert_eq!(
            frames,
            [
                Frame::Ping,
                Frame::Message(msg.clone()),
                Frame::Message(msg)
            ]
        );
        assert!(!framer.in_message());
    }

    /// A head trickled a byte at a time is searched in linear time: each
    /// byte looked at a few times at most (the blank line may straddle two
    /// reads), not once per read after it (a rescan on every read looked at
    /// 1.8 billion bytes here).
    #[test]
    fn a_trickled_head_is_searched_once() {
        let msg = big_message(60 * 1024);
        let mut framer = StreamFramer::default();
        let frames = trickle(&mut framer, &msg, 1);
        assert_eq!(frames, [Frame::Message(msg.clone())]);
        assert!(
            framer.scanned < 8 * msg.len() as u64,
            "{} bytes looked at for a {}-byte message",
            framer.scanned,
            msg.len()
        );
    }

    #[test]
    fn the_blank_line_is_found_wherever_the_reads_cut_it() {
        let msg = b"OPTIONS sip:a SIP/2.0\r\nl: 2\r\n\r\nok".to_vec();
        for max_piece in 1..=msg.len() {
            let mut framer = StreamFramer::default();
            let frames = trickle(&mut framer, &[msg.clone(), msg.clone()].concat(), max_piece);
            assert_eq!(frames.len(), 2, "pieces up to {max_piece}");
            assert!(frames.iter().all(|f| *f == Frame::Message(msg.clone())));
        }
    }

    #[test]
    fn an_oversized_head_is_refused_even_when_trickled() {
        let msg = big_message(MAX_HEADER_BYTES + 100);
        let mut framer = StreamFramer::default();
        let mut refused = None;
        for chunk in msg.chunks(3) {
            framer.push(chunk);
            match framer.next_frame() {
                Ok(None) => assert!(framer.in_message()),
                Ok(Some(frame)) => panic!("framed {frame:?}"),
                Err(err) => {
                    refused = Some(err);
                    break;
                }
            }
        }
        let Some(FrameError::HeadersTooLarge { head }) = refused else {
            panic!("not refused: {refused:?}");
        };
        assert!(head.starts_with(b"OPTIONS sip:a SIP/2.0\r\n"));
    }

    #[test]
    fn junk_after_a_carriage_return_is_bounded_like_a_head() {
        let mut framer = StreamFramer::default();
        framer.push(b"\r\n\r");
        assert_eq!(framer.next_frame(), Ok(None));
        assert!(!framer.in_message(), "a ping on its way");
        framer.push(&vec![b'x'; MAX_HEADER_BYTES]);
        assert!(framer.in_message());
        assert!(matches!(
            framer.next_frame(),
            Err(FrameError::HeadersTooLarge { .. })
        ));
    }
}
