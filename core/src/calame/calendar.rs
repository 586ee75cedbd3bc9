//! The calendar side of an account: discovery, sync into the cache, and the calendars from it.

use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;

use super::Calame;
use crate::account::Account;
use crate::caldav::http::{Condition, Dav};
use crate::caldav::{self, Base, Calendar, Object, Write};
use crate::calendar;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// What a calendar sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CalendarSync {
    pub calendars: u32,
    pub objects_new: u64,
    pub objects_changed: u64,
    pub objects_removed: u64,
    /// HTTP round trips (queued writes and discovery included).
    pub requests: u32,
    /// Objects that could not be read (skipped, the rest of their calendar kept), each told
    /// once: when it is fetched.
    pub problems: Vec<String>,
}

impl Calame {
    /// Find the account's calendars on its server (own and shared) and cache the list.
    pub async fn discover_calendars_with(&self, email: &str, password: &Secret<String>) -> Result<Vec<Calendar>> {
        let account = self.account(Some(email))?;
        let dav = Dav::new(&account, password)?;
        let found = caldav::discover(&dav).await?;
        let kept = self.store.put_calendars(&account.email, &found)?;
        Ok(kept.into_iter().map(|s| s.calendar).collect())
    }

    /// The cached calendars of an account.
    pub fn calendars(&self, email: &str) -> Result<Vec<Calendar>> {
        let account = self.account(Some(email))?;
        let mut calendars: Vec<Calendar> = self
            .store
            .calendars(&account.email)?
            .into_iter()
            .map(|s| s.calendar)
            .collect();
        // Own first, as discovery gives them.
        calendars.sort_by(|a, b| (a.shared, &a.id).cmp(&(b.shared, &b.id)));
        Ok(calendars)
    }

    /// The cached objects of one calendar (their iCalendar text, as the server sent it).
    pub fn calendar_objects(&self, email: &str, calendar: &str) -> Result<Vec<caldav::Object>> {
        let account = self.account(Some(email))?;
        self.store.objects(&account.email, calendar)
    }

    /// Bring the cached calendars level with the server (discovering them the first time).
    pub async fn sync_calendars_with(&self, email: &str, password: &Secret<String>) -> Result<CalendarSync> {
        let account = self.account(Some(email))?;
        let dav = Dav::new(&account, password)?;
        let mut report = CalendarSync::default();
        self.replay_calendar_writes(&account, &dav).await?;
        let mut states = self.store.calendars(&account.email)?;
        if states.is_empty() {
            let found = caldav::discover(&dav).await?;
            states = self.store.put_calendars(&account.email, &found)?;
        }
        for mut state in states {
            let known = self.store.object_etags(&account.email, &state.calendar.id)?;
            let changes = caldav::sync_calendar(&dav, &state, &known).await?;
            report.calendars += 1;
            report.objects_removed += changes.removed.iter().filter(|h| known.contains_key(*h)).count() as u64;
            for object in &changes.upserted {
                if let Err(e) = calendar::parse(&object.data) {
                    report
                        .problems
                        .push(format!("{}: {}: {e}", state.calendar.id, object.href));
                }
                if known.contains_key(&object.href) {
                    report.objects_changed += 1;
                } else {
                    report.objects_new += 1;
                }
            }
            if changes.sync_token.is_some() {
                state.sync_token = changes.sync_token.clone();
            }
            if changes.ctag.is_some() {
                state.ctag = changes.ctag.clone();
            }
            self.store.apply_calendar_changes(&account.email, &state, &changes)?;
        }
        report.requests = dav.requests();
        Ok(report)
    }

