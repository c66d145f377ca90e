//! Raspberry Pi GPIO through rppal (BCM numbering, as the Pi's pinout
//! names them); polarity is applied here.

use rppal::gpio::{Gpio as PiGpio, InputPin, OutputPin};

use super::{Gpio, GpioError, Led};
use crate::board::GpioPins;

pub struct RppalGpio {
    button: InputPin,
    active_low: bool,
    leds: [(Led, OutputPin); 3],
}

impl RppalGpio {
    pub fn open(pins: &GpioPins) -> Result<Self, GpioError> {
        let gpio = PiGpio::new().map_err(|e| GpioError::Open {
            what: "Raspberry Pi GPIO".into(),
            message: e.to_string(),
        })?;
        let pin = |line: u32| {
            let number = u8::try_from(line).map_err(|_| GpioError::Line {
                line,
                message: "not a BCM GPIO number".into(),
            })?;
            gpio.get(number).map_err(|e| GpioError::Line {
                line,
                message: e.to_string(),
            })
        };
        let button = pin(pins.reset_button)?;
        let button = if pins.reset_active_low {
            button.into_input_pullup()
        } else {
            button.into_input_pulldown()
        };
        let led = |led: Led| -> Result<(Led, OutputPin), GpioError> {
            Ok((led, pin(led.line(pins))?.into_output_low()))
        };
        Ok(Self {
            button,
            active_low: pins.reset_active_low,
            leds: [led(Led::Registered)?, led(Led::InCall)?, led(Led::Error)?],
        })
    }
}

impl Gpio for RppalGpio {
    fn button_pressed(&mut self) -> Result<bool, GpioError> {
        Ok(self.button.is_low() == self.active_low)
    }

    fn set_led(&mut self, led: Led, lit: bool) -> Result<(), GpioError> {
        if let Some((_, pin)) = self.leds.iter_mut().find(|(l, _)| *l == led) {
            if lit {
                pin.set_high();
            } else {
                pin.set_low();
            }
        }
        Ok(())
    }
}
