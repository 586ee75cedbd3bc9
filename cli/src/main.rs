//! `calame`: the command line over Calame's core. Each subcommand parses its input, calls the
//! core, and prints; JSON on stdout is a stable interface, everything else goes to stderr.

mod args;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use calame_core::{
    AccountSetup, AccountSummary, Action, Address, AllowRemote, Answer, AnswerText, Answering, Calame, Envelope, Error,
    ErrorKind, FolderChange, Identity, Lang, SearchRequest, Secret, SendMode, TlsMode,
};
use clap::Parser;
use serde::Serialize;

use args::{
    AccountCommand, AddArgs, AllowRemoteCommand, AnswerArgs, CalCommand, Cli, Command, DraftCommand, DraftSaveArgs,
    EventArgs, FolderCommand, IdentityCommand, OutboxCommand,
};

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let lang = Lang::from_env();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&Error::Protocol(format!("cannot start: {e}")), lang),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, lang),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALAME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// One clear line on stderr and the contract's exit status.
fn fail(err: &Error, lang: Lang) -> ExitCode {
    eprintln!("calame: {}", err.describe(lang));
    ExitCode::from(exit_code(err.kind()))
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::BadInput | ErrorKind::NotFound => 2,
        ErrorKind::Auth => 3,
        ErrorKind::TlsUntrusted => 4,
        ErrorKind::Network | ErrorKind::Offline => 5,
        ErrorKind::Refused => 6,
        ErrorKind::Conflict => 7,
        ErrorKind::ProfileInUse => 8,
        ErrorKind::Storage | ErrorKind::Protocol | ErrorKind::Keyring | ErrorKind::Other => 1,
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let dir = cli
        .profile
        .clone()
        .or_else(calame_core::profile::default_dir)
        .ok_or_else(|| Error::BadInput("no profile directory: give --profile or set CALAME_PROFILE".into()))?;
    let calame = Calame::open(&dir, "calame")?;
    if calame.cache_rebuilt() {
        eprintln!("calame: offline cache rebuilt (it was damaged or from another version)");
    }
    match cli.command {
        Command::Account(AccountCommand::Add(args)) => account_add(&calame, *args).await,
        Command::Account(AccountCommand::List { json }) => account_list(&calame, json),
        Command::Folders { json } => folders(&calame, cli.account.as_deref(), cli.offline, json).await,
        Command::Folder(command) => folder(&calame, cli.account.as_deref(), cli.offline, command).await,
        Command::Sync { folder, bodies, json } => {
            let bodies = bodies.as_deref().map(str::parse).transpose()?.unwrap_or_default();
            sync(&calame, cli.account.as_deref(), folder.as_deref(), bodies, json).await
        }
        Command::Flag {
            folder,
            uids,
            add,
            remove,
        } => {
            let action = Action::Flag {
                folder,
                uids,
                add: add.into_iter().collect(),
                remove: remove.into_iter().collect(),
            };
            act(&calame, cli.account.as_deref(), cli.offline, action).await
        }
        Command::Move { folder, mut rest } => {
            let dest = rest.pop().unwrap_or_default();
            let uids = parse_uids(&rest)?;
            act(
                &calame,
                cli.account.as_deref(),
                cli.offline,
                Action::Move { folder, uids, dest },
            )
            .await
        }
        Command::Delete { folder, uids } => {
            act(
                &calame,
                cli.account.as_deref(),
                cli.offline,
                Action::Delete { folder, uids },
            )
            .await
        }
        Command::Read {
            folder,
            uid,
            text,
            html,
            raw,
            json,
            allow_remote,
        } => {
            read(
                &calame,
                cli.account.as_deref(),
                cli.offline,
                (&folder, uid),
                ReadAs::pick(text, html, raw, json),
                allow_remote,
            )
            .await
        }
        Command::AllowRemote(what) => allow_remote(&calame, cli.account.as_deref(), cli.offline, what).await,
        Command::Watch => watch(&calame, cli.account.as_deref()).await,
        Command::List { folder, page, json } => {
            list(
                &calame,
                cli.account.as_deref(),
                cli.offline,
                &folder,
                page.offset,
                page.limit,
                json,
            )
            .await
        }
        Command::Send {
            draft,
            from,
            on_behalf_of,
            to,
            cc,
            bcc,
            subject,
            body,
            body_file,
            html_file,
            attach,
            json,
        } => {
            if let Some(id) = draft {
                let origin = (from.is_some() || on_behalf_of.is_some()).then_some(calame_core::Origin {
                    address: from,
                    on_behalf_of,
                });
                return send_draft(&calame, cli.account.as_deref(), cli.offline, &id, origin, json).await;
            }
            let text = body_text(body, body_file)?;
            let html = match html_file {
                Some(path) => Some(body_text(None, Some(path))?),
                None => None,
            };
            let attachments = attachment_files(attach)?;
            let address = |e: String| Address { name: None, email: e };
            let draft = calame_core::compose::Draft {
                to: to.into_iter().map(address).collect(),
                cc: cc.into_iter().map(address).collect(),
                bcc: bcc.into_iter().map(address).collect(),
                subject: subject.unwrap_or_default(),
                text,
                html,
                attachments,
                ..Default::default()
            };
            let email = calame.account(cli.account.as_deref())?.email;
            let origin = calame_core::Origin {
                address: from,
                on_behalf_of,
            };
            let outcome = calame.send(&email, draft, &origin, !cli.offline).await?;
            print_outcome(&outcome, json)
        }
        Command::Reply {
            folder,
            uid,
            all,
            answer,
        } => {
            let kind = if all { Answer::ReplyAll } else { Answer::Reply };
            answer_message(&calame, cli.account.as_deref(), cli.offline, &folder, uid, kind, answer).await
        }
        Command::Forward {
            folder,
            uid,
            to,
            answer,
        } => {
            let to = to.into_iter().map(|e| Address { name: None, email: e }).collect();
            answer_message(
                &calame,
                cli.account.as_deref(),
                cli.offline,
                &folder,
                uid,
                Answer::Forward { to },
                answer,
            )
            .await
        }
        Command::Identity(command) => identity(&calame, cli.account.as_deref(), command),
        Command::Cal(command) => cal(&calame, cli.account.as_deref(), cli.offline, command).await,
        Command::Outbox { action, json } => {
            let account = match &cli.account {
                Some(a) => Some(calame.account(Some(a))?.email),
                None => None,
            };
            match action {
                Some(OutboxCommand::Flush) => {
                    if cli.offline {
                        return Err(Error::BadInput(
                            "outbox flush needs the server: not with --offline".into(),
                        ));
                    }
                    let emails: Vec<String> = match &account {
                        Some(a) => vec![a.clone()],
                        None => calame.accounts()?.into_iter().map(|a| a.email).collect(),
                    };
                    for email in emails {
                        let report = calame.flush_outbox(&email).await?;
                        for (id, warning) in &report.warnings {
                            eprintln!("calame: {id}: {warning}");
                        }
                    }
                }
                Some(OutboxCommand::Retry { message_id }) => {
                    calame.retry_outbox_item(&message_id)?;
                }
                Some(OutboxCommand::Drop { message_id }) => calame.drop_outbox_item(&message_id)?,
                None => {}
            }
            let items = calame.outbox_items(account.as_deref())?;
            if json {
                print_json(&items)?;
            } else {
                for i in &items {
                    let state = serde_json::to_value(i.state).unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        state.as_str().unwrap_or(""),
                        i.message_id,
                        i.subject,
                        i.to.join(","),
                        i.last_error.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        Command::Search {
            query,
            folder,
            server,
            page,
            json,
        } => {
            let request = SearchRequest {
                query: query.join(" "),
                folder,
                limit: page.limit,
                offset: page.offset,
                server,
            };
            search(&calame, cli.account.as_deref(), cli.offline, &request, json).await
        }
        Command::Drafts { json } => drafts(&calame, cli.account.as_deref(), cli.offline, json).await,
        Command::Draft(command) => draft(&calame, cli.account.as_deref(), cli.offline, command).await,
    }
}

async fn account_add(calame: &Calame, args: AddArgs) -> Result<(), Error> {
    let password = if args.password_stdin {
        read_password_from_stdin()?
    } else {
        calame_core::secret::password_from_env()
            .ok_or_else(|| Error::BadInput("no password: set CALAME_PASSWORD or use --password-stdin".into()))?
    };
    let setup = AccountSetup {
        email: args.email,
        name: args.name,
        login: args.login,
        imap: args.imap,
        smtp: args.smtp,
        caldav: args.caldav,
        tls: args.tls.as_deref().map(str::parse::<TlsMode>).transpose()?,
        smtp_tls: args.smtp_tls.as_deref().map(str::parse::<TlsMode>).transpose()?,
        trust_cert: args.trust_cert,
    };
    let (account, folders) = calame.add_account(setup, &password, args.password_stdin).await?;
    if args.json {
        print_json(&serde_json::json!({
            "account": AccountSummary::from(&account),
            "folders": folders.len(),
        }))?;
    }
    eprintln!("calame: {} ({} folders)", account.email, folders.len());
    Ok(())
}

fn read_password_from_stdin() -> Result<Secret<String>, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::BadInput(format!("cannot read the password from standard input: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(Error::BadInput("empty password on standard input".into()));
    }
    Ok(Secret::new(password))
}

fn account_list(calame: &Calame, json: bool) -> Result<(), Error> {
    let accounts: Vec<AccountSummary> = calame.accounts()?.iter().map(AccountSummary::from).collect();
    if json {
        return print_json(&accounts);
    }
    let mut out = std::io::stdout().lock();
    for a in &accounts {
        let _ = writeln!(out, "{}\t{}\t{}", a.email, a.login, a.imap);
    }
    Ok(())
}

async fn folders(calame: &Calame, account: Option<&str>, offline: bool, json: bool) -> Result<(), Error> {
    let emails: Vec<String> = match account {
        Some(a) => vec![calame.account(Some(a))?.email],
        None => calame.accounts()?.into_iter().map(|a| a.email).collect(),
    };
    let mut all = Vec::new();
    for email in &emails {
        let folders = if offline {
            calame.folders(Some(email))?
        } else {
            calame.refresh_folders(email).await?
        };
        all.extend(folders);
    }
    if json {
        return print_json(&all);
    }
    let mut out = std::io::stdout().lock();
    for f in &all {
        let counts = match (f.unread, f.total) {
            (Some(u), Some(t)) => format!("{u}/{t}"),
            _ => String::new(),
        };
        let _ = writeln!(out, "{}\t{}\t{}\t{}", f.account, f.name, counts, f.rights);
    }
    Ok(())
}

/// Changes to the folder tree go to the server at once: there is no offline form.
async fn folder(calame: &Calame, account: Option<&str>, offline: bool, command: FolderCommand) -> Result<(), Error> {
    let (verb, change) = match command {
        FolderCommand::Create { name } => ("create", FolderChange::Create { name }),
        FolderCommand::Rename { old, new } => ("rename", FolderChange::Rename { from: old, to: new }),
        FolderCommand::Delete { name } => ("delete", FolderChange::Delete { name }),
        FolderCommand::Subscribe { name } => ("subscribe", FolderChange::Subscribe { name, subscribed: true }),
        FolderCommand::Unsubscribe { name } => (
            "unsubscribe",
            FolderChange::Subscribe {
                name,
                subscribed: false,
            },
        ),
    };
    if offline {
        return Err(Error::OnlineOnly(format!("calame folder {verb}")));
    }
    let email = calame.account(account)?.email;
    calame.change_folder(&email, change).await?;
    Ok(())
}

async fn sync(
    calame: &Calame,
    account: Option<&str>,
    folder: Option<&str>,
    bodies: calame_core::sync::Bodies,
    json: bool,
) -> Result<(), Error> {
    let emails: Vec<String> = match account {
        Some(a) => vec![calame.account(Some(a))?.email],
        None => calame.accounts()?.into_iter().map(|a| a.email).collect(),
    };
    let mut total = calame_core::SyncReport::default();
    for email in &emails {
        // Progress on stderr for large fetches: a line every tenth.
        let mut shown = (String::new(), 0u64);
        let mut progress = |p: &calame_core::sync::Progress| {
            if p.total < 1000 {
                return;
            }
            let tenth = (p.done * 10 / p.total).min(10);
            let what = match p.stage {
                calame_core::sync::Stage::Envelopes => p.folder.clone(),
                calame_core::sync::Stage::Bodies => format!("{} (messages)", p.folder),
            };
            if shown.0 != what || tenth > shown.1 {
                eprintln!("calame: {what} {}% ({}/{})", tenth * 10, p.done, p.total);
                shown = (what, tenth);
            }
        };
        let r = calame.sync_progress(email, folder, bodies, &mut progress).await?;
        for problem in &r.calendar_problems {
            eprintln!("calame: skipped: {problem}");
        }
        eprintln!(
            "calame: {email}: {} folders, {} new, {} changed, {} gone ({:.2} s)",
            r.folders, r.messages_new, r.messages_changed, r.messages_gone, r.seconds
        );
        total.add(r);
    }
    if json {
        print_json(&total)?;
    }
    Ok(())
}

/// One JSON event per line, flushed at once, until interrupted or a final error.
async fn watch(calame: &Calame, account: Option<&str>) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let password = calame_core::secret::password_for(&email)?;
    calame
        .watch(&email, &password, |event| {
            let mut out = std::io::stdout().lock();
            if serde_json::to_writer(&mut out, &event).is_ok() {
                let _ = writeln!(out);
                let _ = out.flush();
            }
        })
        .await
}

/// What `read` prints.
enum ReadAs {
    Text,
    Html,
    Raw,
    Json,
}

impl ReadAs {
    fn pick(text: bool, html: bool, raw: bool, json: bool) -> ReadAs {
        match (json, raw, html, text) {
            (true, _, _, _) => ReadAs::Json,
            (_, true, _, _) => ReadAs::Raw,
            (_, _, true, _) => ReadAs::Html,
            _ => ReadAs::Text,
        }
    }
}

/// Remote content is shown when `allow_once`, or when the user allowed it for the message or
/// its sender (`calame allow-remote`).
async fn read(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    (folder, uid): (&str, u32),
    how: ReadAs,
    allow_once: bool,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let raw = calame.raw_message(&email, folder, uid, !offline).await?;
    if let ReadAs::Raw = how {
        return std::io::stdout().lock().write_all(&raw).or_else(output_closed);
    }
    let message = calame.show(&raw, allow_once)?;
    let mut out = std::io::stdout().lock();
    let written = match how {
        ReadAs::Json => return print_json(&message),
        ReadAs::Html => writeln!(out, "{}", message.html.unwrap_or_default()),
        ReadAs::Raw | ReadAs::Text => writeln!(out, "{}", message.text.unwrap_or_default()),
    };
    written.or_else(output_closed)
}

async fn allow_remote(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    what: AllowRemoteCommand,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    match what {
        AllowRemoteCommand::Sender { address } => calame.allow_remote(&email, AllowRemote::Sender(address)),
        AllowRemoteCommand::Message { folder, uid } => calame
            .allow_remote_message(&email, &folder, uid, !offline)
            .await
            .map(|_| ()),
    }
}

/// Writing to stdout failed: fine if the reader went away (`| head`), an error otherwise.
fn output_closed(e: std::io::Error) -> Result<(), Error> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Error::Protocol(format!("cannot write the output: {e}")))
    }
}

