//! Encoders: base64, quoted-printable, RFC 2047 encoded-words, RFC 2231 parameters, ISO-8859-1,
//! header folding and address formatting.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Bytes of input per 76-character base64 line.
const B64_LINE_BYTES: usize = 57;
/// Longest header line we write (RFC 5322 recommends 78).
const HEADER_WIDTH: usize = 78;
/// Longest encoded-word (RFC 2047).
const WORD_MAX: usize = 75;

/// Base64 of `input` (at most `dst.len() * 3 / 4` bytes) into `dst`; returns the length written.
fn base64_into(input: &[u8], dst: &mut [u8]) -> usize {
    let mut groups = input.chunks_exact(3);
    let mut w = 0;
    for g in &mut groups {
        let n = (u32::from(g[0]) << 16) | (u32::from(g[1]) << 8) | u32::from(g[2]);
        dst[w] = B64[(n >> 18) as usize & 63];
        dst[w + 1] = B64[(n >> 12) as usize & 63];
        dst[w + 2] = B64[(n >> 6) as usize & 63];
        dst[w + 3] = B64[n as usize & 63];
        w += 4;
    }
    let rest = groups.remainder();
    if !rest.is_empty() {
        let second = rest.get(1).copied().unwrap_or(0);
        let n = (u32::from(rest[0]) << 16) | (u32::from(second) << 8);
        dst[w] = B64[(n >> 18) as usize & 63];
        dst[w + 1] = B64[(n >> 12) as usize & 63];
        dst[w + 2] = if rest.len() > 1 {
            B64[(n >> 6) as usize & 63]
        } else {
            b'='
        };
        dst[w + 3] = b'=';
        w += 4;
    }
    w
}

/// Base64 of `data` on one line (for encoded-words).
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = vec![0u8; data.len().div_ceil(3) * 4];
    base64_into(data, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Base64 body: 76-character lines, each ended by CRLF.
pub(crate) fn base64_lines(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len().div_ceil(B64_LINE_BYTES) * 78);
    let mut line = [0u8; 78];
    for chunk in data.chunks(B64_LINE_BYTES) {
        let n = base64_into(chunk, &mut line);
        line[n] = b'\r';
        line[n + 1] = b'\n';
        out.extend_from_slice(&line[..n + 2]);
    }
}

fn hex_upper(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

/// Bytes that quoted-printable leaves as they are (printable ASCII but `=`; blanks are handled
/// apart, as they must be encoded at the end of a line).
const QP_LITERAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 33;
    while b <= 126 {
        table[b] = b != b'=' as usize;
        b += 1;
    }
    table
};

/// Quoted-printable body of `text` (lines ended by `\n`), CRLF line ends, lines of at most
/// 76 characters (soft breaks `=`), trailing blanks encoded.
pub(crate) fn quoted_printable(text: &[u8], out: &mut Vec<u8>) {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    out.reserve(text.len() + text.len() / 3 + 64);
    // Each output line is built here, then copied at once.
    let mut buf = [0u8; 80];
    for line in text.split(|&b| b == b'\n') {
        let mut col = 0;
        let last = line.len().wrapping_sub(1);
        for (i, &b) in line.iter().enumerate() {
            let literal = QP_LITERAL[usize::from(b)] || ((b == b' ' || b == b'\t') && i != last);
            let width = if literal { 1 } else { 3 };
            if col + width > 75 {
                buf[col] = b'=';
                out.extend_from_slice(&buf[..=col]);
                out.extend_from_slice(b"\r\n");
                col = 0;
            }
            if literal {
                buf[col] = b;
            } else {
                let [hi, lo] = hex_upper(b);
                buf[col..col + 3].copy_from_slice(&[b'=', hi, lo]);
            }
            col += width;
        }
        out.extend_from_slice(&buf[..col]);
        out.extend_from_slice(b"\r\n");
    }
}

/// Text with `\n` line ends as CRLF lines (8bit / 7bit bodies).
pub(crate) fn crlf_lines(text: &[u8], out: &mut Vec<u8>) {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    for line in text.split(|&b| b == b'\n') {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

/// Whether every character of `s` exists in ISO-8859-1.
pub(crate) fn latin1_ok(s: &str) -> bool {
    s.chars().all(|c| u32::from(c) <= 0xFF)
}

/// `s` in ISO-8859-1, typographic characters that Latin-1 lacks replaced by ASCII look-alikes.
pub(crate) fn to_latin1(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{0}'..='\u{FF}' => out.push(c as u8),
            '–' | '—' => out.push(b'-'),
            '’' | '‘' => out.push(b'\''),
            '“' | '”' => out.push(b'"'),
            '…' => out.extend_from_slice(b"..."),
            'œ' => out.extend_from_slice(b"oe"),
            'Œ' => out.extend_from_slice(b"OE"),
            '€' => out.extend_from_slice(b"EUR"),
            '\u{202F}' => out.push(0xA0),
            _ => out.push(b'?'),
        }
    }
    out
}

