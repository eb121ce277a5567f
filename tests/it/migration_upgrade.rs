//! A PostgreSQL database written before the narrow idempotency key (migration 20261202000001)
//! keeps every line's identity when it is upgraded: each import key gets one number, every run and
//! every transaction row carries it, and importing the same lines again adds nothing.

use crate::support::db;
use crate::support::files::write_file;
use sqlx::{AssertSqlSafe, Connection};
use std::borrow::Cow;
use std::process::Command;

/// The first migration of the narrow key.
const NARROW_KEY: i64 = 20261202000001;

const KEY_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const KEY_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[tokio::test]
async fn an_old_database_keeps_every_line_identity_through_the_upgrade() {
    let Some(base) = db::pg_base_url() else {
        return;
    };
    let schema = format!("bt_upgrade_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    )))
    .execute(&mut admin)
    .await
    .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    // The schema as the release before the narrow key left it, with rows written then: two runs of
    // file A (the second resumed it), one of file B.
    let mut old = sqlx::migrate!("crates/batchops-store/src/migrations/postgres");
    old.migrations = Cow::Owned(
        old.migrations
            .iter()
            .filter(|m| m.version < NARROW_KEY)
            .cloned()
            .collect(),
    );
    let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
    old.run(&mut c).await.expect("old migrations");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "INSERT INTO inventory_items (sku, name, quantity) VALUES ('W-1', 'Widget', 6);
         INSERT INTO import_runs (source, import_key, mode, status, operator, started_at, heartbeat_at) VALUES
           ('a.csv', '{KEY_A}', 'batch', 'interrupted', 'ops', now(), now()),
           ('a.csv', '{KEY_A}', 'batch', 'success', 'ops', now(), now()),
           ('b.csv', '{KEY_B}', 'batch', 'success', 'ops', now(), now());
         INSERT INTO transactions (run_id, import_key, line, item_id, quantity, unit_cost, operator)
         SELECT r, k, l, (SELECT id FROM inventory_items), 1, 2, 'ops'
         FROM (VALUES (1, '{KEY_A}', 1), (1, '{KEY_A}', 2), (2, '{KEY_A}', 3), (3, '{KEY_B}', 1)) AS v(r, k, l);
         UPDATE inventory_items SET quantity = 4"
    )))
    .execute(&mut c)
    .await
    .expect("old rows");

    // Opening the store runs the new migrations.
    let store = batchops::store::open(&url).await.expect("open upgraded");
    let scalar = |sql: &'static str| {
        let url = url.clone();
        async move {
            let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }
    };
    assert_eq!(scalar("SELECT COUNT(*) FROM import_keys").await, 2);
    assert_eq!(
        scalar("SELECT COUNT(DISTINCT import_no) FROM import_runs WHERE source = 'a.csv'").await,
        1,
        "the runs of one key share its number"
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM transactions t JOIN import_keys k ON k.import_no = t.import_no \
             AND k.import_key = t.import_key"
        )
        .await,
        4,
        "every row carries its key's number"
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM pg_index \
             WHERE indrelid = 'transactions'::regclass AND indisunique"
        )
        .await,
        1,
        "one unique index on transactions"
    );
    assert_eq!(
        store
            .imported_lines(KEY_A, &[1, 2, 3, 4])
            .await
            .expect("imported lines"),
        vec![1, 2, 3]
    );
    store.close().await;

    // File A again, one line longer, under its key: lines 1-3 are already there, line 4 lands.
    let (_dir, path) = write_file(
        "a.csv",
        "sku,description,quantity,unit_price\nW-1,Widget,1,2\nW-1,Widget,1,2\nW-1,Widget,1,2\nW-1,Widget,5,2\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .arg("--database-url")
        .arg(&url)
        .args(["import", "--format", "json", "--import-key", KEY_A])
        .arg(&path)
        .output()
        .expect("run batchops");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["items_already_imported"], 3, "{report}");
    assert_eq!(report["items_processed"], 1, "{report}");
    assert_eq!(
        scalar("SELECT CAST(quantity AS BIGINT) FROM inventory_items WHERE sku = 'W-1'").await,
        9,
        "only line 4 moved stock"
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM transactions WHERE import_no = \
             (SELECT import_no FROM import_keys WHERE import_key = repeat('a', 64))"
        )
        .await,
        4
    );
    // Rows written before the line fingerprints (migration 20261204000005) keep none; the row
    // landed after the upgrade carries its fingerprint and line key.
    assert_eq!(
        scalar("SELECT COUNT(*) FROM transactions WHERE fingerprint IS NULL AND line_key IS NULL")
            .await,
        4
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM transactions WHERE fingerprint IS NOT NULL \
             AND line_key IS NOT NULL AND line = 4"
        )
        .await,
        1
    );
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .expect("drop schema");
}
