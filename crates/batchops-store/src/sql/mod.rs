//! Every SQL statement the store runs, and nothing else holds SQL text (a test below checks the
//! rest of the crate). This module holds the run and failed-line bookkeeping both backends share;
//! its children hold the statements of one topic both backends run (`$N` placeholders work in
//! SQLite and PostgreSQL alike; `Dialect::render` adapts the rest), and `sqlite` / `postgres` the
//! statements only one backend runs. The PostgreSQL functions are one file,
//! `postgres_functions.sql`; the schema is the migrations.

pub(crate) mod corrections;
pub(crate) mod dialect;
pub(crate) mod held;
pub(crate) mod inventory;
pub(crate) mod locks;
pub(crate) mod overlap;
pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod write_one;

use super::rows::{FailedQuery, PageFrom};

pub(crate) const RUN_COLUMNS: &str = "id, source, import_key, mode, status, operator, dry_run, rehearsal, \
    started_at, finished_at, heartbeat_at, items_total, items_processed, items_already_imported, \
    items_failed, items_held, processing_seconds, statements, chunk_size, report_json, \
    supplier, invoice_number, invoice_date, currency, sku_column";

pub(crate) const FAILED_COLUMNS: &str = "id, run_id, import_key, line, raw_record, fields_json, \
    corrected_json, phase, error, sqlstate, decision, CAST(attempts AS BIGINT) AS attempts, resolved_at";

/// 1 when the database holds an item (live or retired), else 0.
pub(crate) const HAS_ITEMS: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM inventory_items LIMIT 1) i";

pub(crate) const INSERT_RUN: &str = "INSERT INTO import_runs \
    (source, import_key, mode, status, operator, dry_run, rehearsal, chunk_size, started_at, heartbeat_at, \
     supplier, invoice_number, invoice_date, currency, sku_column) \
    VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13) RETURNING id";

pub(crate) const HEARTBEAT: &str = "UPDATE import_runs SET heartbeat_at = $2 WHERE id = $1";

/// A resumed run: running again, its rows to come not in the fingerprint look-up yet.
pub(crate) const REOPEN_RUN: &str = "UPDATE import_runs SET status = 'running', heartbeat_at = $2, finished_at = NULL, \
    prints_indexed = FALSE WHERE id = $1";

pub(crate) const FINISH_RUN: &str = "UPDATE import_runs SET status = $2, finished_at = $3, heartbeat_at = $3, \
    items_total = $4, items_processed = $5, items_already_imported = $6, items_failed = $7, \
    mapping_seconds = $8, batch_insert_seconds = $9, inventory_update_seconds = $10, fallback_seconds = $11, \
    processing_seconds = $12, statements = $13, report_json = $14, items_held = $15 WHERE id = $1";

/// The savepoint a dialect's plain insert of a run's prints goes back to when a print is
/// in the look-up already.
pub(crate) const INDEX_PRINTS_MARK: &str = "SAVEPOINT index_prints";
pub(crate) const INDEX_PRINTS_UNDO: &str = "ROLLBACK TO SAVEPOINT index_prints";
pub(crate) const INDEX_PRINTS_DONE: &str = "RELEASE SAVEPOINT index_prints";

pub(crate) const PRINTS_INDEXED: &str =
    "UPDATE import_runs SET prints_indexed = TRUE WHERE id = $1";

/// The lines a run sent to review: its rows of `held_lines`, decided since or not.
pub(crate) const RUN_HELD: &str = "SELECT COUNT(*) FROM held_lines WHERE run_id = $1";

pub(crate) const RESOLVE_FAILED: &str =
    "UPDATE failed_items SET resolved_at = $2, attempts = attempts + 1 WHERE id = $1";

pub(crate) const FAILED_AGAIN: &str =
    "UPDATE failed_items SET attempts = attempts + 1, error = $2, sqlstate = $3 WHERE id = $1";

pub(crate) const SAVE_CORRECTION: &str =
    "UPDATE failed_items SET corrected_json = $2 WHERE id = $1";

/// Live items, for the mapper: every one, or (`$1` an import key) those not created by that
/// key's runs.
pub(crate) const CATALOG_ITEMS: &str = "SELECT id, sku, name FROM inventory_items \
     WHERE retired_at IS NULL AND NOT (created_run_id IS NOT NULL \
       AND created_run_id IN (SELECT id FROM import_runs WHERE import_key = $1))";

/// [`CATALOG_ITEMS`] after an item id (`$2`; 0: all), in id order: the order a catalog is read in,
/// so a kept catalog and the items added after it read as the whole catalog read at once.
pub(crate) const CATALOG_ITEMS_AFTER: &str = "SELECT id, sku, name FROM inventory_items \
     WHERE retired_at IS NULL AND id > $2 AND NOT (created_run_id IS NOT NULL \
       AND created_run_id IN (SELECT id FROM import_runs WHERE import_key = $1)) \
     ORDER BY id";

