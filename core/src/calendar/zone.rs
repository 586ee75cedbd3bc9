//! Time zones: TZID names read as IANA zones (chrono-tz), the VTIMEZONE of an object when its
//! TZID is no IANA name, the floating fallback; the local zone; and VTIMEZONEs to write.
//!
//! A TZID is read, in order, as: an IANA name (`Europe/Paris`); an IANA name at the end of a
//! longer one (`/mozilla.org/20050126_1/Europe/Paris`); a Windows name as Outlook and Exchange
//! write them (`Romance Standard Time`); the IANA name in the VTIMEZONE's `X-LIC-LOCATION`; the
//! VTIMEZONE's own rules (its STANDARD and DAYLIGHT onsets, computed for 1970–2100); and when
//! none of these works, as floating: the wall clock of the local zone, like a time without TZID.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::content::{param, Component, Prop};
use super::value::{format_date_time, parse_date_time};

/// The zone a DATE-TIME's wall clock is read in.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    /// `Z`.
    Utc,
    /// No TZID: the same wall-clock time in whatever zone the reader is (RFC 5545 §3.3.5).
    Floating,
    /// A TZID, and how it was understood.
    Named { tzid: String, rules: ZoneRules },
}

/// How a TZID was understood.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneRules {
    /// An IANA zone, by its name or an alias of it.
    Iana(Tz),
    /// The onsets of the object's VTIMEZONE.
    Embedded(EmbeddedZone),
    /// Neither: read as floating.
    Unknown,
}

/// The UTC offsets a VTIMEZONE defines: each onset (UTC) with the offset from then on.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedZone(Arc<Onsets>);

#[derive(Debug, PartialEq)]
struct Onsets {
    /// The offset before the first onset (seconds east of UTC).
    before: i32,
    /// Sorted by instant: (seconds since the epoch, offset from then on).
    onsets: Vec<(i64, i32)>,
}

/// VTIMEZONE onsets are computed for these years; before and after, the nearest offset holds.
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2100;
/// Bounds on what one VTIMEZONE costs.
const MAX_OBSERVANCES: usize = 50;
const MAX_ONSETS: usize = 1_000;

impl EmbeddedZone {
    fn offset_at(&self, utc: NaiveDateTime) -> i32 {
        let t = utc.and_utc().timestamp();
        let after = self.0.onsets.partition_point(|(at, _)| *at <= t);
        match after.checked_sub(1).and_then(|i| self.0.onsets.get(i)) {
            Some((_, offset)) => *offset,
            None => self.0.before,
        }
    }
}

impl Zone {
    /// The UTC offset in seconds at the instant `utc`; floating times take `local`'s.
    pub fn offset_at(&self, utc: NaiveDateTime, local: Tz) -> i32 {
        let iana = |tz: Tz| tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
        match self {
            Zone::Utc => 0,
            Zone::Floating
            | Zone::Named {
                rules: ZoneRules::Unknown,
                ..
            } => iana(local),
            Zone::Named {
                rules: ZoneRules::Iana(tz),
                ..
            } => iana(*tz),
            Zone::Named {
                rules: ZoneRules::Embedded(z),
                ..
            } => z.offset_at(utc),
        }
    }

    /// The instant of a wall-clock time in this zone. Twice in a day (autumn): the first one.
    /// Never (spring gap): read with the offset before the change, as RFC 5545 §3.3.5 says
    /// (02:30 on a Paris spring-forward day is 03:30 CEST).
    pub fn instant(&self, wall: NaiveDateTime, local: Tz) -> Option<DateTime<Utc>> {
        let offset_at = |utc: NaiveDateTime| self.offset_at(utc, local);
        let around = |days: i64| {
            let probe = wall.checked_add_signed(TimeDelta::try_days(days)?)?;
            Some(offset_at(probe))
        };
        let (a, b) = (around(-1)?, around(1)?);
        let minus = |offset: i32| wall.checked_sub_signed(TimeDelta::try_seconds(i64::from(offset))?);
        // The larger offset gives the earlier instant: try it first.
        for offset in [a.max(b), a.min(b)] {
            let utc = minus(offset)?;
            if offset_at(utc) == offset {
                return Some(utc.and_utc());
            }
        }
        let before = offset_at(minus(a.max(b))?);
        minus(before).map(|utc| utc.and_utc())
    }

