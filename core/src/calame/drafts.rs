//! Drafts: saved here at once ([`crate::drafts`]), put in the account's Drafts folder when
//! online (APPEND of the new version, then the previous ones expunged), listed and opened from
//! what is kept here and what the cache holds of the Drafts folder, offline too. A draft is
//! known by its Message-ID, the same for all its versions. Sending one queues it in the outbox
//! first and only then removes it from Drafts.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use ts_rs::TS;

use super::send::rfc3339;
use super::{password_for, Calame, Origin, SendOutcome};
use crate::account::Account;
use crate::compose::{self, Draft};
use crate::drafts::{Record, State};
use crate::envelope::{Address, Envelope};
use crate::error::{Error, ErrorKind, Result};
use crate::folder::{Folder, Role};
use crate::imap::{self, SearchKey};
use crate::secret::Secret;
use crate::sync::{self, Bodies};

/// Where a draft is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DraftPlace {
    /// Only here: saved offline, or not uploaded yet, or not seen in the cached Drafts folder.
    Local,
    /// Only in the server's Drafts folder (as cached).
    Server,
    Both,
}

/// A draft as `drafts --json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DraftSummary {
    /// Its Message-ID, without angle brackets, the same for every version.
    pub draft_id: String,
    pub subject: String,
    pub to: Vec<Address>,
    /// RFC 3339: when the newest version known was saved.
    pub updated: String,
    #[serde(rename = "where")]
    #[ts(rename = "where")]
    pub place: DraftPlace,
    /// The Drafts folder holding it on the server, as cached.
    pub folder: Option<String>,
    pub uid: Option<u32>,
}

/// What saving or deleting a draft did (`draft save --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DraftOutcome {
    pub draft_id: String,
    /// Saving: `saved` (in the server's Drafts) or `local` (kept here, uploaded later).
    /// Deleting: `deleted` (here and on the server) or `local` (gone here; the server's copy
    /// goes with the next connection).
    pub status: String,
    /// Why the server does not have it yet, when that calls for the user.
    pub warning: Option<String>,
}

/// What a flush of the drafts did, by draft id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DraftsFlushed {
    /// Versions put in the server's Drafts (the previous ones removed).
    pub uploaded: Vec<String>,
    /// Drafts deleted or sent here whose server copies are now gone.
    pub removed: Vec<String>,
    /// (draft id, why): refused by the server (or its file unreadable here), tried again on
    /// the next flush.
    pub failed: Vec<(String, String)>,
}

/// The most messages of the Drafts folder looked at in the cache.
const MAX_LISTED: usize = 10_000;
/// The flags of a draft on the server.
const DRAFT_FLAGS: &str = "(\\Draft \\Seen)";

impl Calame {
    /// Save a draft: a new one (`draft_id` = `None`; its id is returned) or a new version of
    /// `draft_id`, which replaces the previous one. From, Sender, Reply-To and signature come
    /// from the identity `from` picks, as for sending; recipients may be missing. The draft is
    /// kept here first; with a password it then goes to the server's Drafts folder (`saved`),
    /// else, or when the server cannot be reached, it stays `local` until
    /// [`Calame::flush_drafts`] (or `watch`) uploads it.
    pub async fn save_draft(
        &self,
        email: &str,
        draft_id: Option<&str>,
        draft: Draft,
        from: &Origin,
        password: Option<&Secret<String>>,
    ) -> Result<DraftOutcome> {
        let account = self.account(Some(email))?;
        // The identity decides who it is from.
        let draft = Draft {
            from: None,
            sender: None,
            ..draft
        };
        let (draft, _) = self.dress(&account, draft, from)?;
        let now = whole_seconds(SystemTime::now());
        let id = match draft_id {
            Some(id) => clean_id(id),
            None => {
                let from = draft.from.as_ref().map_or(account.email.as_str(), |a| a.email.as_str());
                compose::new_draft_id(from, now)
            }
        };
        let built = compose::build_draft(&draft, now, &id)?;
        let record = Record {
            draft_id: built.message_id.clone(),
            account: account.email.clone(),
            subject: draft.subject.clone(),
            to: draft.to.clone(),
            updated: rfc3339(now),
            state: State::Pending,
            ..Record::default()
        };
        self.drafts.save(&record, &built.raw)?;
        let mut outcome = DraftOutcome {
            draft_id: built.message_id,
            status: "local".into(),
            warning: None,
        };
        if let Some(password) = password {
            let (done, warning) = self.flush_drafts_for_one(&account, password, &outcome.draft_id).await?;
            if done {
                outcome.status = "saved".into();
            }
            outcome.warning = warning;
        }
        Ok(outcome)
    }

