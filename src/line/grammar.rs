//! The room-controller line protocol's grammar, pure: one command per
//! line in, the reply's lines out. Modelled on Cisco's xAPI as integrators
//! know it from Crestron, Extron and AMX programming: the verbs `xCommand`,
//! `xStatus` and `xFeedback`, arguments as `Name: value` pairs (a value
//! may be quoted), and replies as `*r` (a command's result), `*s` (status)
//! and `*e` (an event) lines, each reply closed by `** end`. What is not
//! taken: XML/JSON output modes, paths into a status tree (`xStatus`
//! answers the whole, small, status) and multiline commands.

use crate::keys::Key;

/// Longest line read; a longer one is refused and the connection closed.
pub const MAX_LINE: usize = 1024;

/// A parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `xLogin Token: <token>`: the control token (asked before anything).
    Login {
        token: String,
    },
    /// `xCommand Dial Number: <number>`: a room or SIP account by number.
    Dial {
        number: String,
    },
    /// `xCommand Join MeetingId: <id> [Password: <digits>]`.
    Join {
        meeting_id: String,
        password: Option<String>,
    },
    /// `xCommand Answer` / `Decline` / `HangUp`.
    Answer,
    Decline,
    HangUp,
    /// `xCommand Mute State: On|Off`.
    Mute {
        on: bool,
    },
    /// `xCommand Volume Level: 0..100`.
    Volume {
        level: u8,
    },
    /// `xCommand Layout Name: gallery|speaker|picture_in_picture`.
    Layout {
        name: String,
    },
    /// `xCommand Key Name: up|down|left|right|ok|back|home|menu|digit0..`.
    Key {
        key: Key,
    },
    /// `xCommand Standby Activate|Deactivate`: the screen dark, or awake.
    Standby {
        on: bool,
    },
    /// `xCommand Presentation Stop`: the cast showing ends.
    PresentationStop,
    /// `xStatus`: the whole status, as `*s` lines.
    Status,
    /// `xFeedback Register` / `Deregister`: events (`*e`) on or off.
    Feedback {
        on: bool,
    },
    /// `bye`: the connection closes.
    Bye,
}

/// Why a line is refused (the `*r` error's reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command")]
    Unknown,
    #[error("missing argument {0}")]
    Missing(&'static str),
    #[error("bad value for {0}")]
    BadValue(&'static str),
    #[error("unbalanced quote")]
    Quote,
}

/// Reads one line (without its line break).
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let words = split(line.trim())?;
    let mut words = words.iter().map(String::as_str);
    let verb = words
        .next()
        .ok_or(ParseError::Unknown)?
        .to_ascii_lowercase();
    let rest: Vec<&str> = words.collect();
    match verb.as_str() {
        "xlogin" => Ok(Command::Login {
            token: arg(&rest, "Token")?.ok_or(ParseError::Missing("Token"))?,
        }),
        "xstatus" => Ok(Command::Status),
        "xfeedback" => match first(&rest).as_deref() {
            Some("register") => Ok(Command::Feedback { on: true }),
            Some("deregister") => Ok(Command::Feedback { on: false }),
            _ => Err(ParseError::Unknown),
        },
        "xcommand" => command(&rest),
        "bye" => Ok(Command::Bye),
        _ => Err(ParseError::Unknown),
    }
}

fn command(rest: &[&str]) -> Result<Command, ParseError> {
    let name = first(rest).ok_or(ParseError::Unknown)?;
    let args = &rest[1..];
    let need = |key: &'static str| arg(args, key)?.ok_or(ParseError::Missing(key));
    Ok(match name.as_str() {
        "dial" => {
            let number = need("Number")?;
            if number.is_empty() || number.len() > 64 || number.chars().any(char::is_whitespace) {
                return Err(ParseError::BadValue("Number"));
            }
            Command::Dial { number }
        }
        "join" => {
            let meeting_id = need("MeetingId")?;
            let digits =
                |s: &str| !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(&meeting_id) {
                return Err(ParseError::BadValue("MeetingId"));
            }
            let password = arg(args, "Password")?;
            if password.as_deref().is_some_and(|p| !digits(p)) {
                return Err(ParseError::BadValue("Password"));
            }
            Command::Join {
                meeting_id,
                password,
            }
        }
        "answer" => Command::Answer,
        "decline" => Command::Decline,
        "hangup" => Command::HangUp,
        "mute" => Command::Mute {
            on: match need("State")?.to_ascii_lowercase().as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(ParseError::BadValue("State")),
            },
        },
        "volume" => Command::Volume {
            level: need("Level")?
                .parse::<u8>()
                .ok()
                .filter(|l| *l <= 100)
                .ok_or(ParseError::BadValue("Level"))?,
        },
        "layout" => {
            let name = need("Name")?.to_ascii_lowercase();
            if !matches!(name.as_str(), "gallery" | "speaker" | "picture_in_picture") {
                return Err(ParseError::BadValue("Name"));
            }
            Command::Layout { name }
        }
        "standby" => match first(args).as_deref() {
            Some("activate") => Command::Standby { on: true },
            Some("deactivate") => Command::Standby { on: false },
            _ => return Err(ParseError::Missing("Activate|Deactivate")),
        },
        "presentation" => match first(args).as_deref() {
            Some("stop") => Command::PresentationStop,
            _ => return Err(ParseError::Missing("Stop")),
        },
        "key" => Command::Key {
            key: serde_json::from_value(serde_json::Value::String(
                need("Name")?.to_ascii_lowercase(),
            ))
            .map_err(|_| ParseError::BadValue("Name"))?,
        },
        _ => return Err(ParseError::Unknown),
    })
}

