//! Writing: a new event's calendar object, and edits of an object's text that change only what
//! they are asked to (other properties, unknown ones included, and other components are written
//! back as they were read). Every text written here is read back before it is returned.
//!
//! Times are written in a zone: `DTSTART;TZID=Europe/Paris:20270315T090000` with a VTIMEZONE for
//! it (made from chrono-tz's rules for the event's year, `X-LIC-LOCATION` naming the IANA zone),
//! or `…Z` when the zone is UTC. UTC alone would not do: a weekly 09:00 meeting must stay at
//! 09:00 Paris time across daylight-saving changes, and only a TZID says so.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::content::{self, escape_text, join_text_list, param, Component, Param, Prop};
use super::model::{CalendarObject, Event, Person, Status, Time};
use super::read::{address, read, read_time, Zones};
use super::recur::{self, point, Point, Rule};
use super::value::{format_date, format_date_time, Duration};
use super::zone::{self, Zone, ZoneRules};
use crate::error::{Error, Result};

/// A new event, as the user gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub summary: String,
    pub times: EventTimes,
    /// The zone its times are written in (the local zone, usually).
    pub zone: Tz,
    pub location: Option<String>,
    pub description: Option<String>,
    pub categories: Vec<String>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO`); UNTIL is rewritten in the form the
    /// start asks for (a date for all-day events, UTC otherwise).
    pub rrule: Option<String>,
    /// Needed when there are attendees.
    pub organizer: Option<Person>,
    pub attendees: Vec<Person>,
    /// A reminder relative to the start, an RFC 5545 duration (`-PT15M`).
    pub alarm: Option<String>,
}

/// When an event takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTimes {
    /// `end` at or after `start`; written in the event's zone.
    Timed {
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    },
    /// `end` exclusive, as in iCalendar: a one-day event on 15 March ends on the 16th.
    AllDay { start: NaiveDate, end: NaiveDate },
}

/// Changes to an event; `None` leaves a field as it is, an empty text or list removes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventChange {
    pub summary: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub categories: Option<Vec<String>>,
    pub times: Option<EventTimes>,
    /// The zone new times are written in; `None`: the event's own (for a floating or all-day
    /// event, the wall clock of the times given).
    pub zone: Option<Tz>,
    /// Series only.
    pub rrule: Option<String>,
    pub organizer: Option<Person>,
    /// Attendees already there keep their PARTSTAT; new ones are NEEDS-ACTION.
    pub attendees: Option<Vec<Person>>,
    /// Replaces the event's alarms by this one (relative to the start); empty: no alarm.
    pub alarm: Option<String>,
    pub status: Option<Status>,
}

pub(crate) fn new_event_at(ev: &NewEvent, stamp: DateTime<Utc>, uid: &str) -> Result<String> {
    if ev.summary.trim().is_empty() {
        return Err(bad("an event needs a summary"));
    }
    let mut root = Component::new("VCALENDAR");
    root.props.push(Prop::new("PRODID", Vec::new(), "-//Calame//FR"));
    root.props.push(Prop::new("VERSION", Vec::new(), "2.0"));
    root.props.push(Prop::new("CALSCALE", Vec::new(), "GREGORIAN"));
    let mut event = Component::new("VEVENT");
    let now = utc_value(stamp);
    for (name, value) in [
        ("UID", uid.to_owned()),
        ("DTSTAMP", now.clone()),
        ("CREATED", now.clone()),
        ("LAST-MODIFIED", now),
        ("SEQUENCE", "0".to_owned()),
    ] {
        event.props.push(Prop::new(name, Vec::new(), value));
    }
    let change = EventChange {
        summary: Some(ev.summary.clone()),
        location: ev.location.clone(),
        description: ev.description.clone(),
        categories: Some(ev.categories.clone()),
        times: Some(ev.times.clone()),
        zone: Some(ev.zone),
        rrule: ev.rrule.clone(),
        organizer: ev.organizer.clone(),
        attendees: Some(ev.attendees.clone()),
        alarm: ev.alarm.clone(),
        status: None,
    };
    let placeholder = Time::Date(NaiveDate::MIN);
    let zone = apply(&mut event, &change, &placeholder, true)?;
    root.children.push(event);
    finish(root, zone.as_ref(), year_of(&ev.times))
}

/// Changes the master of the object in `text`.
pub(crate) fn edit_series_at(text: &str, change: &EventChange, stamp: DateTime<Utc>) -> Result<String> {
    let obj = read(text)?;
    let master = obj.master.as_ref().ok_or_else(|| {
        Error::NotFound(format!(
            "the series of {} (the object only holds single occurrences)",
            obj.uid
        ))
    })?;
    let mut root = content::parse(text)?;
    let c = master_component(&mut root).ok_or_else(|| bad("no master VEVENT"))?;
    let zone = apply(c, change, &master.start, true)?;
    bump(c, stamp);
    finish(root, zone.as_ref(), year_of_change(change, master))
}

/// Changes one occurrence: its override, made from the master when there is none yet.
pub(crate) fn edit_occurrence_at(
    text: &str,
    recurrence_id: &str,
    change: &EventChange,
    stamp: DateTime<Utc>,
) -> Result<String> {
    if change.rrule.is_some() {
        return Err(bad("an occurrence has no recurrence rule of its own"));
    }
    let obj = read(text)?;
    let target = Target::find(&obj, recurrence_id)?;
    let mut root = content::parse(text)?;
    if let Some(c) = override_component(&mut root, &target.point) {
        let zone = apply(c, change, &target.start, false)?;
        bump(c, stamp);
        return finish(root, zone.as_ref(), year_of_change(change, target.event));
    }
    let master = obj.master.as_ref().ok_or_else(|| target.missing())?;
    let instance = recur::instance_at(master, target.point).ok_or_else(|| target.missing())?;
    let source = master_component(&mut root).ok_or_else(|| bad("no master VEVENT"))?;
    let mut c = override_from(source, &target.time, &instance_end(master, &target.time, instance.end));
    let zone = apply(&mut c, change, &target.time, false)?;
    bump(&mut c, stamp);
    let at = root
        .children
        .iter()
        .rposition(|c| c.name == "VEVENT")
        .map_or(root.children.len(), |i| i + 1);
    root.children.insert(at, c);
    finish(root, zone.as_ref(), year_of_change(change, master))
}

/// Removes one occurrence: an EXDATE on the master, and its override if it has one.
pub(crate) fn delete_occurrence_at(text: &str, recurrence_id: &str, stamp: DateTime<Utc>) -> Result<String> {
    let obj = read(text)?;
    let target = Target::find(&obj, recurrence_id)?;
    let mut root = content::parse(text)?;
    let before = root.children.len();
    let rids = RidReader::new(&root);
    root.children.retain(|c| rids.point(c) != Some(target.point));
    let removed = before != root.children.len();
    match &obj.master {
        Some(master) if master.is_recurring() => {
            if !removed && recur::instance_at(master, target.point).is_none() {
                return Err(target.missing());
            }
            let c = master_component(&mut root).ok_or_else(|| bad("no master VEVENT"))?;
            c.props.push(time_prop("EXDATE", &target.time));
            bump(c, stamp);
        }
        Some(_) => return Err(bad("not a recurring event: delete the event itself")),
        None if !removed => return Err(target.missing()),
        None if !root.children.iter().any(|c| c.name == "VEVENT") => {
            return Err(bad("that is the only occurrence left: delete the event itself"))
        }
        None => {}
    }
    finish(root, None, 1970)
}

/// The occurrence an edit names: its RECURRENCE-ID in the form of the series' DTSTART.
struct Target<'a> {
    /// The master, or the override when there is no master.
    event: &'a Event,
    /// The DTSTART the override has, or would have.
    start: Time,
    /// The RECURRENCE-ID to write.
    time: Time,
    point: Point,
    text: String,
    uid: String,
}

impl<'a> Target<'a> {
    fn find(obj: &'a CalendarObject, recurrence_id: &str) -> Result<Target<'a>> {
        let given = parse_rid(recurrence_id)?;
        let reference = obj.events().next().ok_or_else(|| bad("no VEVENT"))?;
        let form = match (&obj.master, reference.recurrence_id.as_ref()) {
            (Some(m), _) => &m.start,
            (None, Some(rid)) => rid,
            (None, None) => &reference.start,
        };
        let time = rid_time(&given, form)?;
        let point = point(&time, Tz::UTC).ok_or_else(|| bad("occurrence out of range"))?;
        let existing = obj
            .overrides
            .iter()
            .find(|o| o.recurrence_id.as_ref().and_then(point_of) == Some(point));
        Ok(Target {
            event: existing.or(obj.master.as_ref()).unwrap_or(reference),
            start: existing.map_or_else(|| time.clone(), |o| o.start.clone()),
            time,
            point,
            text: recurrence_id.to_owned(),
            uid: obj.uid.clone(),
        })
    }

    fn missing(&self) -> Error {
        Error::NotFound(format!("no occurrence of {} at {}", self.uid, self.text))
    }
}

/// Points for matching occurrences in edits: floating times are compared on their wall clock.
fn point_of(t: &Time) -> Option<Point> {
    point(t, Tz::UTC)
}

/// An occurrence as the user names it: `YYYY-MM-DD`, or RFC 3339 with an offset.
enum GivenRid {
    Date(NaiveDate),
    At(DateTime<FixedOffset>),
}

fn parse_rid(text: &str) -> Result<GivenRid> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(GivenRid::Date(d));
    }
    DateTime::parse_from_rfc3339(t)
        .map(GivenRid::At)
        .map_err(|_| bad(&format!("{t:?} is neither YYYY-MM-DD nor an RFC 3339 time")))
}

/// The occurrence in the form of `form` (the series' DTSTART): a date, or the wall clock in its
/// zone (floating: the wall clock given).
fn rid_time(given: &GivenRid, form: &Time) -> Result<Time> {
    match (form, given) {
        (Time::Date(_), GivenRid::Date(d)) => Ok(Time::Date(*d)),
        (Time::Date(_), GivenRid::At(t)) => Ok(Time::Date(t.date_naive())),
        (Time::DateTime { zone, .. }, GivenRid::At(t)) => Ok(Time::DateTime {
            wall: wall_in(zone, *t).ok_or_else(|| bad("occurrence out of range"))?,
            zone: zone.clone(),
        }),
        (Time::DateTime { .. }, GivenRid::Date(_)) => Err(bad("an occurrence of a timed event is named by its time")),
    }
}

/// The wall clock of `t` in `zone`; floating zones keep the wall clock `t` was given in.
fn wall_in(zone: &Zone, t: DateTime<FixedOffset>) -> Option<NaiveDateTime> {
    match zone {
        Zone::Floating
        | Zone::Named {
            rules: ZoneRules::Unknown,
            ..
        } => Some(t.naive_local()),
        _ => zone.wall(t.to_utc(), Tz::UTC),
    }
}

/// The end of an instance, as a time of the same form as `start`.
fn instance_end(master: &Event, start: &Time, end: Point) -> Time {
    match (start, end) {
        (Time::DateTime { zone, .. }, Point::At(t)) => Time::DateTime {
            wall: zone.wall(t, Tz::UTC).unwrap_or_default(),
            zone: zone.clone(),
        },
        (_, Point::Day(d)) => Time::Date(d),
        _ => master.end.clone().unwrap_or_else(|| start.clone()),
    }
}

/// A new override VEVENT for the instance at `rid`: the master's properties but those of the
/// series and its times, its alarms, and RECURRENCE-ID.
fn override_from(master: &Component, rid: &Time, end: &Time) -> Component {
    const SERIES: &[&str] = &[
        "RRULE",
        "RDATE",
        "EXDATE",
        "EXRULE",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RECURRENCE-ID",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
    ];
    let mut c = Component::new("VEVENT");
    for p in master.props.iter().filter(|p| !SERIES.contains(&p.name.as_str())) {
        c.props.push(p.clone());
        if p.name == "UID" {
            c.props.push(time_prop("RECURRENCE-ID", rid));
            c.props.push(time_prop("DTSTART", rid));
            c.props.push(time_prop("DTEND", end));
        }
    }
    c.children = master.children.clone();
    c
}

fn master_component(root: &mut Component) -> Option<&mut Component> {
    root.children
        .iter_mut()
        .find(|c| c.name == "VEVENT" && c.prop("RECURRENCE-ID").is_none())
}

fn override_component<'a>(root: &'a mut Component, at: &Point) -> Option<&'a mut Component> {
    let rids = RidReader::new(root);
    let index = root.children.iter().position(|c| rids.point(c) == Some(*at))?;
    root.children.get_mut(index)
}

/// Reads the RECURRENCE-ID of a tree's VEVENTs, with the tree's VTIMEZONEs.
struct RidReader {
    vtimezones: Vec<Component>,
}

impl RidReader {
    fn new(root: &Component) -> RidReader {
        RidReader {
            vtimezones: root.children_named("VTIMEZONE").cloned().collect(),
        }
    }

    fn point(&self, c: &Component) -> Option<Point> {
        if c.name != "VEVENT" {
            return None;
        }
        let mut zones = Zones {
            vtimezones: self.vtimezones.iter().collect(),
            known: HashMap::new(),
        };
        let p = c.prop("RECURRENCE-ID")?;
        read_time(p, &p.value, &mut zones).ok().as_ref().and_then(point_of)
    }
}

/// Applies `change` to a VEVENT whose DTSTART is `start`; the zone of the times written, if any.
fn apply(c: &mut Component, change: &EventChange, start: &Time, series: bool) -> Result<Option<Zone>> {
    if let Some(s) = &change.summary {
        if s.trim().is_empty() {
            return Err(bad("an event needs a summary"));
        }
        c.set_value("SUMMARY", Some(escape_text(s)));
    }
    for (name, value) in [("LOCATION", &change.location), ("DESCRIPTION", &change.description)] {
        if let Some(v) = value {
            c.set_value(name, (!v.trim().is_empty()).then(|| escape_text(v)));
        }
    }
    if let Some(list) = &change.categories {
        let list: Vec<String> = list
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        c.set_value("CATEGORIES", (!list.is_empty()).then(|| join_text_list(&list)));
    }
    let zone = match (change.zone, start) {
        (Some(tz), _) => zone_of(tz),
        (None, Time::DateTime { zone, .. }) => zone.clone(),
        (None, Time::Date(_)) => Zone::Floating,
    };
    let mut start = start.clone();
    let mut written = None;
    if let Some(times) = &change.times {
        start = set_times(c, times, &zone)?;
        if matches!(times, EventTimes::Timed { .. }) {
            written = Some(zone);
        }
    }
    // A new rule, or the rule there when the start changed (its UNTIL may need another form).
    let existing = change
        .times
        .as_ref()
        .filter(|_| series)
        .and(c.prop("RRULE"))
        .map(|p| p.value.clone());
    if let Some(rule) = change.rrule.as_ref().or(existing.as_ref()) {
        if !series {
            return Err(bad("an occurrence has no recurrence rule of its own"));
        }
        let value = (!rule.trim().is_empty())
            .then(|| rule_value(rule, &start))
            .transpose()?;
        c.set_value("RRULE", value);
    }
    if let Some(status) = change.status {
        c.set_value("STATUS", Some(status.as_str().to_owned()));
    }
    if let Some(o) = &change.organizer {
        c.set("ORGANIZER", vec![person_prop("ORGANIZER", o, &[])?]);
    }
    if let Some(list) = &change.attendees {
        set_attendees(c, list)?;
    }
    if let Some(alarm) = &change.alarm {
        c.children.retain(|a| a.name != "VALARM");
        if !alarm.trim().is_empty() {
            let summary = c
                .prop("SUMMARY")
                .map_or_else(|| "Rappel".to_owned(), |p| p.value.clone());
            c.children.push(alarm_component(alarm, &summary)?);
        }
    }
    Ok(written)
}

fn zone_of(tz: Tz) -> Zone {
    if matches!(
        tz.name(),
        "UTC" | "Etc/UTC" | "Etc/Universal" | "Universal" | "Zulu" | "Etc/Zulu"
    ) {
        Zone::Utc
    } else {
        Zone::Named {
            tzid: tz.name().to_owned(),
            rules: ZoneRules::Iana(tz),
        }
    }
}

/// Writes DTSTART and DTEND (DURATION removed); the new DTSTART.
fn set_times(c: &mut Component, times: &EventTimes, zone: &Zone) -> Result<Time> {
    let (start, end) = match times {
        EventTimes::AllDay { start, end } => {
            if end <= start {
                return Err(bad("an all-day event ends after it starts (the end is exclusive)"));
            }
            (Time::Date(*start), Time::Date(*end))
        }
        EventTimes::Timed { start, end } => {
            if end < start {
                return Err(bad("an event cannot end before it starts"));
            }
            let wall = |t| wall_in(zone, t).ok_or_else(|| bad("time out of range"));
            let (s, e) = (wall(*start)?, wall(*end)?);
            let zone = zone.clone();
            (
                Time::DateTime {
                    wall: s,
                    zone: zone.clone(),
                },
                Time::DateTime { wall: e, zone },
            )
        }
    };
    c.set("DTSTART", vec![time_prop("DTSTART", &start)]);
    c.set("DTEND", vec![time_prop("DTEND", &end)]);
    c.set("DURATION", Vec::new());
    Ok(start)
}

/// A DATE or DATE-TIME property in the form iCalendar wants for its zone.
fn time_prop(name: &str, t: &Time) -> Prop {
    match t {
        Time::Date(d) => Prop::new(name, vec![param("VALUE", "DATE")], format_date(*d)),
        Time::DateTime { wall, zone: Zone::Utc } => {
            Prop::new(name, Vec::new(), format!("{}Z", format_date_time(*wall)))
        }
        Time::DateTime {
            wall,
            zone: Zone::Named { tzid, .. },
        } => Prop::new(name, vec![zone::tzid_param(tzid)], format_date_time(*wall)),
        Time::DateTime { wall, .. } => Prop::new(name, Vec::new(), format_date_time(*wall)),
    }
}

/// An RRULE value checked against the event's start, UNTIL rewritten in the form it needs.
fn rule_value(value: &str, start: &Time) -> Result<String> {
    let rule = Rule::parse(value).map_err(|e| bad(&format!("RRULE {value:?}: {e}")))?;
    rule.check(start).map_err(|e| bad(&format!("RRULE {value:?}: {e}")))?;
    let (zone, all_day) = match start {
        Time::Date(_) => (Zone::Floating, true),
        Time::DateTime { zone, .. } => (zone.clone(), false),
    };
    let until = rule.until_wall(|utc| zone.wall(utc.and_utc(), Tz::UTC));
    let parts = value.trim().split(';').map(str::trim).filter(|p| !p.is_empty());
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        let (key, v) = part.split_once('=').unwrap_or((part, ""));
        let key = key.trim().to_ascii_uppercase();
        if key != "UNTIL" {
            out.push(format!("{key}={}", v.trim().to_ascii_uppercase()));
            continue;
        }
        let Some(until) = until else { continue };
        let written = match (&zone, all_day) {
            (_, true) => format_date(until.date()),
            (Zone::Floating, false) => format_date_time(until),
            (z, false) => {
                let utc = z.instant(until, Tz::UTC).ok_or_else(|| bad("UNTIL out of range"))?;
                format!("{}Z", format_date_time(utc.naive_utc()))
            }
        };
        out.push(format!("UNTIL={written}"));
    }
    Ok(out.join(";"))
}

/// Replaces the ATTENDEEs; those already there keep their line (and PARTSTAT).
fn set_attendees(c: &mut Component, list: &[Person]) -> Result<()> {
    let mut props = Vec::new();
    for p in list {
        let email = p.email.trim().to_ascii_lowercase();
        let existing = c
            .props_named("ATTENDEE")
            .find(|a| address(&a.value).is_some_and(|e| e.to_ascii_lowercase() == email));
        let prop = match existing {
            Some(a) => a.clone(),
            None => {
                let extra = [
                    param("ROLE", "REQ-PARTICIPANT"),
                    param("PARTSTAT", "NEEDS-ACTION"),
                    param("RSVP", "TRUE"),
                ];
                person_prop("ATTENDEE", p, &extra)?
            }
        };
        props.push(prop);
    }
    if !props.is_empty() && c.prop("ORGANIZER").is_none() {
        return Err(bad("an event with attendees needs an organizer"));
    }
    c.set("ATTENDEE", props);
    Ok(())
}

/// `NAME;CN=…:mailto:address`.
fn person_prop(name: &str, p: &Person, extra: &[Param]) -> Result<Prop> {
    let email = p.email.trim();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"<>;:,".contains(c));
    if !valid {
        return Err(bad(&format!("{email:?} is not an address")));
    }
    let mut params = Vec::new();
    if let Some(n) = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        params.push(param("CN", n));
    }
    params.extend(extra.iter().cloned());
    Ok(Prop::new(name, params, format!("mailto:{email}")))
}

/// A DISPLAY alarm at `trigger` (an RFC 5545 duration) relative to the start; `description`
/// already escaped.
fn alarm_component(trigger: &str, description: &str) -> Result<Component> {
    let d = Duration::parse(trigger).ok_or_else(|| {
        bad(&format!(
            "{trigger:?} is not a duration like -PT15M (weeks, days, hours, minutes, seconds)"
        ))
    })?;
    let mut a = Component::new("VALARM");
    a.props.push(Prop::new("ACTION", Vec::new(), "DISPLAY"));
    a.props.push(Prop::new("DESCRIPTION", Vec::new(), description));
    a.props.push(Prop::new("TRIGGER", Vec::new(), d.to_text()));
    Ok(a)
}

/// SEQUENCE + 1, DTSTAMP and LAST-MODIFIED now.
fn bump(c: &mut Component, stamp: DateTime<Utc>) {
    let sequence: u32 = c
        .prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(0);
    c.set_value("SEQUENCE", Some(sequence.saturating_add(1).to_string()));
    c.set_value("DTSTAMP", Some(utc_value(stamp)));
    c.set_value("LAST-MODIFIED", Some(utc_value(stamp)));
}

fn utc_value(t: DateTime<Utc>) -> String {
    format!("{}Z", format_date_time(t.naive_utc()))
}

/// Adds a VTIMEZONE for `zone` if it is an IANA zone the object has none for, writes the text
/// and reads it back.
fn finish(mut root: Component, zone: Option<&Zone>, year: i32) -> Result<String> {
    if let Some(Zone::Named {
        tzid,
        rules: ZoneRules::Iana(tz),
    }) = zone
    {
        let present = root
            .children_named("VTIMEZONE")
            .any(|c| c.prop("TZID").is_some_and(|p| p.value.trim() == tzid));
        if !present {
            let at = root
                .children
                .iter()
                .position(|c| c.name == "VEVENT")
                .unwrap_or(root.children.len());
            let mut vtimezone = zone::vtimezone(*tz, year);
            vtimezone.set_value("TZID", Some(tzid.clone()));
            root.children.insert(at, vtimezone);
        }
    }
    let text = root.to_text();
    read(&text)?;
    Ok(text)
}

fn year_of(times: &EventTimes) -> i32 {
    match times {
        EventTimes::Timed { start, .. } => start.year(),
        EventTimes::AllDay { start, .. } => start.year(),
    }
}

fn year_of_change(change: &EventChange, e: &Event) -> i32 {
    change.times.as_ref().map_or_else(|| e.start.date().year(), year_of)
}

fn bad(message: &str) -> Error {
    Error::BadInput(message.to_owned())
}

/// A random UID (UUID version 4 form).
pub(crate) fn random_uid() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No system randomness: a hash of the time, the process and a counter is unique enough.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut h = Sha256::new();
        h.update(format!("{:?}", std::time::SystemTime::now()));
        h.update(std::process::id().to_be_bytes());
        h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        for (b, d) in bytes.iter_mut().zip(h.finalize()) {
            *b = d;
        }
    }
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let part = |a: usize, b: usize| hex.get(a..b).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}