fn parse_uids(args: &[String]) -> Result<Vec<u32>, Error> {
    args.iter()
        .map(|a| {
            a.parse::<u32>()
                .map_err(|_| Error::BadInput(format!("{a:?} is not a UID")))
        })
        .collect()
}

/// Shown in the cache and queued at once; sent now unless offline.
async fn act(calame: &Calame, account: Option<&str>, offline: bool, action: Action) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    calame.act(&email, action)?;
    if !offline {
        calame.flush(&email).await?;
    }
    Ok(())
}

async fn list(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    folder: &str,
    offset: usize,
    limit: usize,
    json: bool,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    if !offline {
        calame.sync(&email, Some(folder)).await?;
    }
    let page = calame.list(&email, folder, offset, limit)?;
    if json {
        return print_json(&page);
    }
    let mut out = std::io::stdout().lock();
    for e in &page {
        let _ = writeln!(out, "{}", list_line(e));
    }
    Ok(())
}

/// A message on one line: unread mark, UID, date, sender, subject.
fn list_line(e: &Envelope) -> String {
    let from = e
        .from
        .as_ref()
        .map(|a| a.name.clone().unwrap_or_else(|| a.email.clone()))
        .unwrap_or_default();
    let seen = if e.is_seen() { ' ' } else { '*' };
    format!(
        "{seen} {:>6}  {}  {:<24}  {}",
        e.uid,
        e.date.as_deref().unwrap_or(""),
        from,
        e.subject.as_deref().unwrap_or("")
    )
}

