//! iCalendar value types (RFC 5545 §3.3): DATE, DATE-TIME and DURATION, read strictly and
//! written back.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

/// A DURATION: whole days (weeks count as 7), which follow the wall clock, and an exact number
/// of seconds; both carry the sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Duration {
    pub days: i64,
    pub seconds: i64,
}

/// At most about 270 years either way: beyond that a duration is not one a calendar means.
const MAX_DAYS: i64 = 100_000;

impl Duration {
    /// `[+-]P[nW][nD][T[nH][nM][nS]]`, as RFC 5545 writes it (ISO 8601 years and months are
    /// not allowed there, and refused here).
    pub fn parse(text: &str) -> Option<Duration> {
        let v = text.trim();
        let (negative, v) = match v.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, v.strip_prefix('+').unwrap_or(v)),
        };
        let mut rest = v.strip_prefix(['P', 'p'])?;
        let (mut days, mut seconds, mut in_time, mut any) = (0i64, 0i64, false, false);
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix(['T', 't']) {
                if in_time {
                    return None;
                }
                in_time = true;
                rest = r;
                continue;
            }
            let digits = rest.find(|c: char| !c.is_ascii_digit())?;
            let digits_text = rest.get(..digits)?;
            if digits_text.is_empty() || digits_text.len() > 9 {
                return None;
            }
            let n: i64 = digits_text.parse().ok()?;
            let unit = rest.get(digits..)?.chars().next()?.to_ascii_uppercase();
            match (unit, in_time) {
                ('W', false) => days = days.checked_add(n.checked_mul(7)?)?,
                ('D', false) => days = days.checked_add(n)?,
                ('H', true) => seconds = seconds.checked_add(n.checked_mul(3600)?)?,
                ('M', true) => seconds = seconds.checked_add(n.checked_mul(60)?)?,
                ('S', true) => seconds = seconds.checked_add(n)?,
                _ => return None,
            }
            any = true;
            rest = rest.get(digits + 1..)?;
        }
        if !any || days > MAX_DAYS || seconds > MAX_DAYS * 86_400 {
            return None;
        }
        let sign = if negative { -1 } else { 1 };
        Some(Duration {
            days: days * sign,
            seconds: seconds * sign,
        })
    }

    /// The duration as days of 24 hours plus its seconds.
    pub fn exact(self) -> TimeDelta {
        TimeDelta::try_seconds(self.days.saturating_mul(86_400).saturating_add(self.seconds)).unwrap_or_default()
    }

    /// The RFC 5545 text (`-PT15M`, `P1D`, `PT1H30M`); days and time written with one sign.
    pub fn to_text(self) -> String {
        let total = self.days.saturating_mul(86_400).saturating_add(self.seconds);
        let sign = if total < 0 { "-" } else { "" };
        let (days, mut secs) = (self.days.unsigned_abs(), self.seconds.unsigned_abs());
        let mut out = format!("{sign}P");
        if days > 0 {
            if days % 7 == 0 && secs == 0 {
                return format!("{out}{}W", days / 7);
            }
            out.push_str(&format!("{days}D"));
        }
        if secs > 0 || days == 0 {
            out.push('T');
            let (h, m) = (secs / 3600, secs % 3600 / 60);
            secs %= 60;
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 {
                out.push_str(&format!("{m}M"));
            }
            if secs > 0 || (h == 0 && m == 0) {
                out.push_str(&format!("{secs}S"));
            }
        }
        out
    }
}

/// `YYYYMMDD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y = t.get(0..4)?.parse().ok()?;
    let m = t.get(4..6)?.parse().ok()?;
    let d = t.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `YYYYMMDDTHHMMSS` with an optional `Z`: the time, and whether it is UTC. A leap second
/// (`60`) is read as `59`.
pub(crate) fn parse_date_time(text: &str) -> Option<(NaiveDateTime, bool)> {
    let t = text.trim();
    let (t, utc) = match t.strip_suffix(['Z', 'z']) {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    let (date, time) = t.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h = time.get(0..2)?.parse().ok()?;
    let m = time.get(2..4)?.parse().ok()?;
    let s: u32 = time.get(4..6)?.parse().ok()?;
    let time = NaiveTime::from_hms_opt(h, m, s.min(59))?;
    Some((parse_date(date)?.and_time(time), utc))
}

pub(crate) fn format_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

pub(crate) fn format_date_time(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}
