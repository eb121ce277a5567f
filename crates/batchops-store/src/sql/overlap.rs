//! Overlaps between files and runs: landed lines by fingerprint and line key, invoice runs.

/// The columns of a [`LandedLine`](crate::overlap::LandedLine).
pub(crate) const COLUMNS: &str =
    "SELECT t.run_id, t.line, t.fingerprint, t.line_key, i.sku, t.quantity, t.unit_cost";

pub(crate) const RUN_LINE_COUNT: &str = "SELECT COUNT(*) FROM transactions \
                     WHERE run_id = $1 AND fingerprint IS NOT NULL";

pub(crate) const INVOICE_RUNS: &str = "SELECT r.id FROM import_invoices k JOIN import_runs r ON r.import_key = k.import_key \
                     WHERE k.vendor = $1 AND k.invoice_id = $2 AND k.import_key <> $3 \
                       AND r.dry_run = $4 AND r.reverted_at IS NULL ORDER BY r.id";

pub(crate) const KEY_STATE: &str = "SELECT (SELECT COUNT(*) FROM import_runs WHERE import_key = $1 AND dry_run = $2 \
                               AND reverted_at IS NULL) AS runs, \
                            (SELECT answer FROM import_invoices WHERE import_key = $1) AS answer, \
                            (SELECT COUNT(*) FROM (SELECT 1 FROM import_runs WHERE import_key <> $1 LIMIT 1) o) AS others";

pub(crate) const RECORD: &str = "INSERT INTO import_invoices (import_key, vendor, invoice_id, answer, operator) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (import_key) DO UPDATE \
                     SET answer = coalesce(import_invoices.answer, excluded.answer)";

/// The rows of other keys' runs carrying any of the fingerprints `$1` (`in_prints` and `in_rows`:
/// the backend's test of `p.fingerprint` and `t.fingerprint` against that list; `print_join`:
/// how a `line_prints` row names its transaction row, see `Dialect::PRINT_JOIN`):
/// through the look-up for runs that ended, through their run for runs that did not (running,
/// killed, resumed); a resumed run's earlier rows are in both, hence UNION.
pub(crate) fn elsewhere(print_join: &str, in_prints: &str, in_rows: &str) -> String {
    format!(
        "{COLUMNS} FROM line_prints p JOIN transactions t ON {print_join} \
           JOIN inventory_items i ON i.id = t.item_id \
         WHERE {in_prints} AND t.import_key <> $2 \
         UNION \
         {COLUMNS} FROM import_runs r JOIN transactions t ON t.run_id = r.id \
           JOIN inventory_items i ON i.id = t.item_id \
         WHERE r.prints_indexed = $3 AND r.import_key <> $2 AND {in_rows} \
         ORDER BY 1, 2"
    )
}

/// A run's rows under line keys `$1` (`in_list`: the backend's test of `t.line_key` against that
/// list), `$2` the run.
pub(crate) fn run_lines(in_list: &str) -> String {
    format!(
        "{COLUMNS} FROM transactions t JOIN inventory_items i ON i.id = t.item_id \
         WHERE t.run_id = $2 AND t.fingerprint IS NOT NULL AND {in_list} \
         ORDER BY t.line"
    )
}
