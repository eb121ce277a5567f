//! The columns of fixed-width values the frozen tables are made of ([`Col`]), and the kept
//! catalog's file they are kept in ([`KeptFile`]).
//!
//! A column is held in memory when its table is built (or read back from inline bytes), or left in
//! a kept file and read as it is needed, through a small cache of the file's blocks ([`Pager`]):
//! a run holds in memory only the parts of a million-item catalog its lines look at.
//!
//! A file is a run of parts. Each part is a table serialized with its columns set aside: the
//! serialized bytes hold each column's number, and the columns follow them, each framed by its
//! length and checksum. Every byte of a part is checked against its checksum when the file is
//! opened (read through a buffer, never held), so the columns read later are the ones written,
//! whose tables were checked when they were built.

use serde::de::{DeserializeOwned, Error as _, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// A value a column holds: a fixed number of little-endian bytes (16 at most).
pub trait Fixed: Copy + Send + Sync + 'static {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    /// The value of exactly [`Fixed::SIZE`] bytes.
    fn take(bytes: &[u8]) -> Self;
}

macro_rules! fixed_number {
    ($($t:ty),*) => {$(
        impl Fixed for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn take(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().unwrap_or_default())
            }
        }
    )*};
}
fixed_number!(u8, u32, i64, u128);

impl Fixed for (u32, u32) {
    const SIZE: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(bytes: &[u8]) -> Self {
        (u32::take(&bytes[..4]), u32::take(&bytes[4..]))
    }
}

fn encode<T: Fixed>(values: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * T::SIZE);
    for &v in values {
        v.put(&mut out);
    }
    out
}

fn decode<T: Fixed>(bytes: &[u8]) -> Vec<T> {
    bytes.chunks_exact(T::SIZE).map(T::take).collect()
}

/// The bytes a page of the file is read and cached in.
const BLOCK: usize = 4096;

/// Blocks cached at most (8 MiB): the top of every sorted column's search and the postings of
/// the words a file's lines share stay cached.
const CACHED_BLOCKS: usize = 2048;

/// Reads of this many bytes or more go to the file directly, not through the cache.
const DIRECT_FROM: usize = 4 * BLOCK;

/// A kept file opened for reading at any offset, with a bounded cache of its blocks.
pub struct Pager {
    file: File,
    /// The file's path, to name it in a failure.
    path: std::path::PathBuf,
    /// The file's length when it was opened (a kept file is never written in place).
    len: u64,
    blocks: Mutex<Blocks>,
    /// The first read that failed: a look-up after it may have missed (see
    /// [`super::Catalog::read_failure`]).
    failed: OnceLock<String>,
}

/// The cached blocks, and the order they were read in (the oldest makes room first).
#[derive(Default)]
struct Blocks {
    by_number: crate::mapping::HashMap<u64, Box<[u8]>>,
    read: std::collections::VecDeque<u64>,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("failed", &self.failed.get())
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

impl Pager {
    fn new(file: File, path: &Path) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(Pager {
            len: file.metadata()?.len(),
            file,
            path: path.to_path_buf(),
            blocks: Mutex::default(),
            failed: OnceLock::new(),
        }))
    }

    /// Why a read of the file failed, if one did.
    pub fn failure(&self) -> Option<&str> {
        self.failed.get().map(String::as_str)
    }

    fn fail(&self, e: impl std::fmt::Display) -> bool {
        let _ = self.failed.set(format!("{}: {e}", self.path.display()));
        false
    }

    /// Fill `buf` from `offset` without the cache; false (the failure kept) when the file cannot
    /// give it.
    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> bool {
        match read_at(&self.file, offset, buf) {
            Ok(()) => true,
            Err(e) => self.fail(e),
        }
    }

    /// Fill `buf` from `offset`; false (the failure kept) when the file cannot give it.
    fn read(&self, offset: u64, buf: &mut [u8]) -> bool {
        if buf.len() >= DIRECT_FROM {
            return self.read_uncached(offset, buf);
        }
        let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let (block, within) = (at / BLOCK as u64, (at % BLOCK as u64) as usize);
            if !blocks.by_number.contains_key(&block) {
                // The oldest block's buffer, when one goes, takes the new block.
                let mut freed = None;
                if blocks.read.len() >= CACHED_BLOCKS
                    && let Some(oldest) = blocks.read.pop_front()
                {
                    freed = blocks.by_number.remove(&oldest);
                }
                let start = block * BLOCK as u64;
                let n = self.len.saturating_sub(start).min(BLOCK as u64) as usize;
                let mut page = match freed {
                    Some(page) if page.len() == n => page,
                    _ => vec![0u8; n].into_boxed_slice(),
                };
                if let Err(e) = read_at(&self.file, start, &mut page) {
                    return self.fail(e);
                }
                blocks.by_number.insert(block, page);
                blocks.read.push_back(block);
            }
            let page = &blocks.by_number[&block];
            let n = (BLOCK - within).min(buf.len() - done);
            let Some(from) = page.get(within..within + n) else {
                return self.fail("a read past the end of the file");
            };
            buf[done..done + n].copy_from_slice(from);
            done += n;
        }
        true
    }
}

