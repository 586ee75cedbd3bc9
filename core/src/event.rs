//! Events the core reports while it watches the servers: what `calame watch` prints, one JSON
//! object per line, and what the app turns into notifications.

use serde::Serialize;
use ts_rs::TS;

use crate::envelope::Address;
use crate::folder::Folder;
use crate::sync::FolderDelta;

/// What a click on a notification opens in the app: a message, or an event's occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum OpenItem {
    Message {
        account: String,
        folder: String,
        uid: u32,
    },
    Event {
        account: String,
        uid: String,
        start: String,
    },
}

impl OpenItem {
    /// What the notification of `event` opens, if it has one.
    pub fn of(event: &Event) -> Option<OpenItem> {
        match event {
            Event::NewMail {
                account, folder, uid, ..
            } => Some(OpenItem::Message {
                account: account.clone(),
                folder: folder.clone(),
                uid: *uid,
            }),
            Event::Reminder {
                account, uid, start, ..
            } => Some(OpenItem::Event {
                account: account.clone(),
                uid: uid.clone(),
                start: start.clone(),
            }),
            _ => None,
        }
    }
}

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
    /// A message of the outbox left (`filed_in`: where its copy went), or needs the user
    /// (`problem`: refused for good, unconfirmed, or its copy not filed where asked).
    Outbox {
        account: String,
        message_id: String,
        sent: bool,
        filed_in: Option<String>,
        problem: Option<String>,
    },
    /// An event's alarm is due (VALARM): `start` is the occurrence's start.
    Reminder {
        account: String,
        uid: String,
        summary: Option<String>,
        start: String,
    },
    /// The connection was lost; watching goes on after a pause.
    Offline {
        account: String,
        retry_in_seconds: u64,
    },
}

/// The events of an outbox flush.
pub fn from_flush(account: &str, report: &crate::calame::FlushReport) -> Vec<Event> {
    let mut ids: Vec<&String> = report.sent.iter().collect();
    ids.extend(report.filed.iter().map(|(id, _)| id));
    ids.extend(report.warnings.iter().map(|(id, _)| id));
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(*id));
    ids.into_iter()
        .map(|id| Event::Outbox {
            account: account.to_owned(),
            message_id: id.clone(),
            sent: report.sent.contains(id) || report.filed.iter().any(|(f, _)| f == id),
            filed_in: report
                .filed
                .iter()
                .find(|(f, _)| f == id)
                .map(|(_, folder)| folder.clone()),
            problem: report
                .warnings
                .iter()
                .find(|(w, _)| w == id)
                .map(|(_, why)| why.clone()),
        })
        .collect()
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
