//! Another IMAP client for tests, independent of Calame's code (Python's imaplib, in
//! `imap_peer.py`): to see what the server really holds and to change it behind Calame's back.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::stack::{Stack, User};

/// Debian's Python (a version manager's shim on PATH can cost a third of a second a call).
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// One run of the IMAP peer; its JSON answer.
pub fn run(stack: &Stack, user: &User, args: &[&str]) -> Result<serde_json::Value> {
    let port = stack.info.imaps_port.to_string();
    let ca = stack.info.ca_file.to_string_lossy();
    script("imap_peer.py", &[&port, &ca, &user.login, &user.password], args)
}

/// Run one of the testkit's Python scripts with its leading arguments, then `args`.
fn script(name: &str, leading: &[&str], args: &[&str]) -> Result<serde_json::Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let out = Command::new(python())
        .arg(&path)
        .args(leading)
        .args(args)
        .output()
        .with_context(|| format!("running python3 {name}"))?;
    if !out.status.success() {
        bail!("{name} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("{name}'s answer"))
}

/// A folder's UIDs and flags (sorted), as the server holds them.
pub fn uid_flags(stack: &Stack, user: &User, folder: &str) -> Result<BTreeMap<u32, Vec<String>>> {
    let value = run(stack, user, &["uids", folder])?;
    let map: BTreeMap<String, Vec<String>> = serde_json::from_value(value)?;
    map.into_iter().map(|(uid, flags)| Ok((uid.parse()?, flags))).collect()
}

/// A folder's messages by Message-ID (without brackets) with their flags (sorted).
pub fn state(stack: &Stack, user: &User, folder: &str) -> Result<BTreeMap<String, Vec<String>>> {
    Ok(serde_json::from_value(run(stack, user, &["state", folder])?)?)
}

/// A folder's messages as Python's email package reads them (see `imap_peer.py messages`).
pub fn messages(stack: &Stack, user: &User, folder: &str) -> Result<Vec<serde_json::Value>> {
    Ok(serde_json::from_value(run(stack, user, &["messages", folder])?)?)
}

/// The names LIST gives for a pattern (`*`), as the server spells them (modified UTF-7).
pub fn list(stack: &Stack, user: &User, pattern: &str) -> Result<Vec<String>> {
    Ok(serde_json::from_value(run(stack, user, &["list", pattern])?)?)
}

/// Submit a message through the stack's Postfix (submission, STARTTLS, AUTH) with Python's
/// smtplib; returns once Postfix accepted it.
pub fn send_mail(stack: &Stack, from: &User, to: &str, subject: &str) -> Result<()> {
    const SCRIPT: &str = r#"
import smtplib, ssl, sys
port, ca, login, password, sender, to, subject = sys.argv[1:8]
s = smtplib.SMTP("127.0.0.1", int(port))
s.starttls(context=ssl.create_default_context(cafile=ca))
s.login(login, password)
msg = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbonjour\r\n"
s.sendmail(sender, [to], msg.encode())
s.quit()
"#;
    let out = Command::new(python())
        .args(["-c", SCRIPT, &stack.info.submission_port.to_string()])
        .arg(&stack.info.ca_file)
        .args([&from.login, &from.password, &from.email, to, subject])
        .output()
        .context("running python3 smtplib")?;
    if !out.status.success() {
        bail!("sending failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// One run of the CalDAV peer (`dav_peer.py`, Python's caldav): its JSON answer.
pub fn dav(stack: &Stack, user: &User, args: &[&str]) -> Result<serde_json::Value> {
    script(
        "dav_peer.py",
        &[&stack.info.caldav_url, &user.login, &user.password],
        args,
    )
}

/// Create or replace an event with another client.
pub fn dav_put(stack: &Stack, user: &User, calendar: &str, ics: &str) -> Result<()> {
    let file = tempfile_in(&stack.info.dir, ics)?;
    dav(stack, user, &["put", calendar, &file.to_string_lossy()])?;
    let _ = std::fs::remove_file(&file);
    Ok(())
}

fn tempfile_in(dir: &std::path::Path, text: &str) -> Result<std::path::PathBuf> {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("dav-peer-{}-{n}.ics", std::process::id()));
    std::fs::write(&path, text).context("writing an event for the peer")?;
    Ok(path)
}
