//! Invitations by mail (iMIP, RFC 6047, carrying iTIP, RFC 5546).
//!
//! - Organiser: [`Calame::add_event`] with attendees sends one `METHOD:REQUEST` mail to all of
//!   them through the outbox, [`Calame::edit_event`] an updated REQUEST, and
//!   [`Calame::delete_event`] of the whole event a `METHOD:CANCEL`.
//! - Attendee: [`Calame::respond`] answers an invitation read in a folder: the event is stored
//!   in the user's first own writable calendar with their PARTSTAT, and a `METHOD:REPLY` goes
//!   to the organiser through the outbox.
//! - Both: [`Calame::apply_invitations_with`] reads the calendar mails of INBOX (found by the
//!   server's `UID SEARCH BODY "BEGIN:VCALENDAR"`, the newest [`MAX_SCANNED`]) and brings the
//!   stored events level: REPLYs update the organiser's attendees, REQUESTs with a higher
//!   SEQUENCE update an event already stored, CANCELs mark it cancelled. Nothing new is
//!   stored without the user's answer. Idempotent: an object is only written when it changes.
//!   A whole sync of an account with calendars runs it after the calendars' sync.

use serde::Serialize;

use super::send::SendOutcome;
use super::{find_folder, Calame, Origin};
use crate::account::Account;
use crate::calendar::{self, PartStat};
use crate::compose::{CalendarPart, Draft};
use crate::envelope::Address;
use crate::error::{Error, ErrorKind, Result};
use crate::imap::{self, SearchKey};
use crate::message;
use crate::secret::Secret;

/// The newest calendar mails of INBOX that [`Calame::apply_invitations_with`] reads.
pub const MAX_SCANNED: usize = 200;

/// What [`Calame::respond`] did (`calame cal respond --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Responded {
    pub uid: String,
    pub summary: Option<String>,
    /// The calendar the event is stored in.
    pub calendar: String,
    /// `ACCEPTED`, `TENTATIVE` or `DECLINED`.
    pub partstat: String,
    /// The organiser the reply goes to.
    pub organizer: String,
    /// The reply: sent, or queued in the outbox.
    pub reply: SendOutcome,
}

/// What [`Calame::apply_invitations_with`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvitationsApplied {
    /// Attendee statuses updated from replies (one per object written).
    pub replies: u32,
    /// Stored events updated by a newer REQUEST.
    pub updates: u32,
    pub cancelled: u32,
    /// Calendar mails that could not be applied, with why.
    pub problems: Vec<String>,
}

/// What an answer is called in a reply's subject.
fn answer_word(partstat: PartStat) -> &'static str {
    match partstat {
        PartStat::Accepted => "Accepté",
        PartStat::Tentative => "Provisoire",
        PartStat::Declined => "Refusé",
        PartStat::Delegated => "Délégué",
        PartStat::NeedsAction => "Sans réponse",
    }
}

/// The text part of a reply, in French.
fn answer_text(partstat: PartStat, who: &str, summary: &str) -> String {
    let verb = match partstat {
        PartStat::Accepted => "a accepté",
        PartStat::Tentative => "a accepté provisoirement",
        PartStat::Declined => "a refusé",
        PartStat::Delegated => "a délégué",
        PartStat::NeedsAction => "n'a pas encore répondu à",
    };
    format!("{who} {verb} l'invitation « {summary} ».\n")
}

