//! Sending: identities, then a message built and queued durably in the outbox, then sent and
//! filed by [`Calame::flush_outbox_with`], now when online or on a later flush (by hand, or by
//! `watch` when the network returns, with backoff).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::{password_for, Calame};
use crate::account::{owner_address, Account, Identity, SendMode};
use crate::compose::{self, Draft};
use crate::envelope::Address;
use crate::error::{Error, ErrorKind, Result};
use crate::folder::{Folder, Role};
use crate::imap::{self, SearchKey};
use crate::outbox::{Item, Prepared, State};
use crate::secret::Secret;
use crate::smtp::{self, EndOfData};

/// What `send` did (`calame send --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SendOutcome {
    pub message_id: String,
    /// `sent` (accepted by the server) or `queued` (it will leave on a later flush).
    pub status: String,
    /// The folder the copy was filed in, once it is.
    pub filed_in: Option<String>,
    /// Something the user should know about a sent message (its copy not filed where asked).
    pub warning: Option<String>,
}

impl SendOutcome {
    /// Queued, not sent yet.
    pub(super) fn queued(message_id: String) -> SendOutcome {
        SendOutcome {
            message_id,
            status: "queued".into(),
            filed_in: None,
            warning: None,
        }
    }
}

/// Who a message is from: an identity by address, or a service on whose behalf the agent writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `--from ADDR`: one of [`Calame::identities`]; `None`: the account's own.
    pub address: Option<String>,
    /// `--on-behalf-of SERVICE`: From = the service, Sender = the account.
    pub on_behalf_of: Option<String>,
}

/// What a flush did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FlushReport {
    /// Accepted by the server during this flush.
    pub sent: Vec<String>,
    /// (Message-ID, folder): copies filed.
    pub filed: Vec<(String, String)>,
    /// (Message-ID, what the user should know): copies filed elsewhere than asked, or not at
    /// all; messages refused for good or left unconfirmed.
    pub warnings: Vec<(String, String)>,
}

/// A refusal that may pass later (4xx) is tried this many times before the item stops.
const MAX_TRANSIENT_ATTEMPTS: u32 = 10;
/// Backoff after a failed attempt: doubling from the first, up to the last.
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LAST_RETRY: Duration = Duration::from_secs(30 * 60);

impl Calame {
    /// The identities of an account: its own address first (dressed by a configured identity
    /// of the same address), then the configured ones, then the service mailboxes seen in the
    /// shared namespace (send-as, with the service's own Sent), each address once.
    pub fn identities(&self, email: &str) -> Result<Vec<Identity>> {
        let account = self.account(Some(email))?;
        let own = account
            .identities
            .iter()
            .find(|i| i.email.eq_ignore_ascii_case(&account.email))
            .cloned()
            .unwrap_or_else(|| Identity {
                email: account.email.clone(),
                name: account.name.clone(),
                ..Identity::default()
            });
        let mut all = vec![Identity {
            mode: SendMode::Own,
            ..own
        }];
        for identity in &account.identities {
            if !all.iter().any(|i| i.email.eq_ignore_ascii_case(&identity.email)) {
                all.push(identity.clone());
            }
        }
        for folder in self.store.folders(Some(&account.email))? {
            let Some(owner) = folder.owner.as_deref().filter(|_| folder.shared) else {
                continue;
            };
            let address = owner_address(owner, &account.email);
            if !all.iter().any(|i| i.email.eq_ignore_ascii_case(&address)) {
                all.push(Identity {
                    email: address,
                    mode: SendMode::SendAs,
                    discovered: true,
                    ..Identity::default()
                });
            }
        }
        Ok(all)
    }

    /// Add or replace (by address) a configured identity.
    pub fn set_identity(&self, email: &str, identity: Identity) -> Result<()> {
        identity.check()?;
        let mut account = self.account(Some(email))?;
        account
            .identities
            .retain(|i| !i.email.eq_ignore_ascii_case(&identity.email));
        account.identities.push(Identity {
            discovered: false,
            ..identity
        });
        self.save_account(&account)
    }

