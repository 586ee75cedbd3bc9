//! Assembly of one message: its headers (see `headers`), then the MIME body of its kind: the
//! author's letter (with the quoted parent or the forwarded message) as text and HTML,
//! attachments, newsletters, invitations.

use super::blob::blob;
use super::calendar;
use super::client::{self, Client, FileNames, Style};
use super::encode::{ascii_fold, crlf_lines, encoded_words, latin1_ok, quoted, rfc2231_param, Charset};
use super::headers::headers;
use super::mime::{write_part, Cte, Part};
use super::newsletter::newsletter;
use super::people::Person;
use super::rng::{Rng, Stream};
use super::text::{self, Block, HtmlStyle};
use super::thread::{self, Thread, ThreadRole};
use super::time;
use super::words::{BlobKind, ATTACHMENTS};
use super::{GenOptions, Kind, Mailbox, Plan};

/// Content-ID of the inline logo of some HTML signatures.
const LOGO_CID: &str = "image001.png@01DA7C2B.5E8F4A10";

/// Writes message `plan.index` to `out`.
pub(crate) fn render(opts: &GenOptions, plan: &mut Plan, out: &mut Vec<u8>) {
    let style = plan.style;
    let body = body(opts, plan, &style);
    headers(opts, plan, &style, out);
    write_part(&body, out);
}

fn body(opts: &GenOptions, plan: &mut Plan, style: &Style) -> Part {
    match plan.kind {
        Kind::Plain => plain_part(
            style,
            &text::plain(&blocks(opts, plan, style), style.wrap, style.flowed),
        ),
        Kind::Html => {
            let blocks = blocks(opts, plan, style);
            alternative(&mut plan.body, style, &blocks, 0)
        }
        Kind::Attachments => {
            let blocks = blocks(opts, plan, style);
            let rng = &mut plan.body;
            let first = if rng.percent(45) {
                alternative(rng, style, &blocks, 1)
            } else {
                plain_part(style, &text::plain(&blocks, style.wrap, style.flowed))
            };
            let mut parts = vec![first];
            let count = [1, 2, 3][rng.weighted(&[75, 18, 7])];
            for k in 0..count {
                parts.push(attachment(rng, style, plan.year, k == 0));
            }
            multi(rng, style, "mixed", 0, parts)
        }
        Kind::Newsletter => {
            let rng = &mut plan.body;
            let (text, html) = newsletter(rng, plan.year, plan.root.newsletter.unwrap_or(0), plan.index);
            let mut text_part = plain_part(style, &text);
            if let Part::Text {
                charset, content_type, ..
            } = &mut text_part
            {
                *charset = Charset::Utf8;
                content_type[1] = format!("charset={}", style.label(Charset::Utf8));
            }
            let html_part = html_part(style, html);
            multi(rng, style, "alternative", 0, vec![text_part, html_part])
        }
        Kind::Invitation => invitation(opts, plan, style),
    }
}

/// The text the message's author writes, with the quoted parent for a reply and the forwarded
/// message for a forward.
fn blocks(opts: &GenOptions, plan: &Plan, style: &Style) -> Vec<Block> {
    let forward = plan.thread.role == ThreadRole::Forward;
    let (mut blocks, mut rng) = letter_of(opts, plan.index, &plan.author, forward);
    if let Some(parent) = plan.thread.parent() {
        blocks.push(reply_quote(opts, plan, parent, style));
    } else if let Some((original, date)) = &plan.root.forwarded {
        let target = rng.spread(600, 3) as usize;
        let inner = text::letter(&mut rng, plan.year, original, reader(opts), target);
        let headers = vec![
            "-------- Message transféré --------".to_string(),
            format!("Sujet : {}", plan.root.subject.split_once(": ").map_or("", |(_, s)| s)),
            format!("Date : {}", time::rfc5322(*date)),
            format!("De : {}", display(&original.mailbox)),
            format!("Pour : {}", display(&plan.author.mailbox)),
        ];
        blocks.push(Block::Original(headers, inner));
    }
    blocks
}

/// The letter message `index` (by `author`) writes; replies regenerate their parent's.
fn letter_of(opts: &GenOptions, index: u64, author: &Person, forward: bool) -> (Vec<Block>, Rng) {
    let mut rng = Rng::for_message(opts.seed, index, Stream::Text);
    let target = if forward { 60 } else { rng.spread(300, 4) as usize };
    let year = thread::year_of(opts, index);
    (text::letter(&mut rng, year, author, reader(opts), target), rng)
}

/// First name of the mailbox owner, whom most letters greet.
fn reader(opts: &GenOptions) -> &str {
    opts.to.name.split(' ').next().unwrap_or_default()
}

fn display(m: &Mailbox) -> String {
    if m.name.is_empty() {
        m.email.clone()
    } else {
        format!("{} <{}>", m.name, m.email)
    }
}

