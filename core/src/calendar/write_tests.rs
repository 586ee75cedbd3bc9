//! Writing: new events read back by us and by Python's icalendar, and edits that keep what they
//! do not change.

use std::io::Write as _;
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use super::parse_tests::{at_paris, object, paris, SERIES};
use super::write::{delete_occurrence_at, edit_occurrence_at, edit_series_at, new_event_at};
use super::*;
use crate::error::ErrorKind;

fn stamp() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 8, 30, 0).unwrap()
}

fn paris_offset(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
    at_paris(y, m, d, h, min).with_timezone(&paris()).fixed_offset()
}

const SUMMARY: &str = "Conseil municipal, séance publique; budget";
const DESCRIPTION: &str = "Ordre du jour :\n1. Budget primitif 2027, vote ; débat\n2. Écoles \\ cantine\nUne très longue ligne qui dépasse largement soixante-quinze octets, avec des caractères accentués éèàùç et même un emoji 🗳️ pour voir.";

fn council() -> NewEvent {
    NewEvent {
        summary: SUMMARY.into(),
        times: EventTimes::Timed {
            start: paris_offset(2027, 3, 15, 18, 30),
            end: paris_offset(2027, 3, 15, 20, 0),
        },
        zone: paris(),
        location: Some("Salle des fêtes, 1 place de la Mairie".into()),
        description: Some(DESCRIPTION.into()),
        categories: vec!["Conseil".into(), "Budget, finances".into()],
        rrule: Some("FREQ=MONTHLY;BYDAY=3MO;UNTIL=20270701".into()),
        organizer: Some(Person {
            email: "secretariat@mairie.example".into(),
            name: Some("Secrétariat général".into()),
        }),
        attendees: vec![
            Person {
                email: "maire@mairie.example".into(),
                name: Some("Dupont, Marie".into()),
            },
            Person {
                email: "adjoint@mairie.example".into(),
                name: None,
            },
        ],
        alarm: Some("-PT15M".into()),
    }
}

#[test]
fn a_new_event_reads_back_the_same() {
    let text = new_event_at(&council(), stamp(), "uid-1").unwrap();
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    assert!(text.contains("\r\n "), "a long line is folded");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nPRODID:-//Calame//FR\r\nVERSION:2.0\r\n"));
    assert!(text.contains("DTSTAMP:20270201T083000Z\r\n"));
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"));
    // UNTIL of a zoned start: UTC, the end of 1 July in Paris.
    assert!(text.contains("RRULE:FREQ=MONTHLY;BYDAY=3MO;UNTIL=20270701T215959Z\r\n"));
    let obj = parse(&text).unwrap();
    assert_eq!(obj.uid, "uid-1");
    assert_eq!(obj.method, None);
    let m = obj.master.as_ref().unwrap();
    assert_eq!(m.summary.as_deref(), Some(SUMMARY));
    assert_eq!(m.description.as_deref(), Some(DESCRIPTION));
    assert_eq!(m.location.as_deref(), Some("Salle des fêtes, 1 place de la Mairie"));
    assert_eq!(m.categories, vec!["Conseil", "Budget, finances"]);
    assert_eq!(m.sequence, 0);
    assert_eq!(
        m.organizer.as_ref().map(|o| o.email.as_str()),
        Some("secretariat@mairie.example")
    );
    let who: Vec<(&str, Option<&str>, PartStat)> = m
        .attendees
        .iter()
        .map(|a| (a.email.as_str(), a.name.as_deref(), a.partstat))
        .collect();
    assert_eq!(
        who,
        vec![
            ("maire@mairie.example", Some("Dupont, Marie"), PartStat::NeedsAction),
            ("adjoint@mairie.example", None, PartStat::NeedsAction)
        ]
    );
    assert_eq!(m.alarms.len(), 1);
    assert_eq!(m.alarms[0].trigger, Trigger::Start(chrono::TimeDelta::minutes(-15)));
    let o = occurrences(&obj, at_paris(2027, 1, 1, 0, 0), at_paris(2028, 1, 1, 0, 0), paris());
    let got: Vec<(&str, &str)> = o.iter().map(|o| (o.start.as_str(), o.end.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2027-03-15T18:30:00+01:00", "2027-03-15T20:00:00+01:00"),
            ("2027-04-19T18:30:00+02:00", "2027-04-19T20:00:00+02:00"),
            ("2027-05-17T18:30:00+02:00", "2027-05-17T20:00:00+02:00"),
            ("2027-06-21T18:30:00+02:00", "2027-06-21T20:00:00+02:00"),
        ]
    );
    let r = reminders(&obj, at_paris(2027, 3, 15, 0, 0), at_paris(2027, 3, 16, 0, 0), paris());
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].at, Utc.with_ymd_and_hms(2027, 3, 15, 17, 15, 0).unwrap());
}

