//! Events the core reports while it watches the servers: what `calame watch` prints, one JSON
//! object per line, and what the app turns into notifications.

use serde::Serialize;
use ts_rs::TS;

use crate::envelope::Address;
use crate::folder::Folder;
use crate::sync::FolderDelta;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum Event {
    /// Watching has started: everything before is in the cache.
    Ready,
    NewMail {
        account: String,
        folder: String,
        uid: u32,
        from: Option<Address>,
        subject: Option<String>,
    },
    FlagsChanged {
        account: String,
        folder: String,
        uid: u32,
        flags: Vec<String>,
    },
    Expunged {
        account: String,
        folder: String,
        uid: u32,
    },
    /// The connection was lost; watching goes on after a pause.
    Offline {
        account: String,
        retry_in_seconds: u64,
    },
}

/// The events of one folder's changes; `folders` gives the decoded names.
pub fn from_delta(account: &str, delta: &FolderDelta, folders: &[Folder]) -> Vec<Event> {
    let folder = folders
        .iter()
        .find(|f| f.raw_name.as_deref() == Some(delta.folder.as_str()))
        .map_or_else(|| crate::imap::utf7::decode(&delta.folder), |f| f.name.clone());
    let account = account.to_owned();
    let new = delta.new.iter().map(|e| Event::NewMail {
        account: account.clone(),
        folder: folder.clone(),
        uid: e.uid,
        from: e.from.clone(),
        subject: e.subject.clone(),
    });
    let flags = delta.flags.iter().map(|(uid, flags)| Event::FlagsChanged {
        account: account.clone(),
        folder: folder.clone(),
        uid: *uid,
        flags: flags.clone(),
    });
    let gone = delta.gone.iter().map(|uid| Event::Expunged {
        account: account.clone(),
        folder: folder.clone(),
        uid: *uid,
    });
    new.chain(flags).chain(gone).collect()
}
