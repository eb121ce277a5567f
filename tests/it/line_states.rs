//! One state per line: re-imports keep held and failed lines as they are, a stopped run resumed
//! ends as one uninterrupted run (however it stopped, killed while resuming included), and a
//! review decision killed midway leaves its lines held. Every case ends with the oracle: no line
//! identity in two states, every item's quantity the sum of its landed rows.

use crate::support::binary::{batchops_env, json, signal, text};
use crate::support::db::{self, LineStates, TestDb, line_states, nonzero_inventory};
use crate::support::library::import;
use crate::support::oracle::{Rng, d};
use batchops::engine::review::{Choice, decide};
use batchops::engine::{ErrorBudget, EventSink, ImportOptions, ProgressEvent, import_file};
use batchops::generate::{GenerateOptions, generate};
use batchops::store::HeldFilter;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// The oracle: no line identity in two states (nor twice in one), and every item's quantity the
/// sum of its landed rows (items start at 0 here).
async fn assert_oracle(db: &TestDb, ctx: &str) {
    let twice = db
        .scalar(
            "SELECT COUNT(*) FROM (SELECT import_key, line FROM ( \
               SELECT import_key, line FROM transactions \
               UNION ALL SELECT import_key, line FROM held_lines WHERE decided_at IS NULL \
               UNION ALL SELECT import_key, line FROM failed_items WHERE resolved_at IS NULL \
             ) AS s GROUP BY import_key, line HAVING COUNT(*) > 1) AS x",
        )
        .await;
    assert_eq!(twice, 0, "{ctx}: a line in two states (or twice in one)");
    let drift = db
        .scalar(
            "SELECT COUNT(*) FROM inventory_items i WHERE i.quantity <> \
             COALESCE((SELECT SUM(t.quantity) FROM transactions t WHERE t.item_id = i.id), 0)",
        )
        .await;
    assert_eq!(
        drift, 0,
        "{ctx}: an item's quantity is not the sum of its rows"
    );
}

/// A run cut short by `max_lines` ends finished (it read all it was asked to read); an operator's
/// cancel at that very line ends `cancelled`, and only that is resumed. The run is given that
/// status here, so a stop at an exact line can be resumed like a cancel.
pub async fn as_cancelled(db: &TestDb, run_id: i64) {
    db.exec(&format!(
        "UPDATE import_runs SET status = 'cancelled' WHERE id = {run_id}"
    ))
    .await;
}

/// Pairs of fresh databases of each backend: one for the stopped run, one for the reference.
async fn pairs_of_dbs() -> Vec<(TestDb, TestDb)> {
    let mut out = vec![(db::sqlite().await, db::sqlite().await)];
    if let (Some(a), Some(b)) = (db::postgres().await, db::postgres().await) {
        out.push((a, b));
    }
    out
}

const BOLTS: &str = "INSERT INTO inventory_items (sku, name) VALUES \
    ('HB-M8-40', 'Hex Bolt M8 x 40mm Zinc'), ('HB-M8-50', 'Hex Bolt M8 x 50mm Zinc')";

