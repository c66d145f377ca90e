//! Console accounts: the enterprise admins and users who sign in to the
//! web console with a password (the product's rule, `roomterm_proto::
//! password`), kept as Argon2id hashes. Three wrong passwords in a row lock
//! the account for three minutes — counted in the store, so the lock holds
//! whichever process serves the next try. A right password starts a
//! session: a random id for the cookie (only its hash is kept) and the
//! token its forms must carry (CSRF).

use std::sync::Arc;

use serde::Serialize;

use crate::clock::SharedClock;
use crate::error::{check_name, check_token, CloudError, CloudResult};
use crate::secrets;
use crate::store::{AccountRow, NewAccount, Store, StoreError};

/// Wrong passwords in a row that lock an account.
pub const MAX_WRONG: i64 = 3;
/// How long a locked account refuses even the right password.
pub const LOCK_SECS: i64 = 3 * 60;
/// How long a session lasts.
pub const SESSION_SECS: i64 = 8 * 3600;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything in its enterprise.
    Admin,
    /// Its own meetings.
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Role::Admin),
            "user" => Some(Role::User),
            _ => None,
        }
    }
}

/// An account as pages and the CLI show it (never its hash).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: i64,
    pub created_at: i64,
    /// Only in the answer that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl From<&AccountRow> for AccountView {
    fn from(row: &AccountRow) -> Self {
        Self {
            id: row.id,
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role: Role::parse(&row.role).unwrap_or(Role::User),
            enterprise_id: row.enterprise_id,
            created_at: row.created_at,
            password: None,
        }
    }
}

/// A signed-in request's account and the token its forms carry.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: AccountView,
    pub csrf: String,
    /// The hash of the cookie's session id.
    session_hash: String,
}

/// How a sign-in went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The new session's id, for the cookie.
    Session(String),
    /// Unknown name or wrong password (the two are not told apart).
    Wrong,
    /// Seconds until the account takes passwords again.
    Locked(u64),
}

pub struct Accounts {
    store: Store,
    clock: SharedClock,
}

impl Accounts {
    pub fn new(store: Store, clock: SharedClock) -> Arc<Self> {
        Arc::new(Self { store, clock })
    }

    /// A new account of `enterprise` (id or name). The username is kept in
    /// lower case; the password must meet the rule.
    pub async fn create(
        &self,
        enterprise: &str,
        username: &str,
        display_name: Option<&str>,
        role: Role,
        password: &str,
    ) -> CloudResult<AccountView> {
        let username = check_token("username", &username.trim().to_lowercase())?;
        let display_name = check_name("display name", display_name.unwrap_or(&username))?;
        weak(password)?;
        let enterprise = self
            .store
            .find_enterprise(enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let password_hash = secrets::hash_code_blocking(password.to_string()).await?;
        let row = self
            .store
            .insert_account(
                &NewAccount {
                    enterprise_id: enterprise.id,
                    username: &username,
                    display_name: &display_name,
                    role: role.as_str(),
                    password_hash: &password_hash,
                },
                self.clock.now_secs(),
            )
            .await
            .map_err(CloudError::from_store("account"))?;
        tracing::info!(username = %row.username, role = %row.role, "console account created");
        Ok(AccountView::from(&row))
    }

    /// The accounts of `enterprise` (id or name), or all.
    pub async fn list(&self, enterprise: Option<&str>) -> CloudResult<Vec<AccountView>> {
        let enterprise_id = self
            .store
            .enterprise_id(enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let rows = self.store.list_accounts(enterprise_id).await?;
        Ok(rows.iter().map(AccountView::from).collect())
    }

    pub async fn remove(&self, username: &str) -> CloudResult<AccountView> {
        let row = self
            .store
            .delete_account(&username.trim().to_lowercase())
            .await
            .map_err(CloudError::from_store("account"))?;
        Ok(AccountView::from(&row))
    }

    /// Checks a password; a session when it is right and the account is
    /// not locked.
    pub async fn sign_in(&self, username: &str, password: &str) -> CloudResult<SignIn> {
        let now = self.clock.now_secs();
        let row = match self
            .store
            .account_by_username(&username.trim().to_lowercase())
            .await
        {
            Ok(row) => Some(row),
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(err.into()),
        };
        let Some(row) = row else {
            // As long as a wrong password takes: the time does not tell
            // which names exist.
            secrets::verify_code_blocking(password.to_string(), None).await?;
            return Ok(SignIn::Wrong);
        };
        match row.locked_until {
            Some(until) if until > now => return Ok(SignIn::Locked((until - now) as u64)),
            // A lock that ran out: the count starts again.
            Some(_) => self.store.clear_failed_logins(row.id).await?,
            None => {}
        }
        if !secrets::verify_code_blocking(password.to_string(), Some(row.password_hash.clone()))
            .await?
        {
            let row = self
                .store
                .record_failed_login(row.id, MAX_WRONG, now + LOCK_SECS)
                .await?;
            tracing::warn!(username = %row.username, wrong = row.failed_logins, "wrong console password");
            return Ok(match row.locked_until {
                Some(until) if until > now => SignIn::Locked((until - now) as u64),
                _ => SignIn::Wrong,
            });
        }
        self.store.clear_failed_logins(row.id).await?;
        let id = secrets::new_token("rcc_");
        let csrf = secrets::new_token("");
        self.store
            .insert_console_session(
                &secrets::hash_token(&id),
                row.id,
                &csrf,
                now + SESSION_SECS,
                now,
            )
            .await?;
        tracing::info!(username = %row.username, "signed in to the console");
        Ok(SignIn::Session(id))
    }

    /// The account a cookie's session id belongs to, while it lasts.
    pub async fn session(&self, id: &str) -> Option<SignedIn> {
        let session_hash = secrets::hash_token(id);
        let (row, csrf) = self
            .store
            .console_session(&session_hash, self.clock.now_secs())
            .await
            .ok()?;
        Some(SignedIn {
            account: AccountView::from(&row),
            csrf,
            session_hash,
        })
    }

    pub async fn sign_out(&self, signed_in: &SignedIn) -> CloudResult<()> {
        Ok(self
            .store
            .delete_console_session(&signed_in.session_hash)
            .await?)
    }

    /// A new password for the signed-in account, given its current one;
    /// its other sessions end.
    pub async fn change_password(
        &self,
        signed_in: &SignedIn,
        current: &str,
        new: &str,
    ) -> CloudResult<()> {
        let row = self
            .store
            .account_by_username(&signed_in.account.username)
            .await
            .map_err(CloudError::from_store("account"))?;
        if !secrets::verify_code_blocking(current.to_string(), Some(row.password_hash)).await? {
            return Err(CloudError::Coded {
                status: 403,
                code: "wrong_password",
                message: "the current password is wrong".into(),
            });
        }
        weak(new)?;
        let hash = secrets::hash_code_blocking(new.to_string()).await?;
        self.store
            .set_account_password(row.id, &hash, Some(&signed_in.session_hash))
            .await
            .map_err(CloudError::from_store("account"))
    }
}

/// A password that meets the rule, for an account made without one (shown
/// once): 24 random URL-safe characters, drawn again in the rare case
/// they miss three kinds.
pub fn generate_password() -> String {
    loop {
        let password = secrets::new_sip_password();
        if roomterm_proto::password::check(&password).is_ok() {
            return password;
        }
    }
}

/// A password the rule refuses, as the API says it.
fn weak(password: &str) -> CloudResult<()> {
    roomterm_proto::password::check(password).map_err(|weakness| CloudError::Coded {
        status: 400,
        code: "weak_password",
        message: weakness.explain().into(),
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
