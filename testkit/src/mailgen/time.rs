//! Dates: the arrival date of each message, Europe/Paris local time (CET/CEST) and the formats
//! used in headers, in French attributions and in iCalendar.

use std::cell::RefCell;

use super::rng::{Rng, Stream};

/// Messages are spaced in "office time": only the seconds inside `WINDOWS` count, so mail
/// arrives on weekdays from 7:30 to 19:30 and on Saturday mornings, Paris time.
///
/// They are dated in blocks of `BLOCK`: a block spans exactly `BLOCK * MEAN_GAP` office seconds,
/// shared among its messages by random weights, so any message's date is found in O(BLOCK)
/// without walking back to message 0.
const BLOCK: u64 = 128;
/// Lowest weight (office seconds) of a gap; weights span 7 octaves: 30 s to about an hour.
const GAP_MIN: u64 = 30;
const GAP_OCTAVES: u32 = 7;
/// Mean of the weights above (`1.5 * 30 * 127 / 7`), so gaps keep their drawn size on average:
/// about 53 messages a weekday; 100,000 messages span about seven years.
const MEAN_GAP: u64 = 816;

/// Office hours of each weekday, Monday first: (start, end) in seconds after local midnight.
const WINDOWS: [(i64, i64); 7] = [
    (27_000, 70_200),
    (27_000, 70_200),
    (27_000, 70_200),
    (27_000, 70_200),
    (27_000, 70_200),
    (32_400, 43_200),
    (0, 0),
];

fn window_len(day: usize) -> i64 {
    WINDOWS[day].1 - WINDOWS[day].0
}

fn week_len() -> i64 {
    (0..7).map(window_len).sum()
}

fn gap_weight(seed: u64, index: u64) -> u64 {
    Rng::for_message(seed, index, Stream::Date).spread(GAP_MIN, GAP_OCTAVES)
}

/// Blocks kept in `BLOCKS`.
const CACHED_BLOCKS: usize = 4;

thread_local! {
    /// Prefix sums of the gap weights of the last blocks used, by (seed, first index): a message
    /// needs its block's dates several times (its own, its parent's, its thread root's…).
    static BLOCKS: RefCell<Vec<(u64, u64, Vec<u64>)>> = const { RefCell::new(Vec::new()) };
}

/// Prefix sums of the gap weights of the block starting at `first`.
fn block_prefix(seed: u64, first: u64) -> Vec<u64> {
    let mut prefix = Vec::with_capacity(BLOCK as usize + 1);
    let mut sum = 0;
    prefix.push(0);
    for i in first..first + BLOCK {
        sum += gap_weight(seed, i);
        prefix.push(sum);
    }
    prefix
}

/// Office seconds between message 0 and message `index`.
fn office_offset(seed: u64, index: u64) -> i64 {
    let first = index - index % BLOCK;
    let (before, total) = BLOCKS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let position = cache.iter().position(|(s, f, _)| *s == seed && *f == first);
        let position = position.unwrap_or_else(|| {
            if cache.len() == CACHED_BLOCKS {
                cache.remove(0);
            }
            cache.push((seed, first, block_prefix(seed, first)));
            cache.len() - 1
        });
        let prefix = &cache[position].2;
        (prefix[(index - first) as usize], prefix[BLOCK as usize])
    });
    let span = u128::from(BLOCK * MEAN_GAP);
    let inside = (u128::from(before) * span / u128::from(total)) as u64;
    (first * MEAN_GAP + inside) as i64
}

/// The instant `office` office seconds after `start`.
fn after_office_time(start: i64, office: i64) -> i64 {
    let wall = start + paris_offset(start);
    let day = wall.div_euclid(86_400);
    let weekday = weekday(day) as usize;
    let monday = day - weekday as i64;
    let in_day = wall.rem_euclid(86_400);
    let before: i64 =
        (0..weekday).map(window_len).sum::<i64>() + (in_day - WINDOWS[weekday].0).clamp(0, window_len(weekday));
    let total = before + office;
    let mut rest = total % week_len();
    let week = total / week_len();
    for (d, &(from, to)) in WINDOWS.iter().enumerate() {
        if rest < to - from {
            let wall = (monday + week * 7 + d as i64) * 86_400 + from + rest;
            return wall - paris_offset(wall - 3600);
        }
        rest -= to - from;
    }
    unreachable!("rest < week_len")
}

/// Arrival date of message `index`: `start` for message 0, then strictly increasing, in office
/// hours.
pub(crate) fn message_date(seed: u64, start: i64, index: u64) -> i64 {
    if index == 0 {
        return start;
    }
    after_office_time(start, office_offset(seed, index))
}