/// A column kept in a file: `len` values from `offset`, and the slices read so far (so that a
/// slice can be lent for as long as the column lives).
struct InFile<T: Fixed> {
    pager: Arc<Pager>,
    offset: u64,
    len: usize,
    lent: elsa::sync::FrozenMap<(usize, usize), Box<[T]>>,
    /// Every [`FENCE`]th value, read at the first search: a search reads the file only within
    /// one stretch between two of them.
    fence: OnceLock<Vec<T>>,
}

/// Values between two of a searched column's fence values: a stretch of one or two blocks.
const FENCE: usize = 256;

impl<T: Fixed> InFile<T> {
    /// Values `at`, read from the file (zeros past what it can give; the pager keeps why).
    fn read(&self, at: Range<usize>) -> Vec<T> {
        let mut bytes = vec![0u8; at.len() * T::SIZE];
        self.pager
            .read(self.offset + (at.start * T::SIZE) as u64, &mut bytes);
        decode(&bytes)
    }
}

impl<T: Fixed> InFile<T> {
    /// Every [`FENCE`]th value, each read from the file directly (not through the block cache,
    /// which it would fill with blocks read once).
    fn fence(&self) -> Vec<T> {
        let mut bytes = [0u8; 16];
        let bytes = &mut bytes[..T::SIZE];
        (0..self.len)
            .step_by(FENCE)
            .map(|i| {
                self.pager
                    .read_uncached(self.offset + (i * T::SIZE) as u64, bytes);
                T::take(bytes)
            })
            .collect()
    }

    /// Value `i` (`i` < `len`), read without an allocation.
    fn one(&self, i: usize) -> T {
        let mut bytes = [0u8; 16];
        let bytes = &mut bytes[..T::SIZE];
        self.pager.read(self.offset + (i * T::SIZE) as u64, bytes);
        T::take(bytes)
    }
}

/// A column of values: in memory, or in a kept file.
pub struct Col<T: Fixed> {
    values: Values<T>,
}

enum Values<T: Fixed> {
    Held(Vec<T>),
    InFile(InFile<T>),
}

impl<T: Fixed> Default for Col<T> {
    fn default() -> Self {
        Col::from(Vec::new())
    }
}

impl<T: Fixed> From<Vec<T>> for Col<T> {
    fn from(v: Vec<T>) -> Self {
        Col {
            values: Values::Held(v),
        }
    }
}

