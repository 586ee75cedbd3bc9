//! Sending: a message is built, queued durably in the outbox, then sent and filed in Sent by
//! [`Calame::flush_outbox_with`], now when online or on a later flush.

use std::time::SystemTime;

use serde::Serialize;
use ts_rs::TS;

use super::{password_for, Calame};
use crate::compose::{self, Draft};
use crate::envelope::Address;
use crate::error::{Error, ErrorKind, Result};
use crate::folder::Role;
use crate::imap;
use crate::outbox::{Item, State};
use crate::secret::Secret;
use crate::smtp;

/// What `send` did (`calame send --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SendOutcome {
    pub message_id: String,
    /// `sent` (accepted by the server) or `queued` (it will leave on a later flush).
    pub status: String,
}

impl Calame {
    /// Queue `draft` from the account (its own address unless `draft.from` says otherwise) and,
    /// when `online`, send it now.
    pub async fn send(&self, email: &str, draft: Draft, online: bool) -> Result<SendOutcome> {
        if !online {
            return self.send_with(email, draft, None).await;
        }
        let password = password_for(email).await?;
        self.send_with(email, draft, Some(&password)).await
    }

    /// [`Calame::send`] with the password given by the caller; `None` only queues.
    pub async fn send_with(
        &self,
        email: &str,
        mut draft: Draft,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let account = self.account(Some(email))?;
        if draft.from.is_none() {
            draft.from = Some(Address {
                name: account.name.clone(),
                email: account.email.clone(),
            });
        }
        let built = compose::build(&draft, SystemTime::now())?;
        let queued_at = chrono::DateTime::<chrono::Utc>::from(SystemTime::now()).to_rfc3339();
        let item = Item {
            message_id: built.message_id.clone(),
            account: account.email.clone(),
            subject: draft.subject.clone(),
            to: built.recipients.clone(),
            envelope_from: built.envelope_from.clone(),
            state: State::Queued,
            attempts: 0,
            last_error: None,
            queued_at,
        };
        self.outbox.push(&item, &built.raw)?;
        let mut status = "queued";
        if let Some(password) = password {
            match self.flush_outbox_with(&account.email, password).await {
                Ok(()) => {}
                // Still in the outbox: it leaves with a later flush.
                Err(e) if e.kind() == ErrorKind::Network => {
                    tracing::warn!("{}: kept in the outbox: {e}", built.message_id);
                }
                Err(e) => return Err(e),
            }
            let left = self.outbox.get(&built.message_id)?;
            if left
                .as_ref()
                .is_none_or(|i| matches!(i.state, State::Accepted | State::Filed))
            {
                status = "sent";
            } else if let Some(Item {
                state: State::Failed,
                last_error,
                ..
            }) = left
            {
                return Err(Error::Refused(last_error.unwrap_or_else(|| "refused".into())));
            }
        }
        Ok(SendOutcome {
            message_id: built.message_id,
            status: status.into(),
        })
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

    /// [`Calame::flush_outbox_with`] with the account's stored password.
    pub async fn flush_outbox(&self, email: &str) -> Result<()> {
        let password = password_for(email).await?;
        self.flush_outbox_with(email, &password).await
    }

    /// Send what the outbox holds for the account and file the copies in its Sent folder.
    /// Acceptance is recorded the moment the server says so, before filing: a message accepted
    /// is never sent again. A refusal for good marks the message failed (and the others go
    /// on); a network error stops, leaving the rest queued.
    pub async fn flush_outbox_with(&self, email: &str, password: &Secret<String>) -> Result<()> {
        let account = self.account(Some(email))?;
        let items: Vec<Item> = self
            .outbox_items(Some(&account.email))?
            .into_iter()
            .filter(|i| matches!(i.state, State::Queued | State::Sending | State::Accepted))
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        let mut submission = None;
        for item in items.iter().filter(|i| i.state != State::Accepted) {
            if submission.is_none() {
                submission = Some(smtp::connect(&account, password).await?);
            }
            let Some(conn) = submission.as_mut() else { continue };
            let raw = self.outbox.message(&item.message_id)?;
            self.outbox.mark(&item.message_id, State::Sending, None)?;
            match conn.send(&item.envelope_from, &item.to, &raw).await {
                Ok(()) => {
                    self.outbox.mark(&item.message_id, State::Accepted, None)?;
                }
                Err(e) if e.kind() == ErrorKind::Refused || e.kind() == ErrorKind::BadInput => {
                    self.outbox
                        .mark(&item.message_id, State::Failed, Some(&e.to_string()))?;
                }
                Err(e) => {
                    self.outbox
                        .mark(&item.message_id, State::Queued, Some(&e.to_string()))?;
                    return Err(e);
                }
            }
        }
        if let Some(conn) = submission {
            conn.quit().await;
        }
        self.file_accepted(&account, password).await
    }

    /// Copy accepted messages into the account's Sent folder, then forget them.
    async fn file_accepted(&self, account: &crate::account::Account, password: &Secret<String>) -> Result<()> {
        let accepted: Vec<Item> = self
            .outbox_items(Some(&account.email))?
            .into_iter()
            .filter(|i| i.state == State::Accepted)
            .collect();
        if accepted.is_empty() {
            return Ok(());
        }
        let folders = self.store.folders(Some(&account.email))?;
        let Some(sent) = folders.iter().find(|f| f.role == Some(Role::Sent) && !f.shared) else {
            for item in &accepted {
                self.outbox.mark(
                    &item.message_id,
                    State::Accepted,
                    Some("no Sent folder to file a copy in"),
                )?;
            }
            return Ok(());
        };
        let raw_name = sent.raw_name.clone().unwrap_or_else(|| sent.name.clone());
        let mut conn = imap::connect(account, password).await?;
        for item in &accepted {
            let raw = self.outbox.message(&item.message_id)?;
            match imap::append(&mut conn, &raw_name, Some("(\\Seen)"), &raw).await {
                Ok(()) => {
                    self.outbox.mark(&item.message_id, State::Filed, None)?;
                    self.outbox.remove(&item.message_id)?;
                }
                Err(e) if e.kind() == ErrorKind::Refused => {
                    let why = format!("sent, but not filed in {}: {e}", sent.name);
                    self.outbox.mark(&item.message_id, State::Accepted, Some(&why))?;
                }
                Err(e) => {
                    conn.logout().await;
                    return Err(e);
                }
            }
        }
        conn.logout().await;
        Ok(())
    }
}
