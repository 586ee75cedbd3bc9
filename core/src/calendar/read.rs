//! From the component tree to a [`CalendarObject`]: strict where the event's place in time is
//! concerned (UID, DTSTART, dates, RRULE), lenient elsewhere (an unreadable alarm is left out,
//! an unknown STATUS is none), bounded in counts.

use std::collections::HashMap;

use chrono::TimeDelta;

use super::content::{self, text_list, unescape_text, Component, Prop};
use super::model::{Alarm, Attendee, CalendarObject, Event, PartStat, Person, Status, Time, Trigger};
use super::recur::Rule;
use super::value::{parse_date, parse_date_time, Duration};
use super::zone::{self, Zone};
use crate::error::{Error, Result};

/// VEVENTs in one object (a master and its overrides).
const MAX_EVENTS: usize = 1_000;
const MAX_TIMEZONES: usize = 20;
/// EXDATE plus RDATE values of one event.
const MAX_DATES: usize = 5_000;
/// With [`MAX_OCCURRENCES`](super::MAX_OCCURRENCES), bounds what one call prints.
const MAX_ATTENDEES: usize = 500;
const MAX_ALARMS: usize = 20;
/// Alarms further than this from their event are not ones a person set.
const MAX_ALARM_DAYS: i64 = 400;

pub(crate) fn read(text: &str) -> Result<CalendarObject> {
    let root = content::parse(text)?;
    if root.name != "VCALENDAR" {
        return Err(bad(format!("{} where VCALENDAR was expected", root.name)));
    }
    let vtimezones: Vec<&Component> = root.children_named("VTIMEZONE").take(MAX_TIMEZONES).collect();
    let mut zones = Zones {
        vtimezones,
        known: HashMap::new(),
    };
    let mut master: Option<Event> = None;
    let mut overrides: Vec<Event> = Vec::new();
    for (i, c) in root.children_named("VEVENT").enumerate() {
        if i >= MAX_EVENTS {
            return Err(bad(format!("more than {MAX_EVENTS} VEVENTs")));
        }
        let event = read_event(c, &mut zones)?;
        if let Some(first) = master.iter().chain(&overrides).next() {
            if first.uid != event.uid {
                return Err(bad(format!(
                    "VEVENTs with different UIDs ({} and {})",
                    first.uid, event.uid
                )));
            }
        }
        match (&event.recurrence_id, &master) {
            (Some(_), _) => overrides.push(event),
            (None, None) => master = Some(event),
            (None, Some(_)) => return Err(bad(format!("two VEVENTs of UID {} without RECURRENCE-ID", event.uid))),
        }
    }
    let uid = match master.iter().chain(&overrides).next() {
        Some(e) => e.uid.clone(),
        None => {
            let other: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
            return Err(bad(format!("no VEVENT in the calendar (found: {})", other.join(", "))));
        }
    };
    let method = root.prop("METHOD").map(|p| p.value.trim().to_ascii_uppercase());
    Ok(CalendarObject {
        method: method.filter(|m| !m.is_empty()),
        uid,
        master,
        overrides,
        text: text.to_owned(),
    })
}

fn bad(message: String) -> Error {
    Error::BadInput(format!("iCalendar: {message}"))
}

/// TZIDs read so far, and the VTIMEZONEs to read new ones with.
pub(crate) struct Zones<'a> {
    pub vtimezones: Vec<&'a Component>,
    pub known: HashMap<String, Zone>,
}

impl Zones<'_> {
    fn get(&mut self, tzid: &str) -> Zone {
        if let Some(z) = self.known.get(tzid) {
            return z.clone();
        }
        let z = zone::resolve(tzid, &self.vtimezones);
        if self.known.len() < MAX_TIMEZONES * 4 {
            self.known.insert(tzid.to_owned(), z.clone());
        }
        z
    }
}

