//! A cloud's address as an installer types it somewhere other than the
//! wizard (the web admin, the control API): `https://host[:port]`, which
//! the device API's paths are appended to.

/// The address, normalised (no trailing slash); the error's code says
/// what is wrong.
pub fn parse_server_url(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).map_err(|_| "invalid_url")?;
    if url.scheme() != "https" {
        return Err("not_https");
    }
    if url.host_str().is_none_or(str::is_empty)
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err("invalid_url");
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_host_and_port_is_a_cloud_address() {
        assert_eq!(
            parse_server_url(" https://10.0.0.5:8443/ "),
            Ok("https://10.0.0.5:8443".to_string())
        );
        assert_eq!(parse_server_url("http://10.0.0.5"), Err("not_https"));
        assert_eq!(parse_server_url("10.0.0.5:8443"), Err("invalid_url"));
        assert_eq!(parse_server_url("https://u:p@cloud"), Err("invalid_url"));
        assert_eq!(parse_server_url(""), Err("invalid_url"));
    }
}
