//! The one API the shells (CLI, desktop app, Android app) call.

mod calendar;
mod composer;
mod contacts;
mod drafts;
mod imip;
mod order;
mod reply;
mod search;
mod send;

pub use calendar::CalendarSync;
pub use composer::{CarriedAttachment, ComposeStart};
pub use drafts::{DraftOutcome, DraftPlace, DraftSummary, DraftsFlushed};
pub use imip::{InvitationsApplied, Responded};
pub use order::ListOrder;
pub use reply::{Answer, AnswerText, Answering};
pub use send::{FlushReport, Origin, SendOutcome};

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::account::{Account, AccountSetup};
use crate::actions::{Action, Queue};
use crate::envelope::Envelope;
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::folder::Folder;
use crate::imap::{self, FolderChange};
use crate::message::{self, Message, RemoteContent, RemoteReason};
use crate::profile::Profile;
use crate::remote_allow::{AllowRemote, RemoteAllowList};
use crate::secret::{self, Secret};
use crate::store::Store;
use crate::sync::{self, Bodies, Progress, SyncReport};
use crate::thread;

/// An open profile: its accounts, its cache, and the operations on them.
#[derive(Debug)]
pub struct Calame {
    profile: Profile,
    store: Store,
    queue: Queue,
    /// Messages to send, kept until they have left and been filed.
    outbox: crate::outbox::Outbox,
    /// Drafts saved here, kept until the server has them and after (offline resuming).
    drafts: crate::drafts::Drafts,
    /// The senders and messages whose remote content the user allowed.
    remote_allow: RemoteAllowList,
    /// Serialises changes to the accounts file.
    accounts_write: Mutex<()>,
    /// Calendar writes waiting for the server.
    calendar_queue: Queue<crate::caldav::Write>,
    /// One outbox flush at a time in this process (the profile lock keeps other processes out).
    flushing: tokio::sync::Mutex<()>,
    /// Orders of folders' messages other than by arrival, until their messages change.
    orders: order::Orders,
    /// One upload of drafts at a time in this process.
    drafts_flushing: tokio::sync::Mutex<()>,
}

impl Calame {
    /// Open the profile at `dir` for the program named `holder` (shown to another process that
    /// finds the profile in use).
    pub fn open(dir: &Path, holder: &str) -> Result<Calame> {
        let profile = Profile::open(dir, holder)?;
        let store = Store::open(&profile.cache_dir())?;
        let queue = Queue::open(profile.dir())?;
        let outbox = crate::outbox::Outbox::open(profile.dir())?;
        let calendar_queue = Queue::open_named(profile.dir(), "calendar-queue")?;
        let drafts = crate::drafts::Drafts::open(profile.dir())?;
        let remote_allow = RemoteAllowList::new(profile.dir());
        Ok(Calame {
            profile,
            store,
            queue,
            outbox,
            calendar_queue,
            drafts,
            remote_allow,
            accounts_write: Mutex::new(()),
            flushing: tokio::sync::Mutex::new(()),
            drafts_flushing: tokio::sync::Mutex::new(()),
            orders: order::Orders::default(),
        })
    }

    pub fn profile_dir(&self) -> &Path {
        self.profile.dir()
    }

    /// Whether the cache was found damaged or outdated on opening, and started afresh.
    pub fn cache_rebuilt(&self) -> bool {
        self.store.rebuilt
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.profile.accounts()
    }

    /// The account with this address, or the only/first one when `email` is `None`.
    pub fn account(&self, email: Option<&str>) -> Result<Account> {
        let accounts = self.accounts()?;
        match email {
            Some(e) => accounts
                .into_iter()
                .find(|a| a.email.eq_ignore_ascii_case(e))
                .ok_or_else(|| Error::NotFound(format!("no account {e} in this profile"))),
            None => accounts
                .into_iter()
                .next()
                .ok_or_else(|| Error::NotFound("no account in this profile (calame account add)".into())),
        }
    }

