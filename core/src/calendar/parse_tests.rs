//! Reading calendar objects: fields, time zones, and hostile or malformed texts.

use std::time::Instant;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::error::ErrorKind;

/// A CalDAV object as servers serve it: VTIMEZONE, a weekly master with EXDATE and alarms, a
/// moved instance and a cancelled one, CRLF, folding.
pub(super) const SERIES: &str = include_str!("../../tests/fixtures/ical/series.ics");

pub(super) fn paris() -> Tz {
    chrono_tz::Europe::Paris
}

/// An instant given as a Paris wall-clock time.
pub(super) fn at_paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    paris()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn paris_time(y: i32, m: u32, d: u32, h: u32) -> Time {
    Time::DateTime {
        wall: NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default(),
        zone: Zone::Named {
            tzid: "Europe/Paris".into(),
            rules: ZoneRules::Iana(paris()),
        },
    }
}

fn bad_input(text: &str) -> String {
    match parse(text) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::BadInput, "{e}");
            e.to_string()
        }
        Ok(o) => panic!("accepted: {o:?}"),
    }
}

/// A minimal object around VEVENT lines.
pub(super) fn object(event_lines: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//T\r\nBEGIN:VEVENT\r\n{event_lines}END:VEVENT\r\nEND:VCALENDAR\r\n")
}

