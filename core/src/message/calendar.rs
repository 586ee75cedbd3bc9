//! iMIP invitations (RFC 6047): the METHOD and the first VEVENT of an iCalendar text (RFC 5545),
//! read by hand, tolerant of folding, missing fields and odd time zone names, and bounded.

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::text::{header_text, prefix};
use super::Invitation;

/// The most of a calendar we read.
const MAX_CALENDAR: usize = 1 << 20;
const MAX_ATTENDEES: usize = 1000;
const MAX_VALUE: usize = 4096;
const MAX_NESTING: usize = 16;

/// The invitation in `ics`, if it has an iMIP method and a VEVENT. `method` is the
/// Content-Type parameter, used when the calendar itself names none.
pub(super) fn invitation(ics: &str, method: Option<&str>, part: &str) -> Option<Invitation> {
    let mut method = method.map(str::to_ascii_uppercase);
    // The open components, innermost last; tolerant of missing BEGIN or END lines.
    let mut open: Vec<String> = Vec::new();
    let mut event: Option<Event> = None;
    for line in unfolded(prefix(ics, MAX_CALENDAR)) {
        let Some(prop) = Property::parse(&line) else { continue };
        let component = prop.value.trim().to_ascii_uppercase();
        match prop.name.as_str() {
            "BEGIN" if component == "VEVENT" && event.is_none() => {
                event = Some(Event::default());
                open.push(component);
            }
            "BEGIN" if open.len() < MAX_NESTING => open.push(component),
            "BEGIN" => {}
            "END" if component == "VEVENT" && event.is_some() => break,
            "END" => {
                if let Some(i) = open.iter().rposition(|c| *c == component) {
                    open.truncate(i);
                }
            }
            "METHOD" if open.last().is_none_or(|c| c == "VCALENDAR") => method = Some(component),
            _ if open.last().is_some_and(|c| c == "VEVENT") => {
                if let Some(e) = event.as_mut() {
                    e.take(prop);
                }
            }
            _ => {}
        }
    }
    let method = method.filter(|m| matches!(m.as_str(), "REQUEST" | "REPLY" | "CANCEL"))?;
    event?.into_invitation(method, part)
}

/// Content lines with folding undone (a line starting with a space or tab continues the last).
fn unfolded(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in ics.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => {
                if last.len() < MAX_VALUE * 2 {
                    last.push_str(rest);
                }
            }
            _ => lines.push(prefix(raw, MAX_VALUE * 2).to_owned()),
        }
    }
    lines
}

/// One content line: `NAME;PARAM=V;PARAM="V":VALUE`.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn parse(line: &str) -> Option<Property> {
        let mut quoted = false;
        let colon = line.char_indices().find_map(|(i, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            (c == ':' && !quoted).then_some(i)
        })?;
        let head = line.get(..colon)?;
        let value = line.get(colon + 1..)?.to_owned();
        let mut pieces = split_params(head).into_iter();
        let name = pieces.next()?.trim().to_ascii_uppercase();
        let params = pieces
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_owned()))
            })
            .collect();
        Some(Property { name, params, value })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Splits at `;` outside double quotes.
fn split_params(head: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(head.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(head.get(start..).unwrap_or(""));
    out
}

#[derive(Default)]
struct Event {
    uid: Option<String>,
    summary: Option<String>,
    location: Option<String>,
    start: Option<Time>,
    end: Option<Time>,
    duration: Option<Duration>,
    organizer: Option<String>,
    attendees: Vec<String>,
}

impl Event {
    fn take(&mut self, prop: Property) {
        match prop.name.as_str() {
            "UID" => self.uid = header_text(&prop.value),
            "SUMMARY" => self.summary = header_text(&unescape(&prop.value)),
            "LOCATION" => self.location = header_text(&unescape(&prop.value)),
            "DTSTART" => self.start = Time::parse(&prop),
            "DTEND" => self.end = Time::parse(&prop),
            "DURATION" => self.duration = duration(&prop.value),
            "ORGANIZER" => self.organizer = mailbox(&prop.value),
            "ATTENDEE" if self.attendees.len() < MAX_ATTENDEES => self.attendees.extend(mailbox(&prop.value)),
            _ => {}
        }
    }

    fn into_invitation(self, method: String, part: &str) -> Option<Invitation> {
        let end = self.end.or_else(|| Some(self.start.as_ref()?.plus(self.duration?)));
        Some(Invitation {
            method,
            uid: self.uid.unwrap_or_default(),
            summary: self.summary,
            all_day: matches!(self.start, Some(Time::Date(_))),
            start: self.start.map(|t| t.rfc3339()),
            end: end.map(|t| t.rfc3339()),
            location: self.location,
            organizer: self.organizer,
            attendees: self.attendees,
            part: part.to_owned(),
        })
    }
}

/// `mailto:someone@example.org` → `someone@example.org`.
fn mailbox(value: &str) -> Option<String> {
    let v = value.trim();
    let v = match v.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => v.get(7..).unwrap_or(""),
        _ => v,
    };
    header_text(v)
}

/// TEXT values: `\n`, `\,`, `\;` and `\\` escapes (RFC 5545 §3.3.11).
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// A DATE, a UTC DATE-TIME, a DATE-TIME in a known zone, or a floating one.
enum Time {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    Zoned(NaiveDateTime, Tz),
    Floating(NaiveDateTime),
}

impl Time {
    fn parse(prop: &Property) -> Option<Time> {
        let v = prop.value.trim();
        if v.len() == 8 || prop.param("VALUE").is_some_and(|t| t.eq_ignore_ascii_case("DATE")) {
            return NaiveDate::parse_from_str(v.get(..8)?, "%Y%m%d").ok().map(Time::Date);
        }
        let (local, utc) = match v.strip_suffix(['Z', 'z']) {
            Some(local) => (local, true),
            None => (v, false),
        };
        let at = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").ok()?;
        Some(match (utc, prop.param("TZID").and_then(crate::calendar::zone::iana)) {
            (true, _) => Time::Utc(at),
            (false, Some(tz)) => Time::Zoned(at, tz),
            (false, None) => Time::Floating(at),
        })
    }

    fn plus(&self, d: Duration) -> Time {
        let add = |t: &NaiveDateTime| t.checked_add_signed(d).unwrap_or(*t);
        match self {
            Time::Date(day) => Time::Date(day.checked_add_signed(d).unwrap_or(*day)),
            Time::Utc(t) => Time::Utc(add(t)),
            Time::Zoned(t, tz) => Time::Zoned(add(t), *tz),
            Time::Floating(t) => Time::Floating(add(t)),
        }
    }

    fn rfc3339(&self) -> String {
        const FULL: &str = "%Y-%m-%dT%H:%M:%S%:z";
        match self {
            Time::Date(d) => d.format("%Y-%m-%d").to_string(),
            Time::Utc(t) => format!("{}+00:00", t.format("%Y-%m-%dT%H:%M:%S")),
            Time::Zoned(t, tz) => match tz.from_local_datetime(t) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.format(FULL).to_string(),
                // In a spring-forward gap: the wall clock an hour later exists.
                LocalResult::None => match tz.from_local_datetime(&(*t + Duration::hours(1))) {
                    LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.format(FULL).to_string(),
                    LocalResult::None => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                },
            },
            Time::Floating(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// An RFC 5545 duration (`PT1H30M`, `P1D`, `-P1W`), as an exact length.
fn duration(value: &str) -> Option<Duration> {
    crate::calendar::value::Duration::parse(value).map(|d| d.exact())
}
