//! Home's meetings of the day: the first ones, each with its time in the
//! room's local time, whether it runs now, and who booked it.

use slint::{ModelRc, VecModel};

use crate::screen::{HomeMeeting, HomePageState};
use crate::ui::{Page, UiState};

pub fn apply(state: &HomePageState, ui: &UiState, now_unix: i64) {
    let meetings: Vec<HomeMeeting> = ui
        .schedule
        .iter()
        .take(Page::HOME_MEETINGS)
        .map(|m| HomeMeeting {
            time: format!(
                "{}–{}",
                super::clock_time(m.starts_at),
                super::clock_time(m.ends_at)
            )
            .into(),
            subject: m.subject.as_str().into(),
            organiser: m.organiser.as_str().into(),
            live: (m.starts_at..m.ends_at).contains(&now_unix),
        })
        .collect();
    state.set_meetings(ModelRc::new(VecModel::from(meetings)));
}