/// What a kept catalog is checked against: the database's name, the changes to its items other
/// than new ones, and the newest run.
pub(crate) const CATALOG_STAMP: &str = "SELECT instance, changes, \
     (SELECT COALESCE(MAX(id), 0) FROM import_runs) AS newest_run \
     FROM catalog_stamp WHERE id = 1";

/// The runs up to one (`$1`), as (id, import key, start) in id order: the history a kept
/// catalog's items came from.
pub(crate) const RUNS_UP_TO: &str = "SELECT id, import_key, CAST(started_at AS TEXT) \
     FROM import_runs WHERE id <= $1 ORDER BY id";

/// Items a run creates from which the planner's statistics of the items are refreshed as it
/// finishes ([`crate::dialect::Dialect::REFRESH_ITEM_STATISTICS`]).
pub(crate) const GROWN_ITEMS: u64 = 10_000;

/// The changes counted after a kept catalog's count (`$1`) up to the stamp's (`$2`), in order:
/// each changed item's id and, while the item is in the table, its SKU, its name and whether it
/// is live (1) or retired (0).
pub(crate) const CATALOG_CHANGES: &str = "SELECT c.item_id, i.sku, i.name, \
     CASE WHEN i.retired_at IS NULL THEN 1 ELSE 0 END \
     FROM catalog_changes c LEFT JOIN inventory_items i ON i.id = c.item_id \
     WHERE c.seq > $1 AND c.seq <= $2 ORDER BY c.seq";

/// Live items after an id (`$1`).
pub(crate) const LIVE_ITEMS_AFTER: &str =
    "SELECT COUNT(*) FROM inventory_items WHERE retired_at IS NULL AND id > $1";

/// Live items up to an id (`$1`).
pub(crate) const LIVE_ITEMS_UP_TO: &str =
    "SELECT COUNT(*) FROM inventory_items WHERE retired_at IS NULL AND id <= $1";

/// Whether the runs of an import key (`$1`) created items.
pub(crate) const KEY_CREATED_ITEMS: &str = "SELECT EXISTS (SELECT 1 FROM inventory_items \
     WHERE created_run_id IN (SELECT id FROM import_runs WHERE import_key = $1))";

/// Aliases with how each was learned, and supplier part numbers, for the mapper: every one, or
/// (`$1` an import key) those not learned by that key's runs. One statement: an alias is
/// (alias, NULL, sku, learned_by), a part number (supplier, part number, sku, learned_by).
pub(crate) const CATALOG_ALIASES: &str = "SELECT a.alias, CAST(NULL AS TEXT) AS part_number, i.sku, a.learned_by \
     FROM item_aliases a JOIN inventory_items i ON i.id = a.item_id \
     WHERE NOT (a.learned_run_id IS NOT NULL \
       AND a.learned_run_id IN (SELECT id FROM import_runs WHERE import_key = $1)) \
     UNION ALL SELECT p.supplier, p.part_number, i.sku, p.learned_by \
     FROM supplier_parts p JOIN inventory_items i ON i.id = p.item_id \
     WHERE NOT (p.learned_run_id IS NOT NULL \
       AND p.learned_run_id IN (SELECT id FROM import_runs WHERE import_key = $1))";

/// The lines of an import key that have a state, as (line, state, failed run, error); `{landed}`
/// is the backend's condition on `transactions` for the key `$1`.
pub(crate) fn line_states(landed: &str) -> String {
    format!(
        "SELECT line, 'landed', CAST(NULL AS BIGINT), CAST(NULL AS TEXT) FROM transactions WHERE {landed} \
         UNION ALL SELECT line, CASE WHEN decided_at IS NULL THEN 'held' ELSE 'skipped' END, \
           CAST(NULL AS BIGINT), CAST(NULL AS TEXT) FROM held_lines h \
         WHERE import_key = $1 AND (decided_at IS NULL OR NOT EXISTS \
           (SELECT 1 FROM transactions WHERE {landed} AND line = h.line)) \
         UNION ALL SELECT line, 'failed', run_id, error FROM failed_items \
         WHERE import_key = $1 AND resolved_at IS NULL"
    )
}

/// Pairings an operator rejected: (alias key, sku).
pub(crate) const REJECTIONS: &str = "SELECT r.alias, i.sku FROM alias_rejections r \
     JOIN inventory_items i ON i.id = r.item_id";

pub(crate) const ALIASES: &str =
    "SELECT a.alias, i.sku FROM item_aliases a JOIN inventory_items i ON i.id = a.item_id";

/// (retired SKU, SKU of the live item it was merged into).
pub(crate) const RETIRED_SKUS: &str = "SELECT r.sku, m.sku FROM inventory_items r \
    JOIN inventory_items m ON m.id = r.merged_into \
    WHERE r.retired_at IS NOT NULL AND m.retired_at IS NULL";

