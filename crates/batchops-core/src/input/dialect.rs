//! How a supplier's text table is written, found before a line is read: compression, encoding,
//! delimiter, the header row below any title rows, the column mapping and the number convention.
//!
//! [`analyse_csv`] reads the whole file once: the delimiter and the header row come from the first
//! [`SNIFF_BYTES`]; the encoding (without a byte order mark) and the number convention need every
//! byte, so that a file refused for them is refused before anything lands.
//!
//! - Delimiter: Excel's `sep=X` first line when there is one, else the one of comma, semicolon,
//!   tab and pipe whose header row names the most columns.
//! - Header row: of the first [`HEADER_SEARCH_ROWS`] rows, the one that names the most columns
//!   (at least two) through the header synonyms (see `header`), the first of those on a tie; the
//!   rows above it are title rows.

use super::decode::{self, Compression, TextEncoding, Utf8Probe, cell_text};
use super::header::{ColumnMap, HEADER_SEARCH_ROWS, Synonyms, shorten};
use super::numbers::{Convention, DecimalMark, Evidence};
use super::source::{CsvSource, MAX_FIELDS, READ_BUFFER, human_bytes, is_blank};
use super::validate::Known;
use csv::ByteRecord;
use std::io::{self, BufReader, Cursor, Read};

/// How much of the start of a file the delimiter and the header row are found in.
pub const SNIFF_BYTES: u64 = 256 << 10;

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// What the operator settles for a file (flags or a supplier profile); each wins over detection.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<DecimalMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    /// The header's row, 1-based among the rows that are not blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    /// Header name → the column it holds, beyond the synonyms (a supplier profile's `columns`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub columns: std::collections::BTreeMap<String, String>,
}

/// Why a file cannot be read as a whole.
#[derive(Debug)]
pub enum Refusal {
    Io(io::Error),
    Unusable(String),
}

impl From<io::Error> for Refusal {
    fn from(e: io::Error) -> Self {
        // Damaged compressed data is the file's fault, not the disk's.
        if e.kind() == io::ErrorKind::InvalidData {
            Refusal::Unusable(e.to_string())
        } else {
            Refusal::Io(e)
        }
    }
}

/// What [`analyse_csv`] found.
#[derive(Debug, Clone)]
pub struct Layout {
    pub compression: Compression,
    pub encoding: TextEncoding,
    /// How the encoding was told: `byte order mark`, `every byte is UTF-8`…
    pub encoding_by: String,
    pub delimiter: u8,
    /// The file starts with Excel's `sep=` line.
    pub sep_line: bool,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// The header's row, 1-based among the rows that are not blank, and its line in the file.
    pub header_row: usize,
    pub header_line: u64,
    /// The rows above the header (the `sep=` line excepted), cells joined by ` | `.
    pub titles: Vec<String>,
    pub columns: ColumnMap,
    pub convention: Convention,
    /// Rows below the header that are not blank.
    pub data_rows: u64,
    /// What was decided where the file alone was not clear.
    pub notes: Vec<String>,
}

impl Layout {
    /// `comma`, `semicolon`, `tab`, `pipe`.
    pub fn delimiter_name(&self) -> String {
        delimiter_name(self.delimiter)
    }
}

pub fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'\t' => "tab".into(),
        b'|' => "pipe".into(),
        other => format!("{:?}", other as char),
    }
}

pub(crate) fn csv_builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(READ_BUFFER);
    b
}

fn record_is_blank(record: &ByteRecord) -> bool {
    record.iter().all(is_blank)
}

fn cells(record: &ByteRecord) -> Vec<String> {
    record.iter().map(|c| cell_text(c).into_owned()).collect()
}

/// The header found in the first rows with one delimiter.
struct Found {
    delimiter: u8,
    /// 0-based among the rows that are not blank.
    index: usize,
    line: u64,
    columns: ColumnMap,
    titles: Vec<String>,
}

