//! The outbox: every message to send, kept durably apart from the disposable cache until it
//! has left and been filed. One item is two files in `PROFILE/outbox/`: the message
//! (`<key>.eml`, written first) and its record (`<key>.json`: recipients, state, attempts, last
//! error), each written whole and fsync'd (`profile::write_atomic`). A message without its record
//! was never queued (a crash in between) and is ignored; a record that does not read is
//! reported, never dropped.
//!
//! States: `queued` → `sending` → `accepted` (the server said 250) → `filed` (copied to Sent),
//! or `failed` (refused for good, with why). An item found in `sending` after a crash may or may
//! not have been accepted: the caller must find out (its Message-ID in Sent, or the recipient's
//! server) before sending it again, so that nothing is sent twice.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::profile::write_atomic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, rename = "OutboxState")]
pub enum State {
    Queued,
    Sending,
    Accepted,
    Filed,
    Failed,
}

/// One message waiting to leave, as `outbox --json` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "OutboxItem")]
pub struct Item {
    /// Without angle brackets.
    pub message_id: String,
    pub account: String,
    pub subject: String,
    /// Every recipient (To, Cc, Bcc).
    pub to: Vec<String>,
    /// MAIL FROM.
    pub envelope_from: String,
    pub state: State,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339, when it was queued.
    pub queued_at: String,
}

/// What [`Outbox::items`] finds: the items, oldest first, and the records that do not read
/// (path, reason).
#[derive(Debug, Default)]
pub struct Contents {
    pub items: Vec<Item>,
    pub damaged: Vec<(PathBuf, String)>,
}

#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn open(profile_dir: &Path) -> Result<Outbox> {
        let dir = profile_dir.join("outbox");
        fs::create_dir_all(&dir).map_err(|e| Error::storage(&dir, e))?;
        Ok(Outbox { dir })
    }

    /// A file name for a Message-ID: its SHA-256, so that no id can point outside the folder.
    fn key(message_id: &str) -> String {
        crate::tls::fingerprint(message_id.as_bytes())
    }

    fn record_path(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", Self::key(message_id)))
    }

    fn message_path(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", Self::key(message_id)))
    }

    /// Queue a message: its bytes first, then its record. Queuing the same Message-ID twice is
    /// a conflict (it would be sent twice).
    pub fn push(&self, item: &Item, raw: &[u8]) -> Result<()> {
        let record = self.record_path(&item.message_id);
        if record.exists() {
            return Err(Error::Conflict(format!("{} is already in the outbox", item.message_id)));
        }
        write_atomic(&self.message_path(&item.message_id), raw)?;
        self.put(item)
    }

    fn put(&self, item: &Item) -> Result<()> {
        let path = self.record_path(&item.message_id);
        let json = serde_json::to_vec_pretty(item).map_err(|e| Error::storage(&path, e))?;
        write_atomic(&path, &json)
    }

    /// Record a new state (and why, for a failure or a retry); counts an attempt on `sending`.
    pub fn mark(&self, message_id: &str, state: State, error: Option<&str>) -> Result<Item> {
        let mut item = self
            .get(message_id)?
            .ok_or_else(|| Error::NotFound(format!("{message_id} is not in the outbox")))?;
        if state == State::Sending {
            item.attempts = item.attempts.saturating_add(1);
        }
        item.state = state;
        if let Some(e) = error {
            item.last_error = Some(e.to_owned());
        }
        self.put(&item)?;
        Ok(item)
    }

    pub fn get(&self, message_id: &str) -> Result<Option<Item>> {
        let path = self.record_path(message_id);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::storage(&path, format!("unreadable outbox record: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::storage(&path, e)),
        }
    }

    /// The message's bytes.
    pub fn message(&self, message_id: &str) -> Result<Vec<u8>> {
        let path = self.message_path(message_id);
        fs::read(&path).map_err(|e| Error::storage(&path, e))
    }

    /// Every item, oldest first; records that do not read are returned apart.
    pub fn items(&self) -> Result<Contents> {
        let mut items = Vec::new();
        let mut damaged = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| Error::storage(&self.dir, e))? {
            let path = entry.map_err(|e| Error::storage(&self.dir, e))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            match fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Item>(&b).map_err(|e| e.to_string()))
            {
                Ok(item) => items.push(item),
                Err(reason) => damaged.push((path, reason)),
            }
        }
        items.sort_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.message_id.cmp(&b.message_id)));
        Ok(Contents { items, damaged })
    }

    /// Forget a message that has left and been filed: its record first, then its bytes.
    pub fn remove(&self, message_id: &str) -> Result<()> {
        for path in [self.record_path(message_id), self.message_path(message_id)] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::storage(&path, e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, at: &str) -> Item {
        Item {
            message_id: id.into(),
            account: "alice@example.test".into(),
            subject: "Réunion".into(),
            to: vec!["bob@example.test".into()],
            envelope_from: "alice@example.test".into(),
            state: State::Queued,
            attempts: 0,
            last_error: None,
            queued_at: at.into(),
        }
    }

    #[test]
    fn items_survive_reopening_with_their_state() {
        let dir = tempfile::tempdir().unwrap();
        {
            let outbox = Outbox::open(dir.path()).unwrap();
            outbox
                .push(&item("b@x", "2027-03-15T09:00:01+01:00"), b"second")
                .unwrap();
            outbox
                .push(&item("a@x", "2027-03-15T09:00:00+01:00"), b"first")
                .unwrap();
            let sending = outbox.mark("a@x", State::Sending, None).unwrap();
            assert_eq!(sending.attempts, 1);
            outbox
                .mark("b@x", State::Failed, Some("550 5.1.1 unknown recipient"))
                .unwrap();
        }
        let outbox = Outbox::open(dir.path()).unwrap();
        let Contents { items, damaged } = outbox.items().unwrap();
        assert!(damaged.is_empty());
        let ids: Vec<(&str, State)> = items.iter().map(|i| (i.message_id.as_str(), i.state)).collect();
        assert_eq!(
            ids,
            vec![("a@x", State::Sending), ("b@x", State::Failed)],
            "oldest first"
        );
        assert_eq!(items[1].last_error.as_deref(), Some("550 5.1.1 unknown recipient"));
        assert_eq!(outbox.message("a@x").unwrap(), b"first");
        outbox.remove("a@x").unwrap();
        assert!(outbox.get("a@x").unwrap().is_none());
        assert!(outbox.message("a@x").is_err());
    }

    #[test]
    fn the_same_message_is_not_queued_twice() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox.push(&item("a@x", "t"), b"m").unwrap();
        let err = outbox.push(&item("a@x", "t"), b"m").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Conflict);
        assert!(outbox.mark("nothing@x", State::Sending, None).is_err());
    }

    #[test]
    fn damaged_records_are_reported_and_orphan_messages_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox.push(&item("a@x", "t"), b"m").unwrap();
        // A crash between the two writes leaves a message without its record.
        write_atomic(&outbox.message_path("orphan@x"), b"never queued").unwrap();
        // A record cut short.
        fs::write(outbox.record_path("cut@x"), b"{\"message_id\": \"cut").unwrap();
        let Contents { items, damaged } = outbox.items().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(damaged.len(), 1);
        assert!(outbox.get("cut@x").is_err(), "an error, not a missing item");
        // Ids cannot name files outside the folder.
        assert!(!Outbox::key("../../etc/passwd").contains('/'));
    }
}
