//! GPIO lines in memory, at their physical levels: a test presses the
//! button and reads the LEDs through [`SimulatedLines`] while the service
//! drives [`SimulatedGpio`] as it would a board, polarity included.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Gpio, GpioError, Led};
use crate::board::GpioPins;
use crate::lock;

/// The test's side: the button and the LEDs.
#[derive(Clone)]
pub struct SimulatedLines {
    pins: GpioPins,
    /// Physical level of each line (`true` = high).
    levels: Arc<Mutex<HashMap<u32, bool>>>,
}

impl SimulatedLines {
    pub fn press(&self, pressed: bool) {
        let high = pressed != self.pins.reset_active_low;
        lock(&self.levels).insert(self.pins.reset_button, high);
    }

    pub fn lit(&self, led: Led) -> bool {
        lock(&self.levels)
            .get(&led.line(&self.pins))
            .copied()
            .unwrap_or(false)
    }
}

/// The service's side.
pub struct SimulatedGpio {
    lines: SimulatedLines,
}

impl SimulatedGpio {
    /// A released button (its idle level) and dark LEDs.
    pub fn new(pins: &GpioPins) -> (Self, SimulatedLines) {
        let lines = SimulatedLines {
            pins: pins.clone(),
            levels: Arc::default(),
        };
        lines.press(false);
        (
            Self {
                lines: lines.clone(),
            },
            lines,
        )
    }
}

impl Gpio for SimulatedGpio {
    fn button_pressed(&mut self) -> Result<bool, GpioError> {
        let pins = &self.lines.pins;
        let high = lock(&self.lines.levels)
            .get(&pins.reset_button)
            .copied()
            .unwrap_or(!pins.reset_active_low);
        Ok(high != pins.reset_active_low)
    }

    fn set_led(&mut self, led: Led, lit: bool) -> Result<(), GpioError> {
        lock(&self.lines.levels).insert(led.line(&self.lines.pins), lit);
        Ok(())
    }
}
