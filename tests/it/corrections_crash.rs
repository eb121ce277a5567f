//! Exactly once under faults, for every correction path: the real binary is killed with SIGKILL at
//! a fail point inside the correction (crates/batchops-core/src/failpoint.rs), on a SQLite file and on PostgreSQL. After
//! the kill the inventory is what it was before (a correction is one transaction), nothing is in
//! the audit; the same correction run again ends with the inventory an independent computation
//! gives, no line twice and no item whose quantity drifted from its rows.

use crate::support::binary::{batchops, batchops_env, inventory, json, signal, text};
use crate::support::db::{TestDb, backends, drift, duplicates};
use crate::support::files::write_file;
use crate::support::oracle::{Oracle, d, oracle};
use std::path::Path;

async fn assert_exact(db: &TestDb, want: &Oracle, ctx: &str) {
    assert_eq!(
        &inventory(&db.url),
        want,
        "{}: {ctx}: inventory equals the oracle",
        db.kind
    );
    assert_eq!(duplicates(db).await, 0, "{}: {ctx}: no line twice", db.kind);
    assert_eq!(
        drift(db).await,
        0,
        "{}: {ctx}: every quantity is the sum of its rows",
        db.kind
    );
}

fn import(url: &str, path: &Path) {
    let out = batchops(url, &["import", path.to_str().unwrap()]);
    assert!(
        matches!(out.status.code(), Some(0 | 2 | 3)),
        "{}",
        text(&out)
    );
}

/// Run `args` armed to die at `point`: it must die by SIGKILL there.
fn killed_at(url: &str, args: &[&str], point: &str) {
    let out = batchops_env(url, args, &[("BATCHOPS_FAILPOINT", point)]);
    assert_eq!(
        signal(&out),
        Some(9),
        "{args:?} killed at {point}: {}",
        text(&out)
    );
}

async fn audit_rows(db: &TestDb) -> i64 {
    db.scalar("SELECT COUNT(*) FROM corrections").await
}

/// A correction killed at `point`, then run again.
async fn kill_then_again(db: &TestDb, args: &[&str], point: &str, before: &Oracle, after: &Oracle) {
    let audit = audit_rows(db).await;
    killed_at(&db.url, args, point);
    assert_exact(db, before, &format!("killed at {point}: nothing of it")).await;
    assert_eq!(
        audit_rows(db).await,
        audit,
        "{}: no audit row for a correction that did not happen",
        db.kind
    );
    let out = batchops(&db.url, args);
    assert!(
        out.status.success(),
        "{}: {args:?} again: {}",
        db.kind,
        text(&out)
    );
    assert_exact(
        db,
        after,
        &format!("{args:?} again after the kill at {point}"),
    )
    .await;
    assert_eq!(
        audit_rows(db).await,
        audit + 1,
        "{}: one audit row",
        db.kind
    );
}

const FILE: &str = "sku,description,quantity,unit_price\n\
PW-8,Penny Washer M8 Zinc Box of 100,10,1\n\
PW-6,Penny Washer M6 Zinc Box of 100,10.5,1\n\
,Penny Wahser M8 Zinc Box of 100,6,1\n\
BOLT,Bolt,abc,1\n";

#[tokio::test]
async fn a_revert_killed_inside_its_transaction_then_run_again_is_exact() {
    for point in ["revert_after_delete", "revert_before_commit"] {
        for db in backends().await {
            let (_dir, f) = write_file("f.csv", FILE);
            let (_d2, g) = write_file(
                "g.csv",
                "sku,description,quantity,unit_price\nPW-8,x,1.25,1\n",
            );
            import(&db.url, &f);
            import(&db.url, &g);
            let before = oracle(&[("PW-8", "17.25"), ("PW-6", "10.5")]);
            assert_exact(&db, &before, "imported").await;
            let after = oracle(&[("PW-8", "1.25"), ("PW-6", "0")]);
            kill_then_again(&db, &["revert", "1"], point, &before, &after).await;
            // And once more: nothing changes.
            let out = batchops(&db.url, &["revert", "1"]);
            assert!(out.status.success());
            assert_exact(&db, &after, "reverted twice").await;
        }
    }
}

