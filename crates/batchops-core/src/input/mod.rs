//! Readers for batch files: CSV, JSON invoice documents and JSON Lines.
//!
//! Reading streams: one [`LineResult`] per line item, never the whole file in memory. A bad line is an
//! `Err(LineError)` naming its line and reason and the reader goes on; a file that cannot be read as a
//! whole is an [`InputError`] before any line is produced.
//!
//! - [`inspect`] reads the file once: SHA-256, size, an estimate of the items, and the checks that
//!   make a file unusable as a whole (CSV header, JSON document shape). A directory, a device or a
//!   pipe is refused at once; [`inspect_spooling`] reads a pipe or standard input once into a spool
//!   instead (see `spool`).
//! - [`open`] streams the items of exactly the bytes [`inspect`] hashed, and tells through
//!   [`LineReader::check`] whether the file changed meanwhile; see the format modules for the
//!   rules of each format (`csv_reader`, `json_doc`, `jsonl`).
//! - [`validate_fields`] holds the rules of a line item, shared by all readers and by retry.

pub mod config_dir;
mod csv_reader;
pub mod decode;
pub mod describe;
pub mod dialect;
pub mod header;
pub mod invoice;
pub mod invoice_header;
mod json_doc;
mod jsonl;
pub mod numbers;
pub mod profile;
pub mod reject;
mod sheet;
mod source;
mod spool;
#[cfg(test)]
mod test_support;
mod validate;

pub use source::{FileChange, MAX_FIELDS, MAX_RECORD_BYTES, ReadCheck};
pub use spool::{
    PIPE_WAIT_ENV, SPOOL_LIMIT_ENV, Spool, SpoolLimits, parse_pipe_wait, parse_spool_limit,
};
pub use validate::{
    Known, MAX_DESCRIPTION_CHARS, MAX_SKU_CHARS, Stored, validate_fields, validate_stored,
};

pub use dialect::{Layout, ReadSettings};
pub use numbers::DecimalMark;

use crate::domain::{LineError, LineResult};
use dialect::Refusal;
use source::{BomSkip, ByteSource, Hashing, READ_BUFFER, Verified};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The formats a batch file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// A text table: comma, semicolon, tab or pipe between cells, any of the encodings and
    /// compressions `decode` reads.
    Csv,
    Json,
    Jsonl,
    /// A workbook: `.xlsx`, `.xlsm`, `.xls`, `.ods`.
    Sheet,
}

impl InputFormat {
    /// By extension (case-insensitive): `.csv`, `.tsv`, `.tab`, `.txt` (text tables), `.json`,
    /// `.jsonl` / `.ndjson`, `.xlsx` / `.xlsm` / `.xls` / `.ods` (workbooks); `.gz`, `.zst` by the
    /// extension before them (`.csv.gz`), a text table when there is none.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "tab" | "txt" => Some(InputFormat::Csv),
            "json" => Some(InputFormat::Json),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "xlsx" | "xlsm" | "xls" | "ods" => Some(InputFormat::Sheet),
            "gz" | "zst" | "zstd" => {
                let stem = Path::new(path.file_stem()?);
                match stem.extension() {
                    Some(_) => InputFormat::from_path(stem),
                    None => Some(InputFormat::Csv),
                }
            }
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Json => "json",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Sheet => "sheet",
        }
    }
}

/// A whole-file problem: the file is not imported at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error(
        "{path}: cannot tell the format from the extension; use --format-in csv|json|jsonl|sheet"
    )]
    UnknownFormat { path: PathBuf },
    #[error("{path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
}

/// What is known of a batch file before it is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFile {
    pub path: PathBuf,
    pub format: InputFormat,
    pub size_bytes: u64,
    /// SHA-256 of the file's bytes, lowercase hex: the default import key.
    pub sha256: String,
    /// Line items the file holds as far as a quick count can tell (exact for CSV/JSONL without quoted newlines).
    pub estimated_lines: u64,
    /// The copy of a pipe or of standard input the batch is read from; `None` for a file, read at
    /// its path.
    pub spool: Option<Spool>,
    /// How the inspection found a text table laid out, with the settings and header names it used.
    pub analysed: Analysed,
}

