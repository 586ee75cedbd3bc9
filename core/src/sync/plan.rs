//! What a folder's resync must do, decided from the cached state and what SELECT said, with no
//! I/O. Named for the RFCs: a full fetch; QRESYNC (RFC 7162 §3.2.5: SELECT reports VANISHED
//! and changed flags itself); CONDSTORE (RFC 7162 §3.1: flags CHANGEDSINCE, expunges by UID
//! set); and the basic resync of RFC 4549 §4.3 (all flags, UID set difference).

use std::collections::{BTreeMap, BTreeSet};

/// What the cache knows of a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cached {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highestmodseq: Option<u64>,
    /// How many messages the cache holds for it.
    pub count: u32,
}

/// What SELECT reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Selected {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highestmodseq: Option<u64>,
    pub exists: u32,
}

/// How flags of known messages are brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagRefresh {
    /// Nothing to do (unchanged, or QRESYNC already told).
    None,
    /// `UID FETCH 1:last (FLAGS) (CHANGEDSINCE modseq)`.
    ChangedSince(u64),
    /// `UID FETCH 1:last (FLAGS)` for every known message.
    All,
}

/// The work for one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The cache is of another UIDVALIDITY: drop it, never mix.
    pub discard: bool,
    /// Fetch the envelopes of UIDs from this one on (`UID FETCH n:*`).
    pub fetch_from: Option<u32>,
    pub flags: FlagRefresh,
    /// Whether expunged messages must be found by comparing UID sets (QRESYNC reports them).
    pub find_expunged: bool,
}

impl Plan {
    pub fn nothing_to_do(&self) -> bool {
        !self.discard && self.fetch_from.is_none() && self.flags == FlagRefresh::None && !self.find_expunged
    }
}

/// Decide a folder's resync. `qresync` means the SELECT was made with QRESYNC parameters (so
/// its VANISHED and FETCH responses have been applied already).
pub fn plan(cached: Option<&Cached>, server: &Selected, qresync: bool) -> Plan {
    let Some(cached) = cached.filter(|c| c.uidvalidity == server.uidvalidity && c.uidvalidity != 0) else {
        // First sync, or UIDVALIDITY changed: everything from scratch.
        return Plan {
            discard: cached.is_some(),
            fetch_from: (server.exists > 0).then_some(1),
            flags: FlagRefresh::None,
            find_expunged: false,
        };
    };
    let fetch_from = (server.uidnext > cached.uidnext || server.uidnext == 0).then_some(cached.uidnext.max(1));
    let unchanged_modseq = matches!((cached.highestmodseq, server.highestmodseq), (Some(a), Some(b)) if a == b);
    if qresync && cached.highestmodseq.is_some() {
        return Plan {
            discard: false,
            fetch_from,
            flags: FlagRefresh::None,
            find_expunged: false,
        };
    }
    if cached.count == 0 {
        return Plan {
            discard: false,
            fetch_from,
            flags: FlagRefresh::None,
            find_expunged: false,
        };
    }
    let flags = match (cached.highestmodseq, server.highestmodseq) {
        _ if unchanged_modseq => FlagRefresh::None,
        (Some(since), Some(_)) => FlagRefresh::ChangedSince(since),
        _ => FlagRefresh::All,
    };
    // With mod-sequences, an expunge raises HIGHESTMODSEQ: equal values mean nothing went.
    // Without them, counts tell: the cache plus what is new must add up to EXISTS.
    let find_expunged = !unchanged_modseq;
    Plan {
        discard: false,
        fetch_from,
        flags,
        find_expunged,
    }
}

/// One `UID FETCH` of new messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRange {
    /// The UID set (`n:*` or `a:b`).
    pub set: String,
    /// The lowest UID it asks for (`n:*` also returns the last message when all are below n).
    pub lowest: u32,
    /// The UIDNEXT the cache may record once this command and those before it completed:
    /// `None` for the newest-first command, after which older messages are still missing.
    pub commit: Option<u32>,
}

/// UIDs fetched first, so that the newest mail is on screen while the rest comes.
pub const NEWEST_FIRST: u32 = 500;
/// The width, in UIDs, of the chunks after which a first sync's progress is recorded.
pub const CHUNK: u32 = 10_000;
/// At most this many commands for one fetch (wider chunks for sparse UIDs).
pub const MAX_COMMANDS: u32 = 32;