    /// Forget a configured identity.
    pub fn remove_identity(&self, email: &str, address: &str) -> Result<()> {
        let mut account = self.account(Some(email))?;
        let before = account.identities.len();
        account.identities.retain(|i| !i.email.eq_ignore_ascii_case(address));
        if account.identities.len() == before {
            return Err(Error::NotFound(format!("no configured identity {address} in {email}")));
        }
        self.save_account(&account)
    }

    /// Queue `draft` from the account (or the identity `from` picks) and, when `online`, send
    /// it now.
    pub async fn send(&self, email: &str, draft: Draft, from: &Origin, online: bool) -> Result<SendOutcome> {
        if !online {
            return self.send_with(email, draft, from, None).await;
        }
        let password = password_for(email).await?;
        self.send_with(email, draft, from, Some(&password)).await
    }

    /// [`Calame::send`] with the password given by the caller; `None` only queues.
    pub async fn send_with(
        &self,
        email: &str,
        draft: Draft,
        from: &Origin,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let account = self.account(Some(email))?;
        let message_id = self.enqueue(&account, draft, from)?;
        match password {
            Some(password) => self.send_queued(&account, &message_id, password).await,
            None => Ok(SendOutcome::queued(message_id)),
        }
    }

    /// Dress `draft` for the identity, build it and queue it in the outbox, durably; its
    /// Message-ID.
    pub(crate) fn enqueue(&self, account: &Account, draft: Draft, from: &Origin) -> Result<String> {
        let (draft, sent_folder) = self.dress(account, draft, from)?;
        let built = compose::build(&draft, SystemTime::now())?;
        let item = Item {
            message_id: built.message_id.clone(),
            account: account.email.clone(),
            subject: draft.subject.clone(),
            to: built.recipients.clone(),
            envelope_from: built.envelope_from.clone(),
            state: State::Queued,
            queued_at: rfc3339(SystemTime::now()),
            sent_folder,
            ..Item::default()
        };
        self.outbox.push(&item, &built.raw)?;
        Ok(built.message_id)
    }

    /// Send the account's outbox now, and say what became of the queued `message_id`.
    pub(crate) async fn send_queued(
        &self,
        account: &Account,
        message_id: &str,
        password: &Secret<String>,
    ) -> Result<SendOutcome> {
        let mut outcome = SendOutcome::queued(message_id.to_owned());
        let report = match self.send_outbox(account, password, false).await {
            Ok(report) => report,
            // Still in the outbox: it leaves with a later flush.
            Err(e) if e.kind() == ErrorKind::Network => {
                tracing::warn!("{message_id}: kept in the outbox: {e}");
                FlushReport::default()
            }
            Err(e) => return Err(e),
        };
        outcome.warning = report
            .warnings
            .iter()
            .find(|(id, _)| id == message_id)
            .map(|(_, w)| w.clone());
        outcome.filed_in = report
            .filed
            .iter()
            .find(|(id, _)| id == message_id)
            .map(|(_, f)| f.clone());
        match self.outbox.get(message_id)? {
            None => outcome.status = "sent".into(),
            Some(i) if matches!(i.state, State::Accepted | State::Filed) => outcome.status = "sent".into(),
            Some(Item {
                state: State::Failed,
                last_error,
                ..
            }) => return Err(Error::Refused(last_error.unwrap_or_else(|| "refused".into()))),
            Some(Item {
                state: State::Unconfirmed,
                last_error,
                ..
            }) => {
                let host = account
                    .smtp
                    .as_ref()
                    .map_or_else(|| account.email.clone(), |e| e.host.clone());
                return Err(Error::network(&host, last_error.unwrap_or_default()));
            }
            Some(_) => {}
        }
        Ok(outcome)
    }

