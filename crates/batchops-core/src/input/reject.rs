//! Reject files: the failed lines of a run as CSV (`batchops failed RUN --format csv`), each row
//! carrying the identity of its line in columns of its own, so that the file, fixed by hand or in
//! a spreadsheet and imported again, lands each line under its original identity — once, however
//! often and whichever way the line is fixed.
//!
//! - `batchops_import_key`: the import key of the batch the line failed in;
//! - `batchops_line`: its line number in that batch (`4`, or `4.0` as spreadsheets write it);
//! - `batchops_error`: why it failed (ignored on import).
//!
//! A CSV file whose header has a `batchops_…` column is a reject file and must have both identity
//! columns; a row whose identity is missing or not a line number makes the whole file refused
//! before anything is written. Other columns are the line's own fields.

use super::csv_reader;
use super::{BatchFile, InputError, InputFormat};
use crate::domain::Fields;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::str::FromStr;

pub const IMPORT_KEY_COLUMN: &str = "batchops_import_key";
pub const LINE_COLUMN: &str = "batchops_line";
pub const ERROR_COLUMN: &str = "batchops_error";
const PREFIX: &str = "batchops_";

/// The identity of a line wherever it is fixed: `(import_key, line)`, the key of `transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineIdentity {
    pub import_key: String,
    pub line: u64,
}

/// A column batchops wrote into a reject file (not one of the line's own fields).
pub fn is_identity_column(name: &str) -> bool {
    let name = name.trim().trim_start_matches('\u{feff}').trim();
    name.len() >= PREFIX.len() && name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
}

fn same(name: &str, column: &str) -> bool {
    name.trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .eq_ignore_ascii_case(column)
}

/// Whether `file` is a reject file (a CSV file whose header has a `batchops_…` column). A reject
/// file without both identity columns is refused here.
pub fn is_reject_file(file: &BatchFile) -> Result<bool, InputError> {
    if file.format != InputFormat::Csv {
        return Ok(false);
    }
    let path = &file.path;
    let mut rdr = csv_reader::csv_reader(file.bytes()?);
    let header = match csv_reader::read_header(&mut rdr) {
        Ok(Some(h)) => h,
        // Not a plain comma-separated UTF-8 table: a supplier's file, judged by its reader.
        Ok(None) => return Ok(false),
        Err(source) => {
            return Err(InputError::Io {
                path: path.clone(),
                source,
            });
        }
    };
    if !header.names.iter().any(|n| is_identity_column(n)) {
        // A reject file written before lines kept their identity ended with `line,error`.
        let n = header.names.len();
        if n >= 2 && same(&header.names[n - 2], "line") && same(&header.names[n - 1], "error") {
            return Err(InputError::Unusable {
                path: path.clone(),
                reason: format!(
                    "this looks like a reject file of an older batchops (its last columns are \
                     line and error) without the identity of its lines ({IMPORT_KEY_COLUMN}, \
                     {LINE_COLUMN}); export it again with `batchops failed RUN --format csv`; \
                     nothing was imported"
                ),
            });
        }
        return Ok(false);
    }
    let missing: Vec<&str> = [IMPORT_KEY_COLUMN, LINE_COLUMN]
        .into_iter()
        .filter(|c| !header.names.iter().any(|n| same(n, c)))
        .collect();
    if !missing.is_empty() {
        return Err(InputError::Unusable {
            path: path.clone(),
            reason: format!(
                "this is a reject file (it has batchops_ columns) but the column{} {} {} \
                 missing: each line needs its identity ({IMPORT_KEY_COLUMN}, {LINE_COLUMN}) to \
                 land once; export it again with `batchops failed RUN --format csv`; nothing was \
                 imported",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(" and "),
                if missing.len() > 1 { "are" } else { "is" },
            ),
        });
    }
    Ok(true)
}

/// Take the identity out of a reject file row's fields: `Ok((identity, the line's own fields))`,
/// or `Err(reason)` when the identity is missing or damaged.
pub fn split_identity(fields: Fields) -> Result<(LineIdentity, Fields), String> {
    let mut key: Option<String> = None;
    let mut line: Option<String> = None;
    let mut own = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        if same(&name, IMPORT_KEY_COLUMN) {
            key = Some(value);
        } else if same(&name, LINE_COLUMN) {
            line = Some(value);
        } else if !is_identity_column(&name) {
            own.push((name, value));
        }
    }
    let key = key.map(|k| k.trim().to_string()).unwrap_or_default();
    if key.is_empty() {
        return Err(format!("{IMPORT_KEY_COLUMN} is empty"));
    }
    let line_text = line.unwrap_or_default();
    let line = parse_line(&line_text).ok_or_else(|| {
        format!(
            "{LINE_COLUMN} \"{}\" is not a line number",
            line_text.trim().chars().take(40).collect::<String>()
        )
    })?;
    Ok((
        LineIdentity {
            import_key: key,
            line,
        },
        own,
    ))
}

/// A line number as a spreadsheet may write it back: `4`, ` 4 `, `4.0`, `4.00`. Not an exponent
/// form (`1.2E+05` may have lost digits) nor a signed one.
fn parse_line(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || text.len() > 30 || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    let d = Decimal::from_str(text).ok()?;
    if !d.fract().is_zero() || d <= Decimal::ZERO {
        return None;
    }
    d.to_u64().filter(|&l| l <= i64::MAX as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_spreadsheet_line_number_is_read_back() {
        for (text, want) in [("4", Some(4)), (" 4 ", Some(4)), ("4.0", Some(4))] {
            assert_eq!(parse_line(text), want, "{text:?}");
        }
        assert_eq!(parse_line("40.00"), Some(40));
        for bad in ["", "abc", "4.5", "0", "-3", "1e3", "1.2E+05", "4,0", "+4"] {
            assert_eq!(parse_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_identity_is_split_from_the_lines_own_fields_in_any_order() {
        let (id, own) = split_identity(f(&[
            ("BATCHOPS_LINE", "4.0"),
            ("quantity", "4"),
            ("batchops_error", "quantity \"abc\" is not a decimal number"),
            ("sku", "A-4"),
            (" batchops_import_key ", " k1 "),
        ]))
        .unwrap();
        assert_eq!(
            id,
            LineIdentity {
                import_key: "k1".into(),
                line: 4
            }
        );
        assert_eq!(own, f(&[("quantity", "4"), ("sku", "A-4")]));
    }

    #[test]
    fn a_damaged_identity_is_named() {
        let e = split_identity(f(&[("batchops_line", "x"), ("batchops_import_key", "k")]));
        assert_eq!(e.unwrap_err(), "batchops_line \"x\" is not a line number");
        let e = split_identity(f(&[("batchops_line", "3"), ("batchops_import_key", " ")]));
        assert_eq!(e.unwrap_err(), "batchops_import_key is empty");
    }
}
