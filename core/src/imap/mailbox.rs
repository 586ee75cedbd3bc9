//! One folder's messages: SELECT (with CONDSTORE or QRESYNC), envelope and flag fetches, UID
//! search. Returns values; knows nothing of the cache.

use std::collections::{BTreeMap, BTreeSet};

use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode, Status};
use futures::TryStreamExt;

use super::fetch::{uid_fetch_each, FetchItem, Fetched};
use super::folders::{pipeline, quote};
use super::{imap_error, Connection};
use crate::envelope::{self, Envelope, HEADER_FIELDS};
use crate::error::{Error, Result};
use crate::sync::plan::Selected;

/// What SELECT said, and what QRESYNC reported with it.
#[derive(Debug, Default)]
pub struct Selection {
    pub selected: Selected,
    /// UIDs the server says are gone (QRESYNC's VANISHED).
    pub vanished: Vec<u32>,
    /// Flags that changed since the given mod-sequence (QRESYNC's FETCH responses).
    pub changed: BTreeMap<u32, (Vec<String>, Option<u64>)>,
}

/// ENABLE QRESYNC (RFC 7162 §3.2.3); false when the server does not offer it.
pub async fn enable_qresync(conn: &mut Connection) -> Result<bool> {
    if !conn.has("QRESYNC") {
        return Ok(false);
    }
    let host = conn.host.clone();
    conn.session
        .run_command_and_check_ok("ENABLE QRESYNC")
        .await
        .map_err(|e| imap_error(&host, e))?;
    Ok(true)
}

/// SELECT a folder; with `known` (UIDVALIDITY, HIGHESTMODSEQ) and QRESYNC enabled, the server
/// reports what vanished and what changed since.
pub async fn select(
    conn: &mut Connection,
    raw_name: &str,
    known: Option<(u32, u64)>,
    qresync: bool,
) -> Result<Selection> {
    let name = quote(raw_name).ok_or_else(|| Error::Protocol(format!("unusable folder name {raw_name:?}")))?;
    let command = match known {
        Some((validity, modseq)) if qresync => format!("SELECT {name} (QRESYNC ({validity} {modseq}))"),
        _ if conn.has("CONDSTORE") => format!("SELECT {name} (CONDSTORE)"),
        _ => format!("SELECT {name}"),
    };
    let mut sel = Selection::default();
    let mut nomodseq = false;
    let outcomes = pipeline(conn, &[command], |resp| match resp {
        Response::Data {
            status: Status::Ok,
            outcome,
        } => match &outcome.code {
            Some(ResponseCode::UidValidity(v)) => sel.selected.uidvalidity = *v,
            Some(ResponseCode::UidNext(n)) => sel.selected.uidnext = *n,
            Some(ResponseCode::HighestModSeq(m)) => sel.selected.highestmodseq = Some(*m),
            _ if outcome.information.as_deref().is_some_and(|t| t.contains("NOMODSEQ")) => nomodseq = true,
            _ => {}
        },
        Response::MailboxData(MailboxDatum::Exists(n)) => sel.selected.exists = *n,
        Response::Vanished { uids, .. } => {
            sel.vanished.extend(uids.iter().flat_map(|r| r.clone()));
        }
        Response::Fetch(_, attrs) => {
            if let Some((uid, flags, modseq)) = uid_flags(attrs) {
                sel.changed.insert(uid, (flags, modseq));
            }
        }
        _ => {}
    })
    .await?;
    if let Some(Err(reason)) = outcomes.into_iter().next() {
        return Err(Error::Refused(format!("SELECT {raw_name}: {reason}")));
    }
    if nomodseq {
        sel.selected.highestmodseq = None;
    }
    Ok(sel)
}

fn uid_flags(attrs: &[AttributeValue<'_>]) -> Option<(u32, Vec<String>, Option<u64>)> {
    let mut uid = None;
    let mut flags = None;
    let mut modseq = None;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => {
                flags = Some(
                    f.iter()
                        .filter(|x| !x.eq_ignore_ascii_case("\\Recent"))
                        .map(ToString::to_string)
                        .collect(),
                )
            }
            AttributeValue::ModSeq(m) => modseq = Some(*m),
            _ => {}
        }
    }
    Some((uid?, flags.unwrap_or_default(), modseq))
}