    /// The draft as the identity sends it (From, Sender, Reply-To, signature) and the folder
    /// its copy goes to (`None`: the account's own Sent).
    pub(crate) fn dress(&self, account: &Account, mut draft: Draft, from: &Origin) -> Result<(Draft, Option<String>)> {
        let identities = self.identities(&account.email)?;
        let find = |address: &str| {
            identities
                .iter()
                .find(|i| i.email.eq_ignore_ascii_case(address))
                .cloned()
        };
        let (identity, on_behalf) = match (&from.on_behalf_of, &from.address) {
            (Some(_), Some(_)) => {
                return Err(Error::BadInput("--from and --on-behalf-of exclude each other".into()));
            }
            (Some(service), None) => {
                let identity = find(service).unwrap_or_else(|| Identity {
                    email: service.clone(),
                    ..Identity::default()
                });
                (identity, true)
            }
            (None, Some(address)) => {
                let identity = find(address).ok_or_else(|| {
                    let known: Vec<&str> = identities.iter().map(|i| i.email.as_str()).collect();
                    Error::BadInput(format!(
                        "{address} is not an identity of {} (known: {})",
                        account.email,
                        known.join(", ")
                    ))
                })?;
                let on_behalf = identity.mode == SendMode::OnBehalf;
                (identity, on_behalf)
            }
            (None, None) => match identities.first() {
                Some(own) => (own.clone(), false),
                None => return Err(Error::NotFound(format!("no identity for {}", account.email))),
            },
        };
        identity.check()?;
        let own = !identity.email.eq_ignore_ascii_case(&account.email);
        draft.from = Some(Address {
            name: identity.name.clone(),
            email: identity.email.clone(),
        });
        if on_behalf && own {
            draft.sender = Some(Address {
                name: account.name.clone(),
                email: account.email.clone(),
            });
        }
        if draft.reply_to.is_none() {
            draft.reply_to = identity.reply_to.as_ref().map(|r| Address {
                name: None,
                email: r.clone(),
            });
        }
        if let Some(signature) = identity.signature.as_deref().filter(|s| !s.trim().is_empty()) {
            if !draft.text.contains(signature.trim()) {
                draft.text = format!("{}\n\n-- \n{signature}", draft.text.trim_end());
            }
        }
        let sent_folder = match identity.sent_folder {
            Some(folder) => Some(folder),
            None if own => self.service_sent(account, &identity.email)?.map(|f| f.name),
            None => None,
        };
        Ok((draft, sent_folder))
    }

    /// A service mailbox's own Sent folder, as seen through the shared namespace.
    fn service_sent(&self, account: &Account, service: &str) -> Result<Option<Folder>> {
        Ok(self.store.folders(Some(&account.email))?.into_iter().find(|f| {
            f.shared
                && f.role == Some(Role::Sent)
                && f.owner
                    .as_deref()
                    .is_some_and(|o| owner_address(o, &account.email).eq_ignore_ascii_case(service))
        }))
    }

    /// The outbox's items (of one account, or all), oldest first.
    pub fn outbox_items(&self, email: Option<&str>) -> Result<Vec<Item>> {
        let contents = self.outbox.items()?;
        for (path, reason) in &contents.damaged {
            tracing::warn!("unreadable outbox record {}: {reason}", path.display());
        }
        Ok(contents
            .items
            .into_iter()
            .filter(|i| email.is_none_or(|e| i.account == e))
            .collect())
    }

    /// Put a failed or unconfirmed item back in the queue (the user's decision: it may be
    /// sent twice if an unconfirmed one did arrive).
    pub fn retry_outbox_item(&self, message_id: &str) -> Result<Item> {
        let mut item = self
            .outbox
            .get(message_id)?
            .ok_or_else(|| Error::NotFound(format!("{message_id} is not in the outbox")))?;
        if !matches!(item.state, State::Failed | State::Unconfirmed | State::Queued) {
            return Err(Error::Conflict(format!(
                "{message_id} is {:?}: only a failed or unconfirmed message is sent again",
                item.state
            )));
        }
        item.state = State::Queued;
        item.next_attempt = None;
        self.outbox.put(&item)?;
        Ok(item)
    }

