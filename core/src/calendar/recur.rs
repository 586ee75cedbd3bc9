//! Recurrence: the instances of a calendar object in a window of time, from RRULE (expanded by
//! the rrule crate), RDATE, EXDATE and the overriding VEVENTs; then occurrences and reminders.
//!
//! Rules are expanded on the wall clock of the event's zone, as RFC 5545 defines them: a weekly
//! 09:00 Europe/Paris meeting is at 09:00 Paris time on both sides of a daylight-saving change.
//! Each wall-clock time then becomes an instant in its zone (see [`Zone::instant`]).
//!
//! Bounded: SECONDLY and MINUTELY rules are refused when read; a rule yields at most
//! [`MAX_STEPS`] instances per expansion, and daily, weekly and hourly rules without COUNT start
//! near the window rather than at DTSTART; a call returns at most [`MAX_OCCURRENCES`].

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated, Validated};
use serde::Serialize;
use ts_rs::TS;

use super::model::{CalendarObject, Event, Status, Time, Trigger};
use super::value::{parse_date, parse_date_time};
use super::zone::Zone;

/// The most instances one rule yields in one expansion (from DTSTART, or from near the window).
pub const MAX_STEPS: usize = 100_000;
/// The most occurrences (or reminders) one call returns for one object.
pub const MAX_OCCURRENCES: usize = 5_000;
/// The most times a rule may give in one period (BYHOUR × BYMINUTE × BYSECOND): four an hour.
const MAX_TIMES_PER_PERIOD: usize = 96;

/// One occurrence of an event, as `calame cal events --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Occurrence {
    pub uid: String,
    /// The calendar's id; left empty here, filled by the caller.
    pub calendar: String,
    pub summary: Option<String>,
    /// RFC 3339 with the offset of the local zone (`2027-03-15T09:00:00+01:00`); for all-day
    /// events the date, `YYYY-MM-DD`.
    pub start: String,
    /// Same form; exclusive, as in iCalendar: a one-day event on 15 March ends `2027-03-16`.
    pub end: String,
    pub all_day: bool,
    pub location: Option<String>,
    /// The instance of the series this is (its original start, same form as `start`); what
    /// `cal edit --occurrence` and `cal delete --occurrence` take. `null` for a single event.
    pub recurrence_id: Option<String>,
    /// Addresses, without `mailto:`.
    pub organizer: Option<String>,
    pub attendees: Vec<String>,
}

/// An occurrence with what an event editor needs besides the fields `cal events` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DetailedOccurrence {
    #[serde(flatten)]
    #[ts(flatten)]
    pub occurrence: Occurrence,
    pub description: Option<String>,
    pub categories: Vec<String>,
    /// The series' RRULE as written (`FREQ=WEEKLY;BYDAY=MO`), on the instances it makes.
    pub rrule: Option<String>,
    /// The first alarm relative to the start, as an RFC 5545 duration (`-PT15M`: a quarter
    /// of an hour before), as [`crate::EventInput`] takes it.
    pub alarm: Option<String>,
}

/// An alarm going off, for one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, TS)]
#[ts(export)]
pub struct Reminder {
    pub uid: String,
    pub summary: Option<String>,
    /// When to notify; serialised as RFC 3339 in UTC (`2027-03-15T07:45:00Z`).
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    /// The occurrence's start, as in [`Occurrence::start`].
    pub start: String,
}

impl Serialize for Reminder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut r = s.serialize_struct("Reminder", 4)?;
        r.serialize_field("uid", &self.uid)?;
        r.serialize_field("summary", &self.summary)?;
        r.serialize_field("at", &self.at.format("%Y-%m-%dT%H:%M:%SZ").to_string())?;
        r.serialize_field("start", &self.start)?;
        r.end()
    }
}

/// A point in time: a whole day (all-day events, floating) or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Point {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl Point {
    /// The instant it starts at: a day begins at local midnight.
    pub fn instant(self, local: Tz) -> Option<DateTime<Utc>> {
        match self {
            Point::At(t) => Some(t),
            Point::Day(d) => Zone::Floating.instant(d.and_hms_opt(0, 0, 0)?, local),
        }
    }

    /// `YYYY-MM-DD`, or RFC 3339 with `local`'s offset.
    pub fn show(self, local: Tz) -> String {
        match self {
            Point::Day(d) => d.format("%Y-%m-%d").to_string(),
            Point::At(t) => t.with_timezone(&local).format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }
}