/// The parent's text, quoted as the client does.
fn reply_quote(opts: &GenOptions, plan: &Plan, parent: u64, style: &Style) -> Block {
    let depth = plan.thread.ancestors.len();
    let parent_thread = Thread {
        role: if depth > 1 {
            ThreadRole::Reply(plan.thread.ancestors[depth - 2])
        } else {
            ThreadRole::Root
        },
        ancestors: plan.thread.ancestors[..depth - 1].to_vec(),
    };
    let parent_author = thread::author(opts, parent, &parent_thread, &plan.root);
    let parent_forward = depth == 1 && plan.root.forwarded.is_some();
    let (quoted_blocks, _) = letter_of(opts, parent, &parent_author, parent_forward);
    let sent = time::message_date(opts.seed, opts.start_unix, parent);
    let who = &parent_author.mailbox;
    let name = if who.name.is_empty() {
        who.email.clone()
    } else {
        who.name.clone()
    };
    match style.client {
        Client::Outlook => {
            let subject = if depth > 1 {
                format!("RE : {}", plan.root.subject)
            } else {
                plan.root.subject.clone()
            };
            let headers = vec![
                "-----Message d'origine-----".to_string(),
                format!("De : {}", display(who)),
                format!("Envoyé : {}", time::french_long(sent)),
                format!("À : {}", display(&opts.to)),
                format!("Objet : {subject}"),
            ];
            Block::Original(headers, quoted_blocks)
        }
        Client::Thunderbird => Block::Quote(
            format!("Le {}, {name} a écrit :", time::french_short(sent)),
            quoted_blocks,
        ),
        _ => {
            let t = time::paris(sent);
            let attribution = format!(
                "Le {}. {} {} {} à {:02}:{:02}, {} a écrit :",
                &time::DAYS_FR[t.weekday][..3],
                t.day,
                time::MONTHS_FR[t.month as usize - 1],
                t.year,
                t.hour,
                t.minute,
                display(who)
            );
            Block::Quote(attribution, quoted_blocks)
        }
    }
}

fn plain_part(style: &Style, text: &str) -> Part {
    let charset = style.text_charset();
    let mut cte = style.text_cte;
    if cte == Cte::EightBit && text.is_ascii() {
        cte = Cte::SevenBit;
    }
    let mut content_type = vec!["text/plain".to_string(), format!("charset={}", style.label(charset))];
    if style.flowed {
        content_type.push("format=flowed".to_string());
    }
    Part::Text {
        content_type,
        charset,
        cte,
        text: text.to_string(),
        disposition: None,
    }
}

fn html_part(style: &Style, html: String) -> Part {
    Part::Text {
        content_type: vec![
            "text/html".to_string(),
            format!("charset={}", style.label(Charset::Utf8)),
        ],
        charset: Charset::Utf8,
        cte: style.html_cte,
        text: html,
        disposition: None,
    }
}

fn multi(rng: &mut Rng, style: &Style, subtype: &'static str, level: usize, parts: Vec<Part>) -> Part {
    Part::Multi {
        subtype,
        boundary: client::boundary(rng, style.client, level),
        preamble: level == 0 && style.client == Client::Thunderbird,
        parts,
    }
}

/// `multipart/alternative` of the blocks as text and HTML; Outlook-style signatures sometimes
/// carry an inline logo (`multipart/related`), and some HTML has a remote tracking pixel.
fn alternative(rng: &mut Rng, style: &Style, blocks: &[Block], level: usize) -> Part {
    let logo = style.client == Client::Outlook && rng.percent(30);
    let html_style = HtmlStyle {
        font: style.font,
        logo_cid: logo.then_some(LOGO_CID),
        tracking_pixel: rng.percent(4),
    };
    let text = plain_part(style, &text::plain(blocks, style.wrap, style.flowed));
    let html = html_part(style, text::html(blocks, html_style));
    let html = if logo {
        let size = rng.range(3_000, 9_000) as usize;
        let image = Part::Binary {
            content_type: vec!["image/png".to_string(), "name=\"image001.png\"".to_string()],
            disposition: vec!["inline".to_string(), "filename=\"image001.png\"".to_string()],
            content_id: Some(format!("<{LOGO_CID}>")),
            data: blob(rng, BlobKind::Png, size),
        };
        multi(rng, style, "related", level + 1, vec![html, image])
    } else {
        html
    };
    multi(rng, style, "alternative", level, vec![text, html])
}

