//! iMIP invitations (RFC 6047): the METHOD and the first VEVENT of an iCalendar text (RFC 5545),
//! read by hand, tolerant of folding, missing fields and odd time zone names, and bounded.

use std::str::FromStr;

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
        Some(match (utc, prop.param("TZID").and_then(zone)) {
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

/// An IANA zone from a TZID as senders write it: `Europe/Paris`, `/mozilla.org/…/Europe/Paris`,
/// or a Windows name (Outlook, Exchange).
fn zone(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = Tz::from_str(tzid) {
        return Some(tz);
    }
    let from_suffix = tzid
        .match_indices('/')
        .filter_map(|(i, _)| tzid.get(i + 1..))
        .find_map(|rest| Tz::from_str(rest).ok());
    from_suffix.or_else(|| windows_zone(tzid))
}

/// The Windows zone names Outlook puts in TZID, for the zones a French town hall meets.
fn windows_zone(name: &str) -> Option<Tz> {
    let iana = match name {
        "Romance Standard Time" => "Europe/Paris",
        "W. Europe Standard Time" => "Europe/Berlin",
        "Central Europe Standard Time" => "Europe/Budapest",
        "Central European Standard Time" => "Europe/Warsaw",
        "GMT Standard Time" => "Europe/London",
        "Greenwich Standard Time" => "Atlantic/Reykjavik",
        "E. Europe Standard Time" => "Europe/Chisinau",
        "FLE Standard Time" => "Europe/Kiev",
        "GTB Standard Time" => "Europe/Bucharest",
        "Morocco Standard Time" => "Africa/Casablanca",
        "W. Central Africa Standard Time" => "Africa/Lagos",
        "Reunion Standard Time" | "Mauritius Standard Time" => "Indian/Mauritius",
        "SA Western Standard Time" => "America/La_Paz",
        "SA Eastern Standard Time" => "America/Cayenne",
        "Eastern Standard Time" => "America/New_York",
        "Pacific Standard Time" => "America/Los_Angeles",
        "UTC" | "Coordinated Universal Time" => "UTC",
        _ => return None,
    };
    Tz::from_str(iana).ok()
}

/// An RFC 5545 duration (`PT1H30M`, `P1D`, `-P1W`).
fn duration(value: &str) -> Option<Duration> {
    let v = value.trim();
    let (negative, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let mut rest = v.strip_prefix(['P', 'p'])?;
    let mut seconds: i64 = 0;
    let mut in_time = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix(['T', 't']) {
            in_time = true;
            rest = r;
            continue;
        }
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: i64 = rest.get(..digits)?.parse().ok()?;
        let unit = rest.get(digits..)?.chars().next()?.to_ascii_uppercase();
        let scale = match (unit, in_time) {
            ('W', false) => 7 * 86_400,
            ('D', false) => 86_400,
            ('H', true) => 3600,
            ('M', true) => 60,
            ('S', true) => 1,
            _ => return None,
        };
        seconds = seconds.checked_add(n.checked_mul(scale)?)?;
        rest = rest.get(digits + 1..)?;
    }
    let d = Duration::try_seconds(seconds)?;
    Some(if negative { -d } else { d })
}