    /// The wall-clock time in this zone at an instant.
    pub fn wall(&self, at: DateTime<Utc>, local: Tz) -> Option<NaiveDateTime> {
        let utc = at.naive_utc();
        utc.checked_add_signed(TimeDelta::try_seconds(i64::from(self.offset_at(utc, local)))?)
    }

    /// The TZID to write, if any.
    pub fn tzid(&self) -> Option<&str> {
        match self {
            Zone::Named { tzid, .. } => Some(tzid),
            _ => None,
        }
    }
}

/// The IANA zone a TZID names, directly, at the end of a longer name, or as a Windows name.
pub fn iana(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if tzid.is_empty() || tzid.len() > 200 {
        return None;
    }
    if let Ok(tz) = Tz::from_str(tzid) {
        return Some(tz);
    }
    let from_suffix = tzid
        .match_indices('/')
        .filter_map(|(i, _)| tzid.get(i + 1..))
        .find_map(|rest| Tz::from_str(rest).ok());
    from_suffix.or_else(|| windows_zone(tzid))
}

/// The Windows zone names Outlook and Exchange put in TZID, for the zones a French town hall
/// meets (mainland, overseas departments, neighbours, the usual travel).
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
        "Reunion Standard Time" | "Mauritius Standard Time" | "Arabian Standard Time" => "Indian/Reunion",
        "SA Western Standard Time" => "America/Guadeloupe",
        "SA Eastern Standard Time" => "America/Cayenne",
        "E. Africa Standard Time" => "Indian/Mayotte",
        "New Caledonia Standard Time" | "Central Pacific Standard Time" => "Pacific/Noumea",
        "Hawaiian Standard Time" => "Pacific/Honolulu",
        "Saint Pierre Standard Time" => "America/Miquelon",
        "Eastern Standard Time" => "America/New_York",
        "Central Standard Time" => "America/Chicago",
        "Mountain Standard Time" => "America/Denver",
        "Pacific Standard Time" => "America/Los_Angeles",
        "Tokyo Standard Time" => "Asia/Tokyo",
        "China Standard Time" => "Asia/Shanghai",
        "UTC" | "Coordinated Universal Time" => "UTC",
        _ => return None,
    };
    Tz::from_str(iana).ok()
}

/// How `tzid` is read, given the object's VTIMEZONEs.
pub(crate) fn resolve(tzid: &str, vtimezones: &[&Component]) -> Zone {
    let named = |rules| Zone::Named {
        tzid: tzid.to_owned(),
        rules,
    };
    if let Some(tz) = iana(tzid) {
        return named(ZoneRules::Iana(tz));
    }
    let own = vtimezones
        .iter()
        .find(|c| c.prop("TZID").is_some_and(|p| p.value.trim() == tzid.trim()));
    let Some(own) = own else {
        return named(ZoneRules::Unknown);
    };
    let location = own
        .prop("X-LIC-LOCATION")
        .and_then(|p| Tz::from_str(p.value.trim()).ok());
    if let Some(tz) = location {
        return named(ZoneRules::Iana(tz));
    }
    match embedded(own) {
        Some(z) => named(ZoneRules::Embedded(z)),
        None => named(ZoneRules::Unknown),
    }
}

/// A VTIMEZONE's onsets between 1970 and 2100, from each STANDARD and DAYLIGHT observance's
/// DTSTART, RRULE and RDATEs. `None` if it defines none.
fn embedded(vtimezone: &Component) -> Option<EmbeddedZone> {
    let mut onsets: Vec<(i64, i32)> = Vec::new();
    let mut first: Option<(NaiveDateTime, i32)> = None;
    let observances = vtimezone
        .children
        .iter()
        .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
        .take(MAX_OBSERVANCES);
    for obs in observances {
        let Some((start, from, to)) = observance(obs) else {
            continue;
        };
        if first.is_none_or(|(t, _)| start < t) {
            first = Some((start, from));
        }
        for wall in observance_walls(obs, start, from) {
            if onsets.len() >= MAX_ONSETS {
                break;
            }
            // An onset is a wall-clock time of the offset in force before it.
            if let Some(utc) = wall.checked_sub_signed(TimeDelta::try_seconds(i64::from(from))?) {
                onsets.push((utc.and_utc().timestamp(), to));
            }
        }
    }
    let (_, before) = first?;
    onsets.sort_unstable();
    Some(EmbeddedZone(Arc::new(Onsets { before, onsets })))
}

