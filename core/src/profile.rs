//! The profile directory: the accounts file, the lock that keeps two processes from writing at
//! once, and the place of the cache.
//!
//! ```text
//! PROFILE/
//!   accounts.json   the configured accounts (no secrets), written atomically
//!   remote-content.json  senders and messages whose remote content the user allowed
//!                   (see [`crate::remote_allow`]), written atomically
//!   queue/          queued actions (see [`crate::actions`])
//!   lock, holder    an exclusive lock, and who holds it (for the "in use by" message)
//!   cache/          the sled offline cache: disposable, rebuilt from the servers
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::account::Account;
use crate::error::{Error, Result};

/// An open, locked profile.
#[derive(Debug)]
pub struct Profile {
    dir: PathBuf,
    _lock: File,
}

impl Profile {
    /// Open (creating it if needed) and lock the profile; `holder` names this program in the
    /// message another process gets while this one has it open.
    pub fn open(dir: &Path, holder: &str) -> Result<Profile> {
        create_private_dir(dir)?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::storage(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(dir.join("holder"))
                    .ok()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "another Calame process".to_owned());
                return Err(Error::ProfileInUse {
                    path: dir.display().to_string(),
                    holder,
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::storage(&lock_path, e)),
        }
        let me = format!("{holder} (pid {})", std::process::id());
        write_atomic(&dir.join("holder"), me.as_bytes())?;
        Ok(Profile {
            dir: dir.to_owned(),
            _lock: lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache")
    }

    fn accounts_path(&self) -> PathBuf {
        self.dir.join("accounts.json")
    }

    /// The configured accounts; none for a new profile. A damaged file is an error, never
    /// silently replaced: it is the user's configuration.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let path = self.accounts_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::storage(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::storage(&path, e)),
        }
    }

    pub fn save_accounts(&self, accounts: &[Account]) -> Result<()> {
        let path = self.accounts_path();
        let json = serde_json::to_vec_pretty(accounts).map_err(|e| Error::storage(&path, e))?;
        write_atomic(&path, &json)
    }
}

/// The default profile: `CALAME_PROFILE`, else the platform's data directory.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CALAME_PROFILE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("Calame"));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("calame"))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::storage(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::storage(dir, e))?;
    }
    Ok(())
}

/// Write a file so that a crash leaves either the old or the new content: temporary file,
/// fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).map_err(|e| Error::storage(&tmp, e))?;
    file.write_all(bytes).map_err(|e| Error::storage(&tmp, e))?;
    file.sync_all().map_err(|e| Error::storage(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::storage(path, e))?;
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::storage(parent, e))?;
    }
    Ok(())
}

/// Write a JSON record whole ([`write_atomic`]).
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| Error::storage(path, e))?;
    write_atomic(path, &json)
}

/// Read a JSON record: `None` when there is none; an error (never `None`) when it does not read.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::storage(path, format!("unreadable {what}: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::storage(path, e)),
    }
}

/// Records that do not read: (path, reason).
pub type Damaged = Vec<(PathBuf, String)>;

/// Every `*.json` record of a folder, and apart those that do not read.
pub fn read_json_dir<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<(Vec<T>, Damaged)> {
    let mut records = Vec::new();
    let mut damaged = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::storage(dir, e))? {
        let path = entry.map_err(|e| Error::storage(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        match fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<T>(&b).map_err(|e| e.to_string()))
        {
            Ok(record) => records.push(record),
            Err(reason) => damaged.push((path, reason)),
        }
    }
    Ok((records, damaged))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountSetup;

    #[test]
    fn second_open_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = Profile::open(dir.path(), "calame-app").unwrap();
        let err = Profile::open(dir.path(), "calame").unwrap_err();
        assert!(
            matches!(&err, Error::ProfileInUse { holder, .. } if holder.starts_with("calame-app (pid ")),
            "{err:?}"
        );
        drop(first);
        assert!(Profile::open(dir.path(), "calame").is_ok());
    }

    #[test]
    fn accounts_round_trip_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::open(dir.path(), "test").unwrap();
        assert!(p.accounts().unwrap().is_empty());
        let a = AccountSetup {
            email: "a@example.test".into(),
            imap: Some("127.0.0.1:993".into()),
            ..Default::default()
        }
        .into_account()
        .unwrap();
        p.save_accounts(std::slice::from_ref(&a)).unwrap();
        assert_eq!(p.accounts().unwrap(), vec![a]);
        fs::write(dir.path().join("accounts.json"), b"{garbage").unwrap();
        assert_eq!(p.accounts().unwrap_err().kind(), crate::ErrorKind::Storage);
    }
}