#[test]
fn a_new_all_day_event_has_dates_and_no_time_zone() {
    let ev = NewEvent {
        summary: "Fête du village".into(),
        times: EventTimes::AllDay {
            start: NaiveDate::from_ymd_opt(2027, 7, 14).unwrap(),
            end: NaiveDate::from_ymd_opt(2027, 7, 16).unwrap(),
        },
        zone: paris(),
        location: None,
        description: None,
        categories: Vec::new(),
        rrule: Some("FREQ=YEARLY;UNTIL=20300714T000000Z".into()),
        organizer: None,
        attendees: Vec::new(),
        alarm: None,
    };
    let text = new_event_at(&ev, stamp(), "uid-2").unwrap();
    assert!(text.contains("DTSTART;VALUE=DATE:20270714\r\nDTEND;VALUE=DATE:20270716\r\n"));
    assert!(text.contains("RRULE:FREQ=YEARLY;UNTIL=20300714\r\n"));
    assert!(!text.contains("VTIMEZONE"));
    let obj = parse(&text).unwrap();
    let o = occurrences(&obj, at_paris(2027, 1, 1, 0, 0), at_paris(2040, 1, 1, 0, 0), paris());
    let got: Vec<(&str, &str)> = o.iter().map(|o| (o.start.as_str(), o.end.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2027-07-14", "2027-07-16"),
            ("2028-07-14", "2028-07-16"),
            ("2029-07-14", "2029-07-16"),
            ("2030-07-14", "2030-07-16")
        ]
    );
}

#[test]
fn a_new_event_in_utc_has_utc_times() {
    let mut ev = council();
    ev.zone = chrono_tz::UTC;
    ev.rrule = None;
    let text = new_event_at(&ev, stamp(), "uid-3").unwrap();
    assert!(text.contains("DTSTART:20270315T173000Z\r\nDTEND:20270315T190000Z\r\n"));
    assert!(!text.contains("VTIMEZONE"));
}

