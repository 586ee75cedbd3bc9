//! `cargo xtask bench`: sync, mirror, first-screen and search figures, Calame next to its peers,
//! on one private stack.
//!
//! One run starts a stack (Dovecot, Postfix, Radicale on 127.0.0.1), seeds alice's INBOX with
//! `--messages` realistic messages, then measures, `--runs` times each (the table shows medians):
//!
//! 1. **raw limit**: a bare IMAPS client written here (tokio + rustls, no IMAP library) logs in,
//!    sends `ENABLE QRESYNC`, `SELECT "INBOX" (CONDSTORE)`, then exactly Calame's envelope
//!    `UID FETCH 1:* (...)`, and reads the response into nothing until the tagged OK: the time
//!    from sending the FETCH to its OK, and the bytes read on the wire (TLS included, as Calame
//!    counts them). A bare `UID FETCH 1:* (UID FLAGS)` is timed for reference, and
//!    `UID FETCH 1:* (UID BODY.PEEK[])`, the raw limit for whole messages. A first pass before
//!    them lets Dovecot index the folder and fill its cache; its times are printed apart.
//! 2. **Calame envelope sync**: a fresh profile, `calame account add`, then
//!    `calame sync --folder INBOX --bodies none --json` as a whole process (wall time and peak RSS, through
//!    `/usr/bin/time`), with its own `seconds` (the sync on an open connection) and `bytes_in`.
//! 3. **no-change resync**: the same command again on the same profile.
//! 4. **first screen**: on a fresh profile after `account add`, the time from starting
//!    `calame sync --folder INBOX` to the first progress line on its stderr
//!    (`calame: INBOX 50% (512/1000)`, printed once the newest envelopes are in; only for a
//!    folder of 1,000 messages or more, else n/a).
//! 5. **full offline mirror**: on a fresh profile, `calame sync --folder INBOX --bodies all --json`
//!    (every body fetched and cached) as a whole process. A calame whose `sync --help` has no
//!    `--bodies` gets n/a here, and the bench goes on.
//! 6. **mbsync** (isync): the same INBOX pulled into a fresh maildir (mbsync always downloads
//!    whole messages), again with nothing changed (2 s later: mbsync sleeps a second when its
//!    maildir changed within the last one), and a full pull with `FSync no`, the mirror's peer.
//!    The last `FSync no` maildir is kept for notmuch.
//! 7. **local search** (`bench/search.rs`), once: 100 queries drawn with `--seed` from the
//!    INBOX's subjects and senders, each timed as a whole process through
//!    `calame --offline search Q --limit 50 --json` on the mirror's profile and
//!    `notmuch search --output=messages --limit=50 Q` and `notmuch count Q` on mbsync's maildir;
//!    medians, p95, mean hits, Calame's first search (its index build) and `notmuch new` apart,
//!    and both indexes' sizes on disk. The step fails when Calame finds nothing for more than
//!    half the queries.
//!
//! Every timed process starts after a `sync`, so that the writeback of an earlier step (a 1 GB
//! maildir, its removal) does not land in its time (the search queries: one `sync` before the
//! series). Profiles and maildirs go to a temporary directory (`--work-dir DIR` to pick where,
//! e.g. `/dev/shm`). The header of the table gives the load average: other work on the machine
//! shows in the figures.
//!
//! It prints plain-text tables with ratios and BRIEF.md's targets, then one JSON line
//! (`{"bench":"sync",...}`). Nothing here asserts a timing: the bench fails only when a step does
//! (a command fails, a sync does not bring the expected number of messages, a search finds
//! nothing).
//!
//! Timings want optimised code: from a debug build (`cargo xtask bench`), this task builds
//! xtask in release and runs that binary with the same arguments; `cargo run --release -p xtask
//! -- bench` skips that step. Either way it builds `calame-cli` in release (`--calame PATH` uses
//! a given binary instead).

pub mod calendar;
mod search;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use calame_core::envelope::HEADER_FIELDS;
use calame_testkit::mailgen::SeedReport;
use calame_testkit::{Stack, StackInfo, StackOptions};
use clap::Args;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::{run, setup};

/// GNU time (Debian's `time` package), for the peak RSS of a process.
const GNU_TIME: &str = "/usr/bin/time";
/// The mailbox owner whose INBOX is seeded and synced.
const LOGIN: &str = "alice";

/// How long the bench waits between mbsync's first sync and its no-change resync.
const MBSYNC_SETTLE: Duration = Duration::from_secs(2);

/// BRIEF.md's targets.
const TARGET_VS_RAW: f64 = 1.5;
const TARGET_RESYNC_SECONDS: f64 = 0.050;
const TARGET_RESYNC_BYTES: u64 = 2_000;
const TARGET_RSS_BYTES: u64 = 100_000_000;
const TARGET_FIRST_SCREEN_SECONDS: f64 = 1.0;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Messages seeded into the INBOX (1000; 100000 for the large figures, not part of CI).
    #[arg(long, default_value_t = 1000)]
    messages: u64,
    /// Runs of each measure but the search (100 queries, once); the table shows medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// Use this `calame` binary instead of building calame-cli in release.
    #[arg(long, value_name = "PATH")]
    calame: Option<PathBuf>,
    /// Seed of the mail generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where Calame's profiles and mbsync's maildirs go (a temporary directory is made in it);
    /// default: the system's temporary directory. `/dev/shm` keeps both copies in memory.
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
}

/// `cargo xtask bench`.
pub fn run_bench(root: &Path, args: BenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        return reexec_release(root);
    }
    ensure_tools()?;
    let calame = match &args.calame {
        Some(path) => path.clone(),
        None => build_calame(root)?,
    };
    let work = match &args.work_dir {
        Some(dir) => tempfile::Builder::new().prefix("calame-bench-").tempdir_in(dir),
        None => tempfile::Builder::new().prefix("calame-bench-").tempdir(),
    }
    .context("creating the bench's work directory")?;
    let versions = Versions::read();
    step("starting the stack");
    let stack = Stack::start(StackOptions::default())?;
    let figures = measure(&stack, &calame, work.path(), &args);
    // Stopped whether the measures worked or not (dropping it would too, without the error).
    let stopped = stack.stop();
    let figures = figures?;
    stopped.context("stopping the stack")?;
    let report = Report {
        args: &args,
        versions,
        figures,
        calame,
        work: work.path().to_path_buf(),
    };
    print!("{}", report.table());
    println!("{}", report.json());
    Ok(())
}