/// A text table's layout as the inspection found it, so that opening the file with the same
/// settings and header names does not read it whole again to find it. Two batch files are equal
/// whatever it holds: it is what their bytes, settings and header names give.
#[derive(Debug, Clone, Default)]
pub struct Analysed(Option<Arc<Found>>);

#[derive(Debug)]
struct Found {
    settings: ReadSettings,
    synonyms: header::Synonyms,
    layout: dialect::Layout,
}

impl Analysed {
    /// The layout found with these settings and header names (an operator may have added a
    /// header name since the inspection).
    fn of(&self, settings: &ReadSettings, synonyms: &header::Synonyms) -> Option<dialect::Layout> {
        self.0
            .as_ref()
            .filter(|found| found.settings == *settings && found.synonyms == *synonyms)
            .map(|found| found.layout.clone())
    }
}

impl PartialEq for Analysed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Analysed {}

impl BatchFile {
    /// The batch's bytes from the first: its spool, or its file opened again.
    pub(crate) fn bytes(&self) -> Result<ByteSource, InputError> {
        match &self.spool {
            Some(spool) => Ok(ByteSource::Spool(spool.reader())),
            None => File::open(&self.path)
                .map(ByteSource::File)
                .map_err(io_error(&self.path)),
        }
    }

    /// The size of its bytes now.
    fn current_len(&self, bytes: &ByteSource) -> Result<u64, InputError> {
        let len = match (bytes, &self.spool) {
            (ByteSource::File(f), _) => f.metadata().map(|m| m.len()),
            (ByteSource::Spool(_), Some(spool)) => spool.len(),
            (ByteSource::Spool(_), None) => Ok(self.size_bytes),
        };
        len.map_err(io_error(&self.path))
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> InputError + '_ {
    move |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Look at a batch file before importing it: format, size, SHA-256, estimated items, and whether it
/// can be read as a whole.
///
/// The file is read once, start to end. Errors: [`InputError::UnknownFormat`] when `format` is not
/// given and the extension says nothing; [`InputError::Io`] when it cannot be read;
/// [`InputError::Empty`] when it holds nothing but whitespace (and perhaps a BOM);
/// [`InputError::Unusable`] when a CSV file has no usable header row or a JSON file is not an object
/// with one `line_items` array. A CSV file with a header row and no data is a valid, empty batch.
///
/// `estimated_lines`: CSV, non-blank lines after the header (more than the items when quoted cells
/// hold newlines); JSONL, non-blank lines; JSON, the exact number of `line_items` elements (up to
/// the first syntax error, if any).
///
/// Only a regular file is inspected: a directory, a device (`/dev/zero`) or a pipe is
/// [`InputError::Unusable`] at once, naming the path.
pub fn inspect(path: &Path, format: Option<InputFormat>) -> Result<BatchFile, InputError> {
    inspect_with(path, format, &ReadSettings::default())
}

/// [`inspect`] with what the operator settled for the file (flags or a supplier profile).
pub fn inspect_with(
    path: &Path,
    format: Option<InputFormat>,
    settings: &ReadSettings,
) -> Result<BatchFile, InputError> {
    spool::classify(path, false)?;
    inspect_read(path, format_of(path, format)?, None, settings)
}

/// [`inspect_with`], except that standard input (`-`), a FIFO or a process substitution (`<(…)`) is
/// read once, within `limits`, into a spool that the batch is then read from (and that is gone when
/// the last clone of the [`BatchFile`] is dropped, or the process ends however it ends).
pub fn inspect_spooling(
    path: &Path,
    format: Option<InputFormat>,
    settings: &ReadSettings,
    limits: &SpoolLimits,
) -> Result<BatchFile, InputError> {
    let kind = spool::classify(path, true)?;
    let format = format_of(path, format)?;
    let spool = match kind {
        spool::Kind::File => None,
        kind => Some(spool::spool(path, kind, limits)?),
    };
    inspect_read(path, format, spool, settings)
}

fn unusable_file(path: &Path, reason: String) -> InputError {
    InputError::Unusable {
        path: path.to_path_buf(),
        reason,
    }
}

fn refused(path: &Path) -> impl FnOnce(Refusal) -> InputError + '_ {
    move |r| match r {
        Refusal::Io(e) => io_error(path)(e),
        Refusal::Unusable(reason) => unusable_file(path, reason),
    }
}

/// The analysis of a text table may have held a huge record (a row of millions of empty cells):
/// its memory goes back before the next pass, so passes do not add up.
fn give_back_memory() {
    // SAFETY: mi_collect only frees memory the allocator holds unused.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

fn format_of(path: &Path, format: Option<InputFormat>) -> Result<InputFormat, InputError> {
    format
        .or_else(|| InputFormat::from_path(path))
        .ok_or_else(|| InputError::UnknownFormat {
            path: path.to_path_buf(),
        })
}

fn inspect_read(
    path: &Path,
    format: InputFormat,
    spool: Option<Spool>,
    settings: &ReadSettings,
) -> Result<BatchFile, InputError> {
    let bytes = match &spool {
        Some(spool) => ByteSource::Spool(spool.reader()),
        None => ByteSource::File(File::open(path).map_err(io_error(path))?),
    };
    let mut hashing = Hashing::new(bytes);
    let mut json_items = 0;
    let mut table_rows = 0;
    let mut workbook = Vec::new();
    let mut found = Analysed::default();
    let unusable: Option<String> = match format {
        InputFormat::Csv => {
            let synonyms = header::Synonyms::load_with(&settings.columns)
                .map_err(|r| unusable_file(path, r))?;
            let analysed = dialect::analyse_csv(&mut hashing, settings, &synonyms);
            give_back_memory();
            match analysed {
                Ok(layout) => {
                    table_rows = layout.data_rows;
                    found = Analysed(Some(Arc::new(Found {
                        settings: settings.clone(),
                        synonyms,
                        layout,
                    })));
                    None
                }
                Err(Refusal::Unusable(why)) => Some(why),
                Err(Refusal::Io(e)) => return Err(io_error(path)(e)),
            }
        }
        InputFormat::Sheet => {
            hashing.read_to_end(&mut workbook).map_err(io_error(path))?;
            None
        }
        InputFormat::Json => {
            let reader = BufReader::with_capacity(READ_BUFFER, BomSkip::new(&mut hashing));
            let (items, end) = json_doc::drive(reader, |_: serde::de::IgnoredAny| true);
            json_items = items;
            if let json_doc::DocEnd::Io(e) = end {
                return Err(io_error(path)(e));
            }
            end.unusable_reason()
        }
        InputFormat::Jsonl => None,
    };
    let stats = hashing.finish().map_err(io_error(path))?;
    if stats.empty {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    if let Some(reason) = unusable {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason,
        });
    }
    if format == InputFormat::Sheet {
        let synonyms =
            header::Synonyms::load_with(&settings.columns).map_err(|r| unusable_file(path, r))?;
        table_rows = sheet::Workbook::load(&workbook, settings, &synonyms)
            .map_err(refused(path))?
            .data_rows();
    }
    let estimated_lines = match format {
        InputFormat::Csv | InputFormat::Sheet => table_rows,
        InputFormat::Jsonl => stats.nonblank_lines,
        InputFormat::Json => json_items,
    };
    Ok(BatchFile {
        path: path.to_path_buf(),
        format,
        size_bytes: stats.bytes,
        sha256: stats.sha256,
        estimated_lines,
        spool,
        analysed: found,
    })
}

/// Start streaming the items of an inspected batch file: exactly the `size_bytes` bytes
/// [`inspect`] hashed, never a byte more, whatever is appended meanwhile.
///
/// Fails with [`InputError::Unusable`] when the file's size differs from the one [`inspect`] saw
/// (the import key would not describe what is read), or when the CSV header read now is unusable.
/// A change during the reading is told by [`LineReader::check`] once the reader reached the end of
/// those bytes. JSON documents are parsed on a background thread, one bounded channel ahead of the
/// consumer.
pub fn open(file: &BatchFile) -> Result<LineReader, InputError> {
    open_with(file, &ReadSettings::default())
}

/// How a text table or workbook is written, as [`open_with`] would read it (for `batchops inspect`).
pub fn layout(file: &BatchFile, settings: &ReadSettings) -> Result<Layout, InputError> {
    let path = file.path.as_path();
    let synonyms =
        header::Synonyms::load_with(&settings.columns).map_err(|r| unusable_file(path, r))?;
    match file.format {
        InputFormat::Sheet => {
            let mut data = Vec::new();
            file.bytes()?
                .take(file.size_bytes)
                .read_to_end(&mut data)
                .map_err(io_error(path))?;
            Ok(sheet::Workbook::load(&data, settings, &synonyms)
                .map_err(refused(path))?
                .layout())
        }
        _ => match file.analysed.of(settings, &synonyms) {
            Some(layout) => Ok(layout),
            None => dialect::analyse_csv(file.bytes()?.take(file.size_bytes), settings, &synonyms)
                .map_err(refused(path)),
        },
    }
}

/// The supplier profile a file is read with: the one named, else the one saved profile whose header
/// the file's header matches (with a note saying so), else none. Flags win over the profile.
pub fn choose_profile(
    path: &Path,
    format: Option<InputFormat>,
    flags: &ReadSettings,
    named: Option<&str>,
) -> Result<(ReadSettings, Option<profile::Profile>, Option<String>), String> {
    if let Some(name) = named {
        let p = profile::Profile::load(name)?;
        return Ok((p.settings(flags), Some(p), None));
    }
    let format = format.or_else(|| InputFormat::from_path(path));
    // A pipe is read once, by the import's spool: only a regular file is looked at beforehand.
    let regular = matches!(spool::classify(path, true), Ok(spool::Kind::File));
    if format != Some(InputFormat::Csv) || !regular {
        return Ok((flags.clone(), None, None));
    }
    let mut matching = Vec::new();
    for p in profile::Profile::all()? {
        let settings = p.settings(flags);
        let Ok(synonyms) = header::Synonyms::load_with(&settings.columns) else {
            continue;
        };
        let Ok(handle) = File::open(path) else {
            return Ok((flags.clone(), None, None));
        };
        if dialect::header_names(handle, &settings, &synonyms).is_some_and(|h| p.matches(&h)) {
            matching.push(p);
        }
    }
    match matching.len() {
        0 => Ok((flags.clone(), None, None)),
        1 => {
            let p = matching.remove(0);
            let note = format!(
                "{}: read with supplier profile {} (its header matches)",
                path.display(),
                p.name
            );
            Ok((p.settings(flags), Some(p), Some(note)))
        }
        _ => {
            let names: Vec<&str> = matching.iter().map(|p| p.name.as_str()).collect();
            let note = format!(
                "{}: the header matches the profiles {}; none is used: give --profile NAME",
                path.display(),
                names.join(", ")
            );
            Ok((flags.clone(), None, Some(note)))
        }
    }
}

/// [`open`] with what the operator settled for the file (flags or a supplier profile).
pub fn open_with(file: &BatchFile, settings: &ReadSettings) -> Result<LineReader, InputError> {
    let path = file.path.as_path();
    let bytes = file.bytes()?;
    let size = file.current_len(&bytes)?;
    if size != file.size_bytes {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!(
                "the file changed since it was inspected: {size} bytes now, {} then",
                file.size_bytes
            ),
        });
    }
    let mut handle = Verified::new(bytes, file.size_bytes, &file.sha256);
    let check = handle.check();
    let mut titles = Vec::new();
    let inner = match file.format {
        InputFormat::Csv => {
            // The layout the inspection found (or, with other settings, the hashed bytes analysed
            // once more); the lines come from the verified bytes.
            let layout = layout(file, settings)?;
            give_back_memory();
            titles = layout.titles.clone();
            Inner::Csv(Box::new(
                csv_reader::CsvLines::open(handle, &layout).map_err(refused(path))?,
            ))
        }
        InputFormat::Sheet => {
            let synonyms = header::Synonyms::load_with(&settings.columns)
                .map_err(|r| unusable_file(path, r))?;
            let mut data = Vec::new();
            handle.read_to_end(&mut data).map_err(io_error(path))?;
            let workbook =
                sheet::Workbook::load(&data, settings, &synonyms).map_err(refused(path))?;
            titles = workbook.titles().to_vec();
            Inner::Sheet(workbook.into_lines())
        }
        InputFormat::Json => {
            Inner::Json(json_doc::JsonLines::spawn(handle).map_err(io_error(path))?)
        }
        InputFormat::Jsonl => Inner::Jsonl(Box::new(jsonl::JsonlLines::new(handle))),
    };
    Ok(LineReader {
        format: file.format,
        expected_lines: file.estimated_lines,
        inner,
        check,
        ahead: None,
        titles,
    })
}

