//! Calame's core: everything that is not a window or a command line.
//!
//! The core is plain async Rust and builds for desktop and Android alike. It owns the accounts
//! and the profile ([`profile`]), the secrets ([`secret`]), TLS trust ([`tls`]), the IMAP protocol
//! ([`imap`]), the disposable offline cache ([`store`]) and the one API the shells call
//! ([`Calame`]). Protocol code knows nothing of storage, and storage nothing of IMAP.

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
mod calame;
pub mod error;
pub mod folder;
pub mod imap;
pub mod profile;
pub mod secret;
pub mod store;
pub mod tls;

pub use account::{Account, AccountSetup, AccountSummary, Endpoint, TlsMode};
pub use calame::Calame;
pub use error::{AppError, Error, ErrorKind, Lang, Result};
pub use folder::{Folder, Role};
pub use secret::Secret;
