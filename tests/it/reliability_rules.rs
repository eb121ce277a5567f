//! Database rules batchops cannot know in advance: a trigger, a CHECK constraint, a NUL byte that
//! PostgreSQL text refuses, a numeric overflow of an item's quantity. Each refused line fails on its
//! own (the chunk's fallback isolates it) with the database's own message; every other line lands.

use crate::support::db::{self, TestDb, backends, inventory_by_sku};
use crate::support::files::write_file;
use crate::support::library;
use crate::support::oracle::d;
use batchops::domain::{FailedLine, RunReport, RunStatus};
use batchops::engine::{EventSink, FallbackStrategy, ImportOptions};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tokio_util::sync::CancellationToken;

async fn import(db: &TestDb, path: &Path, chunk: usize, fallback: FallbackStrategy) -> RunReport {
    let opts = ImportOptions {
        chunk_size: chunk,
        fallback,
        ..ImportOptions::default()
    };
    library::import(db, path, &opts).await
}

/// `lines` filler lines (SKU FILL-00..FILL-04, quantity 1.5) with `special` (line number → CSV
/// row) put in their place; returns the CSV and the inventory of the filler lines.
fn with_lines(lines: u64, special: &[(u64, String)]) -> (String, BTreeMap<String, Decimal>) {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    let mut inv: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in 1..=lines {
        if let Some((_, row)) = special.iter().find(|(l, _)| *l == line) {
            csv.push_str(row);
        } else {
            let sku = format!("FILL-{:02}", line % 5);
            csv.push_str(&format!("{sku},Filler {},1.5,2.00", line % 5));
            *inv.entry(sku).or_default() += d("1.5");
        }
        csv.push('\n');
    }
    (csv, inv)
}

fn failed_lines(r: &RunReport) -> BTreeSet<u64> {
    r.failed_items.iter().map(|f| f.line).collect()
}

fn failure(r: &RunReport, line: u64) -> &FailedLine {
    r.failed_items
        .iter()
        .find(|f| f.line == line)
        .unwrap_or_else(|| panic!("line {line} failed: {r:?}"))
}

async fn no_duplicates(db: &TestDb) {
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM (SELECT import_key, line FROM transactions \
             GROUP BY import_key, line HAVING COUNT(*) > 1) AS x"
        )
        .await,
        0
    );
}

/// The dead-letter rows stored for the run are the report's failed lines.
async fn dead_letters(db: &TestDb, r: &RunReport) -> BTreeSet<u64> {
    let n = db
        .scalar(&format!(
            "SELECT COUNT(*) FROM failed_items WHERE run_id = {}",
            r.run_id
        ))
        .await;
    assert_eq!(n as usize, r.failed_items.len(), "{}", db.kind);
    failed_lines(r)
}

#[tokio::test]
async fn a_trigger_refusal_fails_its_lines_alone_with_the_triggers_message() {
    let special = vec![
        (17, "BLOCK-1,Blocked thing,4,1.00".to_string()),
        (33, "BLOCK-1,Blocked thing,2.25,1.00".to_string()),
        (34, "BLOCK-1,Blocked thing,1,1.00".to_string()),
    ];
    let (csv, mut expected) = with_lines(60, &special);
    let (_dir, path) = write_file("trigger.csv", &csv);
    for fallback in [FallbackStrategy::Bisect, FallbackStrategy::Sequential] {
        for db in backends().await {
            db.exec("INSERT INTO inventory_items (sku, name) VALUES ('BLOCK-1', 'Blocked thing')")
                .await;
            db.reject_sku("BLOCK-1").await;
            let r = import(&db, &path, 20, fallback).await;
            let ctx = format!("{} {fallback:?}", db.kind);
            assert_eq!(r.status, RunStatus::PartialSuccess, "{ctx}");
            assert_eq!(r.items_processed, 57, "{ctx}");
            assert_eq!(dead_letters(&db, &r).await, BTreeSet::from([17, 33, 34]));
            for line in [17, 33, 34] {
                let f = failure(&r, line);
                assert!(
                    f.error.contains("item BLOCK-1 is blocked by policy"),
                    "{ctx}: {f:?}"
                );
            }
            if db.kind == "postgres" {
                assert_eq!(failure(&r, 17).sqlstate.as_deref(), Some("P0001"), "{ctx}");
            }
            expected.insert("BLOCK-1".into(), Decimal::ZERO);
            assert_eq!(inventory_by_sku(&*db.store).await, expected, "{ctx}");
            no_duplicates(&db).await;
        }
    }
}

