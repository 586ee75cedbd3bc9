//! The index against a real store in a temporary directory: what it finds, in what order,
//! and what happens when its file is damaged or out of date.

use super::*;
use crate::store::{self, Changes, FolderState};

const ACCOUNT: &str = "a@x";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    state: FolderState,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache")).unwrap();
        let state = store.reset_folder(ACCOUNT, "INBOX", 1).unwrap();
        Fixture {
            _dir: dir,
            store,
            state,
        }
    }

    fn add(&mut self, envelopes: Vec<Envelope>) {
        let newest = envelopes.iter().map(|e| e.uid + 1).max().unwrap_or(1);
        self.state.uidnext = self.state.uidnext.max(newest);
        let changes = Changes {
            upsert: envelopes,
            ..Default::default()
        };
        self.store.apply(ACCOUNT, "INBOX", &self.state, &changes).unwrap();
    }

    fn remove(&mut self, uids: &[u32]) {
        let changes = Changes {
            remove: uids.to_vec(),
            ..Default::default()
        };
        self.store.apply(ACCOUNT, "INBOX", &self.state, &changes).unwrap();
    }

    fn uids(&self, query: &str, want: usize) -> Vec<u32> {
        folder_uids(&self.store, self.state.id, &Query::parse(query).unwrap(), want).unwrap()
    }

    fn index(&self) -> std::path::PathBuf {
        self.store.index_path(self.state.id)
    }
}

/// A message: sender, recipients, subject and date from its number.
fn envelope(uid: u32, from: &str, to: &str, cc: &str, subject: &str) -> Envelope {
    let day = 1 + uid % 28;
    let headers = format!(
        "From: {from}\r\nTo: {to}\r\nCc: {cc}\r\nSubject: {subject}\r\nDate: Mon, {day:02} Feb 2026 10:00:{:02} +0100\r\n\r\n",
        uid % 60
    );
    crate::envelope::from_headers(uid, headers.as_bytes(), vec![], 100, None)
}

/// Three hundred messages: every third from Hélène, every fifth copied to the école.
fn three_hundred() -> Fixture {
    let mut f = Fixture::new();
    let envelopes = (1..=300)
        .map(|uid| {
            let from = if uid % 3 == 0 {
                "=?UTF-8?Q?H=C3=A9l=C3=A8ne_Lef=C3=A8vre?= <helene@mairie.test>".to_owned()
            } else {
                format!("Agent {uid} <agent{uid}@mairie.test>")
            };
            let cc = if uid % 5 == 0 {
                "École Jules Ferry <ecole@mairie.test>"
            } else {
                ""
            };
            envelope(
                uid,
                &from,
                "Accueil <accueil@mairie.test>",
                cc,
                &format!("Demande numéro {uid}"),
            )
        })
        .collect();
    f.add(envelopes);
    f
}

#[test]
fn newest_first_limited_and_by_field() {
    let f = three_hundred();
    assert!(!f.index().exists());
    assert_eq!(f.uids("demande", 3), vec![300, 299, 298]);
    assert!(f.index().exists(), "built on first use");
    assert_eq!(f.uids("HELENE", 4), vec![300, 297, 294, 291]);
    assert_eq!(f.uids("from:lefevre", 2), vec![300, 297]);
    assert_eq!(f.uids("to:lefevre", 2), Vec::<u32>::new());
    assert_eq!(f.uids("to:école", 3), vec![300, 295, 290]);
    assert_eq!(f.uids("from:ecole", 3), Vec::<u32>::new());
    assert_eq!(
        f.uids("subject:\"numero 12\"", 50),
        vec![129, 128, 127, 126, 125, 124, 123, 122, 121, 120, 12]
    );
    assert_eq!(f.uids("numero helene ecole", 3), vec![300, 285, 270]);
    assert_eq!(f.uids("demande", 0), Vec::<u32>::new());
    assert_eq!(f.uids("absent", 10), Vec::<u32>::new());
    assert_eq!(f.uids("demande", 1000).len(), 300);
}

