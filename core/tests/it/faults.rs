//! Fault injection: the connection is cut at random byte offsets during sync, 100 times, while
//! another client keeps changing the folder; after each cut a clean resync must leave the cache
//! equal to the server (UIDs and flags).

use std::collections::BTreeMap;

use calame_core::sync::Bodies;
use calame_core::{Calame, Secret};
use calame_testkit::proxy::{CutProxy, UNLIMITED};
use calame_testkit::{peer, Stack};

use crate::{cached_flags, profile, setup_for, Rng};

fn cached(calame: &Calame, email: &str) -> BTreeMap<u32, Vec<String>> {
    cached_flags(calame, email, "INBOX")
}

#[tokio::test]
async fn hundred_cuts_during_sync_leave_the_cache_equal_to_the_server() {
    let stack = Stack::shared();
    let user = stack.add_user("faults").unwrap();
    stack.seed(&user, "INBOX", 5, 300).unwrap();

    let proxy = CutProxy::start(stack.info.imaps_port).unwrap();
    let (_tmp, calame) = profile();
    let password = Secret::new(user.password.clone());
    let mut setup = setup_for(stack, &user);
    setup.imap = Some(format!("127.0.0.1:{}", proxy.port));
    calame.add_account(setup, &password, false).await.unwrap();

    let mut rng = Rng(0xC0FF_EE00_0000_0042);
    let mut cut_errors = 0;
    for round in 0..100u32 {
        if round % 5 == 0 {
            // Another client changes the folder meanwhile.
            let a = 1 + rng.next_u64() % 300;
            peer::run(
                stack,
                &user,
                &["store", "INBOX", &format!("{a}:{}", a + 5), "+FLAGS", "(\\Flagged)"],
            )
            .unwrap();
            peer::run(
                stack,
                &user,
                &[
                    "store",
                    "INBOX",
                    &format!("{}", 1 + rng.next_u64() % 300),
                    "-FLAGS",
                    "(\\Seen)",
                ],
            )
            .unwrap();
            peer::run(
                stack,
                &user,
                &["expunge", "INBOX", &format!("{}", 1 + rng.next_u64() % 300)],
            )
            .unwrap();
            peer::run(stack, &user, &["append", "INBOX", "20"]).unwrap();
        }
        // Mostly within what an incremental sync reads (login and TLS included), sometimes far.
        proxy.cut_after(if round % 3 == 0 {
            rng.next_u64() % 100_000
        } else {
            rng.next_u64() % 8_000
        });
        if calame.sync_with(&user.email, Some("INBOX"), &password).await.is_err() {
            cut_errors += 1;
        }
        proxy.cut_after(UNLIMITED);
        calame.sync_with(&user.email, Some("INBOX"), &password).await.unwrap();
        let server = peer::uid_flags(stack, &user, "INBOX").unwrap();
        assert_eq!(cached(&calame, &user.email), server, "round {round}");
    }
    eprintln!("faults: {cut_errors} of 100 syncs were cut");
    assert!(cut_errors >= 30, "most cuts fell inside a sync ({cut_errors})");
}

/// A first sync of a large folder fetches the newest messages first, then the rest in chunks
/// whose completion is recorded: cut near its end, the next sync fetches only what was missing.
#[tokio::test]
async fn an_interrupted_first_sync_resumes_where_it_stopped() {
    const COUNT: u32 = 12_000;
    let stack = Stack::shared();
    let user = stack.add_user("resume").unwrap();
    stack.seed(&user, "INBOX", 11, u64::from(COUNT)).unwrap();
    let password = Secret::new(user.password.clone());

    // How many bytes a whole first sync reads.
    let (_tmp, whole) = profile();
    whole
        .add_account(setup_for(stack, &user), &password, false)
        .await
        .unwrap();
    let full = whole.sync_with(&user.email, Some("INBOX"), &password).await.unwrap();
    assert_eq!(full.messages_new, u64::from(COUNT));

    let proxy = CutProxy::start(stack.info.imaps_port).unwrap();
    let (_tmp2, calame) = profile();
    let mut setup = setup_for(stack, &user);
    setup.imap = Some(format!("127.0.0.1:{}", proxy.port));
    calame.add_account(setup, &password, false).await.unwrap();
    // Near the end: inside the last chunk (UIDs 10001:11500, an eighth of the bytes).
    proxy.cut_after(full.bytes_in * 95 / 100);
    let mut seen = Vec::new();
    let cut = calame
        .sync_progress_with(&user.email, Some("INBOX"), Bodies::None, &password, &mut |p| {
            seen.push(p.done)
        })
        .await;
    assert!(cut.is_err(), "the cut interrupts the first sync");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress only grows");
    let partial = calame.list(&user.email, "INBOX", 0, usize::MAX).unwrap();
    assert_eq!(partial.first().map(|e| e.uid), Some(COUNT), "the newest came first");
    assert!(partial.len() > 10_500, "the first chunks were kept ({})", partial.len());

    proxy.cut_after(UNLIMITED);
    let resumed = calame.sync_with(&user.email, Some("INBOX"), &password).await.unwrap();
    // From the last recorded chunk on: UIDs 10001 to 12000 (the newest 500 again).
    assert!(
        resumed.messages_new <= 2_000,
        "only what follows the last finished chunk is fetched again ({})",
        resumed.messages_new
    );
    let server = peer::uid_flags(stack, &user, "INBOX").unwrap();
    assert_eq!(cached(&calame, &user.email), server);
}
