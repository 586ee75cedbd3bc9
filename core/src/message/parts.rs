//! The MIME tree as a list of leaves with IMAP part paths (`1`, `2.1`…), which are bodies and
//! which are attachments, and the decoded bytes of a part.

use std::borrow::Cow;
use std::collections::HashSet;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{Encoding, HeaderName, MessagePart, MimeHeaders, PartType};

use super::text::{file_name, header_text};
use super::{calendar, is_text, rfc2231, Attachment, Invitation, MAX_ATTACHMENTS, MAX_DEPTH};

/// The most MIME nodes (multiparts included) visited in one message.
const MAX_VISITS: usize = 4 * MAX_ATTACHMENTS;

/// A part that is not a multipart: a body, a file, an image or a nested message.
pub(super) struct Leaf<'a, 'x> {
    pub path: String,
    /// A text or HTML body of the message (not listed as an attachment).
    pub body: bool,
    part: &'a MessagePart<'x>,
    /// The message the part's offsets point into.
    raw: &'a [u8],
}

/// The bodies of a message, in order, as text.
#[derive(Default)]
pub(super) struct Bodies<'a> {
    pub text: Vec<Cow<'a, str>>,
    pub html: Vec<Cow<'a, str>>,
}

impl Bodies<'_> {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.html.is_empty()
    }
}

/// The bodies mail-parser picked.
pub(super) fn bodies<'a>(msg: &'a mail_parser::Message<'_>, raw: &[u8]) -> Bodies<'a> {
    let pick = |ids: &[u32], html: bool| -> Vec<Cow<'a, str>> {
        ids.iter()
            .filter_map(|&id| msg.parts.get(id as usize))
            .filter(|p| matches!((&p.body, html), (PartType::Text(_), false) | (PartType::Html(_), true)))
            .filter_map(|p| body_text(p, raw))
            .collect()
    };
    Bodies {
        text: pick(&msg.text_body, false),
        html: pick(&msg.html_body, true),
    }
}

/// The text of a body part, repaired where mail-parser had to guess: a body in an unknown or
/// missing charset that is not UTF-8 is read as Windows-1252 (what legacy French mail is), and
/// a body whose base64 is broken is decoded leniently.
fn body_text<'a>(part: &'a MessagePart<'_>, raw: &[u8]) -> Option<Cow<'a, str>> {
    let text = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t,
        _ => return None,
    };
    let declared_base64 = part
        .content_transfer_encoding()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
    if part.is_encoding_problem && declared_base64 {
        let bytes = lenient_base64(raw_body(part, raw)?);
        return Some(Cow::Owned(charset_text(part, &bytes)));
    }
    if !text.contains('\u{fffd}') {
        return Some(Cow::Borrowed(text.as_ref()));
    }
    let bytes = transfer_decoded(part, raw);
    Some(bytes.map_or(Cow::Borrowed(text.as_ref()), |b| Cow::Owned(charset_text(part, &b))))
}

