//! Building a message to send, with lettre's builder: plain text, or HTML with its plain-text
//! alternative (and the images it shows, as multipart/related); attachments with their MIME type and RFC 2231 names; a Message-ID of ours; the
//! Date; French text encoded as RFC 2047 in headers and UTF-8 in bodies; Sender for a message
//! sent on behalf of a service mailbox. Pure: no I/O.
//!
//! [`reply`] and [`forward`] make the draft of an answer to a cached message: recipients,
//! a single `Re: `/`TR: ` prefix, threading headers, the original quoted (text, and its
//! sanitised HTML when it has one), and for a forward the original's files.
//!
//! [`build_draft`] makes a draft to keep in the Drafts folder (its own Message-ID kept across
//! versions, recipients optional, Bcc kept in the header) and [`reopen`] reads one back.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::envelope::Address;
use crate::error::{Error, Result};
use crate::message::{self, Headers, RemoteContent};
use crate::thread::normalize_subject;

/// A file joined to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    pub name: String,
    /// `None`: guessed from the name's extension.
    pub mime: Option<String>,
    pub bytes: Vec<u8>,
}

/// An image the HTML body shows through a `cid:` URL, sent next to it (multipart/related).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// Without angle brackets.
    pub content_id: String,
    pub file: AttachmentFile,
}

/// What the user wrote, ready to be built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub from: Option<Address>,
    /// The agent, when `from` is a service mailbox sending on its behalf.
    pub sender: Option<Address>,
    pub reply_to: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<AttachmentFile>,
    /// Images the HTML shows (`cid:` URLs); plain attachments when there is no HTML.
    pub inline: Vec<InlineImage>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// An iMIP calendar (RFC 6047): sent as the text's alternative, `text/calendar` with its
    /// METHOD. Not with HTML.
    pub calendar: Option<CalendarPart>,
}

/// The iCalendar object of an iMIP message (RFC 6047 §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarPart {
    /// `REQUEST`, `REPLY` or `CANCEL`: the object's own METHOD, repeated in the Content-Type.
    pub method: String,
    pub ics: String,
}

/// A message ready for submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// Without angle brackets.
    pub message_id: String,
    /// MAIL FROM: the `Sender` when there is one, else `From`.
    pub envelope_from: String,
    /// RCPT TO: To, Cc and Bcc (Bcc appears in no header).
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
}

/// Build `draft` as of `date`, to send: it needs a sender and at least one recipient; Bcc is
/// left out of the header.
pub fn build(draft: &Draft, date: SystemTime) -> Result<Built> {
    let from = sender(draft)?;
    let message_id = new_message_id(&from.email, date);
    assemble(draft, date, &message_id, Purpose::Send)
}

/// Build `draft` as of `date` to keep it (a draft in the Drafts folder): with the Message-ID
/// given (a draft keeps its own across versions, without angle brackets), without needing a
/// recipient, and with its Bcc in the header so that it comes back when the draft is opened.
/// Never for submission: [`build`] makes the message that leaves.
pub fn build_draft(draft: &Draft, date: SystemTime, message_id: &str) -> Result<Built> {
    let id = message_id.trim().trim_start_matches('<').trim_end_matches('>');
    if !valid_id(id) {
        return Err(Error::BadInput(format!("{message_id:?} is not a usable Message-ID")));
    }
    assemble(draft, date, id, Purpose::Keep)
}

/// A new Message-ID (without angle brackets) on the domain of `from`: what a new draft is
/// known by.
pub fn new_draft_id(from: &str, date: SystemTime) -> String {
    new_message_id(from, date)
}

/// What a message is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Submission: recipients required, Bcc only in the envelope.
    Send,
    /// Storage as a draft: recipients optional, Bcc kept in the header.
    Keep,
}

fn sender(draft: &Draft) -> Result<&Address> {
    draft
        .from
        .as_ref()
        .ok_or_else(|| Error::BadInput("a message needs a sender (From)".into()))
}

fn assemble(draft: &Draft, date: SystemTime, message_id: &str, purpose: Purpose) -> Result<Built> {
    let from = sender(draft)?;
    let recipients: Vec<String> = draft
        .to
        .iter()
        .chain(&draft.cc)
        .chain(&draft.bcc)
        .map(|a| a.email.clone())
        .collect();
    if recipients.is_empty() && purpose == Purpose::Send {
        return Err(Error::BadInput("a message needs at least one recipient".into()));
    }
    let mut builder = lettre::Message::builder()
        .from(mailbox(from)?)
        .subject(draft.subject.clone())
        .date(date)
        .message_id(Some(format!("<{message_id}>")))
        .user_agent("Calame".into());
    if purpose == Purpose::Keep {
        // The envelope of a kept draft is never used, but lettre wants one with a recipient.
        let own = mailbox(from)?.email;
        let envelope = lettre::address::Envelope::new(Some(own.clone()), vec![own])
            .map_err(|e| Error::BadInput(format!("cannot build the draft: {e}")))?;
        builder = builder.keep_bcc().envelope(envelope);
    }
    if let Some(sender) = &draft.sender {
        builder = builder.sender(mailbox(sender)?);
    }
    if let Some(reply_to) = &draft.reply_to {
        builder = builder.reply_to(mailbox(reply_to)?);
    }
    for a in &draft.to {
        builder = builder.to(mailbox(a)?);
    }
    for a in &draft.cc {
        builder = builder.cc(mailbox(a)?);
    }
    for a in &draft.bcc {
        builder = builder.bcc(mailbox(a)?);
    }
    if let Some(id) = &draft.in_reply_to {
        builder = builder.in_reply_to(bracketed(id));
    }
    if !draft.references.is_empty() {
        let list: Vec<String> = draft.references.iter().map(|r| bracketed(r)).collect();
        builder = builder.references(list.join(" "));
    }
    let message = match content(draft)? {
        Content::Single(part) => builder.singlepart(part),
        Content::Multi(parts) => builder.multipart(parts),
    }
    .map_err(|e| Error::BadInput(format!("cannot build the message: {e}")))?;
    let envelope_from = draft.sender.as_ref().unwrap_or(from).email.clone();
    Ok(Built {
        message_id: message_id.to_owned(),
        envelope_from,
        recipients,
        raw: message.formatted(),
    })
}

/// A message body: one part, or several.
enum Content {
    Single(SinglePart),
    Multi(MultiPart),
}

