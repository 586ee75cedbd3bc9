//! Checks of the real-server stack, through `curl` (IMAP, SMTP submission and CalDAV clients
//! that trust only the stack's CA). They need root, like the stack itself.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use calame_testkit::{Stack, StackOptions};

/// Runs curl with the stack's CA and returns its stdout; panics with stderr on failure.
fn curl(stack: &Stack, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "20", "--cacert"])
        .arg(&stack.info.ca_file)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One IMAP command over implicit TLS, as `login`; returns the untagged responses.
fn imap(stack: &Stack, login: &str, command: &str) -> String {
    let user = stack.user(login);
    let credentials = format!("{}:{}", user.login, user.password);
    let url = format!("imaps://127.0.0.1:{}/", stack.info.imaps_port);
    curl(stack, &["--user", &credentials, &url, "--request", command])
}

/// The rights in a `* MYRIGHTS mailbox rights` line, sorted.
fn rights(response: &str) -> String {
    let line = response
        .lines()
        .find(|l| l.starts_with("* MYRIGHTS"))
        .unwrap_or_else(|| panic!("no MYRIGHTS in {response:?}"));
    let mut letters: Vec<char> = line.split_whitespace().last().unwrap_or_default().chars().collect();
    letters.sort_unstable();
    letters.into_iter().collect()
}

fn sorted(rights: &str) -> String {
    let mut letters: Vec<char> = rights.chars().collect();
    letters.sort_unstable();
    letters.into_iter().collect()
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{tag}-{}-{nanos}", std::process::id())
}

#[test]
fn alice_and_bob_see_the_shared_accueil_mailbox_with_their_rights() {
    let stack = Stack::shared();
    let list = imap(stack, "alice", "LIST \"\" \"*\"");
    for folder in ["Shared/accueil/INBOX", "Shared/accueil/Demandes", "Shared/accueil/Sent"] {
        assert!(list.contains(folder), "alice's LIST lacks {folder}:\n{list}");
    }
    for special in ["\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive"] {
        assert!(list.contains(special), "alice's LIST lacks {special}:\n{list}");
    }

    let namespace = imap(stack, "alice", "NAMESPACE");
    assert!(
        namespace.contains("((\"Shared/\" \"/\"))"),
        "no other-users namespace: {namespace}"
    );

    let alice = imap(stack, "alice", "MYRIGHTS \"Shared/accueil/Demandes\"");
    assert_eq!(rights(&alice), sorted("lrwstipekxacd"), "{alice}");
    let bob = imap(stack, "bob", "MYRIGHTS \"Shared/accueil/Demandes\"");
    assert_eq!(rights(&bob), sorted("lrsw"), "{bob}");
    let bob_inbox = imap(stack, "bob", "MYRIGHTS \"Shared/accueil/INBOX\"");
    assert_eq!(rights(&bob_inbox), sorted("lrsw"), "{bob_inbox}");
}

#[test]
fn login_works_with_and_without_the_domain() {
    let stack = Stack::shared();
    let user = stack.user("bob");
    let credentials = format!("{}:{}", user.email, user.password);
    let url = format!("imaps://127.0.0.1:{}/", stack.info.imaps_port);
    let list = curl(stack, &["--user", &credentials, &url, "--request", "LIST \"\" \"*\""]);
    assert!(list.contains("INBOX"), "{list}");
}

#[test]
fn imap_starttls_port_and_default_capabilities() {
    let stack = Stack::shared();
    let user = stack.user("alice");
    let credentials = format!("{}:{}", user.login, user.password);
    let url = format!("imap://127.0.0.1:{}/", stack.info.imap_port);
    let caps = curl(
        stack,
        &["--ssl-reqd", "--user", &credentials, &url, "--request", "CAPABILITY"],
    );
    for cap in [
        "IDLE",
        "MOVE",
        "SPECIAL-USE",
        "NAMESPACE",
        "ACL",
        "LIST-STATUS",
        "CONDSTORE",
        "QRESYNC",
    ] {
        assert!(caps.split_whitespace().any(|c| c == cap), "{cap} missing: {caps}");
    }
}

