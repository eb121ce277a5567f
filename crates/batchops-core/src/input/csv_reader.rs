//! CSV batches (and other text tables): a header row naming the columns, then one line item per
//! record. How the file is written (compression, encoding, delimiter, title rows, header names,
//! number convention) is found first by [`analyse_csv`](super::dialect::analyse_csv); this reader
//! reads the records with what it found.
//!
//! - The header's cells are mapped to `sku`, `description`, `quantity` and `unit_price` through
//!   the header synonyms; `quantity`, `unit_price` and one of `sku`/`description` are required;
//!   other columns are kept in `fields` under their names. A cell that wrote a synonym is kept
//!   under the known name (`Menge` → `quantity`), so retry and corrections read it.
//! - Number cells are read with the file's settled convention and kept as plain decimals
//!   (`2.500,25` → `2500.25`); the record's raw text keeps what the file wrote.
//! - A header row and nothing else is a valid, empty batch (0 items).
//! - Records whose every cell is blank (`,,,` or spaces) are skipped and take no line number, like the
//!   empty lines the csv crate skips by itself. `line` is the index of the data record among the
//!   others, header and title rows excluded.
//! - Each record is read as bytes: a cell that is not UTF-8, a record with the wrong number of cells
//!   and a quote that is never closed are errors of that line, and reading goes on where it can.
//! - A record larger than [`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES) stops the reading with one
//!   error line: it is almost always a stray quote that swallowed the rest of the file.

use super::decode;
use super::dialect::{Layout, Refusal, csv_builder};
use super::header::ColumnMap;
use super::numbers::{self, DecimalMark};
use super::source::{BomSkip, CsvSource, MAX_FIELDS, READ_BUFFER, Verified, human_bytes, is_blank};
use super::validate::{Known, shape_problem};
use super::validate_fields;
use crate::domain::line::cap_raw;
use crate::domain::{Fields, LineError, LineResult};
use csv::ByteRecord;
use std::io::{self, Read};

pub(crate) const EXPECTED_COLUMNS: &str = "sku, description, quantity, unit_price";

/// The column names of a CSV file, trimmed, as written.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub names: Vec<String>,
}

/// A plain reader of comma-separated UTF-8 (reject files).
pub(crate) fn csv_reader<R: Read>(source: R) -> csv::Reader<CsvSource<BomSkip<R>>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(CsvSource::new(BomSkip::new(source)))
}

fn record_is_blank(record: &ByteRecord) -> bool {
    record.iter().all(is_blank)
}

/// The names of the columns of a plain comma-separated UTF-8 table (the first record that is not
/// blank); `None` when the file is not one (no rows, a header that is not UTF-8, too long or with
/// a quote never closed).
pub(crate) fn read_header<R: Read>(
    rdr: &mut csv::Reader<CsvSource<R>>,
) -> io::Result<Option<Header>> {
    let mut record = ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) if record_is_blank(&record) => continue,
            Ok(true) => break,
            Ok(false) => return Ok(None),
            Err(_) if rdr.get_ref().too_long() => return Ok(None),
            Err(e) => return Err(csv_io_error(e)),
        }
    }
    if rdr.get_ref().ended_in_quote() || record.len() > MAX_FIELDS {
        return Ok(None);
    }
    let mut names = Vec::with_capacity(record.len());
    for cell in record.iter() {
        let Ok(text) = std::str::from_utf8(cell) else {
            return Ok(None);
        };
        names.push(text.trim_start_matches('\u{feff}').trim().to_string());
    }
    Ok(Some(Header { names }))
}

fn csv_io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

type TextCsv = csv::Reader<CsvSource<Box<dyn Read + Send>>>;

/// The streaming reader over the data records of a CSV file.
pub(crate) struct CsvLines {
    rdr: TextCsv,
    columns: ColumnMap,
    decimal: DecimalMark,
    record: ByteRecord,
    line: u64,
    done: bool,
}