/// The items of a batch file, in order, one [`LineResult`] each: `Ok` for a valid line item, `Err`
/// for a line that could not be read or validated (reading goes on after it where the format allows).
///
/// Memory stays bounded whatever the file size: nothing is accumulated. Dropping the reader early is
/// fine (a JSON reader's thread stops at its next item).
pub struct LineReader {
    format: InputFormat,
    /// About how many items the file holds ([`BatchFile::estimated_lines`]).
    expected_lines: u64,
    inner: Inner,
    check: ReadCheck,
    /// The line after the one handed out last (line formats look one line ahead, to know the last).
    ahead: Option<LineResult>,
    /// The rows above a table's header, cells joined by ` | ` (where the invoice header is).
    titles: Vec<String>,
}

enum Inner {
    Csv(Box<csv_reader::CsvLines>),
    Json(json_doc::JsonLines),
    Jsonl(Box<jsonl::JsonlLines>),
    Sheet(sheet::SheetLines),
}

impl LineReader {
    pub fn format(&self) -> InputFormat {
        self.format
    }

    /// About how many items the file holds, as its inspection counted them.
    pub fn expected_lines(&self) -> u64 {
        self.expected_lines
    }

    /// The rows above a table's header, cells joined by ` | `.
    pub fn titles(&self) -> &[String] {
        &self.titles
    }

