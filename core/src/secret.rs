//! Passwords: held in [`Secret`] so they never reach a log, kept in the OS keyring, or given for
//! one run through `CALAME_PASSWORD` (never written anywhere).

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};

/// A value that does not print itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret itself; call this only where it is sent to a server or a keyring.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The environment variable that supplies a password for a single run.
pub const PASSWORD_ENV: &str = "CALAME_PASSWORD";

const SERVICE: &str = "calame";

/// The password given in the environment for this run, if any.
pub fn password_from_env() -> Option<Secret<String>> {
    std::env::var(PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new)
}

fn keyring_user(email: &str) -> String {
    format!("imap:{email}")
}

/// Store an account's password in the OS keyring.
pub fn store_password(email: &str, password: &Secret<String>) -> Result<()> {
    entry(email)?.set_password(password.expose()).map_err(keyring_error)
}

/// The account's password from the OS keyring; `Ok(None)` when none is stored.
pub fn stored_password(email: &str) -> Result<Option<Secret<String>>> {
    match entry(email)?.get_password() {
        Ok(p) => Ok(Some(Secret::new(p))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    }
}

/// Remove the account's password from the keyring (nothing stored is fine).
pub fn forget_password(email: &str) -> Result<()> {
    match entry(email)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(e)),
    }
}

/// The password for an account: `CALAME_PASSWORD` first, then the keyring.
pub fn password_for(email: &str) -> Result<Secret<String>> {
    if let Some(p) = password_from_env() {
        return Ok(p);
    }
    stored_password(email)?.ok_or_else(|| Error::NoPassword {
        email: email.to_owned(),
    })
}

fn entry(email: &str) -> Result<keyring_core::Entry> {
    let store = platform_store()?;
    keyring_core::Entry::new_in_store(&store, SERVICE, &keyring_user(email)).map_err(keyring_error)
}

fn keyring_error(e: keyring_core::Error) -> Error {
    Error::SecretStore(e.to_string())
}

/// The platform's credential store, opened once. A missing store is a clear error, never a
/// silent in-memory fallback.
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>> {
    static STORE: OnceLock<std::result::Result<Arc<keyring_core::CredentialStore>, String>> = OnceLock::new();
    STORE
        .get_or_init(open_platform_store)
        .clone()
        .map_err(Error::SecretStore)
}

#[cfg(target_os = "linux")]
fn open_platform_store() -> std::result::Result<Arc<keyring_core::CredentialStore>, String> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn open_platform_store() -> std::result::Result<Arc<keyring_core::CredentialStore>, String> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(target_os = "android")]
fn open_platform_store() -> std::result::Result<Arc<keyring_core::CredentialStore>, String> {
    let store = android_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "android")))]
fn open_platform_store() -> std::result::Result<Arc<keyring_core::CredentialStore>, String> {
    Err("this platform has no supported credential store".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_does_not_print() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }
}
