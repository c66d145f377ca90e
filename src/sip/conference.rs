//! The meeting's roster as the focus sends it (RFC 4575 conference-info,
//! in NOTIFYs of the `conference` event package), read into what the
//! in-call page shows: how many are in the meeting, who, who hosts, who
//! shares content (an endpoint's `content` media stream), and — the
//! focus's extensions in its own namespace — the layout this room watches,
//! whether the meeting's content is this room's own, the host's settings
//! (locked, self-unmute allowed), the meeting's end and whether it is near,
//! this room's own participant id and each
//! member's state (muted, by the host or not, video stopped, hand raised),
//! who waits for the host to let them in and whether this room does.
//! Pure; bytes from the network, so it is fuzzed.
//!
//! Only full-state documents are sent by our focus; a partial one (another
//! focus) is read the same way, which undercounts at worst.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;

/// The body type of the roster.
pub const CONTENT_TYPE: &str = "application/conference-info+xml";
/// The body type of a layout choice sent to the focus (INFO).
pub const LAYOUT_TYPE: &str = "application/vnd.roomterm.layout+json";
/// The body type of a host action sent to the focus (INFO).
pub const CONTROL_TYPE: &str = "application/vnd.roomterm.control+json";
/// At most this many names are kept (a 500-person meeting's roster is
/// counted, not listed).
const MAX_MEMBERS: usize = 64;

/// One participant as the roster names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterMember {
    pub name: String,
    pub host: bool,
    pub co_host: bool,
    /// It shares the meeting's content now.
    pub sharing: bool,
    /// Its participant id in the focus (what host actions name).
    pub id: Option<u64>,
    /// Its sound is silenced in the meeting …
    pub muted: bool,
    /// … by the host, not by itself.
    pub muted_by_host: bool,
    pub video_stopped: bool,
    pub hand_raised: bool,
}

impl RosterMember {
    /// A guest named `name`, nothing else known.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            host: false,
            co_host: false,
            sharing: false,
            id: None,
            muted: false,
            muted_by_host: false,
            video_stopped: false,
            hand_raised: false,
        }
    }

    /// The focus's `<state id=… muted=… …/>` on this member.
    fn read_state(&mut self, element: &quick_xml::events::BytesStart<'_>) {
        for attribute in element.attributes().flatten() {
            let yes = &*attribute.value == b"true";
            match attribute.key.local_name().as_ref() {
                b"id" => {
                    self.id = std::str::from_utf8(&attribute.value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                }
                b"muted" => self.muted = yes,
                b"by-host" => self.muted_by_host = yes,
                b"video-stopped" => self.video_stopped = yes,
                b"hand" => self.hand_raised = yes,
                _ => {}
            }
        }
    }
}

/// Whose the meeting's shared content is, as the focus tells this room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentOwner {
    /// This room's.
    Yours,
    /// Another participant's.
    Theirs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roster {
    /// Participants now (the document's `user-count`, else its users).
    pub count: u32,
    pub members: Vec<RosterMember>,
    /// The layout this room watches (`gallery`, `speaker`,
    /// `picture_in_picture`), if the focus says.
    pub layout: Option<String>,
    /// The document's version: an older one than the last is stale.
    pub version: u32,
    /// Whose the shared content is (`None`: nothing shared, or a focus
    /// that does not say).
    pub content: Option<ContentOwner>,
    /// Nobody new may join.
    pub locked: bool,
    /// Whoever the host muted may unmute itself.
    pub self_unmute: bool,
    /// This room's participant id, if the focus says.
    pub you: Option<u64>,
    /// When the meeting ends (seconds since the epoch), if it has an end.
    pub ends_at: Option<i64>,
    /// It ends within 15 minutes (unless the host extends it).
    pub ending_soon: bool,
    /// The participant the host broadcasts (everyone sees it full screen).
    pub broadcast: Option<u64>,
    /// The host's polling interval in seconds, while polling.
    pub polling: Option<u32>,
    /// Who waits for the host to let them in (at most 64 listed).
    pub waiting: Vec<WaitingMember>,
    /// Who the meeting is ringing in (at most 64 listed; `cancel_invite`
    /// names them by id).
    pub ringing: Vec<WaitingMember>,
    /// This room waits for the host to let it in.
    pub held: bool,
    /// Guests wait for the host to let them in.
    pub waiting_room: bool,
    /// Only the host and co-hosts may share content.
    pub host_only_share: bool,
    /// Newcomers join muted by the host.
    pub mute_on_entry: bool,
}

