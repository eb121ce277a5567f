//! Lines held for review: listing them and recording a decision.

use crate::held::HeldFilter;

pub(crate) const HELD_COLUMNS: &str = "id, run_id, import_key, line, description, alias, raw_record, \
    fields_json, candidates_json, operator, decision_json, correction_id";

/// The held lines a filter lists, in the order the review shows them (`$1`: the filter's value).
pub(crate) fn held(filter: &HeldFilter) -> String {
    let tail = match filter {
        HeldFilter::Open => "WHERE decided_at IS NULL ORDER BY alias, id",
        HeldFilter::All => "ORDER BY id",
        HeldFilter::Id(_) => "WHERE id = $1",
        HeldFilter::OpenMatching(_) => {
            "WHERE decided_at IS NULL AND LOWER(description) LIKE $1 ESCAPE '\\' ORDER BY alias, id"
        }
        HeldFilter::Decision(_) => {
            "WHERE correction_id = $1 AND decided_at IS NOT NULL ORDER BY id"
        }
        HeldFilter::OpenAlias(_) => "WHERE alias = $1 AND decided_at IS NULL ORDER BY id",
    };
    format!("SELECT {HELD_COLUMNS} FROM held_lines {tail}")
}

pub(crate) const FINISH_REVIEW_INSERT_CORRECTIONS: &str = "INSERT INTO corrections (kind, operator, summary, lines, quantity, detail_json) \
                     VALUES ('review', $1, $2, $3, $4, $5) RETURNING id";

pub(crate) const FINISH_REVIEW_UPDATE_HELD_LINES: &str = "UPDATE held_lines SET decided_at = $2, decision_json = $3, correction_id = $4 \
                             WHERE id = $1 AND decided_at IS NULL";

pub(crate) const FINISH_REVIEW_INSERT_ITEM_ALIASES: &str = "INSERT INTO item_aliases (alias, item_id, learned_by, learned_run_id) \
                         SELECT $1, id, 'operator', NULL FROM inventory_items WHERE sku = $2 \
                         ON CONFLICT (alias) DO UPDATE SET item_id = excluded.item_id, \
                         learned_by = 'operator', learned_run_id = NULL";

pub(crate) const FINISH_REVIEW_INSERT_ALIAS_REJECTIONS: &str = "INSERT INTO alias_rejections (alias, item_id, operator) \
                         SELECT $1, id, $3 FROM inventory_items WHERE sku = $2 \
                         ON CONFLICT (alias, item_id) DO NOTHING";

pub(crate) const FINISH_REVIEW_DELETE_ITEM_ALIASES: &str = "DELETE FROM item_aliases WHERE alias = $1 \
                         AND item_id = (SELECT id FROM inventory_items WHERE sku = $2)";

pub(crate) const REHOLD: &str =
    "UPDATE held_lines SET candidates_json = $2 WHERE id = $1 AND decided_at IS NULL";