/// From the local index; with `--server`, the server's search too (not offline).
async fn search(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    request: &SearchRequest,
    json: bool,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let hits = calame.search(&email, request, !offline).await?;
    if json {
        return print_json(&hits);
    }
    let mut out = std::io::stdout().lock();
    for hit in &hits {
        let _ = writeln!(out, "{}\t{}", hit.folder, list_line(&hit.envelope));
    }
    Ok(())
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, value) {
        Ok(()) => writeln!(out).or_else(output_closed),
        Err(e) if e.is_io() => Ok(()),
        Err(e) => Err(Error::Protocol(e.to_string())),
    }
}

fn identity(calame: &Calame, account: Option<&str>, command: IdentityCommand) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    match command {
        IdentityCommand::List { json } => {
            let identities = calame.identities(&email)?;
            if json {
                print_json(&identities)?;
            } else {
                for i in &identities {
                    let mode = serde_json::to_value(i.mode).unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}",
                        i.email,
                        mode.as_str().unwrap_or(""),
                        i.name.as_deref().unwrap_or(""),
                        i.sent_folder.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        IdentityCommand::Set {
            email: address,
            name,
            mode,
            signature,
            signature_file,
            reply_to,
            sent_folder,
        } => {
            let mode = match mode.as_str() {
                "own" => SendMode::Own,
                "send-as" => SendMode::SendAs,
                "on-behalf" => SendMode::OnBehalf,
                other => {
                    return Err(Error::BadInput(format!(
                        "unknown mode {other:?} (own, send-as, on-behalf)"
                    )))
                }
            };
            let signature = match (signature, signature_file) {
                (Some(s), _) => Some(s),
                (None, Some(path)) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| Error::BadInput(format!("cannot read {}: {e}", path.display())))?,
                ),
                (None, None) => None,
            };
            calame.set_identity(
                &email,
                Identity {
                    email: address,
                    name,
                    mode,
                    signature,
                    reply_to,
                    sent_folder,
                    discovered: false,
                },
            )
        }
        IdentityCommand::Remove { email: address } => calame.remove_identity(&email, &address),
    }
}

