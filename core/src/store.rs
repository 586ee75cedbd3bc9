//! The offline cache in sled. Disposable by design: a damaged or older cache is wiped and
//! rebuilt from the servers. What must never be lost (the outbox, queued actions) lives
//! elsewhere. Knows nothing of IMAP.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::folder::Folder;

/// Bump when the layout of what is stored changes: an older cache is then rebuilt.
const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema_version";
const CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct Store {
    db: sled::Db,
    folders: sled::Tree,
    path: PathBuf,
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
                if path.exists() {
                    std::fs::remove_dir_all(path).map_err(|e| Error::storage(path, e))?;
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
        Ok(Store {
            db,
            folders,
            path: path.to_owned(),
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
}

fn account_prefix(account: &str) -> Vec<u8> {
    let mut k = account.as_bytes().to_vec();
    k.push(0);
    k
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
