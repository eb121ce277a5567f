//! CSV batches: a header row naming the columns, then one line item per record.
//!
//! - Columns are matched case-insensitively after trimming: `sku`, `description`, `quantity`,
//!   `unit_price`. `quantity`, `unit_price` and one of `sku`/`description` are required; other columns
//!   are kept in `fields`. A column named twice, or more than [`MAX_FIELDS`](super::MAX_FIELDS)
//!   columns, makes the file unusable; a record with more cells keeps only the first of them. Blank
//!   header cells are allowed (a trailing comma) and kept as columns named `""`.
//! - A header row and nothing else is a valid, empty batch (0 items).
//! - Records whose every cell is blank (`,,,` or spaces) are skipped and take no line number, like the
//!   empty lines the csv crate skips by itself. `line` is the index of the data record among the
//!   others, header excluded.
//! - Each record is read as bytes: a cell that is not UTF-8, a record with the wrong number of cells
//!   and a quote that is never closed are errors of that line, and reading goes on where it can.
//! - A record larger than [`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES) stops the reading with one
//!   error line: it is almost always a stray quote that swallowed the rest of the file.

use super::source::{BomSkip, CsvSource, MAX_FIELDS, READ_BUFFER, Verified, human_bytes, is_blank};
use super::validate::{Known, extra_cell_name, shape_problem};
use super::validate_fields;
use crate::domain::line::cap_raw;
use crate::domain::{Fields, LineError, LineResult};
use csv::ByteRecord;
use std::io::{self, Read};

pub(crate) const EXPECTED_COLUMNS: &str = "sku, description, quantity, unit_price";

/// Why a CSV file has no usable header.
#[derive(Debug)]
pub(crate) enum HeaderError {
    Io(io::Error),
    Unusable(String),
}

/// The column names of a CSV file, trimmed, as written.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub names: Vec<String>,
}

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

/// Read and check the header row: the first record that is not blank.
pub(crate) fn read_header<R: Read>(
    rdr: &mut csv::Reader<CsvSource<R>>,
) -> Result<Header, HeaderError> {
    let mut record = ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) if record_is_blank(&record) => continue,
            Ok(true) => break,
            Ok(false) => {
                return Err(HeaderError::Unusable(format!(
                    "no header row with columns {EXPECTED_COLUMNS}: the file has no rows"
                )));
            }
            Err(e) => {
                let src = rdr.get_ref();
                if src.too_long() {
                    return Err(HeaderError::Unusable(format!(
                        "the header row is longer than {} (is a quote never closed?)",
                        human_bytes(src.limit())
                    )));
                }
                return Err(HeaderError::Io(csv_io_error(e)));
            }
        }
    }
    if rdr.get_ref().ended_in_quote() {
        return Err(HeaderError::Unusable(
            "the header row has a quote that is never closed".into(),
        ));
    }
    if record.len() > MAX_FIELDS {
        return Err(HeaderError::Unusable(format!(
            "the header row has {} columns; at most {MAX_FIELDS} (expected columns {EXPECTED_COLUMNS})",
            record.len()
        )));
    }
    let mut names = Vec::with_capacity(record.len());
    for cell in record.iter() {
        let Ok(text) = std::str::from_utf8(cell) else {
            return Err(HeaderError::Unusable(format!(
                "the header row is not valid UTF-8 (expected columns {EXPECTED_COLUMNS})"
            )));
        };
        names.push(text.trim_start_matches('\u{feff}').trim().to_string());
    }
    check_header(&names)?;
    Ok(Header { names })
}

