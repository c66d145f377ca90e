//! HTTP Digest for SIP (RFC 3261 §22, RFC 7616/8760): MD5 and SHA-256 with
//! `qop=auth`. We parse the Authorization header ourselves because the
//! response hash must be computed over the `uri` exactly as the client sent it.

use subtle::ConstantTimeEq;

pub use roomterm_proto::digest::Algorithm;
use roomterm_proto::digest::{auth_params, response};

use crate::store::Ha1Pair;

fn stored_ha1(algorithm: Algorithm, pair: &Ha1Pair) -> &str {
    match algorithm {
        Algorithm::Md5 => &pair.md5,
        Algorithm::Sha256 => &pair.sha256,
    }
}

/// Parses a list such as `SHA-256,MD5`, keeping order and dropping repeats.
/// `None` if any name is unknown or the list is empty.
pub fn parse_algorithms(list: &str) -> Option<Vec<Algorithm>> {
    let mut out: Vec<Algorithm> = Vec::new();
    for name in list.split(',') {
        let alg = Algorithm::parse(name.trim())?;
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    (!out.is_empty()).then_some(out)
}

pub fn format_algorithms(list: &[Algorithm]) -> String {
    list.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
}

/// The parameters of a `Digest` Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Algorithm,
    /// `Some((nc, cnonce))` when the client used `qop=auth`.
    pub qop_auth: Option<(u32, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("not a Digest authorization")]
    NotDigest,
    #[error("missing parameter {0}")]
    Missing(&'static str),
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("unsupported qop")]
    Qop,
    #[error("malformed parameters")]
    Malformed,
}

impl Credentials {
    pub fn parse(header: &str) -> Result<Self, CredentialsError> {
        let header = header.trim();
        let (scheme, rest) = header
            .split_once(char::is_whitespace)
            .ok_or(CredentialsError::NotDigest)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(CredentialsError::NotDigest);
        }
        let params = auth_params(rest).map_err(|_| CredentialsError::Malformed)?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let need = |name: &'static str| get(name).ok_or(CredentialsError::Missing(name));
        let algorithm = match get("algorithm") {
            Some(a) => Algorithm::parse(&a).ok_or(CredentialsError::Algorithm)?,
            None => Algorithm::Md5,
        };
        let qop_auth = match get("qop") {
            None => None,
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let nc = u32::from_str_radix(&need("nc")?, 16)
                    .map_err(|_| CredentialsError::Malformed)?;
                Some((nc, need("cnonce")?))
            }
            Some(_) => return Err(CredentialsError::Qop),
        };
        Ok(Self {
            username: need("username")?,
            realm: need("realm")?,
            nonce: need("nonce")?,
            uri: need("uri")?,
            response: need("response")?,
            algorithm,
            qop_auth,
        })
    }

    /// The response a client knowing the password would have sent.
    pub fn expected_response(&self, ha1: &Ha1Pair, method: &str) -> String {
        let qop = self
            .qop_auth
            .as_ref()
            .map(|(nc, cnonce)| (*nc, cnonce.as_str()));
        response(
            self.algorithm,
            stored_ha1(self.algorithm, ha1),
            &self.nonce,
            qop,
            method,
            &self.uri,
        )
    }

    /// Constant-time comparison of the client's response with the expected one.
    pub fn verify(&self, ha1: &Ha1Pair, method: &str) -> bool {
        let expected = self.expected_response(ha1, method);
        let given = self.response.to_ascii_lowercase();
        expected.as_bytes().ct_eq(given.as_bytes()).into()
    }
}

/// A `WWW-Authenticate` value.
pub fn challenge(realm: &str, nonce: &str, algorithm: Algorithm, stale: bool) -> String {
    let mut out = format!(
        "Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"",
        algorithm.name()
    );
    if stale {
        out.push_str(", stale=TRUE");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::ha1;

    #[test]
    fn rfc_2617_example_verifies() {
        // RFC 2617 §3.5 (the URI and method are the HTTP ones of the example).
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth,
            nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",
            opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let creds = Credentials::parse(header).unwrap();
        let pair = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert!(creds.verify(&pair, "GET"));
        assert!(!creds.verify(&ha1("Mufasa", "testrealm@host.com", "wrong"), "GET"));
    }

    #[test]
    fn rfc_7616_sha256_example_verifies() {
        // RFC 7616 §3.9.1, SHA-256 response.
        let header = r#"Digest username="Mufasa", realm="http-auth@example.org",
            uri="/dir/index.html", algorithm=SHA-256,
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001,
            cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth,
            response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let creds = Credentials::parse(header).unwrap();
        assert_eq!(creds.algorithm, Algorithm::Sha256);
        let pair = ha1("Mufasa", "http-auth@example.org", "Circle of Life");
        assert!(creds.verify(&pair, "GET"));
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        for bad in [
            "",
            "Basic abc",
            "Digest",
            "Digest username=",
            "Digest username=\"unterminated",
            "Digest =x",
            "Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=zz, cnonce=f",
            "Digest username=a, realm=b, nonce=c, uri=d, response=e, algorithm=SHA-1",
        ] {
            assert!(Credentials::parse(bad).is_err(), "{bad}");
        }
    }
}
