//! Threads for replies whose client dropped References and In-Reply-To (some webmails do): such
//! a reply joins the thread of a message of the same folder whose subject is the same once the
//! reply and forward prefixes are stripped.
//!
//! Pure: [`normalize_subject`] strips the prefixes, [`subject_threads`] builds the map from a
//! folder's envelopes (normalised subject → thread id) and [`join_by_subject`] applies it to a
//! page. `Calame::list` keeps the map in the store, rebuilt when the folder's messages change.

use std::collections::BTreeMap;

use crate::envelope::Envelope;

/// Reply and forward prefixes, French and English (and the German ones Outlook writes), as
/// lower-case words before a colon: `Re:`, `RE :`, `Réf. :`, `TR:`, `Fwd:`, `Fw:`, `AW:`, `WG:`.
const PREFIXES: &[&str] = &["re", "ref", "réf", "tr", "fwd", "fw", "aw", "wg"];

/// A subject without its reply and forward prefixes, however many and in whatever case, with or
/// without a space before the colon (as French typography puts it), with its spaces collapsed.
/// List tags (`[urbanisme]`) stay, in front.
pub fn normalize_subject(subject: &str) -> String {
    strip(subject).0
}

/// The normalised subject, and whether a reply or forward prefix was stripped.
fn strip(subject: &str) -> (String, bool) {
    let mut tags: Vec<&str> = Vec::new();
    let mut rest = subject.trim_start();
    let mut stripped = false;
    loop {
        if let Some(after) = strip_prefix(rest) {
            rest = after.trim_start();
            stripped = true;
        } else if let Some((tag, after)) = list_tag(rest) {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
            rest = after.trim_start();
        } else {
            break;
        }
    }
    let words: Vec<&str> = tags.into_iter().chain(rest.split_whitespace()).collect();
    (words.join(" "), stripped)
}

/// The text after one prefix (`Re:`, `RE :`, `Réf. :`, `Re[2]:`), if `s` starts with one.
fn strip_prefix(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !c.is_alphabetic()).unwrap_or(s.len());
    let word = s.get(..end)?.to_lowercase();
    if !PREFIXES.contains(&word.as_str()) {
        return None;
    }
    let mut after = s.get(end..)?;
    after = after.strip_prefix('.').unwrap_or(after);
    // A reply counter some clients add: `Re[2]:`, `Re(2):`.
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = after.strip_prefix(open) {
            let (count, tail) = inner.split_once(close)?;
            if count.is_empty() || !count.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            after = tail;
        }
    }
    after.trim_start().strip_prefix(':')
}

/// A leading `[tag]` and the text after it.
fn list_tag(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let tag = s.get(..close + 2)?;
    let after = s.get(close + 2..)?;
    Some((tag, after))
}

/// The key a normalised subject is looked up by: lower case.
pub fn subject_key(normalized: &str) -> String {
    normalized.to_lowercase()
}

/// For each normalised subject of a folder, the thread its oldest message belongs to. Replies
/// that lost their references only count when nothing else has the subject.
pub fn subject_threads(envelopes: &[Envelope]) -> BTreeMap<String, String> {
    let mut best: BTreeMap<String, ((bool, i64, u32), String)> = BTreeMap::new();
    for e in envelopes {
        let (Some(subject), Some(thread)) = (e.subject.as_deref(), e.thread_id.as_ref()) else {
            continue;
        };
        let (normalized, stripped) = strip(subject);
        if normalized.is_empty() {
            continue;
        }
        let orphan = stripped && lost_references(e);
        let rank = (orphan, timestamp(e), e.uid);
        let entry = best.entry(subject_key(&normalized));
        match entry {
            std::collections::btree_map::Entry::Occupied(mut o) => {
                if rank < o.get().0 {
                    o.insert((rank, thread.clone()));
                }
            }
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert((rank, thread.clone()));
            }
        }
    }
    best.into_iter().map(|(k, (_, thread))| (k, thread)).collect()
}

/// Give each reply of the page that lost its references the thread `lookup` finds for its
/// subject. Messages without a reply prefix keep their own thread.
pub fn join_by_subject<E>(
    page: &mut [Envelope],
    mut lookup: impl FnMut(&str) -> Result<Option<String>, E>,
) -> Result<(), E> {
    for e in page.iter_mut() {
        let Some(key) = orphan_key(e) else { continue };
        if let Some(thread) = lookup(&key)? {
            e.thread_id = Some(thread);
        }
    }
    Ok(())
}

/// Whether [`join_by_subject`] would look this message up: a reply (its subject has a reply or
/// forward prefix) without References or In-Reply-To.
pub fn needs_subject(e: &Envelope) -> bool {
    orphan_key(e).is_some()
}

fn orphan_key(e: &Envelope) -> Option<String> {
    if !lost_references(e) {
        return None;
    }
    match strip(e.subject.as_deref()?) {
        (normalized, true) if !normalized.is_empty() => Some(subject_key(&normalized)),
        _ => None,
    }
}

fn lost_references(e: &Envelope) -> bool {
    e.references.is_empty() && e.in_reply_to.is_none()
}

