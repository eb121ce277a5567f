//! PostgreSQL: NUMERIC(18,4) end to end, one transaction per chunk, arrays through `UNNEST` so a
//! chunk of any size is one statement per step with a fixed, cached statement text.

use super::plan::{self, IdCache};
use super::rows::{FailedQuery, FailedRow, InventoryRow, RunRow, fields_to_json};
use super::sql;
use super::{
    Backend, FailureRecord, Isolated, NewRun, OpenOptions, RunCtx, Store, StoreError, StoreResult,
    WriteBatch, WriteOutcome, redact_url,
};
use crate::domain::{Fields, Phase, RunReport};
use crate::mapping::{Catalog, HeldLine, MappedLine};
use async_trait::async_trait;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Postgres, Row, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

super::shared::bookkeeping!(sqlx::Postgres);
super::held::held_queries!(sqlx::Postgres, super::numeric);

/// PostgreSQL binds decimals as they are (NUMERIC).
fn numeric(value: Decimal) -> StoreResult<Decimal> {
    Ok(value)
}

pub struct PgStore {
    pool: PgPool,
    connect: PgConnectOptions,
    url: String,
    ids: IdCache,
}

const UPSERT_ITEMS: &str = "INSERT INTO inventory_items (sku, name) \
    SELECT * FROM unnest($1::text[], $2::text[]) \
    ON CONFLICT (sku) DO UPDATE SET sku = EXCLUDED.sku RETURNING id, sku";

const INSERT_ALIASES: &str = "INSERT INTO item_aliases (alias, item_id, learned_by) \
    SELECT a.alias, a.item_id, 'auto' FROM unnest($1::text[], $2::bigint[]) AS a(alias, item_id) \
    ON CONFLICT (alias) DO NOTHING";

const INSERT_ROWS: &str = "INSERT INTO transactions (run_id, import_key, operator, line, item_id, quantity, unit_cost, alias) \
    SELECT $1, $2, $3, t.line, t.item_id, t.quantity, t.unit_cost, t.alias \
    FROM unnest($4::bigint[], $5::bigint[], $6::numeric[], $7::numeric[], $8::text[]) AS t(line, item_id, quantity, unit_cost, alias) \
    ON CONFLICT (import_key, line) DO NOTHING RETURNING line";

/// Held lines; a line held before under its (import_key, line) keeps its first record.
const INSERT_HELD: &str = "INSERT INTO held_lines \
    (run_id, import_key, operator, line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json) \
    SELECT $1, $2, $3, h.* FROM unnest($4::bigint[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::text[], $10::text[], $11::text[]) \
      AS h(line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json) \
    ON CONFLICT (import_key, line) DO NOTHING";

/// The alias each isolated row was mapped through (the isolating function writes the rows
/// without it).
const SET_ROW_ALIASES: &str = "UPDATE transactions AS t SET alias = a.alias \
    FROM unnest($2::bigint[], $3::text[]) AS a(line, alias) WHERE t.import_key = $1 AND t.line = a.line";

/// The rows of one part of a chunk being isolated by bisection.
/// Deltas come sorted by item id, so concurrent chunks lock items in the same order.
const INSERT_ISOLATING: &str = "SELECT idx, ok, sqlstate, message, statements \
    FROM batchops_insert_isolating($1, $2, $3, $4::bigint[], $5::bigint[], $6::numeric[], $7::numeric[])";

const APPLY_DELTAS: &str = "UPDATE inventory_items AS i SET quantity = i.quantity + d.delta, updated_at = now() \
    FROM unnest($1::bigint[], $2::numeric[]) AS d(id, delta) WHERE i.id = d.id";

