//! The CLI contract (BRIEF.md) against real servers: flags only, the password from
//! CALAME_PASSWORD, stdin closed, JSON on stdout, exit codes.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use calame_testkit::Stack;
use serde_json::Value;

fn calame(profile: &Path, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calame"));
    cmd.arg("--profile")
        .arg(profile)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("CALAME_PROFILE");
    match password {
        Some(p) => cmd.env("CALAME_PASSWORD", p),
        None => cmd.env_remove("CALAME_PASSWORD"),
    };
    cmd.env("LANG", "fr_FR.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd.output().expect("run calame")
}

/// The fields of a `list` item (the contract's), which `search` items have too.
const LIST_ITEM_KEYS: [&str; 11] = [
    "uid",
    "date",
    "from",
    "to",
    "cc",
    "subject",
    "flags",
    "size",
    "has_attachments",
    "message_id",
    "thread_id",
];

fn add_args(stack: &Stack, login: &str) -> Vec<String> {
    let user = stack.user(login);
    vec![
        "account".into(),
        "add".into(),
        user.email.clone(),
        "--login".into(),
        user.login.clone(),
        "--imap".into(),
        format!("127.0.0.1:{}", stack.info.imaps_port),
        "--tls".into(),
        "implicit".into(),
        "--smtp".into(),
        format!("127.0.0.1:{}", stack.info.submission_port),
        "--smtp-tls".into(),
        "starttls".into(),
        "--trust-cert".into(),
        stack.info.cert_sha256.clone(),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "calame failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn add_then_list_accounts_and_folders() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let alice = stack.user("alice");
    let out = calame(dir.path(), &strs(&add_args(stack, "alice")), Some(&alice.password));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let accounts = json(&calame(dir.path(), &["account", "list", "--json"], None));
    let a = &accounts[0];
    assert_eq!(a["email"], "alice@example.test");
    assert_eq!(a["login"], alice.login.as_str());
    assert_eq!(a["imap"], format!("127.0.0.1:{}", stack.info.imaps_port));
    assert_eq!(a["smtp"], format!("127.0.0.1:{}", stack.info.submission_port));
    assert!(a["caldav"].is_null() && a.get("name").is_some());

    // Offline: from the cache, no password needed.
    let folders = json(&calame(dir.path(), &["--offline", "folders", "--json"], None));
    let demandes = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Shared/accueil/Demandes")
        .expect("the shared folder is listed");
    assert_eq!(demandes["account"], "alice@example.test");
    assert_eq!(demandes["delimiter"], "/");
    assert_eq!(demandes["shared"], true);
    assert_eq!(demandes["owner"], "accueil");
    assert!(demandes["role"].is_null());
    assert!(demandes["unread"].is_u64() && demandes["total"].is_u64());
    let inbox = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "INBOX")
        .unwrap();
    assert_eq!(inbox["role"], "inbox");
    assert_eq!(inbox["owner"], Value::Null);
    assert_eq!(inbox["shared"], false);

    // Online: fetched again from the server, with the password for this run only.
    let online = json(&calame(dir.path(), &["folders", "--json"], Some(&alice.password)));
    assert_eq!(online.as_array().unwrap().len(), folders.as_array().unwrap().len());
    // The password was not written anywhere in the profile.
    assert_no_file_contains(dir.path(), alice.password.as_bytes());
}

fn assert_no_file_contains(dir: &Path, needle: &[u8]) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} contains the password",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn bob_has_read_and_flag_rights_on_the_service_mailbox() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let bob = stack.user("bob");
    let out = calame(dir.path(), &strs(&add_args(stack, "bob")), Some(&bob.password));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let folders = json(&calame(dir.path(), &["folders", "--json"], Some(&bob.password)));
    let f = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Shared/accueil/Demandes")
        .unwrap();
    let mut rights: Vec<char> = f["rights"].as_str().unwrap().chars().collect();
    rights.sort_unstable();
    assert_eq!(rights, vec!['l', 'r', 's', 'w']);
}

#[test]
fn exit_codes_follow_the_contract() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let alice = stack.user("alice");
    let args = add_args(stack, "alice");

    let wrong = calame(dir.path(), &strs(&args), Some("wrong password"));
    assert_eq!(
        wrong.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert_one_clear_line(&wrong);

    let mut untrusted = args.clone();
    let at = untrusted.iter().position(|a| a == "--trust-cert").unwrap();
    untrusted.drain(at..at + 2);
    let out = calame(dir.path(), &strs(&untrusted), Some(&alice.password));
    assert_eq!(out.status.code(), Some(4));
    assert_one_clear_line(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&stack.info.cert_sha256),
        "the message shows what to pin"
    );

    let bad = calame(
        dir.path(),
        &["account", "add", "not-an-address", "--imap", "127.0.0.1:1"],
        Some("x"),
    );
    assert_eq!(bad.status.code(), Some(2));
    let usage = calame(dir.path(), &["frobnicate"], None);
    assert_eq!(usage.status.code(), Some(2));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut unreachable = args.clone();
    let at = unreachable.iter().position(|a| a == "--imap").unwrap();
    unreachable[at + 1] = format!("127.0.0.1:{port}");
    let out = calame(dir.path(), &strs(&unreachable), Some(&alice.password));
    assert_eq!(out.status.code(), Some(5));

    // Nothing was added by any of these.
    let accounts = json(&calame(dir.path(), &["account", "list", "--json"], None));
    assert_eq!(accounts, serde_json::json!([]));

    // While another process holds the profile: exit 8, and the message names the holder.
    let held = calame_core::Calame::open(dir.path(), "Calame (application)").unwrap();
    let out = calame(dir.path(), &["account", "list", "--json"], None);
    assert_eq!(out.status.code(), Some(8));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Calame (application) (pid "), "{stderr}");
    drop(held);
}

fn assert_one_clear_line(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr:?}");
    assert!(lines[0].starts_with("calame: "), "{stderr:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn english_when_the_locale_says_so() {
    let stack = Stack::shared();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_calame"))
        .arg("--profile")
        .arg(dir.path())
        .args(strs(&add_args(stack, "alice")))
        .env("CALAME_PASSWORD", "wrong")
        .env("LC_ALL", "en_GB.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the login"));
    let fr = calame(dir.path(), &strs(&add_args(stack, "alice")), Some("wrong"));
    assert!(String::from_utf8_lossy(&fr.stderr).contains("a refusé"));
}

