//! Finding an account's servers from its address, where the mail provider publishes them: the
//! autoconfig file Thunderbird reads (`config-v1.1.xml`), asked of `autoconfig.DOMAIN` and of
//! `DOMAIN/.well-known/autoconfig/`, over HTTPS with the system's roots only (a pinned
//! certificate is not known yet). The file is untrusted input: bounded, parsed with quick-xml,
//! and only IMAP and SMTP servers with a known security are kept. Nothing found is not an
//! error: the wizard's guesses stay.

use std::time::Duration;

use quick_xml::events::Event as Xml;
use quick_xml::Reader;

use crate::account::{AccountSetup, TlsMode};
use crate::error::{Error, Result};
use crate::tls;

/// The largest autoconfig file read.
const MAX_BYTES: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(6);

/// The URLs asked for `email`'s domain, in order.
pub fn urls(email: &str) -> Result<Vec<String>> {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .ok_or_else(|| Error::BadInput(format!("{email:?} is not an address")))?;
    Ok(vec![
        format!("https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}"),
        format!("https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"),
    ])
}

/// The servers published for `email`, if any of [`urls`] answers with a usable file.
pub async fn discover(email: &str) -> Result<Option<AccountSetup>> {
    discover_from(email, &urls(email)?).await
}

/// [`discover`] asking `urls` (plain http only to a loopback address).
pub async fn discover_from(email: &str, urls: &[String]) -> Result<Option<AccountSetup>> {
    let config = tls::client_config(&[], tls::Seen::default())?;
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured((*config).clone())
        .redirect(reqwest::redirect::Policy::limited(3))
        .https_only(false)
        .timeout(TIMEOUT)
        .user_agent("Calame")
        .build()
        .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))?;
    for url in urls {
        let Ok(parsed) = reqwest::Url::parse(url) else {
            continue;
        };
        let loopback = parsed
            .host_str()
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
        if parsed.scheme() != "https" && !loopback {
            continue;
        }
        let body = match fetch(&client, parsed).await {
            Ok(Some(body)) => body,
            Ok(None) => continue,
            Err(e) => {
                tracing::debug!("autoconfig {url}: {e}");
                continue;
            }
        };
        if let Some(setup) = parse(&body, email) {
            return Ok(Some(setup));
        }
    }
    Ok(None)
}

async fn fetch(client: &reqwest::Client, url: reqwest::Url) -> Result<Option<String>> {
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| Error::network(url.as_str(), e))?;
    if !response.status().is_success() {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Error::network(url.as_str(), e))? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8(body).ok())
}

/// One server of the file, as read.
#[derive(Debug, Default, Clone)]
struct Server {
    kind: String,
    host: String,
    port: String,
    socket: String,
    username: String,
}

/// The account setup an autoconfig file gives for `email`: its first IMAP server and first
/// SMTP server whose security we know (SSL: implicit TLS; STARTTLS), the login from its
/// placeholders. `None` without an IMAP server. Pure.
pub fn parse(xml: &str, email: &str) -> Option<AccountSetup> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut servers: Vec<Server> = Vec::new();
    let mut current: Option<Server> = None;
    let mut field = String::new();
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Xml::Start(e)) => {
                depth += 1;
                if depth > 16 || servers.len() > 32 {
                    return None;
                }
                let name = e.local_name().as_ref().to_owned();
                if name == "incomingServer" || name == "outgoingServer" {
                    let kind = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "type")
                        .map(|a| a.value.to_ascii_lowercase())
                        .unwrap_or_default();
                    current = Some(Server {
                        kind,
                        ..Server::default()
                    });
                }
                field = name;
            }
            Ok(Xml::Text(t)) => {
                if let Some(server) = current.as_mut() {
                    let text = t.xml10_content().trim().to_owned();
                    match field.as_str() {
                        "hostname" => server.host = text,
                        "port" => server.port = text,
                        "socketType" => server.socket = text.to_ascii_uppercase(),
                        "username" => server.username = text,
                        _ => {}
                    }
                }
            }
            Ok(Xml::End(e)) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                if name.as_ref() == "incomingServer" || name.as_ref() == "outgoingServer" {
                    if let Some(server) = current.take() {
                        servers.push(server);
                    }
                }
                field.clear();
            }
            Ok(Xml::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let usable = |kind: &str| {
        servers.iter().find_map(|s| {
            if s.kind != kind || !plausible_host(&s.host) {
                return None;
            }
            let port: u16 = s.port.parse().ok().filter(|p| *p > 0)?;
            let tls = match s.socket.as_str() {
                "SSL" | "TLS" => TlsMode::Implicit,
                "STARTTLS" => TlsMode::Starttls,
                _ => return None,
            };
            Some((format!("{}:{port}", s.host), tls, s.username.clone()))
        })
    };
    let (imap, tls, username) = usable("imap")?;
    let smtp = usable("smtp");
    let (local, _) = email.rsplit_once('@')?;
    let login = username
        .replace("%EMAILADDRESS%", email)
        .replace("%EMAILLOCALPART%", local);
    Some(AccountSetup {
        email: email.to_owned(),
        login: (!login.is_empty() && !login.contains('%')).then_some(login),
        imap: Some(imap),
        tls: Some(tls),
        smtp: smtp.as_ref().map(|(hostport, _, _)| hostport.clone()),
        smtp_tls: smtp.map(|(_, tls, _)| tls),
        ..AccountSetup::default()
    })
}

