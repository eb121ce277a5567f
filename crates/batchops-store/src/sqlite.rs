//! SQLite: the embedded default. WAL, `synchronous=NORMAL`, one `BEGIN IMMEDIATE` write
//! transaction per chunk, quantities and money as INTEGER units of 0.0001.

use super::dialect::Lite;
use super::item_ids::{self, IdCache};
use super::rows::{InventoryRow, fields_to_json};
use super::sql::values_placeholders;
use super::write_one::OneLineSql;
use super::{
    Backend, FailureRecord, Isolated, OpenOptions, RunCtx, Store, StoreError, StoreResult,
    WriteBatch, WriteOutcome, redact_secrets, redact_url,
};
use crate::domain::Phase;
use crate::domain::decimal::{from_units, to_units};
use crate::item_ids::HashMap;
use crate::mapping::{HeldLine, MappedLine};
use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// A statement whose text holds a placeholder tuple per row: not kept in the connection's
/// statement cache. Its text changes with the number of rows (a chunk's rows less its held and
/// failed lines), so caching it kept up to a hundred prepared statements of thousands of
/// parameters each: the 1,000,000-line import peaked at 209–277 MiB RSS with the cache, with it
/// not caching these.
fn bulk<'q>(sql: String) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    sqlx::query(AssertSqlSafe(sql)).persistent(false)
}

/// SQLite's default limit of bound parameters per statement.
const MAX_PARAMS: usize = 32_766;

/// Rows buffered from SQLite's worker thread to the writer: a whole chunk's `RETURNING` rows.
const ROW_BUFFER: usize = 16_384;

super::bookkeeping::bookkeeping!(SqliteStore, super::dialect::Lite);
super::held::held_queries!(sqlx::Sqlite, super::units);
super::write_one::write_one!(sqlx::Sqlite, units, str::to_string);

/// One line's statements (the sequential write), in SQLite's dialect.
static ONE_LINE: LazyLock<OneLineSql> = LazyLock::new(OneLineSql::of::<Lite>);

pub struct SqliteStore {
    pool: SqlitePool,
    url: String,
    ids: IdCache,
    /// Where the catalog is kept between runs ([`crate::catalog_cache`]).
    cache: Option<crate::CatalogCache>,
}

fn units(value: Decimal) -> StoreResult<i64> {
    to_units(value).ok_or_else(|| StoreError {
        class: super::ErrorClass::Data,
        message: format!("{value} does not fit NUMERIC(18,4)"),
        sqlstate: Some("22003".into()),
        phase: None,
    })
}

/// Whether `file` names SQLite's in-memory database rather than a file.
fn is_in_memory(file: &std::path::Path) -> bool {
    file.as_os_str().is_empty() || file.to_str().is_some_and(|f| f.starts_with(":memory:"))
}