/// ASCII version of a name for e-mail addresses: accents dropped, lowercase, spaces and
/// apostrophes turned into `-` (Hélène Lefèvre → helene / lefevre, D'Almeida → d-almeida).
pub(crate) fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' => out.push('y'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            ' ' | '\'' | '’' => out.push('-'),
            c if c.is_ascii_alphanumeric() || c == '-' => out.push(c),
            _ => {}
        }
    }
    out
}

/// Charset of an encoded-word or a text part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    Latin1,
}

impl Charset {
    pub(crate) fn bytes(self, s: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => s.as_bytes().to_vec(),
            Charset::Latin1 => to_latin1(s),
        }
    }
}

/// Encoding of RFC 2047 encoded-words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WordEncoding {
    B,
    Q,
}

/// Bytes that Q-encoding leaves as they are (the "phrase" subset, safe everywhere).
fn q_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/')
}

fn q_width(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| if q_literal(b) || b == b' ' { 1 } else { 3 })
        .sum()
}

fn q_encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if q_literal(b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('_');
        } else {
            out.push('=');
            for h in hex_upper(b) {
                out.push(char::from(h));
            }
        }
    }
}

/// RFC 2047 encoded-words for `text`, each at most 75 characters (`first_max` for the first, to
/// leave room for the header name), never splitting a character between two words.
/// `label` is the charset as written (`UTF-8`, `utf-8`, `ISO-8859-1`…).
pub(crate) fn encoded_words(
    text: &str,
    charset: Charset,
    label: &str,
    enc: WordEncoding,
    first_max: usize,
) -> Vec<String> {
    let letter = if enc == WordEncoding::B { 'B' } else { 'Q' };
    let overhead = label.len() + 7; // =?label?X? … ?=
    let mut words = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut max = first_max.min(WORD_MAX);
    let width = |bytes: &[u8]| match enc {
        WordEncoding::B => bytes.len().div_ceil(3) * 4,
        WordEncoding::Q => q_width(bytes),
    };
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let bytes = charset.bytes(c.encode_utf8(&mut buf));
        let mut candidate = pending.clone();
        candidate.extend_from_slice(&bytes);
        if !pending.is_empty() && overhead + width(&candidate) > max {
            words.push(finish_word(&pending, label, letter, enc));
            pending = bytes;
            max = WORD_MAX;
        } else {
            pending = candidate;
        }
    }
    if !pending.is_empty() {
        words.push(finish_word(&pending, label, letter, enc));
    }
    words
}

fn finish_word(bytes: &[u8], label: &str, letter: char, enc: WordEncoding) -> String {
    let mut word = format!("=?{label}?{letter}?");
    match enc {
        WordEncoding::B => word.push_str(&base64(bytes)),
        WordEncoding::Q => q_encode(bytes, &mut word),
    }
    word.push_str("?=");
    word
}

/// Characters allowed unencoded in an RFC 2231 extended value.
fn attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// RFC 2231 parameter `name*=UTF-8''…` for a non-ASCII value, split into continuations
/// (`name*0*=…; name*1*=…`) when long. Returns the `attr=value` pieces to join with `;`.
pub(crate) fn rfc2231_param(name: &str, value: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for &b in value.as_bytes() {
        if attr_char(b) {
            tokens.push(char::from(b).to_string());
        } else {
            tokens.push(format!("%{:02X}", b));
        }
    }
    let mut segments: Vec<String> = vec![String::new()];
    for token in tokens {
        let current = segments.last_mut().map_or(0, |s| s.len());
        if current + token.len() > 48 {
            segments.push(String::new());
        }
        if let Some(s) = segments.last_mut() {
            s.push_str(&token);
        }
    }
    if segments.len() == 1 {
        return vec![format!("{name}*=UTF-8''{}", segments[0])];
    }
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                format!("{name}*0*=UTF-8''{s}")
            } else {
                format!("{name}*{i}*={s}")
            }
        })
        .collect()
}

