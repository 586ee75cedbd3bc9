//! Drafts kept on this machine, outside the disposable cache: what the user saves is here at
//! once, online or not, and goes to the server's Drafts folder when it can (see
//! `calame/drafts.rs`). One draft is two files in `PROFILE/drafts/`: the message as built
//! (`<key>.<version>.eml`, written first) and its record (`<key>.json`: subject, recipients,
//! when, whether the server has this version), each written whole and fsync'd
//! (`profile::write_atomic`). A new version's message has a new file name, so a crash before
//! its record is written leaves the previous version whole (the orphan is removed by the next
//! save); a record that does not read is reported, never dropped.
//!
//! States: `pending` (this version is not on the server yet) → `uploaded`; `deleted` is a
//! tombstone: the draft was deleted or sent here, and its server copies are still to be removed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::envelope::Address;
use crate::error::{Error, Result};
use crate::profile::{read_json, read_json_dir, write_atomic, write_json};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Saved here; this version still to be put in the server's Drafts.
    #[default]
    Pending,
    /// The server's Drafts has this version.
    Uploaded,
    /// Deleted (or sent) here; its copies in the server's Drafts are still to be removed.
    Deleted,
}

/// One draft of an account, as kept here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its Message-ID, without angle brackets: the same for every version.
    pub draft_id: String,
    pub account: String,
    pub subject: String,
    pub to: Vec<Address>,
    /// RFC 3339, when this version was saved (the Date of its message).
    pub updated: String,
    pub state: State,
    /// The file name of this version's message in the drafts folder; empty for a tombstone.
    pub file: String,
    /// Why the last upload or removal on the server failed.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// What [`Drafts::records`] finds: the records, and those that do not read (path, reason).
#[derive(Debug, Default)]
pub struct Contents {
    pub records: Vec<Record>,
    pub damaged: Vec<(PathBuf, String)>,
}

#[derive(Debug, Clone)]
pub struct Drafts {
    dir: PathBuf,
}

impl Drafts {
    pub fn open(profile_dir: &Path) -> Result<Drafts> {
        let dir = profile_dir.join("drafts");
        fs::create_dir_all(&dir).map_err(|e| Error::storage(&dir, e))?;
        Ok(Drafts { dir })
    }

    /// A file name for a draft of an account: a SHA-256, so that no id can point outside the
    /// folder.
    fn key(account: &str, draft_id: &str) -> String {
        crate::tls::fingerprint(format!("{}\n{draft_id}", account.to_lowercase()).as_bytes())
    }

    fn record_path(&self, account: &str, draft_id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", Self::key(account, draft_id)))
    }

    /// Keep a new version: its message under a new name, then its record (`record.file` is
    /// set here), then the previous versions' messages go.
    pub fn save(&self, record: &Record, raw: &[u8]) -> Result<Record> {
        let key = Self::key(&record.account, &record.draft_id);
        let file = format!("{key}.{}.eml", version());
        write_atomic(&self.dir.join(&file), raw)?;
        let record = Record { file, ..record.clone() };
        self.put(&record)?;
        self.remove_messages(&key, Some(&record.file))?;
        Ok(record)
    }

    /// Write a record whole (fsync'd, renamed in place).
    pub fn put(&self, record: &Record) -> Result<()> {
        write_json(&self.record_path(&record.account, &record.draft_id), record)
    }

    /// The record of a draft; an error when it does not read.
    pub fn get(&self, account: &str, draft_id: &str) -> Result<Option<Record>> {
        read_json(&self.record_path(account, draft_id), "draft record")
    }

    /// The message of the version a record names.
    pub fn message(&self, record: &Record) -> Result<Vec<u8>> {
        if record.file.is_empty() || record.file.contains(['/', '\\']) {
            return Err(Error::NotFound(format!(
                "no message kept for the draft {}",
                record.draft_id
            )));
        }
        let path = self.dir.join(&record.file);
        fs::read(&path).map_err(|e| Error::storage(&path, e))
    }

    /// Every record; those that do not read are returned apart.
    pub fn records(&self) -> Result<Contents> {
        let (mut records, damaged) = read_json_dir::<Record>(&self.dir)?;
        records.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.draft_id.cmp(&b.draft_id)));
        Ok(Contents { records, damaged })
    }

    /// Mark a draft deleted (its server copies still to be removed): the record becomes a
    /// tombstone first, then its messages go.
    pub fn tombstone(&self, account: &str, draft_id: &str, updated: &str) -> Result<()> {
        let record = Record {
            draft_id: draft_id.to_owned(),
            account: account.to_owned(),
            updated: updated.to_owned(),
            state: State::Deleted,
            ..Record::default()
        };
        self.put(&record)?;
        self.remove_messages(&Self::key(account, draft_id), None)
    }

    /// Forget a draft: its record first, then its messages.
    pub fn remove(&self, account: &str, draft_id: &str) -> Result<()> {
        let path = self.record_path(account, draft_id);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::storage(&path, e)),
        }
        self.remove_messages(&Self::key(account, draft_id), None)
    }

    /// Remove the messages of a draft (`<key>.*.eml`), but `keep`.
    fn remove_messages(&self, key: &str, keep: Option<&str>) -> Result<()> {
        let prefix = format!("{key}.");
        for entry in fs::read_dir(&self.dir).map_err(|e| Error::storage(&self.dir, e))? {
            let entry = entry.map_err(|e| Error::storage(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".eml") && Some(name.as_str()) != keep {
                let path = entry.path();
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::storage(&path, e)),
                }
            }
        }
        Ok(())
    }
}