impl SqliteStore {
    pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Self> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| {
                StoreError::config(format!(
                    "{}: {}",
                    redact_url(url),
                    redact_secrets(&e.to_string())
                ))
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // The rows a chunk's `RETURNING` gives back cross from SQLite's worker thread in one
            // go instead of 50 at a time (the default), which cost a thread switch per few rows.
            .row_buffer_size(ROW_BUFFER)
            // Statement journals and `RETURNING` buffers in memory, not a temporary file per chunk.
            .pragma("temp_store", "memory");
        let connect = crate::slow_statements_at_info(connect);
        let file = connect.get_filename();
        if !opts.create_if_missing && !is_in_memory(file) && !file.exists() {
            return Err(StoreError::config(format!(
                "there is no database file {} (this command only reads; it does not create one: \
                 import a batch first, or point --database-url at an existing database)",
                file.display()
            )));
        }
        create_private_file(file)?;
        // Held while the pool opens (the switch of a new file to WAL) and the migrations run.
        let first_use = FirstUseLock::acquire(connect.get_filename()).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(|e| StoreError::from(e).context(&format!("open {}", redact_url(url))))?;
        migrate(&pool).await?;
        drop(first_use);
        Ok(Self {
            pool,
            url: redact_url(url),
            ids: IdCache::default(),
            cache: opts.catalog_cache.clone(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The rows' item ids: known ones from the cache, missing items created (one statement per
    /// bind-limit part) and learned aliases stored. Returns the ids and the items created.
    async fn items_for(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run_id: i64,
        rows: &[MappedLine],
        out: &mut WriteOutcome,
    ) -> StoreResult<(item_ids::ItemIds, Vec<(Arc<str>, i64)>)> {
        let (mut ids, missing) = self.ids.resolve(rows);
        let mut created = Vec::new();
        if !missing.is_empty() {
            let (c, n) = upsert_items(tx, run_id, &missing).await?;
            out.items_created = c.len() as u64;
            out.insert_statements += n;
            ids.extend(c.iter().cloned());
            created = c;
        }
        let aliases = item_ids::learned_aliases(rows, &ids);
        if !aliases.is_empty() {
            out.insert_statements += insert_aliases(tx, run_id, &aliases).await?;
        }
        let parts = item_ids::learned_parts(rows);
        if !parts.is_empty() {
            out.insert_statements += insert_parts(tx, run_id, &parts, &ids).await?;
        }
        Ok((ids, created))
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        // IMMEDIATE takes the write lock up front: no deadlock between two readers upgrading.
        Ok(self
            .pool
            .begin_with(crate::sql::sqlite::BEGIN_IMMEDIATE)
            .await?)
    }

    async fn finish(tx: Transaction<'static, Sqlite>, rollback: bool) -> StoreResult<()> {
        if rollback {
            tx.rollback().await?
        } else {
            tx.commit().await?
        }
        Ok(())
    }
}

fn scratch_path(name: &str) -> std::path::PathBuf {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    std::env::temp_dir().join(format!("batchops-{safe}.db"))
}

/// Remove the scratch files of rehearsals whose process is gone (killed before it could clean up;
/// the process id is the first part of the name after `batchops-rehearsal_`). Only where
/// `/proc` tells which processes live; a file of a live process, or of this one, stays.
fn remove_orphan_scratch_files() {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("batchops-rehearsal_"))
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id()
            && !proc.join(pid.to_string()).exists()
            && let Err(e) = std::fs::remove_file(entry.path())
        {
            tracing::warn!(error = %e, "could not remove an orphaned rehearsal file");
        }
    }
}

/// Remove the files of a scratch database (the database, its WAL, shared memory and lock).
fn remove_scratch_files(name: &str) -> StoreResult<()> {
    let path = scratch_path(name);
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::config(format!("remove {}: {e}", p.display()))),
        }
    }
    Ok(())
}

/// Run the migrations (under the [`FirstUseLock`]).
async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("src/migrations/sqlite")
        .run(pool)
        .await
        .map_err(Into::into)
}

/// An exclusive lock on `<database file>.lock`, taken by every process while it opens the
/// database and runs the migrations. Two processes opening a new file at once would otherwise
/// race: switching a new file to WAL needs its exclusive lock and SQLite answers "database is
/// locked" at once instead of waiting, and SQLite has no migration lock. The lock is released
/// when the value is dropped (or the process dies).
struct FirstUseLock {
    _held: Option<std::fs::File>,
}

impl FirstUseLock {
    async fn acquire(db: &std::path::Path) -> StoreResult<Self> {
        let name = db.to_string_lossy();
        if name.is_empty() || name == ":memory:" {
            return Ok(Self { _held: None });
        }
        let mut path = db.as_os_str().to_owned();
        path.push(".lock");
        let path = std::path::PathBuf::from(path);
        let file = tokio::task::spawn_blocking(move || {
            let mut o = std::fs::OpenOptions::new();
            o.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let file = o
                .open(&path)
                .map_err(|e| StoreError::config(format!("open {}: {e}", path.display())))?;
            file.lock()
                .map_err(|e| StoreError::config(format!("lock {}: {e}", path.display())))?;
            Ok::<_, StoreError>(file)
        })
        .await
        .map_err(|e| StoreError::config(format!("lock {}: {e}", db.display())))??;
        Ok(Self { _held: Some(file) })
    }
}

