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
//! final dot, whether or not its answer reaches us. Before the transaction, the `confirming`
//! record is written and fsync'd beside the current one, and a one-byte *end mark*
//! (`<key>.end`, `0`) is created, fsync'd and mapped into memory. Right before the dot is
//! handed to the socket, the mark becomes `1` with a plain store into the mapped page: no
//! system call, so nothing that can wait on the file system's journal stands between the mark
//! and the write (a rename there could block for milliseconds on a busy disk, and a kill in
//! that time lost a message). The page belongs to the kernel's cache and outlives the process.
//! After the write, the `confirming` record is put in place and the folder fsync'd.
//! So for a process killed on this boot, `sending` with the mark at `0` (or none) means the
//! dot never left (the server drops a transaction without it: sent again), and the mark at
//! `1` or `confirming` that it left (the kernel delivers what was written, even for a dead
//! process: taken as accepted). Between the store and the write there is only the encryption
//! of five bytes; a kill landing exactly there would lose the message rather than send it
//! twice. After a reboot (power loss) the dot may have died with the machine, or the mark with
//! the page cache: an item in `confirming`, or in `sending` with an end mark beside it,
//! becomes `unconfirmed`.

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
    /// The machine's boot when the last attempt began (see the module's notes).
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

    /// Everything `confirming` needs, done before the transaction: the new record written and
    /// fsync'd beside the current one, the end mark created at `0`, fsync'd and mapped (and
    /// their names made durable). Then [`Prepared::mark_end`] right before the dot, then
    /// [`Prepared::put_in_place`] after it.
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
        let end_path = path.with_extension("end");
        let end = EndMark::create(&end_path)?;
        self.sync()?;
        Ok(Prepared {
            tmp,
            path,
            end,
            dir: self.clone(),
        })
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
            item.boot = boot_id();
            // A new attempt: what an earlier one left must not speak for it.
            self.remove_prepared(message_id)?;
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
    /// `confirming`, or `sending` with the end mark at `1`, is accepted; `sending` otherwise
    /// is sent again (the dot never left). Another boot, or one we cannot tell: an item whose
    /// end may have gone out is unconfirmed, for the user to decide. Returns the item as
    /// recorded.
    pub fn settle(&self, item: &Item) -> Result<Item> {
        let mut item = item.clone();
        let current = boot_id();
        let same_boot = |boot: &Option<String>| boot.is_some() && *boot == current;
        let end_path = self.record_path(&item.message_id).with_extension("end");
        let end = match fs::read(&end_path) {
            Ok(bytes) => Some(bytes.first() == Some(&b'1')),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::storage(&end_path, e)),
        };
        let left = match (item.state, end) {
            (State::Confirming, _) | (State::Sending, Some(true)) => true,
            (State::Sending, Some(false)) => false,
            _ => return Ok(item),
        };
        if !same_boot(&item.boot) {
            item.state = State::Unconfirmed;
            item.last_error = Some(UNCONFIRMED_AFTER_RESTART.into());
        } else if left {
            item.state = State::Accepted;
        }
        self.put(&item)?;
        self.remove_prepared(&item.message_id)?;
        Ok(item)
    }

    /// What an attempt prepared beside the record ([`Outbox::prepare_confirming`]).
    fn remove_prepared(&self, message_id: &str) -> Result<()> {
        let record = self.record_path(message_id);
        for path in [record.with_extension("confirming"), record.with_extension("end")] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::storage(&path, e)),
            }
        }
        Ok(())
    }

    /// Forget a message that has left and been filed: its record first, then its bytes.
    pub fn remove(&self, message_id: &str) -> Result<()> {
        self.remove_prepared(message_id)?;
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

/// Why an item stopped in `unconfirmed` after a restart.
pub const UNCONFIRMED_AFTER_RESTART: &str = "the machine stopped while the end of the message was \
     being sent: the server may have it; `outbox retry` sends it again";

/// A `confirming` record ready to be put in place, and its end mark.
#[derive(Debug)]
pub struct Prepared {
    tmp: PathBuf,
    path: PathBuf,
    end: EndMark,
    dir: Outbox,
}

impl Prepared {
    /// The dot is about to be written: the end mark becomes `1` (a store into a mapped page,
    /// no system call; see the module's notes).
    pub fn mark_end(&mut self) {
        self.end.set();
    }

    /// After the dot: the `confirming` record in place, its name durable.
    pub fn put_in_place(self) -> Result<()> {
        fs::rename(&self.tmp, &self.path).map_err(|e| Error::storage(&self.path, e))?;
        self.dir.sync()
    }
}

/// A one-byte file mapped into memory, `0` until [`EndMark::set`].
struct EndMark {
    map: memmap2::MmapMut,
}

impl std::fmt::Debug for EndMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndMark")
            .field("set", &(self.map.first() == Some(&b'1')))
            .finish()
    }
}

