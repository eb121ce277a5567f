//! Rows read back for the CLI and the console.

use crate::domain::run_rules::{self, RunKind};
use crate::domain::{Fields, Mode, Phase, RunReport, RunStatus};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

/// Runs whose heartbeat is older than this while `running` are shown as interrupted.
pub const STALE_AFTER_SECONDS: i64 = 30;

static STALE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Make `seconds` the staleness threshold (the binary's settings, read once at start; tests set
/// `BATCHOPS_STALE_AFTER_SECONDS=0` to see a killed run as interrupted at once); later calls keep
/// the first.
pub fn install_stale_after_seconds(seconds: i64) {
    let _ = STALE.set(seconds.max(0));
}

/// The staleness threshold in force: [`install_stale_after_seconds`]'s, else
/// [`STALE_AFTER_SECONDS`].
pub fn stale_after_seconds() -> i64 {
    STALE.get().copied().unwrap_or(STALE_AFTER_SECONDS)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    pub sku: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub source: String,
    pub import_key: String,
    pub mode: Mode,
    pub status: RunStatus,
    pub operator: String,
    pub dry_run: bool,
    pub rehearsal: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub items_total: u64,
    pub items_processed: u64,
    pub items_already_imported: u64,
    pub items_failed: u64,
    /// Lines the run sent to review (`held_lines`), decided since or not.
    pub items_held: u64,
    pub processing_seconds: f64,
    pub statements: u64,
    pub chunk_size: u64,
    /// The invoice the batch was (supplier, invoice number, date, currency).
    #[serde(flatten)]
    pub invoice: crate::domain::InvoiceHeader,
    /// Whose numbers the SKU column held: `ours` or `supplier`.
    pub sku_column: Option<String>,
    /// The full report of a finished run.
    pub report: Option<RunReport>,
}

impl RunRow {
    /// What the run rules ([`run_rules`]) need to know about this run.
    pub fn kind(&self) -> RunKind {
        RunKind {
            status: self.status,
            mode: self.mode,
            rehearsal: self.rehearsal,
            dry_run: self.dry_run,
        }
    }
    /// Why `resume` refuses this run ([`run_rules::resume_refusal`]).
    pub fn resume_refusal(&self) -> Option<String> {
        run_rules::resume_refusal(self.kind())
    }
    pub fn is_resumable(&self) -> bool {
        run_rules::is_resumable(self.kind())
    }
    /// Lines read per second of the whole run, as its report counts them (held lines included).
    pub fn items_per_second(&self) -> f64 {
        if self.processing_seconds > 0.0 {
            self.items_total as f64 / self.processing_seconds
        } else {
            0.0
        }
    }
}

/// The columns of `import_runs` as read, before the status is interpreted.
pub(crate) struct RawRun {
    pub id: i64,
    pub source: String,
    pub import_key: String,
    pub mode: String,
    pub status: String,
    pub operator: String,
    pub dry_run: bool,
    pub rehearsal: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub heartbeat_at: DateTime<Utc>,
    pub items_total: i64,
    pub items_processed: i64,
    pub items_already_imported: i64,
    pub items_failed: i64,
    pub items_held: i64,
    pub processing_seconds: f64,
    pub statements: i64,
    pub chunk_size: i64,
    pub report_json: Option<String>,
    pub supplier: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_date: Option<String>,
    pub currency: Option<String>,
    pub sku_column: Option<String>,
}

impl RawRun {
    pub fn into_row(self, now: DateTime<Utc>) -> RunRow {
        let mut status = RunStatus::parse(&self.status).unwrap_or(RunStatus::Failed);
        if status == RunStatus::Running
            && (now - self.heartbeat_at).num_milliseconds() > stale_after_seconds() * 1000
        {
            status = RunStatus::Interrupted;
        }
        RunRow {
            id: self.id,
            source: self.source,
            import_key: self.import_key,
            mode: Mode::parse(&self.mode).unwrap_or_default(),
            status,
            operator: self.operator,
            dry_run: self.dry_run,
            rehearsal: self.rehearsal,
            started_at: self.started_at,
            finished_at: self.finished_at,
            items_total: self.items_total.max(0) as u64,
            items_processed: self.items_processed.max(0) as u64,
            items_already_imported: self.items_already_imported.max(0) as u64,
            items_failed: self.items_failed.max(0) as u64,
            items_held: self.items_held.max(0) as u64,
            processing_seconds: self.processing_seconds,
            statements: self.statements.max(0) as u64,
            chunk_size: self.chunk_size.max(0) as u64,
            invoice: crate::domain::InvoiceHeader {
                supplier: self.supplier,
                invoice_number: self.invoice_number,
                invoice_date: self.invoice_date,
                currency: self.currency,
            },
            sku_column: self.sku_column,
            report: self
                .report_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
        }
    }
}

/// A row of the dead-letter table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRow {
    pub id: i64,
    pub run_id: i64,
    pub import_key: String,
    pub line: u64,
    pub raw_record: String,
    pub fields: Fields,
    /// The operator's corrected record, kept beside the original.
    pub corrected: Option<Fields>,
    pub phase: Phase,
    pub error: String,
    pub sqlstate: Option<String>,
    pub decision: Option<String>,
    pub attempts: u32,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl FailedRow {
    /// Whether the line waits for a retry or a corrected reject file
    /// ([`run_rules::failed_is_open`]); `run_reverted`: its run was reverted.
    pub fn is_open(&self, run_reverted: bool) -> bool {
        run_rules::failed_is_open(self.resolved_at.is_some(), run_reverted)
    }
    /// The value of a field by (case-insensitive) name, from the corrected record if there is one.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.corrected
            .as_ref()
            .unwrap_or(&self.fields)
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) struct RawFailed {
    pub id: i64,
    pub run_id: i64,
    pub import_key: String,
    pub line: i64,
    pub raw_record: String,
    pub fields_json: String,
    pub corrected_json: Option<String>,
    pub phase: String,
    pub error: String,
    pub sqlstate: Option<String>,
    pub decision: Option<String>,
    pub attempts: i64,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl RawFailed {
    pub fn into_row(self) -> FailedRow {
        FailedRow {
            id: self.id,
            run_id: self.run_id,
            import_key: self.import_key,
            line: self.line.max(0) as u64,
            raw_record: self.raw_record,
            fields: fields_from_json(&self.fields_json),
            corrected: self.corrected_json.as_deref().map(fields_from_json),
            phase: Phase::parse(&self.phase).unwrap_or(Phase::Parse),
            error: self.error,
            sqlstate: self.sqlstate,
            decision: self.decision,
            attempts: self.attempts.clamp(0, u32::MAX as i64) as u32,
            resolved_at: self.resolved_at,
        }
    }
}

/// Fields are stored as a JSON array of `[name, value]` pairs, which keeps their order.
pub fn fields_to_json(fields: &Fields) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

pub fn fields_from_json(json: &str) -> Fields {
    serde_json::from_str(json).unwrap_or_default()
}

/// Sort orders of the Failed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailedSort {
    #[default]
    Line,
    Phase,
    Error,
    Attempts,
}

impl FailedSort {
    pub(crate) fn column(self) -> &'static str {
        match self {
            FailedSort::Line => "line",
            FailedSort::Phase => "phase",
            FailedSort::Error => "error",
            FailedSort::Attempts => "attempts",
        }
    }
}