/// The point a DATE or DATE-TIME names.
pub(crate) fn point(t: &Time, local: Tz) -> Option<Point> {
    match t {
        Time::Date(d) => Some(Point::Day(*d)),
        Time::DateTime { wall, zone } => zone.instant(*wall, local).map(Point::At),
    }
}

/// One instance: the VEVENT that describes it (master or override), when, and which instance
/// of the series it is.
#[derive(Debug, Clone)]
pub(crate) struct Instance<'a> {
    pub event: &'a Event,
    pub start: Point,
    pub end: Point,
    pub recurrence_id: Option<Point>,
}

/// The instances of `obj` intersecting `[from, to)`, sorted by start; cancelled ones left out.
pub(crate) fn instances(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Instance<'_>> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    let overridden: BTreeSet<Point> = obj
        .overrides
        .iter()
        .filter_map(|o| point(o.recurrence_id.as_ref()?, local))
        .collect();
    if let Some(master) = obj.master.as_ref().filter(|m| m.status != Some(Status::Cancelled)) {
        for i in series(master, from, to, local) {
            let key = i.recurrence_id.unwrap_or(i.start);
            if !overridden.contains(&key) && intersects(&i, from, to, local) {
                out.push(i);
            }
        }
    }
    for o in obj.overrides.iter().filter(|o| o.status != Some(Status::Cancelled)) {
        if let Some(i) = single(o, local) {
            if intersects(&i, from, to, local) {
                out.push(i);
            }
        }
    }
    out.sort_by_key(|i| (i.start.instant(local), i.end.instant(local)));
    out.truncate(MAX_OCCURRENCES);
    out
}

fn intersects(i: &Instance, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> bool {
    let (Some(s), Some(e)) = (i.start.instant(local), i.end.instant(local)) else {
        return false;
    };
    s < to && (e > from || (s == e && s >= from))
}

/// How long an instance lasts: `wall` moves its wall clock (days, and a DTEND in the same zone),
/// `exact` its instant (a DTEND in another zone, the time part of a DURATION).
#[derive(Debug, Clone, Copy, Default)]
struct Length {
    wall: TimeDelta,
    exact: TimeDelta,
}

fn length(e: &Event, local: Tz) -> Length {
    let day = TimeDelta::days(1);
    match (&e.start, &e.end, &e.duration) {
        (Time::Date(s), Some(Time::Date(end)), _) => Length {
            wall: (*end - *s).max(day),
            exact: TimeDelta::zero(),
        },
        (Time::Date(_), _, Some(d)) => Length {
            wall: TimeDelta::try_days(d.days).unwrap_or(day).max(day),
            exact: TimeDelta::zero(),
        },
        (Time::Date(_), _, None) => Length {
            wall: day,
            exact: TimeDelta::zero(),
        },
        (
            Time::DateTime { wall, zone },
            Some(Time::DateTime {
                wall: end,
                zone: end_zone,
            }),
            _,
        ) => {
            if zone == end_zone {
                Length {
                    wall: (*end - *wall).max(TimeDelta::zero()),
                    exact: TimeDelta::zero(),
                }
            } else {
                let exact = match (zone.instant(*wall, local), end_zone.instant(*end, local)) {
                    (Some(s), Some(e)) => (e - s).max(TimeDelta::zero()),
                    _ => TimeDelta::zero(),
                };
                Length {
                    wall: TimeDelta::zero(),
                    exact,
                }
            }
        }
        (Time::DateTime { .. }, _, Some(d)) => Length {
            wall: TimeDelta::try_days(d.days).unwrap_or_default().max(TimeDelta::zero()),
            exact: TimeDelta::try_seconds(d.seconds)
                .unwrap_or_default()
                .max(TimeDelta::zero()),
        },
        _ => Length::default(),
    }
}

/// A VEVENT on its own (an override, or a master without recurrence).
fn single(e: &Event, local: Tz) -> Option<Instance<'_>> {
    let (wall, zone) = wall_of(&e.start);
    let (start, end) = place(wall, &zone, e.all_day, length(e, local), local)?;
    let recurrence_id = e.recurrence_id.as_ref().and_then(|r| point(r, local));
    Some(Instance {
        event: e,
        start,
        end,
        recurrence_id,
    })
}