/// `--password-stdin` keeps the password in the OS keyring. Under a Secret Service (the test
/// command runs one), later commands need no CALAME_PASSWORD; without one, a clear error.
#[test]
fn password_stdin_uses_the_keyring_or_says_there_is_none() {
    let stack = Stack::shared();
    let alice = stack.user("alice");
    let run = |dir: &Path, bus: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_calame"));
        cmd.arg("--profile")
            .arg(dir)
            .args(strs(&add_args(stack, "alice")))
            .arg("--password-stdin");
        cmd.env_remove("CALAME_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(bus) = bus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{}\n", alice.password).as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let dir = tempfile::tempdir().unwrap();
    let nobus = format!("unix:path={}/no-such-bus", dir.path().display());
    let out = run(dir.path(), Some(&nobus));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("trousseau"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    if std::env::var_os("CALAME_TEST_KEYRING").is_none() {
        eprintln!("no Secret Service for this run (CALAME_TEST_KEYRING unset): keyring round trip not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let folders = json(&calame(dir.path(), &["folders", "--json"], None));
    assert!(folders.as_array().unwrap().iter().any(|f| f["name"] == "INBOX"));
}

#[test]
fn sync_then_list_newest_first_online_and_offline() {
    use calame_testkit::mailgen;
    let stack = Stack::shared();
    let (user, dir, opts) = seeded_account(stack, "cli-list", 3, 60);

    let report = json(&calame(dir.path(), &["sync", "--json"], Some(&user.password)));
    for key in [
        "folders",
        "messages_new",
        "messages_changed",
        "messages_gone",
        "events",
        "seconds",
        "bytes_in",
    ] {
        assert!(report.get(key).is_some(), "sync --json has {key}: {report}");
    }
    assert_eq!(report["messages_new"], 60);

    let page = json(&calame(dir.path(), &["--offline", "list", "INBOX", "--json"], None));
    let page = page.as_array().unwrap();
    assert_eq!(page.len(), 50, "default limit");
    let uids: Vec<u64> = page.iter().map(|m| m["uid"].as_u64().unwrap()).collect();
    assert!(uids.windows(2).all(|w| w[0] > w[1]), "newest first: {uids:?}");
    let first = &page[0];
    for key in LIST_ITEM_KEYS {
        assert!(first.get(key).is_some(), "list item has {key}: {first}");
    }
    assert!(first["from"]["email"].as_str().unwrap().contains('@'));
    assert!(first["date"].as_str().unwrap().len() >= 20, "RFC 3339 date");
    let expected = mailgen::summary(&opts, 59);
    assert_eq!(first["subject"], expected.subject.as_str());

    let rest = json(&calame(
        dir.path(),
        &["list", "INBOX", "--offset", "50", "--limit", "100", "--json"],
        Some(&user.password),
    ));
    assert_eq!(rest.as_array().unwrap().len(), 10, "online list, second page");
}

#[test]
fn read_flag_move_delete_against_the_server() {
    use calame_testkit::mailgen;
    use calame_testkit::peer;
    let stack = Stack::shared();
    let (user, dir, opts) = seeded_account(stack, "cli-actions", 11, 20);
    let pw = Some(user.password.as_str());
    json(&calame(dir.path(), &["sync", "--json"], pw));

    // Not fetched yet: offline, it is not there; online, it is fetched and kept.
    let offline = calame(dir.path(), &["--offline", "read", "INBOX", "20", "--json"], None);
    assert_eq!(
        offline.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let msg = json(&calame(dir.path(), &["read", "INBOX", "20", "--json"], pw));
    for key in ["headers", "text", "html", "blocked", "attachments", "invitation"] {
        assert!(msg.get(key).is_some(), "read --json has {key}");
    }
    assert_eq!(msg["headers"]["subject"], mailgen::summary(&opts, 19).subject.as_str());
    let again = json(&calame(
        dir.path(),
        &["--offline", "read", "INBOX", "20", "--json"],
        None,
    ));
    assert_eq!(again, msg);
    let raw = calame(dir.path(), &["--offline", "read", "INBOX", "20", "--raw"], None);
    let generated: Vec<u8> = mailgen::message(&opts, 19);
    let strip = |b: &[u8]| b.iter().copied().filter(|c| *c != b'\r').collect::<Vec<u8>>();
    assert_eq!(
        strip(&raw.stdout),
        strip(&generated),
        "--raw gives the message as stored"
    );
    assert!(!raw.stdout.is_empty());

    let ok = |out: Output| assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ok(calame(
        dir.path(),
        &["flag", "INBOX", "1", "2", "--add", "\\Flagged"],
        pw,
    ));
    ok(calame(dir.path(), &["flag", "INBOX", "1", "--remove", "\\Flagged"], pw));
    ok(calame(dir.path(), &["move", "INBOX", "3", "4", "Archive"], pw));
    ok(calame(dir.path(), &["delete", "INBOX", "5"], pw));
    let inbox = peer::uid_flags(stack, &user, "INBOX").unwrap();
    assert!(!inbox[&1].contains(&"\\Flagged".to_owned()));
    assert!(inbox[&2].contains(&"\\Flagged".to_owned()));
    assert!(!inbox.contains_key(&3) && !inbox.contains_key(&4) && !inbox.contains_key(&5));
    assert_eq!(peer::uid_flags(stack, &user, "Archive").unwrap().len(), 2);
    assert_eq!(peer::uid_flags(stack, &user, "Trash").unwrap().len(), 1);

    // Offline: shown at once, queued, sent at the next sync.
    ok(calame(
        dir.path(),
        &["--offline", "flag", "INBOX", "6", "--add", "$Traite"],
        None,
    ));
    let listed = json(&calame(dir.path(), &["--offline", "list", "INBOX", "--json"], None));
    let six = listed.as_array().unwrap().iter().find(|m| m["uid"] == 6).unwrap();
    assert!(six["flags"].as_array().unwrap().iter().any(|f| f == "$Traite"));
    assert!(!peer::uid_flags(stack, &user, "INBOX").unwrap()[&6].contains(&"$Traite".to_owned()));
    json(&calame(dir.path(), &["sync", "--json"], pw));
    assert!(peer::uid_flags(stack, &user, "INBOX").unwrap()[&6].contains(&"$Traite".to_owned()));
}

/// `watch` prints `ready`, then a `new_mail` event for a message delivered through Postfix.
/// Prints the delay measured (the benchmark of push latency is elsewhere; the bound here only
/// catches a watch that does not push at all).
#[test]
fn watch_reports_new_mail_delivered_through_postfix() {
    use std::io::BufRead;
    use std::time::{Duration, Instant};
    let stack = Stack::shared();
    let user = stack.add_user("cli-watch").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut args = add_args(stack, "alice");
    args[2] = user.email.clone();
    args[4] = user.login.clone();
    assert!(calame(dir.path(), &strs(&args), Some(&user.password)).status.success());

    let mut child = Command::new(env!("CARGO_BIN_EXE_calame"))
        .arg("--profile")
        .arg(dir.path())
        .arg("watch")
        .env("CALAME_PASSWORD", &user.password)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, String)>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    let (_, first) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("watch says it is ready");
    assert_eq!(
        serde_json::from_str::<Value>(&first).unwrap(),
        serde_json::json!({"event": "ready"})
    );

    let bob = stack.user("bob");
    let mut delays = Vec::new();
    for i in 0..3 {
        let subject = format!("Réunion {i}");
        let sent = Instant::now();
        calame_testkit::peer::send_mail(stack, bob, &user.email, &subject).unwrap();
        let accepted = sent.elapsed();
        let event = loop {
            let (at, line) = rx.recv_timeout(Duration::from_secs(20)).expect("a new_mail event");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["event"] == "new_mail" {
                break (at, v);
            }
        };
        assert_eq!(event.1["folder"], "INBOX");
        assert_eq!(event.1["subject"], subject.as_str());
        assert_eq!(event.1["from"]["email"], bob.email.as_str());
        assert!(event.1["uid"].as_u64().unwrap() > 0);
        delays.push(event.0.duration_since(sent).saturating_sub(accepted));
    }
    eprintln!("watch: new_mail after SMTP acceptance: {delays:?}");
    let _ = child.kill();
    let _ = child.wait();
}

/// A private user with `count` generated messages in INBOX, and a profile with its account.
fn seeded_account(
    stack: &Stack,
    name: &str,
    seed: u64,
    count: u64,
) -> (
    calame_testkit::User,
    tempfile::TempDir,
    calame_testkit::mailgen::GenOptions,
) {
    let user = stack.add_user(name).unwrap();
    let (opts, _) = stack.seed(&user, "INBOX", seed, count).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut args = add_args(stack, "alice");
    args[2] = user.email.clone();
    args[4] = user.login.clone();
    let out = calame(dir.path(), &strs(&args), Some(&user.password));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (user, dir, opts)
}

/// A profile with an account for a stack user (seeded or added).
fn account_for(stack: &Stack, user: &calame_testkit::User) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut args = add_args(stack, "alice");
    args[2] = user.email.clone();
    args[4] = user.login.clone();
    let out = calame(dir.path(), &strs(&args), Some(&user.password));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn folder_named<'a>(folders: &'a Value, name: &str) -> Option<&'a Value> {
    folders.as_array().unwrap().iter().find(|f| f["name"] == name)
}

#[test]
fn folder_create_rename_subscribe_delete_and_exit_codes() {
    let stack = Stack::shared();
    let user = stack.add_user("cli-folders").unwrap();
    let dir = account_for(stack, &user);
    let pw = Some(user.password.as_str());
    let run = |args: &[&str]| calame(dir.path(), args, pw);
    let ok = |out: Output| assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    ok(run(&["folder", "create", "Projets/Été 2027"]));
    let folders = json(&calame(dir.path(), &["--offline", "folders", "--json"], None));
    let f = folder_named(&folders, "Projets/Été 2027").expect("created and cached");
    assert_eq!(f["subscribed"], false);
    let again = run(&["folder", "create", "Projets/Été 2027"]);
    assert_eq!(again.status.code(), Some(7), "already there: a conflict");
    assert_one_clear_line(&again);

    let offline = calame(dir.path(), &["--offline", "folder", "create", "Hors ligne"], None);
    assert_eq!(offline.status.code(), Some(2));
    assert_one_clear_line(&offline);
    assert!(String::from_utf8_lossy(&offline.stderr).contains("hors ligne"));

    ok(run(&["folder", "subscribe", "Projets/Été 2027"]));
    let folders = json(&calame(dir.path(), &["--offline", "folders", "--json"], None));
    assert_eq!(folder_named(&folders, "Projets/Été 2027").unwrap()["subscribed"], true);
    ok(run(&["folder", "unsubscribe", "Projets/Été 2027"]));
    ok(run(&["folder", "rename", "Projets/Été 2027", "Projets/Clos"]));
    let gone = run(&["folder", "delete", "Projets/Été 2027"]);
    assert_eq!(gone.status.code(), Some(2), "no such folder any more");
    ok(run(&["folder", "delete", "Projets/Clos"]));
    let folders = json(&calame(dir.path(), &["--offline", "folders", "--json"], None));
    assert!(folder_named(&folders, "Projets/Clos").is_none());
    assert!(folder_named(&folders, "Projets/Été 2027").is_none());

    // bob has lrsw on accueil's folders: refused (6), the missing right named.
    let bob = stack.user("bob");
    let bob_dir = account_for(stack, bob);
    let args = ["folder", "create", "Shared/accueil/Demandes/Essai CLI"];
    let refused = calame(bob_dir.path(), &args, Some(&bob.password));
    assert_eq!(refused.status.code(), Some(6));
    assert_one_clear_line(&refused);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("droit « k »"), "{stderr}");
}

