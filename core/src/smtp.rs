//! Submission (RFC 6409) through lettre's SMTP client, over a connection we open ourselves so
//! that the same trust rules as IMAP apply: system roots or a pinned certificate, plaintext
//! only to loopback. Knows nothing of the outbox or the cache: it sends bytes it is given and
//! says precisely why a send failed (which recipient, authentication, size, sender).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
    gate: SharedGate,
    /// A transaction failed half-way: the connection must not carry another one.
    broken: bool,
}

/// What the sender does around the end of a message's data (see [`crate::outbox`]): `before`
/// runs when all but the final dot has been written, as the last thing before the dot is
/// handed to the stream, and an error from it keeps the dot from being written (the server
/// then drops the message); `after` runs once the dot is flushed to the network.
pub trait EndOfData: Send {
    fn before(&mut self) -> Result<()>;
    fn after(&mut self) -> Result<()>;
}

/// Why a send failed, and what that means for the message.
#[derive(Debug)]
pub struct SendFailure {
    pub error: Error,
    /// Refused for good (5xx): sending it again would fail the same way.
    pub permanent: bool,
    /// The end of the data had been handed to the stream when the line failed: the server
    /// may have the message.
    pub after_end: bool,
}

impl SendFailure {
    fn before_end(error: Error, permanent: bool) -> SendFailure {
        SendFailure {
            error,
            permanent,
            after_end: false,
        }
    }
}

/// The writer's side of [`EndOfData`], shared between [`Submission`] and its stream.
#[derive(Default)]
struct Gate {
    /// The next write is the end of the data.
    armed: bool,
    before_done: bool,
    /// The end of the data was handed to the stream below.
    end_written: bool,
    hook: Option<Box<dyn EndOfData>>,
    /// `before` failed: the end was not written.
    before_failed: Option<Error>,
}

type SharedGate = Arc<Mutex<Gate>>;

fn lock(gate: &SharedGate) -> MutexGuard<'_, Gate> {
    gate.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The message's bytes, then (when lettre asks for more) the gate armed for the final dot.
struct ArmAtEnd<'a> {
    part: Option<&'a [u8]>,
    gate: &'a SharedGate,
}

impl<'a> Iterator for ArmAtEnd<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let part = self.part.take();
        if part.is_none() {
            lock(self.gate).armed = true;
        }
        part
    }
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
    let gate = SharedGate::default();
    let stream: Box<dyn AsyncTokioStream> = match endpoint.tls {
        TlsMode::Implicit => Box::new(Wire::new(
            tls_wrap(tcp, &host, &account.trusted_certs).await?,
            peer,
            &gate,
        )),
        TlsMode::Starttls => {
            let plain = starttls(tcp, &host).await?;
            let tls = tls_wrap(plain, &host, &account.trusted_certs).await?;
            // lettre reads a greeting first; after STARTTLS the server sends none (RFC 3207
            // §4.2: the client starts again with EHLO), so the stream begins with one of ours.
            Box::new(Wire::greeted(tls, peer, &gate))
        }
        TlsMode::None => Box::new(Wire::new(tcp, peer, &gate)),
    };
    let mut conn = timed(&host, AsyncSmtpConnection::connect_with_transport(stream, &hello))
        .await?
        .map_err(|e| smtp_error(&host, e))?;
    let credentials = Credentials::new(account.login.clone(), password.expose().clone());
    match timed(&host, conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)).await? {
        Ok(_) => Ok(Submission {
            conn,
            host,
            gate,
            broken: false,
        }),
        Err(e) if e.is_permanent() || e.is_transient() => Err(Error::Auth {
            login: account.login.clone(),
        }),
        Err(e) => Err(smtp_error(&host, e)),
    }
}