    /// Whether the bytes read were the ones the import key covers: set once the reader reached
    /// their end. Keep a clone to ask after the reader moved elsewhere.
    pub fn check(&self) -> ReadCheck {
        self.check.clone()
    }
}

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Iterator for LineReader {
    type Item = LineResult;

    fn next(&mut self) -> Option<LineResult> {
        let inner = match &mut self.inner {
            Inner::Csv(r) => r.as_mut() as &mut dyn Iterator<Item = LineResult>,
            Inner::Jsonl(r) => r.as_mut(),
            Inner::Json(r) => return r.next(),
            Inner::Sheet(r) => return r.next(),
        };
        // In a file that grew while it was read, the last line may be one the writer had not
        // finished (`A,x,10` of `A,x,100`): it is an error of its line, not an item.
        let current = match self.ahead.take() {
            Some(line) => line,
            None => inner.next()?,
        };
        self.ahead = inner.next();
        if self.ahead.is_some() || !self.check.cut_line() {
            return Some(current);
        }
        let (line, raw, fields) = match current {
            Ok(item) => (item.line, item.raw, item.fields),
            Err(e) => (e.line, e.raw, e.fields),
        };
        Some(Err(LineError {
            line,
            raw,
            fields,
            reason: "the file grew while it was read and this line was cut by the end of the \
                     bytes its import key covers: it may be incomplete (not imported)"
                .into(),
        }))
    }
}

