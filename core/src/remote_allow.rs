//! The senders and messages whose remote content (images) the user allowed: a small JSON file in
//! the profile, `PROFILE/remote-content.json`, outside the disposable cache, written atomically.
//!
//! A damaged file is an error, never read as "allow" nor silently replaced: the list is the
//! user's decision. Senders are matched on the From address (lower case), messages on their
//! Message-ID (without angle brackets).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::message::RemoteReason;
use crate::profile::write_atomic;

/// What the user allows remote content for, from now on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AllowRemote {
    /// Every message from this address.
    Sender(String),
    /// The message with this Message-ID.
    Message(String),
}

/// The file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Allowed {
    pub senders: BTreeSet<String>,
    pub messages: BTreeSet<String>,
}

impl Allowed {
    /// Why remote content is allowed for a message with this sender and Message-ID, if it is.
    pub fn reason(&self, from: Option<&str>, message_id: Option<&str>) -> Option<RemoteReason> {
        if message_id
            .and_then(message_key)
            .is_some_and(|id| self.messages.contains(&id))
        {
            return Some(RemoteReason::Message);
        }
        if from.and_then(sender_key).is_some_and(|a| self.senders.contains(&a)) {
            return Some(RemoteReason::Sender);
        }
        None
    }
}

/// The allow-list file of a profile.
#[derive(Debug)]
pub struct RemoteAllowList {
    path: PathBuf,
    /// Serialises read-modify-write (the profile lock keeps other processes out).
    write: Mutex<()>,
}

impl RemoteAllowList {
    pub fn new(profile_dir: &Path) -> RemoteAllowList {
        RemoteAllowList {
            path: profile_dir.join("remote-content.json"),
            write: Mutex::new(()),
        }
    }

    /// What is allowed; nothing for a new profile. A damaged file is an error.
    pub fn load(&self) -> Result<Allowed> {
        match fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::storage(
                    &self.path,
                    format!("damaged ({e}); remote content stays blocked until it is repaired or removed"),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Allowed::default()),
            Err(e) => Err(Error::storage(&self.path, e)),
        }
    }

    /// Add to the list; on disk when this returns. A damaged file is left as it is.
    pub fn allow(&self, what: &AllowRemote) -> Result<()> {
        let _guard = self
            .write
            .lock()
            .map_err(|_| Error::storage(&self.path, "lock poisoned"))?;
        let mut allowed = self.load()?;
        match what {
            AllowRemote::Sender(address) => {
                let key = sender_key(address)
                    .ok_or_else(|| Error::BadInput(format!("{address:?} is not an e-mail address")))?;
                allowed.senders.insert(key);
            }
            AllowRemote::Message(id) => {
                let key = message_key(id).ok_or_else(|| Error::BadInput(format!("{id:?} is not a Message-ID")))?;
                allowed.messages.insert(key);
            }
        }
        let json = serde_json::to_vec_pretty(&allowed).map_err(|e| Error::storage(&self.path, e))?;
        write_atomic(&self.path, &json)
    }
}

/// An address as the list keeps it: trimmed, lower case; `None` if it is not one.
fn sender_key(address: &str) -> Option<String> {
    let a = address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase();
    let (local, domain) = a.split_once('@')?;
    let ok = !local.is_empty() && !domain.is_empty() && !a.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(a)
}

/// A Message-ID as the list keeps it: without angle brackets or spaces.
fn message_key(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>').trim();
    let ok = !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_and_messages_are_kept_and_matched() {
        let dir = tempfile::tempdir().unwrap();
        let list = RemoteAllowList::new(dir.path());
        assert_eq!(list.load().unwrap(), Allowed::default(), "nothing for a new profile");
        list.allow(&AllowRemote::Sender(" Newsletter@Mairie.Example ".into()))
            .unwrap();
        list.allow(&AllowRemote::Message("<m1@example.test>".into())).unwrap();
        let list = RemoteAllowList::new(dir.path());
        let allowed = list.load().unwrap();
        assert_eq!(
            allowed.senders.iter().collect::<Vec<_>>(),
            vec!["newsletter@mairie.example"]
        );
        assert_eq!(
            allowed.reason(Some("NEWSLETTER@mairie.example"), None),
            Some(RemoteReason::Sender)
        );
        assert_eq!(
            allowed.reason(Some("autre@mairie.example"), Some("m1@example.test")),
            Some(RemoteReason::Message)
        );
        assert_eq!(
            allowed.reason(Some("autre@mairie.example"), Some("m2@example.test")),
            None
        );
        assert_eq!(allowed.reason(None, None), None);
        assert!(
            !dir.path().join("remote-content.tmp").exists(),
            "no temporary file left"
        );
    }

    #[test]
    fn bad_addresses_and_ids_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let list = RemoteAllowList::new(dir.path());
        for what in [
            AllowRemote::Sender("pas une adresse".into()),
            AllowRemote::Sender("@example.test".into()),
            AllowRemote::Message("<>".into()),
            AllowRemote::Message("a b".into()),
        ] {
            assert_eq!(list.allow(&what).unwrap_err().kind(), crate::ErrorKind::BadInput);
        }
        assert!(!dir.path().join("remote-content.json").exists());
    }

    #[test]
    fn a_damaged_file_is_an_error_and_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("remote-content.json");
        let list = RemoteAllowList::new(dir.path());
        for damage in [&b"{\"senders\": [\"a@b\"], \"mess"[..], b"[1, 2]", b"\xff\xfe"] {
            fs::write(&path, damage).unwrap();
            let err = list.load().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Storage);
            assert!(err.to_string().contains("remote-content.json"), "{err}");
            assert!(err.to_string().contains("stays blocked"), "{err}");
            let err = list.allow(&AllowRemote::Sender("a@b.example".into())).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Storage);
            assert_eq!(fs::read(&path).unwrap(), damage, "the damaged file is kept as it is");
        }
    }
}
