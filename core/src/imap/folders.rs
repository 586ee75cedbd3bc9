//! The folder list: LIST (with LIST-STATUS and SPECIAL-USE where offered), NAMESPACE for
//! owners, MYRIGHTS for rights. Commands are pipelined: one round trip for all folders.

use std::collections::{BTreeMap, BTreeSet};

use async_imap::imap_proto::{MailboxDatum, NameAttribute, Response, Status, StatusAttribute};

use super::namespace::Namespaces;
use super::{imap_error, raw, utf7, Connection};
use crate::error::{Error, Result};
use crate::folder::{Folder, Role};

/// Every right RFC 4314 defines, assumed on servers without ACL (the server still enforces).
pub const ALL_RIGHTS: &str = "lrswipkxtecda";

/// How many commands go out before their answers are read.
const PIPELINE_DEPTH: usize = 200;

/// One LIST entry, still in the server's spelling.
#[derive(Debug, Default, Clone)]
struct Listed {
    delimiter: Option<String>,
    role: Option<Role>,
    selectable: bool,
    subscribed: bool,
    messages: Option<u32>,
    unseen: Option<u32>,
}

/// List every folder the user can see, own and shared, with roles, owners and rights.
pub async fn list_folders(conn: &mut Connection, account: &str) -> Result<Vec<Folder>> {
    let namespaces = namespaces(conn).await?;
    let special_use = conn.has("SPECIAL-USE");
    let mut listed = list(conn).await?;
    if !conn.has("LIST-STATUS") {
        status(conn, &mut listed).await?;
    }
    if !conn.has("LIST-EXTENDED") {
        subscriptions(conn, &mut listed).await?;
    }
    let rights = rights(conn, &listed).await?;
    Ok(listed
        .into_iter()
        .map(|(raw_name, l)| {
            let own = namespaces.ownership(&raw_name);
            let role = l.role.or_else(|| inbox_role(&raw_name, &namespaces)).or_else(|| {
                // Servers give special-use attributes for one's own folders at best: for a
                // shared mailbox's folders, or a server without SPECIAL-USE, go by the name.
                (own.shared || !special_use)
                    .then(|| guess_role(&raw_name, &namespaces))
                    .flatten()
            });
            Folder {
                account: account.to_owned(),
                name: utf7::decode(&raw_name),
                delimiter: l.delimiter,
                role,
                shared: own.shared,
                owner: own.owner,
                rights: rights.get(&raw_name).cloned().unwrap_or_default(),
                unread: l.unseen,
                total: l.messages,
                subscribed: l.subscribed,
                selectable: l.selectable,
                raw_name: Some(raw_name),
            }
        })
        .collect())
}

/// `INBOX` itself, or another user's or a service's inbox (`Shared/accueil/INBOX`).
fn inbox_role(raw_name: &str, namespaces: &Namespaces) -> Option<Role> {
    let inbox = raw_name.eq_ignore_ascii_case("INBOX")
        || namespaces
            .path_in_mailbox(raw_name)
            .is_some_and(|p| p.eq_ignore_ascii_case("INBOX"));
    inbox.then_some(Role::Inbox)
}

/// The role a folder's name suggests, for a folder at the top of its mailbox: `Sent`,
/// `Envoyés`, `Corbeille`... as Thunderbird and FairEmail recognise them.
fn guess_role(raw_name: &str, namespaces: &Namespaces) -> Option<Role> {
    let relative = match namespaces.path_in_mailbox(raw_name) {
        Some(path) => path,
        None if namespaces.ownership(raw_name).shared => return None,
        None => raw_name
            .strip_prefix("INBOX.")
            .or_else(|| raw_name.strip_prefix("INBOX/"))
            .unwrap_or(raw_name),
    };
    let name = utf7::decode(relative).to_lowercase();
    let role = match name.as_str() {
        "sent" | "sent items" | "sent messages" | "sent mail" | "envoyés" | "éléments envoyés" | "messages envoyés" => {
            Role::Sent
        }
        "drafts" | "draft" | "brouillons" => Role::Drafts,
        "trash" | "deleted items" | "deleted messages" | "corbeille" | "éléments supprimés" => Role::Trash,
        "junk" | "spam" | "junk e-mail" | "junk mail" | "indésirables" | "courrier indésirable" => Role::Junk,
        "archive" | "archives" => Role::Archive,
        _ => return None,
    };
    Some(role)
}

async fn namespaces(conn: &mut Connection) -> Result<Namespaces> {
    if !conn.has("NAMESPACE") {
        return Ok(Namespaces::personal_only());
    }
    let host = conn.host.clone();
    let lines = raw::command(&mut conn.session, &host, "cns", "NAMESPACE").await?;
    lines
        .iter()
        .find_map(|l| l.strip_prefix(b"NAMESPACE ").and_then(Namespaces::parse))
        .ok_or_else(|| Error::Protocol(format!("{host} sent no readable NAMESPACE response")))
}

