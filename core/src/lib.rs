//! Calame's core: everything that is not a window or a command line.
//!
//! The core is plain async Rust and builds for desktop and Android alike. It owns the accounts
//! and the profile ([`profile`]), the secrets ([`secret`]), TLS trust ([`tls`]), the IMAP protocol
//! ([`imap`]), the disposable offline cache ([`store`]), local search over it ([`search`]) and
//! the one API the shells call ([`Calame`]). Protocol code knows nothing of storage, and storage
//! nothing of IMAP.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::panic
    )
)]

pub mod account;
pub mod actions;
pub mod autoconfig;
mod calame;
pub mod caldav;
pub mod calendar;
pub mod compose;
pub mod drafts;
pub mod envelope;
pub mod error;
pub mod event;
pub mod folder;
pub mod imap;
pub mod input;
pub mod message;
pub mod outbox;
pub mod profile;
pub mod remote_allow;
mod replay;
pub mod search;
pub mod secret;
pub mod smtp;
pub mod store;
pub mod sync;
pub mod thread;
pub mod tls;

pub use account::{Account, AccountSetup, AccountSummary, Endpoint, Identity, SendMode, TlsMode};
pub use actions::Action;
pub use calame::{
    Answer, AnswerText, Answering, Calame, CalendarSync, CarriedAttachment, ComposeStart, DraftOutcome, DraftPlace,
    DraftSummary, DraftsFlushed, FlushReport, InvitationsApplied, ListOrder, Origin, Responded, SendOutcome,
};
pub use envelope::{Address, Envelope};
pub use error::{AppError, Error, ErrorKind, FolderOp, Lang, Result};
pub use event::{Event, OpenItem};
pub use folder::{Folder, Role};
pub use imap::FolderChange;
pub use input::{AnswerKind, AnswerRef, DraftInput, EventInput, InvitationAnswer};
pub use remote_allow::AllowRemote;
pub use search::{SearchHit, SearchRequest};
pub use secret::Secret;
pub use sync::SyncReport;
