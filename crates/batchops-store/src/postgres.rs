//! PostgreSQL: NUMERIC(18,4) end to end, one transaction per chunk, arrays through `UNNEST` so a
//! chunk of any size is one statement per step with a fixed, cached statement text.

use super::dialect::Pg;
use super::item_ids::{self, IdCache};
use super::rows::{InventoryRow, fields_to_json};
use super::write_one::OneLineSql;
use super::{
    Backend, FailureRecord, Isolated, OpenOptions, RunCtx, Store, StoreError, StoreResult,
    WriteBatch, WriteOutcome, redact_secrets, redact_url,
};
use crate::item_ids::HashMap;
use crate::mapping::{HeldLine, MappedLine};
use async_trait::async_trait;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Postgres, Row, Transaction};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

super::bookkeeping::bookkeeping!(PgStore, super::dialect::Pg);
super::held::held_queries!(sqlx::Postgres, super::numeric);
super::write_one::write_one!(sqlx::Postgres, numeric, no_nul);

/// One line's statements (the sequential write), in PostgreSQL's dialect.
static ONE_LINE: LazyLock<OneLineSql> = LazyLock::new(OneLineSql::of::<Pg>);

/// PostgreSQL binds decimals as they are (NUMERIC).
fn numeric(value: Decimal) -> StoreResult<Decimal> {
    Ok(value)
}

pub struct PgStore {
    pool: PgPool,
    /// The chunk writes' own pool: its connections are not pinged before each use (a round trip
    /// per chunk); a connection that died fails the write, which is retried on a new one.
    writes: PgPool,
    connect: PgConnectOptions,
    url: String,
    ids: IdCache,
    /// Where the catalog is kept between runs ([`crate::catalog_cache`]).
    cache: Option<crate::CatalogCache>,
}

/// A chunk's whole write in one call (`batchops_write_chunk`): one statement, its own
/// transaction, one round trip. The run id goes through `batchops_as_run`, which names the run
/// that creates items and learns aliases.
const WRITE_CHUNK: &str = crate::sql::postgres::WRITE_CHUNK;

/// Held lines; a line held before under its (import_key, line) keeps its first record.
const INSERT_HELD: &str = crate::sql::postgres::INSERT_HELD;

const INSERT_FAILURES: &str = crate::sql::postgres::INSERT_FAILURES;

/// Chunks a run writes at once (each its own transaction on its own connection): the next chunk
/// travels and is written while the one before commits.
const WRITE_LANES: usize = 2;

/// The failed lines as the columns `failed_items` stores (NUL, which PostgreSQL text refuses,
/// written as `\0`).
struct FailureColumns {
    lines: Vec<i64>,
    raw: Vec<String>,
    fields: Vec<String>,
    phases: Vec<String>,
    errors: Vec<String>,
    sqlstates: Vec<Option<String>>,
    decisions: Vec<Option<String>>,
}

impl FailureColumns {
    fn of(failures: &[FailureRecord]) -> Self {
        Self {
            lines: failures.iter().map(|f| f.line as i64).collect(),
            raw: failures.iter().map(|f| no_nul(&f.raw)).collect(),
            fields: failures.iter().map(|f| fields_to_json(&f.fields)).collect(),
            phases: failures
                .iter()
                .map(|f| f.phase.as_str().to_string())
                .collect(),
            errors: failures
                .iter()
                .map(|f| f.error.replace('\0', "\\0"))
                .collect(),
            sqlstates: failures.iter().map(|f| f.sqlstate.clone()).collect(),
            // The decision names the SKU, which can hold a NUL.
            decisions: failures
                .iter()
                .map(|f| f.decision.as_deref().map(no_nul))
                .collect(),
        }
    }
}

/// What one `batchops_write_chunk` call did.
struct ChunkWritten {
    outcome: WriteOutcome,
    /// Refused rows (isolating only): index into the rows, and the database's error.
    refused: Vec<(usize, StoreError)>,
}

