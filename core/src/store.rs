//! The offline cache in sled. Disposable by design: a damaged or older cache is wiped and
//! rebuilt from the servers. What must never be lost (the outbox, queued actions) lives
//! elsewhere. Knows nothing of IMAP.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::folder::Folder;

mod calendars;
mod text_log;

/// Bump when the layout of what is stored changes: an older cache is then rebuilt.
const SCHEMA_VERSION: u32 = 6;
const SCHEMA_KEY: &[u8] = b"schema_version";
const CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// What the cache holds of one folder's messages: the point a resync starts from. `id` keys
/// the folder's envelopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    pub id: u64,
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highestmodseq: Option<u64>,
}

/// Changes to one folder's messages, applied together.
#[derive(Debug, Default)]
pub struct Changes {
    pub upsert: Vec<Envelope>,
    pub flags: Vec<(u32, Vec<String>, Option<u64>)>,
    pub remove: Vec<u32>,
}

/// A handle on the cache; clones share it (sled's handles are reference-counted).
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    folders: sled::Tree,
    folder_states: sled::Tree,
    envelopes: sled::Tree,
    /// Per folder id, a number that changes whenever its set of messages changes (what a
    /// derived index compares to know it is stale).
    generations: sled::Tree,
    /// The plain text of cached bodies, keyed like envelopes (what search reads).
    /// Per cached body (folder id + UID): its length (8 bytes), written after its file.
    body_records: sled::Tree,
    /// Per folder id: how much of its search text log is valid (see [`text_log`]).
    text_logs: sled::Tree,
    /// Calendars and their objects (see [`calendars`]).
    calendars: sled::Tree,
    cal_objects: sled::Tree,
    path: PathBuf,
    /// Message bodies, as files beside the database (see [`Store::body_path`]).
    bodies: PathBuf,
    /// Search indexes derived from the cache, one file per folder: `search/<folder id>.idx`.
    search: PathBuf,
    /// Whether opening found a damaged or outdated cache and started afresh.
    pub rebuilt: bool,
}

impl Store {
    /// Open the cache at `path`, starting afresh when it is damaged or of another version.
    pub fn open(path: &Path) -> Result<Store> {
        match Self::open_checked(path) {
            Ok(store) => Ok(store),
            Err(reason) => {
                tracing::warn!("discarding the offline cache at {}: {reason}", path.display());
                for dir in [path.to_path_buf(), bodies_dir(path), search_dir(path)] {
                    if dir.exists() {
                        std::fs::remove_dir_all(&dir).map_err(|e| Error::storage(&dir, e))?;
                    }
                }
                let mut store = Self::open_checked(path).map_err(|e| Error::storage(path, e))?;
                store.rebuilt = true;
                Ok(store)
            }
        }
    }

