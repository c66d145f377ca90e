//! The meeting's roster as the conference event package says it (RFC 4575,
//! `application/conference-info+xml`), pure: the conference, how many are
//! in it, each one by name with its role (`host`, `co-host`,
//! `participant`), the sharer's content as a media stream of its
//! endpoint, and — extensions in our own namespace, which RFC 4575 allows
//! in `conference-state` and `user` — the layout the subscriber watches,
//! whether the meeting's content is the subscriber's own (a room whose
//! content was replaced, or stopped for it, learns so here), the host's
//! settings (`<locked>`, `<self-unmute>`, `<waiting-room>`,
//! `<host-only-share>`, `<mute-on-entry>`), the meeting's end
//! (`<ends-at>`, seconds, and `<ending-soon>` within 15 minutes of it),
//! the site broadcast (`<broadcast>`, its id) and polling (`<polling>`,
//! its interval), who waits for the host (`<waiting id=…>name`) and
//! whether the subscriber itself does (`<held>`), who is being rung in
//! (`<ringing id=…>name`),
//! the subscriber's own
//! participant id (`<you>`, what its host actions name) and, per user,
//! `<state id=… muted=… by-host=… video-stopped=… hand=…/>`.
//!
//! Every NOTIFY carries the full state (`state="full"`), with the version
//! counting up per subscription: a subscriber never has to merge partial
//! updates.

use super::control::Role;
use super::Controls;
use crate::media::LayoutKind;

pub const CONTENT_TYPE: &str = "application/conference-info+xml";
/// Our extension's namespace.
pub const LAYOUT_NS: &str = "urn:roomterm:params:xml:ns:conference-layout";

/// One participant as the roster shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its SIP URI.
    pub entity: String,
    pub name: String,
    pub id: crate::media::ParticipantId,
    pub role: Role,
    /// It shares the meeting's content now.
    pub sharing: bool,
    pub muted: bool,
    pub muted_by_host: bool,
    pub video_stopped: bool,
    pub hand_raised: bool,
}

/// Whose the meeting's shared content is, as one subscriber sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentOwner {
    Yours,
    Theirs,
}

/// What one NOTIFY says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster<'a> {
    /// The conference URI, `sip:<meeting-id>@<domain>`.
    pub conference: &'a str,
    pub version: u32,
    pub members: &'a [Member],
    /// What the subscriber watches.
    pub layout: Option<LayoutKind>,
    /// Whose the content is (`None`: nothing shared).
    pub content: Option<ContentOwner>,
    pub controls: Controls,
    /// The subscriber's own participant id.
    pub you: Option<crate::media::ParticipantId>,
    /// When the meeting ends (seconds since the epoch; `None`: no end) and
    /// whether that is 15 minutes away or less.
    pub deadline: (Option<i64>, bool),
    /// The site the host broadcasts, and the polling interval if polling.
    pub broadcast: Option<crate::media::ParticipantId>,
    pub polling: Option<u32>,
    /// Who waits for the host to let them in: (id, name).
    pub waiting: &'a [(crate::media::ParticipantId, String)],
    /// Who is being rung into the meeting: (id, name).
    pub ringing: &'a [(crate::media::ParticipantId, String)],
    /// The subscriber itself waits for the host.
    pub held: bool,
}

