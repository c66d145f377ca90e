//! Generation and hashing of the secrets the cloud hands out: activation
//! codes, console passwords, bearer tokens and SIP passwords.
//!
//! Activation codes are short and typed on a remote, so they are hashed with
//! Argon2id (slow on purpose). Tokens and generated passwords carry 256 bits
//! of randomness, so a plain SHA-256 is enough to store them.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::store::Ha1Pair;
use roomterm_proto::digest::Algorithm;

/// Digits in an activation code (entered on a keypad or IR remote).
pub const CODE_DIGITS: usize = 12;

pub fn new_activation_code() -> String {
    let mut rng = OsRng;
    (0..CODE_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// Normalises what a person typed: spaces and dashes are separators only.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

pub fn hash_code(code: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(code.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Checks a code against its stored hash; a corrupt hash never matches.
///
/// With no stored hash (an unknown SN, a device without a code) the code is
/// checked against a dummy hash of the same parameters and never matches:
/// the answer then takes as long as a wrong code for a real device, so the
/// time of a refusal does not tell which SNs exist.
pub fn verify_code(code: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash_code("no such code"));
    let matches = |stored: &str| {
        PasswordHash::new(stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(code.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    };
    match stored {
        Some(stored) => matches(stored),
        None => {
            matches(&DUMMY);
            false
        }
    }
}

/// [`hash_code`] off the async workers (Argon2 is slow on purpose).
pub async fn hash_code_blocking(code: String) -> crate::error::CloudResult<String> {
    tokio::task::spawn_blocking(move || hash_code(&code))
        .await
        .map_err(|e| crate::error::CloudError::Internal(e.into()))
}

/// [`verify_code`] off the async workers.
pub async fn verify_code_blocking(
    code: String,
    stored: Option<String>,
) -> crate::error::CloudResult<bool> {
    tokio::task::spawn_blocking(move || verify_code(&code, stored.as_deref()))
        .await
        .map_err(|e| crate::error::CloudError::Internal(e.into()))
}

/// A random URL-safe secret with the given prefix, e.g. `rtd_…`.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A SIP password for a device: random, printable, free of characters that
/// confuse config files.
pub fn new_sip_password() -> String {
    let mut bytes = [0u8; 18];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn ha1(username: &str, realm: &str, password: &str) -> Ha1Pair {
    Ha1Pair {
        md5: Algorithm::Md5.ha1(username, realm, password),
        sha256: Algorithm::Sha256.ha1(username, realm, password),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_digits_and_verify_only_themselves() {
        let code = new_activation_code();
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let hash = hash_code(&code);
        assert!(verify_code(&code, Some(&hash)));
        assert!(!verify_code("000000000000", Some(&hash)) || code == "000000000000");
        assert!(!verify_code(&code, Some("not a hash")));
        assert!(!verify_code(&code, None));
    }

    #[test]
    fn typed_separators_are_ignored() {
        assert_eq!(normalize_code(" 1234-5678 9012 "), "123456789012");
    }

    #[test]
    fn ha1_matches_rfc_2617_example() {
        // RFC 2617 §3.5: Mufasa / testrealm@host.com / Circle Of Life
        let pair = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert_eq!(pair.md5, "939e7578ed9e3c518a452acee763bce9");
    }
}