impl Submission {
    /// Send one message: MAIL FROM `from`, RCPT TO each of `to`, then the bytes, with `end`
    /// called around the final dot. A refused recipient is named; nothing is sent unless
    /// every recipient is accepted.
    pub async fn send(
        &mut self,
        from: &str,
        to: &[String],
        raw: &[u8],
        end: Box<dyn EndOfData>,
    ) -> std::result::Result<(), SendFailure> {
        let host = self.host.clone();
        let sender: Address = from
            .parse()
            .map_err(|_| SendFailure::before_end(Error::BadInput(format!("{from:?} is not an address")), true))?;
        if to.is_empty() {
            let e = Error::BadInput("a message needs at least one recipient".into());
            return Err(SendFailure::before_end(e, true));
        }
        let mut recipients = Vec::with_capacity(to.len());
        for rcpt in to {
            let address: Address = rcpt
                .parse()
                .map_err(|_| SendFailure::before_end(Error::BadInput(format!("{rcpt:?} is not an address")), true))?;
            recipients.push(address);
        }
        if self.broken {
            let e = Error::network(&host, "the connection failed during a previous message");
            return Err(SendFailure::before_end(e, false));
        }
        // Until the transaction ends cleanly, the connection is not reusable.
        self.broken = true;
        self.command(Mail::new(Some(sender), vec![]), &format!("the sender {from}"))
            .await?;
        for (rcpt, address) in to.iter().zip(recipients) {
            let e = match timed(&host, self.conn.command(Rcpt::new(address, vec![]))).await {
                Ok(Ok(_)) => continue,
                Ok(Err(e)) if e.is_permanent() || e.is_transient() => e,
                Ok(Err(e)) => return Err(SendFailure::before_end(Error::network(&host, e), false)),
                Err(timeout) => return Err(SendFailure::before_end(timeout, false)),
            };
            if timed(&host, self.conn.command("RSET\r\n"))
                .await
                .is_ok_and(|r| r.is_ok())
            {
                self.broken = false;
            }
            // Servers check the sender at RCPT time too (Postfix's smtpd_delay_reject):
            // a refusal that names the sender is about the sender.
            let about = if e.to_string().contains(from) {
                format!("the sender {from}")
            } else {
                format!("the recipient {rcpt}")
            };
            return Err(SendFailure::before_end(refused(&host, &e, &about), e.is_permanent()));
        }
        self.command(Data, "the message").await?;
        {
            let mut gate = lock(&self.gate);
            *gate = Gate {
                hook: Some(end),
                ..Gate::default()
            };
        }
        let parts = ArmAtEnd {
            part: Some(raw),
            gate: &self.gate,
        };
        let answer = timed(&host, self.conn.message_iter(parts)).await;
        let gate = std::mem::take(&mut *lock(&self.gate));
        if let Some(error) = gate.before_failed {
            // Our own record failed: the dot was not written, nothing was delivered.
            return Err(SendFailure::before_end(error, false));
        }
        match answer {
            Ok(Ok(_)) => {
                self.broken = false;
                Ok(())
            }
            Ok(Err(e)) if e.is_permanent() || e.is_transient() => {
                self.broken = false;
                Err(SendFailure::before_end(
                    refused(&host, &e, "the message"),
                    e.is_permanent(),
                ))
            }
            Ok(Err(e)) => Err(SendFailure {
                error: Error::network(&host, e),
                permanent: false,
                after_end: gate.end_written,
            }),
            Err(timeout) => Err(SendFailure {
                error: timeout,
                permanent: false,
                after_end: gate.end_written,
            }),
        }
    }

    /// One command of a transaction; a refusal names `what`.
    async fn command(&mut self, command: impl fmt::Display, what: &str) -> std::result::Result<(), SendFailure> {
        match timed(&self.host, self.conn.command(command)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() || e.is_transient() => {
                Err(SendFailure::before_end(refused(&self.host, &e, what), e.is_permanent()))
            }
            Ok(Err(e)) => Err(SendFailure::before_end(Error::network(&self.host, e), false)),
            Err(timeout) => Err(SendFailure::before_end(timeout, false)),
        }
    }

