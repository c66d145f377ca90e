//! Casting tests' parts: a room played over a real config channel (the
//! test answers for it), a browser's WHIP requests from a chosen loopback
//! address, and reading the events stream.

use std::net::IpAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use roomterm_proto::{CastCode, DeviceMessage, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

use super::TestCloud;
use crate::config_channel::{open_channel, Socket};

/// A browser's offer: video and sound, as Chromium sends them (shortened).
pub const OFFER: &str = "v=0\r\n\
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE 0 1\r\n\
a=msid-semantic: WMS\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\n\
c=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Zx3b\r\n\
a=ice-pwd:7q9ZsPzXh0mZ2kOQe8cK1a8n\r\n\
a=fingerprint:sha-256 3C:4A:AA:1B:23:55:F1:0C:9E:6F:71:AB:A4:5D:21:2F:45:91:03:55:6E:0E:5A:F8:35:88:D6:A0:F2:43:0B:1E\r\n\
a=setup:actpass\r\n\
a=mid:0\r\n\
a=sendonly\r\n\
a=rtcp-mux\r\n\
a=rtpmap:96 VP8/90000\r\n\
a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:1\r\n\
a=sendonly\r\n\
a=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\n";

/// The room's answer (what webrtcbin would say, shortened).
pub const ANSWER: &str = "v=0\r\n\
o=- 1 0 IN IP4 0.0.0.0\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE 0 1\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:0\r\n\
a=recvonly\r\n\
a=rtpmap:96 VP8/90000\r\n\
a=candidate:1 1 UDP 2015363327 192.168.1.30 40000 typ host\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:1\r\n\
a=recvonly\r\n\
a=rtpmap:111 opus/48000/2\r\n";

/// A room as its terminal would be: activated, its channel open.
pub struct Room {
    pub sn: String,
    pub socket: Socket,
    /// The last code the cloud sent.
    pub code: CastCode,
}

impl Room {
    /// Activates `sn` (enterprise `Acme`), opens its channel and takes the
    /// code the cloud sends on open.
    pub async fn open(t: &TestCloud, sn: &str) -> Room {
        let activation = t.activated_device(sn).await;
        let token = activation["device_token"].as_str().unwrap();
        let mut socket = open_channel(t, token).await;
        let code = loop {
            if let ServerMessage::CastCode { code } =
                next(&mut socket, Duration::from_secs(3)).await
            {
                break code;
            }
        };
        Room {
            sn: sn.to_string(),
            socket,
            code,
        }
    }

    /// The next casting message (the config and heartbeat answers skipped).
    pub async fn next_cast(&mut self) -> ServerMessage {
        loop {
            match next(&mut self.socket, Duration::from_secs(5)).await {
                ServerMessage::Config { .. } | ServerMessage::HeartbeatAck { .. } => continue,
                ServerMessage::CastCode { code } => {
                    self.code = code.clone();
                    return ServerMessage::CastCode { code };
                }
                message => return message,
            }
        }
    }

    /// Nothing about casting arrives within `within`.
    pub async fn silent_for(&mut self, within: Duration) {
        let message = tokio::time::timeout(within, self.next_cast()).await;
        assert!(message.is_err(), "the room got {message:?}");
    }

    /// The next offer: session, caster, SDP, take-over.
    pub async fn offer(&mut self) -> (String, String, String, bool) {
        match self.next_cast().await {
            ServerMessage::CastOffer {
                session,
                caster,
                sdp,
                take_over,
            } => (session, caster, sdp, take_over),
            other => panic!("expected an offer, got {other:?}"),
        }
    }

    pub async fn send(&mut self, message: DeviceMessage) {
        let text = serde_json::to_string(&message).unwrap();
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    pub async fn answer(&mut self, session: &str) {
        self.send(DeviceMessage::CastAnswer {
            session: session.into(),
            sdp: ANSWER.into(),
        })
        .await;
    }
}

async fn next(socket: &mut Socket, within: Duration) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(within, socket.next())
            .await
            .expect("a message in time")
            .expect("channel open")
            .expect("no socket error");
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).expect("a valid server message");
        }
    }
}

/// A browser on `ip` (any 127.x address: a lock is per address).
pub fn browser(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().ok())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `POST /cast/whip` with `code` as bearer and an SDP body.
pub async fn post(
    t: &TestCloud,
    from: &reqwest::Client,
    code: &str,
    query: &str,
    body: &str,
) -> reqwest::Response {
    from.post(t.url(&format!("/cast/whip{query}")))
        .bearer_auth(code)
        .header("content-type", "application/sdp")
        .body(body.to_string())
        .send()
        .await
        .expect("cloud reachable")
}

/// A cast showing: the offer sent from 127.0.0.1, answered by the room.
/// Returns the session's path (`Location`).
pub async fn showing(t: &TestCloud, room: &mut Room, name: &str) -> String {
    let code = room.code.code.clone();
    let client = t.http.clone();
    let url = t.url(&format!("/cast/whip?name={name}"));
    let request = tokio::spawn(async move {
        client
            .post(url)
            .bearer_auth(code)
            .header("content-type", "application/sdp")
            .body(OFFER)
            .send()
            .await
            .unwrap()
    });
    let (session, _, _, _) = room.offer().await;
    room.answer(&session).await;
    let response = request.await.unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/cast/whip/{session}"));
    location
}

/// Reads an events stream until its `ended` event; returns its reason.
pub async fn ended_reason(mut events: reqwest::Response) -> String {
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = events.chunk().await.expect("stream readable") {
            text.push_str(&String::from_utf8_lossy(&chunk));
            let event = text
                .find("event: ended\n")
                .and_then(|at| Some(&text[at..at + text[at..].find("\n\n")?]));
            if let Some(event) = event {
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let data: serde_json::Value = serde_json::from_str(data).unwrap();
                    return data["reason"].as_str().unwrap().to_string();
                }
            }
        }
        panic!("the stream closed without an ended event: {text:?}");
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("an ended event in time")
}

/// Opens the session's events stream.
pub async fn events(t: &TestCloud, location: &str) -> reqwest::Response {
    let response = t
        .http
        .get(t.url(&format!("{location}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    response
}
