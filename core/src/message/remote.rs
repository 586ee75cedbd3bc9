//! Remote URLs: which URLs make a viewer fetch something over the network, and a scan of an
//! HTML document for all of them (attributes, `srcset`, inline and embedded CSS, meta refresh),
//! in document order.
//!
//! The scan tokenises the HTML the way a browser's parser would switch states (raw text in
//! `<style>`, `<script>`, `<title>`…) so that it sees the same elements the sanitiser sees.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::buffer_queue::BufferQueue;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

use super::text::prefix;

/// URL-valued attributes that load on their own (not on click).
const FETCHING: &[&str] = &[
    "src",
    "background",
    "poster",
    "data",
    "codebase",
    "action",
    "formaction",
    "lowsrc",
    "dynsrc",
    "manifest",
    "icon",
    "profile",
    "archive",
    "longdesc",
    "xlink:href",
    "href",
];

/// How deep `srcdoc` documents inside `srcdoc` documents are scanned.
const MAX_SRCDOC_DEPTH: usize = 2;
/// The most CSS text gathered from one `<style>` element.
const MAX_STYLE_TEXT: usize = 1 << 20;

/// A URL as a browser reads an attribute value: ASCII tab and newlines removed, leading and
/// trailing controls and spaces trimmed.
pub(super) fn normalise(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The lower-case scheme of a normalised URL, if it has one.
pub(super) fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// True if loading this URL would go over the network: `http:`, `https:`, or a network-path
/// reference (`//host/…`, which browsers also spell with backslashes).
pub(super) fn is_remote(url: &str) -> bool {
    let url = normalise(url);
    match scheme(&url).as_deref() {
        Some("http" | "https") => true,
        Some(_) => false,
        None => {
            let mut lead = url.chars().take(2);
            matches!((lead.next(), lead.next()), (Some('/' | '\\'), Some('/' | '\\')))
        }
    }
}

/// The remote URLs an HTML document would fetch, normalised, deduplicated, in document order.
pub(super) fn scan(html: &str) -> Vec<String> {
    let mut found = Found::default();
    scan_into(html, 0, &mut found);
    found.urls
}

#[derive(Default)]
struct Found {
    urls: Vec<String>,
    seen: HashSet<String>,
}

impl Found {
    fn add(&mut self, url: &str) {
        if is_remote(url) {
            let url = normalise(url);
            if self.seen.insert(url.clone()) {
                self.urls.push(url);
            }
        }
    }

    fn add_css(&mut self, css: &str) {
        for url in css_urls(css) {
            self.add(&url);
        }
    }
}

fn scan_into(html: &str, depth: usize, found: &mut Found) {
    let sink = Sink {
        state: RefCell::new(State {
            found: std::mem::take(found),
            ..State::default()
        }),
        depth,
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    *found = tokenizer.sink.state.into_inner().found;
}

#[derive(Default)]
struct State {
    found: Found,
    /// Inside `<style>`: its text, to read URLs from at the end tag.
    style: Option<String>,
    /// Open `<svg>`/`<math>` elements: inside them `<style>` and friends are not raw text.
    foreign: usize,
}

struct Sink {
    state: RefCell<State>,
    depth: usize,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                if let Some(css) = state.style.take() {
                    state.found.add_css(&css);
                }
                return self.tag(&mut state, &tag);
            }
            Token::CharacterTokens(text) => {
                if let Some(css) = state.style.as_mut() {
                    css.push_str(prefix(&text, MAX_STYLE_TEXT.saturating_sub(css.len())));
                }
            }
            Token::EOFToken => {
                if let Some(css) = state.style.take() {
                    state.found.add_css(&css);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.state.borrow().foreign > 0
    }
}

impl Sink {
    fn tag(&self, state: &mut State, tag: &Tag) -> TokenSinkResult<()> {
        let name = tag.name.as_ref();
        let foreign_root = matches!(name, "svg" | "math");
        if tag.kind == TagKind::EndTag {
            if foreign_root {
                state.foreign = state.foreign.saturating_sub(1);
            }
            return TokenSinkResult::Continue;
        }
        self.attributes(state, tag);
        if foreign_root && !tag.self_closing {
            state.foreign += 1;
        }
        if name == "style" {
            state.style = Some(String::new());
        }
        if state.foreign > 0 {
            return TokenSinkResult::Continue;
        }
        match name {
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn attributes(&self, state: &mut State, tag: &Tag) {
        let element = tag.name.as_ref();
        let is_link = matches!(element, "a" | "area");
        let is_refresh = element == "meta";
        for attr in &tag.attrs {
            let name = attr.name.local.as_ref();
            let value = attr.value.as_ref();
            match name {
                "href" if is_link => {}
                "srcset" | "imagesrcset" => srcset(value).for_each(|url| state.found.add(url)),
                "style" => state.found.add_css(value),
                "content" if is_refresh => state.found.add(refresh_url(value)),
                "srcdoc" if self.depth < MAX_SRCDOC_DEPTH => scan_into(value, self.depth + 1, &mut state.found),
                _ if FETCHING.contains(&name) => state.found.add(value),
                _ => {}
            }
        }
    }
}

/// The URLs of a `srcset` (`url 1x, url 2x`).
pub(super) fn srcset(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

/// The URL of `<meta http-equiv=refresh content="5; url=…">`.
fn refresh_url(content: &str) -> &str {
    let lower = content.to_ascii_lowercase();
    match lower.find("url") {
        Some(i) => content
            .get(i + 3..)
            .unwrap_or("")
            .trim_start()
            .trim_start_matches('=')
            .trim()
            .trim_matches(['\'', '"']),
        None => "",
    }
}

/// The targets of `url(…)` and the quoted strings of a style sheet or `style` attribute
/// (`@import "…"`, `image-set("…")`), in order.
pub(super) fn css_urls(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = css.to_ascii_lowercase();
    let mut rest = 0;
    while let Some(found) = lower.get(rest..).and_then(|l| l.find(['u', '"', '\''])) {
        let at = rest + found;
        let tail = css.get(at..).unwrap_or("");
        let (url, used) = if lower.get(at..).is_some_and(|l| l.starts_with("url(")) {
            url_call(tail.get(4..).unwrap_or(""))
        } else if tail.starts_with(['"', '\'']) {
            quoted(tail)
        } else {
            (None, 1)
        };
        out.extend(url);
        rest = at + used.max(1);
    }
    out.extend(bare_urls(css, &lower));
    out
}

/// `http:` and `https:` URLs written anywhere in CSS, whatever hides them (escapes in `u\rl(`).
fn bare_urls<'a>(css: &'a str, lower: &'a str) -> impl Iterator<Item = String> + 'a {
    lower.match_indices("http").filter_map(move |(at, _)| {
        let tail = css.get(at..)?;
        let end = tail
            .find(|c: char| c.is_whitespace() || "\"'()<>;,\\".contains(c))
            .unwrap_or(tail.len());
        let url = tail.get(..end)?;
        let scheme_ok = lower
            .get(at..)
            .is_some_and(|l| l.starts_with("http:") || l.starts_with("https:"));
        scheme_ok.then(|| url.to_owned())
    })
}

/// The argument of `url(` (the text after it), and how many bytes were read from `url(`.
fn url_call(after: &str) -> (Option<String>, usize) {
    let trimmed = after.trim_start();
    let skipped = after.len() - trimmed.len();
    if trimmed.starts_with(['"', '\'']) {
        let (url, used) = quoted(trimmed);
        return (url, 4 + skipped + used);
    }
    let end = trimmed.find(')').unwrap_or(trimmed.len());
    (
        Some(trimmed.get(..end).unwrap_or("").trim().to_owned()),
        4 + skipped + end,
    )
}

/// A CSS string starting at `s` (with its quote), and its length in bytes.
fn quoted(s: &str) -> (Option<String>, usize) {
    let Some(q) = s.chars().next() else { return (None, 1) };
    let body = s.get(1..).unwrap_or("");
    match body.find(q) {
        Some(end) => (Some(body.get(..end).unwrap_or("").to_owned()), end + 2),
        None => (Some(body.to_owned()), s.len()),
    }
}
