//! The folder list: special-use roles, the shared namespace, rights per user.

use std::collections::BTreeSet;

use calame_core::{Folder, Role};
use calame_testkit::Stack;

use crate::{password, profile, setup};

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
