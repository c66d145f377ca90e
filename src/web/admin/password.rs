//! The web admin's password. Out of the box and after a factory reset the
//! account is `admin` with `Change_Me`, which must be changed at the first
//! sign-in to one meeting the product's rule (`roomterm_proto::password`).
//! A changed password is kept as an Argon2id hash in
//! `<data>/admin-password.json`; no file means the factory password, so a
//! factory reset (which removes the file) restores it. Three wrong
//! passwords in a row lock sign-in for 3 minutes, the right one included.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::lock;
use roomterm_proto::password::Weakness;

/// The one account's name.
pub const USER: &str = "admin";
/// The password out of the box and after a factory reset.
pub const FACTORY_PASSWORD: &str = "Change_Me";
/// The file (in the data folder) that holds a changed password's hash.
pub const FILE: &str = "admin-password.json";
/// Wrong passwords in a row that lock sign-in.
pub const WRONG_LIMIT: u32 = 3;
/// How long sign-in stays locked.
pub const LOCKED_FOR: Duration = Duration::from_secs(180);

#[derive(Serialize, Deserialize)]
struct Stored {
    /// Argon2id, PHC string.
    hash: String,
}

/// A sign-in's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Right; `must_change`: it is still the factory password.
    Accepted { must_change: bool },
    /// Wrong name or password (which of the two is not said).
    Refused,
    /// Too many wrong ones: try again after this long.
    Locked(Duration),
}

/// Why a change was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeError {
    /// The current password given is wrong (it counts towards the lock).
    WrongCurrent,
    Locked(Duration),
    Weak(Weakness),
    /// The new password is the factory one.
    FactoryPassword,
    /// It could not be saved (the data partition).
    NotSaved,
}

struct Failures {
    wrong: u32,
    locked_until: Option<Instant>,
}

/// The admin's password and its lock.
pub struct AdminPassword {
    path: PathBuf,
    failures: Mutex<Failures>,
}

impl AdminPassword {
    pub fn new(data: &Path) -> Self {
        Self {
            path: data.join(FILE),
            failures: Mutex::new(Failures {
                wrong: 0,
                locked_until: None,
            }),
        }
    }

    /// Checks `user` and `password` (Argon2 off the async workers).
    pub async fn sign_in(&self, user: &str, password: &str) -> SignIn {
        if let Some(left) = self.locked() {
            return SignIn::Locked(left);
        }
        let stored = self.stored_hash();
        let must_change = stored.is_none();
        let right = verify_blocking(password, stored).await && user == USER;
        match self.count(right) {
            Some(left) => SignIn::Locked(left),
            None if right => SignIn::Accepted { must_change },
            None => SignIn::Refused,
        }
    }

    /// Whether the password is still the factory one.
    pub fn must_change(&self) -> bool {
        self.stored_hash().is_none()
    }

    /// Replaces the password, proven by the current one.
    pub async fn change(&self, current: &str, new: &str) -> Result<(), ChangeError> {
        if let Some(left) = self.locked() {
            return Err(ChangeError::Locked(left));
        }
        let right = verify_blocking(current, self.stored_hash()).await;
        if let Some(left) = self.count(right) {
            return Err(ChangeError::Locked(left));
        }
        if !right {
            return Err(ChangeError::WrongCurrent);
        }
        roomterm_proto::password::check(new).map_err(ChangeError::Weak)?;
        if new == FACTORY_PASSWORD {
            return Err(ChangeError::FactoryPassword);
        }
        let new = new.to_string();
        let hash = tokio::task::spawn_blocking(move || hash(&new))
            .await
            .map_err(|_| ChangeError::NotSaved)?;
        let bytes = serde_json::to_vec(&Stored { hash }).map_err(|_| ChangeError::NotSaved)?;
        crate::store::write_atomic(&self.path, &bytes).map_err(|err| {
            tracing::warn!(%err, "the admin password cannot be saved");
            ChangeError::NotSaved
        })
    }

    /// The stored hash; `None`: the factory password (no file, or one that
    /// cannot be read — logged, never a way in without a password).
    fn stored_hash(&self) -> Option<String> {
        let bytes = std::fs::read(&self.path).ok()?;
        match serde_json::from_slice::<Stored>(&bytes) {
            Ok(stored) => Some(stored.hash),
            Err(err) => {
                tracing::warn!(%err, "admin-password.json unreadable: the factory password applies");
                None
            }
        }
    }

    fn locked(&self) -> Option<Duration> {
        let failures = lock(&self.failures);
        let left = failures
            .locked_until?
            .checked_duration_since(Instant::now())?;
        (!left.is_zero()).then_some(left)
    }

    /// Counts an attempt; `Some(left)`: it was the one that locked.
    fn count(&self, right: bool) -> Option<Duration> {
        let mut failures = lock(&self.failures);
        if right {
            failures.wrong = 0;
            return None;
        }
        failures.wrong += 1;
        if failures.wrong >= WRONG_LIMIT {
            failures.wrong = 0;
            failures.locked_until = Some(Instant::now() + LOCKED_FOR);
            tracing::warn!("web admin sign-in locked for 3 minutes after 3 wrong passwords");
            return Some(LOCKED_FOR);
        }
        None
    }
}

fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Whether `password` matches `stored` (`None`: the factory password,
/// checked against its hash so either costs the same).
async fn verify_blocking(password: &str, stored: Option<String>) -> bool {
    static FACTORY: LazyLock<String> = LazyLock::new(|| hash(FACTORY_PASSWORD));
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| FACTORY.clone());
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_factory_password_signs_in_once_and_must_be_changed() {
        let dir = tempfile::tempdir().unwrap();
        let admin = AdminPassword::new(dir.path());
        assert_eq!(
            admin.sign_in(USER, FACTORY_PASSWORD).await,
            SignIn::Accepted { must_change: true }
        );
        assert_eq!(
            admin.change(FACTORY_PASSWORD, "short").await,
            Err(ChangeError::Weak(Weakness::TooShort))
        );
        assert_eq!(
            admin.change(FACTORY_PASSWORD, "alllowercase").await,
            Err(ChangeError::Weak(Weakness::TooPlain))
        );
        admin.change(FACTORY_PASSWORD, "Room-2026x").await.unwrap();
        assert_eq!(admin.sign_in(USER, FACTORY_PASSWORD).await, SignIn::Refused);
        assert_eq!(
            admin.sign_in(USER, "Room-2026x").await,
            SignIn::Accepted { must_change: false }
        );
        // A factory reset removes the file: Change_Me again.
        std::fs::remove_file(dir.path().join(FILE)).unwrap();
        assert!(admin.must_change());
    }

    #[tokio::test]
    async fn three_wrong_passwords_lock_even_the_right_one_out() {
        let dir = tempfile::tempdir().unwrap();
        let admin = AdminPassword::new(dir.path());
        assert_eq!(admin.sign_in(USER, "nope").await, SignIn::Refused);
        assert_eq!(
            admin.sign_in("root", FACTORY_PASSWORD).await,
            SignIn::Refused
        );
        assert!(matches!(admin.sign_in(USER, "nope").await, SignIn::Locked(d) if d == LOCKED_FOR));
        assert!(matches!(
            admin.sign_in(USER, FACTORY_PASSWORD).await,
            SignIn::Locked(_)
        ));
        assert!(matches!(
            admin.change(FACTORY_PASSWORD, "Room-2026x").await,
            Err(ChangeError::Locked(_))
        ));
    }

    #[test]
    fn an_unreadable_file_means_the_factory_password_not_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"{garbage").unwrap();
        assert!(AdminPassword::new(dir.path()).must_change());
    }
}
