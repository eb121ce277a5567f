//! The inventory browser: a keyset page of items, their count, one item's detail.

use crate::inventory::ItemQuery;

pub(crate) const ITEM_COLUMNS: &str =
    "id, sku, name, quantity, updated_at, retired_at IS NOT NULL AS retired";

/// The page statement: `$1` the search pattern (when searching), then the cursor's key and id.
/// `like` is the backend's case-insensitive LIKE.
pub(crate) fn page_sql(q: &ItemQuery, like: &str) -> String {
    let col = q.sort.column();
    // Reading backward walks the other way and the caller reverses the rows.
    let down = q.descending != q.backward;
    let (cmp, dir) = if down { ("<", "DESC") } else { (">", "ASC") };
    let mut conds = Vec::new();
    let mut n = 0;
    if !q.search.is_empty() {
        n += 1;
        conds.push(format!(
            "(sku {like} ${n} ESCAPE '\\' OR name {like} ${n} ESCAPE '\\')"
        ));
    }
    if q.after.is_some() {
        conds.push(format!("({col}, id) {cmp} (${}, ${})", n + 1, n + 2));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    format!(
        "SELECT {ITEM_COLUMNS} FROM inventory_items{filter} ORDER BY {col} {dir}, id {dir} LIMIT {}",
        q.limit.clamp(1, 10_000)
    )
}

pub(crate) fn count_sql(search: &str, like: &str) -> String {
    if search.is_empty() {
        "SELECT COUNT(*) FROM inventory_items".into()
    } else {
        format!(
            "SELECT COUNT(*) FROM inventory_items WHERE sku {like} $1 ESCAPE '\\' OR name {like} $1 ESCAPE '\\'"
        )
    }
}

pub(crate) const DETAIL_ITEM: &str = "SELECT i.id, i.sku, i.name, i.quantity, i.updated_at, \
    i.retired_at IS NOT NULL AS retired, m.sku AS merged_into \
    FROM inventory_items i LEFT JOIN inventory_items m ON m.id = i.merged_into WHERE i.id = $1";

pub(crate) const DETAIL_ALIASES: &str =
    "SELECT alias, learned_by FROM item_aliases WHERE item_id = $1 ORDER BY alias LIMIT 50";

pub(crate) const DETAIL_PARTS: &str = "SELECT supplier, part_number FROM supplier_parts \
    WHERE item_id = $1 ORDER BY supplier, part_number LIMIT 50";

pub(crate) const DETAIL_MOVEMENTS: &str = "SELECT t.run_id, t.line, t.quantity, t.created_at, r.source \
    FROM transactions t JOIN import_runs r ON r.id = t.run_id \
    WHERE t.item_id = $1 ORDER BY t.id DESC LIMIT 50";

pub(crate) const DETAIL_MOVEMENTS_TOTAL: &str =
    "SELECT COUNT(*) FROM transactions WHERE item_id = $1";
