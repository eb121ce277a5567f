//! The bookkeeping both backends run with the same SQL text (runs, heartbeats, reports, the
//! failed-item pages and their corrections, the catalog load): the [`Bookkeeping`] trait, its
//! methods written once in [`bookkeeping!`] and instantiated per store type. [`Store`](super::Store)
//! delegates to it once, in its default methods. Only the data path (items, transactions,
//! deltas) differs between the backends.

use super::held::{GroupPage, GroupQuery, HeldFilter, HeldRow, ReviewRecord};
use super::rows::{FailedQuery, FailedRow, RunRow};
use super::{NewRun, StoreResult};
use crate::domain::{Fields, RunReport};
use crate::item_ids::KnownIds;
use crate::mapping::column::Col;
use crate::mapping::{Catalog, CatalogItem};
use async_trait::async_trait;
use std::time::Duration;

/// The bookkeeping queries (see [`Store`](super::Store), which documents each method).
#[async_trait]
pub trait Bookkeeping: Send + Sync {
    async fn ping(&self) -> StoreResult<Duration>;
    async fn load_catalog(&self) -> StoreResult<Catalog>;
    /// The catalog as it was before the runs of `import_key` changed it: without the items they
    /// created and the aliases they learned (see [`crate::Store::load_catalog_before`]).
    async fn load_catalog_before(&self, import_key: &str) -> StoreResult<Catalog>;
    /// Of the catalog [`Bookkeeping::load_catalog_before`] loads (without a key: the whole
    /// catalog), only the items these SKUs name (live, or retired with the item each was merged
    /// into), looked up by SKU (see [`crate::Store::catalog_of_skus`]).
    async fn catalog_of_skus(
        &self,
        import_key: Option<&str>,
        skus: &[String],
    ) -> StoreResult<SkuCatalog>;
    /// Whether the database holds any item, live or retired (see [`crate::Store::has_items`]).
    async fn has_items(&self) -> StoreResult<bool>;
    async fn begin_run(&self, run: &NewRun) -> StoreResult<i64>;
    async fn heartbeat(&self, run_id: i64) -> StoreResult<()>;
    async fn reopen_run(&self, run_id: i64) -> StoreResult<()>;
    async fn finish_run(&self, report: &RunReport) -> StoreResult<RunReport>;
    async fn runs(&self, limit: u64) -> StoreResult<Vec<RunRow>>;
    async fn run(&self, run_id: i64) -> StoreResult<Option<RunRow>>;
    async fn failed_page(&self, run_id: i64, q: &FailedQuery) -> StoreResult<Vec<FailedRow>>;
    async fn failed_count(&self, run_id: i64, q: &FailedQuery) -> StoreResult<u64>;
    async fn failed_errors(&self, run_id: i64) -> StoreResult<Vec<(String, u64, u64)>>;
    async fn run_written(&self, run_id: i64) -> StoreResult<(u64, u64)>;
    async fn run_held(&self, run_id: i64) -> StoreResult<u64>;
    async fn resolve_failed(&self, failed_id: i64) -> StoreResult<()>;
    async fn failed_again(
        &self,
        failed_id: i64,
        error: &str,
        sqlstate: Option<&str>,
    ) -> StoreResult<()>;
    async fn save_correction(&self, failed_id: i64, fields: &Fields) -> StoreResult<()>;
    async fn held(&self, filter: &HeldFilter) -> StoreResult<Vec<HeldRow>>;
    async fn held_groups(&self, query: &GroupQuery) -> StoreResult<GroupPage>;
    async fn finish_review(&self, record: &ReviewRecord) -> StoreResult<Option<(i64, u64)>>;
    async fn rehold(&self, ids: &[i64], candidates_json: &str) -> StoreResult<()>;
}

/// The items a list of SKUs names, for [`Catalog::build`]: the live items (in the order read) and
/// the retired SKUs among them with the SKU of the item each was merged into (for
/// [`Catalog::with_retired`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkuCatalog {
    pub items: Vec<CatalogItem>,
    pub retired: Vec<(String, String)>,
}

/// SKUs looked up per statement by [`Bookkeeping::load_catalog_of_skus`].
pub(crate) const SKUS_PER_LOOKUP: usize = 10_000;

