//! Occurrences and reminders: daylight-saving changes, all-day events, EXDATE, RDATE,
//! overrides, COUNT and UNTIL.

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use super::parse_tests::{at_paris, object, paris, SERIES};
use super::*;

fn starts(obj: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    occurrences(obj, from, to, paris())
        .into_iter()
        .map(|o| o.start)
        .collect()
}

fn weekly(extra: &str) -> CalendarObject {
    parse(&object(&format!(
        "UID:hebdo\r\nSUMMARY:Hebdo\r\nDTSTART;TZID=Europe/Paris:20270319T090000\r\n\
         DTEND;TZID=Europe/Paris:20270319T100000\r\nRRULE:FREQ=WEEKLY{extra}\r\n"
    )))
    .unwrap()
}

#[test]
fn a_weekly_paris_meeting_stays_at_nine_across_the_march_change() {
    // Summer time starts on Sunday 28 March 2027.
    let obj = weekly("");
    let all = occurrences(&obj, at_paris(2027, 3, 18, 0, 0), at_paris(2027, 4, 3, 0, 0), paris());
    let got: Vec<(&str, &str)> = all.iter().map(|o| (o.start.as_str(), o.end.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2027-03-19T09:00:00+01:00", "2027-03-19T10:00:00+01:00"),
            ("2027-03-26T09:00:00+01:00", "2027-03-26T10:00:00+01:00"),
            ("2027-04-02T09:00:00+02:00", "2027-04-02T10:00:00+02:00"),
        ]
    );
    assert_eq!(all[2].recurrence_id.as_deref(), Some("2027-04-02T09:00:00+02:00"));
    // The same instants seen from UTC: 08:00Z then 07:00Z.
    let utc: Vec<String> = occurrences(&obj, at_paris(2027, 3, 25, 0, 0), at_paris(2027, 4, 3, 0, 0), Tz::UTC)
        .into_iter()
        .map(|o| o.start)
        .collect();
    assert_eq!(utc, vec!["2027-03-26T08:00:00+00:00", "2027-04-02T07:00:00+00:00"]);
}

#[test]
fn a_weekly_paris_meeting_stays_at_nine_across_the_october_change() {
    // Winter time starts on Sunday 31 October 2027.
    let obj = weekly("");
    assert_eq!(
        starts(&obj, at_paris(2027, 10, 21, 0, 0), at_paris(2027, 11, 6, 0, 0)),
        vec![
            "2027-10-22T09:00:00+02:00",
            "2027-10-29T09:00:00+02:00",
            "2027-11-05T09:00:00+01:00"
        ]
    );
}

#[test]
fn a_new_york_event_shows_the_paris_offset() {
    // 15 March 2027: New York is on summer time (since 14 March), Paris not yet: 5 hours apart.
    let obj = parse(&object(
        "UID:ny\r\nDTSTART;TZID=America/New_York:20270315T100000\r\nDTEND;TZID=America/New_York:20270315T110000\r\n",
    ))
    .unwrap();
    let o = occurrences(&obj, at_paris(2027, 3, 15, 0, 0), at_paris(2027, 3, 16, 0, 0), paris());
    assert_eq!(o[0].start, "2027-03-15T15:00:00+01:00");
    assert_eq!(o[0].end, "2027-03-15T16:00:00+01:00");
    assert_eq!(o[0].recurrence_id, None);
}

#[test]
fn a_time_in_the_spring_gap_moves_forward() {
    // 02:30 does not exist in Paris on 28 March 2027: read with the offset before, 03:30 CEST.
    let obj = parse(&object(
        "UID:gap\r\nDTSTART;TZID=Europe/Paris:20270327T023000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n",
    ))
    .unwrap();
    assert_eq!(
        starts(&obj, at_paris(2027, 3, 27, 0, 0), at_paris(2027, 3, 30, 0, 0)),
        vec![
            "2027-03-27T02:30:00+01:00",
            "2027-03-28T03:30:00+02:00",
            "2027-03-29T02:30:00+02:00"
        ]
    );
}

#[test]
fn a_time_that_happens_twice_is_the_first() {
    // 02:30 happens twice in Paris on 31 October 2027: the first, in summer time.
    let obj = parse(&object("UID:twice\r\nDTSTART;TZID=Europe/Paris:20271031T023000\r\n")).unwrap();
    let o = occurrences(&obj, at_paris(2027, 10, 30, 0, 0), at_paris(2027, 11, 2, 0, 0), paris());
    assert_eq!(o[0].start, "2027-10-31T02:30:00+02:00");
}