/// The `conference-info` document.
pub fn conference_info(roster: &Roster<'_>) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" \
         entity=\"{}\" state=\"full\" version=\"{}\">\n \
         <conference-state>\n  <user-count>{}</user-count>\n  <active>true</active>\n",
        escape(roster.conference),
        roster.version,
        roster.members.len()
    );
    if let Some(layout) = roster.layout {
        xml.push_str(&format!(
            "  <layout xmlns=\"{LAYOUT_NS}\">{}</layout>\n",
            layout_name(layout)
        ));
    }
    if let Some(owner) = roster.content {
        let owner = match owner {
            ContentOwner::Yours => "yours",
            ContentOwner::Theirs => "theirs",
        };
        xml.push_str(&format!(
            "  <content xmlns=\"{LAYOUT_NS}\">{owner}</content>\n"
        ));
    }
    let controls = &roster.controls;
    xml.push_str(&format!(
        "  <locked xmlns=\"{LAYOUT_NS}\">{}</locked>\n  \
         <self-unmute xmlns=\"{LAYOUT_NS}\">{}</self-unmute>\n  \
         <waiting-room xmlns=\"{LAYOUT_NS}\">{}</waiting-room>\n  \
         <host-only-share xmlns=\"{LAYOUT_NS}\">{}</host-only-share>\n  \
         <mute-on-entry xmlns=\"{LAYOUT_NS}\">{}</mute-on-entry>\n",
        controls.locked,
        controls.allow_self_unmute,
        controls.waiting_room,
        controls.host_only_share,
        controls.mute_on_entry
    ));
    if let (Some(end), soon) = roster.deadline {
        xml.push_str(&format!(
            "  <ends-at xmlns=\"{LAYOUT_NS}\">{end}</ends-at>\n  \
             <ending-soon xmlns=\"{LAYOUT_NS}\">{soon}</ending-soon>\n"
        ));
    }
    if let Some(site) = roster.broadcast {
        xml.push_str(&format!(
            "  <broadcast xmlns=\"{LAYOUT_NS}\">{site}</broadcast>\n"
        ));
    }
    if let Some(secs) = roster.polling {
        xml.push_str(&format!(
            "  <polling xmlns=\"{LAYOUT_NS}\">{secs}</polling>\n"
        ));
    }
    for (id, name) in roster.waiting {
        xml.push_str(&format!(
            "  <waiting xmlns=\"{LAYOUT_NS}\" id=\"{id}\">{}</waiting>\n",
            escape(name)
        ));
    }
    for (id, name) in roster.ringing {
        xml.push_str(&format!(
            "  <ringing xmlns=\"{LAYOUT_NS}\" id=\"{id}\">{}</ringing>\n",
            escape(name)
        ));
    }
    if roster.held {
        xml.push_str(&format!("  <held xmlns=\"{LAYOUT_NS}\">true</held>\n"));
    }
    if let Some(you) = roster.you {
        xml.push_str(&format!("  <you xmlns=\"{LAYOUT_NS}\">{you}</you>\n"));
    }
    xml.push_str(" </conference-state>\n <users>\n");
    for member in roster.members {
        let role = match member.role {
            Role::Host => "host",
            Role::CoHost => "co-host",
            Role::Guest => "participant",
        };
        let state = format!(
            "<state xmlns=\"{LAYOUT_NS}\" id=\"{}\" muted=\"{}\" by-host=\"{}\" \
             video-stopped=\"{}\" hand=\"{}\"/>",
            member.id, member.muted, member.muted_by_host, member.video_stopped, member.hand_raised
        );
        // The content it sends, as RFC 4575 §5.7.1 lists an endpoint's media.
        let content = if member.sharing {
            "<media id=\"content\"><type>video</type><status>sendonly</status></media>"
        } else {
            ""
        };
        xml.push_str(&format!(
            "  <user entity=\"{entity}\" state=\"full\">\n   \
             <display-text>{name}</display-text>\n   \
             <roles><entry>{role}</entry></roles>\n   \
             <endpoint entity=\"{entity}\"><status>connected</status>{content}</endpoint>\n   \
             {state}\n  \
             </user>\n",
            entity = escape(&member.entity),
            name = escape(&member.name),
        ));
    }
    xml.push_str(" </users>\n</conference-info>\n");
    xml
}

/// The layout's name on the wire (also in the terminal's INFO).
pub fn layout_name(layout: LayoutKind) -> &'static str {
    match layout {
        LayoutKind::Gallery => "gallery",
        LayoutKind::Speaker => "speaker",
        LayoutKind::PictureInPicture => "picture_in_picture",
    }
}

/// The layout a name on the wire means.
pub fn layout_of(name: &str) -> Option<LayoutKind> {
    [
        LayoutKind::Gallery,
        LayoutKind::Speaker,
        LayoutKind::PictureInPicture,
    ]
    .into_iter()
    .find(|kind| layout_name(*kind) == name.trim())
}

