//! Tests of the generator: determinism, the mix of features and sizes, the structure of every
//! message (checked by a small independent MIME reader), and the maildir seeder.

use std::collections::HashMap;
use std::path::Path;

use super::*;

fn opts(seed: u64) -> GenOptions {
    GenOptions {
        seed,
        ..GenOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// A small MIME reader, independent of the generator's encoders.

/// Unfolded headers, names lowercased.
type Headers = Vec<(String, String)>;
/// A feature a corpus must show: its name and a test on a message's (decoded) text.
type Feature = (&'static str, fn(&str) -> bool);

/// A leaf part: its headers and decoded body.
#[derive(Debug)]
struct Leaf {
    headers: Headers,
    body: Vec<u8>,
}

impl Leaf {
    fn get(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Splits an entity at the blank line; checks that every header line is ASCII, short and
/// CRLF-ended, and returns the unfolded headers and the body.
fn split_entity(bytes: &[u8]) -> Result<(Headers, &[u8]), String> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no blank line after the headers")?;
    let head = &bytes[..end + 2];
    let mut headers: Headers = Vec::new();
    for line in head.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let line = line.strip_suffix(b"\r").ok_or("header line without CR")?;
        if !line.is_ascii() {
            return Err(format!("non-ASCII header line: {}", String::from_utf8_lossy(line)));
        }
        if line.len() > 998 || line.contains(&b'\r') {
            return Err(format!("bad header line: {}", String::from_utf8_lossy(line)));
        }
        let line = String::from_utf8_lossy(line).into_owned();
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().ok_or("continuation line first")?;
            last.1.push_str(&line);
        } else {
            let (name, value) = line.split_once(':').ok_or(format!("header without colon: {line}"))?;
            headers.push((name.to_ascii_lowercase(), value.trim_start().to_string()));
        }
    }
    Ok((headers, &bytes[end + 4..]))
}

/// A parameter of a structured header value (`boundary`, `charset`…), unquoted; RFC 2231
/// values and continuations are decoded.
fn param(value: &str, name: &str) -> Option<String> {
    let mut plain = None;
    let mut pieces: Vec<(usize, String)> = Vec::new();
    for part in split_params(value).into_iter().skip(1) {
        let (key, val) = part.split_once('=')?;
        let key = key.trim().to_ascii_lowercase();
        let val = val.trim();
        if key == name {
            plain = Some(val.trim_matches('"').replace("\\\"", "\""));
        } else if key == format!("{name}*") {
            pieces.push((0, val.to_string()));
        } else if let Some(n) = key.strip_prefix(&format!("{name}*")) {
            let n = n.trim_end_matches('*').parse().ok()?;
            pieces.push((n, val.to_string()));
        }
    }
    if pieces.is_empty() {
        return plain;
    }
    pieces.sort();
    let joined: String = pieces.into_iter().map(|(_, v)| v).collect();
    let (charset, rest) = joined.split_once('\'')?;
    let (_, encoded) = rest.split_once('\'')?;
    assert_eq!(charset.to_ascii_uppercase(), "UTF-8");
    String::from_utf8(percent_decode(encoded)).ok()
}

/// Splits a header value on `;` outside quotes.
fn split_params(value: &str) -> Vec<String> {
    let (mut parts, mut current, mut in_quotes) = (Vec::new(), String::new(), false);
    for c in value.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                current.push(c);
            }
            ';' if !in_quotes => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn base64_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for &c in s {
        let Some(v) = b64_value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn qp_decode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(l) => (l, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            if line[i] == b'=' {
                out.push(u8::from_str_radix(std::str::from_utf8(&line[i + 1..i + 3]).unwrap(), 16).unwrap());
                i += 3;
            } else {
                out.push(line[i]);
                i += 1;
            }
        }
        if !soft {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Checks an entity's structure and collects its leaves.
fn walk(bytes: &[u8], leaves: &mut Vec<Leaf>) -> Result<(), String> {
    let (headers, body) = split_entity(bytes)?;
    let content_type = header(&headers, "content-type").unwrap_or("text/plain").to_string();
    let cte = header(&headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    for line in body.split(|&b| b == b'\n') {
        if line.len() > 999 {
            return Err("body line longer than 998".into());
        }
    }
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = param(&content_type, "boundary").ok_or("multipart without boundary")?;
        return walk_multipart(body, &boundary, leaves);
    }
    let decoded = match cte.as_str() {
        "base64" => {
            for line in body.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let line = line.strip_suffix(b"\r").ok_or("base64 line without CR")?;
                if line.len() > 76 || line.len() % 4 != 0 || !line.iter().all(|&c| b64_value(c).is_some() || c == b'=')
                {
                    return Err(format!("bad base64 line: {}", String::from_utf8_lossy(line)));
                }
            }
            base64_decode(body)
        }
        "quoted-printable" => {
            if body
                .split(|&b| b == b'\n')
                .any(|l| l.strip_suffix(b"\r").unwrap_or(l).len() > 76)
            {
                return Err("quoted-printable line longer than 76".into());
            }
            qp_decode(body)
        }
        "7bit" | "8bit" => body.to_vec(),
        other => return Err(format!("unknown transfer encoding {other}")),
    };
    if cte == "7bit" && !body.is_ascii() {
        return Err("7bit body with 8-bit bytes".into());
    }
    leaves.push(Leaf { headers, body: decoded });
    Ok(())
}

fn walk_multipart(body: &[u8], boundary: &str, leaves: &mut Vec<Leaf>) -> Result<(), String> {
    let delimiter = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut closed = false;
    for line in body.split_inclusive(|&b| b == b'\n') {
        let trimmed = line.strip_suffix(b"\r\n").unwrap_or(line);
        if trimmed == close.as_bytes() {
            parts.extend(current.take());
            closed = true;
            break;
        } else if trimmed == delimiter.as_bytes() {
            parts.extend(current.take());
            current = Some(Vec::new());
        } else if let Some(part) = current.as_mut() {
            part.extend_from_slice(line);
        }
    }
    if !closed {
        return Err(format!("boundary {boundary} not closed"));
    }
    if parts.is_empty() {
        return Err(format!("no part in {boundary}"));
    }
    for mut part in parts {
        // The CRLF before a delimiter belongs to it.
        part.truncate(part.len().saturating_sub(2));
        part.extend_from_slice(b"\r\n");
        walk(&part, leaves)?;
    }
    Ok(())
}

/// Decodes RFC 2047 encoded-words in an unstructured value (whitespace between adjacent
/// encoded-words is dropped).
fn decode_2047(value: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    let mut pending_space = String::new();
    for token in value.split_inclusive(' ') {
        let word = token.trim_end_matches(' ');
        let spaces = &token[word.len()..];
        if let Some(decoded) = decode_word(word) {
            if !last_was_word {
                out.push_str(&pending_space);
            }
            out.push_str(&decoded);
            last_was_word = true;
        } else {
            out.push_str(&pending_space);
            out.push_str(word);
            last_was_word = false;
        }
        pending_space = spaces.to_string();
    }
    out
}

fn decode_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut it = inner.splitn(3, '?');
    let (charset, enc, text) = (it.next()?, it.next()?, it.next()?);
    let bytes = match enc {
        "B" | "b" => base64_decode(text.as_bytes()),
        "Q" | "q" => {
            let mut out = Vec::new();
            let b = text.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'_' => out.push(b' '),
                    b'=' => {
                        out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).ok()?);
                        i += 2;
                    }
                    c => out.push(c),
                }
                i += 1;
            }
            out
        }
        _ => return None,
    };
    match charset.to_ascii_uppercase().as_str() {
        "UTF-8" => String::from_utf8(bytes).ok(),
        "ISO-8859-1" => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        _ => None,
    }
}

