//! `UID FETCH` read as a stream: the command is written on the session's socket and each
//! `* n FETCH (...)` response is parsed in place and handed over before the next one is read,
//! so a 100,000-message fetch never sits in memory whole. Several fetches run one after the
//! other on one buffer; each one's completion is reported. Only between commands, when async-imap has
//! nothing buffered (as [`super::raw`]).
//!
//! Every byte here comes from the server and is untrusted: responses are bounded in size,
//! parsing is by `get`, and anything unexpected is an error value or skipped.

use std::borrow::Cow;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Connection;
use crate::error::{Error, Result};

/// The largest single response accepted (a whole message with its attachments).
const MAX_RESPONSE: usize = 256 << 20;
const READ_CHUNK: usize = 256 << 10;
/// Silence longer than this means the connection is gone.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The attributes of one FETCH response, borrowed from the read buffer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FetchItem<'a> {
    pub uid: Option<u32>,
    /// `None` when FLAGS was not in the response.
    pub flags: Option<Vec<&'a str>>,
    pub size: Option<u32>,
    pub modseq: Option<u64>,
    pub internal_date: Option<Cow<'a, str>>,
    /// `BODY[HEADER...]` / `RFC822.HEADER`.
    pub header: Option<Cow<'a, [u8]>>,
    /// `BODY[]` / `RFC822`.
    pub body: Option<Cow<'a, [u8]>>,
}

/// What the reader hands over.
#[derive(Debug)]
pub enum Fetched<'a> {
    Item(FetchItem<'a>),
    /// The `i`-th command of the pipeline has completed (in order).
    Done(usize),
}