const INSERT_FAILURES: &str = "INSERT INTO failed_items \
    (run_id, import_key, line, raw_record, fields_json, phase, error, sqlstate, decision) \
    SELECT $1, $2, f.* FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
      AS f(line, raw_record, fields_json, phase, error, sqlstate, decision) \
    ON CONFLICT (run_id, line) DO UPDATE SET raw_record = EXCLUDED.raw_record, \
      fields_json = EXCLUDED.fields_json, phase = EXCLUDED.phase, error = EXCLUDED.error, \
      sqlstate = EXCLUDED.sqlstate, decision = EXCLUDED.decision, resolved_at = NULL";

impl PgStore {
    /// The rows' item ids: known ones from the cache, missing items created (one statement) and
    /// learned aliases stored (one statement). Returns the ids and the items created.
    async fn items_for(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        rows: &[MappedLine],
        out: &mut WriteOutcome,
    ) -> StoreResult<(plan::ItemIds, Vec<(Arc<str>, i64)>)> {
        let (mut ids, missing) = self.ids.resolve(rows);
        let mut created = Vec::new();
        if !missing.is_empty() {
            created = upsert_items(tx, &missing).await?;
            out.items_created = created.len() as u64;
            out.insert_statements += 1;
            ids.extend(created.iter().cloned());
        }
        let aliases = plan::learned_aliases(rows, &ids);
        if !aliases.is_empty() {
            sqlx::query(INSERT_ALIASES)
                .bind(aliases.iter().map(|(a, _)| &**a).collect::<Vec<&str>>())
                .bind(aliases.iter().map(|(_, id)| *id).collect::<Vec<_>>())
                .execute(&mut **tx)
                .await?;
            out.insert_statements += 1;
        }
        Ok((ids, created))
    }

    pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Self> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::config(format!("{}: {e}", redact_url(url))))?;
        Self::connect(connect, redact_url(url), opts).await
    }

    async fn connect(
        connect: PgConnectOptions,
        url: String,
        opts: &OpenOptions,
    ) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect.clone())
            .await
            .map_err(|e| StoreError::from(e).context(&format!("connect to {url}")))?;
        sqlx::migrate!("src/store/migrations/postgres")
            .run(&pool)
            .await?;
        Ok(Self {
            pool,
            connect,
            url,
            ids: IdCache::default(),
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

async fn upsert_items(
    tx: &mut Transaction<'static, Postgres>,
    missing: &[(Arc<str>, Arc<str>)],
) -> StoreResult<Vec<(Arc<str>, i64)>> {
    let skus: Vec<String> = missing.iter().map(|(s, _)| s.to_string()).collect();
    let names: Vec<String> = missing.iter().map(|(_, n)| n.to_string()).collect();
    let rows = sqlx::query(UPSERT_ITEMS)
        .bind(skus)
        .bind(names)
        .fetch_all(&mut **tx)
        .await?;
    let by_sku: HashMap<&str, &Arc<str>> = missing.iter().map(|(s, _)| (&**s, s)).collect();
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get(0)?;
            let sku: String = row.try_get(1)?;
            let sku = by_sku
                .get(sku.as_str())
                .map(|s| (*s).clone())
                .unwrap_or_else(|| sku.into());
            Ok((sku, id))
        })
        .collect()
}

/// PostgreSQL text cannot hold NUL: stored as `\0`, as in the dead-letter table.
fn no_nul(s: &str) -> String {
    s.replace('\0', "\\0")
}

async fn insert_held(
    tx: &mut Transaction<'static, Postgres>,
    ctx: RunCtx<'_>,
    held: &[HeldLine],
) -> StoreResult<u64> {
    if held.is_empty() {
        return Ok(0);
    }
    sqlx::query(INSERT_HELD)
        .bind(ctx.run_id)
        .bind(ctx.import_key.to_string())
        .bind(ctx.operator.to_string())
        .bind(held.iter().map(|h| h.item.line as i64).collect::<Vec<_>>())
        .bind(
            held.iter()
                .map(|h| no_nul(&h.item.description))
                .collect::<Vec<_>>(),
        )
        .bind(held.iter().map(|h| no_nul(&h.alias)).collect::<Vec<_>>())
        .bind(
            held.iter()
                .map(|h| h.item.quantity)
                .collect::<Vec<Decimal>>(),
        )
        .bind(
            held.iter()
                .map(|h| h.item.unit_price)
                .collect::<Vec<Decimal>>(),
        )
        .bind(held.iter().map(|h| no_nul(&h.item.raw)).collect::<Vec<_>>())
        .bind(
            held.iter()
                .map(|h| fields_to_json(&h.item.fields))
                .collect::<Vec<_>>(),
        )
        .bind(
            held.iter()
                .map(|h| no_nul(&plan::candidates_json(h)))
                .collect::<Vec<_>>(),
        )
        .execute(&mut **tx)
        .await?;
    Ok(1)
}