/// Build xtask in release and run it with our arguments.
fn reexec_release(root: &Path) -> Result<()> {
    step("building xtask in release (timings and seeding need optimised code)");
    run(cargo(root).args(["build", "--release", "--quiet", "-p", "xtask"]))?;
    let exe = target_dir(root).join("release").join("xtask");
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let status = Command::new(&exe)
        .args(&args)
        .status()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !status.success() {
        // The release run already said why on stderr.
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root);
    cmd
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn build_calame(root: &Path) -> Result<PathBuf> {
    step("building calame-cli in release");
    run(cargo(root).args(["build", "--release", "--quiet", "-p", "calame-cli"]))?;
    Ok(target_dir(root).join("release").join("calame"))
}

/// mbsync, notmuch, GNU time and the servers; installed (setup.rs) when one is missing.
fn ensure_tools() -> Result<()> {
    let missing = !Path::new(GNU_TIME).is_file()
        || ["mbsync", "notmuch", "dovecot"]
            .iter()
            .any(|p| setup::which(p).is_none());
    if missing {
        setup::system_packages()?;
    }
    Ok(())
}

fn step(what: &str) {
    eprintln!("xtask: bench: {what}");
}

/// Everything measured in one run of the bench.
struct Figures {
    seeded: SeedReport,
    /// The 1-minute load average when the measures started and ended: other work on the
    /// machine shows in the figures.
    load_start: Option<f64>,
    load_end: Option<f64>,
    /// Dovecot's first access: SELECT, the first envelope FETCH (indexing, cache filling), the
    /// first body FETCH.
    cold: Cold,
    raw_envelopes: Vec<Sample>,
    raw_flags: Vec<Sample>,
    raw_bodies: Vec<Sample>,
    calame_add: Vec<Sample>,
    calame_sync: Vec<Sample>,
    calame_resync: Vec<Sample>,
    /// The profile's size on disk after the first sync (allocated blocks).
    calame_cache_bytes: Vec<Sample>,
    /// Seconds to the first progress line of a first sync; `None` when it printed none.
    first_screen: Vec<Option<f64>>,
    /// `sync --bodies all` on a fresh profile; `None` when this calame has no `--bodies`.
    mirror: Option<Mirror>,
    mbsync_sync: Vec<Sample>,
    mbsync_resync: Vec<Sample>,
    mbsync_sync_nofsync: Vec<Sample>,
    search: search::SearchFigures,
}

/// The raw client's first pass after seeding, in seconds.
struct Cold {
    select: f64,
    envelopes: f64,
    bodies: f64,
}

/// The full offline mirror's runs.
struct Mirror {
    samples: Vec<Sample>,
    /// `bodies_fetched` of the last run's JSON, when calame reports it.
    bodies_fetched: Option<u64>,
    /// The last run's profile, kept for the search step.
    profile: PathBuf,
}

/// One measure of one run. `wall` is a whole process (or, for the raw client, one command);
/// `seconds` and `bytes` what Calame's JSON reports (or the raw client measured).
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: Option<f64>,
    seconds: Option<f64>,
    bytes: Option<u64>,
    rss_kib: Option<u64>,
}

