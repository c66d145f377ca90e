//! The reset button, pure: sampled levels and the time in, a factory reset
//! out once it has been held for ten seconds (PRODUCT.md). A shorter press
//! does nothing, so a knock or a curious finger loses no settings.

use std::time::{Duration, Instant};

/// How long the button must be held for a factory reset.
pub const FACTORY_RESET_HOLD: Duration = Duration::from_secs(10);
/// After this long held, the LEDs blink: keep holding to reset.
pub const FEEDBACK_AFTER: Duration = Duration::from_secs(3);
/// A release shorter than this is contact bounce, not a release.
const DEBOUNCE: Duration = Duration::from_millis(50);

#[derive(Debug, Default)]
pub struct ResetButton {
    pressed_since: Option<Instant>,
    /// When the contact opened, while it might still be bounce.
    released_at: Option<Instant>,
    /// This hold already reset: one reset per hold, however long.
    fired: bool,
}

impl ResetButton {
    /// Takes a sample of the button; `true` the moment a hold reaches
    /// [`FACTORY_RESET_HOLD`].
    pub fn sample(&mut self, pressed: bool, now: Instant) -> bool {
        if pressed {
            self.released_at = None;
            let since = *self.pressed_since.get_or_insert(now);
            if !self.fired && now.duration_since(since) >= FACTORY_RESET_HOLD {
                self.fired = true;
                return true;
            }
            return false;
        }
        if self.pressed_since.is_some() {
            let released = *self.released_at.get_or_insert(now);
            if now.duration_since(released) >= DEBOUNCE {
                *self = Self::default();
            }
        }
        false
    }

    /// How long the current hold has lasted (`None`: not held, or this
    /// hold has already reset).
    pub fn held_for(&self, now: Instant) -> Option<Duration> {
        if self.fired || self.released_at.is_some() {
            return None;
        }
        self.pressed_since.map(|since| now.duration_since(since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples every 20 ms from `start` for `pressed_for`, then released.
    fn press(button: &mut ResetButton, start: Instant, pressed_for: Duration) -> (u32, Instant) {
        let mut resets = 0;
        let mut now = start;
        while now.duration_since(start) <= pressed_for {
            resets += u32::from(button.sample(true, now));
            now += Duration::from_millis(20);
        }
        for _ in 0..5 {
            resets += u32::from(button.sample(false, now));
            now += Duration::from_millis(20);
        }
        (resets, now)
    }

    #[test]
    fn ten_seconds_held_resets_once_shorter_presses_never() {
        let start = Instant::now();
        let mut button = ResetButton::default();
        let (resets, now) = press(&mut button, start, Duration::from_secs(2));
        assert_eq!(resets, 0);
        let (resets, now) = press(&mut button, now, Duration::from_millis(9_900));
        assert_eq!(resets, 0);
        let (resets, now) = press(&mut button, now, Duration::from_secs(25));
        assert_eq!(resets, 1, "one reset per hold");
        // Released: the next hold starts from zero.
        assert_eq!(button.held_for(now), None);
        let (resets, _) = press(&mut button, now, Duration::from_secs(10));
        assert_eq!(resets, 1);
    }

    #[test]
    fn contact_bounce_does_not_restart_the_hold() {
        let start = Instant::now();
        let mut button = ResetButton::default();
        let mut now = start;
        let mut resets = 0;
        while now.duration_since(start) < Duration::from_secs(11) {
            // A 20 ms open contact every second.
            let bounce = now.duration_since(start).as_millis() % 1000 < 20;
            resets += u32::from(button.sample(!bounce, now));
            now += Duration::from_millis(10);
        }
        assert_eq!(resets, 1);
    }

    #[test]
    fn the_hold_is_measured_for_the_leds() {
        let start = Instant::now();
        let mut button = ResetButton::default();
        assert_eq!(button.held_for(start), None);
        button.sample(true, start);
        let later = start + Duration::from_secs(4);
        button.sample(true, later);
        assert_eq!(button.held_for(later), Some(Duration::from_secs(4)));
    }
}