#[test]
fn bad_new_events_are_refused() {
    let cases: Vec<(NewEvent, &str)> = vec![
        (
            NewEvent {
                summary: "  ".into(),
                ..council()
            },
            "summary",
        ),
        (
            NewEvent {
                times: EventTimes::Timed {
                    start: paris_offset(2027, 3, 15, 18, 30),
                    end: paris_offset(2027, 3, 15, 18, 0),
                },
                ..council()
            },
            "end before",
        ),
        (
            NewEvent {
                times: EventTimes::AllDay {
                    start: NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
                    end: NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
                },
                ..council()
            },
            "exclusive",
        ),
        (
            NewEvent {
                rrule: Some("FREQ=FORTNIGHTLY".into()),
                ..council()
            },
            "RRULE",
        ),
        (
            NewEvent {
                rrule: Some("FREQ=SECONDLY".into()),
                ..council()
            },
            "SECONDLY",
        ),
        (
            NewEvent {
                alarm: Some("15 minutes".into()),
                ..council()
            },
            "duration",
        ),
        (
            NewEvent {
                alarm: Some("-P1M".into()),
                ..council()
            },
            "duration",
        ),
        (
            NewEvent {
                organizer: None,
                ..council()
            },
            "organizer",
        ),
        (
            NewEvent {
                attendees: vec![Person {
                    email: "pas une adresse".into(),
                    name: None,
                }],
                ..council()
            },
            "not an address",
        ),
    ];
    for (ev, expected) in cases {
        let e = new_event_at(&ev, stamp(), "x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadInput);
        assert!(e.to_string().contains(expected), "{e} lacks {expected:?}");
    }
}

#[test]
fn new_event_gives_a_random_uid() {
    let (a, text) = new_event(&council()).unwrap();
    let (b, _) = new_event(&council()).unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(a.chars().nth(14), Some('4'));
    assert_eq!(parse(&text).unwrap().uid, a);
}

/// Python's icalendar (Debian python3-icalendar, installed here and on CI) reads what we write:
/// texts, times in their zone, the VTIMEZONE's offsets, the rule, the people and the alarm.
#[test]
fn python_icalendar_reads_a_new_event() {
    const SCRIPT: &str = r#"
import json, sys, datetime, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
ev = cal.walk("VEVENT")[0]
tz = cal.walk("VTIMEZONE")[0].to_tz()
att = ev.get("ATTENDEE")
att = att if isinstance(att, list) else [att]
print(json.dumps({
    "prodid": str(cal["PRODID"]),
    "uid": str(ev["UID"]),
    "summary": str(ev["SUMMARY"]),
    "location": str(ev["LOCATION"]),
    "description": str(ev["DESCRIPTION"]),
    "categories": [str(c) for c in ev["CATEGORIES"].cats],
    "start": ev.decoded("DTSTART").isoformat(),
    "end": ev.decoded("DTEND").isoformat(),
    "tzid": ev["DTSTART"].params["TZID"],
    "rrule": ev["RRULE"].to_ical().decode(),
    "organizer": str(ev["ORGANIZER"]),
    "attendees": [[str(a), a.params.get("CN"), a.params.get("PARTSTAT")] for a in att],
    "trigger": ev.walk("VALARM")[0].decoded("TRIGGER").total_seconds(),
    "winter": tz.utcoffset(datetime.datetime(2027, 1, 15, 12)).total_seconds(),
    "summer": tz.utcoffset(datetime.datetime(2027, 7, 15, 12)).total_seconds(),
}, ensure_ascii=False))
"#;
    // Python's icalendar 4.0 splits CATEGORIES at escaped commas too ("Budget\, finances"
    // becomes two): categories without commas here; ours read them back whole.
    let ev = NewEvent {
        categories: vec!["Conseil".into(), "Budget".into()],
        ..council()
    };
    let text = new_event_at(&ev, stamp(), "uid-py").unwrap();
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with python3-icalendar is required");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = serde_json::json!({
        "prodid": "-//Calame//FR",
        "uid": "uid-py",
        "summary": SUMMARY,
        "location": "Salle des fêtes, 1 place de la Mairie",
        "description": DESCRIPTION,
        "categories": ["Conseil", "Budget"],
        "start": "2027-03-15T18:30:00+01:00",
        "end": "2027-03-15T20:00:00+01:00",
        "tzid": "Europe/Paris",
        "rrule": "FREQ=MONTHLY;UNTIL=20270701T215959Z;BYDAY=3MO",
        "organizer": "mailto:secretariat@mairie.example",
        "attendees": [
            ["mailto:maire@mairie.example", "Dupont, Marie", "NEEDS-ACTION"],
            ["mailto:adjoint@mairie.example", null, "NEEDS-ACTION"]
        ],
        "trigger": -900.0,
        "winter": 3600.0,
        "summer": 7200.0,
    });
    assert_eq!(got, expected);
}

