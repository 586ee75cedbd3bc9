//! Sync against the real server: the cache equals what an independent client sees, after a
//! first sync and after changes made behind Calame's back, with QRESYNC and without.

use std::collections::BTreeMap;

use calame_core::{Calame, SyncReport};
use calame_testkit::{peer, Stack, StackOptions, User};

use crate::{cached_flags, profile, seeded_account, setup_for};

/// A private user with `count` generated messages in INBOX, and a profile with its account.
async fn seeded(stack: &Stack, name: &str, count: u64) -> (User, tempfile::TempDir, Calame) {
    let (user, tmp, calame, _) = seeded_account(stack, name, 7, count).await;
    (user, tmp, calame)
}

fn cached(calame: &Calame, user: &User, folder: &str) -> BTreeMap<u32, Vec<String>> {
    cached_flags(calame, &user.email, folder)
}

async fn sync(calame: &Calame, user: &User) -> SyncReport {
    let password = calame_core::Secret::new(user.password.clone());
    calame.sync_with(&user.email, None, &password).await.unwrap()
}

async fn changes_behind_our_back_show_up(stack: &Stack, name: &str) {
    let (user, _tmp, calame) = seeded(stack, name, 300).await;
    let first = sync(&calame, &user).await;
    assert_eq!(first.messages_new, 300);
    assert_eq!(
        cached(&calame, &user, "INBOX"),
        peer::uid_flags(stack, &user, "INBOX").unwrap()
    );

    let again = sync(&calame, &user).await;
    assert_eq!(
        (again.messages_new, again.messages_changed, again.messages_gone),
        (0, 0, 0)
    );

    peer::run(
        stack,
        &user,
        &["store", "INBOX", "1:20", "+FLAGS", "(\\Flagged $Traite)"],
    )
    .unwrap();
    peer::run(stack, &user, &["store", "INBOX", "21:30", "-FLAGS", "(\\Seen)"]).unwrap();
    peer::run(stack, &user, &["expunge", "INBOX", "100:109,250"]).unwrap();
    peer::run(stack, &user, &["append", "INBOX", "4"]).unwrap();
    let report = sync(&calame, &user).await;
    assert_eq!(report.messages_new, 4);
    assert_eq!(report.messages_gone, 11);
    assert!(report.messages_changed >= 20, "{report:?}");
    assert_eq!(
        cached(&calame, &user, "INBOX"),
        peer::uid_flags(stack, &user, "INBOX").unwrap()
    );
}

#[tokio::test]
async fn qresync_resync_matches_the_server() {
    changes_behind_our_back_show_up(Stack::shared(), "sync-qresync").await;
}

#[tokio::test]
async fn fallback_resync_matches_the_server() {
    let stack = Stack::start(StackOptions {
        qresync: false,
        ..Default::default()
    })
    .unwrap();
    changes_behind_our_back_show_up(&stack, "sync-basic").await;
}

/// CONDSTORE without QRESYNC (RFC 7162 §3.1): flags CHANGEDSINCE the cached mod-sequence,
/// expunges found by UID set.
#[tokio::test]
async fn condstore_resync_matches_the_server() {
    let stack = Stack::start(StackOptions {
        qresync: false,
        condstore_only: true,
        ..Default::default()
    })
    .unwrap();
    changes_behind_our_back_show_up(&stack, "sync-condstore").await;
}

#[tokio::test]
async fn uidvalidity_change_discards_the_folder() {
    let stack = Stack::shared();
    let (user, _tmp, calame) = seeded(stack, "sync-validity", 5).await;
    peer::run(stack, &user, &["recreate", "Archive"]).unwrap();
    peer::run(stack, &user, &["append", "Archive", "3"]).unwrap();
    sync(&calame, &user).await;
    assert_eq!(cached(&calame, &user, "Archive").len(), 3);
    peer::run(stack, &user, &["recreate", "Archive"]).unwrap();
    peer::run(stack, &user, &["append", "Archive", "2"]).unwrap();
    sync(&calame, &user).await;
    let server = peer::uid_flags(stack, &user, "Archive").unwrap();
    assert_eq!(server.len(), 2);
    assert_eq!(
        cached(&calame, &user, "Archive"),
        server,
        "nothing of the old folder is mixed in"
    );
}

async fn sync_bodies(
    calame: &Calame,
    email: &str,
    password: &calame_core::Secret<String>,
    bodies: calame_core::sync::Bodies,
) -> calame_core::Result<SyncReport> {
    calame
        .sync_progress_with(email, Some("INBOX"), bodies, password, &mut |_| {})
        .await
}