/// A column in a file is copied as a handle on the same file (its lent slices are not copied).
impl<T: Fixed> Clone for Col<T> {
    fn clone(&self) -> Self {
        Col {
            values: match &self.values {
                Values::Held(v) => Values::Held(v.clone()),
                Values::InFile(f) => Values::InFile(InFile {
                    pager: f.pager.clone(),
                    offset: f.offset,
                    len: f.len,
                    lent: elsa::sync::FrozenMap::new(),
                    fence: OnceLock::new(),
                }),
            },
        }
    }
}

impl<T: Fixed + std::fmt::Debug> std::fmt::Debug for Col<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.values {
            Values::Held(v) => v.fmt(f),
            Values::InFile(c) => write!(f, "[{} values at byte {} of a file]", c.len, c.offset),
        }
    }
}

impl<T: Fixed> Col<T> {
    pub fn len(&self) -> usize {
        match &self.values {
            Values::Held(v) => v.len(),
            Values::InFile(f) => f.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the column is read from a kept file (checked when it was written).
    pub fn in_file(&self) -> bool {
        matches!(self.values, Values::InFile(_))
    }

    /// The file it is read from, if any.
    #[cfg(test)]
    pub fn pager(&self) -> Option<&Arc<Pager>> {
        match &self.values {
            Values::Held(_) => None,
            Values::InFile(f) => Some(&f.pager),
        }
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<T> {
        match &self.values {
            Values::Held(v) => v.get(i).copied(),
            Values::InFile(f) => (i < f.len).then(|| f.one(i)),
        }
    }

    pub fn last(&self) -> Option<T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Values `at` for as long as the column lives (empty when they are not all there).
    pub fn slice(&self, at: Range<usize>) -> &[T] {
        if at.start > at.end || at.end > self.len() {
            return &[];
        }
        match &self.values {
            Values::Held(v) => &v[at],
            Values::InFile(f) => match f.lent.get(&(at.start, at.end)) {
                Some(s) => s,
                None => f
                    .lent
                    .insert((at.start, at.end), f.read(at).into_boxed_slice()),
            },
        }
    }

    /// Values `at`, read for the moment (empty when they are not all there).
    pub fn read(&self, at: Range<usize>) -> Cow<'_, [T]> {
        if at.start > at.end || at.end > self.len() {
            return Cow::Borrowed(&[]);
        }
        match &self.values {
            Values::Held(v) => Cow::Borrowed(&v[at]),
            Values::InFile(f) => Cow::Owned(f.read(at)),
        }
    }

    /// Every value.
    pub fn all(&self) -> Cow<'_, [T]> {
        self.read(0..self.len())
    }

    /// Binary search by `cmp` (the value against the one looked for), as
    /// [`slice::binary_search_by`]. In a file, through the column's fence first.
    pub fn search_by(&self, cmp: impl Fn(T) -> std::cmp::Ordering) -> Result<usize, usize> {
        use std::cmp::Ordering;
        let (mut lo, mut hi) = (0, self.len());
        if let Values::InFile(f) = &self.values {
            let fence = f.fence.get_or_init(|| f.fence());
            // Fence values up to the one looked for: it lies in the stretch after the last.
            let up_to = fence.partition_point(|&v| cmp(v) != Ordering::Greater);
            lo = up_to.saturating_sub(1) * FENCE;
            hi = (up_to * FENCE).min(hi);
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).map(&cmp) {
                Some(Ordering::Less) => lo = mid + 1,
                Some(Ordering::Greater) => hi = mid,
                Some(Ordering::Equal) => return Ok(mid),
                None => return Err(lo),
            }
        }
        Err(lo)
    }

    /// The values in memory, to be changed (a test's damaged table).
    #[cfg(test)]
    pub fn held_mut(&mut self) -> &mut Vec<T> {
        match &mut self.values {
            Values::Held(v) => v,
            Values::InFile(_) => panic!("a column in a file"),
        }
    }
}

/// Columns are equal when their values are (a column in a file is read whole).
impl<T: Fixed + PartialEq> PartialEq for Col<T> {
    fn eq(&self, other: &Self) -> bool {
        self.all() == other.all()
    }
}

