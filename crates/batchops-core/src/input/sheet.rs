//! Workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`) through calamine: the first sheet with a header row
//! is read like a text table (title rows, header synonyms, number convention), cell by cell.
//!
//! - A numeric cell is a number: it needs no convention (`7` and `12.5`, never `7.0`). A number
//!   written as text is read with the convention its column settles, like a text table's.
//! - A cell the header maps to `sku` keeps its text: `007` stays `007`.
//! - Problems name the cell: `quantity "abc" is not a decimal number (Sheet1!C7)`.
//! - calamine loads the sheet whole (workbooks are zip archives of XML, not streams); the rows are
//!   turned into line items one at a time.

use super::csv_reader::{EXPECTED_COLUMNS, join_record, read_numbers};
use super::decode::{Compression, TextEncoding};
use super::dialect::{Layout, ReadSettings, Refusal};
use super::header::{ColumnMap, HEADER_SEARCH_ROWS, Synonyms, shorten};
use super::numbers::{DecimalMark, Evidence};
use super::validate::{Known, shape_problem};
use super::validate_fields;
use crate::domain::line::cap_raw;
use crate::domain::{Fields, LineError, LineResult};
use calamine::{Data, Range, Reader};

/// `A`, `B`, … `Z`, `AA`: the letters of a 0-based column.
fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn cell_ref(sheet: &str, row: u32, col: u32) -> String {
    format!("{sheet}!{}{}", column_letters(col), row + 1)
}

/// A cell as text: numbers without a needless fraction, text as written.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn row_is_blank(row: &[Data]) -> bool {
    row.iter().all(|d| cell_text(d).trim().is_empty())
}

/// A loaded sheet and how it is read.
pub struct Workbook {
    sheet: String,
    range: Range<Data>,
    /// Index in `range` of the header row.
    header: usize,
    layout: Layout,
}

impl Workbook {
    /// Open the workbook held in `data` (the batch's hashed bytes), pick its sheet, find the header
    /// and settle the numbers.
    pub fn load(
        data: &[u8],
        settings: &ReadSettings,
        synonyms: &Synonyms,
    ) -> Result<Workbook, Refusal> {
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(data))
            .map_err(|e| Refusal::Unusable(format!("cannot read the workbook: {e}")))?;
        let names = book.sheet_names();
        if names.is_empty() {
            return Err(Refusal::Unusable("the workbook has no sheets".into()));
        }
        let mut first_rows = Vec::new();
        for name in names {
            let range = book
                .worksheet_range(&name)
                .map_err(|e| Refusal::Unusable(format!("cannot read sheet \"{name}\": {e}")))?;
            if range.is_empty() {
                continue;
            }
            match find_header(&range, settings, synonyms) {
                Some((header, titles)) => {
                    return Workbook::settle(name, range, header, titles, settings, synonyms);
                }
                None => {
                    let first = range
                        .rows()
                        .find(|r| !row_is_blank(r))
                        .map(|r| r.iter().map(cell_text).collect::<Vec<_>>().join(","))
                        .unwrap_or_default();
                    first_rows.push(format!("{name} (first row \"{}\")", shorten(&first)));
                }
            }
        }
        if first_rows.is_empty() {
            return Err(Refusal::Unusable(
                "the workbook is empty: no sheet has a cell".into(),
            ));
        }
        Err(Refusal::Unusable(format!(
            "no sheet has a header row with columns {EXPECTED_COLUMNS} in its first \
             {HEADER_SEARCH_ROWS} rows: {}",
            first_rows.join("; ")
        )))
    }

    fn settle(
        sheet: String,
        range: Range<Data>,
        header: usize,
        titles: Vec<String>,
        settings: &ReadSettings,
        synonyms: &Synonyms,
    ) -> Result<Workbook, Refusal> {
        let (top, left) = range.start().unwrap_or((0, 0));
        let header_cells: Vec<String> = range
            .rows()
            .nth(header)
            .map(|r| r.iter().map(cell_text).collect())
            .unwrap_or_default();
        let in_sheet = |r: String| Refusal::Unusable(format!("sheet \"{sheet}\": {r}"));
        let columns = ColumnMap::of(&header_cells, synonyms).map_err(in_sheet)?;
        columns.check(EXPECTED_COLUMNS).map_err(in_sheet)?;
        let mut evidence = Evidence::default();
        let mut data_rows = 0;
        let number_columns: Vec<usize> = [Known::Quantity, Known::UnitPrice]
            .into_iter()
            .filter_map(|k| columns.index_of(k))
            .collect();
        for (r, row) in range.rows().enumerate().skip(header + 1) {
            if row_is_blank(row) {
                continue;
            }
            data_rows += 1;
            for &i in &number_columns {
                if let Some(Data::String(text)) = row.get(i) {
                    evidence.observe(text, || {
                        (
                            cell_ref(&sheet, top + r as u32, left + i as u32),
                            columns.names[i].clone(),
                        )
                    });
                }
            }
        }
        let convention = evidence
            .settle(settings.decimal)
            .map_err(Refusal::Unusable)?;
        let notes = evidence.two_ways_note(&convention).into_iter().collect();
        let layout = Layout {
            compression: Compression::None,
            encoding: TextEncoding::Utf8,
            encoding_by: "workbook".into(),
            delimiter: 0,
            sep_line: false,
            sheet: Some(sheet.clone()),
            header_row: header + 1,
            header_line: u64::from(top) + header as u64 + 1,
            titles,
            columns,
            convention,
            data_rows,
            notes,
        };
        Ok(Workbook {
            sheet,
            range,
            header,
            layout,
        })
    }

    pub fn data_rows(&self) -> u64 {
        self.layout.data_rows
    }

    /// The rows above the header, cells joined by ` | `.
    pub fn titles(&self) -> &[String] {
        &self.layout.titles
    }

    pub fn layout(self) -> Layout {
        self.layout
    }

    pub fn into_lines(self) -> SheetLines {
        SheetLines {
            next_row: self.header + 1,
            decimal: self.layout.convention.decimal,
            columns: self.layout.columns,
            sheet: self.sheet,
            range: self.range,
            line: 0,
        }
    }
}

