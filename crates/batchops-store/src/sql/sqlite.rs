//! Statements only the SQLite store runs: its chunk writes, built for each part's size.

pub(crate) const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";

pub(crate) fn upsert_items(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO inventory_items (sku, name, created_run_id) \
             SELECT column1, column2, ? FROM (VALUES {values}) WHERE true \
             ON CONFLICT (sku) DO UPDATE SET sku = excluded.sku RETURNING id, sku"
    )
}

pub(crate) fn insert_aliases(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO item_aliases (alias, item_id, learned_by, learned_run_id) \
             SELECT column1, column2, 'auto', ? FROM (VALUES {values}) WHERE true ON CONFLICT (alias) DO NOTHING"
    )
}

pub(crate) fn insert_parts(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO supplier_parts (supplier, part_number, item_id, learned_by, learned_run_id) \
             SELECT column1, column2, column3, 'auto', ? FROM (VALUES {values}) WHERE true \
             ON CONFLICT (supplier, part_number) DO NOTHING"
    )
}

pub(crate) fn insert_rows(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO transactions (run_id, import_key, operator, line, item_id, quantity, unit_cost, alias, fingerprint, line_key) \
             SELECT ?, ?, ?, column1, column2, column3, column4, column5, column6, column7 FROM (VALUES {values}) WHERE true \
             ON CONFLICT (import_key, line) DO NOTHING RETURNING item_id, quantity"
    )
}

pub(crate) fn apply_deltas(values: impl std::fmt::Display) -> String {
    format!(
        "UPDATE inventory_items SET quantity = quantity + d.column2, updated_at = ? \
             FROM (VALUES {values}) AS d WHERE inventory_items.id = d.column1"
    )
}

pub(crate) fn insert_held(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO held_lines (run_id, import_key, operator, line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json) \
             SELECT ?, ?, ?, column1, column2, column3, column4, column5, column6, column7, column8 FROM (VALUES {values}) WHERE true \
             ON CONFLICT (import_key, line) DO NOTHING"
    )
}

pub(crate) fn insert_failures(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO failed_items (run_id, import_key, line, raw_record, fields_json, phase, error, sqlstate, decision) \
             SELECT ?, ?, column1, column2, column3, column4, column5, column6, column7 FROM (VALUES {values}) WHERE true \
             ON CONFLICT (run_id, line) DO UPDATE SET raw_record = excluded.raw_record, \
             fields_json = excluded.fields_json, phase = excluded.phase, error = excluded.error, \
             sqlstate = excluded.sqlstate, decision = excluded.decision, resolved_at = NULL"
    )
}

pub(crate) const IMPORTED_LINES: &str = "SELECT line FROM transactions WHERE import_key = $1 \
             AND line IN (SELECT value FROM json_each($2)) ORDER BY line";

pub(crate) const INVENTORY: &str = "SELECT sku, name, quantity FROM inventory_items ORDER BY sku";

pub(crate) fn copy_catalog_items(values: impl std::fmt::Display) -> String {
    format!(
        "INSERT INTO inventory_items (sku, name, quantity) VALUES {values} ON CONFLICT (sku) DO NOTHING"
    )
}

pub(crate) const COPY_CATALOG_ALIASES: &str = "INSERT INTO item_aliases (alias, item_id) SELECT $1, id FROM inventory_items WHERE sku = $2 ON CONFLICT (alias) DO NOTHING";

pub(crate) const INDEX_PRINTS: &str = "INSERT INTO line_prints (fingerprint, txn_id) \
        SELECT fingerprint, id FROM transactions \
        WHERE run_id = $1 AND fingerprint IS NOT NULL ORDER BY 1, 2 ON CONFLICT DO NOTHING";

/// `column` tested against the list bound as `$1`.
pub(crate) fn in_json_array(column: &str) -> String {
    format!("{column} IN (SELECT value FROM json_each($1))")
}

/// How a read that a correction goes on to change locks its rows (the run, the item `i`).
pub(crate) const FOR_UPDATE: &str = "";
pub(crate) const FOR_UPDATE_OF_I: &str = "";

/// The rows of import key `$1` (for `line_states`).
pub(crate) const ROWS_OF_KEY: &str = "import_key = $1";

/// A chunk written in parts inside one transaction, each part under a savepoint.
pub(crate) const PART_BEGIN: &str = "SAVEPOINT batchops_part";
pub(crate) const PART_NEXT: &str = "RELEASE batchops_part; SAVEPOINT batchops_part";
pub(crate) const PART_END: &str = "RELEASE batchops_part";
/// A part undone, and the hint of where its rows were: SQLite's last rowid and the table's largest.
pub(crate) const PART_UNDO_AND_HINT: &str = "ROLLBACK TO batchops_part; \
    SELECT last_insert_rowid(), coalesce(max(id), 0) FROM transactions";