/// DTSTART, TZOFFSETFROM and TZOFFSETTO of an observance.
fn observance(obs: &Component) -> Option<(NaiveDateTime, i32, i32)> {
    let (start, _) = parse_date_time(&obs.prop("DTSTART")?.value)?;
    let from = parse_offset(&obs.prop("TZOFFSETFROM")?.value)?;
    let to = parse_offset(&obs.prop("TZOFFSETTO")?.value)?;
    Some((start, from, to))
}

/// The onsets (wall clock) of an observance within the years we compute.
fn observance_walls(obs: &Component, start: NaiveDateTime, from: i32) -> Vec<NaiveDateTime> {
    let lo = NaiveDate::from_ymd_opt(FIRST_YEAR - 1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let hi = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Vec::new();
    };
    let mut walls = vec![start];
    for rdate in obs.props_named("RDATE") {
        walls.extend(
            rdate
                .value
                .split(',')
                .filter_map(|v| parse_date_time(v).map(|(t, _)| t)),
        );
        walls.truncate(MAX_ONSETS);
    }
    if let Some(rule) = obs.prop("RRULE") {
        walls.extend(yearly_onsets(&rule.value, start, from));
    }
    walls.retain(|w| *w >= lo && *w < hi);
    walls.truncate(MAX_ONSETS);
    walls
}

/// The onsets of an observance's RRULE up to 2100, for the forms VTIMEZONEs are written in:
/// FREQ=YEARLY with one BYMONTH and either BYDAY=nWD (`-1SU`: the last Sunday), or BYMONTHDAY
/// with BYDAY=WD (the first such weekday among those days: `BYMONTHDAY=8,9,10,11,12,13,14`),
/// or one BYMONTHDAY; UNTIL or COUNT. Any other rule gives no onset (its DTSTART still counts).
/// Computed year by year here rather than by the rrule crate: cheap whatever the rule says.
fn yearly_onsets(value: &str, start: NaiveDateTime, from: i32) -> Vec<NaiveDateTime> {
    let mut rule = YearlyRule {
        yearly: false,
        interval: 1,
        month: start.month(),
        weekday: None,
        month_days: Vec::new(),
        until: None,
        count: None,
    };
    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, v)) = part.split_once('=') else {
            return Vec::new();
        };
        if rule.read(&key.trim().to_ascii_uppercase(), v.trim(), from).is_none() {
            return Vec::new();
        }
    }
    if !rule.yearly {
        return Vec::new();
    }
    let mut out = Vec::new();
    let years = (start.year()..=LAST_YEAR).step_by(rule.interval);
    for (i, year) in years.enumerate() {
        if rule.count.is_some_and(|c| i >= c) {
            break;
        }
        let Some(t) = rule.date(year, start.day()).map(|d| d.and_time(start.time())) else {
            continue;
        };
        if rule.until.is_some_and(|u| t > u) {
            break;
        }
        if t >= start {
            out.push(t);
        }
    }
    out
}

struct YearlyRule {
    yearly: bool,
    interval: usize,
    month: u32,
    /// BYDAY: the week of the month (`0`: none given) and the weekday.
    weekday: Option<(i32, Weekday)>,
    month_days: Vec<u32>,
    until: Option<NaiveDateTime>,
    count: Option<usize>,
}

