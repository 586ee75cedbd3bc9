//! A private stack of real servers on 127.0.0.1 high ports, in one directory: Dovecot (IMAP,
//! LMTP with Sieve, ManageSieve, ACLs and a shared namespace), Postfix (authenticated
//! submission, delivery to Dovecot over LMTP) and Radicale (CalDAV), with a per-stack CA and
//! seeded users.
//!
//! [`Stack::start`] creates everything, starts the daemons, waits until every port answers and
//! writes `stack.json`; [`Stack::attach`] reads that file from another process (the lead's
//! `cargo xtask stack start` then `CALAME_STACK_FILE=... cargo test`); [`Stack::shared`] gives
//! each test binary one stack, cleaned up by a watchdog even if the binary crashes.
//!
//! Layout of the stack's directory `DIR` (0755, so the daemons' own users reach their files):
//! ```text
//! .calame-stack              marks the directory as a stack's (a later start may reuse it)
//! stack.json                 StackInfo (ports, users, passwords, fingerprints, pids)
//! ca.pem                     the per-stack CA (clients trust it, or pin ca_sha256)
//! server.pem server-key.pem  the chain the servers send (the server certificate for localhost,
//!                            IP 127.0.0.1 and DNS 127.0.0.1, then the CA) and its key
//! dovecot.conf dovecot.log   Dovecot's whole configuration and its log
//! dovecot/users              Dovecot's passwd-file (re-read when it changes)
//! dovecot/run/ dovecot/state base_dir (with auth-postfix, Postfix's SASL socket) and state_dir
//! mail/                      owned by the mail uid (nobody when run as root):
//! mail/shared-mailboxes.db     the ACL shared dictionary (who shares folders with whom)
//! mail/LOGIN/Maildir/         LOGIN's INBOX (cur new tmp), and below it, LAYOUT=fs:
//! mail/LOGIN/Maildir/A/B/      the folder A/B (the separator / is a directory level)
//! mail/LOGIN/shared/OWNER/     LOGIN's private index of OWNER's shared folders
//! postfix/main.cf master.cf  Postfix's configuration; postfix/queue/, postfix/data/
//! postfix.log                Postfix's log (maillog_file) and `postfix start`'s output
//! radicale.conf radicale.log Radicale's configuration and log
//! radicale/users rights      htpasswd (plain) and rights files
//! radicale/collections/      Radicale's storage (collection-root/LOGIN/calendar/)
//! ```
//! Every daemon leads its own process group and is stopped by pid; none writes to the caller's
//! stdout or stderr.

mod certs;
mod dovecot;
mod postfix;
mod process;
mod radicale;

use std::fs;
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The mail domain of every stack.
pub const DOMAIN: &str = "example.test";
/// The only address the stack listens on.
pub const HOST: &str = "127.0.0.1";
/// The environment variable naming a `stack.json` that [`Stack::shared`] attaches to.
pub const STACK_FILE_ENV: &str = "CALAME_STACK_FILE";
/// The users every stack starts with: two agents and the service mailbox they share.
pub const SEED_LOGINS: [&str; 3] = ["alice", "bob", "accueil"];

/// How long [`Stack::start`] waits for every port to answer.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How many times [`Stack::start`] picks new ports when one was taken meanwhile.
const START_ATTEMPTS: usize = 3;
/// How long [`Stack::stop`] waits after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// The uid and gid that own the mail when the stack runs as root (`nobody:nogroup`).
const NOBODY: u32 = 65534;

/// What [`Stack::start`] should set up.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Advertise CONDSTORE and QRESYNC (Dovecot's default). `false` removes both from the
    /// capabilities, for the fallback sync tests.
    pub qresync: bool,
    /// With `qresync: false`, still advertise CONDSTORE (RFC 7162's resync without QRESYNC:
    /// flags CHANGEDSINCE, expunges by UID set).
    pub condstore_only: bool,
    /// Where to put the stack; default: a fresh temporary directory, removed on stop.
    pub dir: Option<PathBuf>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            qresync: true,
            condstore_only: false,
            dir: None,
        }
    }
}

