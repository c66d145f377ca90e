//! What the cloud reads of the browser's SDP, which it otherwise passes to
//! the room untouched: that an offer looks like one, its media ids, and the
//! candidates of a trickle-ICE fragment (RFC 8840). Pure.

/// Largest offer or fragment accepted (a screen's offer is a few KiB).
pub const MAX_BYTES: usize = 64 * 1024;
/// Longest candidate line passed on.
const MAX_CANDIDATE: usize = 512;

/// Why an SDP body was refused, said to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSdp(pub &'static str);

/// Checks that `body` is an SDP offer (RFC 8866 lines, a media section);
/// returns it as text and its media ids in m-line order (`None` for an
/// m-line without `a=mid`).
pub fn offer(body: &[u8]) -> Result<(String, Vec<Option<String>>), BadSdp> {
    let text = std::str::from_utf8(body).map_err(|_| BadSdp("the offer is not UTF-8 text"))?;
    if !text.starts_with("v=0") {
        return Err(BadSdp("the offer is not SDP (it must start with v=0)"));
    }
    let mut mids: Vec<Option<String>> = Vec::new();
    for line in lines(text) {
        let bytes = line.as_bytes();
        if bytes.len() < 2 || !bytes[0].is_ascii_lowercase() || bytes[1] != b'=' {
            return Err(BadSdp("the offer has a line that is not SDP (x=…)"));
        }
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(BadSdp("the offer has a control character"));
        }
        if line.starts_with("m=") {
            mids.push(None);
        } else if let (Some(mid), Some(last)) = (line.strip_prefix("a=mid:"), mids.last_mut()) {
            *last = Some(mid.trim().to_string());
        }
    }
    if mids.is_empty() {
        return Err(BadSdp("the offer has no media (m=) line"));
    }
    Ok((text.to_string(), mids))
}

/// A candidate to pass on: its m-line index in the offer and the
/// attribute without `a=` (`candidate:…`, as browsers and webrtcbin take it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub mline: u32,
    pub candidate: String,
}

/// The candidates of a trickle-ICE fragment. Each belongs to the media
/// section it follows: found in the offer by its `a=mid`, else by the
/// section's place in the fragment. `a=end-of-candidates`, ICE credentials
/// and anything else are skipped.
pub fn fragment(body: &[u8], offer_mids: &[Option<String>]) -> Result<Vec<Candidate>, BadSdp> {
    let text = std::str::from_utf8(body).map_err(|_| BadSdp("the fragment is not UTF-8 text"))?;
    let mut section: Option<u32> = None;
    let mut sections = 0u32;
    let mut found = Vec::new();
    for line in lines(text) {
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(BadSdp("the fragment has a control character"));
        }
        if line.starts_with("m=") {
            section = Some(sections);
            sections += 1;
        } else if let Some(mid) = line.strip_prefix("a=mid:") {
            let mid = mid.trim();
            let index = offer_mids
                .iter()
                .position(|m| m.as_deref() == Some(mid))
                .ok_or(BadSdp("the fragment names a mid the offer does not have"))?;
            section = Some(index as u32);
        } else if let Some(value) = line.strip_prefix("a=candidate:") {
            let mline = section.ok_or(BadSdp("a candidate outside a media section"))?;
            if mline as usize >= offer_mids.len() {
                return Err(BadSdp(
                    "the fragment has more media sections than the offer",
                ));
            }
            if line.len() > MAX_CANDIDATE || value.trim().is_empty() {
                return Err(BadSdp("a candidate line is empty or too long"));
            }
            found.push(Candidate {
                mline,
                candidate: format!("candidate:{}", value.trim()),
            });
        }
    }
    Ok(found)
}

/// Non-empty lines, CRLF or LF.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        a=group:BUNDLE 0 1\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n";

    fn mids() -> Vec<Option<String>> {
        vec![Some("0".into()), Some("1".into())]
    }

    #[test]
    fn an_offer_gives_its_mids_in_order() {
        let (text, found) = offer(OFFER.as_bytes()).unwrap();
        assert_eq!(text, OFFER);
        assert_eq!(found, mids());
        let lf = OFFER.replace("\r\n", "\n");
        assert_eq!(offer(lf.as_bytes()).unwrap().1, mids());
    }

    #[test]
    fn what_is_not_an_offer_is_refused() {
        for bad in [
            &b""[..],
            b"hello",
            b"v=0\r\ns=-\r\n",
            b"{\"sdp\": \"v=0\"}",
            b"v=0\r\nm=video 9 RTP/AVP 96\r\nnot a line\r\n",
            b"v=0\r\nm=video 9 RTP/AVP 96\r\na=x\x00y\r\n",
            b"v=0\r\nm=video 9 RTP/AVP 96\r\n\xff\xfe\r\n",
        ] {
            assert!(offer(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn candidates_are_placed_by_mid() {
        let frag = "a=ice-ufrag:abcd\r\na=ice-pwd:xyz\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\n\
            a=candidate:1 1 UDP 2122260223 192.168.1.20 50000 typ host\r\n\
            a=end-of-candidates\r\n";
        assert_eq!(
            fragment(frag.as_bytes(), &mids()).unwrap(),
            vec![Candidate {
                mline: 1,
                candidate: "candidate:1 1 UDP 2122260223 192.168.1.20 50000 typ host".into()
            }]
        );
    }

    #[test]
    fn without_mids_candidates_follow_the_sections_order() {
        let frag = "m=video 9 RTP/AVP 0\na=candidate:1 1 UDP 1 10.0.0.1 1 typ host\n\
            m=audio 9 RTP/AVP 0\na=candidate:2 1 UDP 1 10.0.0.1 2 typ host\n";
        let found = fragment(frag.as_bytes(), &[None, None]).unwrap();
        assert_eq!(
            found.iter().map(|c| c.mline).collect::<Vec<_>>(),
            vec![0, 1]
        );
    }

    #[test]
    fn a_bad_fragment_is_refused() {
        let cases = [
            "a=candidate:1 1 UDP 1 10.0.0.1 1 typ host\r\n".to_string(),
            "m=video 9 RTP/AVP 0\r\na=mid:7\r\na=candidate:1 1 UDP 1 10.0.0.1 1 typ host\r\n"
                .to_string(),
            "m=a\r\nm=b\r\nm=c\r\na=candidate:1 1 UDP 1 10.0.0.1 1 typ host\r\n".to_string(),
            format!("m=video 9 RTP/AVP 0\r\na=candidate:{}\r\n", "1".repeat(600)),
            "m=video 9 RTP/AVP 0\r\na=candidate:\r\n".to_string(),
        ];
        for bad in cases {
            assert!(fragment(bad.as_bytes(), &mids()).is_err(), "{bad:?}");
        }
        assert!(fragment(b"\xff", &mids()).is_err());
    }

    #[test]
    fn a_fragment_without_candidates_is_empty() {
        let frag = "a=ice-ufrag:abcd\r\na=ice-pwd:xyz\r\nm=video 9 RTP/AVP 0\r\na=mid:0\r\na=end-of-candidates\r\n";
        assert_eq!(fragment(frag.as_bytes(), &mids()).unwrap(), vec![]);
    }
}