#[tokio::test]
async fn a_check_constraint_fails_its_line_alone_with_the_constraints_message() {
    // PostgreSQL: an operator's CHECK added to the table. SQLite cannot add a CHECK to an existing
    // table; its built-in CHECK on the quantity range is exercised by the overflow test below.
    let Some(db) = db::postgres().await else {
        return;
    };
    db.exec("ALTER TABLE transactions ADD CONSTRAINT at_most_a_thousand CHECK (quantity <= 1000)")
        .await;
    let special = vec![(8, "BIG-1,Big thing,1000.0001,1.00".to_string())];
    let (csv, expected) = with_lines(40, &special);
    let (_dir, path) = write_file("check.csv", &csv);
    let r = import(&db, &path, 16, FallbackStrategy::Bisect).await;
    assert_eq!(r.status, RunStatus::PartialSuccess);
    assert_eq!(dead_letters(&db, &r).await, BTreeSet::from([8]));
    let f = failure(&r, 8);
    assert_eq!(f.sqlstate.as_deref(), Some("23514"), "{f:?}");
    assert!(f.error.contains("at_most_a_thousand"), "{f:?}");
    let mut expected = expected;
    // The chunk's fallback created the item in the same transaction as its line; the item may
    // stay at 0 or not exist at all, but never holds the refused quantity.
    let inv = inventory_by_sku(&*db.store).await;
    if let Some(q) = inv.get("BIG-1") {
        assert_eq!(*q, Decimal::ZERO);
        expected.insert("BIG-1".into(), Decimal::ZERO);
    }
    assert_eq!(inv, expected);
    no_duplicates(&db).await;
}

#[tokio::test]
async fn a_nul_byte_in_a_description_is_refused_by_postgresql_alone_and_lands_on_sqlite() {
    // A new item (no SKU: named by its description) and a new SKU item, each with a NUL byte.
    let special = vec![
        (5, ",Bad\u{0}Name,3,1.00".to_string()),
        (11, "NUL-1,Nul\u{0}Thing,2,1.00".to_string()),
    ];
    let (csv, filler) = with_lines(30, &special);
    let (_dir, path) = write_file("nul.csv", &csv);
    for db in backends().await {
        let r = import(&db, &path, 10, FallbackStrategy::Bisect).await;
        let ctx = db.kind;
        let inv = inventory_by_sku(&*db.store).await;
        for (sku, q) in &filler {
            assert_eq!(inv.get(sku), Some(q), "{ctx}: the other lines landed");
        }
        no_duplicates(&db).await;
        let failed = dead_letters(&db, &r).await;
        if db.kind == "postgres" {
            // Text refuses NUL: each of the two lines fails on its own with PostgreSQL's message.
            assert_eq!(r.status, RunStatus::PartialSuccess, "{ctx}: {r:?}");
            assert_eq!(failed, BTreeSet::from([5, 11]), "{ctx}: {r:?}");
            for line in [5, 11] {
                let f = failure(&r, line);
                assert_eq!(f.sqlstate.as_deref(), Some("22021"), "{ctx}: {f:?}");
                assert!(f.error.contains("0x00"), "{ctx}: {f:?}");
            }
            assert_eq!(r.items_processed, 28);
            assert_eq!(
                inv.len(),
                filler.len(),
                "{ctx}: no item with a NUL: {inv:?}"
            );
        } else {
            // SQLite text holds NUL: both lines land, on items named with the NUL.
            assert_eq!(r.status, RunStatus::Success, "{ctx}: {r:?}");
            assert!(failed.is_empty());
            assert_eq!(r.items_processed, 30);
            assert_eq!(inv.get("NUL-1"), Some(&d("2")), "{ctx}: {inv:?}");
            let names: Vec<String> = db
                .store
                .inventory()
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.name)
                .collect();
            assert!(names.iter().any(|n| n == "Bad\u{0}Name"), "{names:?}");
            assert!(names.iter().any(|n| n == "Nul\u{0}Thing"), "{names:?}");
        }
    }
}