impl<T: Fixed + Ord> Col<T> {
    pub fn search(&self, x: &T) -> Result<usize, usize> {
        self.search_by(|v| v.cmp(x))
    }
}

thread_local! {
    /// The columns set aside while a part is serialized ([`Part::encode`]).
    static SET_ASIDE: RefCell<Option<Vec<Vec<u8>>>> = const { RefCell::new(None) };
    /// Where the columns of the part being read lie ([`KeptFile::part`]).
    static LYING: RefCell<Option<(Arc<Pager>, Vec<Span>)>> = const { RefCell::new(None) };
}

/// Serialized inline (a run of bytes) unless a part is being kept: then the column is set aside
/// and only its number is serialized.
impl<T: Fixed> serde::Serialize for Col<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = encode(&self.all());
        let mut inline = Some(bytes);
        let number = SET_ASIDE.with(|cols| {
            let mut cols = cols.borrow_mut();
            let cols = cols.as_mut()?;
            cols.push(inline.take()?);
            Some(cols.len() as u32 - 1)
        });
        match (number, inline) {
            (Some(n), _) => s.serialize_u32(n),
            (None, Some(bytes)) => s.serialize_bytes(&bytes),
            (None, None) => Err(serde::ser::Error::custom("a column lost")),
        }
    }
}

impl<'de, T: Fixed> serde::Deserialize<'de> for Col<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let in_file = LYING.with(|l| l.borrow().as_ref().map(|(p, _)| p.clone()));
        if let Some(pager) = in_file {
            let n = u32::deserialize(d)? as usize;
            let span = LYING.with(|l| l.borrow().as_ref().and_then(|(_, s)| s.get(n).copied()));
            let span = span.ok_or_else(|| D::Error::custom(format!("no column {n}")))?;
            if !span.len.is_multiple_of(T::SIZE as u64) {
                return Err(D::Error::custom("a column's last value cut short"));
            }
            return Ok(Col {
                values: Values::InFile(InFile {
                    pager,
                    offset: span.offset,
                    len: (span.len / T::SIZE as u64) as usize,
                    lent: elsa::sync::FrozenMap::new(),
                    fence: OnceLock::new(),
                }),
            });
        }
        struct Bytes<T>(std::marker::PhantomData<T>);
        impl<T: Fixed> Visitor<'_> for Bytes<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "{} bytes per value", T::SIZE)
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<T>, E> {
                if !v.len().is_multiple_of(T::SIZE) {
                    return Err(E::custom("a column's last value cut short"));
                }
                Ok(decode(v))
            }
        }
        d.deserialize_bytes(Bytes(std::marker::PhantomData))
            .map(Col::from)
    }
}

/// Where a column lies in a kept file.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    offset: u64,
    /// In bytes.
    len: u64,
}

/// A part serialized, its columns set aside, ready to be written.
pub struct Part {
    bytes: Vec<u8>,
    columns: Vec<Vec<u8>>,
}

fn framed(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(&xxh3_64(bytes).to_le_bytes())?;
    out.write_all(bytes)
}

impl Part {
    /// `table` serialized, its columns set aside.
    pub fn encode<T: serde::Serialize + ?Sized>(table: &T) -> Result<Part, String> {
        let before = SET_ASIDE.with(|c| c.borrow_mut().replace(Vec::new()));
        let bytes = postcard::to_stdvec(table).map_err(|e| e.to_string());
        let columns = SET_ASIDE.with(|c| std::mem::replace(&mut *c.borrow_mut(), before));
        Ok(Part {
            bytes: bytes?,
            columns: columns.unwrap_or_default(),
        })
    }

    /// The part as kept: its bytes, how many columns follow, each column; each framed by its
    /// length and checksum.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        framed(out, &self.bytes)?;
        out.write_all(&(self.columns.len() as u64).to_le_bytes())?;
        for c in &self.columns {
            framed(out, c)?;
        }
        Ok(())
    }
}

