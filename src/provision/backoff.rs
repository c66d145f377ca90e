//! Retry delays that double from one second up to thirty, with jitter so a
//! building full of terminals does not reconnect in lock-step after an outage.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: FIRST }
    }
}

impl Backoff {
    /// The delay before the next attempt; `jitter` in 0.0..1.0 shortens it by up to a quarter.
    pub fn next_delay(&mut self, jitter: f64) -> Duration {
        let delay = self.next.mul_f64(1.0 - 0.25 * jitter.clamp(0.0, 1.0));
        self.next = (self.next * 2).min(MAX);
        delay
    }

    /// After a success, start again from the shortest delay.
    pub fn reset(&mut self) {
        self.next = FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_a_cap_and_resets() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay(0.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(b.next_delay(1.0), Duration::from_millis(22_500));
        b.reset();
        assert_eq!(b.next_delay(0.0), Duration::from_secs(1));
    }
}
