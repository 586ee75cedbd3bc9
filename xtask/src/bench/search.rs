//! The search step of `cargo xtask bench`: `calame search` against notmuch on the same INBOX.
//!
//! Queries come from the mail itself, read back with `calame --offline list INBOX --json`:
//! single words and word pairs of subjects, sender names, `from:` a sender's name, drawn by a
//! seeded generator (the same `--seed` gives the same queries). Words are kept only when both
//! tools see them as one word: letters only (`d'acte` is one term to notmuch, `acte` to Calame),
//! at least four of them, not a French stopword nor a notmuch operator (`near`).
//!
//! Calame answers from its profile after the mirror (bodies cached when the binary has
//! `--bodies`); its first search builds its index and is timed apart. notmuch gets mbsync's
//! maildir of the same INBOX, a config of its own in the work directory (`NOTMUCH_CONFIG`,
//! no tags added), and `notmuch new` as its index build. Each query then runs as a whole
//! process, one tool after the other: `calame --offline search Q --limit 50 --json`,
//! `notmuch search --output=messages --limit=50 Q` and `notmuch count Q`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{dir_size, fmt_bytes, fmt_ratio, fmt_rss, fmt_seconds, os_args, ratio, step, timed_process, verdict};
use crate::setup;

/// How many queries are timed (BRIEF.md: "median over varied queries").
const QUERIES: usize = 100;
/// The first results asked of each tool.
pub(super) const LIMIT: usize = 50;

/// Words too common to be a query someone types, and notmuch's query operators (its parser
/// takes them in any case).
const SKIPPED: &[&str] = &[
    "pour", "dans", "avec", "vous", "nous", "votre", "notre", "sont", "cette", "mais", "plus", "sans", "sous", "chez",
    "near", "adj", "and", "not", "xor",
];

/// What the search step measured.
pub(super) struct SearchFigures {
    pub queries: Vec<String>,
    /// Whether Calame's profile holds the bodies (the mirror ran) or envelopes only.
    pub bodies_cached: bool,
    /// Calame's first search (it builds the index), as a whole process.
    pub calame_build: super::Sample,
    pub notmuch_new: super::Sample,
    pub runs: Vec<QueryRun>,
    pub sizes: Sizes,
}

/// One query through both tools: seconds of each whole process and what it found.
pub(super) struct QueryRun {
    pub calame: f64,
    pub calame_hits: usize,
    pub notmuch: f64,
    pub notmuch_hits: usize,
    pub count: f64,
    pub count_hits: u64,
}

/// Bytes on disk (allocated blocks) after the searches.
#[derive(Default)]
pub(super) struct Sizes {
    pub calame_cache: u64,
    pub calame_bodies: u64,
    pub calame_search: u64,
    pub calame_profile: u64,
    pub notmuch_index: u64,
    pub maildir: u64,
}

/// Median, 95th percentile (nearest rank) and mean hits of one tool over the queries.
pub(super) struct Stats {
    pub median: Option<f64>,
    pub p95: Option<f64>,
    pub mean_hits: Option<f64>,
}