/// What a part's buffer is given up front at most: a damaged length claims no more.
const PREALLOCATED_AT_MOST: u64 = 64 << 20;

/// A kept file read part by part from its start.
pub struct KeptFile {
    reader: BufReader<File>,
    at: u64,
    pager: Arc<Pager>,
    /// What a column's bytes are checked through, a part of them at a time.
    checked: Vec<u8>,
}

impl KeptFile {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let pager = Pager::new(file.try_clone()?, path)?;
        Ok(KeptFile {
            reader: BufReader::with_capacity(1 << 20, file),
            at: 0,
            pager,
            checked: vec![0u8; 1 << 20],
        })
    }

    /// The file, for reading its columns.
    pub fn pager(&self) -> &Arc<Pager> {
        &self.pager
    }

    /// The file's next `N` bytes.
    pub fn bytes<const N: usize>(&mut self) -> std::io::Result<[u8; N]> {
        let mut b = [0u8; N];
        self.reader.read_exact(&mut b)?;
        self.at += N as u64;
        Ok(b)
    }

    fn number(&mut self) -> std::io::Result<u64> {
        self.bytes::<8>().map(u64::from_le_bytes)
    }

    /// A frame's length and checksum, then its bytes: kept when `keep`, else only checked.
    fn frame(&mut self, keep: bool) -> Result<(Vec<u8>, Span), String> {
        let short = |e: std::io::Error| format!("cut short ({e})");
        let len = self.number().map_err(short)?;
        let sum = self.number().map_err(short)?;
        let span = Span {
            offset: self.at,
            len,
        };
        let mut kept = Vec::new();
        let mut hash = Xxh3::new();
        if keep {
            kept.reserve(len.min(PREALLOCATED_AT_MOST) as usize);
            let read = (&mut self.reader)
                .take(len)
                .read_to_end(&mut kept)
                .map_err(short)?;
            if read as u64 != len {
                return Err(format!("cut short ({read} of {len} bytes)"));
            }
            hash.update(&kept);
        } else {
            let mut left = len;
            while left > 0 {
                let n = left.min(self.checked.len() as u64) as usize;
                let buf = &mut self.checked[..n];
                self.reader.read_exact(buf).map_err(short)?;
                hash.update(buf);
                left -= n as u64;
            }
        }
        self.at += len;
        if hash.digest() != sum {
            return Err("damaged (checksum)".into());
        }
        Ok((kept, span))
    }

    /// The next part read back as `T`, its columns left in the file; `what` names it in errors.
    pub fn part<T: DeserializeOwned>(&mut self, what: &str) -> Result<T, String> {
        let failed = |e: String| format!("{what}: {e}");
        let (bytes, _) = self.frame(true).map_err(failed)?;
        let n = self
            .number()
            .map_err(|e| failed(format!("cut short ({e})")))?;
        let mut spans = Vec::new();
        for _ in 0..n {
            spans.push(self.frame(false).map_err(failed)?.1);
        }
        let before = LYING.with(|l| l.borrow_mut().replace((self.pager.clone(), spans)));
        let value = postcard::take_from_bytes::<T>(&bytes);
        LYING.with(|l| *l.borrow_mut() = before);
        match value {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(failed(format!("{} bytes after it", rest.len()))),
            Err(e) => Err(failed(e.to_string())),
        }
    }

    /// Whether the file ends here.
    pub fn at_end(&mut self) -> std::io::Result<bool> {
        Ok(self.reader.read(&mut [0u8; 1])? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Table {
        name: String,
        numbers: Col<u32>,
        pairs: Col<(u32, u32)>,
        digests: Col<u128>,
    }

    fn table() -> Table {
        Table {
            name: "t".into(),
            numbers: (0..10_000u32).map(|i| i * 3).collect::<Vec<_>>().into(),
            pairs: vec![(1, 2), (3, 4)].into(),
            digests: vec![u128::MAX, 7].into(),
        }
    }

    fn kept(parts: &[Part]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        for p in parts {
            p.write(&mut f).unwrap();
        }
        f.flush().unwrap();
        f
    }

    #[test]
    fn a_table_reads_back_the_same_inline_and_from_a_file() {
        let t = table();
        let inline: Table = postcard::from_bytes(&postcard::to_stdvec(&t).unwrap()).unwrap();
        assert_eq!(inline, t);
        assert!(!inline.numbers.in_file());
        let part = Part::encode(&t).unwrap();
        assert_eq!(part.columns.len(), 3, "every column set aside");
        let f = kept(&[part, Part::encode(&"after").unwrap()]);
        let mut file = KeptFile::open(f.path()).unwrap();
        let read: Table = file.part("the table").unwrap();
        assert_eq!(file.part::<String>("the next").unwrap(), "after");
        assert!(file.at_end().unwrap());
        assert!(read.numbers.in_file());
        assert_eq!(read, t);
        assert_eq!(read.numbers.get(9_999), Some(29_997));
        assert_eq!(read.numbers.get(10_000), None);
        assert_eq!(read.numbers.slice(5..8), &[15, 18, 21]);
        assert_eq!(read.numbers.slice(9_999..10_001), &[] as &[u32]);
        // Searched through the fence, as in memory: every value, and every number between.
        for x in 0..30_003u32 {
            assert_eq!(read.numbers.search(&x), t.numbers.search(&x), "{x}");
        }
        assert_eq!(read.numbers.search(&300), Ok(100));
        assert_eq!(read.numbers.search(&301), Err(101));
        assert_eq!(read.numbers.search(&u32::MAX), Err(10_000));
        assert_eq!(read.pairs.get(1), Some((3, 4)));
        assert_eq!(read.digests.get(0), Some(u128::MAX));
        assert!(read.numbers.pager().unwrap().failure().is_none());
    }

    #[test]
    fn a_damaged_or_short_file_is_refused() {
        let f = kept(&[Part::encode(&table()).unwrap()]);
        let mut bytes = std::fs::read(f.path()).unwrap();
        let at = bytes.len() - 100;
        bytes[at] ^= 1;
        std::fs::write(f.path(), &bytes).unwrap();
        let err = KeptFile::open(f.path())
            .unwrap()
            .part::<Table>("the table")
            .unwrap_err();
        assert!(err.contains("checksum"), "{err}");
        std::fs::write(f.path(), &bytes[..at]).unwrap();
        let err = KeptFile::open(f.path())
            .unwrap()
            .part::<Table>("the table")
            .unwrap_err();
        assert!(err.contains("cut short"), "{err}");
    }

    /// A file that cannot give a column's values any more (cut short after it was opened) reads
    /// zeros, and the pager says why: the catalog's reader stops on it.
    #[test]
    fn a_failed_read_is_kept() {
        let f = kept(&[Part::encode(&table()).unwrap()]);
        let mut file = KeptFile::open(f.path()).unwrap();
        let read: Table = file.part("the table").unwrap();
        assert_eq!(read.numbers.get(2), Some(6), "read while the file is whole");
        let pager = read.numbers.pager().unwrap().clone();
        assert!(pager.failure().is_none());
        std::fs::OpenOptions::new()
            .write(true)
            .open(f.path())
            .unwrap()
            .set_len(16)
            .unwrap();
        assert_eq!(read.digests.get(1), Some(0), "past what the file holds now");
        assert!(pager.failure().is_some());
    }

    #[test]
    fn a_column_cut_short_is_refused_inline() {
        let bytes = postcard::to_stdvec(&serde_bytes_of(&[1, 2, 3, 4, 5])).unwrap();
        assert!(postcard::from_bytes::<Col<u32>>(&bytes).is_err());
    }

    fn serde_bytes_of(b: &[u8]) -> Col<u8> {
        b.to_vec().into()
    }
}
