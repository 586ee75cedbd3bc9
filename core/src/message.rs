//! Reading a message: untrusted mail bytes turned into something safe to show.
//!
//! Everything here is pure (no I/O), never panics and stays bounded in time and memory whatever
//! the bytes. [`read`] parses the MIME structure (mail-parser), picks the bodies, sanitises the
//! HTML (ammonia, then our own policy for URLs and CSS), lists attachments with stable part ids,
//! and recognises an iMIP invitation. [`attachment`] gives back the decoded bytes of one part.
//!
//! Remote content: with [`RemoteContent::Block`], nothing in the HTML can make the viewer fetch
//! anything over the network; every remote URL that was removed is listed in
//! [`Message::blocked`]. Links (`<a href>`) only load on click and are kept.

mod calendar;
mod css;
mod headers;
mod html;
mod limit;
mod parts;
mod remote;
mod rfc2231;
mod text;

#[cfg(test)]
mod css_tests;
#[cfg(test)]
mod html_tests;
#[cfg(test)]
mod message_tests;

use mail_parser::{MessageParser, PartType};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A mailbox: display name (decoded) and address; the same type as in envelopes.
pub use crate::envelope::Address;

/// The deepest MIME nesting we walk; deeper parts are ignored.
pub const MAX_DEPTH: usize = 32;
/// The most parts listed as attachments.
pub const MAX_ATTACHMENTS: usize = 1000;
/// Bodies longer than this (bytes, per kind) are cut and `truncated` is set.
pub const MAX_BODY: usize = 4 << 20;
/// Header texts (subject, names, ids) longer than this are cut.
pub const MAX_HEADER_TEXT: usize = 8 << 10;
/// The most remote URLs listed in `blocked`.
pub const MAX_BLOCKED: usize = 1000;

/// Whether the viewer may load remote content (images) for a message; the caller decides,
/// per message or per sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RemoteContent {
    #[default]
    Block,
    Allow,
}

/// Why remote content was allowed for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RemoteReason {
    /// For this reading only.
    Once,
    /// The user allows every message from its sender.
    Sender,
    /// The user allowed this message.
    Message,
}

/// The headers a reader needs, decoded (RFC 2047) and bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "MessageHeaders")]
pub struct Headers {
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub sender: Option<Address>,
    pub subject: Option<String>,
    /// RFC 3339 with the sender's offset, e.g. `2027-03-15T09:00:00+01:00`.
    pub date: Option<String>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

/// A part that is not a body: a file, an inline image, a forwarded message, a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Attachment {
    /// The MIME part path as IMAP numbers it (`"2"`, `"1.2"`): stable for the same bytes, and
    /// what [`attachment`] takes.
    pub part: String,
    /// The decoded file name (RFC 2047/2231), without control characters or path separators.
    pub name: Option<String>,
    /// `type/subtype`, lower case.
    pub mime: String,
    /// Decoded size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Without angle brackets: what `cid:` URLs in the HTML refer to.
    pub content_id: Option<String>,
    pub inline: bool,
}

/// An iMIP invitation (RFC 6047), from the first VEVENT of a `text/calendar` part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Invitation {
    /// `REQUEST`, `REPLY` or `CANCEL`.
    pub method: String,
    pub uid: String,
    pub summary: Option<String>,
    /// RFC 3339 with the offset of the event's time zone; `YYYY-MM-DD` for all-day events; a
    /// local time without offset when the time zone is floating or unknown.
    pub start: Option<String>,
    pub end: Option<String>,
    pub all_day: bool,
    pub location: Option<String>,
    /// Addresses, without `mailto:`.
    pub organizer: Option<String>,
    pub attendees: Vec<String>,
    /// The part holding the calendar (for [`attachment`]).
    pub part: String,
}