/// The step: queries from `profile`'s INBOX, Calame's index build and notmuch's, then every query
/// through both. Fails when Calame finds nothing for more than half the queries.
pub(super) fn measure(
    calame: &Path,
    profile: &Path,
    bodies_cached: bool,
    maildir: &Path,
    work: &Path,
    seed: u64,
) -> Result<SearchFigures> {
    let notmuch = setup::which("notmuch").context("notmuch is not installed (Debian: notmuch)")?;
    let queries = queries(&list_inbox(calame, profile)?, seed, QUERIES);
    if queries.is_empty() {
        bail!("no query could be drawn from the INBOX's subjects and senders");
    }
    let first = queries.first().cloned().unwrap_or_default();
    step(&format!("search: calame's first search (index build), {first:?}"));
    let t = timed_process(calame, &search_args(profile, &first), &[], work)?;
    let calame_build = super::Sample {
        wall: Some(t.wall),
        rss_kib: Some(t.rss_kib),
        ..super::Sample::default()
    };

    let maildir_bytes = dir_size(maildir)?;
    let config = notmuch_config(maildir, work)?;
    let config_env = config.to_str().context("the work directory's path is not UTF-8")?;
    let envs = [("NOTMUCH_CONFIG", config_env)];
    step("search: notmuch new (index build)");
    let t = timed_process(&notmuch, &os_args(&[&"new", &"--quiet"]), &envs, work)?;
    let notmuch_new = super::Sample {
        wall: Some(t.wall),
        rss_kib: Some(t.rss_kib),
        ..super::Sample::default()
    };

    step(&format!(
        "search: {} queries, calame then notmuch for each",
        queries.len()
    ));
    // Write back what the index builds left dirty before the series (not before each query).
    let _ = Command::new("sync").status();
    let mut runs = Vec::with_capacity(queries.len());
    for query in &queries {
        runs.push(run_query(calame, profile, &notmuch, &envs, query)?);
    }
    let failed = runs.iter().filter(|r| r.calame_hits == 0).count();
    if failed * 2 > runs.len() {
        bail!(
            "calame search found nothing for {failed} of {} queries (the bench is broken): {:?}",
            runs.len(),
            queries
                .iter()
                .zip(&runs)
                .filter(|(_, r)| r.calame_hits == 0)
                .map(|(q, _)| q)
                .collect::<Vec<_>>()
        );
    }
    let size = |name: &str| {
        let path = profile.join(name);
        if path.exists() {
            dir_size(&path)
        } else {
            Ok(0)
        }
    };
    let sizes = Sizes {
        calame_cache: size("cache")?,
        calame_bodies: size("bodies")?,
        calame_search: size("search")?,
        calame_profile: dir_size(profile)?,
        notmuch_index: dir_size(&maildir.join(".notmuch"))?,
        maildir: maildir_bytes,
    };
    Ok(SearchFigures {
        queries,
        bodies_cached,
        calame_build,
        notmuch_new,
        runs,
        sizes,
    })
}

/// What `calame list --json` prints of a message that the queries use.
#[derive(Deserialize)]
struct Listed {
    subject: Option<String>,
    from: Option<ListedAddress>,
}

#[derive(Deserialize)]
struct ListedAddress {
    name: Option<String>,
    email: String,
}

