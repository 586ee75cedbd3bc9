//! Writing generated messages straight into a maildir folder, as Dovecot's LDA would have.

use std::fs::{self, File};
use std::io::Write;
use std::ops::Range;
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, Context};

use super::rng::{Rng, Stream};
use super::{date_unix, message_into, GenOptions};

/// What [`seed_maildir`](super::seed_maildir) did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeedReport {
    pub messages: u64,
    /// Bytes written (LF line ends: the sum of the `S=` sizes).
    pub bytes: u64,
    /// Size with CRLF line ends, as IMAP reports it (the sum of the `W=` sizes).
    pub crlf_bytes: u64,
    pub seconds: f64,
}

impl SeedReport {
    pub fn messages_per_second(&self) -> f64 {
        self.messages as f64 / self.seconds.max(1e-9)
    }
}

/// The newest messages of a batch that are mostly still unread.
const UNREAD_WINDOW: u64 = 50;

/// Maildir flags of message `index` when `newest` is the last message of the folder, in the
/// order maildir wants (alphabetical): most older messages are seen (`S`), the newest ones
/// mostly not; some are answered (`R`) or flagged (`F`).
pub fn maildir_flags(opts: &GenOptions, index: u64, newest: u64) -> String {
    let mut rng = Rng::for_message(opts.seed, index, Stream::Flags);
    let recent = newest.saturating_sub(index) < UNREAD_WINDOW;
    let seen = if recent { rng.percent(20) } else { rng.percent(96) };
    let answered = seen && rng.percent(9);
    let flagged = rng.percent(4);
    let mut flags = String::with_capacity(3);
    if flagged {
        flags.push('F');
    }
    if answered {
        flags.push('R');
    }
    if seen {
        flags.push('S');
    }
    flags
}

/// Turns CRLF line ends into LF, in place (moving the runs between them).
fn crlf_to_lf(buf: &mut Vec<u8>) {
    let n = buf.len();
    let (mut read, mut write) = (0, 0);
    while read < n {
        let cr = buf[read..].iter().position(|&b| b == b'\r').map_or(n, |p| read + p);
        buf.copy_within(read..cr, write);
        write += cr - read;
        if cr < n && buf.get(cr + 1) != Some(&b'\n') {
            // A lone CR stays.
            buf[write] = b'\r';
            write += 1;
        }
        read = cr + 1;
    }
    buf.truncate(write);
}

fn unix_to_system(unix: i64) -> SystemTime {
    if unix >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(unix.unsigned_abs())
    }
}

/// Ownership to give the written files, if any.
#[derive(Clone, Copy)]
struct Owner {
    uid: Option<u32>,
    gid: Option<u32>,
}

impl Owner {
    fn apply(self, path: &Path) -> anyhow::Result<()> {
        if self.uid.is_some() || self.gid.is_some() {
            chown(path, self.uid, self.gid).with_context(|| format!("chown {}", path.display()))?;
        }
        Ok(())
    }
}

/// Where and how messages are written.
struct Target<'a> {
    cur: PathBuf,
    opts: &'a GenOptions,
    newest: u64,
    pid: u32,
    owner: Owner,
}

/// Bytes written: (LF, CRLF).
type Sizes = (u64, u64);

impl Target<'_> {
    /// Generates and writes messages `range`, reusing one buffer.
    fn write_range(&self, range: Range<u64>) -> anyhow::Result<Sizes> {
        let mut buf = Vec::with_capacity(64 * 1024);
        let (mut bytes, mut crlf_bytes) = (0, 0);
        for index in range {
            buf.clear();
            message_into(self.opts, index, &mut buf);
            let crlf_size = buf.len();
            crlf_to_lf(&mut buf);
            self.write(index, &buf, crlf_size)?;
            bytes += buf.len() as u64;
            crlf_bytes += crlf_size as u64;
        }
        Ok((bytes, crlf_bytes))
    }

    /// Writes one message file: name, content, mtime, owner.
    fn write(&self, index: u64, message: &[u8], crlf_size: usize) -> anyhow::Result<()> {
        let date = date_unix(self.opts, index);
        let flags = maildir_flags(self.opts, index, self.newest);
        let name = format!(
            "{date}.M{index}P{}.calame,S={},W={crlf_size}:2,{flags}",
            self.pid,
            message.len()
        );
        let path = self.cur.join(name);
        let mut file = File::create(&path).with_context(|| format!("create {}", path.display()))?;
        file.write_all(message)
            .with_context(|| format!("write {}", path.display()))?;
        file.set_modified(unix_to_system(date))
            .with_context(|| format!("set mtime of {}", path.display()))?;
        drop(file);
        self.owner.apply(&path)
    }
}

/// Creates `dir/{cur,new,tmp}` (owned as asked) and returns `dir/cur`.
fn prepare(dir: &Path, owner: Owner) -> anyhow::Result<PathBuf> {
    for sub in ["cur", "new", "tmp"] {
        let path = dir.join(sub);
        fs::create_dir_all(&path).with_context(|| format!("create {}", path.display()))?;
        owner.apply(&path)?;
    }
    owner.apply(dir)?;
    Ok(dir.join("cur"))
}

/// Threads: one per core (at most 4), fewer for small batches. Each generates and writes its
/// share: creating files in one directory is partly serialised by the kernel, but writing and
/// allocating are not, and measured faster than one writer fed by generator threads.
fn threads(count: u64) -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    cores.clamp(1, 4).min(count / 500 + 1)
}

pub(crate) fn seed(
    dir: &Path,
    opts: &GenOptions,
    first: u64,
    count: u64,
    uid: Option<u32>,
    gid: Option<u32>,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let owner = Owner { uid, gid };
    let target = Target {
        cur: prepare(dir, owner)?,
        opts,
        newest: (first + count).saturating_sub(1),
        pid: std::process::id(),
        owner,
    };
    let threads = threads(count);
    let share = count.div_ceil(threads);
    let results: Vec<anyhow::Result<Sizes>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let start = first + t * share;
                let end = (start + share).min(first + count);
                let target = &target;
                scope.spawn(move || target.write_range(start..end))
            })
            .collect();
        let joined = handles.into_iter().map(|h| h.join());
        joined
            .map(|r| r.unwrap_or_else(|_| Err(anyhow!("a maildir writer thread panicked"))))
            .collect()
    });
    let (mut bytes, mut crlf_bytes) = (0, 0);
    for result in results {
        let (b, c) = result?;
        bytes += b;
        crlf_bytes += c;
    }
    Ok(SeedReport {
        messages: count,
        bytes,
        crlf_bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::crlf_to_lf;

    #[test]
    fn crlf_becomes_lf() {
        for (crlf, lf) in [
            (&b"a\r\nb\r\n\r\nc\rd"[..], &b"a\nb\n\nc\rd"[..]),
            (b"\r\n", b"\n"),
            (b"x\r", b"x\r"),
            (b"\r\rx\r\n", b"\r\rx\n"),
            (b"", b""),
        ] {
            let mut buf = crlf.to_vec();
            crlf_to_lf(&mut buf);
            assert_eq!(buf, lf);
        }
    }
}
