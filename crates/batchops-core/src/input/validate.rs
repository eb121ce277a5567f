//! The rules a line item must meet, in one place: every reader ends here, and so does retry after
//! an operator corrected a failed line.

use crate::domain::decimal::parse_exact;
use crate::domain::line::cap_raw;
use crate::domain::{Fields, LineError, LineItem, LineResult};
use rust_decimal::Decimal;

/// Longest SKU accepted, in characters (after trimming).
pub const MAX_SKU_CHARS: usize = 64;
/// Longest description accepted, in characters (after trimming).
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// A number written with more characters than this is not parsed (nor quoted back in the reason).
const MAX_NUMBER_CHARS: usize = 100;

/// The fields the rules know, matched case-insensitively after trimming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Sku,
    Description,
    Quantity,
    UnitPrice,
}

impl Known {
    pub(crate) const ALL: [Known; 4] = [
        Known::Sku,
        Known::Description,
        Known::Quantity,
        Known::UnitPrice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Known::Sku => "sku",
            Known::Description => "description",
            Known::Quantity => "quantity",
            Known::UnitPrice => "unit_price",
        }
    }

    pub(crate) fn of(name: &str) -> Option<Known> {
        let name = name.trim().trim_start_matches('\u{feff}').trim();
        Known::ALL
            .into_iter()
            .find(|k| name.eq_ignore_ascii_case(k.name()))
    }
}

/// Validate a line item from its named fields (CSV columns, JSON keys, or an operator's correction).
///
/// Keys are matched case-insensitively; other keys are kept in `fields` and ignored here.
/// - `sku`: trimmed, blank means none; at most [`MAX_SKU_CHARS`] characters.
/// - `description`: trimmed; at most [`MAX_DESCRIPTION_CHARS`] characters.
/// - at least one of the two must be non-blank.
/// - `quantity`, `unit_price`: required, exact decimals by [`parse_exact`]; `unit_price` not negative
///   (a negative quantity is a credit line and is fine).
/// - a known field given twice is an error.
///
/// NUL bytes, control characters and escape sequences are kept as they are: storing and showing
/// them safely is the job of the database layer and the console. Every problem found is named in
/// the reason, joined with `; `. `raw` is capped with [`cap_raw`]; `fields` are returned untouched.
pub fn validate_fields(line: u64, raw: String, fields: Fields) -> LineResult {
    let mut values: [Option<&str>; 4] = [None; 4];
    let mut problems: Vec<String> = Vec::new();
    for (name, value) in &fields {
        let Some(known) = Known::of(name) else {
            continue;
        };
        let slot = &mut values[known as usize];
        if slot.is_some() {
            problems.push(format!("{} is given more than once", known.name()));
        } else {
            *slot = Some(value.as_str());
        }
    }
    let [sku, description, quantity, unit_price_text] = values;

    let sku = sku.map(str::trim).unwrap_or("");
    let description = description.map(str::trim).unwrap_or("");
    check_length(&mut problems, Known::Sku, sku, MAX_SKU_CHARS);
    check_length(
        &mut problems,
        Known::Description,
        description,
        MAX_DESCRIPTION_CHARS,
    );
    if sku.is_empty() && description.is_empty() {
        problems.push("both sku and description are empty".into());
    }
    let quantity = decimal(&mut problems, Known::Quantity, quantity);
    let unit_price = decimal(&mut problems, Known::UnitPrice, unit_price_text);
    if let (Some(price), Some(text)) = (unit_price, unit_price_text)
        && price.is_sign_negative()
        && !price.is_zero()
    {
        problems.push(format!("unit_price \"{}\" is negative", text.trim()));
    }

    match (quantity, unit_price) {
        (Some(quantity), Some(unit_price)) if problems.is_empty() => Ok(LineItem {
            line,
            sku: (!sku.is_empty()).then(|| sku.to_string()),
            description: description.to_string(),
            quantity,
            unit_price,
            raw: cap_raw(&raw),
            fields,
        }),
        _ => Err(LineError {
            line,
            raw: cap_raw(&raw),
            fields,
            reason: problems.join("; "),
        }),
    }
}

/// The name a CSV reader gives a cell beyond the header's columns, by its 1-based position: the
/// cell is kept (and exported), and the name marks it as a cell the header has no column for.
pub(crate) fn extra_cell_name(position: usize) -> String {
    format!("column_{position}")
}

/// The shape rule of a CSV record: exactly one cell per column of the header.
pub(crate) fn shape_problem(cells: usize, columns: usize) -> Option<String> {
    (cells != columns).then(|| format!("has {cells} fields, the header has {columns}"))
}

