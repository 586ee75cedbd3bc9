//! The MIME corpus: every `tests/fixtures/mime/*/NAME.eml` read with remote content blocked must
//! give exactly `NAME.json`; every hostile vector is checked on its own, under both policies; and
//! huge inputs made in memory parse without panic.
//!
//! To rewrite the expected files after a deliberate change: `CALAME_UPDATE_FIXTURES=1 cargo test
//! -p calame-core --test mime_corpus`, then read the diff: the JSON files are the specification.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use calame_core::message::{self, Message, RemoteContent};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mime");
const KINDS: &[&str] = &["rfc", "legacy", "malformed", "hostile"];

fn emls(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(FIXTURES).join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_matches_expected_json() {
    let update = std::env::var_os("CALAME_UPDATE_FIXTURES").is_some();
    let mut count = 0;
    let mut failures = Vec::new();
    for kind in KINDS {
        for eml in emls(kind) {
            count += 1;
            let raw = fs::read(&eml).unwrap();
            let got = serde_json::to_value(message::read(&raw, RemoteContent::Block)).unwrap();
            let expected_path = eml.with_extension("json");
            if update {
                fs::write(&expected_path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
                continue;
            }
            let expected: serde_json::Value = match fs::read(&expected_path) {
                Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
                Err(e) => panic!("{}: {e}", expected_path.display()),
            };
            if got != expected {
                failures.push(format!(
                    "{}\n--- got:\n{}",
                    eml.display(),
                    serde_json::to_string_pretty(&got).unwrap()
                ));
            }
        }
    }
    assert!(count > 0, "no corpus file found under {FIXTURES}");
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_listed_attachment_can_be_fetched() {
    let mut parts = 0;
    for kind in KINDS {
        for eml in emls(kind) {
            let raw = fs::read(&eml).unwrap();
            let m = message::read(&raw, RemoteContent::Block);
            for a in &m.attachments {
                let (again, bytes) = message::attachment(&raw, &a.part)
                    .unwrap_or_else(|| panic!("{}: part {} not found", eml.display(), a.part));
                assert_eq!(&again, a, "{}", eml.display());
                assert_eq!(bytes.len() as u64, a.size, "{} part {}", eml.display(), a.part);
                parts += 1;
            }
            assert!(message::attachment(&raw, "99.99").is_none());
        }
    }
    assert!(parts > 10, "only {parts} attachments in the corpus");
}

#[test]
fn attachments_decode_to_their_original_bytes() {
    let raw = fs::read(Path::new(FIXTURES).join("legacy/rfc2231-continuation.eml")).unwrap();
    let (a, bytes) = message::attachment(&raw, "3").unwrap();
    assert_eq!(a.name.as_deref(), Some("résumé.txt"));
    // The text keeps its own charset (ISO-8859-1) when saved.
    assert_eq!(bytes, b"R\xe9sum\xe9 : acte d\xe9livr\xe9.");
    let (pdf, bytes) = message::attachment(&raw, "2").unwrap();
    assert_eq!(pdf.mime, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-1.3"));
}

// ---------------------------------------------------------------------------------------------
// Hostile vectors: each is wrapped in `<div title="vNN">` in the fixtures; URLs that would be
// fetched use the host `tNN.example`, links that only load on click `link.example`.

/// `vNN` → the HTML between its marker and the next one.
fn segments(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let marker = "<div title=\"v";
    let starts: Vec<usize> = html.match_indices(marker).map(|(i, _)| i).collect();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(html.len());
        let id: String = html[start + marker.len() - 1..].chars().take(3).collect();
        out.insert(id, html[start..end].to_owned());
    }
    out
}

/// The `tNN.example` URLs written in a vector's source, as a browser would read them.
fn fetched_urls(source: &str, id: &str) -> Vec<String> {
    let source = source.replace("&quot;", "\"").replace("&amp;", "&");
    let host = format!("t{}.example", &id[1..]);
    let left_stop = |c: char| c.is_whitespace() || "\"'(=<>,".contains(c);
    let right_stop = |c: char| c.is_whitespace() || "\"')<>,".contains(c);
    let mut urls = Vec::new();
    for (at, _) in source.match_indices(&host) {
        let start = source[..at].rfind(left_stop).map_or(0, |i| i + 1);
        let end = source[at..].find(right_stop).map_or(source.len(), |i| at + i);
        let url = source[start..end].to_owned();
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// Start tags of serialised HTML: (name, [(attribute, value)]).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        i += 1;
        let name_end = i + html[i..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap();
        let name = html[i..name_end].to_ascii_lowercase();
        i = name_end;
        let mut attrs = Vec::new();
        loop {
            while bytes[i].is_ascii_whitespace() || bytes[i] == b'/' {
                i += 1;
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            let attr_end = i + html[i..]
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
                .unwrap();
            let attr = html[i..attr_end].to_ascii_lowercase();
            i = attr_end;
            let mut value = String::new();
            if bytes[i] == b'=' {
                assert_eq!(bytes[i + 1], b'"', "unquoted attribute in output: {}", &html[i..]);
                let close = i + 2 + html[i + 2..].find('"').unwrap();
                value = html[i + 2..close].replace("&quot;", "\"").replace("&amp;", "&");
                i = close + 1;
            }
            attrs.push((attr, value));
        }
        out.push((name, attrs));
    }
    out
}

fn looks_remote(value: &str) -> bool {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    v.contains("http:") || v.contains("https:") || v.starts_with("//") || v.starts_with("\\\\")
}

const FORBIDDEN: &[&str] = &[
    "<script",
    "<svg",
    "<math",
    "<style",
    "<iframe",
    "<frame",
    "<object",
    "<embed",
    "<applet",
    "<form",
    "<input",
    "<button",
    "<select",
    "<textarea",
    "<meta",
    "<base",
    "<link",
    "<video",
    "<audio",
    "<source",
    "<picture",
    "<noscript",
    "<xmp",
    "<template",
    "javascript:",
    "vbscript:",
    "url(",
    "expression(",
    "data:text",
    "data:image/svg",
    "@import",
];

/// The checks every sanitised vector must pass; returns the remote URLs the output still holds.
fn check_safe(id: &str, out: &str, remote: RemoteContent) -> Vec<String> {
    let lower = out.to_ascii_lowercase();
    for bad in FORBIDDEN {
        assert!(!lower.contains(bad), "{id} ({remote:?}): output contains {bad}: {out}");
    }
    let mut kept = Vec::new();
    for (tag, attrs) in tags(out) {
        for (name, value) in &attrs {
            assert!(!name.starts_with("on"), "{id}: event handler {name} in {out}");
            if tag == "a" && name == "href" {
                let v = value.to_ascii_lowercase();
                assert!(
                    v.starts_with("http:") || v.starts_with("https:") || v.starts_with("mailto:"),
                    "{id}: link {value}"
                );
                continue;
            }
            if looks_remote(value) {
                let image = (tag == "img" && name == "src") || name == "background";
                assert!(
                    remote == RemoteContent::Allow && image,
                    "{id} ({remote:?}): remote URL kept in <{tag} {name}>: {out}"
                );
                kept.push(value.clone());
            }
        }
        if tag == "a" {
            assert!(
                attrs.contains(&("rel".into(), "noopener noreferrer".into())),
                "{id}: rel in {out}"
            );
            assert!(
                attrs.contains(&("target".into(), "_blank".into())),
                "{id}: target in {out}"
            );
        }
    }
    kept
}

#[test]
fn hostile_vectors_are_neutralised_one_by_one() {
    let mut vectors = 0;
    for eml in emls("hostile") {
        let raw = fs::read(&eml).unwrap();
        let source = segments(&String::from_utf8_lossy(&raw));
        if source.is_empty() {
            continue;
        }
        for remote in [RemoteContent::Block, RemoteContent::Allow] {
            let m: Message = message::read(&raw, remote);
            let html = m
                .html
                .as_deref()
                .unwrap_or_else(|| panic!("{}: no HTML", eml.display()));
            let out = segments(html);
            for (id, src) in &source {
                let seg = out
                    .get(id)
                    .unwrap_or_else(|| panic!("{id}: marker lost in {}", eml.display()));
                let kept = check_safe(id, seg, remote);
                for url in fetched_urls(src, id) {
                    let normalised = url.trim().to_owned();
                    let accounted = m.blocked.contains(&normalised) || kept.contains(&normalised);
                    assert!(
                        accounted,
                        "{id} ({remote:?}): {url} neither blocked nor kept; blocked = {:?}",
                        m.blocked
                    );
                    if remote == RemoteContent::Block {
                        assert!(m.blocked.contains(&normalised), "{id}: {url} not in blocked");
                    }
                }
                for url in &m.blocked {
                    assert!(
                        !url.contains("link.example"),
                        "a click-only link was counted as blocked: {url}"
                    );
                }
                if remote == RemoteContent::Block {
                    vectors += 1;
                }
            }
            let unique: std::collections::HashSet<_> = m.blocked.iter().collect();
            assert_eq!(unique.len(), m.blocked.len(), "blocked has duplicates");
        }
    }
    assert!(vectors >= 60, "only {vectors} hostile vectors");
    eprintln!("{vectors} hostile vectors checked under both policies");
}

#[test]
fn allowing_remote_content_keeps_remote_images_only() {
    let raw = fs::read(Path::new(FIXTURES).join("hostile/tracking.eml")).unwrap();
    let blocked = message::read(&raw, RemoteContent::Block);
    let allowed = message::read(&raw, RemoteContent::Allow);
    let html = allowed.html.clone().unwrap();
    assert!(html.contains(r#"<img src="http://t79.example/pixel.gif""#), "{html}");
    assert!(!allowed.blocked.contains(&"http://t79.example/pixel.gif".to_owned()));
    assert!(blocked.blocked.contains(&"http://t79.example/pixel.gif".to_owned()));
    assert!(blocked.blocked.len() > allowed.blocked.len());
    // cid: images are never blocked, under either policy.
    for m in [&blocked, &allowed] {
        assert!(m.html.as_deref().unwrap().contains(r#"src="cid:logo@mairie""#));
        assert!(!m.blocked.iter().any(|u| u.starts_with("cid:")));
    }
}

// ---------------------------------------------------------------------------------------------
// Huge inputs, generated in memory: they must finish and give something sensible.

#[test]
fn ten_thousand_nested_multiparts() {
    let depth = 10_000;
    let mut raw = String::from("From: deep@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
    for i in 0..depth {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\r\n\r\nau fond\r\n");
    for i in (0..depth).rev() {
        raw.push_str(&format!("--b{i}--\r\n"));
    }
    let m = message::read(raw.as_bytes(), RemoteContent::Block);
    assert_eq!(m.headers.subject.as_deref(), Some("deep"));
    assert!(m.attachments.len() <= message::MAX_ATTACHMENTS);
    assert!(message::attachment(raw.as_bytes(), &vec!["1"; 40].join(".")).is_none());
}

#[test]
fn fifty_megabyte_attachment() {
    let payload: Vec<u8> = (0..50_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut raw = String::from(
        "From: big@example.org\r\nSubject: gros fichier\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\n\
         voir pj\r\n--big\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    raw.push_str(&base64_lines(&payload));
    raw.push_str("--big--\r\n");
    let m = message::read(raw.as_bytes(), RemoteContent::Block);
    assert_eq!(m.text.as_deref(), Some("voir pj"));
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].size, payload.len() as u64);
    let (_, bytes) = message::attachment(raw.as_bytes(), &m.attachments[0].part).unwrap();
    assert!(bytes == payload, "decoded bytes differ");
}

#[test]
fn one_megabyte_header_line() {
    let long = "é".repeat(500_000);
    let raw = format!(
        "From: {long} <long@example.org>\r\nTo: {long}@example.org\r\nSubject: {long}\r\nX-Junk: {long}\r\n\r\ncorps\r\n"
    );
    let m = message::read(raw.as_bytes(), RemoteContent::Block);
    let subject = m.headers.subject.unwrap();
    assert!(subject.len() <= message::MAX_HEADER_TEXT && subject.starts_with("ééé"));
    assert_eq!(m.text.as_deref().map(str::trim), Some("corps"));
}

#[test]
fn huge_and_deep_html_bodies() {
    let deep = "<div>".repeat(100_000) + "fond" + &"</div>".repeat(100_000);
    let tables = "<table><tr><td>".repeat(300) + "x";
    let pixels = "<img src=\"http://t.example/p.gif\">".repeat(50_000);
    for html in [deep, tables, pixels] {
        let raw = format!("From: a@example.org\r\nContent-Type: text/html\r\n\r\n{html}");
        let m = message::read(raw.as_bytes(), RemoteContent::Block);
        assert!(m.html.is_some());
        assert!(m.blocked.len() <= message::MAX_BLOCKED);
    }
}

fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38);
    for (n, chunk) in data.chunks(3).enumerate() {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(v >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
        if n % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out
}

/// The corpus the app's end-to-end test opens in the real webview, checked here first: under
/// both policies no script construct survives; blocked, no attribute points at the server the
/// vectors report to; allowed, only images may.
#[test]
fn the_webview_corpus_is_neutralised_here_too() {
    let base = "http://127.0.0.1:9";
    let vectors = calame_testkit::hostile::vectors(base);
    for (index, vector) in vectors.iter().enumerate() {
        let raw = calame_testkit::hostile::message(vector, index, "news@tracker.test", "alice@example.test");
        for remote in [RemoteContent::Block, RemoteContent::Allow] {
            let m = message::read(raw.as_bytes(), remote);
            let html = m.html.as_deref().unwrap_or_default();
            // Blocked, check_safe refuses any remote URL in an attribute (text may name one).
            let kept = check_safe(&vector.name, html, remote);
            for url in kept {
                assert!(url.starts_with(&format!("{base}/t/")), "{}: kept {url}", vector.name);
            }
        }
    }
    eprintln!("{} webview vectors checked under both policies", vectors.len());
}
