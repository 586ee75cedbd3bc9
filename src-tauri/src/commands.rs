//! The commands the front-end invokes: take the input, call the core, map the error.

use calame_core::{AccountSummary, AppError, Folder, Lang};
use tauri::State;

use crate::AppState;

#[tauri::command]
pub fn accounts(state: State<'_, AppState>) -> Result<Vec<AccountSummary>, AppError> {
    let calame = state.calame()?;
    let accounts = calame.accounts().map_err(|e| AppError::new(&e, state.lang))?;
    Ok(accounts.iter().map(AccountSummary::from).collect())
}

/// All accounts' folders from the local cache: instant, and available offline.
#[tauri::command]
pub fn folders(state: State<'_, AppState>) -> Result<Vec<Folder>, AppError> {
    state.calame()?.folders(None).map_err(|e| AppError::new(&e, state.lang))
}

/// One account's folders fetched from its server (and cached).
#[tauri::command]
pub async fn refresh_folders(state: State<'_, AppState>, account: String) -> Result<Vec<Folder>, AppError> {
    state
        .calame()?
        .refresh_folders(&account)
        .await
        .map_err(|e| AppError::new(&e, state.lang))
}

/// The language of the interface: French unless the environment asks for English.
#[tauri::command]
pub fn ui_language(state: State<'_, AppState>) -> Lang {
    state.lang
}