#[test]
fn edit_series_keeps_what_it_does_not_change() {
    let change = EventChange {
        summary: Some("Réunion de service (nouvelle salle)".into()),
        location: Some("Salle B, 2e étage".into()),
        ..EventChange::default()
    };
    let text = edit_series_at(SERIES, &change, stamp()).unwrap();
    assert!(text.contains("X-CALAME-UNKNOWN;X-P=1:garder moi\r\n"));
    assert!(text.contains("X-WR-CALNAME:Conseil\r\n"));
    assert!(text.contains("METHOD:REQUEST\r\n"));
    assert!(text.contains("SEQUENCE:3\r\n"));
    assert!(text.contains("DTSTAMP:20270201T083000Z\r\n"));
    assert!(text.contains("LOCATION:Salle B\\, 2e étage\r\n"));
    let obj = parse(&text).unwrap();
    let m = obj.master.as_ref().unwrap();
    assert_eq!(m.summary.as_deref(), Some("Réunion de service (nouvelle salle)"));
    assert_eq!(m.sequence, 3);
    assert_eq!(m.description.as_deref(), Some("Ordre du jour :\n1. voirie\n2. écoles"));
    assert_eq!(m.alarms.len(), 3);
    assert_eq!(m.attendees.len(), 2);
    assert_eq!(obj.overrides.len(), 2, "overrides kept");
    assert_eq!(obj.overrides[0].summary.as_deref(), Some("Réunion déplacée"));
    // Removing: an empty text.
    let change = EventChange {
        location: Some(String::new()),
        alarm: Some(String::new()),
        ..EventChange::default()
    };
    let obj = parse(&edit_series_at(&text, &change, stamp()).unwrap()).unwrap();
    let m = obj.master.as_ref().unwrap();
    assert_eq!((m.location.as_deref(), m.alarms.len(), m.sequence), (None, 0, 4));
}

#[test]
fn edit_series_moves_the_series_and_changes_its_rule() {
    let change = EventChange {
        times: Some(EventTimes::Timed {
            start: paris_offset(2027, 3, 2, 14, 0),
            end: paris_offset(2027, 3, 2, 15, 0),
        }),
        rrule: Some("FREQ=WEEKLY;BYDAY=TU;COUNT=2".into()),
        ..EventChange::default()
    };
    let text = edit_series_at(SERIES, &change, stamp()).unwrap();
    assert!(text.contains("DTSTART;TZID=Europe/Paris:20270302T140000\r\n"));
    let obj = parse(&text).unwrap();
    let starts: Vec<String> = occurrences(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 3, 20, 0, 0), paris())
        .into_iter()
        .filter(|o| o.summary.as_deref() != Some("Réunion déplacée"))
        .map(|o| o.start)
        .collect();
    assert_eq!(starts, vec!["2027-03-02T14:00:00+01:00", "2027-03-09T14:00:00+01:00"]);
    let e = edit_series_at(
        SERIES,
        &EventChange {
            rrule: Some("FREQ=WEEKLY;BYDAY=XX".into()),
            ..EventChange::default()
        },
        stamp(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
}

#[test]
fn a_series_made_all_day_gets_a_date_until() {
    let change = EventChange {
        times: Some(EventTimes::AllDay {
            start: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2027, 3, 2).unwrap(),
        }),
        ..EventChange::default()
    };
    let text = edit_series_at(SERIES, &change, stamp()).unwrap();
    assert!(text.contains("DTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302\r\n"));
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270628\r\n"));
}