impl Calame {
    /// Answer the invitation in message `uid` of `folder` (read from the cache, or fetched with
    /// `password`): store the event with `partstat` in the user's first own writable calendar
    /// (or where it already is), then send the REPLY to the organiser (now with a password,
    /// else queued in the outbox).
    pub async fn respond(
        &self,
        email: &str,
        folder: &str,
        uid: u32,
        partstat: PartStat,
        password: Option<&Secret<String>>,
    ) -> Result<Responded> {
        if !matches!(partstat, PartStat::Accepted | PartStat::Tentative | PartStat::Declined) {
            return Err(Error::BadInput("answer with accept, tentative or decline".into()));
        }
        let account = self.account(Some(email))?;
        let raw = self.raw_message_with(&account.email, folder, uid, password).await?;
        let (method, ics) =
            calendar_of(&raw).ok_or_else(|| Error::NotFound(format!("message {uid} of {folder} has no invitation")))?;
        if method != "REQUEST" {
            return Err(Error::BadInput(format!(
                "message {uid} of {folder} is a calendar {method}, not an invitation (REQUEST)"
            )));
        }
        let object = calendar::parse(&ics)?;
        let event = object
            .events()
            .next()
            .ok_or_else(|| Error::BadInput("the invitation holds no event".into()))?;
        let organizer = event
            .organizer
            .clone()
            .ok_or_else(|| Error::BadInput("the invitation names no organiser".into()))?;
        let me = self.my_attendee(&account, &object)?;
        let summary = event.summary.clone();
        let stored = calendar::accepted(&ics, &me, partstat)?;
        let calendar_id = match self.find_event(&account.email, &object.uid) {
            Ok((calendar_id, existing)) => {
                let theirs = calendar::sequence(&ics)?;
                if calendar::sequence(&existing.data).is_ok_and(|mine| mine > theirs) {
                    return Err(Error::Conflict(format!(
                        "a newer version of {} is already in the calendar",
                        object.uid
                    )));
                }
                self.write_calendar_object(&account.email, &calendar_id, &existing.href, Some(stored), password)
                    .await?;
                calendar_id
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let state = self
                    .store
                    .calendars(&account.email)?
                    .into_iter()
                    .filter(|c| c.calendar.writable && !c.calendar.shared)
                    .min_by(|a, b| a.calendar.id.cmp(&b.calendar.id))
                    .ok_or_else(|| {
                        Error::NotFound(format!(
                            "no calendar of {} to store the event in (calame sync first)",
                            account.email
                        ))
                    })?;
                let href = object_href(&state.href, &object.uid);
                self.write_calendar_object(&account.email, &state.calendar.id, &href, Some(stored), password)
                    .await?;
                state.calendar.id
            }
            Err(e) => return Err(e),
        };
        let reply = calendar::reply(&ics, &me, partstat)?;
        let title = summary.clone().unwrap_or_else(|| "(sans titre)".to_owned());
        let draft = Draft {
            to: vec![Address {
                name: organizer.name.clone(),
                email: organizer.email.clone(),
            }],
            subject: format!("{} : {title}", answer_word(partstat)),
            text: answer_text(partstat, &me, &title),
            calendar: Some(CalendarPart {
                method: "REPLY".into(),
                ics: reply,
            }),
            ..Draft::default()
        };
        let origin = Origin {
            address: (!me.eq_ignore_ascii_case(&account.email)).then(|| me.clone()),
            on_behalf_of: None,
        };
        let sent = self.send_with(&account.email, draft, &origin, password).await?;
        Ok(Responded {
            uid: object.uid,
            summary,
            calendar: calendar_id,
            partstat: partstat.as_str().to_owned(),
            organizer: organizer.email,
            reply: sent,
        })
    }

    /// Apply the calendar mails of INBOX to the stored events (see the module's words).
    pub async fn apply_invitations_with(&self, email: &str, password: &Secret<String>) -> Result<InvitationsApplied> {
        let account = self.account(Some(email))?;
        let mut conn = imap::connect(&account, password).await?;
        let applied = self.apply_invitations_on(&mut conn, &account, password).await;
        conn.logout().await;
        applied
    }

