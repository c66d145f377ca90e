//! What the three status LEDs show, pure: from the terminal's status and
//! the reset button's hold.
//!
//! | LED | on | blinking |
//! |---|---|---|
//! | registered | SIP registered | — |
//! | in call | in a call | ringing, calling |
//! | error | activated but the cloud or SIP fails | — |
//!
//! Holding the reset button past [`FEEDBACK_AFTER`] blinks all three: keep
//! holding and the terminal resets.

use std::time::Duration;

use super::button::FEEDBACK_AFTER;
use crate::sip::{CallState, RegStatus};
use crate::status::{ProvisioningStatus, TerminalStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Off,
    On,
    Blink,
}

impl Pattern {
    /// Lit or not at `phase` (blinking alternates each phase).
    pub fn lit(self, phase: bool) -> bool {
        match self {
            Pattern::Off => false,
            Pattern::On => true,
            Pattern::Blink => phase,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedPatterns {
    pub registered: Pattern,
    pub in_call: Pattern,
    pub error: Pattern,
}

pub fn patterns(status: &TerminalStatus, reset_held: Option<Duration>) -> LedPatterns {
    if reset_held.is_some_and(|held| held >= FEEDBACK_AFTER) {
        return LedPatterns {
            registered: Pattern::Blink,
            in_call: Pattern::Blink,
            error: Pattern::Blink,
        };
    }
    let on = |lit: bool| if lit { Pattern::On } else { Pattern::Off };
    let in_call = match &status.call {
        Some(CallState::Established { .. }) => Pattern::On,
        Some(CallState::Calling | CallState::Ringing | CallState::Incoming { .. }) => {
            Pattern::Blink
        }
        Some(CallState::Ended(_)) | None => Pattern::Off,
    };
    let failing = match &status.provisioning {
        ProvisioningStatus::NotActivated | ProvisioningStatus::Connecting => false,
        ProvisioningStatus::Connected => matches!(status.sip, Some(RegStatus::Failed(_))),
        ProvisioningStatus::Disconnected { .. } | ProvisioningStatus::Unbound { .. } => true,
    };
    LedPatterns {
        registered: on(status.is_registered()),
        in_call,
        error: on(failing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_hold_map_to_patterns() {
        let mut status = TerminalStatus::new("SN1");
        let off = LedPatterns {
            registered: Pattern::Off,
            in_call: Pattern::Off,
            error: Pattern::Off,
        };
        assert_eq!(patterns(&status, None), off, "not activated: all dark");
        status.provisioning = ProvisioningStatus::Connected;
        status.sip = Some(RegStatus::Registered {
            expires_in: Duration::from_secs(600),
        });
        assert_eq!(patterns(&status, None).registered, Pattern::On);
        status.call = Some(CallState::Ringing);
        assert_eq!(patterns(&status, None).in_call, Pattern::Blink);
        status.call = Some(CallState::Established {
            remote_sdp: String::new(),
        });
        assert_eq!(patterns(&status, None).in_call, Pattern::On);
        status.provisioning = ProvisioningStatus::Disconnected {
            reason: "no route".into(),
        };
        assert_eq!(patterns(&status, None).error, Pattern::On);
        // A short hold changes nothing; a long one blinks everything.
        assert_eq!(
            patterns(&status, Some(Duration::from_secs(1))).error,
            Pattern::On
        );
        let held = patterns(&status, Some(Duration::from_secs(4)));
        assert_eq!(
            [held.registered, held.in_call, held.error],
            [Pattern::Blink; 3]
        );
    }
}
