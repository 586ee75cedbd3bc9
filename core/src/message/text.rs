//! Bounded, cleaned strings: bodies cut at a limit, header texts and file names without control
//! characters.

use super::{MAX_BODY, MAX_HEADER_TEXT};

/// Joins body parts with a blank line, cut at [`MAX_BODY`]; `None` when there is no visible text.
/// The flag tells whether something was cut.
pub(super) fn join(parts: &[impl AsRef<str>]) -> (Option<String>, bool) {
    let mut out = String::new();
    let mut cut = false;
    for part in parts.iter().map(AsRef::as_ref).filter(|p| !p.trim().is_empty()) {
        if !out.is_empty() {
            out.push('\n');
        }
        let room = MAX_BODY.saturating_sub(out.len());
        let piece = prefix(part, room);
        cut |= piece.len() < part.len();
        push_lines(&mut out, piece);
        if cut {
            break;
        }
    }
    let end = out.trim_end().len();
    out.truncate(end);
    ((!out.trim().is_empty()).then_some(out), cut)
}

/// Appends `text` with its line endings (CRLF, CR) made LF and other control characters dropped.
fn push_lines(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            // CRLF and the CR CR LF some mailers write end one line; each lone CR ends one.
            let mut crs = 1;
            while chars.next_if_eq(&'\r').is_some() {
                crs += 1;
            }
            let lines = if chars.next_if_eq(&'\n').is_some() { 1 } else { crs };
            out.extend(std::iter::repeat_n('\n', lines));
        } else if c == '\t' || c == '\n' || !c.is_control() {
            out.push(c);
        }
    }
}

/// Bytes shown as text when nothing else could be made of them.
pub(super) fn lossy_bounded(raw: &[u8]) -> (String, bool) {
    let cut = raw.len() > MAX_BODY;
    let bytes = raw.get(..MAX_BODY).unwrap_or(raw);
    let lossy = String::from_utf8_lossy(bytes);
    let mut text = String::with_capacity(lossy.len());
    // Cutting may split a UTF-8 sequence: its replacement character at the end is ours.
    push_lines(&mut text, lossy.trim_end_matches('\u{fffd}'));
    (text, cut)
}

/// The longest prefix of `s` that is at most `max` bytes and ends on a character boundary.
pub(super) fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let end = (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    s.get(..end).unwrap_or("")
}

/// Characters that change how the text around them reads: bidirectional overrides and isolates
/// (the "invoice\u{202e}fdp.exe" trick), and zero-width marks.
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// A header text on one line: controls become spaces, runs of spaces are collapsed, deceptive
/// characters are dropped; cut at [`MAX_HEADER_TEXT`]. `None` when nothing visible remains.
pub(super) fn header_text(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len().min(MAX_HEADER_TEXT));
    let mut space = false;
    for c in s.chars() {
        if is_deceptive(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if out.len() + c.len_utf8() > MAX_HEADER_TEXT {
            break;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// A file name safe to show and to save under: a header text without path separators, leading
/// dots or reserved characters, at most 255 bytes.
pub(super) fn file_name(s: &str) -> Option<String> {
    let line = header_text(s)?;
    let replaced: String = line
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim_start_matches(['.', ' ']).trim_end_matches(['.', ' ']);
    let name = prefix(trimmed, 255);
    (!name.is_empty()).then(|| name.to_owned())
}