async fn list(conn: &mut Connection) -> Result<BTreeMap<String, Listed>> {
    let mut returns = Vec::new();
    if conn.has("LIST-EXTENDED") {
        returns.push("SUBSCRIBED");
    }
    if conn.has("SPECIAL-USE") {
        returns.push("SPECIAL-USE");
    }
    if conn.has("LIST-STATUS") {
        returns.push("STATUS (MESSAGES UNSEEN)");
    }
    let command = if returns.is_empty() {
        "LIST \"\" \"*\"".to_owned()
    } else {
        format!("LIST \"\" \"*\" RETURN ({})", returns.join(" "))
    };
    let mut listed: BTreeMap<String, Listed> = BTreeMap::new();
    let outcomes = pipeline(conn, &[command], |resp| match resp {
        Response::MailboxData(MailboxDatum::List(data)) => {
            let entry = listed.entry(data.name.to_string()).or_default();
            entry.delimiter = data.delimiter.as_ref().map(ToString::to_string);
            apply_attributes(entry, &data.name_attributes);
        }
        // RFC 5819: each STATUS follows its LIST line.
        Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
            if let Some(entry) = listed.get_mut(mailbox.as_ref()) {
                apply_status(entry, status);
            }
        }
        _ => {}
    })
    .await?;
    if let Some(Err(reason)) = outcomes.into_iter().next() {
        return Err(Error::Refused(format!("LIST: {reason}")));
    }
    Ok(listed)
}

