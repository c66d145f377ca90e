//! `roomcloud meeting …`: schedule, list, show, edit and cancel meetings,
//! see one live and set its layout; the parsers of times and recurrences.

use std::time::UNIX_EPOCH;

use clap::Subcommand;
use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::meetings::recurrence::{Freq, Recurrence, Weekday};
use roomcloud::meetings::MeetingView;
use serde_json::json;

use super::tables::{live_table, meeting_details, meeting_table, Output};
use super::{api_error, urlencode};

#[derive(Subcommand)]
pub(super) enum MeetingCmd {
    /// Schedule a meeting; prints its ID (and the host password if generated).
    Create {
        /// Enterprise id or name.
        #[arg(long)]
        enterprise: String,
        #[arg(long)]
        subject: String,
        /// Who booked it, as rooms show it.
        #[arg(long)]
        organiser: Option<String>,
        #[command(flatten)]
        times: TimeArgs,
        /// Invite a device (SN) or a SIP URI (sip:user@host); repeatable.
        #[arg(long = "invite")]
        invite: Vec<String>,
        /// 4-8 digits (generated when omitted).
        #[arg(long)]
        host_password: Option<String>,
        /// 4-8 digits; guests then need it.
        #[arg(long)]
        guest_password: Option<String>,
        /// Let guests in before the host arrives.
        #[arg(long)]
        join_before_host: bool,
        /// Most participants (1-500, default 100).
        #[arg(long)]
        party_limit: Option<i64>,
    },
    /// List scheduled meetings with occurrences in a time range.
    List {
        #[arg(long)]
        enterprise: Option<String>,
        /// Only meetings this device (SN) is invited to.
        #[arg(long)]
        device: Option<String>,
        /// Range start (RFC 3339 or unix seconds; default now).
        #[arg(long, value_parser = parse_time)]
        from: Option<i64>,
        /// Range end (default 31 days after the start).
        #[arg(long, value_parser = parse_time)]
        to: Option<i64>,
    },
    /// Show one meeting (also a device's meeting room, by its ID).
    Show { id: String },
    /// Change a meeting; only the given options change.
    Edit {
        id: String,
        #[arg(long)]
        subject: Option<String>,
        /// Who booked it; "" names nobody.
        #[arg(long)]
        organiser: Option<String>,
        #[command(flatten)]
        times: TimeArgs,
        /// Replace the invitees with these (SN or SIP URI); repeatable.
        #[arg(long = "invite")]
        invite: Vec<String>,
        /// Remove all invitees.
        #[arg(long, conflicts_with = "invite")]
        no_invitees: bool,
        #[arg(long)]
        host_password: Option<String>,
        /// New guest password; "" removes it.
        #[arg(long)]
        guest_password: Option<String>,
        #[arg(long)]
        join_before_host: Option<bool>,
        #[arg(long)]
        party_limit: Option<i64>,
    },
    /// Cancel a scheduled meeting.
    Cancel { id: String },
    /// Who is in a meeting now, where each is shown, who is talking.
    Live { id: String },
    /// The layout everyone in a meeting sees: gallery, speaker or picture_in_picture.
    Layout { id: String, layout: String },
}

#[derive(clap::Args)]
pub(super) struct TimeArgs {
    /// Start: RFC 3339 ("2025-06-02T09:00:00Z"; without offset it is UTC) or unix seconds.
    #[arg(long, value_parser = parse_time)]
    start: Option<i64>,
    /// Length: minutes ("90") or a duration ("1h30m"); 15 min to 24 h.
    #[arg(long, value_parser = parse_minutes)]
    duration: Option<i64>,
    /// Recurrence: none, daily, weekly, weekly:mo,we,fr or monthly.
    #[arg(long, value_parser = parse_repeat)]
    repeat: Option<Recurrence>,
    /// Last occurrence may start at this time (with --repeat).
    #[arg(long, value_parser = parse_time, requires = "repeat")]
    until: Option<i64>,
    /// Number of occurrences (with --repeat).
    #[arg(long, requires = "repeat")]
    count: Option<u32>,
    /// Wall-clock offset for recurrences, e.g. "+08:00" or minutes ("480").
    #[arg(long, value_parser = parse_offset, allow_hyphen_values = true)]
    utc_offset: Option<i32>,
}

impl TimeArgs {
    fn recurrence(&self) -> Option<Recurrence> {
        self.repeat.clone().map(|mut r| {
            r.until = self.until;
            r.count = self.count;
            r
        })
    }
}

