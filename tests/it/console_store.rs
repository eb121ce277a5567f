//! What the console reads from the real databases (SQLite and PostgreSQL): the failures counted
//! by reason and the table narrowed to one, and the progress a sequential run reports.

use crate::support::db;
use crate::support::files::write_file;
use crate::support::library;
use batchops::console::tabs::failed::group_reasons;
use batchops::console::vocab::ErrorCount;
use batchops::domain::Mode;
use batchops::engine::{self, EventSink, ImportOptions, ProgressEvent};
use batchops::store::FailedQuery;
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
