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
#![allow(dead_code)]

use batchops::store::{self, Store};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The server PostgreSQL tests try when `BATCHOPS_TEST_DATABASE_URL` is not set.
pub const DEFAULT_PG_URL: &str = "postgres://root@127.0.0.1:5432/test";

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
        use sqlx::{AssertSqlSafe, Connection};
        if self.kind == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect sqlite");
            sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .expect("exec sqlite");
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect postgres");
            sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .expect("exec postgres");
        }
    }

    /// Count rows of a query returning one BIGINT.
    pub async fn scalar(&self, sql: &str) -> i64 {
        use sqlx::{AssertSqlSafe, Connection};
        if self.kind == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect sqlite");
            sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
                .fetch_one(&mut c)
                .await
                .expect("scalar sqlite")
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect postgres");
            sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
                .fetch_one(&mut c)
                .await
                .expect("scalar postgres")
        }
    }

    /// Run SQL directly, outside the store: whether the database accepted it.
    pub async fn try_exec(&self, sql: &str) -> bool {
        use sqlx::{AssertSqlSafe, Connection};
        if self.kind == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect sqlite");
            sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .is_ok()
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect postgres");
            sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .is_ok()
        }
    }

    /// Rows of a query returning (BIGINT, TEXT), in no particular order.
    pub async fn pairs(&self, sql: &str) -> Vec<(i64, String)> {
        use sqlx::{AssertSqlSafe, Connection};
        if self.kind == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect sqlite");
            sqlx::query_as(AssertSqlSafe(sql.to_string()))
                .fetch_all(&mut c)
                .await
                .expect("pairs sqlite")
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect postgres");
            sqlx::query_as(AssertSqlSafe(sql.to_string()))
                .fetch_all(&mut c)
                .await
                .expect("pairs postgres")
        }
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
                    use sqlx::{AssertSqlSafe, Connection};
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

/// A fresh schema on the real server; the store's connections use it as their search_path.
pub async fn postgres() -> Option<TestDb> {
    use sqlx::{AssertSqlSafe, Connection};
    let base = pg_base_url()?;
    let schema = format!(
        "bt_{}_{}_{}",
        std::process::id(),
        SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    );
    let mut c = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to PostgreSQL at {}: {e}",
                store::redact_url(&base)
            )
        });
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut c)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = store::open(&url).await.expect("open postgres store");
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

/// Write `content` to a file named `name` in a new temp dir; returns (dir, path).
pub fn write_file(name: &str, content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write fixture");
    (dir, path)
}
