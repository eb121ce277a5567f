//! The bisect fallback isolates bad rows inside one transaction per chunk (savepoints around the
//! parts, hints from the database where it can give them). Whatever the kind of rule that rejects
//! rows — a BEFORE trigger that aborts, a SQLite RAISE(FAIL) that keeps the rows before the bad one,
//! a PostgreSQL AFTER trigger that fails at the end of the statement, rows already imported — the
//! good rows land exactly once, every bad row is found with its own error, and the inventory is the
//! independent sum of the rows that landed.

use crate::support::db::{TestDb, backends, nonzero_inventory};
use crate::support::files::write_file;
use crate::support::library;
use batchops::domain::{Phase, RunReport, RunStatus};
use batchops::engine::{EventSink, FallbackStrategy, ImportOptions};
use batchops::store::FailedQuery;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// `lines` SKU lines over 23 items; line `n` (1-based) has quantity `n % 9 + 1`.
fn file(lines: u64) -> String {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for n in 1..=lines {
        csv.push_str(&format!(
            "SKU-{:02},Item {},{},1.50\n",
            n % 23,
            n % 23,
            n % 9 + 1
        ));
    }
    csv
}

/// The inventory of the lines in `landed`, summed independently.
fn expected(landed: impl IntoIterator<Item = u64>) -> BTreeMap<String, Decimal> {
    let mut inv = BTreeMap::new();
    for n in landed {
        *inv.entry(format!("SKU-{:02}", n % 23))
            .or_insert(Decimal::ZERO) += Decimal::from(n % 9 + 1);
    }
    inv
}

async fn import(db: &TestDb, path: &Path, key: &str, fallback: FallbackStrategy) -> RunReport {
    let opts = ImportOptions {
        chunk_size: 100,
        fallback,
        import_key: Some(key.into()),
        ..ImportOptions::default()
    };
    library::import(db, path, &opts).await
}

/// Reject rows whose line satisfies `condition` (SQL on the new row's `line`).
async fn rule(db: &TestDb, name: &str, condition: &str, sqlite_raise: &str, pg_timing: &str) {
    if db.kind == "sqlite" {
        db.exec(&format!(
            "CREATE TRIGGER {name} BEFORE INSERT ON transactions WHEN {condition} \
             BEGIN SELECT RAISE({sqlite_raise}, 'rejected by rule {name}'); END;"
        ))
        .await;
    } else {
        db.exec(&format!(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF {condition} THEN RAISE EXCEPTION 'rejected by rule {name}'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER {name} {pg_timing} INSERT ON transactions \
             FOR EACH ROW EXECUTE FUNCTION {name}();"
        ))
        .await;
    }
}

async fn check(db: &TestDb, r: &RunReport, bad: &BTreeSet<u64>, lines: u64, what: &str) {
    let failed: Vec<u64> = r.failed_items.iter().map(|f| f.line).collect();
    assert_eq!(
        failed,
        bad.iter().copied().collect::<Vec<_>>(),
        "{} {what}",
        db.kind
    );
    assert!(
        r.failed_items
            .iter()
            .all(|f| f.error.contains("rejected by rule") && f.phase == Phase::BatchInsert),
        "{} {what}: {:?}",
        db.kind,
        r.failed_items.first()
    );
    assert_eq!(
        nonzero_inventory(db).await,
        expected((1..=lines).filter(|n| !bad.contains(n))),
        "{} {what}",
        db.kind
    );
    let stored = db
        .store
        .failed_page(r.run_id, &FailedQuery::all())
        .await
        .unwrap();
    assert_eq!(stored.len(), bad.len(), "{} {what}", db.kind);
    assert!(
        stored.iter().all(|f| f.sqlstate.is_some()),
        "{} {what}",
        db.kind
    );
}

#[tokio::test]
async fn one_row_in_a_hundred_rejected_by_a_trigger_lands_everything_else_once() {
    let lines = 1_000;
    let (_dir, path) = write_file("rule.csv", &file(lines));
    let bad: BTreeSet<u64> = (1..=lines).filter(|n| n % 100 == 7).collect();
    for db in backends().await {
        rule(
            &db,
            "every_hundredth",
            "NEW.line % 100 = 7",
            "ABORT",
            "BEFORE",
        )
        .await;
        let r = import(&db, &path, "k", FallbackStrategy::Bisect).await;
        assert_eq!(r.status, RunStatus::PartialSuccess);
        assert_eq!(r.items_processed, lines - bad.len() as u64);
        assert_eq!(
            r.fallbacks.len(),
            10,
            "every chunk of 100 holds one bad row"
        );
        check(&db, &r, &bad, lines, "abort").await;
        let fallback = r.phase(Phase::Fallback).unwrap().statements;
        // Hints: the whole chunk, the rows before, the row, the rows after in a few doubling
        // parts; a couple of hint queries; the inventory update; the dead-letter record. Item by
        // item would take 3 or more per line, 300 per chunk.
        assert!(fallback <= 10 * 12, "{}: {fallback} statements", db.kind);
    }
}

