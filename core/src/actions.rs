//! Actions on messages (flag, move, copy, delete): applied to the cache at once, written to a
//! durable queue, and replayed to the server in order — now if online, else at the next sync.
//!
//! The queue is not in the disposable sled cache: one JSON file per action in
//! `PROFILE/queue/`, written atomically, named by a sequence number so order survives
//! restarts. An action leaves the queue when the server has accepted it, or when the server
//! refused it for good (the message is gone, the right is missing): then it is recorded in
//! `queue/failed/` with the reason, and the folder's cache is rebuilt from the server at the
//! next sync. Network errors leave it queued. Nothing is retried forever, nothing is lost.

use std::fs;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::profile::write_atomic;

/// One action, on messages of one folder, by UID. Folders are named as the server spells
/// them (raw names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    Flag {
        folder: String,
        uids: Vec<u32>,
        add: Vec<String>,
        remove: Vec<String>,
    },
    Move {
        folder: String,
        uids: Vec<u32>,
        dest: String,
    },
    Copy {
        folder: String,
        uids: Vec<u32>,
        dest: String,
    },
    /// To the Trash folder, or for good when already in it (or there is none).
    Delete { folder: String, uids: Vec<u32> },
}

impl Action {
    pub fn folder(&self) -> &str {
        match self {
            Action::Flag { folder, .. }
            | Action::Move { folder, .. }
            | Action::Copy { folder, .. }
            | Action::Delete { folder, .. } => folder,
        }
    }
}

/// A queued action of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued<A = Action> {
    pub seq: u64,
    pub account: String,
    pub action: A,
}

/// An action the server refused for good, kept for the user to see.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failed<A = Action> {
    pub queued: Queued<A>,
    pub reason: String,
}

/// A durable queue in a profile directory: of actions on messages (`queue/`), or of other
/// changes to replay in order (calendar writes, `calendar-queue/`).
#[derive(Debug)]
pub struct Queue<A = Action> {
    dir: PathBuf,
    kind: PhantomData<A>,
}

impl Queue<Action> {
    pub fn open(profile_dir: &Path) -> Result<Queue<Action>> {
        Queue::open_named(profile_dir, "queue")
    }
}

impl<A: Serialize + DeserializeOwned + Clone> Queue<A> {
    /// The queue in `PROFILE/name/`.
    pub fn open_named(profile_dir: &Path, name: &str) -> Result<Queue<A>> {
        let dir = profile_dir.join(name);
        fs::create_dir_all(dir.join("failed")).map_err(|e| Error::storage(&dir, e))?;
        Ok(Queue { dir, kind: PhantomData })
    }

    /// Append an action; it is on disk when this returns.
    pub fn push(&self, account: &str, action: A) -> Result<Queued<A>> {
        let seq = self.last_seq()? + 1;
        let queued = Queued {
            seq,
            account: account.to_owned(),
            action,
        };
        let bytes = serde_json::to_vec(&queued).map_err(|e| Error::storage(&self.dir, e))?;
        write_atomic(&self.path(seq), &bytes)?;
        Ok(queued)
    }

    /// The highest sequence number ever used, from the names of queued and failed actions.
    fn last_seq(&self) -> Result<u64> {
        let mut last = 0;
        for dir in [self.dir.clone(), self.dir.join("failed")] {
            for entry in fs::read_dir(&dir).map_err(|e| Error::storage(&dir, e))?.flatten() {
                let name = entry.file_name();
                let seq = name
                    .to_str()
                    .and_then(|n| n.strip_suffix(".json"))
                    .and_then(|n| n.parse::<u64>().ok());
                last = last.max(seq.unwrap_or(0));
            }
        }
        Ok(last)
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.json"))
    }

    /// Every queued action, oldest first. A file that does not read is moved to `failed/`
    /// rather than blocking the queue.
    pub fn pending(&self) -> Result<Vec<Queued<A>>> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.dir)
            .map_err(|e| Error::storage(&self.dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for path in names {
            match fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Queued<A>>(&b).ok())
            {
                Some(q) => out.push(q),
                None => {
                    let name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                    let _ = fs::rename(&path, self.dir.join("failed").join(name));
                }
            }
        }
        Ok(out)
    }

    /// The server accepted it.
    pub fn done(&self, seq: u64) -> Result<()> {
        let path = self.path(seq);
        fs::remove_file(&path).map_err(|e| Error::storage(&path, e))
    }

    /// The server refused it for good.
    pub fn fail(&self, queued: &Queued<A>, reason: &str) -> Result<()> {
        let failed = Failed {
            queued: queued.clone(),
            reason: reason.to_owned(),
        };
        let bytes = serde_json::to_vec(&failed).map_err(|e| Error::storage(&self.dir, e))?;
        write_atomic(
            &self.dir.join("failed").join(format!("{:020}.json", queued.seq)),
            &bytes,
        )?;
        self.done(queued.seq)
    }

    /// Actions refused by the server, oldest first.
    pub fn failed(&self) -> Result<Vec<Failed<A>>> {
        let dir = self.dir.join("failed");
        let mut names: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| Error::storage(&dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        Ok(names
            .iter()
            .filter_map(|p| fs::read(p).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(uid: u32) -> Action {
        Action::Flag {
            folder: "INBOX".into(),
            uids: vec![uid],
            add: vec!["\\Seen".into()],
            remove: vec![],
        }
    }

    #[test]
    fn order_survives_reopening_and_failures_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let q = Queue::open(dir.path()).unwrap();
        for uid in 1..=12 {
            q.push("a@x", flag(uid)).unwrap();
        }
        let q = Queue::open(dir.path()).unwrap();
        let pending = q.pending().unwrap();
        assert_eq!(
            pending.iter().map(|p| p.seq).collect::<Vec<_>>(),
            (1..=12).collect::<Vec<_>>()
        );
        q.done(1).unwrap();
        q.fail(&pending[1], "no right").unwrap();
        assert_eq!(q.pending().unwrap().first().map(|p| p.seq), Some(3));
        assert_eq!(q.failed().unwrap()[0].reason, "no right");
        assert_eq!(q.push("a@x", flag(99)).unwrap().seq, 13);
    }

    #[test]
    fn a_damaged_file_does_not_block_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let q = Queue::open(dir.path()).unwrap();
        q.push("a@x", flag(1)).unwrap();
        fs::write(dir.path().join("queue/00000000000000000002.json"), b"{torn").unwrap();
        q.push("a@x", flag(3)).unwrap();
        assert_eq!(
            q.pending().unwrap().iter().map(|p| p.seq).collect::<Vec<_>>(),
            vec![1, 3]
        );
    }
}
