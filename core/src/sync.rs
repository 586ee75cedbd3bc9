//! Bringing the cache level with the server, folder by folder: [`plan`] decides (pure), this
//! module applies the plan with IMAP on one side and the store on the other.

pub mod plan;

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::folder::Folder;
use crate::imap::{self, Connection, RawEnvelope};
use crate::store::{Changes, FolderState, Store};
pub use plan::Bodies;
use plan::{Cached, FlagRefresh};

/// What a sync did (`calame sync --json`).
#[derive(Debug, Default, Clone, Serialize, TS)]
#[ts(export)]
pub struct SyncReport {
    pub folders: u32,
    pub messages_new: u64,
    pub messages_changed: u64,
    pub messages_gone: u64,
    pub events: u64,
    /// HTTP requests the calendars' sync took (one per calendar when nothing changed).
    pub calendar_requests: u32,
    pub seconds: f64,
    pub bytes_in: u64,
    /// Message bodies fetched for offline reading (by the [`Bodies`] policy).
    pub bodies_fetched: u64,
    /// What changed, folder by folder (for notifications and `watch`).
    #[serde(skip)]
    pub deltas: Vec<FolderDelta>,
    /// Folders the server would not open (gone, or no right to read), with its answer.
    #[serde(skip)]
    pub refused: Vec<(String, String)>,
    /// Calendar objects that could not be read (skipped), with why.
    #[serde(skip)]
    pub calendar_problems: Vec<String>,
}

impl SyncReport {
    /// Add another sync's figures to these.
    pub fn add(&mut self, other: SyncReport) {
        self.folders += other.folders;
        self.messages_new += other.messages_new;
        self.messages_changed += other.messages_changed;
        self.messages_gone += other.messages_gone;
        self.events += other.events;
        self.calendar_requests += other.calendar_requests;
        self.seconds += other.seconds;
        self.bytes_in += other.bytes_in;
        self.bodies_fetched += other.bodies_fetched;
        self.deltas.extend(other.deltas);
        self.refused.extend(other.refused);
        self.calendar_problems.extend(other.calendar_problems);
    }
}

/// The changes a sync brought to one folder (raw name).
#[derive(Debug, Default, Clone)]
pub struct FolderDelta {
    pub folder: String,
    pub new: Vec<crate::envelope::Envelope>,
    pub flags: Vec<(u32, Vec<String>)>,
    pub gone: Vec<u32>,
}

/// How far a sync has got, for a progress bar: new messages fetched of one folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Progress {
    pub account: String,
    /// The folder's name as `folders` shows it.
    pub folder: String,
    pub stage: Stage,
    pub done: u64,
    /// What the server announced (an upper bound on a resync).
    pub total: u64,
}

/// What a sync is fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Stage {
    Envelopes,
    Bodies,
}

