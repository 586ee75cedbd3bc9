//! IMAP: connecting, logging in, managing folders, and what async-imap does not do for us (NAMESPACE, MYRIGHTS,
//! LIST-STATUS, pipelining). Knows nothing of storage: it returns values.

pub(crate) mod connect;
mod counted;
mod fetch;
mod folders;
mod idle;
mod mailbox;
mod manage;
pub mod namespace;
mod raw;
mod search;
pub mod sexp;
pub mod utf7;

use std::fmt::Debug;

use tokio::io::{AsyncRead, AsyncWrite};

pub use connect::connect;
pub use fetch::{parse_fetch, uid_fetch_each, FetchItem, Fetched};
pub use folders::list_folders;
pub use idle::idle;
pub use mailbox::{
    append, copy_uids, enable_qresync, envelope_query, expunge_uids, fetch_body, fetch_envelopes, fetch_flags,
    internal_date, move_uids, raw_envelope, select, select_plain, store_flags, uid_search_all, uid_set, RawEnvelope,
    Selection,
};
pub use manage::{change_folder, plan_change, FolderChange, PlannedChange};
pub use namespace::Namespaces;
pub use search::{uid_search_text, SearchKey};

use crate::error::Error;

/// Any byte stream a session can run over (TCP, TLS over TCP).
pub trait SessionStream: AsyncRead + AsyncWrite + Unpin + Send + Sync + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync + Debug> SessionStream for T {}

pub type Stream = Box<dyn SessionStream>;
pub type Session = async_imap::Session<Stream>;

/// A logged-in connection and what the server said about itself.
pub struct Connection {
    pub session: Session,
    pub host: String,
    pub capabilities: Vec<String>,
    bytes_in: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// For the tags of commands written directly on the socket (async-imap's are `A0001`...).
    tags: u32,
}

impl Connection {
    /// Bytes received on the wire so far (TLS included).
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A fresh tag for a command written directly on the socket.
    pub(crate) fn next_tag(&mut self) -> String {
        self.tags = self.tags.wrapping_add(1);
        format!("C{}", self.tags)
    }

    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c.eq_ignore_ascii_case(capability))
    }

    pub async fn logout(mut self) {
        // Best effort: the server may already have gone.
        let _ = self.session.logout().await;
    }
}

/// Map async-imap's errors onto ours.
pub(crate) fn imap_error(host: &str, err: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match err {
        E::Io(e) => Error::network(host, e),
        E::ConnectionLost => Error::network(host, "connection lost"),
        E::No(m) => Error::Refused(m),
        E::Bad(m) => Error::Protocol(format!("command rejected as malformed: {m}")),
        other => Error::Protocol(other.to_string()),
    }
}
