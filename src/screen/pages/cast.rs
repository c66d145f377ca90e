//! Casting: the Share page (code, address, QR code; the code line Home and
//! the in-call page show), the cast on screen and the take-over question.

use std::time::Duration;

use crate::media::RgbFrame;
use crate::screen::qr::qr_image;
use crate::screen::{CastingPageState, SharePageState};
use crate::status::TerminalStatus;

/// How long "Sharing ended: …" stays on Home.
const ENDED_NOTICE: Duration = Duration::from_secs(10);

pub fn apply_share(state: &SharePageState, status: &TerminalStatus, now_unix: i64) {
    let Some(code) = &status.cast_code else {
        state.set_code("".into());
        state.set_page_url("".into());
        return;
    };
    let shown = super::group_digits(&code.code, 3);
    if state.get_code() != shown.as_str() || state.get_page_url() != code.page.as_str() {
        if let Some(qr) = qr_image(&code.url) {
            state.set_qr(qr);
        }
        state.set_code(shown.into());
        state.set_page_url(code.page.as_str().into());
    }
    let minutes = ((code.valid_until - now_unix).max(0) as u64).div_ceil(60);
    state.set_minutes_left(minutes.min(i32::MAX as u64) as i32);
    let ended = match status.cast_ended {
        Some((reason, at)) if at.elapsed() < ENDED_NOTICE && status.cast.is_none() => {
            reason.as_str()
        }
        _ => "",
    };
    state.set_ended_reason(ended.into());
}

pub fn apply_casting(state: &CastingPageState, status: &TerminalStatus) {
    let (caster, asking) = match &status.cast {
        Some(cast) => (cast.caster.as_str(), cast.asking.as_deref().unwrap_or("")),
        None => ("", ""),
    };
    state.set_caster(caster.into());
    state.set_asking(asking.into());
    if status.cast.is_none() {
        state.set_has_picture(false);
    }
}

pub fn show_cast_picture(state: &CastingPageState, frame: &RgbFrame) {
    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
        &frame.data,
        frame.width,
        frame.height,
    );
    state.set_picture(slint::Image::from_rgb8(buffer));
    state.set_has_picture(true);
}

/// Seconds since the epoch, for the code's remaining time.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::super::group_digits;

    #[test]
    fn a_code_is_shown_in_groups() {
        assert_eq!(group_digits("123456", 3), "123 456");
        assert_eq!(group_digits("123456789012", 4), "1234 5678 9012");
    }
}