    /// The drafts of an account, newest first: those kept here and those of the cached Drafts
    /// folder, once each (by Message-ID). From the cache: works offline.
    pub fn drafts(&self, email: &str) -> Result<Vec<DraftSummary>> {
        let account = self.account(Some(email))?;
        let records = self.draft_records(&account.email)?;
        let deleted: HashSet<&str> = records
            .iter()
            .filter(|r| r.state == State::Deleted)
            .map(|r| r.draft_id.as_str())
            .collect();
        let mut by_id: BTreeMap<String, DraftSummary> = BTreeMap::new();
        if let Some((folder, copies)) = self.server_drafts(&account.email)? {
            for (id, e) in copies {
                if deleted.contains(id.as_str()) {
                    continue;
                }
                let summary = DraftSummary {
                    draft_id: id.clone(),
                    subject: e.subject.unwrap_or_default(),
                    to: e.to,
                    updated: e.date.unwrap_or_default(),
                    place: DraftPlace::Server,
                    folder: Some(folder.name.clone()),
                    uid: Some(e.uid),
                };
                by_id.insert(id, summary);
            }
        }
        for r in records.into_iter().filter(|r| r.state != State::Deleted) {
            match by_id.get_mut(&r.draft_id) {
                Some(s) => {
                    s.place = DraftPlace::Both;
                    if !newer(&s.updated, &r.updated) {
                        s.subject = r.subject;
                        s.to = r.to;
                        s.updated = r.updated;
                    }
                }
                None => {
                    let summary = DraftSummary {
                        draft_id: r.draft_id.clone(),
                        subject: r.subject,
                        to: r.to,
                        updated: r.updated,
                        place: DraftPlace::Local,
                        folder: None,
                        uid: None,
                    };
                    by_id.insert(r.draft_id, summary);
                }
            }
        }
        let mut all: Vec<DraftSummary> = by_id.into_values().collect();
        // Stable: equal times stay in the order of their ids.
        all.sort_by_key(|d| std::cmp::Reverse(instant(&d.updated)));
        Ok(all)
    }

    /// A draft's fields, to go on writing it: from the newest version known, kept here or in the
    /// cached Drafts folder (offline when its body is cached); fetched when `online` and needed.
    pub async fn open_draft(&self, email: &str, draft_id: &str, online: bool) -> Result<Draft> {
        match self.open_draft_with(email, draft_id, None).await {
            Err(e) if online && e.kind() == ErrorKind::NotFound => {
                let password = password_for(email).await?;
                self.open_draft_with(email, draft_id, Some(&password)).await
            }
            other => other,
        }
    }