    /// Check the login, fetch and cache the folder list, then save the account (replacing one
    /// with the same address). With `remember`, the password goes to the OS keyring.
    pub async fn add_account(
        &self,
        setup: AccountSetup,
        password: &Secret<String>,
        remember: bool,
    ) -> Result<(Account, Vec<Folder>)> {
        let mut account = setup.into_account()?;
        if let Ok(existing) = self.account(Some(&account.email)) {
            account.identities = existing.identities;
        }
        let folders = self.fetch_folders(&account, password).await?;
        // The calendars too, checking the CalDAV login before anything is saved.
        let calendars = match account.caldav {
            Some(_) => {
                let dav = crate::caldav::http::Dav::new(&account, password)?;
                Some(crate::caldav::discover(&dav).await?)
            }
            None => None,
        };
        if remember {
            let email = account.email.clone();
            let password = password.clone();
            tokio::task::spawn_blocking(move || secret::store_password(&email, &password))
                .await
                .map_err(|e| Error::SecretStore(e.to_string()))??;
        }
        self.store.put_folders(&account.email, &folders)?;
        if let Some(calendars) = calendars {
            self.store.put_calendars(&account.email, &calendars)?;
        }
        self.save_account(&account)?;
        Ok((account, folders))
    }

    pub(crate) fn save_account(&self, account: &Account) -> Result<()> {
        let _guard = self
            .accounts_write
            .lock()
            .map_err(|_| Error::storage(self.profile.dir(), "lock poisoned"))?;
        let mut accounts = self.profile.accounts()?;
        match accounts
            .iter_mut()
            .find(|a| a.email.eq_ignore_ascii_case(&account.email))
        {
            Some(existing) => *existing = account.clone(),
            None => accounts.push(account.clone()),
        }
        self.profile.save_accounts(&accounts)
    }

    /// The folders in the cache, of one account or all.
    pub fn folders(&self, email: Option<&str>) -> Result<Vec<Folder>> {
        self.store.folders(email)
    }

    /// Fetch an account's folder list from its server and cache it.
    pub async fn refresh_folders(&self, email: &str) -> Result<Vec<Folder>> {
        let account = self.account(Some(email))?;
        let password = password_for(&account.email).await?;
        let folders = self.fetch_folders(&account, &password).await?;
        self.store.put_folders(&account.email, &folders)?;
        Ok(folders)
    }

    /// Create a folder (decoded name, `Projets/Été 2027`); returns the refreshed folder list.
    pub async fn create_folder(&self, email: &str, name: &str) -> Result<Vec<Folder>> {
        let change = FolderChange::Create { name: name.to_owned() };
        self.change_folder(email, change).await
    }

