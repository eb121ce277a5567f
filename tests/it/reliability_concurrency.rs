//! Concurrent importers: several `batchops import` processes at once on the same database, with
//! overlapping SKUs (the same few inventory rows updated by all, in different orders, and the items
//! created by whichever gets there first). Every run ends `success`, no lock or deadlock error reaches
//! the user (transient retries absorb them), and the inventory is exactly the independent sum. Also:
//! the same file imported twice at the same moment lands once (the second writer of a key is
//! refused). Every pair of writing commands on one run: tests/it/concurrency_matrix.rs.

use crate::support::db::{self, TestDb, inventory_by_sku};
use crate::support::files::write_file;
use crate::support::oracle::d;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SKUS: usize = 9;

/// File `n` of a set: every line has one of the same few SKUs, file by file in a different order
/// (some reversed), with exact decimal quantities and some credits.
fn file(n: usize, lines: usize, total: &mut BTreeMap<String, Decimal>) -> String {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for i in 0..lines {
        let k = if n.is_multiple_of(2) {
            (i * (n + 1)) % SKUS
        } else {
            SKUS - 1 - (i * (n + 2)) % SKUS
        };
        let sku = format!("CC-{k:02}");
        let sign = if (i + n).is_multiple_of(11) { "-" } else { "" };
        let qty = format!("{sign}{}.{:03}", (i + n) % 9 + 1, (i * 31 + n) % 1000);
        csv.push_str(&format!("{sku},Shared item {k},{qty},3.10\n"));
        *total.entry(sku).or_default() += d(&qty);
    }
    csv
}

fn spawn(url: &str, path: &Path, chunk: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_batchops"))
        .env_remove("DATABASE_URL")
        .env_remove("BATCHOPS_FAILPOINT")
        .args(["--database-url", url, "import", "--format", "json"])
        // Each file is a batch of its own; they share many lines by content.
        .args(["--as-new-invoice", "--chunk-size", chunk])
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn batchops")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Start all imports at once and wait for them: their JSON reports.
fn all_at_once(url: &str, paths: &[PathBuf], chunk: &str) -> Vec<Value> {
    let children: Vec<_> = paths.iter().map(|p| spawn(url, p, chunk)).collect();
    children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            let t = text(&o);
            assert_eq!(o.status.code(), Some(0), "{t}");
            let lower = String::from_utf8_lossy(&o.stderr).to_lowercase();
            for bad in [
                "deadlock",
                "database is locked",
                "could not serialize",
                "error",
            ] {
                assert!(!lower.contains(bad), "{bad:?} reached the user: {t}");
            }
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {t}"))
        })
        .collect()
}

async fn assert_exact(db: &TestDb, expected: &BTreeMap<String, Decimal>, lines: i64) {
    assert_eq!(
        &inventory_by_sku(&*db.store).await,
        expected,
        "{}: inventory",
        db.kind
    );
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM (SELECT import_key, line FROM transactions \
             GROUP BY import_key, line HAVING COUNT(*) > 1) AS x"
        )
        .await,
        0,
        "{}: no (import_key, line) twice",
        db.kind
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM transactions").await,
        lines,
        "{}",
        db.kind
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM inventory_items").await,
        expected.len() as i64,
        "{}: each SKU created once",
        db.kind
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM failed_items").await, 0);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM import_runs WHERE status <> 'success'")
            .await,
        0,
        "{}: every run stored as success",
        db.kind
    );
}

async fn overlapping(db: TestDb, importers: usize, lines: usize, chunk: &'static str) {
    let mut expected = BTreeMap::new();
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..importers)
        .map(|n| {
            let p = dir.path().join(format!("part-{n}.csv"));
            std::fs::write(&p, file(n, lines, &mut expected)).unwrap();
            p
        })
        .collect();
    let url = db.url.clone();
    let reports = tokio::task::spawn_blocking(move || all_at_once(&url, &paths, chunk))
        .await
        .unwrap();
    let mut retries = 0;
    for r in &reports {
        assert_eq!(r["status"], "success", "{}: {r}", db.kind);
        assert_eq!(r["items_processed"], lines as u64, "{}: {r}", db.kind);
        retries += r["transient_retries"].as_u64().unwrap_or(0);
    }
    eprintln!(
        "{}: {importers} importers, {retries} transient retries in all",
        db.kind
    );
    assert_exact(&db, &expected, (importers * lines) as i64).await;
}

