//! What the console reads from the real databases (SQLite and PostgreSQL): the failures counted
//! by reason and the table narrowed to one, and the progress a sequential run reports.

use crate::support::db;
use crate::support::files::write_file;
use crate::support::library;
use batchops::console::tabs::failed::group_reasons;
use batchops::console::vocab::ErrorCount;
use batchops::domain::Mode;
use batchops::engine::{self, EventSink, ImportOptions, ProgressEvent};
use batchops::store::{FailedKey, FailedQuery, FailedRow, FailedSort, PageFrom};
use std::path::Path;
use tokio_util::sync::CancellationToken;

const BAD: &str = "sku,description,quantity,unit_price\n\
A-1,Hex Nut,1,0.10\n\
A-2,Hex Bolt,one,0.20\n\
A-3,Washer,two,0.05\n\
A-4,Tape,4,abc\n\
A-5,Cable Tie,seven,0.01\n\
A-6,Glue,6,1.00\n";

#[tokio::test]
async fn failures_are_counted_by_reason_and_one_reason_narrows_the_table() {
    let (_dir, path) = write_file("bad.csv", BAD);
    for db in db::backends().await {
        let opts = ImportOptions::default();
        let report = library::import(&db, &path, &opts).await;
        assert_eq!(report.items_failed, 4, "{}", db.kind);
        let counts: Vec<ErrorCount> = db
            .store
            .failed_errors(report.run_id)
            .await
            .expect("counted")
            .into_iter()
            .map(|(error, total, unresolved)| ErrorCount {
                error,
                total,
                unresolved,
            })
            .collect();
        let reasons = group_reasons(&counts);
        assert_eq!(reasons.len(), 2, "{}: {reasons:?}", db.kind);
        assert_eq!(
            (reasons[0].total, reasons[0].unresolved),
            (3, 3),
            "{}",
            db.kind
        );
        assert!(
            reasons[0]
                .reason
                .contains("quantity \"…\" is not a decimal number"),
            "{}",
            db.kind
        );
        let q = FailedQuery {
            error_like: Some(reasons[0].pattern.clone()),
            ..FailedQuery::all()
        };
        let n = db
            .store
            .failed_count(report.run_id, &q)
            .await
            .expect("count");
        let page = db.store.failed_page(report.run_id, &q).await.expect("page");
        assert_eq!(n, 3, "{}", db.kind);
        let lines: Vec<u64> = page.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 5], "{}", db.kind);
        let written = db.store.run_written(report.run_id).await.expect("counted");
        assert_eq!(written, (report.items_processed, 4), "{}", db.kind);
    }
}

#[tokio::test]
async fn a_sequential_run_reports_its_chunks_as_they_commit() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/invoice-acme-2026-11.csv");
    for db in db::backends().await {
        let (sink, mut rx) = EventSink::channel();
        let opts = ImportOptions {
            mode: Mode::Sequential,
            ..ImportOptions::default()
        };
        let report =
            engine::import_file(&*db.store, &path, &opts, &sink, &CancellationToken::new())
                .await
                .expect("the import runs");
        drop(sink);
        let mut committed = 0;
        let mut inserted = 0;
        while let Some(ev) = rx.recv().await {
            if let ProgressEvent::ChunkCommitted { inserted: n, .. } = ev {
                committed += 1;
                inserted += n;
            }
        }
        assert_eq!(committed, report.chunks_committed, "{}", db.kind);
        assert!(committed > 1, "{}: one per line read", db.kind);
        assert_eq!(inserted, report.items_processed, "{}", db.kind);
    }
}

/// Every way the Failed tab reads a page (after a row, up to a row, from the end, by position)
/// gives the rows of the whole sorted list at those places, for each sort and direction, with
/// sort values many rows share.
#[tokio::test]
async fn failed_pages_read_by_key_are_the_sorted_list_in_pieces() {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for i in 0..40 {
        let quantity = ["one", "x", "1.5.5"][i % 3];
        csv.push_str(&format!("K-{i},Thing {i},{quantity},0.10\n"));
        if i % 4 == 0 {
            csv.push_str(&format!("K-{i}b,Thing {i}b,2,abc\n"));
        }
    }
    let (_dir, path) = write_file("keys.csv", &csv);
    for db in db::backends().await {
        let report = library::import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(report.items_failed, 50, "{}", db.kind);
        let run = report.run_id;
        for sort in [
            FailedSort::Line,
            FailedSort::Phase,
            FailedSort::Error,
            FailedSort::Attempts,
        ] {
            for descending in [false, true] {
                let base = FailedQuery {
                    sort,
                    descending,
                    ..FailedQuery::all()
                };
                let whole = db.store.failed_page(run, &base).await.expect("the list");
                let ids = |rows: &[FailedRow]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let what = format!("{}: {sort:?} descending {descending}", db.kind);
                assert_eq!(whole.len(), 50, "{what}");
                let page = |from| FailedQuery {
                    from,
                    limit: 7,
                    ..base.clone()
                };
                let mut forward = Vec::new();
                let mut q = page(PageFrom::Start);
                loop {
                    let rows = db.store.failed_page(run, &q).await.expect("a page");
                    let Some(last) = rows.last() else { break };
                    q.from = PageFrom::After {
                        key: FailedKey::of(last, sort),
                        inclusive: false,
                    };
                    forward.extend(ids(&rows));
                }
                assert_eq!(forward, ids(&whole), "forward, {what}");
                let mut backward = Vec::new();
                let mut q = page(PageFrom::Last);
                loop {
                    let rows = db.store.failed_page(run, &q).await.expect("a page");
                    let Some(first) = rows.first() else { break };
                    q.from = PageFrom::Before(FailedKey::of(first, sort));
                    backward.splice(0..0, ids(&rows));
                }
                assert_eq!(backward, ids(&whole), "backward, {what}");
                let by_position = db
                    .store
                    .failed_page(run, &page(PageFrom::Offset(13)))
                    .await
                    .expect("a page");
                assert_eq!(ids(&by_position), ids(&whole[13..20]), "offset, {what}");
                let from_row = db
                    .store
                    .failed_page(
                        run,
                        &page(PageFrom::After {
                            key: FailedKey::of(&whole[13], sort),
                            inclusive: true,
                        }),
                    )
                    .await
                    .expect("a page");
                assert_eq!(ids(&from_row), ids(&whole[13..20]), "inclusive, {what}");
            }
        }
    }
}
