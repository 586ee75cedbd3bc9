//! Calendars in the cache: per account its calendars with their sync state, and per calendar
//! the objects the server holds (href → ETag and iCalendar text), so the agenda works offline.
//! Keys: `account \0 calendar id` and `account \0 calendar id \0 href`.

use std::collections::BTreeMap;

use super::{account_prefix, Store};
use crate::caldav::{CalendarState, Changes, Object};
use crate::error::Result;

fn calendar_key(account: &str, id: &str) -> Vec<u8> {
    let mut k = account_prefix(account);
    k.extend_from_slice(id.as_bytes());
    k
}

fn objects_prefix(account: &str, id: &str) -> Vec<u8> {
    let mut k = calendar_key(account, id);
    k.push(0);
    k
}

impl Store {
    /// Replace an account's calendar list with what discovery found, keeping the sync state of
    /// the calendars already known; the objects of calendars that are gone go with them.
    pub fn put_calendars(&self, account: &str, found: &[CalendarState]) -> Result<Vec<CalendarState>> {
        let before = self.calendars(account)?;
        let mut kept = Vec::with_capacity(found.len());
        for state in found {
            let mut state = state.clone();
            if let Some(old) = before
                .iter()
                .find(|o| o.calendar.id == state.calendar.id && o.href == state.href)
            {
                state.sync_token = old.sync_token.clone();
                state.ctag = old.ctag.clone();
            }
            kept.push(state);
        }
        for gone in before
            .iter()
            .filter(|o| !kept.iter().any(|k| k.calendar.id == o.calendar.id))
        {
            self.remove_calendar(account, &gone.calendar.id)?;
        }
        for state in &kept {
            self.put_calendar_state(account, state)?;
        }
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(kept)
    }

    pub fn calendars(&self, account: &str) -> Result<Vec<CalendarState>> {
        let mut out = Vec::new();
        for item in self.calendars.scan_prefix(account_prefix(account)) {
            let (_, value) = item.map_err(|e| self.err(e))?;
            match serde_json::from_slice::<CalendarState>(&value) {
                Ok(c) => out.push(c),
                Err(e) => tracing::warn!("skipping an unreadable calendar record: {e}"),
            }
        }
        Ok(out)
    }

    /// Record one calendar's sync state.
    pub fn put_calendars_state(&self, account: &str, state: &CalendarState) -> Result<()> {
        self.put_calendar_state(account, state)?;
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    fn put_calendar_state(&self, account: &str, state: &CalendarState) -> Result<()> {
        let value = serde_json::to_vec(state).map_err(|e| self.err(e))?;
        self.calendars
            .insert(calendar_key(account, &state.calendar.id), value)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn remove_calendar(&self, account: &str, id: &str) -> Result<()> {
        self.calendars
            .remove(calendar_key(account, id))
            .map_err(|e| self.err(e))?;
        let mut batch = sled::Batch::default();
        for key in self.cal_objects.scan_prefix(objects_prefix(account, id)).keys() {
            batch.remove(key.map_err(|e| self.err(e))?);
        }
        self.cal_objects.apply_batch(batch).map_err(|e| self.err(e))
    }

    /// The ETags of a calendar's cached objects, by href.
    pub fn object_etags(&self, account: &str, id: &str) -> Result<BTreeMap<String, Option<String>>> {
        Ok(self
            .objects(account, id)?
            .into_iter()
            .map(|o| (o.href, o.etag))
            .collect())
    }

    /// A calendar's cached objects.
    pub fn objects(&self, account: &str, id: &str) -> Result<Vec<Object>> {
        let mut out = Vec::new();
        for item in self.cal_objects.scan_prefix(objects_prefix(account, id)) {
            let (_, value) = item.map_err(|e| self.err(e))?;
            match postcard::from_bytes::<Object>(&value) {
                Ok(o) => out.push(o),
                Err(e) => tracing::warn!("skipping an unreadable calendar object record: {e}"),
            }
        }
        Ok(out)
    }

    /// Record a sync's changes and the calendar's new state, in one batch.
    pub fn apply_calendar_changes(&self, account: &str, state: &CalendarState, changes: &Changes) -> Result<()> {
        let prefix = objects_prefix(account, &state.calendar.id);
        let mut batch = sled::Batch::default();
        for href in &changes.removed {
            let mut key = prefix.clone();
            key.extend_from_slice(href.as_bytes());
            batch.remove(key);
        }
        for object in &changes.upserted {
            let mut key = prefix.clone();
            key.extend_from_slice(object.href.as_bytes());
            batch.insert(key, postcard::to_stdvec(object).map_err(|e| self.err(e))?);
        }
        self.cal_objects.apply_batch(batch).map_err(|e| self.err(e))?;
        self.put_calendar_state(account, state)?;
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Put one object (after a write of ours) or remove it (`data` None).
    pub fn put_object(&self, account: &str, id: &str, href: &str, object: Option<&Object>) -> Result<()> {
        let mut key = objects_prefix(account, id);
        key.extend_from_slice(href.as_bytes());
        match object {
            Some(o) => {
                self.cal_objects
                    .insert(key, postcard::to_stdvec(o).map_err(|e| self.err(e))?)
                    .map_err(|e| self.err(e))?;
            }
            None => {
                self.cal_objects.remove(key).map_err(|e| self.err(e))?;
            }
        }
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }
}
