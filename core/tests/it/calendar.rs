//! Calendars against the real Radicale: discovery of own and shared calendars for alice and
//! bob, and incremental sync of what another client (Python's caldav) adds, edits and deletes.

use calame_core::Calame;
use calame_testkit::{peer, Stack, User};

/// The tests share the service calendar and count what changes in it: one at a time.
static SERVICE_CALENDAR: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A profile with `user`'s account and its CalDAV server.
async fn calendar_account(stack: &Stack, user: &User) -> (tempfile::TempDir, Calame, calame_core::Secret<String>) {
    let (tmp, calame) = crate::profile();
    let password = calame_core::Secret::new(user.password.clone());
    let mut setup = crate::setup_for(stack, user);
    setup.caldav = Some(stack.info.caldav_url.clone());
    calame.add_account(setup, &password, false).await.unwrap();
    (tmp, calame, password)
}

fn event(uid: &str, summary: &str, start: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//peer//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20270101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[tokio::test]
async fn own_and_shared_calendars_are_found_for_each_agent() {
    let stack = Stack::shared();
    for (login, other) in [("alice", "bob"), ("bob", "alice")] {
        let user = stack.user(login).clone();
        let (_tmp, calame, password) = calendar_account(stack, &user).await;
        let calendars = calame.discover_calendars_with(&user.email, &password).await.unwrap();
        let seen: Vec<(&str, Option<&str>, bool, bool)> = calendars
            .iter()
            .map(|c| (c.id.as_str(), c.owner.as_deref(), c.shared, c.writable))
            .collect();
        let own = format!("{login}/calendar");
        assert_eq!(
            seen,
            vec![
                (own.as_str(), Some(login), false, true),
                ("accueil/calendar", Some("accueil"), true, true)
            ],
            "{login}"
        );
        assert_eq!(calendars[1].name, "Accueil");
        assert!(
            !calendars.iter().any(|c| c.id.starts_with(other)),
            "{login} does not see {other}'s"
        );
        assert_eq!(calame.calendars(&user.email).unwrap(), calendars, "cached");
    }
}

#[tokio::test]
async fn sync_follows_another_clients_adds_edits_and_deletes() {
    let _one_at_a_time = SERVICE_CALENDAR.lock().await;
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let token = format!("sync-{}", std::process::id());
    let (_tmp, calame, password) = calendar_account(stack, &alice).await;
    let first = calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    assert_eq!(first.calendars, 2);

    // bob writes in the service calendar; alice's sync brings it.
    let ids = [format!("{token}-a"), format!("{token}-b")];
    for (n, uid) in ids.iter().enumerate() {
        peer::dav_put(
            stack,
            &bob,
            "accueil/calendar",
            &event(uid, &format!("Permanence {n}"), "20270315T090000Z"),
        )
        .unwrap();
    }
    let second = calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    assert_eq!(
        (second.objects_new, second.objects_changed, second.objects_removed),
        (2, 0, 0)
    );

    // An edit and a delete by bob: one changed, one removed.
    peer::dav_put(
        stack,
        &bob,
        "accueil/calendar",
        &event(&ids[0], "Permanence déplacée", "20270316T090000Z"),
    )
    .unwrap();
    peer::dav(stack, &bob, &["delete", "accueil/calendar", &ids[1]]).unwrap();
    let third = calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    assert_eq!(
        (third.objects_new, third.objects_changed, third.objects_removed),
        (0, 1, 1)
    );

    // Unchanged: one round trip per calendar, nothing moved.
    let fourth = calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    assert_eq!(
        (
            fourth.objects_new,
            fourth.objects_changed,
            fourth.objects_removed,
            fourth.requests
        ),
        (0, 0, 0, 2)
    );

    // The cache holds what the server holds, by UID.
    let server = peer::dav(stack, &alice, &["list", "accueil/calendar"]).unwrap();
    let server_uids: std::collections::BTreeSet<String> = server
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with(&token))
        .cloned()
        .collect();
    let cached = calame.calendar_objects(&alice.email, "accueil/calendar").unwrap();
    let cached_uids: std::collections::BTreeSet<String> = cached
        .iter()
        .filter_map(|o| {
            o.data
                .lines()
                .find_map(|l| l.trim_end().strip_prefix("UID:").map(str::to_owned))
        })
        .filter(|u| u.starts_with(&token))
        .collect();
    assert_eq!(cached_uids, server_uids);
    assert_eq!(cached_uids.len(), 1);
    assert!(cached.iter().any(|o| o.data.contains("Permanence déplacée")));
}

