//! iTIP (RFC 5546) over iMIP (RFC 6047): the objects an organiser sends (REQUEST, CANCEL), the
//! REPLY an attendee sends back, and how each is applied to a stored calendar object. Pure; the
//! texts received are untrusted and read with [`read`] first (bounded, typed errors).
//!
//! Choices:
//! - A REPLY carries the attendee's one ATTENDEE line (its PARTSTAT set, RSVP dropped), with
//!   the UID, SEQUENCE, RECURRENCE-ID, ORGANIZER, DTSTART/DTEND and SUMMARY of each VEVENT of
//!   the invitation, DTSTAMP now, and the VTIMEZONEs the times need.
//! - A REPLY older than the stored event (lower SEQUENCE) is ignored; one that changes nothing
//!   gives `None`, so that applying the same reply twice writes once.
//! - A CANCEL of the whole event keeps it, marked `STATUS:CANCELLED` (occurrences leave it
//!   out; the user sees why it went rather than losing it silently); a CANCEL of one instance
//!   marks that override cancelled, or adds an EXDATE when there is no override.

use chrono::{DateTime, Utc};

use super::content::{self, param, Component, Param, Prop};
use super::model::PartStat;
use super::read::{address, read};
use super::value::format_date_time;
use crate::error::{Error, Result};

/// The organiser's REQUEST for a stored object: the object with `METHOD:REQUEST`, without
/// its alarms (they are the organiser's own).
pub(crate) fn request(text: &str) -> Result<String> {
    let mut root = tree(text)?;
    root.set_value("METHOD", Some("REQUEST".to_owned()));
    for e in root.children.iter_mut().filter(|c| c.name == "VEVENT") {
        e.children.retain(|a| a.name != "VALARM");
    }
    finish(&root)
}

/// The organiser's CANCEL of a stored object: `METHOD:CANCEL`, every VEVENT cancelled with
/// its SEQUENCE bumped and DTSTAMP now, attendees kept (they are who is told).
pub(crate) fn cancel(text: &str, stamp: DateTime<Utc>) -> Result<String> {
    let mut root = tree(text)?;
    root.set_value("METHOD", Some("CANCEL".to_owned()));
    for e in root.children.iter_mut().filter(|c| c.name == "VEVENT") {
        e.children.retain(|a| a.name != "VALARM");
        e.set_value("STATUS", Some("CANCELLED".to_owned()));
        let sequence = sequence(e).saturating_add(1);
        e.set_value("SEQUENCE", Some(sequence.to_string()));
        e.set_value("DTSTAMP", Some(utc(stamp)));
    }
    finish(&root)
}

/// The REPLY of attendee `me` (an address) to the invitation `text`, with `partstat`.
pub(crate) fn reply(text: &str, me: &str, partstat: PartStat, stamp: DateTime<Utc>) -> Result<String> {
    let root = tree(text)?;
    let mut out = Component::new("VCALENDAR");
    out.props.push(Prop::new("PRODID", Vec::new(), "-//Calame//FR"));
    out.props.push(Prop::new("VERSION", Vec::new(), "2.0"));
    out.props.push(Prop::new("METHOD", Vec::new(), "REPLY"));
    out.children.extend(root.children_named("VTIMEZONE").cloned());
    const KEPT: &[&str] = &[
        "UID",
        "SEQUENCE",
        "RECURRENCE-ID",
        "ORGANIZER",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SUMMARY",
    ];
    for e in root.children_named("VEVENT") {
        let line = attendee_line(e, me).ok_or_else(|| not_invited(me))?;
        let mut c = Component::new("VEVENT");
        c.props
            .extend(e.props.iter().filter(|p| KEPT.contains(&p.name.as_str())).cloned());
        c.props.push(Prop::new("DTSTAMP", Vec::new(), utc(stamp)));
        c.props.push(with_partstat(line, partstat, true));
        out.children.push(c);
    }
    finish(&out)
}

/// The invitation `text` as the attendee `me` keeps it: without METHOD, `me`'s PARTSTAT set
/// in every VEVENT that invites them.
pub(crate) fn accepted(text: &str, me: &str, partstat: PartStat) -> Result<String> {
    let mut root = tree(text)?;
    root.set("METHOD", Vec::new());
    let mut invited = false;
    for e in root.children.iter_mut().filter(|c| c.name == "VEVENT") {
        if let Some(line) = attendee_line(e, me).cloned() {
            replace_attendee(e, &line, with_partstat(&line, partstat, false));
            invited = true;
        }
    }
    if !invited {
        return Err(not_invited(me));
    }
    finish(&root)
}

