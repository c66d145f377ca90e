//! The button and LEDs on a running terminal: the button is sampled every
//! 20 ms; a 10 s hold resets the terminal as the web admin's reset does
//! (settings, credentials and the pinned CA gone, back to the wizard); the
//! LEDs follow the status, blinking at 2 Hz.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::{patterns, Gpio, Led, ResetButton};
use crate::app::Terminal;

const SAMPLE_EVERY: Duration = Duration::from_millis(20);
const BLINK_HALF_PERIOD: Duration = Duration::from_millis(250);

/// Runs until the terminal stops.
pub fn spawn(terminal: Terminal, mut gpio: Box<dyn Gpio>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut button = ResetButton::default();
        let mut shown: HashMap<Led, bool> = HashMap::new();
        let mut read_failed = false;
        let mut ticks = tokio::time::interval(SAMPLE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = Instant::now().into_std();
            let pressed = match gpio.button_pressed() {
                Ok(pressed) => {
                    read_failed = false;
                    pressed
                }
                Err(err) => {
                    if !read_failed {
                        tracing::warn!(%err, "reset button unreadable");
                        read_failed = true;
                    }
                    false
                }
            };
            if button.sample(pressed, now) {
                tracing::warn!("reset button held 10 s: factory reset");
                if let Err(err) = terminal.factory_reset().await {
                    tracing::error!(%err, "factory reset from the button failed");
                }
            }
            let status = terminal.status.borrow().clone();
            let wanted = patterns(&status, button.held_for(now));
            let phase =
                (started.elapsed().as_millis() / BLINK_HALF_PERIOD.as_millis()).is_multiple_of(2);
            for (led, pattern) in [
                (Led::Registered, wanted.registered),
                (Led::InCall, wanted.in_call),
                (Led::Error, wanted.error),
            ] {
                let lit = pattern.lit(phase);
                if shown.get(&led) != Some(&lit) {
                    match gpio.set_led(led, lit) {
                        Ok(()) => {
                            shown.insert(led, lit);
                        }
                        Err(err) => tracing::debug!(%err, ?led, "status LED"),
                    }
                }
            }
            if terminal.is_stopped() {
                return;
            }
        }
    })
}