/// Writes raw messages into a user's folder (maildir `new/`), as a delivery would.
fn deliver(stack: &Stack, user: &calame_testkit::User, folder: &str, messages: &[String]) {
    let dir = stack.create_maildir(&user.login, folder).unwrap();
    static DELIVERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    for m in messages {
        let n = DELIVERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir
            .join("new")
            .join(format!("1700000000.M{n}P{}.calame-test", std::process::id()));
        std::fs::write(&path, m.replace('\n', "\r\n")).unwrap();
        stack.fix_mail_owner(&path).unwrap();
    }
}

/// The UID of the message with this subject in a `list --json` page.
fn uid_of(page: &Value, subject: &str) -> String {
    page.as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == subject)
        .unwrap_or_else(|| panic!("no {subject:?} in {page}"))["uid"]
        .to_string()
}

fn html_mail(from: &str, id: &str, subject: &str, image: &str) -> String {
    format!(
        "From: {from}\nTo: cli-remote@example.test\nSubject: {subject}\nMessage-ID: <{id}>\n\
Date: Mon, 15 Mar 2027 09:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n\
<p>Bonjour,</p><img src=\"{image}\" alt=\"logo\"><p>La mairie</p>\n"
    )
}

#[test]
fn remote_content_blocked_until_allowed_for_the_sender_or_the_message() {
    let stack = Stack::shared();
    let user = stack.add_user("cli-remote").unwrap();
    let (logo, banner) = ("https://images.example/logo.png", "https://pub.example/banner.png");
    deliver(
        stack,
        &user,
        "INBOX",
        &[
            html_mail("Lettre <lettre@mairie.example>", "l1@mairie.example", "Lettre", logo),
            html_mail("Pub <pub@ailleurs.example>", "p1@ailleurs.example", "Publicité", banner),
        ],
    );
    let dir = account_for(stack, &user);
    let pw = Some(user.password.as_str());
    let page = json(&calame(dir.path(), &["list", "INBOX", "--json"], pw));
    let (lettre, publicite) = (uid_of(&page, "Lettre"), uid_of(&page, "Publicité"));
    let read = |uid: &str, extra: &[&str]| {
        let mut args = vec!["read", "INBOX", uid];
        args.extend_from_slice(extra);
        calame(dir.path(), &args, pw)
    };
    let blocked = |m: &Value, url: &str| {
        assert_eq!(m["blocked"], serde_json::json!([url]), "{m}");
        assert!(!m["html"].as_str().unwrap().contains(url), "{m}");
        assert_eq!(m["remote_allowed"], Value::Null);
    };
    let allowed = |m: &Value, url: &str, why: &str| {
        assert_eq!(m["blocked"], serde_json::json!([]), "{m}");
        assert!(m["html"].as_str().unwrap().contains(url), "{m}");
        assert_eq!(m["remote_allowed"], why);
    };

    // Blocked by default; allowed for one reading only with --allow-remote.
    blocked(&json(&read(&lettre, &["--json"])), logo);
    allowed(&json(&read(&lettre, &["--json", "--allow-remote"])), logo, "once");
    let html = read(&lettre, &["--html"]);
    assert!(!String::from_utf8_lossy(&html.stdout).contains(logo));
    blocked(&json(&read(&lettre, &["--json"])), logo);

    // Allowed for the sender (whatever the case), offline too; not for another sender.
    let ok = |out: Output| assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ok(calame(
        dir.path(),
        &["allow-remote", "sender", "Lettre@Mairie.Example"],
        None,
    ));
    allowed(&json(&read(&lettre, &["--json"])), logo, "sender");
    let html = calame(dir.path(), &["--offline", "read", "INBOX", &lettre, "--html"], None);
    assert!(String::from_utf8_lossy(&html.stdout).contains(logo));
    blocked(&json(&read(&publicite, &["--json"])), banner);

    // Allowed for one message, by its place.
    ok(calame(
        dir.path(),
        &["allow-remote", "message", "INBOX", &publicite],
        pw,
    ));
    allowed(&json(&read(&publicite, &["--json"])), banner, "message");
    let list = std::fs::read_to_string(dir.path().join("remote-content.json")).unwrap();
    assert!(list.contains("lettre@mairie.example") && list.contains("p1@ailleurs.example"));

    // A damaged list is an error, not an allowance; the file is left for the user to see.
    std::fs::write(dir.path().join("remote-content.json"), b"{\"senders\": [").unwrap();
    let out = read(&lettre, &["--html"]);
    assert_eq!(out.status.code(), Some(1));
    assert_one_clear_line(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("remote-content.json"));
    let out = calame(dir.path(), &["allow-remote", "sender", "x@y.example"], None);
    assert_eq!(out.status.code(), Some(1));
    let bad = calame(dir.path(), &["allow-remote", "sender", "pas une adresse"], None);
    std::fs::remove_file(dir.path().join("remote-content.json")).unwrap();
    let bad_after = calame(dir.path(), &["allow-remote", "sender", "pas une adresse"], None);
    assert_eq!(bad.status.code(), Some(1), "the damage is reported first");
    assert_eq!(bad_after.status.code(), Some(2));
    blocked(&json(&read(&lettre, &["--json"])), logo);
}

