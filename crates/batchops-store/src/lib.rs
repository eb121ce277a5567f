//! Storage: one trait, a SQLite and a PostgreSQL implementation, migrations per backend.
//!
//! Every value is a bound parameter. A chunk is written in one transaction by [`Store::write_batch`];
//! the sequential baseline and the item-by-item fallback use [`Store::write_one`].

mod bisect;
mod bookkeeping;
pub mod catalog_cache;
pub mod corrections;
mod decode;
mod errors;
pub mod functions;
pub mod held;
pub mod inventory;
mod item_ids;
pub mod locks;
pub mod overlap;
mod postgres;
mod rows;
mod sql;
mod sqlite;
mod url;
mod write_one;

use sql::dialect;

use batchops_core::{domain, failpoint, mapping};

pub use bisect::Bisect;
pub use bookkeeping::{Bookkeeping, SkuCatalog};
pub use catalog_cache::CatalogCache;
pub use errors::{ErrorClass, StoreError};
pub use held::{
    Band, DecidedGroup, DecidedLine, GroupPage, GroupQuery, HeldFilter, HeldGroup, HeldKind,
    HeldRow, ReviewRecord,
};
pub use postgres::PgStore;
pub use rows::{
    FailedKey, FailedQuery, FailedRow, FailedSort, InventoryRow, PageFrom, RunRow,
    STALE_AFTER_SECONDS, SortValue, fields_from_json, install_stale_after_seconds, reason_of,
    reason_pattern,
};
pub use sqlite::SqliteStore;
pub use url::{default_url, redact_secrets, redact_url};

use crate::domain::line_state::{KnownLine, LineState, LineStates};
use crate::domain::{Fields, Phase, RunReport};
use crate::mapping::{Catalog, HeldLine, MappedLine};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// A new row in `import_runs`.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub source: String,
    pub import_key: String,
    pub mode: crate::domain::Mode,
    pub operator: String,
    pub dry_run: bool,
    pub rehearsal: bool,
    pub chunk_size: u64,
    /// The invoice the batch is.
    pub invoice: crate::domain::InvoiceHeader,
    /// Whose numbers the SKU column holds: `ours` or `supplier` (`None` where no SKU column is
    /// read, as in a retry).
    pub sku_column: Option<&'static str>,
}

/// A line that failed, for the dead-letter table.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureRecord {
    pub line: u64,
    pub raw: String,
    pub fields: Fields,
    pub phase: Phase,
    pub error: String,
    pub sqlstate: Option<String>,
    /// The mapping decision, when the line got that far.
    pub decision: Option<String>,
}

/// What the rows of one write belong to.
#[derive(Debug, Clone, Copy)]
pub struct RunCtx<'a> {
    pub run_id: i64,
    pub import_key: &'a str,
    pub operator: &'a str,
}

/// One chunk (or part of one) to write in one transaction.
pub struct WriteBatch<'a> {
    pub ctx: RunCtx<'a>,
    pub rows: &'a [MappedLine],
    /// Lines of this chunk that failed before the database (parse/validation): recorded in the same
    /// transaction, so a crash never records them without the chunk or the chunk without them.
    pub failures: &'a [FailureRecord],
    /// Lines of this chunk held for review: recorded in `held_lines` in the same transaction
    /// (`ON CONFLICT (import_key, line) DO NOTHING`: a line held before keeps its first record).
    pub held: &'a [HeldLine],
    /// Roll back instead of committing (`--dry-run`).
    pub rollback: bool,
}

/// What a write did, measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOutcome {
    /// Rows inserted now.
    pub inserted: u64,
    /// Rows whose (import_key, line) was already there: skipped, inventory untouched.
    pub already: u64,
    /// Items created.
    pub items_created: u64,
    /// Statements and seconds of the insert part (items, aliases, transactions, failures).
    pub insert_statements: u64,
    pub insert_seconds: f64,
    /// Statements and seconds of the inventory update.
    pub update_statements: u64,
    pub update_seconds: f64,
}

impl WriteOutcome {
    pub fn add(&mut self, o: &WriteOutcome) {
        self.inserted += o.inserted;
        self.already += o.already;
        self.items_created += o.items_created;
        self.insert_statements += o.insert_statements;
        self.insert_seconds += o.insert_seconds;
        self.update_statements += o.update_statements;
        self.update_seconds += o.update_seconds;
    }
    pub fn statements(&self) -> u64 {
        self.insert_statements + self.update_statements
    }
}