/// The text of a message: `--body`, or the file `--body-file` names, or nothing.
fn body_text(body: Option<String>, file: Option<std::path::PathBuf>) -> Result<String, Error> {
    match (body, file) {
        (Some(text), _) => Ok(text),
        (None, Some(path)) => {
            std::fs::read_to_string(&path).map_err(|e| Error::BadInput(format!("cannot read {}: {e}", path.display())))
        }
        (None, None) => Ok(String::new()),
    }
}

/// The files to attach, named as on disk.
fn attachment_files(paths: Vec<std::path::PathBuf>) -> Result<Vec<calame_core::compose::AttachmentFile>, Error> {
    paths
        .into_iter()
        .map(|path| {
            let bytes =
                std::fs::read(&path).map_err(|e| Error::BadInput(format!("cannot read {}: {e}", path.display())))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "piece-jointe".into());
            Ok(calame_core::compose::AttachmentFile {
                name,
                mime: None,
                bytes,
            })
        })
        .collect()
}

fn print_outcome(outcome: &calame_core::SendOutcome, json: bool) -> Result<(), Error> {
    if let Some(warning) = &outcome.warning {
        eprintln!("calame: {warning}");
    }
    if json {
        print_json(outcome)
    } else {
        eprintln!("calame: {} {}", outcome.message_id, outcome.status);
        Ok(())
    }
}

