//! Submission (RFC 6409) through lettre's SMTP client, over a connection we open ourselves so
//! that the same trust rules as IMAP apply: system roots or a pinned certificate, plaintext
//! only to loopback. Knows nothing of the outbox or the cache: it sends bytes it is given and
//! says precisely why a send failed (which recipient, authentication, size, sender).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::Address;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;

use crate::account::{Account, TlsMode};
use crate::error::{Error, Result};
use crate::imap::connect::{tcp_connect, tls_wrap};
use crate::secret::Secret;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A logged-in submission connection.
pub struct Submission {
    conn: AsyncSmtpConnection,
    host: String,
}

impl fmt::Debug for Submission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Submission").field("host", &self.host).finish()
    }
}

/// Connect to the account's submission server and authenticate.
pub async fn connect(account: &Account, password: &Secret<String>) -> Result<Submission> {
    let endpoint = account
        .smtp
        .as_ref()
        .ok_or_else(|| Error::BadInput(format!("{} has no SMTP server (--smtp HOST:PORT)", account.email)))?;
    endpoint.check_plaintext_allowed()?;
    let host = endpoint.host.clone();
    let tcp = tcp_connect(endpoint).await?;
    let peer = tcp.peer_addr().map_err(|e| Error::network(&host, e))?;
    let hello = ClientId::Domain("calame.localhost".into());
    let stream: Box<dyn AsyncTokioStream> = match endpoint.tls {
        TlsMode::Implicit => Box::new(Wire::new(tls_wrap(tcp, &host, &account.trusted_certs).await?, peer)),
        TlsMode::Starttls => {
            let plain = starttls(tcp, &host).await?;
            let tls = tls_wrap(plain, &host, &account.trusted_certs).await?;
            // lettre reads a greeting first; after STARTTLS the server sends none (RFC 3207
            // §4.2: the client starts again with EHLO), so the stream begins with one of ours.
            Box::new(Wire::greeted(tls, peer))
        }
        TlsMode::None => Box::new(Wire::new(tcp, peer)),
    };
    let mut conn = timed(&host, AsyncSmtpConnection::connect_with_transport(stream, &hello))
        .await?
        .map_err(|e| smtp_error(&host, e))?;
    let credentials = Credentials::new(account.login.clone(), password.expose().clone());
    match timed(&host, conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)).await? {
        Ok(_) => Ok(Submission { conn, host }),
        Err(e) if e.is_permanent() || e.is_transient() => Err(Error::Auth {
            login: account.login.clone(),
        }),
        Err(e) => Err(smtp_error(&host, e)),
    }
}

impl Submission {
    /// Send one message: MAIL FROM `from`, RCPT TO each of `to`, then the bytes. A refused
    /// recipient is named; nothing is sent unless every recipient is accepted.
    pub async fn send(&mut self, from: &str, to: &[String], raw: &[u8]) -> Result<()> {
        let host = self.host.clone();
        let sender: Address = from
            .parse()
            .map_err(|_| Error::BadInput(format!("{from:?} is not an address")))?;
        if to.is_empty() {
            return Err(Error::BadInput("a message needs at least one recipient".into()));
        }
        if let Err(e) = timed(&host, self.conn.command(Mail::new(Some(sender), vec![]))).await? {
            return Err(refused(&host, e, &format!("the sender {from}")));
        }
        for rcpt in to {
            let address: Address = rcpt
                .parse()
                .map_err(|_| Error::BadInput(format!("{rcpt:?} is not an address")))?;
            if let Err(e) = timed(&host, self.conn.command(Rcpt::new(address, vec![]))).await? {
                let _ = self.conn.command("RSET\r\n").await;
                // Servers check the sender at RCPT time too (Postfix's smtpd_delay_reject):
                // a refusal that names the sender is about the sender.
                let about = if e.to_string().contains(from) {
                    format!("the sender {from}")
                } else {
                    format!("the recipient {rcpt}")
                };
                return Err(refused(&host, e, &about));
            }
        }
        if let Err(e) = timed(&host, self.conn.command(Data)).await? {
            return Err(refused(&host, e, "the message"));
        }
        match timed(&host, self.conn.message(raw)).await? {
            Ok(_) => Ok(()),
            Err(e) => Err(refused(&host, e, "the message")),
        }
    }

