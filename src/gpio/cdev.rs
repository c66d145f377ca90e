//! The GPIO character device through gpiocdev: one request for the button
//! (input, pull-up when active low, kernel debounce where the chip has it)
//! and one for the LEDs (outputs, dark at start).

use std::time::Duration;

use gpiocdev::line::{Bias, Value};
use gpiocdev::Request;

use super::{Gpio, GpioError, Led};
use crate::board::GpioPins;

pub struct CdevGpio {
    button: Request,
    button_line: u32,
    leds: Request,
    pins: GpioPins,
}

impl CdevGpio {
    pub fn open(pins: &GpioPins) -> Result<Self, GpioError> {
        let failed = |e: gpiocdev::Error| GpioError::Open {
            what: pins.chip.clone(),
            message: e.to_string(),
        };
        let mut button = Request::builder();
        button
            .on_chip(&pins.chip)
            .with_consumer("roomterm reset")
            .with_line(pins.reset_button)
            .as_input();
        if pins.reset_active_low {
            // Pressing shorts the line to ground; the pull-up holds it
            // high otherwise.
            button.as_active_low().with_bias(Bias::PullUp);
        }
        let button = button
            .with_debounce_period(Duration::from_millis(10))
            .request()
            .or_else(|_| {
                // Not every chip debounces (uAPI v1 or older drivers):
                // the button's own state machine does it anyway.
                let mut plain = Request::builder();
                plain
                    .on_chip(&pins.chip)
                    .with_consumer("roomterm reset")
                    .with_line(pins.reset_button)
                    .as_input();
                if pins.reset_active_low {
                    plain.as_active_low().with_bias(Bias::PullUp);
                }
                plain.request()
            })
            .map_err(failed)?;
        let lines: Vec<u32> = Led::ALL.iter().map(|led| led.line(pins)).collect();
        let leds = Request::builder()
            .on_chip(&pins.chip)
            .with_consumer("roomterm status")
            .with_lines(&lines)
            .as_output(Value::Inactive)
            .request()
            .map_err(failed)?;
        Ok(Self {
            button,
            button_line: pins.reset_button,
            leds,
            pins: pins.clone(),
        })
    }
}

impl Gpio for CdevGpio {
    fn button_pressed(&mut self) -> Result<bool, GpioError> {
        self.button
            .value(self.button_line)
            .map(|v| v == Value::Active)
            .map_err(|e| GpioError::Line {
                line: self.button_line,
                message: e.to_string(),
            })
    }

    fn set_led(&mut self, led: Led, lit: bool) -> Result<(), GpioError> {
        let line = led.line(&self.pins);
        let value = if lit { Value::Active } else { Value::Inactive };
        self.leds
            .set_value(line, value)
            .map_err(|e| GpioError::Line {
                line,
                message: e.to_string(),
            })
    }
}
