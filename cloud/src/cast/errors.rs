//! Casting's refusals as the API states them (docs/API.md, "Casting"): one
//! stable code each.

use roomterm_proto::CastRefusal;

use crate::error::CloudError;

pub fn code_missing() -> CloudError {
    coded(
        401,
        "cast_code_invalid",
        "a casting code is required (Authorization: Bearer <code>)",
    )
}

pub fn code_invalid() -> CloudError {
    coded(
        401,
        "cast_code_invalid",
        "wrong or expired casting code; type the code the room shows now",
    )
}

pub fn room_offline() -> CloudError {
    coded(503, "room_offline", "the room is offline")
}

pub fn no_answer(secs: u64) -> CloudError {
    coded(
        504,
        "room_no_answer",
        &format!("the room did not answer within {secs} s"),
    )
}

pub fn unknown_session() -> CloudError {
    CloudError::NotFound("cast session")
}

pub fn refused(reason: CastRefusal, showing: Option<String>) -> CloudError {
    let who = showing.as_deref().unwrap_or("someone");
    match reason {
        CastRefusal::Busy => CloudError::CastShowing {
            status: 409,
            code: "cast_busy",
            message: format!(
                "{who} is showing their screen in this room; send take_over=1 to replace them"
            ),
            showing,
        },
        CastRefusal::TakeOverNotAllowed => CloudError::CastShowing {
            status: 409,
            code: "cast_take_over_not_allowed",
            message: format!("{who} is showing their screen and this room lets nobody take over"),
            showing,
        },
        CastRefusal::DeclinedByRoom => coded(403, "cast_declined", "the room declined the cast"),
        CastRefusal::Unsupported => coded(
            422,
            "cast_unsupported",
            "the room cannot show this stream (no common codec)",
        ),
        CastRefusal::Unknown => coded(403, "cast_refused", "the room refused the cast"),
    }
}

fn coded(status: u16, code: &'static str, message: &str) -> CloudError {
    CloudError::Coded {
        status,
        code,
        message: message.to_string(),
    }
}