/// One message's envelope data as fetched, before its header fields are parsed.
#[derive(Debug, Clone)]
pub struct RawEnvelope {
    pub uid: u32,
    pub flags: Vec<String>,
    pub size: u32,
    pub modseq: Option<u64>,
    /// RFC 3339.
    pub internal_date: Option<String>,
    pub header: Vec<u8>,
}

impl RawEnvelope {
    /// Parse the header fields (mail-parser: never fails outright).
    pub fn parse(self) -> Envelope {
        let mut e = envelope::from_headers(self.uid, &self.header, self.flags, self.size, self.internal_date);
        e.modseq = self.modseq;
        e
    }
}

/// The attributes an envelope fetch asks for.
pub fn envelope_query(condstore: bool) -> String {
    let modseq = if condstore { " MODSEQ" } else { "" };
    format!("(UID FLAGS RFC822.SIZE INTERNALDATE{modseq} BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])")
}

/// An envelope fetch's response as owned data; `None` without a UID.
pub fn raw_envelope(item: &FetchItem<'_>) -> Option<RawEnvelope> {
    Some(RawEnvelope {
        uid: item.uid?,
        flags: owned_flags(item),
        size: item.size.unwrap_or(0),
        modseq: item.modseq,
        internal_date: item.internal_date.as_deref().and_then(internal_date),
        header: item.header.as_deref().unwrap_or_default().to_vec(),
    })
}

fn owned_flags(item: &FetchItem<'_>) -> Vec<String> {
    item.flags
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| (*f).to_owned())
        .collect()
}

