//! What the app's composer needs: a form started from a message to answer or from a draft,
//! then saved or sent as the user left it, keeping what it builds on (threading headers,
//! forwarded or drafted attachments). The CLI's `reply`, `forward` and `draft` commands go
//! through `reply` and `drafts` directly; these functions join the two for a form.

use serde::Serialize;
use ts_rs::TS;

use super::drafts::DraftOutcome;
use super::reply::{Answer, AnswerText, Answering};
use super::send::{Origin, SendOutcome};
use super::Calame;
use crate::compose::Draft;
use crate::error::Result;
use crate::input::{AnswerKind, AnswerRef, DraftInput};
use crate::secret::Secret;

/// A form to start from: its fields, and the attachments it carries over (a forward's, a
/// draft's), which [`DraftInput::kept_attachments`] may drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ComposeStart {
    pub draft: DraftInput,
    pub attachments: Vec<CarriedAttachment>,
}

/// An attachment a form carries over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CarriedAttachment {
    pub name: String,
    pub size: usize,
}

impl Calame {
    /// A form answering message `uid` of `folder`: recipients, subject, the quoted text under
    /// an empty line for the user's, and who it is from (a service mailbox's folder: the
    /// service), as [`Calame::answer_draft`] makes them.
    pub async fn compose_answer(
        &self,
        email: &str,
        answering: &AnswerRef,
        password: Option<&Secret<String>>,
    ) -> Result<ComposeStart> {
        let (draft, origin) = self.answer_base(email, answering, password).await?;
        Ok(start(draft, origin, Some(answering.clone()), None))
    }

    /// A form continuing a draft (see [`Calame::open_draft_with`]).
    pub async fn compose_draft(
        &self,
        email: &str,
        draft_id: &str,
        password: Option<&Secret<String>>,
    ) -> Result<ComposeStart> {
        let account = self.account(Some(email))?;
        let draft = self.open_draft_with(&account.email, draft_id, password).await?;
        let origin = Origin::of_draft(&draft, &account.email);
        let id = draft_id.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        Ok(start(draft, origin, None, Some(id)))
    }

    /// Save the form as a draft (a new one, or a new version of its `draft_id`).
    pub async fn save_form(
        &self,
        email: &str,
        form: DraftInput,
        password: Option<&Secret<String>>,
    ) -> Result<DraftOutcome> {
        let draft_id = form.draft_id.clone();
        let (draft, origin) = self.form_draft(email, form, password).await?;
        self.save_draft(email, draft_id.as_deref(), draft, &origin, password)
            .await
    }

    /// Send the form through the outbox; the draft it continues is removed once the message
    /// is queued, and the message it answers is marked answered or forwarded. Once the
    /// message is queued nothing is an error: what keeps it from leaving now (the network,
    /// the server, the login) is the outcome's warning, and it stays in the outbox to leave
    /// later, so that no one sends it a second time thinking it failed.
    pub async fn send_form(
        &self,
        email: &str,
        form: DraftInput,
        password: Option<&Secret<String>>,
    ) -> Result<SendOutcome> {
        let account = self.account(Some(email))?;
        let answering = form.answering.clone();
        let draft_id = form.draft_id.clone();
        let (draft, origin) = self.form_draft(&account.email, form, password).await?;
        let message_id = match &draft_id {
            Some(id) => self.queue_continued_draft(&account, id, draft, &origin)?,
            None => self.enqueue(&account, draft, &origin)?,
        };
        let mut outcome = SendOutcome::queued(message_id.clone());
        if let Some(password) = password {
            let drafts_warning = match &draft_id {
                Some(id) => self.drafts_warning(&account, password, id).await,
                None => None,
            };
            outcome = match self.send_queued(&account, &message_id, password).await {
                Ok(sent) => sent,
                Err(e) => SendOutcome {
                    warning: Some(format!("kept in the outbox, to leave later: {e}")),
                    ..outcome
                },
            };
            if outcome.warning.is_none() {
                outcome.warning = drafts_warning.map(|w| format!("the draft is still in Drafts: {w}"));
            }
        }
        if let Some(answering) = answering {
            let forward = answering.kind == AnswerKind::Forward;
            self.mark_answered(&account.email, &answering.folder, answering.uid, forward, password)
                .await;
        }
        Ok(outcome)
    }

    /// The draft a form makes on what it builds on.
    async fn form_draft(
        &self,
        email: &str,
        form: DraftInput,
        password: Option<&Secret<String>>,
    ) -> Result<(Draft, Origin)> {
        let base = match (&form.answering, &form.draft_id) {
            (Some(answering), _) => self.answer_base(email, answering, password).await?.0,
            (None, Some(id)) => self.open_draft_with(email, id, password).await?,
            (None, None) => Draft::default(),
        };
        form.into_draft_on(base)
    }

    async fn answer_base(
        &self,
        email: &str,
        answering: &AnswerRef,
        password: Option<&Secret<String>>,
    ) -> Result<(Draft, Origin)> {
        let answer = match answering.kind {
            AnswerKind::Reply => Answer::Reply,
            AnswerKind::ReplyAll => Answer::ReplyAll,
            AnswerKind::Forward => Answer::Forward { to: Vec::new() },
        };
        let request = Answering {
            folder: answering.folder.clone(),
            uid: answering.uid,
            answer,
            text: AnswerText::default(),
            origin: Origin::default(),
        };
        self.answer_draft_unchecked(email, &request, password).await
    }
}

fn start(draft: Draft, origin: Origin, answering: Option<AnswerRef>, draft_id: Option<String>) -> ComposeStart {
    let attachments = draft
        .attachments
        .iter()
        .map(|a| CarriedAttachment {
            name: a.name.clone(),
            size: a.bytes.len(),
        })
        .collect();
    ComposeStart {
        draft: DraftInput {
            from: origin.address,
            on_behalf_of: origin.on_behalf_of,
            to: draft.to,
            cc: draft.cc,
            bcc: draft.bcc,
            subject: draft.subject,
            text: draft.text,
            html: None,
            attachments: Vec::new(),
            answering,
            draft_id,
            kept_attachments: None,
        },
        attachments,
    }
}
