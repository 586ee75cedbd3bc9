//! `cargo xtask bench-calendar`: the first sync of a calendar of N events and an unchanged
//! resync, Calame against vdirsyncer on the same Radicale, in the same run.
//!
//! The events are written straight into Radicale's storage (one `.ics` per event: French
//! summaries, a tenth of them weekly recurring, some all-day, in Europe/Paris). Each run gets
//! a fresh Calame profile and a fresh vdirsyncer directory. Calame: `account add --caldav`
//! (login, folder list, calendar discovery), then `sync --json` (the calendar's N objects),
//! then `sync --json` again (nothing changed: it reports the HTTP requests it made).
//! vdirsyncer (a `filesystem` ↔ `caldav` pair pointed at the calendar): `discover`, `sync`,
//! `sync` again. Every step is a whole process, timed with its peak RSS.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use calame_testkit::{Stack, StackOptions, User};
use clap::Args;
use serde::Deserialize;

use super::{
    build_calame, calame_account_add, fmt_ratio, fmt_rss, fmt_seconds, os_args, ratio, reexec_release, step,
    timed_process, verdict,
};
use crate::setup;

#[derive(Debug, Args)]
pub struct CalendarBenchArgs {
    /// Events in the calendar.
    #[arg(long, default_value_t = 5000)]
    events: u64,
    /// Runs of each step; the table shows medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// Use this `calame` binary instead of building calame-cli in release.
    #[arg(long, value_name = "PATH")]
    calame: Option<PathBuf>,
}

#[derive(Deserialize)]
struct SyncJson {
    events: u64,
    #[serde(default)]
    calendar_requests: u32,
}

/// One run's figures: (wall seconds, peak RSS KiB) per step.
#[derive(Default)]
struct Run {
    calame_add: (f64, u64),
    calame_first: (f64, u64),
    calame_again: (f64, u64),
    calame_again_requests: u32,
    vdir_discover: (f64, u64),
    vdir_first: (f64, u64),
    vdir_again: (f64, u64),
}

pub fn run(root: &Path, args: CalendarBenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        return reexec_release(root);
    }
    if setup::which("vdirsyncer").is_none() {
        setup::system_packages()?;
    }
    let calame = match &args.calame {
        Some(path) => path.clone(),
        None => build_calame(root)?,
    };
    let work = tempfile::Builder::new()
        .prefix("calame-bench-calendar-")
        .tempdir()
        .context("creating the bench's work directory")?;
    step("starting the stack");
    let stack = Stack::start(StackOptions::default())?;
    let result = measure(&stack, &calame, work.path(), &args);
    let stopped = stack.stop();
    let runs = result?;
    stopped.context("stopping the stack")?;
    print!("{}", table(&args, &runs));
    Ok(())
}

fn measure(stack: &Stack, calame: &Path, work: &Path, args: &CalendarBenchArgs) -> Result<Vec<Run>> {
    let user = stack.add_user("agenda")?;
    step(&format!("writing {} events into Radicale's storage", args.events));
    let dir = stack
        .info
        .dir
        .join("radicale/collections/collection-root")
        .join(&user.login)
        .join("calendar");
    let bytes = seed(&dir, args.events)?;
    eprintln!("  {} events, {:.1} MB", args.events, bytes as f64 / 1e6);
    // Radicale reads every new file once to build its own cache: done here, untimed, so that
    // neither client pays for it.
    let started = std::time::Instant::now();
    let warm = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PROPFIND",
            "-H",
            "Depth: 1",
        ])
        .arg("-u")
        .arg(format!("{}:{}", user.login, user.password))
        .arg(format!("{}{}/calendar/", stack.info.caldav_url, user.login))
        .output()
        .context("warming Radicale with curl")?;
    eprintln!(
        "  Radicale's first listing (its cache built): {:.1} s, HTTP {}",
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&warm.stdout)
    );
    let mut runs = Vec::new();
    for n in 0..args.runs {
        step(&format!("run {} of {}", n + 1, args.runs));
        let mut run = Run::default();
        let profile = work.join(format!("calame-{n}"));
        let t = calame_account_add(
            calame,
            &stack.info,
            &user,
            &profile,
            work,
            &["--caldav", &stack.info.caldav_url],
        )?;
        run.calame_add = (t.wall, t.rss_kib);
        let (t, first) = calame_sync(calame, &user, &profile, work)?;
        if first.events != args.events {
            bail!(
                "Calame's first sync brought {} events, not {}",
                first.events,
                args.events
            );
        }
        run.calame_first = (t.wall, t.rss_kib);
        let (t, again) = calame_sync(calame, &user, &profile, work)?;
        if again.events != 0 {
            bail!(
                "Calame's resync found {} changes in an unchanged calendar",
                again.events
            );
        }
        run.calame_again = (t.wall, t.rss_kib);
        run.calame_again_requests = again.calendar_requests;

        let vdir = work.join(format!("vdirsyncer-{n}"));
        let config = vdirsyncer_config(stack, &user, &vdir)?;
        let envs = [("VDIRSYNCER_CONFIG", config.to_str().unwrap_or_default())];
        let t = timed_process(Path::new("vdirsyncer"), &os_args(&[&"discover"]), &envs, work)?;
        run.vdir_discover = (t.wall, t.rss_kib);
        let t = timed_process(Path::new("vdirsyncer"), &os_args(&[&"sync"]), &envs, work)?;
        run.vdir_first = (t.wall, t.rss_kib);
        let copied = fs::read_dir(vdir.join("local"))?.count() as u64;
        if copied != args.events {
            bail!("vdirsyncer copied {copied} events, not {}", args.events);
        }
        let t = timed_process(Path::new("vdirsyncer"), &os_args(&[&"sync"]), &envs, work)?;
        run.vdir_again = (t.wall, t.rss_kib);
        runs.push(run);
    }
    Ok(runs)
}

