//! Installing what the tasks need on a Debian machine: system packages (apt-get, as root or
//! through sudo), the UI's npm packages, tauri-driver.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::run;

/// Debian packages: Tauri's build dependencies, the real servers, the test tools.
const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "xvfb",
    "webkit2gtk-driver",
    "dovecot-core",
    "dovecot-imapd",
    "dovecot-lmtpd",
    "dovecot-managesieved",
    "dovecot-sieve",
    "postfix",
    "radicale",
    "apache2-utils",
    "openssl",
    "curl",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
    // Another CalDAV client for the calendar tests (Python's caldav and icalendar).
    "python3-caldav",
    "python3-icalendar",
    // A stand-in desktop notification server for the app's end-to-end test (dbus, GLib).
    "python3-dbus",
    "python3-gi",
    // `cargo xtask bench`: the peers (mbsync, notmuch, vdirsyncer) and GNU time for peak RSS.
    "isync",
    "notmuch",
    "vdirsyncer",
    "time",
];

/// Install the Debian packages that are missing.
pub fn system_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let sudo = !is_root();
    if sudo && which("sudo").is_none() {
        bail!(
            "missing Debian packages and no sudo: run as root `apt-get install {}`",
            missing.join(" ")
        );
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            cmd.args(["-E", "apt-get"]);
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    // Postfix asks a question at install time; answer it beforehand.
    let mut preseed = if sudo {
        Command::new("sudo")
    } else {
        Command::new("debconf-set-selections")
    };
    if sudo {
        preseed.arg("debconf-set-selections");
    }
    crate::run_with_stdin(
        &mut preseed,
        b"postfix postfix/main_mailer_type select No configuration\n",
    )?;
    run(apt(&["update", "-q"]).arg("-o").arg("Dpkg::Use-Pty=0"))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// A program on PATH, or in cargo's bin directory.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// `npm ci` in ui/ when node_modules is missing or older than the lock file.
pub fn ui_packages(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (stamp.metadata(), ui.join("package-lock.json").metadata()) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ui))
}

/// Build the front-end into ui/dist, which the app embeds at compile time.
pub fn ui_build(root: &Path) -> Result<()> {
    run(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))
}

/// tauri-driver, for the end-to-end tests.
pub fn tauri_driver() -> Result<()> {
    if which("tauri-driver").is_some() {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "tauri-driver", "--locked", "--version", "2.1.0"]))
        .context("installing tauri-driver")
}
