//! The PostgreSQL functions file (crates/batchops-store/src/postgres_functions.sql): applied after
//! the migrations when the database holds another version, once under concurrent connects, and
//! the chunk writer's lock order.
use crate::support::db::{self, TestDb};
use batchops::store::functions;
use sqlx::{Connection, PgConnection, PgPool};

async fn recorded_checksum(db: &TestDb) -> Vec<String> {
    let mut c = PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query_scalar("SELECT checksum FROM schema_functions")
        .fetch_all(&mut c)
        .await
        .expect("schema_functions")
}

async fn md5(db: &TestDb, text: &str) -> String {
    let mut c = PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query_scalar("SELECT md5($1)")
        .bind(text)
        .fetch_one(&mut c)
        .await
        .expect("md5")
}

/// The definition of `batchops_write_chunk` the database runs.
async fn write_chunk_source(db: &TestDb) -> String {
    let mut c = PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query_scalar(
        "SELECT prosrc FROM pg_proc WHERE proname = 'batchops_write_chunk' \
         AND pronamespace = current_schema()::regnamespace",
    )
    .fetch_one(&mut c)
    .await
    .expect("batchops_write_chunk")
}

#[tokio::test]
async fn a_new_database_holds_the_functions_of_the_file_and_a_second_apply_changes_nothing() {
    let Some(db) = db::postgres().await else {
        return;
    };
    assert_eq!(
        recorded_checksum(&db).await,
        vec![md5(&db, functions::FUNCTIONS).await]
    );
    assert!(
        write_chunk_source(&db)
            .await
            .contains("ORDER BY id FOR NO KEY UPDATE"),
        "the chunk writer is the file's, not a migration's older copy"
    );
    let pool = PgPool::connect(&db.url).await.expect("pool");
    assert!(!functions::apply(&pool).await.expect("apply"));
    assert_eq!(recorded_checksum(&db).await.len(), 1);
}

/// A database whose functions are older (a migration's copy, another checksum) gets the file's
/// at the next connect; eight processes connecting at once apply it once, and none fails.
#[tokio::test]
async fn connects_to_a_database_with_older_functions_apply_the_file_once() {
    let Some(db) = db::postgres().await else {
        return;
    };
    db.exec(
        "CREATE OR REPLACE FUNCTION batchops_as_run(p_run_id BIGINT) RETURNS BIGINT \
         LANGUAGE sql VOLATILE AS $$ SELECT -1::BIGINT $$; \
         UPDATE schema_functions SET checksum = 'older'",
    )
    .await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let pool = PgPool::connect(&url).await.expect("pool");
            functions::apply(&pool).await.expect("apply")
        }));
    }
    let mut applied = 0;
    for t in tasks {
        applied += usize::from(t.await.expect("task"));
    }
    assert_eq!(
        applied, 1,
        "one connect applies the file, the others find it done"
    );
    assert_eq!(
        recorded_checksum(&db).await,
        vec![md5(&db, functions::FUNCTIONS).await]
    );
    let mut c = PgConnection::connect(&db.url).await.expect("connect");
    let run: i64 = sqlx::query_scalar("SELECT batchops_as_run(7)")
        .fetch_one(&mut c)
        .await
        .expect("batchops_as_run");
    assert_eq!(run, 7, "the older function was replaced");
}

/// Two chunks moving the same items lock them in item-id order, whatever order the rows lie in on
/// disk: a chunk that waits for item 1 holds no lock on item 2. (An UPDATE joined to the deltas
/// locks in its plan's order; a sequential scan visits the rows in physical order, so two chunks
/// could each hold one item and wait for the other: a deadlock.)
#[tokio::test]
async fn a_chunk_writer_waiting_for_an_item_holds_no_lock_on_items_of_higher_id() {
    let Some(db) = db::postgres().await else {
        return;
    };
    db.exec(
        "INSERT INTO inventory_items (sku, name) VALUES ('A-1', 'first'), ('B-2', 'second'); \
         UPDATE inventory_items SET name = name WHERE sku = 'A-1'; \
         INSERT INTO import_runs (source, import_key, mode, status, operator, started_at, heartbeat_at) \
           VALUES ('lock order', 'lock-order', 'batch', 'running', 'test', now(), now())",
    )
    .await;
    let mut c = PgConnection::connect(&db.url).await.expect("connect");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM inventory_items ORDER BY ctid")
        .fetch_all(&mut c)
        .await
        .expect("ids");
    let (low, high) = (*ids.iter().min().unwrap(), *ids.iter().max().unwrap());
    assert_eq!(
        ids,
        vec![high, low],
        "the lower id lies after the higher one on disk"
    );

    // Another transaction holds the lower item, as a chunk's update does (a lock that lets the
    // chunk's rows name the item, and stops its update).
    let mut holder = PgConnection::connect(&db.url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "BEGIN; SELECT 1 FROM inventory_items WHERE id = {low} FOR NO KEY UPDATE"
    )))
    .execute(&mut holder)
    .await
    .expect("hold the lower item");
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .expect("pid");

    // A chunk moving both items waits for it.
    let url = db.url.clone();
    let chunk = tokio::spawn(async move {
        let mut w = PgConnection::connect(&url).await.expect("connect");
        let run: i64 =
            sqlx::query_scalar("SELECT id FROM import_runs WHERE import_key = 'lock-order'")
                .fetch_one(&mut w)
                .await
                .expect("run");
        let e = "'{}'";
        // The plan a small or freshly grown table gets: a sequential scan of the items.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT * FROM batchops_write_chunk(batchops_as_run({run}), 'lock-order', 'test', \
             {e}, {e}, {e}, {e}, '{{1,2}}', '{{{low},{high}}}', '{{5,7}}', '{{1,1}}', \
             {e}, {e}, {e}, {e}, {e}, {e}, {e}, false, {e}, {e}, {e}, {e}, {e}, {e}, {e}, {e}, {e}, \
             {e}, {e})"
        )))
        .execute(&mut w)
        .await
    });
    let mut watcher = PgConnection::connect(&db.url).await.expect("connect");
    let mut waited = 0;
    loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(holder_pid)
        .fetch_one(&mut watcher)
        .await
        .expect("pg_stat_activity");
        if n > 0 {
            break;
        }
        waited += 1;
        assert!(waited < 200, "the chunk never waited for the held item");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // The holder now takes the higher item: free, since the waiting chunk has not locked it.
    let higher = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET lock_timeout = '5s'; SELECT 1 FROM inventory_items WHERE id = {high} FOR NO KEY UPDATE"
    )))
    .execute(&mut holder)
    .await;
    assert!(
        higher.is_ok(),
        "the waiting chunk held the higher item: {higher:?}"
    );
    sqlx::raw_sql("COMMIT")
        .execute(&mut holder)
        .await
        .expect("commit");
    chunk
        .await
        .expect("task")
        .expect("the chunk lands once the holder commits");
    let stock: Vec<(String, rust_decimal::Decimal)> =
        sqlx::query_as("SELECT sku, quantity FROM inventory_items ORDER BY sku")
            .fetch_all(&mut c)
            .await
            .expect("stock");
    assert_eq!(
        stock,
        vec![
            ("A-1".to_string(), rust_decimal::Decimal::from(5)),
            ("B-2".to_string(), rust_decimal::Decimal::from(7)),
        ]
    );
}
