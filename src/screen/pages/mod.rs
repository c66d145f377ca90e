//! Each page group's global, set from the UI state and the status: one
//! file per group of `ui/pages/`, as `src/ui/` has. The home page reads
//! the shared status (`../status.rs`) and its meetings of the day.

pub mod cast;
pub mod dial;
pub mod home;
pub mod in_call;
pub mod incoming;
pub mod join;
pub mod participants;
pub mod settings;
pub mod wizard;

/// A code as a page shows it: digits in groups of `size`, read aloud more
/// easily (the activation code in fours, the casting code in threes).
fn group_digits(code: &str, size: usize) -> String {
    code.as_bytes()
        .chunks(size)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Unix seconds as the room's local "HH:MM".
fn clock_time(secs: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_opt(secs, 0)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}
