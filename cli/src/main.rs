//! `calame`: the command line over Calame's core. Each subcommand parses its input, calls the
//! core, and prints; JSON on stdout is a stable interface, everything else goes to stderr.

mod args;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use calame_core::{AccountSetup, AccountSummary, Calame, Error, ErrorKind, Lang, Secret, TlsMode};
use clap::Parser;
use serde::Serialize;

use args::{AccountCommand, AddArgs, Cli, Command};

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

fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).map_err(|e| Error::Protocol(e.to_string()))?;
    writeln!(out).map_err(|e| Error::Protocol(e.to_string()))
}