impl YearlyRule {
    /// Reads one rule part; `None` for what we do not handle.
    fn read(&mut self, key: &str, v: &str, from: i32) -> Option<()> {
        match key {
            "FREQ" => self.yearly = v.eq_ignore_ascii_case("YEARLY"),
            "INTERVAL" => self.interval = v.parse().ok().filter(|n| (1..=100).contains(n))?,
            "BYMONTH" => self.month = v.parse().ok().filter(|m| (1..=12).contains(m))?,
            "BYMONTHDAY" => {
                for d in v.split(',').take(31) {
                    self.month_days
                        .push(d.trim().parse().ok().filter(|d| (1..=31).contains(d))?);
                }
            }
            "BYDAY" => {
                let v = v.trim().to_ascii_uppercase();
                let split = v.len().checked_sub(2)?;
                let (n, day) = (v.get(..split)?, v.get(split..)?);
                let n: i32 = if n.is_empty() {
                    0
                } else {
                    n.trim_start_matches('+').parse().ok()?
                };
                let day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                    .iter()
                    .position(|d| *d == day)?;
                let weekday = Weekday::try_from(u8::try_from(day).ok()?).ok()?;
                self.weekday = (-5..=5).contains(&n).then_some((n, weekday));
                self.weekday?;
            }
            "UNTIL" => {
                self.until = match (parse_date_time(v), super::value::parse_date(v)) {
                    (Some((t, true)), _) => t.checked_add_signed(TimeDelta::try_seconds(i64::from(from))?),
                    (Some((t, false)), _) => Some(t),
                    (None, Some(d)) => d.and_hms_opt(23, 59, 59),
                    _ => None,
                };
                self.until?;
            }
            "COUNT" => self.count = Some(v.parse().ok()?),
            "WKST" => {}
            _ => return None,
        }
        Some(())
    }

    fn date(&self, year: i32, start_day: u32) -> Option<NaiveDate> {
        match (self.weekday, self.month_days.as_slice()) {
            (Some((n, wd)), []) if n != 0 => nth_weekday(year, self.month, wd, n),
            (Some((0, wd)), days) if !days.is_empty() => {
                let mut days = days.to_vec();
                days.sort_unstable();
                days.into_iter()
                    .filter_map(|d| NaiveDate::from_ymd_opt(year, self.month, d))
                    .find(|d| d.weekday() == wd)
            }
            (None, [day]) => NaiveDate::from_ymd_opt(year, self.month, *day),
            (None, []) => NaiveDate::from_ymd_opt(year, self.month, start_day),
            _ => None,
        }
    }
}

/// `+0100`, `-0500`, `+053000`.
fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+')?),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits.get(0..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    let s: i32 = digits
        .get(4..)
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    (h < 24 && m < 60 && s < 60).then_some(sign * (h * 3600 + m * 60 + s))
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, rest) = (s / 3600, s % 3600 / 60, s % 60);
    if rest == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{rest:02}")
    }
}

/// The local time zone: `TZ` (an IANA name, or a path ending in one), else the system's
/// (`/etc/localtime`, `/etc/timezone`, Windows and Android settings, through iana-time-zone),
/// else Europe/Paris.
pub fn local_zone() -> Tz {
    let from_env = std::env::var("TZ").ok().and_then(|v| zone_from_setting(&v));
    from_env
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|v| zone_from_setting(&v)))
        .unwrap_or(chrono_tz::Europe::Paris)
}

/// `Europe/Paris`, `:Europe/Paris`, `/usr/share/zoneinfo/Europe/Paris`.
pub(crate) fn zone_from_setting(value: &str) -> Option<Tz> {
    let v = value.trim().trim_start_matches(':');
    if v.is_empty() {
        return None;
    }
    Tz::from_str(v).ok().or_else(|| {
        let (_, name) = v.split_once("zoneinfo/")?;
        Tz::from_str(name).ok()
    })
}

/// A VTIMEZONE for `tz`, as clients write them: the rules in force in `year` (a STANDARD and a
/// DAYLIGHT observance with yearly RRULEs from their onsets, or one STANDARD for a zone without
/// daylight saving time), plus `X-LIC-LOCATION`. Readers that know the IANA name use it anyway.
pub(crate) fn vtimezone(tz: Tz, year: i32) -> Component {
    let mut c = Component::new("VTIMEZONE");
    c.props.push(Prop::new("TZID", Vec::new(), tz.name()));
    c.props.push(Prop::new("X-LIC-LOCATION", Vec::new(), tz.name()));
    let changes = transitions(tz, year);
    if changes.len() != 2 {
        let Some(at) = NaiveDate::from_ymd_opt(year, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)) else {
            return c;
        };
        let offset = tz.offset_from_utc_datetime(&at);
        let seconds = offset.fix().local_minus_utc();
        let mut obs = Component::new("STANDARD");
        obs.props.push(Prop::new("DTSTART", Vec::new(), "19700101T000000"));
        obs.props
            .push(Prop::new("TZOFFSETFROM", Vec::new(), format_offset(seconds)));
        obs.props
            .push(Prop::new("TZOFFSETTO", Vec::new(), format_offset(seconds)));
        if let Some(name) = offset.abbreviation() {
            obs.props.push(Prop::new("TZNAME", Vec::new(), name));
        }
        c.children.push(obs);
        return c;
    }
    for change in changes {
        c.children.push(observance_component(tz, change));
    }
    c
}

