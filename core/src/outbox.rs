//! The outbox: every message to send, kept durably apart from the disposable cache until it
//! has left and been filed. One item is two files in `PROFILE/outbox/`: the message
//! (`<key>.eml`, written first) and its record (`<key>.json`: recipients, state, attempts, last
//! error), each written whole and fsync'd (`profile::write_atomic`). A message without its record
//! was never queued (a crash in between) and is ignored; a record that does not read is
//! reported, never dropped.
//!
//! States: `queued` → `sending` (a transaction is open; the end of the data is not yet given)
//! → `confirming` (the end of the data is being given; the server's answer is awaited) →
//! `accepted` (it said 250) → `filed` (copied to Sent); or `failed` (refused for good, with why),
//! or `unconfirmed` (the line dropped after the end had gone out: the server may have the
//! message; only the user may send it again).
//!
//! The ambiguous moment is the end of the data: a server delivers a message once it has its
//! final dot, whether or not its answer reaches us. The `confirming` record is written and
//! fsync'd beside the current one first (slow, harmless), then renamed in place, and only then
//! is the dot handed to the socket; the folder is fsync'd after. So for a process killed on
//! this boot, `sending` means the dot never left (the server drops a transaction without it:
//! sent again) and `confirming` that it left right after (the kernel delivers what was written,
//! even for a dead process: taken as accepted). Nothing runs between the rename and the write
//! but the encryption of five bytes; a kill landing exactly there would lose the message
//! rather than send it twice. After a reboot (power loss) the dot may have died with the
//! machine, or the rename with the disk cache: an item in `confirming`, or in `sending` with a
//! prepared record beside it, becomes `unconfirmed`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::profile::{read_json, read_json_dir, write_atomic, write_json};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, rename = "OutboxState")]
pub enum State {
    #[default]
    Queued,
    Sending,
    Confirming,
    Accepted,
    Filed,
    Failed,
    Unconfirmed,
}

/// One message waiting to leave, as `outbox --json` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
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
    /// RFC 3339: not before, after a failed attempt (backoff). `outbox flush` ignores it.
    #[serde(default)]
    pub next_attempt: Option<String>,
    /// The folder the copy goes to (the identity's Sent); `None`: the account's own Sent.
    #[serde(default)]
    pub sent_folder: Option<String>,
    /// Where the copy was filed, once it is.
    #[serde(default)]
    pub filed_in: Option<String>,
    /// The machine's boot when the end of the data went out (see the module's notes).
    #[serde(default)]
    #[ts(skip)]
    pub boot: Option<String>,
    /// An APPEND to Sent was started: look for the Message-ID there before appending again.
    #[serde(default)]
    #[ts(skip)]
    pub filing: bool,
}

/// What [`Outbox::items`] finds: the items, oldest first, and the records that do not read
/// (path, reason).
#[derive(Debug, Default)]
pub struct Contents {
    pub items: Vec<Item>,
    pub damaged: Vec<(PathBuf, String)>,
}

#[derive(Debug, Clone)]
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

    /// Write a record whole (fsync'd, renamed in place).
    pub fn put(&self, item: &Item) -> Result<()> {
        write_json(&self.record_path(&item.message_id), item)
    }

    /// The first half of recording `confirming`: the new record written and fsync'd beside
    /// the current one (and its name made durable), not yet in place. Then
    /// [`Prepared::commit`], then the end of the data, then [`Outbox::sync`].
    pub fn prepare_confirming(&self, item: &Item) -> Result<Prepared> {
        let mut next = item.clone();
        next.state = State::Confirming;
        next.boot = boot_id();
        let path = self.record_path(&item.message_id);
        let tmp = path.with_extension("confirming");
        let json = serde_json::to_vec_pretty(&next).map_err(|e| Error::storage(&tmp, e))?;
        let mut file = fs::File::create(&tmp).map_err(|e| Error::storage(&tmp, e))?;
        file.write_all(&json).map_err(|e| Error::storage(&tmp, e))?;
        file.sync_all().map_err(|e| Error::storage(&tmp, e))?;
        self.sync()?;
        Ok(Prepared { tmp, path })
    }

    /// Make the folder's names durable (after a rename).
    pub fn sync(&self) -> Result<()> {
        #[cfg(unix)]
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::storage(&self.dir, e))?;
        Ok(())
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
        read_json(&self.record_path(message_id), "outbox record")
    }

    /// The message's bytes.
    pub fn message(&self, message_id: &str) -> Result<Vec<u8>> {
        let path = self.message_path(message_id);
        fs::read(&path).map_err(|e| Error::storage(&path, e))
    }

    /// Every item, oldest first; records that do not read are returned apart.
    pub fn items(&self) -> Result<Contents> {
        let (mut items, damaged) = read_json_dir::<Item>(&self.dir)?;
        items.sort_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.message_id.cmp(&b.message_id)));
        Ok(Contents { items, damaged })
    }

    /// An item found in `confirming` or `sending` by a new process, after a crash. Same boot:
    /// `confirming` is accepted, `sending` is sent again (a prepared record beside it never
    /// got in place, so the dot never left). Another boot, or one we cannot tell: an item
    /// whose end may have gone out is unconfirmed, for the user to decide. Returns the item
    /// as recorded.
    pub fn settle(&self, item: &Item) -> Result<Item> {
        let mut item = item.clone();
        let current = boot_id();
        let same_boot = |boot: &Option<String>| boot.is_some() && *boot == current;
        let prepared = self.record_path(&item.message_id).with_extension("confirming");
        let maybe_left = match item.state {
            State::Confirming if same_boot(&item.boot) => {
                item.state = State::Accepted;
                false
            }
            State::Confirming => true,
            State::Sending => match fs::read(&prepared) {
                Ok(bytes) => {
                    let boot = serde_json::from_slice::<Item>(&bytes).ok().and_then(|i| i.boot);
                    !same_boot(&boot)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(item),
                Err(e) => return Err(Error::storage(&prepared, e)),
            },
            _ => return Ok(item),
        };
        if maybe_left {
            item.state = State::Unconfirmed;
            item.last_error = Some(UNCONFIRMED_AFTER_RESTART.into());
        }
        self.put(&item)?;
        match fs::remove_file(&prepared) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::storage(&prepared, e)),
        }
        Ok(item)
    }

    /// Forget a message that has left and been filed: its record first, then its bytes.
    pub fn remove(&self, message_id: &str) -> Result<()> {
        let record = self.record_path(message_id);
        for path in [
            record.with_extension("confirming"),
            record.clone(),
            self.message_path(message_id),
        ] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::storage(&path, e)),
            }
        }
        Ok(())
    }
}