fn sep_line(prefix: &[u8]) -> Option<u8> {
    let first = prefix.split(|&b| b == b'\n').next()?;
    let text = String::from_utf8_lossy(first);
    let text = text.trim().trim_matches('"');
    let rest = text
        .strip_prefix("sep=")
        .or_else(|| text.strip_prefix("SEP="))?;
    let mut chars = rest.chars();
    let c = chars.next()?;
    (c.is_ascii() && chars.next().is_none()).then_some(c as u8)
}

fn header_with(
    prefix: &[u8],
    delimiter: u8,
    synonyms: &Synonyms,
    header_row: Option<usize>,
    skip_first: bool,
) -> Option<Found> {
    let mut rdr = csv_builder(delimiter).from_reader(prefix);
    let mut record = ByteRecord::new();
    let mut index = 0;
    let mut titles = Vec::new();
    let mut best: Option<Found> = None;
    while let Ok(true) = rdr.read_byte_record(&mut record) {
        if record_is_blank(&record) {
            continue;
        }
        let row = cells(&record);
        let columns = ColumnMap::unchecked(&row, synonyms);
        let wanted = match header_row {
            Some(n) => index + 1 == n,
            None => {
                columns.names_the_columns()
                    && best
                        .as_ref()
                        .is_none_or(|b| columns.named() > b.columns.named())
            }
        };
        if wanted {
            let found = Found {
                delimiter,
                index,
                line: start_line(prefix, &record),
                columns,
                titles: titles.clone(),
            };
            if header_row.is_some() || found.columns.named() == Known::ALL.len() {
                return Some(found);
            }
            best = Some(found);
        }
        if !(skip_first && index == 0) {
            let text: Vec<&str> = row
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect();
            titles.push(text.join(" | "));
        }
        index += 1;
        if header_row.is_none() && index >= HEADER_SEARCH_ROWS {
            break;
        }
    }
    best
}