fn plain_mail(from: &str, id: &str, subject: &str, date: &str, references: Option<&str>) -> String {
    let refs = references
        .map(|r| format!("In-Reply-To: <{r}>\nReferences: <{r}>\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\nTo: cli-threads@example.test\nSubject: {subject}\nMessage-ID: <{id}>\n{refs}\
Date: {date}\nContent-Type: text/plain; charset=utf-8\n\nBonjour.\n"
    )
}

#[test]
fn a_reply_without_references_joins_its_thread_by_subject() {
    let stack = Stack::shared();
    let user = stack.add_user("cli-threads").unwrap();
    let citizen = "Marie Dupont <marie.dupont@example.test>";
    let urbanisme = "Urbanisme <urbanisme@example.test>";
    deliver(
        stack,
        &user,
        "INBOX",
        &[
            plain_mail(
                urbanisme,
                "root@mairie.example",
                "TR: Demande de permis",
                "Mon, 15 Mar 2027 09:00:00 +0100",
                None,
            ),
            plain_mail(
                citizen,
                "r1@example.test",
                "Re: TR: Demande de permis",
                "Tue, 16 Mar 2027 09:00:00 +0100",
                Some("root@mairie.example"),
            ),
            plain_mail(
                citizen,
                "webmail-1@example.test",
                "RE : TR: Demande de permis",
                "Wed, 17 Mar 2027 09:00:00 +0100",
                None,
            ),
            plain_mail(
                citizen,
                "seul@example.test",
                "Re: Autre chose",
                "Wed, 17 Mar 2027 10:00:00 +0100",
                None,
            ),
        ],
    );
    let dir = account_for(stack, &user);
    let pw = Some(user.password.as_str());
    let thread_of = |page: &Value, id: &str| -> Value {
        let m = page.as_array().unwrap().iter().find(|m| m["message_id"] == id);
        m.unwrap_or_else(|| panic!("no {id} in {page}"))["thread_id"].clone()
    };
    let page = json(&calame(dir.path(), &["list", "INBOX", "--json"], pw));
    assert_eq!(thread_of(&page, "root@mairie.example"), "root@mairie.example");
    assert_eq!(thread_of(&page, "r1@example.test"), "root@mairie.example");
    assert_eq!(thread_of(&page, "webmail-1@example.test"), "root@mairie.example");
    assert_eq!(thread_of(&page, "seul@example.test"), "seul@example.test");

    // Another such reply arrives: the index is rebuilt for the changed folder.
    deliver(
        stack,
        &user,
        "INBOX",
        &[plain_mail(
            citizen,
            "webmail-2@example.test",
            "Réf. : Re: TR : demande  de permis",
            "Thu, 18 Mar 2027 09:00:00 +0100",
            None,
        )],
    );
    let page = json(&calame(dir.path(), &["list", "INBOX", "--json"], pw));
    assert_eq!(thread_of(&page, "webmail-2@example.test"), "root@mairie.example");
    let offline = json(&calame(dir.path(), &["--offline", "list", "INBOX", "--json"], None));
    assert_eq!(offline, page);
}

/// `search`: list items plus `folder`, newest first, from the cache offline; `--server` asks the
/// server too, and is refused with `--offline`.
#[test]
fn search_the_cache_and_the_server() {
    let stack = Stack::shared();
    let (user, dir, _opts) = seeded_account(stack, "cli-search", 17, 60);
    let pw = Some(user.password.as_str());
    json(&calame(dir.path(), &["sync", "--json"], pw));
    let listed = json(&calame(
        dir.path(),
        &["--offline", "list", "INBOX", "--limit", "1000", "--json"],
        None,
    ));
    let listed = listed.as_array().unwrap();
    let target = &listed[7];
    let word = letters_only(target["subject"].as_str().unwrap())
        .into_iter()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_uppercase();

    let started = std::time::Instant::now();
    let hits = json(&calame(dir.path(), &["--offline", "search", &word, "--json"], None));
    eprintln!("search: first run (index built) {:?}", started.elapsed());
    let started = std::time::Instant::now();
    json(&calame(dir.path(), &["--offline", "search", &word, "--json"], None));
    eprintln!("search: whole process, index ready {:?}", started.elapsed());
    let hits = hits.as_array().unwrap();
    assert!(hits.iter().any(|h| h["uid"] == target["uid"]), "{word}: {hits:?}");
    for h in hits {
        assert_eq!(h["folder"], "INBOX");
        for key in LIST_ITEM_KEYS {
            assert!(h.get(key).is_some(), "search item has {key}: {h}");
        }
        let listed_item = listed.iter().find(|m| m["uid"] == h["uid"]).unwrap();
        let mut item = h.clone();
        item.as_object_mut().unwrap().remove("folder");
        assert_eq!(&item, listed_item, "the same item as list, plus folder");
        assert!(fold(&h.to_string()).contains(&fold(&word)), "{word} in {h}");
    }
    assert!(hits.len() <= 50, "default limit");
    let one = json(&calame(
        dir.path(),
        &["--offline", "search", &word, "--limit", "1", "--json"],
        None,
    ));
    let newest = hits.iter().map(|h| h["uid"].as_u64().unwrap()).max();
    let one = one.as_array().unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["uid"].as_u64(), newest, "a limit keeps the newest");
    let online = json(&calame(dir.path(), &["search", &word, "--json"], pw));
    assert_eq!(online.as_array().unwrap(), hits);

    // Offline and --server: bad input.
    let out = calame(dir.path(), &["--offline", "search", &word, "--server", "--json"], None);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_one_clear_line(&out);

    // A word of a body: found once the body is cached by reading the message.
    let uid = listed[3]["uid"].to_string();
    let msg = json(&calame(dir.path(), &["read", "INBOX", &uid, "--json"], pw));
    let body_word = letters_only(msg["text"].as_str().unwrap())
        .into_iter()
        .max_by_key(|w| w.len())
        .unwrap();
    let query = format!("body:{body_word}");
    let found = json(&calame(dir.path(), &["--offline", "search", &query, "--json"], None));
    assert!(
        found.as_array().unwrap().iter().any(|h| h["uid"] == listed[3]["uid"]),
        "{query}: {found}"
    );

    // A message the cache has never seen: only the server finds it.
    let token = format!(
        "réverbère{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    );
    deliver_word(stack, &user.login, &token);
    let local = json(&calame(dir.path(), &["search", &token, "--json"], pw));
    assert_eq!(local, serde_json::json!([]));
    let server = json(&calame(dir.path(), &["search", &token, "--server", "--json"], pw));
    let server = server.as_array().unwrap();
    assert_eq!(server.len(), 1, "{server:?}");
    assert_eq!(server[0]["folder"], "INBOX");
    assert_eq!(server[0]["subject"], "Lampadaire en panne");
    assert_eq!(server[0]["uid"], 61);
}

/// Words of letters only, at least four.
fn letters_only(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .collect()
}

/// Lower case without French accents (how the search compares, written again here).
fn fold(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect()
}

/// A message written straight into the user's INBOX on the server, `word` in its body only.
fn deliver_word(stack: &Stack, login: &str, word: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let name = format!(
        "{}.M{}P{}.cli:2,",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    );
    let path = stack.maildir(login, "INBOX").join("cur").join(name);
    let raw = format!(
        "From: Voirie <voirie@example.test>\nTo: {login}@example.test\nSubject: Lampadaire en panne\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0100\nMessage-ID: <{}.{}@example.test>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
         Le {word} de la rue est en panne.\n",
        now.as_secs(),
        now.subsec_nanos()
    );
    std::fs::write(&path, raw).unwrap();
    stack.fix_mail_owner(&path).unwrap();
}

/// `send` goes through the outbox: sent at once online, queued with --offline; `outbox --json`
/// shows what waits and `outbox flush` sends it; each message arrives once.
#[test]
fn send_and_outbox() {
    let stack = Stack::shared();
    let from = stack.add_user("cli-send-from").unwrap();
    let to = stack.add_user("cli-send-to").unwrap();
    let dir = account_for(stack, &from);
    let pw = Some(from.password.as_str());
    let attachment = dir.path().join("compte-rendu réunion.txt");
    std::fs::write(&attachment, "ordre du jour\n").unwrap();
    let attach = attachment.to_string_lossy().into_owned();
    let sent = json(&calame(
        dir.path(),
        &[
            "send",
            "--to",
            &to.email,
            "--subject",
            "Réunion de lundi",
            "--body",
            "Bonjour,\nà lundi.\n",
            "--attach",
            &attach,
            "--json",
        ],
        pw,
    ));
    assert_eq!(sent["status"], "sent", "{sent}");
    assert!(sent["message_id"].as_str().unwrap().ends_with("@example.test"));
    assert_eq!(
        json(&calame(dir.path(), &["outbox", "--json"], None)),
        serde_json::json!([])
    );

    let queued = json(&calame(
        dir.path(),
        &[
            "--offline",
            "send",
            "--to",
            &to.email,
            "--subject",
            "Hors ligne",
            "--body",
            "plus tard",
            "--json",
        ],
        None,
    ));
    assert_eq!(queued["status"], "queued");
    let waiting = json(&calame(dir.path(), &["outbox", "--json"], None));
    assert_eq!(waiting[0]["message_id"], queued["message_id"]);
    assert_eq!(waiting[0]["state"], "queued");
    assert_eq!(waiting[0]["to"], serde_json::json!([to.email.clone()]));
    let flushed = json(&calame(dir.path(), &["outbox", "flush", "--json"], pw));
    assert_eq!(flushed, serde_json::json!([]));

    let started = std::time::Instant::now();
    while calame_testkit::peer::uid_flags(stack, &to, "INBOX").unwrap().len() < 2
        && started.elapsed() < std::time::Duration::from_secs(20)
    {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        calame_testkit::peer::uid_flags(stack, &to, "INBOX").unwrap().len(),
        2,
        "each once"
    );

    // HTML only: the plain-text alternative is made from it.
    let html = dir.path().join("message.html");
    std::fs::write(&html, "<p>Ordre du jour : <b>voirie</b></p>").unwrap();
    let sent = json(&calame(
        dir.path(),
        &[
            "send",
            "--to",
            &to.email,
            "--subject",
            "En HTML",
            "--html-file",
            &html.to_string_lossy(),
            "--json",
        ],
        pw,
    ));
    assert_eq!(sent["status"], "sent", "{sent}");
    let started = std::time::Instant::now();
    let html_mail = loop {
        let all = calame_testkit::peer::messages(stack, &to, "INBOX").unwrap();
        if let Some(m) = all.into_iter().find(|m| m["subject"] == "En HTML") {
            break m;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "not delivered");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        html_mail["text"].as_str().map(str::trim),
        Some("Ordre du jour : voirie")
    );
}

/// Identities, `reply` and the outbox's decisions from the command line: the service mailbox
/// is offered, a reply from its folder leaves on its behalf, a refused message stops and can be
/// dropped (not retried when it is not stopped).
#[test]
fn identities_reply_and_outbox_decisions() {
    let stack = Stack::shared();
    let alice = stack.user("alice").clone();
    let dir = account_for(stack, &alice);
    let pw = Some(alice.password.as_str());
    let identities = json(&calame(dir.path(), &["identity", "list", "--json"], None));
    assert_eq!(identities[0]["email"], alice.email.as_str());
    assert_eq!(identities[0]["mode"], "own");
    assert_eq!(identities[1]["email"], "accueil@example.test");
    assert_eq!(identities[1]["mode"], "send_as");
    assert_eq!(identities[1]["discovered"], true);
    let set = calame(
        dir.path(),
        &[
            "identity",
            "set",
            "a.martin@example.test",
            "--name",
            "Alice Martin",
            "--signature",
            "Mairie",
            "--mode",
            "own",
        ],
        None,
    );
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let identities = json(&calame(dir.path(), &["identity", "list", "--json"], None));
    assert_eq!(
        identities[1]["email"], "a.martin@example.test",
        "configured before discovered"
    );
    assert_eq!(identities[1]["signature"], "Mairie");
    assert!(
        calame(dir.path(), &["identity", "remove", "a.martin@example.test"], None)
            .status
            .success()
    );
    assert_eq!(
        json(&calame(dir.path(), &["identity", "list", "--json"], None))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let token = format!("cli-reply-{}", std::process::id());
    deliver(
        stack,
        &alice,
        "INBOX",
        &[plain_mail(
            "bob@example.test",
            &format!("{token}@example.test"),
            &token,
            "Mon, 2 Mar 2026 10:00:00 +0100",
            None,
        )],
    );
    let synced = calame(dir.path(), &["sync", "--folder", "INBOX"], pw);
    assert!(synced.status.success());
    let page = json(&calame(dir.path(), &["list", "INBOX", "--limit", "500", "--json"], pw));
    let uid = uid_of(&page, &token);
    let sent = json(&calame(
        dir.path(),
        &["reply", "INBOX", &uid, "--body", "Bien reçu.", "--json"],
        pw,
    ));
    assert_eq!(sent["status"], "sent", "{sent}");
    assert_eq!(sent["filed_in"], "Sent");
    let page = json(&calame(dir.path(), &["list", "INBOX", "--limit", "500", "--json"], pw));
    let original = page
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == token.as_str())
        .unwrap();
    assert!(
        original["flags"].as_array().unwrap().iter().any(|f| f == "\\Answered"),
        "{original}"
    );

    let refused = calame(
        dir.path(),
        &[
            "send",
            "--to",
            "nul-ne-sait@example.test",
            "--subject",
            "x",
            "--body",
            "x",
        ],
        pw,
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("nul-ne-sait@example.test"), "{stderr}");
    let outbox = json(&calame(dir.path(), &["outbox", "--json"], None));
    assert_eq!(outbox[0]["state"], "failed");
    assert_eq!(outbox[0]["attempts"], 1);
    let id = outbox[0]["message_id"].as_str().unwrap().to_owned();
    assert!(calame(dir.path(), &["outbox", "drop", &id], None).status.success());
    assert_eq!(
        json(&calame(dir.path(), &["outbox", "--json"], None)),
        serde_json::json!([])
    );
    assert!(
        !calame(dir.path(), &["outbox", "retry", &id], None).status.success(),
        "gone"
    );
}

/// Crash safety: `calame send` is killed (SIGKILL) at random moments, seeded, during 50 sends.
/// A send killed before its message was queued is run again (the user saw no answer); the
/// next runs flush what earlier ones left. After a last flush, every message is in the
/// recipient's INBOX exactly once (by Message-ID), and once in Sent; the outbox is empty.
#[test]
fn killed_at_random_moments_while_sending_nothing_is_lost_or_sent_twice() {
    const MESSAGES: usize = 50;
    let seed: u64 = std::env::var("CALAME_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005E_ED0F_CA1A);
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let stack = Stack::shared();
    let from = stack.add_user("crash-from").unwrap();
    let to = stack.add_user("crash-to").unwrap();
    let dir = account_for(stack, &from);
    let send = |n: usize| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_calame"));
        cmd.arg("--profile")
            .arg(dir.path())
            .args(["send", "--to", &to.email, "--subject", &format!("crash {n:02}")])
            .args(["--body", "Bonjour,\nun message parmi cinquante.\n", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("CALAME_PASSWORD", &from.password)
            .env_remove("CALAME_PROFILE");
        cmd.spawn().expect("run calame send")
    };
    let outbox = || json(&calame(dir.path(), &["outbox", "--json"], None));
    let subjects_in = |user: &calame_testkit::User, folder: &str| -> Vec<String> {
        calame_testkit::peer::messages(stack, user, folder)
            .unwrap()
            .iter()
            .filter_map(|m| m["subject"].as_str().map(str::to_owned))
            .collect()
    };

    // How long one send takes here (the first warms the server's recipient check), to spread
    // the kills over it.
    assert!(send(0).wait().unwrap().success());
    let started = std::time::Instant::now();
    assert!(send(1).wait().unwrap().success());
    let span = started.elapsed().as_millis() as u64;

    let mut kills = std::collections::BTreeMap::<String, usize>::new();
    let mut killed_in = std::collections::BTreeMap::<String, String>::new();
    let mut reruns = 0;
    for n in 2..MESSAGES {
        let mut child = send(n);
        // Anywhere from the start to past the end, more often past the queuing.
        std::thread::sleep(std::time::Duration::from_millis(span / 4 + next() % span));
        if child.try_wait().unwrap().is_some() {
            continue;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let subject = format!("crash {n:02}");
        let state = outbox()
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["subject"] == subject.as_str())
            .map(|i| i["state"].as_str().unwrap().to_owned());
        let state = match state {
            Some(state) => state,
            None if subjects_in(&from, "Sent").contains(&subject) => "done".into(),
            None => {
                // Killed before the message was queued: the user sends it again.
                reruns += 1;
                assert!(send(n).wait().unwrap().success());
                "not queued".into()
            }
        };
        killed_in.insert(subject, state.clone());
        *kills.entry(state).or_default() += 1;
    }
    let flushed = calame(dir.path(), &["outbox", "flush"], Some(&from.password));
    assert!(flushed.status.success(), "{}", String::from_utf8_lossy(&flushed.stderr));
    assert_eq!(outbox(), serde_json::json!([]), "nothing left in the outbox");

    let started = std::time::Instant::now();
    let mut received = calame_testkit::peer::messages(stack, &to, "INBOX").unwrap();
    while received.len() < MESSAGES && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(300));
        received = calame_testkit::peer::messages(stack, &to, "INBOX").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let received = calame_testkit::peer::messages(stack, &to, "INBOX").unwrap();
    let mut by_id = std::collections::BTreeMap::<String, usize>::new();
    let mut by_subject = std::collections::BTreeMap::<String, usize>::new();
    for m in &received {
        *by_id.entry(m["message_id"].as_str().unwrap().to_owned()).or_default() += 1;
        *by_subject.entry(m["subject"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let mut sent_copies = std::collections::BTreeMap::<String, usize>::new();
    for s in subjects_in(&from, "Sent") {
        *sent_copies.entry(s).or_default() += 1;
    }
    eprintln!(
        "crash test (seed {seed}): one send ≈ {span} ms; kills by the state found after: {kills:?}; \
         sent again by hand (never queued): {reruns}; received {} messages, {} distinct \
         Message-IDs, {} distinct subjects; copies in Sent: {}",
        received.len(),
        by_id.len(),
        by_subject.len(),
        sent_copies.values().sum::<usize>()
    );
    let twice: Vec<(&str, Option<&String>)> = received
        .iter()
        .filter(|m| by_id[m["message_id"].as_str().unwrap()] > 1)
        .map(|m| {
            let subject = m["subject"].as_str().unwrap();
            (subject, killed_in.get(subject))
        })
        .collect();
    assert!(
        twice.is_empty(),
        "sent twice (subject, state found after the kill): {twice:?}"
    );
    let expected: std::collections::BTreeMap<String, usize> =
        (0..MESSAGES).map(|n| (format!("crash {n:02}"), 1)).collect();
    let missing: Vec<(&String, Option<&String>)> = expected
        .keys()
        .filter(|s| !by_subject.contains_key(*s))
        .map(|s| (s, killed_in.get(s)))
        .collect();
    assert_eq!(
        by_subject, expected,
        "every message exactly once; missing (subject, state found after the kill): {missing:?}"
    );
    assert_eq!(sent_copies, expected, "one copy of each in Sent");
    assert!(
        kills.values().sum::<usize>() >= 10,
        "the test killed too little: {kills:?}"
    );
}

/// Drafts: saved offline without any recipient, completed online (`--id`: the fields given
/// replace the saved ones, the others stay), shown, listed, then sent with `send --draft`: it
/// arrives once and leaves Drafts, on the server too.
#[test]
fn drafts_are_saved_resumed_and_sent() {
    let stack = Stack::shared();
    let from = stack.add_user("cli-draft-from").unwrap();
    let to = stack.add_user("cli-draft-to").unwrap();
    let dir = account_for(stack, &from);
    let pw = Some(from.password.as_str());
    let attachment = dir.path().join("plan cadastral.txt");
    std::fs::write(&attachment, "parcelle AB 12\n").unwrap();
    let attach = attachment.to_string_lossy().into_owned();

    let saved = json(&calame(
        dir.path(),
        &[
            "--offline",
            "draft",
            "save",
            "--subject",
            "Travaux rue des Lilas",
            "--body",
            "Bonjour,\nà compléter.\n",
            "--attach",
            &attach,
            "--json",
        ],
        None,
    ));
    assert_eq!(saved["status"], "local", "{saved}");
    let id = saved["draft_id"].as_str().unwrap().to_owned();
    let listed = json(&calame(dir.path(), &["--offline", "drafts", "--json"], None));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(
        (&listed[0]["draft_id"], &listed[0]["where"], &listed[0]["subject"]),
        (
            &Value::from(id.as_str()),
            &Value::from("local"),
            &Value::from("Travaux rue des Lilas")
        )
    );
    // Nobody to send it to yet.
    let out = calame(dir.path(), &["--offline", "send", "--draft", &id], None);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));

    let saved = json(&calame(
        dir.path(),
        &["draft", "save", "--id", &id, "--to", &to.email, "--json"],
        pw,
    ));
    assert_eq!(
        saved,
        serde_json::json!({"draft_id": id, "status": "saved", "warning": null})
    );
    let shown = json(&calame(
        dir.path(),
        &["--offline", "draft", "show", &id, "--json"],
        None,
    ));
    assert_eq!(shown["to"], serde_json::json!([{"name": null, "email": to.email}]));
    assert_eq!(shown["from"], serde_json::json!({"name": null, "email": from.email}));
    assert_eq!(shown["subject"], "Travaux rue des Lilas");
    assert_eq!(shown["text"], "Bonjour,\nà compléter.\n");
    assert_eq!(
        shown["attachments"],
        serde_json::json!([{"name": "plan cadastral.txt", "mime": "text/plain; charset=utf-8", "size": 15}])
    );
    let on_server = calame_testkit::peer::messages(stack, &from, "Drafts").unwrap();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0]["subject"], "Travaux rue des Lilas");
    assert_eq!(on_server[0]["flags"], serde_json::json!(["\\Draft", "\\Seen"]));
    let listed = json(&calame(dir.path(), &["drafts", "--json"], pw));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (&listed[0]["where"], &listed[0]["folder"]),
        (&Value::from("both"), &Value::from("Drafts"))
    );

    // Recipients come from the draft: giving some is refused.
    let out = calame(dir.path(), &["send", "--draft", &id, "--to", &to.email], pw);
    assert_eq!(out.status.code(), Some(2));
    let sent = json(&calame(dir.path(), &["send", "--draft", &id, "--json"], pw));
    assert_eq!(sent["status"], "sent", "{sent}");
    assert_eq!(
        json(&calame(dir.path(), &["drafts", "--json"], pw)),
        serde_json::json!([])
    );
    assert!(calame_testkit::peer::messages(stack, &from, "Drafts")
        .unwrap()
        .is_empty());
    let started = std::time::Instant::now();
    let received = || calame_testkit::peer::messages(stack, &to, "INBOX").unwrap();
    while received().is_empty() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let received = received();
    assert_eq!(received.len(), 1, "once");
    assert_eq!(received[0]["subject"], "Travaux rue des Lilas");
    assert_eq!(received[0]["attachments"], serde_json::json!(["plan cadastral.txt"]));

    let out = calame(dir.path(), &["--offline", "draft", "show", &id], None);
    assert_eq!(out.status.code(), Some(2), "gone");
}

