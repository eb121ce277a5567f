//! Lines held for review: listing them and recording a decision.

use crate::dialect::Dialect;
use crate::held::{GroupQuery, HeldFilter, HeldKind};

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

/// Where the top candidate sits in `candidates_json` (`{"reason": …, "candidates": […]}`).
const TOP: [&str; 2] = ["candidates", "0"];

fn top(field: &str) -> [&str; 3] {
    [TOP[0], TOP[1], field]
}

/// A page of groups ([`GroupQuery`]): binds $1 the search's `LIKE` pattern (or NULL), $2 the top
/// candidate's SKU (or NULL), $3 and $4 the lines and first id of the group the page follows (or
/// NULL), $5 the limit. Each group is read with its first line (`group_lines`: its lines) and
/// the groups and lines the narrowed list holds in all; why it is held and its band are read from
/// that line's top candidate as [`HeldKind`] says.
pub(crate) fn held_groups<D: Dialect>(q: &GroupQuery) -> String {
    let c = "h.candidates_json";
    let mut narrow = String::new();
    if let Some(why) = q.why {
        let differed = D::json_array_length(c, &top("differed"));
        let one_sided = D::json_array_length(c, &top("one_sided"));
        narrow.push_str(&match why {
            HeldKind::Veto => format!(" AND COALESCE({differed}, 0) > 0"),
            HeldKind::OneSided => {
                format!(" AND COALESCE({differed}, 0) = 0 AND COALESCE({one_sided}, 0) > 0")
            }
            HeldKind::CloseScore => {
                format!(" AND COALESCE({differed}, 0) = 0 AND COALESCE({one_sided}, 0) = 0")
            }
        });
    }
    if let Some(band) = q.band {
        let score = format!("COALESCE({}, 0)", D::json_number(c, &top("score")));
        let (low, high) = band.range();
        if let Some(low) = low {
            narrow.push_str(&format!(" AND {score} >= {low}"));
        }
        if let Some(high) = high {
            narrow.push_str(&format!(" AND {score} < {high}"));
        }
    }
    // The first lines are read for the narrowing only when it needs them, and for the page.
    let narrowing = if narrow.is_empty() && q.top_sku.is_none() {
        " WHERE $2 IS NULL".to_string()
    } else {
        let sku = D::json_text(c, &top("sku"));
        format!(" JOIN held_lines h ON h.id = g.first_id WHERE ($2 IS NULL OR {sku} = $2){narrow}")
    };
    let columns: Vec<String> = HELD_COLUMNS
        .split(',')
        .map(|col| format!("h.{}", col.trim()))
        .collect();
    format!(
        "WITH g AS (SELECT alias, COUNT(*) AS lines, MIN(id) AS first_id FROM held_lines \
           WHERE decided_at IS NULL AND ($1 IS NULL OR LOWER(description) LIKE $1 ESCAPE '\\') \
           GROUP BY alias), \
         f AS (SELECT g.lines, g.first_id, COUNT(*) OVER () AS total_groups, \
             CAST(SUM(g.lines) OVER () AS BIGINT) AS total_lines FROM g{narrowing}), \
         p AS (SELECT * FROM f \
           WHERE $3 IS NULL OR f.lines < $3 OR (f.lines = $3 AND f.first_id > $4) \
           ORDER BY f.lines DESC, f.first_id ASC LIMIT $5) \
         SELECT p.lines AS group_lines, p.total_groups, p.total_lines, {} \
         FROM p JOIN held_lines h ON h.id = p.first_id ORDER BY p.lines DESC, p.first_id ASC",
        columns.join(", ")
    )
}

/// The runs of the open held lines of some groups: binds $1 the groups' alias keys (a JSON
/// array), $2 the search's pattern (or NULL) as [`held_groups`].
pub(crate) fn group_runs<D: Dialect>() -> String {
    format!(
        "SELECT DISTINCT alias, run_id FROM held_lines WHERE decided_at IS NULL AND {} \
         AND ($2 IS NULL OR LOWER(description) LIKE $2 ESCAPE '\\') ORDER BY alias, run_id",
        D::in_json_strings("alias", "$1")
    )
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
