//! Byte-level adapters under the readers: BOM skipping, hashing and counting, reading exactly the
//! bytes an import key covers, and a CSV quote tracker that bounds record size and notices a quote
//! left open at the end of the file.

use super::spool::SpoolReader;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::sync::{Arc, OnceLock};

/// The UTF-8 byte order mark.
pub(crate) const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The largest CSV record or JSONL line read into memory: 16 MiB. A larger one is an error.
/// (Far above any real line item, and above a 5 MB field, which must reach validation to be
/// reported as "description is 5242880 characters long".)
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The most fields a line item (CSV record, JSON object) keeps, and the most columns a CSV header
/// may have. Each field costs far more memory than its bytes in the file (a record of 16 MiB of
/// commas would otherwise hold 16 million strings): a line with more is an error of that line and
/// only its first fields are kept.
pub const MAX_FIELDS: usize = 1024;

/// Buffer size for file reads.
pub(crate) const READ_BUFFER: usize = 64 << 10;

fn is_blank_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// True when every byte is ASCII whitespace (or there is none).
pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| is_blank_byte(b))
}

// ---------------------------------------------------------------------------------------------

/// Passes a stream through, dropping a UTF-8 BOM at its start.
pub(crate) struct BomSkip<R> {
    inner: R,
    head: [u8; 3],
    /// Bytes of `head` read so far (while probing) or kept (after probing).
    head_len: usize,
    head_pos: usize,
    probed: bool,
}

impl<R: Read> BomSkip<R> {
    pub(crate) fn new(inner: R) -> Self {
        BomSkip {
            inner,
            head: [0; 3],
            head_len: 0,
            head_pos: 0,
            probed: false,
        }
    }
}

impl<R: Read> Read for BomSkip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.probed {
            while self.head_len < 3 {
                match self.inner.read(&mut self.head[self.head_len..]) {
                    Ok(0) => break,
                    Ok(n) => self.head_len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.probed = true;
            if self.head_len == 3 && self.head == BOM {
                self.head_len = 0;
            }
        }
        if self.head_pos < self.head_len {
            let n = (self.head_len - self.head_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

// ---------------------------------------------------------------------------------------------

/// What [`Hashing`] learned about a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ByteStats {
    pub sha256: String,
    pub bytes: u64,
    /// Lines holding something other than whitespace (a leading BOM does not count).
    pub nonblank_lines: u64,
    /// Nothing but whitespace and possibly a leading BOM.
    pub empty: bool,
}

/// Passes a stream through, hashing it and counting lines on the way.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    nonblank_lines: u64,
    line_has_text: bool,
    text_bytes: u64,
    /// The bytes so far are a prefix of a BOM.
    bom_pending: bool,
}

impl<R: Read> Hashing<R> {
    pub(crate) fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            nonblank_lines: 0,
            line_has_text: false,
            text_bytes: 0,
            bom_pending: true,
        }
    }

    fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        for (i, &b) in chunk.iter().enumerate() {
            let offset = self.bytes + i as u64;
            if self.bom_pending && offset < 3 {
                if b == BOM[offset as usize] {
                    // Still looks like a BOM, which is not text; after its third byte it is one.
                    self.bom_pending = offset < 2;
                    continue;
                }
                // It only looked like the start of a BOM: those bytes were text after all.
                self.bom_pending = false;
                if offset > 0 {
                    self.text_bytes += offset;
                    self.line_has_text = true;
                }
            }
            if b == b'\n' {
                if self.line_has_text {
                    self.nonblank_lines += 1;
                }
                self.line_has_text = false;
            } else if !is_blank_byte(b) {
                self.text_bytes += 1;
                self.line_has_text = true;
            }
        }
        self.bytes += chunk.len() as u64;
    }

    /// Read whatever is left and return the totals.
    pub(crate) fn finish(mut self) -> io::Result<ByteStats> {
        io::copy(&mut self, &mut io::sink())?;
        // A file of just "\xEF\xBB" is text (the start of a BOM that never came).
        if self.bom_pending && self.bytes > 0 {
            self.text_bytes += self.bytes;
            self.line_has_text = true;
        }
        let nonblank_lines = self.nonblank_lines + u64::from(self.line_has_text);
        Ok(ByteStats {
            sha256: hex::encode(self.hasher.finalize()),
            bytes: self.bytes,
            nonblank_lines,
            empty: self.text_bytes == 0,
        })
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.update(&buf[..n]);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------

/// Where a batch's bytes come from when they are read: its file, or the spool of a pipe.
pub(crate) enum ByteSource {
    File(File),
    Spool(SpoolReader),
}

impl ByteSource {
    /// The source's size now, when it can tell.
    fn current_len(&self) -> Option<u64> {
        match self {
            ByteSource::File(f) => f.metadata().ok().map(|m| m.len()),
            ByteSource::Spool(_) => None,
        }
    }
}

impl Read for ByteSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ByteSource::File(f) => f.read(buf),
            ByteSource::Spool(s) => s.read(buf),
        }
    }
}

