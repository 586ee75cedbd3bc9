//! `cargo xtask demo`: a small town hall's mail on a private server stack, and Calame on it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};
use calame_testkit::mailgen::{self, GenOptions, Mailbox};
use calame_testkit::{Stack, StackOptions};
use serde::Deserialize;

use crate::{run, setup};

#[derive(Deserialize)]
struct Town {
    seed: u64,
    mailboxes: Vec<DemoMailbox>,
}

#[derive(Deserialize)]
struct DemoMailbox {
    login: String,
    name: String,
    folders: BTreeMap<String, u64>,
}

pub fn run_demo(root: &Path) -> Result<()> {
    setup::system_packages()?;
    setup::ui_packages(root)?;
    setup::ui_build(root)?;
    run(Command::new("cargo")
        .args(["build", "--locked", "-p", "calame-cli", "-p", "calame-app"])
        .current_dir(root))?;
    let target = target_dir(root);
    let demo = target.join("demo");
    let _ = std::fs::remove_dir_all(&demo);
    std::fs::create_dir_all(&demo)?;
    let stack = Stack::start(StackOptions {
        dir: Some(demo.join("stack")),
        ..Default::default()
    })?;
    seed_town(&stack, &root.join("assets/demo/town.json"))?;

    let profile = demo.join("profile");
    let calame = target.join("debug/calame");
    let alice = stack.user("alice").clone();
    let add = Command::new(&calame)
        .arg("--profile")
        .arg(&profile)
        .args([
            "account",
            "add",
            &alice.email,
            "--name",
            "Alice Martin",
            "--login",
            &alice.login,
        ])
        .args([
            "--imap",
            &format!("127.0.0.1:{}", stack.info.imaps_port),
            "--tls",
            "implicit",
        ])
        .args([
            "--smtp",
            &format!("127.0.0.1:{}", stack.info.submission_port),
            "--smtp-tls",
            "starttls",
        ])
        .args([
            "--caldav",
            &stack.info.caldav_url,
            "--trust-cert",
            &stack.info.cert_sha256,
        ])
        .env("CALAME_PASSWORD", &alice.password)
        .status()?;
    anyhow::ensure!(add.success(), "calame account add failed");

    let has_display = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display {
        eprintln!(
            "xtask: opening Calame on {} (close the window to stop the demo)",
            profile.display()
        );
        let status = Command::new(target.join("debug/calame-app"))
            .env("CALAME_PROFILE", &profile)
            .env("CALAME_PASSWORD", &alice.password)
            .status()?;
        eprintln!("xtask: Calame exited ({status})");
    } else {
        eprintln!("xtask: no display (DISPLAY is not set): here is the same data through the command line.");
        eprintln!("xtask: $ calame --profile {} folders", profile.display());
        run(Command::new(&calame)
            .arg("--profile")
            .arg(&profile)
            .arg("folders")
            .env("CALAME_PASSWORD", &alice.password))?;
    }
    stack.stop()
}

/// Fill the stack's mailboxes with the town's generated mail (assets/demo/town.json).
pub fn seed_town(stack: &Stack, town_file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(town_file).with_context(|| format!("reading {}", town_file.display()))?;
    let town: Town = serde_json::from_str(&text).with_context(|| format!("reading {}", town_file.display()))?;
    let started = Instant::now();
    let mut total = 0;
    let now = unix_now();
    for (i, mailbox) in town.mailboxes.iter().enumerate() {
        let user = stack.user(&mailbox.login);
        for (j, (folder, count)) in mailbox.folders.iter().enumerate() {
            let raw = calame_core::imap::utf7::encode(folder);
            let dir = stack.create_maildir(&mailbox.login, &raw)?;
            let opts = GenOptions {
                seed: town.seed + (i * 100 + j) as u64,
                domain: stack.info.domain.clone(),
                to: Mailbox::new(mailbox.name.clone(), user.email.clone()),
                start_unix: now - 90 * 86_400,
            }
            .ending_at(*count, now - 600);
            let report = mailgen::seed_maildir(&dir, &opts, 0, *count)?;
            stack.fix_mail_owner(&dir)?;
            total += report.messages;
        }
    }
    eprintln!(
        "xtask: seeded {total} demo messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    seed_agenda(stack)
}

/// A few events in the demo calendars, around today: the service's weekly desk, a council
/// meeting, an all-day event; written as Radicale's own files.
fn seed_agenda(stack: &Stack) -> Result<()> {
    let today = chrono::Utc::now().date_naive();
    let monday = today - chrono::Days::new(u64::from(chrono::Datelike::weekday(&today).num_days_from_monday()));
    let day = |offset: u64| (monday + chrono::Days::new(offset)).format("%Y%m%d").to_string();
    let events = [
        ("accueil", "demo-permanence", format!(
            "DTSTART;TZID=Europe/Paris:{}T090000\r\nDTEND;TZID=Europe/Paris:{}T120000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH\r\n\
             SUMMARY:Permanence état civil\r\nLOCATION:Mairie\\, accueil\r\n",
            day(0), day(0)
        )),
        ("alice", "demo-conseil", format!(
            "DTSTART;TZID=Europe/Paris:{}T180000\r\nDTEND;TZID=Europe/Paris:{}T200000\r\n\
             SUMMARY:Conseil municipal\r\nLOCATION:Salle du conseil\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nDESCRIPTION:Conseil\r\nEND:VALARM\r\n",
            day(3), day(3)
        )),
        ("alice", "demo-patrimoine", format!(
            "DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Journée du patrimoine\r\n",
            day(5), day(6)
        )),
    ];
    for (login, uid, body) in events {
        let dir = stack
            .info
            .dir
            .join("radicale/collections/collection-root")
            .join(login)
            .join("calendar");
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Calame demo//FR\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
             DTSTAMP:20270101T000000Z\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        std::fs::write(dir.join(format!("{uid}.ics")), ics)
            .with_context(|| format!("writing {uid} in {login}'s calendar"))?;
    }
    Ok(())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn target_dir(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's events are valid: Calame reads each, and the week's occurrences show.
    #[test]
    fn the_demo_agenda_reads() {
        let stack = Stack::shared();
        seed_agenda(stack).unwrap();
        let mut summaries = Vec::new();
        for (login, uid) in [
            ("accueil", "demo-permanence"),
            ("alice", "demo-conseil"),
            ("alice", "demo-patrimoine"),
        ] {
            let path = stack
                .info
                .dir
                .join("radicale/collections/collection-root")
                .join(login)
                .join("calendar")
                .join(format!("{uid}.ics"));
            let text = std::fs::read_to_string(path).unwrap();
            let object = calame_core::calendar::parse(&text).unwrap();
            let from = chrono::Utc::now() - chrono::Duration::days(7);
            let to = chrono::Utc::now() + chrono::Duration::days(14);
            let shown = calame_core::calendar::occurrences(&object, from, to, chrono_tz::Europe::Paris);
            assert!(!shown.is_empty(), "{uid}");
            summaries.push(shown[0].summary.clone().unwrap_or_default());
        }
        assert_eq!(
            summaries,
            vec!["Permanence état civil", "Conseil municipal", "Journée du patrimoine"]
        );
    }
}