/// Catalog rows sent at once to the thread that builds the catalog ([`build_catalog`]).
pub(crate) const ROWS_PER_BATCH: usize = 2048;

/// Batches of rows on their way to that thread at most.
pub(crate) const BATCHES_IN_FLIGHT: usize = 8;

/// A catalog to keep once read: where, and the database's stamp read before its items.
pub(crate) struct Keep {
    pub cache: crate::CatalogCache,
    pub stamp: crate::catalog_cache::Stamp,
}

/// `catalog` (with its items' `ids`, in order) and the items of the batches of (sku, name, id)
/// rows as they arrive, the names read as blocks of them wait ([`Catalog::read_waiting`]); with
/// each item's shared SKU and id, for the writer's id cache. Kept (`keep`) when it is large
/// enough and either read whole or grown by as many items again.
pub(crate) fn build_catalog(
    mut catalog: Catalog,
    kept_ids: Col<i64>,
    mut rows: tokio::sync::mpsc::Receiver<Vec<(String, String, i64)>>,
    keep: Option<Keep>,
) -> (Catalog, KnownIds) {
    // The ids of the items read after the kept ones, in order.
    let mut ids = Vec::new();
    while let Some(batch) = rows.blocking_recv() {
        for (sku, name, id) in batch {
            catalog.add_item(&sku, &name);
            ids.push(id);
        }
        catalog.read_waiting();
    }
    if let Some(Keep { cache, stamp }) = keep
        && catalog.len() >= cache.from_items
        && (kept_ids.is_empty() || ids.len() >= cache.from_items)
    {
        let mut all = kept_ids.all().into_owned();
        all.extend_from_slice(&ids);
        let header = crate::catalog_cache::Header::new(catalog.lexicon(), stamp, all);
        match cache.write(&header, &mut catalog) {
            Ok(()) => tracing::info!(items = catalog.len(), "catalog kept"),
            Err(e) => tracing::warn!("the catalog could not be kept for the next run: {e}"),
        }
    }
    // The catalog's kept table is the one `kept_ids` came with (a catalog kept now is read back
    // by the next run).
    let kept = catalog.items().kept().clone();
    let more = (kept.len() as u32..)
        .zip(ids)
        .map(|(i, id)| (catalog.shared_sku(i), id))
        .collect();
    let known = KnownIds {
        kept,
        kept_ids,
        more,
    };
    (catalog, known)
}

