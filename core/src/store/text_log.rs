//! The search texts of cached bodies: one append-only file per folder, records
//! `uid (u32 LE) | length (u32 LE) | text`. Appending costs one write per batch, where a sled
//! value per text took a third of a 100,000-message mirror's time. A text replaced or removed
//! stays in the file as garbage until the folder's copy is dropped. How much of the file is
//! valid is kept by the caller (in the cache) and written after the records: a tail torn by a
//! crash is cut off before the next append and never read.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

const RECORD_HEADER: u64 = 8;

/// Append `records` after the first `valid` bytes of the log; returns the new valid length.
/// A log shorter than `valid` (lost by a power cut) is an `InvalidData` error.
pub fn append(path: &Path, valid: u64, records: &[(u32, &str)]) -> io::Result<u64> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(path)?;
    let len = file.metadata()?.len();
    if len < valid {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the text log is shorter than recorded",
        ));
    }
    if len > valid {
        file.set_len(valid)?;
    }
    let mut buf = Vec::new();
    for (uid, text) in records {
        let text_len = u32::try_from(text.len()).map_err(|_| io::Error::other("text too long"))?;
        buf.extend_from_slice(&uid.to_le_bytes());
        buf.extend_from_slice(&text_len.to_le_bytes());
        buf.extend_from_slice(text.as_bytes());
    }
    file.seek(SeekFrom::Start(valid))?;
    file.write_all(&buf)?;
    Ok(valid + buf.len() as u64)
}

/// Where each UID's latest text lies in the first `valid` bytes of the log (offset, length).
pub fn offsets(path: &Path, valid: u64) -> io::Result<HashMap<u32, (u64, u32)>> {
    let mut out = HashMap::new();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut pos = 0u64;
    let mut header = [0u8; RECORD_HEADER as usize];
    while pos + RECORD_HEADER <= valid {
        match reader.read_exact(&mut header) {
            Ok(()) => {}
            // Shorter than recorded (a power cut): what was read is all there is.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        let (uid, len) = header.split_at(4);
        let uid = u32::from_le_bytes(uid.try_into().map_err(io::Error::other)?);
        let len = u32::from_le_bytes(len.try_into().map_err(io::Error::other)?);
        let start = pos + RECORD_HEADER;
        let end = start + u64::from(len);
        if end > valid {
            break;
        }
        out.insert(uid, (start, len));
        reader.seek_relative(i64::from(len))?;
        pos = end;
    }
    Ok(out)
}

/// One text of the log.
pub fn read(file: &mut File, offset: u64, len: u32) -> io::Result<String> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0; len as usize];
    file.read_exact(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_read_back_and_torn_tails_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.texts");
        let valid = append(&path, 0, &[(3, "bonjour"), (4, "")]).unwrap();
        let valid = append(&path, valid, &[(3, "bonsoir"), (9, "é")]).unwrap();
        let map = offsets(&path, valid).unwrap();
        let mut file = File::open(&path).unwrap();
        let text = |m: &HashMap<u32, (u64, u32)>, f: &mut File, uid| {
            let (o, l) = m[&uid];
            read(f, o, l).unwrap()
        };
        assert_eq!(text(&map, &mut file, 3), "bonsoir", "the latest wins");
        assert_eq!(text(&map, &mut file, 9), "é");
        assert_eq!(text(&map, &mut file, 4), "");
        // A crash after writing records but before recording the new length.
        let torn = append(&path, valid, &[(10, "perdu")]).unwrap();
        assert!(torn > valid);
        assert!(
            !offsets(&path, valid).unwrap().contains_key(&10),
            "beyond the valid length"
        );
        let again = append(&path, valid, &[(11, "ok")]).unwrap();
        let map = offsets(&path, again).unwrap();
        assert!(!map.contains_key(&10) && map.contains_key(&11));
        // Shorter than recorded: an error, not garbage.
        assert_eq!(
            append(&path, again + 100, &[]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        assert!(offsets(&dir.path().join("none"), 0).unwrap().is_empty());
    }
}
