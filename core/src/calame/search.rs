//! Search: the local index of every cached folder and, on request, IMAP SEARCH for what the
//! cache lacks (messages not synced yet, bodies never fetched), merged and ranked together.

use std::collections::BTreeSet;

use super::{find_folder, password_for, Calame};
use crate::account::Account;
use crate::error::{Error, ErrorKind, Result};
use crate::folder::Folder;
use crate::imap::{self, Connection, SearchKey};
use crate::search::{self, Field, Query, SearchHit, SearchRequest, Searched};
use crate::secret::Secret;

impl Calame {
    /// An account's messages that match `request.query`, newest first: from the local index
    /// of every folder, own and shared (or of `request.folder`); with `request.server`, also
    /// what the server finds (which needs `online`, and the password).
    pub async fn search(&self, email: &str, request: &SearchRequest, online: bool) -> Result<Vec<SearchHit>> {
        if !request.server {
            return self.search_on(email, request, None).await;
        }
        if !online {
            return Err(Error::BadInput(
                "a server search (--server) needs the server: it cannot run offline (--offline)".into(),
            ));
        }
        let password = password_for(email).await?;
        self.search_on(email, request, Some(&password)).await
    }

    /// [`Calame::search`] online, with the password given by the caller.
    pub async fn search_with(
        &self,
        email: &str,
        request: &SearchRequest,
        password: &Secret<String>,
    ) -> Result<Vec<SearchHit>> {
        self.search_on(email, request, Some(password)).await
    }

    async fn search_on(
        &self,
        email: &str,
        request: &SearchRequest,
        password: Option<&Secret<String>>,
    ) -> Result<Vec<SearchHit>> {
        let query = Query::parse(&request.query)?;
        let account = self.account(Some(email))?;
        let folders = self.searched_folders(&account.email, request.folder.as_deref())?;
        let want = request.offset.saturating_add(request.limit);
        let mut hits = search::local(&self.store, &self.cached(&account.email, &folders)?, &query, want)?;
        if let Some(password) = password.filter(|_| request.server && want > 0) {
            let known = hits.iter().map(|h| (h.folder.clone(), h.envelope.uid)).collect();
            let wanted = ServerQuery {
                criteria: criteria(&query),
                want,
                known,
            };
            let found = self.server_hits(&account, password, &folders, &wanted).await?;
            hits.extend(found);
        }
        Ok(search::rank(hits, request.offset, request.limit))
    }

    /// The folder named, or every selectable folder of the account.
    fn searched_folders(&self, email: &str, only: Option<&str>) -> Result<Vec<Folder>> {
        let folders = self.store.folders(Some(email))?;
        Ok(match only {
            Some(name) => vec![find_folder(&folders, name)?.clone()],
            None => folders.into_iter().filter(|f| f.selectable).collect(),
        })
    }

    /// The folders that have a cached copy, with its id.
    fn cached(&self, email: &str, folders: &[Folder]) -> Result<Vec<Searched>> {
        let mut out = Vec::with_capacity(folders.len());
        for f in folders {
            if let Some(state) = self.store.folder_state(email, raw_name(f))? {
                out.push(Searched {
                    name: f.name.clone(),
                    id: state.id,
                });
            }
        }
        Ok(out)
    }

    /// What the server finds in each folder, over one connection, less what is `known`.
    async fn server_hits(
        &self,
        account: &Account,
        password: &Secret<String>,
        folders: &[Folder],
        wanted: &ServerQuery<'_>,
    ) -> Result<Vec<SearchHit>> {
        let mut conn = imap::connect(account, password).await?;
        let mut out = Vec::new();
        let mut result = Ok(());
        for folder in folders.iter().filter(|f| f.selectable) {
            result = self
                .server_folder(&mut conn, &account.email, folder, wanted, &mut out)
                .await;
            if result.is_err() {
                break;
            }
        }
        conn.logout().await;
        result.map(|()| out)
    }

    async fn server_folder(
        &self,
        conn: &mut Connection,
        email: &str,
        folder: &Folder,
        wanted: &ServerQuery<'_>,
        out: &mut Vec<SearchHit>,
    ) -> Result<()> {
        let raw = raw_name(folder);
        match imap::select_plain(conn, raw).await {
            Err(e) if e.kind() == ErrorKind::Refused => {
                tracing::warn!("search: {} cannot be searched on the server: {e}", folder.name);
                return Ok(());
            }
            selected => selected?,
        }
        let found = imap::uid_search_text(conn, &wanted.criteria).await?;
        let cached = self.store.folder_state(email, raw)?.map(|s| s.id);
        let mut missing = Vec::new();
        for uid in found.into_iter().rev().take(wanted.want) {
            if wanted.known.contains(&(folder.name.clone(), uid)) {
                continue;
            }
            let envelope = match cached {
                Some(id) => self.store.envelope(id, uid)?,
                None => None,
            };
            match envelope {
                Some(envelope) => out.push(hit(folder, envelope)),
                None => missing.push(uid),
            }
        }
        if let Some(set) = imap::uid_set(&missing) {
            for envelope in imap::fetch_envelopes(conn, &set, false).await? {
                if missing.contains(&envelope.uid) {
                    out.push(hit(folder, envelope));
                }
            }
        }
        Ok(())
    }
}

/// A server search: its criteria, how many hits per folder, and the hits already found
/// locally (folder, UID).
struct ServerQuery<'a> {
    criteria: Vec<(SearchKey, &'a str)>,
    want: usize,
    known: BTreeSet<(String, u32)>,
}

/// The query's terms as IMAP SEARCH criteria, as typed (the server compares in its own way).
fn criteria(query: &Query) -> Vec<(SearchKey, &str)> {
    query
        .terms
        .iter()
        .map(|t| {
            let key = match t.field {
                Field::Any => SearchKey::Text,
                Field::From => SearchKey::From,
                Field::To => SearchKey::ToOrCc,
                Field::Subject => SearchKey::Subject,
                Field::Body => SearchKey::Body,
            };
            (key, t.text.as_str())
        })
        .collect()
}

fn raw_name(folder: &Folder) -> &str {
    folder.raw_name.as_deref().unwrap_or(&folder.name)
}

fn hit(folder: &Folder, envelope: crate::envelope::Envelope) -> SearchHit {
    SearchHit {
        folder: folder.name.clone(),
        envelope,
    }
}
