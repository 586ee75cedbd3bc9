//! Local search over the offline cache: sender, recipients, subject and the text of cached
//! bodies, in every cached folder, newest first.
//!
//! Each cached folder copy has a derived index file ([`index`]) in `search/` beside the cache,
//! rebuilt when the copy's generation changes (messages added or removed, a body cached).
//! Text and queries share one normal form ([`normalise`]): `ecole` finds `École`. A query is
//! terms that must all match ([`Query`]). Knows the store, not IMAP: the server side of a
//! search is the caller's (`Calame::search`).

mod index;
mod normalise;
mod query;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::envelope::Envelope;
use crate::error::Result;
use crate::store::Store;

pub use normalise::normalise;
pub use query::{Field, Query, Term};

/// How many hits a search returns unless told otherwise.
pub const DEFAULT_LIMIT: usize = 50;

/// A message found by a search: its envelope (the same fields as a list item) and its folder
/// (the decoded name, as in the folder list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchHit {
    pub folder: String,
    #[serde(flatten)]
    pub envelope: Envelope,
}

/// What to search for and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct SearchRequest {
    /// Terms (all must match), `from:`/`to:`/`subject:`/`body:` fields, `"quoted phrases"`.
    pub query: String,
    /// One folder (decoded name), else every folder of the account, own and shared.
    #[ts(optional = nullable)]
    pub folder: Option<String>,
    #[ts(type = "number")]
    pub limit: usize,
    #[ts(type = "number")]
    pub offset: usize,
    /// Also ask the server (IMAP SEARCH), for what the cache lacks.
    pub server: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest::new("")
    }
}

impl SearchRequest {
    /// A local search of every folder, the first [`DEFAULT_LIMIT`] hits.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            folder: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            server: false,
        }
    }
}

/// A cached folder copy to search: its decoded name and the store's id for it.
#[derive(Debug, Clone)]
pub struct Searched {
    pub name: String,
    pub id: u64,
}

/// The newest `want` matching messages of each folder (they are ranked together later).
pub fn local(store: &Store, folders: &[Searched], query: &Query, want: usize) -> Result<Vec<SearchHit>> {
    let mut hits = Vec::new();
    for folder in folders {
        for uid in index::search(store, folder.id, query, want)? {
            if let Some(envelope) = store.envelope(folder.id, uid)? {
                hits.push(SearchHit {
                    folder: folder.name.clone(),
                    envelope,
                });
            }
        }
    }
    Ok(hits)
}

/// The UIDs of a folder copy's newest matching messages, newest first, at most `want`
/// (the index is built first if needed).
pub fn folder_uids(store: &Store, id: u64, query: &Query, want: usize) -> Result<Vec<u32>> {
    index::search(store, id, query, want)
}

/// Hits of any folders ranked newest first (by date, then UID, then folder name), from
/// `offset`, at most `limit`.
pub fn rank(hits: Vec<SearchHit>, offset: usize, limit: usize) -> Vec<SearchHit> {
    let mut keyed: Vec<(i64, SearchHit)> = hits.into_iter().map(|h| (timestamp(&h.envelope), h)).collect();
    keyed.sort_by(|(ta, a), (tb, b)| {
        tb.cmp(ta)
            .then(b.envelope.uid.cmp(&a.envelope.uid))
            .then(a.folder.cmp(&b.folder))
    });
    keyed.into_iter().skip(offset).take(limit).map(|(_, h)| h).collect()
}

/// Seconds since the epoch of the envelope's date; undated messages rank last.
fn timestamp(envelope: &Envelope) -> i64 {
    envelope
        .date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map_or(i64::MIN, |d| d.timestamp())
}

#[cfg(test)]
mod tests;
