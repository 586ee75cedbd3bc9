//! CalDAV (RFC 4791) as the calendar side of an account: discovery of the user's own calendars
//! and of those shared with them, and incremental sync of their objects (sync-collection,
//! RFC 6578, with the ctag/ETag comparison as fallback). Protocol only: what is synced goes to
//! the cache (`store/calendars.rs`); reading events out of it is `calendar`'s business.

pub mod http;
pub mod xml;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, ErrorKind, Result};
use http::Dav;
use xml::{Response, APPLE_ICAL, CALDAV, CALSERVER, DAV};

/// A calendar as `cal calendars --json` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Calendar {
    /// Its path on the server without the outer slashes (`alice/calendar`, `accueil/calendar`).
    pub id: String,
    pub name: String,
    /// The owning user or service (the principal's name).
    pub owner: Option<String>,
    /// Not in the user's own calendar home.
    pub shared: bool,
    pub writable: bool,
    pub color: Option<String>,
}

/// A calendar with what sync needs to remember about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarState {
    pub calendar: Calendar,
    /// Its collection's path on the server.
    pub href: String,
    /// The collection's ctag at the last sync (fallback comparison).
    pub ctag: Option<String>,
    /// The token of the last sync-collection report; `None` before the first.
    pub sync_token: Option<String>,
    /// Whether the server offers sync-collection on it.
    pub can_sync_collection: bool,
}

/// What the server holds at `href`: its version and its iCalendar text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub href: String,
    pub etag: Option<String>,
    pub data: String,
}

/// A change to a calendar object, queued durably until the server has it (written to the
/// cache at once, so the agenda shows it offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum Write {
    Put {
        calendar: String,
        href: String,
        ics: String,
        base: Base,
    },
    Delete {
        calendar: String,
        href: String,
        base: Base,
    },
}

impl Write {
    pub fn href(&self) -> &str {
        match self {
            Write::Put { href, .. } | Write::Delete { href, .. } => href,
        }
    }

    pub fn calendar(&self) -> &str {
        match self {
            Write::Put { calendar, .. } | Write::Delete { calendar, .. } => calendar,
        }
    }
}

/// What a write expects the server to hold: nothing yet, the version the user saw, or
/// whatever an earlier queued write of the same object leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    New,
    Etag(String),
    AfterPrevious,
}

/// What changed in a calendar since the last sync.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub upserted: Vec<Object>,
    pub removed: Vec<String>,
    /// Everything the server holds was listed: what is not in it is gone.
    pub complete: bool,
    /// The calendar's state after these changes.
    pub ctag: Option<String>,
    pub sync_token: Option<String>,
    /// Round trips this sync took.
    pub requests: u32,
}

/// Objects fetched per calendar-multiget report.
const MULTIGET_BATCH: usize = 200;

const CALENDAR_PROPS: [(&str, &str); 8] = [
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (APPLE_ICAL, "calendar-color"),
    (DAV, "current-user-privilege-set"),
    (CALSERVER, "getctag"),
    (DAV, "sync-token"),
    (CALDAV, "supported-calendar-component-set"),
    (DAV, "owner"),
];

