//! Bandwidth classes of the hard terminal (PRODUCT.md, "Media"): every class
//! runs at 30 fps; the bitrate is the call's video budget.

/// The least a camera is sent at when asked for a small size.
pub const MIN_SEND_BPS: u32 = 128_000;

/// A video class: resolution, frame rate and bitrate budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoClass {
    /// 4CIF 704×576, 512 kbit/s.
    Cif4,
    /// 720p 1280×720, 1 Mbit/s.
    Hd720,
    /// 1080p 1920×1080, 2 Mbit/s.
    Hd1080,
}

impl VideoClass {
    pub const ALL: [VideoClass; 3] = [VideoClass::Cif4, VideoClass::Hd720, VideoClass::Hd1080];

    pub fn name(self) -> &'static str {
        match self {
            VideoClass::Cif4 => "4CIF",
            VideoClass::Hd720 => "720p",
            VideoClass::Hd1080 => "1080p",
        }
    }

    pub fn width(self) -> u32 {
        match self {
            VideoClass::Cif4 => 704,
            VideoClass::Hd720 => 1280,
            VideoClass::Hd1080 => 1920,
        }
    }

    pub fn height(self) -> u32 {
        match self {
            VideoClass::Cif4 => 576,
            VideoClass::Hd720 => 720,
            VideoClass::Hd1080 => 1080,
        }
    }

    pub fn fps(self) -> u32 {
        30
    }

    pub fn bitrate_bps(self) -> u32 {
        match self {
            VideoClass::Cif4 => 512_000,
            VideoClass::Hd720 => 1_000_000,
            VideoClass::Hd1080 => 2_000_000,
        }
    }

    pub fn bitrate_kbps(self) -> u32 {
        self.bitrate_bps() / 1000
    }

    /// The bit rate for sending pictures of `size` in a call of this
    /// class (`None`: the class's own size): the budget in proportion to
    /// the area, never under [`MIN_SEND_BPS`] (a thumbnail still moves
    /// smoothly) nor over the budget.
    pub fn bitrate_for(self, size: Option<(u32, u32)>) -> u32 {
        let Some((width, height)) = size else {
            return self.bitrate_bps();
        };
        let full = u64::from(self.width()) * u64::from(self.height());
        let share = u64::from(self.bitrate_bps()) * u64::from(width) * u64::from(height) / full;
        (share as u32).clamp(MIN_SEND_BPS.min(self.bitrate_bps()), self.bitrate_bps())
    }

    /// Frames between key frames: 2 s, so a receiver that joins late or lost
    /// a key frame shows a picture within two seconds even without PLI.
    pub fn key_interval(self) -> u32 {
        2 * self.fps()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_carry_the_product_numbers() {
        let table: Vec<_> = VideoClass::ALL
            .iter()
            .map(|c| (c.name(), c.width(), c.height(), c.fps(), c.bitrate_kbps()))
            .collect();
        assert_eq!(
            table,
            [
                ("4CIF", 704, 576, 30, 512),
                ("720p", 1280, 720, 30, 1000),
                ("1080p", 1920, 1080, 30, 2000),
            ]
        );
        assert!(VideoClass::ALL.iter().all(|c| c.key_interval() == 60));
    }

    #[test]
    fn a_smaller_size_is_sent_at_a_lower_rate_with_a_floor() {
        let hd = VideoClass::Hd720;
        assert_eq!(hd.bitrate_for(None), 1_000_000);
        assert_eq!(hd.bitrate_for(Some((1280, 720))), 1_000_000);
        assert_eq!(hd.bitrate_for(Some((640, 360))), 250_000);
        assert_eq!(hd.bitrate_for(Some((320, 180))), MIN_SEND_BPS);
        assert_eq!(hd.bitrate_for(Some((1920, 1080))), 1_000_000, "never over");
    }
}