/// How the bytes a run read differ from the ones its import key was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Bytes were added after the ones the key covers; they were not read. `cut_line`: those
    /// bytes end inside a line (text after the last line break), which may be the start of a line
    /// the writer was still writing: a line-based reader does not import it.
    Grew {
        hashed: u64,
        now: Option<u64>,
        cut_line: bool,
    },
    /// The file ended before the bytes the key covers.
    Shrank { hashed: u64, read: u64 },
    /// Bytes the key covers were rewritten: what was read is not what the key describes.
    Rewritten { hashed: u64 },
}

impl std::fmt::Display for FileChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileChange::Grew {
                hashed,
                now,
                cut_line,
            } => {
                write!(f, "grew while it was read (from {hashed} bytes")?;
                if let Some(now) = now {
                    write!(f, " to {now}")?;
                }
                write!(
                    f,
                    "): only its first {hashed} bytes, the ones its import key covers, were \
                     read; the lines added later were not imported"
                )?;
                if *cut_line {
                    write!(
                        f,
                        ", nor the last line those bytes hold, which they cut before its end"
                    )?;
                }
                Ok(())
            }
            FileChange::Shrank { hashed, read } => write!(
                f,
                "changed while it was read: it ended after {read} of the {hashed} bytes its import \
                 key covers"
            ),
            FileChange::Rewritten { hashed } => write!(
                f,
                "changed while it was read: its first {hashed} bytes are no longer the ones its \
                 import key describes, so the lines read may differ from the file that was inspected"
            ),
        }
    }
}

/// What a reader found at the end of the bytes an import key covers, shared with whoever watches
/// the run. Unset until the reader reaches that end (it may stop before: cancelled, `max_lines`).
#[derive(Debug, Clone, Default)]
pub struct ReadCheck(Arc<OnceLock<Option<FileChange>>>);

impl ReadCheck {
    /// How the file changed while it was read; `None` when it did not, or the end was not reached.
    pub fn change(&self) -> Option<FileChange> {
        self.0.get().cloned().flatten()
    }

    /// Whether the reader reached the end of the bytes the key covers.
    pub fn reached_end(&self) -> bool {
        self.0.get().is_some()
    }

    /// The file grew and the bytes the key covers end inside a line.
    pub(crate) fn cut_line(&self) -> bool {
        matches!(self.change(), Some(FileChange::Grew { cut_line: true, .. }))
    }
}

/// Reads exactly the bytes an import key covers — the first `len` bytes of the source, never more —
/// hashing them on the way; at their end it records in its [`ReadCheck`] whether they were the
/// bytes hashed before (`sha256`) and whether the source holds more.
pub(crate) struct Verified {
    inner: ByteSource,
    len: u64,
    left: u64,
    hasher: Sha256,
    sha256: String,
    /// Text (not whitespace) follows the last line break read so far.
    open_line: bool,
    check: ReadCheck,
}

impl Verified {
    pub(crate) fn new(inner: ByteSource, len: u64, sha256: &str) -> Self {
        Verified {
            inner,
            len,
            left: len,
            hasher: Sha256::new(),
            sha256: sha256.to_ascii_lowercase(),
            open_line: false,
            check: ReadCheck::default(),
        }
    }

    pub(crate) fn check(&self) -> ReadCheck {
        self.check.clone()
    }

    fn settle(&mut self, change: Option<FileChange>) {
        let _ = self.check.0.set(change);
    }

