//! Core events pushed to the window: one `watch` per account, started with the app, each
//! [`Event`] emitted as the Tauri event `core-event`, and a notification for new mail and
//! reminders. A click on a notification shows the window and asks it (`open-item`) to open the
//! message or the event (Linux, through notify-rust: the notification plugin passes no click
//! on; elsewhere the plugin shows it). A watch that fails is logged; the app goes on.

use std::sync::atomic::{AtomicUsize, Ordering};

use calame_core::{Event, Lang, OpenItem};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::AppState;

/// The Tauri event that carries each core [`Event`].
pub const CORE_EVENT: &str = "core-event";

/// The Tauri event asking the window to open what a clicked notification was about.
pub const OPEN_ITEM: &str = "open-item";

/// Notifications waiting for a click, each on a thread of its own: beyond this many (a burst
/// of new mail), the next ones are shown without waiting.
const WAITING_AT_MOST: usize = 8;
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Start watching every account of the profile in the background.
pub fn start(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(calame) = state.calame.as_ref() else {
        return;
    };
    let accounts = match calame.accounts() {
        Ok(accounts) => accounts,
        Err(e) => {
            tracing::error!("no accounts to watch: {e}");
            return;
        }
    };
    for account in accounts {
        let email = account.email;
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let watched = email.clone();
            let result = crate::on_own_runtime(app, move |app| async move {
                watch(app, watched).await;
                Ok(())
            })
            .await;
            if let Err(e) = result {
                tracing::error!("watching {email} could not run: {}", e.message);
            }
        });
    }
}

async fn watch(app: AppHandle, email: String) {
    let state = app.state::<AppState>();
    let Ok(calame) = state.calame.as_ref() else {
        return;
    };
    let lang = state.lang;
    let result = calame
        .watch_stored(&email, |event| {
            if let Some((title, body)) = notification(&event, lang) {
                notify(&app, title, body, OpenItem::of(&event), lang);
            }
            if let Err(e) = app.emit(CORE_EVENT, &event) {
                tracing::warn!("core event not delivered: {e}");
            }
        })
        .await;
    if let Err(e) = result {
        tracing::error!("watching {email} stopped: {e}");
    }
}

/// Show a notification; on Linux, wait (on a thread) for its click, which opens `open`.
fn notify(app: &AppHandle, title: String, body: String, open: Option<OpenItem>, lang: Lang) {
    #[cfg(target_os = "linux")]
    if let Some(open) = open.clone() {
        if WAITING.fetch_add(1, Ordering::SeqCst) < WAITING_AT_MOST {
            let app = app.clone();
            let label = match lang {
                Lang::Fr => "Ouvrir",
                Lang::En => "Open",
            };
            let spawned = std::thread::Builder::new().name("notification".into()).spawn(move || {
                let shown = notify_rust::Notification::new()
                    .appname("Calame")
                    .summary(&title)
                    .body(&body)
                    .action("default", label)
                    .show();
                match shown {
                    Ok(handle) => handle.wait_for_action(|action| {
                        if action == "default" {
                            open_item(&app, &open);
                        }
                    }),
                    Err(e) => tracing::warn!("notification not shown: {e}"),
                }
                WAITING.fetch_sub(1, Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                WAITING.fetch_sub(1, Ordering::SeqCst);
                tracing::warn!("notification not shown: {e}");
            }
            return;
        }
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
    let _ = (&open, lang);
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!("notification not shown: {e}");
    }
}

/// Bring the window forward and ask it to open `item`.
fn open_item(app: &AppHandle, item: &OpenItem) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Err(e) = app.emit(OPEN_ITEM, item) {
        tracing::warn!("{OPEN_ITEM} not delivered: {e}");
    }
}

/// The title and text of the notification an event deserves, if any.
fn notification(event: &Event, lang: Lang) -> Option<(String, String)> {
    match event {
        Event::NewMail {
            account,
            folder,
            from,
            subject,
            ..
        } => {
            let who = from.as_ref().map(|a| {
                a.name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| a.email.clone())
            });
            let (title, unknown, no_subject) = match lang {
                Lang::Fr => ("Nouveau message", "Expéditeur inconnu", "(sans objet)"),
                Lang::En => ("New message", "Unknown sender", "(no subject)"),
            };
            let subject = subject.as_deref().filter(|s| !s.is_empty()).unwrap_or(no_subject);
            Some((
                format!("{title} — {account} ({folder})"),
                format!("{}{}{subject}", who.as_deref().unwrap_or(unknown), separator(lang)),
            ))
        }
        Event::Reminder { summary, start, .. } => {
            let (title, untitled, at) = match lang {
                Lang::Fr => ("Rappel", "(sans titre)", "à"),
                Lang::En => ("Reminder", "(untitled)", "at"),
            };
            let summary = summary.as_deref().filter(|s| !s.is_empty()).unwrap_or(untitled);
            Some((title.to_owned(), format!("{summary} {at} {}", when(start))))
        }
        _ => None,
    }
}

/// French puts a space before the colon; English does not.
fn separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " : ",
        Lang::En => ": ",
    }
}

/// `2027-03-15T09:00:00+01:00` → `2027-03-15 09:00`; an all-day date as it is.
fn when(start: &str) -> String {
    match chrono_like(start) {
        Some((date, time)) => format!("{date} {time}"),
        None => start.to_owned(),
    }
}

fn chrono_like(start: &str) -> Option<(&str, &str)> {
    let (date, rest) = start.split_once('T')?;
    let time = rest.get(..5)?;
    Some((date, time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calame_core::Address;

    #[test]
    fn new_mail_and_reminders_notify_in_french_by_default() {
        let mail = Event::NewMail {
            account: "alice@mairie.fr".into(),
            folder: "INBOX".into(),
            uid: 7,
            from: Some(Address {
                name: Some("Bob".into()),
                email: "bob@mairie.fr".into(),
            }),
            subject: Some("Réunion".into()),
        };
        let (title, body) = notification(&mail, Lang::Fr).unwrap();
        assert_eq!(title, "Nouveau message — alice@mairie.fr (INBOX)");
        assert_eq!(body, "Bob : Réunion");
        let (_, body) = notification(&mail, Lang::En).unwrap();
        assert_eq!(body, "Bob: Réunion");
        let reminder = Event::Reminder {
            account: "alice@mairie.fr".into(),
            uid: "u1".into(),
            summary: Some("Conseil".into()),
            start: "2027-03-15T18:00:00+01:00".into(),
        };
        assert_eq!(
            notification(&reminder, Lang::Fr).unwrap(),
            ("Rappel".to_owned(), "Conseil à 2027-03-15 18:00".to_owned())
        );
        assert!(notification(&Event::Ready, Lang::Fr).is_none());
    }
}
