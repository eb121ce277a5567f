//! The invoice header in the title rows above a table: `Rechnung Nr. 4711`, `Invoice No: INV-2291`,
//! `Facture n° F-118`, `Datum: 03.12.2026`, `Lieferant: Schrauben Müller GmbH`. The label words are
//! data: the `[invoice_number]`, `[invoice_date]`, `[supplier]` and `[currency]` sections of the
//! header synonyms file (shipped, plus the operator's in the configuration directory).

use super::config_dir;
use super::header::{SYNONYMS_FILE, fold};
use crate::domain::InvoiceHeader;
use chrono::NaiveDate;
use serde::Deserialize;

const SHIPPED: &str = include_str!("header_synonyms.toml");

#[derive(Debug, Deserialize, Default)]
struct LabelFile {
    #[serde(default)]
    invoice_number: Labels,
    #[serde(default)]
    invoice_date: Labels,
    #[serde(default)]
    supplier: Labels,
    #[serde(default)]
    currency: Labels,
}

#[derive(Debug, Deserialize, Default)]
struct Labels {
    #[serde(default)]
    labels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Number,
    Date,
    Supplier,
    Currency,
}

/// Folded label → the field it names.
#[derive(Debug, Clone, Default)]
pub struct HeaderLabels {
    labels: Vec<(Vec<String>, Field)>,
}

impl HeaderLabels {
    /// The shipped labels plus the operator's. A broken operator file is an error naming it.
    pub fn load() -> Result<HeaderLabels, String> {
        let mut labels = HeaderLabels::default();
        labels.add(SHIPPED)?;
        if let Some(dir) = config_dir::config_dir() {
            let path = dir.join(SYNONYMS_FILE);
            match std::fs::read_to_string(&path) {
                Ok(text) => labels
                    .add(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
            }
        }
        // The longest label first: `rechnung nr` before `rechnung`.
        labels
            .labels
            .sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        Ok(labels)
    }

    fn add(&mut self, text: &str) -> Result<(), String> {
        let file: LabelFile = toml::from_str(text).map_err(|e| e.to_string())?;
        for (field, labels) in [
            (Field::Number, file.invoice_number),
            (Field::Date, file.invoice_date),
            (Field::Supplier, file.supplier),
            (Field::Currency, file.currency),
        ] {
            for label in labels.labels {
                let words: Vec<String> = fold(&label).split(' ').map(str::to_string).collect();
                if !words.iter().all(String::is_empty) {
                    self.labels.push((words, field));
                }
            }
        }
        Ok(())
    }

    /// The field a cell's leading words name, and the rest of the cell (its value, perhaps empty).
    fn label_of<'a>(&self, cell: &'a str) -> Option<(Field, &'a str)> {
        // Words as written, with where each ends in the cell.
        let mut words: Vec<(String, usize)> = Vec::new();
        let mut start = None;
        for (i, c) in cell.char_indices().chain([(cell.len(), ' ')]) {
            let word_char = c.is_alphanumeric();
            match (start, word_char) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    words.push((fold(&cell[s..i]), i));
                    start = None;
                    // A colon ends the label.
                    if c == ':' {
                        break;
                    }
                }
                _ => {}
            }
            if c == ':' && start.is_none() {
                break;
            }
        }
        for (label, field) in &self.labels {
            if label.len() > words.len() {
                continue;
            }
            if label.iter().zip(&words).all(|(l, (w, _))| l == w) {
                let end = words[label.len() - 1].1;
                let rest = cell[end..]
                    .trim_start_matches(|c: char| !c.is_alphanumeric() && !"€$£¥".contains(c))
                    .trim();
                // The label must be all the cell has before the colon, if there is one.
                if let Some(colon) = cell.find(':')
                    && colon > end
                    && !cell[end..colon]
                        .trim()
                        .trim_matches(['.', '°', 'º'])
                        .is_empty()
                {
                    continue;
                }
                return Some((*field, rest));
            }
        }
        None
    }

    /// The invoice header the title rows (cells joined by ` | `) state. What cannot be read (a
    /// date in no known form) is left out, with a note.
    pub fn read(&self, titles: &[String]) -> (InvoiceHeader, Vec<String>) {
        let mut header = InvoiceHeader::default();
        let mut notes = Vec::new();
        for row in titles {
            let cells: Vec<&str> = row.split(" | ").map(str::trim).collect();
            let mut k = 0;
            while k < cells.len() {
                let Some((field, rest)) = self.label_of(cells[k]) else {
                    k += 1;
                    continue;
                };
                let value = if rest.is_empty() {
                    k += 1;
                    cells.get(k).copied().unwrap_or("")
                } else {
                    rest
                };
                k += 1;
                if value.is_empty() {
                    continue;
                }
                match field {
                    Field::Number => {
                        header
                            .invoice_number
                            .get_or_insert_with(|| value.to_string());
                    }
                    Field::Supplier => {
                        header.supplier.get_or_insert_with(|| value.to_string());
                    }
                    Field::Date => match parse_date(value) {
                        Ok(d) => {
                            header.invoice_date.get_or_insert(d);
                        }
                        Err(e) => notes.push(format!("title row \"{row}\": {e}")),
                    },
                    Field::Currency => match parse_currency(value) {
                        Ok(c) => {
                            header.currency.get_or_insert(c);
                        }
                        Err(e) => notes.push(format!("title row \"{row}\": {e}")),
                    },
                }
            }
        }
        (header, notes)
    }
}

