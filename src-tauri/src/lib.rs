//! The desktop and mobile shell: opens the profile through the core and exposes a few thin
//! commands to the web front-end. No logic lives here.

mod commands;

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
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::accounts,
            commands::folders,
            commands::refresh_folders,
            commands::ui_language
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the application stopped: {e}");
        std::process::exit(1);
    }
}
