//! Managing the folder tree (RFC 3501 §6.3.3–6.3.7): CREATE, DELETE, RENAME, SUBSCRIBE and
//! UNSUBSCRIBE.
//!
//! [`plan_change`] is pure: it takes the decoded names the user gave, checks them against the
//! cached folder list and the user's rights on it (RFC 4314 MYRIGHTS letters), and returns the
//! command with the names as the server spells them (modified UTF-7). A missing right is
//! refused there, before anything is sent. Where the cache does not know the rights (a
//! `\Noselect` parent, a folder outside the list), the server decides; it always has the last
//! word anyway. [`change_folder`] then sends the command.

use super::folders::{pipeline, quote};
use super::{utf7, Connection};
use crate::error::{Error, FolderOp, Result};
use crate::folder::{Folder, Role};

/// A change to the folder tree, with decoded names (`Projets/Été 2027`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderChange {
    Create { name: String },
    Rename { from: String, to: String },
    Delete { name: String },
    Subscribe { name: String, subscribed: bool },
}

/// A checked change: the command to send, with the names as the server spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// `CREATE "Projets/&AMk-t&AOk- 2027"`.
    pub command: String,
    /// The folders whose cached copy is no longer valid once the command succeeds (raw names):
    /// a deleted folder, a renamed one and its children.
    pub forget: Vec<String>,
}

/// Check a change against the cached folders of the account and the user's rights on them.
pub fn plan_change(folders: &[Folder], change: &FolderChange) -> Result<PlannedChange> {
    match change {
        FolderChange::Create { name } => {
            let delimiter = delimiter_for(folders, name);
            check_new_name(folders, name, &delimiter)?;
            check_parent(folders, name, name, &delimiter, FolderOp::Create)?;
            Ok(PlannedChange {
                command: format!("CREATE {}", quoted(&raw_for_new(folders, name, &delimiter))?),
                forget: Vec::new(),
            })
        }
        FolderChange::Delete { name } => {
            let folder = existing(folders, name)?;
            check_own(folder, name, FolderOp::Delete)?;
            let raw = raw_name(folder);
            Ok(PlannedChange {
                command: format!("DELETE {}", quoted(&raw)?),
                forget: vec![raw],
            })
        }
        FolderChange::Rename { from, to } => {
            let folder = existing(folders, from)?;
            check_own(folder, from, FolderOp::Rename)?;
            let delimiter = delimiter_for(folders, to);
            check_new_name(folders, to, &delimiter)?;
            check_parent(folders, from, to, &delimiter, FolderOp::Rename)?;
            let raw = raw_name(folder);
            let children = format!("{raw}{}", folder.delimiter.as_deref().unwrap_or(&delimiter));
            let mut forget = vec![raw.clone()];
            forget.extend(folders.iter().map(raw_name).filter(|r| r.starts_with(&children)));
            Ok(PlannedChange {
                command: format!(
                    "RENAME {} {}",
                    quoted(&raw)?,
                    quoted(&raw_for_new(folders, to, &delimiter))?
                ),
                forget,
            })
        }
        FolderChange::Subscribe { name, subscribed } => {
            let raw = match find(folders, name) {
                Some(f) => raw_name(f),
                None => utf7::encode(name),
            };
            let verb = if *subscribed { "SUBSCRIBE" } else { "UNSUBSCRIBE" };
            Ok(PlannedChange {
                command: format!("{verb} {}", quoted(&raw)?),
                forget: Vec::new(),
            })
        }
    }
}

/// Send a planned change; the server's refusal is an [`Error::Refused`] with its reason.
pub async fn change_folder(conn: &mut Connection, planned: &PlannedChange) -> Result<()> {
    let outcomes = pipeline(conn, std::slice::from_ref(&planned.command), |_| {}).await?;
    match outcomes.into_iter().next() {
        Some(Err(reason)) => Err(Error::Refused(format!("{}: {reason}", planned.command))),
        _ => Ok(()),
    }
}

fn find<'a>(folders: &'a [Folder], name: &str) -> Option<&'a Folder> {
    folders
        .iter()
        .find(|f| f.name == name || (is_inbox(name) && is_inbox(&f.name)))
}

fn is_inbox(name: &str) -> bool {
    name.eq_ignore_ascii_case("INBOX")
}

fn existing<'a>(folders: &'a [Folder], name: &str) -> Result<&'a Folder> {
    find(folders, name).ok_or_else(|| Error::NotFound(format!("no folder {name:?}")))
}

fn raw_name(folder: &Folder) -> String {
    folder.raw_name.clone().unwrap_or_else(|| utf7::encode(&folder.name))
}

fn quoted(raw: &str) -> Result<String> {
    quote(raw).ok_or_else(|| Error::BadInput(format!("unusable folder name {raw:?}")))
}