/// Bytes as text in the part's charset; when that is unknown (or UTF-8 but the bytes are not,
/// without a single valid multibyte sequence), as Windows-1252.
fn charset_text(part: &MessagePart<'_>, bytes: &[u8]) -> String {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("us-ascii")
        .trim();
    let utf8ish = ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|c| charset.eq_ignore_ascii_case(c));
    if let Some(decode) = charset_decoder(charset.as_bytes()).filter(|_| !utf8ish) {
        return decode(bytes);
    }
    let has_multibyte = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    match charset_decoder(b"windows-1252") {
        Some(decode) if std::str::from_utf8(bytes).is_err() && !has_multibyte => decode(bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Base64 with anything outside the alphabet skipped.
fn lenient_base64(bytes: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    match clean.len() % 4 {
        1 => {
            clean.pop();
        }
        2 => clean.extend_from_slice(b"=="),
        3 => clean.push(b'='),
        _ => {}
    }
    base64_decode(&clean).unwrap_or_default()
}

fn raw_body<'r>(part: &MessagePart<'_>, raw: &'r [u8]) -> Option<&'r [u8]> {
    raw.get(part.offset_body as usize..part.offset_end as usize)
}

/// The part's body from the raw message with its transfer encoding undone.
fn transfer_decoded(part: &MessagePart<'_>, raw: &[u8]) -> Option<Vec<u8>> {
    let body = raw_body(part, raw)?;
    let mut stream = MessageStream::new(body);
    let (end, bytes) = match part.encoding {
        Encoding::None => return Some(body.to_vec()),
        Encoding::Base64 => stream.decode_base64_mime(b""),
        Encoding::QuotedPrintable => stream.decode_quoted_printable_mime(b""),
    };
    (end != usize::MAX).then(|| bytes.into_owned())
}

/// The leaves of the message in document order, numbered as IMAP numbers body parts: a
/// single-part message is `1`; the children of a multipart at `p` are `p.1`, `p.2`… Nested
/// messages are leaves (their bytes are a message to read in turn). Bounded in depth and count.
pub(super) fn leaves<'a, 'x>(msg: &'a mail_parser::Message<'x>, raw: &'a [u8]) -> Vec<Leaf<'a, 'x>> {
    let bodies: HashSet<u32> = msg.text_body.iter().chain(&msg.html_body).copied().collect();
    let mut out = Vec::new();
    let Some(root) = msg.parts.first() else {
        return out;
    };
    let PartType::Multipart(children) = &root.body else {
        out.push(Leaf {
            path: "1".into(),
            body: bodies.contains(&0) && is_text(&root.body),
            part: root,
            raw,
        });
        return out;
    };
    let mut stack: Vec<(u32, String, usize)> = numbered(0, children, "", 1);
    let mut visits = 0;
    while let Some((id, path, depth)) = stack.pop() {
        visits += 1;
        if visits > MAX_VISITS || out.len() >= MAX_ATTACHMENTS {
            break;
        }
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Multipart(children) if depth < MAX_DEPTH => {
                stack.extend(numbered(id, children, &path, depth + 1))
            }
            PartType::Multipart(_) => {}
            body => out.push(Leaf {
                body: bodies.contains(&id) && is_text(body),
                path,
                part,
                raw,
            }),
        }
    }
    out
}

/// The children of part `parent` with their paths, reversed so that popping gives document
/// order. Only ids after the parent's: mail-parser numbers parts in document order, and this
/// keeps any malformed structure from looping.
fn numbered(parent: u32, children: &[u32], prefix: &str, depth: usize) -> Vec<(u32, String, usize)> {
    let mut out: Vec<_> = children
        .iter()
        .filter(|&&c| c > parent)
        .take(MAX_ATTACHMENTS)
        .enumerate()
        .map(|(i, &c)| {
            let n = i + 1;
            (
                c,
                if prefix.is_empty() {
                    n.to_string()
                } else {
                    format!("{prefix}.{n}")
                },
                depth,
            )
        })
        .collect();
    out.reverse();
    out
}

impl<'a> Leaf<'a, '_> {
    pub fn attachment(&self) -> Attachment {
        let size = match &self.part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.len(),
            _ => self.decoded().len(),
        };
        self.describe(size)
    }

    pub fn attachment_with(&self, bytes: &[u8]) -> Attachment {
        self.describe(bytes.len())
    }

    fn describe(&self, size: usize) -> Attachment {
        let part = self.part;
        Attachment {
            part: self.path.clone(),
            name: self.name(),
            mime: self.mime(),
            size: size as u64,
            content_id: part
                .content_id()
                .and_then(|id| header_text(id.trim().trim_start_matches('<').trim_end_matches('>'))),
            inline: matches!(part.body, PartType::InlineBinary(_))
                || part.content_disposition().is_some_and(|d| d.is_inline()),
        }
    }

    fn name(&self) -> Option<String> {
        let part = self.part;
        let name = match part.attachment_name() {
            Some(n) if n.contains('\u{fffd}') => self.continued_name().unwrap_or_else(|| n.to_owned()),
            Some(n) => n.to_owned(),
            None => match &part.body {
                PartType::Message(m) => format!("{}.eml", m.subject().unwrap_or("message")),
                _ => return None,
            },
        };
        file_name(&name)
    }

    /// The file name read again from the raw headers when it uses RFC 2231 continuations.
    fn continued_name(&self) -> Option<String> {
        let raw_value = |name: HeaderName<'_>| {
            let h = self.part.headers.iter().find(|h| h.name == name)?;
            let bytes = self.raw.get(h.offset_start as usize..h.offset_end as usize)?;
            Some(String::from_utf8_lossy(bytes).into_owned())
        };
        let disposition = raw_value(HeaderName::ContentDisposition);
        let content_type = raw_value(HeaderName::ContentType);
        disposition
            .and_then(|v| rfc2231::parameter(&v, "filename"))
            .or_else(|| content_type.and_then(|v| rfc2231::parameter(&v, "name")))
            .filter(|n| !n.contains('\u{fffd}'))
    }

    /// `type/subtype` in lower case; what RFC 2045 implies when it is missing or garbled.
    fn mime(&self) -> String {
        let part = self.part;
        let declared = part.content_type().map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        });
        let valid = |m: &String| {
            let mut halves = m.split('/');
            let token = |t: Option<&str>| {
                t.is_some_and(|t| {
                    !t.is_empty()
                        && t.len() <= 127
                        && t.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
                })
            };
            token(halves.next()) && token(halves.next()) && halves.next().is_none()
        };
        match declared.filter(valid) {
            Some(m) => m.to_ascii_lowercase(),
            None => match part.body {
                PartType::Message(_) => "message/rfc822".into(),
                PartType::Text(_) => "text/plain".into(),
                PartType::Html(_) => "text/html".into(),
                _ => "application/octet-stream".into(),
            },
        }
    }

    /// The part's bytes with the transfer encoding undone; text keeps its original charset.
    pub fn decoded(&self) -> Vec<u8> {
        let part = self.part;
        match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => {
                transfer_decoded(self.part, self.raw).unwrap_or_else(|| t.as_bytes().to_vec())
            }
            PartType::Message(m) if part.encoding != Encoding::None => m.raw_message().to_vec(),
            PartType::Message(m) => raw_body(self.part, self.raw)
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| m.raw_message().to_vec()),
            PartType::Multipart(_) => Vec::new(),
        }
    }

    /// Whether this part can stand in for the body of a message that has none: text that is
    /// neither named, nor marked as an attachment, nor a calendar.
    pub fn could_be_body(&self) -> bool {
        let part = self.part;
        let mime = self.mime();
        let textual = match part.body {
            PartType::Text(_) | PartType::Html(_) => true,
            // A multipart whose boundary is missing arrives as bytes.
            PartType::Binary(_) | PartType::InlineBinary(_) => {
                mime.starts_with("text/") || mime.starts_with("multipart/")
            }
            _ => false,
        };
        textual
            && part.attachment_name().is_none()
            && !part.content_disposition().is_some_and(|d| d.is_attachment())
            && mime != "text/calendar"
    }

    /// This part as the message's body.
    pub fn as_body(&self) -> Bodies<'a> {
        let text = match &self.part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => Some(Cow::Owned(charset_text(self.part, b))),
            _ => body_text(self.part, self.raw),
        };
        let text = text.into_iter().collect();
        match self.part.body {
            PartType::Html(_) => Bodies {
                html: text,
                ..Bodies::default()
            },
            _ => Bodies {
                text,
                ..Bodies::default()
            },
        }
    }

    /// An iMIP invitation, if this part is a calendar.
    pub fn invitation(&self) -> Option<Invitation> {
        let part = self.part;
        let mime = self.mime();
        let named_ics = self.name().is_some_and(|n| n.to_ascii_lowercase().ends_with(".ics"));
        if !(mime == "text/calendar" || mime == "application/ics" || named_ics) {
            return None;
        }
        let text = match &part.body {
            PartType::Text(t) | PartType::Html(t) => t.clone(),
            PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b),
            _ => return None,
        };
        let method = part.content_type().and_then(|ct| ct.attribute("method"));
        calendar::invitation(&text, method, &self.path)
    }
}