#[test]
fn hits_across_folders_are_ranked_by_date_then_paged() {
    let f = three_hundred();
    let archive = f.store.reset_folder(ACCOUNT, "Archive", 1).unwrap();
    // Dated later than anything in INBOX, though with small UIDs.
    let late = |uid: u32| {
        let headers = format!(
            "From: x@y\r\nSubject: Demande archivée {uid}\r\nDate: Sun, 01 Mar 2026 0{uid}:00:00 +0100\r\n\r\n"
        );
        crate::envelope::from_headers(uid, headers.as_bytes(), vec![], 1, None)
    };
    let changes = Changes {
        upsert: vec![late(1), late(2)],
        ..Default::default()
    };
    f.store.apply(ACCOUNT, "Archive", &archive, &changes).unwrap();
    let folders = [
        Searched {
            name: "INBOX".into(),
            id: f.state.id,
        },
        Searched {
            name: "Archive".into(),
            id: archive.id,
        },
    ];
    let query = Query::parse("demande").unwrap();
    let hits = local(&f.store, &folders, &query, 5).unwrap();
    assert_eq!(hits.len(), 7, "up to 5 per folder");
    let ranked = rank(hits.clone(), 0, 4);
    let order: Vec<(&str, u32)> = ranked.iter().map(|h| (h.folder.as_str(), h.envelope.uid)).collect();
    assert_eq!(
        order,
        vec![("Archive", 2), ("Archive", 1), ("INBOX", 300), ("INBOX", 299)]
    );
    let page: Vec<u32> = rank(hits, 2, 2).iter().map(|h| h.envelope.uid).collect();
    assert_eq!(page, vec![300, 299]);
    let json = serde_json::to_value(&ranked[0]).unwrap();
    assert_eq!(json["folder"], "Archive");
    assert_eq!(json["uid"], 2);
    assert!(
        json.get("subject").is_some() && json.get("envelope").is_none(),
        "flat: {json}"
    );
}

#[test]
fn a_change_to_the_copy_rebuilds_the_index() {
    let mut f = three_hundred();
    assert_eq!(f.uids("demande", 1), vec![300]);
    f.add(vec![envelope(301, "new@x", "a@x", "", "Demande nouvelle")]);
    assert_eq!(f.uids("demande", 1), vec![301], "a new message");
    f.remove(&[301, 300]);
    assert_eq!(f.uids("demande", 1), vec![299], "removed ones");
    // A cached body's text is searched too, once cached.
    assert_eq!(f.uids("body:parapluie", 5), Vec::<u32>::new());
    let raw = b"From: a@x\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Le <b>Parapluie</b> oubli\xc3\xa9</p>";
    f.store.put_body(f.state.id, 42, raw).unwrap();
    let text = f.store.body_text(f.state.id, 42).unwrap().unwrap();
    assert!(text.contains("Parapluie") && !text.contains('<'), "{text:?}");
    assert_eq!(f.uids("body:parapluie", 5), vec![42]);
    assert_eq!(f.uids("body:oublie demande", 5), vec![42]);
    assert_eq!(f.uids("subject:parapluie", 5), Vec::<u32>::new());
}

#[test]
fn long_bodies_are_cut_at_a_character() {
    let mut f = Fixture::new();
    f.add(vec![envelope(1, "a@x", "b@x", "", "s")]);
    let body = "é".repeat(store::MAX_TEXT);
    let raw = format!("Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body} fin");
    f.store.put_body(f.state.id, 1, raw.as_bytes()).unwrap();
    let text = f.store.body_text(f.state.id, 1).unwrap().unwrap();
    assert_eq!(text.len(), store::MAX_TEXT);
    assert!(text.chars().all(|c| c == 'é'));
    assert_eq!(f.uids("eee", 1), vec![1]);
    assert_eq!(f.uids("fin", 1), Vec::<u32>::new());
}

/// Many records over several chunks: every query finds exactly what a scan of the envelopes
/// finds, in UID order, wherever chunks are cut.
#[test]
fn chunked_scans_agree_with_brute_force() {
    let mut f = Fixture::new();
    let filler = "trottoir ".repeat(40);
    let envelopes: Vec<Envelope> = (1..=3000)
        .map(|uid| {
            let tag = format!("mot{}", uid % 97);
            envelope(uid * 2, "a@x", "b@x", "", &format!("{filler} {tag} fin{}", uid % 7))
        })
        .collect();
    let subjects: Vec<(u32, String)> = envelopes
        .iter()
        .map(|e| (e.uid, normalise(e.subject.as_deref().unwrap_or(""))))
        .collect();
    f.add(envelopes);
    for query in ["mot5 ", "mot42 fin3", "trottoir", "mot96", "fin0 mot1"] {
        let q = Query::parse(query).unwrap();
        let mut expected: Vec<u32> = subjects
            .iter()
            .filter(|(_, s)| q.terms.iter().all(|t| s.contains(&t.needle)))
            .map(|(uid, _)| *uid)
            .collect();
        expected.reverse();
        assert_eq!(f.uids(query, usize::MAX), expected, "{query}");
        expected.truncate(7);
        assert_eq!(f.uids(query, 7), expected, "{query}, limited");
    }
    let len = std::fs::metadata(f.index()).unwrap().len();
    assert!(len > 4 * FIRST_CHUNK, "the file spans several chunks ({len} bytes)");
}

/// The index's first chunk (private there).
const FIRST_CHUNK: u64 = 64 << 10;

