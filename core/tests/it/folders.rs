//! The folder list: special-use roles, the shared namespace, rights per user; creating,
//! renaming, deleting and subscribing, with rights checked before anything is sent.

use std::collections::BTreeSet;

use calame_core::{Error, ErrorKind, Folder, FolderChange, Role, Secret};
use calame_testkit::{peer, Stack};

use crate::{password, profile, setup, setup_for};

async fn folders_of(login: &str) -> Vec<Folder> {
    let stack = Stack::shared();
    let (_dir, calame) = profile();
    let (_, folders) = calame
        .add_account(setup(stack, login), &password(stack, login), false)
        .await
        .unwrap();
    // What was fetched is what the cache now holds.
    let mut cached = calame.folders(None).unwrap();
    let mut fetched = folders.clone();
    cached.sort_by(|a, b| a.name.cmp(&b.name));
    fetched.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(cached, fetched);
    folders
}

fn find<'a>(folders: &'a [Folder], name: &str) -> &'a Folder {
    folders.iter().find(|f| f.name == name).unwrap_or_else(|| {
        panic!(
            "no folder {name} in {:?}",
            folders.iter().map(|f| &f.name).collect::<Vec<_>>()
        )
    })
}

fn letters(rights: &str) -> BTreeSet<char> {
    rights.chars().collect()
}

#[tokio::test]
async fn own_folders_have_their_roles() {
    let folders = folders_of("alice").await;
    for (name, role) in [
        ("INBOX", Role::Inbox),
        ("Sent", Role::Sent),
        ("Drafts", Role::Drafts),
        ("Trash", Role::Trash),
        ("Junk", Role::Junk),
        ("Archive", Role::Archive),
    ] {
        let f = find(&folders, name);
        assert_eq!(f.role, Some(role), "{name}");
        assert!(!f.shared && f.owner.is_none(), "{name} is alice's own");
        assert_eq!(f.delimiter.as_deref(), Some("/"));
        assert!(f.total.is_some() && f.unread.is_some(), "{name} has counts");
        assert!(
            letters(&f.rights).is_superset(&letters("lrswipkxte")),
            "{name}: {}",
            f.rights
        );
    }
}

#[tokio::test]
async fn alice_sees_accueil_with_full_rights() {
    let folders = folders_of("alice").await;
    for name in ["Shared/accueil/INBOX", "Shared/accueil/Demandes"] {
        let f = find(&folders, name);
        assert!(f.shared, "{name} is shared");
        assert_eq!(f.owner.as_deref(), Some("accueil"), "{name}");
        assert_eq!(letters(&f.rights), letters("lrwstipekxacd"), "{name}");
        assert!(f.selectable);
    }
    assert_eq!(find(&folders, "Shared/accueil/INBOX").role, Some(Role::Inbox));
}

#[tokio::test]
async fn bob_sees_accueil_read_and_flag_only() {
    let folders = folders_of("bob").await;
    let f = find(&folders, "Shared/accueil/Demandes");
    assert_eq!(f.owner.as_deref(), Some("accueil"));
    assert_eq!(letters(&f.rights), letters("lrsw"));
    assert!(!f.rights.contains('i'), "bob may not add mail to accueil's folders");
}

/// The folder list of a user from a fresh profile.
async fn account_of(user: &calame_testkit::User) -> (tempfile::TempDir, calame_core::Calame, Secret<String>) {
    let stack = Stack::shared();
    let (dir, calame) = profile();
    let password = Secret::new(user.password.clone());
    calame
        .add_account(setup_for(stack, user), &password, false)
        .await
        .unwrap();
    (dir, calame, password)
}

