//! Readers for batch files: CSV, JSON invoice documents and JSON Lines.
//!
//! Reading streams: one [`LineResult`] per line item, never the whole file in memory. A bad line is an
//! `Err(LineError)` naming its line and reason and the reader goes on; a file that cannot be read as a
//! whole is an [`InputError`] before any line is produced.
//!
//! - [`inspect`] reads the file once: SHA-256, size, an estimate of the items, and the checks that
//!   make a file unusable as a whole (CSV header, JSON document shape).
//! - [`open`] streams the items; see the format modules for the rules of each format
//!   (`csv_reader`, `json_doc`, `jsonl`).
//! - [`validate_fields`] holds the rules of a line item, shared by all readers and by retry.

mod csv_reader;
pub mod invoice;
mod json_doc;
mod jsonl;
pub mod reject;
mod source;
#[cfg(test)]
mod test_support;
mod validate;

pub use source::{MAX_FIELDS, MAX_RECORD_BYTES};
pub use validate::{
    MAX_DESCRIPTION_CHARS, MAX_SKU_CHARS, Stored, validate_fields, validate_stored,
};

use crate::domain::LineResult;
use source::{BomSkip, Hashing, READ_BUFFER};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The formats a batch file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Csv,
    Json,
    Jsonl,
}

impl InputFormat {
    /// By extension: `.csv`, `.json`, `.jsonl` / `.ndjson` (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(InputFormat::Csv),
            "json" => Some(InputFormat::Json),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Json => "json",
            InputFormat::Jsonl => "jsonl",
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
    #[error("{path}: cannot tell the format from the extension; use --format-in csv|json|jsonl")]
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
pub fn inspect(path: &Path, format: Option<InputFormat>) -> Result<BatchFile, InputError> {
    let format = format
        .or_else(|| InputFormat::from_path(path))
        .ok_or_else(|| InputError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
    let file = File::open(path).map_err(io_error(path))?;
    let mut hashing = Hashing::new(file);
    let mut json_items = 0;
    let unusable: Option<String> = match format {
        InputFormat::Csv => {
            let mut rdr = csv_reader::csv_reader(&mut hashing);
            match csv_reader::read_header(&mut rdr) {
                Ok(_) => None,
                Err(csv_reader::HeaderError::Unusable(why)) => Some(why),
                Err(csv_reader::HeaderError::Io(e)) => return Err(io_error(path)(e)),
            }
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
    let estimated_lines = match format {
        InputFormat::Csv => stats.nonblank_lines.saturating_sub(1),
        InputFormat::Jsonl => stats.nonblank_lines,
        InputFormat::Json => json_items,
    };
    Ok(BatchFile {
        path: path.to_path_buf(),
        format,
        size_bytes: stats.bytes,
        sha256: stats.sha256,
        estimated_lines,
    })
}

/// Start streaming the items of an inspected batch file.
///
/// Fails with [`InputError::Unusable`] when the file's size is no longer the one [`inspect`] saw
/// (the import key would not describe what is read), or when a CSV header is no longer usable.
/// JSON documents are parsed on a background thread, one bounded channel ahead of the consumer.
pub fn open(file: &BatchFile) -> Result<LineReader, InputError> {
    let path = file.path.as_path();
    let handle = File::open(path).map_err(io_error(path))?;
    let size = handle.metadata().map_err(io_error(path))?.len();
    if size != file.size_bytes {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!(
                "the file changed since it was inspected: {size} bytes now, {} then",
                file.size_bytes
            ),
        });
    }
    let inner = match file.format {
        InputFormat::Csv => {
            let mut rdr = csv_reader::csv_reader(handle);
            let header = csv_reader::read_header(&mut rdr).map_err(|e| match e {
                csv_reader::HeaderError::Io(e) => io_error(path)(e),
                csv_reader::HeaderError::Unusable(reason) => InputError::Unusable {
                    path: path.to_path_buf(),
                    reason,
                },
            })?;
            Inner::Csv(Box::new(csv_reader::CsvLines::new(rdr, header)))
        }
        InputFormat::Json => {
            Inner::Json(json_doc::JsonLines::spawn(handle).map_err(io_error(path))?)
        }
        InputFormat::Jsonl => Inner::Jsonl(Box::new(jsonl::JsonlLines::new(handle))),
    };
    Ok(LineReader {
        format: file.format,
        inner,
    })
}

/// The items of a batch file, in order, one [`LineResult`] each: `Ok` for a valid line item, `Err`
/// for a line that could not be read or validated (reading goes on after it where the format allows).
///
/// Memory stays bounded whatever the file size: nothing is accumulated. Dropping the reader early is
/// fine (a JSON reader's thread stops at its next item).
pub struct LineReader {
    format: InputFormat,
    inner: Inner,
}

enum Inner {
    Csv(Box<csv_reader::CsvLines>),
    Json(json_doc::JsonLines),
    Jsonl(Box<jsonl::JsonlLines>),
}

impl LineReader {
    pub fn format(&self) -> InputFormat {
        self.format
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
        match &mut self.inner {
            Inner::Csv(r) => r.next(),
            Inner::Json(r) => r.next(),
            Inner::Jsonl(r) => r.next(),
        }
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
        let f = file(".txt", b"sku,quantity,unit_price\nA,1,2\n");
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
        assert!(matches!(
            inspect(dir.path(), Some(InputFormat::Jsonl)),
            Err(InputError::Io { .. })
        ));
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
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        let bolt = dir.join("invoice-bolt-supply.json");
        /// (line, start of the reason) of each bad line.
        type Bad = &'static [(u64, &'static str)];
        let cases: [(&str, usize, Bad); 3] = [
            (
                "invoice-acme-2026-11.csv",
                41,
                &[
                    (15, "quantity \"1,5\" has a comma"),
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