/// An invoice date as ISO 8601: `2026-12-03`, `03.12.2026`, `3.12.26`, `03/12/2026` (day first),
/// `20261203`.
pub fn parse_date(text: &str) -> Result<String, String> {
    let text = text.trim();
    // Two-digit years first: `%Y` would read `26` as the year 26.
    const FORMATS: [&str; 8] = [
        "%Y-%m-%d", "%d.%m.%y", "%d.%m.%Y", "%d/%m/%y", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d",
        "%Y/%m/%d",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| {
            format!(
                "the invoice date {text:?} is in no form read (2026-12-03, 03.12.2026, 03/12/2026)"
            )
        })
}

/// A currency as its ISO 4217 code: `EUR`, `eur`, `€`, `$` (USD), `£` (GBP), `CHF`.
pub fn parse_currency(text: &str) -> Result<String, String> {
    let text = text.trim();
    let code = match text {
        "€" => "EUR".to_string(),
        "$" | "US$" => "USD".to_string(),
        "£" => "GBP".to_string(),
        "¥" => "JPY".to_string(),
        "Fr." | "SFr." => "CHF".to_string(),
        t if t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic()) => t.to_ascii_uppercase(),
        _ => {
            return Err(format!(
                "the currency {text:?} is not a three-letter code (EUR) or a symbol (€, $, £)"
            ));
        }
    };
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rows: &[&str]) -> InvoiceHeader {
        let rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        HeaderLabels::load().unwrap().read(&rows).0
    }

    #[test]
    fn title_rows_of_several_countries() {
        let h = read(&[
            "Rechnung Nr. 4711",
            "Lieferant: Schrauben Müller GmbH",
            "Datum: 03.12.2026",
            "Währung: EUR",
        ]);
        assert_eq!(h.invoice_number.as_deref(), Some("4711"));
        assert_eq!(h.supplier.as_deref(), Some("Schrauben Müller GmbH"));
        assert_eq!(h.invoice_date.as_deref(), Some("2026-12-03"));
        assert_eq!(h.currency.as_deref(), Some("EUR"));
        let h = read(&["Invoice No: INV-2291 | Date: 2026-12-01", "Currency | USD"]);
        assert_eq!(h.invoice_number.as_deref(), Some("INV-2291"));
        assert_eq!(h.invoice_date.as_deref(), Some("2026-12-01"));
        assert_eq!(h.currency.as_deref(), Some("USD"));
        let h = read(&[
            "Facture n° F-2026-118",
            "Fournisseur : Quincaillerie Dubois SARL",
        ]);
        assert_eq!(h.invoice_number.as_deref(), Some("F-2026-118"));
        assert_eq!(h.supplier.as_deref(), Some("Quincaillerie Dubois SARL"));
    }

    #[test]
    fn rows_that_are_no_header_say_nothing() {
        let h = read(&[
            "Bestellübersicht Dezember",
            "Seite 1 von 2",
            "Name | ACME GmbH | Code | 4711",
        ]);
        assert_eq!(h, InvoiceHeader::default());
    }

    #[test]
    fn dates_and_currencies() {
        assert_eq!(parse_date("3.12.26").unwrap(), "2026-12-03");
        assert!(parse_date("Dec 3rd").is_err());
        assert_eq!(parse_currency("€").unwrap(), "EUR");
        assert!(parse_currency("Euro!").is_err());
    }
}
