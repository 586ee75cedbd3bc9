//! A folder's search index: one flat file per cached folder copy, derived from the store and
//! rebuilt whenever it is missing, unreadable, damaged, of another format or older than the
//! copy (its generation differs). Its contents are checked, never trusted.
//!
//! Layout, integers little-endian:
//! - header, 48 bytes: magic `CLMSRCH\0`, format version (u32), 0 (u32), folder id (u64),
//!   the folder's generation (u64), record count (u64), text length (u64);
//! - text: one record per message, by UID ascending: `from 0x1F to+cc 0x1F subject 0x1F body
//!   \n`, each field in normal form (so without control bytes);
//! - table: for each record, its offset in the text (u64) and its UID (u32).
//!
//! A search reads the text backwards, newest first, in chunks of whole records, finds the
//! longest term with a reverse memmem scan, checks the other terms in the hit's record only,
//! and stops as soon as it has enough hits: at most one pass over the file, never all of it
//! in memory.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use memchr::memmem;

use super::normalise::FieldWriter;
use super::query::Query;
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::store::Store;

const MAGIC: &[u8; 8] = b"CLMSRCH\0";
/// Bump when the layout or the normal form changes: older files are then rebuilt.
const VERSION: u32 = 1;
const HEADER_LEN: u64 = 48;
const ENTRY_LEN: u64 = 12;
/// Between the fields of a record.
const SEP: u8 = 0x1f;
/// The first chunk read is small (a frequent term stops there); later ones grow.
const FIRST_CHUNK: u64 = 64 << 10;
const MAX_CHUNK: u64 = 4 << 20;

/// The UIDs of the newest messages of a folder's copy that match, newest first, at most
/// `want`. Builds (or rebuilds) the index first when it cannot be used as it is.
pub fn search(store: &Store, id: u64, query: &Query, want: usize) -> Result<Vec<u32>> {
    if want == 0 {
        return Ok(Vec::new());
    }
    let path = store.index_path(id);
    let generation = store.generation(id)?;
    match Index::open(&path, id, generation).and_then(|mut index| index.search(query, want)) {
        Ok(hits) => return Ok(hits),
        Err(Unusable::Missing | Unusable::Stale) => {}
        Err(Unusable::Damaged(why)) => {
            tracing::warn!("rebuilding the search index {}: {why}", path.display());
        }
    }
    let generation = build(store, id, &path)?;
    Index::open(&path, id, generation)
        .and_then(|mut index| index.search(query, want))
        .map_err(|why| Error::storage(&path, format!("search index unusable after a rebuild: {why}")))
}

/// Why an index file cannot be used as it is.
#[derive(Debug)]
enum Unusable {
    Missing,
    /// Of another format version, folder copy or generation.
    Stale,
    Damaged(String),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Missing => f.write_str("missing"),
            Unusable::Stale => f.write_str("out of date"),
            Unusable::Damaged(why) => f.write_str(why),
        }
    }
}

fn damaged(e: impl ToString) -> Unusable {
    Unusable::Damaged(e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    id: u64,
    generation: u64,
    count: u64,
    text_len: u64,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for n in [self.id, self.generation, self.count, self.text_len] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out
    }

    fn decode(bytes: &[u8; 48]) -> Result<Header, Unusable> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(damaged("not a search index"));
        }
        let u32_at = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_le_bytes)
        };
        let u64_at = |at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes)
        };
        if u32_at(8) != VERSION {
            return Err(Unusable::Stale);
        }
        Ok(Header {
            id: u64_at(16),
            generation: u64_at(24),
            count: u64_at(32),
            text_len: u64_at(40),
        })
    }
}

/// A record's place in the text, and its message.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u64,
    uid: u32,
}

/// One record split into its fields (without the final newline).
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub all: &'a [u8],
    pub from: &'a [u8],
    pub to: &'a [u8],
    pub subject: &'a [u8],
    pub body: &'a [u8],
}

