//! The one API the shells (CLI, desktop app, Android app) call.

use std::path::Path;
use std::sync::Mutex;

use crate::account::{Account, AccountSetup};
use crate::error::{Error, Result};
use crate::folder::Folder;
use crate::imap;
use crate::profile::Profile;
use crate::secret::{self, Secret};
use crate::store::Store;

/// An open profile: its accounts, its cache, and the operations on them.
#[derive(Debug)]
pub struct Calame {
    profile: Profile,
    store: Store,
    /// Serialises changes to the accounts file.
    accounts_write: Mutex<()>,
}

impl Calame {
    /// Open the profile at `dir` for the program named `holder` (shown to another process that
    /// finds the profile in use).
    pub fn open(dir: &Path, holder: &str) -> Result<Calame> {
        let profile = Profile::open(dir, holder)?;
        let store = Store::open(&profile.cache_dir())?;
        Ok(Calame {
            profile,
            store,
            accounts_write: Mutex::new(()),
        })
    }

    pub fn profile_dir(&self) -> &Path {
        self.profile.dir()
    }

    /// Whether the cache was found damaged or outdated on opening, and started afresh.
    pub fn cache_rebuilt(&self) -> bool {
        self.store.rebuilt
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.profile.accounts()
    }

    /// The account with this address, or the only/first one when `email` is `None`.
    pub fn account(&self, email: Option<&str>) -> Result<Account> {
        let accounts = self.accounts()?;
        match email {
            Some(e) => accounts
                .into_iter()
                .find(|a| a.email.eq_ignore_ascii_case(e))
                .ok_or_else(|| Error::NotFound(format!("no account {e} in this profile"))),
            None => accounts
                .into_iter()
                .next()
                .ok_or_else(|| Error::NotFound("no account in this profile (calame account add)".into())),
        }
    }

    /// Check the login, fetch and cache the folder list, then save the account (replacing one
    /// with the same address). With `remember`, the password goes to the OS keyring.
    pub async fn add_account(
        &self,
        setup: AccountSetup,
        password: &Secret<String>,
        remember: bool,
    ) -> Result<(Account, Vec<Folder>)> {
        let account = setup.into_account()?;
        let folders = self.fetch_folders(&account, password).await?;
        if remember {
            let email = account.email.clone();
            let password = password.clone();
            tokio::task::spawn_blocking(move || secret::store_password(&email, &password))
                .await
                .map_err(|e| Error::SecretStore(e.to_string()))??;
        }
        self.store.put_folders(&account.email, &folders)?;
        self.save_account(&account)?;
        Ok((account, folders))
    }

    fn save_account(&self, account: &Account) -> Result<()> {
        let _guard = self
            .accounts_write
            .lock()
            .map_err(|_| Error::storage(self.profile.dir(), "lock poisoned"))?;
        let mut accounts = self.profile.accounts()?;
        match accounts
            .iter_mut()
            .find(|a| a.email.eq_ignore_ascii_case(&account.email))
        {
            Some(existing) => *existing = account.clone(),
            None => accounts.push(account.clone()),
        }
        self.profile.save_accounts(&accounts)
    }

    /// The folders in the cache, of one account or all.
    pub fn folders(&self, email: Option<&str>) -> Result<Vec<Folder>> {
        self.store.folders(email)
    }

    /// Fetch an account's folder list from its server and cache it.
    pub async fn refresh_folders(&self, email: &str) -> Result<Vec<Folder>> {
        let account = self.account(Some(email))?;
        let password = password_for(&account.email).await?;
        let folders = self.fetch_folders(&account, &password).await?;
        self.store.put_folders(&account.email, &folders)?;
        Ok(folders)
    }

    async fn fetch_folders(&self, account: &Account, password: &Secret<String>) -> Result<Vec<Folder>> {
        let mut conn = imap::connect(account, password).await?;
        let folders = imap::list_folders(&mut conn, &account.email).await;
        conn.logout().await;
        folders
    }
}

/// The password for an account (environment, then keyring), off the async threads since the
/// keyring may block on D-Bus.
async fn password_for(email: &str) -> Result<Secret<String>> {
    let email = email.to_owned();
    tokio::task::spawn_blocking(move || secret::password_for(&email))
        .await
        .map_err(|e| Error::SecretStore(e.to_string()))?
}
