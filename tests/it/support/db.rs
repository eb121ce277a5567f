//! Test databases: a fresh SQLite file per test, and a fresh schema of the real PostgreSQL server per
//! test (so tests run in parallel).
//!
//! Every PostgreSQL test gets its server from [`pg_base_url`] (through [`postgres`] or
//! [`backends`]), the one place that decides whether PostgreSQL tests run:
//!
//! - `BATCHOPS_TEST_DATABASE_URL` set: that server; a server that does not answer fails the test.
//! - unset, outside CI: the default local server, [`DEFAULT_PG_URL`]. When it does not answer, the
//!   PostgreSQL test (or part of a test) is skipped, and says so in the test output: a line
//!   `SKIPPED <test>: …` on stderr, past the harness's output capture, so `cargo test` shows it
//!   even for a test the harness reports as `ok`.
//! - unset under CI (`CI` set): the test fails; under CI PostgreSQL tests must run.
use batchops::store::{self, Store};
use rust_decimal::Decimal;
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The server PostgreSQL tests try when `BATCHOPS_TEST_DATABASE_URL` is not set.
pub const DEFAULT_PG_URL: &str = "postgres://root@127.0.0.1:5432/test";

/// `body` with `conn` bound to a fresh connection to `db` (a SQLite or a PostgreSQL one: the
/// body is written once and compiled for each).
macro_rules! on_connection {
    ($db:expr, $conn:ident => $body:expr) => {{
        use sqlx::Connection;
        if $db.kind == "sqlite" {
            let mut $conn = sqlx::SqliteConnection::connect(&$db.url)
                .await
                .expect("connect sqlite");
            $body
        } else {
            let mut $conn = sqlx::PgConnection::connect(&$db.url)
                .await
                .expect("connect postgres");
            $body
        }
    }};
}

pub struct TestDb {
    pub url: String,
    pub store: Arc<dyn Store>,
    pub kind: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// Run SQL directly (test setup such as triggers), outside the store.
    pub async fn exec(&self, sql: &str) {
        if let Err(e) = self.try_exec_err(sql).await {
            panic!("{}: {sql}: {e}", self.kind);
        }
    }

    /// Run SQL directly, outside the store: whether the database accepted it.
    pub async fn try_exec(&self, sql: &str) -> bool {
        self.try_exec_err(sql).await.is_ok()
    }

    async fn try_exec_err(&self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_string());
        on_connection!(self, c => sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ()))
    }

    /// The one BIGINT a query returns (a count, a sum).
    pub async fn scalar(&self, sql: &str) -> i64 {
        let q = AssertSqlSafe(sql.to_string());
        on_connection!(self, c => sqlx::query_scalar(q).fetch_one(&mut c).await)
            .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.kind))
    }

    /// Rows of a query returning one BIGINT, in the query's order.
    pub async fn column(&self, sql: &str) -> Vec<i64> {
        let q = AssertSqlSafe(sql.to_string());
        on_connection!(self, c => sqlx::query_scalar(q).fetch_all(&mut c).await)
            .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.kind))
    }

    /// Rows of a query returning (BIGINT, TEXT), in the query's order.
    pub async fn pairs(&self, sql: &str) -> Vec<(i64, String)> {
        let q = AssertSqlSafe(sql.to_string());
        on_connection!(self, c => sqlx::query_as(q).fetch_all(&mut c).await)
            .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.kind))
    }

    /// A trigger that rejects every transaction row of the item with `sku`: a rule of the
    /// operator's database that the importer cannot know about in advance.
    pub async fn reject_sku(&self, sku: &str) {
        if self.kind == "sqlite" {
            self.exec(&format!(
                "CREATE TRIGGER reject_{sku_id} BEFORE INSERT ON transactions \
                 WHEN NEW.item_id IN (SELECT id FROM inventory_items WHERE sku = '{sku}') \
                 BEGIN SELECT RAISE(ABORT, 'item {sku} is blocked by policy'); END;",
                sku_id = sku.replace('-', "_")
            ))
            .await;
        } else {
            self.exec(&format!(
                "CREATE FUNCTION reject_{sku_id}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.item_id IN (SELECT id FROM inventory_items WHERE sku = '{sku}') THEN \
                 RAISE EXCEPTION 'item {sku} is blocked by policy'; END IF; RETURN NEW; END $$; \
                 CREATE TRIGGER reject_{sku_id} BEFORE INSERT ON transactions \
                 FOR EACH ROW EXECUTE FUNCTION reject_{sku_id}();",
                sku_id = sku.replace('-', "_")
            ))
            .await;
        }
    }

    pub async fn drop_reject(&self, sku: &str) {
        let sku_id = sku.replace('-', "_");
        if self.kind == "sqlite" {
            self.exec(&format!("DROP TRIGGER reject_{sku_id}")).await;
        } else {
            self.exec(&format!("DROP TRIGGER reject_{sku_id} ON transactions"))
                .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.pg.take() {
            // Drop the test's schema on a thread of its own (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                        let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                            "DROP SCHEMA IF EXISTS {schema} CASCADE"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = store::open(&url).await.expect("open sqlite");
    TestDb {
        url,
        store,
        kind: "sqlite",
        _dir: Some(dir),
        pg: None,
    }
}

/// Where this test process's PostgreSQL tests run (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgServer {
    /// Connect here.
    Url(String),
    /// Skip, for this reason.
    Skip(String),
}

/// The base PostgreSQL URL, or `None` when the PostgreSQL part of the calling test is skipped
/// (outside CI, with no `BATCHOPS_TEST_DATABASE_URL`, when the default server does not answer);
/// the skip is reported in the test output.
pub fn pg_base_url() -> Option<String> {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let env = std::env::var("BATCHOPS_TEST_DATABASE_URL").ok();
        let ci = std::env::var_os("CI").is_some();
        choose_pg_server(env.as_deref(), ci, try_connect).unwrap_or_else(|e| panic!("{e}"))
    });
    match server {
        PgServer::Url(url) => Some(url.clone()),
        PgServer::Skip(reason) => {
            report_skip(reason);
            None
        }
    }
}

