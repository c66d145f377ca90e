//! Who is shown in which place. Join order keeps the tiles still while
//! people talk; the speaker views put the speaker first. A gallery with more
//! people than one page holds (`State::page_size`, 25) keeps whoever spoke
//! lately on the page: a recent speaker past it takes the place of the
//! page's least recent one, so the people talking are seen however many
//! joined. While the host turns the pages, the gallery shows one page of
//! join order at a time, and nobody else.

use super::super::layout::LayoutKind;
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
        return match state.page {
            Some(page) => page_first(&order, page, state.page_size),
            None => gallery(&order, &state.recent, state.page_size),
        };
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
    state.recent.truncate(state.page_size);
}

/// How many of a display order of `len` get a place in `kind`: a gallery
/// page's worth (the page turned to: those on it), everyone otherwise.
pub(super) fn shown(state: &State, kind: LayoutKind, len: usize) -> usize {
    if kind != LayoutKind::Gallery {
        return len;
    }
    let size = state.page_size.max(1);
    match state.page {
        Some(page) => (len - (page % pages(len, size)) * size).min(size),
        None => len.min(size),
    }
}

/// How many gallery pages `len` pictures fill.
pub(super) fn pages(len: usize, size: usize) -> usize {
    len.div_ceil(size.max(1)).max(1)
}

/// `order` with page `page` (wrapping) first.
fn page_first(order: &[ParticipantId], page: usize, size: usize) -> Vec<ParticipantId> {
    let first = (page % pages(order.len(), size)) * size.max(1);
    let first = first.min(order.len());
    order[first..]
        .iter()
        .chain(&order[..first])
        .copied()
        .collect()
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
    fn pages_turn_through_join_order_and_wrap() {
        let order: Vec<u64> = (1..=5).collect();
        assert_eq!(pages(5, 2), 3);
        assert_eq!(pages(0, 25), 1);
        assert_eq!(page_first(&order, 1, 2), [3, 4, 5, 1, 2]);
        assert_eq!(page_first(&order, 2, 2), [5, 1, 2, 3, 4]);
        assert_eq!(page_first(&order, 3, 2), order, "round again");
        assert_eq!(page_first(&[], 4, 2), Vec::<u64>::new());
    }

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