#[test]
fn submission_from_alice_reaches_bobs_maildir() {
    let stack = Stack::shared();
    let alice = stack.user("alice");
    let bob = stack.user("bob");
    let id = unique("submission");
    let message = format!(
        "From: {}\r\nTo: {}\r\nSubject: test {id}\r\nMessage-ID: <{id}@example.test>\r\n\r\nHello Bob.\r\n",
        alice.email, bob.email
    );
    let file = std::env::temp_dir().join(format!("{id}.eml"));
    fs::write(&file, message).expect("write the message");
    let credentials = format!("{}:{}", alice.login, alice.password);
    // STARTTLS on the submission port, then implicit TLS on the smtps port.
    let urls = [
        format!("smtp://127.0.0.1:{}", stack.info.submission_port),
        format!("smtps://127.0.0.1:{}", stack.info.smtps_port),
    ];
    for url in &urls {
        curl(
            stack,
            &[
                "--ssl-reqd",
                "--user",
                &credentials,
                "--mail-from",
                &alice.email,
                "--mail-rcpt",
                &bob.email,
                "--upload-file",
                file.to_str().expect("utf-8 temp path"),
                url,
            ],
        );
    }
    let _ = fs::remove_file(&file);
    let inbox = stack.maildir("bob", "INBOX");
    let delivered = wait_for(Duration::from_secs(15), || count_with(&inbox, &id) >= 2);
    assert!(
        delivered,
        "the two messages did not reach {}; postfix.log:\n{}",
        inbox.display(),
        fs::read_to_string(stack.info.dir.join("postfix.log")).unwrap_or_default()
    );
}

#[test]
fn sieve_scripts_run_on_delivery_and_managesieve_answers() {
    let stack = Stack::shared();
    let mut greeting = String::new();
    let stream =
        std::net::TcpStream::connect(("127.0.0.1", stack.info.managesieve_port)).expect("connect to ManageSieve");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut reader = std::io::BufReader::new(stream);
    while !greeting.contains("OK") {
        let before = greeting.len();
        std::io::BufRead::read_line(&mut reader, &mut greeting).expect("read the greeting");
        assert!(greeting.len() > before, "ManageSieve closed: {greeting}");
    }
    assert!(greeting.contains("\"STARTTLS\""), "{greeting}");

    // The active script, as ManageSieve would store it.
    let login = format!("sieve{}", std::process::id());
    let user = stack.add_user(&login).expect("add a user");
    let home = stack.maildir(&login, "INBOX");
    let script = home.parent().expect("home").join(".dovecot.sieve");
    fs::write(
        &script,
        "require [\"fileinto\", \"mailbox\"];\nfileinto :create \"Filtered\";\n",
    )
    .expect("write the script");
    stack.fix_mail_owner(&script).expect("chown");

    let alice = stack.user("alice");
    let id = unique("sieve");
    let file = std::env::temp_dir().join(format!("{id}.eml"));
    let message = format!("Subject: {id}\r\nMessage-ID: <{id}@example.test>\r\n\r\nFiltered.\r\n");
    fs::write(&file, message).expect("write the message");
    let credentials = format!("{}:{}", alice.login, alice.password);
    curl(
        stack,
        &[
            "--ssl-reqd",
            "--user",
            &credentials,
            "--mail-from",
            &alice.email,
            "--mail-rcpt",
            &user.email,
            "--upload-file",
            file.to_str().expect("utf-8 temp path"),
            &format!("smtp://127.0.0.1:{}", stack.info.submission_port),
        ],
    );
    let _ = fs::remove_file(&file);
    let filtered = stack.maildir(&login, "Filtered");
    assert!(
        wait_for(Duration::from_secs(15), || count_with(&filtered, &id) == 1),
        "the Sieve script did not file the message into {}",
        filtered.display()
    );
}