fn plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIRIE: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="mairie.example">
    <domain>mairie.example</domain>
    <incomingServer type="pop3"><hostname>pop.mairie.example</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
    <incomingServer type="imap">
      <hostname>imap.mairie.example</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.mairie.example</hostname><port>587</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn a_provider_file_gives_imap_smtp_and_the_login() {
        let setup = parse(MAIRIE, "marie.martin@mairie.example").unwrap();
        assert_eq!(setup.imap.as_deref(), Some("imap.mairie.example:993"));
        assert_eq!(setup.tls, Some(TlsMode::Implicit));
        assert_eq!(setup.smtp.as_deref(), Some("smtp.mairie.example:587"));
        assert_eq!(setup.smtp_tls, Some(TlsMode::Starttls));
        assert_eq!(setup.login.as_deref(), Some("marie.martin"));
    }

    #[test]
    fn hostile_or_useless_files_give_nothing() {
        let email = "a@b.example";
        for bad in [
            "",
            "<clientConfig>",
            "not xml at all <<<",
            // Plain text only: no security we accept.
            r#"<clientConfig><incomingServer type="imap"><hostname>h</hostname><port>143</port><socketType>plain</socketType></incomingServer></clientConfig>"#,
            // A host that is not one.
            r#"<clientConfig><incomingServer type="imap"><hostname>h/../x?y</hostname><port>993</port><socketType>SSL</socketType></incomingServer></clientConfig>"#,
            r#"<clientConfig><incomingServer type="imap"><hostname>h</hostname><port>99999</port><socketType>SSL</socketType></incomingServer></clientConfig>"#,
        ] {
            assert!(parse(bad, email).is_none(), "{bad}");
        }
        let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        assert!(parse(&deep, email).is_none());
    }

    #[test]
    fn the_urls_are_the_providers_and_the_domains() {
        assert_eq!(
            urls("agent@mairie.example").unwrap(),
            vec![
                "https://autoconfig.mairie.example/mail/config-v1.1.xml?emailaddress=agent@mairie.example".to_owned(),
                "https://mairie.example/.well-known/autoconfig/mail/config-v1.1.xml".to_owned(),
            ]
        );
        assert!(urls("agent@evil/../x").is_err());
    }

    #[tokio::test]
    async fn served_on_loopback_it_is_found_and_a_missing_file_is_not_an_error() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let response = if request.starts_with("GET /found") {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{MAIRIE}",
                        MAIRIE.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
                };
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        let found = discover_from(
            "marie.martin@mairie.example",
            &[format!("{base}/missing"), format!("{base}/found")],
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(found.imap.as_deref(), Some("imap.mairie.example:993"));
        // Plain http elsewhere than loopback is never asked.
        let none = discover_from("a@b.example", &["http://192.0.2.1/x".to_owned()])
            .await
            .unwrap();
        assert!(none.is_none());
    }
}