/// Line 1 is held (two bolts read the same); line 2 creates NEW-1, named like line 1.
const INVOICE: &str = "sku,description,quantity,unit_price\n\
    ,Hex Bolt M8 Zinc,10,0.30\n\
    NEW-1,Hex Bolt M8 Zinc,5,0.30\n";

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[tokio::test]
async fn a_reimport_keeps_a_held_line_held_and_its_decision_lands_it_on_the_chosen_item() {
    for db in db::backends().await {
        let ctx = db.kind;
        db.exec(BOLTS).await;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "invoice.csv", INVOICE);
        let first = import(&db, &path, &ImportOptions::default()).await;
        assert_eq!((first.items_processed, first.items_held), (1, 1), "{ctx}");
        let again = import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(again.items_processed, 0, "{ctx}: {again:?}");
        let seen = line_states(&db).await;
        assert_eq!(seen.held.keys().copied().collect::<Vec<_>>(), [1], "{ctx}");
        assert_eq!(
            seen.landed,
            BTreeMap::from([(2, "NEW-1".to_string())]),
            "{ctx}: the held line is not mapped again"
        );
        assert_eq!(
            nonzero_inventory(&db).await,
            BTreeMap::from([("NEW-1".to_string(), d("5"))]),
            "{ctx}"
        );
        assert_oracle(&db, ctx).await;

        let held = db.store.held(&HeldFilter::Open).await.unwrap();
        let out = decide(
            &*db.store,
            held[0].id,
            &Choice::Item("HB-M8-40".into()),
            "alice",
        )
        .await
        .unwrap();
        assert_eq!(out.landed, 1, "{ctx}");
        assert_eq!(
            nonzero_inventory(&db).await,
            BTreeMap::from([
                ("HB-M8-40".to_string(), d("10")),
                ("NEW-1".to_string(), d("5"))
            ]),
            "{ctx}: the decision lands the line on the chosen item"
        );
        // A third import changes nothing.
        let third = import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(third.items_processed, 0, "{ctx}");
        assert_eq!(third.items_already_imported, 2, "{ctx}");
        assert_eq!(nonzero_inventory(&db).await.len(), 2, "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

/// A generated invoice with held lines, lines that create items, and bad lines.
fn generated(dir: &Path, lines: u64, seed: u64) -> PathBuf {
    let mut csv = Vec::new();
    generate(
        &GenerateOptions {
            lines,
            items: 300,
            bad_ratio: 0.01,
            seed,
            ..GenerateOptions::default()
        },
        &mut csv,
    )
    .unwrap();
    let path = dir.join("generated.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// The reference: the file imported once, uninterrupted, into `db`.
async fn uninterrupted(db: &TestDb, path: &Path, chunk: usize) -> LineStates {
    let r = import(
        db,
        path,
        &ImportOptions {
            chunk_size: chunk,
            ..ImportOptions::default()
        },
    )
    .await;
    assert!(r.stop_reason.is_none(), "{r:?}");
    let seen = line_states(db).await;
    assert!(
        !seen.held.is_empty() && !seen.failed.is_empty(),
        "the file has held and bad lines"
    );
    seen
}

async fn assert_same_as_uninterrupted(
    db: &TestDb,
    reference: &TestDb,
    want: &LineStates,
    ctx: &str,
) {
    let got = line_states(db).await;
    assert_eq!(got.landed.len(), want.landed.len(), "{ctx}: landed lines");
    assert_eq!(got.held.len(), want.held.len(), "{ctx}: held lines");
    assert_eq!(
        &got, want,
        "{ctx}: not where one uninterrupted run puts them"
    );
    assert_eq!(
        nonzero_inventory(db).await,
        nonzero_inventory(reference).await,
        "{ctx}"
    );
    assert_oracle(db, ctx).await;
}

#[tokio::test]
async fn stopped_by_the_error_budget_then_resumed_ends_as_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), 4_000, 77);
    for (db, reference) in pairs_of_dbs().await {
        let ctx = db.kind;
        let want = uninterrupted(&reference, &path, 500).await;
        let stopped = import(
            &db,
            &path,
            &ImportOptions {
                chunk_size: 500,
                max_errors: Some(ErrorBudget::Count(10)),
                ..ImportOptions::default()
            },
        )
        .await;
        assert!(
            stopped
                .stop_reason
                .as_deref()
                .is_some_and(|r| r.contains("error budget")),
            "{ctx}: {stopped:?}"
        );
        assert_oracle(&db, ctx).await;
        import(
            &db,
            &path,
            &ImportOptions {
                chunk_size: 500,
                resume_run: Some(stopped.run_id),
                ..ImportOptions::default()
            },
        )
        .await;
        assert_same_as_uninterrupted(&db, &reference, &want, ctx).await;
        // Importing it once more changes nothing.
        let again = import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(again.items_processed, 0, "{ctx}");
        assert_same_as_uninterrupted(&db, &reference, &want, ctx).await;
    }
}

#[tokio::test]
async fn cancelled_or_cut_short_then_resumed_ends_as_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), 3_000, 78);
    for (db, reference) in pairs_of_dbs().await {
        let want = uninterrupted(&reference, &path, 300).await;
        // Cancelled (Ctrl-C, the console's cancel) once two chunks were written.
        let ctx = format!("{} cancel", db.kind);
        let (events, mut rx) = EventSink::channel();
        let cancel = CancellationToken::new();
        let on_second_chunk = cancel.clone();
        let watcher = tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                if matches!(e, ProgressEvent::ChunkCommitted { chunk: 1.., .. }) {
                    on_second_chunk.cancel();
                }
            }
        });
        let opts = ImportOptions {
            chunk_size: 300,
            ..ImportOptions::default()
        };
        let r = import_file(&*db.store, &path, &opts, &events, &cancel)
            .await
            .unwrap();
        drop(events);
        watcher.await.unwrap();
        assert!(
            r.stop_reason
                .as_deref()
                .is_some_and(|s| s.contains("cancel")),
            "{ctx}: {r:?}"
        );
        assert_oracle(&db, &ctx).await;
        let resumed = ImportOptions {
            resume_run: Some(r.run_id),
            ..opts.clone()
        };
        import(&db, &path, &resumed).await;
        assert_same_as_uninterrupted(&db, &reference, &want, &ctx).await;
    }
    for (db, reference) in pairs_of_dbs().await {
        let want = uninterrupted(&reference, &path, 300).await;
        // Cut short at a line inside a chunk (--max-lines), then resumed in other chunks.
        let ctx = format!("{} max-lines", db.kind);
        let r = import(
            &db,
            &path,
            &ImportOptions {
                chunk_size: 300,
                max_lines: Some(1_234),
                ..ImportOptions::default()
            },
        )
        .await;
        assert_oracle(&db, &ctx).await;
        as_cancelled(&db, r.run_id).await;
        import(
            &db,
            &path,
            &ImportOptions {
                chunk_size: 170,
                resume_run: Some(r.run_id),
                ..ImportOptions::default()
            },
        )
        .await;
        assert_same_as_uninterrupted(&db, &reference, &want, &ctx).await;
    }
}

