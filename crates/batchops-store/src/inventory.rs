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

pub(crate) const DETAIL_ITEM: &str = crate::sql::inventory::DETAIL_ITEM;
pub(crate) const DETAIL_ALIASES: &str = crate::sql::inventory::DETAIL_ALIASES;
pub(crate) const DETAIL_PARTS: &str = crate::sql::inventory::DETAIL_PARTS;
pub(crate) const DETAIL_MOVEMENTS: &str = crate::sql::inventory::DETAIL_MOVEMENTS;
pub(crate) const DETAIL_MOVEMENTS_TOTAL: &str = crate::sql::inventory::DETAIL_MOVEMENTS_TOTAL;

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
                let sql = crate::sql::inventory::page_sql(q, $like);
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
                let sql = crate::sql::inventory::count_sql(search, $like);
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