/// What [`Store::write_isolating`] did.
#[derive(Debug, Default)]
pub struct Isolated {
    /// The rows that landed (inserted now or already there), statements and seconds.
    pub outcome: WriteOutcome,
    /// The rows the database refused on their own: index into the batch's rows, and its error.
    pub failed: Vec<(usize, StoreError)>,
}

#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;
    /// The run and failed-item bookkeeping, the same SQL on every backend: the methods below
    /// that only keep books delegate to it (here, once).
    fn bookkeeping(&self) -> &dyn Bookkeeping;
    /// The database URL with any password replaced by `***`.
    fn redacted_url(&self) -> &str;
    /// Round-trip time of a trivial query.
    async fn ping(&self) -> StoreResult<Duration> {
        self.bookkeeping().ping().await
    }

    /// Items and learned aliases, loaded once per run for the mapper.
    async fn load_catalog(&self) -> StoreResult<Catalog> {
        self.bookkeeping().load_catalog().await
    }
    /// The catalog as it was before the runs of `import_key` changed it: without the items they
    /// created and the aliases they learned. A run over that key maps against it from line 1, so
    /// a re-import or a resume makes the decisions one uninterrupted run makes.
    async fn load_catalog_before(&self, import_key: &str) -> StoreResult<Catalog> {
        self.bookkeeping().load_catalog_before(import_key).await
    }
    /// Of [`Store::load_catalog_before`]'s items (of [`Store::load_catalog`]'s without a key), only
    /// those `skus` name (live, or retired with the item each was merged into), each looked up by
    /// its SKU: all a run needs whose every line maps by SKU, and what a decision checks its SKUs
    /// against. Without aliases, rejected pairings and supplier part numbers, and with no other
    /// item to compare a description with or to weigh a word against.
    async fn catalog_of_skus(
        &self,
        import_key: Option<&str>,
        skus: &[String],
    ) -> StoreResult<SkuCatalog> {
        self.bookkeeping().catalog_of_skus(import_key, skus).await
    }
    /// Whether the database holds any item, live or retired: without one, every catalog is empty
    /// and no line's SKU is worth looking up.
    async fn has_items(&self) -> StoreResult<bool> {
        self.bookkeeping().has_items().await
    }
    /// The lines of `import_key` that have a state (landed, held, failed, skipped): a run over the
    /// key leaves them as they are.
    async fn line_states(&self, import_key: &str) -> StoreResult<LineStates>;

    async fn begin_run(&self, run: &NewRun) -> StoreResult<i64> {
        self.bookkeeping().begin_run(run).await
    }
    /// Mark the run as alive (for telling running from interrupted runs).
    async fn heartbeat(&self, run_id: i64) -> StoreResult<()> {
        self.bookkeeping().heartbeat(run_id).await
    }
    /// Mark a resumed run as running again.
    async fn reopen_run(&self, run_id: i64) -> StoreResult<()> {
        self.bookkeeping().reopen_run(run_id).await
    }
    /// Store a run's report and index its landed lines; the report as stored, with the seconds
    /// the indexing took ([`RunReport::with_ending`]).
    async fn finish_run(&self, report: &RunReport) -> StoreResult<RunReport> {
        self.bookkeeping().finish_run(report).await
    }

    /// Write a chunk in one transaction: new items, aliases, transaction rows
    /// (`ON CONFLICT (import_key, line) DO NOTHING`), the aggregated inventory deltas of the rows
    /// actually inserted, and the chunk's failed lines. All or nothing.
    async fn write_batch(&self, batch: &WriteBatch<'_>) -> StoreResult<WriteOutcome>;

    /// Write a chunk whose [`Store::write_batch`] failed with a data error, isolating its bad rows
    /// in ONE transaction: the chunk's new items and aliases, then its rows written by bisection
    /// (each part under a savepoint, rolled back to it when the part fails, split until single bad
    /// rows remain), then the inventory deltas of the rows actually inserted, then commit. The
    /// batch's `failures` are not written here. An `Err` means nothing was written; a data error
    /// outside the rows' insert (items, aliases, deltas) comes back as `Err` too, and the caller
    /// isolates with one transaction per part instead. Savepoint commands are transaction control
    /// and are not counted as statements, like `BEGIN` and `COMMIT`.
    async fn write_isolating(&self, batch: &WriteBatch<'_>) -> StoreResult<Isolated>;

    /// How many chunks of a run may be written at once, each its own transaction on its own
    /// connection: 1 writes them one after another.
    fn write_lanes(&self) -> usize {
        1
    }

    /// Write one line in its own transaction, the way a sequential importer does: find the item by
    /// SKU, create it if missing, insert the row, update the inventory.
    async fn write_one(
        &self,
        ctx: RunCtx<'_>,
        row: &MappedLine,
        rollback: bool,
    ) -> StoreResult<WriteOutcome>;

    /// Record failed lines (dead-letter), one statement; a line already recorded for the run is updated.
    async fn record_failures(
        &self,
        ctx: RunCtx<'_>,
        failures: &[FailureRecord],
    ) -> StoreResult<u64>;

    /// Record lines held for review, one statement, in a transaction of its own; a line whose
    /// `(import_key, line)` is held already is left as it is. Returns the statements executed.
    async fn record_held(&self, ctx: RunCtx<'_>, held: &[HeldLine]) -> StoreResult<u64>;

    /// Held lines (see [`HeldFilter`]).
    async fn held(&self, filter: &HeldFilter) -> StoreResult<Vec<HeldRow>> {
        self.bookkeeping().held(filter).await
    }
    /// A page of groups of open held lines (see [`GroupQuery`]).
    async fn held_groups(&self, query: &GroupQuery) -> StoreResult<GroupPage> {
        self.bookkeeping().held_groups(query).await
    }
    /// Record a review decision in one transaction (see [`ReviewRecord`]): the correction's id and
    /// the lines landed now, or `None` when its lines were all decided already.
    async fn finish_review(&self, record: &ReviewRecord) -> StoreResult<Option<(i64, u64)>> {
        self.bookkeeping().finish_review(record).await
    }
    /// New candidates for held lines that stay held.
    async fn rehold(&self, ids: &[i64], candidates_json: &str) -> StoreResult<()> {
        self.bookkeeping().rehold(ids, candidates_json).await
    }

    /// Of `lines`, those `import_key` already has in `transactions`. A line an earlier run landed
    /// can still be refused on its own when it comes again (a trigger or CHECK fires before
    /// `ON CONFLICT DO NOTHING` skips it): such a line is already imported, not failed.
    async fn imported_lines(&self, import_key: &str, lines: &[u64]) -> StoreResult<Vec<u64>>;

    async fn inventory(&self) -> StoreResult<Vec<InventoryRow>>;

    async fn runs(&self, limit: u64) -> StoreResult<Vec<RunRow>> {
        self.bookkeeping().runs(limit).await
    }
    async fn run(&self, run_id: i64) -> StoreResult<Option<RunRow>> {
        self.bookkeeping().run(run_id).await
    }
    async fn failed_page(&self, run_id: i64, q: &FailedQuery) -> StoreResult<Vec<FailedRow>> {
        self.bookkeeping().failed_page(run_id, q).await
    }
    async fn failed_count(&self, run_id: i64, q: &FailedQuery) -> StoreResult<u64> {
        self.bookkeeping().failed_count(run_id, q).await
    }
    /// A run's failed items counted by error text: `(error, items, unresolved items)`, most first.
    async fn failed_errors(&self, run_id: i64) -> StoreResult<Vec<(String, u64, u64)>> {
        self.bookkeeping().failed_errors(run_id).await
    }
    /// What a run wrote, counted in the tables themselves: `(transactions, failed items)`. For a
    /// run that died before storing its report.
    async fn run_written(&self, run_id: i64) -> StoreResult<(u64, u64)> {
        self.bookkeeping().run_written(run_id).await
    }
    /// The lines a run sent to review, counted in `held_lines` (decided since or not).
    async fn run_held(&self, run_id: i64) -> StoreResult<u64> {
        self.bookkeeping().run_held(run_id).await
    }
    /// A retried item landed.
    async fn resolve_failed(&self, failed_id: i64) -> StoreResult<()> {
        self.bookkeeping().resolve_failed(failed_id).await
    }
    /// A retry failed again: count the attempt and keep the newest error.
    async fn failed_again(
        &self,
        failed_id: i64,
        error: &str,
        sqlstate: Option<&str>,
    ) -> StoreResult<()> {
        self.bookkeeping()
            .failed_again(failed_id, error, sqlstate)
            .await
    }
    /// Keep an operator's corrected record beside the original.
    async fn save_correction(&self, failed_id: i64, fields: &Fields) -> StoreResult<()> {
        self.bookkeeping().save_correction(failed_id, fields).await
    }

    /// Copy the catalog (items and aliases, not transactions) of `from` into this, empty, store:
    /// a rehearsal is staged this way, without touching live data.
    async fn copy_catalog_from(
        &self,
        catalog: &[(String, String, rust_decimal::Decimal)],
        aliases: &[(String, String)],
    ) -> StoreResult<()>;
    /// Items with quantities and aliases with their SKU, for [`Store::copy_catalog_from`].
    async fn export_catalog(
        &self,
    ) -> StoreResult<(
        Vec<(String, String, rust_decimal::Decimal)>,
        Vec<(String, String)>,
    )>;

    /// A scratch database beside this one, migrated and empty: a schema of the same PostgreSQL
    /// database, or a temporary SQLite file. Used by rehearsals; live data is never touched.
    async fn open_scratch(&self, name: &str) -> StoreResult<Arc<dyn Store>>;
    /// Remove a scratch database made by [`Store::open_scratch`].
    async fn drop_scratch(&self, name: &str) -> StoreResult<()>;
    /// Remove a scratch database without waiting for it, from code that cannot wait (a drop guard:
    /// the rehearsal's future was dropped before its own cleanup ran). SQLite removes the files at
    /// once; PostgreSQL drops the schema on a task of the running runtime, if there is one.
    fn drop_scratch_now(&self, name: &str);

    /// Take the locks `wanted` for `who`, all of them or none, without waiting: one writer per
    /// import key (see [`locks`] for each backend's primitive, the engine's `locks` for who takes what).
    async fn try_lock(
        &self,
        wanted: &[locks::Wanted],
        who: &locks::Who,
    ) -> StoreResult<locks::Acquired>;

    /// Close the pool (waits for connections to be returned).
    async fn close(&self);

    /// Corrections (revert, aliases, merges, their audit): see [`corrections::Corrections`].
    fn corrections(&self) -> &dyn corrections::Corrections;

    /// What earlier runs landed of a file's lines, and the invoices keys carried: see
    /// [`overlap::Overlaps`].
    fn overlaps(&self) -> &dyn overlap::Overlaps;

    /// The catalog paged, searched and detailed for browsing: see [`inventory::Inventory`].
    fn items(&self) -> &dyn inventory::Inventory;
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Max pool connections.
    pub max_connections: u32,
    /// Create a SQLite file that does not exist (false for the commands that only read: a missing
    /// file is then an error naming it, and no file is made).
    pub create_if_missing: bool,
    /// Where the store keeps the catalog it reads between runs (none: read whole each time);
    /// by default the one the process installed ([`catalog_cache::install`]).
    pub catalog_cache: Option<CatalogCache>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            create_if_missing: true,
            catalog_cache: catalog_cache::installed(),
        }
    }
}