/// The header's index among the range's rows and the title rows above it: the row that names
/// the most columns (the first of those), as in a text table.
fn find_header(
    range: &Range<Data>,
    settings: &ReadSettings,
    synonyms: &Synonyms,
) -> Option<(usize, Vec<String>)> {
    let mut titles = Vec::new();
    let mut seen = 0;
    let mut best: Option<(usize, usize, usize)> = None;
    for (i, row) in range.rows().enumerate() {
        if row_is_blank(row) {
            continue;
        }
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        match settings.header_row {
            Some(n) if seen + 1 == n => return Some((i, titles)),
            Some(_) => {}
            None => {
                let columns = ColumnMap::unchecked(&cells, synonyms);
                if columns.names_the_columns()
                    && best.is_none_or(|(_, named, _)| columns.named() > named)
                {
                    best = Some((i, columns.named(), titles.len()));
                }
            }
        }
        let text: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        titles.push(text.join(" | "));
        seen += 1;
        if settings.header_row.is_none() && seen >= HEADER_SEARCH_ROWS {
            break;
        }
    }
    best.map(|(i, _, n)| {
        titles.truncate(n);
        (i, titles)
    })
}

/// The line items of a loaded sheet, row by row.
pub struct SheetLines {
    sheet: String,
    range: Range<Data>,
    columns: ColumnMap,
    decimal: DecimalMark,
    next_row: usize,
    line: u64,
}

impl SheetLines {
    fn row_result(&self, r: usize, row: &[Data]) -> LineResult {
        let (top, left) = self.range.start().unwrap_or((0, 0));
        let at = |i: usize| cell_ref(&self.sheet, top + r as u32, left + i as u32);
        let line = self.line;
        // Trailing empty cells of a row are the sheet's width, not data.
        let width = row
            .iter()
            .rposition(|d| !matches!(d, Data::Empty))
            .map_or(0, |p| p + 1)
            .max(self.columns.names.len().min(row.len()));
        let row = &row[..width];
        let texts: Vec<String> = row.iter().map(cell_text).collect();
        let raw = join_record(&csv::StringRecord::from(texts.clone()).into_byte_record());
        let mut fields: Fields = texts
            .into_iter()
            .enumerate()
            .map(|(i, v)| (self.columns.field_name(i), v))
            .collect();
        let error = |reason: String, fields: Fields| {
            Err(LineError {
                line,
                raw: cap_raw(&raw),
                fields,
                reason,
            })
        };
        if let Some(i) = row.iter().position(|d| matches!(d, Data::Error(_))) {
            return error(format!("cell {} holds the error {}", at(i), row[i]), fields);
        }
        let columns = self.columns.names.len();
        if width > columns {
            return error(
                format!(
                    "{} (cell {} is beyond the header)",
                    shape_problem(width, columns).unwrap_or_default(),
                    at(columns)
                ),
                fields,
            );
        }
        while fields.len() < columns {
            fields.push((self.columns.field_name(fields.len()), String::new()));
        }
        // Numeric cells are numbers already; text in a number column is read with the convention.
        let is_text = |i: usize| matches!(row.get(i), Some(Data::String(_)));
        let problems = read_numbers(&mut fields, &self.columns, self.decimal, is_text);
        if !problems.is_empty() {
            return error(self.name_cells(&problems.join("; "), &at), fields);
        }
        validate_fields(line, raw.clone(), fields).map_err(|mut e| {
            e.reason = self.name_cells(&e.reason, &at);
            e
        })
    }

    /// Each problem of a known column followed by its cell.
    fn name_cells(&self, reason: &str, at: &dyn Fn(usize) -> String) -> String {
        reason
            .split("; ")
            .map(|part| {
                let cell = Known::ALL
                    .into_iter()
                    .find(|k| part.starts_with(k.name()))
                    .and_then(|k| self.columns.index_of(k));
                match cell {
                    Some(i) => format!("{part} ({})", at(i)),
                    None => part.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Iterator for SheetLines {
    type Item = LineResult;

    fn next(&mut self) -> Option<LineResult> {
        loop {
            let r = self.next_row;
            let row = self.range.rows().nth(r)?;
            self.next_row += 1;
            if row_is_blank(row) {
                continue;
            }
            self.line += 1;
            return Some(self.row_result(r, row));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_like_a_spreadsheet() {
        assert_eq!(cell_ref("Sheet1", 6, 2), "Sheet1!C7");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn numbers_lose_only_a_needless_fraction() {
        assert_eq!(cell_text(&Data::Float(7.0)), "7");
        assert_eq!(cell_text(&Data::Float(12.5)), "12.5");
        assert_eq!(cell_text(&Data::Float(0.1)), "0.1");
        assert_eq!(cell_text(&Data::Int(3)), "3");
        assert_eq!(cell_text(&Data::String("007".into())), "007");
    }
}
