//! Message headers: what Postfix and Dovecot add on delivery (`Return-Path`, `Delivered-To`,
//! `Received`, sometimes `DKIM-Signature`), then the sending client's, in its order.

use super::client::{Client, Style};
use super::encode::{address, base64, encoded_words, folded_header, latin1_ok, list_header, Charset};
use super::mime::header;
use super::people;
use super::rng::Rng;
use super::time;
use super::words::NEWSLETTERS;
use super::{message_id, GenOptions, Kind, Mailbox, Plan};

/// A header line (or folded lines) by name, to be put in the client's order.
type Field = (&'static str, Vec<u8>);

/// Writes all the headers of the message but the body's `Content-*` ones.
pub(crate) fn headers(opts: &GenOptions, plan: &mut Plan, style: &Style, out: &mut Vec<u8>) {
    delivery_headers(opts, plan, out);
    let mut fields = client_headers(opts, plan, style);
    if style.client == Client::Outlook {
        // Outlook puts the addresses and subject first.
        let first = |name: &str| matches!(name, "From" | "To" | "Cc" | "Subject" | "Thread-Topic" | "Thread-Index");
        fields.sort_by_key(|(name, _)| !first(name));
    }
    for (_, bytes) in fields {
        out.extend_from_slice(&bytes);
    }
}

/// What the town hall's server adds: `Return-Path`, `Delivered-To`, `Received`, and the
/// sender's `DKIM-Signature` for some outside mail.
fn delivery_headers(opts: &GenOptions, plan: &mut Plan, out: &mut Vec<u8>) {
    let rng = &mut plan.body;
    let from = &plan.author.mailbox;
    header(out, "Return-Path", &format!("<{}>", from.email));
    header(out, "Delivered-To", &opts.to.email);
    received(rng, opts, from, plan.date, out);
    let external = !from.email.ends_with(&format!("@{}", opts.domain));
    if external && rng.percent(60) {
        dkim(rng, from, plan.sent, out);
    }
}

/// What the sending client writes.
fn client_headers(opts: &GenOptions, plan: &mut Plan, style: &Style) -> Vec<Field> {
    let rng = &mut plan.body;
    let from = &plan.author.mailbox;
    let (to, cc, list) = recipients(rng, opts, plan.kind);
    let fmt =
        |list: &[Mailbox]| -> Vec<String> { list.iter().map(|m| address(&m.name, &m.email, style.names())).collect() };
    let mut fields: Vec<Field> = vec![
        ("Message-ID", line("Message-ID", &message_id(opts, plan.index))),
        ("Date", line("Date", &time::rfc5322(plan.sent))),
        ("MIME-Version", line("MIME-Version", "1.0")),
    ];
    if !style.agent_header.is_empty() {
        fields.push(("User-Agent", format!("{}\r\n", style.agent_header).into_bytes()));
    }
    if matches!(style.client, Client::Thunderbird | Client::Outlook) {
        fields.push(("Content-Language", line("Content-Language", "fr")));
    }
    fields.push(("From", addresses("From", &fmt(std::slice::from_ref(from)))));
    fields.push(("To", addresses("To", &fmt(&to))));
    if !cc.is_empty() {
        fields.push(("Cc", addresses("Cc", &fmt(&cc))));
    }
    fields.push((
        "Subject",
        subject_header("Subject", plan.prefix, &plan.root.subject, style),
    ));
    if let Some(parent) = plan.thread.parent() {
        fields.push(("In-Reply-To", line("In-Reply-To", &message_id(opts, parent))));
        let ids: Vec<String> = plan.thread.ancestors.iter().map(|&i| message_id(opts, i)).collect();
        let mut refs = Vec::new();
        folded_header(&mut refs, "References", &ids);
        fields.push(("References", refs));
    }
    if style.client == Client::Outlook {
        fields.push((
            "Thread-Topic",
            subject_header("Thread-Topic", "", &plan.root.subject, style),
        ));
        let mut index = Vec::new();
        rng.fill(&mut index, 22 + 5 * plan.thread.ancestors.len());
        fields.push(("Thread-Index", line("Thread-Index", &base64(&index))));
        if rng.percent(4) {
            let receipt = addresses("Disposition-Notification-To", &fmt(std::slice::from_ref(from)));
            fields.push(("Disposition-Notification-To", receipt));
        }
    }
    if plan.root.subject.starts_with("Urgent") {
        fields.push(("X-Priority", line("X-Priority", "1 (Highest)")));
        fields.push(("Importance", line("Importance", "high")));
    }
    if let Some(list) = list {
        fields.push(("List-Id", list.into_bytes()));
    }
    if let Some(n) = plan.root.newsletter {
        fields.extend(newsletter_headers(n, plan.index));
    }
    fields
}

fn line(name: &str, value: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(name.len() + value.len() + 4);
    header(&mut v, name, value);
    v
}

fn addresses(name: &str, items: &[String]) -> Vec<u8> {
    let mut v = Vec::new();
    list_header(&mut v, name, items, ',');
    v
}

/// `Subject:`: ASCII folded on spaces, else the leading ASCII words as they are (Outlook and
/// phones encode them too) and the rest as encoded-words, several when long.
fn subject_header(name: &str, prefix: &str, subject: &str, style: &Style) -> Vec<u8> {
    let mut v = Vec::new();
    let full = format!("{prefix}{subject}");
    if full.is_ascii() {
        let tokens: Vec<String> = full.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect();
        folded_header(&mut v, name, &tokens);
        return v;
    }
    // Outlook and phones encode it all; others leave the leading ASCII words as they are.
    let split = if matches!(style.client, Client::Outlook | Client::Mobile) {
        0
    } else {
        full.split(' ')
            .take_while(|w| w.is_ascii())
            .map(|w| w.len() + 1)
            .sum::<usize>()
            .min(full.len())
    };
    let (plain, encoded) = full.split_at(split);
    let charset = if style.latin1 && latin1_ok(encoded) {
        Charset::Latin1
    } else {
        Charset::Utf8
    };
    let mut tokens: Vec<String> = plain.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect();
    // The first encoded-word may have to fit on the header's first line.
    let first_max = 76 - name.len();
    tokens.extend(encoded_words(
        encoded,
        charset,
        style.label(charset),
        style.words,
        first_max,
    ));
    folded_header(&mut v, name, &tokens);
    v
}

fn newsletter_headers(which: usize, index: u64) -> Vec<Field> {
    let (email, _, _) = NEWSLETTERS[which];
    let (local, domain) = email.split_once('@').unwrap_or(("lettre", "lettre.test"));
    let unsubscribe = format!(
        "<http://127.0.0.1:9/desinscription?n={index}>,\r\n <mailto:desinscription@{domain}?subject=unsubscribe>"
    );
    vec![
        ("List-Id", line("List-Id", &format!("<{local}.{domain}>"))),
        ("List-Unsubscribe", line("List-Unsubscribe", &unsubscribe)),
        (
            "List-Unsubscribe-Post",
            line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
        ("Precedence", line("Precedence", "bulk")),
    ]
}

/// `Received:` lines of Postfix on the town hall's server (and of the sender's, for outside
/// mail); addresses are documentation ranges, never contacted.
fn received(rng: &mut Rng, opts: &GenOptions, from: &Mailbox, date: i64, out: &mut Vec<u8>) {
    let sender_domain = from.email.split('@').nth(1).unwrap_or("exemple.fr");
    let id = rng.chars(14, b"0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz");
    let stamp = time::rfc5322(date);
    let (source, with) = if sender_domain == opts.domain {
        let host = rng.range(10, 250);
        (
            format!(
                "[192.0.2.{host}] (poste-{}.mairie.{} [192.0.2.{host}])",
                rng.range(1, 40),
                opts.domain
            ),
            "ESMTPSA",
        )
    } else {
        let ip = format!("198.51.100.{}", rng.range(1, 254));
        (format!("mail.{sender_domain} (mail.{sender_domain} [{ip}])"), "ESMTPS")
    };
    out.extend_from_slice(
        format!(
            "Received: from {source}\r\n\tby mail.{} (Postfix) with {with} id {id}\r\n\tfor <{}>; {stamp}\r\n",
            opts.domain, opts.to.email
        )
        .as_bytes(),
    );
    if sender_domain != opts.domain {
        let earlier = time::rfc5322(date - rng.range(1, 20) as i64);
        out.extend_from_slice(
            format!(
                "Received: from [203.0.113.{}]\r\n\tby mail.{sender_domain} with ESMTPSA id {}\r\n\tfor <{}>; {earlier}\r\n",
                rng.range(1, 254),
                rng.hex(12),
                opts.to.email
            )
            .as_bytes(),
        );
    }
}

/// A DKIM-Signature header of the right shape (the signature is random).
fn dkim(rng: &mut Rng, from: &Mailbox, sent: i64, out: &mut Vec<u8>) {
    let domain = from.email.split('@').nth(1).unwrap_or("exemple.fr");
    let mut hash = Vec::new();
    rng.fill(&mut hash, 32);
    let mut sig = Vec::new();
    rng.fill(&mut sig, 256);
    let sig = base64(&sig);
    out.extend_from_slice(
        format!(
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td={domain}; s=mail; t={sent};\r\n\tbh={};\r\n\th=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type;\r\n",
            base64(&hash)
        )
        .as_bytes(),
    );
    for (i, chunk) in sig.as_bytes().chunks(70).enumerate() {
        out.extend_from_slice(if i == 0 { b"\tb=" } else { b"\t " });
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
}

/// To, Cc and a `List-Id` line when the message went to the agents' list.
fn recipients(rng: &mut Rng, opts: &GenOptions, kind: Kind) -> (Vec<Mailbox>, Vec<Mailbox>, Option<String>) {
    let owner = opts.to.clone();
    if kind == Kind::Newsletter {
        return (vec![owner], Vec::new(), None);
    }
    let colleague = |rng: &mut Rng| people::any_agent(rng, opts.seed, &opts.domain).mailbox;
    let (mut to, mut cc, mut list) = (Vec::new(), Vec::new(), None);
    match rng.below(100) {
        0..=67 => to.push(owner),
        68..=82 => {
            to.push(owner);
            for _ in 0..rng.range(1, 3) {
                to.push(colleague(rng));
            }
            if rng.percent(50) {
                to.rotate_left(1);
            }
        }
        83..=91 => {
            to.push(people::service(rng, &opts.domain).mailbox);
            cc.push(owner);
        }
        _ => {
            to.push(Mailbox::new("Tous les agents", format!("agents@{}", opts.domain)));
            list = Some(format!("List-Id: Tous les agents <agents.{}>\r\n", opts.domain));
        }
    }
    if rng.percent(18) {
        for _ in 0..rng.range(1, 2) {
            cc.push(colleague(rng));
        }
    }
    (to, cc, list)
}