/// A mail and calendar user of the stack; `login` also works as `login@example.test`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub login: String,
    pub email: String,
    pub password: String,
}

impl User {
    fn seeded(login: &str) -> User {
        User {
            login: login.to_owned(),
            email: format!("{login}@{DOMAIN}"),
            password: format!("{login}-pw"),
        }
    }
}

/// Everything a client needs to use a running stack; written to `DIR/stack.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StackInfo {
    pub dir: PathBuf,
    /// The mail domain, `example.test`.
    pub domain: String,
    /// `127.0.0.1`.
    pub host: String,
    /// IMAP with implicit TLS.
    pub imaps_port: u16,
    /// IMAP with STARTTLS.
    pub imap_port: u16,
    /// Submission: STARTTLS, then AUTH.
    pub submission_port: u16,
    /// Submission with implicit TLS, then AUTH.
    pub smtps_port: u16,
    /// Dovecot's LMTP, which Postfix delivers to.
    pub lmtp_port: u16,
    /// ManageSieve (RFC 5804), STARTTLS then AUTH. (Fields with a serde default were added
    /// later: an older `stack.json` still attaches.)
    #[serde(default)]
    pub managesieve_port: u16,
    /// `http://127.0.0.1:PORT/`.
    pub caldav_url: String,
    /// PEM of the per-stack CA.
    pub ca_file: PathBuf,
    /// SHA-256 of the CA certificate's DER, lowercase hex without colons.
    pub ca_sha256: String,
    /// SHA-256 of the server certificate's DER, lowercase hex without colons.
    pub cert_sha256: String,
    /// The seeded users (users added later with [`Stack::add_user`] are not listed).
    pub users: Vec<User>,
    /// The daemons' pids (Dovecot's master, Postfix's master, Radicale), each a group leader.
    pub pids: Vec<u32>,
    /// Whether CONDSTORE and QRESYNC are advertised.
    pub qresync: bool,
    /// Owner of the mail files (write messages into a maildir as this uid:gid).
    #[serde(default = "nobody")]
    pub mail_uid: u32,
    #[serde(default = "nobody")]
    pub mail_gid: u32,
    /// Whether stopping the stack removes `dir` (true when `start` created a temporary one).
    #[serde(default)]
    pub remove_dir_on_stop: bool,
}

fn nobody() -> u32 {
    NOBODY
}

/// A running stack. Dropping a stack this process started stops it.
pub struct Stack {
    pub info: StackInfo,
    /// Whether dropping this value stops the stack.
    owned: bool,
    stopped: AtomicBool,
    /// The daemons this process spawned, waited for on stop so they leave no zombie.
    children: Mutex<Vec<Child>>,
}

impl Stack {
    /// Starts a new stack and returns once every port answers.
    pub fn start(opts: StackOptions) -> Result<Stack> {
        if process::euid()? != 0 {
            bail!(
                "the test stack must start as root: Postfix's master starts as root and drops \
                 privileges to the `postfix` user"
            );
        }
        let (dir, created) = prepare_dir(opts.dir.as_deref())?;
        let mut attempt = 1;
        loop {
            match start_in(&dir, opts.qresync, opts.condstore_only, created) {
                Ok(stack) => return Ok(stack),
                Err(e) if attempt < START_ATTEMPTS && is_port_collision(&e) => {
                    attempt += 1;
                    clear_dir(&dir)?;
                }
                Err(e) => {
                    if created {
                        let _ = fs::remove_dir_all(&dir);
                    }
                    return Err(e.context(format!("starting the test stack in {}", dir.display())));
                }
            }
        }
    }

