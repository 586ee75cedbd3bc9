//! Envelopes: what a message list shows, read from the headers a sync fetches. The header
//! bytes come from the server and are parsed by mail-parser, which never fails outright.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A person or service in an address header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

/// One message as the list shows it, and what sync needs to keep it current.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Envelope {
    pub uid: u32,
    /// RFC 3339, from the Date header (else the server's INTERNALDATE).
    pub date: Option<String>,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub subject: Option<String>,
    /// IMAP flags as the server names them (`\Seen`, `\Flagged`, keywords).
    pub flags: Vec<String>,
    pub size: u32,
    pub has_attachments: bool,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The root of the thread this message belongs to: its first reference, else its
    /// In-Reply-To, else itself. For a reply that lost both, `Calame::list` gives the thread
    /// of a message of the folder with the same subject ([`crate::thread`]).
    pub thread_id: Option<String>,
    /// The message's mod-sequence (CONDSTORE), when the server has them.
    #[serde(default)]
    #[ts(skip)]
    pub modseq: Option<u64>,
}

/// The header fields a sync asks for.
pub const HEADER_FIELDS: &str = "FROM TO CC SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE";

/// Build an envelope from the fetched header bytes and the server's attributes.
pub fn from_headers(uid: u32, header: &[u8], flags: Vec<String>, size: u32, internal_date: Option<String>) -> Envelope {
    let parsed = MessageParser::default().parse_headers(header);
    let Some(msg) = parsed else {
        return Envelope {
            date: internal_date,
            ..Envelope::empty(uid, flags, size)
        };
    };
    let references = id_list(msg.references());
    let in_reply_to = id_list(msg.in_reply_to()).into_iter().next();
    let message_id = msg.message_id().map(str::to_owned);
    let thread_id = references
        .first()
        .cloned()
        .or_else(|| in_reply_to.clone())
        .or_else(|| message_id.clone());
    let has_attachments = msg.content_type().is_some_and(|ct| {
        ct.c_type.eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
    });
    Envelope {
        uid,
        date: msg.date().map(|d| d.to_rfc3339()).or(internal_date),
        from: msg.from().and_then(|a| a.first()).and_then(address),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        subject: msg.subject().map(clean_text),
        flags,
        size,
        has_attachments,
        message_id,
        in_reply_to,
        references,
        thread_id,
        modseq: None,
    }
}

impl Envelope {
    fn empty(uid: u32, flags: Vec<String>, size: u32) -> Envelope {
        Envelope {
            uid,
            date: None,
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            subject: None,
            flags,
            size,
            has_attachments: false,
            message_id: None,
            in_reply_to: None,
            references: Vec::new(),
            thread_id: None,
            modseq: None,
        }
    }

    pub fn is_seen(&self) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"))
    }
}

fn address(addr: &mail_parser::Addr<'_>) -> Option<Address> {
    let email = addr.address.as_deref()?.trim().to_owned();
    let name = addr.name.as_deref().map(clean_text).filter(|n| !n.is_empty());
    Some(Address { name, email })
}

pub(crate) fn addresses(header: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    header
        .map(|a| a.iter().filter_map(address).collect())
        .unwrap_or_default()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Text from a sender for one line: control characters (and so line breaks) become spaces.
fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_headers_decode() {
        let raw = b"From: =?UTF-8?Q?H=C3=A9l=C3=A8ne_Lef=C3=A8vre?= <helene.lefevre@example.test>\r\n\
To: accueil@example.test, \"Martin, Alice\" <alice@example.test>\r\n\
Subject: =?ISO-8859-1?Q?Demande_d'acte_de_naissance_=E9t=E9?=\r\n\
Date: Tue, 10 Mar 2026 09:15:00 +0100\r\n\
Message-ID: <m2@example.test>\r\n\
In-Reply-To: <m1@example.test>\r\n\
References: <m0@example.test> <m1@example.test>\r\n\
Content-Type: multipart/mixed; boundary=x\r\n\r\n";
        let e = from_headers(7, raw, vec!["\\Seen".into()], 1234, None);
        let from = e.from.clone().unwrap();
        assert_eq!(from.name.as_deref(), Some("Hélène Lefèvre"));
        assert_eq!(e.to.len(), 2);
        assert_eq!(e.to[1].name.as_deref(), Some("Martin, Alice"));
        assert_eq!(e.subject.as_deref(), Some("Demande d'acte de naissance été"));
        assert_eq!(e.date.as_deref(), Some("2026-03-10T09:15:00+01:00"));
        assert_eq!(e.message_id.as_deref(), Some("m2@example.test"));
        assert_eq!(e.in_reply_to.as_deref(), Some("m1@example.test"));
        assert_eq!(e.thread_id.as_deref(), Some("m0@example.test"));
        assert!(e.has_attachments && e.is_seen());
    }

    #[test]
    fn garbage_gives_an_envelope_anyway() {
        for raw in [
            &b""[..],
            b"\xff\xfe\x00garbage",
            b"Subject: a\r\n\tb\x07c\r\n\r\n",
            b"From: <<<>>>\r\n\r\n",
        ] {
            let e = from_headers(1, raw, Vec::new(), 0, Some("2026-01-01T00:00:00+00:00".into()));
            assert_eq!(e.uid, 1);
            assert!(e.subject.as_deref().is_none_or(|s| !s.contains('\x07')));
        }
    }
}