/// Bodies kept for offline reading: the recent ones by default, all of them for a mirror;
/// the body of a message gone from the server goes from the cache too.
#[tokio::test]
async fn bodies_are_kept_by_policy_and_read_offline() {
    use calame_core::sync::Bodies;
    let stack = Stack::shared();
    // Generated mail is dated 2023 on: old. Two appended ones are dated now.
    let (user, _tmp, calame) = seeded(stack, "sync-bodies", 40).await;
    peer::run(stack, &user, &["append", "INBOX", "2"]).unwrap();
    let password = calame_core::Secret::new(user.password.clone());
    let email = user.email.as_str();
    let run = |bodies| sync_bodies(&calame, email, &password, bodies);

    let recent = run(Bodies::Recent).await.unwrap();
    assert_eq!((recent.messages_new, recent.bodies_fetched), (42, 2));
    let all = calame.list(email, "INBOX", 0, usize::MAX).unwrap();
    let (newest, oldest) = (&all[..2], all.last().unwrap());
    for e in newest {
        let raw = calame.raw_message(email, "INBOX", e.uid, false).await.unwrap();
        assert!(String::from_utf8_lossy(&raw).contains("bonjour"), "uid {}", e.uid);
    }
    assert!(
        calame.raw_message(email, "INBOX", oldest.uid, false).await.is_err(),
        "an old message is not kept"
    );

    let mirror = run(Bodies::All).await.unwrap();
    assert_eq!(mirror.bodies_fetched, 40);
    for e in &all {
        let raw = calame.raw_message(email, "INBOX", e.uid, false).await.unwrap();
        assert_eq!(raw.len() as u32, e.size, "uid {}: the whole message", e.uid);
    }
    assert_eq!(run(Bodies::All).await.unwrap().bodies_fetched, 0, "nothing twice");

    peer::run(stack, &user, &["expunge", "INBOX", &oldest.uid.to_string()]).unwrap();
    let after = run(Bodies::All).await.unwrap();
    assert_eq!((after.messages_gone, after.bodies_fetched), (1, 0));
    assert!(calame.raw_message(email, "INBOX", oldest.uid, false).await.is_err());
}

/// The service mailbox as each delegate sees it: alice (every right) and bob (lrsw) sync
/// accueil's folders; each cache equals what the server shows that delegate, before and after
/// both act on the messages and the service itself expunges one.
#[tokio::test]
async fn shared_folders_sync_for_each_delegate() {
    let stack = Stack::start(StackOptions::default()).unwrap();
    let accueil = stack.user("accueil").clone();
    stack.seed(&accueil, "INBOX", 23, 60).unwrap();
    let (alice, bob) = (stack.user("alice").clone(), stack.user("bob").clone());
    let mut delegates = Vec::new();
    for user in [&alice, &bob] {
        let (tmp, calame) = profile();
        let password = calame_core::Secret::new(user.password.clone());
        calame
            .add_account(setup_for(&stack, user), &password, false)
            .await
            .unwrap();
        delegates.push((user, tmp, calame));
    }
    let folder = "Shared/accueil/INBOX";
    let same_as_server = |calame: &Calame, user: &User, when: &str| {
        let server = peer::uid_flags(&stack, user, folder).unwrap();
        assert_eq!(
            server.len(),
            60 - usize::from(when == "after"),
            "{when}: {}",
            user.login
        );
        assert_eq!(cached(calame, user, folder), server, "{when}: {}'s copy", user.login);
    };
    for (user, _, calame) in &delegates {
        let report = sync(calame, user).await;
        assert!(report.messages_new >= 60, "{}: {report:?}", user.login);
        same_as_server(calame, user, "before");
    }

    // bob marks messages read (his 's' right), alice flags others; the service expunges one.
    let (bob_calame, alice_calame) = (&delegates[1].2, &delegates[0].2);
    bob_calame
        .act(
            &bob.email,
            calame_core::Action::Flag {
                folder: folder.into(),
                uids: vec![1, 2, 3],
                add: vec!["\\Seen".into()],
                remove: vec![],
            },
        )
        .unwrap();
    alice_calame
        .act(
            &alice.email,
            calame_core::Action::Flag {
                folder: folder.into(),
                uids: vec![4, 5],
                add: vec!["\\Flagged".into()],
                remove: vec![],
            },
        )
        .unwrap();
    peer::run(&stack, &accueil, &["expunge", "INBOX", "10"]).unwrap();
    for (user, _, calame) in &delegates {
        sync(calame, user).await;
    }
    // Once more: each sees the other's changes.
    for (user, _, calame) in &delegates {
        sync(calame, user).await;
        same_as_server(calame, user, "after");
    }
    let flagged = peer::uid_flags(&stack, &bob, folder).unwrap();
    assert!(flagged[&4].iter().any(|f| f == "\\Flagged"), "bob sees alice's flag");
}