pub(crate) fn read_event(c: &Component, zones: &mut Zones) -> Result<Event> {
    let uid = c.prop("UID").map(|p| p.value.trim().to_owned()).unwrap_or_default();
    if uid.is_empty() {
        return Err(bad("VEVENT without UID".into()));
    }
    let at = |m: String| bad(format!("VEVENT {uid}: {m}"));
    let recurrence_id = match c.prop("RECURRENCE-ID") {
        Some(p) => Some(read_time(p, &p.value, zones).map_err(at)?),
        None => None,
    };
    let start = match (c.prop("DTSTART"), &recurrence_id) {
        (Some(p), _) => read_time(p, &p.value, zones).map_err(at)?,
        (None, Some(rid)) => rid.clone(),
        (None, None) => return Err(at("no DTSTART".into())),
    };
    let all_day = matches!(start, Time::Date(_));
    let end = match c.prop("DTEND") {
        Some(p) => Some(read_time(p, &p.value, zones).map_err(at)?),
        None => None,
    };
    if end.as_ref().is_some_and(|e| matches!(e, Time::Date(_)) != all_day) {
        return Err(at("DTSTART and DTEND are not both dates or both date-times".into()));
    }
    let duration = match c.prop("DURATION") {
        Some(p) => Some(Duration::parse(&p.value).ok_or_else(|| at(format!("bad DURATION {:?}", p.value)))?),
        None => None,
    };
    let rrule = match c.prop("RRULE") {
        Some(p) if recurrence_id.is_none() => {
            let rule = Rule::parse(&p.value).map_err(|e| at(format!("RRULE {:?}: {e}", p.value)))?;
            rule.check(&start)
                .map_err(|e| at(format!("RRULE {:?}: {e}", p.value)))?;
            Some(p.value.trim().to_owned())
        }
        _ => None,
    };
    let exdates = read_times(c, "EXDATE", zones).map_err(at)?;
    let rdates = read_times(c, "RDATE", zones).map_err(at)?;
    if exdates.len() + rdates.len() > MAX_DATES {
        return Err(at(format!("more than {MAX_DATES} EXDATE and RDATE values")));
    }
    Ok(Event {
        summary: text(c, "SUMMARY"),
        description: text(c, "DESCRIPTION"),
        location: text(c, "LOCATION"),
        categories: c.props_named("CATEGORIES").flat_map(|p| text_list(&p.value)).collect(),
        start,
        end,
        duration,
        all_day,
        rrule,
        exdates,
        rdates,
        recurrence_id,
        status: c.prop("STATUS").and_then(|p| Status::parse(&p.value)),
        organizer: c.prop("ORGANIZER").and_then(person),
        attendees: c
            .props_named("ATTENDEE")
            .filter_map(attendee)
            .take(MAX_ATTENDEES)
            .collect(),
        sequence: c
            .prop("SEQUENCE")
            .and_then(|p| p.value.trim().parse().ok())
            .unwrap_or(0),
        alarms: c.children_named("VALARM").filter_map(alarm).take(MAX_ALARMS).collect(),
        uid,
    })
}

/// A TEXT property, unescaped; `None` when absent or blank.
fn text(c: &Component, name: &str) -> Option<String> {
    let v = unescape_text(&c.prop(name)?.value);
    (!v.trim().is_empty()).then_some(v)
}

/// A DATE or DATE-TIME value of `prop` (its VALUE and TZID parameters apply).
pub(crate) fn read_time(prop: &Prop, value: &str, zones: &mut Zones) -> std::result::Result<Time, String> {
    let v = value.trim();
    let is_date = prop.param("VALUE").is_some_and(|t| t.eq_ignore_ascii_case("DATE")) || v.len() == 8;
    let fail = || format!("{}: bad date {v:?}", prop.name);
    if is_date {
        return parse_date(v).map(Time::Date).ok_or_else(fail);
    }
    let (wall, utc) = parse_date_time(v).ok_or_else(fail)?;
    let zone = match (utc, prop.param("TZID")) {
        (true, _) => Zone::Utc,
        (false, Some(tzid)) => zones.get(tzid),
        (false, None) => Zone::Floating,
    };
    Ok(Time::DateTime { wall, zone })
}

/// Every value of every `name` property (comma-separated lists; a PERIOD's start).
fn read_times(c: &Component, name: &str, zones: &mut Zones) -> std::result::Result<Vec<Time>, String> {
    let mut out = Vec::new();
    for p in c.props_named(name) {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            if out.len() > MAX_DATES {
                return Err(format!("more than {MAX_DATES} {name} values"));
            }
            let start = v.split_once('/').map_or(v, |(s, _)| s);
            out.push(read_time(p, start, zones)?);
        }
    }
    Ok(out)
}

/// `mailto:someone@example.org` → `someone@example.org`.
pub(crate) fn address(value: &str) -> Option<String> {
    let v = value.trim();
    let v = match v.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => v.get(7..).unwrap_or_default(),
        _ => v,
    };
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn person(p: &Prop) -> Option<Person> {
    Some(Person {
        email: address(&p.value)?,
        name: p.param("CN").map(str::to_owned).filter(|n| !n.trim().is_empty()),
    })
}

fn attendee(p: &Prop) -> Option<Attendee> {
    let who = person(p)?;
    Some(Attendee {
        email: who.email,
        name: who.name,
        partstat: p.param("PARTSTAT").map(PartStat::parse).unwrap_or_default(),
        role: p
            .param("ROLE")
            .map_or_else(|| "REQ-PARTICIPANT".to_owned(), str::to_ascii_uppercase),
        rsvp: p.param("RSVP").is_some_and(|v| v.eq_ignore_ascii_case("TRUE")),
    })
}

/// A VALARM with a trigger we can read (else left out).
fn alarm(c: &Component) -> Option<Alarm> {
    let t = c.prop("TRIGGER")?;
    let absolute = t.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"));
    let trigger = if absolute {
        match parse_date_time(&t.value)? {
            (wall, true) => Trigger::At(wall.and_utc()),
            _ => return None,
        }
    } else {
        let d = Duration::parse(&t.value)?;
        let delta = TimeDelta::try_seconds(d.days.checked_mul(86_400)?.checked_add(d.seconds)?)?;
        if delta.num_days().abs() > MAX_ALARM_DAYS {
            return None;
        }
        match t.param("RELATED") {
            Some(r) if r.eq_ignore_ascii_case("END") => Trigger::End(delta),
            _ => Trigger::Start(delta),
        }
    };
    Some(Alarm {
        action: c
            .prop("ACTION")
            .map_or_else(|| "DISPLAY".to_owned(), |p| p.value.trim().to_ascii_uppercase()),
        trigger,
        description: text(c, "DESCRIPTION"),
    })
}