    /// Attaches to a stack started elsewhere from its `stack.json`; dropping it does not stop
    /// it (an explicit [`Stack::stop`] does).
    pub fn attach(file: &Path) -> Result<Stack> {
        let text = fs::read_to_string(file).with_context(|| format!("reading the stack file {}", file.display()))?;
        let info: StackInfo =
            serde_json::from_str(&text).with_context(|| format!("parsing the stack file {}", file.display()))?;
        Ok(Stack::new(info, false, Vec::new()))
    }

    /// The stack of this test process: the one named by `CALAME_STACK_FILE` if set, else one
    /// started on first use and stopped (by a watchdog process) when this process exits, even
    /// if it crashes. Panics with the reason if the stack cannot start.
    pub fn shared() -> &'static Stack {
        static SHARED: OnceLock<std::result::Result<Stack, String>> = OnceLock::new();
        let shared = SHARED.get_or_init(|| {
            let stack = match std::env::var_os(STACK_FILE_ENV) {
                Some(file) => Stack::attach(Path::new(&file)),
                None => Stack::start(StackOptions::default()).and_then(|stack| {
                    spawn_watchdog(&stack.info)?;
                    Ok(stack)
                }),
            };
            stack.map_err(|e| format!("{e:#}"))
        });
        match shared {
            Ok(stack) => stack,
            Err(e) => panic!("the shared test stack is not available: {e}"),
        }
    }

    /// Stops the daemons by pid (SIGTERM to each process group, SIGKILL after 10 s) and removes
    /// the directory if `start` created it. Does nothing the second time.
    pub fn stop(&self) -> Result<()> {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let pids = self.info.pids.clone();
        for &pid in &pids {
            process::signal(pid, "TERM");
        }
        let mut gone = process::wait_gone(&pids, STOP_TIMEOUT);
        if !gone {
            for &pid in &pids {
                process::signal(pid, "KILL");
            }
            gone = process::wait_gone(&pids, Duration::from_secs(2));
        }
        self.reap_children();
        if !gone {
            let left: Vec<u32> = pids.into_iter().filter(|&p| process::alive(p)).collect();
            bail!("stack processes {left:?} survived SIGKILL");
        }
        if self.info.remove_dir_on_stop {
            fs::remove_dir_all(&self.info.dir).with_context(|| format!("removing {}", self.info.dir.display()))?;
        }
        Ok(())
    }

    /// Leaves the stack running after this value is dropped and returns its description.
    pub fn detach(mut self) -> StackInfo {
        self.owned = false;
        self.info.clone()
    }

    /// The user `login`. Panics if the stack has no such seeded user (test helper).
    pub fn user(&self, login: &str) -> &User {
        self.info
            .users
            .iter()
            .find(|u| u.login == login)
            .unwrap_or_else(|| panic!("the test stack has no user {login:?}"))
    }

    /// `DIR/stack.json`.
    pub fn info_file(&self) -> PathBuf {
        self.layout().stack_json()
    }

    /// The maildir of `login`'s `folder` (`INBOX`, `Sent`, `A/B`...): the directory holding
    /// `cur`, `new` and `tmp`. It may not exist yet (see [`Stack::create_maildir`]).
    pub fn maildir(&self, login: &str, folder: &str) -> PathBuf {
        self.layout().maildir(login, folder)
    }

    /// Creates `login`'s `folder` on disk (with `cur`, `new`, `tmp`) owned by the mail user, and
    /// returns [`Stack::maildir`]. Dovecot lists it on the next LIST.
    pub fn create_maildir(&self, login: &str, folder: &str) -> Result<PathBuf> {
        create_maildir(&self.layout(), self.mail_owner(), login, folder)
    }

    /// Gives everything under `path` (inside the stack's mail) to the mail user, after files
    /// were written there by this (root) process.
    pub fn fix_mail_owner(&self, path: &Path) -> Result<()> {
        self.mail_owner().chown_tree(path)
    }

    /// Writes `count` generated messages (seeded by `seed`, addressed to the user) straight
    /// into the user's `folder` (server spelling), owned by the mail user; returns the options,
    /// from which tests predict what the messages hold.
    pub fn seed(
        &self,
        user: &User,
        folder: &str,
        seed: u64,
        count: u64,
    ) -> Result<(crate::mailgen::GenOptions, crate::mailgen::SeedReport)> {
        let dir = self.create_maildir(&user.login, folder)?;
        let opts = crate::mailgen::GenOptions {
            seed,
            domain: self.info.domain.clone(),
            to: crate::mailgen::Mailbox::new(user.login.clone(), user.email.clone()),
            start_unix: 1_700_000_000,
        };
        let report = crate::mailgen::seed_maildir(&dir, &opts, 0, count)?;
        self.fix_mail_owner(&dir)?;
        Ok((opts, report))
    }

    /// Adds a user (password `LOGIN-pw`, email `LOGIN@example.test`) with a mailbox and a
    /// calendar, while the stack runs; returns once Dovecot accepts the login (up to a second,
    /// Dovecot re-reads its passwd-file at most once a second). Not recorded in `stack.json`.
    pub fn add_user(&self, login: &str) -> Result<User> {
        validate_login(login)?;
        let layout = self.layout();
        let passwd = fs::read_to_string(layout.dovecot_users())
            .with_context(|| format!("reading {}", layout.dovecot_users().display()))?;
        if passwd.lines().any(|l| l.split(':').next() == Some(login)) {
            bail!("the test stack already has a user {login:?}");
        }
        let user = User::seeded(login);
        let owner = self.mail_owner();
        dovecot::create_home(&layout, owner, login)?;
        radicale::create_calendar(&layout, login, "calendar", &format!("Calendar of {login}"))?;
        append(&layout.radicale_users(), &radicale::htpasswd_line(&user))?;
        append(&layout.dovecot_users(), &dovecot::passwd_line(&layout, owner, &user)?)?;
        dovecot::wait_for_user(&layout, &user, Duration::from_secs(5))?;
        Ok(user)
    }

    fn new(info: StackInfo, owned: bool, children: Vec<Child>) -> Stack {
        Stack {
            info,
            owned,
            stopped: AtomicBool::new(false),
            children: Mutex::new(children),
        }
    }

    fn layout(&self) -> Layout {
        Layout::new(&self.info.dir)
    }

    fn mail_owner(&self) -> MailOwner {
        MailOwner {
            uid: self.info.mail_uid,
            gid: self.info.mail_gid,
        }
    }

    fn reap_children(&self) {
        let mut children = match self.children.lock() {
            Ok(children) => children,
            Err(poisoned) => poisoned.into_inner(),
        };
        for child in children.iter_mut() {
            let _ = child.wait();
        }
        children.clear();
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.owned {
            if let Err(e) = self.stop() {
                eprintln!("calame-testkit: stopping the test stack: {e:#}");
            }
        }
    }
}

