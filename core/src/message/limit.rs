//! Bounds on HTML structure before any real parser sees it.
//!
//! html5ever's tree builder does work in proportion to the depth of the open-element stack for
//! many tags, and its tokenizer compares each attribute with all earlier ones of the same tag:
//! 50,000 nested `<div>`s, or one tag with 20,000 attributes, take minutes. Browsers cap the tree
//! depth too (Chromium at 512). This pass, linear and byte-level, drops start tags nested deeper
//! than [`MAX_NESTING`] and attributes past [`MAX_ATTRIBUTES`]; everything else is copied as is,
//! so ordinary mail reaches the sanitiser byte for byte. It only has to be close to the HTML
//! tokenizer: whatever it outputs is parsed and sanitised again.

use std::borrow::Cow;

/// The deepest element nesting kept.
pub(super) const MAX_NESTING: usize = 256;
/// The most attributes kept on one tag.
pub(super) const MAX_ATTRIBUTES: usize = 64;

/// Elements without content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen",
    "link", "meta", "param", "source", "track", "wbr",
];
/// Elements whose end tag may be left out: the parser closes them itself, so they do not nest.
const OPTIONAL_END: &[&str] = &[
    "body", "caption", "colgroup", "dd", "dt", "head", "html", "li", "optgroup", "option", "p", "rb", "rp", "rt",
    "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp",
];

/// `html` with nesting and attribute counts bounded; borrowed when nothing had to change.
pub(super) fn bounded(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut changed = false;
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(lt) = find(b, i, b"<") {
        out.extend_from_slice(b.get(i..lt).unwrap_or_default());
        let Some(tag) = Tag::read(b, lt) else {
            // Not a tag: the `<` is text, or a comment or declaration copied whole.
            let end = skip_markup(b, lt);
            out.extend_from_slice(b.get(lt..end).unwrap_or_default());
            i = end;
            continue;
        };
        i = tag.end;
        if tag.closing {
            if let Some(k) = open.iter().rposition(|n| *n == tag.name) {
                open.truncate(k);
            }
            out.extend_from_slice(b.get(lt..tag.end).unwrap_or_default());
            continue;
        }
        // `<div/>` still opens a div in HTML: the self-closing flag does not count.
        let nests = !VOID.contains(&tag.name.as_str()) && !OPTIONAL_END.contains(&tag.name.as_str());
        if nests && open.len() >= MAX_NESTING {
            changed = true;
            continue;
        }
        match tag.attributes.get(MAX_ATTRIBUTES) {
            Some(&(first_dropped, _)) => {
                changed = true;
                out.extend_from_slice(b.get(lt..first_dropped).unwrap_or_default());
                out.push(b'>');
            }
            None => out.extend_from_slice(b.get(lt..tag.end).unwrap_or_default()),
        }
        if tag.name == "plaintext" {
            out.extend_from_slice(b.get(i..).unwrap_or_default());
            i = b.len();
            break;
        }
        if RAW_TEXT.contains(&tag.name.as_str()) {
            let end = raw_text_end(b, i, &tag.name);
            out.extend_from_slice(b.get(i..end).unwrap_or_default());
            i = end;
        }
        if nests && !RAW_TEXT.contains(&tag.name.as_str()) {
            open.push(tag.name);
        }
    }
    if !changed {
        return Cow::Borrowed(html);
    }
    out.extend_from_slice(b.get(i..).unwrap_or_default());
    // Every cut is at an ASCII byte, so this is UTF-8; lossy only to avoid a panic path.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A start or end tag read at `<`.
struct Tag {
    name: String,
    closing: bool,
    /// (start, end) of each attribute.
    attributes: Vec<(usize, usize)>,
    /// Just after the `>` (or the end of input).
    end: usize,
}

impl Tag {
    fn read(b: &[u8], lt: usize) -> Option<Tag> {
        let mut i = lt + 1;
        let closing = b.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if !b.get(i)?.is_ascii_alphabetic() {
            return None;
        }
        let name_start = i;
        while b.get(i).is_some_and(|&c| !is_space(c) && c != b'/' && c != b'>') {
            i += 1;
        }
        let name = String::from_utf8_lossy(b.get(name_start..i)?).to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while b.get(i).is_some_and(|&c| is_space(c) || c == b'/') {
                i += 1;
            }
            match b.get(i) {
                None => break,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(_) => {}
            }
            let start = i;
            i = attribute_end(b, i);
            attributes.push((start, i));
        }
        Some(Tag {
            name,
            closing,
            attributes,
            end: i,
        })
    }
}

/// The end of the attribute (name, optional `=` and value) starting at `i`.
fn attribute_end(b: &[u8], mut i: usize) -> usize {
    i += 1; // The first character belongs to the name, even `=`.
    while b
        .get(i)
        .is_some_and(|&c| !is_space(c) && c != b'/' && c != b'>' && c != b'=')
    {
        i += 1;
    }
    let mut j = i;
    while b.get(j).is_some_and(|&c| is_space(c)) {
        j += 1;
    }
    if b.get(j) != Some(&b'=') {
        return i;
    }
    j += 1;
    while b.get(j).is_some_and(|&c| is_space(c)) {
        j += 1;
    }
    match b.get(j) {
        Some(&q @ (b'"' | b'\'')) => find(b, j + 1, &[q]).map_or(b.len(), |k| k + 1),
        _ => {
            while b.get(j).is_some_and(|&c| !is_space(c) && c != b'>') {
                j += 1;
            }
            j
        }
    }
}

/// The end of a comment (`<!--…-->`), declaration or processing instruction at `lt`, or just
/// past a `<` that starts nothing.
fn skip_markup(b: &[u8], lt: usize) -> usize {
    match b.get(lt + 1) {
        Some(b'!') if b.get(lt + 2..lt + 4) == Some(b"--") => find(b, lt + 4, b"-->").map_or(b.len(), |k| k + 3),
        Some(b'!' | b'?') => find(b, lt + 2, b">").map_or(b.len(), |k| k + 1),
        Some(b'/') => find(b, lt + 2, b">").map_or(b.len(), |k| k + 1),
        _ => lt + 1,
    }
}

/// Where the raw text of element `name` that starts at `from` ends: at `</name`, any case.
fn raw_text_end(b: &[u8], from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(k) = find(b, i, b"</") {
        let candidate = b.get(k + 2..k + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return k;
        }
        i = k + 2;
    }
    b.len()
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The first occurrence of `needle` in `b` at or after `from`.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = b.get(from..)?;
    match needle {
        [one] => hay.iter().position(|c| c == one),
        _ => hay.windows(needle.len()).position(|w| w == needle),
    }
    .map(|k| from + k)
}
