//! What the app's front-end sends to the core, in forms that cross the bridge (serde + ts-rs),
//! and how each becomes the core's own types. The shells do no more than call these.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::calame::Origin;
use crate::calendar::{EventTimes, NewEvent, PartStat, Person};
use crate::compose::{AttachmentFile, Draft};
use crate::envelope::Address;
use crate::error::{Error, Result};

/// A message to send, as the composer gives it.
/// What the composer's form holds: the message as the user wrote it, and what it builds on
/// (the message it answers, or the draft it continues), whose threading headers and
/// attachments it keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct DraftInput {
    #[ts(optional = nullable)]
    pub from: Option<String>,
    #[ts(optional = nullable)]
    pub on_behalf_of: Option<String>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub subject: String,
    pub text: String,
    #[ts(optional = nullable)]
    pub html: Option<String>,
    /// Files to attach, by path.
    pub attachments: Vec<String>,
    /// The message this answers or forwards: its threading headers, and for a forward its
    /// attachments; once sent, it is marked answered or forwarded.
    #[ts(optional = nullable)]
    pub answering: Option<AnswerRef>,
    /// The draft this continues: saving replaces it, sending removes it once queued; its
    /// threading headers and attachments are kept.
    #[ts(optional = nullable)]
    pub draft_id: Option<String>,
    /// Which of the attachments it builds on to keep, by name; `None`: all of them.
    #[ts(optional = nullable)]
    pub kept_attachments: Option<Vec<String>>,
}

/// A cached message being answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AnswerRef {
    pub folder: String,
    pub uid: u32,
    pub kind: AnswerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AnswerKind {
    Reply,
    ReplyAll,
    Forward,
}

impl DraftInput {
    /// The draft and who it is from, for a form that builds on nothing.
    pub fn into_draft(self) -> Result<(Draft, Origin)> {
        self.into_draft_on(Draft::default())
    }

    /// The draft the form makes on `base` (the answer or draft it continues): the form's
    /// recipients, subject and text; the base's threading headers and inline images, and the
    /// base's attachments that the form keeps, then the form's files.
    pub fn into_draft_on(self, base: Draft) -> Result<(Draft, Origin)> {
        let mut attachments: Vec<AttachmentFile> = match &self.kept_attachments {
            None => base.attachments,
            Some(kept) => base
                .attachments
                .into_iter()
                .filter(|a| kept.contains(&a.name))
                .collect(),
        };
        for path in self.attachments {
            attachments.push(attachment_file(PathBuf::from(path))?);
        }
        let draft = Draft {
            to: self.to,
            cc: self.cc,
            bcc: self.bcc,
            subject: self.subject,
            text: self.text,
            html: self.html,
            attachments,
            inline: base.inline,
            in_reply_to: base.in_reply_to,
            references: base.references,
            ..Draft::default()
        };
        let origin = Origin {
            address: self.from,
            on_behalf_of: self.on_behalf_of,
        };
        Ok((draft, origin))
    }
}

pub fn attachment_file(path: PathBuf) -> Result<AttachmentFile> {
    let bytes = std::fs::read(&path).map_err(|e| Error::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "piece-jointe".into());
    Ok(AttachmentFile {
        name,
        mime: None,
        bytes,
    })
}