/// The body of `draft`: its text, or its text and HTML as alternatives (the HTML with its
/// inline images when it has some), then its attachments, all in a multipart/mixed.
/// Without a text of its own, an HTML draft's plain-text alternative is made from its HTML.
fn content(draft: &Draft) -> Result<Content> {
    let plain = match &draft.html {
        Some(html) if draft.text.trim().is_empty() => mail_parser::decoders::html::html_to_text(html),
        _ => draft.text.clone(),
    };
    let text = || SinglePart::plain(plain.clone());
    let body = match (&draft.html, &draft.calendar) {
        (_, Some(calendar)) => Content::Multi(
            MultiPart::alternative()
                .singlepart(text())
                .singlepart(calendar_part(calendar)?),
        ),
        (None, None) => Content::Single(text()),
        (Some(html), None) if draft.inline.is_empty() => {
            Content::Multi(MultiPart::alternative_plain_html(plain.clone(), html.clone()))
        }
        (Some(html), None) => {
            let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
            for image in &draft.inline {
                let file = &image.file;
                let part = Attachment::new_inline_with_name(image.content_id.clone(), file.name.clone());
                related = related.singlepart(part.body(file_body(file), content_type(file)?));
            }
            Content::Multi(MultiPart::alternative().singlepart(text()).multipart(related))
        }
    };
    // Without HTML to show them in, inline images are files like the others.
    let loose = if draft.html.is_none() {
        draft.inline.as_slice()
    } else {
        &[]
    };
    let mut files = draft.attachments.iter().chain(loose.iter().map(|i| &i.file)).peekable();
    if files.peek().is_none() {
        return Ok(body);
    }
    let mut mixed = match body {
        Content::Single(part) => MultiPart::mixed().singlepart(part),
        Content::Multi(parts) => MultiPart::mixed().multipart(parts),
    };
    for file in files {
        mixed = mixed.singlepart(Attachment::new(file.name.clone()).body(file_body(file), content_type(file)?));
    }
    Ok(Content::Multi(mixed))
}

/// `text/calendar; method=…; charset=utf-8`, its lines kept CRLF.
fn calendar_part(calendar: &CalendarPart) -> Result<SinglePart> {
    let method = calendar.method.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "REQUEST" | "REPLY" | "CANCEL") {
        return Err(Error::BadInput(format!("{method:?} is not an iMIP method")));
    }
    let mime = format!("text/calendar; method={method}; charset=utf-8");
    let content_type = ContentType::parse(&mime).map_err(|e| Error::BadInput(format!("content type {mime:?}: {e}")))?;
    Ok(SinglePart::builder()
        .header(content_type)
        .body(Body::new(calendar.ics.clone())))
}

/// The file's MIME type, as given or guessed from its name.
fn mime_of(file: &AttachmentFile) -> String {
    file.mime.clone().unwrap_or_else(|| guess_mime(&file.name).to_owned())
}

fn content_type(file: &AttachmentFile) -> Result<ContentType> {
    let mime = mime_of(file);
    ContentType::parse(&mime)
        .or_else(|_| ContentType::parse("application/octet-stream"))
        .map_err(|e| Error::BadInput(format!("content type {mime:?}: {e}")))
}

/// A file's bytes, base64-encoded; a joined message (`message/rfc822`) as it is (its line ends
/// made CRLF) when it is 7-bit, since RFC 2046 forbids encoding it.
fn file_body(file: &AttachmentFile) -> Body {
    let is_message = mime_of(file).trim().to_ascii_lowercase().starts_with("message/");
    is_message
        .then(|| String::from_utf8(file.bytes.clone()).ok())
        .flatten()
        .and_then(|text| Body::new_with_encoding(text, ContentTransferEncoding::SevenBit).ok())
        .unwrap_or_else(|| Body::new(file.bytes.clone()))
}

fn mailbox(a: &Address) -> Result<Mailbox> {
    let email = a
        .email
        .parse()
        .map_err(|_| Error::BadInput(format!("{:?} is not an address", a.email)))?;
    Ok(Mailbox::new(a.name.clone(), email))
}

fn bracketed(id: &str) -> String {
    format!("<{}>", id.trim().trim_start_matches('<').trim_end_matches('>'))
}

/// `<hash>@<the sender's domain>`: unique per message (time, process, counter, sender).
fn new_message_id(from: &str, date: SystemTime) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = date
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(nanos.to_be_bytes());
    hash.update(now.to_be_bytes());
    hash.update(std::process::id().to_be_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    hash.update(from.as_bytes());
    let hex: String = hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    let domain = from.rsplit_once('@').map_or("calame.invalid", |(_, d)| d);
    format!("{hex}@{domain}")
}

/// Common office files: extension and MIME type (the first extension of a type is its usual one).
const TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("txt", "text/plain; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("ics", "text/calendar; charset=utf-8"),
    ("eml", "message/rfc822"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("zip", "application/zip"),
];

/// The MIME type of common office files, by extension; `application/octet-stream` otherwise.
pub fn guess_mime(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or("application/octet-stream", |(_, mime)| mime)
}

/// The usual extension of a `type/subtype`, for a file that came without a name.
fn extension(mime: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(_, m)| m.split(';').next().is_some_and(|t| t.eq_ignore_ascii_case(mime)))
        .map(|(e, _)| *e)
}

/// Whom a reply goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// The author: Reply-To, else From (for a message of ours, its recipients).
    Reply,
    /// The author, and in Cc everyone else the original went to (To and Cc), but us.
    ReplyAll,
}

/// The most message ids a draft's References keeps: the thread's root and the latest ones.
const MAX_REFERENCES: usize = 21;
/// The longest message id (or `cid:`) carried over; longer ones are dropped.
const MAX_ID: usize = 250;
/// What heads the original in a forward.
const FORWARDED: &str = "-------- Message transféré --------";

/// The draft of a reply from `me` to `raw` (a cached message, RFC 5322 bytes): `text` then the
/// original quoted under a French attribution line, as text, and as HTML when the original has
/// an HTML body (its sanitised HTML, in a `<blockquote type="cite">`, with the images it shows).
/// Subject with a single `Re: `; In-Reply-To and References thread it under the original.
///
/// `me` is the identity answering; it and the account's other addresses (`my_addresses`) are
/// left out of a reply-all. Replying to a message of ours (in Sent) answers its recipients.
/// Broken input gives what could be made of it; empty input is refused.
pub fn reply(raw: &[u8], kind: ReplyKind, me: &Address, my_addresses: &[String], text: &str) -> Result<Draft> {
    let original = read_original(raw)?;
    let h = &original.headers;
    let (to, cc) = reply_recipients(h, kind, &Mine::new(me, my_addresses));
    let attribution = attribution(h);
    let quoted = quote(original.text.as_deref().unwrap_or_default());
    let html = original.html.as_deref().map(|html| {
        format!(
            "{}<div class=\"moz-cite-prefix\">{}</div>\n<blockquote type=\"cite\">{html}</blockquote>\n",
            lead_html(text),
            escape(&attribution)
        )
    });
    let (inline, _) = files(raw, original.html.as_deref(), false);
    Ok(Draft {
        from: Some(me.clone()),
        to,
        cc,
        subject: prefixed("Re: ", h.subject.as_deref()),
        text: format!("{}{attribution}\n{quoted}", lead(text)),
        html,
        inline,
        in_reply_to: h.message_id.clone().filter(|id| valid_id(id)),
        references: references(h),
        ..Draft::default()
    })
}