impl PgStore {
    /// Write a chunk with one `batchops_write_chunk` call: as a statement of its own (its own
    /// transaction) or, for a dry run, inside a transaction that is rolled back. With `isolate`,
    /// the rows are written by the bisection inside the database and the refused ones come back.
    async fn write_chunk(&self, b: &WriteBatch<'_>, isolate: bool) -> StoreResult<ChunkWritten> {
        let start = Instant::now();
        let (ids, missing) = self.ids.resolve(b.rows);
        // Rows name a known item by id, a new one by -(its 1-based position in `missing`).
        let new_pos: HashMap<&str, i64> = missing
            .iter()
            .enumerate()
            .map(|(k, (sku, _))| (&**sku, -(k as i64 + 1)))
            .collect();
        let item_of = |sku: &str| -> StoreResult<i64> {
            match ids.get(sku) {
                Some(id) => Ok(*id),
                None => new_pos.get(sku).copied().ok_or_else(|| {
                    StoreError::config(format!("internal: item {sku} neither known nor new"))
                }),
            }
        };
        let items = b
            .rows
            .iter()
            .map(|r| item_of(&r.sku))
            .collect::<StoreResult<Vec<i64>>>()?;
        let aliases = item_ids::learned_aliases_by(b.rows);
        let alias_items = aliases
            .iter()
            .map(|(_, sku)| item_of(sku))
            .collect::<StoreResult<Vec<i64>>>()?;
        let f = FailureColumns::of(b.failures);
        let query = sqlx::query(WRITE_CHUNK)
            .bind(b.ctx.run_id)
            .bind(b.ctx.import_key)
            .bind(b.ctx.operator)
            .bind(missing.iter().map(|(s, _)| &**s).collect::<Vec<&str>>())
            .bind(missing.iter().map(|(_, n)| &**n).collect::<Vec<&str>>())
            .bind(aliases.iter().map(|(a, _)| no_nul(a)).collect::<Vec<_>>())
            .bind(alias_items)
            .bind(b.rows.iter().map(|r| r.line as i64).collect::<Vec<_>>())
            .bind(items)
            .bind(b.rows.iter().map(|r| r.quantity).collect::<Vec<Decimal>>())
            .bind(b.rows.iter().map(|r| r.unit_cost).collect::<Vec<Decimal>>())
            .bind(f.lines)
            .bind(f.raw)
            .bind(f.fields)
            .bind(f.phases)
            .bind(f.errors)
            .bind(f.sqlstates)
            .bind(f.decisions)
            .bind(isolate)
            .bind(
                b.rows
                    .iter()
                    .map(|r| r.alias.as_deref().map(no_nul))
                    .collect::<Vec<_>>(),
            );
        let h = HeldColumns::of(b.held);
        let query = query
            .bind(h.lines)
            .bind(h.descriptions)
            .bind(h.aliases)
            .bind(h.quantities)
            .bind(h.costs)
            .bind(h.raw)
            .bind(h.fields)
            .bind(h.candidates)
            .bind(
                b.rows
                    .iter()
                    .map(|r| r.fingerprint.map(|f| f.fingerprint))
                    .collect::<Vec<_>>(),
            )
            .bind(
                b.rows
                    .iter()
                    .map(|r| r.fingerprint.map(|f| f.line_key))
                    .collect::<Vec<_>>(),
            );
        // A crash here leaves the chunk unwritten; the chunk has no moment between its insert and
        // its commit on this side of the wire (see crates/batchops-core/src/failpoint.rs).
        crate::failpoint::hit("batch_after_insert");
        // Part numbers the rows taught are stored in the chunk's transaction, after the function
        // created the items they name.
        let parts = item_ids::learned_parts(b.rows);
        let mut tx = if b.rollback || !parts.is_empty() {
            Some(self.writes.begin().await?)
        } else {
            crate::failpoint::hit("batch_before_commit");
            None
        };
        let row = match tx.as_mut() {
            Some(tx) => query.fetch_one(&mut **tx).await?,
            None => query.fetch_one(&self.writes).await?,
        };
        let created_skus: Vec<String> = row.try_get(0)?;
        let created_ids: Vec<i64> = row.try_get(1)?;
        let inserted: i64 = row.try_get(2)?;
        let statements: i32 = row.try_get(3)?;
        // The inventory update's seconds; none when nothing was left to update (the chunk's
        // rows all went to items it created, which start at their rows' sum).
        let update_seconds: Option<f64> = row.try_get(5)?;
        let bad_idx: Vec<i32> = row.try_get(6)?;
        let bad_states: Vec<Option<String>> = row.try_get(7)?;
        let bad_messages: Vec<Option<String>> = row.try_get(8)?;
        let by_sku: HashMap<&str, &Arc<str>> = missing.iter().map(|(s, _)| (&**s, s)).collect();
        let created = created_skus
            .into_iter()
            .zip(created_ids)
            .map(|(sku, id)| {
                let sku = by_sku
                    .get(sku.as_str())
                    .map(|s| (*s).clone())
                    .unwrap_or_else(|| sku.into());
                (sku, id)
            })
            .collect::<Vec<_>>();
        let mut refused = Vec::with_capacity(bad_idx.len());
        for ((idx, state), message) in bad_idx.into_iter().zip(bad_states).zip(bad_messages) {
            let i = usize::try_from(idx)
                .ok()
                .and_then(|i| i.checked_sub(1))
                .filter(|i| *i < b.rows.len())
                .ok_or_else(|| {
                    StoreError::config(format!(
                        "internal: isolation named row {idx} of {}",
                        b.rows.len()
                    ))
                })?;
            refused.push((i, StoreError::refused(message.unwrap_or_default(), state)));
        }
        if let Some(mut tx) = tx.take() {
            let refused_rows: std::collections::HashSet<usize> =
                refused.iter().map(|(i, _)| *i).collect();
            let mut suppliers = Vec::new();
            let mut numbers = Vec::new();
            let mut part_items = Vec::new();
            let created_ids: HashMap<Arc<str>, i64> = created.iter().cloned().collect();
            for (i, supplier, number, sku) in &parts {
                if refused_rows.contains(i) {
                    continue;
                }
                let id = match ids.get(sku) {
                    Some(id) => *id,
                    None => item_ids::item_id(&created_ids, sku)?,
                };
                suppliers.push(no_nul(supplier));
                numbers.push(no_nul(number));
                part_items.push(id);
            }
            if !suppliers.is_empty() {
                sqlx::query(crate::sql::postgres::WRITE_CHUNK_2)
                    .bind(suppliers)
                    .bind(numbers)
                    .bind(part_items)
                    .bind(b.ctx.run_id)
                    .execute(&mut *tx)
                    .await?;
            }
            crate::failpoint::hit("batch_before_commit");
            if b.rollback {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
        }
        crate::failpoint::hit("batch_after_commit");
        let elapsed = start.elapsed().as_secs_f64();
        let inserted = inserted.max(0) as u64;
        let landed = (b.rows.len() - refused.len()) as u64;
        let outcome = WriteOutcome {
            inserted,
            already: landed - inserted.min(landed),
            items_created: created.len() as u64,
            // Of the function's statements, one is the inventory update when it ran.
            insert_statements: (statements.max(0) as u64)
                .saturating_sub(u64::from(update_seconds.is_some())),
            insert_seconds: (elapsed - update_seconds.unwrap_or(0.0)).max(0.0),
            update_statements: u64::from(update_seconds.is_some()),
            update_seconds: update_seconds.unwrap_or(0.0).min(elapsed),
        };
        if !b.rollback {
            self.ids.extend(created);
        }
        Ok(ChunkWritten { outcome, refused })
    }

    pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Self> {
        let connect = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::config(format!(
                "{}: {}",
                redact_url(url),
                redact_secrets(&e.to_string())
            ))
        })?;
        Self::connect(connect, redact_url(url), opts).await
    }

    async fn connect(
        connect: PgConnectOptions,
        url: String,
        opts: &OpenOptions,
    ) -> StoreResult<Self> {
        let connect = crate::slow_statements_at_info(connect);
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect.clone())
            .await
            .map_err(|e| StoreError::from(e).context(&format!("connect to {url}")))?;
        sqlx::migrate!("src/migrations/postgres").run(&pool).await?;
        crate::functions::apply(&pool)
            .await
            .map_err(|e| e.context(&format!("the functions of {url}")))?;
        let writes = PgPoolOptions::new()
            .max_connections(WRITE_LANES as u32 + 1)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .connect_lazy_with(connect.clone());
        Ok(Self {
            pool,
            writes,
            connect,
            url,
            ids: IdCache::default(),
            cache: opts.catalog_cache.clone(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn finish(tx: Transaction<'static, Postgres>, rollback: bool) -> StoreResult<()> {
        if rollback {
            tx.rollback().await?
        } else {
            tx.commit().await?
        }
        Ok(())
    }
}

/// A schema name made only of safe characters (it is formatted into DDL, never bound).
fn scratch_schema(name: &str) -> String {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    format!("batchops_{safe}")
}

async fn drop_scratch_schema(pool: &PgPool, name: &str) -> StoreResult<()> {
    let schema = scratch_schema(name);
    sqlx::query(AssertSqlSafe(crate::sql::postgres::drop_scratch_schema(
        &schema,
    )))
    .execute(pool)
    .await?;
    Ok(())
}

/// PostgreSQL text cannot hold NUL: stored as `\0`, as in the dead-letter table.
fn no_nul(s: &str) -> String {
    s.replace('\0', "\\0")
}

/// The held lines as the columns `held_lines` stores.
struct HeldColumns {
    lines: Vec<i64>,
    descriptions: Vec<String>,
    aliases: Vec<String>,
    quantities: Vec<Decimal>,
    costs: Vec<Decimal>,
    raw: Vec<String>,
    fields: Vec<String>,
    candidates: Vec<String>,
}

impl HeldColumns {
    fn of(held: &[HeldLine]) -> Self {
        Self {
            lines: held.iter().map(|h| h.item.line as i64).collect(),
            descriptions: held.iter().map(|h| no_nul(&h.item.description)).collect(),
            aliases: held.iter().map(|h| no_nul(&h.alias)).collect(),
            quantities: held.iter().map(|h| h.item.quantity).collect(),
            costs: held.iter().map(|h| h.item.unit_price).collect(),
            raw: held.iter().map(|h| no_nul(&h.item.raw)).collect(),
            fields: held
                .iter()
                .map(|h| fields_to_json(&h.item.fields))
                .collect(),
            candidates: held
                .iter()
                .map(|h| no_nul(&item_ids::candidates_json(h)))
                .collect(),
        }
    }
}

async fn insert_held(
    tx: &mut Transaction<'static, Postgres>,
    ctx: RunCtx<'_>,
    held: &[HeldLine],
) -> StoreResult<u64> {
    if held.is_empty() {
        return Ok(0);
    }
    let h = HeldColumns::of(held);
    sqlx::query(INSERT_HELD)
        .bind(ctx.run_id)
        .bind(ctx.import_key)
        .bind(ctx.operator)
        .bind(h.lines)
        .bind(h.descriptions)
        .bind(h.aliases)
        .bind(h.quantities)
        .bind(h.costs)
        .bind(h.raw)
        .bind(h.fields)
        .bind(h.candidates)
        .execute(&mut **tx)
        .await?;
    Ok(1)
}

async fn insert_failures(
    tx: &mut Transaction<'static, Postgres>,
    ctx: RunCtx<'_>,
    failures: &[FailureRecord],
) -> StoreResult<()> {
    let f = FailureColumns::of(failures);
    sqlx::query(INSERT_FAILURES)
        .bind(ctx.run_id)
        .bind(ctx.import_key)
        .bind(f.lines)
        .bind(f.raw)
        .bind(f.fields)
        .bind(f.phases)
        .bind(f.errors)
        .bind(f.sqlstates)
        .bind(f.decisions)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn bookkeeping(&self) -> &dyn super::Bookkeeping {
        self
    }

    fn redacted_url(&self) -> &str {
        &self.url
    }

    async fn write_batch(&self, b: &WriteBatch<'_>) -> StoreResult<WriteOutcome> {
        Ok(self.write_chunk(b, false).await?.outcome)
    }

    async fn write_isolating(&self, b: &WriteBatch<'_>) -> StoreResult<Isolated> {
        let written = self.write_chunk(b, true).await?;
        crate::failpoint::hit("fallback_part");
        Ok(Isolated {
            outcome: written.outcome,
            failed: written.refused,
        })
    }

    fn write_lanes(&self) -> usize {
        WRITE_LANES
    }

    async fn write_one(
        &self,
        ctx: RunCtx<'_>,
        row: &MappedLine,
        rollback: bool,
    ) -> StoreResult<WriteOutcome> {
        let mut out = WriteOutcome::default();
        let mut tx = self.pool.begin().await?;
        let item_id = write_one_sql::write_one_in(&ONE_LINE, &mut tx, ctx, row, &mut out).await?;
        let start = Instant::now();
        Self::finish(tx, rollback).await?;
        out.update_seconds += start.elapsed().as_secs_f64();
        if !rollback {
            self.ids.extend([(row.sku.clone(), item_id)]);
        }
        Ok(out)
    }

    async fn record_held(&self, ctx: RunCtx<'_>, held: &[HeldLine]) -> StoreResult<u64> {
        if held.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let n = insert_held(&mut tx, ctx, held).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn record_failures(
        &self,
        ctx: RunCtx<'_>,
        failures: &[FailureRecord],
    ) -> StoreResult<u64> {
        if failures.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        insert_failures(&mut tx, ctx, failures).await?;
        tx.commit().await?;
        Ok(1)
    }

    async fn imported_lines(&self, import_key: &str, lines: &[u64]) -> StoreResult<Vec<u64>> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let lines: Vec<i64> = lines.iter().map(|l| *l as i64).collect();
        let found: Vec<i64> = sqlx::query_scalar(crate::sql::postgres::IMPORTED_LINES)
            .bind(import_key)
            .bind(&lines)
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().map(|l| l as u64).collect())
    }

    async fn line_states(
        &self,
        import_key: &str,
    ) -> StoreResult<crate::domain::line_state::LineStates> {
        let import_no: Option<i32> = sqlx::query_scalar(super::sql::postgres::IMPORT_NO)
            .bind(import_key)
            .fetch_optional(&self.pool)
            .await?;
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(super::sql::line_states(
            super::sql::postgres::ROWS_OF_KEY,
        )))
        .bind(import_key)
        .bind(import_no)
        .fetch_all(&self.pool)
        .await?;
        Ok(super::known_lines(rows))
    }

    async fn inventory(&self) -> StoreResult<Vec<InventoryRow>> {
        let rows = sqlx::query(crate::sql::postgres::INVENTORY)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(InventoryRow {
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    quantity: r.try_get::<Decimal, _>("quantity")?.normalize(),
                })
            })
            .collect()
    }

    async fn copy_catalog_from(
        &self,
        catalog: &[(String, String, Decimal)],
        aliases: &[(String, String)],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(crate::sql::postgres::COPY_CATALOG_ITEMS)
            .bind(catalog.iter().map(|c| c.0.clone()).collect::<Vec<_>>())
            .bind(catalog.iter().map(|c| c.1.clone()).collect::<Vec<_>>())
            .bind(catalog.iter().map(|c| c.2).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        sqlx::query(crate::sql::postgres::COPY_CATALOG_ALIASES)
            .bind(aliases.iter().map(|a| a.0.clone()).collect::<Vec<_>>())
            .bind(aliases.iter().map(|a| a.1.clone()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn export_catalog(
        &self,
    ) -> StoreResult<(Vec<(String, String, Decimal)>, Vec<(String, String)>)> {
        let items = self
            .inventory()
            .await?
            .into_iter()
            .map(|r| (r.sku, r.name, r.quantity))
            .collect();
        Ok((items, self.aliases().await?))
    }

    async fn open_scratch(&self, name: &str) -> StoreResult<Arc<dyn Store>> {
        let schema = scratch_schema(name);
        self.drop_scratch(name).await?;
        sqlx::query(AssertSqlSafe(crate::sql::postgres::open_scratch(&schema)))
            .execute(&self.pool)
            .await?;
        let connect = self
            .connect
            .clone()
            .options([("search_path", schema.as_str())]);
        let url = format!("{} (schema {schema})", self.url);
        Ok(Arc::new(
            PgStore::connect(connect, url, &OpenOptions::default()).await?,
        ))
    }

    async fn drop_scratch(&self, name: &str) -> StoreResult<()> {
        drop_scratch_schema(&self.pool, name).await
    }

    fn drop_scratch_now(&self, name: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (pool, name) = (self.pool.clone(), name.to_string());
        runtime.spawn(async move {
            if let Err(e) = drop_scratch_schema(&pool, &name).await {
                tracing::warn!(error = %e, "could not remove a rehearsal's scratch schema");
            }
        });
    }

    fn corrections(&self) -> &dyn super::corrections::Corrections {
        self
    }

    async fn try_lock(
        &self,
        wanted: &[super::locks::Wanted],
        who: &super::locks::Who,
    ) -> StoreResult<super::locks::Acquired> {
        super::locks::pg_try_lock(&self.connect, wanted, who).await
    }

    fn overlaps(&self) -> &dyn super::overlap::Overlaps {
        self
    }

    fn items(&self) -> &dyn super::inventory::Inventory {
        self
    }

    async fn close(&self) {
        self.writes.close().await;
        self.pool.close().await;
    }
}

/// An `inventory_items` row with its sort key.
fn inventory_row(
    r: &sqlx::postgres::PgRow,
    sort: super::inventory::ItemSort,
) -> Result<super::inventory::ItemRow, sqlx::Error> {
    use super::inventory::{ItemCursor, ItemRow, ItemSort, SortKey};
    let id: i64 = r.try_get("id")?;
    let sku: String = r.try_get("sku")?;
    let name: String = r.try_get("name")?;
    let quantity: Decimal = r.try_get("quantity")?;
    let last_movement: chrono::DateTime<chrono::Utc> = r.try_get("updated_at")?;
    let key = match sort {
        ItemSort::Sku => SortKey::Text(sku.clone()),
        ItemSort::Name => SortKey::Text(name.clone()),
        ItemSort::Stock => SortKey::Number(quantity),
        ItemSort::LastMovement => SortKey::Time(last_movement),
    };
    Ok(ItemRow {
        id,
        sku,
        name,
        quantity: quantity.normalize(),
        last_movement,
        retired: r.try_get("retired")?,
        cursor: ItemCursor { key, id },
    })
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

fn bind_sort_key<'q>(q: PgQuery<'q>, key: &super::inventory::SortKey) -> PgQuery<'q> {
    use super::inventory::SortKey;
    match key {
        SortKey::Text(s) => q.bind(s.clone()),
        SortKey::Units(u) => q.bind(crate::domain::decimal::from_units(*u)),
        SortKey::Number(d) => q.bind(*d),
        SortKey::Time(t) => q.bind(*t),
    }
}

fn numeric_column(r: &sqlx::postgres::PgRow, col: &str) -> Result<Decimal, sqlx::Error> {
    Ok(r.try_get::<Decimal, _>(col)?.normalize())
}

super::inventory::inventory_impl!(
    PgStore,
    "ILIKE",
    inventory_row,
    bind_sort_key,
    numeric_column
);
