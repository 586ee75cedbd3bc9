//! UID SEARCH for text (RFC 3501 §6.4.4): the server searches what the cache does not hold.
//! Non-ASCII strings travel as literals: non-synchronizing (`{n+}`, RFC 7888) when the server
//! has LITERAL+ (or LITERAL- for short ones), else synchronizing, each part sent after the
//! server's `+`.

use std::collections::BTreeSet;
use std::time::Duration;

use async_imap::imap_proto::{MailboxDatum, Response, Status};

use super::{imap_error, Connection};
use crate::error::{Error, Result};

const TIMEOUT: Duration = Duration::from_secs(120);
/// LITERAL- allows non-synchronizing literals up to this size.
const LITERAL_MINUS_MAX: usize = 4096;

/// Where a string must be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKey {
    /// Anywhere: headers or body.
    Text,
    From,
    /// To or Cc.
    ToOrCc,
    Subject,
    Body,
    /// The Message-ID header (with its angle brackets).
    MessageId,
}

/// The UIDs of the selected folder's messages that match every criterion (substrings,
/// compared as the server does).
pub async fn uid_search_text(conn: &mut Connection, criteria: &[(SearchKey, &str)]) -> Result<BTreeSet<u32>> {
    let longest = criteria.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let non_sync = conn.has("LITERAL+") || (conn.has("LITERAL-") && longest <= LITERAL_MINUS_MAX);
    let parts = command(criteria, non_sync)?;
    run(conn, &parts).await
}

/// The command `UID SEARCH [CHARSET UTF-8] criteria`, in parts: each part but the last ends
/// with a synchronizing literal's `{n}`, and the next starts with its bytes.
fn command(criteria: &[(SearchKey, &str)], non_sync: bool) -> Result<Vec<String>> {
    if criteria.is_empty() {
        return Err(Error::BadInput("nothing to search for".into()));
    }
    let mut parts = vec![String::from("UID SEARCH")];
    if criteria.iter().any(|(_, s)| !s.is_ascii()) {
        push(&mut parts, " CHARSET UTF-8");
    }
    for (key, value) in criteria {
        if value.is_empty() || value.contains(['\r', '\n', '\0']) {
            return Err(Error::BadInput(format!("unusable search string {value:?}")));
        }
        match key {
            SearchKey::ToOrCc => {
                push(&mut parts, " OR TO ");
                string(&mut parts, value, non_sync);
                push(&mut parts, " CC ");
                string(&mut parts, value, non_sync);
            }
            other => {
                push(
                    &mut parts,
                    match other {
                        SearchKey::From => " FROM ",
                        SearchKey::Subject => " SUBJECT ",
                        SearchKey::Body => " BODY ",
                        SearchKey::MessageId => " HEADER Message-ID ",
                        _ => " TEXT ",
                    },
                );
                string(&mut parts, value, non_sync);
            }
        }
    }
    Ok(parts)
}

fn push(parts: &mut Vec<String>, text: &str) {
    match parts.last_mut() {
        Some(last) => last.push_str(text),
        None => parts.push(text.to_owned()),
    }
}

/// A string as a quoted string when it is printable ASCII, else as a literal.
fn string(parts: &mut Vec<String>, value: &str, non_sync: bool) {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        push(
            parts,
            &format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
        );
    } else if non_sync {
        push(parts, &format!("{{{}+}}\r\n{value}", value.len()));
    } else {
        push(parts, &format!("{{{}}}", value.len()));
        parts.push(value.to_owned());
    }
}

