//! A file whose every line carries one of our SKUs maps against the items its SKUs name, looked
//! up by SKU (crates/batchops-engine/src/engine/catalog.rs), with the decisions the whole catalog
//! gives. Real SQLite files and the real PostgreSQL server.

use crate::support::db::{TestDb, backends};
use crate::support::files::write_file;
use batchops::engine::{EventSink, ImportOptions, import_file};
use std::path::Path;
use tokio_util::sync::CancellationToken;

const CATALOG: &str = "sku,description,quantity,unit_price
BOLT-8,Hex Bolt M8 x 40mm Zinc Plated,10,0.20
BOLT-10,Hex Bolt M10 x 50mm Zinc Plated,10,0.30
OLD-10,Hex Bolt M10 x 50mm Zinc,5,0.30
ELB-15,Copper Elbow 15mm Compression,4,1.10
GLOVE-L,Nitrile Gloves L Blue Box of 100,2,6.00
";

async fn import(db: &TestDb, path: &Path, explain: bool) -> batchops::domain::RunReport {
    let opts = ImportOptions {
        explain,
        ..ImportOptions::default()
    };
    import_file(
        &*db.store,
        path,
        &opts,
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", db.kind))
}

/// The catalog, with OLD-10 merged into BOLT-10.
async fn catalog(db: &TestDb, path: &Path) {
    import(db, path, false).await;
    batchops::corrections::merge_items(&*db.store, "OLD-10", "BOLT-10", "test")
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.kind));
}

/// (line, "SKU quantity") of each row the last run landed, and (line, candidates) of its held
/// lines.
type Outcome = (Vec<(i64, String)>, Vec<(i64, String)>);

async fn outcome(db: &TestDb) -> Outcome {
    let landed = db
        .pairs(
            "SELECT t.line, i.sku || ' ' || CAST(t.quantity AS TEXT) FROM transactions t \
             JOIN inventory_items i ON i.id = t.item_id \
             WHERE t.run_id = (SELECT MAX(id) FROM import_runs) ORDER BY t.line",
        )
        .await;
    let held = db
        .pairs(
            "SELECT line, candidates_json FROM held_lines \
             WHERE run_id = (SELECT MAX(id) FROM import_runs) ORDER BY line",
        )
        .await;
    (landed, held)
}

/// `file` imported, after the catalog, into two databases of each backend: mapped by the look-up
/// of its SKUs, and explained (which always maps against the whole catalog).
struct BothWays {
    kind: &'static str,
    by_sku: batchops::domain::RunReport,
    whole: batchops::domain::RunReport,
    by_sku_outcome: Outcome,
    whole_outcome: Outcome,
}

async fn both_ways(cat: &Path, file: &Path) -> Vec<BothWays> {
    let mut out = Vec::new();
    for (a, b) in backends().await.into_iter().zip(backends().await) {
        catalog(&a, cat).await;
        catalog(&b, cat).await;
        let by_sku = import(&a, file, false).await;
        let whole = import(&b, file, true).await;
        out.push(BothWays {
            kind: a.kind,
            by_sku,
            whole,
            by_sku_outcome: outcome(&a).await,
            whole_outcome: outcome(&b).await,
        });
    }
    out
}