/// `WHERE` for a failed-items page: binds $1 run id, $2 filter pattern (or NULL), $3 the error
/// pattern of a reason (or NULL).
pub(crate) fn failed_where(q: &FailedQuery) -> String {
    let mut w = String::from(
        "WHERE run_id = $1 AND ($2 IS NULL OR lower(raw_record) LIKE $2 OR lower(error) LIKE $2) \
         AND ($3 IS NULL OR error LIKE $3 ESCAPE '\\')",
    );
    if q.unresolved_only {
        w.push_str(" AND resolved_at IS NULL");
    }
    if !q.lines.is_empty() {
        // Line numbers are integers we format ourselves, never user text.
        let list: Vec<String> = q.lines.iter().map(|l| l.to_string()).collect();
        w.push_str(&format!(" AND line IN ({})", list.join(",")));
    }
    w
}

/// A page of failed items: binds $1–$3 as [`failed_where`], $4 the limit, then per
/// [`PageFrom`]: $5 the offset, or $5 sort value, $6 line, $7 id of the key row. A page before a
/// key or at the end is read in reverse order ([`failed_page_reversed`]).
pub(crate) fn failed_page(q: &FailedQuery) -> String {
    let mut w = failed_where(q);
    let col = q.sort.column();
    let reversed = failed_page_reversed(q);
    // `ahead`: the comparison that moves along the list (by the sort's direction) for the sort
    // column; line and id always ascend.
    let key = |ahead: &str, line_ahead: &str, inclusive: bool| {
        let last = if inclusive {
            format!("{line_ahead}=")
        } else {
            line_ahead.to_string()
        };
        format!(
            " AND ({col} {ahead} $5 OR ({col} = $5 AND (line {line_ahead} $6 \
             OR (line = $6 AND id {last} $7))))"
        )
    };
    let forward = if q.descending { "<" } else { ">" };
    let backward = if q.descending { ">" } else { "<" };
    let mut tail = String::from("LIMIT $4");
    match &q.from {
        PageFrom::Start | PageFrom::Last => {}
        PageFrom::After { inclusive, .. } => w.push_str(&key(forward, ">", *inclusive)),
        PageFrom::Before(_) => w.push_str(&key(backward, "<", false)),
        PageFrom::Offset(_) => tail.push_str(" OFFSET $5"),
    }
    let order = if reversed {
        let dir = if q.descending { "ASC" } else { "DESC" };
        format!("ORDER BY {col} {dir}, line DESC, id DESC")
    } else {
        failed_order(q)
    };
    format!("SELECT {FAILED_COLUMNS} FROM failed_items {w} {order} {tail}")
}

/// Whether [`failed_page`] reads its rows in reverse order (the caller turns them back).
pub(crate) fn failed_page_reversed(q: &FailedQuery) -> bool {
    matches!(q.from, PageFrom::Before(_) | PageFrom::Last)
}

pub(crate) fn failed_count(q: &FailedQuery) -> String {
    format!("SELECT COUNT(*) FROM failed_items {}", failed_where(q))
}

pub(crate) const FAILED_ERRORS: &str = "SELECT error, COUNT(*) AS n, \
    SUM(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END) AS open \
    FROM failed_items WHERE run_id = $1 GROUP BY error ORDER BY n DESC, error ASC";

pub(crate) const RUN_WRITTEN: &str = "SELECT \
    (SELECT COUNT(*) FROM transactions WHERE run_id = $1), \
    (SELECT COUNT(*) FROM failed_items WHERE run_id = $1)";

pub(crate) fn filter_pattern(q: &FailedQuery) -> Option<String> {
    q.filter
        .as_deref()
        .filter(|f| !f.is_empty())
        .map(|f| format!("%{}%", f.to_lowercase().replace(['%', '_'], "")))
}

/// Multi-row `VALUES` with anonymous `?` placeholders (SQLite). Numbered ones would cost a linear
/// name lookup per parameter in SQLite (`sqlite3_bind_parameter_name`), quadratic per statement.
pub(crate) fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut tuple = String::with_capacity(cols * 2 + 1);
    tuple.push('(');
    for c in 0..cols {
        if c > 0 {
            tuple.push(',');
        }
        tuple.push('?');
    }
    tuple.push(')');
    let mut s = String::with_capacity(rows * (tuple.len() + 1));
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push_str(&tuple);
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_on() {
        assert_eq!(super::values_placeholders(2, 2), "(?,?),(?,?)");
    }
}

pub(crate) const PING: &str = "SELECT 1";

pub(crate) fn runs() -> String {
    format!(
        "SELECT {run_columns} FROM import_runs ORDER BY id DESC LIMIT $1",
        run_columns = RUN_COLUMNS
    )
}