/// Sends the parts (each after a continuation request) and collects the SEARCH responses.
async fn run(conn: &mut Connection, parts: &[String]) -> Result<BTreeSet<u32>> {
    let host = conn.host.clone();
    let mut parts = parts.iter();
    let first = parts.next().ok_or_else(|| Error::BadInput("empty command".into()))?;
    let tag = conn
        .session
        .run_command(first)
        .await
        .map_err(|e| imap_error(&host, e))?;
    let mut uids = BTreeSet::new();
    loop {
        let response = tokio::time::timeout(TIMEOUT, conn.session.read_response())
            .await
            .map_err(|_| Error::network(&host, "the server stopped answering"))?
            .map_err(|e| Error::network(&host, e))?
            .ok_or_else(|| Error::network(&host, "connection closed"))?;
        match response.parsed() {
            Response::Continue(_) => {
                let Some(next) = parts.next() else {
                    return Err(Error::Protocol("unexpected continuation request during SEARCH".into()));
                };
                conn.session
                    .run_command_untagged(next)
                    .await
                    .map_err(|e| imap_error(&host, e))?;
            }
            Response::MailboxData(MailboxDatum::Search(found)) => uids.extend(found.iter().copied()),
            Response::Done {
                tag: done,
                status,
                outcome,
            } if *done == tag => {
                let reason = outcome.information.as_deref().unwrap_or("").to_owned();
                return match status {
                    Status::Ok => Ok(uids),
                    Status::No => Err(Error::Refused(format!("SEARCH: {reason}"))),
                    _ => Err(Error::Protocol(format!("SEARCH rejected: {reason}"))),
                };
            }
            Response::Data {
                status: Status::Bye,
                outcome,
            } => {
                return Err(Error::network(&host, outcome.information.as_deref().unwrap_or("BYE")));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_strings_are_quoted_and_fields_mapped() {
        let parts = command(
            &[
                (SearchKey::Text, "permis"),
                (SearchKey::From, r#"a"b\c"#),
                (SearchKey::ToOrCc, "accueil"),
                (SearchKey::Subject, "acte de"),
                (SearchKey::Body, "x"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            parts,
            vec![r#"UID SEARCH TEXT "permis" FROM "a\"b\\c" OR TO "accueil" CC "accueil" SUBJECT "acte de" BODY "x""#]
        );
    }

    #[test]
    fn non_ascii_strings_are_literals() {
        let criteria = [(SearchKey::Text, "école"), (SearchKey::Subject, "ok")];
        assert_eq!(
            command(&criteria, true).unwrap(),
            vec!["UID SEARCH CHARSET UTF-8 TEXT {6+}\r\nécole SUBJECT \"ok\""]
        );
        assert_eq!(
            command(&criteria, false).unwrap(),
            vec!["UID SEARCH CHARSET UTF-8 TEXT {6}", "école SUBJECT \"ok\""]
        );
        let two = [(SearchKey::ToOrCc, "é")];
        assert_eq!(
            command(&two, false).unwrap(),
            vec!["UID SEARCH CHARSET UTF-8 OR TO {2}", "é CC {2}", "é"]
        );
    }

    #[test]
    fn line_breaks_and_empty_strings_are_refused() {
        for bad in ["", "a\r\nA1 DELETE INBOX", "a\0"] {
            assert!(command(&[(SearchKey::Text, bad)], true).is_err(), "{bad:?}");
        }
        assert!(command(&[], true).is_err());
    }

    /// A synchronizing literal waits for the server's `+` (a scripted server on a pipe).
    #[tokio::test]
    async fn synchronizing_literals_wait_for_the_continuation() {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let (client, server) = tokio::io::duplex(4096);
        let script = tokio::spawn(async move {
            let mut server = BufReader::new(server);
            let mut line = String::new();
            server.read_line(&mut line).await.unwrap();
            assert!(line.starts_with("A0001 LOGIN "), "{line:?}");
            server.write_all(b"A0001 OK logged in\r\n").await.unwrap();
            line.clear();
            server.read_line(&mut line).await.unwrap();
            assert_eq!(line, "A0002 UID SEARCH CHARSET UTF-8 TEXT {6}\r\n");
            // Nothing more may come before the continuation request.
            let early = tokio::time::timeout(Duration::from_millis(100), server.read_u8()).await;
            assert!(early.is_err(), "the literal was sent without waiting");
            server.write_all(b"+ go ahead\r\n").await.unwrap();
            line.clear();
            server.read_line(&mut line).await.unwrap();
            assert_eq!(line, "école\r\n");
            server
                .write_all(b"* 3 EXISTS\r\n* SEARCH 7 3\r\n* SEARCH 12\r\nA0002 OK done\r\n")
                .await
                .unwrap();
        });
        let stream: super::super::Stream = Box::new(client);
        let session = async_imap::Client::new(stream)
            .login("u", "p")
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        let mut conn = Connection {
            session,
            host: "scripted".into(),
            capabilities: vec![],
            bytes_in: Default::default(),
            tags: 0,
        };
        let uids = uid_search_text(&mut conn, &[(SearchKey::Text, "école")]).await.unwrap();
        assert_eq!(uids.into_iter().collect::<Vec<_>>(), vec![3, 7, 12]);
        script.await.unwrap();
    }
}