/// The database file is created readable by its owner only (it holds business data).
fn create_private_file(path: &std::path::Path) -> StoreResult<()> {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || path.exists() {
        return Ok(());
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::config(format!(
            "create {}: {e}",
            path.display()
        ))),
    }
}

/// Create missing items (one upsert), returning sku → id of all of them. An item that exists
/// keeps the run that created it.
async fn upsert_items(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: i64,
    missing: &[(Arc<str>, Arc<str>)],
) -> StoreResult<(Vec<(Arc<str>, i64)>, u64)> {
    let mut created = Vec::with_capacity(missing.len());
    let mut statements = 0;
    for part in missing.chunks((MAX_PARAMS - 1) / 2) {
        let sql = crate::sql::sqlite::upsert_items(values_placeholders(part.len(), 2));
        let mut q = bulk(sql).bind(run_id);
        for (sku, name) in part {
            q = q.bind(sku.to_string()).bind(name.to_string());
        }
        statements += 1;
        // The part's own SKUs, shared (a lookup per returned row, not a scan of the part).
        let shared: HashMap<&str, &Arc<str>> = part.iter().map(|(s, _)| (&**s, s)).collect();
        for row in q.fetch_all(&mut **tx).await? {
            let id: i64 = row.try_get(0)?;
            let sku: String = row.try_get(1)?;
            let sku = shared
                .get(sku.as_str())
                .map(|s| Arc::clone(s))
                .unwrap_or_else(|| sku.into());
            created.push((sku, id));
        }
    }
    Ok((created, statements))
}

async fn insert_aliases(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: i64,
    aliases: &[(Arc<str>, i64)],
) -> StoreResult<u64> {
    let mut statements = 0;
    for part in aliases.chunks((MAX_PARAMS - 1) / 2) {
        let sql = crate::sql::sqlite::insert_aliases(values_placeholders(part.len(), 2));
        let mut q = bulk(sql).bind(run_id);
        for (alias, id) in part {
            q = q.bind(alias.to_string()).bind(*id);
        }
        q.execute(&mut **tx).await?;
        statements += 1;
    }
    Ok(statements)
}

/// Store the supplier part numbers the rows taught (a number known already keeps its item).
async fn insert_parts(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: i64,
    parts: &[item_ids::LearnedPartRow],
    ids: &HashMap<Arc<str>, i64>,
) -> StoreResult<u64> {
    let mut statements = 0;
    for part in parts.chunks((MAX_PARAMS - 1) / 3) {
        let sql = crate::sql::sqlite::insert_parts(values_placeholders(part.len(), 3));
        let mut q = bulk(sql).bind(run_id);
        for (_, supplier, number, sku) in part {
            q = q
                .bind(supplier.to_string())
                .bind(number.to_string())
                .bind(item_ids::item_id(ids, sku)?);
        }
        q.execute(&mut **tx).await?;
        statements += 1;
    }
    Ok(statements)
}

/// Insert transaction rows; returns (item_id, quantity) of the rows actually inserted.
async fn insert_rows(
    tx: &mut Transaction<'static, Sqlite>,
    ctx: RunCtx<'_>,
    rows: &[MappedLine],
    ids: &HashMap<Arc<str>, i64>,
) -> StoreResult<(Vec<(i64, Decimal)>, u64)> {
    let mut inserted = Vec::with_capacity(rows.len());
    let mut statements = 0;
    for part in rows.chunks((MAX_PARAMS - 3) / 7) {
        let sql = crate::sql::sqlite::insert_rows(values_placeholders(part.len(), 7));
        let mut q = bulk(sql)
            .bind(ctx.run_id)
            .bind(ctx.import_key.to_string())
            .bind(ctx.operator.to_string());
        for r in part {
            q = q
                .bind(r.line as i64)
                .bind(item_ids::item_id(ids, &r.sku)?)
                .bind(units(r.quantity)?)
                .bind(units(r.unit_cost)?)
                .bind(r.alias.as_deref().map(str::to_string))
                .bind(r.fingerprint.map(|f| f.fingerprint))
                .bind(r.fingerprint.map(|f| f.line_key));
        }
        statements += 1;
        for row in q.fetch_all(&mut **tx).await? {
            let id: i64 = row.try_get(0)?;
            let q: i64 = row.try_get(1)?;
            inserted.push((id, from_units(q)));
        }
    }
    Ok((inserted, statements))
}

