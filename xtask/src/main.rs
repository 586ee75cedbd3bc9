//! Developer tasks (`cargo xtask ...`): the demo, every test, the real-server stack, seeding.

mod bench;
mod demo;
mod setup;
mod test;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use calame_testkit::{Stack, StackInfo, StackOptions};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Calame's developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what is missing, start a demo server with a small town hall's mail, open Calame.
    Demo,
    /// Install what is missing and run every test (what CI runs).
    Test,
    /// Generate COUNT realistic messages straight into a folder of a running stack.
    Seed {
        /// The stack.json of a running stack.
        #[arg(long)]
        stack: PathBuf,
        #[arg(long, default_value = "alice")]
        login: String,
        /// The folder, as the server names it (modified UTF-7), e.g. INBOX or Archive.
        #[arg(long, default_value = "INBOX")]
        folder: String,
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Sync, full mirror, first-screen and search figures: a bare IMAP client, Calame, mbsync
    /// and notmuch on one stack, side by side (re-runs itself as a release build).
    Bench(bench::BenchArgs),
    /// First sync and unchanged resync of a large calendar: Calame and vdirsyncer on one
    /// Radicale, side by side (re-runs itself as a release build).
    BenchCalendar(bench::calendar::CalendarBenchArgs),
    /// The private stack of real servers (Dovecot, Postfix, Radicale) on 127.0.0.1.
    Stack {
        #[command(subcommand)]
        action: StackAction,
    },
}

#[derive(Subcommand)]
enum StackAction {
    /// Start a stack and leave it running; prints the path of its stack.json and a summary.
    Start {
        /// Directory for the stack (default: a new temporary directory, removed on stop).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Do not advertise CONDSTORE and QRESYNC (for the fallback sync paths).
        #[arg(long)]
        no_qresync: bool,
    },
    /// Stop the stack described by FILE (a stack.json).
    Stop {
        /// The stack.json printed by `stack start`.
        file: PathBuf,
    },
}

fn main() -> Result<()> {
    let root = workspace_root()?;
    match Cli::parse().command {
        Task::Demo => demo::run_demo(&root),
        Task::Test => test::run_all(&root),
        Task::Seed {
            stack,
            login,
            folder,
            count,
            seed,
        } => seed_folder(&stack, &login, &folder, count, seed),
        Task::Stack { action } => stack(action),
        Task::Bench(args) => bench::run_bench(&root, args),
        Task::BenchCalendar(args) => bench::calendar::run(&root, args),
    }
}

/// The repository's root (xtask lives one level below it).
fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent directory")
}

/// Run a command, its output going to ours; fail with the command line if it fails.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

pub(crate) fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Result<()> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input)?;
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

fn seed_folder(file: &Path, login: &str, folder: &str, count: u64, seed: u64) -> Result<()> {
    let stack = Stack::attach(file)?;
    let user = stack.user(login).clone();
    let started = Instant::now();
    let (_, report) = stack.seed(&user, folder, seed, count)?;
    let chown = started.elapsed().as_secs_f64() - report.seconds;
    println!(
        "seeded {} messages ({:.1} MB) into {login}/{folder} in {:.1} s (+{:.1} s chown)",
        report.messages,
        report.bytes as f64 / 1e6,
        report.seconds,
        chown.max(0.0)
    );
    Ok(())
}

fn stack(action: StackAction) -> Result<()> {
    match action {
        StackAction::Start { dir, no_qresync } => {
            let started = Instant::now();
            let stack = Stack::start(StackOptions {
                qresync: !no_qresync,
                dir,
                ..Default::default()
            })?;
            let file = stack.info_file();
            let info = stack.detach();
            let summary = summary(&info, started.elapsed().as_secs_f64());
            // One write: a reader that stops after the first line (`| head -1`) cannot make a
            // later write fail. The stack keeps running either way.
            let _ = std::io::stdout().write_all(format!("{}\n{summary}", file.display()).as_bytes());
            Ok(())
        }
        StackAction::Stop { file } => {
            Stack::attach(&file)?.stop()?;
            println!("stopped the stack of {}", file.display());
            Ok(())
        }
    }
}

/// A short human summary: ports, users and passwords, fingerprints.
fn summary(info: &StackInfo, seconds: f64) -> String {
    let host = &info.host;
    let mut lines = vec![
        format!("started in {seconds:.1}s, directory {}", info.dir.display()),
        format!(
            "  IMAP        {host}:{} (TLS)  {host}:{} (STARTTLS)",
            info.imaps_port, info.imap_port
        ),
        format!(
            "  submission  {host}:{} (STARTTLS)  {host}:{} (TLS)",
            info.submission_port, info.smtps_port
        ),
        format!("  LMTP        {host}:{}", info.lmtp_port),
        format!("  ManageSieve {host}:{} (STARTTLS)", info.managesieve_port),
        format!("  CalDAV      {}", info.caldav_url),
        format!("  CONDSTORE/QRESYNC {}", if info.qresync { "on" } else { "off" }),
        format!("  CA          {} sha256 {}", info.ca_file.display(), info.ca_sha256),
        format!("  server cert sha256 {}", info.cert_sha256),
    ];
    for user in &info.users {
        lines.push(format!(
            "  user        {} <{}> password {}",
            user.login, user.email, user.password
        ));
    }
    lines.push(format!("  pids        {:?}", info.pids));
    lines.join("\n") + "\n"
}
