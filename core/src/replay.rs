//! Replaying queued actions to the server, oldest first. A refusal is final for that action
//! (recorded, and the folders it touched are re-read from the server); a network error stops
//! the replay with the rest still queued.

use crate::actions::{Action, Queue, Queued};
use crate::error::{Error, ErrorKind, Result};
use crate::folder::{Folder, Role};
use crate::imap::{self, Connection};
use crate::store::Store;

/// What a replay did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    pub done: u32,
    pub failed: u32,
}

pub async fn replay(
    conn: &mut Connection,
    store: &Store,
    queue: &Queue,
    account: &str,
    folders: &[Folder],
) -> Result<Replayed> {
    let mut out = Replayed::default();
    let mut selected: Option<String> = None;
    for queued in queue.pending()?.into_iter().filter(|q| q.account == account) {
        match apply(conn, &queued.action, folders, &mut selected).await {
            Ok(()) => {
                queue.done(queued.seq)?;
                out.done += 1;
            }
            Err(e) if is_final(&e) => {
                selected = None;
                tracing::warn!("action {} refused: {e}", queued.seq);
                refused(store, queue, &queued, &e)?;
                out.failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A refusal that retrying cannot fix.
fn is_final(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Refused | ErrorKind::BadInput | ErrorKind::NotFound | ErrorKind::Protocol
    )
}

fn refused(store: &Store, queue: &Queue, queued: &Queued, e: &Error) -> Result<()> {
    queue.fail(queued, &e.to_string())?;
    // The cache showed the action as done: let the server's truth come back.
    store.invalidate(&queued.account, queued.action.folder())?;
    if let Action::Move { dest, .. } | Action::Copy { dest, .. } = &queued.action {
        store.invalidate(&queued.account, dest)?;
    }
    Ok(())
}

/// Apply one action; `selected` is the folder already selected (consecutive actions on one
/// folder need one SELECT).
async fn apply(
    conn: &mut Connection,
    action: &Action,
    folders: &[Folder],
    selected: &mut Option<String>,
) -> Result<()> {
    let uids = match action {
        Action::Flag { uids, .. }
        | Action::Move { uids, .. }
        | Action::Copy { uids, .. }
        | Action::Delete { uids, .. } => uids,
    };
    let Some(set) = imap::uid_set(uids) else { return Ok(()) };
    if selected.as_deref() != Some(action.folder()) {
        *selected = None;
        imap::select_plain(conn, action.folder()).await?;
        *selected = Some(action.folder().to_owned());
    }
    match action {
        Action::Flag { add, remove, .. } => {
            imap::store_flags(conn, &set, true, add).await?;
            imap::store_flags(conn, &set, false, remove).await
        }
        Action::Move { dest, .. } => imap::move_uids(conn, &set, dest).await,
        Action::Copy { dest, .. } => imap::copy_uids(conn, &set, dest).await,
        Action::Delete { folder, .. } => match trash_for(folders, folder) {
            Some(trash) if trash != *folder => imap::move_uids(conn, &set, &trash).await,
            _ => imap::expunge_uids(conn, &set).await,
        },
    }
}

/// The Trash of the mailbox a folder belongs to: one's own, or the shared mailbox's own.
pub fn trash_for(folders: &[Folder], raw_folder: &str) -> Option<String> {
    let owner = folders
        .iter()
        .find(|f| f.raw_name.as_deref() == Some(raw_folder))
        .and_then(|f| f.owner.clone());
    folders
        .iter()
        .find(|f| f.role == Some(Role::Trash) && f.owner == owner && f.selectable)
        .and_then(|f| f.raw_name.clone())
}
