//! Re-sent invoices (issue 22, finding 2; and a grown file imported again under its new key): a
//! file that overlaps what earlier runs landed is refused by default with a summary, `--only-new`
//! lands only its new lines and holds the changed ones, `--as-new-invoice` lands it all. Real
//! SQLite files and the real PostgreSQL server.

use crate::support::db::{TestDb, backends};
use crate::support::files::write_file;
use batchops::domain::RunStatus;
use batchops::engine::overlap::{Answer, Overlap};
use batchops::engine::review::ListedLine;
use batchops::engine::{EngineError, EventSink, ImportOptions, import_file};
use batchops::store::HeldFilter;
use std::path::Path;
use std::process::{Command, Output};
use tokio_util::sync::CancellationToken;

/// An invoice of `n` lines, line `i` (0-based) of SKU `R-i`, quantity `i + 1`.
fn invoice_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("R-{i:02},Part number {i},{},2.50", i + 1))
        .collect()
}

fn csv(lines: &[String]) -> String {
    let mut s = String::from("sku,description,quantity,unit_price\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// The invoice of 10 lines, and the same invoice re-sent with line 4 (R-03) at quantity 40
/// instead of 4 and one line added.
fn original_and_resent() -> (String, String) {
    let original = invoice_lines(10);
    let mut resent = original.clone();
    resent[3] = "R-03,Part number 3,40,2.50".into();
    resent.push("R-99,Part number 99,7,2.50".into());
    (csv(&original), csv(&resent))
}

fn opts(resent: Option<Answer>) -> ImportOptions {
    ImportOptions {
        chunk_size: 4,
        resent,
        ..ImportOptions::default()
    }
}

async fn import(
    db: &TestDb,
    path: &Path,
    resent: Option<Answer>,
) -> Result<batchops::domain::RunReport, EngineError> {
    import_file(
        &*db.store,
        path,
        &opts(resent),
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
}

fn refused(r: Result<batchops::domain::RunReport, EngineError>, ctx: &str) -> Overlap {
    match r {
        Err(EngineError::Overlap(o)) => *o,
        other => panic!("{ctx}: expected a refusal, got {other:?}"),
    }
}

/// The oracle: every item's quantity is the sum of its landed rows, and no line identity is both
/// landed and held.
async fn assert_oracle(db: &TestDb, ctx: &str) {
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM inventory_items i WHERE i.quantity <> \
             (SELECT COALESCE(SUM(t.quantity), 0) FROM transactions t WHERE t.item_id = i.id)"
        )
        .await,
        0,
        "{ctx}: inventory = sum of landed rows"
    );
    assert_eq!(
        db.scalar(
            "SELECT COUNT(*) FROM held_lines h JOIN transactions t \
             ON t.import_key = h.import_key AND t.line = h.line"
        )
        .await,
        0,
        "{ctx}: no line identity landed and held"
    );
}

async fn quantity_of(db: &TestDb, sku: &str) -> String {
    let q = db
        .store
        .inventory()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.sku == sku)
        .map(|r| r.quantity.normalize().to_string());
    q.unwrap_or_else(|| "none".into())
}