/// Write `count` events as Radicale's files; their total size.
fn seed(dir: &Path, count: u64) -> Result<u64> {
    const WORDS: [&str; 8] = [
        "Réunion",
        "Permanence état civil",
        "Conseil municipal",
        "Visite de chantier",
        "Commission d'urbanisme",
        "Accueil des nouveaux arrivants",
        "Point voirie",
        "Rendez-vous élu",
    ];
    let mut total = 0;
    for i in 0..count {
        let day = i % 700;
        let date = chrono::NaiveDate::from_ymd_opt(2027, 1, 4)
            .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
            .context("a date")?;
        let hour = 8 + (i % 10);
        let summary = WORDS.get((i % 8) as usize).copied().unwrap_or("Réunion");
        let when = if i % 17 == 0 {
            format!(
                "DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\n",
                date.format("%Y%m%d"),
                date.succ_opt().unwrap_or(date).format("%Y%m%d")
            )
        } else {
            format!(
                "DTSTART;TZID=Europe/Paris:{}T{hour:02}0000\r\nDTEND;TZID=Europe/Paris:{}T{hour:02}4500\r\n",
                date.format("%Y%m%d"),
                date.format("%Y%m%d")
            )
        };
        let rrule = if i % 10 == 0 {
            "RRULE:FREQ=WEEKLY;COUNT=20\r\n"
        } else {
            ""
        };
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Calame bench//FR\r\nBEGIN:VEVENT\r\n\
             UID:bench-{i}@ville.test\r\nDTSTAMP:20270101T000000Z\r\n{when}{rrule}\
             SUMMARY:{summary} n°{i}\r\nLOCATION:Mairie\\, salle {}\r\n\
             DESCRIPTION:Ordre du jour : point {i}.\\nPrévoir les dossiers.\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n",
            i % 12
        );
        let path = dir.join(format!("bench-{i}.ics"));
        fs::write(&path, &ics).with_context(|| format!("writing {}", path.display()))?;
        total += ics.len() as u64;
    }
    Ok(total)
}

fn calame_sync(calame: &Path, user: &User, profile: &Path, work: &Path) -> Result<(super::Timed, SyncJson)> {
    let args: Vec<OsString> = os_args(&[&"--profile", &profile, &"sync", &"--bodies", &"none", &"--json"]);
    let t = timed_process(calame, &args, &[("CALAME_PASSWORD", &user.password)], work)?;
    let report: SyncJson = serde_json::from_slice(&t.stdout)
        .with_context(|| format!("calame sync --json printed {:?}", String::from_utf8_lossy(&t.stdout)))?;
    Ok((t, report))
}

fn vdirsyncer_config(stack: &Stack, user: &User, dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir.join("local"))?;
    let config = dir.join("config");
    let url = format!("{}{}/calendar/", stack.info.caldav_url, user.login);
    fs::write(
        &config,
        format!(
            "[general]\nstatus_path = \"{status}\"\n\n[pair cal]\na = \"local\"\nb = \"remote\"\n\
             collections = null\n\n[storage local]\ntype = \"filesystem\"\npath = \"{local}\"\n\
             fileext = \".ics\"\n\n[storage remote]\ntype = \"caldav\"\nurl = \"{url}\"\n\
             username = \"{login}\"\npassword = \"{password}\"\n",
            status = dir.join("status").display(),
            local = dir.join("local").display(),
            login = user.login,
            password = user.password,
        ),
    )?;
    Ok(config)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn table(args: &CalendarBenchArgs, runs: &[Run]) -> String {
    let wall = |f: fn(&Run) -> (f64, u64)| median(runs.iter().map(|r| f(r).0).collect());
    let rss = |f: fn(&Run) -> (f64, u64)| runs.iter().map(|r| f(r).1).max();
    let c_first = wall(|r| r.calame_first);
    let v_first = wall(|r| r.vdir_first);
    let c_total = median(runs.iter().map(|r| r.calame_add.0 + r.calame_first.0).collect());
    let v_total = median(runs.iter().map(|r| r.vdir_discover.0 + r.vdir_first.0).collect());
    let requests = runs.iter().map(|r| r.calame_again_requests).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nCalendar sync, {} events, {} run(s), medians (whole processes)\n",
        args.events, args.runs
    );
    let _ = writeln!(out, "| step | Calame | vdirsyncer | ratio | target |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| account add / discover | {} | {} | | |",
        fmt_seconds(wall(|r| r.calame_add)),
        fmt_seconds(wall(|r| r.vdir_discover))
    );
    let _ = writeln!(
        out,
        "| first sync | {} (RSS {}) | {} (RSS {}) | {} | ≤ vdirsyncer: {} |",
        fmt_seconds(c_first),
        fmt_rss(rss(|r| r.calame_first)),
        fmt_seconds(v_first),
        fmt_rss(rss(|r| r.vdir_first)),
        fmt_ratio(ratio(c_first, v_first)),
        verdict(ratio(c_first, v_first).is_some_and(|r| r <= 1.0))
    );
    let _ = writeln!(
        out,
        "| discovery + first sync | {} | {} | {} | |",
        fmt_seconds(c_total),
        fmt_seconds(v_total),
        fmt_ratio(ratio(c_total, v_total))
    );
    let _ = writeln!(
        out,
        "| unchanged resync | {} ({requests} request(s) to the calendar server) | {} | {} | one round trip: {} |",
        fmt_seconds(wall(|r| r.calame_again)),
        fmt_seconds(wall(|r| r.vdir_again)),
        fmt_ratio(ratio(wall(|r| r.calame_again), wall(|r| r.vdir_again))),
        verdict(requests == 1)
    );
    out
}
