//! Invitations by mail (iMIP) between alice (organiser) and bob, through the real Postfix,
//! Dovecot and Radicale: alice invites, bob reads the invitation and accepts, alice sees bob
//! accepted; then alice cancels and bob's stored event is cancelled.

use calame_core::calendar::{self, EventTimes, NewEvent, PartStat, Person, Status};
use calame_core::{AccountSetup, Calame, Secret, TlsMode};
use calame_testkit::{peer, Stack, User};

use crate::send::arrived;

/// A profile with `user`'s account: IMAP, submission over STARTTLS, CalDAV; synced once.
async fn full_account(stack: &Stack, user: &User) -> (tempfile::TempDir, Calame, Secret<String>) {
    let (tmp, calame) = crate::profile();
    let password = Secret::new(user.password.clone());
    let setup = AccountSetup {
        smtp: Some(format!("{}:{}", stack.info.host, stack.info.submission_port)),
        smtp_tls: Some(TlsMode::Starttls),
        caldav: Some(stack.info.caldav_url.clone()),
        ..crate::setup_for(stack, user)
    };
    calame.add_account(setup, &password, false).await.unwrap();
    calame.sync_with(&user.email, None, &password).await.unwrap();
    (tmp, calame, password)
}

/// The stored object of `uid` in `calendar`, read.
fn stored(calame: &Calame, email: &str, calendar: &str, uid: &str) -> calendar::CalendarObject {
    let objects = calame.calendar_objects(email, calendar).unwrap();
    let found: Vec<calendar::CalendarObject> = objects
        .iter()
        .filter_map(|o| calendar::parse(&o.data).ok())
        .filter(|o| o.uid == uid)
        .collect();
    assert_eq!(found.len(), 1, "{uid} in {calendar}");
    found.into_iter().next().unwrap()
}

fn partstat_of(obj: &calendar::CalendarObject, email: &str) -> PartStat {
    obj.master
        .as_ref()
        .unwrap()
        .attendees
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case(email))
        .map(|a| a.partstat)
        .unwrap()
}

/// The INBOX UID of the cached message whose subject is `subject`.
fn uid_of(calame: &Calame, email: &str, subject: &str) -> u32 {
    let found: Vec<u32> = calame
        .list(email, "INBOX", 0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.subject.as_deref() == Some(subject))
        .map(|e| e.uid)
        .collect();
    assert_eq!(found.len(), 1, "{subject}");
    found[0]
}