async fn count(db: &TestDb, table: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

#[tokio::test]
async fn an_invoice_resent_with_one_quantity_changed_and_one_line_added_is_refused_by_default() {
    let (original, resent) = original_and_resent();
    let (_a, first) = write_file("invoice.csv", &original);
    let (_b, again) = write_file("invoice-resent.csv", &resent);
    for db in backends().await {
        let ctx = db.kind;
        let r = import(&db, &first, None).await.expect("the original lands");
        assert_eq!(r.items_processed, 10, "{ctx}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions WHERE fingerprint IS NOT NULL AND line_key IS NOT NULL")
                .await,
            10,
            "{ctx}: every landed row carries its fingerprint and line key"
        );
        let o = refused(import(&db, &again, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new, o.missing),
            (11, 9, 1, 1, 0),
            "{ctx}: {o}"
        );
        assert_eq!(o.runs.len(), 1, "{ctx}");
        assert_eq!((o.runs[0].run_id, o.runs[0].identical), (r.run_id, 9));
        let c = &o.changed_lines[0];
        assert_eq!(
            (c.line, c.run_id, c.earlier_line),
            (4, r.run_id, 4),
            "{ctx}"
        );
        assert_eq!(
            (c.old_quantity.to_string(), c.new_quantity.to_string()),
            ("4".into(), "40".into()),
            "{ctx}"
        );
        let text = o.to_string();
        for part in [
            "9 identical",
            "1 changed",
            "1 new",
            "0 missing",
            "quantity 4 → 40",
            "--only-new",
            "--as-new-invoice",
        ] {
            assert!(text.contains(part), "{ctx}: {part:?} in {text}");
        }
        // Nothing written: no run, no row, no held line.
        assert_eq!(count(&db, "import_runs").await, 1, "{ctx}");
        assert_eq!(count(&db, "transactions").await, 10, "{ctx}");
        assert_eq!(count(&db, "held_lines").await, 0, "{ctx}");
        assert_eq!(quantity_of(&db, "R-03").await, "4", "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

/// The changed and missing lines are found by the file's line keys (the earlier run's other rows
/// only counted): a repeated line is matched by its occurrence, lines the file dropped are
/// missing.
#[tokio::test]
async fn changed_and_missing_lines_are_found_by_line_key_a_repeated_line_by_its_occurrence() {
    let mut original = invoice_lines(12);
    original.push("R-00,Part number 0,1,2.50".into());
    let mut resent: Vec<String> = invoice_lines(10);
    resent[2] = "R-02,Part number 2,30,2.50".into();
    resent[5] = "R-05,Part number 5,60,2.50".into();
    resent.push("R-00,Part number 0,50,2.50".into());
    resent.push("R-77,Part number 77,7,2.50".into());
    let (_a, first) = write_file("invoice.csv", &csv(&original));
    let (_b, again) = write_file("invoice-resent.csv", &csv(&resent));
    for db in backends().await {
        let ctx = db.kind;
        let r = import(&db, &first, None).await.expect("the original lands");
        let o = refused(import(&db, &again, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new, o.missing),
            (12, 8, 3, 1, 2),
            "{ctx}: {o}"
        );
        assert_eq!(o.runs.len(), 1, "{ctx}");
        let s = &o.runs[0];
        assert_eq!(
            (s.run_id, s.identical, s.changed, s.missing),
            (r.run_id, 8, 3, 2),
            "{ctx}"
        );
        let changed: Vec<(u64, u64, String, String)> = o
            .changed_lines
            .iter()
            .map(|c| {
                (
                    c.line,
                    c.earlier_line,
                    c.old_quantity.normalize().to_string(),
                    c.new_quantity.normalize().to_string(),
                )
            })
            .collect();
        assert_eq!(
            changed,
            vec![
                (3, 3, "3".into(), "30".into()),
                (6, 6, "6".into(), "60".into()),
                (11, 13, "1".into(), "50".into()),
            ],
            "{ctx}: the second R-00 line is the earlier run's second R-00 line"
        );
        assert_eq!(o.changed_lines[2].sku, "R-00", "{ctx}");
        assert_eq!(
            count(&db, "transactions").await,
            13,
            "{ctx}: nothing written"
        );
    }
}

#[tokio::test]
async fn with_only_new_the_added_line_lands_and_the_changed_one_is_held_showing_both_values() {
    let (original, resent) = original_and_resent();
    let (_a, first) = write_file("invoice.csv", &original);
    let (_b, again) = write_file("invoice-resent.csv", &resent);
    for db in backends().await {
        let ctx = db.kind;
        let first_run = import(&db, &first, None).await.unwrap().run_id;
        let r = import(&db, &again, Some(Answer::OnlyNew))
            .await
            .expect("only the new lines");
        assert_eq!(r.status, RunStatus::Success, "{ctx}");
        assert_eq!(
            (
                r.items_total,
                r.items_processed,
                r.items_already_imported,
                r.items_held
            ),
            (11, 1, 9, 1),
            "{ctx}: {r:?}"
        );
        assert_eq!(count(&db, "transactions").await, 11, "{ctx}");
        assert_eq!(
            quantity_of(&db, "R-99").await,
            "7",
            "{ctx}: the added line landed"
        );
        assert_eq!(
            quantity_of(&db, "R-03").await,
            "4",
            "{ctx}: the changed line did not"
        );
        assert_eq!(
            quantity_of(&db, "R-00").await,
            "1",
            "{ctx}: identical lines add nothing"
        );
        let held = db.store.held(&HeldFilter::Open).await.unwrap();
        assert_eq!(held.len(), 1, "{ctx}");
        let listed = ListedLine::from(&held[0]);
        assert_eq!((listed.run_id, listed.line), (r.run_id, 4), "{ctx}");
        assert_eq!(
            listed.reason,
            format!(
                "re-sent: run {first_run} line 4 landed quantity 4 at 2.5; this line says quantity 40 at 2.5"
            ),
            "{ctx}"
        );
        assert_eq!(listed.candidates.len(), 1, "{ctx}");
        assert_eq!(listed.candidates[0].sku, "R-03", "{ctx}");
        assert_eq!(
            listed.candidates[0].differed,
            vec!["quantity 4 ≠ 40".to_string()]
        );
        assert_oracle(&db, ctx).await;

        // The same file again (its own key): the exactly-once path, with the same answer.
        let again_r = import(&db, &again, None).await.expect("re-import");
        assert_eq!(
            (
                again_r.items_processed,
                again_r.items_already_imported,
                again_r.items_held
            ),
            (0, 10, 0),
            "{ctx}: the held line stays the first run's: {again_r:?}"
        );
        assert_eq!(count(&db, "transactions").await, 11, "{ctx}");
        assert_eq!(count(&db, "held_lines").await, 1, "{ctx}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM import_invoices WHERE answer = 'only-new'")
                .await,
            1,
            "{ctx}: the answer is kept with the import key"
        );
        assert_oracle(&db, ctx).await;
    }
}

#[tokio::test]
async fn with_as_new_invoice_every_line_lands_again_deliberately() {
    let (original, resent) = original_and_resent();
    let (_a, first) = write_file("invoice.csv", &original);
    let (_b, again) = write_file("invoice-resent.csv", &resent);
    for db in backends().await {
        let ctx = db.kind;
        import(&db, &first, None).await.unwrap();
        let r = import(&db, &again, Some(Answer::AsNewInvoice))
            .await
            .unwrap();
        assert_eq!((r.items_processed, r.items_held), (11, 0), "{ctx}");
        assert_eq!(count(&db, "transactions").await, 21, "{ctx}");
        assert_eq!(quantity_of(&db, "R-03").await, "44", "{ctx}");
        assert_eq!(quantity_of(&db, "R-00").await, "2", "{ctx}");
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM import_invoices WHERE answer = 'as-new-invoice' AND import_key = '{}'",
                r.import_key
            ))
            .await,
            1,
            "{ctx}: recorded with the run's import key"
        );
        assert_oracle(&db, ctx).await;
    }
}