/// The rule, apart from the environment: `Err` is a failure of the test (a configured server that
/// does not answer; no server configured under CI).
pub fn choose_pg_server(
    env_url: Option<&str>,
    ci: bool,
    connect: impl Fn(&str) -> Result<(), String>,
) -> Result<PgServer, String> {
    match env_url {
        Some(url) if !url.is_empty() => match connect(url) {
            Ok(()) => Ok(PgServer::Url(url.to_string())),
            Err(e) => Err(format!(
                "cannot connect to BATCHOPS_TEST_DATABASE_URL ({}): {}",
                store::redact_url(url),
                store::redact_secrets(&e)
            )),
        },
        _ if ci => Err(
            "BATCHOPS_TEST_DATABASE_URL is not set under CI: PostgreSQL tests must run".to_string(),
        ),
        _ => match connect(DEFAULT_PG_URL) {
            Ok(()) => Ok(PgServer::Url(DEFAULT_PG_URL.to_string())),
            Err(e) => Ok(PgServer::Skip(format!(
                "PostgreSQL not reachable at {DEFAULT_PG_URL} ({e}); \
                 set BATCHOPS_TEST_DATABASE_URL or start the server to run it"
            ))),
        },
    }
}

/// One real connection (and a query) to `url`, on a thread of its own: callers may be inside a
/// runtime, which cannot block on another.
pub fn try_connect(url: &str) -> Result<(), String> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            use sqlx::Connection;
            let connect = sqlx::PgConnection::connect(&url);
            let mut c = tokio::time::timeout(Duration::from_secs(10), connect)
                .await
                .map_err(|_| "no answer within 10 s".to_string())?
                .map_err(|e| e.to_string())?;
            sqlx::query("SELECT 1")
                .execute(&mut c)
                .await
                .map_err(|e| e.to_string())?;
            let _ = c.close().await;
            Ok(())
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the connection check panicked".to_string()))
}

/// `SKIPPED <test>: <reason>` on the process's stderr, once per test. Written to the stream
/// itself, not with `eprintln!`, which the test harness captures (and shows only on failure).
fn report_skip(reason: &str) {
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string();
    let first = SAID
        .lock()
        .map(|mut said| said.insert(test.clone()))
        .unwrap_or(true);
    if first {
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED {test}: its PostgreSQL part did not run: {reason}"
        );
    }
}

static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

/// How often a test asks a busy server again for its database before it fails.
const PG_TRIES: u32 = 8;

/// `attempt` until it succeeds, up to [`PG_TRIES`] times a second or more apart: a server at its
/// connection limit, or slow to answer while the rest of the suite loads it, is asked again; one
/// that keeps refusing fails the test with every answer it gave.
async fn patiently<T, F, Fut>(what: &str, base: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut errors = Vec::new();
    for n in 1..=PG_TRIES {
        match attempt().await {
            Ok(v) => return v,
            Err(e) => errors.push(format!("try {n}: {}", store::redact_secrets(&e))),
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(n))).await;
    }
    panic!(
        "PostgreSQL at {} did not give {what}:\n{}",
        store::redact_url(base),
        errors.join("\n")
    )
}

/// A fresh schema on the real server; the store's connections use it as their search_path.
pub async fn postgres() -> Option<TestDb> {
    let base = pg_base_url()?;
    let schema = format!(
        "bt_{}_{}_{}",
        std::process::id(),
        SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = patiently(&format!("a schema {schema}"), &base, || async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&base)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&mut c)
        .await
        .map_err(|e| format!("create the schema: {e}"))?;
        let _ = c.close().await;
        store::open(&url)
            .await
            .map_err(|e| format!("open the store: {e}"))
    })
    .await;
    Some(TestDb {
        url,
        store,
        kind: "postgres",
        _dir: None,
        pg: Some((base, schema)),
    })
}