/// A quoted-string (`"…"`, with `\` escapes).
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Appends a header whose value is made of `tokens` separated by single spaces, folding between
/// tokens so that lines stay within 78 characters where possible.
pub(crate) fn folded_header(out: &mut Vec<u8>, name: &str, tokens: &[String]) {
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    let mut col = name.len() + 1;
    for token in tokens {
        if col > name.len() + 1 && col + 1 + token.len() > HEADER_WIDTH {
            out.extend_from_slice(b"\r\n");
            col = 0;
        }
        out.push(b' ');
        out.extend_from_slice(token.as_bytes());
        col += 1 + token.len();
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends a header made of `items` separated by `sep` (`,` for address lists, `;` for
/// parameters), each item on the current line if it fits, else on a new folded line.
pub(crate) fn list_header(out: &mut Vec<u8>, name: &str, items: &[String], sep: char) {
    let mut tokens: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item = if i + 1 < items.len() {
            format!("{item}{sep}")
        } else {
            item.clone()
        };
        // Fold inside an item too (between encoded-words and the address), but not inside a
        // quoted-string.
        if item.contains('"') {
            tokens.push(item);
        } else {
            tokens.extend(item.split(' ').map(str::to_string));
        }
    }
    folded_header(out, name, &tokens);
}

/// Characters that force a display name into a quoted-string.
fn needs_quotes(s: &str) -> bool {
    s.chars().any(|c| "()<>[]:;@\\,.\"".contains(c))
}

/// How to write a non-ASCII display name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameStyle {
    pub charset: Charset,
    pub encoding: WordEncoding,
    pub lowercase_label: bool,
}

/// `Display Name <addr>`: the name as is, quoted when it has specials (commas…), or as RFC 2047
/// encoded-words when not ASCII. An empty name gives the bare address.
pub(crate) fn address(name: &str, email: &str, style: NameStyle) -> String {
    if name.is_empty() {
        return email.to_string();
    }
    let phrase = if name.is_ascii() {
        if needs_quotes(name) {
            quoted(name)
        } else {
            name.to_string()
        }
    } else {
        let charset = if style.charset == Charset::Latin1 && latin1_ok(name) {
            Charset::Latin1
        } else {
            Charset::Utf8
        };
        let label = match (charset, style.lowercase_label) {
            (Charset::Utf8, false) => "UTF-8",
            (Charset::Utf8, true) => "utf-8",
            (Charset::Latin1, false) => "ISO-8859-1",
            (Charset::Latin1, true) => "iso-8859-1",
        };
        encoded_words(name, charset, label, style.encoding, WORD_MAX).join(" ")
    };
    format!("{phrase} <{email}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn quoted_printable_wraps_and_escapes() {
        let mut out = Vec::new();
        quoted_printable("Réunion = 2 € \n".repeat(20).as_bytes(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("R=C3=A9union =3D 2 =E2=82=AC=20\r\n"));
        assert!(text.lines().all(|l| l.len() <= 76), "{text}");
    }

    #[test]
    fn encoded_words_split_on_characters() {
        let words = encoded_words(
            "Conseil municipal du 12 mars – délibérations à transmettre à la préfecture avant vendredi",
            Charset::Utf8,
            "UTF-8",
            WordEncoding::Q,
            66,
        );
        assert!(words.len() > 1);
        assert!(words.iter().all(|w| w.len() <= 75 && w.starts_with("=?UTF-8?Q?")));
        assert_eq!(
            encoded_words("Zoé", Charset::Latin1, "ISO-8859-1", WordEncoding::B, 75),
            ["=?ISO-8859-1?B?Wm/p?="]
        );
    }

    #[test]
    fn rfc2231_continuations() {
        assert_eq!(
            rfc2231_param("filename", "été.pdf"),
            ["filename*=UTF-8''%C3%A9t%C3%A9.pdf"]
        );
        let long = rfc2231_param(
            "filename",
            "Compte-rendu de la réunion du conseil municipal du 12 mars.pdf",
        );
        assert!(long.len() > 1 && long[0].starts_with("filename*0*=UTF-8''") && long[1].starts_with("filename*1*="));
    }

    #[test]
    fn addresses() {
        let style = NameStyle {
            charset: Charset::Utf8,
            encoding: WordEncoding::Q,
            lowercase_label: false,
        };
        assert_eq!(
            address("Dupont, Jean", "j@x.test", style),
            "\"Dupont, Jean\" <j@x.test>"
        );
        assert_eq!(
            address("Zoé Roux", "z@x.test", style),
            "=?UTF-8?Q?Zo=C3=A9_Roux?= <z@x.test>"
        );
        assert_eq!(ascii_fold("Hélène D'Almeida"), "helene-d-almeida");
    }
}