/// The wall clock and zone of a DTSTART (a date: its midnight, floating).
fn wall_of(t: &Time) -> (NaiveDateTime, Zone) {
    match t {
        Time::Date(d) => (d.and_time(chrono::NaiveTime::MIN), Zone::Floating),
        Time::DateTime { wall, zone } => (*wall, zone.clone()),
    }
}

/// The start and end points of an instance starting at `wall`.
fn place(wall: NaiveDateTime, zone: &Zone, all_day: bool, len: Length, local: Tz) -> Option<(Point, Point)> {
    if all_day {
        let start = wall.date();
        let end = start.checked_add_signed(len.wall)?;
        return Some((Point::Day(start), Point::Day(end)));
    }
    let start = zone.instant(wall, local)?;
    let end = zone.instant(wall.checked_add_signed(len.wall)?, local)?;
    let end = end.checked_add_signed(len.exact)?.max(start);
    Some((Point::At(start), Point::At(end)))
}

/// The instances of a master that may meet `[from, to)`: DTSTART, the RRULE's, the RDATEs,
/// less the EXDATEs. Overrides are not looked at here.
fn series(m: &Event, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Instance<'_>> {
    let len = length(m, local);
    if !m.is_recurring() {
        return single(m, local).into_iter().collect();
    }
    let (start, zone) = wall_of(&m.start);
    // Wall-clock bounds wide enough for any offset and for instances begun before `from`.
    let margin = TimeDelta::days(2);
    let span = (len.wall + len.exact).max(TimeDelta::zero());
    let lo = from
        .naive_utc()
        .checked_sub_signed(span + margin)
        .unwrap_or(NaiveDateTime::MIN);
    let hi = to.naive_utc().checked_add_signed(margin).unwrap_or(NaiveDateTime::MAX);
    let mut walls: BTreeSet<NaiveDateTime> = BTreeSet::new();
    walls.insert(start);
    if let Some(rule) = m.rrule.as_deref().and_then(|r| Rule::parse(r).ok()) {
        let until = rule.until_wall(|utc| zone.wall(utc.and_utc(), local));
        walls.extend(rule.walls(start, until, lo, hi, MAX_STEPS).unwrap_or_default());
    }
    for r in &m.rdates {
        let wall = match r {
            Time::Date(d) => d.and_hms_opt(0, 0, 0),
            Time::DateTime { wall, zone: z } if *z == zone => Some(*wall),
            Time::DateTime { wall, zone: z } => z.instant(*wall, local).and_then(|t| zone.wall(t, local)),
        };
        walls.extend(wall);
    }
    let excluded: BTreeSet<Point> = m.exdates.iter().filter_map(|x| point(x, local)).collect();
    let excluded_days: BTreeSet<NaiveDate> = m
        .exdates
        .iter()
        .filter_map(|x| match x {
            Time::Date(d) => Some(*d),
            Time::DateTime { .. } => None,
        })
        .collect();
    let mut out = Vec::new();
    if lo > hi {
        return out;
    }
    for wall in walls.range(lo..=hi) {
        let Some((s, e)) = place(*wall, &zone, m.all_day, len, local) else {
            continue;
        };
        if excluded.contains(&s) || excluded_days.contains(&wall.date()) {
            continue;
        }
        out.push(Instance {
            event: m,
            start: s,
            end: e,
            recurrence_id: Some(s),
        });
    }
    out
}

/// The instance of a master's series that starts at `at` (points read with UTC as the local
/// zone, as edits compare them), if the series has it.
pub(crate) fn instance_at(master: &Event, at: Point) -> Option<Instance<'_>> {
    let from = at.instant(Tz::UTC)?;
    let to = from.checked_add_signed(TimeDelta::seconds(1))?;
    series(master, from, to, Tz::UTC)
        .into_iter()
        .find(|i| i.recurrence_id == Some(at))
}

