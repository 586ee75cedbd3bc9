//! The sending client's habits: its `User-Agent`/`X-Mailer`, how it encodes words, text parts
//! and attachment names, and what its MIME boundaries look like.

use super::encode::{Charset, NameStyle, WordEncoding};
use super::mime::Cte;
use super::rng::Rng;
use super::text::FONTS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Client {
    Thunderbird,
    Outlook,
    Roundcube,
    Apple,
    Mobile,
    Evolution,
    Sogo,
}

/// (header line, client, weight). An empty header: a webmail that sends none.
const CLIENTS: &[(&str, Client, u64)] = &[
    ("User-Agent: Mozilla Thunderbird", Client::Thunderbird, 14),
    (
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.5.2",
        Client::Thunderbird,
        10,
    ),
    ("X-Mailer: Microsoft Outlook 16.0", Client::Outlook, 22),
    ("X-Mailer: Microsoft Outlook 15.0", Client::Outlook, 6),
    ("User-Agent: Roundcube Webmail/1.6.9", Client::Roundcube, 14),
    ("X-Mailer: Apple Mail (2.3776.700.51)", Client::Apple, 6),
    ("X-Mailer: iPhone Mail (21F90)", Client::Apple, 6),
    ("User-Agent: K-9 Mail for Android", Client::Mobile, 5),
    ("", Client::Mobile, 8),
    ("User-Agent: Evolution 3.52.3", Client::Evolution, 4),
    ("User-Agent: SOGoMail 5.10.0", Client::Sogo, 5),
];

/// How attachment names are written when not ASCII.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileNames {
    /// `name*=` and `filename*=UTF-8''…` (RFC 2231).
    Rfc2231,
    /// Thunderbird: `name="=?UTF-8?Q?…?="` and `filename*=UTF-8''…`.
    Mixed,
    /// Outlook and old clients: RFC 2047 encoded-words inside quotes, in both.
    Rfc2047Quoted,
}

/// One message's encoding choices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub client: Client,
    pub agent_header: &'static str,
    pub words: WordEncoding,
    pub lowercase_label: bool,
    /// Text parts (and header words that fit) in ISO-8859-1.
    pub latin1: bool,
    pub text_cte: Cte,
    /// Plain text wrapped at this width (always for 8bit, so lines stay short).
    pub wrap: Option<usize>,
    /// `format=flowed` (8bit wrapped text only).
    pub flowed: bool,
    pub html_cte: Cte,
    pub files: FileNames,
    pub font: &'static str,
}

impl Style {
    pub(crate) fn names(&self) -> NameStyle {
        NameStyle {
            charset: if self.latin1 { Charset::Latin1 } else { Charset::Utf8 },
            encoding: self.words,
            lowercase_label: self.lowercase_label,
        }
    }

    /// Charset label as this client writes it.
    pub(crate) fn label(&self, charset: Charset) -> &'static str {
        match (charset, self.lowercase_label) {
            (Charset::Utf8, false) => "UTF-8",
            (Charset::Utf8, true) => "utf-8",
            (Charset::Latin1, false) => "ISO-8859-1",
            (Charset::Latin1, true) => "iso-8859-1",
        }
    }

    pub(crate) fn text_charset(&self) -> Charset {
        if self.latin1 {
            Charset::Latin1
        } else {
            Charset::Utf8
        }
    }
}

/// Draws the client of a message and its choices.
pub(crate) fn style(rng: &mut Rng) -> Style {
    let weights: Vec<u64> = CLIENTS.iter().map(|c| c.2).collect();
    let (agent_header, client, _) = CLIENTS[rng.weighted(&weights)];
    let mut s = Style {
        client,
        agent_header,
        words: WordEncoding::Q,
        lowercase_label: false,
        latin1: rng.per_mille(30),
        text_cte: Cte::QuotedPrintable,
        wrap: None,
        flowed: false,
        html_cte: Cte::QuotedPrintable,
        files: FileNames::Rfc2231,
        font: rng.word(FONTS),
    };
    let eight_bit = |s: &mut Style, flowed: bool| {
        s.text_cte = Cte::EightBit;
        s.wrap = Some(72);
        s.flowed = flowed;
    };
    match client {
        Client::Thunderbird => {
            if rng.percent(75) {
                eight_bit(&mut s, true);
            }
            s.files = FileNames::Mixed;
        }
        Client::Outlook => {
            s.latin1 = rng.percent(35);
            s.words = if s.latin1 { WordEncoding::Q } else { WordEncoding::B };
            s.lowercase_label = true;
            s.files = FileNames::Rfc2047Quoted;
        }
        Client::Roundcube => {
            if rng.percent(50) {
                eight_bit(&mut s, true);
            }
        }
        Client::Apple => s.lowercase_label = true,
        Client::Mobile => {
            s.words = WordEncoding::B;
            if rng.percent(40) {
                s.text_cte = Cte::Base64;
                s.html_cte = Cte::Base64;
            }
        }
        Client::Evolution => eight_bit(&mut s, false),
        Client::Sogo => {}
    }
    s
}

/// The reply prefix this client writes (mixed chains sometimes stack two).
pub(crate) fn reply_prefix(rng: &mut Rng, client: Client) -> &'static str {
    if rng.percent(5) {
        return rng.word(&["Re: RE : ", "RE : Re: ", "Re: Re: "]);
    }
    match client {
        Client::Outlook => rng.word(&["RE : ", "RE : ", "RE: "]),
        Client::Apple | Client::Mobile => "Re: ",
        _ => rng.word(&["Re: ", "Re: ", "Re: ", "Re : "]),
    }
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX_UPPER: &[u8] = b"0123456789ABCDEF";

/// A MIME boundary in the client's style; `level` is the nesting depth.
pub(crate) fn boundary(rng: &mut Rng, client: Client, level: usize) -> String {
    match client {
        Client::Thunderbird => format!("------------{}", rng.chars(24, ALNUM)),
        Client::Outlook => format!("_00{}_{}_", level * 2, rng.chars(32, HEX_UPPER)),
        Client::Roundcube => format!("=_{}", rng.hex(32)),
        Client::Apple => format!(
            "Apple-Mail={}-{}-{}-{}-{}",
            rng.chars(8, HEX_UPPER),
            rng.chars(4, HEX_UPPER),
            rng.chars(4, HEX_UPPER),
            rng.chars(4, HEX_UPPER),
            rng.chars(12, HEX_UPPER)
        ),
        Client::Mobile => format!(
            "----=_Part_{}_{}.{}",
            rng.below(100_000),
            rng.below(1 << 31),
            rng.range(1 << 40, 1 << 41)
        ),
        Client::Evolution => format!("=-{}", rng.chars(22, ALNUM)),
        Client::Sogo => format!(
            "----=_=-_OpenGroupware_org_NGMime-{}-{}-{level}",
            rng.below(100_000),
            rng.hex(8)
        ),
    }
}
