//! Casting: the Share page (the room's casting code, its QR code and the
//! address), the cast on screen with who shares and Stop, and the
//! question "<name> wants to share — allow?" when the room's setting asks
//! the room before someone takes over. Casts start and end from the
//! network; the room returns to the page it was on.

use super::{Control, Effect, Page, UiState};
use roomterm_proto::TakeOver;

impl UiState {
    pub(super) fn cast_control(&mut self, control: Control) -> Option<Effect> {
        match (self.page, control) {
            (Page::Casting, Control::StopCast) => Some(Effect::StopCast),
            (Page::CastRequest, Control::AllowCast) => Some(Effect::AnswerCastRequest(true)),
            (Page::CastRequest, Control::DeclineCast) => Some(Effect::AnswerCastRequest(false)),
            _ => None,
        }
    }

    /// A cast began: it fills the screen. The page it replaced is where
    /// the room returns (a take-over keeps the first one's).
    pub fn cast_started(&mut self) {
        if self.in_wizard() {
            return;
        }
        if !matches!(self.page, Page::Casting | Page::CastRequest) {
            self.cast_return = self.page;
        }
        self.go(Page::Casting);
    }

    /// The cast ended: back where the room was (the Share page is left
    /// too: its code was just used).
    pub fn cast_ended(&mut self) {
        if matches!(self.page, Page::Casting | Page::CastRequest) {
            let back = match self.cast_return {
                Page::Share | Page::Casting | Page::CastRequest => Page::Home,
                page => page,
            };
            self.go(back);
        }
    }

    /// Someone asks to take over while a cast shows: the room decides.
    /// Decline is focused first (the safe answer, as for a reset).
    pub fn cast_requested(&mut self) {
        if self.page == Page::Casting {
            self.go(Page::CastRequest);
            self.focus = (0, 1);
        }
    }

    /// The question was answered (or timed out): the cast shows again.
    pub fn cast_request_closed(&mut self) {
        if self.page == Page::CastRequest {
            self.go(Page::Casting);
        }
    }

    /// The next take-over setting: allowed → ask the room → never.
    pub(super) fn next_take_over(&mut self) -> Option<Effect> {
        self.cast_take_over = match self.cast_take_over {
            TakeOver::Allowed => TakeOver::AskRoom,
            TakeOver::AskRoom => TakeOver::Never,
            TakeOver::Never => TakeOver::Allowed,
        };
        Some(Effect::SaveSettings(self.settings()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Key;
    use crate::store::Settings;

    fn home() -> UiState {
        UiState::new(&Settings::default(), true)
    }

    #[test]
    fn share_opens_the_code_page_and_back_returns_home() {
        let mut ui = home();
        assert_eq!(ui.activate(Control::Share), None);
        assert_eq!(ui.page, Page::Share);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Home);
        // By the remote: right twice to Share, OK.
        ui.key(Key::Right);
        ui.key(Key::Right);
        ui.key(Key::Ok);
        assert_eq!(ui.page, Page::Share);
    }

    #[test]
    fn a_cast_fills_the_screen_and_returns_where_the_room_was() {
        let mut ui = home();
        ui.activate(Control::Settings);
        ui.cast_started();
        assert_eq!(ui.page, Page::Casting);
        assert_eq!(ui.focused(), Control::StopCast);
        // Home and Back do not walk away from a cast; Stop ends it.
        ui.key(Key::Home);
        ui.key(Key::Back);
        assert_eq!(ui.page, Page::Casting);
        assert_eq!(ui.key(Key::Ok), Some(Effect::StopCast));
        ui.cast_ended();
        assert_eq!(ui.page, Page::Settings);

        // Cast from the Share page: back Home, not to a used code.
        ui.go(Page::Share);
        ui.cast_started();
        ui.cast_ended();
        assert_eq!(ui.page, Page::Home);
    }

    #[test]
    fn a_take_over_keeps_the_first_return_page_and_asks_with_decline_focused() {
        let mut ui = home();
        ui.activate(Control::Join);
        ui.cast_started();
        ui.cast_requested();
        assert_eq!(ui.page, Page::CastRequest);
        assert_eq!(ui.focused(), Control::DeclineCast);
        assert_eq!(ui.key(Key::Ok), Some(Effect::AnswerCastRequest(false)));
        ui.key(Key::Left);
        assert_eq!(ui.key(Key::Ok), Some(Effect::AnswerCastRequest(true)));
        ui.cast_request_closed();
        assert_eq!(ui.page, Page::Casting);
        ui.cast_started(); // the new caster
        ui.cast_ended();
        assert_eq!(ui.page, Page::Join);
    }

    #[test]
    fn the_wizard_is_never_covered_by_a_cast() {
        let mut ui = UiState::new(&Settings::default(), false);
        ui.cast_started();
        assert_eq!(ui.page, Page::Language);
    }

    #[test]
    fn the_take_over_setting_cycles_and_is_saved() {
        let mut ui = home();
        ui.activate(Control::Settings);
        let saved = |effect: Option<Effect>| match effect {
            Some(Effect::SaveSettings(s)) => s.cast_take_over,
            other => panic!("{other:?}"),
        };
        assert_eq!(saved(ui.activate(Control::CastTakeOver)), TakeOver::AskRoom);
        assert_eq!(saved(ui.activate(Control::CastTakeOver)), TakeOver::Never);
        assert_eq!(saved(ui.activate(Control::CastTakeOver)), TakeOver::Allowed);
    }
}