/// Where a page of failed items starts. A page next to a row the reader holds is read by its key
/// (the sort value, the line, the id), so it costs its own rows however deep in the list it lies;
/// `Offset` counts rows from the start and is for a jump into the middle of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PageFrom {
    /// The first rows.
    #[default]
    Start,
    /// The rows after this one (and it too when `inclusive`).
    After { key: FailedKey, inclusive: bool },
    /// The `limit` rows just before this one, in the list's order.
    Before(FailedKey),
    /// The last `limit` rows, in the list's order.
    Last,
    /// The rows from this position.
    Offset(u64),
}

/// A failed item's place in a sorted list: the sort column's value, then the line, then the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedKey {
    pub value: SortValue,
    pub line: u64,
    pub id: i64,
}

/// The value of the column a list is sorted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    Number(i64),
    Text(String),
}

impl FailedKey {
    /// The row's key in a list sorted by `sort`.
    pub fn of(row: &FailedRow, sort: FailedSort) -> Self {
        let value = match sort {
            FailedSort::Line => SortValue::Number(row.line.min(i64::MAX as u64) as i64),
            FailedSort::Phase => SortValue::Text(row.phase.as_str().to_string()),
            FailedSort::Error => SortValue::Text(row.error.clone()),
            FailedSort::Attempts => SortValue::Number(i64::from(row.attempts)),
        };
        Self {
            value,
            line: row.line,
            id: row.id,
        }
    }
}

/// A page of failed items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailedQuery {
    pub from: PageFrom,
    pub limit: u64,
    /// Case-insensitive substring of the raw record or the error.
    pub filter: Option<String>,
    pub sort: FailedSort,
    pub descending: bool,
    pub unresolved_only: bool,
    /// Only these lines (empty: all).
    pub lines: Vec<u64>,
    /// Only items whose error is LIKE this pattern (`\` escapes; see [`reason_pattern`]).
    pub error_like: Option<String>,
}

/// The `LIKE` pattern of an error text with its quoted values left open: `quantity "1,5" has a
/// comma` matches every `quantity "…" has a comma`. The console's reasons summary filters by it.
pub fn reason_pattern(error: &str) -> String {
    let mut out = String::with_capacity(error.len() + 4);
    let mut quoted = false;
    for c in error.chars() {
        match c {
            '"' => {
                if !quoted {
                    out.push_str("\"%");
                } else {
                    out.push('"');
                }
                quoted = !quoted;
            }
            _ if quoted => {}
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An error text with its quoted values cut out (`quantity "…" has a comma`): the reason many
/// failed items share. Items with the same reason match the same [`reason_pattern`].
pub fn reason_of(error: &str) -> String {
    let mut out = String::with_capacity(error.len());
    let mut quoted = false;
    for c in error.chars() {
        match c {
            '"' if !quoted => {
                out.push_str("\"…");
                quoted = true;
            }
            '"' => {
                out.push('"');
                quoted = false;
            }
            _ if quoted => {}
            _ => out.push(c),
        }
    }
    out
}

impl FailedQuery {
    pub fn all() -> Self {
        Self {
            limit: u64::MAX >> 1,
            ..Self::default()
        }
    }
}