    /// Drop an item that has not been accepted (failed, unconfirmed, or still queued).
    pub fn drop_outbox_item(&self, message_id: &str) -> Result<()> {
        let item = self
            .outbox
            .get(message_id)?
            .ok_or_else(|| Error::NotFound(format!("{message_id} is not in the outbox")))?;
        if matches!(
            item.state,
            State::Sending | State::Confirming | State::Accepted | State::Filed
        ) {
            return Err(Error::Conflict(format!(
                "{message_id} is {:?}: it is leaving or has left",
                item.state
            )));
        }
        self.outbox.remove(message_id)
    }

    /// [`Calame::flush_outbox_with`] with the account's stored password.
    pub async fn flush_outbox(&self, email: &str) -> Result<FlushReport> {
        let password = password_for(email).await?;
        self.flush_outbox_with(email, &password).await
    }

    /// Send everything the outbox holds for the account now, backoff or not, and file the
    /// copies.
    pub async fn flush_outbox_with(&self, email: &str, password: &Secret<String>) -> Result<FlushReport> {
        let account = self.account(Some(email))?;
        self.send_outbox(&account, password, true).await
    }

    /// When the next queued item of the account is due (for `watch`), if any.
    pub(crate) fn outbox_next_due(&self, email: &str) -> Result<Option<SystemTime>> {
        Ok(self
            .outbox_items(Some(email))?
            .iter()
            .filter(|i| {
                matches!(
                    i.state,
                    State::Queued | State::Sending | State::Confirming | State::Accepted
                )
            })
            .map(due_at)
            .min())
    }

