//! RFC 2231 parameter continuations (`filename*0*=ISO-8859-1''Acte%20d; filename*1*=%E9tat`).
//!
//! mail-parser applies the charset of the first segment to that segment only, so a long
//! Latin-1 file name split over several lines comes out with replacement characters. We read
//! such a parameter again from the raw header: segments in order, percent-decoded where marked,
//! then decoded from the first segment's charset.

use std::collections::BTreeMap;

use mail_parser::decoders::charsets::map::charset_decoder;

/// The most segments of one parameter.
const MAX_SEGMENTS: u32 = 64;

/// The value of parameter `name` in a raw `Content-Type`/`Content-Disposition` value, if it is
/// written with RFC 2231 continuations.
pub(super) fn parameter(header: &str, name: &str) -> Option<String> {
    let mut charset: Option<String> = None;
    let mut segments: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for param in header.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let Some(rest) = key.strip_prefix(name).and_then(|r| r.strip_prefix('*')) else {
            continue;
        };
        let (index, encoded) = match rest.strip_suffix('*') {
            Some(index) => (index, true),
            None => (rest, false),
        };
        let Ok(index) = index.parse::<u32>() else { continue };
        if index >= MAX_SEGMENTS {
            continue;
        }
        let value = value.trim().trim_matches('"');
        let value = match (index, encoded) {
            (0, true) => {
                let mut fields = value.splitn(3, '\'');
                let (cs, _lang, text) = (fields.next(), fields.next(), fields.next());
                charset = cs.map(str::to_owned);
                text.unwrap_or(value)
            }
            _ => value,
        };
        segments.insert(
            index,
            if encoded {
                percent_decoded(value)
            } else {
                value.as_bytes().to_vec()
            },
        );
    }
    if segments.len() < 2 || segments.keys().copied().ne(0..segments.len() as u32) {
        return None;
    }
    let bytes: Vec<u8> = segments.into_values().flatten().collect();
    let decoder = charset.as_deref().and_then(|c| charset_decoder(c.as_bytes()));
    Some(match decoder {
        Some(decode) => decode(&bytes),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn percent_decoded(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
