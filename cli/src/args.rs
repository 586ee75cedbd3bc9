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
    /// The identities to send as.
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Calendars and events (CalDAV).
    #[command(subcommand)]
    Cal(CalCommand),
    /// List the folders of the account(s): own, other users' and shared.
    Folders {
        #[arg(long)]
        json: bool,
    },
    /// Create, rename, delete a folder; subscribe or unsubscribe (online only).
    #[command(subcommand)]
    Folder(FolderCommand),
    /// Send a message through the outbox (queued with --offline, or if the server is unreachable).
    Send {
        /// Send this saved draft (`drafts`) as it is; it leaves Drafts once queued.
        #[arg(
            long,
            value_name = "ID",
            conflicts_with_all = ["to", "cc", "bcc", "subject", "body", "body_file", "html_file", "attach"]
        )]
        draft: Option<String>,
        /// Send as this identity (`identity list`); a service mailbox: From = it, no Sender.
        #[arg(long, value_name = "ADDR", conflicts_with = "on_behalf_of")]
        from: Option<String>,
        /// From = this service mailbox, Sender = the account's own address.
        #[arg(long, value_name = "SERVICE")]
        on_behalf_of: Option<String>,
        /// Recipients, comma-separated.
        #[arg(long, value_delimiter = ',', required_unless_present = "draft")]
        to: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        cc: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        bcc: Vec<String>,
        #[arg(long, required_unless_present = "draft")]
        subject: Option<String>,
        #[arg(
            long,
            conflicts_with = "body_file",
            required_unless_present_any = ["body_file", "html_file", "draft"]
        )]
        body: Option<String>,
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// An HTML body (the text, when given, is its plain-text alternative; else one is made
        /// from it).
        #[arg(long, value_name = "FILE")]
        html_file: Option<PathBuf>,
        /// A file to attach (repeat for several).
        #[arg(long, value_name = "PATH")]
        attach: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Reply to a message (from a service mailbox's folder: on the service's behalf, unless
    /// --from or --on-behalf-of says otherwise); the original is marked answered.
    Reply {
        folder: String,
        uid: u32,
        /// Reply to all: the author in To, the other recipients in Cc.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        answer: AnswerArgs,
    },
    /// Forward a message with its attachments.
    Forward {
        folder: String,
        uid: u32,
        /// Recipients, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        to: Vec<String>,
        #[command(flatten)]
        answer: AnswerArgs,
    },
    /// What waits in the outbox; `outbox flush` sends it now.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Bring the offline cache level with the server (folders, envelopes, flags).
    Sync {
        /// Only this folder.
        #[arg(long)]
        folder: Option<String>,
        /// Which message bodies to keep for offline reading: the last 30 days' (default), every
        /// one (a full mirror), or none.
        #[arg(long, value_name = "recent|all|none")]
        bodies: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add or remove a flag (\\Seen, \\Flagged, a keyword) on messages.
    Flag {
        folder: String,
        #[arg(required = true)]
        uids: Vec<u32>,
        #[arg(long, conflicts_with = "remove", required_unless_present = "remove")]
        add: Option<String>,
        #[arg(long)]
        remove: Option<String>,
    },
    /// Move messages to another folder: `move FOLDER UID.. DEST`.
    Move {
        folder: String,
        /// The UIDs, then the destination folder.
        #[arg(required = true, num_args = 2..)]
        rest: Vec<String>,
    },
    /// Delete messages (to the Trash; for good from the Trash).
    Delete {
        folder: String,
        #[arg(required = true)]
        uids: Vec<u32>,
    },
    /// Read a message: headers, text, sanitised HTML, attachments, invitation.
    Read {
        folder: String,
        uid: u32,
        /// Only the text.
        #[arg(long, conflicts_with_all = ["html", "raw"])]
        text: bool,
        /// Only the sanitised HTML (remote content removed).
        #[arg(long, conflicts_with = "raw")]
        html: bool,
        /// The message as the server sent it.
        #[arg(long)]
        raw: bool,
        #[arg(long)]
        json: bool,
        /// Show remote content (images) this time only.
        #[arg(long)]
        allow_remote: bool,
    },
    /// Allow remote content (images) from now on, for a sender or for one message.
    #[command(subcommand)]
    AllowRemote(AllowRemoteCommand),
    /// Watch for changes (IDLE): one JSON object per line, first {"event":"ready"}.
    Watch,
    /// The messages of a folder, newest first.
    List {
        folder: String,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Search the messages of every folder, own and shared (sender, recipients, subject, text of
    /// cached bodies), newest first. Terms must all match; from:X, to:X, subject:X, body:X
    /// search one field; "a phrase" in quotes is one term.
    Search {
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Only this folder.
        #[arg(long)]
        folder: Option<String>,
        /// Also ask the server (IMAP SEARCH), for what the offline cache lacks.
        #[arg(long)]
        server: bool,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// The drafts, newest first: saved here, in the server's Drafts folder, or both.
    Drafts {
        #[arg(long)]
        json: bool,
    },
    /// Save, show or delete a draft; `send --draft ID` sends one.
    #[command(subcommand)]
    Draft(DraftCommand),
}

/// Drafts: saved here at once and in the server's Drafts folder when online.
#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Save a new draft, or a new version of one (`--id`); prints its id.
    Save(Box<DraftSaveArgs>),
    /// A draft's fields: recipients, subject, text, attachments (by name, type and size).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a draft (here at once; on the server now, or with the next connection).
    Delete {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

/// `draft save`: every field is optional (recipients too). With `--id`, the fields given
/// replace those of the saved version and the others are kept; `--to ""` empties a list.
#[derive(Debug, Args)]
pub struct DraftSaveArgs {
    /// The draft to save a new version of.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Write as this identity (`identity list`).
    #[arg(long, value_name = "ADDR", conflicts_with = "on_behalf_of")]
    pub from: Option<String>,
    /// From = this service mailbox, Sender = the account's own address.
    #[arg(long, value_name = "SERVICE")]
    pub on_behalf_of: Option<String>,
    /// Recipients, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub to: Option<Vec<String>>,
    #[arg(long, value_delimiter = ',')]
    pub cc: Option<Vec<String>>,
    #[arg(long, value_delimiter = ',')]
    pub bcc: Option<Vec<String>>,
    #[arg(long)]
    pub subject: Option<String>,
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// A file to attach (repeat for several); given, they replace the saved version's files.
    #[arg(long, value_name = "PATH")]
    pub attach: Option<Vec<PathBuf>>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AllowRemoteCommand {
    /// Every message from this address.
    Sender { address: String },
    /// The message at UID in FOLDER (kept by its Message-ID).
    Message { folder: String, uid: u32 },
}

#[derive(Debug, Subcommand)]
pub enum FolderCommand {
    /// Create a folder: `folder create "Projets/Été 2027"` (the server's delimiter).
    Create { name: String },
    /// Rename a folder (its children follow).
    Rename { old: String, new: String },
    /// Delete a folder and the messages in it.
    Delete { name: String },
    /// Subscribe to a folder.
    Subscribe { name: String },
    /// Unsubscribe from a folder.
    Unsubscribe { name: String },
}

/// Which part of a newest-first listing to print.
#[derive(Debug, Args)]
pub struct Page {
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

/// What the user adds to a reply or a forward.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    #[arg(long, value_name = "ADDR", conflicts_with = "on_behalf_of")]
    pub from: Option<String>,
    #[arg(long, value_name = "SERVICE")]
    pub on_behalf_of: Option<String>,
    /// More recipients in Cc, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cc: Vec<String>,
    /// The text above the quoted message.
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    #[arg(long, value_name = "PATH")]
    pub attach: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send what waits now (backoff or not).
    Flush,
    /// Put a failed or unconfirmed message back in the queue (an unconfirmed one may then
    /// arrive twice).
    Retry { message_id: String },
    /// Drop a message that has not left.
    Drop { message_id: String },
}

#[derive(Debug, Subcommand)]
pub enum CalCommand {
    /// The account's calendars, own and shared (found again on the server when online).
    Calendars {
        #[arg(long)]
        json: bool,
    },
    /// Occurrences between two dates (`--to` included), recurrences expanded; synced first
    /// when online, from the cache with --offline.
    Events {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        #[arg(long, value_name = "ID")]
        calendar: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Create an event.
    Add {
        #[arg(long, value_name = "ID")]
        calendar: String,
        #[command(flatten)]
        event: EventArgs,
        #[arg(long)]
        json: bool,
    },
    /// Change an event, or one occurrence of it.
    Edit {
        uid: String,
        /// The occurrence (its `recurrence_id` in `cal events`); without it, the whole series.
        #[arg(long, value_name = "T")]
        occurrence: Option<String>,
        #[command(flatten)]
        event: EventArgs,
    },
    /// Delete an event, or one occurrence of it (the attendees are told when you organise it).
    Delete {
        uid: String,
        #[arg(long, value_name = "T")]
        occurrence: Option<String>,
    },
    /// Answer the invitation in a message: the event goes to your calendar with your answer,
    /// and the reply to the organiser (queued with --offline).
    Respond {
        folder: String,
        uid: u32,
        #[arg(value_enum)]
        answer: InvitationAnswer,
        #[arg(long)]
        json: bool,
    },
}

/// An answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InvitationAnswer {
    Accept,
    Tentative,
    Decline,
}

/// An event's fields, as `cal add` and `cal edit` take them.
#[derive(Debug, Args)]
pub struct EventArgs {
    #[arg(long)]
    pub summary: Option<String>,
    /// RFC 3339 with an offset (`2027-03-15T09:00:00+01:00`), or YYYY-MM-DD with --all-day.
    #[arg(long, value_name = "T")]
    pub start: Option<String>,
    /// Like --start; for an all-day event, the day after the last (a one-day event may give
    /// its own day).
    #[arg(long, value_name = "T")]
    pub end: Option<String>,
    #[arg(long)]
    pub all_day: bool,
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO;COUNT=10`).
    #[arg(long, value_name = "R")]
    pub rrule: Option<String>,
    /// An attendee's address (repeat for several).
    #[arg(long, value_name = "E")]
    pub attendee: Vec<String>,
    /// A reminder before the start, an ISO 8601 duration (`-PT15M`).
    #[arg(long, value_name = "DUR", allow_hyphen_values = true)]
    pub alarm: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// The addresses this account may send as: its own, configured ones, service mailboxes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add or replace an identity.
    Set {
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "own|send-as|on-behalf", default_value = "send-as")]
        mode: String,
        #[arg(long, conflicts_with = "signature_file")]
        signature: Option<String>,
        #[arg(long, value_name = "FILE")]
        signature_file: Option<PathBuf>,
        #[arg(long, value_name = "ADDR")]
        reply_to: Option<String>,
        /// The folder for sent copies (default: the mailbox's own Sent).
        #[arg(long, value_name = "FOLDER")]
        sent_folder: Option<String>,
    },
    /// Forget a configured identity.
    Remove { email: String },
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