    /// Send what the outbox holds for the account (`all`: backoff ignored) and file the copies.
    /// Acceptance is recorded the moment the server says so, before filing: a message
    /// accepted is never sent again. A refusal for good marks the message failed (and the
    /// others go on); a network error stops, leaving the rest queued with a backoff.
    pub(crate) async fn send_outbox(
        &self,
        account: &Account,
        password: &Secret<String>,
        all: bool,
    ) -> Result<FlushReport> {
        let _one_at_a_time = self.flushing.lock().await;
        let mut report = FlushReport::default();
        let now = SystemTime::now();
        let mut to_send = Vec::new();
        for item in self.outbox_items(Some(&account.email))? {
            // Left half-way by a crash.
            let item = self.outbox.settle(&item)?;
            match item.state {
                State::Queued | State::Sending if all || due_at(&item) <= now => to_send.push(item),
                State::Unconfirmed => report
                    .warnings
                    .push((item.message_id.clone(), item.last_error.clone().unwrap_or_default())),
                _ => {}
            }
        }
        let mut stopped = None;
        let mut submission: Option<smtp::Submission> = None;
        for (index, item) in to_send.iter().enumerate() {
            if submission.as_ref().is_some_and(|s| !s.is_usable()) {
                submission = None;
            }
            let conn = match &mut submission {
                Some(conn) => conn,
                None => match smtp::connect(account, password).await {
                    Ok(conn) => submission.insert(conn),
                    Err(e) => {
                        for waiting in to_send.get(index..).unwrap_or_default() {
                            self.retry_later(&waiting.message_id, &e.to_string(), true)?;
                        }
                        stopped = Some(e);
                        break;
                    }
                },
            };
            let raw = self.outbox.message(&item.message_id)?;
            let sending = self.outbox.mark(&item.message_id, State::Sending, None)?;
            let prepared = match self.outbox.prepare_confirming(&sending) {
                Ok(prepared) => prepared,
                Err(e) => {
                    // Our own storage failed before anything was sent.
                    self.retry_later(&item.message_id, &e.to_string(), false)?;
                    stopped = Some(e);
                    break;
                }
            };
            let end = Box::new(Confirm {
                prepared: Some(prepared),
            });
            let failure = match conn.send(&item.envelope_from, &item.to, &raw, end).await {
                Ok(()) => {
                    let mut accepted = sending;
                    accepted.state = State::Accepted;
                    accepted.last_error = None;
                    accepted.next_attempt = None;
                    accepted.boot = None;
                    self.outbox.put(&accepted)?;
                    report.sent.push(item.message_id.clone());
                    continue;
                }
                Err(failure) => failure,
            };
            let why = failure.error.to_string();
            if failure.after_end {
                self.outbox.mark(
                    &item.message_id,
                    State::Unconfirmed,
                    Some(&format!(
                        "no answer after the end of the message ({why}): the server may have it; \
                         `outbox retry` sends it again"
                    )),
                )?;
                report.warnings.push((item.message_id.clone(), why));
            } else if failure.permanent {
                self.outbox.mark(&item.message_id, State::Failed, Some(&why))?;
                report.warnings.push((item.message_id.clone(), why));
            } else if failure.error.kind() == ErrorKind::Refused {
                // Refused for now (4xx): later, up to a point.
                if sending.attempts >= MAX_TRANSIENT_ATTEMPTS {
                    let why = format!("refused {} times, stopped: {why}", sending.attempts);
                    self.outbox.mark(&item.message_id, State::Failed, Some(&why))?;
                    report.warnings.push((item.message_id.clone(), why));
                } else {
                    self.retry_later(&item.message_id, &why, false)?;
                }
            } else {
                // The line or our own storage failed before the end: nothing was delivered.
                self.retry_later(&item.message_id, &why, false)?;
                for waiting in to_send.get(index + 1..).unwrap_or_default() {
                    self.retry_later(&waiting.message_id, &why, true)?;
                }
                stopped = Some(failure.error);
                break;
            }
        }
        if let Some(conn) = submission {
            conn.quit().await;
        }
        let filed = self.file_accepted(account, password, &mut report).await;
        match (stopped, filed) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(())) => Ok(report),
        }
    }

    /// Back to `queued`, not before a backoff that grows with the attempts (`count`: this
    /// failure is an attempt of its own, one that never reached `sending`).
    fn retry_later(&self, message_id: &str, why: &str, count: bool) -> Result<()> {
        let Some(mut item) = self.outbox.get(message_id)? else {
            return Ok(());
        };
        if count {
            item.attempts = item.attempts.saturating_add(1);
        }
        let exponent = item.attempts.saturating_sub(1).min(16);
        let wait = FIRST_RETRY.saturating_mul(1 << exponent).min(LAST_RETRY);
        item.state = State::Queued;
        item.last_error = Some(why.to_owned());
        item.next_attempt = Some(rfc3339(SystemTime::now() + wait));
        self.outbox.put(&item)
    }

    /// Copy accepted messages into their Sent folder (the identity's, else the account's own),
    /// then forget them. A copy the identity's folder refuses goes to the account's own Sent,
    /// and the user is told; a message is forgotten only once its copy is filed.
    async fn file_accepted(
        &self,
        account: &Account,
        password: &Secret<String>,
        report: &mut FlushReport,
    ) -> Result<()> {
        let mut accepted = Vec::new();
        for item in self.outbox_items(Some(&account.email))? {
            match item.state {
                State::Accepted => accepted.push(item),
                // Filed before a crash, not yet forgotten.
                State::Filed => self.outbox.remove(&item.message_id)?,
                _ => {}
            }
        }
        if accepted.is_empty() {
            return Ok(());
        }
        let folders = self.store.folders(Some(&account.email))?;
        let own_sent = folders.iter().find(|f| f.role == Some(Role::Sent) && !f.shared);
        let mut conn = imap::connect(account, password).await?;
        for item in &accepted {
            let asked = item
                .sent_folder
                .as_deref()
                .map(|name| folders.iter().find(|f| f.name == name).ok_or(name));
            let mut targets: Vec<&Folder> = Vec::new();
            let mut warning = None;
            match asked {
                Some(Ok(folder)) if !folder.rights.is_empty() && !folder.rights.contains('i') => {
                    warning = Some(format!(
                        "{} may not add messages to {} (rights {})",
                        account.email, folder.name, folder.rights
                    ));
                }
                Some(Ok(folder)) => targets.push(folder),
                Some(Err(name)) => warning = Some(format!("there is no folder {name}")),
                None => {}
            }
            targets.extend(own_sent.filter(|own| targets.iter().all(|t| t.name != own.name)));
            let mut filed_in = None;
            for target in targets {
                match self.file_one(&mut conn, item, target).await {
                    Ok(()) => {
                        filed_in = Some(target.name.clone());
                        break;
                    }
                    Err(e) if e.kind() == ErrorKind::Refused => {
                        warning = Some(format!("the copy could not go to {}: {e}", target.name));
                    }
                    Err(e) => {
                        conn.logout().await;
                        return Err(e);
                    }
                }
            }
            match filed_in {
                Some(folder) => {
                    if let Some(w) = warning {
                        report
                            .warnings
                            .push((item.message_id.clone(), format!("sent; {w}; copy filed in {folder}")));
                    }
                    let mut filed = item.clone();
                    filed.state = State::Filed;
                    filed.filed_in = Some(folder.clone());
                    self.outbox.put(&filed)?;
                    self.outbox.remove(&item.message_id)?;
                    report.filed.push((item.message_id.clone(), folder));
                }
                None => {
                    let why = format!(
                        "sent, but no copy filed: {}",
                        warning.unwrap_or_else(|| "no Sent folder".into())
                    );
                    self.outbox.mark(&item.message_id, State::Accepted, Some(&why))?;
                    report.warnings.push((item.message_id.clone(), why));
                }
            }
        }
        conn.logout().await;
        Ok(())
    }

    /// APPEND one copy, unless an APPEND of it that was cut (crash) already put it there.
    async fn file_one(&self, conn: &mut imap::Connection, item: &Item, folder: &Folder) -> Result<()> {
        let raw_name = folder.raw_name.clone().unwrap_or_else(|| folder.name.clone());
        if item.filing {
            imap::select_plain(conn, &raw_name).await?;
            let id = format!("<{}>", item.message_id);
            if !imap::uid_search_text(conn, &[(SearchKey::MessageId, &id)])
                .await?
                .is_empty()
            {
                return Ok(());
            }
        } else {
            let mut filing = item.clone();
            filing.filing = true;
            self.outbox.put(&filing)?;
        }
        let raw = self.outbox.message(&item.message_id)?;
        imap::append(conn, &raw_name, Some("(\\Seen)"), &raw).await
    }
}

/// The outbox's side of the end of the data: the end mark set just before the dot is
/// written, the `confirming` record put in place after (see [`crate::outbox`]).
struct Confirm {
    prepared: Option<Prepared>,
}

impl EndOfData for Confirm {
    fn before(&mut self) -> Result<()> {
        match self.prepared.as_mut() {
            Some(prepared) => {
                prepared.mark_end();
                Ok(())
            }
            None => Err(Error::BadInput("the end of this message was already given".into())),
        }
    }

    fn after(&mut self) -> Result<()> {
        match self.prepared.take() {
            Some(prepared) => prepared.put_in_place(),
            None => Ok(()),
        }
    }
}

pub(super) fn rfc3339(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339()
}

/// When an item may next be tried: its backoff, or now.
fn due_at(item: &Item) -> SystemTime {
    item.next_attempt
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(SystemTime::from)
        .unwrap_or(SystemTime::UNIX_EPOCH)
}
