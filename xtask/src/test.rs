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
    step("ui tests", &mut || run(&mut npm(root, &["test"])))?;
    step("ui build", &mut || setup::ui_build(root))?;
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
        run(&mut cargo(root, &["test", "--workspace", "--locked", "--no-run"]))
    })?;
    step("rust tests", &mut || rust_tests(root))?;
    step("generated types", &mut || bindings_committed(root))?;
    eprintln!("xtask: all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    for (name, seconds) in steps {
        eprintln!("xtask:   {name:<16} {seconds:>7.1} s");
    }
    Ok(())
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
fn rust_tests(root: &Path) -> Result<()> {
    let stack = Stack::start(StackOptions::default())?;
    eprintln!("xtask: stack ready ({})", stack.info_file().display());
    let script = "printf %s calame-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
                  && exec cargo test --workspace --locked";
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script])
        .current_dir(root)
        .env(calame_testkit::stack::STACK_FILE_ENV, stack.info_file())
        .env("CALAME_TEST_KEYRING", "1")
        .env_remove("CALAME_PASSWORD")
        .env_remove("CALAME_PROFILE");
    let result = run(&mut cmd);
    stack.stop()?;
    result
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
