//! Reviewing at speed, end to end: the real binary in a pseudo-terminal (80×24 and 200×50) on
//! both backends. A search of the held descriptions finds and highlights a group; every group is
//! selected and accepted onto its top candidate in one decision; the decision is undone; and a
//! SIGKILL in the middle of a bulk accept, then of an undo, leaves every line in exactly one
//! state and every item's stock the sum of its landed rows (checked against the database). The
//! Failed tab's search finds and highlights a failed line the same way.

use crate::support::db::{self, TestDb};
use crate::support::files::write_file;
use crate::support::library;
use crate::support::terminal::{self, Terminal};
use batchops::engine::ImportOptions;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

const CATALOG: &str = "sku,description,quantity,unit_price\n\
HB-M8-40,Hex Bolt M8 x 40mm Zinc,100,0.12\n\
HB-M8-50,Hex Bolt M8 x 50mm Zinc,80,0.14\n\
HS-M6-20,Hex Screw M6 x 20mm Stainless,10,0.20\n\
HS-M6-30,Hex Screw M6 x 30mm Stainless,10,0.21\n";

/// Five lines without SKUs, in two groups of identical descriptions: all held.
const NO_SKU: &str = "sku,description,quantity,unit_price\n\
,Hex Bolt M8 Zinc,5,0.12\n\
,Hex Screw M6 Stainless,2,0.20\n\
,Hex Bolt M8 Zinc,7,0.12\n\
,Hex Bolt M8 Zinc,3,0.12\n\
,Hex Screw M6 Stainless,4,0.20\n";

/// The invoice's five lines: (landed, open held) as the tables say, after checking that no line
/// is in two states and that every item's stock is the sum of its landed rows.
async fn oracle(db: &TestDb, ctx: &str) -> (i64, i64) {
    let twice = db
        .scalar(
            "SELECT COUNT(*) FROM (SELECT import_key, line FROM ( \
               SELECT import_key, line FROM transactions \
               UNION ALL SELECT import_key, line FROM held_lines WHERE decided_at IS NULL \
             ) AS s GROUP BY import_key, line HAVING COUNT(*) > 1) AS x",
        )
        .await;
    assert_eq!(twice, 0, "{ctx}: a line in two states");
    assert_eq!(db::duplicates(db).await, 0, "{ctx}: a line landed twice");
    assert_eq!(
        db::drift(db).await,
        0,
        "{ctx}: stock is not the sum of the landed rows"
    );
    let held = db
        .scalar("SELECT COUNT(*) FROM held_lines WHERE decided_at IS NULL")
        .await;
    let decided = db
        .scalar("SELECT COUNT(*) FROM held_lines WHERE decided_at IS NOT NULL")
        .await;
    // Catalog lines are the other four rows of transactions.
    let landed = db.scalar("SELECT COUNT(*) FROM transactions").await - 4;
    assert_eq!(
        held + decided,
        5,
        "{ctx}: the invoice's lines are all held or decided"
    );
    assert_eq!(landed, decided, "{ctx}: each decided line landed once");
    (landed, held)
}

async fn prepared(db: &TestDb, catalog: &Path, no_sku: &Path) {
    library::import(db, catalog, &ImportOptions::default()).await;
    let r = library::import(db, no_sku, &ImportOptions::default()).await;
    assert_eq!(r.items_held, 5, "{}: the invoice's lines are held", db.kind);
}

fn console(db: &TestDb, cols: u16, rows: u16, failpoint: Option<&str>) -> Terminal {
    let mut cmd = terminal::batchops(&db.url);
    if let Some(f) = failpoint {
        cmd.env("BATCHOPS_FAILPOINT", f);
    }
    let mut c = Terminal::spawn(cmd, cols, rows);
    c.wait_for(&["Review"], WAIT, "the console");
    c.keys("6");
    c.wait_for(&["2 groups, 5 held lines"], WAIT, "the held groups");
    c
}