#[test]
fn submission_refuses_unauthenticated_senders() {
    let stack = Stack::shared();
    let out = Command::new("curl")
        .args(["--silent", "--ssl-reqd", "--cacert"])
        .arg(&stack.info.ca_file)
        .args(["--mail-from", "x@example.org", "--mail-rcpt", "bob@example.test"])
        .args(["--upload-file", "/dev/null"])
        .arg(format!("smtp://127.0.0.1:{}", stack.info.submission_port))
        .stdin(Stdio::null())
        .output()
        .expect("curl runs");
    assert!(!out.status.success(), "an unauthenticated sender was accepted");
}

#[test]
fn radicale_serves_calendars_and_the_shared_accueil_calendar() {
    let stack = Stack::shared();
    let url = &stack.info.caldav_url;
    let propfind = curl(
        stack,
        &[
            "--user",
            "alice:alice-pw",
            "--request",
            "PROPFIND",
            "--header",
            "Depth: 1",
            &format!("{url}alice/"),
        ],
    );
    assert!(propfind.contains("/alice/calendar/"), "{propfind}");

    let uid = unique("event");
    let event = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calame//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250102T100000Z\r\n\
         DTEND:20250102T110000Z\r\nSUMMARY:Permanence {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let event_url = format!("{url}accueil/calendar/{uid}.ics");
    let code = curl(
        stack,
        &[
            "--user",
            "bob:bob-pw",
            "--request",
            "PUT",
            "--header",
            "Content-Type: text/calendar",
            "--data-binary",
            &event,
            "--write-out",
            "%{http_code}",
            "--output",
            "/dev/null",
            &event_url,
        ],
    );
    assert_eq!(code, "201", "bob could not write to /accueil/calendar/");
    let read = curl(stack, &["--user", "alice:alice-pw", &event_url]);
    assert!(read.contains(&format!("SUMMARY:Permanence {uid}")), "{read}");

    let forbidden = curl(
        stack,
        &[
            "--user",
            "alice:alice-pw",
            "--write-out",
            "%{http_code}",
            "--output",
            "/dev/null",
            &format!("{url}bob/calendar/"),
        ],
    );
    assert_eq!(forbidden, "403", "alice may not read bob's calendar");
}

#[test]
fn added_users_get_a_mailbox_and_a_calendar() {
    let stack = Stack::shared();
    let login = format!("user{}", std::process::id());
    let user = stack.add_user(&login).expect("add a user");
    assert_eq!(user.email, format!("{login}@example.test"));
    assert!(stack.add_user(&login).is_err(), "the same login twice");
    let credentials = format!("{}:{}", user.login, user.password);
    let imaps = format!("imaps://127.0.0.1:{}/", stack.info.imaps_port);
    let list = curl(stack, &["--user", &credentials, &imaps, "--request", "LIST \"\" \"*\""]);
    assert!(list.contains("INBOX") && list.contains("\\Sent"), "{list}");
    let calendar = format!("{}{login}/calendar/", stack.info.caldav_url);
    let propfind = curl(
        stack,
        &[
            "--user",
            &credentials,
            "--request",
            "PROPFIND",
            "--header",
            "Depth: 0",
            &calendar,
        ],
    );
    assert!(propfind.contains("VEVENT"), "{propfind}");

    // A maildir written directly on disk, as the mail generator does.
    let folder = stack.create_maildir(&login, "Archive/2024").expect("create a maildir");
    assert_eq!(folder, stack.maildir(&login, "Archive/2024"));
    let mail = folder.join("new/1700000000.test.host");
    fs::write(&mail, "From: a@example.test\r\nSubject: on disk\r\n\r\nBody\r\n").expect("write");
    stack.fix_mail_owner(&folder).expect("chown");
    let status = curl(
        stack,
        &[
            "--user",
            &credentials,
            &imaps,
            "--request",
            "STATUS \"Archive/2024\" (MESSAGES)",
        ],
    );
    assert!(status.contains("MESSAGES 1"), "{status}");
}

#[test]
fn a_stack_without_qresync_stops_cleanly() {
    let started = Instant::now();
    let stack = Stack::start(StackOptions {
        qresync: false,
        ..Default::default()
    })
    .expect("start a stack");
    eprintln!("stack started in {:.2}s", started.elapsed().as_secs_f64());

    let caps = imap(&stack, "alice", "CAPABILITY");
    let caps: Vec<&str> = caps.split_whitespace().collect();
    assert!(!caps.contains(&"QRESYNC") && !caps.contains(&"CONDSTORE"), "{caps:?}");
    for cap in ["IDLE", "MOVE", "SPECIAL-USE", "NAMESPACE", "ACL", "LIST-STATUS"] {
        assert!(caps.contains(&cap), "{cap} missing: {caps:?}");
    }

    let attached = Stack::attach(&stack.info_file()).expect("attach");
    assert_eq!(attached.info.pids, stack.info.pids);
    drop(attached); // not owned: the stack keeps running
    assert!(imap(&stack, "bob", "NOOP").is_empty());

    let dir = stack.info.dir.clone();
    let pids = stack.info.pids.clone();
    let running = processes_in(&dir);
    assert!(
        pids.iter().all(|pid| running.iter().any(|(p, _)| p == pid)),
        "the daemons {pids:?} should work inside {}: {running:?}",
        dir.display()
    );
    stack.stop().expect("stop");
    for pid in &pids {
        assert!(!alive(*pid), "pid {pid} survived stop()");
    }
    let left = processes_in(&dir);
    assert!(
        left.is_empty(),
        "processes still working in {}: {left:?}",
        dir.display()
    );
    assert!(!dir.exists(), "{} was not removed", dir.display());
    let port = stack.info.imaps_port;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still open"
    );
}