/// How to fetch the messages from UID `from` on when the server's next UID is `uidnext` (0:
/// unknown): one `from:*` when that is small, else the newest `NEWEST_FIRST` UIDs first, then the
/// rest in ascending chunks, one command after the other.
pub fn fetch_ranges(from: u32, uidnext: u32) -> Vec<FetchRange> {
    let from = from.max(1);
    let single = || {
        vec![FetchRange {
            set: format!("{from}:*"),
            lowest: from,
            commit: None,
        }]
    };
    let Some(span) = uidnext.checked_sub(from) else {
        return single();
    };
    if uidnext == 0 || span <= NEWEST_FIRST + CHUNK {
        return single();
    }
    let newest = uidnext - NEWEST_FIRST;
    let mut out = vec![FetchRange {
        set: format!("{newest}:*"),
        lowest: newest,
        commit: None,
    }];
    let older = newest - from;
    let width = CHUNK.max(older.div_ceil(MAX_COMMANDS));
    let mut start = from;
    while start < newest {
        let end = start.saturating_add(width - 1).min(newest - 1);
        out.push(FetchRange {
            set: format!("{start}:{end}"),
            lowest: start,
            commit: Some(end + 1),
        });
        start = end + 1;
    }
    out
}

/// Which message bodies a sync keeps for offline reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Bodies {
    /// Envelopes only; bodies are fetched when read.
    None,
    /// Messages dated within the last [`RECENT_DAYS`] days (and not more than a day ahead)
    /// and no larger than [`RECENT_MAX_SIZE`], among those the sync brings.
    #[default]
    Recent,
    /// Every message: a full offline mirror.
    All,
}

impl std::str::FromStr for Bodies {
    type Err = crate::error::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Bodies::None),
            "recent" => Ok(Bodies::Recent),
            "all" => Ok(Bodies::All),
            _ => Err(crate::error::Error::BadInput(format!(
                "--bodies takes recent, all or none, not {s:?}"
            ))),
        }
    }
}

pub const RECENT_DAYS: i64 = 30;
pub const RECENT_MAX_SIZE: u32 = 1 << 20;