async fn answer_message(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    folder: &str,
    uid: u32,
    answer: Answer,
    args: AnswerArgs,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let text = AnswerText {
        text: body_text(args.body, args.body_file)?,
        cc: args.cc.into_iter().map(|e| Address { name: None, email: e }).collect(),
        attachments: attachment_files(args.attach)?,
    };
    let origin = calame_core::Origin {
        address: args.from,
        on_behalf_of: args.on_behalf_of,
    };
    let answering = Answering {
        folder: folder.to_owned(),
        uid,
        answer,
        text,
        origin,
    };
    let outcome = calame.answer(&email, &answering, !offline).await?;
    print_outcome(&outcome, args.json)
}

/// The account's password for a command that goes to the server; `None` with `--offline`.
fn online_password(email: &str, offline: bool) -> Result<Option<Secret<String>>, Error> {
    if offline {
        return Ok(None);
    }
    calame_core::secret::password_for(email).map(Some)
}

/// Online, the drafts saved here go to the server first and its Drafts folder is synced.
async fn drafts(calame: &Calame, account: Option<&str>, offline: bool, json: bool) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    if let Some(password) = online_password(&email, offline)? {
        let report = calame.flush_drafts(&email, &password).await?;
        for (id, why) in &report.failed {
            eprintln!("calame: {id}: {why}");
        }
    }
    let all = calame.drafts(&email)?;
    if json {
        return print_json(&all);
    }
    let mut out = std::io::stdout().lock();
    for d in &all {
        let place = serde_json::to_value(d.place).unwrap_or_default();
        let to: Vec<&str> = d.to.iter().map(|a| a.email.as_str()).collect();
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            place.as_str().unwrap_or(""),
            d.draft_id,
            d.updated,
            to.join(","),
            d.subject
        );
    }
    Ok(())
}

