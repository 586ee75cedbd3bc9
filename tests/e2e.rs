//! End-to-end tests of the real app: the release of the `calame-app` binary in WebKitGTK,
//! driven through tauri-driver and WebKitWebDriver under Xvfb, against the real server stack.
//! Needs `Xvfb`, `WebKitWebDriver` and `tauri-driver` (installed by `cargo xtask test`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calame_core::{AccountSetup, Calame, Secret, TlsMode};
use calame_testkit::Stack;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A child process, and the process group it leads, killed when dropped (tauri-driver leaves
/// WebKitWebDriver and the app behind otherwise).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One app window at a time: two WebKit processes and two servers' worth of work do not fit
/// side by side on a small machine.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn require(program: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")))
        .map(|d| d.join(program))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("{program} not found: `cargo xtask test` installs it"))
}

/// Xvfb on a display number nobody uses.
fn start_xvfb() -> (Guard, String) {
    let xvfb = require("Xvfb");
    for n in 90 + std::process::id() % 50..200 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new(&xvfb)
            .args([display.as_str(), "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (guard, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("could not start Xvfb");
}

/// A profile with alice's account, made through the core as the CLI would.
async fn seeded_profile(stack: &Stack) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let calame = Calame::open(dir.path(), "e2e setup").unwrap();
    let alice = stack.user("alice");
    let setup = AccountSetup {
        email: alice.email.clone(),
        login: Some(alice.login.clone()),
        imap: Some(format!("127.0.0.1:{}", stack.info.imaps_port)),
        tls: Some(TlsMode::Implicit),
        trust_cert: Some(stack.info.cert_sha256.clone()),
        ..Default::default()
    };
    calame
        .add_account(setup, &Secret::new(alice.password.clone()), false)
        .await
        .unwrap();
    dir
}

async fn session(profile: &Path, display: &str, password: &str) -> (Guard, Client) {
    let port = free_port();
    let native = free_port();
    let driver = Command::new(require("tauri-driver"))
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", display)
        .env("CALAME_PROFILE", profile)
        .env("LANG", "fr_FR.UTF-8")
        .env("CALAME_PASSWORD", password)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Guard(driver);
    let caps = json!({
        "browserName": "wry",
        "tauri:options": { "application": env!("CARGO_BIN_EXE_calame-app") }
    });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    }
}

/// A screenshot once WebKit has painted what the DOM holds: under Xvfb frames lag behind, so
/// wait for two animation frames, then a little more.
async fn screenshot(client: &Client) -> Vec<u8> {
    let painted = "const done = arguments[arguments.length - 1]; \
                   requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(true), 300)));";
    client.execute_async(painted, vec![]).await.unwrap();
    client.screenshot().await.unwrap()
}

/// The element, or a failure that shows what the window showed instead (text and screenshot).
async fn wait_for(client: &Client, xpath: &str, what: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            let path = screenshot_path("failure.png");
            std::fs::write(&path, screenshot(client).await).unwrap();
            let text = client.execute("return document.body.innerText", vec![]).await.unwrap();
            panic!(
                "{what} did not appear ({e}); the window shows (screenshot {}):\n{text}",
                path.display()
            );
        }
    }
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_tree_shows_own_and_shared_folders() {
    let _one = ONE_WINDOW.lock().await;
    let stack = Stack::shared();
    let profile = seeded_profile(stack).await;
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = session(profile.path(), &display, &stack.user("alice").password).await;

    let shared = wait_for(
        &client,
        "//*[@role='treeitem'][contains(., 'Demandes')]",
        "the shared folder Demandes",
    )
    .await;
    assert!(shared.is_displayed().await.unwrap());

    // What a person sees: the rendered text of every tree item.
    let texts = client
        .execute(
            "return Array.from(document.querySelectorAll('[role=treeitem]')).map(e => e.innerText)",
            vec![],
        )
        .await
        .unwrap();
    let all: Vec<String> = texts
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap_or_default().to_owned())
        .collect();
    let all = all.join("\n");
    // The refresh from the server went through.
    wait_for(
        &client,
        "//*[@role='status'][contains(., 'Dossiers à jour')]",
        "the refresh from the server",
    )
    .await;
    let png = screenshot(&client).await;
    let path = screenshot_path("folder-tree.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot: {}", path.display());

    for expected in ["Boîte de réception", "Envoyés", "Brouillons", "Corbeille", "Demandes"] {
        assert!(all.contains(expected), "{expected:?} missing from the tree:\n{all}");
    }
    // accueil's own Sent is recognised as such, and the namespace root is not a folder.
    assert_eq!(all.matches("Envoyés").count(), 2, "{all}");
    assert!(!all.lines().any(|l| l.trim() == "Shared"), "{all}");
    let body = client.execute("return document.body.innerText", vec![]).await.unwrap();
    let body = body.as_str().unwrap_or_default();
    assert!(body.contains("accueil"), "the service mailbox is named:\n{body}");
    assert!(png.len() > 10_000, "a real picture, not an empty one");
    client.close().await.unwrap();
}

