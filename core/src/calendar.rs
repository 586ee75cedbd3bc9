//! Calendar events in iCalendar (RFC 5545): reading a calendar object resource as a CalDAV
//! server serves it or a mail carries it, expanding its recurrences into occurrences and
//! reminders, and writing new events and edits. Pure: no I/O, no network, no clock except for
//! the DTSTAMP and the UID of what is written.
//!
//! - [`parse`] reads one VCALENDAR holding the VEVENTs of one UID (the master and the instances
//!   it overrides, with RECURRENCE-ID) and its VTIMEZONEs. Untrusted text: it is size- and
//!   count-bounded, and what is malformed (unterminated components, no UID, bad dates, an RRULE
//!   that cannot be read, FREQ=SECONDLY or MINUTELY) is an [`Error::BadInput`](crate::Error::BadInput), never a panic.
//!   The text is kept, so that edits keep what they do not change.
//! - [`occurrences`] and [`reminders`] give what happens in a window of time, recurrences
//!   expanded on the wall clock of the event's zone (see [`recur`] for the bounds).
//! - [`new_event`], [`edit_series`], [`edit_occurrence`] and [`delete_occurrence`] write.
//! - [`local_zone`] is the zone floating times and printed times are read in.
//!
//! Time zones: a TZID is read as an IANA zone when it is one or ends with one, or is a Windows
//! name; else with the object's VTIMEZONE (its `X-LIC-LOCATION`, or its own onsets); else as
//! floating, i.e. in the local zone, like a time without TZID (see [`zone`]).
//!
//! All-day events have DATE starts and ends, and the end is exclusive as in iCalendar: a
//! one-day event on 15 March 2027 starts `2027-03-15` and ends `2027-03-16`. An all-day
//! occurrence spans its days from midnight to midnight in the local zone.
//!
//! Not done here: RANGE=THISANDFUTURE overrides (read as overriding one instance), EXRULE,
//! VTODO and VJOURNAL (an object without VEVENT is refused), iTIP COUNTER, REFRESH and
//! delegation.
//!
//! iTIP (RFC 5546) as iMIP carries it: [`request`] and [`cancel`] for the organiser,
//! [`reply`] and [`accepted`] for an attendee, [`apply_reply`] and [`apply_cancel`] to bring
//! a stored object level with what came by mail (see `itip` for the rules).

mod content;
mod itip;
mod model;
mod read;
pub mod recur;
pub(crate) mod value;
mod write;
pub mod zone;

#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod recur_tests;
#[cfg(test)]
mod write_tests;

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use model::{
    Alarm, Attendee, CalendarObject, Duration, EmbeddedZone, Event, PartStat, Person, Status, Time, Trigger, Zone,
    ZoneRules,
};
pub use recur::{DetailedOccurrence, Occurrence, Reminder, MAX_OCCURRENCES, MAX_STEPS};
pub use write::{EventChange, EventTimes, NewEvent};
pub use zone::local_zone;

use crate::error::Result;

/// Reads a calendar object resource (one VCALENDAR, the VEVENTs of one UID, their VTIMEZONEs).
pub fn parse(text: &str) -> Result<CalendarObject> {
    read::read(text)
}

/// The occurrences of `obj` intersecting `[from, to)`, sorted by start: the series expanded
/// (RRULE, RDATE, less EXDATE), overridden instances replaced by their override, cancelled ones
/// left out. Times are printed with `local`'s offset; floating times are read in `local`.
/// `calendar` is left empty for the caller to fill.
pub fn occurrences(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Occurrence> {
    recur::occurrences(obj, from, to, local)
}

/// [`occurrences`] with what an editor needs too (description, categories, RRULE, alarm).
pub fn detailed_occurrences(
    obj: &CalendarObject,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    local: Tz,
) -> Vec<DetailedOccurrence> {
    recur::detailed_occurrences(obj, from, to, local)
}

/// The reminders (VALARM triggers) of `obj` going off in `[from, to)`, sorted by time.
/// `local` reads floating and all-day times and prints `start`, as for [`occurrences`].
pub fn reminders(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Reminder> {
    recur::reminders(obj, from, to, local)
}

/// A new event's calendar object: its UID (random) and text.
pub fn new_event(event: &NewEvent) -> Result<(String, String)> {
    let uid = write::random_uid();
    let text = write::new_event_at(event, now(), &uid)?;
    Ok((uid, text))
}

/// `text` with the series (the master VEVENT) changed; SEQUENCE bumped, DTSTAMP now.
pub fn edit_series(text: &str, change: &EventChange) -> Result<String> {
    write::edit_series_at(text, change, now())
}

/// `text` with the occurrence `recurrence_id` (an [`Occurrence::recurrence_id`]: RFC 3339, or
/// `YYYY-MM-DD` for all-day events) changed: its override updated, or added.
pub fn edit_occurrence(text: &str, recurrence_id: &str, change: &EventChange) -> Result<String> {
    write::edit_occurrence_at(text, recurrence_id, change, now())
}

/// `text` without the occurrence `recurrence_id`: an EXDATE on the master, its override removed.
pub fn delete_occurrence(text: &str, recurrence_id: &str) -> Result<String> {
    write::delete_occurrence_at(text, recurrence_id, now())
}

/// The organiser's `METHOD:REQUEST` for the stored object `text` (alarms left out).
pub fn request(text: &str) -> Result<String> {
    itip::request(text)
}

/// The organiser's `METHOD:CANCEL` for the stored object `text`: STATUS:CANCELLED, SEQUENCE
/// bumped.
pub fn cancel(text: &str) -> Result<String> {
    itip::cancel(text, now())
}

/// The `METHOD:REPLY` of the attendee `me` (an address) to the invitation `text`.
pub fn reply(text: &str, me: &str, partstat: PartStat) -> Result<String> {
    itip::reply(text, me, partstat, now())
}

/// The invitation `text` as the attendee `me` stores it: no METHOD, `me`'s PARTSTAT set.
pub fn accepted(text: &str, me: &str, partstat: PartStat) -> Result<String> {
    itip::accepted(text, me, partstat)
}

/// The organiser's stored object with the statuses of a REPLY; `None` when nothing changes
/// (already applied, older than the stored event, or not from an attendee).
pub fn apply_reply(stored: &str, reply: &str) -> Result<Option<String>> {
    itip::apply_reply(stored, reply)
}

/// The attendee's stored object after a CANCEL (marked STATUS:CANCELLED; one instance:
/// its override cancelled or an EXDATE); `None` when nothing changes.
pub fn apply_cancel(stored: &str, cancel: &str) -> Result<Option<String>> {
    itip::apply_cancel(stored, cancel)
}

/// The highest SEQUENCE of the VEVENTs of `text`.
pub fn sequence(text: &str) -> Result<u32> {
    itip::object_sequence(text)
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}