    /// Whether another message may go through this connection.
    pub fn is_usable(&self) -> bool {
        !self.broken
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
fn refused(host: &str, e: &lettre::transport::smtp::Error, what: &str) -> Error {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if code == "552" || e.to_string().contains("5.3.4") {
        return Error::Refused(format!("{host}: the message is too large ({e})"));
    }
    Error::Refused(format!("{host} refused {what}: {e}"))
}

/// A byte stream as lettre wants it, optionally starting with a greeting of ours.
/// Its writes go through the [`Gate`]: the write that follows the message's bytes (the final
/// dot) runs the hook's `before` first, and the flush that puts it on the socket its `after`.
struct Wire<S> {
    inner: S,
    peer: SocketAddr,
    greeting: &'static [u8],
    gate: SharedGate,
}

impl<S> Wire<S> {
    fn new(inner: S, peer: SocketAddr, gate: &SharedGate) -> Self {
        Wire {
            inner,
            peer,
            greeting: b"",
            gate: Arc::clone(gate),
        }
    }

    fn greeted(inner: S, peer: SocketAddr, gate: &SharedGate) -> Self {
        Wire {
            greeting: b"220 TLS\r\n",
            ..Wire::new(inner, peer, gate)
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
        let this = &mut *self;
        let at_end = {
            let gate = lock(&this.gate);
            gate.armed && !gate.before_done
        };
        if at_end {
            // What is still buffered of the message goes out first, so that the hook runs
            // right before the dot's own bytes are written.
            std::task::ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        }
        let armed = {
            let mut gate = lock(&this.gate);
            if gate.armed && !gate.before_done {
                gate.before_done = true;
                if let Some(Err(e)) = gate.hook.as_mut().map(|h| h.before()) {
                    gate.before_failed = Some(e);
                    gate.armed = false;
                    return Poll::Ready(Err(io::Error::other("the send could not be recorded")));
                }
            }
            gate.armed
        };
        let written = Pin::new(&mut this.inner).poll_write(cx, data);
        if armed && matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            lock(&this.gate).end_written = true;
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) {
            let mut gate = lock(&this.gate);
            if gate.armed && gate.end_written {
                gate.armed = false;
                if let Some(Err(e)) = gate.hook.as_mut().map(|h| h.after()) {
                    // The dot is gone: the server's answer decides; the record is only not
                    // yet durable.
                    tracing::warn!("after the end of a message: {e}");
                }
            }
        }
        flushed
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountSetup;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// How the fake server ends the transaction.
    #[derive(Clone, Copy)]
    enum Ending {
        Accept,
        /// Close the line once the end of the data is in, without an answer.
        Drop,
    }

    /// A submission server on loopback that follows a fixed script and reports the bytes of
    /// the message's data it got.
    async fn fake_server(ending: Ending) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut reader = BufReader::new(socket);
            let say = async |reader: &mut BufReader<TcpStream>, text: &str| {
                reader.get_mut().write_all(text.as_bytes()).await.unwrap();
            };
            say(&mut reader, "220 fake ESMTP\r\n").await;
            let mut got = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap() == 0 {
                    return got;
                }
                let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                match verb.as_str() {
                    "EHLO" => say(&mut reader, "250-fake\r\n250 AUTH PLAIN LOGIN\r\n").await,
                    "AUTH" => say(&mut reader, "235 2.7.0 ok\r\n").await,
                    "MAIL" | "RCPT" => say(&mut reader, "250 2.1.0 ok\r\n").await,
                    "DATA" => {
                        say(&mut reader, "354 go ahead\r\n").await;
                        let mut data = Vec::new();
                        let mut byte = [0u8; 1];
                        while !data.ends_with(b"\r\n.\r\n") {
                            if reader.read(&mut byte).await.unwrap_or(0) == 0 {
                                return data;
                            }
                            data.push(byte[0]);
                        }
                        match ending {
                            Ending::Accept => say(&mut reader, "250 2.0.0 queued\r\n").await,
                            Ending::Drop => return data,
                        }
                        got = data;
                    }
                    "QUIT" => {
                        say(&mut reader, "221 bye\r\n").await;
                        return got;
                    }
                    _ => say(&mut reader, "500 what\r\n").await,
                }
            }
        });
        (port, task)
    }

    fn account(port: u16) -> Account {
        AccountSetup {
            email: "alice@example.test".into(),
            imap: Some("127.0.0.1:1".into()),
            smtp: Some(format!("127.0.0.1:{port}")),
            tls: Some(TlsMode::None),
            ..Default::default()
        }
        .into_account()
        .unwrap()
    }

    /// Counts the calls; `before` fails when asked to.
    struct Hook {
        before: Arc<AtomicUsize>,
        after: Arc<AtomicUsize>,
        fail_before: bool,
    }

    impl EndOfData for Hook {
        fn before(&mut self) -> Result<()> {
            self.before.fetch_add(1, Ordering::SeqCst);
            if self.fail_before {
                return Err(Error::storage(std::path::Path::new("outbox"), "disk full"));
            }
            Ok(())
        }
        fn after(&mut self) -> Result<()> {
            self.after.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    async fn run(ending: Ending, fail_before: bool) -> (std::result::Result<(), SendFailure>, Vec<u8>, usize, usize) {
        let (port, server) = fake_server(ending).await;
        let password = Secret::new("secret".to_owned());
        let mut conn = connect(&account(port), &password).await.unwrap();
        let (before, after) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let hook = Hook {
            before: Arc::clone(&before),
            after: Arc::clone(&after),
            fail_before,
        };
        let raw = b"Subject: essai\r\n\r\nune ligne\r\n.\r\nune ligne qui commence par un point\r\n";
        let result = conn
            .send("alice@example.test", &["bob@example.test".into()], raw, Box::new(hook))
            .await;
        drop(conn);
        let data = server.await.unwrap();
        (
            result,
            data,
            before.load(Ordering::SeqCst),
            after.load(Ordering::SeqCst),
        )
    }

    #[tokio::test]
    async fn an_accepted_message_runs_both_sides_of_the_end() {
        let (result, data, before, after) = run(Ending::Accept, false).await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!((before, after), (1, 1));
        assert!(data.ends_with(b"\r\n.\r\n"));
        assert!(
            data.windows(4).any(|w| w == b"\r\n..") && !data[..data.len() - 5].windows(5).any(|w| w == b"\r\n.\r\n"),
            "dot-stuffed: {}",
            String::from_utf8_lossy(&data)
        );
    }

    #[tokio::test]
    async fn when_the_send_cannot_be_recorded_the_end_never_leaves() {
        let (result, data, before, after) = run(Ending::Drop, true).await;
        let failure = result.unwrap_err();
        assert_eq!(
            failure.error.kind(),
            crate::error::ErrorKind::Storage,
            "{:?}",
            failure.error
        );
        assert!(!failure.after_end);
        assert_eq!((before, after), (1, 0));
        assert!(
            !data.ends_with(b"\r\n.\r\n"),
            "the server got no end: it drops the message"
        );
        assert!(data.ends_with(b"point\r\n"), "{}", String::from_utf8_lossy(&data));
    }

    #[tokio::test]
    async fn a_line_dropped_after_the_end_is_unconfirmed() {
        let (result, data, before, after) = run(Ending::Drop, false).await;
        let failure = result.unwrap_err();
        assert!(failure.after_end, "{:?}", failure.error);
        assert!(!failure.permanent);
        assert_eq!(failure.error.kind(), crate::error::ErrorKind::Network);
        assert_eq!((before, after), (1, 1));
        assert!(data.ends_with(b"\r\n.\r\n"));
    }
}
