//! Accounts: what the user configured (no secrets here; passwords live in [`crate::secret`]).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    /// A plaintext greeting, then STARTTLS before anything else.
    Starttls,
    /// No TLS at all: refused unless the host is a loopback address.
    None,
}

impl TlsMode {
    /// The usual mode for a port: 993 and 465 mean implicit TLS, anything else STARTTLS.
    pub fn for_port(port: u16) -> TlsMode {
        match port {
            993 | 465 => TlsMode::Implicit,
            _ => TlsMode::Starttls,
        }
    }
}

impl FromStr for TlsMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "implicit" => Ok(TlsMode::Implicit),
            "starttls" => Ok(TlsMode::Starttls),
            "none" => Ok(TlsMode::None),
            other => Err(Error::BadInput(format!(
                "unknown TLS mode {other:?} (implicit, starttls, none)"
            ))),
        }
    }
}

/// A server address with its protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
}

impl Endpoint {
    /// Parse `HOST:PORT` (IPv6 as `[::1]:993`); `tls` defaults from the port.
    pub fn parse(spec: &str, tls: Option<TlsMode>) -> Result<Endpoint> {
        let bad = || Error::BadInput(format!("expected HOST:PORT, got {spec:?}"));
        let (host, port) = spec.rsplit_once(':').ok_or_else(bad)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad());
        }
        let port: u16 = port.parse().map_err(|_| bad())?;
        Ok(Endpoint {
            host: host.to_owned(),
            port,
            tls: tls.unwrap_or_else(|| TlsMode::for_port(port)),
        })
    }

    /// Whether the host is a loopback address (the only place plaintext is allowed).
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
    }

    /// Refuse plaintext to anything but loopback.
    pub fn check_plaintext_allowed(&self) -> Result<()> {
        if self.tls == TlsMode::None && !self.is_loopback() {
            return Err(Error::BadInput(format!(
                "plaintext (--tls none) is only allowed to a loopback address, not {}",
                self.host
            )));
        }
        Ok(())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// One configured account, as stored in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub email: String,
    pub name: Option<String>,
    pub login: String,
    pub imap: Endpoint,
    pub smtp: Option<Endpoint>,
    pub caldav: Option<String>,
    /// SHA-256 fingerprints (lowercase hex) of certificates trusted for this account's servers.
    #[serde(default)]
    pub trusted_certs: Vec<String>,
    /// The addresses the user sends as, besides the account's own (which an identity of the
    /// same address may dress with a name and signature).
    #[serde(default)]
    pub identities: Vec<Identity>,
}

/// How a message leaves under an identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SendMode {
    /// The user's own address.
    #[default]
    Own,
    /// From = the identity's address (a service mailbox), no Sender.
    SendAs,
    /// From = the identity's address, Sender = the account's own.
    OnBehalf,
}

/// An address to send as, with what goes with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Identity {
    pub email: String,
    pub name: Option<String>,
    pub mode: SendMode,
    /// Appended below the text, after the `-- ` line.
    pub signature: Option<String>,
    pub reply_to: Option<String>,
    /// Where the sent copy goes (a folder's full name); `None`: the mailbox's own Sent — a
    /// service's, for a service mailbox seen in the shared namespace; the account's otherwise.
    pub sent_folder: Option<String>,
    /// Found in the shared namespace rather than configured.
    #[serde(default)]
    pub discovered: bool,
}

impl Identity {
    pub fn check(&self) -> Result<()> {
        check_email(&self.email)?;
        if let Some(r) = &self.reply_to {
            check_email(r)?;
        }
        Ok(())
    }
}

/// The address of a shared folder's owner: the owner as the server names it when it is an
/// address, else the name at the account's domain (`accueil` → `accueil@ville.test`).
pub fn owner_address(owner: &str, account_email: &str) -> String {
    if owner.contains('@') {
        return owner.to_owned();
    }
    match account_email.rsplit_once('@') {
        Some((_, domain)) => format!("{owner}@{domain}"),
        None => owner.to_owned(),
    }
}