/// Display name of an address (`"Dupont, Jean" <…>`, `=?…?= <…>`, bare address).
fn display_name(addr: &str) -> String {
    let Some((name, _)) = addr.rsplit_once(" <") else {
        return String::new();
    };
    let name = name.trim();
    if let Some(q) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        q.replace("\\\"", "\"")
    } else {
        decode_2047(name)
    }
}

/// Checks one whole message; returns its leaves.
fn check_message(bytes: &[u8], summary: &Summary) -> Result<Vec<Leaf>, String> {
    let (headers, _) = split_entity(bytes)?;
    for required in [
        "date",
        "from",
        "to",
        "subject",
        "message-id",
        "mime-version",
        "content-type",
    ] {
        if header(&headers, required).is_none() {
            return Err(format!("no {required} header"));
        }
    }
    let subject = decode_2047(header(&headers, "subject").unwrap_or_default());
    if subject != summary.subject {
        return Err(format!("subject {subject:?} != {:?}", summary.subject));
    }
    let from = display_name(header(&headers, "from").unwrap_or_default());
    if from != summary.from.name {
        return Err(format!("from {from:?} != {:?}", summary.from.name));
    }
    if header(&headers, "message-id") != Some(summary.message_id.as_str()) {
        return Err("message-id".into());
    }
    let mut leaves = Vec::new();
    walk(bytes, &mut leaves)?;
    for leaf in &leaves {
        check_leaf(leaf)?;
    }
    Ok(leaves)
}

