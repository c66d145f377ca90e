//! `roomcloud casts …`: the screens browsers cast to rooms now, and
//! stopping one.

use clap::Subcommand;
use reqwest::Method;
use roomcloud::cast::CastView;
use roomcloud::client::AdminClient;

use super::tables::{cast_table, Output};
use super::{api_error, urlencode};

#[derive(Subcommand)]
pub(super) enum CastsCmd {
    /// List the casts rooms show now.
    List,
    /// Stop a cast: the room stops showing it and the browser is told.
    Stop {
        /// The session as `casts list` shows it.
        #[arg(allow_hyphen_values = true)]
        session: String,
    },
}

pub(super) async fn run(out: Output, client: &AdminClient, cmd: &CastsCmd) -> anyhow::Result<()> {
    match cmd {
        CastsCmd::List => {
            let list: Vec<CastView> = client
                .call(Method::GET, "/casts", None)
                .await
                .map_err(api_error)?;
            out.print(&list, || cast_table(&list));
        }
        CastsCmd::Stop { session } => {
            let path = format!("/casts/{}", urlencode(session));
            let cast: CastView = client
                .call(Method::DELETE, &path, None)
                .await
                .map_err(api_error)?;
            out.print(&cast, || {
                format!(
                    "stopped {}'s cast in {} ({})",
                    cast.caster, cast.room_name, cast.room_sn
                )
            });
        }
    }
    Ok(())
}
