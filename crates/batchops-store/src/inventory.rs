//! The catalog as the console browses it: pages of items by keyset (never an OFFSET, never the
//! whole table), searched in the database, and one item's detail (aliases, supplier part numbers,
//! recent movements). Both backends run the same SQL text; they differ in how a sort key is read
//! and bound (SQLite keeps quantities as integer units and times as text) and in the
//! case-insensitive LIKE.

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The column a page of items is ordered by (then by id, so the order is total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemSort {
    #[default]
    Sku,
    Name,
    Stock,
    LastMovement,
}

impl ItemSort {
    pub const ALL: [ItemSort; 4] = [
        ItemSort::Sku,
        ItemSort::Name,
        ItemSort::Stock,
        ItemSort::LastMovement,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ItemSort::Sku => "SKU",
            ItemSort::Name => "name",
            ItemSort::Stock => "stock",
            ItemSort::LastMovement => "last movement",
        }
    }

    pub fn next(self) -> ItemSort {
        let i = Self::ALL.iter().position(|&s| s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub(crate) fn column(self) -> &'static str {
        match self {
            ItemSort::Sku => "sku",
            ItemSort::Name => "name",
            ItemSort::Stock => "quantity",
            ItemSort::LastMovement => "updated_at",
        }
    }
}

/// A sort column's value as the backend stores it: the keyset compares it with what it bound.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Text(String),
    Units(i64),
    Number(Decimal),
    Time(DateTime<Utc>),
}

/// Where a page starts: the sort value and id of the row it continues from (excluded).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCursor {
    pub key: SortKey,
    pub id: i64,
}

/// A page of items: `limit` rows after (or, `backward`, before) `after`, in the order of `sort`,
/// of the items whose SKU or name contains `search` (case-insensitive; empty: every item).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemQuery {
    pub sort: ItemSort,
    pub descending: bool,
    pub search: String,
    pub after: Option<ItemCursor>,
    pub backward: bool,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    /// When the item's stock last changed (or it was created).
    pub last_movement: DateTime<Utc>,
    /// Merged into another item: kept for history, never matched again.
    pub retired: bool,
    /// Where the next page after this row starts.
    pub cursor: ItemCursor,
}

/// A line that moved an item's stock.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub run_id: i64,
    pub line: i64,
    pub quantity: Decimal,
    pub at: DateTime<Utc>,
    pub source: String,
}

/// One item as the detail shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDetail {
    pub item: ItemRow,
    /// The item this one was merged into (its SKU).
    pub merged_into: Option<String>,
    /// `(alias, learned_by)`, by alias.
    pub aliases: Vec<(String, String)>,
    /// `(supplier, part number)`.
    pub parts: Vec<(String, String)>,
    /// The newest first, at most [`MOVEMENTS`].
    pub movements: Vec<Movement>,
    /// Every line that moved it.
    pub movements_total: u64,
}

/// How many aliases, part numbers and movements the detail reads.
pub const MOVEMENTS: u64 = 50;

#[async_trait]
pub trait Inventory: Send + Sync {
    /// A page of items (see [`ItemQuery`]), in the query's order even when read backward.
    async fn items_page(&self, q: &ItemQuery) -> StoreResult<Vec<ItemRow>>;
    /// How many items match `search` (every item when empty).
    async fn items_count(&self, search: &str) -> StoreResult<u64>;
    /// One item with its aliases, part numbers and recent movements.
    async fn item_detail(&self, id: i64) -> StoreResult<Option<ItemDetail>>;
}

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

/// `%text%` with LIKE's wildcards escaped.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
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

/// `Inventory` for a store type with a `pool`: `$like` its case-insensitive LIKE, `$row` a
/// function decoding an item row (its sort key read the way the backend stores it), `$bind` one
/// binding a [`SortKey`], `$qty` one decoding a quantity column.
macro_rules! inventory_impl {
    ($store:ty, $like:expr, $row:path, $bind:path, $qty:path) => {
        #[async_trait::async_trait]
        impl crate::inventory::Inventory for $store {
            async fn items_page(
                &self,
                q: &crate::inventory::ItemQuery,
            ) -> crate::StoreResult<Vec<crate::inventory::ItemRow>> {
                let sql = crate::inventory::page_sql(q, $like);
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                if !q.search.is_empty() {
                    query = query.bind(crate::inventory::contains_pattern(&q.search));
                }
                if let Some(c) = &q.after {
                    query = $bind(query, &c.key).bind(c.id);
                }
                let rows = query.fetch_all(&self.pool).await?;
                let mut items = rows
                    .iter()
                    .map(|r| $row(r, q.sort))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                if q.backward {
                    items.reverse();
                }
                Ok(items)
            }

            async fn items_count(&self, search: &str) -> crate::StoreResult<u64> {
                let sql = crate::inventory::count_sql(search, $like);
                let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                if !search.is_empty() {
                    query = query.bind(crate::inventory::contains_pattern(search));
                }
                Ok(query.fetch_one(&self.pool).await?.max(0) as u64)
            }

            async fn item_detail(
                &self,
                id: i64,
            ) -> crate::StoreResult<Option<crate::inventory::ItemDetail>> {
                use sqlx::Row;
                let Some(r) = sqlx::query(crate::inventory::DETAIL_ITEM)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let item = $row(&r, crate::inventory::ItemSort::Sku)?;
                let merged_into: Option<String> = r.try_get("merged_into")?;
                let aliases =
                    sqlx::query_as::<_, (String, String)>(crate::inventory::DETAIL_ALIASES)
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await?;
                let parts = sqlx::query_as::<_, (String, String)>(crate::inventory::DETAIL_PARTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                let movements = sqlx::query(crate::inventory::DETAIL_MOVEMENTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|m| {
                        Ok(crate::inventory::Movement {
                            run_id: m.try_get("run_id")?,
                            line: m.try_get("line")?,
                            quantity: $qty(m, "quantity")?,
                            at: m.try_get("created_at")?,
                            source: m.try_get("source")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                let movements_total: i64 =
                    sqlx::query_scalar(crate::inventory::DETAIL_MOVEMENTS_TOTAL)
                        .bind(id)
                        .fetch_one(&self.pool)
                        .await?;
                Ok(Some(crate::inventory::ItemDetail {
                    item,
                    merged_into,
                    aliases,
                    parts,
                    movements,
                    movements_total: movements_total.max(0) as u64,
                }))
            }
        }
    };
}
pub(crate) use inventory_impl;
