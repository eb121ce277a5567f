//! Which column of a supplier's header row holds what: header names matched through the synonym
//! list of `header_synonyms.toml` (shipped) and the operator's `header-synonyms.toml` in the
//! configuration directory (added to it).
//!
//! A row "names the columns" when at least two of its cells name different known columns; of the
//! first [`HEADER_SEARCH_ROWS`] rows, the one that names the most is the header, the rows above it
//! are title rows.

use super::config_dir;
use super::validate::Known;
use serde::Deserialize;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How many rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// The name of the operator's synonym file in the configuration directory.
pub const SYNONYMS_FILE: &str = "header-synonyms.toml";

const SHIPPED: &str = include_str!("header_synonyms.toml");

#[derive(Debug, Deserialize, Default)]
struct SynonymFile {
    #[serde(default)]
    sku: Names,
    #[serde(default)]
    description: Names,
    #[serde(default)]
    quantity: Names,
    #[serde(default)]
    unit_price: Names,
}

#[derive(Debug, Deserialize, Default)]
struct Names {
    #[serde(default)]
    names: Vec<String>,
}

/// Folded header name → the column it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonyms {
    names: HashMap<String, Known>,
}

impl Synonyms {
    /// The shipped list plus the operator's file, if there is one. A broken operator file is an
    /// error naming it: silently ignoring it would read columns the operator told us not to.
    pub fn load() -> Result<Synonyms, String> {
        let mut synonyms = Synonyms::shipped();
        if let Some(dir) = config_dir::config_dir() {
            let path = dir.join(SYNONYMS_FILE);
            match std::fs::read_to_string(&path) {
                Ok(text) => synonyms
                    .add(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
            }
        }
        Ok(synonyms)
    }

    /// The shipped list, the operator's file, and `columns` (header name → known column name, a
    /// supplier profile's): an unknown column name is an error.
    pub fn load_with(
        columns: &std::collections::BTreeMap<String, String>,
    ) -> Result<Synonyms, String> {
        let mut synonyms = Synonyms::load()?;
        for (name, column) in columns {
            let known = Known::ALL
                .into_iter()
                .find(|k| k.name() == column.trim())
                .ok_or_else(|| {
                    format!(
                        "column {name:?} is mapped to {column:?}: use sku, description, quantity \
                         or unit_price"
                    )
                })?;
            synonyms.names.insert(fold(name), known);
        }
        Ok(synonyms)
    }

    /// The shipped list alone.
    pub fn shipped() -> Synonyms {
        let mut synonyms = Synonyms {
            names: HashMap::new(),
        };
        synonyms
            .add(SHIPPED)
            .expect("the shipped header synonyms parse");
        synonyms
    }

    fn add(&mut self, text: &str) -> Result<(), String> {
        let file: SynonymFile = toml::from_str(text).map_err(|e| e.to_string())?;
        for (known, names) in [
            (Known::Sku, file.sku),
            (Known::Description, file.description),
            (Known::Quantity, file.quantity),
            (Known::UnitPrice, file.unit_price),
        ] {
            for name in names.names {
                self.names.insert(fold(&name), known);
            }
        }
        for known in Known::ALL {
            self.names.insert(fold(known.name()), known);
        }
        Ok(())
    }

    /// The column a header cell names, if any.
    pub fn known(&self, name: &str) -> Option<Known> {
        let folded = fold(name);
        if folded.is_empty() {
            return None;
        }
        self.names.get(&folded).copied()
    }
}

/// A header name as it is compared: lower case, no accents, no parenthesised part, runs of other
/// characters as one space.
pub fn fold(name: &str) -> String {
    let mut without_parens = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => without_parens.push(c),
            _ => {}
        }
    }
    let mut out = String::with_capacity(without_parens.len());
    let mut space = false;
    for c in without_parens
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
    {
        let c = if c == 'ß' { 's' } else { c };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The columns of a header row: for each cell, the known column it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// The header's names, trimmed, as written.
    pub names: Vec<String>,
    pub known: Vec<Option<Known>>,
}

impl ColumnMap {
    /// Map a row's cells, whatever they are.
    pub fn unchecked(cells: &[String], synonyms: &Synonyms) -> ColumnMap {
        let names: Vec<String> = cells
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let known = names.iter().map(|n| synonyms.known(n)).collect();
        ColumnMap { names, known }
    }

    /// Map a header row's cells. `Err` when a name is written twice or two cells name the same
    /// column.
    pub fn of(cells: &[String], synonyms: &Synonyms) -> Result<ColumnMap, String> {
        let ColumnMap { names, known } = ColumnMap::unchecked(cells, synonyms);
        let mut seen: Vec<String> = Vec::new();
        for name in names.iter().filter(|n| !n.is_empty()) {
            let lower = name.to_lowercase();
            if seen.contains(&lower) {
                return Err(format!("duplicate column \"{name}\" in the header row"));
            }
            seen.push(lower);
        }
        for (i, k) in known.iter().enumerate() {
            let Some(k) = k else { continue };
            if let Some(j) = known[..i].iter().position(|o| o == &Some(*k)) {
                return Err(format!(
                    "columns \"{}\" and \"{}\" of the header row both name the {} column",
                    names[j],
                    names[i],
                    k.name()
                ));
            }
        }
        Ok(ColumnMap { names, known })
    }

    /// How many different known columns the row names.
    pub fn named(&self) -> usize {
        Known::ALL.into_iter().filter(|&k| self.has(k)).count()
    }