/// One's own INBOX cannot go; otherwise deleting or renaming a folder needs `x` on it (`d` on
/// servers older than RFC 4314).
fn check_own(folder: &Folder, name: &str, op: FolderOp) -> Result<()> {
    if is_inbox(&folder.name) || (folder.role == Some(Role::Inbox) && !folder.shared) {
        return Err(Error::BadInput(format!("{name} cannot be deleted or renamed")));
    }
    match known_rights(folder) {
        Some(rights) if !has_right(rights, 'x') => Err(Error::NotAllowed {
            op,
            folder: name.to_owned(),
            on: folder.name.clone(),
            right: 'x',
        }),
        _ => Ok(()),
    }
}

/// A new folder (created, or the target of a rename) needs `k` on the nearest folder above it
/// that the cache knows (`c` on servers older than RFC 4314).
fn check_parent(folders: &[Folder], subject: &str, new: &str, delimiter: &str, op: FolderOp) -> Result<()> {
    let Some(parent) = ancestors(new, delimiter).find_map(|a| find(folders, a)) else {
        return Ok(());
    };
    match known_rights(parent) {
        Some(rights) if !has_right(rights, 'k') => Err(Error::NotAllowed {
            op,
            folder: subject.to_owned(),
            on: parent.name.clone(),
            right: 'k',
        }),
        _ => Ok(()),
    }
}

/// The rights MYRIGHTS gave for the folder, or `None` when the cache cannot tell (a
/// `\Noselect` folder is not asked).
fn known_rights(folder: &Folder) -> Option<&str> {
    (folder.selectable && !folder.rights.is_empty()).then_some(folder.rights.as_str())
}

/// Whether the rights hold `right`. RFC 4314 split RFC 2086's `c` (now `k`) and `d` (now `x`,
/// `t`, `e`); a server that shows none of the new letters speaks the old ones.
fn has_right(rights: &str, right: char) -> bool {
    let old_style = !rights.contains(['k', 'x', 't', 'e']);
    let old = match right {
        'k' => Some('c'),
        'x' => Some('d'),
        _ => None,
    };
    rights.contains(right) || (old_style && old.is_some_and(|o| rights.contains(o)))
}

/// `a/b/c` → `a/b`, then `a`.
fn ancestors<'a>(name: &'a str, delimiter: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = Some(name);
    std::iter::from_fn(move || {
        let (parent, _) = rest?.rsplit_once(delimiter)?;
        rest = Some(parent);
        Some(parent)
    })
}

/// The delimiter of the folder a name would live under; else INBOX's; else `/`.
fn delimiter_for(folders: &[Folder], name: &str) -> String {
    let under = folders
        .iter()
        .filter_map(|f| {
            let d = f.delimiter.as_deref()?;
            name.strip_prefix(f.name.as_str())?.strip_prefix(d)?;
            Some((f.name.len(), d))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, d)| d);
    under
        .or_else(|| find(folders, "INBOX").and_then(|f| f.delimiter.as_deref()))
        .unwrap_or("/")
        .to_owned()
}

/// A name for a new folder: not empty, no empty level, no LIST wildcard, not taken.
fn check_new_name(folders: &[Folder], name: &str, delimiter: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::BadInput(format!("folder name {name:?}: {why}")));
    if name.trim().is_empty() {
        return bad("empty");
    }
    if name.split(delimiter).any(|level| level.trim().is_empty()) {
        return bad(&format!("empty level between the {delimiter:?} separators"));
    }
    if name.contains(['*', '%']) || name.chars().any(char::is_control) {
        return bad("'*', '%' and control characters are not allowed");
    }
    if find(folders, name).is_some_and(|f| f.selectable) {
        return Err(Error::Conflict(format!("the folder {name:?} already exists")));
    }
    Ok(())
}