    /// [`Calame::apply_invitations_with`] on an open IMAP connection (a sync's own).
    pub(crate) async fn apply_invitations_on(
        &self,
        conn: &mut imap::Connection,
        account: &Account,
        password: &Secret<String>,
    ) -> Result<InvitationsApplied> {
        let mut done = InvitationsApplied::default();
        let folders = self.store.folders(Some(&account.email))?;
        let Ok(inbox) = find_folder(&folders, "INBOX") else {
            return Ok(done);
        };
        let raw_name = inbox.raw_name.clone().unwrap_or_else(|| inbox.name.clone());
        let state = self.store.folder_state(&account.email, &raw_name)?;
        let mails = async {
            imap::select_plain(conn, &raw_name).await?;
            let found = imap::uid_search_text(conn, &[(SearchKey::Body, "BEGIN:VCALENDAR")]).await?;
            let mut mails = Vec::new();
            for uid in found.into_iter().rev().take(MAX_SCANNED) {
                let cached = match &state {
                    Some(s) => self.store.body(s.id, uid)?,
                    None => None,
                };
                let raw = match cached {
                    Some(raw) => raw,
                    None => {
                        let Some(raw) = imap::fetch_body(conn, uid).await? else {
                            continue;
                        };
                        if let Some(s) = &state {
                            self.store.put_body(s.id, uid, &raw)?;
                        }
                        raw
                    }
                };
                mails.push((uid, raw));
            }
            Ok::<_, Error>(mails)
        }
        .await;
        // Oldest first, so that a later message wins.
        for (uid, raw) in mails?.into_iter().rev() {
            let Some((method, ics)) = calendar_of(&raw) else {
                continue;
            };
            let (from, _) = message::sender_and_id(&raw);
            if let Err(e) = self
                .apply_one(account, &method, &ics, from.as_deref(), password, &mut done)
                .await
            {
                if e.kind() == ErrorKind::Network {
                    return Err(e);
                }
                done.problems.push(format!("INBOX {uid}: {e}"));
            }
        }
        Ok(done)
    }

    /// One calendar mail applied to the stored event of its UID, if there is one. Mail is
    /// hostile until proven otherwise: a REPLY counts only for the attendee who sent it, a
    /// REQUEST or CANCEL only from the event's organiser (by the mail's From).
    async fn apply_one(
        &self,
        account: &Account,
        method: &str,
        ics: &str,
        from: Option<&str>,
        password: &Secret<String>,
        done: &mut InvitationsApplied,
    ) -> Result<()> {
        let object = calendar::parse(ics)?;

        let Ok((calendar_id, stored)) = self.find_event(&account.email, &object.uid) else {
            return Ok(());
        };
        let sender = from.map(str::to_ascii_lowercase);
        let sent_by = |email: &str| sender.as_deref() == Some(email.to_ascii_lowercase().as_str());
        match method {
            "REPLY" => {
                let answering: Vec<&str> = object
                    .events()
                    .flat_map(|e| &e.attendees)
                    .map(|a| a.email.as_str())
                    .collect();
                if answering.is_empty() || !answering.iter().all(|a| sent_by(a)) {
                    return Err(Error::Refused(format!(
                        "a reply for {} sent by {}: ignored",
                        answering.join(", "),
                        from.unwrap_or("nobody")
                    )));
                }
            }
            "REQUEST" | "CANCEL" => {
                let organizer = object
                    .events()
                    .find_map(|e| e.organizer.as_ref())
                    .map(|p| p.email.as_str());
                if !organizer.is_some_and(sent_by) {
                    return Err(Error::Refused(format!(
                        "a {method} from {} for an event organised by {}: ignored",
                        from.unwrap_or("nobody"),
                        organizer.unwrap_or("nobody")
                    )));
                }
            }
            _ => {}
        }
        let current = calendar::parse(&stored.data)?;
        let organizer = |o: &calendar::CalendarObject| {
            o.events()
                .find_map(|e| e.organizer.as_ref())
                .map(|p| p.email.to_ascii_lowercase())
        };
        let mine = self.is_mine(account, organizer(&current).as_deref())?;
        let same_organizer = organizer(&current).is_some() && organizer(&current) == organizer(&object);
        let changed = match method {
            // Only the organiser keeps attendees' answers.
            "REPLY" if mine => calendar::apply_reply(&stored.data, ics)?.inspect(|_| done.replies += 1),
            "CANCEL" if !mine && same_organizer => {
                calendar::apply_cancel(&stored.data, ics)?.inspect(|_| done.cancelled += 1)
            }
            "REQUEST" if !mine && same_organizer && calendar::sequence(ics)? > calendar::sequence(&stored.data)? => {
                let me = self.my_attendee(account, &object)?;
                // The organiser's update, with the user's answer as the organiser now asks it.
                let partstat = object
                    .events()
                    .flat_map(|e| &e.attendees)
                    .find(|a| a.email.eq_ignore_ascii_case(&me))
                    .map(|a| a.partstat)
                    .unwrap_or_default();
                done.updates += 1;
                Some(calendar::accepted(ics, &me, partstat)?)
            }
            _ => None,
        };
        if let Some(text) = changed {
            self.write_calendar_object(&account.email, &calendar_id, &stored.href, Some(text), Some(password))
                .await?;
        }
        Ok(())
    }