    pub fn has(&self, k: Known) -> bool {
        self.known.contains(&Some(k))
    }

    pub fn index_of(&self, k: Known) -> Option<usize> {
        self.known.iter().position(|o| *o == Some(k))
    }

    /// Whether the row names the columns (see the module documentation).
    pub fn names_the_columns(&self) -> bool {
        self.named() >= 2
    }

    /// The name a cell of column `i` gets in a line item's fields: the known column's own name
    /// where the header wrote a synonym (so retry and corrections read it), the header's name
    /// otherwise.
    pub fn field_name(&self, i: usize) -> String {
        match (self.known.get(i).copied().flatten(), self.names.get(i)) {
            (Some(k), Some(name)) if Known::of(name) != Some(k) => k.name().to_string(),
            (_, Some(name)) => name.clone(),
            (_, None) => super::validate::extra_cell_name(i + 1),
        }
    }

    /// The columns a line item cannot do without, checked as a header: `Err` with the reason.
    pub fn check(&self, expected: &str) -> Result<(), String> {
        let missing: Vec<&str> = [Known::Quantity, Known::UnitPrice]
            .into_iter()
            .filter(|&k| !self.has(k))
            .map(Known::name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header row has no {} column (expected columns {expected}; the header row is \"{}\")",
                missing
                    .iter()
                    .map(|m| format!("\"{m}\""))
                    .collect::<Vec<_>>()
                    .join(" or "),
                shorten(&self.names.join(","))
            ));
        }
        if !self.has(Known::Sku) && !self.has(Known::Description) {
            return Err(format!(
                "the header row has neither a \"sku\" nor a \"description\" column (expected \
                 columns {expected}; the header row is \"{}\")",
                shorten(&self.names.join(","))
            ));
        }
        Ok(())
    }
}

/// At most 120 characters of a row, for a message.
pub fn shorten(text: &str) -> String {
    if text.chars().count() > 120 {
        text.chars().take(120).collect::<String>() + "…"
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(s: &[&str]) -> Vec<String> {
        s.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn names_fold_across_case_accents_and_punctuation() {
        assert_eq!(fold("Prix unitaire (€)"), "prix unitaire");
        assert_eq!(fold("  PRIX_UNITAIRE "), "prix unitaire");
        assert_eq!(fold("Quantité"), "quantite");
        assert_eq!(fold("Stück"), "stuck");
        assert_eq!(fold("Item No."), "item no");
    }

    #[test]
    fn synonyms_of_six_languages() {
        let s = Synonyms::shipped();
        for (name, k) in [
            ("SKU", Known::Sku),
            ("Artikelnummer", Known::Sku),
            ("Référence", Known::Sku),
            ("Referencia", Known::Sku),
            ("Codice", Known::Sku),
            ("Item No.", Known::Sku),
            ("Bezeichnung", Known::Description),
            ("Désignation", Known::Description),
            ("Descripción", Known::Description),
            ("Omschrijving", Known::Description),
            ("Descrizione", Known::Description),
            ("Menge", Known::Quantity),
            ("Quantité", Known::Quantity),
            ("Cantidad", Known::Quantity),
            ("Aantal", Known::Quantity),
            ("Quantità", Known::Quantity),
            ("Qty", Known::Quantity),
            ("Einzelpreis", Known::UnitPrice),
            ("Prix unitaire", Known::UnitPrice),
            ("Precio unitario", Known::UnitPrice),
            ("Prijs", Known::UnitPrice),
            ("Prezzo unitario", Known::UnitPrice),
            ("Unit Price", Known::UnitPrice),
            ("unit_price", Known::UnitPrice),
        ] {
            assert_eq!(s.known(name), Some(k), "{name}");
        }
        assert_eq!(s.known("Gesamtpreis"), None);
        assert_eq!(s.known(""), None);
    }

    #[test]
    fn a_column_named_twice_is_an_error() {
        let s = Synonyms::shipped();
        let e = ColumnMap::of(&cells(&["SKU", "Artikelnummer", "Menge"]), &s).unwrap_err();
        assert_eq!(
            e,
            "columns \"SKU\" and \"Artikelnummer\" of the header row both name the sku column"
        );
        let e = ColumnMap::of(&cells(&["sku", "note", "Note", "SKU "]), &s).unwrap_err();
        assert_eq!(e, "duplicate column \"Note\" in the header row");
    }

    #[test]
    fn field_names_are_the_known_names_where_a_synonym_was_written() {
        let s = Synonyms::shipped();
        let map = ColumnMap::of(&cells(&["Artikelnummer", "SKU_x", "Menge", "Qty"]), &s);
        assert!(map.is_err(), "Menge and Qty both name quantity");
        let map = ColumnMap::of(&cells(&["Artikelnummer", "Lager", "Unit_Price"]), &s).unwrap();
        assert_eq!(map.field_name(0), "sku");
        assert_eq!(map.field_name(1), "Lager");
        assert_eq!(map.field_name(2), "Unit_Price");
        assert_eq!(map.field_name(5), "column_6");
    }

    #[test]
    fn an_operator_file_adds_names() {
        let mut s = Synonyms::shipped();
        s.add("[quantity]\nnames = [\"Stk.\"]\n").unwrap();
        assert_eq!(s.known("STK"), Some(Known::Quantity));
        assert_eq!(
            s.known("Menge"),
            Some(Known::Quantity),
            "shipped names stay"
        );
        assert!(s.add("[quantity]\nnames = 3\n").is_err());
    }
}