    /// Rename a folder (and its children, as the server does).
    pub async fn rename_folder(&self, email: &str, from: &str, to: &str) -> Result<Vec<Folder>> {
        let change = FolderChange::Rename {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        self.change_folder(email, change).await
    }

    /// Delete a folder; its cached copy goes with it.
    pub async fn delete_folder(&self, email: &str, name: &str) -> Result<Vec<Folder>> {
        let change = FolderChange::Delete { name: name.to_owned() };
        self.change_folder(email, change).await
    }

    /// Subscribe to a folder, or unsubscribe.
    pub async fn subscribe(&self, email: &str, name: &str, subscribed: bool) -> Result<Vec<Folder>> {
        let change = FolderChange::Subscribe {
            name: name.to_owned(),
            subscribed,
        };
        self.change_folder(email, change).await
    }

    /// Change the folder tree. The names and the user's rights are checked against the cached
    /// folder list first: a refusal then costs no connection and sends nothing.
    pub async fn change_folder(&self, email: &str, change: FolderChange) -> Result<Vec<Folder>> {
        let account = self.account(Some(email))?;
        imap::plan_change(&self.store.folders(Some(&account.email))?, &change)?;
        let password = password_for(&account.email).await?;
        self.change_folder_with(&account.email, change, &password).await
    }

    /// [`Calame::change_folder`] with the password given by the caller.
    pub async fn change_folder_with(
        &self,
        email: &str,
        change: FolderChange,
        password: &Secret<String>,
    ) -> Result<Vec<Folder>> {
        let account = self.account(Some(email))?;
        let planned = imap::plan_change(&self.store.folders(Some(&account.email))?, &change)?;
        let mut conn = imap::connect(&account, password).await?;
        let result = async {
            imap::change_folder(&mut conn, &planned).await?;
            for raw in &planned.forget {
                self.store.invalidate(&account.email, raw)?;
            }
            let folders = imap::list_folders(&mut conn, &account.email).await?;
            self.store.put_folders(&account.email, &folders)?;
            Ok(folders)
        }
        .await;
        conn.logout().await;
        result
    }

    /// Bring the cache level with the server: the folder list, then the envelopes and flags of
    /// every folder (or only the one named, by its decoded name).
    pub async fn sync(&self, email: &str, only: Option<&str>) -> Result<SyncReport> {
        self.sync_progress(email, only, Bodies::default(), &mut |_| {}).await
    }

    /// [`Calame::sync`], telling `progress` how far each folder's new messages have come.
    pub async fn sync_progress(
        &self,
        email: &str,
        only: Option<&str>,
        bodies: Bodies,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<SyncReport> {
        let password = password_for(email).await?;
        self.sync_progress_with(email, only, bodies, &password, progress).await
    }

    /// [`Calame::sync`] with the password given by the caller.
    pub async fn sync_with(&self, email: &str, only: Option<&str>, password: &Secret<String>) -> Result<SyncReport> {
        self.sync_progress_with(email, only, Bodies::default(), password, &mut |_| {})
            .await
    }

    /// [`Calame::sync_progress`] with the password given by the caller.
    pub async fn sync_progress_with(
        &self,
        email: &str,
        only: Option<&str>,
        bodies: Bodies,
        password: &Secret<String>,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<SyncReport> {
        let account = self.account(Some(email))?;
        let mut conn = imap::connect(&account, password).await?;
        let result = async {
            let mut report = self.sync_on(&mut conn, &account, only, bodies, progress).await?;
            // The calendars too, on a whole sync of an account that has them.
            if account.caldav.is_some() && only.is_none() {
                let calendars = self.sync_calendars_with(&account.email, password).await?;
                report.events = calendars.objects_new + calendars.objects_changed + calendars.objects_removed;
                report.calendar_requests = calendars.requests;
                report.calendar_problems = calendars.problems;
                // Then what came by mail for them (replies, updates, cancellations), on the
                // same IMAP connection.
                match self.apply_invitations_on(&mut conn, &account, password).await {
                    Ok(applied) => report.calendar_problems.extend(applied.problems),
                    Err(e) if e.kind() == ErrorKind::Network => return Err(e),
                    Err(e) => report.calendar_problems.push(format!("invitations: {e}")),
                }
            }
            Ok(report)
        }
        .await;
        conn.logout().await;
        result
    }

    /// Replay queued actions, sync, then refresh the folder list. With a cached folder list the
    /// folders are synced first and listed after: Dovecot (maildir) reopens a large folder
    /// slowly when LIST came before SELECT on the same connection (~100 ms for 100,000
    /// messages), and the counts LIST-STATUS reports are then those after the sync. Folders
    /// that appeared meanwhile are synced after the listing. A sync of one known folder does not
    /// list at all.
    async fn sync_on(
        &self,
        conn: &mut imap::Connection,
        account: &Account,
        only: Option<&str>,
        bodies: Bodies,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<SyncReport> {
        let started = std::time::Instant::now();
        let bytes_before = conn.bytes_in();
        let email = account.email.as_str();
        let cached = self.store.folders(Some(email))?;
        let known_first = !cached.is_empty() && only.is_none_or(|name| find_folder(&cached, name).is_ok());
        let folders = if known_first {
            cached
        } else {
            let listed = imap::list_folders(conn, email).await?;
            self.store.put_folders(email, &listed)?;
            listed
        };
        // Our own changes go to the server before its state comes back.
        crate::replay::replay(conn, &self.store, &self.queue, email, &folders).await?;
        let chosen = choose(&folders, only)?;
        let mut report = sync::sync_folders(conn, &self.store, email, &chosen, bodies, progress).await?;
        if known_first && only.is_none() {
            let listed = imap::list_folders(conn, email).await?;
            self.store.put_folders(email, &listed)?;
            let done: Vec<&str> = chosen.iter().map(|f| f.name.as_str()).collect();
            let refused: Vec<String> = report.refused.iter().map(|(n, _)| n.clone()).collect();
            // New folders, and those refused from a stale list that the server still lists.
            let again: Vec<Folder> = choose(&listed, only)?
                .into_iter()
                .filter(|f| !done.contains(&f.name.as_str()) || refused.contains(&f.name))
                .collect();
            report.refused.clear();
            if !again.is_empty() {
                report.add(sync::sync_folders(conn, &self.store, email, &again, bodies, progress).await?);
            }
        }
        if let (Some(name), Some((_, why))) = (only, report.refused.first()) {
            return Err(Error::Refused(format!("{name}: {why}")));
        }
        // The whole of it: listing and replaying included.
        report.seconds = started.elapsed().as_secs_f64();
        report.bytes_in = conn.bytes_in().saturating_sub(bytes_before);
        Ok(report)
    }

    /// Act on messages: shown in the cache at once, queued durably, sent to the server by
    /// [`Calame::flush`] or the next sync. Folders by their decoded names.
    pub fn act(&self, email: &str, action: Action) -> Result<()> {
        let account = self.account(Some(email))?;
        let folders = self.store.folders(Some(&account.email))?;
        let action = raw_names(&folders, action)?;
        match &action {
            Action::Flag {
                folder,
                uids,
                add,
                remove,
            } => self.store.edit(&account.email, folder, uids, add, remove, false)?,
            Action::Move { folder, uids, .. } | Action::Delete { folder, uids } => {
                self.store.edit(&account.email, folder, uids, &[], &[], true)?
            }
            Action::Copy { .. } => {}
        }
        self.queue.push(&account.email, action)?;
        Ok(())
    }

    /// Send the queued actions of an account to its server.
    pub async fn flush(&self, email: &str) -> Result<()> {
        let password = password_for(email).await?;
        self.flush_with(email, &password).await
    }

    pub async fn flush_with(&self, email: &str, password: &Secret<String>) -> Result<()> {
        let account = self.account(Some(email))?;
        let folders = self.store.folders(Some(&account.email))?;
        let mut conn = imap::connect(&account, password).await?;
        let result = crate::replay::replay(&mut conn, &self.store, &self.queue, &account.email, &folders).await;
        conn.logout().await;
        result.map(|_| ())
    }

    /// Queued actions, and those the server refused.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// [`Calame::watch`] with the account's stored password (the app's way: it never holds one).
    pub async fn watch_stored(&self, email: &str, emit: impl FnMut(Event)) -> Result<()> {
        let password = password_for(email).await?;
        self.watch(email, &password, emit).await
    }

    /// Watch an account until an error that waiting cannot cure (authentication, trust):
    /// sync, then IDLE on INBOX; every other folder is re-synced every few minutes. A lost
    /// connection is retried with a growing pause (1 s to 60 s). Every change is an [`Event`].
    pub async fn watch(&self, email: &str, password: &Secret<String>, mut emit: impl FnMut(Event)) -> Result<()> {
        let account = self.account(Some(email))?;
        let mut ready = false;
        let mut pause = WATCH_FIRST_PAUSE;
        // Reminders are told from the moment watching starts.
        let mut reminded = chrono::Utc::now();
        loop {
            let err = match self
                .watch_connected(&account, password, &mut emit, &mut ready, &mut pause, &mut reminded)
                .await
            {
                Ok(()) => continue,
                Err(e) => e,
            };
            if matches!(
                err.kind(),
                ErrorKind::Auth | ErrorKind::TlsUntrusted | ErrorKind::BadInput | ErrorKind::Keyring
            ) {
                return Err(err);
            }
            tracing::warn!("watching {}: {err}; again in {} s", account.email, pause.as_secs());
            emit(Event::Offline {
                account: account.email.clone(),
                retry_in_seconds: pause.as_secs(),
            });
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(WATCH_MAX_PAUSE);
        }
    }

    async fn watch_connected(
        &self,
        account: &Account,
        password: &Secret<String>,
        emit: &mut impl FnMut(Event),
        ready: &mut bool,
        pause: &mut Duration,
        reminded: &mut chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut conn = imap::connect(account, password).await?;
        self.calendars_due(account, password).await?;
        let mut folders = imap::list_folders(&mut conn, &account.email).await?;
        self.store.put_folders(&account.email, &folders)?;
        crate::replay::replay(&mut conn, &self.store, &self.queue, &account.email, &folders).await?;
        // INBOX last, so that it stays selected for IDLE.
        folders.sort_by_key(|f| f.role == Some(crate::folder::Role::Inbox) && !f.shared);
        let inbox: Vec<Folder> = folders
            .iter()
            .filter(|f| f.role == Some(crate::folder::Role::Inbox) && !f.shared)
            .cloned()
            .collect();
        let mut report = sync::sync_folders(
            &mut conn,
            &self.store,
            &account.email,
            &folders,
            Bodies::default(),
            &mut |_| {},
        )
        .await?;
        loop {
            for delta in &report.deltas {
                crate::event::from_delta(&account.email, delta, &folders)
                    .into_iter()
                    .for_each(&mut *emit);
            }
            if !*ready {
                emit(Event::Ready);
                *ready = true;
            }
            *pause = WATCH_FIRST_PAUSE;
            self.send_due(account, password, emit).await?;
            self.drafts_due(account, password).await?;
            let next_reminder = self.remind(account, reminded, emit)?;
            // Wake up when the next message of the outbox or the next reminder is due.
            let idle_for = [self.outbox_next_due(&account.email)?, next_reminder]
                .into_iter()
                .flatten()
                .min()
                .map_or(WATCH_IDLE, |due| {
                    due.duration_since(std::time::SystemTime::now())
                        .unwrap_or_default()
                        .clamp(Duration::from_millis(200), WATCH_IDLE)
                });
            let (back, changed) = imap::idle(conn, idle_for).await?;
            conn = back;
            if !changed {
                self.calendars_due(account, password).await?;
            }
            let which = if changed { &inbox } else { &folders };
            report = sync::sync_folders(
                &mut conn,
                &self.store,
                &account.email,
                which,
                Bodies::default(),
                &mut |_| {},
            )
            .await?;
        }
    }

    /// Sync the calendars of an account that has them; their server being down is told and
    /// tried again later.
    async fn calendars_due(&self, account: &Account, password: &Secret<String>) -> Result<()> {
        if account.caldav.is_none() {
            return Ok(());
        }
        match self.sync_calendars_with(&account.email, password).await {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::Network | ErrorKind::Refused | ErrorKind::Protocol) => {
                tracing::warn!("calendars of {}: {e}", account.email);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Tell the reminders due since the last told one; when the next one is due (within the
    /// next IDLE), if any.
    fn remind(
        &self,
        account: &Account,
        reminded: &mut chrono::DateTime<chrono::Utc>,
        emit: &mut impl FnMut(Event),
    ) -> Result<Option<std::time::SystemTime>> {
        let now = chrono::Utc::now();
        let horizon = now + chrono::Duration::from_std(WATCH_IDLE).unwrap_or_default();
        // One pass over the calendars: what is due now, and when the next one will be.
        let (due, later): (Vec<_>, Vec<_>) = self
            .reminders_between(&account.email, *reminded, horizon)?
            .into_iter()
            .partition(|r| r.at <= now);
        for r in due {
            emit(Event::Reminder {
                account: account.email.clone(),
                uid: r.uid,
                summary: r.summary,
                start: r.start,
            });
        }
        *reminded = now;
        Ok(later.first().map(|r| std::time::SystemTime::from(r.at)))
    }

    /// Send what is due in the outbox. The submission server may be down while IMAP is up:
    /// that is reported and tried again later; only what calls for the user stops watching.
    async fn send_due(&self, account: &Account, password: &Secret<String>, emit: &mut impl FnMut(Event)) -> Result<()> {
        match self.send_outbox(account, password, false).await {
            Ok(report) => {
                crate::event::from_flush(&account.email, &report)
                    .into_iter()
                    .for_each(&mut *emit);
                Ok(())
            }
            Err(e) if matches!(e.kind(), ErrorKind::Network | ErrorKind::Refused | ErrorKind::Protocol) => {
                tracing::warn!("outbox of {}: {e}", account.email);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A message, read from the cache, or fetched first (and kept) when `online`. Remote
    /// content is shown when `remote` allows it for this reading, or when the user allowed it
    /// for the message or its sender ([`Calame::allow_remote`]).
    pub async fn read(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        online: bool,
        remote: RemoteContent,
    ) -> Result<Message> {
        let raw = self.raw_message(email, folder, uid, online).await?;
        self.show(&raw, remote == RemoteContent::Allow)
    }

    /// A raw message made safe to show, with remote content allowed `once` (this time) or by
    /// the allow-list; [`Message::remote_allowed`] says which. A damaged allow-list is an error,
    /// never an allowance.
    pub fn show(&self, raw: &[u8], once: bool) -> Result<Message> {
        let reason = if once {
            Some(RemoteReason::Once)
        } else {
            let (from, id) = message::sender_and_id(raw);
            self.remote_allow.load()?.reason(from.as_deref(), id.as_deref())
        };
        let policy = match reason {
            Some(_) => RemoteContent::Allow,
            None => RemoteContent::Block,
        };
        let mut shown = message::read(raw, policy);
        shown.remote_allowed = reason;
        Ok(shown)
    }

    /// Allow remote content from now on: for every message of a sender, or for one message
    /// (by Message-ID). Kept in the profile, for all its accounts.
    pub fn allow_remote(&self, email: &str, what: AllowRemote) -> Result<()> {
        self.account(Some(email))?;
        self.remote_allow.allow(&what)
    }

    /// Allow remote content for the message at `uid` in `folder`; returns its Message-ID.
    pub async fn allow_remote_message(&self, email: &str, folder: &str, uid: u32, online: bool) -> Result<String> {
        let raw = self.raw_message(email, folder, uid, online).await?;
        let (_, id) = message::sender_and_id(&raw);
        let id = id.ok_or_else(|| {
            Error::BadInput(format!(
                "message {uid} of {folder} has no Message-ID: allow its sender instead"
            ))
        })?;
        self.allow_remote(email, AllowRemote::Message(id.clone()))?;
        Ok(id)
    }

    /// A message's bytes as the server sent them (cached after the first fetch).
    pub async fn raw_message(&self, email: &str, folder: &str, uid: u32, online: bool) -> Result<Vec<u8>> {
        let login = if online { Login::Stored } else { Login::Offline };
        self.raw_message_as(email, folder, uid, login).await
    }
    /// Attachment `part` of a message as a file to open with another application: written in
    /// `PROFILE/opened/`, under the name the sender gave made safe (no folder, no device
    /// name). Types that would run rather than show (programs, scripts, shortcuts) are refused:
    /// they can be saved, not opened from here. The file's path.
    pub async fn attachment_to_open(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        part: &str,
        password: Option<&Secret<String>>,
    ) -> Result<std::path::PathBuf> {
        let raw = self.raw_message_with(email, folder, uid, password).await?;
        let (attachment, _) = message::attachment(&raw, part)
            .ok_or_else(|| Error::NotFound(format!("no part {part} in message {uid} of {folder}")))?;
        let name = message::openable_name(attachment.name.as_deref(), &attachment.mime)?;
        let key = crate::tls::fingerprint(format!("{email}\n{folder}\n{uid}\n{part}").as_bytes());
        let dir = self.profile.dir().join("opened").join(key.get(..16).unwrap_or(&key));
        std::fs::create_dir_all(&dir).map_err(|e| Error::storage(&dir, e))?;
        let dest = dir.join(name);
        self.save_attachment(email, folder, uid, part, &dest, password).await?;
        Ok(dest)
    }

    /// Save attachment `part` of a message (as `read --json` numbers its parts) to `dest`:
    /// written beside it and renamed, so that a file cut short never takes the name. Its size.
    pub async fn save_attachment(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        part: &str,
        dest: &std::path::Path,
        password: Option<&Secret<String>>,
    ) -> Result<u64> {
        use std::io::Write as _;
        let raw = self.raw_message_with(email, folder, uid, password).await?;
        let (_, bytes) = message::attachment(&raw, part)
            .ok_or_else(|| Error::NotFound(format!("no part {part} in message {uid} of {folder}")))?;
        let name = dest
            .file_name()
            .ok_or_else(|| Error::BadInput(format!("{} is not a file name", dest.display())))?;
        let tmp = dest.with_file_name(format!("{}.part", name.to_string_lossy()));
        let mut file = std::fs::File::create(&tmp).map_err(|e| Error::storage(&tmp, e))?;
        file.write_all(&bytes).map_err(|e| Error::storage(&tmp, e))?;
        file.sync_all().map_err(|e| Error::storage(&tmp, e))?;
        std::fs::rename(&tmp, dest).map_err(|e| Error::storage(dest, e))?;
        Ok(bytes.len() as u64)
    }

    /// [`Calame::raw_message`], fetched (when not cached) with the password given, or only
    /// from the cache without one.
    pub async fn raw_message_with(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        password: Option<&Secret<String>>,
    ) -> Result<Vec<u8>> {
        let login = password.map_or(Login::Offline, Login::Given);
        self.raw_message_as(email, folder, uid, login).await
    }

    async fn raw_message_as(&self, email: &str, folder: &str, uid: u32, login: Login<'_>) -> Result<Vec<u8>> {
        let account = self.account(Some(email))?;
        let folders = self.store.folders(Some(&account.email))?;
        let f = find_folder(&folders, folder)?;
        let raw_name = f.raw_name.clone().unwrap_or_else(|| f.name.clone());
        let state = self.store.folder_state(&account.email, &raw_name)?;
        if let Some(state) = state {
            if let Some(bytes) = self.store.body(state.id, uid)? {
                return Ok(bytes);
            }
        }
        let stored;
        let password = match login {
            Login::Offline => {
                return Err(Error::NotFound(format!(
                    "message {uid} of {folder} is not available offline"
                )))
            }
            Login::Given(password) => password,
            Login::Stored => {
                stored = password_for(&account.email).await?;
                &stored
            }
        };
        let mut conn = imap::connect(&account, password).await?;
        let fetched = async {
            imap::select_plain(&mut conn, &raw_name).await?;
            imap::fetch_body(&mut conn, uid).await
        }
        .await;
        conn.logout().await;
        let bytes = fetched?.ok_or_else(|| Error::NotFound(format!("no message {uid} in {folder}")))?;
        if let Some(state) = state {
            self.store.put_body(state.id, uid, &bytes)?;
        }
        Ok(bytes)
    }

    /// A page of a folder's messages from the cache, newest first.
    pub fn list(&self, email: &str, folder: &str, offset: usize, limit: usize) -> Result<Vec<Envelope>> {
        self.list_ordered(email, folder, ListOrder::Newest, offset, limit)
    }

    /// Replies that lost their References join their thread by subject ([`crate::thread`]).
    /// The folder's subject index is rebuilt first when its messages changed since it was
    /// built, and only when the page has such a reply.
    fn join_threads_by_subject(&self, id: u64, page: &mut [Envelope]) -> Result<()> {
        if !page.iter().any(thread::needs_subject) {
            return Ok(());
        }
        // Read before the envelopes: a change meanwhile leaves the index stale, not wrong.
        let generation = self.store.generation(id)?;
        if self.store.subjects_generation(id)? != Some(generation) {
            let all = self.store.envelopes(id, 0, usize::MAX)?;
            self.store
                .put_subjects(id, generation, &thread::subject_threads(&all))?;
        }
        thread::join_by_subject(page, |key| self.store.thread_for_subject(id, key))
    }

    async fn fetch_folders(&self, account: &Account, password: &Secret<String>) -> Result<Vec<Folder>> {
        let mut conn = imap::connect(account, password).await?;
        let folders = imap::list_folders(&mut conn, &account.email).await;
        conn.logout().await;
        folders
    }
}

/// How to log in when the server is needed.
#[derive(Clone, Copy)]
enum Login<'a> {
    /// Not at all: the cache answers, or nothing.
    Offline,
    /// With the account's stored password (environment, then keyring).
    Stored,
    Given(&'a Secret<String>),
}

/// The password for an account (environment, then keyring), off the async threads since the
/// keyring may block on D-Bus.
async fn password_for(email: &str) -> Result<Secret<String>> {
    let email = email.to_owned();
    tokio::task::spawn_blocking(move || secret::password_for(&email))
        .await
        .map_err(|e| Error::SecretStore(e.to_string()))?
}

const WATCH_FIRST_PAUSE: Duration = Duration::from_secs(1);
const WATCH_MAX_PAUSE: Duration = Duration::from_secs(60);
/// How long one IDLE lasts before every folder is re-synced (and the connection proven alive).
const WATCH_IDLE: Duration = Duration::from_secs(5 * 60);

/// A folder by its decoded name (`INBOX`, `Shared/accueil/Demandes`).
/// The folders a sync covers: all, or the one named.
fn choose(folders: &[Folder], only: Option<&str>) -> Result<Vec<Folder>> {
    Ok(match only {
        Some(name) => vec![find_folder(folders, name)?.clone()],
        None => folders.to_vec(),
    })
}

fn find_folder<'a>(folders: &'a [Folder], name: &str) -> Result<&'a Folder> {
    folders
        .iter()
        .find(|f| f.name == name || (name.eq_ignore_ascii_case("INBOX") && f.name.eq_ignore_ascii_case("INBOX")))
        .ok_or_else(|| Error::NotFound(format!("no folder {name:?}")))
}

/// The action with its folders as the server spells them.
fn raw_names(folders: &[Folder], action: Action) -> Result<Action> {
    let raw = |name: &str| -> Result<String> {
        let f = find_folder(folders, name)?;
        Ok(f.raw_name.clone().unwrap_or_else(|| f.name.clone()))
    };
    Ok(match action {
        Action::Flag {
            folder,
            uids,
            add,
            remove,
        } => Action::Flag {
            folder: raw(&folder)?,
            uids,
            add,
            remove,
        },
        Action::Move { folder, uids, dest } => Action::Move {
            folder: raw(&folder)?,
            uids,
            dest: raw(&dest)?,
        },
        Action::Copy { folder, uids, dest } => Action::Copy {
            folder: raw(&folder)?,
            uids,
            dest: raw(&dest)?,
        },
        Action::Delete { folder, uids } => Action::Delete {
            folder: raw(&folder)?,
            uids,
        },
    })
}
