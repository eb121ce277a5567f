//! One isolation algorithm: `Bisect` (crates/batchops-store/src/bisect.rs) is its description, and PostgreSQL's
//! `batchops_insert_isolating` runs the same steps inside the database. On the real server, for
//! many placements of bad rows, the function must find exactly the bad rows and take exactly the
//! writes `Bisect` takes with the hints the server gives (the rows that went through before the
//! bad one), starting with the whole chunk.

use crate::support::db;
use batchops::store::Bisect;
use std::collections::BTreeSet;

/// Writes and bad rows of `Bisect` over `n` rows where `bad` fail, told exactly where.
fn bisect(n: usize, bad: &BTreeSet<usize>) -> (usize, Vec<usize>) {
    let mut b = Bisect::new(n, true).starting_with(n);
    let (mut writes, mut found) = (0, Vec::new());
    while let Some(r) = b.next_part() {
        writes += 1;
        match r.clone().find(|i| bad.contains(i)) {
            None => b.landed(),
            Some(first_bad) => {
                if r.len() == 1 {
                    found.push(r.start);
                }
                b.failed(Some(first_bad - r.start));
            }
        }
    }
    (writes, found)
}

#[tokio::test]
async fn the_database_isolates_with_the_steps_of_bisect() {
    let Some(db) = db::postgres().await else {
        return;
    };
    db.exec(
        "INSERT INTO inventory_items (sku, name) VALUES ('C-1', 'Conformance'); \
         INSERT INTO import_runs (source, import_key, mode, status, operator, started_at, heartbeat_at) \
           VALUES ('conformance', 'c', 'batch', 'running', 'test', now(), now()); \
         CREATE TABLE bad_lines (line BIGINT PRIMARY KEY); \
         CREATE FUNCTION reject_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF EXISTS (SELECT 1 FROM bad_lines WHERE line = NEW.line) THEN \
             RAISE EXCEPTION 'line % is bad', NEW.line; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER reject_bad BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION reject_bad();",
    )
    .await;
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let run_id: i64 = sqlx::query_scalar("SELECT id FROM import_runs")
        .fetch_one(&pool)
        .await
        .expect("the run");
    let item: i64 = sqlx::query_scalar("SELECT id FROM inventory_items")
        .fetch_one(&pool)
        .await
        .expect("the item");
    let n = 300usize;
    let cases: Vec<Vec<usize>> = vec![
        vec![0],
        vec![n - 1],
        vec![n / 2],
        vec![0, 1, 2],
        vec![n - 2, n - 1],
        (7..n).step_by(100).collect(),
        (3..n).step_by(10).collect(),
        (0..n).step_by(7).collect(),
        vec![5, 6, 7, 8, 9, 150, 151, 299],
        (0..n).filter(|i| i % 3 != 0).collect(),
    ];
    for (case, bad) in cases.iter().enumerate() {
        let bad: BTreeSet<usize> = bad.iter().copied().collect();
        // Line i + 1 is row i; a fresh import key per case.
        let key = format!("case-{case}");
        sqlx::query("DELETE FROM bad_lines")
            .execute(&pool)
            .await
            .expect("clear");
        sqlx::query("INSERT INTO bad_lines SELECT unnest($1::bigint[])")
            .bind(bad.iter().map(|i| *i as i64 + 1).collect::<Vec<_>>())
            .execute(&pool)
            .await
            .expect("bad lines");
        let lines: Vec<i64> = (1..=n as i64).collect();
        let rows: Vec<(i32, Option<bool>, Option<i32>)> = sqlx::query_as(
            "SELECT idx, ok, statements FROM batchops_insert_isolating($1, $2, 'test', $3, $4, $5, $6)",
        )
        .bind(run_id)
        .bind(&key)
        .bind(&lines)
        .bind(vec![item; n])
        .bind(vec![rust_decimal::Decimal::ONE; n])
        .bind(vec![rust_decimal::Decimal::ONE; n])
        .fetch_all(&pool)
        .await
        .expect("isolate");
        let writes = rows
            .iter()
            .find(|r| r.0 == 0)
            .and_then(|r| r.2)
            .expect("the summary row") as usize;
        let refused: Vec<usize> = rows
            .iter()
            .filter(|r| r.1 == Some(false))
            .map(|r| r.0 as usize - 1)
            .collect();
        let landed = rows.iter().filter(|r| r.1 == Some(true)).count();
        let (expected_writes, expected_bad) = bisect(n, &bad);
        assert_eq!(refused, expected_bad, "case {case}: the bad rows");
        assert_eq!(
            refused,
            bad.iter().copied().collect::<Vec<_>>(),
            "case {case}"
        );
        assert_eq!(landed, n - bad.len(), "case {case}: every good row landed");
        assert_eq!(
            writes, expected_writes,
            "case {case}: the database took the writes Bisect takes"
        );
    }
    pool.close().await;
}
