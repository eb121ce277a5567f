//! Concurrent importers: several `batchops import` processes at once on the same database, with
//! overlapping SKUs (the same few inventory rows updated by all, in different orders, and the items
//! created by whichever gets there first). Every run ends `success`, no lock or deadlock error reaches
//! the user (transient retries absorb them), and the inventory is exactly the independent sum. Also:
//! the same file imported twice at the same moment lands once.

mod common;

use common::{TestDb, write_file};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

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
        .args(["--chunk-size", chunk])
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

async fn inventory(db: &TestDb) -> BTreeMap<String, Decimal> {
    db.store
        .inventory()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.sku, r.quantity))
        .collect()
}

async fn assert_exact(db: &TestDb, expected: &BTreeMap<String, Decimal>, lines: i64) {
    assert_eq!(&inventory(db).await, expected, "{}: inventory", db.kind);
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
    let Some(db) = common::postgres().await else {
        return;
    };
    overlapping(db, 4, 3_000, "50").await;
}

#[tokio::test]
async fn two_overlapping_imports_at_once_on_sqlite_are_exact() {
    overlapping(common::sqlite().await, 2, 3_000, "50").await;
}

/// The same file (same import key) started twice at the same moment: each line lands once, and
/// between them the two runs account for each line exactly once.
async fn same_file_twice(db: TestDb) {
    let mut expected = BTreeMap::new();
    let csv = file(0, 2_000, &mut expected);
    let (_dir, path) = write_file("same.csv", &csv);
    let url = db.url.clone();
    let reports =
        tokio::task::spawn_blocking(move || all_at_once(&url, &[path.clone(), path.clone()], "40"))
            .await
            .unwrap();
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
    let Some(db) = common::postgres().await else {
        return;
    };
    same_file_twice(db).await;
}

#[tokio::test]
async fn the_same_file_imported_twice_at_once_lands_once_on_sqlite() {
    same_file_twice(common::sqlite().await).await;
}

/// The long variant (`--ignored`): eight importers of 8,000 lines each on PostgreSQL, small chunks.
#[tokio::test]
#[ignore = "soak: run with --ignored"]
async fn soak_eight_overlapping_imports_on_postgresql() {
    let Some(db) = common::postgres().await else {
        return;
    };
    overlapping(db, 8, 8_000, "25").await;
}