#[test]
fn every_field_of_a_series_is_read() {
    let obj = parse(SERIES).unwrap();
    assert_eq!(obj.method.as_deref(), Some("REQUEST"));
    assert_eq!(obj.uid, "conseil-2027@mairie.example");
    assert_eq!(obj.text(), SERIES);
    let m = obj.master.as_ref().unwrap();
    assert_eq!(
        m.summary.as_deref(),
        Some("Réunion de service, équipe technique; point hebdo")
    );
    assert_eq!(m.description.as_deref(), Some("Ordre du jour :\n1. voirie\n2. écoles"));
    assert_eq!(m.location.as_deref(), Some("Salle du conseil"));
    assert_eq!(m.categories, vec!["Travail", "Réunion", "Voirie"]);
    assert_eq!(m.start, paris_time(2027, 3, 1, 9));
    assert_eq!(m.end, Some(paris_time(2027, 3, 1, 10)));
    assert!(!m.all_day);
    assert_eq!(m.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270628T070000Z"));
    assert_eq!(m.exdates, vec![paris_time(2027, 3, 8, 9)]);
    assert_eq!(m.status, Some(Status::Confirmed));
    assert_eq!(m.sequence, 2);
    assert_eq!(
        m.organizer,
        Some(Person {
            email: "marie.dupont@mairie.example".into(),
            name: Some("Dupont, Marie".into())
        })
    );
    assert_eq!(m.attendees.len(), 2);
    assert_eq!(m.attendees[0].email, "jean.martin@mairie.example");
    assert_eq!(m.attendees[0].name.as_deref(), Some("Jean Martin"));
    assert_eq!(m.attendees[0].partstat, PartStat::Accepted);
    assert!(m.attendees[0].rsvp);
    assert_eq!(m.attendees[1].email, "accueil@mairie.example");
    assert_eq!(m.attendees[1].partstat, PartStat::Tentative);
    assert_eq!(m.attendees[1].role, "REQ-PARTICIPANT");
    assert_eq!(m.alarms.len(), 3);
    assert_eq!(m.alarms[0].trigger, Trigger::Start(TimeDelta::minutes(-15)));
    assert_eq!(m.alarms[0].description.as_deref(), Some("Rappel"));
    assert_eq!(m.alarms[1].trigger, Trigger::End(TimeDelta::minutes(5)));
    assert_eq!(m.alarms[1].action, "AUDIO");
    assert_eq!(
        m.alarms[2].trigger,
        Trigger::At(Utc.with_ymd_and_hms(2027, 3, 1, 6, 0, 0).unwrap())
    );
    assert_eq!(obj.overrides.len(), 2);
    assert_eq!(obj.overrides[0].recurrence_id, Some(paris_time(2027, 3, 22, 9)));
    assert_eq!(obj.overrides[0].start, paris_time(2027, 3, 23, 14));
    assert_eq!(obj.overrides[0].sequence, 3);
    assert_eq!(obj.overrides[1].status, Some(Status::Cancelled));
}

#[test]
fn all_day_and_duration_are_read() {
    let obj = parse(&object(
        "UID:a\r\nDTSTART;VALUE=DATE:20270315\r\nDTEND;VALUE=DATE:20270318\r\nSUMMARY:Salon\r\n",
    ))
    .unwrap();
    let m = obj.master.unwrap();
    assert!(m.all_day);
    assert_eq!(m.start, Time::Date(NaiveDate::from_ymd_opt(2027, 3, 15).unwrap()));
    assert_eq!(m.end, Some(Time::Date(NaiveDate::from_ymd_opt(2027, 3, 18).unwrap())));
    let obj = parse(&object("UID:b\r\nDTSTART:20270315T090000Z\r\nDURATION:PT1H30M\r\n")).unwrap();
    let m = obj.master.unwrap();
    assert_eq!(m.duration, Some(Duration { days: 0, seconds: 5400 }));
    assert_eq!(
        m.start,
        Time::DateTime {
            wall: NaiveDate::from_ymd_opt(2027, 3, 15)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            zone: Zone::Utc
        }
    );
}

#[test]
fn bare_line_feeds_and_tab_folding_are_read() {
    let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:lf\nDTSTART:20270315T090000Z\nSUMMARY:Un très long \n\ttitre\nEND:VEVENT\nEND:VCALENDAR";
    let obj = parse(text).unwrap();
    assert_eq!(obj.master.unwrap().summary.as_deref(), Some("Un très long titre"));
}

#[test]
fn tzids_are_read_as_iana_windows_or_prefixed_names() {
    for (tzid, expected) in [
        ("Europe/Paris", "Europe/Paris"),
        ("Romance Standard Time", "Europe/Paris"),
        ("/mozilla.org/20050126_1/Europe/Paris", "Europe/Paris"),
        ("America/New_York", "America/New_York"),
    ] {
        let obj = parse(&object(&format!(
            "UID:z\r\nDTSTART;TZID=\"{tzid}\":20270315T090000\r\n"
        )))
        .unwrap();
        match obj.master.unwrap().start {
            Time::DateTime {
                zone:
                    Zone::Named {
                        tzid: t,
                        rules: ZoneRules::Iana(tz),
                    },
                ..
            } => {
                assert_eq!(t, tzid);
                assert_eq!(tz.name(), expected);
            }
            other => panic!("{tzid}: {other:?}"),
        }
    }
}

/// A TZID chrono-tz does not know, defined by the object's VTIMEZONE (a made-up +03:00/+04:00
/// zone changing on the first Sunday of April and of October).
const CUSTOM_ZONE: &str = include_str!("../../tests/fixtures/ical/custom-zone.ics");

#[test]
fn an_unknown_tzid_uses_the_embedded_vtimezone() {
    let obj = parse(CUSTOM_ZONE).unwrap();
    let m = obj.master.as_ref().unwrap();
    assert!(matches!(
        &m.start,
        Time::DateTime {
            zone: Zone::Named {
                rules: ZoneRules::Embedded(_),
                ..
            },
            ..
        }
    ));
    let from = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap();
    let starts: Vec<String> = occurrences(&obj, from, to, Tz::UTC)
        .into_iter()
        .map(|o| o.start)
        .collect();
    // 09:00 at +03:00 in March; at +04:00 from the first Sunday of April (4 April 2027).
    assert_eq!(
        starts,
        vec![
            "2027-03-01T06:00:00+00:00",
            "2027-04-01T06:00:00+00:00",
            "2027-05-01T05:00:00+00:00"
        ]
    );
}

/// Outlook's own name for a zone it cannot name, its rules from 1601, the older form of "the
/// second Sunday" (BYMONTHDAY=8..14 with BYDAY=SU) for the spring and `-1SU` for the autumn.
#[test]
fn an_outlook_customized_time_zone_is_read_from_its_rules() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\n\
        BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
        RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n\
        BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
        RRULE:FREQ=YEARLY;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n\
        END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:o\r\n\
        DTSTART;TZID=Customized Time Zone:20270312T090000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n\
        END:VEVENT\r\nEND:VCALENDAR\r\n";
    let obj = parse(text).unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).unwrap();
    let starts: Vec<String> = occurrences(&obj, from, to, Tz::UTC)
        .into_iter()
        .map(|o| o.start)
        .collect();
    // Summer time from the second Sunday of March 2027, the 14th.
    assert_eq!(
        starts,
        vec![
            "2027-03-12T08:00:00+00:00",
            "2027-03-13T08:00:00+00:00",
            "2027-03-14T07:00:00+00:00"
        ]
    );
}