/// One attempt at starting the stack in `dir` with freshly picked ports.
fn start_in(dir: &Path, qresync: bool, condstore_only: bool, created: bool) -> Result<Stack> {
    let layout = Layout::new(dir);
    mark_dir(&layout)?;
    let ports = Ports::pick()?;
    let owner = MailOwner::for_daemons()?;
    let users: Vec<User> = SEED_LOGINS.iter().map(|l| User::seeded(l)).collect();

    let certs = certs::generate(dir)?;
    dovecot::configure(&layout, &ports, owner, qresync, condstore_only, &users)?;
    for user in &users {
        dovecot::create_home(&layout, owner, &user.login)?;
    }
    dovecot::seed_accueil(&layout, owner)?;
    postfix::configure(&layout, &ports)?;
    radicale::configure(&layout, &ports, &users)?;

    let info = StackInfo {
        dir: dir.to_owned(),
        domain: DOMAIN.to_owned(),
        host: HOST.to_owned(),
        imaps_port: ports.imaps,
        imap_port: ports.imap,
        submission_port: ports.submission,
        smtps_port: ports.smtps,
        lmtp_port: ports.lmtp,
        managesieve_port: ports.managesieve,
        caldav_url: format!("http://{HOST}:{}/", ports.caldav),
        ca_file: certs.ca_file,
        ca_sha256: certs.ca_sha256,
        cert_sha256: certs.cert_sha256,
        users,
        pids: Vec::new(),
        qresync,
        mail_uid: owner.uid,
        mail_gid: owner.gid,
        remove_dir_on_stop: false,
    };
    // From here on, dropping `stack` (on any error) stops whatever was started.
    let mut stack = Stack::new(info, true, Vec::new());
    stack.spawn_child(dovecot::spawn(&layout)?);
    stack.spawn_child(radicale::spawn(&layout)?);
    let postfix_pid = postfix::start(&layout)?;
    stack.info.pids.push(postfix_pid);
    wait_ready(&stack, &layout, &ports)?;
    // doveadm looks users up through the running Dovecot.
    dovecot::recalc_acl(&layout)?;
    // A daemon that lost a port to another process exits; the port still answers (the other
    // process's socket), so look once more that ours are all running.
    stack.check_children(&layout)?;
    if !process::alive(postfix_pid) {
        bail!("Postfix's master (pid {postfix_pid}) exited.\n{}", layout.log_tails());
    }
    stack.info.remove_dir_on_stop = created;
    write_info(&layout, &stack.info)?;
    Ok(stack)
}