/// Run each `UID FETCH` of `commands` (`(set, query)`) in turn and call `each` for every FETCH
/// response and for every completed command. The commands are not pipelined: Dovecot runs
/// pipelined FETCHes side by side and interleaves their responses, and callers rely on a
/// command's responses all coming before its completion. A command the server refuses fails
/// the whole call (what was handed over before stays with the caller).
pub async fn uid_fetch_each<F>(conn: &mut Connection, commands: &[(String, String)], mut each: F) -> Result<()>
where
    F: FnMut(Fetched<'_>) -> Result<()>,
{
    let host = conn.host.clone();
    let mut reader = Reader::new(&host);
    for (i, (set, query)) in commands.iter().enumerate() {
        let tag = conn.next_tag();
        let stream = conn.session.as_mut();
        stream
            .write_all(format!("{tag} UID FETCH {set} {query}\r\n").as_bytes())
            .await
            .map_err(|e| Error::network(&host, e))?;
        stream.flush().await.map_err(|e| Error::network(&host, e))?;
        loop {
            let line = reader.next(stream).await?;
            if let Some(rest) = line.strip_prefix(b"* ") {
                if let Some(item) = parse_fetch(rest) {
                    each(Fetched::Item(item))?;
                } else if starts_with_ci(rest, b"BYE") {
                    return Err(Error::network(&host, String::from_utf8_lossy(rest).into_owned()));
                }
                // Other untagged data (EXISTS, EXPUNGE, VANISHED...) is left to the next resync.
                continue;
            }
            let Some((got, status)) = split_tagged(line) else {
                continue;
            };
            if got != tag.as_bytes() {
                continue;
            }
            if starts_with_ci(status, b"OK") {
                each(Fetched::Done(i))?;
                break;
            }
            let text = String::from_utf8_lossy(status).trim_end().to_owned();
            return Err(if starts_with_ci(status, b"NO") {
                Error::Refused(format!("UID FETCH: {text}"))
            } else {
                Error::Protocol(format!("{host} rejected UID FETCH: {text}"))
            });
        }
    }
    if reader.has_leftover() {
        tracing::debug!("{host} sent data after the last FETCH completed; dropped");
    }
    Ok(())
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// `TAG STATUS text` → (tag, `STATUS text`).
fn split_tagged(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = line.iter().position(|&c| c == b' ')?;
    Some((line.get(..space)?, line.get(space + 1..)?))
}

/// Reads whole responses (a line and its literals) from the socket into one growing buffer.
struct Reader<'h> {
    host: &'h str,
    buf: Vec<u8>,
    /// Start of the unread data.
    start: usize,
    /// End of the data read so far.
    end: usize,
}

impl<'h> Reader<'h> {
    fn new(host: &'h str) -> Self {
        Reader {
            host,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
        }
    }

    fn has_leftover(&self) -> bool {
        self.end > self.start
    }

    /// The next response without its final CRLF.
    async fn next<S>(&mut self, stream: &mut S) -> Result<&[u8]>
    where
        S: tokio::io::AsyncRead + Unpin + ?Sized,
    {
        // Where the scan for the end of the response goes on, relative to `start`.
        let mut scan = 0usize;
        loop {
            match self.complete(&mut scan)? {
                Some(len) => {
                    let from = self.start;
                    self.start += len + 2;
                    return self
                        .buf
                        .get(from..from + len)
                        .ok_or_else(|| Error::Protocol("response bounds".into()));
                }
                None => self.fill(stream).await?,
            }
        }
    }

    /// The length of the complete response at `start`, if all of it has been read. `scan`
    /// keeps how far it got (past whole lines and literals) between calls.
    fn complete(&self, scan: &mut usize) -> Result<Option<usize>> {
        let data = self.buf.get(self.start..self.end).unwrap_or_default();
        loop {
            let Some(rest) = data.get(*scan..) else {
                return Ok(None);
            };
            let Some(nl) = memchr::memmem::find(rest, b"\r\n") else {
                return Ok(None);
            };
            let line_end = *scan + nl;
            let line = data.get(*scan..line_end).unwrap_or_default();
            match literal_len(line) {
                Some(n) => {
                    let after = line_end
                        .checked_add(2)
                        .and_then(|x| x.checked_add(n))
                        .filter(|&x| x <= MAX_RESPONSE)
                        .ok_or_else(|| Error::Protocol(format!("{} sent an oversized literal", self.host)))?;
                    if after > data.len() {
                        return Ok(None);
                    }
                    *scan = after;
                }
                None => return Ok(Some(line_end)),
            }
        }
    }

    /// Read more from the socket, making room first.
    async fn fill<S>(&mut self, stream: &mut S) -> Result<()>
    where
        S: tokio::io::AsyncRead + Unpin + ?Sized,
    {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK / 2 {
            if self.buf.len() >= MAX_RESPONSE {
                return Err(Error::Protocol(format!("{} sent an oversized response", self.host)));
            }
            let grown = (self.buf.len() * 2).min(MAX_RESPONSE + READ_CHUNK);
            self.buf.resize(grown, 0);
        }
        let room = self.buf.get_mut(self.end..).unwrap_or_default();
        let n = tokio::time::timeout(TIMEOUT, stream.read(room))
            .await
            .map_err(|_| Error::network(self.host, "the server stopped answering"))?
            .map_err(|e| Error::network(self.host, e))?;
        if n == 0 {
            return Err(Error::network(self.host, "connection closed"));
        }
        self.end += n;
        Ok(())
    }
}

/// The length announced by a line ending in `{n}` or `{n+}`.
pub(super) fn literal_len(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let open = body.iter().rposition(|&c| c == b'{')?;
    let digits = body.get(open + 1..)?;
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Parse `n FETCH (attributes)` (after `* `); `None` for any other response or a malformed one.
pub fn parse_fetch(input: &[u8]) -> Option<FetchItem<'_>> {
    let mut p = Cursor { input, pos: 0 };
    p.number()?;
    p.expect(b" ")?;
    p.keyword(b"FETCH")?;
    p.expect(b" ")?;
    p.expect(b"(")?;
    let mut item = FetchItem::default();
    loop {
        p.skip_spaces();
        if p.peek()? == b')' {
            return Some(item);
        }
        let name = p.attribute_name()?;
        p.expect(b" ")?;
        let upper = name.to_ascii_uppercase();
        match upper.as_slice() {
            b"UID" => item.uid = u32::try_from(p.number()?).ok(),
            b"RFC822.SIZE" => item.size = u32::try_from(p.number()?).ok(),
            b"MODSEQ" => {
                p.expect(b"(")?;
                item.modseq = Some(p.number()?);
                p.expect(b")")?;
            }
            b"FLAGS" => item.flags = Some(p.flags()?),
            b"INTERNALDATE" => {
                item.internal_date = p.nstring()?.map(|b| match b {
                    Cow::Borrowed(b) => String::from_utf8_lossy(b),
                    Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
                })
            }
            n if n.starts_with(b"BODY[HEADER") || n == b"RFC822.HEADER" => item.header = p.nstring()?,
            n if n.starts_with(b"BODY[]") || n == b"RFC822" => item.body = p.nstring()?,
            _ => p.skip_value(0)?,
        }
    }
}

const MAX_DEPTH: usize = 32;

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn expect(&mut self, what: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(what.len())?;
        (self.input.get(self.pos..end)? == what).then_some(())?;
        self.pos = end;
        Some(())
    }

    fn keyword(&mut self, what: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(what.len())?;
        self.input
            .get(self.pos..end)?
            .eq_ignore_ascii_case(what)
            .then_some(())?;
        self.pos = end;
        Some(())
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.pos += 1;
        }
        (self.pos > start).then_some(n)
    }

    /// An attribute name, brackets included: `BODY[HEADER.FIELDS (FROM TO)]<0>`.
    fn attribute_name(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let mut depth = 0u32;
        while let Some(c) = self.peek() {
            match c {
                b'[' => depth += 1,
                b']' => depth = depth.checked_sub(1)?,
                b' ' | b'(' | b')' if depth == 0 => break,
                b'\r' | b'\n' => return None,
                _ => {}
            }
            self.pos += 1;
        }
        (self.pos > start && depth == 0).then(|| self.input.get(start..self.pos))?
    }

    fn flags(&mut self) -> Option<Vec<&'a str>> {
        self.expect(b"(")?;
        let mut flags = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek()? {
                b')' => {
                    self.pos += 1;
                    return Some(flags);
                }
                _ => {
                    let start = self.pos;
                    while let Some(c) = self
                        .peek()
                        .filter(|c| !matches!(c, b' ' | b')' | b'(' | b'"' | b'\r' | b'\n'))
                    {
                        let _ = c;
                        self.pos += 1;
                    }
                    if self.pos == start {
                        return None;
                    }
                    let flag = std::str::from_utf8(self.input.get(start..self.pos)?).ok();
                    // \Recent describes this session only.
                    if let Some(flag) = flag.filter(|f| !f.eq_ignore_ascii_case("\\Recent")) {
                        flags.push(flag);
                    }
                }
            }
        }
    }

    /// A string, a literal or NIL.
    fn nstring(&mut self) -> Option<Option<Cow<'a, [u8]>>> {
        match self.peek()? {
            b'"' => self.quoted().map(Some),
            b'{' => self.literal().map(|b| Some(Cow::Borrowed(b))),
            b'~' => {
                // A binary literal (RFC 3516).
                self.pos += 1;
                self.literal().map(|b| Some(Cow::Borrowed(b)))
            }
            _ => {
                self.keyword(b"NIL")?;
                Some(None)
            }
        }
    }

    fn quoted(&mut self) -> Option<Cow<'a, [u8]>> {
        self.expect(b"\"")?;
        let start = self.pos;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    let out = match owned {
                        Some(v) => Cow::Owned(v),
                        None => Cow::Borrowed(self.input.get(start..self.pos)?),
                    };
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    let v = owned.get_or_insert_with(|| self.input.get(start..self.pos).unwrap_or_default().to_vec());
                    self.pos += 1;
                    v.push(self.peek()?);
                }
                b'\r' | b'\n' => return None,
                _ => {
                    if let Some(v) = owned.as_mut() {
                        v.push(c);
                    }
                }
            }
            self.pos += 1;
        }
    }

    fn literal(&mut self) -> Option<&'a [u8]> {
        self.expect(b"{")?;
        let n = usize::try_from(self.number()?).ok()?;
        if self.peek()? == b'+' {
            self.pos += 1;
        }
        self.expect(b"}\r\n")?;
        let end = self.pos.checked_add(n)?;
        let bytes = self.input.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    /// Skip one value of an attribute we do not use (BODYSTRUCTURE, ENVELOPE...).
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'(' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                loop {
                    self.skip_spaces();
                    if self.peek()? == b')' {
                        self.pos += 1;
                        return Some(());
                    }
                    self.skip_value(depth + 1)?;
                }
            }
            b'"' => self.quoted().map(drop),
            b'{' => self.literal().map(drop),
            _ => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b' ' | b')' | b'(' | b'\r' | b'\n'))
                {
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_envelope_fetch() {
        let r = b"12 FETCH (UID 345 FLAGS (\\Seen $Label1 \\Recent) RFC822.SIZE 2048 INTERNALDATE \" 7-Mar-2027 09:00:00 +0100\" MODSEQ (77) BODY[HEADER.FIELDS (FROM SUBJECT)] {22}\r\nSubject: a (b) \"c\"\r\n\r\n)";
        let item = parse_fetch(r).unwrap();
        assert_eq!(item.uid, Some(345));
        assert_eq!(item.flags, Some(vec!["\\Seen", "$Label1"]));
        assert_eq!(item.size, Some(2048));
        assert_eq!(item.modseq, Some(77));
        assert_eq!(item.internal_date.as_deref(), Some(" 7-Mar-2027 09:00:00 +0100"));
        assert_eq!(item.header.as_deref(), Some(&b"Subject: a (b) \"c\"\r\n\r\n"[..]));
        assert_eq!(item.body, None);
    }

    #[test]
    fn skips_unknown_attributes_and_reads_bodies() {
        let r = b"1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1) \"mixed\") X-GM-LABELS (\"a\\\"b\" c) BODY[] {5}\r\nhello UID 9)";
        let item = parse_fetch(r).unwrap();
        assert_eq!(item.uid, Some(9));
        assert_eq!(item.body.as_deref(), Some(&b"hello"[..]));
        assert_eq!(item.flags, None);
        let quoted = parse_fetch(b"2 FETCH (UID 3 BODY[HEADER] \"Subject: \\\"q\\\"\")").unwrap();
        assert_eq!(quoted.header.as_deref(), Some(&b"Subject: \"q\""[..]));
        let nil = parse_fetch(b"2 fetch (uid 3 body[header.fields (from)] NIL)").unwrap();
        assert_eq!((nil.uid, nil.header), (Some(3), None));
    }

    #[test]
    fn rejects_what_is_not_a_well_formed_fetch() {
        for bad in [
            &b"3 EXISTS"[..],
            b"OK [HIGHESTMODSEQ 5] x",
            b"1 FETCH (UID 5",
            b"1 FETCH (UID)",
            b"1 FETCH (BODY[] {10}\r\nshort)",
            b"1 FETCH (BODY[] {99999999999999999999}\r\n)",
            b"1 FETCH (FLAGS (\\Seen)",
            b"1 FETCH (X ((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))",
            b"1 FETCH (UID 99999999999)",
            b"",
        ] {
            let parsed = parse_fetch(bad);
            assert!(
                parsed.is_none() || parsed.as_ref().is_some_and(|p| p.uid.is_none()),
                "{:?} gave {parsed:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn literal_lengths() {
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {5}"), Some(5));
        assert_eq!(literal_len(b"x {12+}"), Some(12));
        assert_eq!(literal_len(b"* OK done"), None);
        assert_eq!(literal_len(b"{x}"), None);
        assert_eq!(literal_len(b"{}"), None);
    }

    /// A reader over bytes that arrive a few at a time.
    struct Trickle(Vec<u8>, usize);

    impl tokio::io::AsyncRead for Trickle {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let at = self.1;
            let n = 7.min(self.0.len() - at).min(buf.remaining());
            buf.put_slice(&self.0[at..at + n]);
            self.1 += n;
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn reads_responses_split_anywhere() {
        let data = b"* 1 FETCH (UID 1 BODY[] {12}\r\nab\r\n{3}\r\nxyz)\r\n* 2 EXISTS\r\nT1 OK done\r\n".to_vec();
        let mut stream = Trickle(data, 0);
        let mut reader = Reader::new("h");
        let first = reader.next(&mut stream).await.unwrap().to_vec();
        assert_eq!(first, b"* 1 FETCH (UID 1 BODY[] {12}\r\nab\r\n{3}\r\nxyz)");
        assert_eq!(
            parse_fetch(&first[2..]).unwrap().body.as_deref(),
            Some(&b"ab\r\n{3}\r\nxyz"[..])
        );
        assert_eq!(reader.next(&mut stream).await.unwrap(), b"* 2 EXISTS");
        assert_eq!(reader.next(&mut stream).await.unwrap(), b"T1 OK done");
        assert!(reader.next(&mut stream).await.is_err(), "end of stream is an error");
    }

    #[tokio::test]
    async fn refuses_oversized_literals() {
        let data = format!("* 1 FETCH (BODY[] {{{}}}\r\n", MAX_RESPONSE + 1).into_bytes();
        let mut stream = Trickle(data, 0);
        let mut reader = Reader::new("h");
        assert!(matches!(reader.next(&mut stream).await, Err(Error::Protocol(_))));
    }
}
