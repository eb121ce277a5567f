//! The import engine, specified through the library on both backends.

use crate::support::db::{self, backends, inventory_by_sku};
use crate::support::files::write_file;
use crate::support::library::import;
use crate::support::oracle::d;
use batchops::domain::{MappingDecision, Mode, Phase, RunStatus};
use batchops::engine::{
    EventSink, FallbackStrategy, ImportOptions, ProgressEvent, RetryOptions, import_file,
    retry_failed,
};
use batchops::store::FailedQuery;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

fn batch(chunk: usize) -> ImportOptions {
    ImportOptions {
        chunk_size: chunk,
        ..ImportOptions::default()
    }
}

/// A CSV with only SKU lines, and the inventory an independent sum gives.
fn sku_batch(lines: usize) -> (String, BTreeMap<String, Decimal>) {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for i in 0..lines {
        let sku = format!("SKU-{:03}", i % 37);
        let qty = format!("{}.{}", i % 11 + 1, i % 7);
        csv.push_str(&format!("{sku},Item {},{qty},{}.25\n", i % 37, i % 50));
        *expected.entry(sku).or_default() += d(&qty);
    }
    (csv, expected)
}

#[tokio::test]
async fn exact_totals_match_an_independent_sum_on_every_backend() {
    let (csv, expected) = sku_batch(2_345);
    let (_dir, path) = write_file("b.csv", &csv);
    for db in backends().await {
        let r = import(&db, &path, &batch(500)).await;
        assert_eq!(r.status, RunStatus::Success, "{}", db.kind);
        assert_eq!(r.items_total, 2_345);
        assert_eq!(r.items_processed, 2_345);
        assert_eq!(r.chunks_committed, 5);
        assert_eq!(inventory_by_sku(&*db.store).await, expected, "{}", db.kind);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 2_345);
    }
}

#[tokio::test]
async fn ten_thousand_times_a_tenth_is_exactly_one_thousand() {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for _ in 0..10_000 {
        csv.push_str("TENTH,One tenth,0.1,0.1\n");
    }
    let (_dir, path) = write_file("tenths.csv", &csv);
    for db in backends().await {
        let r = import(&db, &path, &batch(500)).await;
        assert_eq!(r.items_processed, 10_000);
        assert_eq!(
            inventory_by_sku(&*db.store).await["TENTH"],
            d("1000"),
            "{}",
            db.kind
        );
    }
}

#[tokio::test]
async fn bad_lines_are_reported_with_their_line_numbers_and_the_rest_lands() {
    let csv = "sku,description,quantity,unit_price\n\
               A-1,Anvil,2,10.00\n\
               A-2,Bucket,1,5\n\
               A-3,Crate,NaN,1\n\
               ,,4,1\n\
               A-1,Anvil,3,10.00\n\
               A-4,Drum,1,-2\n";
    let (_dir, path) = write_file("bad.csv", csv);
    for db in backends().await {
        let r = import(&db, &path, &batch(2)).await;
        assert_eq!(r.status, RunStatus::PartialSuccess, "{}", db.kind);
        assert_eq!(r.items_total, 6);
        assert_eq!(r.items_processed, 3);
        assert_eq!(r.items_failed, 3);
        let lines: Vec<u64> = r.failed_items.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![3, 4, 6]);
        assert!(r.failed_items.iter().all(|f| f.phase == Phase::Parse));
        assert!(
            r.failed_items[0].error.contains("quantity"),
            "{}",
            r.failed_items[0].error
        );
        let inv = inventory_by_sku(&*db.store).await;
        assert_eq!(inv["A-1"], d("5"));
        assert_eq!(inv["A-2"], d("1"));
        assert!(!inv.contains_key("A-3") && !inv.contains_key("A-4"));
        // The dead-letter table keeps the raw record of each bad line.
        let failed = db
            .store
            .failed_page(r.run_id, &FailedQuery::all())
            .await
            .unwrap();
        assert_eq!(failed.len(), 3);
        assert_eq!(failed[0].raw_record, "A-3,Crate,NaN,1");
        assert_eq!(failed[0].field("sku"), Some("A-3"));
    }
}

