//! Opening a connection: TCP, then implicit TLS, STARTTLS or (loopback only) plaintext; the
//! greeting; LOGIN; CAPABILITY.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use async_imap::imap_proto::{Response, Status};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::counted::Counted;
use super::{imap_error, Connection, Stream};
use crate::account::{Account, Endpoint, TlsMode};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::tls;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// A server greets at once; silence means something else listens there (often an implicit
/// TLS port reached in STARTTLS mode).
const GREETING_TIMEOUT: Duration = Duration::from_secs(15);

/// Connect to the account's IMAP server and log in.
pub async fn connect(account: &Account, password: &Secret<String>) -> Result<Connection> {
    let endpoint = &account.imap;
    endpoint.check_plaintext_allowed()?;
    let host = endpoint.host.clone();
    let (stream, bytes_in) = open_stream(endpoint, &account.trusted_certs).await?;
    let client = async_imap::Client::new(stream);
    let mut session = timed(&host, client.login(&account.login, password.expose()))
        .await?
        .map_err(|(err, _client)| login_error(&host, &account.login, err))?;
    let capabilities = timed(&host, session.capabilities())
        .await?
        .map_err(|e| imap_error(&host, e))?
        .iter()
        .map(|c| match c {
            async_imap::types::Capability::Imap4rev1 => "IMAP4rev1".to_owned(),
            async_imap::types::Capability::Auth(a) => format!("AUTH={a}"),
            async_imap::types::Capability::Atom(a) => a.to_string(),
        })
        .collect();
    Ok(Connection {
        session,
        host,
        capabilities,
        bytes_in,
        tags: 0,
    })
}

fn login_error(host: &str, login: &str, err: async_imap::error::Error) -> Error {
    match err {
        async_imap::error::Error::No(_) => Error::Auth {
            login: login.to_owned(),
        },
        other => imap_error(host, other),
    }
}

async fn timed<F: std::future::Future>(host: &str, fut: F) -> Result<F::Output> {
    tokio::time::timeout(COMMAND_TIMEOUT, fut)
        .await
        .map_err(|_| Error::network(host, "the server stopped answering"))
}

/// A stream ready for the IMAP greeting... or already past it (STARTTLS): the greeting is
/// consumed here in every case, so the caller starts at LOGIN.
async fn open_stream(endpoint: &Endpoint, pins: &[String]) -> Result<(Stream, Arc<AtomicU64>)> {
    let host = endpoint.host.as_str();
    let (tcp, bytes_in) = Counted::new(tcp_connect(endpoint).await?);
    let stream: Stream = match endpoint.tls {
        TlsMode::Implicit => {
            let mut tls = async_imap::Client::new(tls_wrap(tcp, host, pins).await?);
            read_greeting(host, &mut tls).await?;
            Box::new(tls.into_inner())
        }
        TlsMode::Starttls => {
            let mut plain = async_imap::Client::new(tcp);
            read_greeting(host, &mut plain).await?;
            timed(host, plain.run_command_and_check_ok("STARTTLS", None))
                .await?
                .map_err(|e| Error::Refused(format!("STARTTLS refused by {host}: {e}")))?;
            // Anything the server sent after its OK was buffered by the plaintext client and
            // is dropped here with it (no STARTTLS response injection).
            Box::new(tls_wrap(plain.into_inner(), host, pins).await?)
        }
        TlsMode::None => {
            let mut plain = async_imap::Client::new(tcp);
            read_greeting(host, &mut plain).await?;
            Box::new(plain.into_inner())
        }
    };
    Ok((stream, bytes_in))
}

pub(crate) async fn tcp_connect(endpoint: &Endpoint) -> Result<TcpStream> {
    let host = endpoint.host.as_str();
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, endpoint.port)))
        .await
        .map_err(|_| Error::network(host, "connection timed out"))?
        .map_err(|e| Error::network(host, e))?;
    // Commands are small and latency-bound: never wait for Nagle.
    tcp.set_nodelay(true).map_err(|e| Error::network(host, e))?;
    Ok(tcp)
}

pub(crate) async fn tls_wrap<S>(tcp: S, host: &str, pins: &[String]) -> Result<tokio_rustls::client::TlsStream<S>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let seen = tls::Seen::default();
    let config = tls::client_config(pins, seen.clone())?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| Error::BadInput(format!("{host:?} is not a valid server name")))?;
    let handshake = TlsConnector::from(Arc::clone(&config)).connect(name, tcp);
    match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
        Err(_) => Err(Error::network(host, "TLS handshake timed out")),
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) if tls::is_trust_error(&e) => Err(Error::TlsUntrusted {
            host: host.to_owned(),
            fingerprint: seen.fingerprint().unwrap_or_default(),
            reason: e.to_string(),
        }),
        Ok(Err(e)) => Err(Error::network(host, format!("TLS: {e}"))),
    }
}

async fn read_greeting<T>(host: &str, client: &mut async_imap::Client<T>) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let greeting = tokio::time::timeout(GREETING_TIMEOUT, client.read_response())
        .await
        .map_err(|_| {
            Error::network(
                host,
                "no IMAP greeting (does this port expect implicit TLS? try --tls implicit)",
            )
        })?
        .map_err(|e| Error::network(host, e))?
        .ok_or_else(|| Error::network(host, "connection closed before the greeting"))?;
    match greeting.parsed() {
        Response::Data { status: Status::Ok, .. } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
            ..
        } => Err(Error::Refused(format!(
            "{host} closed the connection: {}",
            outcome.information.as_deref().unwrap_or("")
        ))),
        Response::Data {
            status: Status::PreAuth,
            ..
        } => Err(Error::Protocol(format!("{host} sent PREAUTH; a login is required"))),
        other => Err(Error::Protocol(format!("unexpected greeting from {host}: {other:?}"))),
    }
}