impl CsvLines {
    /// Read `handle` as `layout` says, from the first record below the header.
    pub(crate) fn open(handle: Verified, layout: &Layout) -> Result<Self, Refusal> {
        let (_, raw) = decode::decompress(handle)?.map_err(Refusal::Unusable)?;
        let text = decode::to_utf8(raw, layout.encoding);
        let source = CsvSource::with_delimiter(text, layout.delimiter);
        let mut rdr = csv_builder(layout.delimiter).from_reader(source);
        let mut record = ByteRecord::new();
        let mut rows = 0;
        while rows < layout.header_row {
            match rdr.read_byte_record(&mut record) {
                Ok(true) if record_is_blank(&record) => {}
                Ok(true) => rows += 1,
                Ok(false) => {
                    return Err(Refusal::Unusable(
                        "the file changed since it was analysed: the header row is gone".into(),
                    ));
                }
                Err(e) => return Err(Refusal::from(csv_io_error(e))),
            }
        }
        Ok(CsvLines {
            rdr,
            columns: layout.columns.clone(),
            decimal: layout.convention.decimal,
            record,
            line: 0,
            done: false,
        })
    }

    fn stop(&mut self, reason: String) -> LineResult {
        self.done = true;
        self.line += 1;
        Err(LineError {
            line: self.line,
            raw: String::new(),
            fields: Vec::new(),
            reason,
        })
    }

    fn record_result(&self) -> LineResult {
        let record = &self.record;
        let line = self.line;
        let raw = join_record(record);
        // The header has at most MAX_FIELDS columns: a longer record is an error, and only its
        // first cells are kept (the count is in the reason, the start of the text in raw).
        let mut fields: Fields = Vec::with_capacity(record.len().min(MAX_FIELDS));
        let mut bad_utf8: Option<usize> = None;
        for (i, cell) in record.iter().enumerate().take(MAX_FIELDS) {
            let value = match std::str::from_utf8(cell) {
                Ok(s) => s.to_string(),
                Err(_) => {
                    bad_utf8.get_or_insert(i);
                    String::from_utf8_lossy(cell).into_owned()
                }
            };
            fields.push((self.columns.field_name(i), value));
        }
        let error = |reason: String, fields: Fields| {
            Err(LineError {
                line,
                raw: cap_raw(&raw),
                fields,
                reason,
            })
        };
        if self.rdr.get_ref().ended_in_quote() {
            let from = record.position().map_or(0, |p| p.line());
            return error(
                format!(
                    "has a quote that is never closed: the record starts at line {from} of the file \
                     and everything after the quote, to the end of the file, was read into it"
                ),
                fields,
            );
        }
        if let Some(reason) = shape_problem(record.len(), self.columns.names.len()) {
            return error(reason, fields);
        }
        if let Some(i) = bad_utf8 {
            let name = &self.columns.names[i];
            return error(
                format!(
                    "is not valid UTF-8 (column \"{name}\"); the raw text shows the bad bytes as \u{fffd}"
                ),
                fields,
            );
        }
        let problems = read_numbers(&mut fields, &self.columns, self.decimal, |_| true);
        if !problems.is_empty() {
            return error(problems.join("; "), fields);
        }
        validate_fields(line, raw, fields)
    }
}

impl Iterator for CsvLines {
    type Item = LineResult;

    fn next(&mut self) -> Option<LineResult> {
        if self.done {
            return None;
        }
        loop {
            match self.rdr.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) if record_is_blank(&self.record) => continue,
                Ok(true) => {
                    self.line += 1;
                    return Some(self.record_result());
                }
                Err(e) => {
                    let src = self.rdr.get_ref();
                    let reason = if src.too_long() {
                        format!(
                            "the record starting at line {} of the file is longer than {}; reading \
                             stopped here and the rest of the file was not read (is a quote never \
                             closed?)",
                            src.record_start_line(),
                            human_bytes(src.limit())
                        )
                    } else {
                        format!(
                            "cannot read the file: {}; the rest of the file was not read",
                            csv_io_error(e)
                        )
                    };
                    return Some(self.stop(reason));
                }
            }
        }
    }
}

