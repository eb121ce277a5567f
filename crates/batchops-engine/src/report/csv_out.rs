//! The reject file: failed items as CSV with their original columns plus the identity of each
//! line (`batchops_import_key`, `batchops_line`: see [`crate::input::reject`]) and its error,
//! ready to fix and import again. Imported, each line lands under its original identity.

use crate::input::reject::{ERROR_COLUMN, IMPORT_KEY_COLUMN, LINE_COLUMN, is_identity_column};
use crate::store::FailedRow;
use std::io::Write;

/// The columns of a reject file, gathered from its rows (possibly page by page).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RejectColumns {
    /// Every original column, in order of first appearance (case-insensitive).
    columns: Vec<String>,
    /// Some item had no decodable fields: its raw text goes into a `raw` column.
    needs_raw: bool,
}

impl RejectColumns {
    pub fn add(&mut self, rows: &[FailedRow]) {
        for r in rows {
            let fields = r.corrected.as_ref().unwrap_or(&r.fields);
            self.needs_raw |= fields.is_empty();
            // A failed row of a reject file keeps its identity columns: they are written anew.
            for (k, _) in fields.iter().filter(|(k, _)| !is_identity_column(k)) {
                if !self.columns.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                    self.columns.push(k.clone());
                }
            }
        }
    }
}

/// A reject file being written; rows can come in pages so that 200,000 failed items never sit in
/// memory at once.
pub struct RejectWriter<W: Write> {
    cols: RejectColumns,
    w: csv::Writer<W>,
}

impl<W: Write> RejectWriter<W> {
    /// Write the header: the original columns, `raw` if needed, then `batchops_line`,
    /// `batchops_error` and `batchops_import_key`.
    pub fn new(cols: RejectColumns, out: W) -> csv::Result<Self> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = cols.columns.iter().map(String::as_str).collect();
        if cols.needs_raw {
            header.push("raw");
        }
        header.extend([LINE_COLUMN, ERROR_COLUMN, IMPORT_KEY_COLUMN]);
        w.write_record(&header)?;
        Ok(Self { cols, w })
    }

    pub fn rows(&mut self, rows: &[FailedRow]) -> csv::Result<()> {
        for r in rows {
            let mut record: Vec<&str> = self
                .cols
                .columns
                .iter()
                .map(|c| r.field(c).unwrap_or_default())
                .collect();
            if self.cols.needs_raw {
                let fields = r.corrected.as_ref().unwrap_or(&r.fields);
                record.push(if fields.is_empty() { &r.raw_record } else { "" });
            }
            let line = r.line.to_string();
            record.push(&line);
            record.push(&r.error);
            record.push(&r.import_key);
            self.w.write_record(&record)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> csv::Result<()> {
        self.w.flush()?;
        Ok(())
    }
}

/// Write a whole reject file from rows in memory.
pub fn reject_file(rows: &[FailedRow], out: impl Write) -> csv::Result<()> {
    let mut cols = RejectColumns::default();
    cols.add(rows);
    let mut w = RejectWriter::new(cols, out)?;
    w.rows(rows)?;
    w.finish()
}