async fn draft(calame: &Calame, account: Option<&str>, offline: bool, command: DraftCommand) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    match command {
        DraftCommand::Save(args) => draft_save(calame, &email, offline, *args).await,
        DraftCommand::Show { id, json } => {
            let draft = calame.open_draft(&email, &id, !offline).await?;
            draft_show(&id, &draft, json)
        }
        DraftCommand::Delete { id, json } => {
            let password = online_password(&email, offline)?;
            let outcome = calame.delete_draft(&email, &id, password.as_ref()).await?;
            print_draft_outcome(&outcome, json)
        }
    }
}

/// A new draft from the fields given, or a new version of `--id` with the fields given
/// replacing its own.
async fn draft_save(calame: &Calame, email: &str, offline: bool, args: DraftSaveArgs) -> Result<(), Error> {
    let password = online_password(email, offline)?;
    let (mut draft, saved_origin) = match &args.id {
        Some(id) => {
            let draft = calame.open_draft_with(email, id, password.as_ref()).await?;
            let origin = calame_core::Origin::of_draft(&draft, email);
            (draft, origin)
        }
        None => (calame_core::compose::Draft::default(), calame_core::Origin::default()),
    };
    let addresses = |list: Vec<String>| -> Vec<Address> {
        list.into_iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .map(|email| Address { name: None, email })
            .collect()
    };
    if let Some(to) = args.to {
        draft.to = addresses(to);
    }
    if let Some(cc) = args.cc {
        draft.cc = addresses(cc);
    }
    if let Some(bcc) = args.bcc {
        draft.bcc = addresses(bcc);
    }
    if let Some(subject) = args.subject {
        draft.subject = subject;
    }
    if args.body.is_some() || args.body_file.is_some() {
        draft.text = body_text(args.body, args.body_file)?;
    }
    if let Some(paths) = args.attach {
        draft.attachments = attachment_files(paths)?;
    }
    let origin = if args.from.is_some() || args.on_behalf_of.is_some() {
        calame_core::Origin {
            address: args.from,
            on_behalf_of: args.on_behalf_of,
        }
    } else {
        saved_origin
    };
    let outcome = calame
        .save_draft(email, args.id.as_deref(), draft, &origin, password.as_ref())
        .await?;
    print_draft_outcome(&outcome, args.json)
}