/// Every message of the profile's INBOX, newest first, from the cache.
fn list_inbox(calame: &Path, profile: &Path) -> Result<Vec<Listed>> {
    let out = Command::new(calame)
        .arg("--profile")
        .arg(profile)
        .args(["--offline", "list", "INBOX", "--limit", "1000000", "--json"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", calame.display()))?;
    if !out.status.success() {
        bail!(
            "calame --offline list INBOX failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("reading calame list --json")
}

/// SplitMix64: the queries depend on the bench's `--seed` only.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// One of `items`, or `None` when there are none.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get((self.next() % items.len() as u64) as usize)
    }
}

/// The searchable words of a text, lowercase, each once, in order.
fn words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .filter(|w| !SKIPPED.contains(&w.as_str()))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// A sender's words: its display name's, else its address's local part's.
fn sender_words(from: &ListedAddress) -> Vec<String> {
    match from.name.as_deref().map(words) {
        Some(w) if !w.is_empty() => w,
        _ => words(&from.email.split('@').next().unwrap_or("").replace(['.', '-', '_'], " ")),
    }
}

/// `count` distinct queries, in tenths: five single subject words, one single sender word,
/// three pairs of words of one subject, one `from:` a sender word.
fn queries(listed: &[Listed], seed: u64, count: usize) -> Vec<String> {
    let subjects: Vec<Vec<String>> = listed
        .iter()
        .map(|m| words(m.subject.as_deref().unwrap_or("")))
        .filter(|w| !w.is_empty())
        .collect();
    let pairs: Vec<&Vec<String>> = subjects.iter().filter(|w| w.len() >= 2).collect();
    let senders: Vec<Vec<String>> = listed
        .iter()
        .filter_map(|m| m.from.as_ref().map(sender_words))
        .filter(|w| !w.is_empty())
        .collect();
    let mut rng = SplitMix(seed ^ 0x5EA2_C4B3_0000_0000);
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    // A few draws per query: an already drawn query is drawn again.
    for i in 0..count * 20 {
        if out.len() == count {
            break;
        }
        let query = match out.len() % 10 {
            0..=4 => rng.pick(&subjects).and_then(|w| rng.pick(w)).cloned(),
            5 => rng.pick(&senders).and_then(|w| rng.pick(w)).cloned(),
            6..=8 => rng.pick(&pairs).and_then(|w| {
                let a = rng.next() as usize % w.len();
                let b = (a + 1 + rng.next() as usize % (w.len() - 1)) % w.len();
                Some(format!("{} {}", w.get(a)?, w.get(b)?))
            }),
            _ => rng
                .pick(&senders)
                .and_then(|w| rng.pick(w))
                .map(|w| format!("from:{w}")),
        };
        match query {
            Some(q) if seen.insert(q.clone()) => out.push(q),
            // Past ten draws per query, repeats are allowed (a tiny mailbox).
            Some(q) if i >= count * 10 => out.push(q),
            _ => {}
        }
    }
    out
}

/// `notmuch` configuration for `maildir`: its index in `maildir/.notmuch`, no tags added by
/// `notmuch new`, nothing excluded from searches, mbsync's state files ignored.
fn notmuch_config(maildir: &Path, work: &Path) -> Result<PathBuf> {
    let config = format!(
        "[database]\npath={}\n\n[new]\ntags=\nignore=.mbsyncstate;.mbsyncstate.journal;.mbsyncstate.new;.mbsyncstate.lock;.uidvalidity\n\n\
         [search]\nexclude_tags=\n\n[maildir]\nsynchronize_flags=false\n",
        maildir.display()
    );
    let file = work.join("notmuch-config");
    fs::write(&file, config).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

fn search_args(profile: &Path, query: &str) -> Vec<OsString> {
    let limit = LIMIT.to_string();
    os_args(&[
        &"--profile",
        &profile,
        &"--offline",
        &"search",
        &query,
        &"--limit",
        &limit,
        &"--json",
    ])
}

/// One query through Calame, notmuch search and notmuch count.
fn run_query(calame: &Path, profile: &Path, notmuch: &Path, envs: &[(&str, &str)], query: &str) -> Result<QueryRun> {
    let (calame_s, out) = quick_process(calame, &search_args(profile, query), &[])?;
    let hits: Vec<Value> =
        serde_json::from_slice(&out).with_context(|| format!("calame search {query:?} printed no JSON array"))?;
    // `--output=messages` is the closer equivalent of Calame's "first 50 results": the 50
    // newest matching messages (notmuch sorts newest first), not 50 threads of any size. It
    // prints message ids only, a little less than Calame's envelopes.
    let limit = format!("--limit={LIMIT}");
    let args = os_args(&[&"search", &"--output=messages", &limit, &query]);
    let (notmuch_s, out) = quick_process(notmuch, &args, envs)?;
    let notmuch_hits = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    let (count_s, out) = quick_process(notmuch, &os_args(&[&"count", &query]), envs)?;
    let count_hits = String::from_utf8_lossy(&out)
        .trim()
        .parse()
        .with_context(|| format!("notmuch count {query:?} printed {:?}", String::from_utf8_lossy(&out)))?;
    Ok(QueryRun {
        calame: calame_s,
        calame_hits: hits.len(),
        notmuch: notmuch_s,
        notmuch_hits,
        count: count_s,
        count_hits,
    })
}

/// Run a short process straight (no GNU time, no `sync` before: a query writes nothing), stdin
/// closed; its wall time and stdout. Fails with its stderr when it fails.
fn quick_process(program: &Path, args: &[OsString], envs: &[(&str, &str)]) -> Result<(f64, Vec<u8>)> {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let wall = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "`{} {:?}` failed ({}): {}",
            program.display(),
            args,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok((wall, out.stdout))
}

fn stats(seconds: impl Iterator<Item = f64>, hits: impl Iterator<Item = f64>) -> Stats {
    let mut values: Vec<f64> = seconds.collect();
    values.sort_by(f64::total_cmp);
    let hits: Vec<f64> = hits.collect();
    // Nearest rank: the smallest value with at least 95 % of the values at or below it.
    let rank = (values.len() * 95).div_ceil(100);
    Stats {
        median: super::median_f64(values.clone()),
        p95: rank.checked_sub(1).and_then(|i| values.get(i)).copied(),
        mean_hits: (!hits.is_empty()).then(|| hits.iter().sum::<f64>() / hits.len() as f64),
    }
}

impl SearchFigures {
    pub fn calame(&self) -> Stats {
        stats(
            self.runs.iter().map(|r| r.calame),
            self.runs.iter().map(|r| r.calame_hits as f64),
        )
    }

    pub fn notmuch(&self) -> Stats {
        stats(
            self.runs.iter().map(|r| r.notmuch),
            self.runs.iter().map(|r| r.notmuch_hits as f64),
        )
    }

    pub fn count(&self) -> Stats {
        stats(
            self.runs.iter().map(|r| r.count),
            self.runs.iter().map(|r| r.count_hits as f64),
        )
    }

    /// Calame's median over notmuch search's.
    pub fn ratio(&self) -> Option<f64> {
        ratio(self.calame().median, self.notmuch().median)
    }

    /// The rows of the search table (the main table's seven columns, other headers).
    pub fn rows(&self) -> Vec<[String; 7]> {
        let (c, n, k) = (self.calame(), self.notmuch(), self.count());
        let hits = |h: Option<f64>| h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1}"));
        let vs = self.ratio();
        vec![
            [
                "calame first search (index build)".into(),
                fmt_seconds(self.calame_build.wall),
                "-".into(),
                "-".into(),
                fmt_rss(self.calame_build.rss_kib),
                fmt_ratio(ratio(self.calame_build.wall, self.notmuch_new.wall)),
                "printed apart, not in the median".into(),
            ],
            [
                "notmuch new (index build)".into(),
                fmt_seconds(self.notmuch_new.wall),
                "-".into(),
                "-".into(),
                fmt_rss(self.notmuch_new.rss_kib),
                "1.00x".into(),
                "".into(),
            ],
            [
                format!("calame --offline search --limit {LIMIT}"),
                fmt_seconds(c.median),
                fmt_seconds(c.p95),
                hits(c.mean_hits),
                "-".into(),
                fmt_ratio(vs),
                format!("<= notmuch search: {}", verdict(vs.is_some_and(|r| r <= 1.0))),
            ],
            [
                format!("notmuch search --output=messages --limit={LIMIT}"),
                fmt_seconds(n.median),
                fmt_seconds(n.p95),
                hits(n.mean_hits),
                "-".into(),
                "1.00x".into(),
                "(notmuch 15 ms in BRIEF, 100k)".into(),
            ],
            [
                "notmuch count".into(),
                fmt_seconds(k.median),
                fmt_seconds(k.p95),
                hits(k.mean_hits),
                "-".into(),
                fmt_ratio(ratio(k.median, n.median)),
                "all hits counted (notmuch 7 ms in BRIEF)".into(),
            ],
        ]
    }

    /// The lines under the search table: sizes on disk, what was searched, sample queries.
    pub fn footer(&self) -> String {
        let s = &self.sizes;
        let bodies = match (self.bodies_cached, s.calame_bodies) {
            (true, 0) => "after the mirror, but its bodies/ is empty: no body cached?",
            (true, _) => "bodies cached by the mirror",
            (false, _) => "envelopes only: this calame has no `sync --bodies`",
        };
        let sample: Vec<&str> = self.queries.iter().take(8).map(String::as_str).collect();
        format!(
            "on disk: calame's profile {} (cache {}, bodies {}, search {}); notmuch's index (.notmuch) {}; \
             mbsync's maildir {}\n\
             calame searched its profile ({bodies}); times are whole processes, one query after the other;\n\
             queries ({} of them, --seed): {} ...\n",
            fmt_bytes(Some(s.calame_profile)),
            fmt_bytes(Some(s.calame_cache)),
            fmt_bytes(Some(s.calame_bodies)),
            fmt_bytes(Some(s.calame_search)),
            fmt_bytes(Some(s.notmuch_index)),
            fmt_bytes(Some(s.maildir)),
            self.queries.len(),
            sample.join(" | "),
        )
    }

    pub fn json(&self) -> Value {
        let stats = |s: Stats| json!({"median": s.median, "p95": s.p95, "mean_hits": s.mean_hits});
        let s = &self.sizes;
        json!({
            "queries": self.queries.len(),
            "limit": LIMIT,
            "bodies_cached": self.bodies_cached,
            "calame": {
                "index_build": {"wall": self.calame_build.wall, "rss_kib": self.calame_build.rss_kib},
                "search": stats(self.calame()),
            },
            "notmuch": {
                "new": {"wall": self.notmuch_new.wall, "rss_kib": self.notmuch_new.rss_kib},
                "search_messages": stats(self.notmuch()),
                "count": stats(self.count()),
            },
            "calame_vs_notmuch": self.ratio(),
            "sizes": {
                "calame_profile": s.calame_profile,
                "calame_cache": s.calame_cache,
                "calame_bodies": s.calame_bodies,
                "calame_search": s.calame_search,
                "notmuch_index": s.notmuch_index,
                "maildir": s.maildir,
            },
            "samples": self.runs.iter().zip(&self.queries).map(|(r, q)| json!({
                "query": q,
                "calame": r.calame,
                "calame_hits": r.calame_hits,
                "notmuch": r.notmuch,
                "notmuch_hits": r.notmuch_hits,
                "count": r.count,
                "count_hits": r.count_hits,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(subject: &str, name: Option<&str>, email: &str) -> Listed {
        Listed {
            subject: Some(subject.to_owned()),
            from: Some(ListedAddress {
                name: name.map(str::to_owned),
                email: email.to_owned(),
            }),
        }
    }

    #[test]
    fn words_are_whole_lowercase_letters() {
        assert_eq!(
            words("RE : Demande d'acte de naissance n°PC 2023 — École, école"),
            ["demande", "naissance", "école"]
        );
    }

    #[test]
    fn sender_words_fall_back_to_the_local_part() {
        let none = ListedAddress {
            name: None,
            email: "service.urbanisme@example.test".into(),
        };
        assert_eq!(sender_words(&none), ["service", "urbanisme"]);
    }

    #[test]
    fn queries_are_deterministic_and_mixed() {
        let mail = [
            listed("Permis de construire déposé", Some("Jean Dupont"), "jean@x.test"),
            listed("Réunion du conseil municipal", Some("Hélène Lefèvre"), "h@x.test"),
            listed("Travaux voirie quartier nord", None, "voirie@x.test"),
        ];
        let a = queries(&mail, 7, 20);
        assert_eq!(a, queries(&mail, 7, 20));
        assert_eq!(a.len(), 20);
        assert!(a.iter().any(|q| q.starts_with("from:")));
        assert!(a.iter().any(|q| q.contains(' ')));
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        let s = stats((1..=100).map(f64::from), [0.0, 2.0].into_iter());
        assert_eq!(s.p95, Some(95.0));
        assert_eq!(s.median, Some(50.5));
        assert_eq!(s.mean_hits, Some(1.0));
    }
}