/// Where a record that is validated again comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The record as the reader stored it in the dead-letter table.
    Original,
    /// An operator's correction of it (the console's edit, or a row of a reject file): a cell
    /// beyond the header that the operator emptied counts as removed.
    Correction,
}

/// Validate a stored record again exactly as the reader validated it on import: its shape (a CSV
/// record with cells beyond its header's columns, named by [`extra_cell_name`], fails as it failed
/// then: `has 5 fields, the header has 4`), then [`validate_fields`]. Retry, the console's
/// edit-and-retry and reject files all come here.
///
/// What a stored record cannot tell: a record with *fewer* cells than its header is caught when a
/// required column is among the missing ones (`unit_price is missing`), not when only an optional
/// column is.
pub fn validate_stored(line: u64, raw: String, mut fields: Fields, stored: Stored) -> LineResult {
    let width = header_width(&fields);
    if stored == Stored::Correction {
        fields.retain(|(name, value)| !is_surplus(name, width) || !value.trim().is_empty());
    }
    if let Some(reason) = shape_problem(fields.len(), width) {
        return Err(LineError {
            line,
            raw: cap_raw(&raw),
            fields,
            reason,
        });
    }
    validate_fields(line, raw, fields)
}

/// The position `K` of a name `column_K` as [`extra_cell_name`] writes it.
fn extra_position(name: &str) -> Option<usize> {
    let k: usize = name.trim().strip_prefix("column_")?.parse().ok()?;
    (extra_cell_name(k) == name.trim()).then_some(k)
}

/// The columns of the header a stored record was read under. The reader names the cells beyond
/// the header `column_{W+1}` … `column_{N}` for a header of W columns and a record of N cells;
/// the names are looked for wherever they are (a reject file edited in a spreadsheet may have its
/// columns in any order).
fn header_width(fields: &Fields) -> usize {
    let mut width = fields.len();
    while width > 0 && fields.iter().any(|(n, _)| extra_position(n) == Some(width)) {
        width -= 1;
    }
    width
}

fn is_surplus(name: &str, width: usize) -> bool {
    extra_position(name).is_some_and(|k| k > width)
}

fn check_length(problems: &mut Vec<String>, field: Known, value: &str, max: usize) {
    // Counting stops early: a 5 MB value is measured once, and only when it is long.
    if value.len() > max {
        let chars = value.chars().count();
        if chars > max {
            problems.push(format!(
                "{} is {chars} characters long; at most {max}",
                field.name()
            ));
        }
    }
}