/// A message made safe to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Message {
    pub headers: Headers,
    /// The text/plain body; for an HTML-only message, a plain rendering of the sanitised HTML.
    pub text: Option<String>,
    /// The sanitised HTML body, if the message has one.
    pub html: Option<String>,
    /// Remote URLs removed from the HTML, deduplicated, in document order.
    pub blocked: Vec<String>,
    /// Set when remote content was allowed (and so kept), with why; `None` when blocked.
    pub remote_allowed: Option<RemoteReason>,
    pub attachments: Vec<Attachment>,
    pub invitation: Option<Invitation>,
    /// A body was longer than [`MAX_BODY`] and was cut.
    pub truncated: bool,
}

/// How much of a message [`search_text`] reads.
pub const SEARCH_PREFIX: usize = 128 << 10;

/// The words of a message for the search index: its text bodies, HTML ones turned into text by
/// mail-parser (no sanitising needed: the result is only matched, never shown), at most `max`
/// bytes, cut at a character boundary. Much cheaper than [`read`], for every body a sync caches:
/// only the first [`SEARCH_PREFIX`] bytes are parsed, where the text parts are, not the
/// attachments that follow them.
pub fn search_text(raw: &[u8], max: usize) -> String {
    let head = raw.get(..SEARCH_PREFIX).unwrap_or(raw);
    let Some(parsed) = MessageParser::default().parse(head) else {
        return String::new();
    };
    let mut out = String::new();
    for i in 0..parsed.text_body.len().min(MAX_ATTACHMENTS) {
        if out.len() >= max {
            break;
        }
        if let Some(text) = parsed.body_text(i) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&text);
        }
    }
    if out.len() > max {
        out.truncate(out.floor_char_boundary(max));
    }
    out
}

/// Parse and sanitise a raw message (RFC 5322 bytes). Never fails: broken input gives what
/// could be recovered.
pub fn read(raw: &[u8], remote: RemoteContent) -> Message {
    let Some(parsed) = MessageParser::default().parse(raw) else {
        return unparsed(raw);
    };
    let mut leaves = parts::leaves(&parsed, raw);
    let bodies = bodies_or_stand_in(&parsed, raw, &mut leaves);
    let mut message = Message {
        headers: headers::of(&parsed),
        attachments: leaves.iter().filter(|l| !l.body).map(parts::Leaf::attachment).collect(),
        invitation: leaves.iter().find_map(parts::Leaf::invitation),
        ..Message::default()
    };
    show(&mut message, &bodies, remote);
    let empty = message.text.is_none() && message.html.is_none() && message.attachments.iter().all(|a| a.size == 0);
    if empty && message.headers == Headers::default() {
        // Nothing mail-parser recognised (no header, no body): show the bytes as they are.
        return unparsed(raw);
    }
    message
}

/// The From address and the Message-ID (without brackets) of a raw message: what decides
/// whether the user allowed its remote content. Reads the header only.
pub fn sender_and_id(raw: &[u8]) -> (Option<String>, Option<String>) {
    let Some(parsed) = MessageParser::default().parse_headers(raw) else {
        return (None, None);
    };
    let from = parsed
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_deref())
        .map(str::to_owned);
    (from, parsed.message_id().map(str::to_owned))
}

/// The bodies mail-parser found or, when it found none (broken encoding, multipart without a
/// boundary), the first text part that can stand in, then marked as the body.
fn bodies_or_stand_in<'a>(
    parsed: &'a mail_parser::Message<'_>,
    raw: &'a [u8],
    leaves: &mut [parts::Leaf<'a, '_>],
) -> parts::Bodies<'a> {
    let bodies = parts::bodies(parsed, raw);
    if !bodies.is_empty() {
        return bodies;
    }
    match leaves.iter_mut().find(|l| l.could_be_body()) {
        Some(leaf) => {
            leaf.body = true;
            leaf.as_body()
        }
        None => bodies,
    }
}