/// Sync every selectable folder in `folders` over one connection. A folder the server will not
/// open is listed in the report's `refused` and the others go on.
pub async fn sync_folders(
    conn: &mut Connection,
    store: &Store,
    account: &str,
    folders: &[Folder],
    bodies: Bodies,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<SyncReport> {
    let started = Instant::now();
    let bytes_before = conn.bytes_in();
    let qresync = imap::enable_qresync(conn).await?;
    let condstore = qresync || conn.has("CONDSTORE");
    let mut report = SyncReport::default();
    for folder in folders.iter().filter(|f| f.selectable) {
        let target = Target {
            store,
            account,
            raw: folder.raw_name.as_deref().unwrap_or(&folder.name),
            name: &folder.name,
        };
        match sync_folder(conn, &target, qresync, condstore, bodies, &mut report, progress).await {
            Ok(()) => report.folders += 1,
            Err(Error::Refused(why)) => {
                tracing::warn!("{account}: skipping {}: {why}", folder.name);
                report.refused.push((folder.name.clone(), why));
            }
            Err(e) => return Err(e),
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.bytes_in = conn.bytes_in().saturating_sub(bytes_before);
    Ok(report)
}

/// The folder a sync works on, and where its copy goes.
struct Target<'a> {
    store: &'a Store,
    account: &'a str,
    /// As the server names it (modified UTF-7).
    raw: &'a str,
    /// Decoded, for progress reports.
    name: &'a str,
}

async fn sync_folder(
    conn: &mut Connection,
    target: &Target<'_>,
    qresync: bool,
    condstore: bool,
    bodies: Bodies,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<()> {
    let store = target.store;
    let state = store.folder_state(target.account, target.raw)?;
    let known = state.and_then(|s| s.highestmodseq.map(|m| (s.uidvalidity, m)));
    let selection = imap::select(conn, target.raw, known, qresync).await?;
    let server = selection.selected;
    let qresync_select = qresync && known.is_some();
    let cached = match state {
        Some(s) => Some(Cached {
            uidvalidity: s.uidvalidity,
            uidnext: s.uidnext,
            highestmodseq: s.highestmodseq,
            // Counting a large folder costs a scan; the QRESYNC plan does not need it.
            count: if qresync_select && s.uidvalidity == server.uidvalidity {
                0
            } else {
                store.count(s.id)?
            },
        }),
        None => None,
    };
    let plan = plan::plan(cached.as_ref(), &server, qresync_select);
    let before = state.filter(|_| !plan.discard);
    let mut state = match before {
        Some(s) => s,
        None => store.reset_folder(target.account, target.raw, server.uidvalidity)?,
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
    // Only changes to a folder we already knew are news (not a first sync of 100,000 messages).
    let is_news = before.is_some();
    let mut fetched = Fetched::default();
    if let Some(from) = plan.fetch_from {
        fetched = fetch_new(conn, target, &state, &server, from, condstore, !is_news, progress).await?;
    }
    if plan.flags != FlagRefresh::None || plan.find_expunged {
        let last_known = state.uidnext.saturating_sub(1);
        if last_known > 0 {
            let range = format!("1:{last_known}");
            let refresh = match plan.flags {
                FlagRefresh::None => None,
                FlagRefresh::ChangedSince(m) => Some(imap::fetch_flags(conn, &range, Some(m)).await?),
                FlagRefresh::All => Some(imap::fetch_flags(conn, &range, None).await?),
            };
            let cached_flags = store.uid_flags(state.id)?;
            if let Some(server_flags) = refresh {
                for (uid, (flags, modseq)) in server_flags {
                    if cached_flags.get(&uid).is_some_and(|c| !plan::same_flags(c, &flags)) {
                        changes.flags.push((uid, flags, modseq));
                    }
                }
            }
            let count = u32::try_from(cached_flags.len()).unwrap_or(u32::MAX);
            if plan.find_expunged && plan::expunges_possible(count, server.exists) {
                let on_server = imap::uid_search_all(conn).await?;
                let cached: BTreeSet<u32> = cached_flags.into_keys().collect();
                changes.remove.extend(plan::gone(&cached, &on_server));
            }
        }
    }
    if is_news {
        report.deltas.push(FolderDelta {
            folder: target.raw.to_owned(),
            new: fetched.kept,
            flags: changes.flags.iter().map(|(u, f, _)| (*u, f.clone())).collect(),
            gone: changes.remove.clone(),
        });
    }
    report.messages_new += fetched.count;
    report.messages_changed += changes.flags.len() as u64;
    report.messages_gone += changes.remove.len() as u64;
    state.uidvalidity = server.uidvalidity;
    state.uidnext = server.uidnext.max(fetched.next_uid).max(state.uidnext);
    state.highestmodseq = server.highestmodseq;
    let unchanged = changes.upsert.is_empty() && changes.flags.is_empty() && changes.remove.is_empty();
    if !(unchanged && before == Some(state)) {
        store.apply(target.account, target.raw, &state, &changes)?;
    }
    // Bodies: among what this sync brought, or all that the cache lacks for a mirror.
    let candidates = match (bodies, plan.fetch_from) {
        (Bodies::None, _) | (Bodies::Recent, None) => return Ok(()),
        (Bodies::Recent, Some(from)) => store.envelopes_from(state.id, from)?,
        (Bodies::All, _) => store.envelopes_from(state.id, 1)?,
    };
    let cached = store.cached_bodies(state.id)?;
    let list: Vec<(u32, Option<&str>, u32)> = candidates.iter().map(|e| (e.uid, e.date.as_deref(), e.size)).collect();
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let wanted = plan::bodies_to_fetch(bodies, &list, &cached, now);
    if !wanted.is_empty() {
        let sizes: std::collections::HashMap<u32, u32> = candidates.iter().map(|e| (e.uid, e.size)).collect();
        let sized: Vec<(u32, u32)> = wanted
            .iter()
            .map(|u| (*u, sizes.get(u).copied().unwrap_or(0)))
            .collect();
        report.bodies_fetched += fetch_bodies(conn, target, state.id, &sized, progress).await?;
    }
    Ok(())
}

/// Bodies per command, and about this many bytes (a command's answer is read as it comes).
const BODY_CHUNK_COUNT: usize = 500;
const BODY_CHUNK_BYTES: u64 = 64 << 20;
/// Bodies written per batch by the writer thread, and about this many bytes.
const BODY_BATCH_COUNT: usize = 64;
const BODY_BATCH_BYTES: usize = 4 << 20;
/// Body batches in flight: memory stays within a few batches whatever the folder.
const BODY_IN_FLIGHT: usize = 2;

/// Fetch message bodies (`BODY.PEEK[]`, so nothing becomes \Seen) and store them as they come,
/// through a writer thread (files, search texts); returns how many were stored.
async fn fetch_bodies(
    conn: &mut Connection,
    target: &Target<'_>,
    id: u64,
    wanted: &[(u32, u32)],
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<u64> {
    let commands: Vec<(String, String)> = plan::body_chunks(wanted, BODY_CHUNK_COUNT, BODY_CHUNK_BYTES)
        .iter()
        .filter_map(|chunk| imap::uid_set(chunk))
        .map(|set| (set, "(UID BODY.PEEK[])".to_owned()))
        .collect();
    let writer = {
        let store = target.store.clone();
        Writer::spawn(BODY_IN_FLIGHT, move |batches: &Receiver<Vec<(u32, Vec<u8>)>>| {
            for batch in batches {
                store.put_bodies(id, &batch)?;
            }
            Ok(())
        })
    };
    let mut report = Progress {
        account: target.account.to_owned(),
        folder: target.name.to_owned(),
        stage: Stage::Bodies,
        done: 0,
        total: wanted.len() as u64,
    };
    let wanted_uids: BTreeSet<u32> = wanted.iter().map(|(u, _)| *u).collect();
    let mut batch = Vec::new();
    let mut batch_bytes = 0usize;
    let fetched = imap::uid_fetch_each(conn, &commands, |f| {
        let imap::Fetched::Item(item) = f else {
            return Ok(());
        };
        let (Some(uid), Some(body)) = (item.uid, item.body) else {
            return Ok(());
        };
        if !wanted_uids.contains(&uid) {
            return Ok(());
        }
        batch_bytes += body.len();
        batch.push((uid, body.into_owned()));
        report.done += 1;
        if batch.len() >= BODY_BATCH_COUNT || batch_bytes >= BODY_BATCH_BYTES {
            writer.send(std::mem::take(&mut batch))?;
            batch_bytes = 0;
            progress(&report);
        }
        Ok(())
    })
    .await;
    // What was read before a failure is kept.
    let last = if batch.is_empty() { Ok(()) } else { writer.send(batch) };
    writer.finish(fetched.and(last)).await?;
    progress(&report);
    Ok(report.done)
}

/// What fetching the new messages brought.
#[derive(Debug, Default)]
struct Fetched {
    /// New messages (a message fetched twice counts once).
    count: u64,
    /// One past the highest UID fetched (0 when none).
    next_uid: u32,
    /// The new envelopes themselves, when they are news.
    kept: Vec<crate::envelope::Envelope>,
}

/// Work for the thread that parses and stores envelopes while the socket is read.
enum Job {
    Envelopes(Vec<RawEnvelope>),
    /// Everything below this state's UIDNEXT is stored: record it.
    Commit(FolderState),
}

/// Envelopes parsed and written per batch.
const BATCH: usize = 512;
/// Batches in flight between the reader and the writer: the reader waits beyond that.
const IN_FLIGHT: usize = 8;

/// Fetch the envelopes of the messages from UID `from` on, newest first then in ascending
/// chunks (see [`plan::fetch_ranges`]), streamed into the store by a writer thread: parsing and
/// writing overlap with reading the socket, and memory stays flat whatever the folder's size.
/// Once a chunk is stored the folder's state advances past it, so an interrupted first sync of
/// a large folder resumes where it stopped.
#[allow(clippy::too_many_arguments)]
async fn fetch_new(
    conn: &mut Connection,
    target: &Target<'_>,
    state: &FolderState,
    server: &plan::Selected,
    from: u32,
    condstore: bool,
    first_sync: bool,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Fetched> {
    let ranges = plan::fetch_ranges(from, server.uidnext);
    let query = imap::envelope_query(condstore);
    let commands: Vec<(String, String)> = ranges.iter().map(|r| (r.set.clone(), query.clone())).collect();
    let writer = {
        let store = target.store.clone();
        let (account, raw, id) = (target.account.to_owned(), target.raw.to_owned(), state.id);
        // On a first sync the new envelopes are not news: they are not kept for the report.
        let keep = !first_sync;
        Writer::spawn(IN_FLIGHT, move |jobs: &Receiver<Job>| {
            write_envelopes(&store, &account, &raw, id, keep, jobs)
        })
    };
    // A chunk's state: what was known, with UIDNEXT past the chunk. A first sync may take the
    // server's HIGHESTMODSEQ (everything below was fetched after SELECT); a resync keeps the old
    // one until its flag changes and expunges are applied too.
    let commit_state = |uidnext: u32| FolderState {
        uidvalidity: server.uidvalidity,
        uidnext: uidnext.max(state.uidnext),
        highestmodseq: if first_sync {
            server.highestmodseq
        } else {
            state.highestmodseq
        },
        ..*state
    };
    let mut report = Progress {
        account: target.account.to_owned(),
        folder: target.name.to_owned(),
        stage: Stage::Envelopes,
        done: 0,
        total: u64::from(server.exists),
    };
    let mut out = Fetched::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut current = 0usize;
    // UIDs the newest-first command brought from below its range (`n:*` always returns the
    // last message): a later chunk brings them again.
    let mut strays = BTreeSet::new();
    let fetched = imap::uid_fetch_each(conn, &commands, |f| {
        match f {
            imap::Fetched::Item(item) => {
                let Some(raw) = imap::raw_envelope(&item).filter(|r| r.uid >= from) else {
                    return Ok(());
                };
                let lowest = ranges.get(current).map_or(from, |r| r.lowest);
                let counted = if current == 0 && raw.uid < lowest {
                    strays.insert(raw.uid)
                } else {
                    !strays.remove(&raw.uid)
                };
                if counted {
                    out.count += 1;
                }
                out.next_uid = out.next_uid.max(raw.uid.saturating_add(1));
                // Parsed on the writer's side: parsing here slows the reading of the socket
                // (measured: 1.37-1.52 s there, 1.51-1.64 s here, for 100k).
                batch.push(raw);
                if batch.len() >= BATCH {
                    writer.send(Job::Envelopes(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))?;
                    report.done = out.count;
                    progress(&report);
                }
            }
            imap::Fetched::Done(i) => {
                current = i + 1;
                if !batch.is_empty() {
                    writer.send(Job::Envelopes(std::mem::take(&mut batch)))?;
                }
                if let Some(uidnext) = ranges.get(i).and_then(|r| r.commit) {
                    writer.send(Job::Commit(commit_state(uidnext)))?;
                }
            }
        }
        Ok(())
    })
    .await;
    let kept = writer.finish(fetched).await?;
    report.done = out.count;
    progress(&report);
    out.kept = kept;
    Ok(out)
}

/// A thread that stores what the socket's reader hands it, so that storing overlaps reading;
/// at most `in_flight` items wait between the two (the reader waits beyond that).
struct Writer<T, R> {
    tx: SyncSender<T>,
    handle: tokio::task::JoinHandle<Result<R>>,
}

impl<T: Send + 'static, R: Send + 'static> Writer<T, R> {
    fn spawn(in_flight: usize, work: impl FnOnce(&Receiver<T>) -> Result<R> + Send + 'static) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(in_flight);
        Writer {
            tx,
            handle: tokio::task::spawn_blocking(move || work(&rx)),
        }
    }

    fn send(&self, item: T) -> Result<()> {
        self.tx
            .send(item)
            .map_err(|_| Error::Protocol("the cache writer stopped".into()))
    }

    /// Let the writer finish what it was given; its own error comes first (it says more than
    /// the reader's "the writer stopped"), then the reader's.
    async fn finish(self, read: Result<()>) -> Result<R> {
        drop(self.tx);
        let written = self
            .handle
            .await
            .map_err(|e| Error::Protocol(format!("the cache writer failed: {e}")))?;
        let out = written?;
        read?;
        Ok(out)
    }
}

/// The writer thread: parse header fields, store envelopes, record states, in order.
fn write_envelopes(
    store: &Store,
    account: &str,
    raw: &str,
    id: u64,
    keep: bool,
    jobs: &Receiver<Job>,
) -> Result<Vec<crate::envelope::Envelope>> {
    let mut kept = Vec::new();
    for job in jobs {
        match job {
            Job::Envelopes(raws) => {
                let envelopes: Vec<_> = raws.into_iter().map(RawEnvelope::parse).collect();
                store.put_envelopes(id, &envelopes)?;
                if keep {
                    kept.extend(envelopes);
                }
            }
            Job::Commit(state) => store.put_folder_state(account, raw, &state)?,
        }
    }
    Ok(kept)
}
