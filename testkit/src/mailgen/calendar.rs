//! Meeting invitations: a `METHOD:REQUEST` VCALENDAR with a Europe/Paris VTIMEZONE and one
//! VEVENT whose attendee is the mailbox owner.

use super::thread::Event;
use super::time;
use super::Mailbox;

/// The VTIMEZONE block for Europe/Paris, as Thunderbird and Outlook send it.
const VTIMEZONE_PARIS: &str = "BEGIN:VTIMEZONE\n\
TZID:Europe/Paris\n\
BEGIN:DAYLIGHT\n\
TZOFFSETFROM:+0100\n\
TZOFFSETTO:+0200\n\
TZNAME:CEST\n\
DTSTART:19700329T020000\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n\
END:DAYLIGHT\n\
BEGIN:STANDARD\n\
TZOFFSETFROM:+0200\n\
TZOFFSETTO:+0100\n\
TZNAME:CET\n\
DTSTART:19701025T030000\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\n\
END:STANDARD\n\
END:VTIMEZONE\n";

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// A `CN` parameter value, quoted (DQUOTE is not allowed inside; it is dropped).
fn cn(name: &str) -> String {
    format!("\"{}\"", name.replace('"', ""))
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1), and
/// appends it with `\n` line ends.
fn push_folded(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push('\n');
}

/// The invitation's VCALENDAR (`\n` line ends; the MIME layer writes CRLF).
pub(crate) fn invitation(uid: &str, stamp: i64, event: &Event, organizer: &Mailbox, attendee: &Mailbox) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str("BEGIN:VCALENDAR\nPRODID:-//Calame//mailgen//FR\nVERSION:2.0\nMETHOD:REQUEST\n");
    out.push_str(VTIMEZONE_PARIS);
    let lines = [
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        format!("DTSTAMP:{}", time::ical_utc(stamp)),
        format!("CREATED:{}", time::ical_utc(stamp - 120)),
        format!("DTSTART;TZID=Europe/Paris:{}", time::ical_local(event.start)),
        format!("DTEND;TZID=Europe/Paris:{}", time::ical_local(event.end)),
        format!("SUMMARY:{}", text_value(&event.summary)),
        format!("LOCATION:{}", text_value(event.location)),
        format!(
            "DESCRIPTION:{}",
            text_value(&format!(
                "Ordre du jour :\n- point sur les dossiers en cours\n- questions diverses\n\nLieu : {}",
                event.location
            ))
        ),
        format!("ORGANIZER;CN={}:mailto:{}", cn(&organizer.name), organizer.email),
        format!(
            "ATTENDEE;CN={};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
            cn(&attendee.name),
            attendee.email
        ),
        format!(
            "ATTENDEE;CN={};ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:{}",
            cn(&organizer.name),
            organizer.email
        ),
        "SEQUENCE:0".to_string(),
        "STATUS:CONFIRMED".to_string(),
        "TRANSP:OPAQUE".to_string(),
        "BEGIN:VALARM".to_string(),
        "ACTION:DISPLAY".to_string(),
        "TRIGGER:-PT15M".to_string(),
        format!("DESCRIPTION:{}", text_value(&event.summary)),
        "END:VALARM".to_string(),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    for line in &lines {
        push_folded(line, &mut out);
    }
    out
}