    fn open_checked(path: &Path) -> std::result::Result<Store, String> {
        let config = sled::Config::new().path(path).cache_capacity(CACHE_CAPACITY);
        // sled can panic on a corrupted file; that only means "rebuild".
        let db = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()))
            .map_err(|_| "the cache is damaged".to_owned())?
            .map_err(|e| e.to_string())?;
        let wanted = SCHEMA_VERSION.to_be_bytes();
        match db.get(SCHEMA_KEY).map_err(|e| e.to_string())? {
            Some(v) if v.as_ref() == wanted => {}
            Some(_) => return Err("the cache is from another version".to_owned()),
            None if !db.is_empty() || db.tree_names().len() > 1 => return Err("the cache has no version".to_owned()),
            None => {
                db.insert(SCHEMA_KEY, &wanted).map_err(|e| e.to_string())?;
            }
        }
        let folders = db.open_tree("folders").map_err(|e| e.to_string())?;
        let folder_states = db.open_tree("folder_states").map_err(|e| e.to_string())?;
        let envelopes = db.open_tree("envelopes").map_err(|e| e.to_string())?;
        let generations = db.open_tree("generations").map_err(|e| e.to_string())?;
        let body_records = db.open_tree("body_records").map_err(|e| e.to_string())?;
        let text_logs = db.open_tree("text_logs").map_err(|e| e.to_string())?;
        let calendars = db.open_tree("calendars").map_err(|e| e.to_string())?;
        let cal_objects = db.open_tree("cal_objects").map_err(|e| e.to_string())?;
        Ok(Store {
            db,
            folders,
            folder_states,
            envelopes,
            generations,
            body_records,
            text_logs,
            calendars,
            cal_objects,
            path: path.to_owned(),
            bodies: bodies_dir(path),
            search: search_dir(path),
            rebuilt: false,
        })
    }

    fn err(&self, e: impl ToString) -> Error {
        Error::storage(&self.path, e)
    }

    /// Replace the folder list of an account.
    pub fn put_folders(&self, account: &str, folders: &[Folder]) -> Result<()> {
        let prefix = account_prefix(account);
        let mut batch = sled::Batch::default();
        for key in self.folders.scan_prefix(&prefix).keys() {
            batch.remove(key.map_err(|e| self.err(e))?);
        }
        for f in folders {
            let mut key = prefix.clone();
            key.extend_from_slice(f.raw_name.as_deref().unwrap_or(&f.name).as_bytes());
            batch.insert(key, serde_json::to_vec(f).map_err(|e| self.err(e))?);
        }
        self.folders.apply_batch(batch).map_err(|e| self.err(e))?;
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The cached folders of one account, or of all; a record that does not decode is skipped.
    pub fn folders(&self, account: Option<&str>) -> Result<Vec<Folder>> {
        let iter = match account {
            Some(a) => self.folders.scan_prefix(account_prefix(a)),
            None => self.folders.iter(),
        };
        let mut out = Vec::new();
        for item in iter {
            let (_, value) = item.map_err(|e| self.err(e))?;
            match serde_json::from_slice::<Folder>(&value) {
                Ok(f) => out.push(f),
                Err(e) => tracing::warn!("skipping an unreadable folder record: {e}"),
            }
        }
        Ok(out)
    }

    /// Forget everything about an account.
    pub fn remove_account(&self, account: &str) -> Result<()> {
        self.put_folders(account, &[])
    }

    /// Where a folder's copy stands; `None` before its first sync.
    pub fn folder_state(&self, account: &str, raw_name: &str) -> Result<Option<FolderState>> {
        let key = folder_key(account, raw_name);
        match self.folder_states.get(key).map_err(|e| self.err(e))? {
            Some(v) => Ok(serde_json::from_slice(&v).ok()),
            None => Ok(None),
        }
    }

    /// A new, empty copy of a folder (first sync, or after UIDVALIDITY changed: the old
    /// copy's messages are dropped).
    pub fn reset_folder(&self, account: &str, raw_name: &str, uidvalidity: u32) -> Result<FolderState> {
        if let Some(old) = self.folder_state(account, raw_name)? {
            self.drop_envelopes(old.id)?;
        }
        let id = self.db.generate_id().map_err(|e| self.err(e))?;
        let state = FolderState {
            id,
            uidvalidity,
            uidnext: 1,
            highestmodseq: None,
        };
        self.put_folder_state(account, raw_name, &state)?;
        Ok(state)
    }

    /// Record where a folder's copy stands (see [`Store::apply`] for the order that matters).
    pub fn put_folder_state(&self, account: &str, raw_name: &str, state: &FolderState) -> Result<()> {
        let value = serde_json::to_vec(state).map_err(|e| self.err(e))?;
        self.folder_states
            .insert(folder_key(account, raw_name), value)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn drop_envelopes(&self, id: u64) -> Result<()> {
        let bodies = self.bodies.join(id.to_string());
        if bodies.exists() {
            std::fs::remove_dir_all(&bodies).map_err(|e| Error::storage(&bodies, e))?;
        }
        let mut batch = sled::Batch::default();
        for key in self.envelopes.scan_prefix(id.to_be_bytes()).keys() {
            batch.remove(key.map_err(|e| self.err(e))?);
        }
        self.envelopes.apply_batch(batch).map_err(|e| self.err(e))?;
        self.generations.remove(id.to_be_bytes()).map_err(|e| self.err(e))?;
        self.drop_search_data(id)
    }

    /// Apply a folder's changes, then record its new state. The state goes last: after a crash
    /// in between, the next resync starts from the old state and fetches the same changes again.
    pub fn apply(&self, account: &str, raw_name: &str, state: &FolderState, changes: &Changes) -> Result<()> {
        let mut batch = sled::Batch::default();
        for e in &changes.upsert {
            batch.insert(&envelope_key(state.id, e.uid)[..], self.encode(e)?);
        }
        for (uid, flags, modseq) in &changes.flags {
            let key = envelope_key(state.id, *uid);
            let Some(old) = self.envelopes.get(key).map_err(|e| self.err(e))? else {
                continue;
            };
            let Some(mut e) = decode(&old) else {
                continue;
            };
            e.flags.clone_from(flags);
            e.modseq = *modseq;
            batch.insert(&key[..], self.encode(&e)?);
        }
        let mut records = sled::Batch::default();
        for uid in &changes.remove {
            batch.remove(&envelope_key(state.id, *uid)[..]);
            records.remove(&envelope_key(state.id, *uid)[..]);
        }
        self.envelopes.apply_batch(batch).map_err(|e| self.err(e))?;
        if !changes.remove.is_empty() {
            // The bodies of messages gone (their texts stay in the log, unreferenced).
            self.body_records.apply_batch(records).map_err(|e| self.err(e))?;
            for uid in &changes.remove {
                let path = self.body_path(state.id, *uid);
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::storage(&path, e)),
                }
            }
        }
        if !changes.upsert.is_empty() || !changes.remove.is_empty() {
            self.bump_generation(state.id)?;
        }
        self.put_folder_state(account, raw_name, state)?;
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Add envelopes as a sync streams them in (the folder's state is recorded apart, with
    /// [`Store::put_folder_state`], once what lies below its UIDNEXT is all here).
    pub fn put_envelopes(&self, id: u64, envelopes: &[Envelope]) -> Result<()> {
        if envelopes.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for e in envelopes {
            batch.insert(&envelope_key(id, e.uid)[..], self.encode(e)?);
        }
        self.envelopes.apply_batch(batch).map_err(|e| self.err(e))?;
        self.bump_generation(id)
    }

    fn encode(&self, e: &Envelope) -> Result<Vec<u8>> {
        postcard::to_stdvec(e).map_err(|x| self.err(x))
    }

    /// Forget a folder's messages: its next sync reads it afresh from the server.
    pub fn invalidate(&self, account: &str, raw_name: &str) -> Result<()> {
        if let Some(old) = self.folder_state(account, raw_name)? {
            self.drop_envelopes(old.id)?;
        }
        self.folder_states
            .remove(folder_key(account, raw_name))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Show an action at once: flags added and removed, messages gone (moved or deleted).
    pub fn edit(
        &self,
        account: &str,
        raw_name: &str,
        uids: &[u32],
        add: &[String],
        remove: &[String],
        gone: bool,
    ) -> Result<()> {
        let Some(state) = self.folder_state(account, raw_name)? else {
            return Ok(());
        };
        let mut changes = Changes::default();
        if gone {
            changes.remove = uids.to_vec();
        } else {
            let current = self.uid_flags(state.id)?;
            for uid in uids {
                let Some(flags) = current.get(uid) else { continue };
                let mut flags: Vec<String> = flags
                    .iter()
                    .filter(|f| !remove.iter().any(|r| r.eq_ignore_ascii_case(f)))
                    .cloned()
                    .collect();
                for a in add {
                    if !flags.iter().any(|f| f.eq_ignore_ascii_case(a)) {
                        flags.push(a.clone());
                    }
                }
                changes.flags.push((*uid, flags, None));
            }
        }
        self.apply(account, raw_name, &state, &changes)
    }

    /// The UIDs and flags of a folder's cached messages.
    pub fn uid_flags(&self, id: u64) -> Result<BTreeMap<u32, Vec<String>>> {
        let mut out = BTreeMap::new();
        for item in self.envelopes.scan_prefix(id.to_be_bytes()) {
            let (key, value) = item.map_err(|e| self.err(e))?;
            let Some(uid) = uid_of(&key) else { continue };
            let flags = decode(&value).map(|e| e.flags).unwrap_or_default();
            out.insert(uid, flags);
        }
        Ok(out)
    }

    /// One cached envelope.
    pub fn envelope(&self, id: u64, uid: u32) -> Result<Option<Envelope>> {
        let value = self.envelopes.get(envelope_key(id, uid)).map_err(|e| self.err(e))?;
        Ok(value.and_then(|v| decode(&v)))
    }

    /// The folder's generation: changes whenever messages are added to or removed from its copy
    /// (flag changes leave it alone). 0 before any.
    pub fn generation(&self, id: u64) -> Result<u64> {
        let value = self.generations.get(id.to_be_bytes()).map_err(|e| self.err(e))?;
        Ok(value
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    fn bump_generation(&self, id: u64) -> Result<()> {
        let next = self.db.generate_id().map_err(|e| self.err(e))?.saturating_add(1);
        self.generations
            .insert(id.to_be_bytes(), &next.to_be_bytes())
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// How many messages of the folder are cached.
    pub fn count(&self, id: u64) -> Result<u32> {
        let n = self.envelopes.scan_prefix(id.to_be_bytes()).keys().count();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// A page of a folder's envelopes, newest (highest UID) first.
    pub fn envelopes(&self, id: u64, offset: usize, limit: usize) -> Result<Vec<Envelope>> {
        let items = self.envelopes.scan_prefix(id.to_be_bytes()).rev();
        self.page(items.skip(offset).take(limit), limit)
    }

    /// The envelopes of a page of the envelopes tree; unreadable ones are skipped.
    fn page(
        &self,
        items: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
        limit: usize,
    ) -> Result<Vec<Envelope>> {
        let mut out = Vec::with_capacity(limit.min(1000));
        for item in items {
            let (_, value) = item.map_err(|e| self.err(e))?;
            match decode(&value) {
                Some(e) => out.push(e),
                None => tracing::warn!("skipping an unreadable envelope"),
            }
        }
        Ok(out)
    }

    /// A page of a folder's envelopes, oldest first.
    pub fn envelopes_oldest_first(&self, id: u64, offset: usize, limit: usize) -> Result<Vec<Envelope>> {
        let items = self.envelopes.scan_prefix(id.to_be_bytes());
        self.page(items.skip(offset).take(limit), limit)
    }

    /// The envelopes of a folder from UID `from` on, in UID order.
    pub fn envelopes_from(&self, id: u64, from: u32) -> Result<Vec<Envelope>> {
        let end = id.checked_add(1).map(|next| envelope_key(next, 0));
        let range = match end {
            Some(end) => self.envelopes.range(envelope_key(id, from)..end),
            None => self.envelopes.range(envelope_key(id, from)..),
        };
        let mut out = Vec::new();
        for item in range {
            let (_, value) = item.map_err(|e| self.err(e))?;
            if let Some(e) = decode(&value) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// `bodies/<folder id>/<uid / 1000>/<uid>.eml`: directories of at most 1,000 files, as a
    /// directory of 100,000 makes every file creation slow (ext4 searches it).
    fn body_path(&self, id: u64, uid: u32) -> PathBuf {
        self.bodies
            .join(id.to_string())
            .join((uid / 1000).to_string())
            .join(format!("{uid}.eml"))
    }

    /// A message's raw bytes, if cached.
    /// A message's raw bytes, if cached: its record says the body was stored whole and how long
    /// it is, and the file still has that length (a file cut by a crash or a power loss, or one
    /// without its record, counts as not cached and is fetched again).
    pub fn body(&self, id: u64, uid: u32) -> Result<Option<Vec<u8>>> {
        let Some(record) = self.body_records.get(envelope_key(id, uid)).map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        let Some(len) = <[u8; 8]>::try_from(record.as_ref()).ok().map(u64::from_be_bytes) else {
            return Ok(None);
        };
        let path = self.body_path(id, uid);
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() as u64 == len => Ok(Some(bytes)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::storage(&path, e)),
        }
    }

    /// Keep a message's raw bytes (no fsync: the cache is disposable) and its plain text for
    /// search; the folder's generation changes, so that its search index is rebuilt with it.
    pub fn put_body(&self, id: u64, uid: u32, bytes: &[u8]) -> Result<()> {
        self.put_bodies(id, &[(uid, bytes.to_vec())])
    }

    /// The file first, its record after (see [`Store::body`]).
    fn write_body_file(&self, id: u64, uid: u32, bytes: &[u8]) -> Result<()> {
        let path = self.body_path(id, uid);
        match std::fs::write(&path, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::storage(dir, e))?;
                }
                std::fs::write(&path, bytes).map_err(|e| Error::storage(&path, e))
            }
            other => other.map_err(|e| Error::storage(&path, e)),
        }
    }
}

/// Envelopes are stored in postcard, compact and quick to read back; a record that does not
/// decode is treated as missing.
fn decode(bytes: &[u8]) -> Option<Envelope> {
    postcard::from_bytes(bytes).ok()
}

fn bodies_dir(cache: &Path) -> PathBuf {
    cache.with_file_name("bodies")
}

fn search_dir(cache: &Path) -> PathBuf {
    cache.with_file_name("search")
}

fn folder_key(account: &str, raw_name: &str) -> Vec<u8> {
    let mut k = account_prefix(account);
    k.extend_from_slice(raw_name.as_bytes());
    k
}

fn envelope_key(id: u64, uid: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    let (a, b) = k.split_at_mut(8);
    a.copy_from_slice(&id.to_be_bytes());
    b.copy_from_slice(&uid.to_be_bytes());
    k
}

fn uid_of(key: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = key.get(8..12)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

fn account_prefix(account: &str) -> Vec<u8> {
    let mut k = account.as_bytes().to_vec();
    k.push(0);
    k
}

/// A derived index over a folder's envelopes: the thread id by normalised subject (see
/// [`crate::thread`]), in the tree `subjects`. Keys are the folder id then a hash of the subject
/// key (the key itself is in the value, so a collision is a miss, not a wrong thread); the
/// folder id alone holds the folder's [`Store::generation`] the index was built at.
impl Store {
    fn subjects(&self) -> Result<sled::Tree> {
        self.db.open_tree("subjects").map_err(|e| self.err(e))
    }

    /// The generation a folder's subject index was built at; `None` if it never was.
    pub fn subjects_generation(&self, id: u64) -> Result<Option<u64>> {
        let value = self.subjects()?.get(id.to_be_bytes()).map_err(|e| self.err(e))?;
        Ok(value
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes))
    }

    /// Replace a folder's subject index (subject key → thread id), built at `generation`.
    pub fn put_subjects(&self, id: u64, generation: u64, threads: &BTreeMap<String, String>) -> Result<()> {
        let tree = self.subjects()?;
        let mut batch = sled::Batch::default();
        for key in tree.scan_prefix(id.to_be_bytes()).keys() {
            batch.remove(key.map_err(|e| self.err(e))?);
        }
        for (subject, thread) in threads {
            let value = serde_json::to_vec(&(subject, thread)).map_err(|e| self.err(e))?;
            batch.insert(&subject_index_key(id, subject)[..], value);
        }
        batch.insert(&id.to_be_bytes()[..], &generation.to_be_bytes()[..]);
        tree.apply_batch(batch).map_err(|e| self.err(e))
    }

    /// The thread id the subject index of a folder holds for a subject key.
    pub fn thread_for_subject(&self, id: u64, subject: &str) -> Result<Option<String>> {
        let value = self
            .subjects()?
            .get(subject_index_key(id, subject))
            .map_err(|e| self.err(e))?;
        Ok(value
            .and_then(|v| serde_json::from_slice::<(String, String)>(&v).ok())
            .filter(|(key, _)| key == subject)
            .map(|(_, thread)| thread))
    }
}

/// Folder id, then the FNV-1a hash of the subject key: stable across runs and versions.
fn subject_index_key(id: u64, subject: &str) -> [u8; 16] {
    let hash = subject.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut k = [0u8; 16];
    let (a, b) = k.split_at_mut(8);
    a.copy_from_slice(&id.to_be_bytes());
    b.copy_from_slice(&hash.to_be_bytes());
    k
}

/// The text kept for search: what a reader shows as text (HTML rendered), up to this many bytes.
pub const MAX_TEXT: usize = 32 * 1024;

/// What search needs from the cache.
impl Store {
    /// Where the search index of a folder's copy lives (the file may not exist).
    pub fn index_path(&self, id: u64) -> PathBuf {
        self.search.join(format!("{id}.idx"))
    }

    fn text_log_path(&self, id: u64) -> PathBuf {
        self.search.join(format!("{id}.texts"))
    }

    fn text_log_valid(&self, id: u64) -> Result<u64> {
        let value = self.text_logs.get(id.to_be_bytes()).map_err(|e| self.err(e))?;
        Ok(value
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// The search texts of a folder's cached bodies.
    pub fn body_texts(&self, id: u64) -> Result<BodyTexts> {
        let path = self.text_log_path(id);
        let valid = self.text_log_valid(id)?;
        let offsets = text_log::offsets(&path, valid).map_err(|e| Error::storage(&path, e))?;
        let file = match std::fs::File::open(&path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::storage(&path, e)),
        };
        Ok(BodyTexts { path, file, offsets })
    }

    /// The plain text of a cached body (at most [`MAX_TEXT`] bytes); `None` when the body is
    /// not cached.
    pub fn body_text(&self, id: u64, uid: u32) -> Result<Option<String>> {
        if !self
            .body_records
            .contains_key(envelope_key(id, uid))
            .map_err(|e| self.err(e))?
        {
            return Ok(None);
        }
        self.body_texts(id)?.get(uid)
    }

    /// Keep several messages' raw bytes and their search text (a sync's prefetch): files
    /// first, then the texts (appended to the folder's log), then the records that make them
    /// count as cached.
    pub fn put_bodies(&self, id: u64, bodies: &[(u32, Vec<u8>)]) -> Result<()> {
        if bodies.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        let mut texts = Vec::with_capacity(bodies.len());
        for (uid, bytes) in bodies {
            self.write_body_file(id, *uid, bytes)?;
            texts.push((*uid, crate::message::search_text(bytes, MAX_TEXT)));
            batch.insert(&envelope_key(id, *uid)[..], &(bytes.len() as u64).to_be_bytes()[..]);
        }
        let records: Vec<(u32, &str)> = texts.iter().map(|(u, t)| (*u, t.as_str())).collect();
        let path = self.text_log_path(id);
        std::fs::create_dir_all(&self.search).map_err(|e| Error::storage(&self.search, e))?;
        let valid = match text_log::append(&path, self.text_log_valid(id)?, &records) {
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                // Lost by a power cut: the older texts go; their bodies stay readable.
                tracing::warn!("{}: {e}; starting it afresh", path.display());
                text_log::append(&path, 0, &records)
            }
            other => other,
        }
        .map_err(|e| Error::storage(&path, e))?;
        self.body_records.apply_batch(batch).map_err(|e| self.err(e))?;
        self.text_logs
            .insert(id.to_be_bytes(), &valid.to_be_bytes())
            .map_err(|e| self.err(e))?;
        self.bump_generation(id)
    }

    /// The UIDs whose bodies are cached.
    pub fn cached_bodies(&self, id: u64) -> Result<std::collections::BTreeSet<u32>> {
        let mut out = std::collections::BTreeSet::new();
        for key in self.body_records.scan_prefix(id.to_be_bytes()).keys() {
            if let Some(uid) = uid_of(&key.map_err(|e| self.err(e))?) {
                out.insert(uid);
            }
        }
        Ok(out)
    }

    /// Each envelope of a folder, in UID order, without holding them all.
    pub fn for_each_envelope(&self, id: u64, mut f: impl FnMut(Envelope) -> Result<()>) -> Result<()> {
        for item in self.envelopes.scan_prefix(id.to_be_bytes()) {
            let (_, value) = item.map_err(|e| self.err(e))?;
            if let Some(e) = decode(&value) {
                f(e)?;
            }
        }
        Ok(())
    }

    /// Forget a folder's texts and its search index (its copy is dropped).
    fn drop_search_data(&self, id: u64) -> Result<()> {
        let mut batch = sled::Batch::default();
        for key in self.body_records.scan_prefix(id.to_be_bytes()).keys() {
            batch.remove(key.map_err(|e| self.err(e))?);
        }
        self.body_records.apply_batch(batch).map_err(|e| self.err(e))?;
        self.text_logs.remove(id.to_be_bytes()).map_err(|e| self.err(e))?;
        for path in [self.index_path(id), self.text_log_path(id)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::storage(&path, e)),
            }
        }
        Ok(())
    }
}

/// The search texts of one folder's cached bodies, read from its log.
#[derive(Debug)]
pub struct BodyTexts {
    path: PathBuf,
    file: Option<std::fs::File>,
    offsets: std::collections::HashMap<u32, (u64, u32)>,
}

impl BodyTexts {
    /// The text of a cached body, if the log has one.
    pub fn get(&mut self, uid: u32) -> Result<Option<String>> {
        let (Some(file), Some(&(offset, len))) = (self.file.as_mut(), self.offsets.get(&uid)) else {
            return Ok(None);
        };
        text_log::read(file, offset, len)
            .map(Some)
            .map_err(|e| Error::storage(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(account: &str, name: &str) -> Folder {
        Folder {
            account: account.into(),
            name: name.into(),
            delimiter: Some("/".into()),
            role: None,
            shared: false,
            owner: None,
            rights: "lr".into(),
            unread: Some(1),
            total: Some(2),
            subscribed: true,
            selectable: true,
            raw_name: Some(name.into()),
        }
    }

    #[test]
    fn folders_are_replaced_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache")).unwrap();
        assert!(!store.rebuilt);
        store
            .put_folders("a@x", &[folder("a@x", "INBOX"), folder("a@x", "Old")])
            .unwrap();
        store.put_folders("b@x", &[folder("b@x", "INBOX")]).unwrap();
        store.put_folders("a@x", &[folder("a@x", "INBOX")]).unwrap();
        assert_eq!(store.folders(Some("a@x")).unwrap().len(), 1);
        assert_eq!(store.folders(None).unwrap().len(), 2);
    }

    fn envelope(uid: u32) -> Envelope {
        crate::envelope::from_headers(uid, b"Subject: s\r\n\r\n", vec![], 10, None)
    }

    #[test]
    fn envelopes_apply_in_order_and_reset_drops_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache")).unwrap();
        assert!(store.folder_state("a@x", "INBOX").unwrap().is_none());
        let mut state = store.reset_folder("a@x", "INBOX", 7).unwrap();
        state.uidnext = 301;
        let changes = Changes {
            upsert: (1..=300).map(envelope).collect(),
            ..Default::default()
        };
        assert_eq!(store.generation(state.id).unwrap(), 0);
        store.apply("a@x", "INBOX", &state, &changes).unwrap();
        let first = store.generation(state.id).unwrap();
        assert_ne!(first, 0);
        let page = store.envelopes(state.id, 0, 2).unwrap();
        assert_eq!(page.iter().map(|e| e.uid).collect::<Vec<_>>(), vec![300, 299]);
        let flags = Changes {
            flags: vec![(5, vec!["\\Seen".into()], Some(9))],
            remove: vec![300],
            ..Default::default()
        };
        store.apply("a@x", "INBOX", &state, &flags).unwrap();
        let second = store.generation(state.id).unwrap();
        assert_ne!(second, first, "a removal changes the generation");
        let only_flags = Changes {
            flags: vec![(6, vec!["\\Seen".into()], None)],
            ..Default::default()
        };
        store.apply("a@x", "INBOX", &state, &only_flags).unwrap();
        assert_eq!(store.generation(state.id).unwrap(), second, "flags leave it alone");
        let all = store.uid_flags(state.id).unwrap();
        assert_eq!(all.len(), 299);
        assert_eq!(all[&5], vec!["\\Seen".to_owned()]);
        assert_eq!(store.folder_state("a@x", "INBOX").unwrap(), Some(state));
        let fresh = store.reset_folder("a@x", "INBOX", 8).unwrap();
        assert_ne!(fresh.id, state.id);
        assert_eq!(store.count(state.id).unwrap(), 0);
        assert_eq!(store.count(fresh.id).unwrap(), 0);
    }

    #[test]
    fn a_cut_or_unrecorded_body_is_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache")).unwrap();
        let raw = b"Subject: s\r\n\r\nbonjour".to_vec();
        store.put_bodies(7, &[(3, raw.clone())]).unwrap();
        assert_eq!(store.body(7, 3).unwrap(), Some(raw.clone()));
        assert_eq!(store.cached_bodies(7).unwrap().into_iter().collect::<Vec<_>>(), vec![3]);
        // Cut by a power loss: fetched again rather than shown short.
        std::fs::write(store.body_path(7, 3), &raw[..5]).unwrap();
        assert_eq!(store.body(7, 3).unwrap(), None);
        // A file without its record (a crash between the two).
        store.write_body_file(7, 4, &raw).unwrap();
        assert_eq!(store.body(7, 4).unwrap(), None);
    }

    #[test]
    fn damaged_cache_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        {
            let store = Store::open(&path).unwrap();
            store.put_folders("a@x", &[folder("a@x", "INBOX")]).unwrap();
        }
        for entry in std::fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::write(&p, b"\xff\xfe not a sled file at all").unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert!(store.rebuilt);
        assert!(store.folders(None).unwrap().is_empty());
    }

    #[test]
    fn other_schema_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        {
            let db = sled::open(&path).unwrap();
            db.insert(SCHEMA_KEY, &0u32.to_be_bytes()).unwrap();
            db.flush().unwrap();
        }
        assert!(Store::open(&path).unwrap().rebuilt);
    }
}