#[test]
fn all_day_events_have_dates_and_an_exclusive_end() {
    let one = parse(&object(
        "UID:d\r\nSUMMARY:Férié\r\nDTSTART;VALUE=DATE:20270315\r\nDTEND;VALUE=DATE:20270316\r\n",
    ))
    .unwrap();
    let o = occurrences(
        &one,
        at_paris(2027, 3, 15, 12, 0),
        at_paris(2027, 3, 15, 13, 0),
        paris(),
    );
    assert_eq!(o.len(), 1);
    assert_eq!(
        (o[0].start.as_str(), o[0].end.as_str(), o[0].all_day),
        ("2027-03-15", "2027-03-16", true)
    );
    // Midnight to midnight in the local zone: not in the next day, nor in the one before.
    assert!(occurrences(&one, at_paris(2027, 3, 16, 0, 0), at_paris(2027, 3, 17, 0, 0), paris()).is_empty());
    assert!(occurrences(&one, at_paris(2027, 3, 14, 0, 0), at_paris(2027, 3, 15, 0, 0), paris()).is_empty());
    // A date without DTEND lasts one day.
    let bare = parse(&object("UID:d\r\nDTSTART;VALUE=DATE:20270315\r\n")).unwrap();
    let o = occurrences(&bare, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 4, 1, 0, 0), paris());
    assert_eq!((o[0].start.as_str(), o[0].end.as_str()), ("2027-03-15", "2027-03-16"));
}

#[test]
fn multi_day_events_show_once_in_any_window_they_meet() {
    let salon = parse(&object(
        "UID:salon\r\nDTSTART;VALUE=DATE:20270315\r\nDTEND;VALUE=DATE:20270318\r\n",
    ))
    .unwrap();
    let o = occurrences(
        &salon,
        at_paris(2027, 3, 17, 0, 0),
        at_paris(2027, 3, 18, 0, 0),
        paris(),
    );
    assert_eq!((o[0].start.as_str(), o[0].end.as_str()), ("2027-03-15", "2027-03-18"));
    let week = occurrences(
        &salon,
        at_paris(2027, 3, 14, 0, 0),
        at_paris(2027, 3, 21, 0, 0),
        paris(),
    );
    assert_eq!(week.len(), 1);
    let trip = parse(&object(
        "UID:trip\r\nDTSTART;TZID=Europe/Paris:20270315T180000\r\nDTEND;TZID=America/New_York:20270317T090000\r\n",
    ))
    .unwrap();
    let o = occurrences(&trip, at_paris(2027, 3, 16, 0, 0), at_paris(2027, 3, 16, 1, 0), paris());
    assert_eq!(
        (o[0].start.as_str(), o[0].end.as_str()),
        ("2027-03-15T18:00:00+01:00", "2027-03-17T14:00:00+01:00")
    );
}

#[test]
fn a_weekly_all_day_series_repeats_dates() {
    let obj = parse(&object(
        "UID:marche\r\nDTSTART;VALUE=DATE:20270324\r\nDTEND;VALUE=DATE:20270325\r\nRRULE:FREQ=WEEKLY;UNTIL=20270407\r\n",
    ))
    .unwrap();
    let o = occurrences(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 5, 1, 0, 0), paris());
    let got: Vec<(&str, &str, Option<&str>)> = o
        .iter()
        .map(|o| (o.start.as_str(), o.end.as_str(), o.recurrence_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2027-03-24", "2027-03-25", Some("2027-03-24")),
            ("2027-03-31", "2027-04-01", Some("2027-03-31")),
            ("2027-04-07", "2027-04-08", Some("2027-04-07")),
        ]
    );
}

