//! Hands the network settings to systemd-networkd: one `.network` file for
//! the wired interfaces in a runtime folder (`/run/systemd/network` on the
//! image, whose root file system is read-only; the settings themselves live
//! on the data partition and are written again at every start).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::store::{write_atomic, NetworkSettings};

const FILE_NAME: &str = "50-roomterm.network";

/// The `.network` file for `settings`.
pub fn render_networkd(settings: &NetworkSettings) -> String {
    let mut out = String::from(
        "# Written by roomterm from its network settings; changes here are overwritten.\n\
         [Match]\nType=ether\nName=en* eth*\n\n[Network]\n",
    );
    match settings {
        NetworkSettings::Dhcp => out.push_str("DHCP=yes\n"),
        NetworkSettings::Static {
            address,
            gateway,
            dns,
        } => {
            let _ = writeln!(out, "Address={address}\nGateway={gateway}");
            for server in dns {
                let _ = writeln!(out, "DNS={server}");
            }
        }
    }
    // Link-local IPv6 stays on so the terminal can be found on a bare LAN.
    out.push_str("LinkLocalAddressing=ipv6\n");
    out
}

/// Where (if anywhere) the settings go. Without a folder the terminal keeps
/// the settings but leaves the machine's network alone, as on a developer's
/// PC.
#[derive(Debug, Clone, Default)]
pub struct NetworkConfigurator {
    pub networkd_dir: Option<PathBuf>,
}

impl NetworkConfigurator {
    /// Writes the file and asks networkd to reload it. Returns the file
    /// written, or `None` when not configured to touch the network.
    pub async fn apply(&self, settings: &NetworkSettings) -> std::io::Result<Option<PathBuf>> {
        let Some(dir) = &self.networkd_dir else {
            return Ok(None);
        };
        let path = dir.join(FILE_NAME);
        write_atomic(&path, render_networkd(settings).as_bytes())?;
        // networkd may not run (a container, a test folder): the file is
        // still right for the next start.
        match tokio::process::Command::new("networkctl")
            .arg("reload")
            .output()
            .await
        {
            Ok(out) if out.status.success() => {}
            Ok(out) => tracing::warn!(
                stderr = %String::from_utf8_lossy(&out.stderr).trim(),
                "networkctl reload failed; the settings apply at the next start"
            ),
            Err(err) => tracing::info!(%err, "networkctl not available; settings written only"),
        }
        Ok(Some(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhcp_and_static_files() {
        assert!(render_networkd(&NetworkSettings::Dhcp).contains("\nDHCP=yes\n"));
        let file = render_networkd(&NetworkSettings::Static {
            address: "192.168.1.20/24".into(),
            gateway: "192.168.1.1".into(),
            dns: vec!["192.168.1.1".into(), "8.8.8.8".into()],
        });
        assert!(file.contains(
            "\nAddress=192.168.1.20/24\nGateway=192.168.1.1\nDNS=192.168.1.1\nDNS=8.8.8.8\n"
        ));
        assert!(!file.contains("DHCP"));
    }
}