/// Resume a run from the command line (a stale heartbeat: the run is not alive).
fn resume(url: &str, run_id: i64, env: &[(&str, &str)]) -> std::process::Output {
    let id = run_id.to_string();
    let mut e = vec![("BATCHOPS_STALE_AFTER_SECONDS", "0")];
    e.extend_from_slice(env);
    batchops_env(
        url,
        &["resume", &id, "--format", "json", "--chunk-size", "200"],
        &e,
    )
}

#[tokio::test]
async fn killed_at_random_points_while_resuming_then_resumed_ends_as_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), 2_000, 79);
    let points = [
        "chunk_mapped",
        "batch_after_insert",
        "batch_before_commit",
        "batch_after_commit",
    ];
    let mut rng = Rng::new(16);
    for case in 0..3 {
        for (db, reference) in pairs_of_dbs().await {
            let want = uninterrupted(&reference, &path, 200).await;
            let point = format!(
                "{}:{}",
                points[rng.below(points.len() as u64) as usize],
                1 + rng.below(4)
            );
            let ctx = format!("{} case {case} killed at {point}", db.kind);
            let out = batchops_env(
                &db.url,
                &[
                    "import",
                    "--format",
                    "json",
                    "--chunk-size",
                    "200",
                    "--max-errors",
                    "5",
                    path.to_str().unwrap(),
                ],
                &[],
            );
            let run_id = json(&out)["run_id"].as_i64().expect("a run");
            assert_oracle(&db, &ctx).await;
            let killed = resume(&db.url, run_id, &[("BATCHOPS_FAILPOINT", &point)]);
            assert_eq!(signal(&killed), Some(9), "{ctx}: {}", text(&killed));
            assert_oracle(&db, &ctx).await;
            let done = resume(&db.url, run_id, &[]);
            assert!(
                matches!(done.status.code(), Some(2 | 3)),
                "{ctx}: {}",
                text(&done)
            );
            assert_same_as_uninterrupted(&db, &reference, &want, &ctx).await;
        }
    }
}