/// A local HTTP server that answers every request with a 1×1 GIF and remembers its path.
struct HitCounter {
    base: String,
    hits: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl HitCounter {
    fn start() -> HitCounter {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let seen = std::sync::Arc::clone(&seen);
                std::thread::spawn(move || {
                    let mut line = String::new();
                    if BufReader::new(&stream).read_line(&mut line).is_ok() {
                        let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                        seen.lock().unwrap().push(path);
                    }
                    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        GIF.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(GIF);
                });
            }
        });
        HitCounter { base, hits }
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

/// The corpus of hostile mail (calame-testkit's `hostile`, 149 vectors: script tags, event
/// handlers, `javascript:` URLs, SVG and MathML tricks, parser confusion, and every way HTML
/// and CSS fetch a URL), one message each, opened one after the other in the real app: no
/// script runs (each would post `xss:NAME` to the window and fetch `/x/NAME`) and the local
/// server counting requests sees none. Then the user shows one message's images once, and
/// allows a sender: exactly the images of what was allowed are fetched, nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_mail_runs_no_script_and_fetches_nothing_until_allowed() {
    let _one = ONE_WINDOW.lock().await;
    let stack = Stack::shared();
    let counter = HitCounter::start();
    let user = stack.add_user(&format!("hostile-{}", std::process::id())).unwrap();
    let vectors = calame_testkit::hostile::vectors(&counter.base);
    assert!(vectors.len() >= 100);
    let inbox = stack.create_maildir(&user.login, "INBOX").unwrap();
    for (index, vector) in vectors.iter().enumerate() {
        // Trackers write from one address; the last message comes from a sender of its own.
        let from = if index + 1 == vectors.len() {
            "lettre@asso.test"
        } else {
            "news@tracker.test"
        };
        let raw = calame_testkit::hostile::message(vector, index, from, &user.email);
        let path = inbox.join("new").join(format!("{index:03}.hostile:2,"));
        std::fs::write(&path, raw).unwrap();
        stack.fix_mail_owner(&path).unwrap();
    }
    let profile = tempfile::tempdir().unwrap();
    {
        let calame = Calame::open(profile.path(), "e2e setup").unwrap();
        let password = Secret::new(user.password.clone());
        let setup = AccountSetup {
            email: user.email.clone(),
            login: Some(user.login.clone()),
            imap: Some(format!("127.0.0.1:{}", stack.info.imaps_port)),
            tls: Some(TlsMode::Implicit),
            trust_cert: Some(stack.info.cert_sha256.clone()),
            ..Default::default()
        };
        calame.add_account(setup, &password, false).await.unwrap();
        calame.sync_with(&user.email, Some("INBOX"), &password).await.unwrap();
    }
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = session(profile.path(), &display, &user.password).await;

    // A listener for what a script in a message would post; checked to hear a post.
    client
        .execute(
            "window.__xss = []; window.addEventListener('message', e => { \
               if (typeof e.data === 'string' && e.data.startsWith('xss:')) window.__xss.push(e.data); });",
            vec![],
        )
        .await
        .unwrap();
    let posted = "window.postMessage('xss:control', '*'); \
                  const done = arguments[arguments.length - 1]; setTimeout(() => done(window.__xss.slice()), 100);";
    let heard = client.execute_async(posted, vec![]).await.unwrap();
    assert_eq!(heard, json!(["xss:control"]), "the listener hears a post");
    client.execute("window.__xss.length = 0;", vec![]).await.unwrap();

    wait_for(
        &client,
        "//*[@role='treeitem'][contains(., 'Boîte de réception')]",
        "the INBOX",
    )
    .await
    .click()
    .await
    .unwrap();
    let first = wait_for(&client, "//*[@role='option']", "the first message").await;
    first.click().await.unwrap();
    let list = client.find(Locator::Css("[role=listbox]")).await.unwrap();
    let mut opened = std::collections::BTreeSet::new();
    let mut shots = 0;
    for n in 0..vectors.len() {
        if n > 0 {
            list.send_keys("j").await.unwrap();
            list.send_keys("\u{e007}").await.unwrap(); // Enter
        }
        // The reader shows the message: its subject, then its body (frame or text).
        let subject = wait_for(
            &client,
            "//h2[contains(@class, 'subject')][starts-with(., 'H')]",
            "a hostile message",
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let text = loop {
            let text = subject.text().await.unwrap_or_default();
            if !opened.contains(&text) || Instant::now() > deadline {
                break text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(!opened.contains(&text), "message {n}: still showing {text}");
        wait_for(
            &client,
            "//iframe[@sandbox=''] | //pre[contains(@class, 'body')]",
            "the message's body",
        )
        .await;
        // Let the frame load whatever it would load.
        client
            .execute_async(
                "const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 150);",
                vec![],
            )
            .await
            .unwrap();
        if shots < 2 && text.contains("img-src") {
            std::fs::write(screenshot_path("hostile-blocked.png"), screenshot(&client).await).unwrap();
            shots += 1;
        }
        opened.insert(text);
    }
    // A last moment for anything slow (a refresh after a delay, a late font).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let xss = client.execute("return window.__xss.slice()", vec![]).await.unwrap();
    eprintln!(
        "hostile corpus: {} messages opened, scripts heard {}, requests {}",
        opened.len(),
        xss.as_array().map_or(0, Vec::len),
        counter.hits().len()
    );
    assert_eq!(opened.len(), vectors.len(), "every message opened");
    assert_eq!(xss, json!([]), "no script ran");
    assert_eq!(counter.hits(), Vec::<String>::new(), "nothing fetched while blocked");

    // Shown once: exactly that message's images.
    let pick = |name: &str| -> String {
        let index = vectors.iter().position(|v| v.name == name).unwrap();
        format!("H{index:03} {name}")
    };
    open_by_subject(&client, &list, &pick("img-src"), vectors.len()).await;
    wait_for(
        &client,
        "//button[contains(., 'Afficher cette fois')]",
        "the blocked images banner",
    )
    .await
    .click()
    .await
    .unwrap();
    let expected_once = vec!["/t/img-src".to_owned()];
    wait_hits(&counter, &expected_once).await;
    std::fs::write(screenshot_path("hostile-allowed-once.png"), screenshot(&client).await).unwrap();

    // The trackers' sender allowed for good: its images show; another sender's stay blocked.
    open_by_subject(&client, &list, &pick("img-src-https"), vectors.len()).await;
    wait_for(
        &client,
        "//button[contains(., 'Toujours pour cet expéditeur')]",
        "allow the sender",
    )
    .await
    .click()
    .await
    .unwrap();
    let mut expected = expected_once.clone();
    expected.push("/t/img-src-https?https".to_owned());
    wait_hits(&counter, &expected).await;
    // Another message of that sender shows its images at once.
    open_by_subject(&client, &list, &pick("table-background"), vectors.len()).await;
    expected.push("/t/table-background".to_owned());
    wait_hits(&counter, &expected).await;
    let other = vectors.last().unwrap();
    assert_eq!(other.kind, "tracking");
    open_by_subject(&client, &list, &pick(&other.name), vectors.len()).await;
    wait_for(
        &client,
        "//*[@role='region'][contains(., 'Images distantes bloquées')]",
        "another sender, still blocked",
    )
    .await;
    open_by_subject(&client, &list, &pick("svg-onload"), vectors.len()).await;
    wait_hits(&counter, &expected).await;
    let xss = client.execute("return window.__xss.slice()", vec![]).await.unwrap();
    assert_eq!(xss, json!([]), "no script ran, remote content allowed or not");
    eprintln!("after allowing: requests {:?}", counter.hits());
    client.close().await.unwrap();
}

/// Wait until the counter saw exactly `expected` (in any order), then a little more to see
/// that nothing else comes.
async fn wait_hits(counter: &HitCounter, expected: &[String]) {
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while sorted(counter.hits()) != sorted(expected.to_vec()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(sorted(counter.hits()), sorted(expected.to_vec()), "requests seen");
}

/// Open the message with this subject: from the top of the list, down with the keyboard.
async fn open_by_subject(client: &Client, list: &fantoccini::elements::Element, subject: &str, count: usize) {
    list.send_keys("\u{e011}").await.unwrap(); // Home
    for _ in 0..=count {
        // Let the list draw the new selection.
        tokio::time::sleep(Duration::from_millis(40)).await;
        let selected = client
            .execute(
                "const o = document.querySelector('[role=option][aria-selected=true]'); return o ? o.innerText : ''",
                vec![],
            )
            .await
            .unwrap();
        if selected.as_str().unwrap_or_default().contains(subject) {
            list.send_keys("\u{e007}").await.unwrap();
            wait_for(
                client,
                &format!("//h2[contains(@class, 'subject')][. = '{subject}']"),
                "the message to open",
            )
            .await;
            return;
        }
        list.send_keys("j").await.unwrap();
    }
    panic!("{subject} not found in the list");
}
