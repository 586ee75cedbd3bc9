//! Any bytes as an HTML body (first byte even) or an iMIP calendar (odd): the sanitiser and the
//! calendar reader get inputs without having to discover MIME headers first. With remote content
//! blocked, no remote URL may be left in the output.
#![no_main]

use calame_core::message::{self, RemoteContent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let header: &[u8] = if kind % 2 == 0 {
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    } else {
        b"Content-Type: text/calendar; method=REQUEST\r\n\r\n"
    };
    let raw = [header, body].concat();
    let m = message::read(&raw, RemoteContent::Block);
    if let Some(html) = m.html {
        let lower = html.to_ascii_lowercase();
        // `<` only starts tags in serialised HTML, so these are elements.
        for bad in [
            "<script", "<svg", "<math", "<style", "<iframe", "<object", "<embed", "<form", "<link", "<meta",
        ] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
        // Text may say anything; attributes may not fetch, run or style with URLs.
        for (at, _) in lower.match_indices("http") {
            if let Some(Place::Value(name)) = place(&lower, at) {
                assert!(
                    matches!(name, "href" | "title" | "alt" | "summary" | "abbr"),
                    "remote URL in {name}: {html}"
                );
            }
        }
        for (at, _) in lower.match_indices("//") {
            if let Some(Place::Value(name)) = place(&lower, at) {
                assert!(
                    matches!(name, "href" | "title" | "alt" | "summary" | "abbr"),
                    "// in {name}: {html}"
                );
            }
        }
        for pattern in ["url(", "javascript:", "expression("] {
            for (at, _) in lower.match_indices(pattern) {
                if let Some(Place::Value(name)) = place(&lower, at) {
                    assert!(
                        matches!(name, "title" | "alt" | "summary" | "abbr"),
                        "{pattern} in {name}: {html}"
                    );
                }
            }
        }
        for (at, _) in lower.match_indices("on") {
            assert!(
                !matches!(place(&lower, at), Some(Place::Name(n)) if n.starts_with("on")),
                "handler in {html}"
            );
        }
    }
    let _ = message::read(&raw, RemoteContent::Allow);
});

/// Where a position of serialised HTML falls: in an attribute's name or value, or elsewhere
/// (`None`: text, or a tag name). Text escapes `<`; attribute values are double-quoted.
enum Place<'a> {
    Name(&'a str),
    Value(&'a str),
}

fn place(html: &str, pos: usize) -> Option<Place<'_>> {
    let lt = html[..pos].rfind('<')?;
    let b = html.as_bytes();
    let mut i = lt + 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
        i += 1;
    }
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' || i > pos {
            return None;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
            i += 1;
        }
        let name = &html[start..i];
        if (start..i).contains(&pos) {
            return Some(Place::Name(name));
        }
        if i + 1 < b.len() && b[i] == b'=' && b[i + 1] == b'"' {
            let end = html[i + 2..].find('"').map_or(b.len(), |k| i + 2 + k);
            if (i + 2..end).contains(&pos) {
                return Some(Place::Value(name));
            }
            i = end + 1;
        }
    }
}
