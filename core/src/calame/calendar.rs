//! The calendar side of an account: discovery, sync into the cache, and the calendars from it.

use serde::Serialize;
use ts_rs::TS;

use super::Calame;
use crate::caldav::{self, http::Dav, Calendar};
use crate::error::Result;
use crate::secret::Secret;

/// What a calendar sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CalendarSync {
    pub calendars: u32,
    pub objects_new: u64,
    pub objects_changed: u64,
    pub objects_removed: u64,
    /// HTTP round trips, discovery included.
    pub requests: u32,
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
        let mut states = self.store.calendars(&account.email)?;
        if states.is_empty() {
            let found = caldav::discover(&dav).await?;
            report.requests += 4;
            states = self.store.put_calendars(&account.email, &found)?;
        }
        for mut state in states {
            let known = self.store.object_etags(&account.email, &state.calendar.id)?;
            let changes = caldav::sync_calendar(&dav, &state, &known).await?;
            report.calendars += 1;
            report.requests += changes.requests;
            report.objects_removed += changes.removed.iter().filter(|h| known.contains_key(*h)).count() as u64;
            for object in &changes.upserted {
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
        Ok(report)
    }
}