/// A start date such that message `count - 1` arrives at most a few days before `end`.
pub(crate) fn start_ending_at(seed: u64, count: u64, end: i64) -> i64 {
    let last = count.saturating_sub(1);
    let mut start = end - message_date(seed, 0, last);
    for _ in 0..16 {
        let date = message_date(seed, start, last);
        if date <= end && end - date < 3 * 86_400 {
            break;
        }
        start -= date - end + if date > end { 3600 } else { 0 };
    }
    while message_date(seed, start, last) > end {
        start -= 86_400;
    }
    start
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Date of a day number (inverse of `days_from_civil`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day number of the last Sunday of a month.
fn last_sunday(year: i64, month: u32) -> i64 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    let last = next - 1;
    last - (weekday(last) + 1) % 7
}

/// 0 = Monday … 6 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// UTC offset of Europe/Paris at `unix` (EU rules: summer time from the last Sunday of March to
/// the last Sunday of October, switching at 01:00 UTC).
pub(crate) fn paris_offset(unix: i64) -> i64 {
    let (year, _, _) = civil_from_days(unix.div_euclid(86_400));
    let start = last_sunday(year, 3) * 86_400 + 3600;
    let end = last_sunday(year, 10) * 86_400 + 3600;
    if (start..end).contains(&unix) {
        7200
    } else {
        3600
    }
}

/// A broken-down Europe/Paris local time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Monday.
    pub weekday: usize,
    pub offset: i64,
}

pub(crate) fn paris(unix: i64) -> Local {
    let offset = paris_offset(unix);
    let local = unix + offset;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Local {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
        weekday: weekday(days) as usize,
        offset,
    }
}

/// Unix time of a Europe/Paris wall-clock time (for times that exist and are not ambiguous).
pub(crate) fn paris_to_unix(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    let wall = days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60);
    wall - paris_offset(wall - 3600)
}

const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub(crate) const DAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
pub(crate) const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// RFC 5322 date in Paris time: `Tue, 12 Mar 2024 10:15:42 +0100`.
pub(crate) fn rfc5322(unix: i64) -> String {
    let t = paris(unix);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +{:02}00",
        DAYS_EN[t.weekday],
        t.day,
        MONTHS_EN[t.month as usize - 1],
        t.year,
        t.hour,
        t.minute,
        t.second,
        t.offset / 3600
    )
}

/// French long date: `mardi 12 mars 2024 10:15`.
pub(crate) fn french_long(unix: i64) -> String {
    let t = paris(unix);
    format!(
        "{} {} {} {} {:02}:{:02}",
        DAYS_FR[t.weekday],
        t.day,
        MONTHS_FR[t.month as usize - 1],
        t.year,
        t.hour,
        t.minute
    )
}

/// French short date of a reply attribution: `12/03/2024 à 10:15`.
pub(crate) fn french_short(unix: i64) -> String {
    let t = paris(unix);
    format!("{:02}/{:02}/{} à {:02}:{:02}", t.day, t.month, t.year, t.hour, t.minute)
}

/// iCalendar local date-time (to go with `TZID=Europe/Paris`): `20240319T140000`.
pub(crate) fn ical_local(unix: i64) -> String {
    let t = paris(unix);
    format!(
        "{}{:02}{:02}T{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// iCalendar UTC date-time: `20240312T091500Z`.
pub(crate) fn ical_utc(unix: i64) -> String {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    format!(
        "{year}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_paris_offsets() {
        for days in [-1000, 0, 19_000, 19_797, 20_000, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 2024-03-31 01:00 UTC: summer time starts; 2024-10-27 01:00 UTC: it ends.
        let spring = days_from_civil(2024, 3, 31) * 86_400 + 3600;
        assert_eq!(paris_offset(spring - 1), 3600);
        assert_eq!(paris_offset(spring), 7200);
        let autumn = days_from_civil(2024, 10, 27) * 86_400 + 3600;
        assert_eq!(paris_offset(autumn - 1), 7200);
        assert_eq!(paris_offset(autumn), 3600);
        assert_eq!(rfc5322(1_710_234_942), "Tue, 12 Mar 2024 10:15:42 +0100");
        assert_eq!(rfc5322(1_720_000_000), "Wed, 3 Jul 2024 11:46:40 +0200");
        assert_eq!(paris_to_unix(2024, 3, 12, 10, 15), 1_710_234_900);
        assert_eq!(ical_utc(1_710_234_900), "20240312T091500Z");
    }

    #[test]
    fn dates_increase_in_office_hours() {
        let start = 1_700_000_000; // a Tuesday, 23:13 in Paris
        let mut last = i64::MIN;
        for i in 0..3000 {
            let d = message_date(7, start, i);
            assert!(d > last, "message {i}");
            last = d;
            let t = paris(d);
            let secs = i64::from(t.hour * 3600 + t.minute * 60 + t.second);
            let (from, to) = WINDOWS[t.weekday];
            assert!(i == 0 || (from..to).contains(&secs), "message {i} at {}", rfc5322(d));
        }
        assert_eq!(message_date(7, start, 0), start);
        let end = 1_790_000_000;
        let start = start_ending_at(7, 50_000, end);
        let last = message_date(7, start, 49_999);
        assert!(last <= end && end - last < 4 * 86_400, "{}", end - last);
    }
}
