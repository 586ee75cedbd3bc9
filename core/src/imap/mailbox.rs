//! One folder's messages: SELECT (with CONDSTORE or QRESYNC), envelope and flag fetches, UID
//! search. Returns values; knows nothing of the cache.

use std::collections::{BTreeMap, BTreeSet};

use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode, Status};
use futures::TryStreamExt;

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

/// `UID FETCH set query`, every response collected.
async fn uid_fetch(conn: &mut Connection, uids: &str, query: &str) -> Result<Vec<async_imap::types::Fetch>> {
    let host = conn.host.clone();
    let stream = conn
        .session
        .uid_fetch(uids, query)
        .await
        .map_err(|e| imap_error(&host, e))?;
    stream.try_collect().await.map_err(|e| imap_error(&host, e))
}

/// The envelopes of the messages in a UID set (`1:*`, `120:*`).
pub async fn fetch_envelopes(conn: &mut Connection, uids: &str, condstore: bool) -> Result<Vec<Envelope>> {
    let modseq = if condstore { " MODSEQ" } else { "" };
    let query = format!("(UID FLAGS RFC822.SIZE INTERNALDATE{modseq} BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])");
    let fetches = uid_fetch(conn, uids, &query).await?;
    let mut out = Vec::with_capacity(fetches.len());
    for f in &fetches {
        let Some(uid) = f.uid else { continue };
        let flags = stored_flags(f);
        let date = f.internal_date().map(|d| d.to_rfc3339());
        let mut e = envelope::from_headers(uid, f.header().unwrap_or_default(), flags, f.size.unwrap_or(0), date);
        e.modseq = f.modseq;
        out.push(e);
    }
    Ok(out)
}

/// The flags worth keeping: `\Recent` only describes this session.
fn stored_flags(fetch: &async_imap::types::Fetch) -> Vec<String> {
    fetch
        .flags()
        .filter(|f| !matches!(f, async_imap::types::Flag::Recent))
        .map(|f| flag_name(&f))
        .collect()
}

fn flag_name(flag: &async_imap::types::Flag<'_>) -> String {
    use async_imap::types::Flag;
    match flag {
        Flag::Seen => "\\Seen".to_owned(),
        Flag::Answered => "\\Answered".to_owned(),
        Flag::Flagged => "\\Flagged".to_owned(),
        Flag::Deleted => "\\Deleted".to_owned(),
        Flag::Draft => "\\Draft".to_owned(),
        Flag::Recent => "\\Recent".to_owned(),
        Flag::MayCreate => "\\*".to_owned(),
        Flag::Custom(c) => c.to_string(),
    }
}

/// A whole message, by UID, in the selected folder (without setting \Seen).
pub async fn fetch_body(conn: &mut Connection, uid: u32) -> Result<Option<Vec<u8>>> {
    let fetches = uid_fetch(conn, &uid.to_string(), "(UID BODY.PEEK[])").await?;
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body().map(<[u8]>::to_vec)))
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
    let fetches = uid_fetch(conn, uids, &query).await?;
    Ok(fetches
        .iter()
        .filter_map(|f| Some((f.uid?, (stored_flags(f), f.modseq))))
        .collect())
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
    fn flags_are_checked() {
        assert!(is_flag("\\Seen") && is_flag("$Traite") && is_flag("Important"));
        assert!(!is_flag("a b") && !is_flag("x)") && !is_flag("") && !is_flag("\\") && !is_flag("é"));
    }
}