#[tokio::test]
async fn an_alias_move_killed_inside_its_transaction_then_run_again_is_exact() {
    for point in ["alias_move_after_update", "alias_move_before_commit"] {
        for db in backends().await {
            let (_dir, f) = write_file("f.csv", FILE);
            import(&db.url, &f);
            let before = oracle(&[("PW-8", "16"), ("PW-6", "10.5")]);
            assert_exact(&db, &before, "imported").await;
            let after = oracle(&[("PW-8", "10"), ("PW-6", "16.5")]);
            kill_then_again(
                &db,
                &[
                    "aliases",
                    "move",
                    "Penny Wahser M8 Zinc Box of 100",
                    "--to",
                    "PW-6",
                ],
                point,
                &before,
                &after,
            )
            .await;
        }
    }
}

#[tokio::test]
async fn a_merge_killed_inside_its_transaction_then_run_again_is_exact() {
    for point in ["merge_after_move", "merge_before_commit"] {
        for db in backends().await {
            let (_dir, f) = write_file("f.csv", FILE);
            import(&db.url, &f);
            let before = oracle(&[("PW-8", "16"), ("PW-6", "10.5")]);
            let after = oracle(&[("PW-8", "0"), ("PW-6", "26.5")]);
            kill_then_again(
                &db,
                &["items", "merge", "PW-8", "--into", "PW-6"],
                point,
                &before,
                &after,
            )
            .await;
            let retired = db
                .scalar("SELECT COUNT(*) FROM inventory_items WHERE retired_at IS NOT NULL")
                .await;
            assert_eq!(retired, 1, "{}", db.kind);
        }
    }
}

#[tokio::test]
async fn a_reject_file_import_killed_mid_line_then_imported_again_lands_the_line_once() {
    for point in ["one_after_insert", "reject_after_land"] {
        for db in backends().await {
            let (dir, f) = write_file("f.csv", FILE);
            import(&db.url, &f);
            let rej = dir.path().join("rej.csv");
            let out = batchops(
                &db.url,
                &[
                    "failed",
                    "1",
                    "--format",
                    "csv",
                    "-o",
                    rej.to_str().unwrap(),
                ],
            );
            assert!(out.status.success(), "{}", text(&out));
            let fixed = std::fs::read_to_string(&rej)
                .unwrap()
                .replace(",abc,", ",4,");
            let fixed_path = dir.path().join("fixed.csv");
            std::fs::write(&fixed_path, fixed).unwrap();
            let before = oracle(&[("PW-8", "16"), ("PW-6", "10.5")]);
            assert_exact(&db, &before, "imported").await;
            killed_at(&db.url, &["import", fixed_path.to_str().unwrap()], point);
            let landed = db
                .scalar("SELECT COUNT(*) FROM transactions WHERE line = 4")
                .await;
            let resolved = db
                .scalar(
                    "SELECT COUNT(*) FROM failed_items WHERE line = 4 AND resolved_at IS NOT NULL",
                )
                .await;
            assert_eq!(
                resolved, landed,
                "{}: the failed item is resolved by the write that lands the line, never apart",
                db.kind
            );
            let mut want = before.clone();
            if landed == 1 {
                want.insert("BOLT".into(), d("4"));
            }
            assert_eq!(
                (point, landed),
                (point, if point == "reject_after_land" { 1 } else { 0 }),
                "{}: the line's transaction is whole or absent",
                db.kind
            );
            assert_exact(&db, &want, &format!("killed at {point}")).await;
            let out = batchops(
                &db.url,
                &["import", "--format", "json", fixed_path.to_str().unwrap()],
            );
            assert!(out.status.success(), "{}", text(&out));
            let r = json(&out);
            assert_eq!(
                r["items_processed"].as_u64().unwrap()
                    + r["items_already_imported"].as_u64().unwrap(),
                1,
                "{r}"
            );
            let after = oracle(&[("PW-8", "16"), ("PW-6", "10.5"), ("BOLT", "4")]);
            assert_exact(&db, &after, "imported again after the kill").await;
            let resolved = db
                .scalar(
                    "SELECT COUNT(*) FROM failed_items WHERE line = 4 AND resolved_at IS NOT NULL",
                )
                .await;
            assert_eq!(
                resolved, 1,
                "{}: the original failed item is resolved",
                db.kind
            );
        }
    }
}