impl<'a> Record<'a> {
    /// `None` unless the bytes hold exactly four fields.
    pub fn parse(all: &'a [u8]) -> Option<Record<'a>> {
        let mut fields = all.split(|b| *b == SEP);
        let record = Record {
            all,
            from: fields.next()?,
            to: fields.next()?,
            subject: fields.next()?,
            body: fields.next()?,
        };
        fields.next().is_none().then_some(record)
    }
}

/// Appends a message's record, with its final newline.
fn write_record(envelope: &Envelope, text: Option<&str>, out: &mut String) {
    let mut from = FieldWriter::new(out);
    if let Some(a) = &envelope.from {
        from.push(a.name.as_deref().unwrap_or(""));
        from.push(&a.email);
    }
    out.push(char::from(SEP));
    let mut to = FieldWriter::new(out);
    for a in envelope.to.iter().chain(&envelope.cc) {
        to.push(a.name.as_deref().unwrap_or(""));
        to.push(&a.email);
    }
    out.push(char::from(SEP));
    FieldWriter::new(out).push(envelope.subject.as_deref().unwrap_or(""));
    out.push(char::from(SEP));
    FieldWriter::new(out).push(text.unwrap_or(""));
    out.push('\n');
}

/// Writes the index of a folder's copy, as the store holds it now; returns the generation it
/// was built for. Written to a temporary file, then renamed: readers see the old file or the
/// new one, whole.
pub fn build(store: &Store, id: u64, path: &Path) -> Result<u64> {
    // Read first: a change made while building leaves the file older than the copy.
    let generation = store.generation(id)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::storage(dir, e))?;
    }
    let tmp = temporary(path);
    let written = write_index(store, id, generation, &tmp);
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    std::fs::rename(&tmp, path).map_err(|e| Error::storage(path, e))?;
    Ok(generation)
}

/// A name no other writer (thread or process) uses at the same time.
fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}-{n}.tmp", std::process::id()));
    path.with_file_name(name)
}

fn write_index(store: &Store, id: u64, generation: u64, tmp: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::storage(tmp, e);
    let file = File::create(tmp).map_err(io)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(&[0; HEADER_LEN as usize]).map_err(io)?;
    let mut table = Vec::new();
    let mut texts = store.body_texts(id)?;
    let mut record = String::new();
    let mut header = Header {
        id,
        generation,
        count: 0,
        text_len: 0,
    };
    store.for_each_envelope(id, |envelope| {
        let uid = envelope.uid;
        let text = texts.get(uid)?;
        record.clear();
        write_record(&envelope, text.as_deref(), &mut record);
        out.write_all(record.as_bytes()).map_err(io)?;
        table.extend_from_slice(&header.text_len.to_le_bytes());
        table.extend_from_slice(&uid.to_le_bytes());
        header.text_len += record.len() as u64;
        header.count += 1;
        Ok(())
    })?;
    out.write_all(&table).map_err(io)?;
    let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(&header.encode()).map_err(io)?;
    Ok(())
}

/// An open index file whose header and table were checked.
struct Index {
    file: File,
    header: Header,
    table: Vec<Entry>,
}

impl Index {
    fn open(path: &Path, id: u64, generation: u64) -> Result<Index, Unusable> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(damaged(e)),
        };
        let len = file.metadata().map_err(damaged)?.len();
        let mut head = [0u8; HEADER_LEN as usize];
        file.read_exact(&mut head).map_err(damaged)?;
        let header = Header::decode(&head)?;
        if header.id != id || header.generation != generation {
            return Err(Unusable::Stale);
        }
        let table_len = header.count.checked_mul(ENTRY_LEN);
        let expected = table_len
            .and_then(|t| t.checked_add(header.text_len))
            .and_then(|n| n.checked_add(HEADER_LEN));
        if expected != Some(len) {
            return Err(damaged(format!("{len} bytes, not what its header says")));
        }
        let table_len = table_len
            .and_then(|t| usize::try_from(t).ok())
            .ok_or_else(|| damaged("table too large"))?;
        let mut raw = vec![0u8; table_len];
        file.seek(SeekFrom::Start(HEADER_LEN + header.text_len))
            .and_then(|_| file.read_exact(&mut raw))
            .map_err(damaged)?;
        let table = parse_table(&raw, header.text_len)?;
        Ok(Index { file, header, table })
    }

    fn search(&mut self, query: &Query, want: usize) -> Result<Vec<u32>, Unusable> {
        let Some(driver) = query.driver() else {
            return Ok(Vec::new());
        };
        let finder = memmem::FinderRev::new(driver.needle.as_bytes());
        let mut hits = Vec::new();
        let mut buf = Vec::new();
        let mut size = FIRST_CHUNK;
        // Records [0, hi) are still to be read.
        let mut hi = self.table.len();
        while hi > 0 && hits.len() < want {
            let last = hi - 1;
            let end = self.table.get(hi).map_or(self.header.text_len, |e| e.offset);
            let floor = end.saturating_sub(size);
            let lo = self
                .table
                .get(..last)
                .map_or(0, |t| t.partition_point(|e| e.offset < floor));
            let entries = self.table.get(lo..hi).unwrap_or_default();
            let start = entries.first().map_or(end, |e| e.offset);
            read_text(&mut self.file, start, end, &mut buf)?;
            let chunk = Chunk {
                text: &buf,
                start,
                end,
                entries,
            };
            chunk.scan(&finder, query, want, &mut hits)?;
            hi = lo;
            size = size.saturating_mul(2).min(MAX_CHUNK);
        }
        Ok(hits)
    }
}