/// One change of offset: its instant, and the offsets before and after.
struct Change {
    at: NaiveDateTime,
    from: i32,
    to: i32,
}

/// The offset changes of `tz` in `year`: days compared, then the hour and the minute found.
fn transitions(tz: Tz, year: i32) -> Vec<Change> {
    let offset = |t: NaiveDateTime| tz.offset_from_utc_datetime(&t).fix().local_minus_utc();
    let mut changes = Vec::new();
    let Some(mut day) = NaiveDate::from_ymd_opt(year, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        return changes;
    };
    while day.year() == year && changes.len() < 4 {
        let Some(next) = day.checked_add_signed(TimeDelta::days(1)) else {
            break;
        };
        let (from, to) = (offset(day), offset(next));
        if from != to {
            // The first minute of the day at which the offset is the new one.
            let (mut lo, mut hi) = (0i64, 1440i64);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                let t = day.checked_add_signed(TimeDelta::minutes(mid)).unwrap_or(day);
                if offset(t) == from {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let at = day.checked_add_signed(TimeDelta::minutes(hi)).unwrap_or(day);
            changes.push(Change { at, from, to });
        }
        day = next;
    }
    changes
}

/// A STANDARD or DAYLIGHT observance repeating a change every year on the same weekday of the
/// same week of the month (`BYDAY=-1SU` for the last Sunday), from 1970.
fn observance_component(tz: Tz, change: Change) -> Component {
    let after = tz.offset_from_utc_datetime(&change.at);
    let daylight = after.dst_offset() != TimeDelta::zero();
    let mut obs = Component::new(if daylight { "DAYLIGHT" } else { "STANDARD" });
    let local = change
        .at
        .checked_add_signed(TimeDelta::seconds(i64::from(change.from)))
        .unwrap_or(change.at);
    let (month, day, weekday) = (local.month(), local.day(), local.weekday());
    let last = NaiveDate::from_ymd_opt(local.year(), month, 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day());
    let week: i32 = if day + 7 > last { -1 } else { ((day - 1) / 7 + 1) as i32 };
    let start = nth_weekday(1970, month, weekday, week)
        .map(|d| d.and_time(local.time()))
        .unwrap_or(local);
    obs.props
        .push(Prop::new("DTSTART", Vec::new(), format_date_time(start)));
    obs.props
        .push(Prop::new("TZOFFSETFROM", Vec::new(), format_offset(change.from)));
    obs.props
        .push(Prop::new("TZOFFSETTO", Vec::new(), format_offset(change.to)));
    let rule = format!("FREQ=YEARLY;BYMONTH={month};BYDAY={week}{}", weekday_code(weekday));
    obs.props.push(Prop::new("RRULE", Vec::new(), rule));
    if let Some(name) = after.abbreviation() {
        obs.props.push(Prop::new("TZNAME", Vec::new(), name));
    }
    obs
}

/// The `week`th `weekday` of a month (`-1`: the last, `-2`: the one before...).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, week: i32) -> Option<NaiveDate> {
    if week > 0 {
        return NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8::try_from(week).ok()?);
    }
    let last = NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    let weeks_back = u64::try_from(week.checked_neg()?.checked_sub(1)?).ok()?;
    let day = last.checked_sub_days(chrono::Days::new(u64::from(back) + 7 * weeks_back))?;
    (day.month() == month).then_some(day)
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// A `TZID` parameter for `tzid`.
pub(crate) fn tzid_param(tzid: &str) -> super::content::Param {
    param("TZID", tzid)
}
