//! The accounts the registrar authenticates against, kept in memory so that a
//! REGISTER costs no database round-trip. The device service updates it
//! whenever it changes an account in the store, and other nodes' changes
//! come through `directory_sync.rs`.

use std::collections::HashMap;
use std::sync::RwLock;

use super::digest::{parse_algorithms, Algorithm};
use crate::store::{Ha1Pair, SipAccountRow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub ha1: Ha1Pair,
    /// Algorithms offered in challenges and accepted in credentials, in order
    /// of preference. Never empty.
    pub algorithms: Vec<Algorithm>,
}

impl Account {
    /// Parses a stored list such as `SHA-256,MD5`; unknown names are skipped
    /// and an empty result falls back to MD5.
    pub fn new(ha1: Ha1Pair, algorithms: &str) -> Self {
        Self {
            ha1,
            algorithms: parse_algorithms(algorithms).unwrap_or_else(|| vec![Algorithm::Md5]),
        }
    }
}

#[derive(Default)]
pub struct Directory {
    accounts: RwLock<HashMap<String, Account>>,
}

impl Directory {
    pub fn from_rows(rows: &[SipAccountRow]) -> Self {
        Self {
            accounts: RwLock::new(accounts(rows)),
        }
    }

    /// Every account as `rows` have them (the store read again).
    pub fn replace(&self, rows: &[SipAccountRow]) {
        *self.accounts.write().expect("directory lock") = accounts(rows);
    }

    pub fn get(&self, username: &str) -> Option<Account> {
        self.accounts
            .read()
            .expect("directory lock")
            .get(username)
            .cloned()
    }

    pub fn set(&self, username: &str, account: Account) {
        self.accounts
            .write()
            .expect("directory lock")
            .insert(username.to_string(), account);
    }

    pub fn remove(&self, username: &str) {
        self.accounts
            .write()
            .expect("directory lock")
            .remove(username);
    }
}

/// The accounts with credentials among `rows`, by user name.
fn accounts(rows: &[SipAccountRow]) -> HashMap<String, Account> {
    rows.iter()
        .filter_map(|row| {
            let account = Account::new(row.ha1()?, &row.digest_algorithms);
            Some((row.username.clone(), account))
        })
        .collect()
}