/// Number cells written as text (`is_text`) read with the file's convention, in place; the problems
/// of those that do not fit.
pub(crate) fn read_numbers(
    fields: &mut Fields,
    columns: &ColumnMap,
    decimal: DecimalMark,
    is_text: impl Fn(usize) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for known in [Known::Quantity, Known::UnitPrice] {
        let Some(i) = columns.index_of(known).filter(|&i| is_text(i)) else {
            continue;
        };
        let Some((_, value)) = fields.get_mut(i) else {
            continue;
        };
        match numbers::normalize(value, decimal) {
            Ok(Some(plain)) => *value = plain,
            Ok(None) => {}
            Err(why) => problems.push(format!("{} {why}", known.name())),
        }
    }
    problems
}

/// The record as CSV text (quoted as the csv crate's writer quotes), without the line ending,
/// lossy where the bytes are not UTF-8.
pub(crate) fn join_record(record: &ByteRecord) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(record.as_slice().len() + 2 * record.len() + 16)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_byte_record(record);
    let mut bytes = writer.into_inner().unwrap_or_default();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{self, err, ok};
    use super::super::{InputError, InputFormat, inspect, open};
    use crate::domain::LineResult;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        test_support::file(content, InputFormat::Csv)
    }

    fn read(content: &[u8]) -> Vec<LineResult> {
        test_support::read(content, InputFormat::Csv)
    }

    fn unusable(content: &[u8]) -> String {
        let f = file(content);
        match inspect(f.path(), None) {
            Err(InputError::Unusable { reason, .. }) => reason,
            other => panic!("expected Unusable, got {other:?}"),
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn happy_path_keeps_extra_columns_in_order() {
        let got = read(
            b"SKU, Description ,qty_note,Quantity,Unit_Price,warehouse\n\
              A-1,Blue widget,boxed,3,0.1,north\n\
              ,Gasket,,2.5,10,south\n",
        );
        assert_eq!(got.len(), 2);
        let a = ok(&got[0]);
        assert_eq!(a.line, 1);
        assert_eq!(a.sku.as_deref(), Some("A-1"));
        assert_eq!(a.description, "Blue widget");
        assert_eq!((a.quantity, a.unit_price), (d("3"), d("0.1")));
        assert_eq!(a.raw, "A-1,Blue widget,boxed,3,0.1,north");
        let names: Vec<&str> = a.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "SKU",
                "Description",
                "qty_note",
                "Quantity",
                "Unit_Price",
                "warehouse"
            ],
            "header names as written, trimmed"
        );
        assert_eq!(a.fields[5].1, "north");
        let b = ok(&got[1]);
        assert_eq!((b.line, b.sku.clone(), b.quantity), (2, None, d("2.5")));
    }

    #[test]
    fn bom_and_crlf() {
        let got =
            read(b"\xEF\xBB\xBFsku,description,quantity,unit_price\r\nA,Nut,1,2\r\nB,Bolt,3,4\r\n");
        assert_eq!(got.len(), 2);
        assert_eq!(ok(&got[0]).sku.as_deref(), Some("A"));
        assert_eq!(
            ok(&got[0]).fields[0].0,
            "sku",
            "the BOM is not part of the first name"
        );
        assert_eq!(ok(&got[1]).unit_price, d("4"));
        assert_eq!(ok(&got[1]).raw, "B,Bolt,3,4");
    }

    #[test]
    fn a_quoted_first_header_after_a_bom() {
        let got = read(b"\xEF\xBB\xBF\"sku\",\"description\",quantity,unit_price\nA,Nut,1,2\n");
        assert_eq!(ok(&got[0]).sku.as_deref(), Some("A"));
    }

    #[test]
    fn quoted_newlines_commas_and_quotes_stay_inside_the_description() {
        let got = read(
            b"sku,description,quantity,unit_price\r\n\
              A,\"Line one\r\nline two, with \"\"quotes\"\"\",1,2\r\n\
              B,plain,1,2\r\n",
        );
        assert_eq!(got.len(), 2);
        let a = ok(&got[0]);
        assert_eq!(a.description, "Line one\r\nline two, with \"quotes\"");
        assert_eq!(a.raw, "A,\"Line one\r\nline two, with \"\"quotes\"\"\",1,2");
        assert_eq!(
            ok(&got[1]).line,
            2,
            "a quoted newline is not a new line item"
        );
    }

    #[test]
    fn an_unterminated_quote_is_a_clear_error_not_silent_loss() {
        let got = read(
            b"sku,description,quantity,unit_price\n\
              A,Nut,1,2\n\
              B,\"Bolt,1,2\n\
              C,Washer,1,2\n\
              D,Screw,1,2\n",
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(ok(&got[0]).sku.as_deref(), Some("A"));
        let e = err(&got[1]);
        assert_eq!(e.line, 2);
        assert!(
            e.reason.starts_with(
                "has a quote that is never closed: the record starts at line 3 of the file"
            ),
            "{}",
            e.reason
        );
        assert!(
            e.raw.contains("C,Washer") && e.raw.contains("D,Screw"),
            "{}",
            e.raw
        );
    }

    #[test]
    fn an_unterminated_quote_even_when_the_swallowed_record_would_validate() {
        // Without the check this would import unit_price "2\n" silently as 2.
        let got = read(b"sku,description,quantity,unit_price\nA,Nut,1,\"2\n");
        assert_eq!(got.len(), 1);
        assert!(err(&got[0]).reason.contains("never closed"));
    }

    #[test]
    fn an_unterminated_quote_in_a_huge_file_stops_at_the_record_limit() {
        let mut content =
            b"sku,description,quantity,unit_price\nA,Nut,1,2\nB,\"Bolt,1,2\n".to_vec();
        let row = b"C,Washer,1,2\n";
        while content.len() < super::super::MAX_RECORD_BYTES + 1024 {
            content.extend_from_slice(row);
        }
        let got = read(&content);
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        let e = err(&got[1]);
        assert_eq!(e.line, 2);
        assert!(
            e.reason
                .starts_with("the record starting at line 3 of the file is longer than 16 MiB"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn an_unterminated_quote_in_the_header_is_unusable() {
        let why = unusable(b"sku,\"description,quantity,unit_price\nA,Nut,1,2\n");
        assert_eq!(why, "the header row has a quote that is never closed");
        let why = unusable(b"sku,quantity,unit_price,\"note\nA,1,2,x\n");
        assert_eq!(why, "the header row has a quote that is never closed");
    }

    #[test]
    fn wrong_headers_are_unusable_with_a_reason() {
        assert_eq!(
            unusable(b"name,price\nA,1\n"),
            "the header row has no \"quantity\" column (expected columns sku, description, \
             quantity, unit_price; the header row is \"name,price\")"
        );
        assert!(unusable(b"A-1,Nut,1,2\nB,Bolt,1,2\n").starts_with("no header row with columns"));
        assert!(
            unusable(b"sku,description,unit_price\nA,Nut,2\n")
                .starts_with("the header row has no \"quantity\" column (expected columns")
        );
        assert!(
            unusable(b"sku,description\nA,Nut\n")
                .starts_with("the header row has no \"quantity\" or \"unit_price\" column")
        );
        assert!(
            unusable(b"item,quantity,unit_price\nA,1,2\n")
                .starts_with("the header row has neither a \"sku\" nor a \"description\" column")
        );
        // A UTF-16 byte order mark before bytes that are not UTF-16 text.
        assert!(!unusable(b"\xFF\xFEsku,quantity,unit_price\n").is_empty());
    }

    #[test]
    fn duplicate_columns_are_unusable() {
        assert_eq!(
            unusable(b"sku,description,quantity,unit_price,SKU \nA,B,1,2,C\n"),
            "duplicate column \"SKU\" in the header row"
        );
        assert_eq!(
            unusable(b"sku,note,quantity,unit_price,Note\n"),
            "duplicate column \"Note\" in the header row"
        );
    }

    #[test]
    fn blank_header_cells_are_allowed() {
        let got = read(b"sku,quantity,unit_price,,\nA,1,2,,\n");
        assert_eq!(ok(&got[0]).fields.len(), 5);
    }

    #[test]
    fn header_only_is_an_empty_batch() {
        let f = file(b"sku,description,quantity,unit_price\r\n");
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(batch.estimated_lines, 0);
        assert_eq!(open(&batch).unwrap().count(), 0);
    }

    #[test]
    fn too_few_and_too_many_columns_are_line_errors_and_reading_goes_on() {
        let got = read(
            b"sku,description,quantity,unit_price\n\
              A,Nut,1,2\n\
              B,Bolt,1\n\
              C,Washer,1,2,surplus\n\
              D,Screw,1,2\n",
        );
        assert_eq!(got.len(), 4);
        let short = err(&got[1]);
        assert_eq!(
            (short.line, short.reason.as_str()),
            (2, "has 3 fields, the header has 4")
        );
        assert_eq!(short.raw, "B,Bolt,1");
        assert_eq!(short.fields.len(), 3);
        let long = err(&got[2]);
        assert_eq!(
            (long.line, long.reason.as_str()),
            (3, "has 5 fields, the header has 4")
        );
        assert_eq!(
            long.fields[4],
            ("column_5".to_string(), "surplus".to_string())
        );
        assert_eq!(ok(&got[3]).line, 4);
        assert_eq!(ok(&got[3]).sku.as_deref(), Some("D"));
    }

    /// Found by the hostile-input tests: a record of millions of empty cells held a string per
    /// cell (1.7 GiB for a 10 MB row), and a header of 200,000 names took minutes to check.
    #[test]
    fn a_record_or_header_of_very_many_cells_is_bounded() {
        use super::super::MAX_FIELDS;
        let mut content = b"sku,description,quantity,unit_price\nA,Nut,1,2\nB".to_vec();
        content.extend(std::iter::repeat_n(b',', 100_000));
        content.extend_from_slice(b"\nC,Washer,1,2\n");
        let got = read(&content);
        assert_eq!(got.len(), 3);
        let e = err(&got[1]);
        assert_eq!(e.reason, "has 100001 fields, the header has 4");
        assert_eq!(e.fields.len(), MAX_FIELDS, "only the first cells are kept");
        assert_eq!(e.fields[4].0, "column_5");
        assert_eq!(ok(&got[2]).sku.as_deref(), Some("C"));

        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let header = format!("sku,quantity,unit_price,{}\nA,1,1\n", names.join(","));
        assert_eq!(
            unusable(header.as_bytes()),
            "the header row has 200003 columns; at most 1024 (expected columns sku, description, \
             quantity, unit_price)"
        );
        let names: Vec<String> = (0..MAX_FIELDS - 3).map(|i| format!("c{i}")).collect();
        let header = format!("sku,quantity,unit_price,{}\n", names.join(","));
        let row = format!("A,1,1{}\n", ",x".repeat(MAX_FIELDS - 3));
        let got = read(format!("{header}{row}").as_bytes());
        assert_eq!(
            ok(&got[0]).fields.len(),
            MAX_FIELDS,
            "1024 columns are fine"
        );
    }

    #[test]
    fn blank_rows_are_skipped_without_a_line_number() {
        let got = read(
            b"sku,description,quantity,unit_price\n\nA,Nut,1,2\n,,,\n   \n\r\nB,Bolt,1,2\n,,,",
        );
        assert_eq!(got.len(), 2);
        assert_eq!(ok(&got[1]).line, 2);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_windows_1252() {
        let got =
            read(b"sku,description,quantity,unit_price\nA,Caf\xE9 cr\xE8me \xd88 \xd7 40 mm,1,2\nB,Bolt,1,2\n");
        assert_eq!(got.len(), 2);
        assert_eq!(ok(&got[0]).description, "Café crème Ø8 × 40 mm");
        assert_eq!(ok(&got[0]).raw, "A,Café crème Ø8 × 40 mm,1,2");
    }

    #[test]
    fn utf8_and_windows_1252_in_one_file_are_refused() {
        let mut bytes = "sku,description,quantity,unit_price\nA,Café,1,2\nB,x,1,2\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"C,Caf\xE9,1,2\n");
        let why = unusable(&bytes);
        assert!(
            why.starts_with("mixed encodings: line 2 of the file is UTF-8 and line 4 is not"),
            "{why}"
        );
    }

    #[test]
    fn numbers_are_exact_and_reasons_name_the_field() {
        let got = read(
            b"sku,quantity,unit_price\n\
              A,\" 7 \",0.1\n\
              B,1\xD9\xAB5,1\n\
              D,1_000,1\n\
              E,0x10,1\n\
              F,NaN,1\n\
              G,1,Infinity\n\
              H,1e400,1\n\
              I,123456789012345678901234567890,1\n\
              J,-0,1\n\
              K,\xD9\xA1\xD9\xA2,1\n",
        );
        assert_eq!(ok(&got[0]).quantity, d("7"));
        assert_eq!(ok(&got[0]).unit_price.to_string(), "0.1");
        assert!(err(&got[1]).reason.starts_with("quantity \"1\u{66b}5\""));
        assert!(err(&got[2]).reason.starts_with("quantity \"1_000\""));
        assert!(
            err(&got[3])
                .reason
                .starts_with("quantity \"0x10\" is hexadecimal")
        );
        assert!(
            err(&got[4])
                .reason
                .starts_with("quantity \"NaN\" is not a finite number")
        );
        assert!(
            err(&got[5])
                .reason
                .starts_with("unit_price \"Infinity\" is not a finite number")
        );
        assert!(
            err(&got[6])
                .reason
                .starts_with("quantity \"1e400\" is in exponent notation")
        );
        assert!(
            err(&got[7])
                .reason
                .starts_with("quantity \"123456789012345678901234567890\" is out of range")
        );
        assert!(ok(&got[8]).quantity.is_zero());
        assert!(
            err(&got[9])
                .reason
                .starts_with("quantity \"\u{661}\u{662}\" is not a decimal number")
        );
    }

    #[test]
    fn hostile_text_is_kept_verbatim() {
        let got = read(
            "sku,description,quantity,unit_price\n\
             A,\"Robert'); DROP TABLE line_items;--\",1,2\n\
             B,\"\x1b[31mred\x1b[0m\x07 nul:\0 \x1b]0;pwned\x07\",1,2\n"
                .as_bytes(),
        );
        assert_eq!(
            ok(&got[0]).description,
            "Robert'); DROP TABLE line_items;--"
        );
        assert_eq!(
            ok(&got[1]).description,
            "\x1b[31mred\x1b[0m\x07 nul:\0 \x1b]0;pwned\x07"
        );
    }

    #[test]
    fn a_5mb_field_is_an_error_with_capped_raw_and_the_next_line_reads() {
        let mut content = b"sku,description,quantity,unit_price\nA,".to_vec();
        content.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
        content.extend_from_slice(b",1,2\nB,Bolt,1,2\n");
        let got = read(&content);
        assert_eq!(got.len(), 2);
        let e = err(&got[0]);
        assert_eq!(
            e.reason,
            "description is 5242880 characters long; at most 1000"
        );
        assert!(e.raw.len() < 8192, "raw is capped: {} bytes", e.raw.len());
        assert!(e.raw.contains("more bytes]"));
        assert!(got[1].is_ok());
    }

    #[test]
    fn estimated_lines_count_nonblank_lines_after_the_header() {
        let f = file(b"sku,quantity,unit_price\nA,1,2\n\nB,1,2\r\nC,1,2");
        assert_eq!(inspect(f.path(), None).unwrap().estimated_lines, 3);
    }
}
