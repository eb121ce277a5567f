//! Row decoding shared by both backends (the columns that are not quantities or money).

use super::rows::{RawFailed, RawRun};
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// Decode an `import_runs` row selected with [`super::sql::RUN_COLUMNS`].
pub(crate) fn run<'r, R>(row: &'r R) -> Result<RawRun, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    f64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    Option<DateTime<Utc>>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RawRun {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        import_key: row.try_get("import_key")?,
        mode: row.try_get("mode")?,
        status: row.try_get("status")?,
        operator: row.try_get("operator")?,
        dry_run: row.try_get("dry_run")?,
        rehearsal: row.try_get("rehearsal")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        heartbeat_at: row.try_get("heartbeat_at")?,
        items_total: row.try_get("items_total")?,
        items_processed: row.try_get("items_processed")?,
        items_already_imported: row.try_get("items_already_imported")?,
        items_failed: row.try_get("items_failed")?,
        items_held: row.try_get("items_held")?,
        processing_seconds: row.try_get("processing_seconds")?,
        statements: row.try_get("statements")?,
        chunk_size: row.try_get("chunk_size")?,
        report_json: row.try_get("report_json")?,
        supplier: row.try_get("supplier")?,
        invoice_number: row.try_get("invoice_number")?,
        invoice_date: row.try_get("invoice_date")?,
        currency: row.try_get("currency")?,
        sku_column: row.try_get("sku_column")?,
    })
}

/// Decode a `failed_items` row selected with [`super::sql::FAILED_COLUMNS`].
pub(crate) fn failed<'r, R>(row: &'r R) -> Result<RawFailed, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    Option<DateTime<Utc>>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RawFailed {
        id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        import_key: row.try_get("import_key")?,
        line: row.try_get("line")?,
        raw_record: row.try_get("raw_record")?,
        fields_json: row.try_get("fields_json")?,
        corrected_json: row.try_get("corrected_json")?,
        phase: row.try_get("phase")?,
        error: row.try_get("error")?,
        sqlstate: row.try_get("sqlstate")?,
        decision: row.try_get("decision")?,
        attempts: row.try_get("attempts")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}