#[tokio::test]
async fn four_overlapping_imports_at_once_on_postgresql_are_exact() {
    let Some(db) = db::postgres().await else {
        return;
    };
    overlapping(db, 4, 3_000, "50").await;
}

#[tokio::test]
async fn two_overlapping_imports_at_once_on_sqlite_are_exact() {
    overlapping(db::sqlite().await, 2, 3_000, "50").await;
}

/// The same file (same import key) started twice at the same moment: one writer per import key,
/// so the second is refused naming the first (or, started after the first finished, finds every
/// line already imported); each line lands once.
async fn same_file_twice(db: TestDb) {
    let mut expected = BTreeMap::new();
    let csv = file(0, 2_000, &mut expected);
    let (_dir, path) = write_file("same.csv", &csv);
    let url = db.url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let children = [spawn(&url, &path, "40"), spawn(&url, &path, "40")];
        children.map(|c| c.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    let mut reports = Vec::new();
    for o in &outputs {
        let t = text(o);
        if o.status.code() == Some(0) {
            reports.push(
                serde_json::from_slice::<Value>(&o.stdout).unwrap_or_else(|e| panic!("{e}: {t}")),
            );
        } else {
            assert_eq!(o.status.code(), Some(1), "{t}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("`import`")
                    && err.contains("is writing under import key")
                    && err.contains("refused"),
                "{}: the refusal names the running import: {t}",
                db.kind
            );
        }
    }
    assert!(!reports.is_empty(), "{}: one of them ran", db.kind);
    let processed: u64 = reports
        .iter()
        .map(|r| r["items_processed"].as_u64().unwrap())
        .sum();
    assert_eq!(processed, 2_000, "{}: {reports:?}", db.kind);
    for r in &reports {
        assert_eq!(r["status"], "success", "{}: {r}", db.kind);
        assert_eq!(
            r["items_processed"].as_u64().unwrap() + r["items_already_imported"].as_u64().unwrap(),
            2_000,
            "{}: {r}",
            db.kind
        );
    }
    assert_exact(&db, &expected, 2_000).await;
}

#[tokio::test]
async fn the_same_file_imported_twice_at_once_lands_once_on_postgresql() {
    let Some(db) = db::postgres().await else {
        return;
    };
    same_file_twice(db).await;
}

#[tokio::test]
async fn the_same_file_imported_twice_at_once_lands_once_on_sqlite() {
    same_file_twice(db::sqlite().await).await;
}

/// The long variant (`--ignored`): eight importers of 8,000 lines each on PostgreSQL, small chunks.
#[tokio::test]
#[ignore = "soak: run from .ci/run with --ignored"]
async fn soak_eight_overlapping_imports_on_postgresql() {
    let Some(db) = db::postgres().await else {
        return;
    };
    overlapping(db, 8, 8_000, "25").await;
}

/// PostgreSQL writes a chunk none of whose lines is stored yet without `ON CONFLICT`. Another
/// writer of the same import key that stores one of its lines after that check (here: a
/// transaction holding line 3 uncommitted while the chunk is written, committed once the chunk
/// waits on it) makes that insert fail as a whole; the chunk then goes in skipping line 3, and
/// every line still lands once.
#[tokio::test]
async fn a_line_stored_by_another_writer_during_a_fresh_chunk_is_skipped_on_postgresql() {
    raced_line_three(true).await;
}

/// As above with the file's items new: the chunk creates them, each starting at the sum of the
/// chunk's rows that name it. The other writer's line 3 names an item of its own, so the item the
/// import mapped line 3 to started at a quantity whose row did not go in: the chunk's inventory
/// update takes it back.
#[tokio::test]
async fn a_new_item_whose_row_another_writer_stored_first_keeps_only_the_rows_that_went_in() {
    raced_line_three(false).await;
}

/// The race of line 3 (see the tests above); `items_exist`: the file's items are there before.
async fn raced_line_three(items_exist: bool) {
    use sqlx::Connection;
    let Some(db) = db::postgres().await else {
        return;
    };
    let key = "race-key";
    let mut expected = BTreeMap::new();
    let csv = file(0, 30, &mut expected);
    let (_dir, path) = write_file("race.csv", &csv);
    // The first line's SKU, so the other writer's row names an item the file also moves.
    let line3 = csv.lines().nth(3).unwrap().to_string();
    let sku3 = line3.split(',').next().unwrap().to_string();
    let qty3 = d(line3.split(',').nth(2).unwrap());
    let sku3 = if items_exist {
        // The items exist before the race (the file's own first run would create them).
        db.exec(&format!(
            "INSERT INTO inventory_items (sku, name) SELECT DISTINCT s, s FROM (VALUES {}) AS v(s)",
            expected
                .keys()
                .map(|s| format!("('{s}')"))
                .collect::<Vec<_>>()
                .join(",")
        ))
        .await;
        sku3
    } else {
        // Only the other writer's item exists; line 3's quantity goes to it, not to the item
        // the import creates for line 3's SKU.
        db.exec("INSERT INTO inventory_items (sku, name) VALUES ('OTHER-3', 'Other writer')")
            .await;
        *expected.get_mut(&sku3).expect("line 3's SKU") -= qty3;
        expected.insert("OTHER-3".into(), qty3);
        "OTHER-3".to_string()
    };
    // The key is numbered before (as by an earlier run), so the import's run does not wait.
    db.exec(&format!("SELECT batchops_import_no('{key}')"))
        .await;
    let mut other = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "BEGIN;
         INSERT INTO import_runs (source, import_key, mode, status, operator, started_at, heartbeat_at)
           VALUES ('other', '{key}', 'batch', 'success', 'other', now(), now());
         INSERT INTO transactions (run_id, import_key, import_no, line, item_id, quantity, unit_cost, operator)
           SELECT currval(pg_get_serial_sequence('import_runs', 'id')), '{key}', batchops_import_no('{key}'),
                  3, id, {qty3}, 3.10, 'other' FROM inventory_items WHERE sku = '{sku3}';
         UPDATE inventory_items SET quantity = quantity + {qty3} WHERE sku = '{sku3}';"
    )))
    .execute(&mut other)
    .await
    .expect("the other writer's line 3");
    let child = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .env_remove("DATABASE_URL")
        .env_remove("BATCHOPS_FAILPOINT")
        .args(["--database-url", &db.url, "import", "--format", "json"])
        .args(["--import-key", key, "--chunk-size", "100"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn batchops");
    // The import's chunk, finding no stored line in its range, inserts without ON CONFLICT and
    // waits on the uncommitted line 3.
    let other_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut other)
        .await
        .expect("backend pid");
    let waiting = |db: &TestDb| {
        let url = db.url.clone();
        async move {
            let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            )
            .bind(other_pid)
            .fetch_one(&mut c)
            .await
            .expect("pg_stat_activity")
        }
    };
    let mut waited = 0;
    while waiting(&db).await == 0 {
        waited += 1;
        assert!(waited < 200, "the import never waited on the other writer");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut other)
        .await
        .expect("commit the other writer");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .expect("wait");
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(report["items_already_imported"], 1, "{report}");
    assert_eq!(report["items_processed"], 29, "{report}");
    // The one chunk took the range probe, the insert that failed on line 3, the insert skipping
    // it, and the inventory update; with new items, the items' insert and the look-up of their
    // ids too.
    let statements: u64 = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "batch_insert" || p["name"] == "inventory_update")
        .map(|p| p["statements"].as_u64().unwrap())
        .sum();
    assert_eq!(statements, if items_exist { 4 } else { 6 }, "{report}");
    assert_exact(&db, &expected, 30).await;
}