/// The occurrences of `obj` intersecting `[from, to)`.
pub(crate) fn occurrences(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Occurrence> {
    detailed_occurrences(obj, from, to, local)
        .into_iter()
        .map(|d| d.occurrence)
        .collect()
}

/// [`occurrences`], with their details.
pub(crate) fn detailed_occurrences(
    obj: &CalendarObject,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    local: Tz,
) -> Vec<DetailedOccurrence> {
    instances(obj, from, to, local)
        .into_iter()
        .map(|i| DetailedOccurrence {
            occurrence: Occurrence {
                uid: i.event.uid.clone(),
                calendar: String::new(),
                summary: i.event.summary.clone(),
                start: i.start.show(local),
                end: i.end.show(local),
                all_day: i.event.all_day,
                location: i.event.location.clone(),
                recurrence_id: i.recurrence_id.map(|r| r.show(local)),
                organizer: i.event.organizer.as_ref().map(|o| o.email.clone()),
                attendees: i.event.attendees.iter().map(|a| a.email.clone()).collect(),
            },
            description: i.event.description.clone(),
            categories: i.event.categories.clone(),
            rrule: i.event.rrule.clone(),
            alarm: i.event.alarms.iter().find_map(|a| match a.trigger {
                Trigger::Start(d) => Some(duration_text(d)),
                _ => None,
            }),
        })
        .collect()
}

/// An RFC 5545 duration (`-PT15M`, `-P1D`, `PT0S`).
fn duration_text(d: TimeDelta) -> String {
    let sign = if d < TimeDelta::zero() { "-" } else { "" };
    let total = d.num_seconds().unsigned_abs();
    if total == 0 {
        return "PT0S".into();
    }
    if total.is_multiple_of(86_400) {
        return format!("{sign}P{}D", total / 86_400);
    }
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let mut out = format!("{sign}PT");
    for (n, unit) in [(h, 'H'), (m, 'M'), (s, 'S')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// The reminders of `obj` going off in `[from, to)`, sorted by time.
pub(crate) fn reminders(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>, local: Tz) -> Vec<Reminder> {
    let mut out = Vec::new();
    // Instances whose alarms may go off in the window: shifted by the furthest triggers.
    let (mut before, mut after) = (TimeDelta::zero(), TimeDelta::zero());
    for a in obj.events().flat_map(|e| &e.alarms) {
        if let Trigger::Start(d) | Trigger::End(d) = a.trigger {
            before = before.max(-d);
            after = after.max(d);
        }
    }
    let (Some(lo), Some(hi)) = (from.checked_sub_signed(after), to.checked_add_signed(before)) else {
        return out;
    };
    for i in instances(obj, lo, hi, local) {
        for a in &i.event.alarms {
            let at = match a.trigger {
                Trigger::Start(d) => i.start.instant(local).and_then(|t| t.checked_add_signed(d)),
                Trigger::End(d) => i.end.instant(local).and_then(|t| t.checked_add_signed(d)),
                Trigger::At(_) => None,
            };
            if let Some(at) = at.filter(|at| *at >= from && *at < to) {
                out.push(reminder(i.event, at, i.start, local));
            }
        }
    }
    // Absolute triggers go off once, for the event's first instance.
    for e in obj.events().filter(|e| e.status != Some(Status::Cancelled)) {
        for a in &e.alarms {
            if let Trigger::At(at) = a.trigger {
                if at >= from && at < to {
                    if let Some(start) = point(&e.start, local) {
                        out.push(reminder(e, at, start, local));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.at, &a.start).cmp(&(b.at, &b.start)));
    out.truncate(MAX_OCCURRENCES);
    out
}

fn reminder(e: &Event, at: DateTime<Utc>, start: Point, local: Tz) -> Reminder {
    Reminder {
        uid: e.uid.clone(),
        summary: e.summary.clone(),
        at,
        start: start.show(local),
    }
}

/// An RRULE value, read: the rrule crate's rule without UNTIL (kept apart, as its form depends
/// on the zone) and without `X-` parts.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    parsed: RRule<Unvalidated>,
    until: Option<Until>,
    count: bool,
}

#[derive(Debug, Clone, Copy)]
enum Until {
    /// Inclusive: the whole day.
    Date(NaiveDate),
    Utc(NaiveDateTime),
    Floating(NaiveDateTime),
}

impl Rule {
    pub fn parse(value: &str) -> Result<Rule, String> {
        let value = value.trim();
        if value.is_empty() || value.len() > 1_000 || value.chars().any(|c| c.is_control()) {
            return Err("empty, too long or with control characters".into());
        }
        let mut kept = Vec::new();
        let (mut until, mut count, mut times) = (None, false, 1usize);
        for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not NAME=VALUE"))?;
            let key = key.trim().to_ascii_uppercase();
            match key.as_str() {
                "UNTIL" => {
                    until = Some(match (parse_date(v), parse_date_time(v)) {
                        (Some(d), _) => Until::Date(d),
                        (_, Some((t, true))) => Until::Utc(t),
                        (_, Some((t, false))) => Until::Floating(t),
                        _ => return Err(format!("bad UNTIL {v:?}")),
                    });
                    continue;
                }
                k if k.starts_with("X-") => continue,
                "COUNT" => count = true,
                "BYHOUR" | "BYMINUTE" | "BYSECOND" => times = times.saturating_mul(v.split(',').count()),
                _ => {}
            }
            kept.push(format!("{key}={}", v.trim()));
        }
        let parsed = RRule::from_str(&kept.join(";")).map_err(|e| e.to_string())?;
        if matches!(parsed.get_freq(), Frequency::Secondly | Frequency::Minutely) {
            return Err(format!("FREQ={} is not supported for events", parsed.get_freq()));
        }
        if times > MAX_TIMES_PER_PERIOD {
            return Err(format!("more than {MAX_TIMES_PER_PERIOD} times per period"));
        }
        Ok(Rule { parsed, until, count })
    }

    /// UNTIL as a wall-clock time of the event's zone; `utc_to_wall` converts a UTC UNTIL.
    pub fn until_wall(&self, utc_to_wall: impl Fn(NaiveDateTime) -> Option<NaiveDateTime>) -> Option<NaiveDateTime> {
        match self.until? {
            Until::Date(d) => d.and_hms_opt(23, 59, 59),
            Until::Utc(t) => utc_to_wall(t),
            Until::Floating(t) => Some(t),
        }
    }

    /// Whether the rule can be expanded from `start` (the rrule crate's checks).
    pub fn check(&self, start: &Time) -> Result<(), String> {
        let (wall, zone) = wall_of(start);
        let until = self.until_wall(|utc| zone.wall(utc.and_utc(), Tz::UTC));
        match until {
            Some(u) if u < wall => Ok(()),
            _ => self.validated(wall, until).map(|_| ()),
        }
    }

    fn validated(&self, start: NaiveDateTime, until: Option<NaiveDateTime>) -> Result<RRule<Validated>, String> {
        let mut rule = self.parsed.clone();
        if let Some(u) = until {
            rule = rule.until(pseudo(u));
        }
        rule.validate(pseudo(start)).map_err(|e| e.to_string())
    }

    /// The rule's wall-clock times in `[lo, hi)`, at most `max` computed, for a series starting
    /// at `start` (not itself included unless the rule gives it).
    pub fn walls(
        &self,
        start: NaiveDateTime,
        until: Option<NaiveDateTime>,
        lo: NaiveDateTime,
        hi: NaiveDateTime,
        max: usize,
    ) -> Result<Vec<NaiveDateTime>, String> {
        if until.is_some_and(|u| u < start) || lo >= hi {
            return Ok(Vec::new());
        }
        let begin = if self.count {
            start
        } else {
            self.fast_forward(start, lo)
        };
        let set = RRuleSet::new(pseudo(begin))
            .rrule(self.validated(begin, until)?)
            .limit();
        let mut out = Vec::new();
        for t in set.into_iter().take(max) {
            let wall = t.naive_utc();
            if wall >= hi {
                break;
            }
            if wall >= lo {
                out.push(wall);
            }
        }
        Ok(out)
    }

    /// For a rule without COUNT whose periods have a fixed wall-clock length (hourly, daily,
    /// weekly), a start a whole number of periods later, just before `lo`: the same instances
    /// from there on, without walking the years between.
    fn fast_forward(&self, start: NaiveDateTime, lo: NaiveDateTime) -> NaiveDateTime {
        let unit: i64 = match self.parsed.get_freq() {
            Frequency::Hourly => 3_600,
            Frequency::Daily => 86_400,
            Frequency::Weekly => 7 * 86_400,
            _ => return start,
        };
        let period = unit * i64::from(self.parsed.get_interval().max(1));
        let gap = (lo - start).num_seconds();
        if gap <= 2 * period {
            return start;
        }
        let periods = gap / period - 1;
        periods
            .checked_mul(period)
            .and_then(TimeDelta::try_seconds)
            .and_then(|d| start.checked_add_signed(d))
            .unwrap_or(start)
    }
}

/// A wall-clock time handed to the rrule crate as if it were UTC: no zone shifts it.
fn pseudo(wall: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&wall)
}
