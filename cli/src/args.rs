//! The command line, as the interface contract names it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "calame",
    version,
    about = "Calame : courrier et agenda du serveur de la mairie"
)]
pub struct Cli {
    /// Profile directory (default: CALAME_PROFILE, else the user's data directory).
    #[arg(long, global = true, env = "CALAME_PROFILE", value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// Account to use (default: the first one).
    #[arg(long, global = true, value_name = "EMAIL")]
    pub account: Option<String>,
    /// Answer from the cache; queue actions.
    #[arg(long, global = true)]
    pub offline: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add or list accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// List the folders of the account(s): own, other users' and shared.
    Folders {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Check the login, then fetch and cache the folder list.
    Add(Box<AddArgs>),
    /// List the configured accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    pub email: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Login name (default: the address).
    #[arg(long)]
    pub login: Option<String>,
    #[arg(long, value_name = "HOST:PORT")]
    pub imap: Option<String>,
    #[arg(long, value_name = "HOST:PORT")]
    pub smtp: Option<String>,
    #[arg(long, value_name = "URL")]
    pub caldav: Option<String>,
    /// IMAP's TLS mode, and SMTP's unless --smtp-tls is given.
    #[arg(long, value_name = "implicit|starttls|none")]
    pub tls: Option<String>,
    #[arg(long, value_name = "implicit|starttls|none")]
    pub smtp_tls: Option<String>,
    /// Trust the certificate with this SHA-256 fingerprint (hex, colons optional).
    #[arg(long, value_name = "SHA256")]
    pub trust_cert: Option<String>,
    /// Read the password from standard input and store it in the OS keyring.
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub json: bool,
}
