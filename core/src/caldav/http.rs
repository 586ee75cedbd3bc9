//! HTTP for CalDAV: reqwest over our own rustls configuration (system roots or pinned
//! certificates, ring), HTTP Basic credentials, plaintext only to loopback. Every URL the
//! server names is kept on the account's origin: a hostile server cannot send our credentials
//! elsewhere. Status codes become typed errors (401 authentication, 403 refused, 412 conflict).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION};
use reqwest::{Method, StatusCode, Url};

use super::xml::{self, Multistatus};
use crate::account::Account;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::tls;

/// A whole request, body included: a large calendar on a slow server takes its time.
const TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A multistatus or an object bigger than this is refused (a 5,000-event calendar is ~5 MB).
const MAX_BODY: usize = 256 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

/// How a PUT may replace what the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition<'a> {
    /// Only if nothing is there yet (If-None-Match: *).
    Create,
    /// Only if the server still holds this version (If-Match).
    Replace(&'a str),
}

/// A logged-in CalDAV client for one account.
#[derive(Debug)]
pub struct Dav {
    client: reqwest::Client,
    pub base: Url,
    login: String,
    password: Secret<String>,
    seen: tls::Seen,
    /// HTTP requests made so far (round trips).
    requests: AtomicU32,
}

impl Dav {
    /// A client for the account's CalDAV server (`account.caldav`).
    pub fn new(account: &Account, password: &Secret<String>) -> Result<Dav> {
        let url = account
            .caldav
            .as_deref()
            .ok_or_else(|| Error::BadInput(format!("{} has no CalDAV server (--caldav URL)", account.email)))?;
        let base = Url::parse(url).map_err(|e| Error::BadInput(format!("{url:?} is not a URL: {e}")))?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(Error::BadInput(format!(
                    "plain http is only allowed to a loopback address, not {}",
                    host(&base)
                )))
            }
            other => return Err(Error::BadInput(format!("{other}: is not http or https"))),
        }
        let seen = tls::Seen::default();
        let config = tls::client_config(&account.trusted_certs, seen.clone())?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured((*config).clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .user_agent("Calame")
            .build()
            .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))?;
        Ok(Dav {
            client,
            base,
            login: account.login.clone(),
            password: password.clone(),
            seen,
            requests: AtomicU32::new(0),
        })
    }

    /// `href` (absolute, or a path) as a URL on the account's origin; anything else is refused.
    pub fn url(&self, href: &str) -> Result<Url> {
        let url = self
            .base
            .join(href)
            .map_err(|e| Error::Protocol(format!("unusable href {href:?}: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(Error::Protocol(format!(
                "the server points to another origin ({}): not followed",
                host(&url)
            )));
        }
        Ok(url)
    }

    pub async fn propfind(&self, url: &Url, depth: u8, props: &[(&str, &str)]) -> Result<Multistatus> {
        let body = xml::propfind(props);
        let bytes = self.dav_request("PROPFIND", url, depth, body).await?;
        xml::parse_multistatus(&bytes)
    }

    pub async fn report(&self, url: &Url, depth: u8, body: String) -> Result<Multistatus> {
        let bytes = self.dav_request("REPORT", url, depth, body).await?;
        xml::parse_multistatus(&bytes)
    }

    async fn dav_request(&self, method: &str, url: &Url, depth: u8, body: String) -> Result<Vec<u8>> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| Error::Protocol(e.to_string()))?;
        let mut headers = HeaderMap::new();
        headers.insert("Depth", HeaderValue::from(u16::from(depth)));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
        let (status, _, bytes) = self.send(method, url, headers, Some(body)).await?;
        if status != StatusCode::MULTI_STATUS {
            return Err(self.status_error(status, url, &bytes));
        }
        Ok(bytes)
    }

    /// The URL a `/.well-known/caldav` lookup leads to (redirects followed on the origin),
    /// or the base when the server has no such path.
    pub async fn well_known(&self) -> Result<Url> {
        let mut url = self.url("/.well-known/caldav")?;
        for _ in 0..MAX_REDIRECTS {
            let mut headers = HeaderMap::new();
            headers.insert("Depth", HeaderValue::from_static("0"));
            let body = xml::propfind(&[(xml::DAV, "current-user-principal")]);
            let request = self.request(
                Method::from_bytes(b"PROPFIND").map_err(|e| Error::Protocol(e.to_string()))?,
                &url,
                headers,
                Some(body),
            );
            let response = request.send().await.map_err(|e| self.transport_error(&url, e))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| Error::Protocol("a redirect without Location".into()))?;
                url = self.url(location)?;
                continue;
            }
            return Ok(if status == StatusCode::MULTI_STATUS {
                url
            } else {
                self.base.clone()
            });
        }
        Err(Error::Protocol("too many redirects from /.well-known/caldav".into()))
    }

    /// An object's bytes and ETag.
    pub async fn get(&self, url: &Url) -> Result<(Vec<u8>, Option<String>)> {
        let (status, headers, bytes) = self.send(Method::GET, url, HeaderMap::new(), None).await?;
        if !status.is_success() {
            return Err(self.status_error(status, url, &bytes));
        }
        Ok((bytes, etag(&headers)))
    }

    /// Store an iCalendar object; its new ETag when the server gives one.
    pub async fn put(&self, url: &Url, ics: &str, condition: Condition<'_>) -> Result<Option<String>> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
        match condition {
            Condition::Create => {
                headers.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
            }
            Condition::Replace(tag) => {
                let value =
                    HeaderValue::from_str(tag).map_err(|_| Error::Protocol(format!("unusable ETag {tag:?}")))?;
                headers.insert(IF_MATCH, value);
            }
        }
        let (status, headers, bytes) = self.send(Method::PUT, url, headers, Some(ics.to_owned())).await?;
        if !status.is_success() {
            return Err(self.status_error(status, url, &bytes));
        }
        Ok(etag(&headers))
    }

    /// Remove an object, only if the server still holds version `etag` (when given).
    pub async fn delete(&self, url: &Url, etag: Option<&str>) -> Result<()> {
        let mut headers = HeaderMap::new();
        if let Some(tag) = etag {
            let value = HeaderValue::from_str(tag).map_err(|_| Error::Protocol(format!("unusable ETag {tag:?}")))?;
            headers.insert(IF_MATCH, value);
        }
        let (status, _, bytes) = self.send(Method::DELETE, url, headers, None).await?;
        if !status.is_success() {
            return Err(self.status_error(status, url, &bytes));
        }
        Ok(())
    }

    /// The HTTP requests this client has made.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    fn request(&self, method: Method, url: &Url, headers: HeaderMap, body: Option<String>) -> reqwest::RequestBuilder {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .client
            .request(method, url.clone())
            .headers(headers)
            .basic_auth(&self.login, Some(self.password.expose()));
        if let Some(body) = body {
            request = request.body(body);
        }
        request
    }

    async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: HeaderMap,
        body: Option<String>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>)> {
        let mut response = self
            .request(method, url, headers, body)
            .send()
            .await
            .map_err(|e| self.transport_error(url, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport_error(url, e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(Error::Protocol(format!(
                    "{} sent more than {MAX_BODY} bytes",
                    host(url)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, headers, bytes))
    }

    fn transport_error(&self, url: &Url, e: reqwest::Error) -> Error {
        let host = host(url);
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if tls::is_trust_error(io) {
                    return Error::TlsUntrusted {
                        host,
                        fingerprint: self.seen.fingerprint().unwrap_or_default(),
                        reason: io.to_string(),
                    };
                }
            }
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                if matches!(tls, rustls::Error::InvalidCertificate(_)) {
                    return Error::TlsUntrusted {
                        host,
                        fingerprint: self.seen.fingerprint().unwrap_or_default(),
                        reason: tls.to_string(),
                    };
                }
            }
            source = err.source();
        }
        Error::network(&host, e)
    }

    fn status_error(&self, status: StatusCode, url: &Url, body: &[u8]) -> Error {
        let what = format!("{} {}", status.as_u16(), url.path());
        let said: String = String::from_utf8_lossy(body).chars().take(200).collect();
        match status {
            StatusCode::UNAUTHORIZED => Error::Auth {
                login: self.login.clone(),
            },
            StatusCode::PRECONDITION_FAILED => {
                Error::Conflict(format!("{} was changed on the server meanwhile ({what})", url.path()))
            }
            StatusCode::NOT_FOUND | StatusCode::GONE => Error::NotFound(what),
            StatusCode::FORBIDDEN => Error::Refused(format!("not allowed: {what}")),
            _ => Error::Refused(format!("{what}: {}", said.trim())),
        }
    }
}

fn etag(headers: &HeaderMap) -> Option<String> {
    headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn host(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