    /// [`Calame::open_draft`] with the password given by the caller; `None`: offline. Online,
    /// a draft the cache does not know is looked for in a fresh sync of the Drafts folder.
    pub async fn open_draft_with(
        &self,
        email: &str,
        draft_id: &str,
        password: Option<&Secret<String>>,
    ) -> Result<Draft> {
        let account = self.account(Some(email))?;
        let id = clean_id(draft_id);
        let local = self
            .drafts
            .get(&account.email, &id)?
            .filter(|r| r.state != State::Deleted);
        let mut server = self.server_draft(&account.email, &id)?;
        if let (None, None, Some(password)) = (&local, &server, password) {
            if let Some(folder) = self.drafts_folder(&account.email)? {
                self.sync_with(&account.email, Some(&folder.name), password).await?;
                server = self.server_draft(&account.email, &id)?;
            }
        }
        let raw = match (local, server) {
            (None, None) => return Err(Error::NotFound(format!("no draft {id}"))),
            (Some(r), None) => self.drafts.message(&r)?,
            (Some(r), Some((folder, e))) if !newer(e.date.as_deref().unwrap_or_default(), &r.updated) => {
                tracing::debug!(
                    "draft {id}: the copy kept here is the newest, not {} {}",
                    folder.name,
                    e.uid
                );
                self.drafts.message(&r)?
            }
            (local, Some((folder, e))) => match self
                .raw_message_with(&account.email, &folder.name, e.uid, password)
                .await
            {
                Ok(raw) => raw,
                // The server's newer version is out of reach: the one kept here.
                Err(err) if local.is_some() && err.kind() != ErrorKind::Auth => {
                    tracing::warn!("draft {id}: the server's version is out of reach ({err}); the one kept here");
                    match &local {
                        Some(r) => self.drafts.message(r)?,
                        None => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            },
        };
        Ok(compose::reopen(&raw))
    }

    /// Delete a draft: gone here at once; its server copies with the password, else (or when
    /// the server cannot be reached) with the next [`Calame::flush_drafts`].
    pub async fn delete_draft(
        &self,
        email: &str,
        draft_id: &str,
        password: Option<&Secret<String>>,
    ) -> Result<DraftOutcome> {
        let account = self.account(Some(email))?;
        let id = clean_id(draft_id);
        let known = |this: &Calame| -> Result<bool> {
            let local = this
                .drafts
                .get(&account.email, &id)?
                .is_some_and(|r| r.state != State::Deleted);
            Ok(local || this.server_draft(&account.email, &id)?.is_some())
        };
        let mut found = known(self)?;
        if let (false, Some(password), Some(folder)) = (found, password, self.drafts_folder(&account.email)?) {
            self.sync_with(&account.email, Some(&folder.name), password).await?;
            found = known(self)?;
        }
        if !found {
            return Err(Error::NotFound(format!("no draft {id}")));
        }
        self.drafts
            .tombstone(&account.email, &id, &rfc3339(SystemTime::now()))?;
        let mut outcome = DraftOutcome {
            draft_id: id,
            status: "local".into(),
            warning: None,
        };
        if let Some(password) = password {
            let (done, warning) = self.flush_drafts_for_one(&account, password, &outcome.draft_id).await?;
            if done {
                outcome.status = "deleted".into();
            }
            outcome.warning = warning;
        }
        Ok(outcome)
    }

    /// Send a draft through the outbox, as its From (and Sender) say unless `from` says
    /// otherwise: it is queued first, and only then removed from the drafts (here at once, on
    /// the server with the password, else later). Without a password it only queues.
    pub async fn send_draft(
        &self,
        email: &str,
        draft_id: &str,
        from: Option<&Origin>,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let account = self.account(Some(email))?;
        let id = clean_id(draft_id);
        let draft = self.open_draft_with(&account.email, &id, password).await?;
        let origin = from
            .cloned()
            .unwrap_or_else(|| Origin::of_draft(&draft, &account.email));
        self.send_draft_as(&account.email, &id, draft, &origin, password).await
    }

    /// Send `draft` as the new content of draft `draft_id`: queued first, and only then is the
    /// draft removed (see [`Calame::send_draft`]).
    pub(crate) async fn send_draft_as(
        &self,
        email: &str,
        draft_id: &str,
        draft: Draft,
        origin: &Origin,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let account = self.account(Some(email))?;
        let id = clean_id(draft_id);
        let message_id = self.queue_continued_draft(&account, &id, draft, origin)?;
        let Some(password) = password else {
            return Ok(SendOutcome::queued(message_id));
        };
        let (_, drafts_warning) = self.flush_drafts_for_one(&account, password, &id).await?;
        let mut outcome = self.send_queued(&account, &message_id, password).await?;
        if outcome.warning.is_none() {
            outcome.warning = drafts_warning.map(|w| format!("sent; the draft is still in Drafts: {w}"));
        }
        Ok(outcome)
    }

    /// Queue `draft` as what draft `id` became, then (and not before) remove the draft here;
    /// its Message-ID in the outbox.
    pub(crate) fn queue_continued_draft(
        &self,
        account: &Account,
        id: &str,
        draft: Draft,
        origin: &Origin,
    ) -> Result<String> {
        let draft = Draft {
            from: None,
            sender: None,
            ..draft
        };
        let message_id = self.enqueue(account, draft, origin)?;
        self.drafts
            .tombstone(&account.email, &clean_id(id), &rfc3339(SystemTime::now()))?;
        Ok(message_id)
    }

    /// The server's side of a continued draft that was queued: its copies in Drafts removed
    /// now if possible; why not, for the user.
    pub(crate) async fn drafts_warning(
        &self,
        account: &Account,
        password: &Secret<String>,
        id: &str,
    ) -> Option<String> {
        match self.flush_drafts_for_one(account, password, &clean_id(id)).await {
            Ok((_, warning)) => warning,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Put the drafts saved here in the server's Drafts folder and remove there those deleted
    /// or sent here; then sync the Drafts folder, so that the listing is the server's.
    pub async fn flush_drafts(&self, email: &str, password: &Secret<String>) -> Result<DraftsFlushed> {
        let account = self.account(Some(email))?;
        self.flush_drafts_for(&account, password, true).await
    }

    /// For `watch`: what [`Calame::flush_drafts`] does, when there is something to do; a server
    /// that refuses or cannot be reached is tried again on the next round.
    pub(crate) async fn drafts_due(&self, account: &Account, password: &Secret<String>) -> Result<()> {
        match self.flush_drafts_for(account, password, false).await {
            Ok(report) => {
                for (id, why) in &report.failed {
                    tracing::warn!("draft {id} of {}: {why}", account.email);
                }
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Network | ErrorKind::Refused | ErrorKind::Protocol | ErrorKind::NotFound
                ) =>
            {
                tracing::warn!("drafts of {}: {e}", account.email);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Flush, then say whether draft `id` is done on the server and, if not, why when the user
    /// should know (a network error only waits).
    async fn flush_drafts_for_one(
        &self,
        account: &Account,
        password: &Secret<String>,
        id: &str,
    ) -> Result<(bool, Option<String>)> {
        match self.flush_drafts_for(account, password, false).await {
            Ok(report) => {
                let done = report.uploaded.iter().chain(&report.removed).any(|d| d == id);
                let why = report.failed.into_iter().find(|(d, _)| d == id).map(|(_, w)| w);
                Ok((done, why))
            }
            Err(e) if e.kind() == ErrorKind::Network => {
                tracing::warn!("draft {id}: kept here for now: {e}");
                Ok((false, None))
            }
            // Kept here all the same: the user is told why the server does not have it.
            Err(e) if e.kind() != ErrorKind::Storage => Ok((false, Some(e.to_string()))),
            Err(e) => Err(e),
        }
    }

    /// [`Calame::flush_drafts`]; without `always`, no connection when nothing waits.
    async fn flush_drafts_for(
        &self,
        account: &Account,
        password: &Secret<String>,
        always: bool,
    ) -> Result<DraftsFlushed> {
        let _one_at_a_time = self.drafts_flushing.lock().await;
        let waiting: Vec<Record> = self
            .draft_records(&account.email)?
            .into_iter()
            .filter(|r| r.state != State::Uploaded)
            .collect();
        if waiting.is_empty() && !always {
            return Ok(DraftsFlushed::default());
        }
        let folder = self
            .drafts_folder(&account.email)?
            .ok_or_else(|| Error::NotFound(format!("{} has no Drafts folder", account.email)))?;
        let mut conn = imap::connect(account, password).await?;
        let result = self.flush_drafts_on(&mut conn, account, &folder, &waiting).await;
        conn.logout().await;
        result
    }

    async fn flush_drafts_on(
        &self,
        conn: &mut imap::Connection,
        account: &Account,
        folder: &Folder,
        waiting: &[Record],
    ) -> Result<DraftsFlushed> {
        let raw_name = folder.raw_name.as_deref().unwrap_or(&folder.name);
        imap::select_plain(conn, raw_name).await?;
        let mut report = DraftsFlushed::default();
        for record in waiting {
            match self.flush_one(conn, raw_name, record).await {
                Ok(()) if record.state == State::Deleted => report.removed.push(record.draft_id.clone()),
                Ok(()) => report.uploaded.push(record.draft_id.clone()),
                // Refused by the server, or unreadable here: the others go on.
                Err(e) if matches!(e.kind(), ErrorKind::Refused | ErrorKind::Storage) => {
                    if let Some(mut now) = self.drafts.get(&record.account, &record.draft_id)? {
                        now.last_error = Some(e.to_string());
                        self.drafts.put(&now)?;
                    }
                    report.failed.push((record.draft_id.clone(), e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        sync::sync_folders(
            conn,
            &self.store,
            &account.email,
            std::slice::from_ref(folder),
            Bodies::default(),
            &mut |_| {},
        )
        .await?;
        Ok(report)
    }

    /// One draft on the selected Drafts folder: the new version appended, then the previous
    /// ones expunged (a crash in between leaves one old version, which the next flush removes);
    /// or, for a deleted draft, every version expunged.
    async fn flush_one(&self, conn: &mut imap::Connection, raw_name: &str, record: &Record) -> Result<()> {
        let id = format!("<{}>", record.draft_id);
        let old: Vec<u32> = imap::uid_search_text(conn, &[(SearchKey::MessageId, &id)])
            .await?
            .into_iter()
            .collect();
        if record.state == State::Pending {
            let raw = self.drafts.message(record)?;
            imap::append(conn, raw_name, Some(DRAFT_FLAGS), &raw).await?;
        }
        if let Some(set) = imap::uid_set(&old) {
            imap::expunge_uids(conn, &set).await?;
        }
        // Saved or deleted again meanwhile: that newer state waits for the next flush.
        let Some(mut now) = self.drafts.get(&record.account, &record.draft_id)? else {
            return Ok(());
        };
        if now.state != record.state || now.file != record.file {
            return Ok(());
        }
        match record.state {
            State::Deleted => self.drafts.remove(&record.account, &record.draft_id),
            _ => {
                now.state = State::Uploaded;
                now.last_error = None;
                self.drafts.put(&now)
            }
        }
    }

    /// The drafts kept here for an account (tombstones included); records that do not read are
    /// reported and left in place.
    fn draft_records(&self, email: &str) -> Result<Vec<Record>> {
        let contents = self.drafts.records()?;
        for (path, reason) in &contents.damaged {
            tracing::warn!("unreadable draft record {}: {reason}", path.display());
        }
        Ok(contents
            .records
            .into_iter()
            .filter(|r| r.account.eq_ignore_ascii_case(email))
            .collect())
    }

    /// The account's own Drafts folder (by its special use, else by its name).
    fn drafts_folder(&self, email: &str) -> Result<Option<Folder>> {
        let folders = self.store.folders(Some(email))?;
        let by_role = folders
            .iter()
            .find(|f| f.role == Some(Role::Drafts) && !f.shared && f.selectable);
        let by_name = || {
            folders
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case("Drafts") && !f.shared && f.selectable)
        };
        Ok(by_role.or_else(by_name).cloned())
    }

    /// The drafts of the cached Drafts folder by id (the newest copy of each), without those
    /// marked deleted.
    fn server_drafts(&self, email: &str) -> Result<Option<(Folder, BTreeMap<String, Envelope>)>> {
        let Some(folder) = self.drafts_folder(email)? else {
            return Ok(None);
        };
        let mut copies: BTreeMap<String, Envelope> = BTreeMap::new();
        for e in self.list(email, &folder.name, 0, MAX_LISTED)? {
            if e.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Deleted")) {
                continue;
            }
            let Some(id) = e.message_id.clone() else {
                continue;
            };
            if copies.get(&id).is_none_or(|known| known.uid < e.uid) {
                copies.insert(id, e);
            }
        }
        Ok(Some((folder, copies)))
    }

    /// The cached server copy of one draft.
    fn server_draft(&self, email: &str, id: &str) -> Result<Option<(Folder, Envelope)>> {
        Ok(self
            .server_drafts(email)?
            .and_then(|(folder, mut copies)| copies.remove(id).map(|e| (folder, e))))
    }
}

impl Origin {
    /// Who a draft is from, as its headers say: on behalf of its From when its Sender differs,
    /// else as its From when that is not the account's own address.
    pub fn of_draft(draft: &Draft, account: &str) -> Origin {
        let from = draft.from.as_ref().map(|a| a.email.clone());
        match (from, &draft.sender) {
            (Some(from), Some(sender)) if !from.eq_ignore_ascii_case(&sender.email) => Origin {
                address: None,
                on_behalf_of: Some(from),
            },
            (Some(from), _) if !from.eq_ignore_ascii_case(account) => Origin {
                address: Some(from),
                on_behalf_of: None,
            },
            _ => Origin::default(),
        }
    }
}

/// A draft id as given, without its angle brackets.
fn clean_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').to_owned()
}

/// A time to the second: what a Date header keeps.
fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn instant(rfc3339: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(rfc3339).ok()
}

/// Whether `a` is strictly later than `b` (RFC 3339; one that does not read is the oldest).
fn newer(a: &str, b: &str) -> bool {
    instant(a) > instant(b)
}