#[test]
fn an_edit_in_a_zone_without_vtimezone_adds_one_under_its_tzid() {
    let text = object("UID:w\r\nDTSTART;TZID=Romance Standard Time:20270315T090000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n");
    let change = EventChange {
        times: Some(EventTimes::Timed {
            start: paris_offset(2027, 3, 16, 10, 0),
            end: paris_offset(2027, 3, 16, 11, 0),
        }),
        ..EventChange::default()
    };
    let text = edit_occurrence_at(&text, "2027-03-16T09:00:00+01:00", &change, stamp()).unwrap();
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\nX-LIC-LOCATION:Europe/Paris\r\n"));
    assert!(text.contains("DTSTART;TZID=Romance Standard Time:20270316T100000\r\n"));
}

#[test]
fn edit_occurrence_adds_then_updates_an_override() {
    let change = EventChange {
        times: Some(EventTimes::Timed {
            start: paris_offset(2027, 4, 5, 11, 0),
            end: paris_offset(2027, 4, 5, 12, 30),
        }),
        summary: Some("Réunion avancée".into()),
        ..EventChange::default()
    };
    let text = edit_occurrence_at(SERIES, "2027-04-05T09:00:00+02:00", &change, stamp()).unwrap();
    assert!(text.contains("RECURRENCE-ID;TZID=Europe/Paris:20270405T090000\r\n"));
    let obj = parse(&text).unwrap();
    assert_eq!(obj.overrides.len(), 3);
    let new = &obj.overrides[2];
    assert_eq!(new.sequence, 3, "the master's SEQUENCE (2), bumped");
    assert_eq!(new.attendees.len(), 2, "copied from the master");
    assert_eq!(new.alarms.len(), 3, "copied from the master");
    assert_eq!(new.rrule, None);
    let week = occurrences(&obj, at_paris(2027, 4, 5, 0, 0), at_paris(2027, 4, 6, 0, 0), paris());
    let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = week
        .iter()
        .map(|o| {
            (
                o.start.as_str(),
                o.end.as_str(),
                o.recurrence_id.as_deref(),
                o.summary.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            "2027-04-05T11:00:00+02:00",
            "2027-04-05T12:30:00+02:00",
            Some("2027-04-05T09:00:00+02:00"),
            Some("Réunion avancée")
        )]
    );
    // Again, through the same recurrence id (in another offset): the same override is updated.
    let again = EventChange {
        location: Some("Mairie annexe".into()),
        ..EventChange::default()
    };
    let text = edit_occurrence_at(&text, "2027-04-05T07:00:00Z", &again, stamp()).unwrap();
    let obj = parse(&text).unwrap();
    assert_eq!(obj.overrides.len(), 3);
    assert_eq!(obj.overrides[2].location.as_deref(), Some("Mairie annexe"));
    assert_eq!(obj.overrides[2].summary.as_deref(), Some("Réunion avancée"));
    assert_eq!(obj.overrides[2].sequence, 4);
    // The other instances are untouched.
    let next = occurrences(&obj, at_paris(2027, 4, 12, 0, 0), at_paris(2027, 4, 13, 0, 0), paris());
    assert_eq!(next[0].start, "2027-04-12T09:00:00+02:00");
    assert_eq!(next[0].location.as_deref(), Some("Salle du conseil"));
    // An existing override (22 March, moved to the 23rd) is found by its recurrence id.
    let moved = edit_occurrence_at(SERIES, "2027-03-22T09:00:00+01:00", &again, stamp()).unwrap();
    let obj = parse(&moved).unwrap();
    assert_eq!(obj.overrides.len(), 2);
    assert_eq!(obj.overrides[0].location.as_deref(), Some("Mairie annexe"));
    assert_eq!(obj.overrides[0].sequence, 4);
}

