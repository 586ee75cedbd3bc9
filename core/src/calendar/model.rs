//! What a calendar object resource holds, as [`parse`](super::parse) reads it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

pub use super::value::Duration;
pub use super::zone::{EmbeddedZone, Zone, ZoneRules};

/// One calendar object resource (RFC 4791 §4.1): the events of one UID, the master and the
/// instances it overrides, with the text they were read from (kept for edits, so that what we
/// do not understand survives them).
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarObject {
    /// The VCALENDAR's METHOD (iMIP: `REQUEST`, `REPLY`, `CANCEL`...), upper case.
    pub method: Option<String>,
    pub uid: String,
    /// The VEVENT without RECURRENCE-ID; `None` when the object only holds overridden instances
    /// (an invitation to one occurrence of someone else's series).
    pub master: Option<Event>,
    /// The VEVENTs with a RECURRENCE-ID, in the order of the text.
    pub overrides: Vec<Event>,
    pub(crate) text: String,
}

impl CalendarObject {
    /// The text the object was read from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The master, then the overrides.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.master.iter().chain(&self.overrides)
    }
}

/// One VEVENT.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub uid: String,
    /// TEXT values are unescaped.
    pub summary: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub categories: Vec<String>,
    pub start: Time,
    /// DTEND as written; exclusive (for all-day events, the day after the last one).
    pub end: Option<Time>,
    /// DURATION as written, when there is no DTEND.
    pub duration: Option<Duration>,
    /// DTSTART is a DATE.
    pub all_day: bool,
    /// The RRULE value as written (checked when read).
    pub rrule: Option<String>,
    pub exdates: Vec<Time>,
    /// RDATE values; for a PERIOD, its start (the event's length applies).
    pub rdates: Vec<Time>,
    /// The instance of the series this VEVENT overrides.
    pub recurrence_id: Option<Time>,
    pub status: Option<Status>,
    pub organizer: Option<Person>,
    pub attendees: Vec<Attendee>,
    pub sequence: u32,
    pub alarms: Vec<Alarm>,
}

impl Event {
    /// Whether this VEVENT is the master of a series (RRULE or RDATE).
    pub fn is_recurring(&self) -> bool {
        self.recurrence_id.is_none() && (self.rrule.is_some() || !self.rdates.is_empty())
    }
}

/// A DATE or a DATE-TIME with its zone.
#[derive(Debug, Clone, PartialEq)]
pub enum Time {
    Date(NaiveDate),
    DateTime { wall: NaiveDateTime, zone: Zone },
}

impl Time {
    /// The calendar date of its wall clock.
    pub fn date(&self) -> NaiveDate {
        match self {
            Time::Date(d) => *d,
            Time::DateTime { wall, .. } => wall.date(),
        }
    }
}

/// A calendar user: address without `mailto:`, and the CN parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub email: String,
    pub name: Option<String>,
}

/// An ATTENDEE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub email: String,
    pub name: Option<String>,
    pub partstat: PartStat,
    /// ROLE, upper case (`REQ-PARTICIPANT` when absent).
    pub role: String,
    pub rsvp: bool,
}

/// PARTSTAT (RFC 5545 §3.2.12); `NEEDS-ACTION` when absent or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartStat {
    #[default]
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
    Delegated,
}

impl PartStat {
    pub(crate) fn parse(text: &str) -> PartStat {
        match text.trim().to_ascii_uppercase().as_str() {
            "ACCEPTED" => PartStat::Accepted,
            "DECLINED" => PartStat::Declined,
            "TENTATIVE" => PartStat::Tentative,
            "DELEGATED" => PartStat::Delegated,
            _ => PartStat::NeedsAction,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartStat::NeedsAction => "NEEDS-ACTION",
            PartStat::Accepted => "ACCEPTED",
            PartStat::Declined => "DECLINED",
            PartStat::Tentative => "TENTATIVE",
            PartStat::Delegated => "DELEGATED",
        }
    }
}

/// STATUS of a VEVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
}

impl Status {
    pub(crate) fn parse(text: &str) -> Option<Status> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TENTATIVE" => Some(Status::Tentative),
            "CONFIRMED" => Some(Status::Confirmed),
            "CANCELLED" => Some(Status::Cancelled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Tentative => "TENTATIVE",
            Status::Confirmed => "CONFIRMED",
            Status::Cancelled => "CANCELLED",
        }
    }
}

/// A VALARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    /// ACTION, upper case (`DISPLAY` when absent).
    pub action: String,
    pub trigger: Trigger,
    pub description: Option<String>,
}

/// When an alarm goes off. Relative triggers are exact durations (a day is 24 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Relative to each occurrence's start (negative: before).
    Start(TimeDelta),
    /// Relative to each occurrence's end (`RELATED=END`).
    End(TimeDelta),
    /// Once, at this instant (`VALUE=DATE-TIME`).
    At(DateTime<Utc>),
}