/// Find the user's calendars: `/.well-known/caldav`, the current user's principal, its
/// calendar home; then the other principals' homes the server lets the user see (a service's
/// calendar shared through rights), marked shared.
pub async fn discover(dav: &Dav) -> Result<Vec<CalendarState>> {
    let start = dav.well_known().await?;
    let principal = follow(dav, &start, DAV, "current-user-principal")
        .await?
        .unwrap_or_else(|| start.clone());
    let home = follow(dav, &principal, CALDAV, "calendar-home-set")
        .await?
        .unwrap_or_else(|| principal.clone());
    let mut calendars = calendars_in(dav, &home, false).await?;
    // Other homes: the collections beside the user's own that the server shows.
    let parent = home.join("..").map_err(|e| Error::Protocol(e.to_string()))?;
    if parent.path() != home.path() {
        let beside = match dav.propfind(&parent, 1, &[(DAV, "resourcetype")]).await {
            Ok(ms) => ms.responses,
            Err(e) if matches!(e.kind(), ErrorKind::Refused | ErrorKind::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        for other in beside {
            let Ok(url) = dav.url(&other.href) else { continue };
            if url.path() == home.path() || url.path() == parent.path() || url.path() == principal.path() {
                continue;
            }
            if !other
                .prop(DAV, "resourcetype")
                .is_some_and(|p| p.has(DAV, "collection"))
            {
                continue;
            }
            match calendars_in(dav, &url, true).await {
                Ok(found) => calendars.extend(found),
                Err(e) if matches!(e.kind(), ErrorKind::Refused | ErrorKind::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    calendars.sort_by(|a, b| (a.calendar.shared, &a.calendar.id).cmp(&(b.calendar.shared, &b.calendar.id)));
    Ok(calendars)
}

/// The URL a property of `url` points to (its first href), if the server gives one.
async fn follow(dav: &Dav, url: &Url, ns: &str, name: &str) -> Result<Option<Url>> {
    let found = dav.propfind(url, 0, &[(ns, name)]).await?;
    found
        .responses
        .iter()
        .find_map(|r| r.prop(ns, name)?.hrefs.first().cloned())
        .map(|href| dav.url(&href))
        .transpose()
}

/// The event calendars directly inside a collection.
async fn calendars_in(dav: &Dav, home: &Url, shared: bool) -> Result<Vec<CalendarState>> {
    let listing = dav.propfind(home, 1, &CALENDAR_PROPS).await?;
    Ok(listing
        .responses
        .iter()
        .filter_map(|r| calendar_of(dav, r, shared))
        .collect())
}

fn calendar_of(dav: &Dav, r: &Response, shared: bool) -> Option<CalendarState> {
    let kind = r.prop(DAV, "resourcetype")?;
    if !kind.has(CALDAV, "calendar") {
        return None;
    }
    // A calendar of tasks only is not an agenda.
    if let Some(set) = r.prop(CALDAV, "supported-calendar-component-set") {
        if !set.names.is_empty() && !set.names.iter().any(|(_, n)| n.as_deref() == Some("VEVENT")) {
            return None;
        }
    }
    let path = dav.url(&r.href).ok()?.path().to_owned();
    let id = percent_decode(path.trim_matches('/'));
    let writable = r
        .prop(DAV, "current-user-privilege-set")
        .is_none_or(|p| p.has(DAV, "write") || p.has(DAV, "write-content") || p.has(DAV, "all") || p.has(DAV, "bind"));
    let owner = r
        .prop(DAV, "owner")
        .and_then(|p| p.hrefs.first())
        .map(|h| percent_decode(h.trim_matches('/').rsplit('/').next().unwrap_or(h)))
        .or_else(|| id.split('/').next().map(str::to_owned))
        .filter(|o| !o.is_empty());
    let name = r
        .text(DAV, "displayname")
        .map(str::to_owned)
        .unwrap_or_else(|| id.rsplit('/').next().unwrap_or(&id).to_owned());
    let color = r.text(APPLE_ICAL, "calendar-color").map(str::to_owned);
    Some(CalendarState {
        calendar: Calendar {
            id,
            name,
            owner,
            shared,
            writable,
            color,
        },
        href: path,
        // The sync state: nothing is synced yet (a ctag seen now says nothing of the cache).
        ctag: None,
        sync_token: None,
        can_sync_collection: r.text(DAV, "sync-token").is_some(),
    })
}

/// What changed in `state`'s calendar since its last sync, given the ETags the cache holds
/// (`known`, by href). With sync-collection: one report (plus the fetch of what changed); a
/// token the server no longer accepts starts over. Without: the ctag, then the ETags listed.
pub async fn sync_calendar(
    dav: &Dav,
    state: &CalendarState,
    known: &BTreeMap<String, Option<String>>,
) -> Result<Changes> {
    let url = dav.url(&state.href)?;
    let mut changes = Changes::default();
    let mut listed: Vec<(String, Option<String>)> = Vec::new();
    if state.can_sync_collection {
        let report = match dav
            .report(&url, 1, xml::sync_collection(state.sync_token.as_deref()))
            .await
        {
            Ok(report) => report,
            // RFC 6578 §3.2: an unknown or expired token is refused (403/409): start over.
            Err(e) if state.sync_token.is_some() && matches!(e.kind(), ErrorKind::Refused | ErrorKind::Conflict) => {
                changes.requests += 1;
                changes.complete = true;
                dav.report(&url, 1, xml::sync_collection(None)).await?
            }
            Err(e) => return Err(e),
        };
        changes.requests += 1;
        changes.complete |= state.sync_token.is_none();
        changes.sync_token = report.sync_token.clone().or_else(|| state.sync_token.clone());
        for r in &report.responses {
            let Some(href) = member_href(dav, &url, &r.href) else {
                continue;
            };
            if r.status == Some(404) {
                changes.removed.push(href);
            } else {
                listed.push((href, r.text(DAV, "getetag").map(str::to_owned)));
            }
        }
    } else {
        if state.ctag.is_some() {
            let now = dav.propfind(&url, 0, &[(CALSERVER, "getctag")]).await?;
            changes.requests += 1;
            let ctag = now
                .responses
                .iter()
                .find_map(|r| r.text(CALSERVER, "getctag").map(str::to_owned));
            if ctag.is_some() && ctag == state.ctag {
                changes.ctag = ctag;
                return Ok(changes);
            }
        }
        let listing = dav
            .propfind(
                &url,
                1,
                &[(DAV, "getetag"), (CALSERVER, "getctag"), (DAV, "resourcetype")],
            )
            .await?;
        changes.requests += 1;
        changes.complete = true;
        for r in &listing.responses {
            match member_href(dav, &url, &r.href) {
                Some(href) => listed.push((href, r.text(DAV, "getetag").map(str::to_owned))),
                None => changes.ctag = r.text(CALSERVER, "getctag").map(str::to_owned),
            }
        }
    }
    if changes.complete {
        let present: BTreeSet<&String> = listed.iter().map(|(h, _)| h).collect();
        changes
            .removed
            .extend(known.keys().filter(|h| !present.contains(h)).cloned());
    }
    let wanted: Vec<String> = listed
        .into_iter()
        .filter(|(href, etag)| etag.is_none() || known.get(href) != Some(etag))
        .map(|(href, _)| href)
        .collect();
    for batch in wanted.chunks(MULTIGET_BATCH) {
        let report = dav.report(&url, 1, xml::calendar_multiget(batch)).await?;
        changes.requests += 1;
        for r in report.responses {
            let Some(href) = member_href(dav, &url, &r.href) else {
                continue;
            };
            let Some(data) = r.prop(CALDAV, "calendar-data").map(|p| p.text.clone()) else {
                continue;
            };
            changes.upserted.push(Object {
                href,
                etag: r.text(DAV, "getetag").map(str::to_owned),
                data,
            });
        }
    }
    Ok(changes)
}

/// A member of the collection at `collection`, as a path; the collection itself or anything
/// outside it is not a member.
fn member_href(dav: &Dav, collection: &Url, href: &str) -> Option<String> {
    let url = dav.url(href).ok()?;
    let path = url.path();
    (path.starts_with(collection.path()) && path.len() > collection.path().len() && !path.ends_with('/'))
        .then(|| path.to_owned())
}

/// `%20` → space, for names shown to the user (invalid sequences are left as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes.get(i), hex(i + 1), hex(i + 2)) {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(b), _, _) => {
                out.push(*b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}