async fn insert_failures(
    tx: &mut Transaction<'static, Postgres>,
    ctx: RunCtx<'_>,
    failures: &[FailureRecord],
) -> StoreResult<()> {
    sqlx::query(INSERT_FAILURES)
        .bind(ctx.run_id)
        .bind(ctx.import_key.to_string())
        .bind(failures.iter().map(|f| f.line as i64).collect::<Vec<_>>())
        .bind(failures.iter().map(plan::storable_raw).collect::<Vec<_>>())
        .bind(
            failures
                .iter()
                .map(|f| fields_to_json(&f.fields))
                .collect::<Vec<_>>(),
        )
        .bind(
            failures
                .iter()
                .map(|f| f.phase.as_str().to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            failures
                .iter()
                .map(|f| f.error.replace('\0', "\\0"))
                .collect::<Vec<_>>(),
        )
        .bind(
            failures
                .iter()
                .map(|f| f.sqlstate.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            failures
                .iter()
                // The decision names the SKU, which can hold a NUL PostgreSQL text refuses.
                .map(|f| f.decision.as_ref().map(|d| d.replace('\0', "\\0")))
                .collect::<Vec<_>>(),
        )
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `quantity = quantity + delta` for each item (ids sorted), in one statement; 0 statements when
/// there is nothing to add.
async fn apply_deltas(
    tx: &mut Transaction<'static, Postgres>,
    deltas: &[(i64, Decimal)],
) -> StoreResult<u64> {
    if deltas.is_empty() {
        return Ok(0);
    }
    sqlx::query(APPLY_DELTAS)
        .bind(deltas.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(deltas.iter().map(|(_, d)| *d).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::from(e).in_phase(Phase::InventoryUpdate))?;
    Ok(1)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn redacted_url(&self) -> &str {
        &self.url
    }

    async fn ping(&self) -> StoreResult<Duration> {
        bookkeeping::ping(&self.pool).await
    }

    async fn load_catalog(&self) -> StoreResult<Catalog> {
        bookkeeping::load_catalog(&self.pool, &self.ids).await
    }

    async fn begin_run(&self, run: &NewRun) -> StoreResult<i64> {
        bookkeeping::begin_run(&self.pool, run).await
    }

    async fn heartbeat(&self, run_id: i64) -> StoreResult<()> {
        bookkeeping::touch_run(&self.pool, sql::HEARTBEAT, run_id).await
    }

    async fn reopen_run(&self, run_id: i64) -> StoreResult<()> {
        bookkeeping::touch_run(&self.pool, sql::REOPEN_RUN, run_id).await
    }

    async fn finish_run(&self, r: &RunReport) -> StoreResult<()> {
        bookkeeping::finish_run(&self.pool, r).await
    }

    async fn write_batch(&self, b: &WriteBatch<'_>) -> StoreResult<WriteOutcome> {
        let mut out = WriteOutcome::default();
        let start = Instant::now();
        let mut tx = self.pool.begin().await?;
        let (ids, created) = self.items_for(&mut tx, b.rows, &mut out).await?;
        let mut item_ids = Vec::with_capacity(b.rows.len());
        for r in b.rows {
            item_ids.push(plan::item_id(&ids, &r.sku)?);
        }
        // Only the lines come back (cheap to decode); their items and quantities are ours already.
        let by_line: HashMap<i64, (i64, Decimal)> = b
            .rows
            .iter()
            .zip(&item_ids)
            .map(|(r, id)| (r.line as i64, (*id, r.quantity)))
            .collect();
        let rows = sqlx::query(INSERT_ROWS)
            .bind(b.ctx.run_id)
            .bind(b.ctx.import_key.to_string())
            .bind(b.ctx.operator.to_string())
            .bind(b.rows.iter().map(|r| r.line as i64).collect::<Vec<_>>())
            .bind(item_ids)
            .bind(b.rows.iter().map(|r| r.quantity).collect::<Vec<Decimal>>())
            .bind(b.rows.iter().map(|r| r.unit_cost).collect::<Vec<Decimal>>())
            .bind(
                b.rows
                    .iter()
                    .map(|r| r.alias.as_deref().map(no_nul))
                    .collect::<Vec<_>>(),
            )
            .fetch_all(&mut *tx)
            .await?;
        out.insert_statements += 1;
        out.insert_statements += insert_held(&mut tx, b.ctx, b.held).await?;
        let mut inserted = Vec::with_capacity(rows.len());
        for row in &rows {
            let line: i64 = row.try_get(0)?;
            if let Some(entry) = by_line.get(&line) {
                inserted.push(*entry);
            }
        }
        if !b.failures.is_empty() {
            insert_failures(&mut tx, b.ctx, b.failures).await?;
            out.insert_statements += 1;
        }
        out.inserted = inserted.len() as u64;
        out.already = b.rows.len() as u64 - out.inserted;
        out.insert_seconds = start.elapsed().as_secs_f64();
        crate::failpoint::hit("batch_after_insert");

        let start = Instant::now();
        let deltas = plan::aggregate(inserted).map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        out.update_statements += apply_deltas(&mut tx, &deltas).await?;
        crate::failpoint::hit("batch_before_commit");
        Self::finish(tx, b.rollback).await?;
        crate::failpoint::hit("batch_after_commit");
        out.update_seconds = start.elapsed().as_secs_f64();
        if !b.rollback {
            self.ids.extend(created);
        }
        Ok(out)
    }

    async fn write_isolating(&self, b: &WriteBatch<'_>) -> StoreResult<Isolated> {
        let mut out = WriteOutcome::default();
        let start = Instant::now();
        let mut tx = self.pool.begin().await?;
        let (ids, created) = self.items_for(&mut tx, b.rows, &mut out).await?;
        // The parts, their savepoints and the search for the bad rows run inside the database
        // (`batchops_insert_isolating`, migration 20261129000003): one round trip per chunk.
        let item_ids = b
            .rows
            .iter()
            .map(|r| plan::item_id(&ids, &r.sku))
            .collect::<StoreResult<Vec<i64>>>()?;
        let outcome = sqlx::query(INSERT_ISOLATING)
            .bind(b.ctx.run_id)
            .bind(b.ctx.import_key)
            .bind(b.ctx.operator)
            .bind(b.rows.iter().map(|r| r.line as i64).collect::<Vec<_>>())
            .bind(&item_ids)
            .bind(b.rows.iter().map(|r| r.quantity).collect::<Vec<Decimal>>())
            .bind(b.rows.iter().map(|r| r.unit_cost).collect::<Vec<Decimal>>())
            .fetch_all(&mut *tx)
            .await?;
        let mut inserted = Vec::new();
        let mut failed = Vec::new();
        for row in &outcome {
            let idx: i32 = row.try_get(0)?;
            let ok: Option<bool> = row.try_get(1)?;
            let Some(i) = usize::try_from(idx).ok().and_then(|i| i.checked_sub(1)) else {
                // idx 0: the summary row.
                let writes: Option<i32> = row.try_get(4)?;
                out.insert_statements += writes.unwrap_or(0) as u64;
                continue;
            };
            let Some(r) = b.rows.get(i) else {
                return Err(StoreError::config(format!(
                    "internal: isolation named row {idx} of {}",
                    b.rows.len()
                )));
            };
            if ok == Some(true) {
                inserted.push((item_ids[i], r.quantity));
            } else {
                let message: Option<String> = row.try_get(3)?;
                let sqlstate: Option<String> = row.try_get(2)?;
                failed.push((
                    i,
                    StoreError::refused(message.unwrap_or_default(), sqlstate),
                ));
            }
        }
        let with_alias: Vec<&MappedLine> = b.rows.iter().filter(|r| r.alias.is_some()).collect();
        if !with_alias.is_empty() {
            sqlx::query(SET_ROW_ALIASES)
                .bind(b.ctx.import_key)
                .bind(with_alias.iter().map(|r| r.line as i64).collect::<Vec<_>>())
                .bind(
                    with_alias
                        .iter()
                        .map(|r| r.alias.as_deref().map(no_nul))
                        .collect::<Vec<_>>(),
                )
                .execute(&mut *tx)
                .await?;
            out.insert_statements += 1;
        }
        crate::failpoint::hit("fallback_part");
        out.inserted = inserted.len() as u64;
        out.already = (b.rows.len() - failed.len()) as u64 - out.inserted;
        out.insert_seconds = start.elapsed().as_secs_f64();

        let start = Instant::now();
        let deltas = plan::aggregate(inserted).map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        out.update_statements += apply_deltas(&mut tx, &deltas).await?;
        Self::finish(tx, b.rollback).await?;
        out.update_seconds = start.elapsed().as_secs_f64();
        if !b.rollback {
            self.ids.extend(created);
        }
        Ok(Isolated {
            outcome: out,
            failed,
        })
    }

    async fn write_one(
        &self,
        ctx: RunCtx<'_>,
        row: &MappedLine,
        rollback: bool,
    ) -> StoreResult<WriteOutcome> {
        let mut out = WriteOutcome::default();
        let start = Instant::now();
        let mut tx = self.pool.begin().await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM inventory_items WHERE sku = $1")
                .bind(row.sku.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        out.insert_statements += 1;
        let item_id = match found {
            Some(id) => id,
            None => {
                let name = row.new_item_name.as_deref().unwrap_or(&row.sku);
                out.insert_statements += 1;
                out.items_created = 1;
                sqlx::query_scalar(
                    "INSERT INTO inventory_items (sku, name) VALUES ($1, $2) \
                     ON CONFLICT (sku) DO UPDATE SET sku = EXCLUDED.sku RETURNING id",
                )
                .bind(row.sku.to_string())
                .bind(name.to_string())
                .fetch_one(&mut *tx)
                .await?
            }
        };
        if let Some(alias) = &row.learned_alias {
            sqlx::query("INSERT INTO item_aliases (alias, item_id, learned_by) VALUES ($1, $2, 'auto') ON CONFLICT (alias) DO NOTHING")
                .bind(alias.to_string())
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
            out.insert_statements += 1;
        }
        let inserted = sqlx::query(
            "INSERT INTO transactions (run_id, import_key, operator, line, item_id, quantity, unit_cost, alias) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (import_key, line) DO NOTHING",
        )
        .bind(ctx.run_id)
        .bind(ctx.import_key.to_string())
        .bind(ctx.operator.to_string())
        .bind(row.line as i64)
        .bind(item_id)
        .bind(row.quantity)
        .bind(row.unit_cost)
        .bind(row.alias.as_deref().map(no_nul))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        out.insert_statements += 1;
        out.insert_seconds = start.elapsed().as_secs_f64();
        crate::failpoint::hit("one_after_insert");
        let start = Instant::now();
        if inserted == 1 {
            sqlx::query("UPDATE inventory_items SET quantity = quantity + $2, updated_at = now() WHERE id = $1")
                .bind(item_id)
                .bind(row.quantity)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from(e).in_phase(Phase::InventoryUpdate))?;
            out.update_statements += 1;
            out.inserted = 1;
        } else {
            out.already = 1;
        }
        Self::finish(tx, rollback).await?;
        out.update_seconds = start.elapsed().as_secs_f64();
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

    async fn held(&self, filter: &super::HeldFilter) -> StoreResult<Vec<super::HeldRow>> {
        held_queries::held(&self.pool, filter).await
    }

    async fn finish_review(&self, record: &super::ReviewRecord) -> StoreResult<Option<i64>> {
        held_queries::finish_review(&self.pool, record).await
    }

    async fn rehold(&self, ids: &[i64], candidates_json: &str) -> StoreResult<()> {
        held_queries::rehold(&self.pool, ids, candidates_json).await
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
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT line FROM transactions WHERE import_key = $1 AND line = ANY($2) ORDER BY line",
        )
        .bind(import_key)
        .bind(&lines)
        .fetch_all(&self.pool)
        .await?;
        Ok(found.into_iter().map(|l| l as u64).collect())
    }

    async fn inventory(&self) -> StoreResult<Vec<InventoryRow>> {
        let rows = sqlx::query("SELECT sku, name, quantity FROM inventory_items ORDER BY sku")
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

    async fn runs(&self, limit: u64) -> StoreResult<Vec<RunRow>> {
        bookkeeping::runs(&self.pool, limit).await
    }

    async fn run(&self, run_id: i64) -> StoreResult<Option<RunRow>> {
        bookkeeping::run(&self.pool, run_id).await
    }

    async fn failed_page(&self, run_id: i64, q: &FailedQuery) -> StoreResult<Vec<FailedRow>> {
        bookkeeping::failed_page(&self.pool, run_id, q).await
    }

    async fn failed_count(&self, run_id: i64, q: &FailedQuery) -> StoreResult<u64> {
        bookkeeping::failed_count(&self.pool, run_id, q).await
    }

    async fn failed_errors(&self, run_id: i64) -> StoreResult<Vec<(String, u64, u64)>> {
        bookkeeping::failed_errors(&self.pool, run_id).await
    }

    async fn run_written(&self, run_id: i64) -> StoreResult<(u64, u64)> {
        bookkeeping::run_written(&self.pool, run_id).await
    }

    async fn resolve_failed(&self, failed_id: i64) -> StoreResult<()> {
        bookkeeping::resolve_failed(&self.pool, failed_id).await
    }

    async fn failed_again(
        &self,
        failed_id: i64,
        error: &str,
        sqlstate: Option<&str>,
    ) -> StoreResult<()> {
        bookkeeping::failed_again(&self.pool, failed_id, error, sqlstate).await
    }

    async fn save_correction(&self, failed_id: i64, fields: &Fields) -> StoreResult<()> {
        bookkeeping::save_correction(&self.pool, failed_id, fields).await
    }

    async fn copy_catalog_from(
        &self,
        catalog: &[(String, String, Decimal)],
        aliases: &[(String, String)],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO inventory_items (sku, name, quantity) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[]) ON CONFLICT (sku) DO NOTHING",
        )
        .bind(catalog.iter().map(|c| c.0.clone()).collect::<Vec<_>>())
        .bind(catalog.iter().map(|c| c.1.clone()).collect::<Vec<_>>())
        .bind(catalog.iter().map(|c| c.2).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO item_aliases (alias, item_id) SELECT a.alias, i.id \
             FROM unnest($1::text[], $2::text[]) AS a(alias, sku) JOIN inventory_items i ON i.sku = a.sku \
             ON CONFLICT (alias) DO NOTHING",
        )
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
        Ok((items, bookkeeping::aliases(&self.pool).await?))
    }

    async fn open_scratch(&self, name: &str) -> StoreResult<Arc<dyn Store>> {
        let schema = scratch_schema(name);
        self.drop_scratch(name).await?;
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
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
        let schema = scratch_schema(name);
        sqlx::query(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn corrections(&self) -> &dyn super::corrections::Corrections {
        self
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