#[test]
fn exdate_rdate_overrides_and_cancellations_shape_the_series() {
    let obj = parse(SERIES).unwrap();
    let all = occurrences(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 4, 13, 0, 0), paris());
    let got: Vec<(&str, Option<&str>, Option<&str>)> = all
        .iter()
        .map(|o| (o.start.as_str(), o.recurrence_id.as_deref(), o.summary.as_deref()))
        .collect();
    let hebdo = Some("Réunion de service, équipe technique; point hebdo");
    assert_eq!(
        got,
        vec![
            ("2027-03-01T09:00:00+01:00", Some("2027-03-01T09:00:00+01:00"), hebdo),
            // 8 March: EXDATE.
            ("2027-03-15T09:00:00+01:00", Some("2027-03-15T09:00:00+01:00"), hebdo),
            // 22 March moved to the 23rd at 14:00 by its override.
            (
                "2027-03-23T14:00:00+01:00",
                Some("2027-03-22T09:00:00+01:00"),
                Some("Réunion déplacée")
            ),
            // 29 March: cancelled.
            ("2027-04-05T09:00:00+02:00", Some("2027-04-05T09:00:00+02:00"), hebdo),
            ("2027-04-12T09:00:00+02:00", Some("2027-04-12T09:00:00+02:00"), hebdo),
        ]
    );
    // A moved instance appears where it went, not where it was.
    assert!(occurrences(&obj, at_paris(2027, 3, 22, 0, 0), at_paris(2027, 3, 23, 0, 0), paris()).is_empty());
    let moved = occurrences(&obj, at_paris(2027, 3, 23, 0, 0), at_paris(2027, 3, 24, 0, 0), paris());
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].organizer.as_deref(), None);
    let first = &all[0];
    assert_eq!(first.organizer.as_deref(), Some("marie.dupont@mairie.example"));
    assert_eq!(
        first.attendees,
        vec!["jean.martin@mairie.example", "accueil@mairie.example"]
    );
    assert_eq!(first.location.as_deref(), Some("Salle du conseil"));
    assert_eq!(first.uid, "conseil-2027@mairie.example");
    assert_eq!(first.calendar, "");
}

#[test]
fn rdates_add_instances() {
    let obj = weekly(";COUNT=2\r\nRDATE;TZID=Europe/Paris:20270330T160000,20270401T140000Z");
    assert_eq!(
        starts(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 5, 1, 0, 0)),
        vec![
            "2027-03-19T09:00:00+01:00",
            "2027-03-26T09:00:00+01:00",
            "2027-03-30T16:00:00+02:00",
            "2027-04-01T16:00:00+02:00"
        ]
    );
}

#[test]
fn count_and_until_end_a_series() {
    let counted = weekly(";COUNT=3");
    let all = starts(&counted, at_paris(2027, 1, 1, 0, 0), at_paris(2028, 1, 1, 0, 0));
    assert_eq!(
        all,
        vec![
            "2027-03-19T09:00:00+01:00",
            "2027-03-26T09:00:00+01:00",
            "2027-04-02T09:00:00+02:00"
        ]
    );
    // UNTIL is inclusive: 07:00Z on 9 April is 09:00 in Paris.
    let until = weekly(";UNTIL=20270409T070000Z");
    let all = starts(&until, at_paris(2027, 1, 1, 0, 0), at_paris(2028, 1, 1, 0, 0));
    assert_eq!(all.len(), 4);
    assert_eq!(all.last().map(String::as_str), Some("2027-04-09T09:00:00+02:00"));
    let before = weekly(";UNTIL=20270409T065959Z");
    assert_eq!(
        starts(&before, at_paris(2027, 1, 1, 0, 0), at_paris(2028, 1, 1, 0, 0)).len(),
        3
    );
}

#[test]
fn a_long_running_daily_rule_is_expanded_near_the_window() {
    let obj = parse(&object(
        "UID:old\r\nDTSTART;TZID=Europe/Paris:19900101T083000\r\nRRULE:FREQ=DAILY;INTERVAL=3\r\n",
    ))
    .unwrap();
    // 2027-03-15 is 13,587 days (a multiple of 3) after 1990-01-01.
    assert_eq!(
        starts(&obj, at_paris(2027, 3, 15, 0, 0), at_paris(2027, 3, 20, 0, 0)),
        vec!["2027-03-15T08:30:00+01:00", "2027-03-18T08:30:00+01:00"]
    );
}

#[test]
fn floating_times_are_read_in_the_local_zone() {
    let obj = parse(&object("UID:f\r\nDTSTART:20270315T090000\r\nDTEND:20270315T093000\r\n")).unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 14, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 3, 17, 0, 0, 0).unwrap();
    let o = occurrences(&obj, from, to, chrono_tz::America::New_York);
    assert_eq!(
        (o[0].start.as_str(), o[0].end.as_str()),
        ("2027-03-15T09:00:00-04:00", "2027-03-15T09:30:00-04:00")
    );
}