/// Someone waiting for the host, by the id `admit` and `deny` name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingMember {
    pub id: u64,
    pub name: String,
}

impl Roster {
    /// This room as the roster lists it.
    pub fn me(&self) -> Option<&RosterMember> {
        let you = self.you?;
        self.members.iter().find(|m| m.id == Some(you))
    }
}

/// Reads a conference-info document; `None` if it is not one.
pub fn parse(xml: &str) -> Option<Roster> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut roster = Roster {
        count: 0,
        members: Vec::new(),
        layout: None,
        version: 0,
        content: None,
        locked: false,
        self_unmute: true,
        you: None,
        ends_at: None,
        ending_soon: false,
        broadcast: None,
        polling: None,
        waiting: Vec::new(),
        ringing: Vec::new(),
        held: false,
        waiting_room: false,
        host_only_share: false,
        mute_on_entry: false,
    };
    let mut user_count: Option<u32> = None;
    let mut users = 0u32;
    let mut seen_root = false;
    // Element names from the root down (local names).
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut member: Option<RosterMember> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(element) => {
                let name = element.local_name().as_ref().to_vec();
                if path.is_empty() {
                    if name != b"conference-info" {
                        return None;
                    }
                    seen_root = true;
                    roster.version = element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"version")
                        .and_then(|a| a.unescape_value().ok()?.trim().parse().ok())
                        .unwrap_or(0);
                }
                if name == b"user" && path.last().is_some_and(|p| p == b"users") {
                    users += 1;
                    member = Some(RosterMember::named(""));
                }
                let pending = match name.as_slice() {
                    b"waiting" => Some(&mut roster.waiting),
                    b"ringing" => Some(&mut roster.ringing),
                    _ => None,
                };
                if let Some(list) = pending.filter(|l| {
                    path.last().is_some_and(|p| p == b"conference-state") && l.len() < MAX_MEMBERS
                }) {
                    let id = element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"id")
                        .and_then(|a| a.unescape_value().ok()?.trim().parse().ok());
                    if let Some(id) = id {
                        list.push(WaitingMember {
                            id,
                            name: String::new(),
                        });
                    }
                }
                // An endpoint's content stream (RFC 4575 §5.7.1 `media`).
                let content_media = name == b"media"
                    && path.last().is_some_and(|p| p == b"endpoint")
                    && element
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == b"id" && &*a.value == b"content");
                if content_media {
                    if let Some(member) = member.as_mut() {
                        member.sharing = true;
                    }
                }
                path.push(name);
                // A document nested deeper than ours is not ours.
                if path.len() > 8 {
                    return None;
                }
            }
            Event::Empty(element) => {
                let name = element.local_name();
                if name.as_ref() == b"user" && path.last().is_some_and(|p| p == b"users") {
                    users += 1;
                }
                if name.as_ref() == b"state" && path.last().is_some_and(|p| p == b"user") {
                    if let Some(member) = member.as_mut() {
                        member.read_state(&element);
                    }
                }
            }
            Event::Text(text) => {
                let text = text.unescape().ok()?;
                let text = text.trim();
                let at = |names: &[&[u8]]| {
                    path.len() >= names.len()
                        && path[path.len() - names.len()..]
                            .iter()
                            .zip(names)
                            .all(|(a, b)| a == b)
                };
                if at(&[b"conference-state", b"user-count"]) {
                    user_count = text.parse().ok();
                } else if at(&[b"conference-state", b"layout"]) {
                    roster.layout = Some(text.chars().take(32).collect());
                } else if at(&[b"conference-state", b"content"]) {
                    roster.content = match text {
                        "yours" => Some(ContentOwner::Yours),
                        "theirs" => Some(ContentOwner::Theirs),
                        _ => None,
                    };
                } else if at(&[b"user", b"display-text"]) {
                    if let Some(member) = member.as_mut() {
                        member.name = text.chars().filter(|c| !c.is_control()).take(64).collect();
                    }
                } else if at(&[b"conference-state", b"locked"]) {
                    roster.locked = text == "true";
                } else if at(&[b"conference-state", b"self-unmute"]) {
                    roster.self_unmute = text != "false";
                } else if at(&[b"conference-state", b"you"]) {
                    roster.you = text.parse().ok();
                } else if at(&[b"conference-state", b"ends-at"]) {
                    roster.ends_at = text.parse().ok();
                } else if at(&[b"conference-state", b"ending-soon"]) {
                    roster.ending_soon = text == "true";
                } else if at(&[b"conference-state", b"broadcast"]) {
                    roster.broadcast = text.parse().ok();
                } else if at(&[b"conference-state", b"polling"]) {
                    roster.polling = text.parse().ok();
                } else if at(&[b"conference-state", b"waiting-room"]) {
                    roster.waiting_room = text == "true";
                } else if at(&[b"conference-state", b"mute-on-entry"]) {
                    roster.mute_on_entry = text == "true";
                } else if at(&[b"conference-state", b"host-only-share"]) {
                    roster.host_only_share = text == "true";
                } else if at(&[b"conference-state", b"held"]) {
                    roster.held = text == "true";
                } else if at(&[b"conference-state", b"waiting"])
                    || at(&[b"conference-state", b"ringing"])
                {
                    let list = match path.last().map(Vec::as_slice) {
                        Some(b"ringing") => &mut roster.ringing,
                        _ => &mut roster.waiting,
                    };
                    if let Some(waiting) = list.last_mut() {
                        if waiting.name.is_empty() {
                            waiting.name =
                                text.chars().filter(|c| !c.is_control()).take(64).collect();
                        }
                    }
                } else if at(&[b"user", b"roles", b"entry"]) {
                    if let Some(member) = member.as_mut() {
                        member.host |= text.eq_ignore_ascii_case("host");
                        member.co_host |= text.eq_ignore_ascii_case("co-host");
                    }
                }
            }
            Event::End(_) => {
                let name = path.pop()?;
                if name == b"user" {
                    if let Some(done) = member.take() {
                        if roster.members.len() < MAX_MEMBERS {
                            roster.members.push(done);
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root || !path.is_empty() {
        return None;
    }
    roster.count = user_count.unwrap_or(users);
    Some(roster)
}

/// The INFO body choosing `layout`.
pub fn layout_choice(layout: &str) -> String {
    serde_json::json!({ "layout": layout }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOCUS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:8100001@roomcloud.local" state="full" version="3">
 <conference-state>
  <user-count>2</user-count>
  <active>true</active>
  <layout xmlns="urn:roomterm:params:xml:ns:conference-layout">speaker</layout>
  <content xmlns="urn:roomterm:params:xml:ns:conference-layout">theirs</content>
  <locked xmlns="urn:roomterm:params:xml:ns:conference-layout">true</locked>
  <self-unmute xmlns="urn:roomterm:params:xml:ns:conference-layout">false</self-unmute>
  <you xmlns="urn:roomterm:params:xml:ns:conference-layout">2</you>
  <ends-at xmlns="urn:roomterm:params:xml:ns:conference-layout">1796380800</ends-at>
  <ending-soon xmlns="urn:roomterm:params:xml:ns:conference-layout">true</ending-soon>
  <broadcast xmlns="urn:roomterm:params:xml:ns:conference-layout">1</broadcast>
  <polling xmlns="urn:roomterm:params:xml:ns:conference-layout">15</polling>
  <waiting xmlns="urn:roomterm:params:xml:ns:conference-layout" id="7">Lobby &lt;guest&gt;</waiting>
  <ringing xmlns="urn:roomterm:params:xml:ns:conference-layout" id="8">Huddle &amp; co</ringing>
  <waiting-room xmlns="urn:roomterm:params:xml:ns:conference-layout">true</waiting-room>
  <host-only-share xmlns="urn:roomterm:params:xml:ns:conference-layout">true</host-only-share>
  <mute-on-entry xmlns="urn:roomterm:params:xml:ns:conference-layout">true</mute-on-entry>
 </conference-state>
 <users>
  <user entity="sip:100001@roomcloud.local" state="full">
   <display-text>Board Room</display-text>
   <roles><entry>host</entry></roles>
   <endpoint entity="sip:100001@roomcloud.local"><status>connected</status><media id="content"><type>video</type><status>sendonly</status></media></endpoint>
   <state xmlns="urn:roomterm:params:xml:ns:conference-layout" id="1" muted="false" by-host="false" video-stopped="false" hand="false"/>
  </user>
  <user entity="sip:alice@example.com" state="full">
   <display-text>Alice &lt;&amp; &quot;Bob&quot;&gt;</display-text>
   <roles><entry>participant</entry></roles>
   <state xmlns="urn:roomterm:params:xml:ns:conference-layout" id="2" muted="true" by-host="true" video-stopped="true" hand="true"/>
  </user>
 </users>
</conference-info>
"#;

    #[test]
    fn the_focus_roster_reads_as_count_names_roles_states_sharer_layout_and_settings() {
        let roster = parse(FOCUS).unwrap();
        assert_eq!(roster.count, 2);
        assert_eq!(roster.content, Some(ContentOwner::Theirs));
        let mine = FOCUS.replace(">theirs<", ">yours<");
        assert_eq!(parse(&mine).unwrap().content, Some(ContentOwner::Yours));
        let other = FOCUS.replace(">theirs<", ">everyone's<");
        assert_eq!(parse(&other).unwrap().content, None);
        assert_eq!(roster.version, 3);
        assert_eq!(roster.layout.as_deref(), Some("speaker"));
        assert_eq!(
            roster.members,
            vec![
                RosterMember {
                    name: "Board Room".into(),
                    host: true,
                    sharing: true,
                    id: Some(1),
                    ..RosterMember::named("")
                },
                RosterMember {
                    name: "Alice <& \"Bob\">".into(),
                    id: Some(2),
                    muted: true,
                    muted_by_host: true,
                    video_stopped: true,
                    hand_raised: true,
                    ..RosterMember::named("")
                },
            ]
        );
        assert!(roster.locked && !roster.self_unmute);
        assert!(roster.waiting_room && roster.host_only_share && roster.mute_on_entry);
        assert_eq!(
            roster.waiting,
            [WaitingMember {
                id: 7,
                name: "Lobby <guest>".into()
            }]
        );
        assert_eq!(
            roster.ringing,
            [WaitingMember {
                id: 8,
                name: "Huddle & co".into()
            }]
        );
        assert_eq!(
            (roster.ends_at, roster.ending_soon),
            (Some(1_796_380_800), true)
        );
        assert_eq!(
            roster.me().map(|m| m.name.as_str()),
            Some("Alice <& \"Bob\">")
        );
    }

    #[test]
    fn without_a_user_count_the_users_are_counted() {
        let xml = FOCUS.replace("<user-count>2</user-count>", "");
        assert_eq!(parse(&xml).unwrap().count, 2);
    }

    #[test]
    fn anything_else_is_not_a_roster() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("<html><body/></html>"), None);
        assert_eq!(parse("<conference-info><users>"), None, "unclosed");
        assert_eq!(parse("not xml at all <<<"), None);
        let deep = format!(
            "<conference-info>{}{}</conference-info>",
            "<a>".repeat(20),
            "</a>".repeat(20)
        );
        assert_eq!(parse(&deep), None);
        for cut in 0..FOCUS.len() {
            // Every truncation reads or not, never panics.
            if FOCUS.is_char_boundary(cut) {
                let _ = parse(&FOCUS[..cut]);
            }
        }
    }

    #[test]
    fn the_layout_choice_is_json() {
        assert_eq!(layout_choice("gallery"), r#"{"layout":"gallery"}"#);
    }
}