#[tokio::test]
async fn a_quantity_overflowing_numeric_18_4_fails_the_overflowing_line_alone() {
    // 99,999,999,999,999.9999 is the largest NUMERIC(18,4) (and SQLite's CHECK bound). Line 9
    // would take OVF-1 past it: that line fails; line 5 before it and line 12 after it land.
    let special = vec![
        (5, "OVF-1,Huge,99999999999999,1.00".to_string()),
        (9, "OVF-1,Huge,99999999999999,1.00".to_string()),
        (12, "OVF-1,Huge,-5.5,1.00".to_string()),
    ];
    let (csv, mut expected) = with_lines(24, &special);
    expected.insert("OVF-1".into(), d("99999999999993.5"));
    let (_dir, path) = write_file("overflow.csv", &csv);
    for fallback in [FallbackStrategy::Bisect, FallbackStrategy::Sequential] {
        for db in backends().await {
            let ctx = format!("{} {fallback:?}", db.kind);
            let r = import(&db, &path, 24, fallback).await;
            assert_eq!(r.status, RunStatus::PartialSuccess, "{ctx}: {r:?}");
            assert_eq!(dead_letters(&db, &r).await, BTreeSet::from([9]), "{ctx}");
            let f = failure(&r, 9);
            if db.kind == "postgres" {
                assert_eq!(f.sqlstate.as_deref(), Some("22003"), "{ctx}: {f:?}");
                assert!(f.error.contains("numeric field overflow"), "{ctx}: {f:?}");
            } else {
                assert!(f.error.contains("CHECK constraint failed"), "{ctx}: {f:?}");
            }
            assert_eq!(inventory_by_sku(&*db.store).await, expected, "{ctx}");
            no_duplicates(&db).await;
        }
    }
}

/// A rule added after lines landed fires again when they come again (a BEFORE INSERT trigger runs
/// before `ON CONFLICT DO NOTHING` skips the row): a re-import and a retry must count those lines as
/// already imported, not failed, and leave no dead letter for them.
#[tokio::test]
async fn a_rule_added_after_lines_landed_does_not_fail_them_on_reimport_or_retry() {
    let special = vec![
        (4, "LATE-1,Late rule,2.5,1.00".to_string()),
        (9, "LATE-1,Late rule,1.25,1.00".to_string()),
    ];
    let (csv, mut expected) = with_lines(20, &special);
    expected.insert("LATE-1".into(), d("3.75"));
    let (_dir, path) = write_file("late.csv", &csv);
    for fallback in [FallbackStrategy::Bisect, FallbackStrategy::Sequential] {
        for db in backends().await {
            let ctx = format!("{} {fallback:?}", db.kind);
            // Run 1: LATE-1 refused (the item exists, the rule is in place).
            db.exec("INSERT INTO inventory_items (sku, name) VALUES ('LATE-1', 'Late rule')")
                .await;
            db.reject_sku("LATE-1").await;
            let first = import(&db, &path, 8, fallback).await;
            assert_eq!(failed_lines(&first), BTreeSet::from([4, 9]), "{ctx}");
            // The rule goes; a re-import keeps them failed (run 2): a retry is the way out.
            db.drop_reject("LATE-1").await;
            let second = import(&db, &path, 8, fallback).await;
            assert_eq!(second.items_processed, 0, "{ctx}: {second:?}");
            assert_eq!(failed_lines(&second), BTreeSet::from([4, 9]), "{ctx}");
            let landed = retry(&db, first.run_id).await;
            assert_eq!(landed.status, RunStatus::Success, "{ctx}: {landed:?}");
            assert_eq!(landed.items_processed, 2, "{ctx}: {landed:?}");
            // The rule comes back. Importing again: nothing fails, all already imported.
            if db.kind == "postgres" {
                db.exec("DROP FUNCTION reject_LATE_1()").await;
            }
            db.reject_sku("LATE-1").await;
            let third = import(&db, &path, 8, fallback).await;
            assert_eq!(third.status, RunStatus::Success, "{ctx}: {third:?}");
            assert_eq!(third.items_already_imported, 20, "{ctx}: {third:?}");
            assert!(dead_letters(&db, &third).await.is_empty(), "{ctx}");
            // Retrying run 1 again: its failed lines were resolved when they landed.
            let again = retry(&db, first.run_id).await;
            assert_eq!(again.status, RunStatus::Success, "{ctx}: {again:?}");
            assert_eq!(
                again.items_processed + again.items_failed,
                0,
                "{ctx}: {again:?}"
            );
            assert_eq!(inventory_by_sku(&*db.store).await, expected, "{ctx}");
            no_duplicates(&db).await;
        }
    }
}

/// Retry the failed lines of `run_id`.
async fn retry(db: &db::TestDb, run_id: i64) -> batchops::domain::RunReport {
    batchops::engine::retry_failed(
        &*db.store,
        run_id,
        &batchops::engine::RetryOptions::default(),
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
    .unwrap()
}
