//! The desktop and mobile shell: opens the profile through the core and exposes a few thin
//! commands to the web front-end. No logic lives here.

mod commands;
mod watch;

use calame_core::{AppError, Calame, Error, Lang};

/// What the commands share: the open profile, or why it could not be opened (shown by the UI).
pub struct AppState {
    calame: Result<Calame, Error>,
    lang: Lang,
}

impl AppState {
    fn calame(&self) -> Result<&Calame, AppError> {
        self.calame.as_ref().map_err(|e| AppError::new(e, self.lang))
    }
}

/// Run `task` on a current-thread runtime of its own, on a blocking thread: for the core's
/// futures that are not `Send` (sync and watch callbacks). A runtime that cannot start, or a
/// task that panics, is an error of kind `other`.
pub(crate) async fn on_own_runtime<T, F, Fut>(app: tauri::AppHandle, task: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(tauri::AppHandle) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(other)?;
        runtime.block_on(task(app))
    })
    .await;
    joined.map_err(other)?
}

pub(crate) fn other(e: impl std::fmt::Display) -> AppError {
    AppError {
        kind: calame_core::ErrorKind::Other,
        message: e.to_string(),
        fingerprint: None,
    }
}

fn open_profile() -> Result<Calame, Error> {
    let dir = calame_core::profile::default_dir()
        .ok_or_else(|| Error::BadInput("no profile directory: set CALAME_PROFILE".into()))?;
    Calame::open(&dir, "Calame (application)")
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALAME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let state = AppState {
        calame: open_profile(),
        lang: Lang::from_env(),
    };
    if let Err(e) = &state.calame {
        tracing::error!("cannot open the profile: {e}");
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            watch::start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::accounts,
            commands::add_account,
            commands::discover_account,
            commands::folders,
            commands::refresh_folders,
            commands::list_messages,
            commands::read_message,
            commands::allow_remote,
            commands::act,
            commands::search,
            commands::sync_account,
            commands::send,
            commands::outbox,
            commands::flush_outbox,
            commands::compose_answer,
            commands::compose_draft,
            commands::save_draft,
            commands::drafts,
            commands::delete_draft,
            commands::known_addresses,
            commands::retry_outbox,
            commands::drop_outbox,
            commands::identities,
            commands::set_identity,
            commands::remove_identity,
            commands::save_attachment,
            commands::open_attachment,
            commands::calendars,
            commands::events,
            commands::add_event,
            commands::edit_event,
            commands::delete_event,
            commands::respond,
            commands::ui_language
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the application stopped: {e}");
        std::process::exit(1);
    }
}