/// The line of the file where a record of `prefix` starts. (The record's position is where
/// reading it began: the blank lines before it included.)
fn start_line(prefix: &[u8], record: &ByteRecord) -> u64 {
    let mut start = record.position().map_or(0, |p| p.byte() as usize);
    while prefix
        .get(start)
        .is_some_and(|b| matches!(b, b'\r' | b'\n'))
    {
        start += 1;
    }
    1 + prefix[..start.min(prefix.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// A quote opened in the first bytes is never closed (it swallowed the header row).
fn ends_in_quote(prefix: &[u8]) -> bool {
    let mut src = CsvSource::new(prefix);
    let _ = io::copy(&mut src, &mut io::sink());
    src.ended_in_quote()
}

/// The share of control characters in the text: binary data has many.
fn looks_binary(prefix: &[u8]) -> bool {
    let text = cell_text(&prefix[..prefix.len().min(4096)]);
    let total = text.chars().count().max(1);
    let control = text
        .chars()
        .filter(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || *c == '\u{fffd}')
        .count();
    control * 20 > total
}

fn find_header(
    prefix: &[u8],
    settings: &ReadSettings,
    synonyms: &Synonyms,
) -> Result<(Found, bool), String> {
    let sep = sep_line(prefix);
    let forced = settings.delimiter.map(|c| c as u8).or(sep);
    let candidates: Vec<u8> = match forced {
        Some(d) => vec![d],
        None => DELIMITERS.to_vec(),
    };
    let mut best: Option<Found> = None;
    for d in candidates {
        let Some(found) = header_with(prefix, d, synonyms, settings.header_row, sep.is_some())
        else {
            continue;
        };
        let better = match &best {
            None => true,
            Some(b) => found.columns.named() > b.columns.named(),
        };
        if better {
            best = Some(found);
        }
    }
    if let Some(found) = best {
        return Ok((found, sep.is_some()));
    }
    let first_row = String::from_utf8_lossy(
        prefix
            .split(|&b| b == b'\n')
            .find(|l| !is_blank(l))
            .unwrap_or_default(),
    )
    .trim_end_matches('\r')
    .to_string();
    if let Some(n) = settings.header_row {
        return Err(format!("the file has no row {n} for the header"));
    }
    if ends_in_quote(prefix) {
        return Err("the header row has a quote that is never closed".into());
    }
    if looks_binary(prefix) {
        return Err(
            "the file is binary data, not a text table (no header row, and control characters \
             where text should be)"
                .into(),
        );
    }
    Err(format!(
        "no header row with columns {} (the first row is \"{}\"): none of the first \
         {HEADER_SEARCH_ROWS} rows names at least two of them, with comma, semicolon, tab or pipe \
         between cells; header names in other words can be added to {}",
        super::csv_reader::EXPECTED_COLUMNS,
        shorten(&first_row),
        super::header::SYNONYMS_FILE,
    ))
}

/// The columns of the header row, checked.
fn header_columns(
    record: &ByteRecord,
    ended_in_quote: bool,
    synonyms: &Synonyms,
) -> Result<ColumnMap, String> {
    if ended_in_quote {
        return Err("the header row has a quote that is never closed".into());
    }
    if record.len() > MAX_FIELDS {
        return Err(format!(
            "the header row has {} columns; at most {MAX_FIELDS} (expected columns {})",
            record.len(),
            super::csv_reader::EXPECTED_COLUMNS
        ));
    }
    let columns = ColumnMap::of(&cells(record), synonyms)?;
    columns.check(super::csv_reader::EXPECTED_COLUMNS)?;
    Ok(columns)
}

/// The header row's names as `settings` find it in the first bytes of a text table, if any (to
/// tell which supplier profile a file is).
pub fn header_names<'a, R: Read + Send + 'a>(
    input: R,
    settings: &ReadSettings,
    synonyms: &Synonyms,
) -> Option<Vec<String>> {
    let (_, raw) = decode::decompress(input).ok()?.ok()?;
    let mut raw = BufReader::with_capacity(READ_BUFFER, raw);
    let bom = decode::bom_encoding(&mut raw).ok()?;
    let encoding = settings.encoding.or(bom).unwrap_or(TextEncoding::Utf8);
    let mut prefix = Vec::new();
    decode::to_utf8(Box::new(raw), encoding)
        .take(SNIFF_BYTES)
        .read_to_end(&mut prefix)
        .ok()?;
    let (found, _) = find_header(&prefix, settings, synonyms).ok()?;
    Some(found.columns.names)
}

/// Read a whole text table once and find its [`Layout`], or why it cannot be read as a whole.
pub fn analyse_csv<'a, R: Read + Send + 'a>(
    input: R,
    settings: &ReadSettings,
    synonyms: &Synonyms,
) -> Result<Layout, Refusal> {
    let (compression, raw) = decode::decompress(input)?.map_err(Refusal::Unusable)?;
    let mut raw = BufReader::with_capacity(READ_BUFFER, raw);
    let bom = decode::bom_encoding(&mut raw)?;
    let told = settings.encoding.or(bom);
    let mut text: Box<dyn Read + Send + 'a> = match told {
        Some(e @ (TextEncoding::Utf16le | TextEncoding::Utf16be | TextEncoding::Windows1252)) => {
            decode::to_utf8(Box::new(raw), e)
        }
        Some(TextEncoding::Utf8) | None => decode::to_utf8(Box::new(raw), TextEncoding::Utf8),
    };
    let mut prefix = Vec::new();
    (&mut text).take(SNIFF_BYTES).read_to_end(&mut prefix)?;
    let sniff: &[u8] = if (prefix.len() as u64) < SNIFF_BYTES {
        &prefix
    } else {
        let end = prefix
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap_or(prefix.len());
        &prefix[..end]
    };
    if is_blank(sniff) && (prefix.len() as u64) < SNIFF_BYTES {
        return Err(Refusal::Unusable(format!(
            "no header row with columns {}: the file has no rows",
            super::csv_reader::EXPECTED_COLUMNS
        )));
    }
    let (found, sep) = find_header(sniff, settings, synonyms).map_err(Refusal::Unusable)?;
    let probe = Utf8Probe::new(Cursor::new(prefix).chain(text));
    let mut rdr =
        csv_builder(found.delimiter).from_reader(CsvSource::with_delimiter(probe, found.delimiter));
    let mut record = ByteRecord::new();
    let mut index = 0usize;
    let mut data_rows = 0u64;
    let mut evidence = Evidence::default();
    // The header row is read again whole here: the one found in the first bytes may be cut short.
    let mut columns: Option<ColumnMap> = None;
    let mut number_columns: Vec<(usize, String)> = Vec::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) if record_is_blank(&record) => continue,
            Ok(true) => {
                index += 1;
                if index <= found.index {
                    continue;
                }
                if columns.is_none() {
                    let map = header_columns(&record, rdr.get_ref().ended_in_quote(), synonyms)
                        .map_err(Refusal::Unusable)?;
                    number_columns = [Known::Quantity, Known::UnitPrice]
                        .into_iter()
                        .filter_map(|k| map.index_of(k).map(|i| (i, map.names[i].clone())))
                        .collect();
                    columns = Some(map);
                    continue;
                }
                data_rows += 1;
                for (i, name) in &number_columns {
                    if let Some(cell) = record.get(*i) {
                        let text = cell_text(cell);
                        // Lines are numbered as the run reports them: data records from 1.
                        evidence.observe(&text, || (format!("line {data_rows}"), name.clone()));
                    }
                }
            }
            Err(e) => {
                let src = rdr.get_ref();
                if src.too_long() {
                    if columns.is_none() {
                        return Err(Refusal::Unusable(format!(
                            "the header row is longer than {} (is a quote never closed?)",
                            human_bytes(src.limit())
                        )));
                    }
                    // The reader stops at this record too, with a line error naming it.
                    break;
                }
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(e) => Refusal::from(e),
                    other => Refusal::Io(io::Error::other(format!("{other:?}"))),
                });
            }
        }
    }
    let columns = columns
        .ok_or_else(|| Refusal::Unusable("the header row could not be read again".into()))?;
    let seen = rdr.get_ref().get_ref().seen();
    let (encoding, encoding_by) = match (settings.encoding, bom) {
        (Some(e), _) => (e, "the setting of the operator".to_string()),
        (None, Some(TextEncoding::Utf8)) => {
            if let Some(line) = seen.first_invalid_line {
                return Err(Refusal::Unusable(format!(
                    "mixed encodings: the file starts with a UTF-8 byte order mark but line \
                     {line} of the file is not UTF-8; save the file in one encoding"
                )));
            }
            (TextEncoding::Utf8, "byte order mark".to_string())
        }
        (None, Some(e)) => (e, "byte order mark".to_string()),
        (None, None) => {
            let e = seen.encoding().map_err(Refusal::Unusable)?;
            let by = match seen.first_invalid_line {
                Some(line) => format!("bytes that are not UTF-8 from line {line} of the file"),
                None => "every byte is UTF-8".to_string(),
            };
            (e, by)
        }
    };
    let convention = evidence
        .settle(settings.decimal)
        .map_err(Refusal::Unusable)?;
    let mut notes = Vec::new();
    if let Some(note) = evidence.two_ways_note(&convention) {
        notes.push(note);
    }
    Ok(Layout {
        compression,
        encoding,
        encoding_by,
        delimiter: found.delimiter,
        sep_line: sep,
        sheet: None,
        header_row: found.index + 1,
        header_line: found.line,
        titles: found.titles,
        columns,
        convention,
        data_rows,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(bytes: &[u8]) -> Result<Layout, String> {
        analyse_csv(bytes, &ReadSettings::default(), &Synonyms::shipped()).map_err(|e| match e {
            Refusal::Io(e) => format!("io: {e}"),
            Refusal::Unusable(s) => s,
        })
    }

    #[test]
    fn a_german_erp_export() {
        let l = analyse(
            b"Rechnung 4711;;;\nLieferant: Schrauben M\xfcller GmbH;;;\n\n\
              Artikelnummer;Bezeichnung;Menge;Einzelpreis\n\
              HB-8;Sechskantschraube \xd88 \xd7 40 mm;1.200;2.500,25\n",
        )
        .unwrap();
        assert_eq!(l.encoding, TextEncoding::Windows1252);
        assert_eq!(l.delimiter, b';');
        assert_eq!((l.header_row, l.header_line), (3, 4));
        assert_eq!(l.titles[1], "Lieferant: Schrauben M\u{fc}ller GmbH");
        assert_eq!(l.convention.decimal, DecimalMark::Comma);
        assert_eq!(l.data_rows, 1);
        assert_eq!(l.columns.field_name(2), "quantity");
    }

    #[test]
    fn a_title_row_that_names_two_columns_is_not_the_header() {
        let l =
            analyse(b"Name;ACME GmbH;Code;4711\nsku;description;quantity;unit_price\nA;B;1;2\n")
                .unwrap();
        assert_eq!(l.header_row, 2);
        assert_eq!(l.titles, ["Name | ACME GmbH | Code | 4711"]);
    }

    #[test]
    fn sep_line_tab_and_pipe() {
        let l = analyse(b"sep=;\nsku;description;quantity;unit_price\nA;x,y;1;2\n").unwrap();
        assert!(l.sep_line);
        assert_eq!((l.delimiter, l.header_row), (b';', 2));
        assert!(l.titles.is_empty());
        let l = analyse(b"SKU\tDescription\tQty\tPrice\nA\tB\t1\t2\n").unwrap();
        assert_eq!(l.delimiter, b'\t');
        let l = analyse(b"sku|description|quantity|unit_price\nA|B|1|2\n").unwrap();
        assert_eq!(l.delimiter, b'|');
    }

    #[test]
    fn settings_win_over_detection() {
        let synonyms = Synonyms::shipped();
        let bytes: &[u8] = b"Liste;1\nsku;description;quantity;unit_price\nA;B;1.200;3\n";
        let settings = ReadSettings {
            decimal: Some(DecimalMark::Point),
            header_row: Some(2),
            delimiter: Some(';'),
            encoding: Some(TextEncoding::Windows1252),
            ..ReadSettings::default()
        };
        let l = analyse_csv(bytes, &settings, &synonyms).unwrap();
        assert_eq!(l.convention.decimal, DecimalMark::Point);
        assert_eq!((l.header_row, l.delimiter), (2, b';'));
        assert_eq!(l.encoding_by, "the setting of the operator");
        let wrong_row = ReadSettings {
            header_row: Some(9),
            ..ReadSettings::default()
        };
        assert!(matches!(
            analyse_csv(bytes, &wrong_row, &synonyms),
            Err(Refusal::Unusable(e)) if e == "the file has no row 9 for the header"
        ));
    }

    #[test]
    fn refusals_name_the_reason() {
        let e = analyse(b"sku;qty;price\nA;1.200;3\n").unwrap_err();
        assert!(
            e.starts_with("the decimal mark cannot be settled: line 1, column \"qty\""),
            "{e}"
        );
        let e = analyse(b"hello world\nfoo\n").unwrap_err();
        assert!(e.starts_with("no header row with columns"), "{e}");
        let e = analyse(b"Artikelnummer;Bezeichnung;Menge\nA;B;1\n").unwrap_err();
        assert!(
            e.starts_with("the header row has no \"unit_price\" column"),
            "{e}"
        );
        let e = analyse(b"sku,qty,price\nA,\xc3\x98,1\nB,\xd8,2\n").unwrap_err();
        assert!(
            e.starts_with("mixed encodings: line 2 of the file is UTF-8 and line 3 is not"),
            "{e}"
        );
    }
}