/// Open the database at `url` (sqlite: or postgres:), creating a SQLite file if missing (unless
/// [`OpenOptions::create_if_missing`] is false), and run the migrations.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    open_with(url, &OpenOptions::default()).await
}

pub async fn open_with(url: &str, opts: &OpenOptions) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, opts).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url, opts).await?))
    } else if let Some(why) = url::keyword_value_refusal(url) {
        Err(StoreError::config(why))
    } else {
        // The caller names the string (redacted); it may be anything, a password pasted included.
        Err(StoreError::config(
            "unsupported database URL: use sqlite:PATH or postgres://…".to_string(),
        ))
    }
}

/// [`KnownLine`]s from rows of `(line, state, failed run, error)`.
pub(crate) fn known_lines(rows: Vec<(i64, String, Option<i64>, Option<String>)>) -> LineStates {
    LineStates::new(
        rows.into_iter()
            .filter_map(|(line, state, run, error)| {
                Some(KnownLine {
                    line: line.max(0) as u64,
                    state: LineState::parse(&state)?,
                    failed: run.map(|r| (r, error.unwrap_or_default())),
                })
            })
            .collect(),
    )
}

/// A statement slower than this is logged by sqlx.
const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_secs(1);

/// Connection options whose slow statements are logged at `info` (`-v`), not as warnings: reading
/// a large catalog whole takes seconds by design, and an import's stderr is the operator's.
pub(crate) fn slow_statements_at_info<O: sqlx::ConnectOptions>(options: O) -> O {
    options.log_slow_statements(log::LevelFilter::Info, SLOW_STATEMENT)
}