#[tokio::test]
async fn a_trigger_rejected_line_is_isolated_by_fallback_and_nothing_else_fails() {
    let (mut csv, mut expected) = sku_batch(1_000);
    csv.push_str("CURSED,Forbidden item,7,1.00\n");
    let (_dir, path) = write_file("t.csv", &csv);
    for strategy in [FallbackStrategy::Bisect, FallbackStrategy::Sequential] {
        for db in backends().await {
            // The item exists before the run; the database's own rule rejects its rows.
            db.exec("INSERT INTO inventory_items (sku, name) VALUES ('CURSED', 'Forbidden item')")
                .await;
            db.reject_sku("CURSED").await;
            let opts = ImportOptions {
                fallback: strategy,
                ..batch(250)
            };
            let r = import(&db, &path, &opts).await;
            assert_eq!(
                r.status,
                RunStatus::PartialSuccess,
                "{} {strategy:?}",
                db.kind
            );
            assert_eq!(r.items_processed, 1_000);
            assert_eq!(r.items_failed, 1);
            assert_eq!(r.failed_items[0].line, 1_001);
            assert!(
                r.failed_items[0].error.contains("blocked by policy"),
                "{}",
                r.failed_items[0].error
            );
            assert_eq!(
                r.fallbacks.len(),
                1,
                "only the chunk with the bad line falls back"
            );
            assert_eq!(
                (r.fallbacks[0].first_line, r.fallbacks[0].last_line),
                (1_001, 1_001)
            );
            let mut inv = inventory_by_sku(&*db.store).await;
            assert_eq!(inv.remove("CURSED"), Some(d("0")));
            assert_eq!(inv, expected, "{} {strategy:?}", db.kind);
            let failed = db
                .store
                .failed_page(r.run_id, &FailedQuery::all())
                .await
                .unwrap();
            assert_eq!(failed.len(), 1);
            assert!(failed[0].sqlstate.is_some(), "the database's code is kept");
            assert_eq!(failed[0].phase, Phase::BatchInsert);
        }
    }
    expected.clear();
}

#[tokio::test]
async fn bisect_isolates_a_bad_line_in_the_middle_of_a_chunk_in_few_statements() {
    let (csv, _) = sku_batch(499);
    // Put the cursed line in the middle of the only chunk.
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.insert(250, "CURSED,Forbidden item,1,1");
    let csv = lines.join("\n") + "\n";
    let (_dir, path) = write_file("mid.csv", &csv);
    for db in backends().await {
        db.exec("INSERT INTO inventory_items (sku, name) VALUES ('CURSED', 'Forbidden item')")
            .await;
        db.reject_sku("CURSED").await;
        let r = import(&db, &path, &batch(500)).await;
        assert_eq!(r.items_processed, 499);
        assert_eq!(
            r.failed_items.iter().map(|f| f.line).collect::<Vec<_>>(),
            vec![250]
        );
        let fallback = r.phase(Phase::Fallback).unwrap();
        // 2·log2(500) ≈ 18 failed or landed writes, each a couple of statements; never ~500.
        assert!(
            fallback.statements < 60,
            "bisect used {} statements",
            fallback.statements
        );
    }
}

#[tokio::test]
async fn importing_the_same_file_again_adds_nothing() {
    let (csv, expected) = sku_batch(1_200);
    let (_dir, path) = write_file("again.csv", &csv);
    for db in backends().await {
        let first = import(&db, &path, &batch(500)).await;
        let second = import(&db, &path, &batch(300)).await;
        assert_eq!(first.import_key, second.import_key);
        assert_eq!(second.status, RunStatus::Success);
        assert_eq!(second.items_processed, 0);
        assert_eq!(second.items_already_imported, 1_200);
        assert_eq!(inventory_by_sku(&*db.store).await, expected, "{}", db.kind);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 1_200);
        // Sequential mode honours the same key.
        let third = import(
            &db,
            &path,
            &ImportOptions {
                mode: Mode::Sequential,
                ..batch(1)
            },
        )
        .await;
        assert_eq!(third.items_already_imported, 1_200);
        assert_eq!(inventory_by_sku(&*db.store).await, expected);
    }
}

