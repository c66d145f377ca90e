//! SIP digest arithmetic (RFC 3261 §22, RFC 7616, RFC 8760) shared by the
//! registrar (verifying) and the terminal (answering challenges): the
//! algorithms, the auth-param syntax, and the response hash.

use md5::Md5;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_uppercase().as_str() {
            "MD5" => Some(Self::Md5),
            // RFC 8760 spells it SHA-256; some implementations omit the dash.
            "SHA-256" | "SHA256" => Some(Self::Sha256),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    /// Lower-case hex of the hash of `input`.
    pub fn hash(self, input: &str) -> String {
        match self {
            Self::Md5 => hex::encode(Md5::digest(input.as_bytes())),
            Self::Sha256 => hex::encode(Sha256::digest(input.as_bytes())),
        }
    }

    /// `H(username:realm:password)`.
    pub fn ha1(self, username: &str, realm: &str, password: &str) -> String {
        self.hash(&format!("{username}:{realm}:{password}"))
    }
}

/// The `response` value for `qop=auth` (with `Some((nc, cnonce))`) or for the
/// RFC 2069 form without qop.
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    qop_auth: Option<(u32, &str)>,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = algorithm.hash(&format!("{method}:{uri}"));
    match qop_auth {
        Some((nc, cnonce)) => {
            algorithm.hash(&format!("{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}"))
        }
        None => algorithm.hash(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedParams;

/// Splits `Scheme a=b, c="d, e"` (after the scheme) into lower-cased names
/// and unquoted values, honouring quoted strings and escapes.
pub fn auth_params(input: &str) -> Result<Vec<(String, String)>, MalformedParams> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        skip_space(&mut chars);
        if chars.next() != Some('=') || name.is_empty() {
            return Err(MalformedParams);
        }
        skip_space(&mut chars);
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.push(chars.next().ok_or(MalformedParams)?),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(MalformedParams),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((name.to_ascii_lowercase(), value));
    }
}

/// A `WWW-Authenticate: Digest …` challenge, as a client reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub algorithm: Algorithm,
    pub qop_auth: bool,
    pub opaque: Option<String>,
    pub stale: bool,
}

impl Challenge {
    /// `None` if the header is not a Digest challenge we can answer.
    pub fn parse(header: &str) -> Option<Self> {
        let (scheme, rest) = header.trim().split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let params = auth_params(rest).ok()?;
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        let algorithm = match get("algorithm") {
            Some(a) => Algorithm::parse(a)?,
            None => Algorithm::Md5,
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(q) => {
                let offered: Vec<&str> = q.split(',').map(str::trim).collect();
                if !offered.iter().any(|q| q.eq_ignore_ascii_case("auth")) {
                    return None;
                }
                true
            }
        };
        Some(Self {
            realm: get("realm")?.to_string(),
            nonce: get("nonce")?.to_string(),
            algorithm,
            qop_auth,
            opaque: get("opaque").map(str::to_string),
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// The Authorization value answering this challenge.
    pub fn answer(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let ha1 = self.algorithm.ha1(username, &self.realm, password);
        let qop = self.qop_auth.then_some((nc, cnonce));
        let response = response(self.algorithm, &ha1, &self.nonce, qop, method, uri);
        let mut out = format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
            self.realm,
            self.nonce,
            self.algorithm.name()
        );
        if self.qop_auth {
            out.push_str(&format!(", qop=auth, nc={nc:08x}, cnonce=\"{cnonce}\""));
        }
        if let Some(opaque) = &self.opaque {
            out.push_str(&format!(", opaque=\"{opaque}\""));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7616_sha256_vector() {
        let ha1 = Algorithm::Sha256.ha1("Mufasa", "http-auth@example.org", "Circle of Life");
        let r = response(
            Algorithm::Sha256,
            &ha1,
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            Some((1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
            "GET",
            "/dir/index.html",
        );
        assert_eq!(
            r,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn challenges_parse_and_answer() {
        let c = Challenge::parse(
            r#"Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth,auth-int", stale=TRUE"#,
        )
        .unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert!(c.qop_auth && c.stale);
        let answer = c.answer("u", "p", "REGISTER", "sip:r", 1, "c");
        assert!(answer.contains("nc=00000001") && answer.contains("algorithm=SHA-256"));
        assert!(Challenge::parse("Basic realm=\"r\"").is_none());
        assert!(Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512").is_none());
        assert!(Challenge::parse("Digest realm=\"r").is_none());
    }
}
