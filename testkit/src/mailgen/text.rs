//! French text: template expansion, letters (greeting, paragraphs, closing, signature), quoted
//! replies and forwards, rendered as plain text or as simple inline-styled HTML.

use std::fmt::Write;

use super::people::{Person, Role};
use super::rng::Rng;
use super::time::MONTHS_FR;
use super::words::{
    ASSOCIATIONS, CLAUSES, CLOSINGS, COMPANIES, DAYS, FIRST_NAMES, GREETINGS, LAST_NAMES, OPENERS, PLACES, SENTENCES,
    SERVICE_FORMS, STREETS, TOWN,
};

/// Fills the placeholders of `words` templates (see that module); `year` is the message's year.
pub(crate) fn expand(rng: &mut Rng, year: i64, template: &str, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        placeholder(rng, year, &rest[open + 1..open + close], out);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
}

/// `expand` into a new string.
pub(crate) fn expanded(rng: &mut Rng, year: i64, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    expand(rng, year, template, &mut out);
    out
}

fn placeholder(rng: &mut Rng, year: i64, name: &str, out: &mut String) {
    match name {
        "prenom" => out.push_str(rng.word(FIRST_NAMES)),
        "nom" => out.push_str(rng.word(LAST_NAMES)),
        "rue" => out.push_str(rng.word(STREETS)),
        "jour" => out.push_str(rng.word(DAYS)),
        "lieu" => out.push_str(rng.word(PLACES)),
        "le_service" => out.push_str(rng.pick(SERVICE_FORMS).0),
        "du_service" => out.push_str(rng.pick(SERVICE_FORMS).1),
        "au_service" => out.push_str(rng.pick(SERVICE_FORMS).2),
        "mois" => out.push_str(MONTHS_FR[rng.index(12)]),
        "nombre" => {
            let _ = write!(out, "{}", rng.range(2, 120));
        }
        "asso" => out.push_str(rng.word(ASSOCIATIONS)),
        "entreprise" => out.push_str(rng.word(COMPANIES)),
        "date" => {
            let day = rng.range(1, 28);
            let ordinal = if day == 1 { "er" } else { "" };
            let _ = write!(out, "{day}{ordinal} {}", MONTHS_FR[rng.index(12)]);
        }
        "heure" => match rng.below(3) {
            0 => {
                let _ = write!(out, "{} h", rng.range(8, 18));
            }
            _ => {
                let _ = write!(out, "{} h {:02}", rng.range(8, 18), rng.below(4) * 15);
            }
        },
        "montant" => {
            // French typography: no-break spaces between thousands and before the euro sign.
            let euros = rng.spread(50, 8);
            let thousands = if euros >= 1000 {
                format!("{}\u{a0}{:03}", euros / 1000, euros % 1000)
            } else {
                euros.to_string()
            };
            let _ = write!(out, "{thousands},{:02}\u{a0}€", rng.below(100));
        }
        "num" => {
            let _ = write!(out, "{:05}", rng.below(100_000));
        }
        "num2" => {
            let _ = write!(out, "{:02}", year % 100);
        }
        "annee" => {
            let _ = write!(out, "{}", year + rng.below(2) as i64);
        }
        "parcelle" => {
            let letters = rng.chars(2, b"ABCDEFGHKLMNOPZ");
            let _ = write!(out, "{letters} {}", rng.range(1, 480));
        }
        _ => {}
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn sentence(rng: &mut Rng, year: i64, out: &mut String) {
    match rng.weighted(&[45, 30, 25]) {
        0 => {
            let opener = *rng.pick(OPENERS);
            expand(rng, year, opener, out);
            out.push(' ');
            let clause = *rng.pick(CLAUSES);
            expand(rng, year, clause, out);
            out.push('.');
        }
        1 => {
            let clause = *rng.pick(CLAUSES);
            let clause = expanded(rng, year, clause);
            out.push_str(&capitalize(&clause));
            out.push('.');
        }
        _ => {
            let s = *rng.pick(SENTENCES);
            expand(rng, year, s, out);
        }
    }
}

/// A paragraph of two to five sentences.
fn paragraph(rng: &mut Rng, year: i64) -> String {
    let mut p = String::with_capacity(400);
    for i in 0..rng.range(2, 5) {
        if i > 0 {
            p.push(' ');
        }
        sentence(rng, year, &mut p);
    }
    p
}

/// A piece of a message body.
#[derive(Clone, Debug)]
pub(crate) enum Block {
    /// A paragraph, wrapped when rendered as plain text.
    Para(String),
    /// Lines kept as they are (greeting, signature).
    Lines(Vec<String>),
    /// `Le … a écrit :` then the quoted blocks (`> ` in plain text, `<blockquote>` in HTML).
    Quote(String, Vec<Block>),
    /// A header block (`-----Message d'origine-----` + `De :`, `Envoyé :`…) then blocks shown
    /// unquoted, as Outlook replies and all forwards do.
    Original(Vec<String>, Vec<Block>),
}

/// What the author writes to `reader` (a first name for `Bonjour Hélène,`): greeting,
/// paragraphs of at least `target` bytes in all, closing and signature.
pub(crate) fn letter(rng: &mut Rng, year: i64, author: &Person, reader: &str, target: usize) -> Vec<Block> {
    let greeting = *rng.pick(GREETINGS);
    let greeting = if reader.is_empty() {
        expanded(rng, year, greeting)
    } else {
        greeting.replace("{prenom}", reader)
    };
    let mut blocks = vec![Block::Lines(vec![greeting])];
    let mut len = 0;
    while len < target {
        let p = paragraph(rng, year);
        len += p.len() + 2;
        blocks.push(Block::Para(p));
    }
    blocks.push(Block::Lines(vec![(*rng.pick(CLOSINGS)).to_string()]));
    blocks.push(Block::Lines(signature(rng, author)));
    blocks
}

fn signature(rng: &mut Rng, author: &Person) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    if author.role != Role::Citizen && rng.percent(40) {
        lines.push("-- ".to_string());
    }
    lines.extend(author.signed.lines().map(str::to_string));
    if author.role == Role::Agent {
        lines.push(author.title.to_string());
        lines.push(format!("Mairie de {TOWN}"));
        lines.push("1 place de la Mairie – 31999 Calame-sur-Lèze".to_string());
        // Each agent keeps one extension (FNV-1a of the address).
        let h = author.mailbox.email.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        lines.push(format!("Tél. : 05 61 00 {:02} {:02}", h % 100, h / 100 % 100));
    }
    lines
}

/// Wraps a paragraph at `width` characters (by characters, not bytes); with `flowed`, wrapped
/// lines keep a trailing space (RFC 3676 soft line breaks).
fn wrap(text: &str, width: usize, flowed: bool, out: &mut String, prefix: &str) {
    let mut col = 0;
    for word in text.split(' ') {
        let n = word.chars().count();
        if col > 0 && col + 1 + n > width {
            if flowed {
                out.push(' ');
            }
            out.push('\n');
            col = 0;
        }
        if col == 0 {
            out.push_str(prefix);
        } else {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += n;
    }
    out.push('\n');
}

/// Plain-text rendering, `\n` line ends; paragraphs wrapped at `width` characters when given
/// (`format=flowed` style when `flowed`), else left on one line (quoted-printable senders do
/// that).
pub(crate) fn plain(blocks: &[Block], width: Option<usize>, flowed: bool) -> String {
    let mut out = String::with_capacity(4096);
    let layout = Layout { width, flowed };
    plain_into(blocks, layout, "", &mut out);
    out
}

#[derive(Clone, Copy)]
struct Layout {
    width: Option<usize>,
    flowed: bool,
}

fn plain_into(blocks: &[Block], layout: Layout, prefix: &str, out: &mut String) {
    for block in blocks {
        match block {
            Block::Para(p) => {
                match layout.width {
                    Some(w) => wrap(p, w, layout.flowed, out, prefix),
                    None => {
                        out.push_str(prefix);
                        out.push_str(p);
                        out.push('\n');
                    }
                }
                out.push_str(prefix.trim_end());
                out.push('\n');
            }
            Block::Lines(lines) => {
                for l in lines {
                    out.push_str(prefix);
                    out.push_str(l);
                    out.push('\n');
                }
                out.push_str(prefix.trim_end());
                out.push('\n');
            }
            Block::Quote(attribution, inner) => {
                out.push_str(prefix);
                out.push_str(attribution);
                out.push('\n');
                let nested = format!("{prefix}> ");
                let inner_layout = Layout {
                    width: layout.width.map(|w| w.saturating_sub(2)),
                    ..layout
                };
                plain_into(inner, inner_layout, &nested, out);
            }
            Block::Original(headers, inner) => {
                for h in headers {
                    out.push_str(prefix);
                    out.push_str(h);
                    out.push('\n');
                }
                out.push_str(prefix.trim_end());
                out.push('\n');
                plain_into(inner, layout, prefix, out);
            }
        }
    }
}

/// HTML-escapes `s` into `out`.
pub(crate) fn escape(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Look of an HTML body (the sending client's).
#[derive(Clone, Copy, Debug)]
pub(crate) struct HtmlStyle {
    pub font: &'static str,
    /// `cid:` of an inline logo shown under the signature, if any.
    pub logo_cid: Option<&'static str>,
    /// Adds a 1×1 remote image (on the loopback discard port).
    pub tracking_pixel: bool,
}

pub(crate) const FONTS: &[&str] = &[
    "font-family: Calibri, Arial, sans-serif; font-size: 11pt;",
    "font-family: Arial, Helvetica, sans-serif; font-size: 10pt;",
    "font-family: 'Segoe UI', sans-serif; font-size: 10.5pt; color: #1f1f1f;",
    "font-family: Verdana, sans-serif; font-size: 9pt;",
];

/// A complete HTML document for the blocks.
pub(crate) fn html(blocks: &[Block], style: HtmlStyle) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str("<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n</head>\n");
    out.push_str(&format!("<body style=\"{}\">\n", style.font));
    html_into(blocks, &mut out);
    if let Some(cid) = style.logo_cid {
        out.push_str(&format!(
            "<p><img src=\"cid:{cid}\" alt=\"Logo Mairie de {TOWN}\" width=\"120\" height=\"60\" style=\"border:0\"></p>\n"
        ));
    }
    if style.tracking_pixel {
        out.push_str(
            "<img src=\"http://127.0.0.1:9/pixel.gif\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">\n",
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn html_into(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Para(p) => {
                out.push_str("<p style=\"margin:0 0 10px 0\">");
                escape(p, out);
                out.push_str("</p>\n");
            }
            Block::Lines(lines) => {
                out.push_str("<p style=\"margin:0 0 10px 0\">");
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        out.push_str("<br>\n");
                    }
                    escape(l, out);
                }
                out.push_str("</p>\n");
            }
            Block::Quote(attribution, inner) => {
                out.push_str("<div class=\"moz-cite-prefix\">");
                escape(attribution, out);
                out.push_str("<br></div>\n<blockquote type=\"cite\" style=\"margin:0 0 0 6px; border-left:2px solid #729fcf; padding-left:8px\">\n");
                html_into(inner, out);
                out.push_str("</blockquote>\n");
            }
            Block::Original(headers, inner) => {
                out.push_str("<div style=\"border:none; border-top:solid #E1E1E1 1pt; padding:3pt 0 0 0\">\n<p>");
                for h in headers {
                    match h.split_once(" : ") {
                        Some((k, v)) => {
                            out.push_str("<b>");
                            escape(k, out);
                            out.push_str(" :</b> ");
                            escape(v, out);
                        }
                        None => escape(h, out),
                    }
                    out.push_str("<br>\n");
                }
                out.push_str("</p>\n</div>\n");
                html_into(inner, out);
            }
        }
    }
}
