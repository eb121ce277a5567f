//! Corrections: reverts, merges, aliases moved or forgotten, review decisions undone, the audit.

/// Which transaction rows belong to run `$1`: its own, and rows that runs other than imports
/// (retries, reject files, review decisions) landed later under the identity of one of its failed
/// or held lines. Bare column names: in the subqueries they are the subqueries' own.
pub(crate) const OWNED_BY_RUN: &str = "(run_id = $1 OR (run_id IN (SELECT id FROM import_runs WHERE mode NOT IN ('batch', 'sequential')) \
     AND ((import_key, line) IN (SELECT import_key, line FROM failed_items WHERE run_id = $1) \
       OR (import_key, line) IN (SELECT import_key, line FROM held_lines WHERE run_id = $1))))";

/// The rows a review decision (`$1`, its correction id) landed and that are still decided.
pub(crate) const DECIDED_BY: &str = "(import_key, line) IN (SELECT import_key, line FROM held_lines \
    WHERE correction_id = $1 AND decided_at IS NOT NULL)";

pub(crate) fn item(for_update_of_i: impl std::fmt::Display) -> String {
    format!(
        "SELECT i.id, i.name, m.sku AS merged_sku, i.retired_at IS NOT NULL AS retired \
                 FROM inventory_items i LEFT JOIN inventory_items m ON m.id = i.merged_into \
                 WHERE i.sku = $1{for_update_of_i}"
    )
}

pub(crate) const REFUSE_LIVE_RUNS: &str =
    "SELECT id, status, heartbeat_at, dry_run, rehearsal FROM import_runs WHERE status = 'running'";

pub(crate) const ADD_QUANTITY: &str =
    "UPDATE inventory_items SET quantity = quantity + $2, updated_at = $3 WHERE id = $1";

pub(crate) const AUDIT: &str = "INSERT INTO corrections (kind, operator, created_at, summary, lines, quantity, detail_json) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

pub(crate) fn per_item(cond: impl std::fmt::Display) -> String {
    format!(
        "SELECT t.item_id, i.sku, COUNT(*) AS n, SUM(t.quantity) AS q \
                 FROM (SELECT item_id, quantity FROM transactions WHERE {cond}) t \
                 JOIN inventory_items i ON i.id = t.item_id \
                 GROUP BY t.item_id, i.sku ORDER BY i.sku"
    )
}

pub(crate) fn revert_run_the_run(for_update: impl std::fmt::Display) -> String {
    format!(
        "SELECT source, status, heartbeat_at, reverted_at, dry_run, rehearsal FROM import_runs \
                 WHERE id = $1{for_update}"
    )
}

pub(crate) const REVERT_RUN_RESOLVE_FAILED: &str =
    "UPDATE failed_items SET resolved_at = $2 WHERE run_id = $1 AND resolved_at IS NULL";

pub(crate) fn revert_run_reopen_failed() -> String {
    format!(
        "UPDATE failed_items SET resolved_at = NULL WHERE id IN (SELECT max(id) FROM failed_items \
                 WHERE resolved_at IS NOT NULL AND run_id <> $1 \
                 AND (import_key, line) IN (SELECT import_key, line FROM transactions WHERE {OWNED_BY_RUN}) \
                 GROUP BY import_key, line)"
    )
}

pub(crate) fn revert_run_delete_rows() -> String {
    format!("DELETE FROM transactions WHERE {OWNED_BY_RUN} RETURNING item_id, quantity")
}

pub(crate) const SKU_OF_ITEM: &str = "SELECT sku FROM inventory_items WHERE id = $1";

pub(crate) const REVERT_RUN_DELETE_HELD_LINES: &str = "DELETE FROM held_lines WHERE run_id = $1 \
                 OR (import_key, line) IN (SELECT import_key, line FROM failed_items WHERE run_id = $1)";

pub(crate) const REVERT_RUN_UPDATE_IMPORT_RUNS: &str =
    "UPDATE import_runs SET status = 'reverted', reverted_at = $2 WHERE id = $1";

pub(crate) fn undo_review_the_correction(for_update: impl std::fmt::Display) -> String {
    format!("SELECT kind FROM corrections WHERE id = $1{for_update}")
}

pub(crate) fn undo_review_decided_lines(for_update: impl std::fmt::Display) -> String {
    format!(
        "SELECT id, import_key, line, alias, decision_json FROM held_lines \
                 WHERE correction_id = $1 AND decided_at IS NOT NULL ORDER BY id{for_update}"
    )
}

pub(crate) fn undo_review_delete_rows(cond: impl std::fmt::Display) -> String {
    format!("DELETE FROM transactions WHERE {cond}")
}

pub(crate) const UNDO_REVIEW_DELETE_ITEM_ALIASES: &str = "DELETE FROM item_aliases WHERE alias = $1 AND learned_by = 'operator' \
                     AND item_id = (SELECT id FROM inventory_items WHERE sku = $2)";

pub(crate) const UNDO_REVIEW_UPDATE_HELD_LINES: &str = "UPDATE held_lines SET decided_at = NULL, decision_json = NULL, correction_id = NULL \
                 WHERE correction_id = $1 AND decided_at IS NOT NULL";

pub(crate) const LAST_REVIEW: &str = "SELECT MAX(correction_id) FROM held_lines \
                 WHERE decided_at IS NOT NULL AND correction_id IS NOT NULL";

pub(crate) const ALIASES: &str = "SELECT a.alias, i.sku, a.learned_by, \
                 (SELECT COUNT(*) FROM transactions t WHERE t.alias = a.alias) AS n, \
                 (SELECT SUM(t.quantity) FROM transactions t WHERE t.alias = a.alias) AS q \
                 FROM item_aliases a JOIN inventory_items i ON i.id = a.item_id ORDER BY a.alias";