/// A new event, as the calendar's form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct EventInput {
    pub summary: String,
    /// RFC 3339 with an offset; `YYYY-MM-DD` when `all_day`.
    pub start: String,
    /// Same form; for an all-day event the last day (inclusive) or the day after.
    pub end: String,
    pub all_day: bool,
    #[ts(optional = nullable)]
    pub location: Option<String>,
    #[ts(optional = nullable)]
    pub description: Option<String>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO`).
    #[ts(optional = nullable)]
    pub rrule: Option<String>,
    /// Addresses to invite (iMIP).
    pub attendees: Vec<String>,
    /// An RFC 5545 duration relative to the start (`-PT15M`).
    #[ts(optional = nullable)]
    pub alarm: Option<String>,
}

impl EventInput {
    /// The event in the local time zone.
    pub fn into_new_event(self) -> Result<NewEvent> {
        let times = if self.all_day {
            let (start, end) = (date(&self.start)?, date(&self.end)?);
            // A one-day event may be given as its own day.
            let end = if end == start {
                end.succ_opt().unwrap_or(end)
            } else {
                end
            };
            EventTimes::AllDay { start, end }
        } else {
            EventTimes::Timed {
                start: time(&self.start)?,
                end: time(&self.end)?,
            }
        };
        Ok(NewEvent {
            summary: self.summary,
            times,
            zone: crate::calendar::local_zone(),
            location: self.location,
            description: self.description,
            categories: Vec::new(),
            rrule: self.rrule,
            organizer: None,
            attendees: self
                .attendees
                .into_iter()
                .map(|email| Person { email, name: None })
                .collect(),
            alarm: self.alarm,
        })
    }
}

impl EventInput {
    /// The whole form as a change of an existing event: every field replaced (an empty
    /// location, description, rule or alarm removes it); the rule only for a whole series.
    pub fn into_change(self, series: bool) -> Result<crate::calendar::EventChange> {
        let times = self.clone().into_new_event()?.times;
        Ok(crate::calendar::EventChange {
            summary: Some(self.summary),
            location: Some(self.location.unwrap_or_default()),
            description: Some(self.description.unwrap_or_default()),
            times: Some(times),
            zone: Some(crate::calendar::local_zone()),
            rrule: series.then(|| self.rrule.unwrap_or_default()),
            attendees: Some(
                self.attendees
                    .into_iter()
                    .map(|email| Person { email, name: None })
                    .collect(),
            ),
            alarm: Some(self.alarm.unwrap_or_default()),
            ..Default::default()
        })
    }
}

/// `YYYY-MM-DD`.
pub fn date(text: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::BadInput(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn time(text: &str) -> Result<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|_| Error::BadInput(format!("{text:?} is not an RFC 3339 time with an offset")))
}

/// The answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum InvitationAnswer {
    Accept,
    Tentative,
    Decline,
}

impl From<InvitationAnswer> for PartStat {
    fn from(answer: InvitationAnswer) -> PartStat {
        match answer {
            InvitationAnswer::Accept => PartStat::Accepted,
            InvitationAnswer::Tentative => PartStat::Tentative,
            InvitationAnswer::Decline => PartStat::Declined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_input_reads_from_json_with_defaults() {
        let input: DraftInput = serde_json::from_str(
            r#"{"on_behalf_of":"accueil@mairie.fr","to":[{"name":null,"email":"bob@mairie.fr"}],"subject":"Objet","text":"Bonjour"}"#,
        )
        .unwrap();
        let (draft, origin) = input.into_draft().unwrap();
        assert_eq!(draft.to.len(), 1);
        assert!(draft.attachments.is_empty());
        assert_eq!(origin.on_behalf_of.as_deref(), Some("accueil@mairie.fr"));
        assert_eq!(origin.address, None);
    }

    #[test]
    fn a_missing_attachment_is_bad_input() {
        let input = DraftInput {
            attachments: vec!["/nonexistent/calame/file.pdf".into()],
            ..DraftInput::default()
        };
        let err = input.into_draft().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::BadInput);
    }

    #[test]
    fn event_inputs_become_new_events() {
        let all_day: EventInput =
            serde_json::from_str(r#"{"summary":"Fête","start":"2027-07-14","end":"2027-07-14","all_day":true}"#)
                .unwrap();
        let event = all_day.into_new_event().unwrap();
        assert!(matches!(event.times, EventTimes::AllDay { start, end } if end == start.succ_opt().unwrap()));
        let timed = EventInput {
            summary: "Conseil".into(),
            start: "2027-03-15T18:00:00+01:00".into(),
            end: "2027-03-15T20:00:00+01:00".into(),
            attendees: vec!["bob@mairie.fr".into()],
            ..EventInput::default()
        };
        let event = timed.into_new_event().unwrap();
        assert!(matches!(event.times, EventTimes::Timed { .. }));
        assert_eq!(event.attendees.len(), 1);
        let bad = EventInput {
            start: "demain".into(),
            end: "après-demain".into(),
            ..EventInput::default()
        };
        assert_eq!(bad.into_new_event().unwrap_err().kind(), crate::ErrorKind::BadInput);
    }

    #[test]
    fn answers_are_partstats() {
        let answer: InvitationAnswer = serde_json::from_str(r#""tentative""#).unwrap();
        assert_eq!(PartStat::from(answer), PartStat::Tentative);
    }
}