/// The stored organiser's object `stored` with the attendee statuses of the REPLY `reply`;
/// `None` when nothing changes (already applied, older than the stored event, or from someone
/// who is not an attendee).
pub(crate) fn apply_reply(stored: &str, reply: &str) -> Result<Option<String>> {
    let answer = tree(reply)?;
    let mut root = tree(stored)?;
    let mut changed = false;
    for r in answer.children_named("VEVENT") {
        let Some(line) = r.prop("ATTENDEE") else { continue };
        let Some(who) = address(&line.value) else { continue };
        let partstat = line.param("PARTSTAT").map(PartStat::parse).unwrap_or_default();
        let rid = r.prop("RECURRENCE-ID").map(|p| p.value.trim().to_owned());
        let target = root
            .children
            .iter_mut()
            .find(|c| c.name == "VEVENT" && c.prop("RECURRENCE-ID").map(|p| p.value.trim().to_owned()) == rid);
        // A reply to an instance without override: its answer is read as one for the series.
        let target = match target {
            Some(t) => Some(t),
            None => root
                .children
                .iter_mut()
                .find(|c| c.name == "VEVENT" && c.prop("RECURRENCE-ID").is_none()),
        };
        let Some(target) = target else { continue };
        if sequence(r) < sequence(target) {
            continue;
        }
        let Some(current) = attendee_line(target, &who).cloned() else {
            continue;
        };
        let now = current.param("PARTSTAT").map(PartStat::parse).unwrap_or_default();
        if now == partstat {
            continue;
        }
        replace_attendee(target, &current, with_partstat(&current, partstat, true));
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    finish(&root).map(Some)
}

/// The stored attendee's object `stored` after the organiser's CANCEL `cancel`; `None` when it
/// is already cancelled, or the cancel is older than what is stored.
pub(crate) fn apply_cancel(stored: &str, cancel: &str) -> Result<Option<String>> {
    let message = tree(cancel)?;
    let mut root = tree(stored)?;
    let mut changed = false;
    for m in message.children_named("VEVENT") {
        let rid = m.prop("RECURRENCE-ID").cloned();
        let rid_value = rid.as_ref().map(|p| p.value.trim().to_owned());
        let mut found = false;
        for c in root.children.iter_mut().filter(|c| {
            c.name == "VEVENT"
                && (rid_value.is_none() || c.prop("RECURRENCE-ID").map(|p| p.value.trim().to_owned()) == rid_value)
        }) {
            found = true;
            if sequence(m) < sequence(c)
                || c.prop("STATUS")
                    .is_some_and(|s| s.value.eq_ignore_ascii_case("CANCELLED"))
            {
                continue;
            }
            c.set_value("STATUS", Some("CANCELLED".to_owned()));
            c.set_value("SEQUENCE", Some(sequence(m).max(sequence(c)).to_string()));
            changed = true;
        }
        // One instance of a series, never overridden here: taken out of the series.
        if let (false, Some(rid)) = (found, rid) {
            if let Some(master) = root
                .children
                .iter_mut()
                .find(|c| c.name == "VEVENT" && c.prop("RECURRENCE-ID").is_none())
            {
                let exdate = Prop::new("EXDATE", rid.params.clone(), rid.value.trim());
                if !master.props_named("EXDATE").any(|p| p.value.trim() == exdate.value) {
                    master.props.push(exdate);
                    changed = true;
                }
            }
        }
    }
    if !changed {
        return Ok(None);
    }
    finish(&root).map(Some)
}

/// The SEQUENCE of a VEVENT (0 when absent or unreadable).
pub(crate) fn sequence(c: &Component) -> u32 {
    c.prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(0)
}

/// The highest SEQUENCE of the VEVENTs of `text`.
pub(crate) fn object_sequence(text: &str) -> Result<u32> {
    let root = tree(text)?;
    Ok(root.children_named("VEVENT").map(sequence).max().unwrap_or(0))
}

/// `text` read as a calendar object (checked), then as a tree to edit.
fn tree(text: &str) -> Result<Component> {
    read(text)?;
    content::parse(text)
}

fn finish(root: &Component) -> Result<String> {
    let text = root.to_text();
    read(&text)?;
    Ok(text)
}

/// The ATTENDEE line of `me` (compared without case) in a VEVENT.
fn attendee_line<'a>(e: &'a Component, me: &str) -> Option<&'a Prop> {
    e.props_named("ATTENDEE")
        .find(|p| address(&p.value).is_some_and(|a| a.eq_ignore_ascii_case(me.trim())))
}

/// The ATTENDEE line `line` with its PARTSTAT replaced (and RSVP dropped, if asked).
fn with_partstat(line: &Prop, partstat: PartStat, drop_rsvp: bool) -> Prop {
    let mut params: Vec<Param> = line
        .params
        .iter()
        .filter(|p| p.name != "PARTSTAT" && !(drop_rsvp && p.name == "RSVP"))
        .cloned()
        .collect();
    params.push(param("PARTSTAT", partstat.as_str()));
    Prop::new("ATTENDEE", params, line.value.trim())
}