#[tokio::test]
async fn a_decision_killed_at_random_points_leaves_its_lines_held_and_lands_them_once_after() {
    let points = [
        "one_after_insert",
        "review_after_land",
        "review_before_commit",
    ];
    let mut rng = Rng::new(17);
    let dir = tempfile::tempdir().unwrap();
    // Three held lines of one key, and one that lands.
    let path = write(
        dir.path(),
        "held.csv",
        "sku,description,quantity,unit_price\n\
         ,Hex Bolt M8 Zinc,10,0.30\n\
         HB-M8-50,,1,0.30\n\
         ,Hex Bolt M8 Zinc,7,0.30\n\
         ,Hex Bolt M8 Zinc,2,0.30\n",
    );
    for case in 0..4 {
        for db in db::backends().await {
            db.exec(BOLTS).await;
            let point = match points[rng.below(points.len() as u64) as usize] {
                "one_after_insert" => format!("one_after_insert:{}", 1 + rng.below(3)),
                p => p.to_string(),
            };
            let ctx = format!("{} case {case} killed at {point}", db.kind);
            import(&db, &path, &ImportOptions::default()).await;
            let before = line_states(&db).await;
            assert_eq!(before.held.len(), 3, "{ctx}: {before:?}");
            let held = db.store.held(&HeldFilter::Open).await.unwrap();
            let id = held[0].id.to_string();
            let killed = batchops_env(
                &db.url,
                &["review", "decide", &id, "--item", "HB-M8-40"],
                &[("BATCHOPS_FAILPOINT", &point)],
            );
            assert_eq!(signal(&killed), Some(9), "{ctx}: {}", text(&killed));
            assert_eq!(
                line_states(&db).await,
                before,
                "{ctx}: a decision killed before its commit changed nothing"
            );
            assert_oracle(&db, &ctx).await;
            let done = batchops_env(
                &db.url,
                &["review", "decide", &id, "--item", "HB-M8-40"],
                &[],
            );
            assert!(done.status.success(), "{ctx}: {}", text(&done));
            let after = line_states(&db).await;
            assert!(after.held.is_empty(), "{ctx}: {after:?}");
            assert_eq!(
                nonzero_inventory(&db).await,
                BTreeMap::from([
                    ("HB-M8-40".to_string(), d("19")),
                    ("HB-M8-50".to_string(), d("1"))
                ]),
                "{ctx}: each held line landed once on the chosen item"
            );
            assert_oracle(&db, &ctx).await;
        }
    }
}

#[tokio::test]
async fn the_store_refuses_a_second_state_for_a_line() {
    for db in db::backends().await {
        let ctx = db.kind;
        db.exec(BOLTS).await;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "invoice.csv", INVOICE);
        import(&db, &path, &ImportOptions::default()).await;
        let key: String = db
            .pairs("SELECT CAST(0 AS BIGINT), import_key FROM held_lines")
            .await
            .remove(0)
            .1;
        let run = db.scalar("SELECT MIN(id) FROM import_runs").await;
        let item = db
            .scalar("SELECT id FROM inventory_items WHERE sku = 'HB-M8-40'")
            .await;
        // Landing the held line 1 without a decision.
        let land = format!(
            "INSERT INTO transactions (run_id, import_key, {no}line, item_id, quantity, unit_cost, operator) \
             VALUES ({run}, '{key}', {val}1, {item}, 1, 1, 'x')",
            no = if ctx == "postgres" { "import_no, " } else { "" },
            val = if ctx == "postgres" {
                format!("batchops_import_no('{key}'), ")
            } else {
                String::new()
            },
        );
        assert!(!db.try_exec(&land).await, "{ctx}: a held line landed");
        // Failing the landed line 2, holding it.
        let fail = format!(
            "INSERT INTO failed_items (run_id, import_key, line, raw_record, phase, error) \
             VALUES ({run}, '{key}', 2, 'x', 'parse', 'x')"
        );
        assert!(!db.try_exec(&fail).await, "{ctx}: a landed line failed");
        let hold = format!(
            "INSERT INTO held_lines (run_id, import_key, line, description, alias, quantity, unit_cost, raw_record, operator) \
             VALUES ({run}, '{key}', 2, 'x', 'x', 1, 1, 'x', 'x')"
        );
        assert!(!db.try_exec(&hold).await, "{ctx}: a landed line held");
        assert_oracle(&db, ctx).await;
    }
}