impl Stack {
    fn spawn_child(&mut self, child: Child) {
        self.info.pids.push(child.id());
        match self.children.get_mut() {
            Ok(children) => children.push(child),
            Err(poisoned) => poisoned.into_inner().push(child),
        }
    }

    /// Fails if a daemon this process spawned has already exited.
    fn check_children(&self, layout: &Layout) -> Result<()> {
        let mut children = match self.children.lock() {
            Ok(children) => children,
            Err(poisoned) => poisoned.into_inner(),
        };
        for child in children.iter_mut() {
            if let Some(status) = child.try_wait().context("checking a daemon")? {
                bail!(
                    "a daemon (pid {}) exited during start-up ({status}).\n{}",
                    child.id(),
                    layout.log_tails()
                );
            }
        }
        Ok(())
    }
}

/// Polls every port until it accepts connections, or fails with the daemons' log tails.
fn wait_ready(stack: &Stack, layout: &Layout, ports: &Ports) -> Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    let mut waiting = ports.named();
    loop {
        waiting.retain(|(_, port)| !process::port_open(*port));
        if waiting.is_empty() {
            return Ok(());
        }
        stack.check_children(layout)?;
        if Instant::now() >= deadline {
            bail!(
                "ports still closed after {}s: {waiting:?}.\n{}",
                START_TIMEOUT.as_secs(),
                layout.log_tails()
            );
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// Writes `stack.json` atomically (readers never see half a file).
fn write_info(layout: &Layout, info: &StackInfo) -> Result<()> {
    let json = serde_json::to_string_pretty(info).context("serialising the stack info")?;
    let tmp = layout.dir().join(".stack.json.tmp");
    write_file(&tmp, &json, 0o644)?;
    fs::rename(&tmp, layout.stack_json()).with_context(|| format!("writing {}", layout.stack_json().display()))
}

/// Whether a start failed because a port picked as free was taken meanwhile.
fn is_port_collision(e: &anyhow::Error) -> bool {
    format!("{e:#}").contains("Address already in use")
}

/// Creates (or checks) the stack's directory; returns it and whether it is a temporary one.
fn prepare_dir(dir: Option<&Path>) -> Result<(PathBuf, bool)> {
    let (dir, created) = match dir {
        Some(dir) => {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let dir = fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
            check_reusable(&dir)?;
            clear_dir(&dir)?;
            (dir, false)
        }
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("calame-stack-")
                .tempdir()
                .context("creating a temporary directory for the stack")?;
            (tmp.keep(), true)
        }
    };
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} world-traversable", dir.display()))?;
    Ok((dir, created))
}