impl std::iter::FusedIterator for LineReader {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(suffix: &str, content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(content).unwrap();
        f.flush().unwrap();
        f
    }

    #[test]
    fn line_reader_can_move_to_another_thread() {
        fn send_static<T: Send + 'static>() {}
        send_static::<LineReader>();
    }

    #[test]
    fn the_format_comes_from_the_argument_or_the_extension() {
        let f = file(".dat", b"sku,quantity,unit_price\nA,1,2\n");
        assert!(matches!(
            inspect(f.path(), None),
            Err(InputError::UnknownFormat { .. })
        ));
        let batch = inspect(f.path(), Some(InputFormat::Csv)).unwrap();
        assert_eq!(batch.format, InputFormat::Csv);
        assert_eq!(open(&batch).unwrap().filter(Result::is_ok).count(), 1);
        let f = file(".NDJSON", b"{}\n");
        assert_eq!(inspect(f.path(), None).unwrap().format, InputFormat::Jsonl);
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let e = inspect(&missing, None).unwrap_err();
        assert!(matches!(e, InputError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("nope.csv: cannot read"), "{e}");
        let e = inspect(dir.path(), Some(InputFormat::Jsonl)).unwrap_err();
        assert!(
            e.to_string()
                .ends_with(": is a directory, not a batch file"),
            "{e}"
        );
    }

    #[test]
    fn the_reader_stops_at_the_hashed_bytes_and_tells_that_the_file_grew() {
        let mut f = file(
            ".jsonl",
            b"{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}\n",
        );
        let batch = inspect(f.path(), None).unwrap();
        let reader = open(&batch).unwrap();
        let check = reader.check();
        f.write_all(b"{\"sku\":\"B\",\"quantity\":1,\"unit_price\":1}\n")
            .unwrap();
        f.flush().unwrap();
        let lines: Vec<_> = reader.collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            check.change(),
            Some(FileChange::Grew {
                hashed: batch.size_bytes,
                now: Some(2 * batch.size_bytes),
                cut_line: false,
            })
        );
    }

