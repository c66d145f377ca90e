//! `roomcloud enterprise …`: create and list enterprises.

use clap::Subcommand;
use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::store::Enterprise;
use serde_json::json;

use super::api_error;
use super::tables::{enterprise_table, Output};

#[derive(Subcommand)]
pub(super) enum EnterpriseCmd {
    /// Create an enterprise.
    Create { name: String },
    /// List enterprises.
    List,
}

pub(super) async fn run(
    out: Output,
    client: &AdminClient,
    cmd: &EnterpriseCmd,
) -> anyhow::Result<()> {
    match cmd {
        EnterpriseCmd::Create { name } => {
            let e: Enterprise = client
                .call(Method::POST, "/enterprises", Some(json!({ "name": name })))
                .await
                .map_err(api_error)?;
            out.print(&e, || {
                format!("created enterprise {} (id {})", e.name, e.id)
            });
        }
        EnterpriseCmd::List => {
            let list: Vec<Enterprise> = client
                .call(Method::GET, "/enterprises", None)
                .await
                .map_err(api_error)?;
            out.print(&list, || enterprise_table(&list));
        }
    }
    Ok(())
}