#[tokio::test]
async fn sequential_and_batch_give_identical_inventories() {
    let csv = "sku,description,quantity,unit_price\n\
               HB-M8,Coach Bolt M8 x 40mm Zinc,10,0.12\n\
               ,coach bolt m8 x 40mm zinc,5,0.12\n\
               ,Coahc Bolt M8 x 40mm Zinc,2.5,0.12\n\
               ,Copper Pipe 15mm 3m,3,7.90\n\
               ,copper pipe 15mm 3m,1,7.90\n\
               ,Coper Pipe 15mm 3m,1,7.90\n\
               NG-L,Nitrile Gloves L,4,9.99\n\
               ,bad,x,1\n";
    let (_dir, path) = write_file("map.csv", csv);
    let mut results = Vec::new();
    for mode in [Mode::Batch, Mode::Sequential] {
        for db in backends().await {
            let r = import(&db, &path, &ImportOptions { mode, ..batch(3) }).await;
            assert_eq!(r.items_processed, 7, "{} {mode}", db.kind);
            assert_eq!(r.items_failed, 1);
            assert_eq!(r.decisions.created, 3, "HB-M8, one pipe, NG-L");
            assert_eq!(r.decisions.fuzzy, 2, "Coahc Bolt, Coper Pipe");
            let inv = inventory_by_sku(&*db.store).await;
            assert_eq!(inv["HB-M8"], d("17.5"));
            assert_eq!(
                inv.len(),
                3,
                "two spellings of one new product give one item"
            );
            results.push(inv);
        }
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn fuzzy_matches_are_learned_as_aliases_for_later_runs() {
    let (_d1, first) = write_file(
        "a.csv",
        "sku,description,quantity,unit_price\nHB-M8,Coach Bolt M8 x 40mm Zinc,1,1\n,Coahc Bolt M8 x 40mm Zinc,1,1\n",
    );
    let (_d2, second) = write_file(
        "b.csv",
        "sku,description,quantity,unit_price\n,coahc bolt M8x40mm ZP,1,1\n",
    );
    for db in backends().await {
        import(&db, &first, &batch(500)).await;
        assert_eq!(db.scalar("SELECT COUNT(*) FROM item_aliases").await, 1);
        let r = import(&db, &second, &batch(500)).await;
        assert_eq!(
            r.decisions.alias, 1,
            "the learned alias maps it without fuzzy work"
        );
        assert_eq!(inventory_by_sku(&*db.store).await["HB-M8"], d("3"));
    }
}

#[tokio::test]
async fn retry_lands_fixed_items_once_and_counts_attempts_on_the_rest() {
    let csv = "sku,description,quantity,unit_price\nOK-1,Fine,1,1\nCURSED,Forbidden,2,1\nOK-2,Fine too,3,1\n,,1,1\n";
    let (_dir, path) = write_file("r.csv", csv);
    for db in backends().await {
        db.exec("INSERT INTO inventory_items (sku, name) VALUES ('CURSED', 'Forbidden')")
            .await;
        db.reject_sku("CURSED").await;
        let run = import(&db, &path, &batch(500)).await;
        assert_eq!(run.items_failed, 2);
        // Still blocked: the attempt is counted, the newest error kept.
        let again = retry_failed(
            &*db.store,
            run.run_id,
            &RetryOptions::default(),
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(again.status, RunStatus::Failed);
        assert_eq!(again.mode, Mode::Retry);
        let failed = db
            .store
            .failed_page(run.run_id, &FailedQuery::all())
            .await
            .unwrap();
        assert!(
            failed
                .iter()
                .all(|f| f.attempts == 2 && f.resolved_at.is_none())
        );
        // The operator lifts the rule; retrying line 2 only lands it, once.
        db.drop_reject("CURSED").await;
        let opts = RetryOptions {
            lines: vec![2],
            ..RetryOptions::default()
        };
        let (sink, mut rx) = EventSink::channel();
        let fixed = retry_failed(
            &*db.store,
            run.run_id,
            &opts,
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(fixed.status, RunStatus::Success);
        assert_eq!(fixed.items_processed, 1);
        let mut saw_retried = false;
        while let Ok(ev) = rx.try_recv() {
            if let ProgressEvent::ItemRetried {
                line: 2, ok: true, ..
            } = ev
            {
                saw_retried = true;
            }
        }
        assert!(saw_retried, "the retry's live result is an event");
        assert_eq!(inventory_by_sku(&*db.store).await["CURSED"], d("2"));
        let again = retry_failed(
            &*db.store,
            run.run_id,
            &opts,
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(again.items_total, 0, "a resolved item is not retried");
        assert_eq!(inventory_by_sku(&*db.store).await["CURSED"], d("2"));
        // Line 4 needs a correction first; the corrected record is kept beside the original.
        let q = FailedQuery {
            unresolved_only: true,
            ..FailedQuery::all()
        };
        let open = db.store.failed_page(run.run_id, &q).await.unwrap();
        assert_eq!(open.len(), 1);
        let fields = vec![
            ("sku".to_string(), "OK-3".to_string()),
            ("description".to_string(), "Fixed".to_string()),
            ("quantity".to_string(), "4".to_string()),
            ("unit_price".to_string(), "1".to_string()),
        ];
        db.store.save_correction(open[0].id, &fields).await.unwrap();
        let r = retry_failed(
            &*db.store,
            run.run_id,
            &RetryOptions::default(),
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(r.items_processed, 1);
        assert_eq!(inventory_by_sku(&*db.store).await["OK-3"], d("4"));
        let all = db
            .store
            .failed_page(run.run_id, &FailedQuery::all())
            .await
            .unwrap();
        assert_eq!(all[1].raw_record, ",,1,1", "the original stays");
        assert!(all[1].corrected.is_some());
    }
}

#[tokio::test]
async fn a_dry_run_reports_everything_and_keeps_nothing() {
    let (csv, _) = sku_batch(800);
    let csv = csv + ",,1,1\n";
    let (_dir, path) = write_file("dry.csv", &csv);
    for db in backends().await {
        let r = import(
            &db,
            &path,
            &ImportOptions {
                dry_run: true,
                ..batch(300)
            },
        )
        .await;
        assert!(r.dry_run);
        assert_eq!(r.items_processed, 800);
        assert_eq!(r.items_failed, 1);
        assert_eq!(r.decisions.created, 37);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 0);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM inventory_items").await, 0);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM failed_items").await, 0);
    }
}

#[tokio::test]
async fn an_error_budget_stops_the_run_cleanly_and_resume_finishes_it() {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for i in 1..=100 {
        if i % 10 == 0 {
            csv.push_str("BAD,Bad,oops,1\n");
        } else {
            csv.push_str(&format!("S-{i},Item,1,1\n"));
        }
    }
    let (_dir, path) = write_file("budget.csv", &csv);
    for db in backends().await {
        let opts = ImportOptions {
            max_errors: Some(batchops::engine::ErrorBudget::Count(3)),
            ..batch(20)
        };
        let r = import(&db, &path, &opts).await;
        assert_eq!(r.status, RunStatus::Aborted, "{}", db.kind);
        assert!(
            r.stop_reason
                .as_deref()
                .unwrap_or("")
                .contains("error budget")
        );
        // Chunk 1 (2 bad lines) lands; chunk 2 would bring 4 > 3 errors, so it is not written.
        assert_eq!(
            r.items_processed, 18,
            "one whole chunk landed; the second was not written"
        );
        let run = db.store.run(r.run_id).await.unwrap().unwrap();
        assert!(run.is_resumable());
        let resumed = import(
            &db,
            &path,
            &ImportOptions {
                resume_run: Some(r.run_id),
                import_key: Some(r.import_key.clone()),
                ..batch(20)
            },
        )
        .await;
        assert_eq!(resumed.run_id, r.run_id);
        assert_eq!(resumed.items_already_imported, 18);
        assert_eq!(resumed.items_processed, 72);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 90);
    }
}

#[tokio::test]
async fn cancelling_stops_between_chunks_and_a_rerun_completes_exactly() {
    let (csv, expected) = sku_batch(5_000);
    let (_dir, path) = write_file("cancel.csv", &csv);
    for db in backends().await {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let r = import_file(&*db.store, &path, &batch(100), &EventSink::none(), &cancel)
            .await
            .unwrap();
        assert_eq!(r.status, RunStatus::Cancelled);
        assert!(r.items_processed < 5_000);
        let again = import(&db, &path, &batch(100)).await;
        assert_eq!(again.items_processed + again.items_already_imported, 5_000);
        assert_eq!(inventory_by_sku(&*db.store).await, expected);
    }
}

#[tokio::test]
async fn progress_events_tell_the_whole_story() {
    let (csv, _) = sku_batch(1_000);
    let csv = csv + ",,1,1\n";
    let (_dir, path) = write_file("ev.csv", &csv);
    let db = db::sqlite().await;
    let (sink, mut rx) = EventSink::channel();
    let r = import_file(
        &*db.store,
        &path,
        &batch(400),
        &sink,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    drop(sink);
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    assert!(matches!(
        events.first(),
        Some(ProgressEvent::RunStarted {
            total_estimate: 1_001,
            ..
        })
    ));
    assert!(
        matches!(events.last(), Some(ProgressEvent::RunFinished(rep)) if rep.run_id == r.run_id)
    );
    let commits = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::ChunkCommitted { .. }))
        .count();
    assert_eq!(commits, 3);
    assert!(events.iter().any(|e| matches!(
        e,
        ProgressEvent::ItemFailed {
            line: 1_001,
            phase: Phase::Parse,
            ..
        }
    )));
    for phase in [Phase::Mapping, Phase::BatchInsert, Phase::InventoryUpdate] {
        assert!(events.iter().any(|e| matches!(e, ProgressEvent::PhaseFinished { phase: p, done, .. } if *p == phase && *done > 0)));
    }
}

#[tokio::test]
async fn steady_state_chunks_take_at_most_four_statements() {
    let (csv, _) = sku_batch(5_000);
    let (_dir, path) = write_file("st.csv", &csv);
    for db in backends().await {
        // First run creates the items; the second, with a new key, is the steady state (the same
        // lines again: deliberately, as a new invoice).
        import(&db, &path, &batch(500)).await;
        let r = import(
            &db,
            &path,
            &ImportOptions {
                import_key: Some("again".into()),
                resent: Some(batchops::engine::overlap::Answer::AsNewInvoice),
                ..batch(500)
            },
        )
        .await;
        assert_eq!(r.items_processed, 5_000);
        let data_statements: u64 = [Phase::BatchInsert, Phase::InventoryUpdate]
            .iter()
            .map(|p| r.phase(*p).unwrap().statements)
            .sum();
        assert!(
            data_statements <= 4 * r.chunks_committed,
            "{data_statements} statements for {} chunks",
            r.chunks_committed
        );
        // The rows and the inventory update; PostgreSQL's chunk function also probes whether any
        // line of the chunk's range is stored already (then it inserts without ON CONFLICT).
        let per_chunk = if db.kind == "postgres" { 3 } else { 2 };
        assert_eq!(
            data_statements,
            per_chunk * r.chunks_committed,
            "{}",
            db.kind
        );
    }
}

#[test]
fn decisions_describe_themselves() {
    let d = MappingDecision::Fuzzy {
        score: 0.91,
        matched_name: "Hex Bolt".into(),
        agreed: vec!["thread M8".into()],
        runner_up: Some(0.4),
    };
    assert_eq!(
        d.describe("HB"),
        "matched 0.91 to HB \"Hex Bolt\"; agreed: thread M8; runner-up 0.40"
    );
}