/// Whatever happens to the file, a search gives the right answer (after a rebuild) and never
/// panics.
#[test]
fn damaged_index_files_are_rebuilt() {
    let f = three_hundred();
    let expected = f.uids("helene demande", 20);
    let good = std::fs::read(f.index()).unwrap();
    let len = good.len();
    let mut damages: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("header only", good[..48].to_vec()),
        ("truncated", good[..len - 5].to_vec()),
        ("longer", [good.clone(), b"xx".to_vec()].concat()),
        ("garbage", vec![0xa5; len]),
    ];
    let mut patch = |name: &'static str, at: usize, bytes: &[u8]| {
        let mut d = good.clone();
        d[at..at + bytes.len()].copy_from_slice(bytes);
        damages.push((name, d));
    };
    patch("magic", 0, b"XX");
    patch("count", 32, &u64::MAX.to_le_bytes());
    patch("text length", 40, &7u64.to_le_bytes());
    let table = len - 300 * 12;
    patch("first offset", table, &5u64.to_le_bytes());
    patch(
        "offset beyond the text",
        table + 12 * 150,
        &(u64::MAX / 2).to_le_bytes(),
    );
    patch("offsets out of order", table + 12 * 299, &0u64.to_le_bytes());
    patch("uids out of order", table + 12 * 299 + 8, &1u32.to_le_bytes());
    // A newline removed and a separator added inside the newest records: only a scan sees it.
    let last_record = u64::from_le_bytes(good[table + 12 * 299..table + 12 * 299 + 8].try_into().unwrap()) as usize;
    patch("record without its newline", table - 1, b" ");
    patch("record with a fifth field", 48 + last_record + 1, b"\x1f");
    for (name, bytes) in damages {
        std::fs::write(f.index(), &bytes).unwrap();
        assert_eq!(f.uids("helene demande", 20), expected, "{name}");
        assert_eq!(std::fs::read(f.index()).unwrap(), good, "{name}: rebuilt as it was");
    }
    // Not a file at all.
    std::fs::remove_file(f.index()).unwrap();
    std::fs::create_dir(f.index()).unwrap();
    let err = folder_uids(&f.store, f.state.id, &Query::parse("x").unwrap(), 5).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Storage, "a clear error: {err}");
}

#[test]
fn stale_index_files_are_rebuilt() {
    let mut f = three_hundred();
    assert_eq!(f.uids("demande", 1), vec![300]);
    let old = std::fs::read(f.index()).unwrap();
    f.add(vec![envelope(301, "n@x", "a@x", "", "Demande tardive")]);
    assert_eq!(f.uids("demande", 1), vec![301]);
    // An older generation's file put back: rebuilt, not believed.
    std::fs::write(f.index(), &old).unwrap();
    assert_eq!(f.uids("tardive", 5), vec![301]);
    // Another format version.
    let mut other = std::fs::read(f.index()).unwrap();
    other[8] = 99;
    std::fs::write(f.index(), &other).unwrap();
    assert_eq!(f.uids("tardive", 5), vec![301]);
    assert_eq!(std::fs::read(f.index()).unwrap()[8], 1);
    // Another folder's file under this name.
    let id = f.state.id;
    let other = f.store.reset_folder(ACCOUNT, "Other", 1).unwrap();
    f.store
        .apply(
            ACCOUNT,
            "Other",
            &other,
            &Changes {
                upsert: vec![envelope(1, "o@x", "a@x", "", "Autre dossier")],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        folder_uids(&f.store, other.id, &Query::parse("autre").unwrap(), 5).unwrap(),
        vec![1]
    );
    std::fs::copy(f.store.index_path(other.id), f.store.index_path(id)).unwrap();
    assert_eq!(f.uids("autre", 5), Vec::<u32>::new());
    assert_eq!(f.uids("tardive", 5), vec![301]);
}

#[test]
fn dropping_a_copy_removes_its_index() {
    let f = three_hundred();
    f.uids("demande", 1);
    f.store.put_body(f.state.id, 1, b"Subject: s\r\n\r\nbonjour").unwrap();
    assert!(f.index().exists());
    f.store.invalidate(ACCOUNT, "INBOX").unwrap();
    assert!(!f.index().exists());
    assert_eq!(f.store.body_text(f.state.id, 1).unwrap(), None);
    // A new copy (UIDVALIDITY changed) starts without index either.
    let fresh = f.store.reset_folder(ACCOUNT, "INBOX", 2).unwrap();
    assert_eq!(
        folder_uids(&f.store, fresh.id, &Query::parse("demande").unwrap(), 5).unwrap(),
        Vec::<u32>::new()
    );
}

#[test]
fn a_damaged_cache_takes_the_indexes_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache");
    let index = {
        let store = Store::open(&path).unwrap();
        let state = store.reset_folder(ACCOUNT, "INBOX", 1).unwrap();
        folder_uids(&store, state.id, &Query::parse("x").unwrap(), 1).unwrap();
        store.index_path(state.id)
    };
    assert!(index.exists());
    for entry in std::fs::read_dir(&path).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::write(&p, b"\xff\xfe not a sled file").unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    assert!(store.rebuilt);
    assert!(!index.exists());
}