    /// Store (or, with `ics` None, remove) the object at `href` of a calendar: in the cache at
    /// once, then queued; with a password, sent to the server now. A write the server refuses
    /// (changed meanwhile: 412; no right: 403) is kept apart with why, never forced, and the
    /// calendar is read again from the server at the next sync.
    pub async fn write_calendar_object(
        &self,
        email: &str,
        calendar: &str,
        href: &str,
        ics: Option<String>,
        password: Option<&Secret<String>>,
    ) -> Result<()> {
        let account = self.account(Some(email))?;
        let state = self
            .store
            .calendars(&account.email)?
            .into_iter()
            .find(|c| c.calendar.id == calendar)
            .ok_or_else(|| Error::NotFound(format!("no calendar {calendar} (calame sync, or cal calendars)")))?;
        if !state.calendar.writable {
            return Err(Error::Refused(format!(
                "the calendar {calendar} is read-only for {}",
                account.email
            )));
        }
        let earlier = self
            .calendar_queue
            .pending()?
            .iter()
            .any(|q| q.account == account.email && q.action.href() == href);
        let cached = self
            .store
            .objects(&account.email, calendar)?
            .into_iter()
            .find(|o| o.href == href);
        let base = match (earlier, &cached) {
            (true, _) => Base::AfterPrevious,
            (false, Some(Object { etag: Some(tag), .. })) => Base::Etag(tag.clone()),
            (false, Some(_)) => {
                return Err(Error::Conflict(format!(
                    "{href}: its version is not known yet; sync first"
                )));
            }
            (false, None) if ics.is_none() => return Err(Error::NotFound(format!("no object {href} in {calendar}"))),
            (false, None) => Base::New,
        };
        let write = match ics {
            Some(ics) => {
                let object = Object {
                    href: href.to_owned(),
                    etag: None,
                    data: ics.clone(),
                };
                self.store.put_object(&account.email, calendar, href, Some(&object))?;
                Write::Put {
                    calendar: calendar.to_owned(),
                    href: href.to_owned(),
                    ics,
                    base,
                }
            }
            None => {
                self.store.put_object(&account.email, calendar, href, None)?;
                Write::Delete {
                    calendar: calendar.to_owned(),
                    href: href.to_owned(),
                    base,
                }
            }
        };
        let queued = self.calendar_queue.push(&account.email, write)?;
        let Some(password) = password else { return Ok(()) };
        let dav = Dav::new(&account, password)?;
        let refused = self.replay_calendar_writes(&account, &dav).await?;
        match refused.into_iter().find(|(seq, _)| *seq == queued.seq) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// Calendar writes refused by the server, with why (for the user to see).
    pub fn refused_calendar_writes(&self, email: &str) -> Result<Vec<(Write, String)>> {
        Ok(self
            .calendar_queue
            .failed()?
            .into_iter()
            .filter(|f| f.queued.account == email)
            .map(|f| (f.queued.action, f.reason))
            .collect())
    }

    /// Send the account's queued calendar writes in order. Returns those the server refused
    /// (by queue sequence); a network error stops, leaving the rest queued.
    async fn replay_calendar_writes(&self, account: &Account, dav: &Dav) -> Result<Vec<(u64, Error)>> {
        /// What became of an object during this replay.
        enum Now {
            Stored(Option<String>),
            Deleted,
            Refused,
        }
        let mut now: HashMap<String, Now> = HashMap::new();
        let mut refused = Vec::new();
        for queued in self.calendar_queue.pending()? {
            if queued.account != account.email {
                continue;
            }
            let write = &queued.action;
            let href = write.href().to_owned();
            let base = match write {
                Write::Put { base, .. } | Write::Delete { base, .. } => base.clone(),
            };
            let expected: std::result::Result<Option<String>, Error> = match (&base, now.get(&href)) {
                (Base::New, _) => Ok(None),
                (Base::Etag(tag), _) => Ok(Some(tag.clone())),
                (Base::AfterPrevious, Some(Now::Stored(tag))) => Ok(tag.clone()),
                (Base::AfterPrevious, Some(Now::Deleted)) => Ok(None),
                (Base::AfterPrevious, _) => Err(Error::Conflict(format!(
                    "{href}: an earlier change to it did not reach the server"
                ))),
            };
            let url = dav.url(&href)?;
            let outcome = match (expected, write) {
                (Err(e), _) => Err(e),
                (Ok(tag), Write::Put { ics, .. }) => {
                    let condition = match &tag {
                        Some(tag) => Condition::Replace(tag),
                        None => Condition::Create,
                    };
                    match dav.put(&url, ics, condition).await {
                        Ok(etag) => {
                            let etag = match etag {
                                Some(etag) => Some(etag),
                                None => dav.get(&url).await?.1,
                            };
                            let object = Object {
                                href: href.clone(),
                                etag: etag.clone(),
                                data: ics.clone(),
                            };
                            self.store
                                .put_object(&account.email, write.calendar(), &href, Some(&object))?;
                            Ok(Now::Stored(etag))
                        }
                        Err(e) => Err(e),
                    }
                }
                (Ok(tag), Write::Delete { .. }) => match dav.delete(&url, tag.as_deref()).await {
                    Ok(()) => Ok(Now::Deleted),
                    // Already gone: what the user wanted.
                    Err(e) if e.kind() == ErrorKind::NotFound && tag.is_none() => Ok(Now::Deleted),
                    Err(e) => Err(e),
                },
            };
            match outcome {
                Ok(state) => {
                    now.insert(href, state);
                    self.calendar_queue.done(queued.seq)?;
                }
                Err(e) if e.kind() == ErrorKind::Network => return Err(e),
                Err(e) => {
                    let e = match e.kind() {
                        ErrorKind::NotFound => Error::Conflict(format!("{href} was deleted on the server meanwhile")),
                        _ => e,
                    };
                    self.calendar_queue.fail(&queued, &e.to_string())?;
                    self.forget_sync_state(&account.email, write.calendar())?;
                    now.insert(href, Now::Refused);
                    refused.push((queued.seq, e));
                }
            }
        }
        Ok(refused)
    }

    /// Read a calendar whole at its next sync (after a refused write left the cache ahead of
    /// the server).
    fn forget_sync_state(&self, email: &str, calendar: &str) -> Result<()> {
        for mut state in self.store.calendars(email)? {
            if state.calendar.id == calendar {
                state.sync_token = None;
                state.ctag = None;
                self.store.put_calendars_state(email, &state)?;
            }
        }
        Ok(())
    }
}

/// The local day `date` starts, as an instant (the first instant of that day in `zone`).
fn day_start(date: chrono::NaiveDate, zone: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&chrono::Utc),
        // Midnight skipped by a change of offset: the day starts an hour later.
        chrono::LocalResult::None => zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&chrono::Utc)),
    }
}

