//! Any bytes as a calendar object resource: parsed, expanded over a year in two zones, its
//! reminders, and its first occurrence edited and deleted; nothing may panic, the output stays
//! within its bounds, and what an edit writes can be read back.
#![no_main]

use calame_core::calendar::{self, EventChange, MAX_OCCURRENCES};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(obj) = calendar::parse(text) else {
        return;
    };
    let from = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap();
    let mut first = None;
    for tz in [chrono_tz::Europe::Paris, chrono_tz::America::New_York] {
        let occurrences = calendar::occurrences(&obj, from, to, tz);
        assert!(occurrences.len() <= MAX_OCCURRENCES);
        assert!(calendar::reminders(&obj, from, to, tz).len() <= MAX_OCCURRENCES);
        if first.is_none() {
            first = occurrences.into_iter().next();
        }
    }
    let change = EventChange {
        summary: Some("Réunion, modifiée; ici".into()),
        location: Some(String::new()),
        ..EventChange::default()
    };
    let mut written = vec![calendar::edit_series(text, &change)];
    if let Some(rid) = first.and_then(|o| o.recurrence_id) {
        written.push(calendar::edit_occurrence(text, &rid, &change));
        written.push(calendar::delete_occurrence(text, &rid));
    }
    for edited in written.into_iter().flatten() {
        calendar::parse(&edited).expect("what an edit writes is read back");
    }
});
