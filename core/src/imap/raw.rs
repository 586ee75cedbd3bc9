//! Commands whose responses async-imap cannot parse (NAMESPACE): written and read directly on
//! the session's stream. Only between commands, when async-imap has nothing buffered.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::fetch::literal_len;
use super::Session;
use crate::error::{Error, Result};

const MAX_RESPONSE: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(60);

/// Send `TAG COMMAND` and return the untagged response lines (without `* `, literals inlined),
/// or the server's refusal.
pub async fn command(session: &mut Session, host: &str, tag: &str, command: &str) -> Result<Vec<Vec<u8>>> {
    tokio::time::timeout(TIMEOUT, run(session, host, tag, command))
        .await
        .map_err(|_| Error::network(host, "the server stopped answering"))?
}

async fn run(session: &mut Session, host: &str, tag: &str, command: &str) -> Result<Vec<Vec<u8>>> {
    let stream = session.as_mut();
    let line = format!("{tag} {command}\r\n");
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(|e| Error::network(host, e))?;
    stream.flush().await.map_err(|e| Error::network(host, e))?;
    let mut untagged = Vec::new();
    let mut total = 0usize;
    loop {
        let line = read_response_line(stream, host, &mut total).await?;
        if let Some(rest) = line.strip_prefix(b"* ") {
            untagged.push(rest.to_vec());
        } else if let Some(rest) = line.strip_prefix(tag.as_bytes()).and_then(|r| r.strip_prefix(b" ")) {
            return if rest.len() >= 2 && rest.get(..2).is_some_and(|s| s.eq_ignore_ascii_case(b"OK")) {
                Ok(untagged)
            } else {
                Err(Error::Refused(String::from_utf8_lossy(rest).trim_end().to_owned()))
            };
        }
        // Continuation requests or stray lines are ignored.
    }
}

/// One response line with its literals (`{n}` + n bytes) inlined, without the final CRLF.
async fn read_response_line<S>(stream: &mut S, host: &str, total: &mut usize) -> Result<Vec<u8>>
where
    S: tokio::io::AsyncRead + Unpin + ?Sized,
{
    let mut line = Vec::new();
    loop {
        let byte = stream.read_u8().await.map_err(|e| Error::network(host, e))?;
        *total += 1;
        if *total > MAX_RESPONSE {
            return Err(Error::Protocol(format!("{host} sent an oversized response")));
        }
        line.push(byte);
        if !line.ends_with(b"\r\n") {
            continue;
        }
        line.truncate(line.len() - 2);
        match literal_len(&line) {
            Some(n) if n <= MAX_RESPONSE.saturating_sub(*total) => {
                let mut buf = vec![0; n];
                stream.read_exact(&mut buf).await.map_err(|e| Error::network(host, e))?;
                *total += n;
                line.extend_from_slice(b"\r\n");
                line.extend_from_slice(&buf);
            }
            Some(_) => return Err(Error::Protocol(format!("{host} sent an oversized literal"))),
            None => return Ok(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_lengths() {
        assert_eq!(literal_len(b"* NAMESPACE (({5}"), Some(5));
        assert_eq!(literal_len(b"* OK done"), None);
        assert_eq!(literal_len(b"{x}"), None);
    }

    #[tokio::test]
    async fn reads_lines_with_literals_and_stops_on_oversize() {
        let data = b"* X ({3}\r\nabc \"d\")\r\nrest".to_vec();
        let mut total = 0;
        let line = read_response_line(&mut data.as_slice(), "h", &mut total).await.unwrap();
        assert_eq!(line, b"* X ({3}\r\nabc \"d\")");
        let huge = format!("* X {{{}}}\r\n", MAX_RESPONSE * 2).into_bytes();
        let mut total = 0;
        assert!(read_response_line(&mut huge.as_slice(), "h", &mut total).await.is_err());
    }
}