/// `cal` from the command line: calendars and events in the contract's shapes, an event added,
/// changed and deleted, one added offline that reaches the server with the next online command.
#[test]
fn cal_calendars_events_add_edit_delete() {
    let stack = Stack::shared();
    let user = stack.add_user("cli-cal").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut args = add_args(stack, "alice");
    args[2] = user.email.clone();
    args[4] = user.login.clone();
    args.extend(["--caldav".to_owned(), stack.info.caldav_url.clone()]);
    let out = calame(dir.path(), &strs(&args), Some(&user.password));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pw = Some(user.password.as_str());
    let run = |args: &[&str], password: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_calame"));
        cmd.arg("--profile")
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .env("TZ", "Europe/Paris");
        match password {
            Some(p) => cmd.env("CALAME_PASSWORD", p),
            None => cmd.env_remove("CALAME_PASSWORD"),
        };
        cmd.output().unwrap()
    };
    let calendars = json(&run(&["cal", "calendars", "--json"], pw));
    let own = format!("{}/calendar", user.login);
    assert_eq!(calendars[0]["id"], own.as_str());
    let keys: Vec<&str> = calendars[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["color", "id", "name", "owner", "shared", "writable"]);
    assert!(
        calendars
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "accueil/calendar"),
        "not a delegate"
    );

    let added = json(&run(
        &[
            "cal",
            "add",
            "--calendar",
            &own,
            "--summary",
            "Conseil municipal",
            "--start",
            "2027-10-25T18:00:00+02:00",
            "--end",
            "2027-10-25T20:00:00+02:00",
            "--rrule",
            "FREQ=WEEKLY;COUNT=2",
            "--location",
            "Salle du conseil",
            "--alarm",
            "-PT30M",
            "--json",
        ],
        pw,
    ));
    let uid = added["uid"].as_str().unwrap().to_owned();
    let events = json(&run(
        &["cal", "events", "--from", "2027-10-25", "--to", "2027-11-01", "--json"],
        pw,
    ));
    let keys: Vec<&str> = events[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "all_day",
            "attendees",
            "calendar",
            "end",
            "location",
            "organizer",
            "recurrence_id",
            "start",
            "summary",
            "uid"
        ]
    );
    let starts: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        vec!["2027-10-25T18:00:00+02:00", "2027-11-01T18:00:00+01:00"],
        "the same hour after the change"
    );
    assert_eq!(events[0]["calendar"], own.as_str());

    let edited = run(&["cal", "edit", &uid, "--summary", "Conseil municipal (reporté)"], pw);
    assert!(edited.status.success(), "{}", String::from_utf8_lossy(&edited.stderr));
    let listed = calame_testkit::peer::dav(stack, &user, &["list", &own]).unwrap();
    assert_eq!(listed[uid.as_str()]["summary"], "Conseil municipal (reporté)");

    // Offline: in the agenda at once, on the server with the next online command.
    let offline = json(&run(
        &[
            "--offline",
            "cal",
            "add",
            "--calendar",
            &own,
            "--summary",
            "Journée du patrimoine",
            "--all-day",
            "--start",
            "2027-09-18",
            "--end",
            "2027-09-18",
            "--json",
        ],
        None,
    ));
    let day_uid = offline["uid"].as_str().unwrap().to_owned();
    let cached = json(&run(
        &[
            "--offline",
            "cal",
            "events",
            "--from",
            "2027-09-18",
            "--to",
            "2027-09-18",
            "--json",
        ],
        None,
    ));
    assert_eq!(cached[0]["all_day"], true);
    assert_eq!(
        (cached[0]["start"].as_str(), cached[0]["end"].as_str()),
        (Some("2027-09-18"), Some("2027-09-19"))
    );
    assert!(calame_testkit::peer::dav(stack, &user, &["list", &own])
        .unwrap()
        .get(&day_uid)
        .is_none());
    let synced = run(
        &["cal", "events", "--from", "2027-09-18", "--to", "2027-09-18", "--json"],
        pw,
    );
    assert!(synced.status.success());
    assert!(calame_testkit::peer::dav(stack, &user, &["list", &own])
        .unwrap()
        .get(&day_uid)
        .is_some());

    assert!(run(&["cal", "delete", &uid], pw).status.success());
    let left = json(&run(
        &["cal", "events", "--from", "2027-10-25", "--to", "2027-11-01", "--json"],
        pw,
    ));
    assert_eq!(left, serde_json::json!([]));
    assert!(calame_testkit::peer::dav(stack, &user, &["list", &own])
        .unwrap()
        .get(&uid)
        .is_none());
    let missing = run(&["cal", "delete", "no-such-event"], pw);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// iMIP from the command line: `cal add --attendee` invites, `read --json` shows the
