//! Measurements on decoded media, pure: pixels of an RGB frame and the
//! energy of S16 audio.

/// A decoded frame, packed RGB (3 bytes per pixel, rows without padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbFrame {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl RgbFrame {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Mean colour of the centred square of `side` pixels (clamped to the frame).
    pub fn centre_mean(&self, side: u32) -> [u8; 3] {
        let side = side.clamp(1, self.width.min(self.height));
        let (x0, y0) = ((self.width - side) / 2, (self.height - side) / 2);
        let mut sum = [0u64; 3];
        for y in y0..y0 + side {
            for x in x0..x0 + side {
                let p = self.pixel(x, y);
                for c in 0..3 {
                    sum[c] += u64::from(p[c]);
                }
            }
        }
        let n = u64::from(side) * u64::from(side);
        sum.map(|s| (s / n) as u8)
    }

    /// The frame as a PNG file.
    pub fn to_png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&self.data)?;
        Ok(out)
    }

    /// Largest per-channel difference from `rgb`.
    pub fn distance(a: [u8; 3], b: [u8; 3]) -> u8 {
        (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0)
    }
}

/// Energy of a run of S16 samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioLevel {
    pub samples: usize,
    /// Root mean square, full scale = 1.0.
    pub rms: f64,
    /// Peak absolute sample, full scale = 1.0.
    pub peak: f64,
}

impl AudioLevel {
    pub fn of(samples: &[i16]) -> Self {
        if samples.is_empty() {
            return AudioLevel {
                samples: 0,
                rms: 0.0,
                peak: 0.0,
            };
        }
        let squares: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        let peak = samples
            .iter()
            .map(|&s| i32::from(s).unsigned_abs())
            .max()
            .unwrap_or(0);
        AudioLevel {
            samples: samples.len(),
            rms: (squares / samples.len() as f64).sqrt() / 32768.0,
            peak: f64::from(peak) / 32768.0,
        }
    }

    /// RMS in dB relative to full scale (−∞ for digital silence).
    pub fn dbfs(&self) -> f64 {
        20.0 * self.rms.log10()
    }
}

/// RMS amplitude (full scale = 1.0) of the `freq` component of `samples`
/// taken at `rate`: a Goertzel filter, so a mix can be taken apart by the
/// tones its senders played (who is heard, who is not).
pub fn tone_rms(samples: &[i16], rate: f64, freq: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) / 32768.0 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // |X(f)| = N·A/2 for a sine of amplitude A; its RMS is A/√2.
    let amplitude = 2.0 * power.max(0.0).sqrt() / samples.len() as f64;
    amplitude / std::f64::consts::SQRT_2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_mean_reads_the_middle() {
        let mut frame = RgbFrame {
            width: 8,
            height: 6,
            data: vec![0; 8 * 6 * 3],
        };
        for y in 1..5 {
            for x in 2..6 {
                let i = ((y * 8 + x) * 3) as usize;
                frame.data[i..i + 3].copy_from_slice(&[10, 200, 30]);
            }
        }
        assert_eq!(frame.centre_mean(4), [10, 200, 30]);
        assert_eq!(frame.pixel(0, 0), [0, 0, 0]);
        assert_eq!(frame.centre_mean(100), [4, 88, 13]); // clamped to 6×6
        assert_eq!(RgbFrame::distance([0, 255, 0], [12, 240, 3]), 15);
    }

    #[test]
    fn rms_of_sine_and_silence() {
        let sine: Vec<i16> = (0..48_000)
            .map(|i| (16384.0 * (i as f64 * 440.0 * std::f64::consts::TAU / 48_000.0).sin()) as i16)
            .collect();
        let level = AudioLevel::of(&sine);
        assert!((level.rms - 0.5 / 2f64.sqrt()).abs() < 0.001, "{level:?}");
        assert!((level.dbfs() + 9.03).abs() < 0.05, "{}", level.dbfs());
        assert!((level.peak - 0.5).abs() < 0.001);
        let silence = AudioLevel::of(&[0; 960]);
        assert_eq!(silence.rms, 0.0);
        assert_eq!(silence.dbfs(), f64::NEG_INFINITY);
        assert_eq!(AudioLevel::of(&[]).samples, 0);
        assert_eq!(AudioLevel::of(&[i16::MIN]).peak, 1.0);
    }

    #[test]
    fn tone_rms_finds_each_tone_of_a_mix() {
        let rate = 48_000.0;
        let mix: Vec<i16> = (0..48_000)
            .map(|i| {
                let t = f64::from(i) / rate;
                let a = 0.25 * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
                let b = 0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin();
                ((a + b) * 32767.0) as i16
            })
            .collect();
        let at = |f| tone_rms(&mix, rate, f);
        assert!(
            (at(440.0) - 0.25 / 2f64.sqrt()).abs() < 0.01,
            "{}",
            at(440.0)
        );
        assert!(
            (at(1000.0) - 0.5 / 2f64.sqrt()).abs() < 0.01,
            "{}",
            at(1000.0)
        );
        assert!(at(700.0) < 0.01, "{}", at(700.0));
        assert_eq!(tone_rms(&[], rate, 440.0), 0.0);
    }
}