fn decimal(problems: &mut Vec<String>, field: Known, value: Option<&str>) -> Option<Decimal> {
    let name = field.name();
    let Some(text) = value else {
        problems.push(format!("{name} is missing"));
        return None;
    };
    let chars = text.trim().chars().count();
    if chars > MAX_NUMBER_CHARS {
        problems.push(format!(
            "{name} is {chars} characters long, not a decimal number"
        ));
        return None;
    }
    match parse_exact(text) {
        Ok(v) => Some(v),
        Err(why) => {
            problems.push(format!("{name} {why}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn item(pairs: &[(&str, &str)]) -> LineResult {
        validate_fields(7, "the raw text".into(), fields(pairs))
    }

    fn with_quantity(q: &str) -> LineResult {
        item(&[("sku", "A-1"), ("quantity", q), ("unit_price", "1")])
    }

    fn reason(r: LineResult) -> String {
        r.expect_err("should be rejected").reason
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_stored_record_with_a_cell_beyond_its_header_fails_as_on_import() {
        let five = fields(&[
            ("sku", "A-1"),
            ("description", "Nut"),
            ("quantity", "4"),
            ("unit_price", "1"),
            ("column_5", "surplus"),
        ]);
        let e = validate_stored(3, "raw".into(), five.clone(), Stored::Original).unwrap_err();
        assert_eq!(e.reason, "has 5 fields, the header has 4");
        assert_eq!(e.fields.len(), 5);
        let e = validate_stored(3, "raw".into(), five.clone(), Stored::Correction).unwrap_err();
        assert_eq!(e.reason, "has 5 fields, the header has 4");
        // The operator emptied the surplus cell: the correction is the fixed record.
        let mut fixed = five;
        fixed[4].1 = " ".into();
        let ok = validate_stored(3, "raw".into(), fixed.clone(), Stored::Correction).unwrap();
        assert_eq!((ok.line, ok.quantity, ok.fields.len()), (3, d("4"), 4));
        // As stored by the reader, an empty surplus cell failed on import and fails again.
        assert!(validate_stored(3, "raw".into(), fixed, Stored::Original).is_err());
        // Reordered (a spreadsheet): the surplus cell is still beyond the header.
        let reordered = fields(&[
            ("column_5", "surplus"),
            ("unit_price", "1"),
            ("quantity", "4"),
            ("sku", "A-1"),
            ("description", "Nut"),
        ]);
        let e = validate_stored(3, "raw".into(), reordered, Stored::Correction).unwrap_err();
        assert_eq!(e.reason, "has 5 fields, the header has 4");
        // A header column that happens to be called column_2 is a column like any other.
        let named = fields(&[
            ("sku", "A-1"),
            ("column_2", "x"),
            ("quantity", "4"),
            ("unit_price", "1"),
        ]);
        assert!(validate_stored(3, "raw".into(), named, Stored::Original).is_ok());
        // A record of the right shape goes on to the field rules.
        let four = fields(&[("sku", "A-1"), ("quantity", "abc"), ("unit_price", "1")]);
        let e = validate_stored(3, "raw".into(), four, Stored::Original).unwrap_err();
        assert_eq!(e.reason, "quantity \"abc\" is not a decimal number");
    }

    #[test]
    fn a_good_line_becomes_an_item_with_trimmed_text_and_exact_numbers() {
        let got = item(&[
            ("SKU", "  A-1 "),
            ("Description", " Widget, blue "),
            ("Quantity", " 7 "),
            ("UNIT_PRICE", "0.1"),
            ("colour", "blue"),
        ])
        .unwrap();
        assert_eq!(got.line, 7);
        assert_eq!(got.sku.as_deref(), Some("A-1"));
        assert_eq!(got.description, "Widget, blue");
        assert_eq!(got.quantity, d("7"));
        assert_eq!(got.unit_price, d("0.1"));
        assert_eq!(got.raw, "the raw text");
        assert_eq!(got.fields.len(), 5, "other fields are kept");
        assert_eq!(got.fields[4], ("colour".to_string(), "blue".to_string()));
    }

    #[test]
    fn sku_or_description_is_enough() {
        let only_sku = item(&[("sku", "A"), ("quantity", "1"), ("unit_price", "1")]).unwrap();
        assert_eq!(only_sku.description, "");
        let only_desc = item(&[
            ("sku", "   "),
            ("description", "Bolt"),
            ("quantity", "1"),
            ("unit_price", "1"),
        ])
        .unwrap();
        assert_eq!(only_desc.sku, None, "a blank sku is no sku");
        assert_eq!(
            reason(item(&[
                ("sku", " "),
                ("description", ""),
                ("quantity", "1"),
                ("unit_price", "1")
            ])),
            "both sku and description are empty"
        );
        assert_eq!(
            reason(item(&[("quantity", "1"), ("unit_price", "1")])),
            "both sku and description are empty"
        );
    }

    #[test]
    fn missing_numbers_are_named() {
        assert_eq!(
            reason(item(&[("sku", "A"), ("unit_price", "1")])),
            "quantity is missing"
        );
        assert_eq!(
            reason(item(&[("sku", "A")])),
            "quantity is missing; unit_price is missing"
        );
        assert_eq!(
            reason(item(&[
                ("sku", "A"),
                ("quantity", " "),
                ("unit_price", "1")
            ])),
            "quantity is empty"
        );
    }

    #[test]
    fn numbers_that_are_not_exact_decimals_are_rejected_with_the_field_named() {
        for bad in [
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            "inf",
            "1e400",
            "1E400",
            "123456789012345678901234567890",
            "1,5",
            "1,000",
            "1_000",
            "0x10",
            "0X10",
            "\u{661}\u{662}", // Arabic-Indic digits ١٢
            "1.2.3",
            "12abc",
            "0.00001",
            "٣.٥",
        ] {
            let why = reason(with_quantity(bad));
            assert!(
                why.starts_with(&format!("quantity \"{}\"", bad.trim())),
                "{bad:?}: {why}"
            );
        }
        assert!(reason(with_quantity("1,5")).contains("comma"));
        assert!(reason(with_quantity("NaN")).contains("not a finite number"));
        assert!(reason(with_quantity("0x10")).contains("hexadecimal"));
        assert!(reason(with_quantity("1e400")).contains("exponent notation"));
    }

    #[test]
    fn exponent_notation_is_refused_with_the_number_written_out() {
        assert_eq!(
            reason(with_quantity("1E3")),
            "quantity \"1E3\" is in exponent notation (a spreadsheet's rendering?): write the \
             number out (1000)"
        );
        assert!(reason(with_quantity("1e-2")).contains("(0.01)"));
        let price = item(&[("sku", "A-1"), ("quantity", "1"), ("unit_price", "2.5e-1")]);
        assert!(reason(price).starts_with("unit_price \"2.5e-1\" is in exponent notation"));
    }

    #[test]
    fn numbers_in_plain_notation_are_accepted_exactly() {
        assert_eq!(with_quantity(" 7 ").unwrap().quantity, d("7"));
        assert_eq!(with_quantity("\t7\t").unwrap().quantity, d("7"));
        assert_eq!(with_quantity("0.1").unwrap().quantity.to_string(), "0.1");
        let zero = with_quantity("-0").unwrap().quantity;
        assert!(
            zero.is_zero() && !zero.is_sign_negative(),
            "-0 is plain zero"
        );
        assert_eq!(
            with_quantity("-3").unwrap().quantity,
            d("-3"),
            "a negative quantity is a credit line"
        );
    }

    #[test]
    fn unit_price_must_not_be_negative_but_minus_zero_is_zero() {
        let why = reason(item(&[
            ("sku", "A"),
            ("quantity", "1"),
            ("unit_price", "-2.50"),
        ]));
        assert_eq!(why, "unit_price \"-2.50\" is negative");
        let ok = item(&[("sku", "A"), ("quantity", "1"), ("unit_price", "-0.00")]).unwrap();
        assert!(ok.unit_price.is_zero() && !ok.unit_price.is_sign_negative());
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let sku64 = "é".repeat(64);
        assert!(item(&[("sku", &sku64), ("quantity", "1"), ("unit_price", "1")]).is_ok());
        let sku65 = "x".repeat(65);
        assert_eq!(
            reason(item(&[
                ("sku", &sku65),
                ("quantity", "1"),
                ("unit_price", "1")
            ])),
            "sku is 65 characters long; at most 64"
        );
        let desc1000 = "ü".repeat(1000);
        assert!(
            item(&[
                ("description", &desc1000),
                ("quantity", "1"),
                ("unit_price", "1")
            ])
            .is_ok()
        );
        let huge = "x".repeat(5 * 1024 * 1024);
        let err = validate_fields(
            1,
            huge.clone(),
            fields(&[
                ("description", &huge),
                ("quantity", "1"),
                ("unit_price", "1"),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            err.reason,
            "description is 5242880 characters long; at most 1000"
        );
        assert!(
            err.raw.len() < 5 * 4096,
            "raw is capped, got {} bytes",
            err.raw.len()
        );
        assert!(
            err.raw.ends_with("… [5238784 more bytes]"),
            "{}",
            &err.raw[4090..]
        );
    }

    #[test]
    fn a_huge_number_is_not_quoted_back() {
        let q = "9".repeat(1_000_000);
        let why = reason(with_quantity(&q));
        assert_eq!(
            why,
            "quantity is 1000000 characters long, not a decimal number"
        );
    }

    #[test]
    fn text_is_kept_verbatim_injection_nul_and_escapes_included() {
        for text in [
            "Robert'); DROP TABLE line_items;--",
            "1' OR '1'='1",
            "nul\0byte",
            "bell\x07 and \x1b[31mred\x1b[0m and \x1b]0;title\x07",
            "tab\there",
            "\u{202e}right-to-left override",
        ] {
            let got = item(&[
                ("description", text),
                ("sku", "A"),
                ("quantity", "1"),
                ("unit_price", "1"),
            ])
            .unwrap_or_else(|e| panic!("{text:?}: {}", e.reason));
            assert_eq!(got.description, text.trim());
        }
        let sku = "\x1b[2J";
        assert_eq!(
            item(&[("sku", sku), ("quantity", "1"), ("unit_price", "1")])
                .unwrap()
                .sku
                .as_deref(),
            Some(sku)
        );
    }

    #[test]
    fn a_known_field_given_twice_is_an_error() {
        let why = reason(item(&[
            ("sku", "A"),
            ("SKU", "B"),
            ("quantity", "1"),
            ("unit_price", "1"),
        ]));
        assert_eq!(why, "sku is given more than once");
    }

    #[test]
    fn every_problem_is_reported_and_fields_come_back() {
        let err = item(&[("quantity", "1,5"), ("unit_price", "-1"), ("note", "x")]).unwrap_err();
        assert_eq!(err.line, 7);
        assert_eq!(
            err.reason,
            "both sku and description are empty; quantity \"1,5\" has a comma: use a point for decimals \
             and no thousands separators; unit_price \"-1\" is negative"
        );
        assert_eq!(err.fields.len(), 3);
        assert_eq!(err.raw, "the raw text");
    }
}