/// The draft of a forward of `raw` (a cached message) from `me` to `to`: `text`, then the
/// original under a `Message transféré` block (Sujet, Date, De, Pour, Cc), as text, and as
/// HTML (sanitised) when it has some; with the original's files, byte for byte, and the images
/// its HTML shows. Subject with a single `TR: `; References (not In-Reply-To) tie it to the
/// original's thread. Empty input is refused.
pub fn forward(raw: &[u8], me: &Address, to: Vec<Address>, text: &str) -> Result<Draft> {
    let original = read_original(raw)?;
    let h = &original.headers;
    let fields: Vec<(&str, String)> = [
        ("Sujet", h.subject.clone().unwrap_or_default()),
        ("Date", h.date.as_deref().and_then(french_date).unwrap_or_default()),
        ("De", display_list(&h.from)),
        ("Pour", display_list(&h.to)),
        ("Cc", display_list(&h.cc)),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let mut body = lead(text);
    body.push_str(FORWARDED);
    body.push('\n');
    for (name, value) in &fields {
        body.push_str(&format!("{name} : {value}\n"));
    }
    body.push('\n');
    if let Some(original_text) = original.text.as_deref().filter(|t| !t.is_empty()) {
        body.push_str(original_text);
        body.push('\n');
    }
    let html = original.html.as_deref().map(|html| {
        let fields: String = fields
            .iter()
            .map(|(name, value)| format!("<b>{name} :</b> {}<br>\n", escape(value)))
            .collect();
        format!(
            "{}<div class=\"moz-forward-container\">{FORWARDED}<br>\n{fields}<br>\n{html}\n</div>\n",
            lead_html(text)
        )
    });
    let (inline, attachments) = files(raw, original.html.as_deref(), true);
    Ok(Draft {
        from: Some(me.clone()),
        to,
        subject: prefixed("TR: ", h.subject.as_deref()),
        text: body,
        html,
        attachments,
        inline,
        references: references(h),
        ..Draft::default()
    })
}

/// A kept draft read back (the bytes [`build_draft`] made, or a draft another client saved):
/// what the user wrote, to go on writing it. Line ends are `\n`; the HTML is sanitised, its
/// remote content kept (the user's own); the files the HTML shows come back as inline images,
/// the others as attachments, byte for byte. Sender and Reply-To are as the message has them.
pub fn reopen(raw: &[u8]) -> Draft {
    let read = message::read(raw, RemoteContent::Allow);
    let parsed = mail_parser::MessageParser::default().parse(raw);
    let bcc = parsed
        .as_ref()
        .map(|p| crate::envelope::addresses(p.bcc()))
        .unwrap_or_default();
    let unix = |text: String| text.replace("\r\n", "\n");
    // The text as written, blank lines and spaces at its end included (what `read` trims).
    let mut text = parsed
        .as_ref()
        .and_then(|p| p.body_text(0))
        .map(|t| unix(t.into_owned()))
        .or_else(|| read.text.clone())
        .unwrap_or_default();
    if parsed.as_ref().is_some_and(ends_with_our_line_break) {
        text.pop();
    }
    let (inline, attachments) = files(raw, read.html.as_deref(), true);
    let h = read.headers;
    Draft {
        from: h.from.into_iter().next(),
        sender: h.sender,
        reply_to: h.reply_to.into_iter().next(),
        to: h.to,
        cc: h.cc,
        bcc,
        subject: h.subject.unwrap_or_default(),
        text,
        html: read.html.map(unix),
        attachments,
        inline,
        in_reply_to: h.in_reply_to.into_iter().next(),
        references: h.references,
        calendar: None,
    }
}

/// Whether a message we built is one text part whose body lettre ended with a line break of
/// its own (outside a base64 body), which is not the user's.
fn ends_with_our_line_break(parsed: &mail_parser::Message<'_>) -> bool {
    use mail_parser::MimeHeaders;
    let ours = parsed
        .header_raw("User-Agent")
        .is_some_and(|agent| agent.trim() == "Calame");
    let Some(root) = parsed.parts.first() else {
        return false;
    };
    let single_text = matches!(root.body, mail_parser::PartType::Text(_));
    let base64 = root
        .content_transfer_encoding()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    ours && single_text && !base64 && parsed.body_text(0).is_some_and(|t| t.ends_with('\n'))
}

fn read_original(raw: &[u8]) -> Result<message::Message> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::BadInput("the original message is empty".into()));
    }
    Ok(message::read(raw, RemoteContent::Block))
}

/// The addresses of the account, compared without regard to case.
struct Mine(HashSet<String>);

impl Mine {
    fn new(me: &Address, others: &[String]) -> Mine {
        Mine(
            std::iter::once(&me.email)
                .chain(others)
                .map(|e| address_key(e))
                .collect(),
        )
    }

    fn contains(&self, a: &Address) -> bool {
        self.0.contains(&address_key(&a.email))
    }
}

fn address_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// To and Cc of a reply; each address once, only addresses a message can go to.
fn reply_recipients(h: &Headers, kind: ReplyKind, mine: &Mine) -> (Vec<Address>, Vec<Address>) {
    let from_me = h.from.iter().any(|a| mine.contains(a));
    let authors: Vec<&Address> = if from_me {
        let others: Vec<&Address> = h.to.iter().filter(|a| !mine.contains(a)).collect();
        // A note to self answers itself.
        if others.is_empty() {
            h.to.iter().collect()
        } else {
            others
        }
    } else if !h.reply_to.is_empty() {
        h.reply_to.iter().collect()
    } else if !h.from.is_empty() {
        h.from.iter().collect()
    } else {
        h.sender.iter().collect()
    };
    let mut seen = HashSet::new();
    let to = unique(authors, &mut seen);
    let cc = match kind {
        ReplyKind::Reply => Vec::new(),
        ReplyKind::ReplyAll => unique(h.to.iter().chain(&h.cc).filter(|a| !mine.contains(a)), &mut seen),
    };
    (to, cc)
}

/// The addresses not `seen` yet (which they then are), in order, without those that are not
/// addresses (a group's name, garbage).
fn unique<'a>(addresses: impl IntoIterator<Item = &'a Address>, seen: &mut HashSet<String>) -> Vec<Address> {
    addresses
        .into_iter()
        .filter(|a| a.email.trim().parse::<lettre::Address>().is_ok())
        .filter(|a| seen.insert(address_key(&a.email)))
        .map(|a| Address {
            name: a.name.clone(),
            email: a.email.trim().to_owned(),
        })
        .collect()
}