fn measure(stack: &Stack, calame: &Path, work: &Path, args: &BenchArgs) -> Result<Figures> {
    let info = &stack.info;
    step(&format!("seeding {} messages into {LOGIN}'s INBOX", args.messages));
    let seeded = seed(stack, args.messages, args.seed)?;
    eprintln!(
        "xtask: bench: seeded {} messages ({:.1} MB) in {:.1} s",
        seeded.messages,
        seeded.bytes as f64 / 1e6,
        seeded.seconds
    );
    let load_start = load_average();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a tokio runtime")?;

    step("raw client: first access (Dovecot indexes the folder)");
    let cold = runtime.block_on(raw_cold(info))?;
    let mut raw_envelopes = Vec::new();
    let mut raw_flags = Vec::new();
    let mut raw_bodies = Vec::new();
    for run in 1..=args.runs {
        step(&format!("raw client, run {run}/{}", args.runs));
        let [envelopes, flags, bodies] = runtime.block_on(raw_run(info))?;
        raw_envelopes.push(envelopes);
        raw_flags.push(flags);
        raw_bodies.push(bodies);
    }

    let user = stack.user(LOGIN).clone();
    let mut calame_add = Vec::new();
    let mut calame_sync = Vec::new();
    let mut calame_resync = Vec::new();
    let mut calame_cache_bytes = Vec::new();
    for run in 1..=args.runs {
        step(&format!("calame, run {run}/{}", args.runs));
        let profile = work.join(format!("calame-{run}"));
        let add = calame_add_account(calame, info, &user, &profile, work)?;
        // Envelopes only: the figure set against the raw envelope fetch and mbsync's sync.
        let (sync, report) = calame_sync_json(calame, &user, &profile, work, &["--bodies", "none"])?;
        check_new(&report, args.messages, "first sync")?;
        let cache = dir_size(&profile)?;
        let (resync, report) = calame_sync_json(calame, &user, &profile, work, &["--bodies", "none"])?;
        if report.messages_new + report.messages_changed + report.messages_gone != 0 {
            bail!("calame's resync with nothing changed reported changes: {report:?}");
        }
        calame_add.push(add);
        calame_sync.push(sync);
        calame_resync.push(resync);
        calame_cache_bytes.push(Sample {
            bytes: Some(cache),
            ..Sample::default()
        });
        fs::remove_dir_all(&profile).with_context(|| format!("removing {}", profile.display()))?;
    }
    let first_screen = measure_first_screen(calame, info, &user, work, args)?;
    let mirror = measure_mirror(calame, info, &user, work, args)?;

    let mut mbsync_sync = Vec::new();
    let mut mbsync_resync = Vec::new();
    for run in 1..=args.runs {
        step(&format!("mbsync, run {run}/{}", args.runs));
        let dir = work.join(format!("mbsync-{run}"));
        let config = mbsync_setup(info, &user, &dir, true)?;
        mbsync_sync.push(mbsync(&config, &dir, work, args.messages)?);
        // mbsync sleeps a second when its maildir changed within the last second ("sleeping
        // due to recent directory modification"); a real resync comes later than that.
        std::thread::sleep(MBSYNC_SETTLE);
        mbsync_resync.push(mbsync(&config, &dir, work, args.messages)?);
        fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let mut mbsync_sync_nofsync = Vec::new();
    for run in 1..=args.runs {
        step(&format!("mbsync with FSync no, run {run}/{}", args.runs));
        let dir = work.join(format!("mbsync-nofsync-{run}"));
        let config = mbsync_setup(info, &user, &dir, false)?;
        mbsync_sync_nofsync.push(mbsync(&config, &dir, work, args.messages)?);
        // The last maildir is notmuch's.
        if run < args.runs {
            fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    let maildir = work
        .join(format!("mbsync-nofsync-{}", args.runs))
        .join("store")
        .join("INBOX");

    let search = measure_search(calame, info, &user, mirror.as_ref(), &maildir, work, args)?;

    Ok(Figures {
        seeded,
        load_start,
        load_end: load_average(),
        cold,
        raw_envelopes,
        raw_flags,
        raw_bodies,
        calame_add,
        calame_sync,
        calame_resync,
        calame_cache_bytes,
        first_screen,
        mirror,
        mbsync_sync,
        mbsync_resync,
        mbsync_sync_nofsync,
        search,
    })
}

/// The first screen, `--runs` times on fresh profiles.
fn measure_first_screen(
    calame: &Path,
    info: &StackInfo,
    user: &calame_testkit::User,
    work: &Path,
    args: &BenchArgs,
) -> Result<Vec<Option<f64>>> {
    let mut first_screen = Vec::new();
    for run in 1..=args.runs {
        step(&format!("calame first screen, run {run}/{}", args.runs));
        let profile = work.join(format!("calame-first-{run}"));
        calame_add_account(calame, info, user, &profile, work)?;
        first_screen.push(calame_first_progress(calame, user, &profile)?);
        fs::remove_dir_all(&profile).with_context(|| format!("removing {}", profile.display()))?;
    }
    Ok(first_screen)
}

/// The search step on the mirror's profile, else (no `--bodies`) on the envelopes of a plain
/// sync.
fn measure_search(
    calame: &Path,
    info: &StackInfo,
    user: &calame_testkit::User,
    mirror: Option<&Mirror>,
    maildir: &Path,
    work: &Path,
    args: &BenchArgs,
) -> Result<search::SearchFigures> {
    if let Some(m) = mirror {
        return search::measure(calame, &m.profile, true, maildir, work, args.seed);
    }
    step("search: an envelope-only profile (this calame has no --bodies)");
    let profile = work.join("calame-search");
    calame_add_account(calame, info, user, &profile, work)?;
    let (_, report) = calame_sync_json(calame, user, &profile, work, &[])?;
    check_new(&report, args.messages, "sync for the search")?;
    search::measure(calame, &profile, false, maildir, work, args.seed)
}

/// Fail unless a first sync brought `messages` new messages.
fn check_new(report: &SyncJson, messages: u64, what: &str) -> Result<()> {
    if report.messages_new != messages {
        bail!(
            "calame's {what} brought {} new messages, not {messages}",
            report.messages_new
        );
    }
    Ok(())
}

/// The full offline mirror, `--runs` times on fresh profiles (the last one kept); `None` when
/// this calame has no `sync --bodies`.
fn measure_mirror(
    calame: &Path,
    info: &StackInfo,
    user: &calame_testkit::User,
    work: &Path,
    args: &BenchArgs,
) -> Result<Option<Mirror>> {
    if !has_bodies_flag(calame)? {
        step("calame mirror: n/a (this calame's `sync` has no --bodies)");
        return Ok(None);
    }
    let mut samples = Vec::new();
    let mut bodies_fetched = None;
    let mut profile = PathBuf::new();
    for run in 1..=args.runs {
        step(&format!("calame mirror (--bodies all), run {run}/{}", args.runs));
        if run > 1 {
            fs::remove_dir_all(&profile).with_context(|| format!("removing {}", profile.display()))?;
        }
        profile = work.join(format!("calame-mirror-{run}"));
        calame_add_account(calame, info, user, &profile, work)?;
        let (sample, report) = calame_sync_json(calame, user, &profile, work, &["--bodies", "all"])?;
        check_new(&report, args.messages, "mirror")?;
        if let Some(n) = report.bodies_fetched.filter(|&n| n != args.messages) {
            bail!("calame's mirror fetched {n} bodies, not {}", args.messages);
        }
        samples.push(sample);
        bodies_fetched = report.bodies_fetched;
    }
    Ok(Some(Mirror {
        samples,
        bodies_fetched,
        profile,
    }))
}

/// Whether `calame sync --help` lists `--bodies` (being added beside this bench).
fn has_bodies_flag(calame: &Path) -> Result<bool> {
    let out = Command::new(calame)
        .args(["sync", "--help"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", calame.display()))?;
    if !out.status.success() {
        bail!(
            "`{} sync --help` failed ({}): {}",
            calame.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).contains("--bodies"))
}

/// The 1-minute load average (Linux).
fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `mailgen` straight into the INBOX maildir, owned by the mail user (as `cargo xtask seed`).
fn seed(stack: &Stack, count: u64, seed: u64) -> Result<SeedReport> {
    let user = stack.user(LOGIN).clone();
    Ok(stack.seed(&user, "INBOX", seed, count)?.1)
}

// ---------------------------------------------------------------------------------------------
// The raw client.

/// Calame's envelope FETCH, as core/src/imap/mailbox.rs sends it on a CONDSTORE server.
fn envelope_fetch() -> String {
    format!("UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE MODSEQ BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])")
}

const FLAGS_FETCH: &str = "UID FETCH 1:* (UID FLAGS)";

/// Every whole message, as a full mirror needs them (mbsync asks for `BODY.PEEK[]` too).
const BODIES_FETCH: &str = "UID FETCH 1:* (UID BODY.PEEK[])";

/// The first access after seeding: SELECT, envelope FETCH and body FETCH times.
async fn raw_cold(info: &StackInfo) -> Result<Cold> {
    let mut session = RawSession::open(info).await?;
    session.command("ENABLE QRESYNC").await?;
    let select = session.timed("SELECT \"INBOX\" (CONDSTORE)").await?;
    let envelopes = session.timed(&envelope_fetch()).await?;
    let bodies = session.timed(BODIES_FETCH).await?;
    session.command("LOGOUT").await?;
    Ok(Cold {
        select: select.seconds.unwrap_or_default(),
        envelopes: envelopes.seconds.unwrap_or_default(),
        bodies: bodies.seconds.unwrap_or_default(),
    })
}

/// One warm run: the envelope FETCH, the flags FETCH, then the body FETCH, on one connection.
async fn raw_run(info: &StackInfo) -> Result<[Sample; 3]> {
    let mut session = RawSession::open(info).await?;
    session.command("ENABLE QRESYNC").await?;
    session.command("SELECT \"INBOX\" (CONDSTORE)").await?;
    let envelopes = session.timed(&envelope_fetch()).await?;
    let flags = session.timed(FLAGS_FETCH).await?;
    let bodies = session.timed(BODIES_FETCH).await?;
    session.command("LOGOUT").await?;
    Ok([envelopes, flags, bodies])
}

/// A TCP stream that counts the bytes read from the wire (TLS records included).
struct Counting {
    inner: TcpStream,
    read: Arc<AtomicU64>,
}

impl AsyncRead for Counting {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        poll
    }
}

impl AsyncWrite for Counting {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The read buffer: what one read may bring, plus room for the bytes kept from the last one.
const READ_BUFFER: usize = 64 * 1024;

/// A bare IMAP client: commands one at a time, responses scanned for their tagged line only.
struct RawSession {
    tls: tokio_rustls::client::TlsStream<Counting>,
    read: Arc<AtomicU64>,
    tag: u32,
    buf: Vec<u8>,
}

impl RawSession {
    /// Connect with TLS (trusting the stack's CA only), read the greeting, LOGIN.
    async fn open(info: &StackInfo) -> Result<RawSession> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&info.ca_file)
            .with_context(|| format!("reading {}", info.ca_file.display()))?
        {
            roots.add(cert.context("parsing the stack's CA")?)?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = TcpStream::connect((info.host.as_str(), info.imaps_port))
            .await
            .with_context(|| format!("connecting to {}:{}", info.host, info.imaps_port))?;
        tcp.set_nodelay(true)?;
        let read = Arc::new(AtomicU64::new(0));
        let counting = Counting {
            inner: tcp,
            read: Arc::clone(&read),
        };
        let name = ServerName::try_from(info.host.as_str())?.to_owned();
        let tls = connector
            .connect(name, counting)
            .await
            .context("TLS handshake with the stack's Dovecot")?;
        let mut session = RawSession {
            tls,
            read,
            tag: 0,
            buf: vec![0; READ_BUFFER + 64],
        };
        session.greeting().await?;
        let user = info
            .users
            .iter()
            .find(|u| u.login == LOGIN)
            .context("the stack has no user alice")?;
        session
            .command(&format!("LOGIN \"{}\" \"{}\"", user.login, user.password))
            .await?;
        Ok(session)
    }

    /// The server's first line (`* OK ...`).
    async fn greeting(&mut self) -> Result<()> {
        let mut line = Vec::new();
        while !line.ends_with(b"\r\n") {
            let n = self.tls.read(&mut self.buf).await?;
            if n == 0 {
                bail!("the server closed the connection before its greeting");
            }
            line.extend_from_slice(&self.buf[..n]);
        }
        if !line.starts_with(b"* OK") {
            bail!("unexpected greeting {:?}", String::from_utf8_lossy(&line));
        }
        Ok(())
    }

    /// Send a command and read its response into nothing; fails unless it ends in OK.
    async fn command(&mut self, command: &str) -> Result<()> {
        self.timed(command).await.map(|_| ())
    }

    /// [`RawSession::command`], timed from the send to the tagged OK, with the bytes read.
    async fn timed(&mut self, command: &str) -> Result<Sample> {
        self.tag += 1;
        let tag = format!("Zb{}", self.tag);
        let before = self.read.load(Ordering::Relaxed);
        let started = Instant::now();
        self.tls.write_all(format!("{tag} {command}\r\n").as_bytes()).await?;
        self.tls.flush().await?;
        let status = self.until_tagged(&tag).await?;
        let seconds = started.elapsed().as_secs_f64();
        let bytes = self.read.load(Ordering::Relaxed) - before;
        if !status.starts_with("OK") {
            bail!("{command}: {tag} {status}");
        }
        Ok(Sample {
            wall: Some(seconds),
            seconds: Some(seconds),
            bytes: Some(bytes),
            rss_kib: None,
        })
    }

    /// Read until the tagged status line of `tag` (found as `\r\nTAG ` across read boundaries:
    /// the last bytes of each read are kept in front of the next); returns what follows the tag.
    async fn until_tagged(&mut self, tag: &str) -> Result<String> {
        let pattern = format!("\r\n{tag} ");
        let finder = memchr::memmem::Finder::new(pattern.as_bytes());
        let keep = pattern.len() - 1;
        // The previous response ended with CRLF: a response that is only its tagged line matches.
        self.buf[..2].copy_from_slice(b"\r\n");
        let mut filled = 2;
        loop {
            let n = self.tls.read(&mut self.buf[filled..]).await?;
            if n == 0 {
                bail!("the server closed the connection while we waited for {tag}");
            }
            let end = filled + n;
            if let Some(at) = finder.find(&self.buf[..end]) {
                let mut line = self.buf[at + pattern.len()..end].to_vec();
                while memchr::memmem::find(&line, b"\r\n").is_none() {
                    let n = self.tls.read(&mut self.buf).await?;
                    if n == 0 {
                        bail!("the server closed the connection in the middle of {tag}'s status");
                    }
                    line.extend_from_slice(&self.buf[..n]);
                }
                let cut = memchr::memmem::find(&line, b"\r\n").unwrap_or(line.len());
                line.truncate(cut);
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            let from = end.saturating_sub(keep);
            self.buf.copy_within(from..end, 0);
            filled = end - from;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Calame and mbsync as processes.

/// What `calame sync --json` prints.
#[derive(Debug, Deserialize)]
struct SyncJson {
    messages_new: u64,
    messages_changed: u64,
    messages_gone: u64,
    seconds: f64,
    bytes_in: u64,
    /// With `--bodies` (when calame reports it).
    #[serde(default)]
    bodies_fetched: Option<u64>,
}

/// A finished process: its wall time (from spawning GNU time to its exit), peak RSS, output.
struct Timed {
    wall: f64,
    rss_kib: u64,
    stdout: Vec<u8>,
}

/// Run `program args` under GNU time (`-f %M`: the peak RSS in KiB), stdin closed, output
/// captured; fail with its stderr when it fails.
fn timed_process(program: &Path, args: &[OsString], envs: &[(&str, &str)], work: &Path) -> Result<Timed> {
    let rss_file = work.join("time.out");
    let mut cmd = Command::new(GNU_TIME);
    cmd.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(program)
        .args(args)
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    // Write back what earlier steps left dirty (a 1 GB maildir, its removal), so that it does
    // not land in this process's time.
    let _ = Command::new("sync").status();
    let started = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let wall = started.elapsed().as_secs_f64();
    let shown = || {
        let line: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        format!("{} {}", program.display(), line.join(" "))
    };
    if !out.status.success() {
        bail!(
            "`{}` failed ({}): {}{}",
            shown(),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let text = fs::read_to_string(&rss_file).with_context(|| format!("reading {}", rss_file.display()))?;
    let rss_kib = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.trim().parse().ok())
        .with_context(|| format!("no peak RSS from GNU time for `{}`: {text:?}", shown()))?;
    Ok(Timed {
        wall,
        rss_kib,
        stdout: out.stdout,
    })
}

fn os_args(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// `calame --profile DIR account add alice@... --imap 127.0.0.1:PORT --tls implicit
/// --trust-cert SHA`.
fn calame_add_account(
    calame: &Path,
    info: &StackInfo,
    user: &calame_testkit::User,
    profile: &Path,
    work: &Path,
) -> Result<Sample> {
    let t = calame_account_add(calame, info, user, profile, work, &[])?;
    Ok(Sample {
        wall: Some(t.wall),
        rss_kib: Some(t.rss_kib),
        ..Sample::default()
    })
}

/// `calame --profile DIR account add USER --imap … --tls implicit --trust-cert SHA [EXTRA..]`,
/// timed.
fn calame_account_add(
    calame: &Path,
    info: &StackInfo,
    user: &calame_testkit::User,
    profile: &Path,
    work: &Path,
    extra: &[&str],
) -> Result<Timed> {
    let imap = format!("{}:{}", info.host, info.imaps_port);
    let mut args = os_args(&[
        &"--profile",
        &profile,
        &"account",
        &"add",
        &user.email,
        &"--login",
        &user.login,
        &"--imap",
        &imap,
        &"--tls",
        &"implicit",
        &"--trust-cert",
        &info.cert_sha256,
    ]);
    args.extend(extra.iter().map(OsString::from));
    timed_process(calame, &args, &[("CALAME_PASSWORD", &user.password)], work)
}

/// `calame --profile DIR sync --folder INBOX --json [EXTRA..]`, timed.
fn calame_sync_json(
    calame: &Path,
    user: &calame_testkit::User,
    profile: &Path,
    work: &Path,
    extra: &[&str],
) -> Result<(Sample, SyncJson)> {
    let mut args = os_args(&[&"--profile", &profile, &"sync", &"--folder", &"INBOX", &"--json"]);
    args.extend(extra.iter().map(OsString::from));
    let t = timed_process(calame, &args, &[("CALAME_PASSWORD", &user.password)], work)?;
    let report: SyncJson = serde_json::from_slice(&t.stdout)
        .with_context(|| format!("calame sync --json printed {:?}", String::from_utf8_lossy(&t.stdout)))?;
    let sample = Sample {
        wall: Some(t.wall),
        seconds: Some(report.seconds),
        bytes: Some(report.bytes_in),
        rss_kib: Some(t.rss_kib),
    };
    Ok((sample, report))
}

/// `calame --profile DIR sync --folder INBOX` spawned after a `sync`, its stderr read line by
/// line: the seconds from the spawn to the first progress line (`calame: INBOX 50% (512/1000)`),
/// `None` when it printed none. Fails when the sync fails.
fn calame_first_progress(calame: &Path, user: &calame_testkit::User, profile: &Path) -> Result<Option<f64>> {
    let _ = Command::new("sync").status();
    let started = Instant::now();
    let mut child = Command::new(calame)
        .arg("--profile")
        .arg(profile)
        .args(["sync", "--folder", "INBOX", "--bodies", "none"])
        .env("CALAME_PASSWORD", &user.password)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", calame.display()))?;
    let stderr = child.stderr.take().context("no stderr from calame sync")?;
    let mut first = None;
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.context("reading calame sync's stderr")?;
        if first.is_none() && is_progress(&line) {
            first = Some(started.elapsed().as_secs_f64());
        }
        lines.push(line);
    }
    let status = child.wait().context("waiting for calame sync")?;
    if !status.success() {
        bail!("`calame sync --folder INBOX` failed ({status}): {}", lines.join("\n"));
    }
    Ok(first)
}

/// `calame: INBOX 50% (512/1000)`: the CLI's progress line for the INBOX.
fn is_progress(line: &str) -> bool {
    line.strip_prefix("calame: INBOX ")
        .and_then(|rest| rest.split_once("% ("))
        .is_some_and(|(percent, _)| percent.parse::<u32>().is_ok())
}

/// Write `DIR/mbsyncrc` pulling the stack's INBOX into the maildir `DIR/store/INBOX`.
fn mbsync_setup(info: &StackInfo, user: &calame_testkit::User, dir: &Path, fsync: bool) -> Result<PathBuf> {
    let store = dir.join("store");
    fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;
    let global = if fsync { "" } else { "FSync no\n\n" };
    // mbsync checks the certificate against DNS names only; the stack's has DNS:127.0.0.1.
    let config = format!(
        "{global}IMAPAccount bench\n\
         Host {host}\n\
         Port {port}\n\
         User {login}\n\
         Pass \"{password}\"\n\
         SSLType IMAPS\n\
         CertificateFile {ca}\n\
         \n\
         IMAPStore bench-far\n\
         Account bench\n\
         \n\
         MaildirStore bench-near\n\
         Path {store}/\n\
         Inbox {store}/INBOX\n\
         \n\
         Channel bench\n\
         Far :bench-far:\n\
         Near :bench-near:\n\
         Patterns INBOX\n\
         Sync Pull\n\
         Create Near\n\
         Expunge None\n\
         SyncState *\n",
        host = info.host,
        port = info.imaps_port,
        login = user.login,
        password = user.password,
        ca = info.ca_file.display(),
        store = store.display(),
    );
    let file = dir.join("mbsyncrc");
    fs::write(&file, config).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

/// `mbsync -c FILE -a`, timed; checks the maildir then holds `messages` messages.
fn mbsync(config: &Path, dir: &Path, work: &Path, messages: u64) -> Result<Sample> {
    let mbsync = setup::which("mbsync").context("mbsync is not installed (Debian: isync)")?;
    let args = os_args(&[&"-c", &config, &"-a"]);
    let t = timed_process(&mbsync, &args, &[], work)?;
    let inbox = dir.join("store").join("INBOX");
    let mut count = 0u64;
    for sub in ["cur", "new"] {
        let path = inbox.join(sub);
        count += fs::read_dir(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .count() as u64;
    }
    if count != messages {
        bail!("mbsync's maildir holds {count} messages, not {messages}");
    }
    Ok(Sample {
        wall: Some(t.wall),
        rss_kib: Some(t.rss_kib),
        ..Sample::default()
    })
}

/// Allocated size of a directory tree (what `du` says).
fn dir_size(path: &Path) -> Result<u64> {
    let meta = fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let mut total = meta.blocks() * 512;
    if meta.is_dir() {
        for entry in fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
            total += dir_size(&entry?.path())?;
        }
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// The report.

struct Versions {
    dovecot: String,
    mbsync: String,
    notmuch: String,
}

impl Versions {
    fn read() -> Versions {
        let version = |program: &str| {
            Command::new(program)
                .arg("--version")
                .output()
                .ok()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                })
                .unwrap_or_else(|| "?".to_owned())
        };
        Versions {
            dovecot: version("dovecot"),
            mbsync: version("mbsync"),
            notmuch: version("notmuch"),
        }
    }
}

/// Medians of each field over the runs.
#[derive(Clone, Copy, Default)]
struct Median {
    wall: Option<f64>,
    seconds: Option<f64>,
    bytes: Option<u64>,
    rss_kib: Option<u64>,
}

fn median_f64(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

fn median_u64(values: Vec<u64>) -> Option<u64> {
    median_f64(values.into_iter().map(|v| v as f64).collect()).map(|m| m.round() as u64)
}

fn median(samples: &[Sample]) -> Median {
    Median {
        wall: median_f64(samples.iter().filter_map(|s| s.wall).collect()),
        seconds: median_f64(samples.iter().filter_map(|s| s.seconds).collect()),
        bytes: median_u64(samples.iter().filter_map(|s| s.bytes).collect()),
        rss_kib: median_u64(samples.iter().filter_map(|s| s.rss_kib).collect()),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_seconds(s: Option<f64>) -> String {
    match s {
        None => "-".to_owned(),
        Some(s) if s < 0.1 => format!("{:.2} ms", s * 1e3),
        Some(s) => format!("{s:.3} s"),
    }
}

fn fmt_bytes(b: Option<u64>) -> String {
    match b {
        None => "-".to_owned(),
        Some(b) if b < 10_000 => format!("{b} B"),
        Some(b) if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        Some(b) if b < 10_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        Some(b) => format!("{:.2} GB", b as f64 / 1e9),
    }
}

/// Peak RSS (GNU time's KiB) in MB.
fn fmt_rss(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".to_owned(), |k| format!("{:.1} MB", (k * 1024) as f64 / 1e6))
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x"))
}

fn verdict(met: bool) -> &'static str {
    if met {
        "ok"
    } else {
        "MISSED"
    }
}

struct Report<'a> {
    args: &'a BenchArgs,
    versions: Versions,
    figures: Figures,
    /// The calame binary measured.
    calame: PathBuf,
    /// Where the profiles and maildirs were written.
    work: PathBuf,
}

/// The medians the table and the JSON line share.
struct Summary {
    raw_env: Median,
    raw_flags: Median,
    add: Median,
    sync: Median,
    resync: Median,
    cache: Median,
    mb_sync: Median,
    mb_resync: Median,
    mb_nofsync: Median,
    raw_bodies: Median,
    /// `None` when this calame has no `--bodies`.
    mirror: Option<Median>,
    /// `None` when no run printed a progress line.
    first_screen: Option<f64>,
}

impl Report<'_> {
    fn summary(&self) -> Summary {
        let f = &self.figures;
        Summary {
            raw_env: median(&f.raw_envelopes),
            raw_flags: median(&f.raw_flags),
            add: median(&f.calame_add),
            sync: median(&f.calame_sync),
            resync: median(&f.calame_resync),
            cache: median(&f.calame_cache_bytes),
            mb_sync: median(&f.mbsync_sync),
            mb_resync: median(&f.mbsync_resync),
            mb_nofsync: median(&f.mbsync_sync_nofsync),
            raw_bodies: median(&f.raw_bodies),
            mirror: f.mirror.as_ref().map(|m| median(&m.samples)),
            first_screen: median_f64(f.first_screen.iter().flatten().copied().collect()),
        }
    }

    fn table(&self) -> String {
        let s = self.summary();
        let f = &self.figures;
        let mut rows = self.sync_rows(&s);
        rows.extend(self.mirror_rows(&s));
        let header = [
            "measure",
            "time",
            "bytes in",
            "peak RSS",
            "vs raw",
            "vs mbsync",
            "target (BRIEF.md)",
        ];
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nSync benchmark: {} messages in INBOX ({} on disk), median of {} run(s)",
            self.args.messages,
            fmt_bytes(Some(f.seeded.bytes)),
            self.args.runs
        );
        let _ = writeln!(
            out,
            "Dovecot {} over IMAPS on 127.0.0.1; {}; {}; calame {}; profiles and maildirs in {}",
            self.versions.dovecot,
            self.versions.mbsync,
            self.versions.notmuch,
            self.calame.display(),
            self.work.display()
        );
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let _ = writeln!(
            out,
            "{cores} cores; load average (1 min) {} at the start of the measures, {} at the end",
            f.load_start.map_or_else(|| "?".to_owned(), |l| format!("{l:.2}")),
            f.load_end.map_or_else(|| "?".to_owned(), |l| format!("{l:.2}"))
        );
        let _ = writeln!(
            out,
            "Dovecot's first access after seeding (raw client, before the runs below): SELECT {}, envelope FETCH {}, \
             body FETCH {}\n",
            fmt_seconds(Some(f.cold.select)),
            fmt_seconds(Some(f.cold.envelopes)),
            fmt_seconds(Some(f.cold.bodies))
        );
        out.push_str(&render_table(header, &rows));
        let _ = writeln!(
            out,
            "\ncalame's cache on disk after the first sync: {} (envelope bytes on the wire: {})",
            fmt_bytes(s.cache.bytes),
            fmt_bytes(s.sync.bytes)
        );
        let _ = writeln!(
            out,
            "protocol = `seconds`/`bytes_in` of `calame sync --json` (ENABLE, SELECT, FETCH, store; after login);\n\
             whole process = wall time of the process under /usr/bin/time (profile open, TLS, login, LIST, sync, logout);\n\
             mirror rows: vs raw = vs the raw body FETCH; first screen = spawn to the first progress line on stderr."
        );
        if let Some(m) = &f.mirror {
            if let Some(n) = m.bodies_fetched {
                let _ = writeln!(out, "calame's mirror reported {n} bodies fetched.");
            }
        }
        let _ = writeln!(
            out,
            "\nLocal search: {} queries, first {} results, whole processes (median and p95 over the queries)\n",
            f.search.queries.len(),
            search::LIMIT
        );
        let header = [
            "search",
            "median",
            "p95",
            "mean hits",
            "peak RSS",
            "vs notmuch",
            "target (BRIEF.md)",
        ];
        out.push_str(&render_table(header, &f.search.rows()));
        out.push('\n');
        out.push_str(&f.search.footer());
        out
    }

    /// The envelope sync rows: raw limit, Calame, mbsync.
    fn sync_rows(&self, s: &Summary) -> Vec<[String; 7]> {
        let rss = |m: &Median| fmt_rss(m.rss_kib);
        let raw = s.raw_env.seconds;
        let vs_raw = ratio(s.sync.seconds, raw);
        let vs_raw_wall = ratio(s.sync.wall, raw);
        let vs_mbsync = ratio(s.sync.wall, s.mb_sync.wall);
        let vs_mbsync_nofsync = ratio(s.sync.wall, s.mb_nofsync.wall);
        let resync_vs_mbsync = ratio(s.resync.wall, s.mb_resync.wall);
        let rss_bytes = s.sync.rss_kib.map(|k| k * 1024);

        let met_raw = vs_raw.is_some_and(|r| r <= TARGET_VS_RAW);
        let met_mbsync = vs_mbsync.is_some_and(|r| r < 1.0);
        let met_rss = rss_bytes.is_some_and(|b| b < TARGET_RSS_BYTES);
        let met_resync_s = s.resync.seconds.is_some_and(|t| t < TARGET_RESYNC_SECONDS);
        let met_resync_b = s.resync.bytes.is_some_and(|b| b < TARGET_RESYNC_BYTES);

        vec![
            [
                "raw UID FETCH 1:* envelope fields".into(),
                fmt_seconds(raw),
                fmt_bytes(s.raw_env.bytes),
                "-".into(),
                "1.00x".into(),
                "-".into(),
                "the raw limit".into(),
            ],
            [
                "raw UID FETCH 1:* (UID FLAGS)".into(),
                fmt_seconds(s.raw_flags.seconds),
                fmt_bytes(s.raw_flags.bytes),
                "-".into(),
                fmt_ratio(ratio(s.raw_flags.seconds, raw)),
                "-".into(),
                "reference".into(),
            ],
            [
                "calame sync, protocol (JSON seconds)".into(),
                fmt_seconds(s.sync.seconds),
                fmt_bytes(s.sync.bytes),
                "-".into(),
                fmt_ratio(vs_raw),
                "-".into(),
                format!(
                    "<= {TARGET_VS_RAW}x raw ({}): {}",
                    fmt_seconds(raw.map(|r| r * TARGET_VS_RAW)),
                    verdict(met_raw)
                ),
            ],
            [
                "calame sync, whole process".into(),
                fmt_seconds(s.sync.wall),
                "-".into(),
                fmt_rss(s.sync.rss_kib),
                fmt_ratio(vs_raw_wall),
                fmt_ratio(vs_mbsync),
                format!("< mbsync: {}; RSS < 100 MB: {}", verdict(met_mbsync), verdict(met_rss)),
            ],
            [
                "calame resync no change, protocol".into(),
                fmt_seconds(s.resync.seconds),
                fmt_bytes(s.resync.bytes),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("< 50 ms: {}; < 2 kB: {}", verdict(met_resync_s), verdict(met_resync_b)),
            ],
            [
                "calame resync no change, whole process".into(),
                fmt_seconds(s.resync.wall),
                "-".into(),
                rss(&s.resync),
                "-".into(),
                fmt_ratio(resync_vs_mbsync),
                "(mbsync 0.40 s in BRIEF)".into(),
            ],
            [
                "calame account add, whole process".into(),
                fmt_seconds(s.add.wall),
                "-".into(),
                rss(&s.add),
                "-".into(),
                "-".into(),
                "login + folder list".into(),
            ],
            [
                "calame first screen (first progress line)".into(),
                s.first_screen
                    .map_or_else(|| "n/a".to_owned(), |t| fmt_seconds(Some(t))),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                match s.first_screen {
                    Some(t) => format!("< 1 s: {}", verdict(t < TARGET_FIRST_SCREEN_SECONDS)),
                    None => "n/a: no progress line (fewer than 1,000 messages?)".to_owned(),
                },
            ],
            [
                "mbsync first sync (whole messages)".into(),
                fmt_seconds(s.mb_sync.wall),
                "-".into(),
                rss(&s.mb_sync),
                "-".into(),
                "1.00x".into(),
                "".into(),
            ],
            [
                "mbsync first sync, FSync no".into(),
                fmt_seconds(s.mb_nofsync.wall),
                "-".into(),
                rss(&s.mb_nofsync),
                "-".into(),
                fmt_ratio(ratio(s.mb_nofsync.wall, s.mb_sync.wall)),
                format!("calame sync/this: {}", fmt_ratio(vs_mbsync_nofsync)),
            ],
            [
                "mbsync resync no change".into(),
                fmt_seconds(s.mb_resync.wall),
                "-".into(),
                rss(&s.mb_resync),
                "-".into(),
                "-".into(),
                "".into(),
            ],
        ]
    }

    /// The full mirror rows: the raw body FETCH, Calame's `sync --bodies all` (n/a without it).
    fn mirror_rows(&self, s: &Summary) -> Vec<[String; 7]> {
        let raw = s.raw_bodies.seconds;
        let mut rows = vec![[
            "raw UID FETCH 1:* (UID BODY.PEEK[])".into(),
            fmt_seconds(raw),
            fmt_bytes(s.raw_bodies.bytes),
            "-".into(),
            "1.00x".into(),
            fmt_ratio(ratio(raw, s.mb_sync.wall)),
            "the raw limit for bodies".into(),
        ]];
        let Some(m) = &s.mirror else {
            rows.push([
                "calame mirror --bodies all, whole process".into(),
                "n/a".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "n/a: this calame's sync has no --bodies".into(),
            ]);
            return rows;
        };
        let vs_nofsync = ratio(m.wall, s.mb_nofsync.wall);
        rows.push([
            "calame mirror --bodies all, protocol".into(),
            fmt_seconds(m.seconds),
            fmt_bytes(m.bytes),
            "-".into(),
            fmt_ratio(ratio(m.seconds, raw)),
            "-".into(),
            "".into(),
        ]);
        rows.push([
            "calame mirror --bodies all, whole process".into(),
            fmt_seconds(m.wall),
            "-".into(),
            fmt_rss(m.rss_kib),
            fmt_ratio(ratio(m.wall, raw)),
            fmt_ratio(ratio(m.wall, s.mb_sync.wall)),
            format!(
                "<= mbsync FSync no ({}): {} ({})",
                fmt_seconds(s.mb_nofsync.wall),
                verdict(vs_nofsync.is_some_and(|r| r <= 1.0)),
                fmt_ratio(vs_nofsync)
            ),
        ]);
        rows
    }

    fn json(&self) -> String {
        let s = self.summary();
        let f = &self.figures;
        let m = |m: &Median| {
            json!({
                "wall": m.wall,
                "seconds": m.seconds,
                "bytes": m.bytes,
                "rss_kib": m.rss_kib,
            })
        };
        let samples = |v: &[Sample]| -> Value {
            v.iter()
                .map(|s| {
                    json!({
                        "wall": s.wall,
                        "seconds": s.seconds,
                        "bytes": s.bytes,
                        "rss_kib": s.rss_kib,
                    })
                })
                .collect()
        };
        let raw = s.raw_env.seconds;
        let mirror_wall = s.mirror.and_then(|m| m.wall);
        json!({
            "bench": "sync",
            "messages": self.args.messages,
            "runs": self.args.runs,
            "mailbox_bytes": f.seeded.bytes,
            "dovecot": self.versions.dovecot,
            "mbsync_version": self.versions.mbsync,
            "notmuch_version": self.versions.notmuch,
            "calame_binary": self.calame.display().to_string(),
            "work_dir": self.work.display().to_string(),
            "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "load_start": f.load_start,
            "load_end": f.load_end,
            "raw": {
                "cold_select_seconds": f.cold.select,
                "cold_fetch_seconds": f.cold.envelopes,
                "cold_bodies_seconds": f.cold.bodies,
                "envelopes": m(&s.raw_env),
                "flags": m(&s.raw_flags),
                "bodies": m(&s.raw_bodies),
                "samples": {
                    "envelopes": samples(&f.raw_envelopes),
                    "flags": samples(&f.raw_flags),
                    "bodies": samples(&f.raw_bodies),
                },
            },
            "calame": {
                "account_add": m(&s.add),
                "sync": m(&s.sync),
                "resync": m(&s.resync),
                "cache_bytes": s.cache.bytes,
                "first_screen_seconds": s.first_screen,
                "mirror": s.mirror.as_ref().map(m),
                "mirror_bodies_fetched": f.mirror.as_ref().and_then(|m| m.bodies_fetched),
                "samples": {
                    "account_add": samples(&f.calame_add),
                    "sync": samples(&f.calame_sync),
                    "resync": samples(&f.calame_resync),
                    "first_screen": f.first_screen,
                    "mirror": f.mirror.as_ref().map(|m| samples(&m.samples)),
                },
            },
            "mbsync": {
                "sync": m(&s.mb_sync),
                "sync_fsync_no": m(&s.mb_nofsync),
                "resync": m(&s.mb_resync),
                "samples": {
                    "sync": samples(&f.mbsync_sync),
                    "sync_fsync_no": samples(&f.mbsync_sync_nofsync),
                    "resync": samples(&f.mbsync_resync),
                },
            },
            "search": f.search.json(),
            "ratios": {
                "calame_vs_raw": ratio(s.sync.seconds, raw),
                "calame_wall_vs_raw": ratio(s.sync.wall, raw),
                "calame_vs_mbsync": ratio(s.sync.wall, s.mb_sync.wall),
                "calame_vs_mbsync_fsync_no": ratio(s.sync.wall, s.mb_nofsync.wall),
                "resync_vs_mbsync": ratio(s.resync.wall, s.mb_resync.wall),
                "mirror_vs_raw_bodies": ratio(mirror_wall, s.raw_bodies.seconds),
                "mirror_vs_mbsync_fsync_no": ratio(mirror_wall, s.mb_nofsync.wall),
                "search_vs_notmuch": f.search.ratio(),
            },
            "targets": {
                "calame_vs_raw_max": TARGET_VS_RAW,
                "calame_vs_mbsync_max": 1.0,
                "resync_seconds_max": TARGET_RESYNC_SECONDS,
                "resync_bytes_max": TARGET_RESYNC_BYTES,
                "rss_bytes_max": TARGET_RSS_BYTES,
                "first_screen_seconds_max": TARGET_FIRST_SCREEN_SECONDS,
                "mirror_vs_mbsync_fsync_no_max": 1.0,
                "search_vs_notmuch_max": 1.0,
            },
        })
        .to_string()
    }
}

/// A plain-text table: the first and last columns left-aligned, the others right-aligned.
fn render_table(header: [&str; 7], rows: &[[String; 7]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            match i {
                0 | 6 => {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                }
                _ => {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                }
            }
            out.push_str("  ");
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    out.push_str(&line(widths.map(|w| "-".repeat(w)).each_ref().map(String::as_str)));
    for row in rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}