/// A version number unique in this profile: the time in nanoseconds, and a counter for two
/// saves within the same tick.
fn version() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, updated: &str) -> Record {
        Record {
            draft_id: id.into(),
            account: "alice@example.test".into(),
            subject: "Réunion".into(),
            updated: updated.into(),
            ..Record::default()
        }
    }

    fn emls(dir: &Path) -> usize {
        fs::read_dir(dir.join("drafts"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().and_then(|x| x.to_str()) == Some("eml"))
            .count()
    }

    #[test]
    fn versions_replace_each_other_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let drafts = Drafts::open(dir.path()).unwrap();
            let first = drafts.save(&record("a@x", "2027-03-15T09:00:00+00:00"), b"v1").unwrap();
            drafts.save(&record("b@x", "2027-03-15T10:00:00+00:00"), b"b").unwrap();
            let second = drafts.save(&record("a@x", "2027-03-15T11:00:00+00:00"), b"v2").unwrap();
            assert_ne!(first.file, second.file);
            assert_eq!(emls(dir.path()), 2, "the previous version's message is gone");
            let mut uploaded = second;
            uploaded.state = State::Uploaded;
            drafts.put(&uploaded).unwrap();
        }
        let drafts = Drafts::open(dir.path()).unwrap();
        let Contents { records, damaged } = drafts.records().unwrap();
        assert!(damaged.is_empty());
        let listed: Vec<(&str, State)> = records.iter().map(|r| (r.draft_id.as_str(), r.state)).collect();
        assert_eq!(
            listed,
            vec![("a@x", State::Uploaded), ("b@x", State::Pending)],
            "newest first"
        );
        assert_eq!(drafts.message(&records[0]).unwrap(), b"v2");
        assert!(drafts.get("ALICE@example.test", "a@x").unwrap().is_some(), "any case");
        assert!(drafts.get("bob@example.test", "a@x").unwrap().is_none(), "per account");

        drafts
            .tombstone("alice@example.test", "a@x", "2027-03-15T12:00:00+00:00")
            .unwrap();
        let tomb = drafts.get("alice@example.test", "a@x").unwrap().unwrap();
        assert_eq!((tomb.state, tomb.file.as_str()), (State::Deleted, ""));
        assert!(drafts.message(&tomb).is_err());
        assert_eq!(emls(dir.path()), 1);
        drafts.remove("alice@example.test", "a@x").unwrap();
        drafts.remove("alice@example.test", "b@x").unwrap();
        assert_eq!(fs::read_dir(dir.path().join("drafts")).unwrap().count(), 0);
    }

    #[test]
    fn damaged_records_are_reported_and_a_cut_save_keeps_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::open(dir.path()).unwrap();
        let kept = drafts.save(&record("a@x", "t1"), b"v1").unwrap();
        // A crash after the new message, before its record: the old version is whole.
        let key = Drafts::key("alice@example.test", "a@x");
        write_atomic(&dir.path().join("drafts").join(format!("{key}.9.eml")), b"v2 cut").unwrap();
        let record = drafts.get("alice@example.test", "a@x").unwrap().unwrap();
        assert_eq!(drafts.message(&record).unwrap(), b"v1");
        // The next save removes the orphan.
        drafts.save(&kept, b"v3").unwrap();
        assert_eq!(emls(dir.path()), 1);

        fs::write(
            drafts.record_path("alice@example.test", "cut@x"),
            b"{\"draft_id\": \"cut",
        )
        .unwrap();
        let Contents { records, damaged } = drafts.records().unwrap();
        assert_eq!((records.len(), damaged.len()), (1, 1));
        assert!(
            drafts.get("alice@example.test", "cut@x").is_err(),
            "an error, not a missing draft"
        );
        assert!(
            drafts.records_path_exists("alice@example.test", "cut@x"),
            "never dropped"
        );
        assert!(!Drafts::key("alice@example.test", "../../etc/passwd").contains('/'));
        let foreign = Record {
            file: "../outbox/x.eml".into(),
            ..record
        };
        assert!(drafts.message(&foreign).is_err());
    }

    impl Drafts {
        fn records_path_exists(&self, account: &str, id: &str) -> bool {
            self.record_path(account, id).exists()
        }
    }
}
