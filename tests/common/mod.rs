//! Test databases: a fresh SQLite file per test, and a fresh schema of the real PostgreSQL server per
//! test (so tests run in parallel). PostgreSQL tests need `BATCHOPS_TEST_DATABASE_URL`; under CI
//! (`CI` set) a missing URL or an unreachable server fails the test instead of skipping it.
#![allow(dead_code)]

use batchops::store::{self, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

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

/// The base PostgreSQL URL, or `None` when PostgreSQL tests are not asked for (outside CI only).
pub fn pg_base_url() -> Option<String> {
    match std::env::var("BATCHOPS_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("BATCHOPS_TEST_DATABASE_URL is not set under CI: PostgreSQL tests must run")
        }
        _ => {
            eprintln!("BATCHOPS_TEST_DATABASE_URL not set: PostgreSQL part of this test not run");
            None
        }
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
        .unwrap_or_else(|e| panic!("cannot connect to BATCHOPS_TEST_DATABASE_URL: {e}"));
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

/// Every backend this run tests: SQLite always, PostgreSQL when configured.
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
