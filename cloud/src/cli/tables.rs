//! What results look like: tables and details for people, the API's JSON
//! with `--json`.

use std::time::{Duration, UNIX_EPOCH};

use roomcloud::accounts::AccountView;
use roomcloud::cast::CastView;
use roomcloud::devices::{DeviceView, IssuedCode, SipAccountView};
use roomcloud::meetings::MeetingView;
use roomcloud::store::Enterprise;

/// How results are shown: for people, or as JSON (`--json`).
#[derive(Clone, Copy)]
pub(super) struct Output {
    pub json: bool,
}

impl Output {
    /// `value` as JSON, or the text `text` makes of it.
    pub fn print<T: serde::Serialize>(self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_default()
            );
        } else {
            println!("{}", text());
        }
    }
}

pub(super) fn enterprise_table(list: &[Enterprise]) -> String {
    let mut out = format!("{:>4}  {}\n", "ID", "NAME");
    for e in list {
        out.push_str(&format!("{:>4}  {}\n", e.id, e.name));
    }
    out.trim_end().to_string()
}

pub(super) fn sip_account_table(list: &[SipAccountView]) -> String {
    let mut out = format!(
        "{:<16} {:<24} {:<16} {}\n",
        "USERNAME", "NAME", "DEVICE", "SIP"
    );
    for a in list {
        out.push_str(&format!(
            "{:<16} {:<24} {:<16} {}\n",
            a.username,
            a.display_name,
            a.device_sn.as_deref().unwrap_or("-"),
            if a.sip_registered { "registered" } else { "-" }
        ));
    }
    out.trim_end().to_string()
}

pub(super) fn account_table(list: &[AccountView]) -> String {
    let mut out = format!(
        "{:<20} {:<24} {:<6} {}\n",
        "USERNAME", "NAME", "ROLE", "ENTERPRISE"
    );
    for a in list {
        out.push_str(&format!(
            "{:<20} {:<24} {:<6} {}\n",
            a.username,
            a.display_name,
            a.role.as_str(),
            a.enterprise_id
        ));
    }
    out.trim_end().to_string()
}

/// A live meeting: its layout, then one line per participant.
pub(super) fn live_table(live: &serde_json::Value) -> String {
    let speaker = live["active_speaker"].as_u64();
    let mut out = format!(
        "meeting {}  layout {}\n",
        live["meeting_id"].as_str().unwrap_or_default(),
        live["layout"].as_str().unwrap_or_default()
    );
    for p in live["participants"].as_array().into_iter().flatten() {
        let id = p["participant"].as_u64().unwrap_or_default();
        let region = &p["region"];
        let shown = if region.is_null() {
            "not shown".to_string()
        } else {
            format!(
                "{}x{} at {},{}",
                region["width"], region["height"], region["x"], region["y"]
            )
        };
        out.push_str(&format!(
            "  {id:>4}  {:<5} {:<40} {shown}{}\n",
            if p["host"] == true { "host" } else { "guest" },
            p["from"].as_str().unwrap_or_default(),
            if speaker == Some(id) {
                "  (talking)"
            } else {
                ""
            },
        ));
    }
    out
}

pub(super) fn meeting_table(list: &[MeetingView]) -> String {
    let mut out = format!(
        "{:<10} {:<28} {:<20} {:>5} {:<10} {}\n",
        "ID", "SUBJECT", "NEXT", "MINS", "STATE", "REPEAT"
    );
    for m in list {
        out.push_str(&format!(
            "{:<10} {:<28} {:<20} {:>5} {:<10} {}\n",
            m.meeting_id,
            m.subject,
            when(m.occurrences.first().copied().or(m.next_start)),
            m.duration_mins.map(|d| d.to_string()).unwrap_or("-".into()),
            m.state,
            m.rrule.as_deref().unwrap_or("-")
        ));
    }
    out.trim_end().to_string()
}