fn replace_attendee(e: &mut Component, old: &Prop, new: Prop) {
    if let Some(slot) = e.props.iter_mut().find(|p| *p == old) {
        *slot = new;
    }
}

fn utc(t: DateTime<Utc>) -> String {
    format!("{}Z", format_date_time(t.naive_utc()))
}

fn not_invited(me: &str) -> Error {
    Error::NotFound(format!("{me} is not an attendee of this invitation"))
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Status};
    use super::*;

    const INVITE: &str = "BEGIN:VCALENDAR\r\nPRODID:-//x//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n\
        BEGIN:VEVENT\r\nUID:u-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270315T080000Z\r\n\
        DTEND:20270315T090000Z\r\nSUMMARY:Réunion\r\nSEQUENCE:2\r\n\
        ORGANIZER;CN=Alice:mailto:alice@example.test\r\n\
        ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:Bob@Example.test\r\n\
        ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.test\r\n\
        BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
        END:VEVENT\r\nEND:VCALENDAR\r\n";

    fn stamp() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-02-01T10:00:00Z").unwrap().to_utc()
    }

    fn partstats(text: &str) -> Vec<(String, &'static str)> {
        let obj = parse(text).unwrap();
        obj.master
            .unwrap()
            .attendees
            .iter()
            .map(|a| (a.email.to_ascii_lowercase(), a.partstat.as_str()))
            .collect()
    }

    #[test]
    fn a_reply_carries_only_the_attendee_with_the_answer() {
        let r = reply(INVITE, "bob@example.test", PartStat::Accepted, stamp()).unwrap();
        let obj = parse(&r).unwrap();
        assert_eq!(obj.method.as_deref(), Some("REPLY"));
        let e = obj.master.unwrap();
        assert_eq!((e.uid.as_str(), e.sequence), ("u-1", 2));
        assert_eq!(e.attendees.len(), 1);
        assert_eq!(e.attendees[0].partstat, PartStat::Accepted);
        assert!(!e.attendees[0].rsvp);
        assert_eq!(e.organizer.unwrap().email, "alice@example.test");
        assert!(r.contains("DTSTAMP:20270201T100000Z"));
        assert!(!r.contains("VALARM"));
        assert!(reply(INVITE, "dave@example.test", PartStat::Accepted, stamp()).is_err());
    }

    #[test]
    fn the_attendee_keeps_the_event_with_their_answer_and_no_method() {
        let kept = accepted(INVITE, "bob@example.test", PartStat::Tentative).unwrap();
        assert_eq!(parse(&kept).unwrap().method, None);
        assert_eq!(
            partstats(&kept),
            vec![
                ("bob@example.test".to_owned(), "TENTATIVE"),
                ("carol@example.test".to_owned(), "NEEDS-ACTION")
            ]
        );
    }

    #[test]
    fn replies_update_the_organisers_object_once_and_not_from_the_past() {
        let stored = accepted(INVITE, "carol@example.test", PartStat::NeedsAction).unwrap();
        let r = reply(INVITE, "bob@example.test", PartStat::Declined, stamp()).unwrap();
        let updated = apply_reply(&stored, &r).unwrap().unwrap();
        assert_eq!(partstats(&updated)[0], ("bob@example.test".to_owned(), "DECLINED"));
        assert_eq!(apply_reply(&updated, &r).unwrap(), None, "already applied");
        let old = r.replace("SEQUENCE:2", "SEQUENCE:1").replace("DECLINED", "ACCEPTED");
        assert_eq!(apply_reply(&updated, &old).unwrap(), None, "older than the event");
        let stranger = r.replace("Bob@Example.test", "dave@example.test");
        assert_eq!(apply_reply(&stored, &stranger).unwrap(), None, "not an attendee");
        assert!(apply_reply(&stored, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").is_err());
    }

    #[test]
    fn requests_and_cancels_from_the_organiser() {
        let stored = INVITE.replace("METHOD:REQUEST\r\n", "");
        let req = request(&stored).unwrap();
        assert_eq!(parse(&req).unwrap().method.as_deref(), Some("REQUEST"));
        assert!(!req.contains("VALARM"));
        let c = cancel(&stored, stamp()).unwrap();
        let obj = parse(&c).unwrap();
        assert_eq!(obj.method.as_deref(), Some("CANCEL"));
        let e = obj.master.unwrap();
        assert_eq!((e.sequence, e.status), (3, Some(Status::Cancelled)));
        let mine = accepted(INVITE, "bob@example.test", PartStat::Accepted).unwrap();
        let gone = apply_cancel(&mine, &c).unwrap().unwrap();
        let e = parse(&gone).unwrap().master.unwrap();
        assert_eq!((e.sequence, e.status), (3, Some(Status::Cancelled)));
        assert_eq!(apply_cancel(&gone, &c).unwrap(), None);
        assert_eq!(object_sequence(&gone).unwrap(), 3);
    }
}