/// `quantity = quantity + delta` for each item, in one statement (integer arithmetic).
async fn apply_deltas(
    tx: &mut Transaction<'static, Sqlite>,
    deltas: &[(i64, Decimal)],
) -> StoreResult<u64> {
    let mut statements = 0;
    let now = Utc::now();
    for part in deltas.chunks((MAX_PARAMS - 1) / 2) {
        let sql = crate::sql::sqlite::apply_deltas(values_placeholders(part.len(), 2));
        let mut q = bulk(sql).bind(now);
        for (id, delta) in part {
            let units = to_units(*delta).ok_or_else(|| item_ids::overflow(*id))?;
            q = q.bind(*id).bind(units);
        }
        q.execute(&mut **tx).await?;
        statements += 1;
    }
    Ok(statements)
}

/// Record held lines; a line already held under its (import_key, line) keeps its first record.
async fn insert_held(
    tx: &mut Transaction<'static, Sqlite>,
    ctx: RunCtx<'_>,
    held: &[HeldLine],
) -> StoreResult<u64> {
    let mut statements = 0;
    for part in held.chunks((MAX_PARAMS - 3) / 8) {
        let sql = crate::sql::sqlite::insert_held(values_placeholders(part.len(), 8));
        let mut q = bulk(sql)
            .bind(ctx.run_id)
            .bind(ctx.import_key.to_string())
            .bind(ctx.operator.to_string());
        for h in part {
            q = q
                .bind(h.item.line as i64)
                .bind(h.item.description.clone())
                .bind(h.alias.to_string())
                .bind(units(h.item.quantity)?)
                .bind(units(h.item.unit_price)?)
                .bind(h.item.raw.clone())
                .bind(fields_to_json(&h.item.fields))
                .bind(item_ids::candidates_json(h));
        }
        q.execute(&mut **tx).await?;
        statements += 1;
    }
    Ok(statements)
}

