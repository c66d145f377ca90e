//! The gallery's pages: past one page of pictures, the host turns the
//! pages for everyone (polling the pages, `focus/timing.rs`), each page a
//! slice of join order with nobody else on it; stopped, the first page
//! keeps recent speakers again (`ordering.rs`).

use crate::lock;

use super::super::layout::LayoutKind;
use super::ordering::{display_order, pages};
use super::{apply_layouts, Conference};

impl Conference {
    /// Every gallery shows page `page` (counted from 0, wrapping), or the
    /// first with recent speakers kept on it (`None`).
    pub fn show_gallery_page(&self, page: Option<usize>) {
        let mut state = lock(&self.state);
        if state.page != page {
            state.page = page;
            apply_layouts(&mut state);
        }
    }

    /// The page turned to, if the pages are being turned.
    pub fn gallery_page(&self) -> Option<usize> {
        lock(&self.state).page
    }

    /// How many gallery pages the pictures fill now.
    pub fn gallery_pages(&self) -> usize {
        let state = lock(&self.state);
        let shown = display_order(&state, LayoutKind::Gallery).len();
        pages(shown, state.page_size)
    }
}