/// The server's spelling of a new name: the raw name of the deepest cached folder above it
/// (kept exactly as the server wrote it), then the rest encoded.
fn raw_for_new(folders: &[Folder], name: &str, delimiter: &str) -> String {
    ancestors(name, delimiter)
        .find_map(|a| {
            let f = find(folders, a)?;
            let rest = name.strip_prefix(a)?.strip_prefix(delimiter)?;
            Some(format!("{}{delimiter}{}", raw_name(f), utf7::encode(rest)))
        })
        .unwrap_or_else(|| utf7::encode(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, raw: &str, rights: &str, selectable: bool) -> Folder {
        Folder {
            account: "a@x".into(),
            name: name.into(),
            delimiter: Some("/".into()),
            role: None,
            shared: name.starts_with("Shared/"),
            owner: None,
            rights: rights.into(),
            unread: None,
            total: None,
            subscribed: false,
            selectable,
            raw_name: Some(raw.into()),
        }
    }

    fn tree() -> Vec<Folder> {
        vec![
            folder("INBOX", "INBOX", "lrswipkxtecda", true),
            folder("Archivés", "Archiv&AOk-s", "lrswipkxtecda", true),
            folder("Shared/accueil", "Shared/accueil", "", false),
            folder("Shared/accueil/Demandes", "Shared/accueil/Demandes", "lrsw", true),
            folder(
                "Shared/accueil/Réponses",
                "Shared/accueil/R&AOk-ponses",
                "lrswipkxte",
                true,
            ),
            folder("Vieux", "Vieux", "lrswipcda", true),
        ]
    }

    fn plan(change: FolderChange) -> Result<PlannedChange> {
        plan_change(&tree(), &change)
    }

    fn create(name: &str) -> Result<PlannedChange> {
        plan(FolderChange::Create { name: name.into() })
    }

    #[test]
    fn names_are_encoded_in_modified_utf7() {
        assert_eq!(
            create("Projets/Été 2027").unwrap().command,
            "CREATE \"Projets/&AMk-t&AOk- 2027\""
        );
        assert_eq!(
            create("Archivés/2027 \"été\"").unwrap().command,
            "CREATE \"Archiv&AOk-s/2027 \\\"&AOk-t&AOk-\\\"\""
        );
        let renamed = plan(FolderChange::Rename {
            from: "Archivés".into(),
            to: "Archives/Été".into(),
        })
        .unwrap();
        assert_eq!(renamed.command, "RENAME \"Archiv&AOk-s\" \"Archives/&AMk-t&AOk-\"");
        assert_eq!(renamed.forget, vec!["Archiv&AOk-s".to_owned()]);
        let deleted = plan(FolderChange::Delete {
            name: "Shared/accueil/Réponses".into(),
        })
        .unwrap();
        assert_eq!(deleted.command, "DELETE \"Shared/accueil/R&AOk-ponses\"");
        assert_eq!(deleted.forget, vec!["Shared/accueil/R&AOk-ponses".to_owned()]);
        let sub = plan(FolderChange::Subscribe {
            name: "Archivés".into(),
            subscribed: false,
        })
        .unwrap();
        assert_eq!(sub.command, "UNSUBSCRIBE \"Archiv&AOk-s\"");
    }

    #[test]
    fn creating_needs_k_on_the_nearest_known_parent() {
        let err = create("Shared/accueil/Demandes/Essai/Sous").unwrap_err();
        assert!(
            matches!(&err, Error::NotAllowed { right: 'k', on, op: FolderOp::Create, .. } if on == "Shared/accueil/Demandes"),
            "{err:?}"
        );
        assert!(create("Shared/accueil/Réponses/Essai").is_ok());
        // A \Noselect parent's rights are unknown: the server decides.
        assert!(create("Shared/accueil/Nouveau").is_ok());
        // RFC 2086's `c` on an old server.
        assert!(create("Vieux/Neuf").is_ok());
    }

    #[test]
    fn deleting_and_renaming_need_x() {
        let err = plan(FolderChange::Delete {
            name: "Shared/accueil/Demandes".into(),
        })
        .unwrap_err();
        assert!(matches!(err, Error::NotAllowed { right: 'x', .. }), "{err:?}");
        let err = plan(FolderChange::Rename {
            from: "Shared/accueil/Demandes".into(),
            to: "Shared/accueil/Autre".into(),
        })
        .unwrap_err();
        assert!(matches!(err, Error::NotAllowed { right: 'x', .. }), "{err:?}");
        let err = plan(FolderChange::Rename {
            from: "Archivés".into(),
            to: "Shared/accueil/Demandes/Archivés".into(),
        })
        .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::NotAllowed {
                    right: 'k',
                    op: FolderOp::Rename,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(plan(FolderChange::Delete { name: "Vieux".into() }).is_ok(), "old `d`");
    }

    #[test]
    fn bad_names_and_unknown_folders_are_refused() {
        for name in ["", "a//b", "/a", "a/", "a*", "a%b", "a\r\nb"] {
            assert_eq!(create(name).unwrap_err().kind(), crate::ErrorKind::BadInput, "{name:?}");
        }
        assert_eq!(create("Archivés").unwrap_err().kind(), crate::ErrorKind::Conflict);
        assert_eq!(
            plan(FolderChange::Delete {
                name: "Nulle part".into()
            })
            .unwrap_err()
            .kind(),
            crate::ErrorKind::NotFound
        );
        assert_eq!(
            plan(FolderChange::Delete { name: "inbox".into() }).unwrap_err().kind(),
            crate::ErrorKind::BadInput
        );
    }

    #[test]
    fn renaming_forgets_the_children_too() {
        let mut folders = tree();
        folders.push(folder("Archivés/2026", "Archiv&AOk-s/2026", "lrswipkxte", true));
        folders.push(folder("Archivés2", "Archiv&AOk-s2", "lrswipkxte", true));
        let p = plan_change(
            &folders,
            &FolderChange::Rename {
                from: "Archivés".into(),
                to: "Anciens".into(),
            },
        )
        .unwrap();
        assert_eq!(
            p.forget,
            vec!["Archiv&AOk-s".to_owned(), "Archiv&AOk-s/2026".to_owned()]
        );
    }
}