fn apply_attributes(entry: &mut Listed, attributes: &[NameAttribute<'_>]) {
    entry.selectable = true;
    entry.subscribed = false;
    for attr in attributes {
        match attr {
            NameAttribute::NoSelect => entry.selectable = false,
            NameAttribute::All => entry.role = Some(Role::All),
            NameAttribute::Archive => entry.role = Some(Role::Archive),
            NameAttribute::Drafts => entry.role = Some(Role::Drafts),
            NameAttribute::Flagged => entry.role = Some(Role::Flagged),
            NameAttribute::Junk => entry.role = Some(Role::Junk),
            NameAttribute::Sent => entry.role = Some(Role::Sent),
            NameAttribute::Trash => entry.role = Some(Role::Trash),
            NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent") => entry.selectable = false,
            NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\Subscribed") => entry.subscribed = true,
            _ => {}
        }
    }
}

fn apply_status(entry: &mut Listed, status: &[StatusAttribute]) {
    for s in status {
        match s {
            StatusAttribute::Messages(n) => entry.messages = Some(*n),
            StatusAttribute::Unseen(n) => entry.unseen = Some(*n),
            _ => {}
        }
    }
}

/// STATUS for each selectable folder, for servers without LIST-STATUS.
async fn status(conn: &mut Connection, listed: &mut BTreeMap<String, Listed>) -> Result<()> {
    let names: Vec<String> = listed
        .iter()
        .filter(|(_, l)| l.selectable)
        .map(|(n, _)| n.clone())
        .collect();
    let commands: Vec<String> = names
        .iter()
        .filter_map(|n| quote(n))
        .map(|q| format!("STATUS {q} (MESSAGES UNSEEN)"))
        .collect();
    pipeline(conn, &commands, |resp| {
        if let Response::MailboxData(MailboxDatum::Status { mailbox, status }) = resp {
            if let Some(entry) = listed.get_mut(mailbox.as_ref()) {
                apply_status(entry, status);
            }
        }
    })
    .await?;
    Ok(())
}

/// LSUB, for servers without LIST-EXTENDED's SUBSCRIBED option.
async fn subscriptions(conn: &mut Connection, listed: &mut BTreeMap<String, Listed>) -> Result<()> {
    let mut subscribed = BTreeSet::new();
    pipeline(conn, &["LSUB \"\" \"*\"".to_owned()], |resp| {
        if let Response::MailboxData(MailboxDatum::List(data)) = resp {
            subscribed.insert(data.name.to_string());
        }
    })
    .await?;
    for (name, l) in listed.iter_mut() {
        l.subscribed = subscribed.contains(name);
    }
    Ok(())
}

/// MYRIGHTS for every folder (RFC 4314); all rights where the server has no ACL.
async fn rights(conn: &mut Connection, listed: &BTreeMap<String, Listed>) -> Result<BTreeMap<String, String>> {
    if !conn.has("ACL") {
        return Ok(listed.keys().map(|n| (n.clone(), ALL_RIGHTS.to_owned())).collect());
    }
    let names: Vec<&String> = listed.iter().filter(|(_, l)| l.selectable).map(|(n, _)| n).collect();
    let commands: Vec<String> = names
        .iter()
        .filter_map(|n| quote(n))
        .map(|q| format!("MYRIGHTS {q}"))
        .collect();
    let mut rights = BTreeMap::new();
    pipeline(conn, &commands, |resp| {
        if let Response::MyRights(r) = resp {
            let letters: String = r.rights.iter().map(|right| char::from(*right)).collect();
            rights.insert(r.mailbox.to_string(), letters);
        }
    })
    .await?;
    Ok(rights)
}

/// An IMAP quoted string, or `None` for a name that cannot be sent safely (CR, LF, NUL).
pub(crate) fn quote(name: &str) -> Option<String> {
    if name.contains(['\r', '\n', '\0']) {
        return None;
    }
    Some(format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// Send commands without waiting, then read until each one has completed. Untagged data goes
/// to `on_data`; the result holds each command's outcome (a `NO` is not an error here).
pub(crate) async fn pipeline<F>(
    conn: &mut Connection,
    commands: &[String],
    mut on_data: F,
) -> Result<Vec<Result<(), String>>>
where
    F: FnMut(&Response<'_>),
{
    let host = conn.host.clone();
    let mut outcomes = Vec::with_capacity(commands.len());
    for chunk in commands.chunks(PIPELINE_DEPTH) {
        let mut pending = Vec::with_capacity(chunk.len());
        for command in chunk {
            pending.push(
                conn.session
                    .run_command(command)
                    .await
                    .map_err(|e| imap_error(&host, e))?,
            );
        }
        let mut results: Vec<Option<Result<(), String>>> = vec![None; pending.len()];
        let mut remaining = pending.len();
        while remaining > 0 {
            let response = tokio::time::timeout(std::time::Duration::from_secs(120), conn.session.read_response())
                .await
                .map_err(|_| Error::network(&host, "the server stopped answering"))?
                .map_err(|e| Error::network(&host, e))?
                .ok_or_else(|| Error::network(&host, "connection closed"))?;
            match response.parsed() {
                Response::Done { tag, status, outcome } => {
                    let Some(i) = pending.iter().position(|id| id == tag) else {
                        continue;
                    };
                    let result = match status {
                        Status::Ok => Ok(()),
                        _ => Err(outcome.information.as_deref().unwrap_or("refused").to_owned()),
                    };
                    if let Some(slot) = results.get_mut(i) {
                        if slot.replace(result).is_none() {
                            remaining -= 1;
                        }
                    }
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    return Err(Error::network(&host, outcome.information.as_deref().unwrap_or("BYE")));
                }
                other => on_data(other),
            }
        }
        outcomes.extend(results.into_iter().map(|r| r.unwrap_or(Ok(()))));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_and_refuses_line_breaks() {
        assert_eq!(quote(r#"a"b\c"#).as_deref(), Some(r#""a\"b\\c""#));
        assert_eq!(quote("bad\r\nA1 DELETE INBOX"), None);
    }

    #[test]
    fn roles_guessed_from_names_at_the_top_of_a_mailbox() {
        let ns = Namespaces::parse(br#"(("" "/")) (("Shared/" "/")) (("Dossiers partag&AOk-s/" "/"))"#).unwrap();
        assert_eq!(guess_role("Shared/accueil/Sent", &ns), Some(Role::Sent));
        assert_eq!(
            guess_role("Dossiers partag&AOk-s/urbanisme/Envoy&AOk-s", &ns),
            Some(Role::Sent)
        );
        assert_eq!(
            guess_role("Dossiers partag&AOk-s/urbanisme/Corbeille", &ns),
            Some(Role::Trash)
        );
        assert_eq!(guess_role("Shared/accueil/Demandes", &ns), None);
        assert_eq!(guess_role("Shared/accueil/Projets/Sent", &ns), None);
        assert_eq!(guess_role("Brouillons", &ns), Some(Role::Drafts));
        assert_eq!(guess_role("INBOX.Spam", &ns), Some(Role::Junk));
        assert_eq!(guess_role("Shared", &ns), None);
    }

    #[test]
    fn shared_inbox_gets_the_inbox_role() {
        let ns = Namespaces::parse(br#"(("" "/")) (("Shared/" "/")) NIL"#).unwrap();
        assert_eq!(inbox_role("INBOX", &ns), Some(Role::Inbox));
        assert_eq!(inbox_role("Shared/accueil/INBOX", &ns), Some(Role::Inbox));
        assert_eq!(inbox_role("Shared/accueil/Demandes", &ns), None);
        assert_eq!(inbox_role("Projets/INBOX", &ns), None);
    }
}