/// invitation, `cal respond … accept` answers, and the organiser's next `sync` records it.
#[test]
fn invitation_sent_read_answered_and_recorded() {
    let stack = Stack::shared();
    let organiser = stack.add_user("cli-inv-org").unwrap();
    let guest = stack.add_user("cli-inv-guest").unwrap();
    let profile = |user: &calame_testkit::User| {
        let dir = tempfile::tempdir().unwrap();
        let mut args = add_args(stack, "alice");
        args[2] = user.email.clone();
        args[4] = user.login.clone();
        args.extend(["--caldav".to_owned(), stack.info.caldav_url.clone()]);
        let out = calame(dir.path(), &strs(&args), Some(&user.password));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json(&calame(dir.path(), &["sync", "--json"], Some(&user.password)));
        dir
    };
    let (org_dir, guest_dir) = (profile(&organiser), profile(&guest));
    let (org_pw, guest_pw) = (Some(organiser.password.as_str()), Some(guest.password.as_str()));
    let waited = |user: &calame_testkit::User, n: usize| {
        let started = std::time::Instant::now();
        let inbox = || calame_testkit::peer::messages(stack, user, "INBOX").unwrap();
        while inbox().len() < n && started.elapsed() < std::time::Duration::from_secs(20) {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        inbox()
    };

    let own = format!("{}/calendar", organiser.login);
    let added = json(&calame(
        org_dir.path(),
        &[
            "cal",
            "add",
            "--calendar",
            &own,
            "--summary",
            "Commission des travaux",
            "--start",
            "2027-09-20T10:00:00+02:00",
            "--end",
            "2027-09-20T11:30:00+02:00",
            "--attendee",
            &guest.email,
            "--json",
        ],
        org_pw,
    ));
    let event_uid = added["uid"].as_str().unwrap().to_owned();
    let came = waited(&guest, 1);
    assert_eq!(came.len(), 1);
    assert_eq!(came[0]["subject"], "Invitation : Commission des travaux");

    json(&calame(guest_dir.path(), &["sync", "--json"], guest_pw));
    let page = json(&calame(guest_dir.path(), &["list", "INBOX", "--json"], guest_pw));
    let uid = uid_of(&page, "Invitation : Commission des travaux");
    let read = json(&calame(guest_dir.path(), &["read", "INBOX", &uid, "--json"], guest_pw));
    assert_eq!(read["invitation"]["method"], "REQUEST");
    assert_eq!(read["invitation"]["uid"], event_uid.as_str());
    assert_eq!(read["invitation"]["summary"], "Commission des travaux");
    // Written in the organiser's local zone: the same instant whatever it is.
    let start = chrono::DateTime::parse_from_rfc3339(read["invitation"]["start"].as_str().unwrap()).unwrap();
    assert_eq!(
        start,
        chrono::DateTime::parse_from_rfc3339("2027-09-20T10:00:00+02:00").unwrap()
    );

    let wrong = calame(
        guest_dir.path(),
        &["cal", "respond", "INBOX", &uid, "perhaps"],
        guest_pw,
    );
    assert_eq!(wrong.status.code(), Some(2), "not an answer");
    let answered = json(&calame(
        guest_dir.path(),
        &["cal", "respond", "INBOX", &uid, "accept", "--json"],
        guest_pw,
    ));
    assert_eq!(answered["uid"], event_uid.as_str());
    assert_eq!(answered["partstat"], "ACCEPTED");
    assert_eq!(answered["calendar"], format!("{}/calendar", guest.login).as_str());
    assert_eq!(answered["organizer"], organiser.email.as_str());
    assert_eq!(answered["reply"]["status"], "sent");
    let theirs = calame_testkit::peer::dav(stack, &guest, &["list", &format!("{}/calendar", guest.login)]).unwrap();
    assert_eq!(
        theirs[event_uid.as_str()]["attendees"][guest.email.as_str()],
        "ACCEPTED"
    );

    let back = waited(&organiser, 1);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["subject"], "Accepté : Commission des travaux");
    json(&calame(org_dir.path(), &["sync", "--json"], org_pw));
    let mine = calame_testkit::peer::dav(stack, &organiser, &["list", &own]).unwrap();
    assert_eq!(mine[event_uid.as_str()]["attendees"][guest.email.as_str()], "ACCEPTED");
}