impl Calame {
    /// The occurrences of events between two local dates (`to` included), recurrences
    /// expanded, from the cache (works offline); in every calendar, or in one. An object that
    /// does not read is skipped (it was reported when it was synced).
    pub fn events(
        &self,
        email: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        calendar: Option<&str>,
    ) -> Result<Vec<calendar::Occurrence>> {
        self.events_in(email, from, to, calendar, calendar::local_zone())
    }

    /// [`Calame::events`] with dates and times in `zone` rather than the local one.
    pub fn events_in(
        &self,
        email: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        calendar: Option<&str>,
        zone: chrono_tz::Tz,
    ) -> Result<Vec<calendar::Occurrence>> {
        Ok(self
            .detailed_events_in(email, from, to, calendar, zone)?
            .into_iter()
            .map(|d| d.occurrence)
            .collect())
    }

    /// [`Calame::events`] with what an event editor needs (description, RRULE, alarm).
    pub fn detailed_events(
        &self,
        email: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        calendar: Option<&str>,
    ) -> Result<Vec<calendar::DetailedOccurrence>> {
        self.detailed_events_in(email, from, to, calendar, calendar::local_zone())
    }

    fn detailed_events_in(
        &self,
        email: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        calendar: Option<&str>,
        zone: chrono_tz::Tz,
    ) -> Result<Vec<calendar::DetailedOccurrence>> {
        let account = self.account(Some(email))?;
        let start = day_start(from, zone);
        let end = day_start(to.succ_opt().unwrap_or(to), zone);
        let mut out = Vec::new();
        for state in self.store.calendars(&account.email)? {
            if calendar.is_some_and(|c| c != state.calendar.id) {
                continue;
            }
            for object in self.store.objects(&account.email, &state.calendar.id)? {
                let Ok(parsed) = calendar::parse(&object.data) else {
                    continue;
                };
                for mut detailed in calendar::detailed_occurrences(&parsed, start, end, zone) {
                    detailed.occurrence.calendar = state.calendar.id.clone();
                    out.push(detailed);
                }
            }
        }
        out.sort_by(|a, b| {
            (a.occurrence.start.cmp(&b.occurrence.start)).then_with(|| a.occurrence.uid.cmp(&b.occurrence.uid))
        });
        Ok(out)
    }

