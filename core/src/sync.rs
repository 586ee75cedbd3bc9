//! Bringing the cache level with the server, folder by folder: [`plan`] decides (pure), this
//! module applies the plan with IMAP on one side and the store on the other.

pub mod plan;

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use crate::error::Result;
use crate::folder::Folder;
use crate::imap::{self, Connection};
use crate::store::{Changes, Store};
use plan::{Cached, FlagRefresh};

/// What a sync did (`calame sync --json`).
#[derive(Debug, Default, Clone, Serialize)]
pub struct SyncReport {
    pub folders: u32,
    pub messages_new: u64,
    pub messages_changed: u64,
    pub messages_gone: u64,
    pub events: u64,
    pub seconds: f64,
    pub bytes_in: u64,
    /// What changed, folder by folder (for notifications and `watch`).
    #[serde(skip)]
    pub deltas: Vec<FolderDelta>,
}

/// The changes a sync brought to one folder (raw name).
#[derive(Debug, Default, Clone)]
pub struct FolderDelta {
    pub folder: String,
    pub new: Vec<crate::envelope::Envelope>,
    pub flags: Vec<(u32, Vec<String>)>,
    pub gone: Vec<u32>,
}

/// Sync every selectable folder in `folders` over one connection.
pub async fn sync_folders(
    conn: &mut Connection,
    store: &Store,
    account: &str,
    folders: &[Folder],
) -> Result<SyncReport> {
    let started = Instant::now();
    let bytes_before = conn.bytes_in();
    let qresync = imap::enable_qresync(conn).await?;
    let condstore = qresync || conn.has("CONDSTORE");
    let mut report = SyncReport::default();
    for folder in folders.iter().filter(|f| f.selectable) {
        let raw = folder.raw_name.as_deref().unwrap_or(&folder.name);
        sync_folder(conn, store, account, raw, qresync, condstore, &mut report).await?;
        report.folders += 1;
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.bytes_in = conn.bytes_in().saturating_sub(bytes_before);
    Ok(report)
}

async fn sync_folder(
    conn: &mut Connection,
    store: &Store,
    account: &str,
    raw: &str,
    qresync: bool,
    condstore: bool,
    report: &mut SyncReport,
) -> Result<()> {
    let state = store.folder_state(account, raw)?;
    let known = state.and_then(|s| s.highestmodseq.map(|m| (s.uidvalidity, m)));
    let selection = imap::select(conn, raw, known, qresync).await?;
    let server = selection.selected;
    let cached = match state {
        Some(s) => Some(Cached {
            uidvalidity: s.uidvalidity,
            uidnext: s.uidnext,
            highestmodseq: s.highestmodseq,
            count: store.count(s.id)?,
        }),
        None => None,
    };
    let plan = plan::plan(cached.as_ref(), &server, qresync && known.is_some());
    let mut state = match state {
        Some(s) if !plan.discard => s,
        _ => store.reset_folder(account, raw, server.uidvalidity)?,
    };
    let mut changes = Changes::default();
    // QRESYNC already said what vanished and changed.
    changes.remove.extend(selection.vanished.iter().copied());
    for (uid, (flags, modseq)) in &selection.changed {
        // New messages come with the fetch below; known ones only when their flags differ.
        let Some(known) = store.envelope(state.id, *uid)? else {
            continue;
        };
        if !plan::same_flags(&known.flags, flags) {
            changes.flags.push((*uid, flags.clone(), *modseq));
        }
    }
    let cached_before = store.count(state.id)?;
    if let Some(from) = plan.fetch_from {
        let new = imap::fetch_envelopes(conn, &format!("{from}:*"), condstore).await?;
        // `n:*` always returns the last message, even below n.
        changes.upsert.extend(new.into_iter().filter(|e| e.uid >= from));
    }
    let last_known = state.uidnext.saturating_sub(1);
    if last_known > 0 && cached_before > 0 {
        let range = format!("1:{last_known}");
        let refresh = match plan.flags {
            FlagRefresh::None => None,
            FlagRefresh::ChangedSince(m) => Some(imap::fetch_flags(conn, &range, Some(m)).await?),
            FlagRefresh::All => Some(imap::fetch_flags(conn, &range, None).await?),
        };
        if let Some(server_flags) = refresh {
            let cached_flags = store.uid_flags(state.id)?;
            for (uid, (flags, modseq)) in server_flags {
                if cached_flags.get(&uid).is_some_and(|c| !plan::same_flags(c, &flags)) {
                    changes.flags.push((uid, flags, modseq));
                }
            }
        }
        let after_new = cached_before + u32::try_from(changes.upsert.len()).unwrap_or(u32::MAX);
        if plan.find_expunged && plan::expunges_possible(after_new, server.exists) {
            let on_server = imap::uid_search_all(conn).await?;
            let cached: BTreeSet<u32> = store.uid_flags(state.id)?.into_keys().collect();
            changes.remove.extend(plan::gone(&cached, &on_server));
        }
    }
    // Only changes to a folder we already knew are news (not a first sync of 100,000 messages).
    if cached.is_some() && !plan.discard {
        report.deltas.push(FolderDelta {
            folder: raw.to_owned(),
            new: changes.upsert.clone(),
            flags: changes.flags.iter().map(|(u, f, _)| (*u, f.clone())).collect(),
            gone: changes.remove.clone(),
        });
    }
    report.messages_new += changes.upsert.len() as u64;
    report.messages_changed += changes.flags.len() as u64;
    report.messages_gone += changes.remove.len() as u64;
    state.uidvalidity = server.uidvalidity;
    let newest = changes
        .upsert
        .iter()
        .map(|e| e.uid.saturating_add(1))
        .max()
        .unwrap_or(0);
    state.uidnext = server.uidnext.max(newest).max(state.uidnext);
    state.highestmodseq = server.highestmodseq;
    store.apply(account, raw, &state, &changes)
}
