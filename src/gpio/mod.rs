//! The reset button and the three status LEDs, behind one trait so the
//! behaviour is the same on every board and testable without one:
//!
//! - `cdev.rs`: the Linux GPIO character device (`/dev/gpiochipN`), for
//!   Rockchip and most boards;
//! - `rpi.rs`: rppal on Raspberry Pi (BCM GPIO numbers);
//! - `simulated.rs`: lines in memory, pressed and read by tests;
//! - `button.rs` (hold 10 s → factory reset) and `leds.rs` (status →
//!   patterns) are pure; `service.rs` ties them to a running terminal.

mod button;
mod cdev;
mod leds;
mod rpi;
mod service;
mod simulated;

pub use button::{ResetButton, FACTORY_RESET_HOLD, FEEDBACK_AFTER};
pub use leds::{patterns, LedPatterns, Pattern};
pub use service::spawn;
pub use simulated::{SimulatedGpio, SimulatedLines};

use crate::board::{GpioBackend, GpioPins};

/// A status LED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Led {
    Registered,
    InCall,
    Error,
}

impl Led {
    pub const ALL: [Led; 3] = [Led::Registered, Led::InCall, Led::Error];

    /// Its line in the board profile.
    pub fn line(self, pins: &GpioPins) -> u32 {
        match self {
            Led::Registered => pins.led_registered,
            Led::InCall => pins.led_in_call,
            Led::Error => pins.led_error,
        }
    }
}

/// The board's button and LEDs. Levels are logical: `true` is a pressed
/// button or a lit LED, whatever the wiring's polarity.
pub trait Gpio: Send {
    fn button_pressed(&mut self) -> Result<bool, GpioError>;
    fn set_led(&mut self, led: Led, lit: bool) -> Result<(), GpioError>;
}

#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    #[error("cannot open GPIO {what}: {message}")]
    Open { what: String, message: String },
    #[error("GPIO line {line}: {message}")]
    Line { line: u32, message: String },
}

/// The profile's hardware backend; `None` for a board without GPIO
/// (`simulated` in its profile: PCs, CI).
pub fn open(pins: &GpioPins) -> Result<Option<Box<dyn Gpio>>, GpioError> {
    Ok(match pins.backend {
        GpioBackend::Cdev => Some(Box::new(cdev::CdevGpio::open(pins)?)),
        GpioBackend::Rppal => Some(Box::new(rpi::RppalGpio::open(pins)?)),
        GpioBackend::Simulated => None,
    })
}