pub(super) async fn run(out: Output, client: &AdminClient, cmd: &MeetingCmd) -> anyhow::Result<()> {
    let id_path = |id: &str| format!("/meetings/{}", urlencode(id));
    match cmd {
        MeetingCmd::Create {
            enterprise,
            subject,
            organiser,
            times,
            invite,
            host_password,
            guest_password,
            join_before_host,
            party_limit,
        } => {
            let body = json!({
                "enterprise": enterprise, "subject": subject, "organiser": organiser,
                "start_at": times.start, "duration_mins": times.duration,
                "utc_offset_minutes": times.utc_offset, "recurrence": times.recurrence(),
                "invitees": invitees(invite),
                "host_password": host_password, "guest_password": guest_password,
                "join_before_host": join_before_host, "party_limit": party_limit,
            });
            let m: MeetingView = client
                .call(Method::POST, "/meetings", Some(body))
                .await
                .map_err(api_error)?;
            out.print(&m, || {
                let mut out = format!(
                    "scheduled meeting {}\n{}",
                    m.meeting_id,
                    meeting_details(&m)
                );
                if let Some(p) = &m.host_password {
                    out.push_str(&format!("\nhost password: {p}  (shown once)"));
                }
                out
            });
        }
        MeetingCmd::List {
            enterprise,
            device,
            from,
            to,
        } => {
            let mut query = Vec::new();
            if let Some(e) = enterprise {
                query.push(format!("enterprise={}", urlencode(e)));
            }
            if let Some(d) = device {
                query.push(format!("device={}", urlencode(d)));
            }
            if let Some(f) = from {
                query.push(format!("from={f}"));
            }
            if let Some(t) = to {
                query.push(format!("to={t}"));
            }
            let path = match query.is_empty() {
                true => "/meetings".to_string(),
                false => format!("/meetings?{}", query.join("&")),
            };
            let list: Vec<MeetingView> = client
                .call(Method::GET, &path, None)
                .await
                .map_err(api_error)?;
            out.print(&list, || meeting_table(&list));
        }
        MeetingCmd::Show { id } => {
            let m: MeetingView = client
                .call(Method::GET, &id_path(id), None)
                .await
                .map_err(api_error)?;
            out.print(&m, || meeting_details(&m));
        }
        MeetingCmd::Edit {
            id,
            subject,
            organiser,
            times,
            invite,
            no_invitees,
            host_password,
            guest_password,
            join_before_host,
            party_limit,
        } => {
            let mut body = serde_json::Map::new();
            let mut set = |k: &str, v: serde_json::Value| {
                if !v.is_null() {
                    body.insert(k.into(), v);
                }
            };
            set("subject", json!(subject));
            set("organiser", json!(organiser));
            set("start_at", json!(times.start));
            set("duration_mins", json!(times.duration));
            set("utc_offset_minutes", json!(times.utc_offset));
            set("recurrence", json!(times.recurrence()));
            if *no_invitees {
                set("invitees", json!({ "devices": [], "sip_uris": [] }));
            } else if !invite.is_empty() {
                set("invitees", invitees(invite));
            }
            set("host_password", json!(host_password));
            set("guest_password", json!(guest_password));
            set("join_before_host", json!(join_before_host));
            set("party_limit", json!(party_limit));
            let m: MeetingView = client
                .call(Method::PATCH, &id_path(id), Some(body.into()))
                .await
                .map_err(api_error)?;
            out.print(&m, || {
                format!("updated meeting {}\n{}", m.meeting_id, meeting_details(&m))
            });
        }
        MeetingCmd::Live { id } => {
            let live: serde_json::Value = client
                .call(Method::GET, &format!("{}/live", id_path(id)), None)
                .await
                .map_err(api_error)?;
            out.print(&live, || live_table(&live));
        }
        MeetingCmd::Layout { id, layout } => {
            let live: serde_json::Value = client
                .call(
                    Method::POST,
                    &format!("{}/layout", id_path(id)),
                    Some(json!({ "layout": layout })),
                )
                .await
                .map_err(api_error)?;
            out.print(&live, || live_table(&live));
        }
        MeetingCmd::Cancel { id } => {
            let m: MeetingView = client
                .call(Method::POST, &format!("{}/cancel", id_path(id)), None)
                .await
                .map_err(api_error)?;
            out.print(&m, || {
                format!("cancelled meeting {} ({})", m.meeting_id, m.subject)
            });
        }
    }
    Ok(())
}

/// Splits `--invite` values into device SNs and SIP URIs.
fn invitees(invite: &[String]) -> serde_json::Value {
    let (uris, sns): (Vec<&String>, Vec<&String>) = invite.iter().partition(|i| {
        let lower = i.to_ascii_lowercase();
        lower.starts_with("sip:") || lower.starts_with("sips:")
    });
    json!({ "devices": sns, "sip_uris": uris })
}

fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs);
    }
    humantime::parse_rfc3339_weak(s)
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .ok_or_else(|| format!("{s:?} is not a time (RFC 3339 or unix seconds)"))
}

fn parse_minutes(s: &str) -> Result<i64, String> {
    if let Ok(mins) = s.parse::<i64>() {
        return Ok(mins);
    }
    humantime::parse_duration(s)
        .map(|d| (d.as_secs() / 60) as i64)
        .map_err(|_| format!("{s:?} is not a duration (minutes or e.g. 1h30m)"))
}

fn parse_offset(s: &str) -> Result<i32, String> {
    if let Ok(mins) = s.parse::<i32>() {
        return Ok(mins);
    }
    let bad = || format!("{s:?} is not a UTC offset (+08:00 or minutes)");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    Ok(sign * (h * 60 + m))
}

fn parse_repeat(s: &str) -> Result<Recurrence, String> {
    let lower = s.to_ascii_lowercase();
    let (freq, days) = lower.split_once(':').unwrap_or((&lower, ""));
    let freq = Freq::parse(freq)
        .ok_or_else(|| format!("{s:?}: use none, daily, weekly[:mo,we,...] or monthly"))?;
    let weekdays = days
        .split(',')
        .filter(|d| !d.is_empty())
        .map(|d| {
            Weekday::ALL
                .into_iter()
                .find(|w| serde_json::to_value(w).ok() == Some(json!(d)))
                .ok_or_else(|| format!("{d:?} is not a weekday (mo, tu, we, th, fr, sa, su)"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Recurrence {
        freq,
        weekdays,
        until: None,
        count: None,
    })
}
