//! The bookkeeping queries both backends run with the same SQL text (`$N` placeholders work in
//! SQLite and PostgreSQL alike): written once, instantiated per pool type by [`bookkeeping!`].
//! Only the data path (items, transactions, deltas) differs between the backends.

macro_rules! bookkeeping {
    ($db:ty) => {
        /// Queries shared with the other backend (see `store/shared.rs`).
        mod bookkeeping {
            use crate::domain::{Fields, Phase, RunReport};
            use crate::mapping::{AliasEntry, Catalog, CatalogItem};
            use crate::store::plan::IdCache;
            use crate::store::rows::{FailedQuery, FailedRow, RunRow, fields_to_json};
            use crate::store::{NewRun, StoreResult, decode, sql};
            use chrono::Utc;
            use sqlx::{AssertSqlSafe, Pool, Row};
            use std::sync::Arc;
            use std::time::{Duration, Instant};

            type Db = $db;

            pub async fn ping(pool: &Pool<Db>) -> StoreResult<Duration> {
                let start = Instant::now();
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok(start.elapsed())
            }

            /// Items and aliases; the item ids go to the writer's cache.
            pub async fn load_catalog(pool: &Pool<Db>, ids: &IdCache) -> StoreResult<Catalog> {
                // Retired (merged) items are never matched again; their SKUs map to the item
                // they were merged into.
                let rows = sqlx::query(
                    "SELECT id, sku, name FROM inventory_items WHERE retired_at IS NULL",
                )
                .fetch_all(pool)
                .await?;
                let mut items = Vec::with_capacity(rows.len());
                let mut known = Vec::with_capacity(rows.len());
                for row in rows {
                    let sku: String = row.try_get("sku")?;
                    known.push((Arc::<str>::from(sku.as_str()), row.try_get::<i64, _>("id")?));
                    items.push(CatalogItem {
                        sku,
                        name: row.try_get("name")?,
                    });
                }
                ids.extend(known);
                let aliases: Vec<AliasEntry> =
                    sqlx::query_as::<_, (String, String, String)>(sql::CATALOG_ALIASES)
                        .fetch_all(pool)
                        .await?
                        .into_iter()
                        .map(|(alias, sku, learned_by)| AliasEntry {
                            alias,
                            sku,
                            learned_by,
                        })
                        .collect();
                let rejections = sqlx::query_as::<_, (String, String)>(sql::REJECTIONS)
                    .fetch_all(pool)
                    .await?;
                let retired = sqlx::query_as::<_, (String, String)>(sql::RETIRED_SKUS)
                    .fetch_all(pool)
                    .await?;
                Ok(Catalog::build(
                    crate::mapping::lexicon::current(),
                    items,
                    aliases,
                    rejections,
                )
                .with_retired(retired))
            }

            /// (alias, sku) pairs.
            pub async fn aliases(pool: &Pool<Db>) -> StoreResult<Vec<(String, String)>> {
                Ok(sqlx::query_as::<_, (String, String)>(sql::ALIASES)
                    .fetch_all(pool)
                    .await?)
            }

            pub async fn begin_run(pool: &Pool<Db>, run: &NewRun) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(sql::INSERT_RUN)
                    .bind(run.source.clone())
                    .bind(run.import_key.clone())
                    .bind(run.mode.as_str())
                    .bind(run.operator.clone())
                    .bind(run.dry_run)
                    .bind(run.rehearsal)
                    .bind(run.chunk_size as i64)
                    .bind(Utc::now())
                    .fetch_one(pool)
                    .await?)
            }

            /// `HEARTBEAT` or `REOPEN_RUN`: both take the run id and now.
            pub async fn touch_run(
                pool: &Pool<Db>,
                statement: &'static str,
                run_id: i64,
            ) -> StoreResult<()> {
                sqlx::query(statement)
                    .bind(run_id)
                    .bind(Utc::now())
                    .execute(pool)
                    .await?;
                Ok(())
            }

            pub async fn finish_run(pool: &Pool<Db>, r: &RunReport) -> StoreResult<()> {
                let secs = |p| r.phase(p).map(|p| p.seconds).unwrap_or(0.0);
                sqlx::query(sql::FINISH_RUN)
                    .bind(r.run_id)
                    .bind(r.status.as_str())
                    .bind(Utc::now())
                    .bind(r.items_total as i64)
                    .bind(r.items_processed as i64)
                    .bind(r.items_already_imported as i64)
                    .bind(r.items_failed as i64)
                    .bind(secs(Phase::Mapping))
                    .bind(secs(Phase::BatchInsert))
                    .bind(secs(Phase::InventoryUpdate))
                    .bind(secs(Phase::Fallback))
                    .bind(r.processing_time_seconds)
                    .bind(r.statements_executed as i64)
                    .bind(serde_json::to_string(r).ok())
                    .execute(pool)
                    .await?;
                Ok(())
            }

            pub async fn runs(pool: &Pool<Db>, limit: u64) -> StoreResult<Vec<RunRow>> {
                let sql = format!(
                    "SELECT {} FROM import_runs ORDER BY id DESC LIMIT $1",
                    sql::RUN_COLUMNS
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(limit.min(i64::MAX as u64) as i64)
                    .fetch_all(pool)
                    .await?;
                let now = Utc::now();
                rows.iter()
                    .map(|r| Ok(decode::run(r)?.into_row(now)))
                    .collect()
            }

            pub async fn run(pool: &Pool<Db>, run_id: i64) -> StoreResult<Option<RunRow>> {
                let sql = format!("SELECT {} FROM import_runs WHERE id = $1", sql::RUN_COLUMNS);
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(run_id)
                    .fetch_optional(pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(decode::run(&r)?.into_row(Utc::now())),
                    None => None,
                })
            }

            pub async fn failed_page(
                pool: &Pool<Db>,
                run_id: i64,
                q: &FailedQuery,
            ) -> StoreResult<Vec<FailedRow>> {
                let rows = sqlx::query(AssertSqlSafe(sql::failed_page(q)))
                    .bind(run_id)
                    .bind(sql::filter_pattern(q))
                    .bind(q.error_like.clone())
                    .bind(q.limit.min(i64::MAX as u64) as i64)
                    .bind(q.offset.min(i64::MAX as u64) as i64)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok(decode::failed(r)?.into_row()))
                    .collect()
            }

            pub async fn failed_count(
                pool: &Pool<Db>,
                run_id: i64,
                q: &FailedQuery,
            ) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql::failed_count(q)))
                    .bind(run_id)
                    .bind(sql::filter_pattern(q))
                    .bind(q.error_like.clone())
                    .fetch_one(pool)
                    .await?;
                Ok(n.max(0) as u64)
            }

            pub async fn run_written(pool: &Pool<Db>, run_id: i64) -> StoreResult<(u64, u64)> {
                let (landed, failed): (i64, i64) = sqlx::query_as(sql::RUN_WRITTEN)
                    .bind(run_id)
                    .fetch_one(pool)
                    .await?;
                Ok((landed.max(0) as u64, failed.max(0) as u64))
            }

            pub async fn failed_errors(
                pool: &Pool<Db>,
                run_id: i64,
            ) -> StoreResult<Vec<(String, u64, u64)>> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(sql::FAILED_ERRORS)
                    .bind(run_id)
                    .fetch_all(pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(e, n, open)| (e, n.max(0) as u64, open.max(0) as u64))
                    .collect())
            }

            pub async fn resolve_failed(pool: &Pool<Db>, failed_id: i64) -> StoreResult<()> {
                sqlx::query(sql::RESOLVE_FAILED)
                    .bind(failed_id)
                    .bind(Utc::now())
                    .execute(pool)
                    .await?;
                Ok(())
            }

            pub async fn failed_again(
                pool: &Pool<Db>,
                failed_id: i64,
                error: &str,
                sqlstate: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(sql::FAILED_AGAIN)
                    .bind(failed_id)
                    .bind(error.replace('\0', "\\0"))
                    .bind(sqlstate.map(str::to_string))
                    .execute(pool)
                    .await?;
                Ok(())
            }

            pub async fn save_correction(
                pool: &Pool<Db>,
                failed_id: i64,
                fields: &Fields,
            ) -> StoreResult<()> {
                sqlx::query(sql::SAVE_CORRECTION)
                    .bind(failed_id)
                    .bind(fields_to_json(fields))
                    .execute(pool)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use bookkeeping;