/// The bodies to fetch among `candidates` (uid, RFC 3339 date, size), given those cached and
/// the time now; in UID order.
pub fn bodies_to_fetch(
    policy: Bodies,
    candidates: &[(u32, Option<&str>, u32)],
    cached: &BTreeSet<u32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<u32> {
    let cutoff = now - chrono::Duration::days(RECENT_DAYS);
    // A date far ahead is a wrong clock or a trick, not a recent message.
    let ahead = now + chrono::Duration::days(1);
    let recent = |date: Option<&str>| {
        date.and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .is_some_and(|d| d >= cutoff && d <= ahead)
    };
    let mut out: Vec<u32> = candidates
        .iter()
        .filter(|(uid, _, _)| !cached.contains(uid))
        .filter(|(_, date, size)| match policy {
            Bodies::None => false,
            Bodies::Recent => *size <= RECENT_MAX_SIZE && recent(*date),
            Bodies::All => true,
        })
        .map(|(uid, _, _)| *uid)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Body fetches: UID sets of at most `max_count` messages and about `max_bytes` (by the
/// envelopes' sizes; one message may exceed it alone).
pub fn body_chunks(wanted: &[(u32, u32)], max_count: usize, max_bytes: u64) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut chunk = Vec::new();
    let mut bytes = 0u64;
    for (uid, size) in wanted {
        if !chunk.is_empty() && (chunk.len() >= max_count || bytes + u64::from(*size) > max_bytes) {
            out.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        chunk.push(*uid);
        bytes += u64::from(*size);
    }
    if !chunk.is_empty() {
        out.push(chunk);
    }
    out
}

/// After fetching the new messages: whether some known ones must have gone (the cache would
/// otherwise hold exactly what the server has).
pub fn expunges_possible(cached_after_new: u32, server_exists: u32) -> bool {
    cached_after_new != server_exists
}

/// The difference between the cache and the server's UID set: what went away.
pub fn gone(cached: &BTreeSet<u32>, server: &BTreeSet<u32>) -> Vec<u32> {
    cached.difference(server).copied().collect()
}

/// Flags that differ between the cache and the server, for known messages.
pub fn changed_flags(
    cached: &BTreeMap<u32, Vec<String>>,
    server: &BTreeMap<u32, Vec<String>>,
) -> Vec<(u32, Vec<String>)> {
    server
        .iter()
        .filter(|(uid, flags)| cached.get(uid).is_some_and(|c| !same_flags(c, flags)))
        .map(|(uid, flags)| (*uid, flags.clone()))
        .collect()
}

pub fn same_flags(a: &[String], b: &[String]) -> bool {
    let norm = |f: &[String]| f.iter().map(|s| s.to_ascii_lowercase()).collect::<BTreeSet<_>>();
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_by_policy() {
        let now = chrono::DateTime::parse_from_rfc3339("2027-03-31T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let c = [
            (5, Some("2027-03-30T09:00:00+02:00"), 10_000),
            (3, Some("2027-03-02T09:00:00+01:00"), 10_000), // 29 days
            (4, Some("2027-02-01T09:00:00+01:00"), 10_000), // too old
            (6, Some("2027-03-30T09:00:00+02:00"), RECENT_MAX_SIZE + 1),
            (7, None, 10),
            (8, Some("not a date"), 10),
            (9, Some("2027-03-31T09:00:00+02:00"), 10),
            (10, Some("2031-01-01T09:00:00+01:00"), 10), // years ahead
        ];
        let cached = BTreeSet::from([9]);
        assert_eq!(bodies_to_fetch(Bodies::Recent, &c, &cached, now), vec![3, 5]);
        assert_eq!(
            bodies_to_fetch(Bodies::All, &c, &cached, now),
            vec![3, 4, 5, 6, 7, 8, 10]
        );
        assert!(bodies_to_fetch(Bodies::None, &c, &cached, now).is_empty());
    }

    #[test]
    fn body_chunks_bound_count_and_bytes() {
        let wanted: Vec<(u32, u32)> = (1..=10).map(|u| (u, 100)).collect();
        assert_eq!(
            body_chunks(&wanted, 4, 10_000).iter().map(Vec::len).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        assert_eq!(
            body_chunks(&wanted, 100, 250).iter().map(Vec::len).collect::<Vec<_>>(),
            vec![2, 2, 2, 2, 2]
        );
        // A message larger than the budget goes alone.
        assert_eq!(
            body_chunks(&[(1, 10), (2, 1000), (3, 10)], 100, 100),
            vec![vec![1], vec![2], vec![3]]
        );
        assert!(body_chunks(&[], 4, 100).is_empty());
    }

    #[test]
    fn fetch_ranges_cover_every_new_uid_once() {
        // Small or unknown: one command.
        assert_eq!(fetch_ranges(1, 0).len(), 1);
        assert_eq!(fetch_ranges(1, 1).len(), 1);
        assert_eq!(fetch_ranges(0, 300)[0].set, "1:*");
        assert_eq!(fetch_ranges(500, 400)[0].set, "500:*");
        assert_eq!(fetch_ranges(100, 100 + NEWEST_FIRST + CHUNK)[0].commit, None);
        // Large: newest first, then ascending chunks with commit points.
        let r = fetch_ranges(1, 100_001);
        assert_eq!(r[0].set, "99501:*");
        assert_eq!(r[1].set, "1:10000");
        assert_eq!(r[1].commit, Some(10_001));
        let last = r.last().unwrap();
        assert_eq!(last.set, "90001:99500");
        assert_eq!(last.commit, Some(99_501));
        // Sparse UIDs: no more than MAX_COMMANDS chunks.
        let sparse = fetch_ranges(7, 4_000_000_000);
        assert!(sparse.len() as u32 <= MAX_COMMANDS + 1);
        for (from, uidnext) in [(1, 100_001), (7, 4_000_000_000), (12_345, 50_000), (1, u32::MAX)] {
            let ranges = fetch_ranges(from, uidnext);
            let mut next = from;
            for r in ranges.iter().skip(1) {
                assert_eq!(r.lowest, next, "{from} {uidnext}: contiguous");
                next = r.commit.unwrap();
            }
            assert_eq!(next, ranges[0].lowest, "{from} {uidnext}: up to the newest");
        }
    }

    const V: u32 = 42;

    fn cached(uidnext: u32, modseq: Option<u64>, count: u32) -> Cached {
        Cached {
            uidvalidity: V,
            uidnext,
            highestmodseq: modseq,
            count,
        }
    }

    fn server(uidnext: u32, modseq: Option<u64>, exists: u32) -> Selected {
        Selected {
            uidvalidity: V,
            uidnext,
            highestmodseq: modseq,
            exists,
        }
    }

    /// Every case, labelled: (cache, server, QRESYNC select?, expected plan).
    #[test]
    fn every_case() {
        let p = |discard, fetch_from, flags, find_expunged| Plan {
            discard,
            fetch_from,
            flags,
            find_expunged,
        };
        let other_validity = Selected {
            uidvalidity: V + 1,
            ..server(10, Some(5), 3)
        };
        let cases: Vec<(&str, Option<Cached>, Selected, bool, Plan)> = vec![
            (
                "first sync of an empty folder",
                None,
                server(1, Some(1), 0),
                false,
                p(false, None, FlagRefresh::None, false),
            ),
            (
                "first sync",
                None,
                server(10, Some(5), 9),
                false,
                p(false, Some(1), FlagRefresh::None, false),
            ),
            (
                "uidvalidity changed",
                Some(cached(10, Some(5), 9)),
                other_validity,
                false,
                p(true, Some(1), FlagRefresh::None, false),
            ),
            (
                "cache of validity 0 is never trusted",
                Some(Cached {
                    uidvalidity: 0,
                    ..cached(10, None, 9)
                }),
                Selected {
                    uidvalidity: 0,
                    ..server(10, None, 9)
                },
                false,
                p(true, Some(1), FlagRefresh::None, false),
            ),
            (
                "qresync, nothing new",
                Some(cached(10, Some(5), 9)),
                server(10, Some(5), 9),
                true,
                p(false, None, FlagRefresh::None, false),
            ),
            (
                "qresync, new mail",
                Some(cached(10, Some(5), 9)),
                server(12, Some(7), 11),
                true,
                p(false, Some(10), FlagRefresh::None, false),
            ),
            (
                "qresync, flags or expunges only",
                Some(cached(10, Some(5), 9)),
                server(10, Some(8), 8),
                true,
                p(false, None, FlagRefresh::None, false),
            ),
            (
                "condstore, unchanged",
                Some(cached(10, Some(5), 9)),
                server(10, Some(5), 9),
                false,
                p(false, None, FlagRefresh::None, false),
            ),
            (
                "condstore, new mail",
                Some(cached(10, Some(5), 9)),
                server(11, Some(6), 10),
                false,
                p(false, Some(10), FlagRefresh::ChangedSince(5), true),
            ),
            (
                "condstore, flags changed",
                Some(cached(10, Some(5), 9)),
                server(10, Some(6), 9),
                false,
                p(false, None, FlagRefresh::ChangedSince(5), true),
            ),
            (
                "server lost CONDSTORE",
                Some(cached(10, Some(5), 9)),
                server(10, None, 9),
                false,
                p(false, None, FlagRefresh::All, true),
            ),
            (
                "basic, no change visible",
                Some(cached(10, None, 9)),
                server(10, None, 9),
                false,
                p(false, None, FlagRefresh::All, true),
            ),
            (
                "basic, new mail",
                Some(cached(10, None, 9)),
                server(12, None, 11),
                false,
                p(false, Some(10), FlagRefresh::All, true),
            ),
            (
                "empty cache, new mail",
                Some(cached(1, None, 0)),
                server(3, None, 2),
                false,
                p(false, Some(1), FlagRefresh::None, false),
            ),
            (
                "server without UIDNEXT",
                Some(cached(10, None, 9)),
                server(0, None, 9),
                false,
                p(false, Some(10), FlagRefresh::All, true),
            ),
        ];
        for (label, cache, srv, qresync, expected) in cases {
            assert_eq!(plan(cache.as_ref(), &srv, qresync), expected, "{label}");
        }
    }

    #[test]
    fn differences() {
        let c: BTreeSet<u32> = [1, 2, 3, 5].into();
        let s: BTreeSet<u32> = [2, 3, 6].into();
        assert_eq!(gone(&c, &s), vec![1, 5]);
        let cf: BTreeMap<u32, Vec<String>> = [(1, vec!["\\Seen".into()]), (2, vec![])].into();
        let sf: BTreeMap<u32, Vec<String>> =
            [(1, vec!["\\SEEN".into()]), (2, vec!["\\Flagged".into()]), (9, vec![])].into();
        assert_eq!(changed_flags(&cf, &sf), vec![(2, vec!["\\Flagged".to_owned()])]);
        assert!(expunges_possible(9, 8) && !expunges_possible(9, 9));
    }
}