    /// All `len` bytes were read: were they the ones hashed, and is there more?
    fn at_end(&mut self) {
        if self.check.reached_end() {
            return;
        }
        let sha = hex::encode(std::mem::take(&mut self.hasher).finalize());
        if sha != self.sha256 {
            self.settle(Some(FileChange::Rewritten { hashed: self.len }));
            return;
        }
        let mut probe = [0u8; 1];
        let more = loop {
            match self.inner.read(&mut probe) {
                Ok(n) => break n > 0,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The bytes the key covers were all read; an error past them is not theirs.
                Err(_) => break false,
            }
        };
        let change = more.then(|| FileChange::Grew {
            hashed: self.len,
            now: self.inner.current_len(),
            cut_line: self.open_line,
        });
        self.settle(change);
    }
}

impl Read for Verified {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            if self.left == 0 {
                self.at_end();
            }
            return Ok(0);
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            let read = self.len - self.left;
            self.settle(Some(FileChange::Shrank {
                hashed: self.len,
                read,
            }));
            return Ok(0);
        }
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        self.open_line = match chunk.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(end) => !is_blank(&chunk[end + 1..]),
            None => self.open_line || !is_blank(chunk),
        };
        self.left -= n as u64;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    AfterQuote,
}

/// Follows the bytes handed to the `csv` crate with the same quoting rules as its default
/// configuration (`"` quotes, `""` escapes, `\r`/`\n` end records), so the reader can tell:
/// - that the file ended inside a quoted field (csv reports nothing and swallows the rest of the
///   file into the last record), and
/// - that a record grew past [`MAX_RECORD_BYTES`], in which case reading fails with an I/O error
///   instead of allocating without bound.
pub(crate) struct CsvSource<R> {
    inner: R,
    state: CsvState,
    limit: usize,
    record_bytes: usize,
    /// 1-based line of the file the tracker is on, and the line where the current record began.
    line: u64,
    record_start_line: u64,
    ended_in_quote: bool,
    too_long: bool,
    delimiter: u8,
}

impl<R: Read> CsvSource<R> {
    pub(crate) fn new(inner: R) -> Self {
        CsvSource::with_limit(inner, MAX_RECORD_BYTES)
    }

    /// Cells separated by `delimiter` instead of a comma.
    pub(crate) fn with_delimiter(inner: R, delimiter: u8) -> Self {
        CsvSource {
            delimiter,
            ..CsvSource::new(inner)
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    pub(crate) fn with_limit(inner: R, limit: usize) -> Self {
        CsvSource {
            inner,
            state: CsvState::StartRecord,
            limit,
            record_bytes: 0,
            line: 1,
            record_start_line: 1,
            ended_in_quote: false,
            too_long: false,
            delimiter: b',',
        }
    }

    /// The input ended inside a quoted field: the record read last has a quote that is never closed.
    pub(crate) fn ended_in_quote(&self) -> bool {
        self.ended_in_quote
    }

    /// Reading stopped because a record exceeded the limit.
    pub(crate) fn too_long(&self) -> bool {
        self.too_long
    }

    /// The 1-based line of the file where the record being read (or read last) began.
    pub(crate) fn record_start_line(&self) -> u64 {
        self.record_start_line
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    fn track(&mut self, chunk: &[u8]) -> bool {
        let delimiter = self.delimiter;
        for &b in chunk {
            let term = b == b'\n' || b == b'\r';
            if self.state == CsvState::StartRecord {
                if term {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    continue;
                }
                self.state = CsvState::StartField;
                self.record_start_line = self.line;
                self.record_bytes = 0;
            }
            self.state = match self.state {
                CsvState::StartField => match b {
                    b'"' => CsvState::InQuoted,
                    d if d == delimiter => CsvState::StartField,
                    _ if term => CsvState::StartRecord,
                    _ => CsvState::InField,
                },
                CsvState::InField => match b {
                    d if d == delimiter => CsvState::StartField,
                    _ if term => CsvState::StartRecord,
                    _ => CsvState::InField,
                },
                CsvState::InQuoted => match b {
                    b'"' => CsvState::AfterQuote,
                    _ => CsvState::InQuoted,
                },
                CsvState::AfterQuote => match b {
                    b'"' => CsvState::InQuoted,
                    d if d == delimiter => CsvState::StartField,
                    _ if term => CsvState::StartRecord,
                    _ => CsvState::InField,
                },
                CsvState::StartRecord => CsvState::StartRecord,
            };
            if b == b'\n' {
                self.line += 1;
            }
            self.record_bytes += 1;
            if self.record_bytes > self.limit {
                return false;
            }
        }
        true
    }
}

impl<R: Read> Read for CsvSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.too_long {
            return Err(record_too_long(self.limit));
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if self.state == CsvState::InQuoted {
                self.ended_in_quote = true;
            }
            return Ok(0);
        }
        if !self.track(&buf[..n]) {
            self.too_long = true;
            return Err(record_too_long(self.limit));
        }
        Ok(n)
    }
}

fn record_too_long(limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a record is longer than {}", human_bytes(limit)),
    )
}

