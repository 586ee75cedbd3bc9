//! End-to-end tests of the real app: the release of the `calame-app` binary in WebKitGTK,
//! driven through tauri-driver and WebKitWebDriver under Xvfb, against the real server stack.
//! Needs `Xvfb`, `WebKitWebDriver` and `tauri-driver` (installed by `cargo xtask test`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calame_core::{AccountSetup, Calame, Secret, TlsMode};
use calame_testkit::Stack;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

async fn session(profile: &Path, display: &str) -> (Guard, Client) {
    let port = free_port();
    let native = free_port();
    let driver = Command::new(require("tauri-driver"))
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", display)
        .env("CALAME_PROFILE", profile)
        .env("LANG", "fr_FR.UTF-8")
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

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_tree_shows_own_and_shared_folders() {
    let stack = Stack::shared();
    let profile = seeded_profile(stack).await;
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = session(profile.path(), &display).await;

    let shared = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath("//*[@role='treeitem'][contains(., 'Demandes')]"))
        .await
        .expect("the shared folder Demandes appears in the tree");
    assert!(shared.is_displayed().await.unwrap());

    let items = client.find_all(Locator::Css("[role='treeitem']")).await.unwrap();
    let mut texts = Vec::new();
    for item in &items {
        texts.push(item.text().await.unwrap_or_default());
    }
    let all = texts.join("\n");
    for expected in ["Boîte de réception", "Envoyés", "Brouillons", "Corbeille", "Demandes"] {
        assert!(all.contains(expected), "{expected:?} missing from the tree:\n{all}");
    }
    let body = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("accueil"), "the service mailbox is named:\n{body}");

    let png = client.screenshot().await.unwrap();
    let path = screenshot_path("folder-tree.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot: {}", path.display());
    assert!(png.len() > 10_000, "a real picture, not an empty one");
    client.close().await.unwrap();
}
