//! Building a message to send, with lettre's builder: plain text, or HTML with its plain-text
//! alternative; attachments with their MIME type and RFC 2231 names; a Message-ID of ours; the
//! Date; French text encoded as RFC 2047 in headers and UTF-8 in bodies; Sender for a message
//! sent on behalf of a service mailbox. Pure: no I/O.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::envelope::Address;
use crate::error::{Error, Result};

/// A file joined to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    pub name: String,
    /// `None`: guessed from the name's extension.
    pub mime: Option<String>,
    pub bytes: Vec<u8>,
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
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
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

/// Build `draft` as of `date`.
pub fn build(draft: &Draft, date: SystemTime) -> Result<Built> {
    let from = draft
        .from
        .as_ref()
        .ok_or_else(|| Error::BadInput("a message needs a sender (From)".into()))?;
    let recipients: Vec<String> = draft
        .to
        .iter()
        .chain(&draft.cc)
        .chain(&draft.bcc)
        .map(|a| a.email.clone())
        .collect();
    if recipients.is_empty() {
        return Err(Error::BadInput("a message needs at least one recipient".into()));
    }
    let message_id = new_message_id(&from.email, date);
    let mut builder = lettre::Message::builder()
        .from(mailbox(from)?)
        .subject(draft.subject.clone())
        .date(date)
        .message_id(Some(format!("<{message_id}>")))
        .user_agent("Calame".into());
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
    let alternative = |html: &String| MultiPart::alternative_plain_html(draft.text.clone(), html.clone());
    let message = match (&draft.html, draft.attachments.is_empty()) {
        (None, true) => builder.singlepart(SinglePart::plain(draft.text.clone())),
        (Some(html), true) => builder.multipart(alternative(html)),
        (html, false) => {
            let mut mixed = match html {
                Some(html) => MultiPart::mixed().multipart(alternative(html)),
                None => MultiPart::mixed().singlepart(SinglePart::plain(draft.text.clone())),
            };
            for file in &draft.attachments {
                let mime = file.mime.clone().unwrap_or_else(|| guess_mime(&file.name).to_owned());
                let content_type = ContentType::parse(&mime)
                    .or_else(|_| ContentType::parse("application/octet-stream"))
                    .map_err(|e| Error::BadInput(format!("content type {mime:?}: {e}")))?;
                mixed = mixed.singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), content_type));
            }
            builder.multipart(mixed)
        }
    }
    .map_err(|e| Error::BadInput(format!("cannot build the message: {e}")))?;
    let envelope_from = draft.sender.as_ref().unwrap_or(from).email.clone();
    Ok(Built {
        message_id,
        envelope_from,
        recipients,
        raw: message.formatted(),
    })
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

/// The MIME type of common office files, by extension; `application/octet-stream` otherwise.
pub fn guess_mime(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        _ => "application/octet-stream",
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
}