/// The screen without its header (backend, address and round-trip time vary).
fn body(c: &Terminal) -> String {
    c.contents().lines().skip(1).collect::<Vec<_>>().join("\n")
}

fn stock(db_kind: &str, inv: &std::collections::BTreeMap<String, rust_decimal::Decimal>) -> String {
    let _ = db_kind;
    inv.iter()
        .map(|(s, q)| format!("{s}={q}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread")]
async fn search_bulk_accept_and_undo_in_the_review_tab() {
    let (_d1, catalog) = write_file("catalog.csv", CATALOG);
    let (_d2, no_sku) = write_file("no-sku.csv", NO_SKU);
    for (cols, rows) in [(80u16, 24u16), (200, 50)] {
        for db in db::backends().await {
            let ctx = format!("{} {cols}x{rows}", db.kind);
            prepared(&db, &catalog, &no_sku).await;
            let mut c = console(&db, cols, rows, None);
            // Search: the database narrows the list, the match is highlighted in the row.
            c.keys("/screw");
            c.wait_for(&["1 group, 2 held lines"], WAIT, "the search");
            assert!(
                !c.contents().contains("Hex Bolt M8 Zinc"),
                "{ctx}: narrowed"
            );
            assert!(
                c.underlined()
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case("screw")),
                "{ctx}: the match is highlighted: {:?}",
                c.underlined()
            );
            c.keys("\r");
            // The field is drawn without its cursor once kept.
            std::thread::sleep(Duration::from_millis(300));
            if db.kind == "sqlite" {
                insta::assert_snapshot!(
                    format!("review_search_finds_and_highlights_{cols}x{rows}"),
                    body(&c)
                );
            }
            c.keys("\x1b");
            c.wait_for(&["2 groups, 5 held lines"], WAIT, "the search cleared");
            // Select every group shown and accept each one's top candidate: asks first.
            c.keys("a");
            c.wait_for(&["2 selected"], WAIT, "the selection");
            c.keys("t");
            // The whole frame: the popup's bottom border and the confirmation's keys.
            c.wait_for(
                &[
                    "5 lines of 2 groups onto their top candidates",
                    "Esc closes",
                    "y/Enter yes",
                ],
                WAIT,
                "the confirmation",
            );
            std::thread::sleep(Duration::from_millis(300));
            if db.kind == "sqlite" {
                insta::assert_snapshot!(
                    format!("review_bulk_accept_confirmation_{cols}x{rows}"),
                    body(&c)
                );
            }
            c.keys("y");
            c.wait_for(&["5 lines of 2 groups landed"], WAIT, "the bulk accept");
            let (landed, held) = oracle(&db, &ctx).await;
            assert_eq!(
                (landed, held),
                (5, 0),
                "{ctx}: exactly the five lines landed"
            );
            let inv = db::inventory_by_sku(&*db.store).await;
            let top_stock = stock(db.kind, &inv);
            assert_ne!(
                top_stock, "HB-M8-40=100 HB-M8-50=80 HS-M6-20=10 HS-M6-30=10",
                "{ctx}: stock moved"
            );
            let moved: rust_decimal::Decimal = inv.values().copied().sum();
            assert_eq!(
                moved,
                rust_decimal::Decimal::from(221),
                "{ctx}: 200 + 21 landed"
            );
            // Undo: asks first, then every line is held again and the stock taken back.
            c.keys("u");
            c.wait_for(
                &["Undo the last decision?"],
                WAIT,
                "the undo's confirmation",
            );
            c.keys("y");
            c.wait_for(&["5 lines held again"], WAIT, "the undo");
            c.wait_for(&["2 groups, 5 held lines"], WAIT, "the groups back");
            let (landed, held) = oracle(&db, &ctx).await;
            assert_eq!((landed, held), (0, 5), "{ctx}: held again");
            assert_eq!(
                stock(db.kind, &db::inventory_by_sku(&*db.store).await),
                "HB-M8-40=100 HB-M8-50=80 HS-M6-20=10 HS-M6-30=10",
                "{ctx}: the stock is back"
            );
            // A second undo of the same decision changes nothing.
            c.keys("u");
            c.wait_for(
                &["Undo the last decision?"],
                WAIT,
                "the second undo's confirmation",
            );
            c.keys("y");
            c.wait_for(
                &["no review decision is left to undo"],
                WAIT,
                "nothing to undo",
            );
            assert_eq!(oracle(&db, &ctx).await, (0, 5), "{ctx}: a second undo");
            c.keys("q");
            c.wait_exit(WAIT);
            c.assert_restored();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_a_bulk_accept_or_an_undo_leaves_each_line_in_one_state() {
    let (_d1, catalog) = write_file("catalog.csv", CATALOG);
    let (_d2, no_sku) = write_file("no-sku.csv", NO_SKU);
    for db in db::backends().await {
        let ctx = db.kind.to_string();
        prepared(&db, &catalog, &no_sku).await;
        // Killed inside the bulk accept's transaction, its lines written: nothing of it stays.
        let mut c = console(&db, 80, 24, Some("review_after_land"));
        c.keys("at");
        c.wait_for(&["onto their top candidates"], WAIT, "the confirmation");
        c.keys("y");
        c.wait_exit(WAIT);
        assert_eq!(
            oracle(&db, &ctx).await,
            (0, 5),
            "{ctx}: killed in the bulk accept"
        );
        // Accepted for real, then killed inside the undo's transaction: the decision stands.
        let mut c = console(&db, 80, 24, None);
        c.keys("at");
        c.wait_for(&["onto their top candidates"], WAIT, "the confirmation");
        c.keys("y");
        c.wait_for(&["5 lines of 2 groups landed"], WAIT, "the bulk accept");
        c.keys("q");
        c.wait_exit(WAIT);
        assert_eq!(oracle(&db, &ctx).await, (5, 0), "{ctx}: accepted");
        let mut cmd = terminal::batchops(&db.url);
        cmd.env("BATCHOPS_FAILPOINT", "undo_after_delete");
        let mut c = Terminal::spawn(cmd, 80, 24);
        c.wait_for(&["Review"], WAIT, "the console");
        c.keys("6");
        c.wait_for(&["No line is held"], WAIT, "nothing held");
        c.keys("u");
        c.wait_for(
            &["Undo the last decision?"],
            WAIT,
            "the undo's confirmation",
        );
        c.keys("y");
        c.wait_exit(WAIT);
        assert_eq!(oracle(&db, &ctx).await, (5, 0), "{ctx}: killed in the undo");
        // The undo again, to its end: once.
        let mut cmd = terminal::batchops(&db.url);
        cmd.env("BATCHOPS_FAILPOINT", "undo_before_commit:2");
        let mut c = Terminal::spawn(cmd, 80, 24);
        c.wait_for(&["Review"], WAIT, "the console");
        c.keys("6");
        c.wait_for(&["No line is held"], WAIT, "nothing held");
        c.keys("u");
        c.wait_for(
            &["Undo the last decision?"],
            WAIT,
            "the undo's confirmation",
        );
        c.keys("y");
        c.wait_for(&["5 lines held again"], WAIT, "the undo");
        c.keys("q");
        c.wait_exit(WAIT);
        assert_eq!(oracle(&db, &ctx).await, (0, 5), "{ctx}: undone once");
    }
}

/// The sample invoice: three of its lines fail (one with unit price "abc").
fn sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/invoice-acme-2026-11.csv")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_in_the_runs_and_failed_tabs_finds_and_highlights_the_row() {
    for (cols, rows) in [(80u16, 24u16), (200, 50)] {
        for db in db::backends().await {
            let ctx = format!("{} {cols}x{rows}", db.kind);
            library::import(&db, &sample(), &ImportOptions::default()).await;
            let mut c = Terminal::spawn(terminal::batchops(&db.url), cols, rows);
            c.wait_for(&["Failed"], WAIT, "the console");
            c.keys("4");
            c.wait_for(&["partial_success"], WAIT, "the run");
            // The Runs tab's search highlights the matching run.
            c.keys("/acme");
            c.wait_for(&["/ acme"], WAIT, "the runs search");
            std::thread::sleep(Duration::from_millis(300));
            assert!(
                c.underlined()
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case("acme")),
                "{ctx}: the run's match is highlighted: {:?}",
                c.underlined()
            );
            c.keys("\r\x1b");
            std::thread::sleep(Duration::from_millis(300));
            assert!(!c.contents().contains("/ acme"), "{ctx}: Esc clears");
            c.keys("\r");
            c.keys("3");
            c.wait_for(&["3 items"], WAIT, "the failed items");
            c.keys("/abc");
            c.wait_for(&["1 item"], WAIT, "the search");
            assert!(
                !c.contents().contains("Hex Nut M8"),
                "{ctx}: the list is narrowed"
            );
            assert!(
                c.underlined().iter().any(|u| u.contains("abc")),
                "{ctx}: the match is highlighted: {:?}",
                c.underlined()
            );
            c.keys("\r");
            std::thread::sleep(Duration::from_millis(300));
            if db.kind == "sqlite" {
                insta::assert_snapshot!(
                    format!("failed_search_finds_and_highlights_{cols}x{rows}"),
                    body(&c)
                );
            }
            c.keys("\x1b");
            c.wait_for(&["3 items"], WAIT, "the search cleared");
            c.keys("q");
            c.wait_exit(WAIT);
            c.assert_restored();
        }
    }
}

/// `cargo test --test it measure_bulk_accept -- --ignored --nocapture`: 400 groups of 5 held
/// lines accepted in one decision, then undone, timed on each backend.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a check"]
async fn measure_bulk_accept_and_undo_of_400_groups() {
    const GROUPS: usize = 400;
    let mut catalog = String::from("sku,description,quantity,unit_price\n");
    let mut invoice = String::from("sku,description,quantity,unit_price\n");
    for n in 1..=GROUPS {
        catalog.push_str(&format!("B{n}-40,Hex Bolt M{n} x 40mm Zinc,0,0.12\n"));
        catalog.push_str(&format!("B{n}-50,Hex Bolt M{n} x 50mm Zinc,0,0.12\n"));
        for _ in 0..5 {
            invoice.push_str(&format!(",Hex Bolt M{n} Zinc,2,0.12\n"));
        }
    }
    let (_d1, catalog) = write_file("catalog.csv", &catalog);
    let (_d2, invoice) = write_file("invoice.csv", &invoice);
    for db in db::backends().await {
        library::import(&db, &catalog, &ImportOptions::default()).await;
        let r = library::import(&db, &invoice, &ImportOptions::default()).await;
        let open = db
            .store
            .held(&batchops::store::HeldFilter::Open)
            .await
            .unwrap();
        let groups = batchops::engine::review::groups(&open);
        let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
        let start = std::time::Instant::now();
        let done = batchops::engine::review::accept_top(&*db.store, &ids, "bench")
            .await
            .expect("accept");
        let accept = start.elapsed();
        let start = std::time::Instant::now();
        let undone = batchops::engine::review::undo(&*db.store, done.correction_id, "bench")
            .await
            .expect("undo");
        let undo = start.elapsed();
        println!(
            "{}: {} held lines in {} groups · bulk accept: {} landed, quantity {} in {:.3} s · undo: {} held again in {:.3} s",
            db.kind,
            r.items_held,
            groups.len(),
            done.landed,
            done.quantity,
            accept.as_secs_f64(),
            undone.lines,
            undo.as_secs_f64()
        );
        assert_eq!(db::drift(&db).await, 0);
    }
}