pub(super) fn meeting_details(m: &MeetingView) -> String {
    let mut lines = vec![
        format!("meeting ID     {}  ({})", m.meeting_id, m.sip_uri),
        format!("kind           {}", m.kind),
        format!("subject        {}", m.subject),
        format!("organiser      {}", m.organiser),
        format!("enterprise     {}", m.enterprise),
        format!("state          {}", m.state),
    ];
    if let Some(owner) = &m.owner_sn {
        lines.push(format!("room of        {owner}"));
    }
    if m.kind == "scheduled" {
        lines.push(format!(
            "start          {}  ({} min, UTC offset {} min)",
            when(m.start_at),
            m.duration_mins.unwrap_or(0),
            m.utc_offset_minutes
        ));
        lines.push(format!(
            "repeat         {}",
            m.rrule.as_deref().unwrap_or("-")
        ));
        lines.push(format!("next           {}", when(m.next_start)));
    }
    let mut invited: Vec<&str> = m.invitees.devices.iter().map(String::as_str).collect();
    invited.extend(m.invitees.sip_uris.iter().map(String::as_str));
    lines.push(format!(
        "invitees       {}",
        if invited.is_empty() {
            "-".into()
        } else {
            invited.join(", ")
        }
    ));
    lines.push(format!(
        "passwords      host {}  guest {}",
        if m.host_password_set { "set" } else { "-" },
        if m.guest_password_set { "set" } else { "-" }
    ));
    lines.push(format!(
        "party limit    {}  join before host {}",
        m.party_limit,
        if m.join_before_host { "yes" } else { "no" }
    ));
    lines.join("\n")
}

pub(super) fn print_issued(out: Output, issued: &IssuedCode, verb: &str) {
    out.print(issued, || {
        format!(
            "{verb} {} ({})\nactivation code: {}  valid until {}",
            issued.device.sn,
            issued.device.name,
            group_digits(&issued.activation_code),
            when(issued.device.activation_code_expires_at)
        )
    });
}

pub(super) fn device_table(list: &[DeviceView]) -> String {
    let mut out = format!(
        "{:<16} {:<20} {:<8} {:<8} {:<12} {:<12} {}\n",
        "SN", "NAME", "NUMBER", "STATE", "PROVISIONING", "SIP", "LAST SEEN"
    );
    for d in list {
        out.push_str(&format!(
            "{:<16} {:<20} {:<8} {:<8} {:<12} {:<12} {}\n",
            d.sn,
            d.name,
            d.number,
            d.state,
            if d.provisioning_connected {
                "connected"
            } else {
                "-"
            },
            if d.sip_registered { "registered" } else { "-" },
            when(d.last_seen_at)
        ));
        if let Some(storage) = &d.storage {
            out.push_str(&format!(
                "  data {} free of {}\n",
                gigabytes(storage.free_bytes),
                gigabytes(storage.total_bytes)
            ));
        }
        if let Some(u) = &d.update {
            let progress = u.progress.map(|p| format!(" {p}%")).unwrap_or_default();
            let message = u
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  update {} ({}): {}{progress}{message}\n",
                u.version,
                u.bundle,
                u.state.as_deref().unwrap_or("offered")
            ));
        }
    }
    out.trim_end().to_string()
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// One line per cast: its session (to stop it), the room, who casts from where.
pub(super) fn cast_table(list: &[CastView]) -> String {
    if list.is_empty() {
        return "no casts".into();
    }
    let mut out = format!(
        "{:<22}  {:<20} {:<24} {:<20} {:<15} {}\n",
        "SESSION", "ROOM SN", "ROOM", "CASTER", "FROM", "STARTED"
    );
    for c in list {
        out.push_str(&format!(
            "{:<22}  {:<20} {:<24} {:<20} {:<15} {}\n",
            c.session,
            c.room_sn,
            c.room_name,
            c.caster,
            c.remote_ip,
            when(Some(c.started_at))
        ));
    }
    out.trim_end().to_string()
}

pub(super) fn when(secs: Option<i64>) -> String {
    match secs {
        Some(s) if s >= 0 => {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(s as u64))
                .to_string()
        }
        _ => "-".into(),
    }
}

pub(super) fn group_digits(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