impl EndMark {
    fn create(path: &Path) -> Result<EndMark> {
        let storage = |e| Error::storage(path, e);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(storage)?;
        (&file).write_all(b"0").map_err(storage)?;
        file.sync_all().map_err(storage)?;
        // SAFETY: the file is ours (a fresh name in the profile's outbox, which the profile
        // lock keeps to this process), one byte long for the mapping's whole life, and only
        // written through this mapping.
        #[allow(unsafe_code)]
        let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }.map_err(storage)?;
        // Fault the page in writable now, so that `set` is a plain store.
        match map.first_mut() {
            Some(byte) => *byte = b'0',
            None => return Err(Error::storage(path, std::io::Error::other("the end mark is empty"))),
        }
        Ok(EndMark { map })
    }

    fn set(&mut self) {
        if let Some(byte) = self.map.first_mut() {
            *byte = b'1';
        }
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
    fn the_end_mark_and_the_confirming_record_settle_by_boot() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let end_mark = outbox.record_path("a@x").with_extension("end");
        let same_boot = boot_id().is_some();
        outbox.push(&item("a@x", "t"), b"m").unwrap();

        // Prepared, killed before the end of the data: still `sending`, sent again.
        let sending = outbox.mark("a@x", State::Sending, None).unwrap();
        let prepared = outbox.prepare_confirming(&sending).unwrap();
        assert_eq!(fs::read(&end_mark).unwrap(), b"0");
        assert_eq!(outbox.get("a@x").unwrap().unwrap().state, State::Sending);
        assert_eq!(outbox.items().unwrap().items.len(), 1, "prepared files are not items");
        drop(prepared);
        let settled = outbox.settle(&sending).unwrap();
        let expected = if same_boot { State::Sending } else { State::Unconfirmed };
        assert_eq!(settled.state, expected);
        assert!(!end_mark.exists(), "settled: the mark is gone");

        // The mark set (the dot was being written), killed before the record was put in place:
        // on this boot the server has it.
        let sending = outbox.mark("a@x", State::Sending, None).unwrap();
        assert_eq!(sending.attempts, 2);
        let mut prepared = outbox.prepare_confirming(&sending).unwrap();
        prepared.mark_end();
        assert_eq!(fs::read(&end_mark).unwrap(), b"1", "the store reaches the file");
        drop(prepared);
        let expected = if same_boot { State::Accepted } else { State::Unconfirmed };
        assert_eq!(outbox.settle(&sending).unwrap().state, expected);
        assert_eq!(outbox.get("a@x").unwrap().unwrap().state, expected);

        // A new attempt clears what an earlier one left: a stale mark at `1` must not make a
        // message killed before its dot look accepted.
        fs::write(&end_mark, b"1").unwrap();
        let sending = outbox.mark("a@x", State::Sending, None).unwrap();
        assert!(!end_mark.exists());
        // Another boot with a mark beside `sending`: the mark may have died with the machine.
        let mut earlier = sending.clone();
        earlier.boot = Some("another-boot".into());
        fs::write(&end_mark, b"0").unwrap();
        assert_eq!(outbox.settle(&earlier).unwrap().state, State::Unconfirmed);

        // The whole sequence: `confirming` in place after the dot.
        let sending = outbox.mark("a@x", State::Sending, None).unwrap();
        let mut prepared = outbox.prepare_confirming(&sending).unwrap();
        prepared.mark_end();
        prepared.put_in_place().unwrap();
        let confirming = outbox.get("a@x").unwrap().unwrap();
        assert_eq!(confirming.state, State::Confirming);
        let expected = if same_boot { State::Accepted } else { State::Unconfirmed };
        assert_eq!(outbox.settle(&confirming).unwrap().state, expected);
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