/// IMAP's INTERNALDATE (`" 7-Mar-2027 09:00:00 +0100"`) as RFC 3339.
pub fn internal_date(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_str(text.trim(), "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.to_rfc3339())
}

/// The envelopes of the messages in a UID set (`1:*`, `120:*`).
pub async fn fetch_envelopes(conn: &mut Connection, uids: &str, condstore: bool) -> Result<Vec<Envelope>> {
    let mut out = Vec::new();
    let commands = [(uids.to_owned(), envelope_query(condstore))];
    uid_fetch_each(conn, &commands, |f| {
        if let Fetched::Item(item) = f {
            if let Some(raw) = raw_envelope(&item) {
                out.push(raw.parse());
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// A whole message, by UID, in the selected folder (without setting \Seen).
pub async fn fetch_body(conn: &mut Connection, uid: u32) -> Result<Option<Vec<u8>>> {
    let mut out = None;
    let commands = [(uid.to_string(), "(UID BODY.PEEK[])".to_owned())];
    uid_fetch_each(conn, &commands, |f| {
        if let Fetched::Item(item) = f {
            if item.uid == Some(uid) {
                out = item.body.map(std::borrow::Cow::into_owned);
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The flags of known messages: all of them, or those changed since a mod-sequence.
pub async fn fetch_flags(
    conn: &mut Connection,
    uids: &str,
    changed_since: Option<u64>,
) -> Result<BTreeMap<u32, (Vec<String>, Option<u64>)>> {
    let query = match changed_since {
        Some(m) => format!("(UID FLAGS) (CHANGEDSINCE {m})"),
        None => "(UID FLAGS)".to_owned(),
    };
    let mut out = BTreeMap::new();
    uid_fetch_each(conn, &[(uids.to_owned(), query)], |f| {
        if let Fetched::Item(item) = f {
            if let Some(uid) = item.uid {
                out.insert(uid, (owned_flags(&item), item.modseq));
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Every UID in the selected folder.
pub async fn uid_search_all(conn: &mut Connection) -> Result<BTreeSet<u32>> {
    let host = conn.host.clone();
    let uids = conn.session.uid_search("ALL").await.map_err(|e| imap_error(&host, e))?;
    Ok(uids.into_iter().collect())
}

/// A UID set in IMAP's compact form (`1:5,9,12:13`); `None` when empty.
pub fn uid_set(uids: &[u32]) -> Option<String> {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut iter = sorted.into_iter();
    let mut start = iter.next()?;
    let mut end = start;
    for uid in iter {
        if uid == end.saturating_add(1) {
            end = uid;
        } else {
            parts.push(range(start, end));
            start = uid;
            end = uid;
        }
    }
    parts.push(range(start, end));
    Some(parts.join(","))
}

fn range(a: u32, b: u32) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}:{b}")
    }
}

/// SELECT without asking for changes (before acting on messages).
pub async fn select_plain(conn: &mut Connection, raw_name: &str) -> Result<()> {
    let name = quote(raw_name).ok_or_else(|| Error::BadInput(format!("unusable folder name {raw_name:?}")))?;
    let outcomes = pipeline(conn, &[format!("SELECT {name}")], |_| {}).await?;
    match outcomes.into_iter().next() {
        Some(Err(reason)) => Err(Error::Refused(format!("SELECT {raw_name}: {reason}"))),
        _ => Ok(()),
    }
}

/// Add a message to a folder (`APPEND`), with flags such as `(\\Seen)`.
pub async fn append(conn: &mut Connection, raw_name: &str, flags: Option<&str>, bytes: &[u8]) -> Result<()> {
    let host = conn.host.clone();
    conn.session
        .append(raw_name, flags, None, bytes)
        .await
        .map_err(|e| match e {
            async_imap::error::Error::No(why) => Error::Refused(format!("APPEND to {raw_name}: {why}")),
            other => imap_error(&host, other),
        })
}

/// `UID STORE set ±FLAGS.SILENT (flags)` in the selected folder.
pub async fn store_flags(conn: &mut Connection, set: &str, add: bool, flags: &[String]) -> Result<()> {
    if flags.is_empty() {
        return Ok(());
    }
    let list = flags
        .iter()
        .filter(|f| is_flag(f))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let sign = if add { '+' } else { '-' };
    let host = conn.host.clone();
    let stream = conn
        .session
        .uid_store(set, format!("{sign}FLAGS.SILENT ({list})"))
        .await
        .map_err(|e| imap_error(&host, e))?;
    let _: Vec<_> = stream.try_collect().await.map_err(|e| imap_error(&host, e))?;
    Ok(())
}

/// A flag as IMAP allows it: `\Word` or an atom (no spaces, brackets, quotes...).
fn is_flag(flag: &str) -> bool {
    let atom = flag.strip_prefix('\\').unwrap_or(flag);
    !atom.is_empty() && atom.chars().all(|c| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c))
}

/// Move messages of the selected folder (MOVE, or COPY + \Deleted + UID EXPUNGE).
pub async fn move_uids(conn: &mut Connection, set: &str, dest: &str) -> Result<()> {
    let host = conn.host.clone();
    // async-imap quotes the destination itself.
    if conn.has("MOVE") {
        return conn.session.uid_mv(set, dest).await.map_err(|e| imap_error(&host, e));
    }
    conn.session
        .uid_copy(set, dest)
        .await
        .map_err(|e| imap_error(&host, e))?;
    expunge_uids(conn, set).await
}

pub async fn copy_uids(conn: &mut Connection, set: &str, dest: &str) -> Result<()> {
    let host = conn.host.clone();
    conn.session.uid_copy(set, dest).await.map_err(|e| imap_error(&host, e))
}

/// Delete messages of the selected folder for good: \Deleted, then UID EXPUNGE of just them.
pub async fn expunge_uids(conn: &mut Connection, set: &str) -> Result<()> {
    store_flags(conn, set, true, &["\\Deleted".to_owned()]).await?;
    let host = conn.host.clone();
    if !conn.has("UIDPLUS") {
        return Err(Error::Refused(
            "the server cannot expunge single messages (no UIDPLUS)".into(),
        ));
    }
    let stream = conn.session.uid_expunge(set).await.map_err(|e| imap_error(&host, e))?;
    let _: Vec<_> = stream.try_collect().await.map_err(|e| imap_error(&host, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 12, 13, 3]).as_deref(), Some("1:3,5,9,12:13"));
        assert_eq!(uid_set(&[]), None);
        assert_eq!(
            uid_set(&[u32::MAX, u32::MAX - 1]).as_deref(),
            Some("4294967294:4294967295")
        );
    }

    #[test]
    fn internal_dates_become_rfc3339() {
        assert_eq!(
            internal_date(" 7-Mar-2027 09:05:00 +0100").as_deref(),
            Some("2027-03-07T09:05:00+01:00")
        );
        assert_eq!(
            internal_date("17-Jul-1996 02:44:25 -0700").as_deref(),
            Some("1996-07-17T02:44:25-07:00")
        );
        assert_eq!(internal_date("yesterday"), None);
    }

    #[test]
    fn flags_are_checked() {
        assert!(is_flag("\\Seen") && is_flag("$Traite") && is_flag("Important"));
        assert!(!is_flag("a b") && !is_flag("x)") && !is_flag("") && !is_flag("\\") && !is_flag("é"));
    }
}