/// Every backend this run tests: SQLite always, PostgreSQL unless skipped (see [`pg_base_url`]).
pub async fn backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        dbs.push(pg);
    }
    dbs
}

// ---------------------------------------------------------------------------------------------
// Looking into the database directly

/// Runs, oldest first: (id, status as stored).
pub async fn runs_of(db: &TestDb) -> Vec<(i64, String)> {
    db.pairs("SELECT id, status FROM import_runs ORDER BY id")
        .await
}

/// Lines of `import_key` in `transactions`.
pub async fn landed(db: &TestDb, import_key: &str) -> BTreeSet<u64> {
    db.column(&format!(
        "SELECT line FROM transactions WHERE import_key = '{import_key}'"
    ))
    .await
    .into_iter()
    .map(|l| l as u64)
    .collect()
}

/// (line, error) of a run's dead-letter rows.
pub async fn failed_of(db: &TestDb, run_id: i64) -> BTreeMap<u64, String> {
    db.pairs(&format!(
        "SELECT line, error FROM failed_items WHERE run_id = {run_id} ORDER BY line"
    ))
    .await
    .into_iter()
    .map(|(l, e)| (l as u64, e))
    .collect()
}

/// The open failed items of an import key, by line: a line is failed once, under the run that
/// failed it first, until a retry or a reject file lands it.
pub async fn open_failed_of_key(db: &TestDb, key: &str) -> BTreeMap<u64, String> {
    db.pairs(&format!(
        "SELECT line, error FROM failed_items WHERE import_key = '{key}' \
         AND resolved_at IS NULL ORDER BY line"
    ))
    .await
    .into_iter()
    .map(|(l, e)| (l as u64, e))
    .collect()
}

/// (import_key, line) pairs stored more than once: must be 0.
pub async fn duplicates(db: &TestDb) -> i64 {
    db.scalar(
        "SELECT COUNT(*) FROM (SELECT import_key, line FROM transactions \
         GROUP BY import_key, line HAVING COUNT(*) > 1) AS d",
    )
    .await
}

/// Items whose quantity is not the sum of their transaction rows: must be 0 (whole chunks only,
/// never an insert without its inventory update or the reverse). Valid while items start at 0.
pub async fn drift(db: &TestDb) -> i64 {
    db.scalar(
        "SELECT COUNT(*) FROM inventory_items i WHERE i.quantity <> \
         COALESCE((SELECT SUM(t.quantity) FROM transactions t WHERE t.item_id = i.id), 0)",
    )
    .await
}

/// Item name → quantity, as the store reads it.
pub async fn inventory_by_name(db: &TestDb) -> BTreeMap<String, Decimal> {
    let mut inv = BTreeMap::new();
    for row in db.store.inventory().await.unwrap() {
        let prev = inv.insert(row.name.clone(), row.quantity);
        assert!(prev.is_none(), "two items are named {:?}", row.name);
    }
    inv
}

/// SKU → quantity of every item, as the store reads it.
pub async fn inventory_by_sku(store: &dyn Store) -> BTreeMap<String, Decimal> {
    store
        .inventory()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.sku, r.quantity))
        .collect()
}

/// SKU → quantity of the items whose quantity is not zero.
pub async fn nonzero_inventory(db: &TestDb) -> BTreeMap<String, Decimal> {
    let mut inv = inventory_by_sku(&*db.store).await;
    inv.retain(|_, q| !q.is_zero());
    inv
}

/// Every line of the database where it is: landed (its item's SKU), held open (its alias), failed
/// open.
#[derive(Debug, Default, PartialEq)]
pub struct LineStates {
    pub landed: BTreeMap<u64, String>,
    pub held: BTreeMap<u64, String>,
    pub failed: BTreeSet<u64>,
}

pub async fn line_states(db: &TestDb) -> LineStates {
    let landed = db
        .pairs(
            "SELECT t.line, i.sku FROM transactions t JOIN inventory_items i ON i.id = t.item_id",
        )
        .await;
    let held = db
        .pairs("SELECT line, alias FROM held_lines WHERE decided_at IS NULL")
        .await;
    let failed = db
        .pairs("SELECT line, error FROM failed_items WHERE resolved_at IS NULL")
        .await;
    LineStates {
        landed: landed.into_iter().map(|(l, s)| (l as u64, s)).collect(),
        held: held.into_iter().map(|(l, s)| (l as u64, s)).collect(),
        failed: failed.into_iter().map(|(l, _)| l as u64).collect(),
    }
}