#[tokio::test]
async fn a_file_of_sku_lines_maps_by_sku_a_retired_sku_to_its_merged_item_a_new_one_created_once() {
    let (_c, cat) = write_file("catalog.csv", CATALOG);
    let (_f, file) = write_file(
        "invoice.csv",
        "sku,description,quantity,unit_price
BOLT-8,Hex Bolt M8 x 40mm Zinc Plated,1,0.20
OLD-10,Hex Bolt M10 x 50mm Zinc,2,0.30
NEW-1,Wall Plug 6mm Brown,3,0.05
NEW-1,Wall Plug 6mm Brown,4,0.05
GLOVE-L,,5,6.00
",
    );
    for db in backends().await {
        let ctx = db.kind;
        catalog(&db, &cat).await;
        let r = import(&db, &file, false).await;
        assert_eq!(
            (r.items_processed, r.decisions.sku, r.decisions.created),
            (5, 4, 1),
            "{ctx}: {:?}",
            r.decisions
        );
        let (landed, held) = outcome(&db).await;
        let skus: Vec<(i64, &str)> = landed
            .iter()
            .map(|(l, s)| (*l, s.split(' ').next().unwrap_or_default()))
            .collect();
        assert_eq!(
            skus,
            vec![
                (1, "BOLT-8"),
                (2, "BOLT-10"),
                (3, "NEW-1"),
                (4, "NEW-1"),
                (5, "GLOVE-L")
            ],
            "{ctx}"
        );
        assert!(held.is_empty(), "{ctx}: {held:?}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM inventory_items WHERE sku = 'NEW-1'")
                .await,
            1,
            "{ctx}"
        );
    }
}

/// A line whose description contradicts its SKU's item is held showing the candidate weighed
/// over the whole catalog: the same held line as a run that explains its decisions (which always
/// maps against the whole catalog) holds.
#[tokio::test]
async fn a_sku_line_that_contradicts_its_item_is_held_as_against_the_whole_catalog() {
    let (_c, cat) = write_file("catalog.csv", CATALOG);
    let (_f, file) = write_file(
        "invoice.csv",
        "sku,description,quantity,unit_price
BOLT-8,Hex Bolt M8 x 40mm Zinc Plated,1,0.20
ELB-15,Copper Elbow 22mm Compression,2,1.10
",
    );
    for w in both_ways(&cat, &file).await {
        let ctx = w.kind;
        let (ra, rb) = (&w.by_sku, &w.whole);
        assert_eq!((ra.decisions.sku, ra.decisions.held), (1, 1), "{ctx}");
        assert_eq!(
            (rb.decisions.sku, rb.decisions.held),
            (1, 1),
            "{ctx}: explained"
        );
        let held = &w.by_sku_outcome.1;
        assert_eq!(held.len(), 1, "{ctx}: {held:?}");
        assert!(held[0].1.contains("ELB-15"), "{ctx}: {held:?}");
        assert_eq!(w.by_sku_outcome, w.whole_outcome, "{ctx}");
    }
}

/// A SKU the catalog lacks creates its item from its first line; a later line of the same SKU
/// whose description contradicts that item is held, as a run against the whole catalog holds it
/// (the SKUs on one line alone are the ones a file of SKU lines need not look at twice).
#[tokio::test]
async fn a_new_sku_whose_later_line_contradicts_its_first_is_held_as_against_the_whole_catalog() {
    let (_c, cat) = write_file("catalog.csv", CATALOG);
    let (_f, file) = write_file(
        "invoice.csv",
        "sku,description,quantity,unit_price
NEW-7,Wall Plug 6mm Brown,3,0.05
BOLT-8,Hex Bolt M8 x 40mm Zinc Plated,1,0.20
NEW-8,Cable Tie 200mm Black,2,0.02
NEW-7,Wall Plug 10mm Grey,4,0.07
",
    );
    for w in both_ways(&cat, &file).await {
        let ctx = w.kind;
        let ra = &w.by_sku;
        assert_eq!(
            (ra.decisions.sku, ra.decisions.created, ra.decisions.held),
            (1, 2, 1),
            "{ctx}: {:?}",
            ra.decisions
        );
        assert_eq!(w.whole.decisions.held, 1, "{ctx}: explained");
        let held = &w.by_sku_outcome.1;
        assert_eq!(held.len(), 1, "{ctx}: {held:?}");
        assert!(held[0].1.contains("NEW-7"), "{ctx}: {held:?}");
        assert_eq!(w.by_sku_outcome, w.whole_outcome, "{ctx}");
    }
}