#[test]
fn many_hostile_vtimezones_stay_cheap() {
    let mut text = String::from("BEGIN:VCALENDAR\r\n");
    for z in 0..20 {
        text.push_str(&format!("BEGIN:VTIMEZONE\r\nTZID:Z{z}\r\n"));
        for _ in 0..45 {
            text.push_str(
                "BEGIN:DAYLIGHT\r\nDTSTART:00010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
                 RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\nRDATE:20270101T000000,20270102T000000\r\nEND:DAYLIGHT\r\n\
                 BEGIN:STANDARD\r\nDTSTART:00010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
                 RRULE:FREQ=HOURLY\r\nEND:STANDARD\r\n",
            );
        }
        text.push_str("END:VTIMEZONE\r\n");
    }
    text.push_str("BEGIN:VEVENT\r\nUID:h\r\nDTSTART;TZID=Z0:20270315T090000\r\nRRULE:FREQ=DAILY\r\n");
    for z in 0..20 {
        text.push_str(&format!("EXDATE;TZID=Z{z}:20270316T090000\r\n"));
    }
    text.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    let started = Instant::now();
    let obj = parse(&text).unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).unwrap();
    let n = occurrences(&obj, from, to, Tz::UTC).len();
    assert_eq!(n, 16, "15 to 31 March, the 16th excluded");
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

#[test]
fn an_unknown_tzid_without_vtimezone_is_floating() {
    let obj = parse(&object("UID:f\r\nDTSTART;TZID=Mars/Olympus:20270315T090000\r\n")).unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).unwrap();
    let in_paris = occurrences(&obj, from, to, paris());
    assert_eq!(in_paris[0].start, "2027-03-15T09:00:00+01:00");
    let in_new_york = occurrences(&obj, from, to, chrono_tz::America::New_York);
    assert_eq!(in_new_york[0].start, "2027-03-15T09:00:00-04:00");
}

