//! Replies and forwards of a cached message: the draft built from it (quoting, threading,
//! forwarded attachments, in `compose`), who it is from (in a service mailbox's folder, the
//! service, on its behalf, unless the user says otherwise), and the original marked answered
//! or forwarded once the answer is queued.

use super::send::{Origin, SendOutcome};
use super::{password_for, Calame};
use crate::account::{owner_address, SendMode};
use crate::actions::Action;
use crate::compose::{self, AttachmentFile, Draft, ReplyKind};
use crate::envelope::Address;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// What to write about a cached message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Reply,
    ReplyAll,
    Forward { to: Vec<Address> },
}

/// An answer to write: to which message, what kind, the user's part, and who it is from
/// (`Origin::default()`: decided from the folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering {
    pub folder: String,
    pub uid: u32,
    pub answer: Answer,
    pub text: AnswerText,
    pub origin: Origin,
}

/// The user's part of an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerText {
    pub text: String,
    /// More recipients (Cc) than the answer's own.
    pub cc: Vec<Address>,
    pub attachments: Vec<AttachmentFile>,
}

impl Calame {
    /// The draft answering message `uid` of `folder` (read from the cache, or fetched with
    /// `password`), and who it is from: `origin` when the user chose, else the service for a
    /// message in a service mailbox's folder (on its behalf, or as its identity says), else
    /// the account's own address.
    pub async fn answer_draft(
        &self,
        email: &str,
        answering: &Answering,
        password: Option<&Secret<String>>,
    ) -> Result<(Draft, Origin)> {
        let (draft, origin) = self.answer_draft_unchecked(email, answering, password).await?;
        if draft.to.is_empty() && draft.cc.is_empty() {
            return Err(Error::BadInput(format!(
                "message {} of {} gives nobody to answer: name the recipients",
                answering.uid, answering.folder
            )));
        }
        Ok((draft, origin))
    }

    /// [`Calame::answer_draft`], recipients or not (a form fills them in).
    pub(crate) async fn answer_draft_unchecked(
        &self,
        email: &str,
        answering: &Answering,
        password: Option<&Secret<String>>,
    ) -> Result<(Draft, Origin)> {
        let Answering {
            folder,
            uid,
            answer,
            text,
            origin,
        } = answering;
        let (folder, uid) = (folder.as_str(), *uid);
        let account = self.account(Some(email))?;
        let raw = self.raw_message_with(&account.email, folder, uid, password).await?;
        let identities = self.identities(&account.email)?;
        let origin = if origin.address.is_some() || origin.on_behalf_of.is_some() {
            origin.clone()
        } else {
            self.origin_for_folder(&account.email, folder)?
        };
        let from = origin
            .on_behalf_of
            .as_ref()
            .or(origin.address.as_ref())
            .unwrap_or(&account.email);
        let identity = identities.iter().find(|i| i.email.eq_ignore_ascii_case(from));
        let me = Address {
            name: identity.and_then(|i| i.name.clone()),
            email: from.clone(),
        };
        let mine: Vec<String> = identities.iter().map(|i| i.email.clone()).collect();
        let mut draft = match answer {
            Answer::Reply => compose::reply(&raw, ReplyKind::Reply, &me, &mine, &text.text)?,
            Answer::ReplyAll => compose::reply(&raw, ReplyKind::ReplyAll, &me, &mine, &text.text)?,
            Answer::Forward { to } => compose::forward(&raw, &me, to.clone(), &text.text)?,
        };
        draft.cc.extend(text.cc.iter().cloned());
        draft.attachments.extend(text.attachments.iter().cloned());
        Ok((draft, origin))
    }

    /// Who answers from a folder: the service whose mailbox it is in (on its behalf unless
    /// its identity says send-as), else the account.
    fn origin_for_folder(&self, email: &str, folder: &str) -> Result<Origin> {
        let folders = self.store.folders(Some(email))?;
        let Some(owner) = folders
            .iter()
            .find(|f| f.name == folder)
            .filter(|f| f.shared)
            .and_then(|f| f.owner.as_deref())
        else {
            return Ok(Origin::default());
        };
        let service = owner_address(owner, email);
        let configured = self
            .account(Some(email))?
            .identities
            .into_iter()
            .find(|i| i.email.eq_ignore_ascii_case(&service));
        Ok(match configured.map(|i| i.mode) {
            Some(SendMode::SendAs) | Some(SendMode::Own) => Origin {
                address: Some(service),
                on_behalf_of: None,
            },
            Some(SendMode::OnBehalf) | None => Origin {
                address: None,
                on_behalf_of: Some(service),
            },
        })
    }

    /// Answer a message and, when `online`, send the answer now (else it is queued); see
    /// [`Calame::answer_with`].
    pub async fn answer(&self, email: &str, answering: &Answering, online: bool) -> Result<SendOutcome> {
        let password = match online {
            true => Some(password_for(email).await?),
            false => None,
        };
        self.answer_with(email, answering, password.as_ref()).await
    }

    /// Answer a message and send (or, without a password, queue) the answer; once it is in
    /// the outbox the original is marked `\Answered` (or `$Forwarded`), queued like any action.
    pub async fn answer_with(
        &self,
        email: &str,
        answering: &Answering,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let (draft, origin) = self.answer_draft(email, answering, password).await?;
        let outcome = self.send_with(email, draft, &origin, password).await?;
        let forward = matches!(answering.answer, Answer::Forward { .. });
        self.mark_answered(email, &answering.folder, answering.uid, forward, password)
            .await;
        Ok(outcome)
    }

    /// Mark a message `\Answered` (or `$Forwarded`), queued like any action and sent now with
    /// a password; a failure is only logged (the answer itself has gone).
    pub(crate) async fn mark_answered(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        forward: bool,
        password: Option<&Secret<String>>,
    ) {
        let flag = if forward { "$Forwarded" } else { "\\Answered" };
        let marked = self.act(
            email,
            Action::Flag {
                folder: folder.to_owned(),
                uids: vec![uid],
                add: vec![flag.to_owned()],
                remove: Vec::new(),
            },
        );
        if let Err(e) = marked {
            tracing::warn!("{folder} {uid}: not marked {flag}: {e}");
        } else if let Some(password) = password {
            if let Err(e) = self.flush_with(email, password).await {
                tracing::warn!("{folder} {uid}: {flag} left queued: {e}");
            }
        }
    }
}