    /// The reminders (alarms) due in `(from, to]`, in every cached calendar.
    pub(crate) fn reminders_between(
        &self,
        email: &str,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<calendar::Reminder>> {
        let zone = calendar::local_zone();
        let mut out = Vec::new();
        for state in self.store.calendars(email)? {
            for object in self.store.objects(email, &state.calendar.id)? {
                let Ok(parsed) = calendar::parse(&object.data) else {
                    continue;
                };
                // Alarms come before their events: look at occurrences up to a week later.
                let window_end = to + chrono::Duration::days(7);
                out.extend(
                    calendar::reminders(&parsed, from - chrono::Duration::days(7), window_end, zone)
                        .into_iter()
                        .filter(|r| r.at > from && r.at <= to),
                );
            }
        }
        out.sort_by_key(|r| r.at);
        Ok(out)
    }

    /// Create an event in a calendar (the account as organiser when there are attendees);
    /// its UID. Sent now with a password, else queued.
    pub async fn add_event(
        &self,
        email: &str,
        calendar_id: &str,
        mut event: calendar::NewEvent,
        password: Option<&Secret<String>>,
    ) -> Result<String> {
        let account = self.account(Some(email))?;
        if !event.attendees.is_empty() && event.organizer.is_none() {
            event.organizer = Some(calendar::Person {
                email: account.email.clone(),
                name: account.name.clone(),
            });
        }
        let state = self
            .store
            .calendars(&account.email)?
            .into_iter()
            .find(|c| c.calendar.id == calendar_id)
            .ok_or_else(|| Error::NotFound(format!("no calendar {calendar_id}")))?;
        let (uid, ics) = calendar::new_event(&event)?;
        let href = super::imip::object_href(&state.href, &uid);
        self.write_calendar_object(&account.email, calendar_id, &href, Some(ics.clone()), password)
            .await?;
        // The attendees are invited (iMIP), through the outbox.
        self.invite(&account.email, &ics, "REQUEST", password).await?;
        Ok(uid)
    }

    /// Change an event: the whole series, or one occurrence (`occurrence`: its recurrence id
    /// as `cal events` shows it).
    pub async fn edit_event(
        &self,
        email: &str,
        uid: &str,
        occurrence: Option<&str>,
        change: &calendar::EventChange,
        password: Option<&Secret<String>>,
    ) -> Result<()> {
        let account = self.account(Some(email))?;
        let (calendar_id, object) = self.find_event(&account.email, uid)?;
        let ics = match occurrence {
            Some(when) => calendar::edit_occurrence(&object.data, when, change)?,
            None => calendar::edit_series(&object.data, change)?,
        };
        self.write_calendar_object(&account.email, &calendar_id, &object.href, Some(ics.clone()), password)
            .await?;
        // The attendees get the update (iMIP), when the user organises the event.
        self.invite(&account.email, &ics, "REQUEST", password).await?;
        Ok(())
    }

    /// Delete an event, or one occurrence of it.
    pub async fn delete_event(
        &self,
        email: &str,
        uid: &str,
        occurrence: Option<&str>,
        password: Option<&Secret<String>>,
    ) -> Result<()> {
        let account = self.account(Some(email))?;
        let (calendar_id, object) = self.find_event(&account.email, uid)?;
        let ics = match occurrence {
            Some(when) => Some(calendar::delete_occurrence(&object.data, when)?),
            None => None,
        };
        self.write_calendar_object(&account.email, &calendar_id, &object.href, ics.clone(), password)
            .await?;
        // The attendees are told (iMIP), when the user organises the event: the whole event
        // cancelled, or the series without the occurrence.
        match ics {
            None => self.invite(&account.email, &object.data, "CANCEL", password).await?,
            Some(ics) => self.invite(&account.email, &ics, "REQUEST", password).await?,
        };
        Ok(())
    }

    /// The cached object holding the event `uid`, and its calendar.
    pub(super) fn find_event(&self, email: &str, uid: &str) -> Result<(String, Object)> {
        for state in self.store.calendars(email)? {
            for object in self.store.objects(email, &state.calendar.id)? {
                if !object.data.contains(uid) {
                    continue;
                }
                if calendar::parse(&object.data).is_ok_and(|o| o.uid == uid) {
                    return Ok((state.calendar.id, object));
                }
            }
        }
        Err(Error::NotFound(format!(
            "no event {uid} in the cache (calame sync first)"
        )))
    }
}
