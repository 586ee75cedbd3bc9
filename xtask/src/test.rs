//! `cargo xtask test`: everything CI checks, in one command. Installs what is missing, then the
//! UI's checks and tests, formatting and lints, and every Rust test against one stack of real
//! servers, inside a D-Bus session with an unlocked Secret Service (for the keyring tests).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Result};
use calame_testkit::{Stack, StackOptions};

use crate::{run, setup};

pub fn run_all(root: &Path) -> Result<()> {
    let started = Instant::now();
    let mut counts = Counts::default();
    let mut steps: Vec<(&str, f64)> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        let t = Instant::now();
        eprintln!("xtask: == {name}");
        f()?;
        steps.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };
    step("install", &mut || {
        setup::system_packages()?;
        setup::ui_packages(root)?;
        setup::tauri_driver()
    })?;
    step("ui check", &mut || run(&mut npm(root, &["run", "check"])))?;
    step("ui tests", &mut || counts.add(run_counting(&mut npm(root, &["test"]))?))?;
    step("ui build", &mut || setup::ui_build(root))?;
    step("portable core", &mut || core_is_portable(root))?;
    step("rustfmt", &mut || {
        run(&mut cargo(root, &["fmt", "--all", "--", "--check"]))
    })?;
    step("clippy", &mut || {
        run(&mut cargo(
            root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
        ))
    })?;
    step("build tests", &mut || {
        run(&mut cargo(root, &[&TEST_ARGS[..], &["--no-run"]].concat()))
    })?;
    step("rust tests", &mut || counts.add(rust_tests(root)?))?;
    step("generated types", &mut || bindings_committed(root))?;
    eprintln!("xtask: all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    for (name, seconds) in steps {
        eprintln!("xtask:   {name:<16} {seconds:>7.1} s");
    }
    // The closing line, in the form any CI reads: every test of every runner.
    println!("{} passed, {} failed", counts.passed, counts.failed);
    Ok(())
}

/// `cargo test` over the whole workspace (doc-tests aside: there are none).
const TEST_ARGS: [&str; 6] = ["test", "--workspace", "--locked", "--lib", "--bins", "--tests"];

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: u64,
    failed: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) -> Result<()> {
        self.passed += other.passed;
        self.failed += other.failed;
        Ok(())
    }

    /// Counts from one output line of cargo test (`test result: ok. 5 passed; 0 failed; ...`)
    /// or vitest (`Tests  45 passed (45)`).
    fn from_line(line: &str) -> Option<Counts> {
        let plain: String = strip_ansi(line);
        let plain = plain.trim();
        let number_before = |word: &str| -> u64 {
            let words: Vec<&str> = plain
                .split(|c: char| c.is_whitespace() || c == ';' || c == '|')
                .collect();
            words
                .windows(2)
                .find(|w| w[1] == word)
                .and_then(|w| w[0].parse().ok())
                .unwrap_or(0)
        };
        if plain.starts_with("test result:") || plain.starts_with("Tests ") {
            return Some(Counts {
                passed: number_before("passed"),
                failed: number_before("failed"),
            });
        }
        None
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... letter
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Run a test runner, passing its output through, and count what it reports.
fn run_counting(cmd: &mut Command) -> Result<Counts> {
    use std::io::{BufRead, BufReader, Write};
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout().lock();
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            writeln!(out, "{line}")?;
            if let Some(c) = Counts::from_line(&line) {
                counts.add(c)?;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(counts)
}

fn npm(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args).current_dir(root.join("ui"));
    cmd
}

fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(args).current_dir(root);
    cmd
}

/// One stack for every test binary; the tests run in a private D-Bus session whose Secret
/// Service (gnome-keyring) is unlocked, so `--password-stdin` is tested against a real keyring.
fn rust_tests(root: &Path) -> Result<Counts> {
    let stack = Stack::start(StackOptions::default())?;
    eprintln!("xtask: stack ready ({})", stack.info_file().display());
    let script = format!(
        "printf %s calame-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec cargo {}",
        TEST_ARGS.join(" ")
    );
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", &script])
        .current_dir(root)
        .env(calame_testkit::stack::STACK_FILE_ENV, stack.info_file())
        .env("CALAME_TEST_KEYRING", "1")
        .env_remove("CALAME_PASSWORD")
        .env_remove("CALAME_PROFILE");
    let result = run_counting(&mut cmd);
    stack.stop()?;
    result
}

/// The core must build for Android too: nothing of a window system or desktop notification
/// may reach it, on any target.
fn core_is_portable(root: &Path) -> Result<()> {
    let out = Command::new("cargo")
        .args([
            "tree",
            "-p",
            "calame-core",
            "-e",
            "normal",
            "--target",
            "all",
            "--prefix",
            "none",
            "--locked",
        ])
        .current_dir(root)
        .output()?;
    if !out.status.success() {
        bail!("cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    let forbidden = ["tauri", "wry", "gtk", "webkit", "notify-rust", "tao "];
    let found: Vec<&str> = tree
        .lines()
        .filter(|line| forbidden.iter().any(|f| line.starts_with(f)))
        .collect();
    if !found.is_empty() {
        bail!("calame-core depends on desktop-only crates: {}", found.join(", "));
    }
    Ok(())
}

/// The TypeScript types generated from Rust (by the core's tests) must be committed as they are.
fn bindings_committed(root: &Path) -> Result<()> {
    if !root.join(".git").exists() {
        return Ok(());
    }
    let out = Command::new("git")
        .args(["status", "--porcelain", "--", "ui/src/lib/bindings"])
        .current_dir(root)
        .output()?;
    if !out.stdout.is_empty() {
        bail!(
            "the generated TypeScript types changed; commit ui/src/lib/bindings:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_and_vitest_summaries() {
        let c = Counts::from_line("test result: ok. 33 passed; 2 failed; 4 ignored; 0 measured").unwrap();
        assert_eq!((c.passed, c.failed), (33, 2));
        let c =
            Counts::from_line("\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m45 passed\u{1b}[39m (45)").unwrap();
        assert_eq!((c.passed, c.failed), (45, 0));
        assert!(Counts::from_line("running 5 tests").is_none());
    }
}