#[tokio::test]
async fn a_grown_file_imported_after_the_original_lands_only_through_these_rules() {
    let original = invoice_lines(20);
    let mut grown = original.clone();
    grown.extend((0..3).map(|i| format!("GROW-{i},Grown part {i},1,1.00")));
    let (_a, first) = write_file("stock.csv", &csv(&original));
    let (_b, later) = write_file("stock.csv", &csv(&grown));
    for db in backends().await {
        let ctx = db.kind;
        import(&db, &first, None).await.unwrap();
        let o = refused(import(&db, &later, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new, o.missing),
            (23, 20, 0, 3, 0),
            "{ctx}: {o}"
        );
        assert_eq!(
            count(&db, "transactions").await,
            20,
            "{ctx}: nothing written"
        );
        let r = import(&db, &later, Some(Answer::OnlyNew)).await.unwrap();
        assert_eq!(
            (r.items_processed, r.items_already_imported),
            (3, 20),
            "{ctx}"
        );
        assert_eq!(count(&db, "transactions").await, 23, "{ctx}");
        for i in 0..3 {
            assert_eq!(
                quantity_of(&db, &format!("GROW-{i}")).await,
                "1",
                "{ctx}: sent once, held once"
            );
        }
        assert_eq!(quantity_of(&db, "R-05").await, "6", "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

fn json_invoice(vendor: &str, invoice_id: &str, quantities: &[u32]) -> String {
    let items: Vec<String> = quantities
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(r#"{{"sku": "J-{i}", "description": "Json part {i}", "quantity": "{q}", "unit_price": "1.25"}}"#)
        })
        .collect();
    format!(
        r#"{{"invoice_id": "{invoice_id}", "vendor": {{"name": "{vendor}"}}, "line_items": [{}]}}"#,
        items.join(", ")
    )
}

#[tokio::test]
async fn a_json_invoice_with_the_same_vendor_and_invoice_id_is_refused_even_with_every_line_changed()
 {
    let (_a, first) = write_file("inv.json", &json_invoice("ACME", "INV-7", &[1, 2, 3, 4]));
    let (_b, corrected) = write_file("inv2.json", &json_invoice(" acme ", "inv-7", &[5, 6, 7, 8]));
    let (_c, other) = write_file(
        "inv3.json",
        &json_invoice("ACME", "INV-8", &[9, 10, 11, 12]),
    );
    for db in backends().await {
        let ctx = db.kind;
        let r = import(&db, &first, None).await.unwrap();
        assert_eq!(r.items_processed, 4, "{ctx}");
        let o = refused(import(&db, &corrected, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new, o.missing),
            (4, 0, 4, 0, 0),
            "{ctx}: {o}"
        );
        assert!(o.runs[0].same_invoice, "{ctx}");
        assert!(
            o.to_string()
                .contains("invoice inv-7 of acme was imported before"),
            "{ctx}: {o}"
        );
        assert_eq!(
            count(&db, "transactions").await,
            4,
            "{ctx}: nothing written"
        );
        // Another invoice number of the same supplier is another invoice.
        let r = import(&db, &other, None)
            .await
            .expect("another invoice lands");
        assert_eq!(r.items_processed, 4, "{ctx}");
        // The corrected one, when the operator says which lines to take: all four are held.
        let r = import(&db, &corrected, Some(Answer::OnlyNew))
            .await
            .unwrap();
        assert_eq!((r.items_processed, r.items_held), (0, 4), "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

#[tokio::test]
async fn a_file_that_shares_few_lines_with_earlier_runs_imports_as_usual() {
    let mut lines = invoice_lines(10);
    let (_a, first) = write_file("a.csv", &csv(&lines));
    for l in lines.iter_mut().skip(4) {
        *l = l.replace(",2.50", ",3.00");
    }
    let (_b, second) = write_file("b.csv", &csv(&lines));
    for db in backends().await {
        let ctx = db.kind;
        import(&db, &first, None).await.unwrap();
        // 4 of 10 lines identical: below the share that makes an overlap.
        let r = import(&db, &second, None).await.expect("not an overlap");
        assert_eq!(r.items_processed, 10, "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

fn batchops(url: &str, args: &[&str], failpoint: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_batchops"));
    c.arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DATABASE_URL");
    c.env_remove(batchops::failpoint::ENV);
    if let Some(f) = failpoint {
        c.env(batchops::failpoint::ENV, f);
    }
    // A killed run shows as interrupted at once.
    c.env("BATCHOPS_STALE_AFTER_SECONDS", "0");
    c.output().expect("run batchops")
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn the_command_line_refuses_with_exit_1_and_takes_only_new_or_as_new_invoice() {
    let (original, resent) = original_and_resent();
    let (_a, first) = write_file("invoice.csv", &original);
    let (_b, again) = write_file("invoice-resent.csv", &resent);
    let (first, again) = (first.to_str().unwrap(), again.to_str().unwrap());
    for db in backends().await {
        let ctx = db.kind;
        let o = batchops(&db.url, &["import", first], None);
        assert_eq!(o.status.code(), Some(0), "{ctx}: {}", text(&o));
        let o = batchops(&db.url, &["import", again], None);
        assert_eq!(o.status.code(), Some(1), "{ctx}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("refused, nothing written"), "{ctx}: {err}");
        assert!(
            err.contains("11 lines: 9 identical, 1 changed, 1 new; 0 missing"),
            "{ctx}: {err}"
        );
        assert_eq!(count(&db, "transactions").await, 10, "{ctx}");
        let o = batchops(
            &db.url,
            &["import", "--only-new", "--as-new-invoice", again],
            None,
        );
        assert_eq!(
            o.status.code(),
            Some(64),
            "{ctx}: the two answers exclude each other"
        );
        let o = batchops(&db.url, &["import", "--only-new", again], None);
        assert_eq!(o.status.code(), Some(3), "{ctx}: held lines: {}", text(&o));
        assert_eq!(count(&db, "transactions").await, 11, "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

/// Killed while an `--only-new` import writes (at each moment of a chunk), then resumed: the
/// resumed run keeps the answer, so the identical lines still add nothing.
#[tokio::test]
async fn killed_during_an_only_new_import_then_resumed_lands_each_new_line_once() {
    let original = invoice_lines(12);
    let mut resent = original.clone();
    resent[1] = "R-01,Part number 1,20,2.50".into();
    resent.extend((0..6).map(|i| format!("NEW-{i},New part {i},{},1.00", i + 1)));
    let (_a, first) = write_file("invoice.csv", &csv(&original));
    let (_b, again) = write_file("invoice-resent.csv", &csv(&resent));
    let (first, again) = (first.to_str().unwrap(), again.to_str().unwrap());
    for point in [
        "chunk_mapped:3",
        "batch_before_commit:3",
        "batch_after_commit:3",
    ] {
        for db in backends().await {
            let ctx = format!("{} {point}", db.kind);
            let o = batchops(&db.url, &["import", "--chunk-size", "3", first], None);
            assert_eq!(o.status.code(), Some(0), "{ctx}: {}", text(&o));
            let o = batchops(
                &db.url,
                &["import", "--chunk-size", "3", "--only-new", again],
                Some(point),
            );
            assert_eq!(o.status.code(), None, "{ctx}: killed: {}", text(&o));
            assert_oracle(&db, &ctx).await;
            let run: i64 = db.scalar("SELECT MAX(id) FROM import_runs").await;
            let o = batchops(&db.url, &["resume", &run.to_string()], None);
            assert_eq!(o.status.code(), Some(3), "{ctx}: {}", text(&o));
            assert_eq!(count(&db, "transactions").await, 18, "{ctx}");
            assert_eq!(count(&db, "held_lines").await, 1, "{ctx}");
            assert_eq!(quantity_of(&db, "R-01").await, "2", "{ctx}");
            assert_eq!(quantity_of(&db, "R-00").await, "1", "{ctx}");
            for i in 0..6 {
                assert_eq!(
                    quantity_of(&db, &format!("NEW-{i}")).await,
                    (i + 1).to_string(),
                    "{ctx}"
                );
            }
            assert_oracle(&db, &ctx).await;
        }
    }
}

/// The fingerprints of a run are looked up by value once the run ends; until then (killed,
/// running) its rows are found through the run. Either way a re-sent copy is refused, and a
/// reverted run's lines are no longer an overlap.
#[tokio::test]
async fn a_copy_of_a_killed_run_is_refused_before_and_after_that_run_is_resumed() {
    let original = invoice_lines(12);
    let mut resent = original.clone();
    resent.push("R-99,Part number 99,7,2.50".into());
    let (_a, first) = write_file("invoice.csv", &csv(&original));
    let (_b, again) = write_file("invoice-resent.csv", &csv(&resent));
    let first_path = first.to_str().unwrap();
    for db in backends().await {
        let ctx = db.kind;
        let o = batchops(
            &db.url,
            &["import", "--chunk-size", "3", first_path],
            Some("batch_after_commit:3"),
        );
        assert_eq!(o.status.code(), None, "{ctx}: killed: {}", text(&o));
        // On PostgreSQL a chunk the killed client had already sent may still commit on the server.
        let mut landed = count(&db, "transactions").await as u64;
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let now = count(&db, "transactions").await as u64;
            if now == landed {
                break;
            }
            landed = now;
        }
        assert!(landed >= 9, "{ctx}: three chunks committed: {landed}");
        assert_eq!(
            count(&db, "line_prints").await,
            0,
            "{ctx}: a killed run's prints are not in the look-up"
        );
        let o = refused(import(&db, &again, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new),
            (13, landed, 0, 13 - landed),
            "{ctx}: found through the killed run: {o:?}"
        );

        let run: i64 = db.scalar("SELECT MAX(id) FROM import_runs").await;
        let o = batchops(&db.url, &["resume", &run.to_string()], None);
        assert_eq!(o.status.code(), Some(0), "{ctx}: {}", text(&o));
        assert_eq!(
            count(&db, "line_prints").await,
            12,
            "{ctx}: the ended run's prints are in the look-up, once each"
        );
        let o = refused(import(&db, &again, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new),
            (13, 12, 0, 1),
            "{ctx}: found through the look-up: {o:?}"
        );
        assert_eq!(count(&db, "transactions").await, 12, "{ctx}");

        let o = batchops(&db.url, &["revert", &run.to_string()], None);
        assert_eq!(o.status.code(), Some(0), "{ctx}: {}", text(&o));
        let r = import(&db, &again, None)
            .await
            .expect("a reverted run's lines are no overlap");
        assert_eq!(r.items_processed, 13, "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

/// A run's fingerprints go into the look-up once when it ends, even when rows with the same
/// identity are there already: the lines of a reverted run landed again under the same key (on
/// PostgreSQL the plain insert tried first fails on them and the run's rows go in past those).
#[tokio::test]
async fn a_file_landed_again_after_its_run_was_reverted_is_in_the_look_up_once() {
    let original = invoice_lines(12);
    let mut resent = original.clone();
    resent.push("R-99,Part number 99,7,2.50".into());
    let (_a, first) = write_file("invoice.csv", &csv(&original));
    let (_b, again) = write_file("invoice-resent.csv", &csv(&resent));
    for db in backends().await {
        let ctx = db.kind;
        let r = import(&db, &first, None).await.expect("first import");
        assert_eq!(r.items_processed, 12, "{ctx}");
        let o = batchops(&db.url, &["revert", &r.run_id.to_string()], None);
        assert_eq!(o.status.code(), Some(0), "{ctx}: {}", text(&o));
        assert_eq!(count(&db, "transactions").await, 0, "{ctx}: reverted");

        let r = import(&db, &first, None)
            .await
            .expect("landed again under its key");
        assert_eq!(
            (r.status, r.items_processed),
            (RunStatus::Success, 12),
            "{ctx}"
        );
        // Every landed row has its one print in the look-up.
        let join = if db.kind == "sqlite" {
            "t.id = p.txn_id AND t.fingerprint = p.fingerprint"
        } else {
            "t.import_no = p.import_no AND t.line = p.line AND t.fingerprint = p.fingerprint"
        };
        let per_row = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM transactions t WHERE \
                 (SELECT COUNT(*) FROM line_prints p WHERE {join}) <> 1"
            ))
            .await;
        assert_eq!(per_row, 0, "{ctx}: one print per landed row");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM import_runs WHERE prints_indexed = FALSE")
                .await,
            0,
            "{ctx}: every ended run indexed"
        );
        let o = refused(import(&db, &again, None).await, ctx);
        assert_eq!(
            (o.lines, o.identical, o.changed, o.new),
            (13, 12, 0, 1),
            "{ctx}: found through the look-up: {o:?}"
        );
        assert_oracle(&db, ctx).await;
    }
}

/// A CSV file is the same invoice as an earlier one when its header (flags, profile or title
/// rows) names the same supplier and invoice number, whatever its lines.
#[tokio::test]
async fn a_csv_invoice_with_the_same_supplier_and_number_is_refused_even_with_other_lines() {
    let (_a, first) = write_file("invoice.csv", &csv(&invoice_lines(4)));
    let other: Vec<String> = (0..4)
        .map(|i| format!("S-{i:02},Other part {i},{},9.00", i + 5))
        .collect();
    let (_b, second) = write_file("invoice-again.csv", &csv(&other));
    let header = |number: &str| batchops::domain::InvoiceHeader {
        supplier: Some("ACME GmbH".into()),
        invoice_number: Some(number.into()),
        ..Default::default()
    };
    for db in backends().await {
        let ctx = db.kind;
        let with = |number: &str| ImportOptions {
            invoice: header(number),
            sku_column: Some(batchops::input::profile::SkuColumn::Ours),
            ..opts(None)
        };
        let run = |path: &Path, o: ImportOptions| {
            let store = db.store.clone();
            let path = path.to_path_buf();
            async move {
                import_file(
                    &*store,
                    &path,
                    &o,
                    &EventSink::none(),
                    &CancellationToken::new(),
                )
                .await
            }
        };
        run(&first, with("4711")).await.expect("the first lands");
        let o = refused(run(&second, with("4711")).await, ctx);
        assert!(
            o.runs.iter().any(|r| r.same_invoice),
            "{ctx}: the same invoice: {o:?}"
        );
        assert_eq!(o.identical, 0, "{ctx}");
        let r = run(&second, with("4712")).await.expect("another invoice");
        assert_eq!(r.items_processed, 4, "{ctx}");
        assert_oracle(&db, ctx).await;
    }
}

/// The seconds a run spends putting its landed lines into the look-up when it ends are in its
/// report (batch-insert phase, total, items/s), the same in the report it returns and the one it
/// stored. The look-up's insert is made to take a second by a trigger that sleeps.
#[tokio::test]
async fn the_seconds_a_run_spends_indexing_its_lines_are_in_its_report() {
    let Some(db) = crate::support::db::postgres().await else {
        return;
    };
    db.exec(
        "CREATE FUNCTION slow_prints() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(1.0); RETURN NULL; END $$; \
         CREATE TRIGGER slow_prints BEFORE INSERT ON line_prints \
         FOR EACH STATEMENT EXECUTE FUNCTION slow_prints()",
    )
    .await;
    let (_a, file) = write_file("invoice.csv", &csv(&invoice_lines(12)));
    let r = import(&db, &file, None).await.expect("import");
    assert_eq!((r.status, r.items_processed), (RunStatus::Success, 12));
    let insert = r
        .phase(batchops::domain::Phase::BatchInsert)
        .expect("batch-insert phase");
    assert!(
        insert.seconds >= 1.0 && r.processing_time_seconds >= 1.0,
        "the look-up's second is reported: {r:?}"
    );
    assert!(
        (r.items_per_second - 12.0 / r.processing_time_seconds).abs() < 1e-9,
        "items/s over every second: {r:?}"
    );
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let (column, json): (f64, String) =
        sqlx::query_as("SELECT processing_seconds, report_json FROM import_runs")
            .fetch_one(&mut c)
            .await
            .expect("the stored run");
    let stored: batchops::domain::RunReport = serde_json::from_str(&json).expect("a report");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(
        close(column, r.processing_time_seconds)
            && close(stored.processing_time_seconds, r.processing_time_seconds)
            && close(
                stored
                    .phase(batchops::domain::Phase::BatchInsert)
                    .unwrap()
                    .seconds,
                insert.seconds
            )
            && stored.statements_executed == r.statements_executed,
        "the stored report is the one returned: {column} {stored:?}"
    );
}
