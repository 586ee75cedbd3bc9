//! Search against the real server: the local index finds exactly what a scan of the cached
//! envelopes finds, follows moves and deletions, covers shared folders; the server's search
//! finds what the cache lacks.

use std::collections::BTreeSet;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use calame_core::{Action, Calame, Envelope, SearchHit, SearchRequest, Secret};
use calame_testkit::{Stack, User};

use crate::{password, profile, seeded_account, setup};

/// A private user with 300 generated messages in INBOX, synced into a fresh profile.
async fn synced(stack: &Stack, name: &str) -> (User, tempfile::TempDir, Calame) {
    let (user, tmp, calame, password) = seeded_account(stack, name, 21, 300).await;
    calame.sync_with(&user.email, None, &password).await.unwrap();
    (user, tmp, calame)
}

async fn search(calame: &Calame, email: &str, query: &str, limit: usize) -> Vec<SearchHit> {
    let request = SearchRequest {
        limit,
        ..SearchRequest::new(query)
    };
    calame.search(email, &request, false).await.unwrap()
}

/// Lower case without French accents: written here again, apart from the core's.
fn fold(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        match c {
            'à' | 'â' | 'ä' | 'á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' => out.push('y'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An envelope's searchable fields, folded: from, to and cc, subject.
fn fields(e: &Envelope) -> [String; 3] {
    let person = |a: &calame_core::Address| format!("{} {}", a.name.as_deref().unwrap_or(""), a.email);
    let from = e.from.as_ref().map(person).unwrap_or_default();
    let to: Vec<String> = e.to.iter().chain(&e.cc).map(person).collect();
    [
        fold(&from),
        fold(&to.join(" ")),
        fold(e.subject.as_deref().unwrap_or("")),
    ]
}

/// A term of the brute force: `(field, text)`, field 0 from, 1 to and cc, 2 subject, `None` any.
type Term<'a> = (Option<usize>, &'a str);

/// The brute-force answer: UIDs of the envelopes whose fields hold every term.
fn expected(envelopes: &[Envelope], terms: &[Term]) -> BTreeSet<u32> {
    envelopes
        .iter()
        .filter(|e| {
            let f = fields(e);
            terms.iter().all(|(field, text)| {
                let needle = fold(text);
                match field {
                    Some(i) => f[*i].contains(&needle),
                    None => f.iter().any(|x| x.contains(&needle)),
                }
            })
        })
        .map(|e| e.uid)
        .collect()
}

/// Words made of letters only (no apostrophe or dash to fold differently).
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .collect()
}

fn timestamp(h: &SearchHit) -> i64 {
    h.envelope
        .date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map_or(i64::MIN, |d| d.timestamp())
}

fn assert_newest_first(hits: &[SearchHit]) {
    assert!(
        hits.windows(2)
            .all(|w| (timestamp(&w[0]), w[0].envelope.uid) >= (timestamp(&w[1]), w[1].envelope.uid)),
        "newest first"
    );
}

#[tokio::test]
async fn local_search_finds_what_a_scan_of_the_cache_finds() {
    let stack = Stack::shared();
    let (user, tmp, calame) = synced(stack, "search-local").await;
    let cached = calame.list(&user.email, "INBOX", 0, usize::MAX).unwrap();
    assert_eq!(cached.len(), 300);
    // Figures, not bounds: the first search builds the index; a term found nowhere reads it all.
    let started = Instant::now();
    assert!(search(&calame, &user.email, "qzxwvk", 50).await.is_empty());
    let built = started.elapsed();
    let started = Instant::now();
    search(&calame, &user.email, "qzxwvk", 50).await;
    let again = started.elapsed();
    let bytes: u64 = std::fs::read_dir(tmp.path().join("search"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    eprintln!("300 messages: index ({bytes} bytes) built and searched in {built:?}; searched again in {again:?}");

    // Terms taken from the cached envelopes themselves.
    let subject_word = cached
        .iter()
        .skip(10)
        .find_map(|e| words(e.subject.as_deref()?).into_iter().max_by_key(|w| w.len()))
        .unwrap()
        .to_owned();
    let accented = cached
        .iter()
        .flat_map(|e| words(e.subject.as_deref().unwrap_or("")))
        .find(|w| !w.is_ascii())
        .expect("generated subjects have accents")
        .to_owned();
    let accented_query = fold(&accented).to_uppercase();
    assert!(accented_query.is_ascii() && accented_query != accented);
    let sender = cached
        .iter()
        .skip(3)
        .find_map(|e| words(e.from.as_ref()?.name.as_deref()?).last().map(|w| w.to_string()))
        .unwrap();
    let first = &cached[40];
    let phrase: Vec<&str> = first.subject.as_deref().unwrap().split_whitespace().take(2).collect();
    let phrase = phrase.join(" ");
    let from_email = first.from.as_ref().unwrap().email.clone();
    let domain = from_email.split('@').nth(1).unwrap().to_owned();

    let cases: Vec<(String, Vec<Term>)> = vec![
        (subject_word.clone(), vec![(None, &subject_word)]),
        (accented_query.clone(), vec![(None, &accented)]),
        (format!("from:{sender}"), vec![(Some(0), &sender)]),
        (
            format!("from:{domain} \"{phrase}\""),
            vec![(Some(0), &domain), (None, &phrase)],
        ),
        (format!("subject:{subject_word}"), vec![(Some(2), &subject_word)]),
        (format!("to:{}", user.login), vec![(Some(1), &user.login)]),
    ];
    for (query, terms) in &cases {
        let want = expected(&cached, terms);
        assert!(!want.is_empty(), "{query}: the brute force finds something");
        let hits = search(&calame, &user.email, query, 1000).await;
        let got: BTreeSet<u32> = hits.iter().map(|h| h.envelope.uid).collect();
        assert_eq!(got, want, "{query}");
        assert!(hits.iter().all(|h| h.folder == "INBOX"));
        assert_newest_first(&hits);
        // A limit keeps the newest (highest UIDs), ranked by date.
        let first = search(&calame, &user.email, query, 50).await;
        let newest: BTreeSet<u32> = want.iter().rev().take(50).copied().collect();
        assert_eq!(
            first.iter().map(|h| h.envelope.uid).collect::<BTreeSet<_>>(),
            newest,
            "{query}"
        );
        assert_newest_first(&first);
        eprintln!("search {query:?}: {} hits", want.len());
    }
}

#[tokio::test]
async fn deleted_and_moved_messages_follow_the_server() {
    let stack = Stack::shared();
    let (user, _tmp, calame) = synced(stack, "search-moves").await;
    let password = Secret::new(user.password.clone());
    let cached = calame.list(&user.email, "INBOX", 0, usize::MAX).unwrap();
    let victim = &cached[5];
    let query = words(victim.subject.as_deref().unwrap())
        .into_iter()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_owned();
    let hits = search(&calame, &user.email, &query, 1000).await;
    assert!(hits.iter().any(|h| h.folder == "INBOX" && h.envelope.uid == victim.uid));

    calame
        .act(
            &user.email,
            Action::Delete {
                folder: "INBOX".into(),
                uids: vec![victim.uid],
            },
        )
        .unwrap();
    calame.flush_with(&user.email, &password).await.unwrap();
    calame.sync_with(&user.email, None, &password).await.unwrap();

    let hits = search(&calame, &user.email, &query, 1000).await;
    assert!(
        !hits.iter().any(|h| h.folder == "INBOX" && h.envelope.uid == victim.uid),
        "gone from INBOX"
    );
    let moved: Vec<&SearchHit> = hits.iter().filter(|h| h.folder == "Trash").collect();
    assert_eq!(moved.len(), 1, "found in the Trash: {moved:?}");
    assert_eq!(moved[0].envelope.message_id, victim.message_id);
    let only_trash = calame
        .search(
            &user.email,
            &SearchRequest {
                folder: Some("Trash".into()),
                ..SearchRequest::new(&query)
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(only_trash, moved.into_iter().cloned().collect::<Vec<_>>());
}

/// A message written straight into a user's folder on the server (Dovecot finds it at the next
/// SELECT), with `word` in its body only.
fn deliver(stack: &Stack, login: &str, folder: &str, subject: &str, word: &str) {
    let dir = stack.maildir(login, folder).join("cur");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let id = format!("{}.{}.{}", now.as_secs(), now.subsec_nanos(), std::process::id());
    let name = format!(
        "{}.M{}P{}.search:2,",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    );
    let raw = format!(
        "From: Service Urbanisme <urbanisme@example.test>\nTo: accueil@example.test\n\
         Subject: {subject}\nDate: Mon, 2 Mar 2026 10:00:00 +0100\nMessage-ID: <{id}@example.test>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
         Bonjour,\nle dossier {word} est complet.\n"
    );
    let path = dir.join(&name);
    std::fs::write(&path, raw).unwrap();
    stack.fix_mail_owner(&path).unwrap();
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{}", nanos % 1_000_000_000_000)
}

#[tokio::test]
async fn alice_finds_a_message_of_the_shared_mailbox() {
    let stack = Stack::shared();
    let token = unique("partage");
    deliver(stack, "accueil", "Demandes", &format!("Demande {token}"), &token);
    let (_dir, calame) = profile();
    calame
        .add_account(setup(stack, "alice"), &password(stack, "alice"), false)
        .await
        .unwrap();
    let email = stack.user("alice").email.clone();
    calame.sync_with(&email, None, &password(stack, "alice")).await.unwrap();
    let hits = search(&calame, &email, &token.to_uppercase(), 50).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].folder, "Shared/accueil/Demandes");
    assert_eq!(hits[0].envelope.from.as_ref().unwrap().email, "urbanisme@example.test");
    let elsewhere = SearchRequest {
        folder: Some("INBOX".into()),
        ..SearchRequest::new(&token)
    };
    assert!(calame.search(&email, &elsewhere, false).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_server_finds_what_the_cache_lacks() {
    let stack = Stack::shared();
    let (user, _tmp, calame, password) = seeded_account(stack, "search-server", 5, 20).await;
    calame.sync_with(&user.email, None, &password).await.unwrap();
    // After the sync: neither its envelope nor its body is cached.
    let token = unique("zéphyrine");
    deliver(stack, &user.login, "INBOX", "Pièce manquante", &token);

    let local = search(&calame, &user.email, &token, 50).await;
    assert!(local.is_empty());
    let request = SearchRequest {
        server: true,
        ..SearchRequest::new(&token)
    };
    let started = Instant::now();
    let hits = calame.search_with(&user.email, &request, &password).await.unwrap();
    eprintln!("server search: {:?}", started.elapsed());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].folder, "INBOX");
    assert_eq!(hits[0].envelope.subject.as_deref(), Some("Pièce manquante"));
    assert_eq!(hits[0].envelope.uid, 21);
    // Field restrictions reach the server too.
    for (query, found) in [
        (format!("body:{token}"), 1),
        (format!("subject:{token}"), 0),
        (format!("from:urbanisme {token}"), 1),
        (format!("to:accueil {token}"), 1),
        (format!("to:urbanisme {token}"), 0),
    ] {
        let request = SearchRequest {
            server: true,
            ..SearchRequest::new(query.as_str())
        };
        let hits = calame.search_with(&user.email, &request, &password).await.unwrap();
        assert_eq!(hits.len(), found, "{query}");
    }
    // Local and server hits merge without duplicates.
    let request = SearchRequest {
        server: true,
        ..SearchRequest::new("pièce")
    };
    let merged = calame.search_with(&user.email, &request, &password).await.unwrap();
    let keys: BTreeSet<(String, u32)> = merged.iter().map(|h| (h.folder.clone(), h.envelope.uid)).collect();
    assert_eq!(keys.len(), merged.len());
    assert!(merged.iter().any(|h| h.envelope.uid == 21));
    // Offline, a server search is refused as bad input.
    let err = calame.search(&user.email, &request, false).await.unwrap_err();
    assert_eq!(err.kind(), calame_core::ErrorKind::BadInput);
}
