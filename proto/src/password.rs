//! The product's password rule, as both the cloud console and the
//! terminal's web admin enforce it: at least 8 characters, with at least
//! three of the four kinds — upper case, lower case, digit, symbol.

use serde::Serialize;

/// Shortest password the rule allows.
pub const MIN_LEN: usize = 8;
/// Longest password taken (Argon2 hashes any length; this bounds the
/// work a sign-in costs).
pub const MAX_LEN: usize = 128;

/// Why a password breaks the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weakness {
    TooShort,
    TooLong,
    /// Fewer than three of the four kinds of character.
    TooPlain,
}

impl Weakness {
    /// In English, for APIs and logs (pages word it in their language).
    pub fn explain(self) -> &'static str {
        match self {
            Weakness::TooShort => "a password needs at least 8 characters",
            Weakness::TooLong => "a password may have at most 128 characters",
            Weakness::TooPlain => {
                "a password needs three of: upper case, lower case, digits, symbols"
            }
        }
    }
}

/// Checks `password` against the rule. A letter of any script counts by
/// its case; a caseless one (CJK) counts as a symbol.
pub fn check(password: &str) -> Result<(), Weakness> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(Weakness::TooShort);
    }
    if len > MAX_LEN {
        return Err(Weakness::TooLong);
    }
    let has = |kind: fn(&char) -> bool| password.chars().any(|c| kind(&c));
    let kinds = [
        has(|c| c.is_uppercase()),
        has(|c| c.is_lowercase()),
        has(|c| c.is_ascii_digit()),
        // Whatever is none of those: punctuation, space, caseless scripts.
        has(|c| !(c.is_uppercase() || c.is_lowercase() || c.is_ascii_digit())),
    ];
    if kinds.iter().filter(|k| **k).count() < 3 {
        return Err(Weakness::TooPlain);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_characters_of_three_kinds() {
        assert_eq!(check("Ab1!"), Err(Weakness::TooShort));
        assert_eq!(check("abcdefgh"), Err(Weakness::TooPlain));
        assert_eq!(check("abcdefg1"), Err(Weakness::TooPlain));
        assert_eq!(check("Abcdefg1"), Ok(()));
        assert_eq!(check("abcdef1!"), Ok(()));
        assert_eq!(check("ABCDEF1!"), Ok(()));
        assert_eq!(check("Change_Me"), Ok(()), "upper, lower, symbol");
        assert_eq!(check("会议室密码abc1"), Ok(()), "CJK counts as symbols");
        assert_eq!(check(&"Aa1!".repeat(40)), Err(Weakness::TooLong));
    }
}