/// `prefix` and the subject without its reply and forward prefixes (`RE : TR: x` → `Re: x`).
fn prefixed(prefix: &str, subject: Option<&str>) -> String {
    let subject = normalize_subject(subject.unwrap_or_default());
    if subject.is_empty() {
        prefix.trim_end().to_owned()
    } else {
        format!("{prefix}{subject}")
    }
}

/// The original's References (else its single In-Reply-To), then its Message-ID: each once,
/// the root and the latest ones when there are too many.
fn references(h: &Headers) -> Vec<String> {
    let parents: &[String] = match (h.references.as_slice(), h.in_reply_to.as_slice()) {
        ([], [parent]) => std::slice::from_ref(parent),
        (references, _) => references,
    };
    let own = h.message_id.as_deref().filter(|id| valid_id(id));
    let mut seen: HashSet<&str> = own.into_iter().collect();
    let mut ids: Vec<String> = parents
        .iter()
        .map(String::as_str)
        .filter(|id| valid_id(id) && seen.insert(id))
        .chain(own)
        .map(str::to_owned)
        .collect();
    if ids.len() > MAX_REFERENCES {
        let latest = ids.split_off(ids.len() - (MAX_REFERENCES - 1));
        ids.truncate(1);
        ids.extend(latest);
    }
    ids
}

/// A message or content id we can write back in a header: visible ASCII, no angle brackets.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// `Le 15/03/2027 à 09:00, Alice Martin <alice@example.test> a écrit :`, the time as the
/// sender's clock showed it.
fn attribution(h: &Headers) -> String {
    let mut author = display_list(&h.from);
    if author.is_empty() {
        author = h.sender.as_ref().map(display).unwrap_or_default();
    }
    if author.is_empty() {
        author = "(expéditeur inconnu)".into();
    }
    match h.date.as_deref().and_then(french_date) {
        Some(date) => format!("Le {date}, {author} a écrit :"),
        None => format!("{author} a écrit :"),
    }
}

/// `15/03/2027 à 09:00` from an RFC 3339 date, in its own offset.
fn french_date(rfc3339: &str) -> Option<String> {
    let date = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(date.format("%d/%m/%Y à %H:%M").to_string())
}

/// `Name <address>`, or the address alone.
fn display(a: &Address) -> String {
    match a.name.as_deref().filter(|n| *n != a.email) {
        Some(name) if !a.email.is_empty() => format!("{name} <{}>", a.email),
        Some(name) => name.to_owned(),
        None => a.email.clone(),
    }
}

fn display_list(addresses: &[Address]) -> String {
    addresses.iter().map(display).collect::<Vec<_>>().join(", ")
}

/// Every line of `text` quoted the way Thunderbird does: `> ` in front, already quoted lines
/// included (`> > `), empty lines as `>`.
fn quote(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">\n".to_owned()
            } else {
                format!("> {line}\n")
            }
        })
        .collect()
}

/// What the user wrote, followed by a blank line; nothing when they wrote nothing.
fn lead(text: &str) -> String {
    let text = text.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("{text}\n\n")
    }
}

/// What the user wrote, as HTML.
fn lead_html(text: &str) -> String {
    let text = text.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<String> = text.lines().map(escape).collect();
    format!("<div>{}</div>\n<br>\n", lines.join("<br>\n"))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The original's files for a draft whose HTML quotes `html`: the images that HTML shows
/// (`cid:`), and when `all`, every other file too, as attachments.
pub(crate) fn files(raw: &[u8], html: Option<&str>, all: bool) -> (Vec<InlineImage>, Vec<AttachmentFile>) {
    let shown = html.map(content_ids).unwrap_or_default();
    let is_shown = |a: &message::Attachment| a.content_id.as_ref().is_some_and(|id| shown.contains(id));
    let (mut inline, mut attachments) = (Vec::new(), Vec::new());
    if shown.is_empty() && !all {
        return (inline, attachments);
    }
    let mut placed = HashSet::new();
    for (n, (a, bytes)) in message::attachments(raw, |a| all || is_shown(a))
        .into_iter()
        .enumerate()
    {
        let file = attachment_file(&a, bytes, n + 1);
        match a.content_id {
            Some(id) if shown.contains(&id) && valid_id(&id) && placed.insert(id.clone()) => {
                inline.push(InlineImage { content_id: id, file })
            }
            _ if all => attachments.push(file),
            _ => {}
        }
    }
    (inline, attachments)
}

/// The content ids `cid:` URLs of sanitised HTML refer to, decoded (RFC 2392).
fn content_ids(html: &str) -> HashSet<String> {
    let lower = html.to_ascii_lowercase();
    lower
        .match_indices("cid:")
        .filter_map(|(at, scheme)| {
            let rest = html.get(at + scheme.len()..)?;
            let end = rest
                .find(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '<' | '>') || c.is_whitespace())
                .unwrap_or(rest.len());
            let url = rest.get(..end)?.replace("&amp;", "&");
            Some(percent_decoded(&url)).filter(|id| !id.is_empty())
        })
        .collect()
}

fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file of the original as a draft carries it: its name (one made up when it had none), its
/// type, its decoded bytes.
fn attachment_file(a: &message::Attachment, bytes: Vec<u8>, n: usize) -> AttachmentFile {
    let name = a.name.clone().unwrap_or_else(|| match extension(&a.mime) {
        Some(ext) => format!("piece-jointe-{n}.{ext}"),
        None => format!("piece-jointe-{n}"),
    });
    // The listing does not carry a text's charset: say UTF-8 when it is.
    let mime = if a.mime.starts_with("text/") && std::str::from_utf8(&bytes).is_ok() {
        format!("{}; charset=utf-8", a.mime)
    } else {
        a.mime.clone()
    };
    AttachmentFile {
        name,
        mime: Some(mime),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn addr(name: &str, email: &str) -> Address {
        Address {
            name: Some(name.into()),
            email: email.into(),
        }
    }

    fn draft() -> Draft {
        Draft {
            from: Some(addr("Hélène Lefèvre", "alice@example.test")),
            to: vec![addr("Service Urbanisme", "bob@example.test")],
            bcc: vec![addr("Archives", "archives@example.test")],
            subject: "Réunion du conseil : ordre du jour, été 2027".into(),
            text: "Bonjour,\nvoici l'ordre du jour de la réunion.\nÀ bientôt\n".into(),
            ..Default::default()
        }
    }

    fn date() -> SystemTime {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_805_000_000)
    }

    #[test]
    fn an_imip_calendar_is_the_texts_alternative_with_its_method() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n\
                   UID:u-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270315T080000Z\r\nSUMMARY:Réunion\r\n\
                   ORGANIZER:mailto:alice@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let d = Draft {
            calendar: Some(CalendarPart {
                method: "reply".into(),
                ics: ics.into(),
            }),
            ..draft()
        };
        let built = build(&d, date()).unwrap();
        let raw = String::from_utf8_lossy(&built.raw).into_owned();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/calendar; method=REPLY; charset=utf-8"), "{raw}");
        let read = message::read(&built.raw, RemoteContent::Block);
        let invitation = read.invitation.unwrap();
        assert_eq!(
            (invitation.method.as_str(), invitation.summary.as_deref()),
            ("REPLY", Some("Réunion"))
        );
        assert_eq!(read.text.as_deref().map(str::trim), Some(d.text.trim()));
        let bad = Draft {
            calendar: Some(CalendarPart {
                method: "PUBLISH".into(),
                ics: ics.into(),
            }),
            ..draft()
        };
        assert!(build(&bad, date()).is_err());
    }

    #[test]
    fn drafts_keep_their_id_and_bcc_need_no_recipient_and_reopen_as_written() {
        let pdf = b"%PDF-1.4 ordre\x00\xff".to_vec();
        let logo = vec![0x89, b'P', b'N', b'G', 0, 255];
        let kept = Draft {
            cc: vec![addr("Élus", "elus@example.test")],
            reply_to: Some(addr("Accueil", "accueil@example.test")),
            html: Some("<p>Bonjour <b>à tous</b></p><img src=\"cid:logo@mairie.test\">".into()),
            attachments: vec![AttachmentFile {
                name: "ordre du jour n°3.pdf".into(),
                mime: None,
                bytes: pdf.clone(),
            }],
            inline: vec![InlineImage {
                content_id: "logo@mairie.test".into(),
                file: AttachmentFile {
                    name: "logo.png".into(),
                    mime: None,
                    bytes: logo.clone(),
                },
            }],
            in_reply_to: Some("parent@example.test".into()),
            references: vec!["root@example.test".into(), "parent@example.test".into()],
            ..draft()
        };
        let built = build_draft(&kept, date(), "<brouillon-1@example.test>").unwrap();
        assert_eq!(built.message_id, "brouillon-1@example.test");
        let msg = MessageParser::default().parse(&built.raw).unwrap();
        assert_eq!(msg.message_id(), Some("brouillon-1@example.test"));
        assert_eq!(
            msg.bcc().and_then(|b| b.first()).and_then(|a| a.address()),
            Some("archives@example.test")
        );

        let back = reopen(&built.raw);
        let html = back.html.clone().unwrap();
        assert!(
            html.contains("<b>à tous</b>") && html.contains("cid:logo@mairie.test"),
            "{html}"
        );
        assert_eq!(
            back,
            Draft {
                html: Some(html),
                attachments: vec![AttachmentFile {
                    mime: Some("application/pdf".into()),
                    ..kept.attachments[0].clone()
                }],
                inline: vec![InlineImage {
                    content_id: "logo@mairie.test".into(),
                    file: AttachmentFile {
                        name: "logo.png".into(),
                        mime: Some("image/png".into()),
                        bytes: logo,
                    },
                }],
                ..kept.clone()
            }
        );
        // Built again from what came back: the same draft.
        let again = build_draft(&back, date(), &built.message_id).unwrap();
        assert_eq!(reopen(&again.raw), back);

        // Nobody to send to yet: kept, never sent.
        let bare = Draft {
            to: vec![],
            bcc: vec![],
            ..draft()
        };
        assert_eq!(
            build(&bare, date()).unwrap_err().kind(),
            crate::error::ErrorKind::BadInput
        );
        let back = reopen(&build_draft(&bare, date(), "b@example.test").unwrap().raw);
        assert_eq!(back, bare);
        // Whatever the transfer encoding (7-bit, quoted-printable, base64), the text as written.
        for text in ["", "x", "a\n\n\tb  \n\n", "Ελληνικά κείμενα και Кириллица\n", "é\n"] {
            let draft = Draft {
                text: text.into(),
                ..bare.clone()
            };
            let raw = build_draft(&draft, date(), "b@example.test").unwrap().raw;
            assert_eq!(reopen(&raw).text, text, "{}", String::from_utf8_lossy(&raw));
        }
        for bad in ["", "a b@x", "<>", "a\r\nBcc: x@y"] {
            let err = build_draft(&bare, date(), bad).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::BadInput, "{bad:?}");
        }
        assert_ne!(new_draft_id("a@x.test", date()), new_draft_id("a@x.test", date()));
        assert!(new_draft_id("a@x.test", date()).ends_with("@x.test"));
    }

    #[test]
    fn french_text_round_trips_and_bcc_stays_out_of_headers() {
        let built = build(&draft(), date()).unwrap();
        let head_end = built.raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        assert!(built.raw[..head_end].is_ascii(), "headers are 7-bit (RFC 2047)");
        let msg = MessageParser::default().parse(&built.raw).unwrap();
        assert_eq!(msg.subject(), Some("Réunion du conseil : ordre du jour, été 2027"));
        assert_eq!(msg.from().unwrap().first().unwrap().name(), Some("Hélène Lefèvre"));
        assert!(msg.body_text(0).unwrap().contains("À bientôt"));
        assert!(msg.bcc().is_none(), "no Bcc header");
        assert!(msg.header("Sender").is_none());
        assert_eq!(
            built.recipients,
            vec!["bob@example.test".to_owned(), "archives@example.test".to_owned()]
        );
        assert_eq!(built.envelope_from, "alice@example.test");
        assert_eq!(msg.message_id(), Some(built.message_id.as_str()));
        assert!(built.message_id.ends_with("@example.test"));
        assert_ne!(build(&draft(), date()).unwrap().message_id, built.message_id, "unique");
    }

    #[test]
    fn on_behalf_has_a_sender_and_replies_keep_threading() {
        let d = Draft {
            from: Some(addr("Accueil de la mairie", "accueil@example.test")),
            sender: Some(addr("Hélène Lefèvre", "alice@example.test")),
            in_reply_to: Some("<q1@citoyen.example>".into()),
            references: vec!["root@citoyen.example".into(), "<q1@citoyen.example>".into()],
            ..draft()
        };
        let built = build(&d, date()).unwrap();
        let msg = MessageParser::default().parse(&built.raw).unwrap();
        assert_eq!(
            msg.from().unwrap().first().unwrap().address(),
            Some("accueil@example.test")
        );
        assert_eq!(
            msg.sender().unwrap().first().unwrap().address(),
            Some("alice@example.test")
        );
        assert_eq!(built.envelope_from, "alice@example.test");
        assert_eq!(msg.in_reply_to().as_text(), Some("q1@citoyen.example"));
        let refs: Vec<&str> = msg
            .references()
            .as_text_list()
            .unwrap_or_default()
            .iter()
            .map(|r| r.as_ref())
            .collect();
        assert_eq!(refs, vec!["root@citoyen.example", "q1@citoyen.example"]);
    }

    #[test]
    fn an_html_only_draft_gets_a_text_alternative() {
        let d = Draft {
            text: String::new(),
            html: Some("<p>Bonjour,</p><p>la <b>réunion</b> est <i>reportée</i>.</p>".into()),
            ..draft()
        };
        let built = build(&d, date()).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&built.raw).unwrap();
        let text = msg.body_text(0).unwrap();
        assert!(text.contains("la réunion est reportée."), "{text}");
        assert!(!text.contains('<'), "{text}");
        assert!(msg.body_html(0).unwrap().contains("<b>réunion</b>"));
    }

    #[test]
    fn html_with_alternative_and_attachments_with_french_names() {
        let d = Draft {
            html: Some("<p>Bonjour, <b>voici</b> le compte rendu.</p>".into()),
            attachments: vec![
                AttachmentFile {
                    name: "compte-rendu réunion n°3.pdf".into(),
                    mime: None,
                    bytes: b"%PDF-1.4 pas vraiment".to_vec(),
                },
                AttachmentFile {
                    name: "plan.png".into(),
                    mime: None,
                    bytes: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255],
                },
            ],
            ..draft()
        };
        let built = build(&d, date()).unwrap();
        let msg = MessageParser::default().parse(&built.raw).unwrap();
        assert!(msg.body_html(0).unwrap().contains("<b>voici</b>"));
        assert!(msg.body_text(0).unwrap().contains("ordre du jour"));
        let names: Vec<(Option<&str>, String)> = msg
            .attachments()
            .map(|a| {
                let ct = a
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")));
                (a.attachment_name(), ct.unwrap_or_default())
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (Some("compte-rendu réunion n°3.pdf"), "application/pdf".to_owned()),
                (Some("plan.png"), "image/png".to_owned())
            ]
        );
        let png = msg.attachments().nth(1).unwrap();
        assert_eq!(
            png.contents(),
            &[0x89, b'P', b'N', b'G', 0, 1, 2, 255][..],
            "bytes intact"
        );
    }

    #[test]
    fn bad_drafts_are_refused() {
        assert!(build(&Draft { from: None, ..draft() }, date()).is_err());
        let nobody = Draft {
            to: vec![],
            bcc: vec![],
            ..draft()
        };
        assert!(build(&nobody, date()).is_err());
        let bad = Draft {
            to: vec![addr("x", "not an address")],
            ..draft()
        };
        assert_eq!(
            build(&bad, date()).unwrap_err().kind(),
            crate::error::ErrorKind::BadInput
        );
        assert_eq!(
            guess_mime("Budget.XLSX"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(guess_mime("sans extension"), "application/octet-stream");
    }

    fn me() -> Address {
        addr("Hélène Lefèvre", "helene.lefevre@mairie.test")
    }

    /// A plain-text message with the given header lines and body.
    fn original(headers: &[&str], body: &str) -> Vec<u8> {
        let mut raw = String::new();
        for h in headers {
            raw.push_str(h);
            raw.push_str("\r\n");
        }
        raw.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        raw.push_str(&body.replace('\n', "\r\n"));
        raw.into_bytes()
    }

    fn emails(addresses: &[Address]) -> Vec<&str> {
        addresses.iter().map(|a| a.email.as_str()).collect()
    }

    #[test]
    fn replies_and_forwards_get_a_single_prefix() {
        let cases = [
            ("RE : TR: Fwd: Réunion", "Re: Réunion", "TR: Réunion"),
            ("Réf. : AW: Fw: Dossier 12", "Re: Dossier 12", "TR: Dossier 12"),
            (
                "=?utf-8?q?RE=C2=A0:_Re:_Permis_n=C2=B042?=",
                "Re: Permis n°42",
                "TR: Permis n°42",
            ),
            ("Réunion", "Re: Réunion", "TR: Réunion"),
            ("Re:", "Re:", "TR:"),
        ];
        for (subject, replied, forwarded) in cases {
            let raw = original(&["From: alice@example.test", &format!("Subject: {subject}")], "x\n");
            let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
            let f = forward(&raw, &me(), vec![], "").unwrap();
            assert_eq!(
                (r.subject.as_str(), f.subject.as_str()),
                (replied, forwarded),
                "{subject:?}"
            );
        }
        let raw = original(&["From: alice@example.test"], "sans objet\n");
        assert_eq!(reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap().subject, "Re:");
    }

    #[test]
    fn threading_headers_follow_the_original() {
        let raw = original(
            &[
                "From: alice@example.test",
                "Message-ID: <c@x>",
                "In-Reply-To: <b@x>",
                "References: <root@x> <a@x> <c@x>\r\n <a@x> <b@x>",
            ],
            "x\n",
        );
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
        assert_eq!(r.in_reply_to.as_deref(), Some("c@x"));
        assert_eq!(r.references, vec!["root@x", "a@x", "b@x", "c@x"]);
        let f = forward(&raw, &me(), vec![], "").unwrap();
        assert_eq!(f.in_reply_to, None, "a forward answers nothing");
        assert_eq!(f.references, vec!["root@x", "a@x", "b@x", "c@x"]);

        // No References: the single In-Reply-To stands in (RFC 5322 3.6.4).
        let raw = original(&["From: a@x", "Message-ID: <c@x>", "In-Reply-To: <p@x>"], "x\n");
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
        assert_eq!(r.references, vec!["p@x", "c@x"]);

        // A very long thread keeps its root and the latest ones.
        let long: Vec<String> = (0..40).map(|i| format!("<r{i}@x>")).collect();
        let refs = format!("References: {}", long.join("\r\n "));
        let raw = original(&["From: a@x", "Message-ID: <c@x>", &refs], "x\n");
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
        let mut expected: Vec<String> = vec!["r0@x".into()];
        expected.extend((21..40).map(|i| format!("r{i}@x")));
        expected.push("c@x".into());
        assert_eq!(r.references, expected);

        // And the built reply carries them.
        let built = build(
            &Draft {
                to: vec![addr("A", "a@x.test")],
                ..r
            },
            date(),
        )
        .unwrap();
        let msg = MessageParser::default().parse(&built.raw).unwrap();
        assert_eq!(msg.in_reply_to().as_text(), Some("c@x"));
        assert_eq!(msg.references().as_text_list().map(|l| l.len()), Some(21));
    }

    #[test]
    fn reply_all_leaves_me_and_duplicates_out_and_respects_reply_to() {
        let raw = original(
            &[
                "From: Alice Martin <alice@example.test>",
                "Reply-To: Service Urbanisme <urbanisme@example.test>",
                "To: Moi <Helene.Lefevre@Mairie.test>, Bob <bob@example.test>, Liste:;",
                "Cc: alias@MAIRIE.test, BOB@example.test, Carol <carol@example.test>, urbanisme@example.test",
                "Subject: Permis",
            ],
            "x\n",
        );
        let mine = ["ALIAS@mairie.test".to_owned()];
        let r = reply(&raw, ReplyKind::Reply, &me(), &mine, "").unwrap();
        assert_eq!(r.to, vec![addr("Service Urbanisme", "urbanisme@example.test")]);
        assert!(r.cc.is_empty());
        assert_eq!(r.from, Some(me()));
        let all = reply(&raw, ReplyKind::ReplyAll, &me(), &mine, "").unwrap();
        assert_eq!(emails(&all.to), vec!["urbanisme@example.test"]);
        assert_eq!(emails(&all.cc), vec!["bob@example.test", "carol@example.test"]);
        assert_eq!(all.cc[0].name.as_deref(), Some("Bob"), "the first spelling is kept");

        // Without Reply-To: the author.
        let raw = original(
            &[
                "From: Alice Martin <alice@example.test>",
                "To: helene.lefevre@mairie.test, bob@example.test",
            ],
            "x\n",
        );
        let all = reply(&raw, ReplyKind::ReplyAll, &me(), &[], "").unwrap();
        assert_eq!(emails(&all.to), vec!["alice@example.test"]);
        assert_eq!(emails(&all.cc), vec!["bob@example.test"]);

        // My own message (Sent): the answer goes to its recipients.
        let raw = original(
            &[
                "From: Hélène <helene.lefevre@mairie.test>",
                "To: bob@example.test, alias@mairie.test",
                "Cc: carol@example.test",
            ],
            "x\n",
        );
        let r = reply(&raw, ReplyKind::Reply, &me(), &mine, "").unwrap();
        assert_eq!((emails(&r.to), emails(&r.cc)), (vec!["bob@example.test"], vec![]));
        let all = reply(&raw, ReplyKind::ReplyAll, &me(), &mine, "").unwrap();
        assert_eq!(
            (emails(&all.to), emails(&all.cc)),
            (vec!["bob@example.test"], vec!["carol@example.test"])
        );
    }

    #[test]
    fn replies_quote_every_line_under_a_french_attribution() {
        let raw = original(
            &[
                "From: Alice Martin <alice@example.test>",
                "Date: Mon, 15 Mar 2027 09:00:00 +0100",
                "Subject: Dossier",
            ],
            "Bonjour,\n\n> Le dossier est-il complet ?\n>> Oui\nMerci\n",
        );
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "Entendu.\nCordialement\n\n").unwrap();
        assert_eq!(
            r.text,
            "Entendu.\nCordialement\n\n\
             Le 15/03/2027 à 09:00, Alice Martin <alice@example.test> a écrit :\n\
             > Bonjour,\n\
             >\n\
             > > Le dossier est-il complet ?\n\
             > >> Oui\n\
             > Merci\n"
        );
        assert_eq!(r.html, None, "a text message gets a text reply");
        assert!(r.attachments.is_empty() && r.inline.is_empty());

        // The date as the sender's clock showed it; no text from the user: the quote alone.
        let raw = original(
            &["From: bob@example.test", "Date: Tue, 16 Mar 2027 23:30:00 -0500"],
            "Oui.\n",
        );
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
        assert_eq!(r.text, "Le 16/03/2027 à 23:30, bob@example.test a écrit :\n> Oui.\n");
    }

    fn html_original() -> Vec<u8> {
        let html = "<p>Bonjour <b>à tous</b></p><script>alert(1)</script>\
                    <img src=\"https://tracker.example/p.gif\"><p onclick=\"x()\">Fin</p>";
        format!(
            "From: Alice Martin <alice@example.test>\r\n\
             Date: Mon, 15 Mar 2027 09:00:00 +0100\r\n\
             Subject: Compte rendu\r\n\
             Message-ID: <cr@example.test>\r\n\
             Content-Type: multipart/alternative; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour à tous\r\nFin\r\n\
             --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn html_replies_quote_the_sanitised_html_and_escape_the_user() {
        let raw = html_original();
        let sanitised = message::read(&raw, RemoteContent::Block).html.unwrap();
        assert!(sanitised.contains("<b>à tous</b>"));
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "Merci <b>Alice</b> & co\nà bientôt").unwrap();
        let html = r.html.unwrap();
        assert_eq!(
            html,
            format!(
                "<div>Merci &lt;b&gt;Alice&lt;/b&gt; &amp; co<br>\nà bientôt</div>\n<br>\n\
                 <div class=\"moz-cite-prefix\">Le 15/03/2027 à 09:00, Alice Martin \
                 &lt;alice@example.test&gt; a écrit :</div>\n\
                 <blockquote type=\"cite\">{sanitised}</blockquote>\n"
            )
        );
        for hostile in ["script", "alert", "tracker.example", "onclick"] {
            assert!(!html.contains(hostile), "{hostile} in {html}");
        }
        assert_eq!(
            r.text,
            "Merci <b>Alice</b> & co\nà bientôt\n\n\
             Le 15/03/2027 à 09:00, Alice Martin <alice@example.test> a écrit :\n\
             > Bonjour à tous\n> Fin\n"
        );
        let f = forward(&raw, &me(), vec![], "").unwrap();
        assert_eq!(
            f.html.unwrap(),
            format!(
                "<div class=\"moz-forward-container\">-------- Message transféré --------<br>\n\
                 <b>Sujet :</b> Compte rendu<br>\n\
                 <b>Date :</b> 15/03/2027 à 09:00<br>\n\
                 <b>De :</b> Alice Martin &lt;alice@example.test&gt;<br>\n<br>\n{sanitised}\n</div>\n"
            )
        );
    }

    #[test]
    fn forwards_keep_the_files_byte_for_byte() {
        let pdf = b"%PDF-1.4 pas vraiment\x00\xff".to_vec();
        let odt: Vec<u8> = (0..=255u8).collect();
        let logo = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255];
        let complaint = b"From: a@example.test\r\nSubject: Plainte\r\n\r\nBruit la nuit.\r\n".to_vec();
        let sent = Draft {
            html: Some("<p>Bonjour,</p><img src=\"cid:logo@mairie.test\" alt=\"Mairie\">".into()),
            text: "Bonjour,\n".into(),
            subject: "RE: Réunion du conseil".into(),
            attachments: vec![
                AttachmentFile {
                    name: "compte-rendu réunion n°3.pdf".into(),
                    mime: None,
                    bytes: pdf.clone(),
                },
                AttachmentFile {
                    name: "Délibération – été 2027.odt".into(),
                    mime: None,
                    bytes: odt.clone(),
                },
                AttachmentFile {
                    name: "plainte.eml".into(),
                    mime: None,
                    bytes: complaint.clone(),
                },
            ],
            inline: vec![InlineImage {
                content_id: "logo@mairie.test".into(),
                file: AttachmentFile {
                    name: "logo.png".into(),
                    mime: None,
                    bytes: logo.clone(),
                },
            }],
            bcc: vec![],
            ..draft()
        };
        let raw = build(&sent, date()).unwrap().raw;
        let message_id = message::read(&raw, RemoteContent::Block).headers.message_id.unwrap();

        let to = vec![addr("Service Urbanisme", "urbanisme@example.test")];
        let f = forward(&raw, &me(), to.clone(), "Pour information.").unwrap();
        let file = |name: &str, mime: &str, bytes: &[u8]| AttachmentFile {
            name: name.into(),
            mime: Some(mime.into()),
            bytes: bytes.to_vec(),
        };
        assert_eq!(
            f.attachments,
            vec![
                file("compte-rendu réunion n°3.pdf", "application/pdf", &pdf),
                file(
                    "Délibération – été 2027.odt",
                    "application/vnd.oasis.opendocument.text",
                    &odt
                ),
                file("plainte.eml", "message/rfc822", &complaint),
            ]
        );
        assert_eq!(
            f.inline,
            vec![InlineImage {
                content_id: "logo@mairie.test".into(),
                file: file("logo.png", "image/png", &logo),
            }]
        );
        assert_eq!((f.to.clone(), f.from.clone()), (to, Some(me())));
        assert_eq!(f.subject, "TR: Réunion du conseil");
        assert_eq!((f.in_reply_to.clone(), f.references.clone()), (None, vec![message_id]));
        assert_eq!(
            f.text,
            "Pour information.\n\n\
             -------- Message transféré --------\n\
             Sujet : RE: Réunion du conseil\n\
             Date : 14/03/2027 à 04:53\n\
             De : Hélène Lefèvre <alice@example.test>\n\
             Pour : Service Urbanisme <bob@example.test>\n\n\
             Bonjour,\n"
        );
        assert!(f
            .html
            .as_deref()
            .is_some_and(|h| h.contains("src=\"cid:logo@mairie.test\"")));

        // Sent, then read again: the same names, types and bytes, the logo shown inline.
        let forwarded = build(&f, date()).unwrap().raw;
        let read = message::read(&forwarded, RemoteContent::Block);
        let listed: Vec<(Option<&str>, &str, bool)> = read
            .attachments
            .iter()
            .map(|a| (a.name.as_deref(), a.mime.as_str(), a.inline))
            .collect();
        assert_eq!(
            listed,
            vec![
                (Some("logo.png"), "image/png", true),
                (Some("compte-rendu réunion n°3.pdf"), "application/pdf", false),
                (
                    Some("Délibération – été 2027.odt"),
                    "application/vnd.oasis.opendocument.text",
                    false
                ),
                (Some("plainte.eml"), "message/rfc822", false),
            ]
        );
        assert_eq!(read.attachments[0].content_id.as_deref(), Some("logo@mairie.test"));
        for (a, bytes) in read.attachments.iter().zip([&logo, &pdf, &odt, &complaint]) {
            assert_eq!(
                &message::attachment(&forwarded, &a.part).unwrap().1,
                bytes,
                "{:?}",
                a.name
            );
        }
        let eml_head = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit";
        assert!(
            String::from_utf8_lossy(&forwarded).contains(eml_head),
            "a joined message is not encoded (RFC 2046)"
        );

        // A reply carries the image its quote shows, not the files.
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "Merci").unwrap();
        assert!(r.attachments.is_empty());
        assert_eq!(r.inline, f.inline);
    }

    #[test]
    fn cid_urls_are_decoded() {
        let html = "<img src=\"cid:logo%40mairie.test\"><img src=\"CID:a&amp;b%+5\"><a href=\"x\">cid:</a>";
        let ids = content_ids(html);
        let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec!["a&b%+5", "logo@mairie.test"]);
    }

    #[test]
    fn broken_originals_give_a_draft_or_bad_input() {
        // No Message-ID, no From: nothing to thread under, nobody to answer yet.
        let raw = original(
            &["Subject: Re: Question", "To: helene.lefevre@mairie.test"],
            "Bonjour\n",
        );
        let r = reply(&raw, ReplyKind::ReplyAll, &me(), &[], "Oui").unwrap();
        assert_eq!((r.in_reply_to.clone(), r.references.clone()), (None, vec![]));
        assert!(r.to.is_empty() && r.cc.is_empty());
        assert_eq!(r.subject, "Re: Question");
        assert_eq!(r.text, "Oui\n\n(expéditeur inconnu) a écrit :\n> Bonjour\n");
        let to = vec![addr("Bob", "bob@example.test")];
        assert!(build(&Draft { to, ..r }, date()).is_ok(), "usable once addressed");

        // No Message-ID but a parent: the thread is kept.
        let raw = original(&["From: a@example.test", "References: <root@x>"], "x\n");
        let r = reply(&raw, ReplyKind::Reply, &me(), &[], "").unwrap();
        assert_eq!((r.in_reply_to, r.references), (None, vec!["root@x".to_owned()]));
        let f = forward(&raw, &me(), vec![], "").unwrap();
        assert_eq!(f.references, vec!["root@x".to_owned()]);

        for empty in [&b""[..], b" \r\n\r\n"] {
            let err = reply(empty, ReplyKind::Reply, &me(), &[], "x").unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::BadInput);
            let err = forward(empty, &me(), vec![], "x").unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::BadInput);
        }
        for garbage in [
            &b"\xff\xfe\x00garbage"[..],
            b"From: <<<>>>\r\nMessage-ID: <a b\x01>\r\n\r\n",
            b"From: a@example.test\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nno boundary",
            b"Content-Type: multipart/related; boundary=x\r\n\r\n--x\r\nContent-ID: <\xff>\r\n\r\n",
        ] {
            let r = reply(garbage, ReplyKind::ReplyAll, &me(), &[], "x").unwrap();
            assert!(r.to.iter().chain(&r.cc).all(|a| a.email.contains('@')));
            assert!(r.references.iter().all(|id| valid_id(id)));
            forward(garbage, &me(), vec![], "x").unwrap();
        }
    }
}