/// `16 MiB`, `1024 bytes`.
pub(crate) fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all<R: Read>(mut r: R) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    /// A reader that hands out one byte per call, the worst case for the BOM probe.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn bom_is_dropped_only_at_the_start() {
        assert_eq!(read_all(BomSkip::new(&b"\xEF\xBB\xBFabc"[..])), b"abc");
        assert_eq!(read_all(BomSkip::new(Trickle(b"\xEF\xBB\xBFabc"))), b"abc");
        assert_eq!(
            read_all(BomSkip::new(&b"a\xEF\xBB\xBF"[..])),
            b"a\xEF\xBB\xBF"
        );
        assert_eq!(read_all(BomSkip::new(&b"\xEF\xBB"[..])), b"\xEF\xBB");
        assert_eq!(read_all(BomSkip::new(&b"ab"[..])), b"ab");
        assert_eq!(read_all(BomSkip::new(&b""[..])), b"");
    }

    fn stats(bytes: &[u8]) -> ByteStats {
        let mut h = Hashing::new(Trickle(bytes));
        let mut first = [0u8; 2];
        let _ = h.read(&mut first).unwrap(); // some bytes read by a "parser" first
        h.finish().unwrap()
    }

    #[test]
    fn hashing_sees_every_byte_and_counts_nonblank_lines() {
        let s = stats(b"abc");
        assert_eq!(
            s.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!((s.bytes, s.nonblank_lines, s.empty), (3, 1, false));
        assert_eq!(stats(b"a\n\n  \r\nb\r\nc").nonblank_lines, 3);
        assert_eq!(stats(b"\xEF\xBB\xBF\nx\n").nonblank_lines, 1);
    }

    #[test]
    fn whitespace_and_a_bom_are_empty() {
        assert!(stats(b"").empty);
        assert!(stats(b" \r\n\t\n").empty);
        assert!(stats(b"\xEF\xBB\xBF").empty);
        assert!(stats(b"\xEF\xBB\xBF \n").empty);
        assert!(!stats(b"\xEF\xBB").empty);
        assert!(!stats(b"\xEFx").empty);
        assert!(!stats(b"\xEF\xBB\xBFx").empty);
        assert_eq!(stats(b"\xEF\xBB\xBF").nonblank_lines, 0);
    }

    #[test]
    fn tracker_notices_a_quote_open_at_the_end() {
        let mut src = CsvSource::new(&b"a,\"b\nc,d\n"[..]);
        read_all(&mut src);
        assert!(src.ended_in_quote());
        assert_eq!(src.record_start_line(), 1);

        for closed in [
            &b"a,\"b\"\"\"\n"[..],
            b"a,\"b\"",
            b"a,b\"c\n",
            b"\"a\"x,\"\"\n",
        ] {
            let mut src = CsvSource::new(closed);
            read_all(&mut src);
            assert!(
                !src.ended_in_quote(),
                "{:?}",
                String::from_utf8_lossy(closed)
            );
        }
    }

    #[test]
    fn tracker_bounds_a_record_but_not_the_file() {
        let mut src = CsvSource::with_limit(&b"aaaa\nbbbb\r\ncccc\n\n\"dd\ndd\"\n"[..], 8);
        assert!(io::copy(&mut src, &mut io::sink()).is_ok());
        let mut src = CsvSource::with_limit(&b"aaaa\n\"bbbb\nbbbb\n"[..], 8);
        let err = io::copy(&mut src, &mut io::sink()).unwrap_err();
        assert!(src.too_long());
        assert_eq!(src.record_start_line(), 2);
        assert!(err.to_string().contains("longer than 8 bytes"), "{err}");
    }
}