/// Set in the child run of [`the_shared_stack_is_cleaned_up_when_the_process_exits`].
const WATCHDOG_CHILD: &str = "CALAME_TESTKIT_WATCHDOG_CHILD";

/// In the child run only: start the shared stack, print its description, exit without
/// teardown.
#[test]
fn watchdog_child() {
    if std::env::var_os(WATCHDOG_CHILD).is_none() {
        return;
    }
    let info = serde_json::to_string(&Stack::shared().info).expect("serialise");
    println!("STACK_INFO={info}");
}

#[test]
fn the_shared_stack_is_cleaned_up_when_the_process_exits() {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "watchdog_child", "--nocapture", "--test-threads=1"])
        .env(WATCHDOG_CHILD, "1")
        .env_remove("CALAME_STACK_FILE")
        .stdin(Stdio::null())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The child's stack may be gone already: its description comes from the child's stdout.
    let json = stdout
        .lines()
        .find_map(|l| l.split_once("STACK_INFO=").map(|(_, json)| json))
        .unwrap_or_else(|| panic!("no stack in the child's output: {stdout}"));
    let info: calame_testkit::StackInfo = serde_json::from_str(json).expect("parse");
    let gone = wait_for(Duration::from_secs(10), || {
        !info.dir.exists() && info.pids.iter().all(|&p| !alive(p))
    });
    assert!(
        gone,
        "the watchdog left {} or pids {:?}",
        info.dir.display(),
        info.pids.iter().filter(|&&p| alive(p)).collect::<Vec<_>>()
    );
    let left = processes_in(&info.dir);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// How many messages of a maildir (new and cur) contain `needle`.
fn count_with(maildir: &Path, needle: &str) -> usize {
    ["new", "cur"]
        .iter()
        .filter_map(|sub| fs::read_dir(maildir.join(sub)).ok())
        .flatten()
        .flatten()
        .filter(|e| fs::read_to_string(e.path()).is_ok_and(|text| text.contains(needle)))
        .count()
}

/// Live (not zombie) process.
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// Live processes whose working directory is inside `dir` (every daemon of a stack works there).
fn processes_in(dir: &Path) -> Vec<(u32, String)> {
    let dir = dir.to_string_lossy().into_owned();
    fs::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|&pid| alive(pid))
        .filter_map(|pid| {
            let cwd = fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
            let cwd = cwd.to_string_lossy().into_owned();
            cwd.starts_with(&dir).then(|| {
                let cmd = fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                (pid, cmd.replace('\0', " "))
            })
        })
        .collect()
}