#[test]
fn occurrences_print_the_contract_fields() {
    let obj = parse(SERIES).unwrap();
    let o = occurrences(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 3, 2, 0, 0), paris());
    let json = serde_json::to_value(&o[0]).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "all_day",
            "attendees",
            "calendar",
            "end",
            "location",
            "organizer",
            "recurrence_id",
            "start",
            "summary",
            "uid"
        ]
    );
    assert_eq!(json["start"], "2027-03-01T09:00:00+01:00");
    assert_eq!(json["all_day"], false);
}

#[test]
fn reminders_fire_fifteen_minutes_before_each_occurrence() {
    let obj = parse(&object(
        "UID:r\r\nSUMMARY:Permanence\r\nDTSTART;TZID=Europe/Paris:20270326T090000\r\n\
         DTEND;TZID=Europe/Paris:20270326T100000\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n\
         BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
    ))
    .unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 5, 1, 0, 0, 0).unwrap();
    let r = reminders(&obj, from, to, paris());
    let got: Vec<(String, &str)> = r.iter().map(|r| (r.at.to_rfc3339(), r.start.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2027-03-26T07:45:00+00:00".to_owned(), "2027-03-26T09:00:00+01:00"),
            ("2027-04-02T06:45:00+00:00".to_owned(), "2027-04-02T09:00:00+02:00"),
        ]
    );
    assert_eq!(r[0].uid, "r");
    assert_eq!(r[0].summary.as_deref(), Some("Permanence"));
    let json = serde_json::to_value(&r[0]).unwrap();
    assert_eq!(json["at"], "2027-03-26T07:45:00Z");
    // The window is on the alarm's time: 08:50 Paris (07:50Z) is after the first alarm went off.
    let later = reminders(&obj, Utc.with_ymd_and_hms(2027, 3, 26, 7, 50, 0).unwrap(), to, paris());
    assert_eq!(later.len(), 1);
    // An alarm a day before is found even when the occurrence is after the window.
    let just_before = reminders(
        &obj,
        Utc.with_ymd_and_hms(2027, 3, 26, 7, 40, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 3, 26, 7, 46, 0).unwrap(),
        paris(),
    );
    assert_eq!(just_before.len(), 1);
}

#[test]
fn reminders_relative_to_the_end_and_absolute_ones() {
    let obj = parse(SERIES).unwrap();
    let r = reminders(&obj, at_paris(2027, 3, 1, 0, 0), at_paris(2027, 3, 2, 0, 0), paris());
    let got: Vec<String> = r.iter().map(|r| r.at.to_rfc3339()).collect();
    assert_eq!(
        got,
        vec![
            // Absolute, once.
            "2027-03-01T06:00:00+00:00",
            // -PT15M before 09:00 CET.
            "2027-03-01T07:45:00+00:00",
            // RELATED=END: 5 minutes after 10:00 CET.
            "2027-03-01T09:05:00+00:00",
        ]
    );
}

#[test]
fn an_occurrence_carries_what_an_editor_needs() {
    let obj = weekly(";COUNT=2");
    let alarmed = parse(&object(
        "UID:rappel\r\nSUMMARY:Rappel\r\nDESCRIPTION:Ordre du jour\\, pièces\r\nCATEGORIES:Conseil,Public\r\n\
         DTSTART;TZID=Europe/Paris:20270319T090000\r\nDURATION:PT1H\r\n\
         BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H30M\r\nEND:VALARM\r\n",
    ))
    .unwrap();
    let day = parse(&object(
        "UID:jour\r\nSUMMARY:Jour\r\nDTSTART;VALUE=DATE:20270319\r\n\
         BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P1D\r\nEND:VALARM\r\n",
    ))
    .unwrap();
    let (from, to) = (at_paris(2027, 3, 18, 0, 0), at_paris(2027, 3, 21, 0, 0));
    let occurrences = detailed_occurrences;
    let series = &occurrences(&obj, from, to, paris())[0];
    assert_eq!(series.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=2"));
    assert_eq!(series.alarm, None);
    let one = &occurrences(&alarmed, from, to, paris())[0];
    assert_eq!(one.rrule, None);
    assert_eq!(one.occurrence.summary.as_deref(), Some("Rappel"));
    assert_eq!(one.description.as_deref(), Some("Ordre du jour, pièces"));
    assert_eq!(one.categories, vec!["Conseil".to_owned(), "Public".to_owned()]);
    assert_eq!(one.alarm.as_deref(), Some("-PT1H30M"));
    assert_eq!(occurrences(&day, from, to, paris())[0].alarm.as_deref(), Some("-P1D"));
}