async fn insert_failures(
    tx: &mut Transaction<'static, Sqlite>,
    ctx: RunCtx<'_>,
    failures: &[FailureRecord],
) -> StoreResult<u64> {
    let mut statements = 0;
    for part in failures.chunks((MAX_PARAMS - 2) / 7) {
        let sql = crate::sql::sqlite::insert_failures(values_placeholders(part.len(), 7));
        let mut q = bulk(sql).bind(ctx.run_id).bind(ctx.import_key.to_string());
        for f in part {
            q = q
                .bind(f.line as i64)
                .bind(item_ids::storable_raw(f))
                .bind(fields_to_json(&f.fields))
                .bind(f.phase.as_str())
                .bind(f.error.clone())
                .bind(f.sqlstate.clone())
                .bind(f.decision.clone());
        }
        q.execute(&mut **tx).await?;
        statements += 1;
    }
    Ok(statements)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn bookkeeping(&self) -> &dyn super::Bookkeeping {
        self
    }

    fn redacted_url(&self) -> &str {
        &self.url
    }

    async fn write_batch(&self, b: &WriteBatch<'_>) -> StoreResult<WriteOutcome> {
        let mut out = WriteOutcome::default();
        let start = Instant::now();
        let mut tx = self.begin().await?;
        let (ids, created) = self
            .items_for(&mut tx, b.ctx.run_id, b.rows, &mut out)
            .await?;
        let (inserted, n) = insert_rows(&mut tx, b.ctx, b.rows, &ids).await?;
        out.insert_statements += n;
        if !b.failures.is_empty() {
            out.insert_statements += insert_failures(&mut tx, b.ctx, b.failures).await?;
        }
        if !b.held.is_empty() {
            out.insert_statements += insert_held(&mut tx, b.ctx, b.held).await?;
        }
        out.inserted = inserted.len() as u64;
        out.already = b.rows.len() as u64 - out.inserted;
        out.insert_seconds = start.elapsed().as_secs_f64();
        crate::failpoint::hit("batch_after_insert");

        let start = Instant::now();
        let deltas =
            item_ids::aggregate(inserted).map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        if !deltas.is_empty() {
            out.update_statements += apply_deltas(&mut tx, &deltas)
                .await
                .map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        }
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
        let mut tx = self.begin().await?;
        let (ids, created) = self
            .items_for(&mut tx, b.ctx.run_id, b.rows, &mut out)
            .await?;
        // A failed statement is undone by SQLite itself only under ABORT; a trigger's RAISE(FAIL)
        // keeps the rows before the bad one, so every part runs under a savepoint.
        sqlx::raw_sql(crate::sql::sqlite::PART_BEGIN)
            .execute(&mut *tx)
            .await?;
        let mut inserted = Vec::new();
        let mut failed = Vec::new();
        let mut bisect = super::bisect::Bisect::new(b.rows.len(), true);
        while let Some(range) = bisect.next_part() {
            match insert_rows(&mut tx, b.ctx, &b.rows[range.clone()], &ids).await {
                Ok((rows, n)) => {
                    out.insert_statements += n;
                    inserted.extend(rows);
                    sqlx::raw_sql(crate::sql::sqlite::PART_NEXT)
                        .execute(&mut *tx)
                        .await?;
                    bisect.landed();
                    crate::failpoint::hit("fallback_part");
                }
                Err(e) if e.class == super::ErrorClass::Data => {
                    // The hint: the rows of the part inserted before the bad one took the rowids
                    // after the table's largest, and SQLite's last_insert_rowid() still names the
                    // last of them once the savepoint has undone them.
                    out.insert_statements += 2;
                    let hint: Option<(i64, i64)> =
                        sqlx::raw_sql(crate::sql::sqlite::PART_UNDO_AND_HINT)
                            .fetch_optional(&mut *tx)
                            .await?
                            .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
                            .transpose()?;
                    if range.len() == 1 {
                        failed.push((range.start, e));
                    }
                    bisect.failed(hint.map(|(last, max)| (last - max).max(0) as usize));
                }
                Err(e) => return Err(e),
            }
        }
        sqlx::raw_sql(crate::sql::sqlite::PART_END)
            .execute(&mut *tx)
            .await?;
        out.inserted = inserted.len() as u64;
        out.already = (b.rows.len() - failed.len()) as u64 - out.inserted;
        out.insert_seconds = start.elapsed().as_secs_f64();

        let start = Instant::now();
        let deltas =
            item_ids::aggregate(inserted).map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        if !deltas.is_empty() {
            out.update_statements += apply_deltas(&mut tx, &deltas)
                .await
                .map_err(|e| e.in_phase(Phase::InventoryUpdate))?;
        }
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
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
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
        let mut tx = self.begin().await?;
        let n = insert_failures(&mut tx, ctx, failures).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn imported_lines(&self, import_key: &str, lines: &[u64]) -> StoreResult<Vec<u64>> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let json = serde_json::to_string(lines).unwrap_or_else(|_| "[]".into());
        let found: Vec<i64> = sqlx::query_scalar(crate::sql::sqlite::IMPORTED_LINES)
            .bind(import_key)
            .bind(json)
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().map(|l| l as u64).collect())
    }

    async fn line_states(
        &self,
        import_key: &str,
    ) -> StoreResult<crate::domain::line_state::LineStates> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(super::sql::line_states(
            super::sql::sqlite::ROWS_OF_KEY,
        )))
        .bind(import_key)
        .fetch_all(&self.pool)
        .await?;
        Ok(super::known_lines(rows))
    }

    async fn inventory(&self) -> StoreResult<Vec<InventoryRow>> {
        let rows = sqlx::query(crate::sql::sqlite::INVENTORY)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(InventoryRow {
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    quantity: from_units(r.try_get("quantity")?),
                })
            })
            .collect()
    }

    async fn copy_catalog_from(
        &self,
        catalog: &[(String, String, Decimal)],
        aliases: &[(String, String)],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for part in catalog.chunks(MAX_PARAMS / 3) {
            let sql = crate::sql::sqlite::copy_catalog_items(values_placeholders(part.len(), 3));
            let mut q = bulk(sql);
            for (sku, name, qty) in part {
                q = q.bind(sku.clone()).bind(name.clone()).bind(units(*qty)?);
            }
            q.execute(&mut *tx).await?;
        }
        for (alias, sku) in aliases {
            sqlx::query(crate::sql::sqlite::COPY_CATALOG_ALIASES)
                .bind(alias.clone())
                .bind(sku.clone())
                .execute(&mut *tx)
                .await?;
        }
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
        remove_orphan_scratch_files();
        let path = scratch_path(name);
        self.drop_scratch(name).await?;
        let url = format!("sqlite:{}", path.display());
        Ok(Arc::new(
            SqliteStore::open(&url, &OpenOptions::default()).await?,
        ))
    }

    async fn drop_scratch(&self, name: &str) -> StoreResult<()> {
        remove_scratch_files(name)
    }

    fn drop_scratch_now(&self, name: &str) {
        if let Err(e) = remove_scratch_files(name) {
            tracing::warn!(error = %e, "could not remove a rehearsal's scratch database");
        }
    }

    fn corrections(&self) -> &dyn super::corrections::Corrections {
        self
    }

    async fn try_lock(
        &self,
        wanted: &[super::locks::Wanted],
        who: &super::locks::Who,
    ) -> StoreResult<super::locks::Acquired> {
        super::locks::sqlite_try_lock(&self.pool, wanted, who).await
    }

    fn overlaps(&self) -> &dyn super::overlap::Overlaps {
        self
    }

    fn items(&self) -> &dyn super::inventory::Inventory {
        self
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// An `inventory_items` row, its sort key as SQLite stores it (quantities in units, times as text).
fn inventory_row(
    r: &sqlx::sqlite::SqliteRow,
    sort: super::inventory::ItemSort,
) -> Result<super::inventory::ItemRow, sqlx::Error> {
    use super::inventory::{ItemCursor, ItemRow, ItemSort, SortKey};
    let id: i64 = r.try_get("id")?;
    let sku: String = r.try_get("sku")?;
    let name: String = r.try_get("name")?;
    let units: i64 = r.try_get("quantity")?;
    let key = match sort {
        ItemSort::Sku => SortKey::Text(sku.clone()),
        ItemSort::Name => SortKey::Text(name.clone()),
        ItemSort::Stock => SortKey::Units(units),
        ItemSort::LastMovement => SortKey::Text(r.try_get("updated_at")?),
    };
    Ok(ItemRow {
        id,
        sku,
        name,
        quantity: from_units(units),
        last_movement: r.try_get("updated_at")?,
        retired: r.try_get("retired")?,
        cursor: ItemCursor { key, id },
    })
}

type LiteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

fn bind_sort_key<'q>(q: LiteQuery<'q>, key: &super::inventory::SortKey) -> LiteQuery<'q> {
    use super::inventory::SortKey;
    match key {
        SortKey::Text(s) => q.bind(s.clone()),
        SortKey::Units(u) => q.bind(*u),
        SortKey::Number(d) => q.bind(to_units(*d).unwrap_or(0)),
        SortKey::Time(t) => q.bind(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
    }
}

fn units_column(r: &sqlx::sqlite::SqliteRow, col: &str) -> Result<Decimal, sqlx::Error> {
    Ok(from_units(r.try_get(col)?))
}

super::inventory::inventory_impl!(
    SqliteStore,
    "LIKE",
    inventory_row,
    bind_sort_key,
    units_column
);