/// What the user gives to add an account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct AccountSetup {
    #[ts(optional = false)]
    pub email: String,
    pub name: Option<String>,
    pub login: Option<String>,
    /// `HOST:PORT`.
    pub imap: Option<String>,
    pub smtp: Option<String>,
    pub caldav: Option<String>,
    pub tls: Option<TlsMode>,
    pub smtp_tls: Option<TlsMode>,
    /// SHA-256 of a certificate of the server's chain, to pin.
    pub trust_cert: Option<String>,
}

impl AccountSetup {
    /// Check the setup and turn it into an account.
    pub fn into_account(self) -> Result<Account> {
        check_email(&self.email)?;
        let imap = self.imap.as_deref().ok_or_else(|| {
            Error::BadInput("no IMAP server given (--imap HOST:PORT); automatic discovery is not available yet".into())
        })?;
        let imap = Endpoint::parse(imap, self.tls)?;
        imap.check_plaintext_allowed()?;
        let smtp = match self.smtp.as_deref() {
            Some(spec) => Some(Endpoint::parse(spec, self.smtp_tls.or(self.tls))?),
            None => None,
        };
        if let Some(smtp) = &smtp {
            smtp.check_plaintext_allowed()?;
        }
        let trusted_certs = match self.trust_cert.as_deref() {
            Some(fp) => vec![normalise_fingerprint(fp)?],
            None => Vec::new(),
        };
        Ok(Account {
            login: self.login.unwrap_or_else(|| self.email.clone()),
            email: self.email,
            name: self.name,
            imap,
            smtp,
            caldav: self.caldav,
            trusted_certs,
            identities: Vec::new(),
        })
    }
}

fn check_email(email: &str) -> Result<()> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::BadInput(format!("{email:?} is not an e-mail address")))
    }
}

/// Accept `AB:CD:...` or `abcd...` (64 hex digits) and return lowercase hex without colons.
pub fn normalise_fingerprint(fp: &str) -> Result<String> {
    let hex: String = fp
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(Error::BadInput(format!(
            "{fp:?} is not a SHA-256 fingerprint (64 hexadecimal digits)"
        )))
    }
}

/// An account as listed to the user (`account list --json`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccountSummary {
    pub email: String,
    pub name: Option<String>,
    pub login: String,
    pub imap: String,
    pub smtp: Option<String>,
    pub caldav: Option<String>,
}

impl From<&Account> for AccountSummary {
    fn from(a: &Account) -> Self {
        AccountSummary {
            email: a.email.clone(),
            name: a.name.clone(),
            login: a.login.clone(),
            imap: a.imap.to_string(),
            smtp: a.smtp.as_ref().map(ToString::to_string),
            caldav: a.caldav.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_defaults_tls_from_port() {
        let e = Endpoint::parse("mail.example.test:993", None).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.tls),
            ("mail.example.test", 993, TlsMode::Implicit)
        );
        assert_eq!(Endpoint::parse("h:143", None).unwrap().tls, TlsMode::Starttls);
        assert_eq!(Endpoint::parse("[::1]:1143", Some(TlsMode::None)).unwrap().host, "::1");
        assert!(Endpoint::parse("nohost", None).is_err());
        assert!(Endpoint::parse("h:99999", None).is_err());
    }

    #[test]
    fn plaintext_only_to_loopback() {
        let setup = |imap: &str| AccountSetup {
            email: "a@example.test".into(),
            imap: Some(imap.into()),
            tls: Some(TlsMode::None),
            ..Default::default()
        };
        assert!(setup("127.0.0.1:1143").into_account().is_ok());
        assert!(setup("localhost:1143").into_account().is_ok());
        assert!(setup("mail.example.test:143").into_account().is_err());
    }

    #[test]
    fn fingerprints_normalise() {
        let colon = "AB:".repeat(31) + "AB";
        assert_eq!(normalise_fingerprint(&colon).unwrap(), "ab".repeat(32));
        assert!(normalise_fingerprint("abc").is_err());
    }

    #[test]
    fn login_defaults_to_email() {
        let a = AccountSetup {
            email: "alice@example.test".into(),
            imap: Some("h:993".into()),
            ..Default::default()
        }
        .into_account()
        .unwrap();
        assert_eq!(a.login, "alice@example.test");
        assert!(AccountSetup {
            email: "nope".into(),
            ..Default::default()
        }
        .into_account()
        .is_err());
    }
}
