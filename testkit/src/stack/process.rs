//! Processes and ports: spawning daemons with their output in log files, waiting for ports,
//! signalling and reaping by pid (through `/proc` and `kill(1)`, the workspace forbids `unsafe`).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Picks `n` distinct free TCP ports on 127.0.0.1 (bind to port 0, read it, close).
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0 to find a free port"))
        .collect::<Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr().context("reading a bound port")?.port()))
        .collect()
}

/// Opens (creating) a log file in append mode, for a daemon's stdout and stderr.
pub(crate) fn log_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening log file {}", path.display()))
}

/// Prepares a daemon command: stdin closed, stdout and stderr appended to `log`, its own
/// process group (a Ctrl-C meant for the caller does not reach it; it is stopped by pid),
/// working directory `cwd`.
pub(crate) fn detach_into(cmd: &mut Command, log: &Path, cwd: &Path) -> Result<()> {
    let out = log_file(log)?;
    let err = out
        .try_clone()
        .with_context(|| format!("duplicating log file {}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .current_dir(cwd)
        .process_group(0);
    Ok(())
}

/// Spawns a long-running daemon (see [`detach_into`]).
pub(crate) fn spawn_daemon(mut cmd: Command, log: &Path, cwd: &Path) -> Result<Child> {
    detach_into(&mut cmd, log, cwd)?;
    cmd.spawn()
        .with_context(|| format!("starting {:?} (log: {})", cmd.get_program(), log.display()))
}

/// Runs a short command to completion with its output appended to `log` (never to pipes a
/// forked daemon could inherit), failing with the log's tail when it exits non-zero.
pub(crate) fn run_logged(mut cmd: Command, log: &Path, cwd: &Path) -> Result<()> {
    detach_into(&mut cmd, log, cwd)?;
    let status = cmd
        .status()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!(
            "{:?} {:?} failed ({status}); tail of {}:\n{}",
            cmd.get_program(),
            cmd.get_args().collect::<Vec<_>>(),
            log.display(),
            log_tail(log, 20)
        );
    }
    Ok(())
}

/// The last `lines` lines of a log file, or a note that it cannot be read.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    let read = File::open(path).and_then(|mut f| {
        let len = f.metadata()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(())
    });
    if let Err(e) = read {
        return format!("(cannot read {}: {e})", path.display());
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub(crate) fn alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_field(&stat, 0).is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Field `n` after the `(comm)` of a `/proc/PID/stat` line (0 = state, 2 = pgrp).
fn stat_field(stat: &str, n: usize) -> Option<&str> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(n)
}

/// Whether `pid` leads its own process group (then the whole group can be signalled).
pub(crate) fn is_group_leader(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_field(&stat, 2).map(|pgrp| pgrp == pid.to_string()))
        .unwrap_or(false)
}

/// Sends `signal` (e.g. "TERM") to `pid`, and to its whole process group when it leads one.
/// Errors are ignored: the process may already be gone.
pub(crate) fn signal(pid: u32, signal: &str) {
    let target = if is_group_leader(pid) {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), target])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits until none of `pids` is alive; false on timeout.
pub(crate) fn wait_gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if pids.iter().all(|&p| !alive(p)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// The effective uid of this process (the owner of `/proc/self`).
pub(crate) fn euid() -> Result<u32> {
    Ok(fs::metadata("/proc/self")
        .context("reading /proc/self to learn the effective uid")?
        .uid())
}
