//! `roomcloud sip-account …`: SIP accounts of third-party endpoints.

use clap::Subcommand;
use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::devices::SipAccountView;
use serde_json::json;

use super::tables::{sip_account_table, Output};
use super::{api_error, urlencode};

#[derive(Subcommand)]
pub(super) enum SipAccountCmd {
    /// Create a SIP account for a third-party endpoint.
    Add {
        username: String,
        #[arg(long)]
        enterprise: String,
        /// Password (generated and printed when omitted).
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Digest algorithms to offer, e.g. "SHA-256,MD5" (default MD5, which
        /// every endpoint understands).
        #[arg(long)]
        digest_algorithms: Option<String>,
    },
    /// List SIP accounts and whether they are registered.
    List,
    /// Remove a third-party SIP account.
    Remove { username: String },
}

pub(super) async fn run(
    out: Output,
    client: &AdminClient,
    cmd: &SipAccountCmd,
) -> anyhow::Result<()> {
    match cmd {
        SipAccountCmd::Add {
            username,
            enterprise,
            password,
            display_name,
            digest_algorithms,
        } => {
            let body = json!({
                "username": username, "enterprise": enterprise,
                "password": password, "display_name": display_name,
                "digest_algorithms": digest_algorithms,
            });
            let a: SipAccountView = client
                .call(Method::POST, "/sip-accounts", Some(body))
                .await
                .map_err(api_error)?;
            out.print(&a, || {
                format!(
                    "created SIP account {}  password {}",
                    a.username,
                    a.password.as_deref().unwrap_or("(as given)")
                )
            });
        }
        SipAccountCmd::List => {
            let list: Vec<SipAccountView> = client
                .call(Method::GET, "/sip-accounts", None)
                .await
                .map_err(api_error)?;
            out.print(&list, || sip_account_table(&list));
        }
        SipAccountCmd::Remove { username } => {
            let _: serde_json::Value = client
                .call(
                    Method::DELETE,
                    &format!("/sip-accounts/{}", urlencode(username)),
                    None,
                )
                .await
                .map_err(api_error)?;
            if !out.json {
                println!("removed SIP account {username}");
            }
        }
    }
    Ok(())
}
