//! Folders as the user sees them: decoded names, roles, owners and rights.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The special use of a folder (RFC 6154), or the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Role {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
}

/// One folder of an account: own, another user's or a shared one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Folder {
    pub account: String,
    /// The full path decoded to UTF-8, with the server's delimiter.
    pub name: String,
    pub delimiter: Option<String>,
    pub role: Option<Role>,
    /// In another user's or the shared namespace (RFC 2342).
    pub shared: bool,
    /// The owning user or service for shared folders; `None` for one's own.
    pub owner: Option<String>,
    /// The user's RFC 4314 rights on this folder (MYRIGHTS).
    pub rights: String,
    pub unread: Option<u32>,
    pub total: Option<u32>,
    pub subscribed: bool,
    /// False for a folder that only holds others (`\Noselect`).
    pub selectable: bool,
    /// The name as the server spells it (modified UTF-7), for commands.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[ts(skip)]
    pub raw_name: Option<String>,
}