/// An attachment: accented name (RFC 2231 or RFC 2047 in quotes, per client), PDF / image /
/// office bytes; the first one of a message is the big one (rarely close to 1 MB).
fn attachment(rng: &mut Rng, style: &Style, year: i64, first: bool) -> Part {
    let (template, kind) = *rng.pick(ATTACHMENTS);
    let name = text::expanded(rng, year, template);
    let size = if first && rng.per_mille(8) {
        rng.range(250_000, 700_000)
    } else if first {
        rng.spread(5_000, 3)
    } else {
        rng.spread(3_000, 3)
    } as usize;
    let data = blob(rng, kind, size);
    let mime_type = if style.client == Client::Outlook && !kind.is_image() && rng.percent(20) {
        "application/octet-stream"
    } else {
        kind.mime_type()
    };
    let disposition = if kind.is_image() && rng.percent(15) {
        "inline"
    } else {
        "attachment"
    };
    let (name_params, filename_params) = file_name_params(style, &name);
    let mut content_type = vec![mime_type.to_string()];
    content_type.extend(name_params);
    let mut disp = vec![disposition.to_string()];
    disp.extend(filename_params);
    Part::Binary {
        content_type,
        disposition: disp,
        content_id: None,
        data,
    }
}

/// The `name` parameters of Content-Type and the `filename` ones of Content-Disposition.
fn file_name_params(style: &Style, name: &str) -> (Vec<String>, Vec<String>) {
    if name.is_ascii() {
        return (
            vec![format!("name={}", quoted(name))],
            vec![format!("filename={}", quoted(name))],
        );
    }
    let in_quotes = |param: &str| {
        let charset = if style.latin1 && latin1_ok(name) {
            Charset::Latin1
        } else {
            Charset::Utf8
        };
        let words = encoded_words(name, charset, style.label(charset), style.words, 75);
        format!("{param}=\"{}\"", words.join(" "))
    };
    match style.files {
        FileNames::Rfc2231 => (rfc2231_param("name", name), rfc2231_param("filename", name)),
        FileNames::Mixed => (vec![in_quotes("name")], rfc2231_param("filename", name)),
        FileNames::Rfc2047Quoted => (vec![in_quotes("name")], vec![in_quotes("filename")]),
    }
}

/// A meeting invitation: text (and HTML) describing it and the `text/calendar` request; Outlook
/// also attaches `invite.ics`.
fn invitation(opts: &GenOptions, plan: &mut Plan, style: &Style) -> Part {
    let organizer = &plan.author;
    let Some(event) = plan.root.event.clone() else {
        return plain_part(style, "Invitation");
    };
    let when = format!(
        "{} – {:02}:{:02}",
        time::french_long(event.start),
        time::paris(event.end).hour,
        time::paris(event.end).minute
    );
    let details = vec![
        "Vous êtes invité(e) à l'événement suivant.".to_string(),
        String::new(),
        format!("Titre : {}", event.summary),
        format!("Date : {when} (heure de Paris)"),
        format!("Lieu : {}", event.location),
        format!("Organisateur : {}", display(&organizer.mailbox)),
        format!("Participants : {}", display(&opts.to)),
    ];
    let mut blocks = vec![Block::Lines(details)];
    let (letter, _) = letter_of(opts, plan.index, organizer, false);
    blocks.extend(letter.into_iter().skip(1).take(1));
    blocks.push(Block::Lines(vec![
        "Cordialement,".to_string(),
        organizer.signed.clone(),
    ]));
    let uid = format!(
        "{}-{}-{}@{}",
        ascii_fold(&event.summary),
        opts.seed,
        plan.index,
        opts.domain
    );
    let ics = calendar::invitation(&uid, plan.sent, &event, &organizer.mailbox, &opts.to);
    let rng = &mut plan.body;
    let outlook = style.client == Client::Outlook;
    let calendar = Part::Text {
        content_type: vec![
            "text/calendar".to_string(),
            "method=REQUEST".to_string(),
            "charset=UTF-8".to_string(),
        ],
        charset: Charset::Utf8,
        cte: if outlook { Cte::Base64 } else { Cte::EightBit },
        text: ics.clone(),
        disposition: None,
    };
    let mut parts = vec![plain_part(style, &text::plain(&blocks, style.wrap, style.flowed))];
    if outlook || rng.percent(50) {
        let html_style = HtmlStyle {
            font: style.font,
            logo_cid: None,
            tracking_pixel: false,
        };
        parts.push(html_part(style, text::html(&blocks, html_style)));
    }
    parts.push(calendar);
    if !outlook {
        return multi(rng, style, "alternative", 0, parts);
    }
    let alternative = multi(rng, style, "alternative", 1, parts);
    let mut crlf = Vec::new();
    crlf_lines(ics.as_bytes(), &mut crlf);
    let attachment = Part::Binary {
        content_type: vec!["application/ics".to_string(), "name=\"invite.ics\"".to_string()],
        disposition: vec!["attachment".to_string(), "filename=\"invite.ics\"".to_string()],
        content_id: None,
        data: crlf,
    };
    multi(rng, style, "mixed", 0, vec![alternative, attachment])
}