/// `Bookkeeping` for a store type with a `pool` of `$db` and an `ids` cache (the catalog load
/// fills it), and the store's `aliases()` and `touch_run()` helpers; the held-line queries come
/// from the module `held_queries!` (crates/batchops-store/src/held.rs) made beside it.
macro_rules! bookkeeping {
    ($store:ty, $dialect:ty) => {
        impl $store {
            /// A statement of `store/sql.rs` in this backend's dialect.
            fn shared(
                statement: &'static str,
            ) -> sqlx::AssertSqlSafe<std::borrow::Cow<'static, str>> {
                sqlx::AssertSqlSafe(<$dialect as crate::dialect::Dialect>::render(statement))
            }

            /// (alias, sku) pairs.
            async fn aliases(&self) -> crate::StoreResult<Vec<(String, String)>> {
                Ok(
                    sqlx::query_as::<_, (String, String)>(Self::shared(crate::sql::ALIASES))
                        .fetch_all(&self.pool)
                        .await?,
                )
            }

            /// `HEARTBEAT` or `REOPEN_RUN`: both take the run id and now.
            async fn touch_run(
                &self,
                statement: &'static str,
                run_id: i64,
            ) -> crate::StoreResult<()> {
                sqlx::query(Self::shared(statement))
                    .bind(run_id)
                    .bind(chrono::Utc::now())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }

        const _: () = {
            use crate::domain::{Fields, Phase, RunReport};
            use crate::mapping::{AliasEntry, Catalog, CatalogItem};
            use crate::rows::{
                FailedQuery, FailedRow, PageFrom, RunRow, SortValue, fields_to_json,
            };
            use crate::{NewRun, StoreResult, decode, sql};
            use chrono::Utc;
            use futures::TryStreamExt;
            use sqlx::{AssertSqlSafe, Row};
            use std::time::{Duration, Instant};

            impl $store {
                /// Items and aliases, without those of `import_key`'s runs when given; the item ids
                /// go to the writer's cache.
                async fn catalog_except(&self, import_key: Option<&str>) -> StoreResult<Catalog> {
                    let pool = &self.pool;
                    let (catalog, known) = self.catalog_items(import_key).await?;
                    self.ids.know(known);
                    let mut aliases: Vec<AliasEntry> = Vec::new();
                    let mut parts = Vec::new();
                    for (first, part_number, sku, learned_by) in
                        sqlx::query_as::<_, (String, Option<String>, String, String)>(Self::shared(
                            sql::CATALOG_ALIASES,
                        ))
                        .bind(import_key)
                        .fetch_all(pool)
                        .await?
                    {
                        match part_number {
                            None => aliases.push(AliasEntry {
                                alias: first,
                                sku,
                                learned_by,
                            }),
                            Some(part_number) => parts.push(crate::mapping::PartEntry {
                                supplier: first,
                                part_number,
                                sku,
                            }),
                        }
                    }
                    let rejections =
                        sqlx::query_as::<_, (String, String)>(Self::shared(sql::REJECTIONS))
                            .fetch_all(pool)
                            .await?;
                    // Retired (merged) items are never matched again; their SKUs map to the item
                    // they were merged into.
                    let retired =
                        sqlx::query_as::<_, (String, String)>(Self::shared(sql::RETIRED_SKUS))
                            .fetch_all(pool)
                            .await?;
                    Ok(catalog
                        .learned(aliases, rejections)
                        .with_retired(retired)
                        .with_parts(parts))
                }
            }

            impl $store {
                /// The items of the catalog, without those `import_key`'s runs created, and
                /// their ids: a kept catalog and the items added since when one serves
                /// (`crate::catalog_cache`), else every item (kept when there are enough).
                async fn catalog_items(
                    &self,
                    import_key: Option<&str>,
                ) -> StoreResult<(Catalog, crate::item_ids::KnownIds)> {
                    let pool = &self.pool;
                    let lex = crate::mapping::lexicon::current();
                    let Some(cache) = self.cache.clone() else {
                        return self
                            .read_catalog(
                                import_key,
                                Catalog::empty(lex),
                                crate::mapping::column::Col::default(),
                                0,
                                None,
                            )
                            .await;
                    };
                    let key_created = match import_key {
                        Some(key) => {
                            sqlx::query_scalar::<_, bool>(Self::shared(sql::KEY_CREATED_ITEMS))
                                .bind(key)
                                .fetch_one(pool)
                                .await?
                        }
                        None => false,
                    };
                    // Without the items a key's runs created the catalog is not the one kept.
                    if key_created {
                        return self
                            .read_catalog(
                                import_key,
                                Catalog::empty(lex),
                                crate::mapping::column::Col::default(),
                                0,
                                None,
                            )
                            .await;
                    }
                    let stamp = self.catalog_stamp(None).await?;
                    fn unreadable<T>(why: String) -> Option<T> {
                        tracing::warn!("the kept catalog is read again from the database: {why}");
                        None
                    }
                    let failed = |e: tokio::task::JoinError| {
                        crate::StoreError::config(format!("reading the kept catalog: {e}"))
                    };
                    let (open, instance, lex_read) =
                        (cache.clone(), stamp.instance.clone(), lex.clone());
                    let opened =
                        tokio::task::spawn_blocking(move || open.open(&instance, &lex_read))
                            .await
                            .map_err(failed)?;
                    let kept = match opened {
                        Ok(Some(opened)) => {
                            // The catalog is read while the header is checked against the
                            // database.
                            let h = &opened.header;
                            let (kept, newest_item) = (h.stamp.clone(), h.newest_item);
                            let lex_read = lex.clone();
                            let reading =
                                tokio::task::spawn_blocking(move || opened.read(lex_read));
                            let changes = if kept.instance == stamp.instance
                                && self.catalog_stamp(Some(kept.newest_run)).await?.runs
                                    == kept.runs
                            {
                                self.kept_changes(&kept, &stamp, newest_item, cache.from_items)
                                    .await?
                            } else {
                                Err("another database, or its runs differ".into())
                            };
                            // The live items it should hold, counted while it is read.
                            let checked = match changes {
                                Ok(rows) => Ok((
                                    rows,
                                    sqlx::query_scalar::<_, i64>(Self::shared(
                                        sql::LIVE_ITEMS_UP_TO,
                                    ))
                                    .bind(newest_item)
                                    .fetch_one(pool)
                                    .await?,
                                )),
                                Err(why) => Err(why),
                            };
                            match (reading.await.map_err(failed)?, checked) {
                                (Ok((header, catalog)), Ok((rows, live))) => {
                                    self.kept_as_it_is(header, catalog, rows, live).await?
                                }
                                (Err(why), _) => unreadable(why),
                                (_, Err(why)) => {
                                    tracing::info!("the kept catalog is read again: {why}");
                                    None
                                }
                            }
                        }
                        Ok(None) => None,
                        Err(why) => unreadable(why),
                    };
                    let keep = Some(crate::bookkeeping::Keep { cache, stamp });
                    match kept {
                        Some((header, catalog, changed)) => {
                            tracing::info!(items = header.ids.len(), changed, "kept catalog read");
                            // A catalog read with changes applied is not kept again: the next
                            // run applies them too, until enough items are added that it is
                            // read whole.
                            let keep = keep.filter(|_| changed == 0);
                            self.read_catalog(None, catalog, header.ids, header.newest_item, keep)
                                .await
                        }
                        None => {
                            let empty = Catalog::empty(lex);
                            let none = crate::mapping::column::Col::default();
                            self.read_catalog(None, empty, none, 0, keep).await
                        }
                    }
                }

                /// The changes to the items counted since the catalog was kept (`kept`), as
                /// the items are now, if the kept catalog may apply them: the changes are
                /// logged, at most [`crate::catalog_cache::KEPT_CHANGES_AT_MOST`], and fewer
                /// than `from_items` items were added after it (else it is read whole and kept
                /// again).
                async fn kept_changes(
                    &self,
                    kept: &crate::catalog_cache::Stamp,
                    now: &crate::catalog_cache::Stamp,
                    newest_item: i64,
                    from_items: usize,
                ) -> StoreResult<Result<Vec<crate::catalog_cache::Changed>, String>> {
                    let since = now.changes - kept.changes;
                    if since == 0 {
                        return Ok(Ok(Vec::new()));
                    }
                    if !(1..=crate::catalog_cache::KEPT_CHANGES_AT_MOST).contains(&since) {
                        return Ok(Err(format!(
                            "{since} changes to its items since it was kept"
                        )));
                    }
                    let rows: Vec<crate::catalog_cache::Changed> =
                        sqlx::query_as(Self::shared(sql::CATALOG_CHANGES))
                            .bind(kept.changes)
                            .bind(now.changes)
                            .fetch_all(&self.pool)
                            .await?;
                    if rows.len() as i64 != since {
                        return Ok(Err(format!(
                            "{since} changes since it was kept, {} of them logged",
                            rows.len()
                        )));
                    }
                    let after: i64 = sqlx::query_scalar(Self::shared(sql::LIVE_ITEMS_AFTER))
                        .bind(newest_item)
                        .fetch_one(&self.pool)
                        .await?;
                    if after >= from_items as i64 {
                        return Ok(Err(format!(
                            "{since} changes and {after} items added since it was kept"
                        )));
                    }
                    Ok(Ok(rows))
                }

                /// The kept catalog (`header`, `catalog`) with the changes `rows` applied, and
                /// how many, if it is then the catalog the database holds: every live item up
                /// to its newest id (`live` of them now; those gone left out) is still there.
                /// `None` (after saying why) when it is not, or the changes cannot be applied.
                async fn kept_as_it_is(
                    &self,
                    header: crate::catalog_cache::Header,
                    mut catalog: Catalog,
                    rows: Vec<crate::catalog_cache::Changed>,
                    live: i64,
                ) -> StoreResult<Option<(crate::catalog_cache::Header, Catalog, usize)>> {
                    let changes = match crate::catalog_cache::changes_to_apply(
                        &header.ids,
                        header.newest_item,
                        &catalog,
                        rows,
                    ) {
                        Ok(changes) => changes,
                        Err(why) => {
                            tracing::info!("the kept catalog is read again: {why}");
                            return Ok(None);
                        }
                    };
                    let gone = changes.iter().filter(|(_, name)| name.is_none()).count();
                    if live != (header.ids.len() - gone) as i64 {
                        return Ok(None);
                    }
                    if changes.is_empty() {
                        return Ok(Some((header, catalog, 0)));
                    }
                    let applied = tokio::task::spawn_blocking(move || {
                        catalog
                            .change_kept(&changes)
                            .map(|()| (catalog, changes.len()))
                    })
                    .await
                    .map_err(|e| {
                        crate::StoreError::config(format!(
                            "applying changes to the kept catalog: {e}"
                        ))
                    })?;
                    match applied {
                        Ok((catalog, n)) => Ok(Some((header, catalog, n))),
                        Err(why) => {
                            tracing::info!("the kept catalog is read again: {why}");
                            Ok(None)
                        }
                    }
                }

                /// The database's stamp, its runs' digest taken up to `newest_run` (none: up to
                /// its newest run).
                async fn catalog_stamp(
                    &self,
                    newest_run: Option<i64>,
                ) -> StoreResult<crate::catalog_cache::Stamp> {
                    let pool = &self.pool;
                    let (instance, changes, newest): (String, i64, i64) =
                        sqlx::query_as(Self::shared(sql::CATALOG_STAMP))
                            .fetch_one(pool)
                            .await?;
                    let newest_run = newest_run.unwrap_or(newest);
                    let runs: Vec<(i64, String, String)> =
                        sqlx::query_as(Self::shared(sql::RUNS_UP_TO))
                            .bind(newest_run)
                            .fetch_all(pool)
                            .await?;
                    Ok(crate::catalog_cache::Stamp {
                        instance,
                        changes,
                        newest_run,
                        runs: crate::catalog_cache::runs_digest(&runs),
                    })
                }

                /// `catalog` (items `ids`) and the items after its newest id, without those
                /// `import_key`'s runs created, read in id order. The rows go in batches, as
                /// they arrive (never the whole result in memory at once), to a thread that adds
                /// them and reads their names while the next rows come ([`build_catalog`]);
                /// the catalog and the id cache share each SKU.
                async fn read_catalog(
                    &self,
                    import_key: Option<&str>,
                    catalog: Catalog,
                    ids: crate::mapping::column::Col<i64>,
                    after: i64,
                    keep: Option<crate::bookkeeping::Keep>,
                ) -> StoreResult<(Catalog, crate::item_ids::KnownIds)> {
                    let pool = &self.pool;
                    let (tx, rx) =
                        tokio::sync::mpsc::channel(crate::bookkeeping::BATCHES_IN_FLIGHT);
                    let builder = tokio::task::spawn_blocking(move || {
                        crate::bookkeeping::build_catalog(catalog, ids, rx, keep)
                    });
                    {
                        let mut rows = sqlx::query(Self::shared(sql::CATALOG_ITEMS_AFTER))
                            .bind(import_key)
                            .bind(after)
                            .fetch(pool);
                        let mut batch = Vec::with_capacity(crate::bookkeeping::ROWS_PER_BATCH);
                        while let Some(row) = rows.try_next().await? {
                            batch.push((
                                row.try_get("sku")?,
                                row.try_get("name")?,
                                row.try_get("id")?,
                            ));
                            if batch.len() == crate::bookkeeping::ROWS_PER_BATCH
                                && tx
                                    .send(std::mem::replace(
                                        &mut batch,
                                        Vec::with_capacity(crate::bookkeeping::ROWS_PER_BATCH),
                                    ))
                                    .await
                                    .is_err()
                            {
                                break; // the builder stopped: its join says why
                            }
                        }
                        if !batch.is_empty() {
                            let _ = tx.send(batch).await;
                        }
                    }
                    drop(tx);
                    builder.await.map_err(|e| {
                        crate::StoreError::config(format!("reading the catalog's names: {e}"))
                    })
                }
            }

            impl $store {
                /// [`Bookkeeping::catalog_of_skus`]: the items by SKU, in parts; their ids go
                /// to the writer's cache.
                async fn items_of_skus(
                    &self,
                    import_key: Option<&str>,
                    skus: &[String],
                ) -> StoreResult<crate::bookkeeping::SkuCatalog> {
                    use crate::dialect::Dialect;
                    let (pool, ids) = (&self.pool, &self.ids);
                    let list = |p: &str| <$dialect>::in_json_strings("sku", p);
                    let items = sql::catalog_items_of(&list("$2"));
                    let retired = sql::retired_skus_of(&<$dialect>::in_json_strings("r.sku", "$1"));
                    let mut out = crate::bookkeeping::SkuCatalog::default();
                    let mut seen = std::collections::HashSet::new();
                    let mut known = Vec::new();
                    for part in skus.chunks(crate::bookkeeping::SKUS_PER_LOOKUP) {
                        let json = serde_json::to_string(part)
                            .map_err(|e| crate::StoreError::config(e.to_string()))?;
                        for (id, sku, name) in
                            sqlx::query_as::<_, (i64, String, String)>(AssertSqlSafe(items.clone()))
                                .bind(import_key)
                                .bind(json.clone())
                                .fetch_all(pool)
                                .await?
                        {
                            // An item two parts' retired SKUs were merged into comes twice.
                            if seen.insert(id) {
                                known.push((std::sync::Arc::<str>::from(sku.as_str()), id));
                                out.items.push(CatalogItem { sku, name });
                            }
                        }
                        out.retired.extend(
                            sqlx::query_as::<_, (String, String)>(AssertSqlSafe(retired.clone()))
                                .bind(json)
                                .fetch_all(pool)
                                .await?,
                        );
                    }
                    ids.extend(known);
                    Ok(out)
                }
            }

            #[async_trait::async_trait]
            impl crate::bookkeeping::Bookkeeping for $store {
                async fn ping(&self) -> StoreResult<Duration> {
                    let pool = &self.pool;
                    let start = Instant::now();
                    sqlx::query(crate::sql::PING).execute(pool).await?;
                    Ok(start.elapsed())
                }

                async fn load_catalog(&self) -> StoreResult<Catalog> {
                    self.catalog_except(None).await
                }

                async fn load_catalog_before(&self, import_key: &str) -> StoreResult<Catalog> {
                    self.catalog_except(Some(import_key)).await
                }

                async fn catalog_of_skus(
                    &self,
                    import_key: Option<&str>,
                    skus: &[String],
                ) -> StoreResult<crate::bookkeeping::SkuCatalog> {
                    self.items_of_skus(import_key, skus).await
                }

                async fn has_items(&self) -> StoreResult<bool> {
                    let n: i64 = sqlx::query_scalar(Self::shared(sql::HAS_ITEMS))
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n > 0)
                }
                async fn begin_run(&self, run: &NewRun) -> StoreResult<i64> {
                    let pool = &self.pool;
                    Ok(sqlx::query_scalar(Self::shared(sql::INSERT_RUN))
                        .bind(run.source.clone())
                        .bind(run.import_key.clone())
                        .bind(run.mode.as_str())
                        .bind(run.operator.clone())
                        .bind(run.dry_run)
                        .bind(run.rehearsal)
                        .bind(run.chunk_size as i64)
                        .bind(Utc::now())
                        .bind(run.invoice.supplier.clone())
                        .bind(run.invoice.invoice_number.clone())
                        .bind(run.invoice.invoice_date.clone())
                        .bind(run.invoice.currency.clone())
                        .bind(run.sku_column)
                        .fetch_one(pool)
                        .await?)
                }

                /// `HEARTBEAT` or `REOPEN_RUN`: both take the run id and now.
                async fn heartbeat(&self, run_id: i64) -> StoreResult<()> {
                    self.touch_run(sql::HEARTBEAT, run_id).await
                }

                async fn reopen_run(&self, run_id: i64) -> StoreResult<()> {
                    self.touch_run(sql::REOPEN_RUN, run_id).await
                }

                /// The run's fingerprints into the look-up, then its figures with the seconds
                /// that took ([`RunReport::with_ending`]), in one transaction; the report as
                /// stored.
                async fn finish_run(&self, r: &RunReport) -> StoreResult<RunReport> {
                    let mut tx = self.pool.begin().await?;
                    let started = std::time::Instant::now();
                    // The plain insert where a dialect has a cheaper one, given up (to its
                    // savepoint) when a row is in the look-up already: a resumed run's earlier
                    // leg, a line landed again after its run was reverted.
                    let mut indexed = false;
                    let mut inserts = 1;
                    if let Some(new) = <$dialect as crate::dialect::Dialect>::INDEX_PRINTS_NEW {
                        sqlx::query(sql::INDEX_PRINTS_MARK)
                            .execute(&mut *tx)
                            .await?;
                        match sqlx::query(Self::shared(new))
                            .bind(r.run_id)
                            .execute(&mut *tx)
                            .await
                        {
                            Ok(_) => indexed = true,
                            Err(e)
                                if e.as_database_error()
                                    .is_some_and(|d| d.is_unique_violation()) =>
                            {
                                inserts += 1;
                                sqlx::query(sql::INDEX_PRINTS_UNDO)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            Err(e) => return Err(e.into()),
                        }
                        sqlx::query(sql::INDEX_PRINTS_DONE)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if !indexed {
                        let all = <$dialect as crate::dialect::Dialect>::INDEX_PRINTS;
                        sqlx::query(Self::shared(all))
                            .bind(r.run_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(Self::shared(sql::PRINTS_INDEXED))
                        .bind(r.run_id)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(refresh) =
                        <$dialect as crate::dialect::Dialect>::REFRESH_ITEM_STATISTICS
                        && r.decisions.created >= sql::GROWN_ITEMS
                    {
                        sqlx::query(refresh).execute(&mut *tx).await?;
                    }
                    let r = r.with_ending(started.elapsed().as_secs_f64(), inserts);
                    let secs = |p| r.phase(p).map(|p| p.seconds).unwrap_or(0.0);
                    sqlx::query(Self::shared(sql::FINISH_RUN))
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
                        .bind(serde_json::to_string(&r).ok())
                        .bind(r.items_held as i64)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(r)
                }

                async fn runs(&self, limit: u64) -> StoreResult<Vec<RunRow>> {
                    let pool = &self.pool;
                    let sql = crate::sql::runs();
                    let rows = sqlx::query(AssertSqlSafe(sql))
                        .bind(limit.min(i64::MAX as u64) as i64)
                        .fetch_all(pool)
                        .await?;
                    let now = Utc::now();
                    rows.iter()
                        .map(|r| Ok(decode::run(r)?.into_row(now)))
                        .collect()
                }

                async fn run(&self, run_id: i64) -> StoreResult<Option<RunRow>> {
                    let pool = &self.pool;
                    let sql = crate::sql::run();
                    let row = sqlx::query(AssertSqlSafe(sql))
                        .bind(run_id)
                        .fetch_optional(pool)
                        .await?;
                    Ok(match row {
                        Some(r) => Some(decode::run(&r)?.into_row(Utc::now())),
                        None => None,
                    })
                }

                async fn failed_page(
                    &self,
                    run_id: i64,
                    q: &FailedQuery,
                ) -> StoreResult<Vec<FailedRow>> {
                    let pool = &self.pool;
                    let sql = sql::failed_page(q);
                    let query = sqlx::query(AssertSqlSafe(sql))
                        .bind(run_id)
                        .bind(sql::filter_pattern(q))
                        .bind(q.error_like.clone())
                        .bind(q.limit.min(i64::MAX as u64) as i64);
                    let key = match &q.from {
                        PageFrom::After { key, .. } | PageFrom::Before(key) => Some(key),
                        _ => None,
                    };
                    let query = match (&q.from, key) {
                        (PageFrom::Offset(n), _) => query.bind((*n).min(i64::MAX as u64) as i64),
                        (_, Some(k)) => {
                            let query = match &k.value {
                                SortValue::Number(n) => query.bind(*n),
                                SortValue::Text(t) => query.bind(t.clone()),
                            };
                            query.bind(k.line.min(i64::MAX as u64) as i64).bind(k.id)
                        }
                        _ => query,
                    };
                    let rows = query.fetch_all(pool).await?;
                    let mut out = rows
                        .iter()
                        .map(|r| Ok(decode::failed(r)?.into_row()))
                        .collect::<StoreResult<Vec<_>>>()?;
                    if sql::failed_page_reversed(q) {
                        out.reverse();
                    }
                    Ok(out)
                }

                async fn failed_count(&self, run_id: i64, q: &FailedQuery) -> StoreResult<u64> {
                    let pool = &self.pool;
                    let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql::failed_count(q)))
                        .bind(run_id)
                        .bind(sql::filter_pattern(q))
                        .bind(q.error_like.clone())
                        .fetch_one(pool)
                        .await?;
                    Ok(n.max(0) as u64)
                }

                async fn run_written(&self, run_id: i64) -> StoreResult<(u64, u64)> {
                    let (landed, failed): (i64, i64) =
                        sqlx::query_as(Self::shared(sql::RUN_WRITTEN))
                            .bind(run_id)
                            .fetch_one(&self.pool)
                            .await?;
                    Ok((landed.max(0) as u64, failed.max(0) as u64))
                }

                async fn run_held(&self, run_id: i64) -> StoreResult<u64> {
                    let n: i64 = sqlx::query_scalar(Self::shared(sql::RUN_HELD))
                        .bind(run_id)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n.max(0) as u64)
                }

                async fn failed_errors(&self, run_id: i64) -> StoreResult<Vec<(String, u64, u64)>> {
                    let rows: Vec<(String, i64, i64)> =
                        sqlx::query_as(Self::shared(sql::FAILED_ERRORS))
                            .bind(run_id)
                            .fetch_all(&self.pool)
                            .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(e, n, open)| (e, n.max(0) as u64, open.max(0) as u64))
                        .collect())
                }

                async fn resolve_failed(&self, failed_id: i64) -> StoreResult<()> {
                    let pool = &self.pool;
                    sqlx::query(Self::shared(sql::RESOLVE_FAILED))
                        .bind(failed_id)
                        .bind(Utc::now())
                        .execute(pool)
                        .await?;
                    Ok(())
                }

                async fn failed_again(
                    &self,
                    failed_id: i64,
                    error: &str,
                    sqlstate: Option<&str>,
                ) -> StoreResult<()> {
                    let pool = &self.pool;
                    sqlx::query(Self::shared(sql::FAILED_AGAIN))
                        .bind(failed_id)
                        .bind(error.replace('\0', "\\0"))
                        .bind(sqlstate.map(str::to_string))
                        .execute(pool)
                        .await?;
                    Ok(())
                }

                async fn save_correction(
                    &self,
                    failed_id: i64,
                    fields: &Fields,
                ) -> StoreResult<()> {
                    let pool = &self.pool;
                    sqlx::query(Self::shared(sql::SAVE_CORRECTION))
                        .bind(failed_id)
                        .bind(fields_to_json(fields))
                        .execute(pool)
                        .await?;
                    Ok(())
                }

                async fn held(
                    &self,
                    filter: &crate::HeldFilter,
                ) -> StoreResult<Vec<crate::HeldRow>> {
                    held_queries::held(&self.pool, filter).await
                }

                async fn held_groups(
                    &self,
                    query: &crate::held::GroupQuery,
                ) -> StoreResult<crate::held::GroupPage> {
                    held_queries::held_groups::<$dialect>(&self.pool, query).await
                }

                async fn finish_review(
                    &self,
                    record: &crate::ReviewRecord,
                ) -> StoreResult<Option<(i64, u64)>> {
                    held_queries::finish_review(&self.pool, record).await
                }

                async fn rehold(&self, ids: &[i64], candidates_json: &str) -> StoreResult<()> {
                    held_queries::rehold(&self.pool, ids, candidates_json).await
                }
            }
        };
    };
}

pub(crate) use bookkeeping;