pub(crate) fn run() -> String {
    format!(
        "SELECT {run_columns} FROM import_runs WHERE id = $1",
        run_columns = RUN_COLUMNS
    )
}

/// The failed lines' `ORDER BY`, from a fixed list of columns (never from user text).
pub(crate) fn failed_order(q: &FailedQuery) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {} {dir}, line ASC, id ASC", q.sort.column())
}

/// The items whose SKU is in `in_skus` (the backend's test of `sku` against the list `$2`), and
/// those retired SKUs among them were merged into, as [`CATALOG_ITEMS`] reads them, in id order.
/// The two look-ups are one id list, each by an index (the retired SKUs by their partial one),
/// not an `OR` of them: PostgreSQL reads every item for an `OR` (0.30 s a list of 10,000 SKUs
/// against 1,000,000 items; 0.06 s this way).
pub(crate) fn catalog_items_of(in_skus: &str) -> String {
    format!(
        "{CATALOG_ITEMS} AND id IN (SELECT id FROM inventory_items WHERE {in_skus} \
           UNION ALL SELECT merged_into FROM inventory_items \
           WHERE retired_at IS NOT NULL AND {in_skus}) ORDER BY id"
    )
}

/// The retired SKUs in `in_skus` (the backend's test of `r.sku` against the list `$1`), as
/// [`RETIRED_SKUS`] reads them.
pub(crate) fn retired_skus_of(in_skus: &str) -> String {
    format!("{RETIRED_SKUS} AND {in_skus}")
}

#[cfg(test)]
mod one_home {
    //! The rule of this module, checked: no other source file of the store holds SQL text.
    use std::path::Path;

    /// Words that start a statement or make a clause: a string literal holding one of them
    /// (before the file's tests) is SQL.
    const SQL_WORDS: [&str; 16] = [
        "SELECT ",
        "INSERT ",
        "UPDATE ",
        "DELETE ",
        "WITH ",
        "CREATE ",
        "DROP ",
        "ALTER ",
        "PRAGMA ",
        "SAVEPOINT ",
        "ROLLBACK ",
        " FROM ",
        " WHERE ",
        "ORDER BY",
        "ON CONFLICT",
        "FOR UPDATE",
    ];

    /// The string literals of Rust source `text` before its `#[cfg(test)]`, with their lines.
    fn literals(text: &str) -> Vec<(usize, String)> {
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let (mut out, mut line, mut chars) = (Vec::new(), 1, code.chars().peekable());
        while let Some(c) = chars.next() {
            match c {
                '\n' => line += 1,
                '/' if chars.peek() == Some(&'/') => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            line += 1;
                            break;
                        }
                    }
                }
                '\'' => {
                    // A char literal ('"', '\\'), or a lifetime: skip what a literal holds.
                    let rest: String = chars.clone().take(3).collect();
                    if rest.starts_with('\\') {
                        chars.nth(2);
                    } else if rest.chars().nth(1) == Some('\'') {
                        chars.nth(1);
                    }
                }
                '"' => {
                    let (start, mut s) = (line, String::new());
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some(e) = chars.next() {
                                    line += usize::from(e == '\n');
                                    s.push(e);
                                }
                            }
                            '"' => break,
                            c => {
                                line += usize::from(c == '\n');
                                s.push(c);
                            }
                        }
                    }
                    out.push((start, s));
                }
                _ => {}
            }
        }
        out
    }

    fn sql_outside(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read the store's sources") {
            let path = entry.expect("a source entry").path();
            if path.is_dir() {
                if path
                    .file_name()
                    .is_some_and(|n| n != "sql" && n != "migrations")
                {
                    sql_outside(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                for (line, lit) in literals(&text) {
                    if SQL_WORDS
                        .iter()
                        .any(|w| lit.trim_start().starts_with(w.trim()) || lit.contains(w))
                    {
                        found.push(format!("{}:{line}: {lit:?}", path.display()));
                    }
                }
            }
        }
    }

    #[test]
    fn no_source_file_outside_sql_holds_sql_text() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        sql_outside(&src, &mut found);
        assert!(
            found.is_empty(),
            "SQL text outside src/sql/:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_check_sees_sql_in_a_literal_and_passes_over_comments_and_tests() {
        let text = "// SELECT in a comment\nlet a = '\"';\nlet q = \"UPDATE t SET a = 1\";\n\
                    let b = \"plain\";\n#[cfg(test)]\nlet t = \"SELECT 1\";";
        let hits: Vec<_> = literals(text)
            .into_iter()
            .filter(|(_, l)| SQL_WORDS.iter().any(|w| l.contains(w.trim())))
            .collect();
        assert_eq!(hits, vec![(3, "UPDATE t SET a = 1".to_string())]);
    }
}