pub(crate) const ALIASES_2: &str = "SELECT k.supplier, k.part_number, k.sku, k.learned_by, \
                 (SELECT COUNT(*) FROM transactions t WHERE t.alias = k.part_key) AS n, \
                 (SELECT SUM(t.quantity) FROM transactions t WHERE t.alias = k.part_key) AS q \
                 FROM (SELECT p.supplier, p.part_number, i.sku, p.learned_by, \
                       'part' || CAST($1 AS TEXT) || p.supplier || CAST($1 AS TEXT) || p.part_number AS part_key \
                       FROM supplier_parts p JOIN inventory_items i ON i.id = p.item_id) AS k \
                 ORDER BY k.supplier, k.part_number";

pub(crate) const FIND_ALIAS_SELECT_SUPPLIER_PARTS: &str =
    "SELECT item_id FROM supplier_parts WHERE supplier = $1 AND part_number = $2";

pub(crate) const FIND_ALIAS_SELECT_ITEM_ALIASES: &str =
    "SELECT alias FROM item_aliases WHERE alias = $1";

pub(crate) const ALIAS_ITEM_SELECT_SUPPLIER_PARTS: &str = "SELECT p.item_id, i.sku FROM supplier_parts p JOIN inventory_items i ON i.id = p.item_id \
                     WHERE p.supplier = $1 AND p.part_number = $2";

pub(crate) const ALIAS_ITEM_SELECT_ITEM_ALIASES: &str = "SELECT a.item_id, i.sku FROM item_aliases a JOIN inventory_items i ON i.id = a.item_id \
                 WHERE a.alias = $1";

pub(crate) const MOVE_ALIAS_UPDATE_TRANSACTIONS: &str =
    "UPDATE transactions SET item_id = $2 WHERE alias = $1 AND item_id <> $2";

pub(crate) const MOVE_ALIAS_UPDATE_SUPPLIER_PARTS: &str = "UPDATE supplier_parts SET item_id = $3, learned_by = 'operator', \
                         learned_run_id = NULL WHERE supplier = $1 AND part_number = $2";

pub(crate) const MOVE_ALIAS_UPDATE_ITEM_ALIASES: &str =
    "UPDATE item_aliases SET item_id = $2, learned_by = 'operator' WHERE alias = $1";

pub(crate) const MOVE_ALIAS_INSERT_ALIAS_REJECTIONS: &str = "INSERT INTO alias_rejections (alias, item_id, operator, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (alias, item_id) DO NOTHING";

pub(crate) const MOVE_ALIAS_DELETE_ALIAS_REJECTIONS: &str =
    "DELETE FROM alias_rejections WHERE alias = $1 AND item_id = $2";

pub(crate) const FORGET_ALIAS_DELETE_SUPPLIER_PARTS: &str =
    "DELETE FROM supplier_parts WHERE supplier = $1 AND part_number = $2";

pub(crate) const FORGET_ALIAS_DELETE_ITEM_ALIASES: &str =
    "DELETE FROM item_aliases WHERE alias = $1";

pub(crate) const MERGE_ITEMS_QUANTITY_OF: &str =
    "SELECT quantity FROM inventory_items WHERE id = $1";

pub(crate) const MERGE_ITEMS_UPDATE_TRANSACTIONS: &str =
    "UPDATE transactions SET item_id = $2 WHERE item_id = $1";

pub(crate) const MERGE_ITEMS_RETIRE: &str = "UPDATE inventory_items SET quantity = $2, retired_at = $3, merged_into = $4, updated_at = $3 \
                 WHERE id = $1";

pub(crate) const MERGE_ITEMS_RETIRE_2: &str =
    "UPDATE inventory_items SET merged_into = $2 WHERE merged_into = $1";

pub(crate) const MERGE_ITEMS_UPDATE_ITEM_ALIASES: &str =
    "UPDATE item_aliases SET item_id = $2 WHERE item_id = $1";

pub(crate) const MERGE_ITEMS_INSERT_ITEM_ALIASES: &str = "INSERT INTO item_aliases (alias, item_id, learned_by) VALUES ($1, $2, 'operator') \
                     ON CONFLICT (alias) DO NOTHING";

pub(crate) const MERGE_ITEMS_INSERT_ALIAS_REJECTIONS: &str = "INSERT INTO alias_rejections (alias, item_id, operator, created_at) \
                 SELECT alias, $2, operator, created_at FROM alias_rejections WHERE item_id = $1 \
                 ON CONFLICT (alias, item_id) DO NOTHING";

pub(crate) const MERGE_ITEMS_DELETE_ALIAS_REJECTIONS: &str =
    "DELETE FROM alias_rejections WHERE item_id = $1";

pub(crate) const CORRECTIONS: &str = "SELECT id, kind, operator, created_at, summary, lines, quantity, detail_json \
                 FROM corrections ORDER BY id DESC LIMIT $1";

pub(crate) fn failed_by_identity() -> String {
    format!(
        "SELECT {failed_columns}, (SELECT reverted_at FROM import_runs r WHERE r.id = f.run_id) IS NOT NULL AS run_reverted \
                 FROM failed_items f WHERE import_key = $1 AND line = $2 ORDER BY id",
        failed_columns = super::FAILED_COLUMNS
    )
}

pub(crate) fn failed_lines(list: impl std::fmt::Display) -> String {
    format!("SELECT DISTINCT line FROM failed_items WHERE import_key = $1 AND line IN ({list})")
}

pub(crate) const RESOLVE_IDENTITY: &str = "UPDATE failed_items SET resolved_at = $3, attempts = attempts + 1 \
                 WHERE import_key = $1 AND line = $2 AND resolved_at IS NULL";

pub(crate) const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";
