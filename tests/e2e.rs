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