fn print_draft_outcome(outcome: &calame_core::DraftOutcome, json: bool) -> Result<(), Error> {
    if let Some(warning) = &outcome.warning {
        eprintln!("calame: {}: {warning}", outcome.draft_id);
    }
    if json {
        return print_json(outcome);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}\t{}", outcome.draft_id, outcome.status).or_else(output_closed)
}

/// A draft's fields; its files by name, type and size.
fn draft_show(id: &str, d: &calame_core::compose::Draft, json: bool) -> Result<(), Error> {
    let file = |f: &calame_core::compose::AttachmentFile| {
        serde_json::json!({
            "name": f.name,
            "mime": f.mime.clone().unwrap_or_else(|| calame_core::compose::guess_mime(&f.name).to_owned()),
            "size": f.bytes.len(),
        })
    };
    let attachments: Vec<serde_json::Value> = d.attachments.iter().map(file).collect();
    let inline: Vec<serde_json::Value> = d
        .inline
        .iter()
        .map(|i| {
            let mut value = file(&i.file);
            value["content_id"] = serde_json::Value::from(i.content_id.clone());
            value
        })
        .collect();
    let draft_id = id.trim().trim_start_matches('<').trim_end_matches('>');
    if json {
        return print_json(&serde_json::json!({
            "draft_id": draft_id,
            "from": d.from,
            "sender": d.sender,
            "reply_to": d.reply_to,
            "to": d.to,
            "cc": d.cc,
            "bcc": d.bcc,
            "subject": d.subject,
            "text": d.text,
            "html": d.html,
            "attachments": attachments,
            "inline": inline,
            "in_reply_to": d.in_reply_to,
            "references": d.references,
        }));
    }
    let list = |addresses: &[Address]| -> String {
        addresses
            .iter()
            .map(|a| match &a.name {
                Some(name) => format!("{name} <{}>", a.email),
                None => a.email.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![format!("Draft-ID: {draft_id}")];
    if let Some(from) = &d.from {
        lines.push(format!("From: {}", list(std::slice::from_ref(from))));
    }
    for (name, addresses) in [("To", &d.to), ("Cc", &d.cc), ("Bcc", &d.bcc)] {
        if !addresses.is_empty() {
            lines.push(format!("{name}: {}", list(addresses)));
        }
    }
    lines.push(format!("Subject: {}", d.subject));
    if let Some(parent) = &d.in_reply_to {
        lines.push(format!("In-Reply-To: <{parent}>"));
    }
    for f in d.attachments.iter().chain(d.inline.iter().map(|i| &i.file)) {
        let value = file(f);
        lines.push(format!(
            "Attachment: {} ({}, {} bytes)",
            f.name,
            value["mime"].as_str().unwrap_or(""),
            f.bytes.len()
        ));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}\n\n{}", lines.join("\n"), d.text.trim_end()).or_else(output_closed)
}

/// `send --draft ID`: the saved draft through the outbox; it leaves Drafts once queued.
async fn send_draft(
    calame: &Calame,
    account: Option<&str>,
    offline: bool,
    id: &str,
    origin: Option<calame_core::Origin>,
    json: bool,
) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let password = online_password(&email, offline)?;
    let outcome = calame
        .send_draft(&email, id, origin.as_ref(), password.as_ref())
        .await?;
    print_outcome(&outcome, json)
}

async fn cal(calame: &Calame, account: Option<&str>, offline: bool, command: CalCommand) -> Result<(), Error> {
    let email = calame.account(account)?.email;
    let password = if offline {
        None
    } else {
        Some(calame_core::secret::password_for(&email)?)
    };
    match command {
        CalCommand::Calendars { json } => {
            let calendars = match &password {
                Some(password) => calame.discover_calendars_with(&email, password).await?,
                None => calame.calendars(&email)?,
            };
            if json {
                print_json(&calendars)
            } else {
                for c in &calendars {
                    let access = if c.writable { "rw" } else { "r" };
                    println!("{}\t{}\t{}\t{access}", c.id, c.name, c.owner.as_deref().unwrap_or(""));
                }
                Ok(())
            }
        }
        CalCommand::Events {
            from,
            to,
            calendar,
            json,
        } => {
            let (from, to) = (date(&from)?, date(&to)?);
            if let Some(password) = &password {
                let synced = calame.sync_calendars_with(&email, password).await?;
                for problem in &synced.problems {
                    eprintln!("calame: skipped: {problem}");
                }
            }
            let events = calame.events(&email, from, to, calendar.as_deref())?;
            if json {
                print_json(&events)
            } else {
                for e in &events {
                    println!(
                        "{}\t{}\t{}\t{}",
                        e.start,
                        e.end,
                        e.summary.as_deref().unwrap_or(""),
                        e.calendar
                    );
                }
                Ok(())
            }
        }
        CalCommand::Add { calendar, event, json } => {
            let zone = calame_core::calendar::local_zone();
            let summary = event
                .summary
                .clone()
                .ok_or_else(|| Error::BadInput("an event needs --summary".into()))?;
            let times =
                event_times(&event)?.ok_or_else(|| Error::BadInput("an event needs --start and --end".into()))?;
            let new = calame_core::calendar::NewEvent {
                summary,
                times,
                zone,
                location: event.location,
                description: event.description,
                categories: Vec::new(),
                rrule: event.rrule,
                organizer: None,
                attendees: event.attendee.into_iter().map(person).collect(),
                alarm: event.alarm,
            };
            let uid = calame.add_event(&email, &calendar, new, password.as_ref()).await?;
            if json {
                print_json(&serde_json::json!({ "uid": uid }))
            } else {
                println!("{uid}");
                Ok(())
            }
        }
        CalCommand::Edit { uid, occurrence, event } => {
            let change = calame_core::calendar::EventChange {
                times: event_times(&event)?,
                summary: event.summary,
                location: event.location,
                description: event.description,
                rrule: event.rrule,
                attendees: (!event.attendee.is_empty()).then(|| event.attendee.into_iter().map(person).collect()),
                alarm: event.alarm,
                ..Default::default()
            };
            calame
                .edit_event(&email, &uid, occurrence.as_deref(), &change, password.as_ref())
                .await
        }
        CalCommand::Delete { uid, occurrence } => {
            calame
                .delete_event(&email, &uid, occurrence.as_deref(), password.as_ref())
                .await
        }
        CalCommand::Respond {
            folder,
            uid,
            answer,
            json,
        } => {
            use calame_core::calendar::PartStat;
            let partstat = match answer {
                crate::args::InvitationAnswer::Accept => PartStat::Accepted,
                crate::args::InvitationAnswer::Tentative => PartStat::Tentative,
                crate::args::InvitationAnswer::Decline => PartStat::Declined,
            };
            let done = calame
                .respond(&email, &folder, uid, partstat, password.as_ref())
                .await?;
            if json {
                print_json(&done)
            } else {
                println!(
                    "{}\t{}\t{}\t{}",
                    done.uid, done.partstat, done.calendar, done.reply.status
                );
                Ok(())
            }
        }
    }
}

fn person(email: String) -> calame_core::calendar::Person {
    calame_core::calendar::Person { email, name: None }
}

/// `YYYY-MM-DD`.
fn date(text: &str) -> Result<chrono::NaiveDate, Error> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::BadInput(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

/// The times of `--start`/`--end` (both or neither): RFC 3339, or dates with --all-day.
fn event_times(event: &EventArgs) -> Result<Option<calame_core::calendar::EventTimes>, Error> {
    use calame_core::calendar::EventTimes;
    let (start, end) = match (&event.start, &event.end) {
        (None, None) => return Ok(None),
        (Some(s), Some(e)) => (s, e),
        _ => return Err(Error::BadInput("--start and --end go together".into())),
    };
    if event.all_day {
        let (start, end) = (date(start)?, date(end)?);
        // A one-day event may be given as its own day.
        let end = if end == start {
            end.succ_opt().unwrap_or(end)
        } else {
            end
        };
        return Ok(Some(EventTimes::AllDay { start, end }));
    }
    let time = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|_| Error::BadInput(format!("{t:?} is not an RFC 3339 time with an offset")))
    };
    Ok(Some(EventTimes::Timed {
        start: time(start)?,
        end: time(end)?,
    }))
}