/// Text and attribute values with XML's five special characters escaped
/// (and nothing a document may not hold: control characters go).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roster_names_everyone_with_their_role_state_and_the_hosts_settings() {
        let member = |entity: &str, name: &str, id, role| Member {
            entity: entity.into(),
            name: name.into(),
            id,
            role,
            sharing: false,
            muted: false,
            muted_by_host: false,
            video_stopped: false,
            hand_raised: false,
        };
        let members = [
            Member {
                sharing: true,
                ..member("sip:100001@roomcloud.local", "Board Room", 1, Role::Host)
            },
            Member {
                muted: true,
                muted_by_host: true,
                hand_raised: true,
                ..member("sip:alice@example.com", "Alice <& \"Bob\">", 2, Role::Guest)
            },
        ];
        let xml = conference_info(&Roster {
            conference: "sip:8100001@roomcloud.local",
            version: 3,
            members: &members,
            layout: Some(LayoutKind::Speaker),
            content: Some(ContentOwner::Theirs),
            controls: Controls {
                locked: true,
                allow_self_unmute: false,
                mute_on_entry: false,
                waiting_room: true,
                host_only_share: true,
            },
            you: Some(2),
            deadline: (Some(1_796_380_800), true),
            broadcast: Some(1),
            polling: Some(15),
            waiting: &[(9, "Lobby <guest>".into())],
            ringing: &[(11, "Huddle & co".into())],
            held: false,
        });
        assert!(xml.contains(&format!(
            "<waiting xmlns=\"{LAYOUT_NS}\" id=\"9\">Lobby &lt;guest&gt;</waiting>"
        )));
        assert!(xml.contains(&format!(
            "<ringing xmlns=\"{LAYOUT_NS}\" id=\"11\">Huddle &amp; co</ringing>"
        )));
        assert!(!xml.contains("<held"));
        assert!(xml.contains(&format!(
            "<waiting-room xmlns=\"{LAYOUT_NS}\">true</waiting-room>"
        )));
        assert!(xml.contains(&format!(
            "<host-only-share xmlns=\"{LAYOUT_NS}\">true</host-only-share>"
        )));
        assert!(xml.contains(&format!(
            "<mute-on-entry xmlns=\"{LAYOUT_NS}\">false</mute-on-entry>"
        )));
        assert!(xml.contains(&format!("<broadcast xmlns=\"{LAYOUT_NS}\">1</broadcast>")));
        assert!(xml.contains(&format!("<polling xmlns=\"{LAYOUT_NS}\">15</polling>")));
        assert!(xml.contains(&format!(
            "<ends-at xmlns=\"{LAYOUT_NS}\">1796380800</ends-at>"
        )));
        assert!(xml.contains(&format!(
            "<ending-soon xmlns=\"{LAYOUT_NS}\">true</ending-soon>"
        )));
        assert!(xml.contains(&format!("<locked xmlns=\"{LAYOUT_NS}\">true</locked>")));
        assert!(xml.contains(&format!(
            "<self-unmute xmlns=\"{LAYOUT_NS}\">false</self-unmute>"
        )));
        assert!(xml.contains(&format!("<you xmlns=\"{LAYOUT_NS}\">2</you>")));
        assert!(xml.contains(
            "id=\"2\" muted=\"true\" by-host=\"true\" video-stopped=\"false\" hand=\"true\"/>"
        ));
        assert!(xml.contains("<roles><entry>participant</entry></roles>"));
        assert!(xml.contains("entity=\"sip:8100001@roomcloud.local\" state=\"full\" version=\"3\""));
        assert!(xml.contains(&format!("<content xmlns=\"{LAYOUT_NS}\">theirs</content>")));
        assert_eq!(xml.matches("<media id=\"content\">").count(), 1);
        assert!(xml.contains("<user-count>2</user-count>"));
        assert!(xml.contains("<display-text>Board Room</display-text>"));
        assert!(xml.contains("<roles><entry>host</entry></roles>"));
        assert!(xml.contains("<display-text>Alice &lt;&amp; &quot;Bob&quot;&gt;</display-text>"));
        assert!(xml.contains(&format!("<layout xmlns=\"{LAYOUT_NS}\">speaker</layout>")));
        assert_eq!(xml.matches("<user ").count(), 2);
    }

    #[test]
    fn layouts_round_trip_by_name() {
        for kind in [
            LayoutKind::Gallery,
            LayoutKind::Speaker,
            LayoutKind::PictureInPicture,
        ] {
            assert_eq!(layout_of(layout_name(kind)), Some(kind));
        }
        assert_eq!(layout_of("mosaic"), None);
    }
}