#[tokio::test]
async fn create_subscribe_rename_delete_a_nested_french_folder() {
    let stack = Stack::shared();
    let user = stack.add_user("folders-manage").unwrap();
    let (_dir, calame, pw) = account_of(&user).await;
    let change = |c: FolderChange| calame.change_folder_with(&user.email, c, &pw);

    let folders = change(FolderChange::Create {
        name: "Projets/Été 2027".into(),
    })
    .await
    .unwrap();
    let f = find(&folders, "Projets/Été 2027");
    assert!(f.selectable && !f.shared && !f.subscribed);
    assert_eq!(f.delimiter.as_deref(), Some("/"));
    assert_eq!(
        calame.folders(Some(&user.email)).unwrap(),
        folders,
        "the cache has the new list"
    );
    // An independent client sees the name in modified UTF-7.
    let listed = peer::list(stack, &user, "*").unwrap();
    assert!(listed.contains(&"Projets/&AMk-t&AOk- 2027".to_owned()), "{listed:?}");

    let sub = |on: bool| FolderChange::Subscribe {
        name: "Projets/Été 2027".into(),
        subscribed: on,
    };
    assert!(find(&change(sub(true)).await.unwrap(), "Projets/Été 2027").subscribed);
    assert!(!find(&change(sub(false)).await.unwrap(), "Projets/Été 2027").subscribed);

    let folders = change(FolderChange::Rename {
        from: "Projets/Été 2027".into(),
        to: "Projets/Réunions d'été".into(),
    })
    .await
    .unwrap();
    assert!(folders.iter().all(|f| f.name != "Projets/Été 2027"));
    assert!(find(&folders, "Projets/Réunions d'été").selectable);
    let listed = peer::list(stack, &user, "Projets/*").unwrap();
    assert_eq!(listed, vec!["Projets/R&AOk-unions d'&AOk-t&AOk-".to_owned()]);

    let folders = change(FolderChange::Delete {
        name: "Projets/Réunions d'été".into(),
    })
    .await
    .unwrap();
    assert!(folders.iter().all(|f| f.name != "Projets/Réunions d'été"));
    assert!(peer::list(stack, &user, "Projets/*").unwrap().is_empty());
    let err = change(FolderChange::Delete {
        name: "Projets/Réunions d'été".into(),
    })
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn bob_may_not_create_in_accueil_and_nothing_is_sent_alice_may() {
    let stack = Stack::shared();
    let (alice, bob) = (stack.user("alice"), stack.user("bob"));
    let name = "Shared/accueil/Demandes/Essai de Bob";
    let (_bob_dir, bob_calame, bob_pw) = account_of(bob).await;
    let create = |name: &str| FolderChange::Create { name: name.into() };

    // With a wrong password the answer is the same: the rights are checked before connecting.
    for pw in [Secret::new("not the password".to_owned()), bob_pw] {
        let err = bob_calame
            .change_folder_with(&bob.email, create(name), &pw)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused, "{err:?}");
        assert!(
            matches!(&err, Error::NotAllowed { right: 'k', on, .. } if on == "Shared/accueil/Demandes"),
            "{err:?}"
        );
    }
    let seen_by_alice = peer::list(stack, alice, "Shared/accueil/Demandes/*").unwrap();
    assert!(seen_by_alice.is_empty(), "{seen_by_alice:?}");

    let (_alice_dir, alice_calame, alice_pw) = account_of(alice).await;
    let mine = "Shared/accueil/Demandes/Essai d'Alice";
    let folders = alice_calame
        .change_folder_with(&alice.email, create(mine), &alice_pw)
        .await
        .unwrap();
    let f = find(&folders, mine);
    assert_eq!(f.owner.as_deref(), Some("accueil"));
    assert!(f.shared);
    let accueil = peer::list(stack, stack.user("accueil"), "Demandes/*").unwrap();
    assert_eq!(
        accueil,
        vec!["Demandes/Essai d'Alice".to_owned()],
        "created in accueil's mailbox"
    );
    let folders = alice_calame
        .change_folder_with(&alice.email, FolderChange::Delete { name: mine.into() }, &alice_pw)
        .await
        .unwrap();
    assert!(folders.iter().all(|f| f.name != mine));
}