fn read_text(file: &mut File, start: u64, end: u64, buf: &mut Vec<u8>) -> Result<(), Unusable> {
    let len = end
        .checked_sub(start)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| damaged("bad record bounds"))?;
    buf.clear();
    buf.resize(len, 0);
    file.seek(SeekFrom::Start(HEADER_LEN + start))
        .and_then(|_| file.read_exact(buf))
        .map_err(damaged)
}

/// Whole records read from the text: `entries`, from `start` to `end`.
struct Chunk<'a> {
    text: &'a [u8],
    start: u64,
    end: u64,
    entries: &'a [Entry],
}

impl Chunk<'_> {
    /// Adds the UIDs of matching records, newest first, until there are `want`.
    fn scan(
        &self,
        finder: &memmem::FinderRev<'_>,
        query: &Query,
        want: usize,
        hits: &mut Vec<u32>,
    ) -> Result<(), Unusable> {
        let mut cursor = self.text.len();
        while hits.len() < want {
            let Some(pos) = self.text.get(..cursor).and_then(|b| finder.rfind(b)) else {
                break;
            };
            let at = self.start + pos as u64;
            let i = self
                .entries
                .partition_point(|e| e.offset <= at)
                .checked_sub(1)
                .ok_or_else(|| damaged("a hit before the first record"))?;
            let entry = self.entries.get(i).ok_or_else(|| damaged("no record for a hit"))?;
            let record_end = self.entries.get(i + 1).map_or(self.end, |e| e.offset);
            let from = self.relative(entry.offset)?;
            let record = self
                .text
                .get(from..self.relative(record_end)?)
                .and_then(|r| r.strip_suffix(b"\n"))
                .and_then(Record::parse)
                .ok_or_else(|| damaged(format!("the record of UID {} is malformed", entry.uid)))?;
            if query.matches(&record) {
                hits.push(entry.uid);
            }
            cursor = from;
        }
        Ok(())
    }

    fn relative(&self, offset: u64) -> Result<usize, Unusable> {
        offset
            .checked_sub(self.start)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| damaged("bad record bounds"))
    }
}

/// The table, checked: offsets start at 0, grow strictly and stay inside the text; UIDs grow
/// strictly.
fn parse_table(raw: &[u8], text_len: u64) -> Result<Vec<Entry>, Unusable> {
    let mut table: Vec<Entry> = Vec::with_capacity(raw.len() / ENTRY_LEN as usize);
    for bytes in raw.chunks_exact(ENTRY_LEN as usize) {
        let (offset, uid) = bytes
            .split_first_chunk::<8>()
            .ok_or_else(|| damaged("short table entry"))?;
        let entry = Entry {
            offset: u64::from_le_bytes(*offset),
            uid: <[u8; 4]>::try_from(uid).map(u32::from_le_bytes).map_err(damaged)?,
        };
        let in_order = match table.last() {
            None => entry.offset == 0,
            Some(prev) => entry.offset > prev.offset && entry.uid > prev.uid,
        };
        if !in_order || entry.offset >= text_len {
            return Err(damaged(format!("bad table entry {}", table.len())));
        }
        table.push(entry);
    }
    if table.is_empty() && text_len != 0 {
        return Err(damaged("text without records"));
    }
    Ok(table)
}