#[tokio::test]
async fn invite_accept_and_the_organiser_sees_it_then_cancel() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let bob = stack.user("bob").clone();
    let (_a, as_alice, alice_pw) = full_account(stack, &alice).await;
    let (_b, as_bob, bob_pw) = full_account(stack, &bob).await;
    let token = format!("imip{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let summary = format!("Réunion {token} : budget");

    // alice invites bob.
    let event = NewEvent {
        summary: summary.clone(),
        times: EventTimes::Timed {
            start: chrono::DateTime::parse_from_rfc3339("2027-06-10T14:00:00+02:00").unwrap(),
            end: chrono::DateTime::parse_from_rfc3339("2027-06-10T15:00:00+02:00").unwrap(),
        },
        zone: chrono_tz::Europe::Paris,
        location: Some("Salle des mariages".into()),
        description: None,
        categories: Vec::new(),
        rrule: None,
        organizer: None,
        attendees: vec![Person {
            email: bob.email.clone(),
            name: Some("Bob".into()),
        }],
        alarm: Some("-PT10M".into()),
    };
    let own_alice = format!("{}/calendar", alice.login);
    let uid = as_alice
        .add_event(&alice.email, &own_alice, event, Some(&alice_pw))
        .await
        .unwrap();
    assert!(as_alice.outbox_items(Some(&alice.email)).unwrap().is_empty(), "sent");

    // bob's INBOX has the REQUEST, as another client reads it.
    let invitation_subject = format!("Invitation : {summary}");
    let came = arrived(stack, &bob, "INBOX", &token, 1);
    assert_eq!(came.len(), 1);
    assert_eq!(came[0]["subject"], invitation_subject.as_str());
    let ics = came[0]["calendar"].as_str().unwrap();
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(ics.contains(&format!("UID:{uid}")), "{ics}");
    assert!(!ics.contains("VALARM"), "alice's alarm stays hers");

    // bob syncs and reads it: an invitation, with its summary.
    as_bob.sync_with(&bob.email, None, &bob_pw).await.unwrap();
    let request_uid = uid_of(&as_bob, &bob.email, &invitation_subject);
    let raw = as_bob
        .raw_message_with(&bob.email, "INBOX", request_uid, Some(&bob_pw))
        .await
        .unwrap();
    let shown = as_bob.show(&raw, false).unwrap();
    let invitation = shown.invitation.unwrap();
    assert_eq!(invitation.method, "REQUEST");
    assert_eq!(invitation.uid, uid);
    assert_eq!(invitation.summary.as_deref(), Some(summary.as_str()));
    assert_eq!(invitation.start.as_deref(), Some("2027-06-10T14:00:00+02:00"));
    assert_eq!(invitation.organizer.as_deref(), Some(alice.email.as_str()));

    // bob accepts: the event is in his own calendar, ACCEPTED; the reply leaves.
    let responded = as_bob
        .respond(&bob.email, "INBOX", request_uid, PartStat::Accepted, Some(&bob_pw))
        .await
        .unwrap();
    let own_bob = format!("{}/calendar", bob.login);
    assert_eq!(responded.calendar, own_bob);
    assert_eq!(responded.partstat, "ACCEPTED");
    assert_eq!(responded.organizer, alice.email);
    assert_eq!(responded.reply.status, "sent");
    let his = stored(&as_bob, &bob.email, &own_bob, &uid);
    assert_eq!(his.method, None);
    assert_eq!(partstat_of(&his, &bob.email), PartStat::Accepted);
    let listed = peer::dav(stack, &bob, &["list", &own_bob]).unwrap();
    assert_eq!(listed[uid.as_str()]["summary"], summary.as_str());
    assert_eq!(listed[uid.as_str()]["attendees"][bob.email.to_lowercase()], "ACCEPTED");
    let day = chrono::NaiveDate::from_ymd_opt(2027, 6, 10).unwrap();
    let seen: Vec<String> = as_bob
        .events(&bob.email, day, day, None)
        .unwrap()
        .into_iter()
        .filter(|o| o.uid == uid)
        .map(|o| o.summary.unwrap_or_default())
        .collect();
    assert_eq!(seen, vec![summary.clone()]);

    // The REPLY reaches alice.
    let reply_subject = format!("Accepté : {summary}");
    let back = arrived(stack, &alice, "INBOX", &token, 1);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["subject"], reply_subject.as_str());
    let reply = back[0]["calendar"].as_str().unwrap();
    assert!(reply.contains("METHOD:REPLY"), "{reply}");
    assert!(reply.contains("PARTSTAT=ACCEPTED"), "{reply}");

    // alice syncs: her event shows bob accepted, in her cache and on the server.
    let before = stored(&as_alice, &alice.email, &own_alice, &uid);
    assert_eq!(partstat_of(&before, &bob.email), PartStat::NeedsAction);
    as_alice.sync_with(&alice.email, None, &alice_pw).await.unwrap();
    let hers = stored(&as_alice, &alice.email, &own_alice, &uid);
    assert_eq!(partstat_of(&hers, &bob.email), PartStat::Accepted);
    assert_eq!(hers.master.as_ref().unwrap().sequence, 0, "an answer is no new version");
    let listed = peer::dav(stack, &alice, &["list", &own_alice]).unwrap();
    assert_eq!(listed[uid.as_str()]["attendees"][bob.email.to_lowercase()], "ACCEPTED");
    // Applied once: a second sync writes nothing more.
    let etag = |c: &Calame, email: &str, cal: &str| {
        c.calendar_objects(email, cal)
            .unwrap()
            .into_iter()
            .find(|o| o.data.contains(&uid))
            .unwrap()
            .etag
    };
    let tag = etag(&as_alice, &alice.email, &own_alice);
    as_alice.sync_with(&alice.email, None, &alice_pw).await.unwrap();
    assert_eq!(etag(&as_alice, &alice.email, &own_alice), tag);

    // A REPLY that bob did not send (another From) changes nothing, and is reported.
    let forged = format!(
        "From: Mallory <mallory@example.test>\nTo: {alice}\nSubject: Refusé : {summary}\n\
         Message-ID: <forged-{token}@example.test>\nDate: Mon, 15 Mar 2027 10:00:00 +0100\nMIME-Version: 1.0\n\
         Content-Type: text/calendar; method=REPLY; charset=utf-8\n\nBEGIN:VCALENDAR\nVERSION:2.0\n\
         PRODID:-//forger//EN\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270315T090000Z\n\
         DTSTART:20270315T090000Z\nORGANIZER:mailto:{alice}\n\
         ATTENDEE;PARTSTAT=DECLINED:mailto:{bob}\nEND:VEVENT\nEND:VCALENDAR\n",
        alice = alice.email,
        bob = bob.email,
    );
    crate::send::deliver(stack, "alice", "INBOX", &forged);
    let report = as_alice.sync_with(&alice.email, None, &alice_pw).await.unwrap();
    assert!(
        report
            .calendar_problems
            .iter()
            .any(|p| p.contains("mallory@example.test") && p.contains("ignored")),
        "{:?}",
        report.calendar_problems
    );
    let hers = stored(&as_alice, &alice.email, &own_alice, &uid);
    assert_eq!(
        partstat_of(&hers, &bob.email),
        PartStat::Accepted,
        "a forged reply changes nothing"
    );

    // alice cancels: bob gets the CANCEL, and his event is cancelled once he syncs.
    as_alice
        .delete_event(&alice.email, &uid, None, Some(&alice_pw))
        .await
        .unwrap();
    let cancel_subject = format!("Annulé : {summary}");
    let all = arrived(stack, &bob, "INBOX", &token, 2);
    let cancels: Vec<&serde_json::Value> = all.iter().filter(|m| m["subject"] == cancel_subject.as_str()).collect();
    assert_eq!(cancels.len(), 1);
    assert!(cancels[0]["calendar"].as_str().unwrap().contains("METHOD:CANCEL"));
    as_bob.sync_with(&bob.email, None, &bob_pw).await.unwrap();
    let his = stored(&as_bob, &bob.email, &own_bob, &uid);
    let master = his.master.as_ref().unwrap();
    assert_eq!(master.status, Some(Status::Cancelled));
    assert_eq!(master.sequence, 1);
    assert_eq!(partstat_of(&his, &bob.email), PartStat::Accepted, "his answer kept");
    assert!(as_bob
        .events(&bob.email, day, day, None)
        .unwrap()
        .iter()
        .all(|o| o.uid != uid));
    let listed = peer::dav(stack, &bob, &["list", &own_bob]).unwrap();
    assert_eq!(listed[uid.as_str()]["status"], "CANCELLED");
}