    /// After the organiser's own write: the REQUEST (or, for a deletion, the CANCEL) of the
    /// event `text` to its attendees, in one mail through the outbox. Nothing when the event
    /// has no attendee other than the user, someone else organises it, or the account has no
    /// SMTP server (then only logged).
    pub(crate) async fn invite(
        &self,
        email: &str,
        text: &str,
        method: &str,
        password: Option<&Secret<String>>,
    ) -> Result<Option<SendOutcome>> {
        let account = self.account(Some(email))?;
        let object = calendar::parse(text)?;
        let Some(event) = object.events().next() else {
            return Ok(None);
        };
        if account.smtp.is_none() {
            // An account that cannot send: the event is written, nobody is told.
            if !event.attendees.is_empty() {
                tracing::warn!(
                    "{}: no SMTP server, the attendees of {} are not told",
                    account.email,
                    object.uid
                );
            }
            return Ok(None);
        }
        let organizer = event.organizer.as_ref().map(|p| p.email.to_ascii_lowercase());
        if organizer.is_none() || !self.is_mine(&account, organizer.as_deref())? {
            return Ok(None);
        }
        let mut to: Vec<Address> = Vec::new();
        for a in object.events().flat_map(|e| &e.attendees) {
            let own = self.is_mine(&account, Some(&a.email.to_ascii_lowercase()))?;
            if !own && !to.iter().any(|t| t.email.eq_ignore_ascii_case(&a.email)) {
                to.push(Address {
                    name: a.name.clone(),
                    email: a.email.clone(),
                });
            }
        }
        if to.is_empty() {
            return Ok(None);
        }
        let title = event.summary.clone().unwrap_or_else(|| "(sans titre)".to_owned());
        let (ics, subject, words) = match method {
            "CANCEL" => (
                calendar::cancel(text)?,
                format!("Annulé : {title}"),
                format!("L'événement « {title} » est annulé.\n"),
            ),
            _ => (
                calendar::request(text)?,
                format!("Invitation : {title}"),
                format!("Vous êtes invité(e) à « {title} ».\n"),
            ),
        };
        let draft = Draft {
            to,
            subject,
            text: words,
            calendar: Some(CalendarPart {
                method: method.to_owned(),
                ics,
            }),
            ..Draft::default()
        };
        let origin = Origin {
            address: organizer.filter(|o| !o.eq_ignore_ascii_case(&account.email)),
            on_behalf_of: None,
        };
        self.send_with(&account.email, draft, &origin, password).await.map(Some)
    }

    /// Whether `address` (lower case) is one of the account's identities.
    fn is_mine(&self, account: &Account, address: Option<&str>) -> Result<bool> {
        let Some(address) = address else { return Ok(false) };
        Ok(self
            .identities(&account.email)?
            .iter()
            .any(|i| i.email.eq_ignore_ascii_case(address)))
    }

    /// The attendee of `object` the user is: the account's address first, then another identity.
    fn my_attendee(&self, account: &Account, object: &calendar::CalendarObject) -> Result<String> {
        let attendees: Vec<&str> = object
            .events()
            .flat_map(|e| &e.attendees)
            .map(|a| a.email.as_str())
            .collect();
        let identities = self.identities(&account.email)?;
        identities
            .iter()
            .find_map(|i| attendees.iter().find(|a| a.eq_ignore_ascii_case(&i.email)))
            .map(|a| (*a).to_owned())
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "{} is not among the attendees of {}",
                    account.email, object.uid
                ))
            })
    }
}

/// The METHOD (upper case) and text of the first iMIP calendar of a raw message.
fn calendar_of(raw: &[u8]) -> Option<(String, String)> {
    let invitation = message::read(raw, message::RemoteContent::Block).invitation?;
    let (_, bytes) = message::attachment(raw, &invitation.part)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let method = calendar::parse(&text)
        .ok()
        .and_then(|o| o.method)
        .unwrap_or(invitation.method);
    Some((method, text))
}

/// The href of a new object in the calendar at `calendar_href`, from its UID.
pub(super) fn object_href(calendar_href: &str, uid: &str) -> String {
    let name: String = uid
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    format!("{}/{name}.ics", calendar_href.trim_end_matches('/'))
}