/// Text and HTML of the message: HTML sanitised, text rendered from it when there is no plain
/// text body.
fn show(message: &mut Message, bodies: &parts::Bodies<'_>, remote: RemoteContent) {
    let (plain, cut_text) = text::join(&bodies.text);
    let (html, cut_html) = text::join(&bodies.html);
    message.truncated = cut_text || cut_html;
    message.text = plain;
    if let Some(html) = html {
        let clean = html::sanitise(&html, remote);
        message.blocked = clean.blocked;
        if message.text.is_none() {
            message.text = clean.html.as_deref().map(html::to_text);
        }
        message.html = clean.html;
    }
}
/// Extensions of files that run rather than show when opened (Windows, Linux, macOS).
const RUNS: &[&str] = &[
    "exe",
    "com",
    "bat",
    "cmd",
    "msi",
    "msp",
    "scr",
    "pif",
    "cpl",
    "lnk",
    "url",
    "hta",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "ps1",
    "psm1",
    "reg",
    "jar",
    "sh",
    "bash",
    "run",
    "bin",
    "appimage",
    "desktop",
    "command",
    "app",
    "pkg",
    "dmg",
    "deb",
    "rpm",
    "py",
    "pl",
    "rb",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "docm",
    "xlsm",
    "pptm",
    "dotm",
    "xlam",
    "chm",
    "application",
    "gadget",
    "inf",
    "scf",
    "settingcontent-ms",
];

/// A safe file name to open an attachment under: the sender's name without folders, device
/// names, control or reserved characters, or a name made from its type; refused
/// (`BadInput`) when it would run rather than show.
pub fn openable_name(name: Option<&str>, mime: &str) -> crate::error::Result<String> {
    let given = name.unwrap_or_default();
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\u{202e}'))
        .collect();
    clean = clean.trim().trim_matches('.').trim().to_owned();
    if clean.is_empty() {
        let ext = mime
            .rsplit('/')
            .next()
            .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()) && e.len() <= 8)
            .unwrap_or("bin");
        clean = format!("piece-jointe.{ext}");
    }
    if clean.chars().count() > 120 {
        let ext = clean.rsplit_once('.').map(|(_, e)| e.to_owned()).unwrap_or_default();
        let stem: String = clean.chars().take(100).collect();
        clean = if ext.is_empty() { stem } else { format!("{stem}.{ext}") };
    }
    let stem = clean.split('.').next().unwrap_or_default().to_ascii_uppercase();
    let device = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
        || ((stem.starts_with("COM") || stem.starts_with("LPT")) && stem.len() == 4);
    if device {
        clean = format!("_{clean}");
    }
    let ext = clean
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if RUNS.contains(&ext.as_str()) || mime.contains("x-msdownload") || mime.contains("x-executable") {
        return Err(crate::error::Error::BadInput(format!(
            "{clean} would run as a program: save it instead, and open it only if you trust it"
        )));
    }
    Ok(clean)
}

/// The decoded bytes of one part, by the id [`read`] listed in [`Attachment::part`].
pub fn attachment(raw: &[u8], part: &str) -> Option<(Attachment, Vec<u8>)> {
    let parsed = MessageParser::default().parse(raw)?;
    let leaves = parts::leaves(&parsed, raw);
    let leaf = leaves.iter().find(|l| l.path == part)?;
    let bytes = leaf.decoded();
    Some((leaf.attachment_with(&bytes), bytes))
}

/// The attachments of a raw message that `wanted` picks, as [`read`] lists them, each with its
/// decoded bytes: what a forward carries. The message is parsed once, and only the parts picked
/// are copied.
pub fn attachments(raw: &[u8], mut wanted: impl FnMut(&Attachment) -> bool) -> Vec<(Attachment, Vec<u8>)> {
    let Some(parsed) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let mut leaves = parts::leaves(&parsed, raw);
    bodies_or_stand_in(&parsed, raw, &mut leaves);
    leaves
        .iter()
        .filter(|l| !l.body && wanted(&l.attachment()))
        .map(|l| {
            let bytes = l.decoded();
            (l.attachment_with(&bytes), bytes)
        })
        .collect()
}

/// What we show for bytes in which mail-parser found no header at all: the bytes as text.
fn unparsed(raw: &[u8]) -> Message {
    let (text, truncated) = text::lossy_bounded(raw);
    Message {
        text: (!text.trim().is_empty()).then_some(text),
        truncated,
        ..Message::default()
    }
}

/// True for the part types that can be a body.
fn is_text(body: &PartType<'_>) -> bool {
    matches!(body, PartType::Text(_) | PartType::Html(_))
}