/// The first word, lowercased.
fn first(words: &[&str]) -> Option<String> {
    words.first().map(|w| w.to_ascii_lowercase())
}

/// The value after `Key:` (any case), if given.
fn arg(words: &[&str], key: &'static str) -> Result<Option<String>, ParseError> {
    let at = words.iter().position(|w| {
        w.strip_suffix(':')
            .is_some_and(|k| k.eq_ignore_ascii_case(key))
    });
    match at {
        None => Ok(None),
        Some(i) => words
            .get(i + 1)
            .map(|v| Some(v.to_string()))
            .ok_or(ParseError::Missing(key)),
    }
}

/// Words split at spaces; `"…"` keeps spaces (and `\"` a quote) inside.
fn split(line: &str) -> Result<Vec<String>, ParseError> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(ParseError::Quote),
                    Some('"') => break,
                    Some('\\') if chars.peek() == Some(&'"') => {
                        chars.next();
                        word.push('"');
                    }
                    Some(c) => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
    Ok(words)
}

/// A value as a reply prints it: quoted when it has spaces or quotes.
pub fn quote(value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean.contains([' ', '"']) {
        format!("\"{}\"", clean.replace('"', "\\\""))
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_as_an_integrator_writes_them() {
        assert_eq!(
            parse("xCommand Dial Number: 100002"),
            Ok(Command::Dial {
                number: "100002".into()
            })
        );
        assert_eq!(
            parse("xcommand join meetingid: 812345678 password: \"1234\""),
            Ok(Command::Join {
                meeting_id: "812345678".into(),
                password: Some("1234".into())
            })
        );
        assert_eq!(parse("  xCommand HangUp  "), Ok(Command::HangUp));
        assert_eq!(
            parse("xCommand Standby Activate"),
            Ok(Command::Standby { on: true })
        );
        assert_eq!(
            parse("xcommand standby deactivate"),
            Ok(Command::Standby { on: false })
        );
        assert_eq!(
            parse("xCommand Presentation Stop"),
            Ok(Command::PresentationStop)
        );
        assert_eq!(
            parse("xCommand Standby"),
            Err(ParseError::Missing("Activate|Deactivate"))
        );
        assert_eq!(
            parse("xCommand Mute State: On"),
            Ok(Command::Mute { on: true })
        );
        assert_eq!(
            parse("xCommand Volume Level: 70"),
            Ok(Command::Volume { level: 70 })
        );
        assert_eq!(
            parse("xCommand Key Name: Digit5"),
            Ok(Command::Key { key: Key::Digit5 })
        );
        assert_eq!(
            parse("xFeedback Register"),
            Ok(Command::Feedback { on: true })
        );
        assert_eq!(parse("xStatus"), Ok(Command::Status));
        assert_eq!(
            parse("xLogin Token: rtc_abc"),
            Ok(Command::Login {
                token: "rtc_abc".into()
            })
        );
    }

    #[test]
    fn bad_lines_are_refused_with_a_reason() {
        assert_eq!(parse(""), Err(ParseError::Unknown));
        assert_eq!(parse("xCommand Explode"), Err(ParseError::Unknown));
        assert_eq!(parse("xCommand Dial"), Err(ParseError::Missing("Number")));
        assert_eq!(
            parse("xCommand Dial Number:"),
            Err(ParseError::Missing("Number"))
        );
        assert_eq!(
            parse("xCommand Volume Level: 101"),
            Err(ParseError::BadValue("Level"))
        );
        assert_eq!(
            parse("xCommand Join MeetingId: 12a"),
            Err(ParseError::BadValue("MeetingId"))
        );
        assert_eq!(
            parse("xCommand Layout Name: mosaic"),
            Err(ParseError::BadValue("Name"))
        );
        assert_eq!(
            parse("xCommand Key Name: launch"),
            Err(ParseError::BadValue("Name"))
        );
        assert_eq!(parse("xCommand Dial Number: \"1 2"), Err(ParseError::Quote));
        assert_eq!(quote("Board \"3F\""), "\"Board \\\"3F\\\"\"");
        assert_eq!(quote("in_call"), "in_call");
    }
}
