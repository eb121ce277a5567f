//! The reject file: failed items as CSV with their original columns plus `line` and `error`,
//! ready to fix and import again.

use crate::store::FailedRow;

/// Write the reject file. Columns: every original column (in order of first appearance), then
/// `line` and `error`. Items that had no decodable fields keep their raw text in a `raw` column.
pub fn reject_file(rows: &[FailedRow], out: impl std::io::Write) -> csv::Result<()> {
    let mut columns: Vec<String> = Vec::new();
    for r in rows {
        for (k, _) in r.corrected.as_ref().unwrap_or(&r.fields) {
            if !columns.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                columns.push(k.clone());
            }
        }
    }
    let needs_raw = rows
        .iter()
        .any(|r| r.corrected.as_ref().unwrap_or(&r.fields).is_empty());
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = columns.iter().map(String::as_str).collect();
    if needs_raw {
        header.push("raw");
    }
    header.extend(["line", "error"]);
    w.write_record(&header)?;
    for r in rows {
        let mut record: Vec<String> = columns
            .iter()
            .map(|c| r.field(c).unwrap_or_default().to_string())
            .collect();
        if needs_raw {
            let fields = r.corrected.as_ref().unwrap_or(&r.fields);
            record.push(if fields.is_empty() {
                r.raw_record.clone()
            } else {
                String::new()
            });
        }
        record.push(r.line.to_string());
        record.push(r.error.clone());
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}