fn check_header(names: &[String]) -> Result<(), HeaderError> {
    let unusable = |s: String| Err(HeaderError::Unusable(s));
    let mut seen: Vec<String> = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        let folded = name.to_lowercase();
        if seen.contains(&folded) {
            return unusable(format!("duplicate column \"{name}\" in the header row"));
        }
        seen.push(folded);
    }
    let has = |k: Known| names.iter().any(|n| Known::of(n) == Some(k));
    if !Known::ALL.into_iter().any(has) {
        let mut first_row = names.join(",");
        if first_row.chars().count() > 120 {
            first_row = first_row.chars().take(120).collect::<String>() + "…";
        }
        return unusable(format!(
            "no header row with columns {EXPECTED_COLUMNS} (the first row is \"{first_row}\")"
        ));
    }
    let missing: Vec<&str> = [Known::Quantity, Known::UnitPrice]
        .into_iter()
        .filter(|&k| !has(k))
        .map(Known::name)
        .collect();
    if !missing.is_empty() {
        return unusable(format!(
            "the header row has no {} column (expected columns {EXPECTED_COLUMNS})",
            missing
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if !has(Known::Sku) && !has(Known::Description) {
        return unusable(format!(
            "the header row has neither a \"sku\" nor a \"description\" column (expected columns \
             {EXPECTED_COLUMNS})"
        ));
    }
    Ok(())
}

fn csv_io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The streaming reader over the data records of a CSV file.
pub(crate) struct CsvLines {
    rdr: csv::Reader<CsvSource<BomSkip<Verified>>>,
    names: Vec<String>,
    record: ByteRecord,
    line: u64,
    done: bool,
}

impl CsvLines {
    pub(crate) fn new(rdr: csv::Reader<CsvSource<BomSkip<Verified>>>, header: Header) -> Self {
        CsvLines {
            rdr,
            names: header.names,
            record: ByteRecord::new(),
            line: 0,
            done: false,
        }
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
            let name = match self.names.get(i) {
                Some(n) => n.clone(),
                None => extra_cell_name(i + 1),
            };
            let value = match std::str::from_utf8(cell) {
                Ok(s) => s.to_string(),
                Err(_) => {
                    bad_utf8.get_or_insert(i);
                    String::from_utf8_lossy(cell).into_owned()
                }
            };
            fields.push((name, value));
        }
        let error = |reason: String| {
            Err(LineError {
                line,
                raw: cap_raw(&raw),
                fields: fields.clone(),
                reason,
            })
        };
        if self.rdr.get_ref().ended_in_quote() {
            let from = record.position().map_or(0, |p| p.line());
            return error(format!(
                "has a quote that is never closed: the record starts at line {from} of the file and \
                 everything after the quote, to the end of the file, was read into it"
            ));
        }
        if let Some(reason) = shape_problem(record.len(), self.names.len()) {
            return error(reason);
        }
        if let Some(i) = bad_utf8 {
            let name = &self.names[i];
            return error(format!(
                "is not valid UTF-8 (column \"{name}\"); the raw text shows the bad bytes as \u{fffd}"
            ));
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

/// The record as CSV text (quoted as the csv crate's writer quotes), without the line ending,
/// lossy where the bytes are not UTF-8.
fn join_record(record: &ByteRecord) -> String {
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
    }

    #[test]
    fn wrong_headers_are_unusable_with_a_reason() {
        assert!(
            unusable(b"name,price\nA,1\n").starts_with(
                "no header row with columns sku, description, quantity, unit_price (the first row is \"name,price\")"
            ),
        );
        assert!(unusable(b"A-1,Nut,1,2\nB,Bolt,1,2\n").starts_with("no header row with columns"));
        assert_eq!(
            unusable(b"sku,description,unit_price\nA,Nut,2\n"),
            "the header row has no \"quantity\" column (expected columns sku, description, quantity, unit_price)"
        );
        assert_eq!(
            unusable(b"sku,description\nA,Nut\n"),
            "the header row has no \"quantity\" or \"unit_price\" column (expected columns sku, description, \
             quantity, unit_price)"
        );
        assert!(
            unusable(b"item,quantity,unit_price\nA,1,2\n")
                .starts_with("the header row has neither a \"sku\" nor a \"description\" column")
        );
        assert!(
            unusable(b"\xFF\xFEsku,quantity,unit_price\n")
                .starts_with("the header row is not valid UTF-8")
        );
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
    fn invalid_utf8_is_a_line_error_with_lossy_raw() {
        let got =
            read(b"sku,description,quantity,unit_price\nA,Caf\xE9 cr\xE8me,1,2\nB,Bolt,1,2\n");
        assert_eq!(got.len(), 2);
        let e = err(&got[0]);
        assert_eq!(e.line, 1);
        assert!(
            e.reason
                .starts_with("is not valid UTF-8 (column \"description\")"),
            "{}",
            e.reason
        );
        assert_eq!(e.raw, "A,Caf\u{fffd} cr\u{fffd}me,1,2");
        assert_eq!(e.fields[1].1, "Caf\u{fffd} cr\u{fffd}me");
        assert!(got[1].is_ok());
    }

    #[test]
    fn numbers_are_exact_and_reasons_name_the_field() {
        let got = read(
            b"sku,quantity,unit_price\n\
              A,\" 7 \",0.1\n\
              B,1\xD9\xAB5,1\n\
              C,\"1,5\",1\n\
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
        assert!(
            err(&got[2])
                .reason
                .starts_with("quantity \"1,5\" has a comma")
        );
        assert!(err(&got[3]).reason.starts_with("quantity \"1_000\""));
        assert!(
            err(&got[4])
                .reason
                .starts_with("quantity \"0x10\" is hexadecimal")
        );
        assert!(
            err(&got[5])
                .reason
                .starts_with("quantity \"NaN\" is not a finite number")
        );
        assert!(
            err(&got[6])
                .reason
                .starts_with("unit_price \"Infinity\" is not a finite number")
        );
        assert!(
            err(&got[7])
                .reason
                .starts_with("quantity \"1e400\" is in exponent notation")
        );
        assert!(
            err(&got[8])
                .reason
                .starts_with("quantity \"123456789012345678901234567890\" is out of range")
        );
        assert!(ok(&got[9]).quantity.is_zero());
        assert!(
            err(&got[10])
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
