//! IMAP mailbox names in modified UTF-7 (RFC 3501 §5.1.3).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn sextet(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Decode a mailbox name. A malformed shift sequence is kept as it is rather than rejected:
/// the name still has to be shown and sent back to the server unchanged.
pub fn decode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(start) = rest.find('&') {
        let (plain, shifted) = rest.split_at(start);
        out.push_str(plain);
        let shifted = shifted.get(1..).unwrap_or("");
        let Some(end) = shifted.find('-') else {
            out.push('&');
            out.push_str(shifted);
            return out;
        };
        let (b64, after) = shifted.split_at(end);
        match (b64.is_empty(), decode_utf16_base64(b64)) {
            (true, _) => out.push('&'),
            (false, Some(text)) => out.push_str(&text),
            (false, None) => {
                out.push('&');
                out.push_str(b64);
                out.push('-');
            }
        }
        rest = after.get(1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn decode_utf16_base64(b64: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(b64.len());
    for c in b64.bytes() {
        bits = (bits << 6) | sextet(c)?;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push(u8::try_from((bits >> nbits) & 0xff).ok()?);
        }
    }
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .filter_map(|p| match p {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        })
        .collect();
    String::from_utf16(&units).ok()
}

/// Encode a UTF-8 name for the server.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut out, &mut pending);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    out.push('&');
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    let mut bits: u32 = 0;
    let mut nbits = 0;
    for b in bytes {
        bits = (bits << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 6 {
            nbits -= 6;
            push_sextet(out, (bits >> nbits) & 0x3f);
        }
    }
    if nbits > 0 {
        push_sextet(out, (bits << (6 - nbits)) & 0x3f);
    }
    out.push('-');
    pending.clear();
}

fn push_sextet(out: &mut String, v: u32) {
    if let Some(&c) = usize::try_from(v).ok().and_then(|i| ALPHABET.get(i)) {
        out.push(char::from(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let cases = [
            ("INBOX", "INBOX"),
            ("Dossiers partag&AOk-s", "Dossiers partagés"),
            ("&ZeVnLIqe-", "日本語"),
            ("Tom &- Jerry", "Tom & Jerry"),
            ("&AMkA6QDoAOo-t&AOk-", "Ééèêté"),
            ("Envoy&AOk-s/Archiv&AOk-s", "Envoyés/Archivés"),
        ];
        for (wire, text) in cases {
            assert_eq!(decode(wire), text, "decode {wire}");
            assert_eq!(encode(text), wire, "encode {text}");
        }
    }

    #[test]
    fn malformed_is_kept() {
        assert_eq!(decode("a&bc"), "a&bc");
        assert_eq!(decode("a&!!-b"), "a&!!-b");
        assert_eq!(decode("&AOk"), "&AOk");
    }

    #[test]
    fn emoji_round_trips() {
        let s = "Réunions 📅";
        assert_eq!(decode(&encode(s)), s);
    }
}
