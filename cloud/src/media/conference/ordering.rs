//! Who is shown in which place. Join order keeps the tiles still while
//! people talk; the speaker views put the speaker first. A gallery with more
//! people than one page holds (`GALLERY_PAGE`) keeps whoever spoke lately
//! on the page: a recent speaker past it takes the place of the page's
//! least recent one, so the people talking are seen however many joined.

use super::super::layout::{LayoutKind, GALLERY_PAGE};
use super::super::participant::ParticipantId;
use super::State;

/// The display order of `kind` now.
pub(super) fn display_order(state: &State, kind: LayoutKind) -> Vec<ParticipantId> {
    let mut order: Vec<ParticipantId> = state
        .order
        .iter()
        .copied()
        .filter(|p| !state.hidden.contains(p))
        .collect();
    if kind == LayoutKind::Gallery {
        return gallery(&order, &state.recent, GALLERY_PAGE);
    }
    if let Some(at) = state
        .speaker
        .and_then(|s| order.iter().position(|p| *p == s))
    {
        let speaker = order.remove(at);
        order.insert(0, speaker);
    }
    order
}

/// `speaker` is talking: first among the recent speakers.
pub(super) fn spoke(state: &mut State, speaker: ParticipantId) {
    state.recent.retain(|p| *p != speaker);
    state.recent.insert(0, speaker);
    state.recent.truncate(GALLERY_PAGE);
}

/// `order` (join order) with its first `page` places given to the most
/// recent speakers (`recent`, most recent first) that are not on it, in
/// the places of those who spoke least lately; everyone else after, in
/// join order.
fn gallery(order: &[ParticipantId], recent: &[ParticipantId], page: usize) -> Vec<ParticipantId> {
    if order.len() <= page {
        return order.to_vec();
    }
    let rank = |id: &ParticipantId| recent.iter().position(|r| r == id).unwrap_or(usize::MAX);
    let mut shown = order[..page].to_vec();
    for speaker in recent.iter().filter(|s| order[page..].contains(s)) {
        let Some((at, quietest)) = shown
            .iter()
            .enumerate()
            .max_by_key(|(at, id)| (rank(id), *at))
            .map(|(at, id)| (at, *id))
        else {
            break;
        };
        if rank(&quietest) <= rank(speaker) {
            break;
        }
        shown[at] = *speaker;
    }
    let rest = order.iter().filter(|p| !shown.contains(p)).copied();
    shown.iter().copied().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gallery_within_one_page_keeps_join_order() {
        assert_eq!(gallery(&[1, 2, 3], &[3, 1], 4), [1, 2, 3]);
    }

    #[test]
    fn recent_speakers_past_the_page_take_the_quietest_places() {
        let order: Vec<u64> = (1..=8).collect();
        // 7 spoke last, then 2, then 8; the page holds 4.
        let shown = gallery(&order, &[7, 2, 8], 4);
        // 7 and 8 come onto the page in the places of 4 and 3 (never
        // spoke, the latest joined first out); 1 and 2 stay in place.
        assert_eq!(&shown[..4], &[1, 2, 8, 7]);
        assert_eq!(&shown[4..], &[3, 4, 5, 6]);
    }

    #[test]
    fn a_page_of_recent_speakers_is_not_shuffled_by_older_ones() {
        let order: Vec<u64> = (1..=6).collect();
        // Everyone on the page spoke more lately than 6.
        assert_eq!(gallery(&order, &[1, 2, 3, 6], 3), [1, 2, 3, 4, 5, 6]);
    }
}