/// Why an item stopped in `unconfirmed` after a restart.
pub const UNCONFIRMED_AFTER_RESTART: &str = "the machine stopped while the end of the message was \
     being sent: the server may have it; `outbox retry` sends it again";

/// A `confirming` record ready to be put in place.
#[derive(Debug)]
pub struct Prepared {
    tmp: PathBuf,
    path: PathBuf,
}

impl Prepared {
    /// Put the record in place (rename): the last step before the end of the data is written;
    /// [`Outbox::sync`] makes it durable after.
    pub fn commit(self) -> Result<()> {
        fs::rename(&self.tmp, &self.path).map_err(|e| Error::storage(&self.path, e))
    }
}

/// This boot of the machine, where the system says (Linux, Android); `None` elsewhere.
fn boot_id() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
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
            ..Default::default()
        }
    }

    #[test]
    fn confirming_is_visible_only_once_committed_and_settles_by_boot() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox.push(&item("a@x", "t"), b"m").unwrap();
        let sending = outbox.mark("a@x", State::Sending, None).unwrap();
        let _prepared = outbox.prepare_confirming(&sending).unwrap();
        // Killed here (the end of the data not given): still `sending`, sent again.
        assert_eq!(outbox.get("a@x").unwrap().unwrap().state, State::Sending);
        assert_eq!(
            outbox.items().unwrap().items.len(),
            1,
            "the prepared record is not an item"
        );
        if boot_id().is_some() {
            let settled = outbox.settle(&sending).unwrap();
            assert_eq!(settled.state, State::Sending, "same boot: sent again");
            assert!(!outbox.record_path("a@x").with_extension("confirming").exists());
        }
        // Prepared on another boot: the rename may have been lost with the dot gone out.
        let mut earlier = sending.clone();
        earlier.boot = Some("another-boot".into());
        fs::write(
            outbox.record_path("a@x").with_extension("confirming"),
            serde_json::to_vec(&earlier).unwrap(),
        )
        .unwrap();
        assert_eq!(outbox.settle(&sending).unwrap().state, State::Unconfirmed);
        outbox.put(&sending).unwrap();

        outbox.prepare_confirming(&sending).unwrap().commit().unwrap();
        outbox.sync().unwrap();
        let confirming = outbox.get("a@x").unwrap().unwrap();
        assert_eq!(confirming.state, State::Confirming);
        assert_eq!(confirming.attempts, 1);
        // Same boot: the kernel delivered the dot after the crash.
        let settled = outbox.settle(&confirming).unwrap();
        let expected = if boot_id().is_some() {
            State::Accepted
        } else {
            State::Unconfirmed
        };
        assert_eq!(settled.state, expected);
        // Another boot: nobody knows; the user decides.
        let mut rebooted = confirming.clone();
        rebooted.boot = Some("another-boot".into());
        let settled = outbox.settle(&rebooted).unwrap();
        assert_eq!(settled.state, State::Unconfirmed);
        assert_eq!(settled.last_error.as_deref(), Some(UNCONFIRMED_AFTER_RESTART));
        assert_eq!(outbox.get("a@x").unwrap().unwrap().state, State::Unconfirmed);
        outbox.remove("a@x").unwrap();
        assert_eq!(fs::read_dir(dir.path().join("outbox")).unwrap().count(), 0);
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