/// Seconds since the epoch of the message's date; undated messages come last.
fn timestamp(e: &Envelope) -> i64 {
    e.date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map_or(i64::MAX, |d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_stripped() {
        let cases = [
            ("Demande de permis", "Demande de permis"),
            ("Re: Demande de permis", "Demande de permis"),
            ("RE : TR: Demande de permis", "Demande de permis"),
            ("Re: RE: Tr: Demande de permis", "Demande de permis"),
            ("re:Demande", "Demande"),
            ("RE\u{a0}: Demande", "Demande"),
            ("TR\u{202f}: Demande", "Demande"),
            ("Réf. : Dossier 12", "Dossier 12"),
            ("RÉF.: Dossier 12", "Dossier 12"),
            ("Ref: Dossier 12", "Dossier 12"),
            ("Fwd: Fw: FW : Compte rendu", "Compte rendu"),
            ("AW: WG: Termin", "Termin"),
            ("Re[2]: Relance", "Relance"),
            ("Re(3) : Relance", "Relance"),
            ("[urbanisme] Re: Permis", "[urbanisme] Permis"),
            ("Re: [urbanisme] Re: Permis", "[urbanisme] Permis"),
            ("[urbanisme] [urbanisme] Permis", "[urbanisme] Permis"),
            ("  Re:   Demande   de\tpermis  ", "Demande de permis"),
            // Not prefixes: words that only start like one, or no colon.
            ("Relance : facture", "Relance : facture"),
            ("Transport: horaires", "Transport: horaires"),
            ("Re Demande", "Re Demande"),
            ("Réf. 12-2027", "Réf. 12-2027"),
            ("Re[x]: y", "Re[x]: y"),
            ("Re:", ""),
            ("", ""),
            ("[tag", "[tag"),
        ];
        for (subject, expected) in cases {
            assert_eq!(normalize_subject(subject), expected, "{subject:?}");
        }
    }

    fn envelope(uid: u32, subject: &str, id: &str, references: &[&str], date: &str) -> Envelope {
        let refs = if references.is_empty() {
            String::new()
        } else {
            format!("References: {}\r\n", references.join(" "))
        };
        let raw = format!("Subject: {subject}\r\nMessage-ID: {id}\r\n{refs}Date: {date}\r\n\r\n");
        crate::envelope::from_headers(uid, raw.as_bytes(), Vec::new(), 1, None)
    }

    #[test]
    fn a_reply_without_references_joins_the_thread_of_its_subject() {
        let folder = vec![
            // The orphan arrived first in the folder (lower UID), yet is newer.
            envelope(
                1,
                "RE : TR: Demande de permis",
                "<orphan@x>",
                &[],
                "Wed, 17 Mar 2027 10:00:00 +0100",
            ),
            envelope(
                2,
                "TR: Demande de permis",
                "<root@x>",
                &[],
                "Mon, 15 Mar 2027 09:00:00 +0100",
            ),
            envelope(
                3,
                "Re: TR: Demande de permis",
                "<r1@x>",
                &["<root@x>"],
                "Tue, 16 Mar 2027 09:00:00 +0100",
            ),
            envelope(
                4,
                "Demande de permis",
                "<other@x>",
                &[],
                "Thu, 18 Mar 2027 09:00:00 +0100",
            ),
            envelope(
                5,
                "Re: Sans racine",
                "<lonely@x>",
                &[],
                "Thu, 18 Mar 2027 09:00:00 +0100",
            ),
        ];
        let map = subject_threads(&folder);
        assert_eq!(map.get("demande de permis").map(String::as_str), Some("root@x"));
        assert_eq!(map.get("sans racine").map(String::as_str), Some("lonely@x"));
        let mut page = folder.clone();
        join_by_subject::<()>(&mut page, |k| Ok(map.get(k).cloned())).unwrap();
        let threads: Vec<&str> = page.iter().map(|e| e.thread_id.as_deref().unwrap_or("")).collect();
        assert_eq!(threads, vec!["root@x", "root@x", "root@x", "other@x", "lonely@x"]);
    }

    #[test]
    fn the_store_keeps_one_index_per_folder_and_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("cache")).unwrap();
        assert_eq!(store.subjects_generation(7).unwrap(), None);
        let first: BTreeMap<String, String> = [("permis".to_owned(), "root@x".to_owned())].into();
        store.put_subjects(7, 3, &first).unwrap();
        store
            .put_subjects(8, 1, &[("permis".to_owned(), "autre@x".to_owned())].into())
            .unwrap();
        assert_eq!(store.subjects_generation(7).unwrap(), Some(3));
        assert_eq!(
            store.thread_for_subject(7, "permis").unwrap().as_deref(),
            Some("root@x")
        );
        assert_eq!(
            store.thread_for_subject(8, "permis").unwrap().as_deref(),
            Some("autre@x")
        );
        assert_eq!(store.thread_for_subject(7, "autre").unwrap(), None);
        store
            .put_subjects(7, 4, &[("autre".to_owned(), "a@x".to_owned())].into())
            .unwrap();
        assert_eq!(store.subjects_generation(7).unwrap(), Some(4));
        assert_eq!(
            store.thread_for_subject(7, "permis").unwrap(),
            None,
            "the old index is gone"
        );
        assert_eq!(store.thread_for_subject(7, "autre").unwrap().as_deref(), Some("a@x"));
        assert_eq!(
            store.thread_for_subject(8, "permis").unwrap().as_deref(),
            Some("autre@x")
        );
    }
}