fn check_leaf(leaf: &Leaf) -> Result<(), String> {
    let content_type = leaf.get("content-type").unwrap_or("text/plain").to_ascii_lowercase();
    if content_type.starts_with("text/") {
        let charset = param(&content_type, "charset").unwrap_or_default();
        if charset == "utf-8" && std::str::from_utf8(&leaf.body).is_err() {
            return Err(format!("{content_type}: invalid UTF-8"));
        }
    }
    if content_type.starts_with("text/calendar") {
        check_calendar(&leaf.body)?;
    }
    if let Some(disposition) = leaf.get("content-disposition") {
        let name = param(disposition, "filename").ok_or("attachment without file name")?;
        let name = decode_2047(&name);
        if name.is_empty() || name.contains("=?") {
            return Err(format!("file name {name:?}"));
        }
    }
    Ok(())
}

fn check_calendar(body: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let mut stack = Vec::new();
    for line in text.split("\r\n") {
        if line.len() > 75 {
            return Err(format!("iCalendar line longer than 75 octets: {line}"));
        }
        if let Some(c) = line.strip_prefix("BEGIN:") {
            stack.push(c);
        } else if let Some(c) = line.strip_prefix("END:") {
            if stack.pop() != Some(c) {
                return Err(format!("END:{c} unbalanced"));
            }
        }
    }
    let unfolded = text.replace("\r\n ", "");
    for needed in [
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "UID:",
        "DTSTAMP:",
        "DTSTART;TZID=Europe/Paris:",
        "DTEND;",
        "SUMMARY:",
        "ORGANIZER;",
        "ATTENDEE;",
        "TZID:Europe/Paris",
    ] {
        if !unfolded.contains(needed) {
            return Err(format!("calendar without {needed}"));
        }
    }
    if !stack.is_empty() {
        return Err("unclosed calendar component".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = opts(42);
    for i in [0, 1, 2, 17, 500, 12_345, 99_999] {
        assert_eq!(message(&a, i), message(&a, i), "message {i}");
        assert_ne!(message(&a, i), message(&opts(43), i), "message {i}");
    }
    assert_ne!(message(&a, 1), message(&a, 2));
}

#[test]
fn message_ids_dates_and_threads() {
    let o = opts(7);
    let mut previous = i64::MIN;
    let mut ids = std::collections::HashSet::new();
    let mut replies = 0;
    for i in 0..2_000 {
        let s = summary(&o, i);
        assert!(ids.insert(s.message_id.clone()));
        assert!(s.date_unix > previous);
        assert!(s.sent_unix <= s.date_unix && s.date_unix - s.sent_unix < 120);
        previous = s.date_unix;
        assert!(s.references.len() <= thread::MAX_DEPTH);
        if let Some(parent) = s.parent {
            replies += 1;
            assert!(parent < i);
            assert_eq!(s.references.last(), Some(&parent));
            let p = summary(&o, parent);
            assert_eq!(&s.references[..s.references.len() - 1], &p.references[..]);
            assert!(s.subject.ends_with(&summary(&o, s.references[0]).subject));
        }
    }
    assert!((550..800).contains(&replies), "{replies} replies out of 2000");
    // About 53 messages a weekday: 2,000 messages take five to eight weeks.
    let span = summary(&o, 1_999).date_unix - summary(&o, 0).date_unix;
    assert!((35 * 86_400..56 * 86_400).contains(&span), "{span}");
}

/// Features that a corpus must show.
fn features() -> Vec<Feature> {
    vec![
        ("attachment named per RFC 2231", |m| {
            m.contains("filename*=UTF-8''") || m.contains("filename*0*=UTF-8''")
        }),
        ("attachment name continued (RFC 2231)", |m| m.contains("filename*1*=")),
        ("attachment named per RFC 2047 in quotes", |m| {
            m.contains("filename=\"=?")
        }),
        ("HTML part", |m| m.contains("Content-Type: text/html")),
        ("invitation", |m| {
            m.contains("Content-Type: text/calendar; method=REQUEST; charset=UTF-8")
        }),
        ("reply with References", |m| {
            m.contains("\r\nReferences: <") && m.contains("\r\nIn-Reply-To: <")
        }),
        ("ISO-8859-1 text part", |m| {
            m.contains("text/plain; charset=ISO-8859-1") || m.contains("text/plain; charset=iso-8859-1")
        }),
        ("ISO-8859-1 encoded-word", |m| {
            m.contains("=?ISO-8859-1?Q?") || m.contains("=?iso-8859-1?Q?")
        }),
        ("UTF-8 B encoded-word", |m| {
            m.contains("=?UTF-8?B?") || m.contains("=?utf-8?B?")
        }),
        ("UTF-8 Q encoded-word", |m| {
            m.contains("=?UTF-8?Q?") || m.contains("=?utf-8?Q?")
        }),
        ("subject split in encoded-words", |m| {
            m.contains("\r\nSubject: =?") && m.contains("?=\r\n =?")
        }),
        ("quoted display name", |m| m.contains("From: \"")),
        ("tracking pixel on loopback", |m| {
            m.contains("<img src=\"http://127.0.0.1:9/pixel.gif")
        }),
        ("inline image", |m| {
            m.contains("multipart/related") && m.contains("Content-ID: <")
        }),
        ("format=flowed", |m| m.contains("format=flowed")),
        ("quoted-printable", |m| {
            m.contains("Content-Transfer-Encoding: quoted-printable")
        }),
        ("8bit", |m| m.contains("Content-Transfer-Encoding: 8bit")),
        ("several recipients", |m| {
            m.lines().any(|l| l.starts_with("To: ") && l.contains(">, "))
        }),
        ("Cc", |m| m.contains("\r\nCc: ")),
        ("forward", |m| {
            m.contains("\r\nSubject: TR: ") || m.contains("\r\nSubject: Fwd: ")
        }),
        ("newsletter", |m| m.contains("List-Unsubscribe:")),
        ("summer time", |m| m.contains(" +0200\r\n")),
        ("winter time", |m| m.contains(" +0100\r\n")),
    ]
}

#[test]
fn corpus_of_2000_is_varied_well_formed_and_about_10_kb() {
    // Starting in October, to see both summer and winter time.
    let o = GenOptions {
        start_unix: time::paris_to_unix(2024, 10, 10, 8, 0),
        ..opts(2024)
    };
    let n = 2_000u64;
    let mut total = 0usize;
    let mut sizes = Vec::new();
    let features = features();
    let mut seen = vec![0u32; features.len()];
    let mut kinds: HashMap<Kind, (u32, usize)> = HashMap::new();
    for i in 0..n {
        let bytes = message(&o, i);
        let s = summary(&o, i);
        let leaves = check_message(&bytes, &s).unwrap_or_else(|e| {
            panic!(
                "message {i}: {e}\n{}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(6000)])
            )
        });
        total += bytes.len();
        sizes.push(bytes.len());
        let entry = kinds.entry(s.kind).or_default();
        entry.0 += 1;
        entry.1 += bytes.len();
        // The raw message and its decoded text parts.
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        for leaf in leaves
            .iter()
            .filter(|l| l.get("content-type").is_some_and(|t| t.starts_with("text/")))
        {
            text.push_str(&String::from_utf8_lossy(&leaf.body));
        }
        for (k, (_, has)) in features.iter().enumerate() {
            if has(&text) {
                seen[k] += 1;
            }
        }
    }
    let average = total as f64 / n as f64 / 1000.0;
    sizes.sort_unstable();
    let small = sizes.iter().filter(|&&s| (2_000..6_000).contains(&s)).count();
    let big = sizes.iter().filter(|&&s| (20_000..200_000).contains(&s)).count();
    println!(
        "average {average:.2} KB, median {} B, max {} B",
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
    println!("2–6 KB: {small}, 20–200 KB: {big}");
    for (kind, (count, bytes)) in &kinds {
        println!(
            "{kind:?}: {count} messages, average {:.1} KB",
            *bytes as f64 / f64::from(*count) / 1000.0
        );
    }
    for ((name, _), count) in features.iter().zip(&seen) {
        println!("{count:5}  {name}");
        assert!(*count > 0, "no message has: {name}");
    }
    assert!((8.0..12.0).contains(&average), "average size {average:.2} KB");
    assert!(small as u64 > n / 3, "only {small} messages of 2–6 KB");
    assert!(big as u64 > n / 20, "only {big} messages of 20–200 KB");
}

/// Parses `<unixtime>.M<index>P<pid>.calame,S=<size>,W=<size>:2,<flags>`.
fn parse_name(name: &str) -> (i64, u64, u64, String) {
    let (base, flags) = name.split_once(":2,").unwrap();
    let mut fields = base.split(',');
    let unique = fields.next().unwrap();
    let s = fields.next().unwrap().strip_prefix("S=").unwrap().parse().unwrap();
    let w = fields.next().unwrap().strip_prefix("W=").unwrap().parse().unwrap();
    let time = unique.split('.').next().unwrap().parse().unwrap();
    (time, s, w, flags.to_string())
}

fn check_maildir(dir: &Path, count: usize) {
    for sub in ["new", "tmp"] {
        assert_eq!(std::fs::read_dir(dir.join(sub)).unwrap().count(), 0);
    }
    let mut files = 0;
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("cur")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let (time, s, w, flags) = parse_name(&name);
        let meta = entry.metadata().unwrap();
        assert_eq!(meta.len(), s, "{name}");
        let mtime = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(mtime as i64, time, "{name}");
        if files % 97 == 0 {
            let content = std::fs::read(entry.path()).unwrap();
            let lines = content.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(s + lines, w, "{name}");
            assert!(!content.contains(&b'\r'));
        }
        let mut sorted: Vec<char> = flags.chars().collect();
        sorted.sort_unstable();
        assert_eq!(sorted.into_iter().collect::<String>(), flags);
        seen += usize::from(flags.contains('S'));
        files += 1;
    }
    assert_eq!(files, count);
    assert!(seen > count * 8 / 10 && seen < count, "{seen} seen of {count}");
}

#[test]
fn seed_maildir_writes_dovecot_named_files() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("INBOX");
    let report = seed_maildir(&folder, &opts(5), 0, 10_000).unwrap();
    println!(
        "seeded {} messages, {:.1} MB in {:.2} s: {:.0} messages/s (debug build)",
        report.messages,
        report.bytes as f64 / 1e6,
        report.seconds,
        report.messages_per_second()
    );
    assert_eq!(report.messages, 10_000);
    check_maildir(&folder, 10_000);
    // Appending more to the same folder keeps names unique.
    seed_maildir_owned(&folder, &opts(5), 10_000, 10, None, None).unwrap();
    assert_eq!(std::fs::read_dir(folder.join("cur")).unwrap().count(), 10_010);
}

/// `cargo test -p calame-testkit --release --lib mailgen::tests::seed_100k -- --ignored --nocapture`
#[test]
#[ignore = "measurement: seeds 100,000 messages (about 1 GB)"]
fn seed_100k() {
    // MAILGEN_SEED_DIR=/dev/shm measures without the disk. On ext4 without a journal, creating
    // files right after deleting many (a previous run) is several times slower: the allocator
    // skips inodes freed in the last minutes.
    let parent = std::env::var("MAILGEN_SEED_DIR").unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let dir = tempfile::tempdir_in(parent).unwrap();
    let report = seed_maildir(dir.path(), &opts(1), 0, 100_000).unwrap();
    println!(
        "seeded {} messages, {:.3} GB ({:.3} GB with CRLF, average {:.2} KB) in {:.2} s: {:.0} messages/s",
        report.messages,
        report.bytes as f64 / 1e9,
        report.crlf_bytes as f64 / 1e9,
        report.crlf_bytes as f64 / report.messages as f64 / 1e3,
        report.seconds,
        report.messages_per_second()
    );
    check_maildir(dir.path(), 100_000);
}

/// Writes sample messages for reading: `MAILGEN_DUMP=/tmp/samples cargo test … dump -- --ignored`.
#[test]
#[ignore = "writes sample messages to $MAILGEN_DUMP"]
fn dump() {
    let dir = std::env::var("MAILGEN_DUMP").unwrap_or_else(|_| "/tmp/mailgen-samples".into());
    std::fs::create_dir_all(&dir).unwrap();
    let count = std::env::var("MAILGEN_DUMP_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    for i in 0..count {
        std::fs::write(format!("{dir}/{i:03}.eml"), message(&GenOptions::default(), i)).unwrap();
    }
}

/// Size statistics of many messages: `MAILGEN_STATS=20000 cargo test … size_stats -- --ignored --nocapture`.
#[test]
#[ignore = "measurement: size statistics"]
fn size_stats() {
    let n: u64 = std::env::var("MAILGEN_STATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let o = opts(1);
    let mut sizes: Vec<usize> = Vec::new();
    let mut kinds: HashMap<Kind, (u32, usize)> = HashMap::new();
    let mut buf = Vec::new();
    for i in 0..n {
        buf.clear();
        message_into(&o, i, &mut buf);
        sizes.push(buf.len());
        let entry = kinds.entry(summary(&o, i).kind).or_default();
        entry.0 += 1;
        entry.1 += buf.len();
    }
    let total: usize = sizes.iter().sum();
    sizes.sort_unstable();
    let pct = |p: usize| sizes[(sizes.len() - 1) * p / 100];
    println!(
        "{n} messages: average {:.2} KB; p10 {} p50 {} p90 {} p99 {} max {}",
        total as f64 / n as f64 / 1000.0,
        pct(10),
        pct(50),
        pct(90),
        pct(99),
        sizes[sizes.len() - 1]
    );
    for (kind, (count, bytes)) in &kinds {
        println!(
            "{kind:?}: {count} messages, average {:.1} KB",
            *bytes as f64 / f64::from(*count) / 1000.0
        );
    }
}

/// Seeds a maildir for inspection with real tools (Dovecot): `MAILGEN_SEED_TO=/tmp/md
/// MAILGEN_SEED_COUNT=300 MAILGEN_SEED_UID=65534 cargo test … seed_for_inspection -- --ignored`.
#[test]
#[ignore = "writes a maildir to $MAILGEN_SEED_TO"]
fn seed_for_inspection() {
    let dir = std::env::var("MAILGEN_SEED_TO").unwrap_or_else(|_| "/tmp/mailgen-maildir".into());
    let count = std::env::var("MAILGEN_SEED_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let uid = std::env::var("MAILGEN_SEED_UID").ok().and_then(|v| v.parse().ok());
    let report = seed_maildir_owned(Path::new(&dir), &GenOptions::default(), 0, count, uid, uid).unwrap();
    println!("{report:?}");
}
