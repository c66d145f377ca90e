//! The errors the cloud reports to its clients. Each has a stable code (the
//! contract documented in docs/API.md), an HTTP status and a human message.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("SN already exists")]
    SnExists,
    #[error("{0} already exists")]
    Exists(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("SN or activation code is wrong")]
    ActivationRefused,
    #[error("the activation code has expired; ask your administrator to reset it")]
    CodeExpired,
    #[error("the activation code was already used; ask your administrator to reset it")]
    CodeUsed,
    #[error(
        "too many wrong activation codes from this address; try again in {retry_after_secs} s"
    )]
    IpLocked { retry_after_secs: u64 },
    /// A refusal with its own stable code (e.g. `start_in_past`,
    /// `meeting_cancelled`).
    #[error("{message}")]
    Coded {
        status: u16,
        code: &'static str,
        message: String,
    },
    /// A room refused a cast while someone else shows: `showing` names them
    /// (the casting page offers to take over).
    #[error("{message}")]
    CastShowing {
        status: u16,
        code: &'static str,
        message: String,
        showing: Option<String>,
    },
    #[error("too many wrong casting codes from this address; try again in {retry_after_secs} s")]
    CastLocked { retry_after_secs: u64 },
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl CloudError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::SnExists => "sn_exists",
            Self::Exists(_) => "already_exists",
            Self::NotFound(_) => "not_found",
            Self::ActivationRefused => "activation_refused",
            Self::CodeExpired => "activation_code_expired",
            Self::CodeUsed => "activation_code_used",
            Self::IpLocked { .. } => "ip_locked",
            Self::Coded { code, .. } | Self::CastShowing { code, .. } => code,
            Self::CastLocked { .. } => "ip_locked",
            Self::Unauthorized => "unauthorized",
            Self::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput(_) => 400,
            Self::Coded { status, .. } | Self::CastShowing { status, .. } => *status,
            Self::Unauthorized => 401,
            Self::ActivationRefused | Self::CodeExpired => 403,
            Self::NotFound(_) => 404,
            Self::SnExists | Self::Exists(_) | Self::CodeUsed => 409,
            Self::IpLocked { .. } | Self::CastLocked { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::IpLocked { retry_after_secs } | Self::CastLocked { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// Who is on the room's screen, for a refusal that says so.
    pub fn showing(&self) -> Option<&str> {
        match self {
            Self::CastShowing { showing, .. } => showing.as_deref(),
            _ => None,
        }
    }

    /// Maps store errors, naming what was not found or already exists.
    pub fn from_store(what: &'static str) -> impl Fn(StoreError) -> CloudError {
        move |err| match err {
            StoreError::NotFound => CloudError::NotFound(what),
            StoreError::Conflict("SN") => CloudError::SnExists,
            StoreError::Conflict(what) => CloudError::Exists(what),
            StoreError::Db(err) => CloudError::Internal(err.into()),
        }
    }
}

impl From<StoreError> for CloudError {
    fn from(err: StoreError) -> Self {
        Self::from_store("record")(err)
    }
}

pub type CloudResult<T> = Result<T, CloudError>;

/// Checks a human-entered name (device, enterprise, display name).
pub fn check_name(field: &str, value: &str) -> CloudResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
        return Err(CloudError::InvalidInput(format!(
            "{field} must be 1 to 64 characters without control characters"
        )));
    }
    Ok(value.to_string())
}

/// Checks an identifier that travels in URLs and SIP (SN, SIP user name).
pub fn check_token(field: &str, value: &str) -> CloudResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return Err(CloudError::InvalidInput(format!(
            "{field} must be 1 to 64 characters of letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(value.to_string())
}