/// Marks `dir` as a stack's directory, so that a later start may empty and reuse it.
fn mark_dir(layout: &Layout) -> Result<()> {
    write_file(
        &layout.marker(),
        "This directory holds a Calame test stack (calame-testkit).\n",
        0o644,
    )
}

/// A given directory may hold a stopped (or failed) stack, which is then emptied, but nothing
/// else.
fn check_reusable(dir: &Path) -> Result<()> {
    let layout = Layout::new(dir);
    let empty = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    if !layout.marker().exists() {
        bail!(
            "{} is not empty and holds no test stack: refusing to use it for a stack",
            dir.display()
        );
    }
    if !layout.stack_json().exists() {
        return Ok(());
    }
    let old = Stack::attach(&layout.stack_json())?;
    let running: Vec<u32> = old.info.pids.iter().copied().filter(|&p| process::alive(p)).collect();
    if !running.is_empty() {
        bail!(
            "a stack still runs in {} (pids {running:?}); stop it first: cargo xtask stack stop {}",
            dir.display(),
            layout.stack_json().display()
        );
    }
    Ok(())
}

/// Removes everything inside `dir`.
fn clear_dir(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
        let removed = if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// Starts a detached shell that waits for this process to exit, then stops the stack's
/// daemons (SIGTERM to each process group, SIGKILL 5 s later to any survivor) and removes its
/// temporary directory: test binaries have no global teardown. Its own process group keeps it
/// alive through a Ctrl-C aimed at the tests.
fn spawn_watchdog(info: &StackInfo) -> Result<()> {
    // Values are passed as arguments, never spliced into the script. dash's `kill` takes no
    // `--`; `kill -TERM -PID` signals the group PID leads.
    // Zombies count as gone (`kill -0` would still see them).
    const SCRIPT: &str = r#"parent=$1; dir=$2; shift 2
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*[ZX]' "/proc/$1/status"; }
any_alive() { for p in "$@"; do alive "$p" && return 0; done; return 1; }
while alive "$parent"; do sleep 0.5; done
for p in "$@"; do kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
i=0
while [ $i -lt 50 ] && any_alive "$@"; do sleep 0.1; i=$((i + 1)); done
for p in "$@"; do
  if alive "$p"; then kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; fi
done
if [ -n "$dir" ]; then rm -rf "$dir"; fi
"#;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(SCRIPT)
        .arg("calame-stack-watchdog")
        .arg(std::process::id().to_string());
    if info.remove_dir_on_stop {
        cmd.arg(&info.dir);
    } else {
        cmd.arg("");
    }
    cmd.args(info.pids.iter().map(u32::to_string))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/");
    CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().context("starting the stack's watchdog")?;
    Ok(())
}

fn validate_login(login: &str) -> Result<()> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && !login.starts_with('.');
    if !ok {
        bail!("invalid login {login:?}: use lowercase letters, digits, '.', '_' and '-'");
    }
    Ok(())
}

/// The ports of one stack, all on 127.0.0.1.
pub(crate) struct Ports {
    pub imaps: u16,
    pub imap: u16,
    pub submission: u16,
    pub smtps: u16,
    pub lmtp: u16,
    pub managesieve: u16,
    pub caldav: u16,
}

impl Ports {
    fn pick() -> Result<Ports> {
        let p = process::free_ports(7)?;
        let [imaps, imap, submission, smtps, lmtp, managesieve, caldav] = p[..] else {
            bail!("expected 7 free ports, got {}", p.len());
        };
        Ok(Ports {
            imaps,
            imap,
            submission,
            smtps,
            lmtp,
            managesieve,
            caldav,
        })
    }