    #[test]
    fn a_last_line_cut_by_the_hashed_bytes_of_a_grown_file_is_an_error() {
        for (ext, content, rest) in [
            (
                ".csv",
                &b"sku,quantity,unit_price\nA,1,2\nB,10"[..],
                &b"0,2\n"[..],
            ),
            (
                ".jsonl",
                b"{\"sku\":\"A\",\"quantity\":1,\"unit_price\":2}\n{\"sku\":\"B\"",
                b",\"quantity\":1,\"unit_price\":2}\n",
            ),
        ] {
            let mut f = file(ext, content);
            let batch = inspect(f.path(), None).unwrap();
            let reader = open(&batch).unwrap();
            let check = reader.check();
            f.write_all(rest).unwrap();
            f.flush().unwrap();
            let lines: Vec<_> = reader.collect();
            assert_eq!(lines.len(), 2, "{ext}: {lines:?}");
            assert!(lines[0].is_ok(), "{ext}: {lines:?}");
            let cut = lines[1].as_ref().unwrap_err();
            assert_eq!(cut.line, 2, "{ext}");
            assert!(
                cut.reason.contains("this line was cut"),
                "{ext}: {}",
                cut.reason
            );
            let change = check.change().unwrap();
            assert!(
                matches!(change, FileChange::Grew { cut_line: true, .. }),
                "{ext}"
            );
            assert!(
                change
                    .to_string()
                    .ends_with("which they cut before its end"),
                "{change}"
            );
        }
        // A last line ended by its line break (trailing blanks after it) is whole.
        let mut f = file(".csv", b"sku,quantity,unit_price\nA,1,2\n  ");
        let batch = inspect(f.path(), None).unwrap();
        let reader = open(&batch).unwrap();
        let check = reader.check();
        f.write_all(b"B,1,2\n").unwrap();
        f.flush().unwrap();
        assert_eq!(reader.filter(Result::is_ok).count(), 1);
        assert!(matches!(
            check.change(),
            Some(FileChange::Grew {
                cut_line: false,
                ..
            })
        ));
    }

    #[test]
    fn the_reader_tells_when_the_hashed_bytes_were_rewritten() {
        use std::io::{Seek, SeekFrom};
        for format in [".csv", ".json", ".jsonl"] {
            let content: &[u8] = match format {
                ".csv" => b"sku,quantity,unit_price\nA,1,2\n",
                ".json" => {
                    b"{\"line_items\": [{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 2}]}"
                }
                _ => b"{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 2}\n",
            };
            // Between the inspection and the reading, same size, another byte: the quantity 1
            // becomes 7.
            let mut f = file(format, content);
            let batch = inspect(f.path(), None).unwrap();
            let at = content.iter().position(|&b| b == b'1').unwrap() as u64;
            f.seek(SeekFrom::Start(at)).unwrap();
            f.write_all(b"7").unwrap();
            f.flush().unwrap();
            let reader = open(&batch).unwrap();
            let check = reader.check();
            let _: Vec<_> = reader.collect();
            assert_eq!(
                check.change(),
                Some(FileChange::Rewritten {
                    hashed: batch.size_bytes
                }),
                "{format}"
            );

            let f = file(format, content);
            let reader = open(&inspect(f.path(), None).unwrap()).unwrap();
            let check = reader.check();
            assert_eq!(reader.filter(Result::is_ok).count(), 1, "{format}");
            assert!(check.reached_end(), "{format}");
            assert_eq!(check.change(), None, "{format}");
        }
    }

    #[test]
    fn the_reader_tells_when_the_file_was_cut_while_it_was_read() {
        // JSON Lines reads nothing before the first line is asked for.
        let line = b"{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 2}\n";
        let f = file(".jsonl", &line.repeat(3));
        let batch = inspect(f.path(), None).unwrap();
        let reader = open(&batch).unwrap();
        let check = reader.check();
        f.as_file().set_len(line.len() as u64).unwrap();
        assert_eq!(reader.count(), 1);
        assert_eq!(
            check.change(),
            Some(FileChange::Shrank {
                hashed: batch.size_bytes,
                read: line.len() as u64
            })
        );
    }