#[test]
fn malformed_texts_are_typed_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270315T090000Z\r\n",
            "unterminated VEVENT",
        ),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
            "END:VCALENDAR where END:VEVENT",
        ),
        ("", "no calendar"),
        ("garbage", "garbage without ':'"),
        (" BEGIN:VCALENDAR", "not a content line"),
        (
            "BEGIN:VCALENDAR\r\nSUMMARY no colon\r\nEND:VCALENDAR\r\n",
            "without ':'",
        ),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "no VEVENT"),
        (
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\n",
            "after the end",
        ),
        (
            "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270315T090000Z\r\nEND:VEVENT\r\n",
            "VEVENT where VCALENDAR",
        ),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID;X=\"open:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "bad parameter",
        ),
    ];
    for (text, expected) in cases {
        let message = bad_input(text);
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let event_cases: &[(&str, &str)] = &[
        ("DTSTART:20270315T090000Z\r\n", "without UID"),
        ("UID:x\r\n", "no DTSTART"),
        ("UID:x\r\nDTSTART:2027-03-15\r\n", "bad date"),
        ("UID:x\r\nDTSTART:20271345T090000\r\n", "bad date"),
        ("UID:x\r\nDTSTART:20270315T250000\r\n", "bad date"),
        ("UID:x\r\nDTSTART;VALUE=DATE:20270230\r\n", "bad date"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nEXDATE:soon\r\n", "bad date"),
        ("UID:x\r\nDTSTART;VALUE=DATE:20270315\r\nDTEND:20270316T090000Z\r\n", "both dates"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nDURATION:1 hour\r\n", "DURATION"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:FREQ=SOMETIMES\r\n", "RRULE"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:BYDAY=MO\r\n", "RRULE"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:FREQ=SECONDLY\r\n", "SECONDLY is not supported"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:FREQ=MINUTELY;COUNT=5\r\n", "MINUTELY is not supported"),
        ("UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:FREQ=DAILY;INTERVAL=99999999\r\n", "RRULE"),
        (
            "UID:x\r\nDTSTART:20270315T090000Z\r\nRRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55\r\n",
            "times per period",
        ),
    ];
    for (lines, expected) in event_cases {
        let message = bad_input(&object(lines));
        assert!(message.contains(expected), "{lines:?}: {message:?} lacks {expected:?}");
    }
    let two_uids = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270315T090000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20270315T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(bad_input(two_uids).contains("different UIDs"));
    let two_masters = two_uids.replace("UID:b", "UID:a");
    assert!(bad_input(&two_masters).contains("without RECURRENCE-ID"));
}

#[test]
fn hostile_sizes_and_nesting_are_refused() {
    let deep = "BEGIN:X\r\n".repeat(20);
    assert!(bad_input(&format!("BEGIN:VCALENDAR\r\n{deep}")).contains("nested"));
    let huge = format!("BEGIN:VCALENDAR\r\nX-BIG:{}\r\nEND:VCALENDAR\r\n", "a".repeat(3 << 20));
    assert!(bad_input(&huge).contains("too large"));
    let many = "BEGIN:X-C\r\nEND:X-C\r\n".repeat(5_000);
    assert!(bad_input(&format!("BEGIN:VCALENDAR\r\n{many}END:VCALENDAR\r\n")).contains("too many"));
    let lines = "X-A:b\r\n".repeat(60_000);
    assert!(bad_input(&format!("BEGIN:VCALENDAR\r\n{lines}END:VCALENDAR\r\n")).contains("lines"));
}

/// Rules that never end, or yield nothing for ever, or count beyond reason: bounded output, in
/// bounded time.
#[test]
fn absurd_rules_are_bounded() {
    let from = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let century = Utc.with_ymd_and_hms(2127, 1, 1, 0, 0, 0).unwrap();
    let cases = [
        ("DTSTART:20270101T000000Z\r\nRRULE:FREQ=HOURLY\r\n", MAX_OCCURRENCES),
        (
            "DTSTART:20270101T000000Z\r\nRRULE:FREQ=DAILY;COUNT=4000000000\r\n",
            MAX_OCCURRENCES,
        ),
        (
            "DTSTART:20270101T000000Z\r\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n",
            1,
        ),
        (
            "DTSTART:00010101T000000Z\r\nRRULE:FREQ=HOURLY;COUNT=4000000000;BYMONTH=1;BYMONTHDAY=1;BYHOUR=0\r\n",
            100,
        ),
        ("DTSTART:00010101T000000Z\r\nRRULE:FREQ=DAILY\r\n", MAX_OCCURRENCES),
        ("DTSTART:99991231T000000Z\r\nRRULE:FREQ=DAILY\r\n", 0),
    ];
    for (lines, expected) in cases {
        let started = Instant::now();
        let obj = parse(&object(&format!("UID:x\r\n{lines}"))).unwrap();
        let n = occurrences(&obj, from, century, paris()).len();
        assert_eq!(n, expected, "{lines}");
        let n = reminders(&obj, from, century, paris()).len();
        assert_eq!(n, 0);
        eprintln!("{lines:?}: {:?}", started.elapsed());
        assert!(started.elapsed().as_secs() < 20, "{lines}: {:?}", started.elapsed());
    }
}

/// The fixtures (also the fuzz target's seeds): `bad-*` are refused as bad input, the others
/// are read and expanded within bounds.
#[test]
fn the_fixture_corpus_is_read_or_refused() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ical");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if name.starts_with("bad-") {
            bad_input(&text);
        } else {
            let obj = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let from = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
            let to = Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap();
            let n = occurrences(&obj, from, to, paris()).len();
            assert!(n <= MAX_OCCURRENCES, "{name}: {n}");
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen} fixtures");
}