    fn named(&self) -> Vec<(&'static str, u16)> {
        vec![
            ("imaps", self.imaps),
            ("imap", self.imap),
            ("submission", self.submission),
            ("smtps", self.smtps),
            ("lmtp", self.lmtp),
            ("managesieve", self.managesieve),
            ("caldav", self.caldav),
        ]
    }
}

/// The owner of the mail files: `nobody:nogroup` as root, else the current user.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MailOwner {
    pub uid: u32,
    pub gid: u32,
}

impl MailOwner {
    fn for_daemons() -> Result<MailOwner> {
        let meta = fs::metadata("/proc/self").context("reading /proc/self")?;
        Ok(match meta.uid() {
            0 => MailOwner {
                uid: NOBODY,
                gid: NOBODY,
            },
            uid => MailOwner { uid, gid: meta.gid() },
        })
    }

    pub(crate) fn chown(&self, path: &Path) -> Result<()> {
        chown(path, Some(self.uid), Some(self.gid))
            .with_context(|| format!("changing the owner of {} to {}:{}", path.display(), self.uid, self.gid))
    }

    fn chown_tree(&self, path: &Path) -> Result<()> {
        self.chown(path)?;
        let meta = fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if meta.is_dir() {
            for entry in fs::read_dir(path).with_context(|| format!("listing {}", path.display()))? {
                let entry = entry.with_context(|| format!("listing {}", path.display()))?;
                self.chown_tree(&entry.path())?;
            }
        }
        Ok(())
    }
}

/// Creates `login`'s `folder` maildir (and the folders above it) owned by `owner`.
pub(crate) fn create_maildir(layout: &Layout, owner: MailOwner, login: &str, folder: &str) -> Result<PathBuf> {
    let home = layout.home(login);
    let maildir = layout.maildir(login, folder);
    let relative = maildir
        .strip_prefix(&home)
        .with_context(|| format!("{} is outside {}", maildir.display(), home.display()))?
        .to_owned();
    let mut path = home;
    for part in relative.components() {
        path.push(part);
        ensure_dir(&path, owner)?;
    }
    for sub in ["cur", "new", "tmp"] {
        ensure_dir(&maildir.join(sub), owner)?;
    }
    Ok(maildir)
}

fn ensure_dir(path: &Path, owner: MailOwner) -> Result<()> {
    if !path.is_dir() {
        fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
        owner.chown(path)?;
    }
    Ok(())
}

/// Where everything lives inside the stack's directory (see the module documentation).
pub(crate) struct Layout {
    dir: PathBuf,
}