    #[test]
    fn a_pipe_is_refused_by_inspect_and_spooled_by_inspect_spooling() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("batch.jsonl");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = inspect(&fifo, None).unwrap_err();
        assert!(e.to_string().contains("is a pipe"), "{e}");
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                std::fs::write(fifo, b"{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}\n").unwrap()
            })
        };
        let batch = inspect_spooling(
            &fifo,
            None,
            &ReadSettings::default(),
            &SpoolLimits::default(),
        )
        .unwrap();
        writer.join().unwrap();
        assert_eq!(batch.path, fifo, "the run names the pipe");
        assert!(batch.spool.is_some());
        for _ in 0..2 {
            let reader = open(&batch).unwrap();
            let check = reader.check();
            assert_eq!(reader.filter(Result::is_ok).count(), 1);
            assert!(check.reached_end() && check.change().is_none());
        }
    }

    #[test]
    fn empty_whitespace_and_bom_only_files_are_empty_in_every_format() {
        for ext in [".csv", ".json", ".jsonl"] {
            for content in [
                &b""[..],
                b"  \r\n\t\n",
                b"\xEF\xBB\xBF",
                b"\xEF\xBB\xBF\n\n",
            ] {
                let f = file(ext, content);
                let e = inspect(f.path(), None).unwrap_err();
                assert!(
                    matches!(e, InputError::Empty { .. }),
                    "{ext} {content:?}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn sha256_and_size_of_a_small_file() {
        let f = file(".jsonl", b"abc");
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(
            batch.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(batch.size_bytes, 3);
        let csv = b"\xEF\xBB\xBFsku,quantity,unit_price\r\nA,1,2\r\n";
        let f = file(".csv", csv);
        let batch = inspect(f.path(), None).unwrap();
        use sha2::Digest;
        assert_eq!(
            batch.sha256,
            hex::encode(sha2::Sha256::digest(csv)),
            "every byte, BOM included"
        );
        assert_eq!(batch.size_bytes, csv.len() as u64);
    }

    #[test]
    fn estimated_lines_per_format() {
        let csv = file(".csv", b"sku,quantity,unit_price\nA,1,2\n\nB,1,2\n");
        assert_eq!(inspect(csv.path(), None).unwrap().estimated_lines, 2);
        let jsonl = file(".jsonl", b"{}\n\n{}\n{}");
        assert_eq!(inspect(jsonl.path(), None).unwrap().estimated_lines, 3);
        let json = file(".json", b"{\"line_items\": [{}, {}, {\"a\": [{}]}, 1]}");
        assert_eq!(inspect(json.path(), None).unwrap().estimated_lines, 4);
        let cut = file(".json", b"{\"line_items\": [{}, {}, {\"a\"");
        assert_eq!(inspect(cut.path(), None).unwrap().estimated_lines, 2);
    }

    #[test]
    fn a_table_is_laid_out_once_for_the_settings_it_was_inspected_with() {
        let f = file(
            ".csv",
            b"Invoice 7\nsku;quantity;unit_price\nA;1;2,50\nB;3;4,00\n",
        );
        let settings = ReadSettings::default();
        let batch = inspect_with(f.path(), None, &settings).unwrap();
        let path = f.path().to_path_buf();
        drop(f);
        assert!(!path.exists());
        // The same settings: the inspection's layout, the file not read again.
        let kept = layout(&batch, &settings).unwrap();
        assert_eq!(
            (kept.delimiter, kept.header_row, kept.data_rows),
            (b';', 2, 2)
        );
        assert_eq!(kept.titles, ["Invoice 7"]);
        // Other settings: the file is analysed again (and here it is gone).
        let other = ReadSettings {
            delimiter: Some(';'),
            ..ReadSettings::default()
        };
        match layout(&batch, &other) {
            Err(InputError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("expected the file to be read again: {other:?}"),
        }
        // Header names the operator added since: not the inspection's layout.
        let names = header::Synonyms::load_with(&settings.columns).unwrap();
        assert!(batch.analysed.of(&settings, &names).is_some());
        let more = header::Synonyms::load_with(&std::collections::BTreeMap::from([(
            "Lieferposten".to_string(),
            "description".to_string(),
        )]))
        .unwrap();
        assert_ne!(more, names);
        assert!(batch.analysed.of(&settings, &more).is_none());
    }

    #[test]
    fn open_refuses_a_file_that_changed_since_inspect() {
        let mut f = file(".csv", b"sku,quantity,unit_price\nA,1,2\n");
        let batch = inspect(f.path(), None).unwrap();
        f.write_all(b"B,1,2\n").unwrap();
        f.flush().unwrap();
        let e = open(&batch).unwrap_err();
        assert!(
            e.to_string()
                .contains("the file changed since it was inspected"),
            "{e}"
        );
    }

    /// Deterministic noise (xorshift), so a failure can be reproduced.
    fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn random_binary_is_rejected_or_read_as_errors_without_panicking() {
        for seed in 1..=20u64 {
            let bytes = noise(64 * 1024, seed);
            for ext in [".csv", ".json", ".jsonl"] {
                let f = file(ext, &bytes);
                match inspect(f.path(), None) {
                    Err(InputError::Unusable { .. }) => {}
                    Ok(batch) => {
                        let mut n = 0;
                        for line in open(&batch).unwrap() {
                            n += 1;
                            assert!(line.is_err(), "seed {seed}: noise is not a line item");
                        }
                        assert!(n > 0);
                    }
                    Err(e) => panic!("seed {seed} {ext}: {e:?}"),
                }
            }
        }
    }

    #[test]
    fn many_bad_lines_stream_one_at_a_time() {
        let mut content = Vec::new();
        for _ in 0..200_000 {
            content.extend_from_slice(b"oops\n");
        }
        let f = file(".jsonl", &content);
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(batch.estimated_lines, 200_000);
        let mut last = 0;
        for line in open(&batch).unwrap() {
            let e = line.unwrap_err();
            assert_eq!(e.line, last + 1);
            last = e.line;
        }
        assert_eq!(last, 200_000);
    }

    /// The hand-written batches in `sample-data/`, with the outcome their README writes down.
    #[test]
    fn sample_data_reads_as_documented() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data");
        let bolt = dir.join("invoice-bolt-supply.json");
        /// (line, start of the reason) of each bad line.
        type Bad = &'static [(u64, &'static str)];
        let cases: [(&str, usize, Bad); 3] = [
            (
                "invoice-acme-2026-11.csv",
                41,
                &[
                    (15, "quantity \"1,5\" does not fit the file's numbers"),
                    (22, "unit_price \"abc\" is not a decimal number"),
                    (29, "both sku and description are empty"),
                ],
            ),
            (
                "invoice-bolt-supply.json",
                25,
                &[(20, "quantity \"NaN\" is not a finite number")],
            ),
            (
                "receipts-week-48.jsonl",
                40,
                &[
                    (13, "quantity is an array"),
                    (26, "unit_price \"-0.24\" is negative"),
                ],
            ),
        ];
        for (name, lines, bad) in cases {
            let batch = inspect(&dir.join(name), None).unwrap();
            assert_eq!(batch.estimated_lines, lines as u64, "{name}");
            let got: Vec<LineResult> = open(&batch).unwrap().collect();
            assert_eq!(got.len(), lines, "{name}");
            for (i, result) in got.iter().enumerate() {
                let line = i as u64 + 1;
                match (result, bad.iter().find(|(l, _)| *l == line)) {
                    (Ok(item), None) => assert_eq!(item.line, line),
                    (Err(e), Some((_, why))) => {
                        assert_eq!(e.line, line);
                        assert!(
                            e.reason.starts_with(why),
                            "{name} line {line}: {}",
                            e.reason
                        );
                    }
                    (r, _) => panic!("{name} line {line}: unexpected {r:?}"),
                }
            }
        }
        // Exactness: BS-90001 gets 0.1 + 0.1 + "0.1" + "0.125" = 0.425 exactly.
        let total: rust_decimal::Decimal = open(&inspect(&bolt, None).unwrap())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|item| item.sku.as_deref() == Some("BS-90001"))
            .map(|item| item.quantity)
            .sum();
        assert_eq!(total.to_string(), "0.425");
    }
}