#[test]
fn edit_occurrence_refuses_what_is_not_an_occurrence() {
    let change = EventChange {
        summary: Some("x".into()),
        ..EventChange::default()
    };
    for (rid, kind) in [
        ("2027-04-05T09:30:00+02:00", ErrorKind::NotFound),
        ("2027-03-08T09:00:00+01:00", ErrorKind::NotFound),
        ("2027-07-05T09:00:00+02:00", ErrorKind::NotFound),
        ("2027-04-05", ErrorKind::BadInput),
        ("demain", ErrorKind::BadInput),
    ] {
        let e = edit_occurrence_at(SERIES, rid, &change, stamp()).unwrap_err();
        assert_eq!(e.kind(), kind, "{rid}: {e}");
    }
    let rule = EventChange {
        rrule: Some("FREQ=DAILY".into()),
        ..EventChange::default()
    };
    let e = edit_occurrence_at(SERIES, "2027-04-05T09:00:00+02:00", &rule, stamp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
}

#[test]
fn delete_occurrence_adds_an_exdate_and_drops_the_override() {
    let text = delete_occurrence_at(SERIES, "2027-04-05T09:00:00+02:00", stamp()).unwrap();
    assert!(text.contains("EXDATE;TZID=Europe/Paris:20270405T090000\r\n"));
    assert!(text.contains("SEQUENCE:3\r\n"));
    let obj = parse(&text).unwrap();
    let starts: Vec<String> = occurrences(&obj, at_paris(2027, 4, 1, 0, 0), at_paris(2027, 4, 20, 0, 0), paris())
        .into_iter()
        .map(|o| o.start)
        .collect();
    assert_eq!(starts, vec!["2027-04-12T09:00:00+02:00", "2027-04-19T09:00:00+02:00"]);
    // The moved occurrence of 22 March: its override goes too.
    let text = delete_occurrence_at(&text, "2027-03-22T09:00:00+01:00", stamp()).unwrap();
    let obj = parse(&text).unwrap();
    assert_eq!(obj.overrides.len(), 1);
    assert!(occurrences(&obj, at_paris(2027, 3, 20, 0, 0), at_paris(2027, 3, 27, 0, 0), paris()).is_empty());
    assert!(text.contains("X-CALAME-UNKNOWN;X-P=1:garder moi\r\n"));
    // Not an occurrence, or not a series.
    let e = delete_occurrence_at(SERIES, "2027-04-06T09:00:00+02:00", stamp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let single = object("UID:s\r\nDTSTART:20270315T090000Z\r\n");
    let e = delete_occurrence_at(&single, "2027-03-15T09:00:00Z", stamp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
}

#[test]
fn all_day_occurrences_are_named_by_their_date() {
    let text = object(
        "UID:marche\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:20270324\r\nDTEND;VALUE=DATE:20270325\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
    );
    let text = delete_occurrence_at(&text, "2027-03-31", stamp()).unwrap();
    assert!(text.contains("EXDATE;VALUE=DATE:20270331\r\n"));
    let change = EventChange {
        times: Some(EventTimes::AllDay {
            start: NaiveDate::from_ymd_opt(2027, 4, 8).unwrap(),
            end: NaiveDate::from_ymd_opt(2027, 4, 10).unwrap(),
        }),
        ..EventChange::default()
    };
    let text = edit_occurrence_at(&text, "2027-04-07", &change, stamp()).unwrap();
    let obj = parse(&text).unwrap();
    let o = occurrences(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 5, 1, 0, 0), paris());
    let got: Vec<(&str, &str, Option<&str>)> = o
        .iter()
        .map(|o| (o.start.as_str(), o.end.as_str(), o.recurrence_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2027-03-24", "2027-03-25", Some("2027-03-24")),
            ("2027-04-08", "2027-04-10", Some("2027-04-07")),
        ]
    );
}

#[test]
fn the_local_zone_setting_is_read_as_tz_writes_it() {
    for (setting, expected) in [
        ("Europe/Paris", Some("Europe/Paris")),
        (":America/New_York", Some("America/New_York")),
        ("/usr/share/zoneinfo/Indian/Reunion", Some("Indian/Reunion")),
        ("", None),
        ("Nowhere/Special", None),
    ] {
        assert_eq!(
            zone::zone_from_setting(setting).map(|tz| tz.name()),
            expected,
            "{setting}"
        );
    }
}
