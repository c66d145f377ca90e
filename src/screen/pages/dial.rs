//! The Dial page: the number, the directory's search, and the rooms it
//! matches around the picked one (as many as fit beside the keypad).

use slint::{ModelRc, VecModel};

use crate::screen::{DialPageState, DirectoryRoom};
use crate::ui::UiState;

/// How many directory rooms the Dial page lists at once (fits 1280×800).
const DIRECTORY_SHOWN: usize = 5;

pub fn apply(state: &DialPageState, ui: &UiState) {
    state.set_number(ui.dial_number.as_str().into());
    state.set_inviting(ui.inviting);
    state.set_query(ui.directory_query.as_str().into());
    state.set_address(ui.typed_address().unwrap_or_default().into());
    // Positions below are in the list the search leaves.
    let listed = ui.directory_matches();
    let selected = ui
        .directory_selected
        .and_then(|i| listed.iter().position(|l| *l == i));
    let first = selected
        .map_or(0, |i| i.saturating_sub(DIRECTORY_SHOWN / 2))
        .min(listed.len().saturating_sub(DIRECTORY_SHOWN));
    let rooms: Vec<DirectoryRoom> = listed
        .iter()
        .skip(first)
        .take(DIRECTORY_SHOWN)
        .map(|&i| &ui.directory[i])
        .map(|e| DirectoryRoom {
            name: e.name.as_str().into(),
            number: e.number.as_str().into(),
            online: e.online,
        })
        .collect();
    state.set_directory(ModelRc::new(VecModel::from(rooms)));
    state.set_directory_offset(first as i32);
    state.set_directory_selected(selected.map_or(-1, |i| i as i32));
    state.set_matches(listed.len() as i32);
}