/// Writes carry the version they replace: a change made meanwhile by someone else is reported
/// as a conflict and nothing is overwritten; offline writes wait in order and reach the server
/// with the next sync.
#[tokio::test]
async fn writes_never_overwrite_a_concurrent_change_and_offline_ones_wait() {
    let _one_at_a_time = SERVICE_CALENDAR.lock().await;
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let token = format!("write-{}", std::process::id());
    let (_tmp, calame, password) = calendar_account(stack, &alice).await;
    calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    let summary_of = |uid: &str| -> Option<String> {
        let listed = peer::dav(stack, &bob, &["list", "accueil/calendar"]).unwrap();
        listed[uid]["summary"].as_str().map(str::to_owned)
    };

    // Created by alice, online.
    let uid = format!("{token}-1");
    let href = format!("/accueil/calendar/{uid}.ics");
    let write = |summary: &str| Some(event(&uid, summary, "20270322T090000Z"));
    calame
        .write_calendar_object(
            &alice.email,
            "accueil/calendar",
            &href,
            write("Réunion d'équipe"),
            Some(&password),
        )
        .await
        .unwrap();
    assert_eq!(summary_of(&uid).as_deref(), Some("Réunion d'équipe"));

    // bob changes it; alice, who has not synced, changes it too: a conflict, bob's stays.
    peer::dav_put(
        stack,
        &bob,
        "accueil/calendar",
        &event(&uid, "Réunion (bob)", "20270322T100000Z"),
    )
    .unwrap();
    let err = calame
        .write_calendar_object(
            &alice.email,
            "accueil/calendar",
            &href,
            write("Réunion (alice)"),
            Some(&password),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), calame_core::ErrorKind::Conflict, "{err}");
    assert_eq!(
        summary_of(&uid).as_deref(),
        Some("Réunion (bob)"),
        "nothing overwritten"
    );
    let refused = calame.refused_calendar_writes(&alice.email).unwrap();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].1.contains("changed on the server meanwhile"),
        "{}",
        refused[0].1
    );
    // The next sync brings bob's version back into alice's cache.
    calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    let cached = calame.calendar_objects(&alice.email, "accueil/calendar").unwrap();
    assert!(cached
        .iter()
        .any(|o| o.href == href && o.data.contains("Réunion (bob)")));

    // Offline: a new event, then a change to it, then a change to bob's; none reach the
    // server until a sync, then all do, in order.
    let uid2 = format!("{token}-2");
    let href2 = format!("/accueil/calendar/{uid2}.ics");
    for summary in ["Hors ligne", "Hors ligne corrigé"] {
        calame
            .write_calendar_object(
                &alice.email,
                "accueil/calendar",
                &href2,
                Some(event(&uid2, summary, "20270323T090000Z")),
                None,
            )
            .await
            .unwrap();
    }
    calame
        .write_calendar_object(
            &alice.email,
            "accueil/calendar",
            &href,
            write("Réunion (alice après bob)"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(summary_of(&uid2), None, "not on the server yet");
    let cached = calame.calendar_objects(&alice.email, "accueil/calendar").unwrap();
    assert!(
        cached
            .iter()
            .any(|o| o.href == href2 && o.data.contains("Hors ligne corrigé")),
        "shown offline"
    );
    calame.sync_calendars_with(&alice.email, &password).await.unwrap();
    assert_eq!(summary_of(&uid2).as_deref(), Some("Hors ligne corrigé"));
    assert_eq!(summary_of(&uid).as_deref(), Some("Réunion (alice après bob)"));

    // Deleted online.
    calame
        .write_calendar_object(&alice.email, "accueil/calendar", &href2, None, Some(&password))
        .await
        .unwrap();
    assert_eq!(summary_of(&uid2), None);
    assert_eq!(
        calame.refused_calendar_writes(&alice.email).unwrap().len(),
        1,
        "only the conflict"
    );
}

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Events written by Calame read the same with Python's caldav/icalendar, and the other way
/// round; a weekly 09:00 meeting stays at 09:00 in Paris across the change to summer time;
/// one occurrence moved, another deleted; bob's event in the service calendar reaches alice.
#[tokio::test]
async fn events_round_trip_with_another_client_across_daylight_saving() {
    use calame_core::calendar::{EventChange, EventTimes, NewEvent, Person};
    let _one_at_a_time = SERVICE_CALENDAR.lock().await;
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let paris = chrono_tz::Europe::Paris;
    let (_a, as_alice, alice_password) = calendar_account(stack, &alice).await;
    let (_b, as_bob, bob_password) = calendar_account(stack, &bob).await;
    let token = format!("rt{}", std::process::id());

    // bob, in the service calendar: weekly on Mondays at 09:00 Paris, 4 times from 15 March.
    let event = NewEvent {
        summary: format!("Permanence {token} : état civil, mariages; PACS"),
        times: EventTimes::Timed {
            start: chrono::DateTime::parse_from_rfc3339("2027-03-15T09:00:00+01:00").unwrap(),
            end: chrono::DateTime::parse_from_rfc3339("2027-03-15T10:30:00+01:00").unwrap(),
        },
        zone: paris,
        location: Some("Mairie, bureau 2".into()),
        description: Some("Apporter le livret\nde famille.".into()),
        categories: Vec::new(),
        rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
        organizer: None,
        attendees: vec![Person {
            email: alice.email.clone(),
            name: None,
        }],
        alarm: Some("-PT15M".into()),
    };
    let uid = as_bob
        .add_event(&bob.email, "accueil/calendar", event, Some(&bob_password))
        .await
        .unwrap();
    // Python reads what Calame wrote.
    let listed = peer::dav(stack, &alice, &["list", "accueil/calendar"]).unwrap();
    let theirs = &listed[uid.as_str()];
    assert_eq!(
        theirs["summary"],
        format!("Permanence {token} : état civil, mariages; PACS")
    );
    assert_eq!(theirs["location"], "Mairie, bureau 2");
    assert_eq!(theirs["start"], "2027-03-15T09:00:00+01:00");
    assert_eq!(theirs["end"], "2027-03-15T10:30:00+01:00");

    // alice syncs and sees it, at 09:00 Paris before and after the last Sunday of March.
    as_alice
        .sync_calendars_with(&alice.email, &alice_password)
        .await
        .unwrap();
    let mine = |c: &calame_core::Calame, email: &str| {
        c.events_in(
            email,
            day("2027-03-01"),
            day("2027-04-30"),
            Some("accueil/calendar"),
            paris,
        )
        .unwrap()
        .into_iter()
        .filter(|o| o.uid == uid)
        .map(|o| (o.start, o.end))
        .collect::<Vec<_>>()
    };
    let expected: Vec<(String, String)> = [
        ("2027-03-15T09:00:00+01:00", "2027-03-15T10:30:00+01:00"),
        ("2027-03-22T09:00:00+01:00", "2027-03-22T10:30:00+01:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T10:30:00+02:00"),
        ("2027-04-05T09:00:00+02:00", "2027-04-05T10:30:00+02:00"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(mine(&as_alice, &alice.email), expected);
    let first = as_alice
        .events_in(&alice.email, day("2027-03-15"), day("2027-03-15"), None, paris)
        .unwrap()
        .into_iter()
        .find(|o| o.uid == uid)
        .unwrap();
    assert_eq!(first.location.as_deref(), Some("Mairie, bureau 2"));
    assert_eq!(first.attendees, vec![alice.email.clone()]);
    assert_eq!(first.organizer.as_deref(), Some(bob.email.as_str()));

    // alice moves the second occurrence to 11:00 and deletes the third.
    let change = EventChange {
        times: Some(EventTimes::Timed {
            start: chrono::DateTime::parse_from_rfc3339("2027-03-22T11:00:00+01:00").unwrap(),
            end: chrono::DateTime::parse_from_rfc3339("2027-03-22T12:00:00+01:00").unwrap(),
        }),
        ..Default::default()
    };
    as_alice
        .edit_event(
            &alice.email,
            &uid,
            Some("2027-03-22T09:00:00+01:00"),
            &change,
            Some(&alice_password),
        )
        .await
        .unwrap();
    as_alice
        .delete_event(
            &alice.email,
            &uid,
            Some("2027-03-29T09:00:00+02:00"),
            Some(&alice_password),
        )
        .await
        .unwrap();
    // bob sees both changes after his sync.
    as_bob.sync_calendars_with(&bob.email, &bob_password).await.unwrap();
    let starts: Vec<String> = mine(&as_bob, &bob.email).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        starts,
        vec![
            "2027-03-15T09:00:00+01:00",
            "2027-03-22T11:00:00+01:00",
            "2027-04-05T09:00:00+02:00"
        ]
    );

    // Another client's event in New York time: shown at the right Paris time.
    let ny = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//peer//EN\r\nBEGIN:VEVENT\r\nUID:{token}-ny\r\n\
         DTSTAMP:20270101T000000Z\r\nDTSTART;TZID=America/New_York:20270315T100000\r\n\
         DTEND;TZID=America/New_York:20270315T110000\r\nSUMMARY:Visio jumelage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    peer::dav_put(stack, &bob, "accueil/calendar", &ny).unwrap();
    as_alice
        .sync_calendars_with(&alice.email, &alice_password)
        .await
        .unwrap();
    let visio = as_alice
        .events_in(&alice.email, day("2027-03-15"), day("2027-03-15"), None, paris)
        .unwrap()
        .into_iter()
        .find(|o| o.uid == format!("{token}-ny"))
        .expect("the New York event");
    assert_eq!(
        (visio.start.as_str(), visio.end.as_str()),
        ("2027-03-15T15:00:00+01:00", "2027-03-15T16:00:00+01:00")
    );
}

/// One object Calame cannot read (an unsupported rule) among valid ones: skipped and reported
/// once, the rest of the calendar shown.
#[tokio::test]
async fn one_bad_object_never_blocks_its_calendar() {
    let stack = Stack::shared();
    let user = stack.add_user("cal-bad").unwrap();
    let (_tmp, calame, password) = calendar_account(stack, &user).await;
    for n in 0..3 {
        peer::dav_put(
            stack,
            &user,
            "cal-bad/calendar",
            &event(&format!("ok-{n}"), &format!("Valide {n}"), "20270315T090000Z"),
        )
        .unwrap();
    }
    let bad = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//peer//EN\r\nBEGIN:VEVENT\r\nUID:bad-1\r\n\
               DTSTAMP:20270101T000000Z\r\nDTSTART:20270315T090000Z\r\nDURATION:PT1H\r\n\
               RRULE:FREQ=SECONDLY;COUNT=100000\r\nSUMMARY:Toutes les secondes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    peer::dav_put(stack, &user, "cal-bad/calendar", bad).unwrap();
    let first = calame.sync_calendars_with(&user.email, &password).await.unwrap();
    assert_eq!(first.problems.len(), 1, "{:?}", first.problems);
    assert!(first.problems[0].contains("bad-1"), "{:?}", first.problems);
    let again = calame.sync_calendars_with(&user.email, &password).await.unwrap();
    assert!(again.problems.is_empty(), "reported once");
    let shown: Vec<String> = calame
        .events_in(
            &user.email,
            day("2027-03-15"),
            day("2027-03-15"),
            None,
            chrono_tz::Europe::Paris,
        )
        .unwrap()
        .into_iter()
        .filter_map(|o| o.summary)
        .collect();
    assert_eq!(shown, vec!["Valide 0", "Valide 1", "Valide 2"]);
}

/// An alarm becomes a `reminder` event from `watch` when it is due.
#[tokio::test]
async fn watch_tells_a_reminder_when_its_alarm_is_due() {
    use calame_core::calendar::{EventTimes, NewEvent};
    let stack = Stack::shared();
    let user = stack.add_user("cal-remind").unwrap();
    let (_tmp, calame, password) = calendar_account(stack, &user).await;
    let start = chrono::Utc::now() + chrono::Duration::minutes(15) + chrono::Duration::seconds(4);
    let start = start.with_timezone(&chrono::FixedOffset::east_opt(0).unwrap());
    let uid = calame
        .add_event(
            &user.email,
            &format!("{}/calendar", user.login),
            NewEvent {
                summary: "Rendez-vous élu".into(),
                times: EventTimes::Timed {
                    start,
                    end: start + chrono::Duration::minutes(30),
                },
                zone: chrono_tz::Europe::Paris,
                location: None,
                description: None,
                categories: Vec::new(),
                rrule: None,
                organizer: None,
                attendees: Vec::new(),
                alarm: Some("-PT15M".into()),
            },
            Some(&password),
        )
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watching = {
        let email = user.email.clone();
        let password = password.clone();
        async move { calame.watch(&email, &password, |e| drop(tx.send(e))).await }
    };
    let started = std::time::Instant::now();
    let reminder = async {
        while let Some(event) = rx.recv().await {
            if let calame_core::Event::Reminder { uid: got, summary, .. } = &event {
                if *got == uid {
                    return summary.clone();
                }
            }
        }
        panic!("watch ended");
    };
    let summary = tokio::select! {
        s = reminder => s,
        r = watching => panic!("watch stopped: {r:?}"),
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => panic!("no reminder within 30 s"),
    };
    assert_eq!(summary.as_deref(), Some("Rendez-vous élu"));
    let waited = started.elapsed().as_secs_f64();
    assert!(
        (2.0..12.0).contains(&waited),
        "told at the alarm's time (about 4 s), not before: {waited:.1} s"
    );
}

/// Without sync-collection (servers that lack it), the ctag then the ETags: an unchanged
/// calendar costs one request, and adds, edits and deletes are found by comparing ETags.
#[tokio::test]
async fn the_ctag_and_etag_fallback_finds_the_same_changes() {
    use calame_core::caldav::{self, http::Dav};
    use std::collections::BTreeMap;
    let stack = Stack::shared();
    let user = stack.add_user("cal-ctag").unwrap();
    let (_tmp, calame, password) = calendar_account(stack, &user).await;
    let account = calame.account(Some(&user.email)).unwrap();
    let dav = Dav::new(&account, &password).unwrap();
    let own = format!("{}/calendar", user.login);
    for n in 0..3 {
        peer::dav_put(
            stack,
            &user,
            &own,
            &event(&format!("c-{n}"), &format!("Ctag {n}"), "20270315T090000Z"),
        )
        .unwrap();
    }
    let mut state = caldav::discover(&dav)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.calendar.id == own)
        .unwrap();
    assert!(
        state.can_sync_collection,
        "Radicale offers it; the fallback is forced below"
    );
    state.can_sync_collection = false;
    let mut known: BTreeMap<String, Option<String>> = BTreeMap::new();
    let apply = |known: &mut BTreeMap<String, Option<String>>, changes: &caldav::Changes| {
        for href in &changes.removed {
            known.remove(href);
        }
        for o in &changes.upserted {
            known.insert(o.href.clone(), o.etag.clone());
        }
    };
    let first = caldav::sync_calendar(&dav, &state, &known).await.unwrap();
    assert_eq!((first.upserted.len(), first.removed.len()), (3, 0));
    apply(&mut known, &first);
    state.ctag = first.ctag.clone();
    assert!(state.ctag.is_some());
    let unchanged = caldav::sync_calendar(&dav, &state, &known).await.unwrap();
    assert_eq!(
        (unchanged.upserted.len(), unchanged.removed.len(), unchanged.requests),
        (0, 0, 1)
    );

    peer::dav_put(stack, &user, &own, &event("c-0", "Ctag 0 modifié", "20270316T090000Z")).unwrap();
    peer::dav(stack, &user, &["delete", &own, "c-1"]).unwrap();
    peer::dav_put(stack, &user, &own, &event("c-9", "Ctag 9", "20270317T090000Z")).unwrap();
    let changed = caldav::sync_calendar(&dav, &state, &known).await.unwrap();
    let mut upserted: Vec<&str> = changed
        .upserted
        .iter()
        .map(|o| o.href.rsplit('/').next().unwrap())
        .collect();
    upserted.sort_unstable();
    assert_eq!(upserted, vec!["c-0.ics", "c-9.ics"]);
    let removed: Vec<&str> = changed.removed.iter().map(|h| h.rsplit('/').next().unwrap()).collect();
    assert_eq!(removed, vec!["c-1.ics"]);
    assert!(changed.upserted.iter().any(|o| o.data.contains("Ctag 0 modifié")));
}