    pub async fn quit(mut self) {
        // Best effort: the message is already accepted.
        let _ = self.conn.quit().await;
    }
}

/// The plaintext part of STARTTLS: greeting, EHLO, STARTTLS and its 220, read line by line so
/// that nothing the server sends after it is kept (no response injection).
async fn starttls(tcp: TcpStream, host: &str) -> Result<TcpStream> {
    let mut reader = BufReader::new(tcp);
    let net = |e: io::Error| Error::network(host, e);
    expect_reply(&mut reader, host, "220").await?;
    reader
        .get_mut()
        .write_all(b"EHLO calame.localhost\r\n")
        .await
        .map_err(net)?;
    let ehlo = expect_reply(&mut reader, host, "250").await?;
    if !ehlo
        .iter()
        .any(|l| l.get(4..).is_some_and(|x| x.eq_ignore_ascii_case("STARTTLS")))
    {
        return Err(Error::Refused(format!("{host} does not offer STARTTLS")));
    }
    reader.get_mut().write_all(b"STARTTLS\r\n").await.map_err(net)?;
    expect_reply(&mut reader, host, "220").await?;
    if !reader.buffer().is_empty() {
        return Err(Error::Protocol(format!("{host} sent data before the TLS handshake")));
    }
    Ok(reader.into_inner())
}

/// Read one (possibly multi-line) reply and check its code; returns its lines.
async fn expect_reply(reader: &mut BufReader<TcpStream>, host: &str, code: &str) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = timed(host, reader.read_line(&mut line))
            .await?
            .map_err(|e| Error::network(host, e))?;
        if n == 0 {
            return Err(Error::network(host, "connection closed"));
        }
        if lines.len() > 100 || line.len() > 1000 {
            return Err(Error::Protocol(format!("{host} sent an oversized reply")));
        }
        let line = line.trim_end().to_owned();
        let last = line.get(3..4) != Some("-");
        let ok = line.starts_with(code);
        lines.push(line);
        if last {
            return if ok {
                Ok(lines)
            } else {
                Err(Error::Refused(format!("{host}: {}", lines.join(" / "))))
            };
        }
    }
}

async fn timed<F: std::future::Future>(host: &str, fut: F) -> Result<F::Output> {
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .map_err(|_| Error::network(host, "the server stopped answering"))
}

fn smtp_error(host: &str, e: lettre::transport::smtp::Error) -> Error {
    if e.is_permanent() || e.is_transient() {
        Error::Refused(format!("{host}: {e}"))
    } else {
        Error::network(host, e)
    }
}

/// A refusal of `what`, with the server's words; 552 / 5.3.4 is a message too large.
fn refused(host: &str, e: lettre::transport::smtp::Error, what: &str) -> Error {
    if !(e.is_permanent() || e.is_transient()) {
        return Error::network(host, e);
    }
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if code == "552" || e.to_string().contains("5.3.4") {
        return Error::Refused(format!("{host}: the message is too large ({e})"));
    }
    Error::Refused(format!("{host} refused {what}: {e}"))
}

/// A byte stream as lettre wants it, optionally starting with a greeting of ours.
struct Wire<S> {
    inner: S,
    peer: SocketAddr,
    greeting: &'static [u8],
}

impl<S> Wire<S> {
    fn new(inner: S, peer: SocketAddr) -> Self {
        Wire {
            inner,
            peer,
            greeting: b"",
        }
    }

    fn greeted(inner: S, peer: SocketAddr) -> Self {
        Wire {
            inner,
            peer,
            greeting: b"220 TLS\r\n",
        }
    }
}

impl<S> fmt::Debug for Wire<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wire").field("peer", &self.peer).finish()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if !self.greeting.is_empty() {
            let n = self.greeting.len().min(buf.remaining());
            let (now, later) = self.greeting.split_at(n);
            buf.put_slice(now);
            self.greeting = later;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Send + Sync + Unpin> AsyncTokioStream for Wire<S> {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}