#[tokio::test]
async fn neighbouring_and_edge_rows_rejected_are_all_found() {
    let lines = 300;
    let (_dir, path) = write_file("edges.csv", &file(lines));
    // First and last rows of chunks, neighbours, and a run of five.
    let bad: BTreeSet<u64> = [1, 2, 100, 101, 150, 151, 152, 153, 154, 199, 200, 300]
        .into_iter()
        .collect();
    let list = bad
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    for db in backends().await {
        rule(
            &db,
            "edges",
            &format!("NEW.line IN ({list})"),
            "ABORT",
            "BEFORE",
        )
        .await;
        let r = import(&db, &path, "k", FallbackStrategy::Bisect).await;
        check(&db, &r, &bad, lines, "edges").await;
    }
}

#[tokio::test]
async fn a_rule_that_keeps_the_rows_before_the_bad_one_still_lands_them_once() {
    // SQLite's RAISE(FAIL) leaves the rows a statement inserted before the bad one in place, and
    // a PostgreSQL AFTER trigger only fails once every row of the statement is in: both must be
    // undone by the savepoint and written again, once.
    let lines = 500;
    let (_dir, path) = write_file("fail.csv", &file(lines));
    let bad: BTreeSet<u64> = (1..=lines).filter(|n| n % 50 == 13).collect();
    for db in backends().await {
        rule(&db, "keeps_before", "NEW.line % 50 = 13", "FAIL", "AFTER").await;
        let r = import(&db, &path, "k", FallbackStrategy::Bisect).await;
        check(&db, &r, &bad, lines, "fail/after").await;
    }
}

#[tokio::test]
async fn a_reimport_adds_nothing_over_landed_lines_and_leaves_the_failed_ones_to_retry() {
    let lines = 400;
    let (_dir, path) = write_file("again.csv", &file(lines));
    for db in backends().await {
        // First run: lines ending in 3 rejected, the rest lands.
        rule(&db, "first_rule", "NEW.line % 10 = 3", "ABORT", "BEFORE").await;
        let first = import(&db, &path, "same", FallbackStrategy::Bisect).await;
        assert_eq!(first.items_failed, 40);
        if db.kind == "sqlite" {
            db.exec("DROP TRIGGER first_rule").await;
        } else {
            db.exec("DROP TRIGGER first_rule ON transactions").await;
        }
        // Second run, same key, lines ending in 7 rejected now: every line has its state from the
        // first run (landed, or failed: a retry is the way out), so nothing is written again.
        rule(&db, "second_rule", "NEW.line % 10 = 7", "ABORT", "BEFORE").await;
        let second = import(&db, &path, "same", FallbackStrategy::Bisect).await;
        assert_eq!(second.items_processed, 0, "{}", db.kind);
        assert_eq!(second.items_already_imported, 360, "{}", db.kind);
        assert!(
            second.failed_items.iter().all(|f| f.line % 10 == 3),
            "{}: {:?}",
            db.kind,
            second.failed_items
        );
        // The retry lands the lines ending in 3 (the second rule does not refuse them).
        let retry = batchops::engine::retry_failed(
            &*db.store,
            first.run_id,
            &batchops::engine::RetryOptions::default(),
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(retry.items_processed, 40, "{}: {retry:?}", db.kind);
        assert_eq!(
            nonzero_inventory(&db).await,
            expected(1..=lines),
            "{}: every line landed once over the run and its retry",
            db.kind
        );
    }
}

#[tokio::test]
async fn bisect_and_sequential_fallbacks_give_the_same_inventory() {
    let lines = 600;
    let (_dir, path) = write_file("same.csv", &file(lines));
    let mut results = Vec::new();
    for fallback in [FallbackStrategy::Bisect, FallbackStrategy::Sequential] {
        for db in backends().await {
            rule(&db, "some_rule", "NEW.line % 37 = 5", "ABORT", "BEFORE").await;
            let r = import(&db, &path, "k", fallback).await;
            let failed: Vec<u64> = r.failed_items.iter().map(|f| f.line).collect();
            results.push((db.kind, fallback, failed, nonzero_inventory(&db).await));
        }
    }
    let reference = &results[0];
    for r in &results[1..] {
        assert_eq!(
            (&r.2, &r.3),
            (&reference.2, &reference.3),
            "{} {:?}",
            r.0,
            r.1
        );
    }
}
