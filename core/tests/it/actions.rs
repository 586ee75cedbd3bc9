//! Offline actions: 1,000 random flag, move and delete actions made without a connection, then
//! replayed; the server ends exactly as a model of the same actions says.

use std::collections::BTreeMap;

use calame_core::{Action, Secret};
use calame_testkit::{peer, Stack};

use crate::{cached_flags, profile, seeded_account, setup_for, Rng};

const FOLDERS: [&str; 4] = ["INBOX", "Archive", "Trash", "Projets"];
const FLAGS: [&str; 4] = ["\\Seen", "\\Flagged", "$Traite", "\\Answered"];

#[tokio::test]
async fn thousand_random_offline_actions_replay_to_the_expected_state() {
    let stack = Stack::shared();
    let user = stack.add_user("actions-random").unwrap();
    for (i, folder) in ["INBOX", "Archive", "Projets"].iter().enumerate() {
        stack.seed(&user, folder, 100 + i as u64, 400).unwrap();
    }
    let (_tmp, calame) = profile();
    let password = Secret::new(user.password.clone());
    calame
        .add_account(setup_for(stack, &user), &password, false)
        .await
        .unwrap();
    calame.sync_with(&user.email, None, &password).await.unwrap();

    // The model: Message-ID -> (folder, flags); and what the cache lets us act on, per folder.
    let mut model: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut actionable: BTreeMap<&str, Vec<(u32, String)>> = BTreeMap::new();
    for folder in FOLDERS {
        for e in calame.list(&user.email, folder, 0, usize::MAX).unwrap() {
            let mid = e.message_id.clone().expect("generated mail has a Message-ID");
            let mut flags = e.flags.clone();
            flags.sort();
            model.insert(mid.clone(), (folder.to_owned(), flags));
            actionable.entry(folder).or_default().push((e.uid, mid));
        }
    }

    let mut rng = Rng(0x5EED_CA1A_3E00_0001);
    for _ in 0..1000 {
        let candidates: Vec<&str> = FOLDERS
            .iter()
            .copied()
            .filter(|f| actionable.get(f).is_some_and(|v| !v.is_empty()))
            .collect();
        let folder = candidates[rng.below(candidates.len())];
        let list = actionable.get_mut(folder).unwrap();
        let picked: Vec<(u32, String)> = (0..1 + rng.below(3))
            .map(|_| list[rng.below(list.len())].clone())
            .collect();
        let uids: Vec<u32> = picked.iter().map(|(u, _)| *u).collect();
        match rng.below(10) {
            0..=5 => {
                let flag = FLAGS[rng.below(FLAGS.len())].to_owned();
                let add = rng.below(2) == 0;
                for (_, mid) in &picked {
                    let flags = &mut model.get_mut(mid).unwrap().1;
                    flags.retain(|f| f != &flag);
                    if add {
                        flags.push(flag.clone());
                    }
                    flags.sort();
                }
                let (add, remove) = if add {
                    (vec![flag], vec![])
                } else {
                    (vec![], vec![flag])
                };
                calame
                    .act(
                        &user.email,
                        Action::Flag {
                            folder: folder.into(),
                            uids,
                            add,
                            remove,
                        },
                    )
                    .unwrap();
            }
            6..=7 => {
                let dest = FOLDERS
                    .iter()
                    .copied()
                    .filter(|f| *f != folder)
                    .nth(rng.below(3))
                    .unwrap();
                for (_, mid) in &picked {
                    model.get_mut(mid).unwrap().0 = dest.to_owned();
                }
                list.retain(|(u, _)| !uids.contains(u));
                calame
                    .act(
                        &user.email,
                        Action::Move {
                            folder: folder.into(),
                            uids,
                            dest: dest.into(),
                        },
                    )
                    .unwrap();
            }
            _ => {
                for (_, mid) in &picked {
                    if folder == "Trash" {
                        model.remove(mid);
                    } else {
                        model.get_mut(mid).unwrap().0 = "Trash".to_owned();
                    }
                }
                list.retain(|(u, _)| !uids.contains(u));
                calame
                    .act(
                        &user.email,
                        Action::Delete {
                            folder: folder.into(),
                            uids,
                        },
                    )
                    .unwrap();
            }
        }
    }
    assert_eq!(
        calame.queue().pending().unwrap().len(),
        1000,
        "all queued while offline"
    );

    calame.flush_with(&user.email, &password).await.unwrap();
    assert!(calame.queue().pending().unwrap().is_empty());
    assert!(
        calame.queue().failed().unwrap().is_empty(),
        "{:?}",
        calame.queue().failed().unwrap()
    );
    for folder in FOLDERS {
        let server = peer::state(stack, &user, folder).unwrap();
        let expected: BTreeMap<String, Vec<String>> = model
            .iter()
            .filter(|(_, (f, _))| f == folder)
            .map(|(mid, (_, flags))| (mid.clone(), flags.clone()))
            .collect();
        assert_eq!(server, expected, "{folder}");
    }
    // And the cache follows once synced.
    calame.sync_with(&user.email, None, &password).await.unwrap();
    let cached: usize = FOLDERS
        .iter()
        .map(|f| calame.list(&user.email, f, 0, usize::MAX).unwrap().len())
        .sum();
    assert_eq!(cached, model.len());
}

/// A damaged cache is discarded at open and rebuilt from the server; the actions queued before
/// are not part of it and still reach the server.
#[tokio::test]
async fn a_damaged_cache_is_rebuilt_and_queued_actions_survive() {
    let stack = Stack::shared();
    let (user, tmp, calame, password) = seeded_account(stack, "actions-damaged", 31, 20).await;
    calame.sync_with(&user.email, None, &password).await.unwrap();
    let flag = Action::Flag {
        folder: "INBOX".into(),
        uids: vec![3],
        add: vec!["\\Flagged".into()],
        remove: vec![],
    };
    calame.act(&user.email, flag).unwrap();
    drop(calame);

    // Every file of the sled cache overwritten.
    for entry in std::fs::read_dir(tmp.path().join("cache")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, b"\xff\xfe not a cache any more").unwrap();
        }
    }
    let calame = calame_core::Calame::open(tmp.path(), "core tests").unwrap();
    assert!(calame.cache_rebuilt());
    assert_eq!(calame.queue().pending().unwrap().len(), 1, "the queued action is kept");

    calame.sync_with(&user.email, None, &password).await.unwrap();
    assert!(calame.queue().pending().unwrap().is_empty());
    let server = peer::uid_flags(stack, &user, "INBOX").unwrap();
    assert_eq!(server.len(), 20);
    assert!(server[&3].iter().any(|f| f == "\\Flagged"), "{:?}", server[&3]);
    assert_eq!(
        cached_flags(&calame, &user.email, "INBOX"),
        server,
        "rebuilt from the server"
    );
}
