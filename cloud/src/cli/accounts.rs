//! `roomcloud account …`: the people who sign in to the web console.

use clap::Subcommand;
use reqwest::Method;
use roomcloud::accounts::AccountView;
use roomcloud::client::AdminClient;
use serde_json::json;

use super::tables::{account_table, Output};
use super::{api_error, urlencode};

#[derive(Subcommand)]
pub(super) enum AccountCmd {
    /// Create a console account (the first admin of an enterprise, say).
    Add {
        username: String,
        #[arg(long)]
        enterprise: String,
        /// `admin` (everything in the enterprise) or `user` (own meetings).
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Password meeting the rule (generated and printed when omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// List console accounts.
    List {
        #[arg(long)]
        enterprise: Option<String>,
    },
    /// Remove a console account (its sessions end).
    Remove { username: String },
}

pub(super) async fn run(out: Output, client: &AdminClient, cmd: &AccountCmd) -> anyhow::Result<()> {
    match cmd {
        AccountCmd::Add {
            username,
            enterprise,
            role,
            display_name,
            password,
        } => {
            let body = json!({
                "username": username, "enterprise": enterprise, "role": role,
                "display_name": display_name, "password": password,
            });
            let a: AccountView = client
                .call(Method::POST, "/accounts", Some(body))
                .await
                .map_err(api_error)?;
            out.print(&a, || {
                format!(
                    "created console account {} ({:?})  password {}",
                    a.username,
                    a.role,
                    a.password.as_deref().unwrap_or("(as given)")
                )
            });
        }
        AccountCmd::List { enterprise } => {
            let path = match enterprise {
                Some(e) => format!("/accounts?enterprise={}", urlencode(e)),
                None => "/accounts".into(),
            };
            let list: Vec<AccountView> = client
                .call(Method::GET, &path, None)
                .await
                .map_err(api_error)?;
            out.print(&list, || account_table(&list));
        }
        AccountCmd::Remove { username } => {
            let a: AccountView = client
                .call(
                    Method::DELETE,
                    &format!("/accounts/{}", urlencode(username)),
                    None,
                )
                .await
                .map_err(api_error)?;
            out.print(&a, || format!("removed console account {}", a.username));
        }
    }
    Ok(())
}