impl Layout {
    fn new(dir: &Path) -> Layout {
        Layout { dir: dir.to_owned() }
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn marker(&self) -> PathBuf {
        self.dir.join(".calame-stack")
    }
    pub fn stack_json(&self) -> PathBuf {
        self.dir.join("stack.json")
    }
    pub fn cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }
    pub fn key(&self) -> PathBuf {
        self.dir.join("server-key.pem")
    }
    pub fn dovecot_conf(&self) -> PathBuf {
        self.dir.join("dovecot.conf")
    }
    pub fn dovecot_log(&self) -> PathBuf {
        self.dir.join("dovecot.log")
    }
    pub fn dovecot_users(&self) -> PathBuf {
        self.dir.join("dovecot/users")
    }
    pub fn dovecot_run(&self) -> PathBuf {
        self.dir.join("dovecot/run")
    }
    pub fn dovecot_state(&self) -> PathBuf {
        self.dir.join("dovecot/state")
    }
    pub fn shared_dict(&self) -> PathBuf {
        self.dir.join("mail/shared-mailboxes.db")
    }
    /// Owned by the mail user (Dovecot writes the shared dictionary there).
    pub fn mail_root(&self) -> PathBuf {
        self.dir.join("mail")
    }
    pub fn home(&self, login: &str) -> PathBuf {
        self.mail_root().join(login)
    }
    /// `mail/LOGIN/Maildir` for INBOX, `mail/LOGIN/Maildir/A/B` for `A/B` (and
    /// `Maildir/INBOX/A` for `INBOX/A`); `INBOX` is matched in any case, like IMAP does.
    pub fn maildir(&self, login: &str, folder: &str) -> PathBuf {
        let mut path = self.home(login).join("Maildir");
        let mut parts = folder.split('/').filter(|p| !p.is_empty()).peekable();
        match parts.next() {
            // INBOX itself is the root; its children live in `Maildir/INBOX/`.
            Some(first) if first.eq_ignore_ascii_case("INBOX") && parts.peek().is_some() => path.push("INBOX"),
            Some(first) if first.eq_ignore_ascii_case("INBOX") => {}
            Some(first) => path.push(first),
            None => {}
        }
        path.extend(parts);
        path
    }
    pub fn postfix_conf(&self) -> PathBuf {
        self.dir.join("postfix")
    }
    pub fn postfix_queue(&self) -> PathBuf {
        self.dir.join("postfix/queue")
    }
    pub fn postfix_data(&self) -> PathBuf {
        self.dir.join("postfix/data")
    }
    pub fn postfix_log(&self) -> PathBuf {
        self.dir.join("postfix.log")
    }
    pub fn radicale_conf(&self) -> PathBuf {
        self.dir.join("radicale.conf")
    }
    pub fn radicale_log(&self) -> PathBuf {
        self.dir.join("radicale.log")
    }
    pub fn radicale_dir(&self) -> PathBuf {
        self.dir.join("radicale")
    }
    pub fn radicale_users(&self) -> PathBuf {
        self.dir.join("radicale/users")
    }
    pub fn radicale_rights(&self) -> PathBuf {
        self.dir.join("radicale/rights")
    }
    pub fn radicale_collections(&self) -> PathBuf {
        self.dir.join("radicale/collections")
    }

    /// The last lines of every daemon's log, for error messages.
    fn log_tails(&self) -> String {
        [
            ("Dovecot", self.dovecot_log()),
            ("Postfix", self.postfix_log()),
            ("Radicale", self.radicale_log()),
        ]
        .iter()
        .map(|(name, log)| format!("--- {name} ({}):\n{}\n", log.display(), process::log_tail(log, 15)))
        .collect()
    }
}

/// Replaces every `@KEY@` of a configuration template; fails if a placeholder is left.
pub(crate) fn fill(template: &str, values: &[(&str, String)]) -> Result<String> {
    let mut text = template.to_owned();
    for (key, value) in values {
        text = text.replace(&format!("@{key}@"), value);
    }
    if let Some(key) = leftover_placeholder(&text) {
        bail!("configuration template placeholder @{key}@ has no value");
    }
    Ok(text)
}

/// The first `@KEY@` (uppercase letters and `_`) left in `text`.
fn leftover_placeholder(text: &str) -> Option<&str> {
    text.split('@').skip(1).find_map(|rest| {
        let end = rest.find(|c: char| !(c.is_ascii_uppercase() || c == '_'))?;
        (end > 0 && rest[end..].starts_with('@')).then(|| &rest[..end])
    })
}

/// Writes a file and sets its mode.
pub(crate) fn write_file(path: &Path, contents: &str, mode: u32) -> Result<()> {
    fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

/// Appends to a file (one write, so concurrent appenders do not interleave lines).
fn append(path: &Path, line: &str) -> Result<()> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.write_all(line.as_bytes())
        .with_context(|| format!("appending to {}", path.display()))
}

pub(crate) fn path_str(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_owned)
        .with_context(|| format!("path is not UTF-8: {}", path.display()))
}

/// A daemon's program: from `PATH`, else Debian's `/usr/sbin` or `/usr/bin` (root's `PATH` in
/// a test harness may lack the `sbin` directories).
pub(crate) fn program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}
