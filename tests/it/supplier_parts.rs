//! Supplier part numbers (issue 17 item 5) and the invoice header kept with the run (item 6), on
//! both backends: a supplier's part number maps through its cross-reference, learned when a line
//! lands by its description and corrected like an alias; a number (ours or the supplier's) whose
//! line's description contradicts the item it names is held for review, never landed on it.

use crate::support::db::{TestDb, backends};
use crate::support::files::write_file;
use batchops::domain::{InvoiceHeader, RunReport};
use batchops::engine::{EventSink, ImportOptions, import_file};
use batchops::input::profile::SkuColumn;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

const CATALOG: &str = "sku,description,quantity,unit_price\n\
    HB-M8,Hex Bolt M8 x 40mm Zinc,100,0.10\n\
    CT-200,Cable Tie 200mm Black Pack of 100,5,3.00\n";

async fn import(db: &TestDb, name: &str, content: &str, supplier: Option<&str>) -> RunReport {
    let (_dir, path) = write_file(name, content);
    let opts = ImportOptions {
        invoice: InvoiceHeader {
            supplier: supplier.map(str::to_string),
            ..InvoiceHeader::default()
        },
        ..ImportOptions::default()
    };
    import_file(
        &*db.store,
        &path,
        &opts,
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{name} on {}: {e}", db.kind))
}

async fn inventory(db: &TestDb) -> BTreeMap<String, Decimal> {
    db.store
        .inventory()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.sku, r.quantity.normalize()))
        .collect()
}

async fn qty(db: &TestDb, sku: &str) -> Decimal {
    inventory(db).await.get(sku).copied().unwrap_or_default()
}

/// The collision: supplier A's `X-100` was taken as our SKU and is our hex bolt; supplier
/// B's `X-100` is a pack of cable ties. Read as our SKU it is held (the description contradicts
/// the item); read as supplier B's part number it never lands on the hex bolt.
#[tokio::test]
async fn supplier_b_cable_ties_under_supplier_a_number_are_held_not_landed_on_the_hex_bolt() {
    for db in backends().await {
        let ctx = db.kind;
        import(
            &db,
            "a.csv",
            "sku,description,quantity,unit_price\nX-100,Hex Bolt M8 x 40mm Zinc,10,0.12\n",
            None,
        )
        .await;
        assert_eq!(qty(&db, "X-100").await, Decimal::from(10), "{ctx}");
        let b =
            "sku,description,quantity,unit_price\nX-100,Cable Tie 200mm Black Pack of 100,3,2.90\n";
        let r = import(&db, "b.csv", b, None).await;
        assert_eq!((r.items_held, r.items_processed), (1, 0), "{ctx}: {r:?}");
        assert_eq!(
            qty(&db, "X-100").await,
            Decimal::from(10),
            "{ctx}: cable ties on the hex bolt"
        );
        let held = db
            .scalar("SELECT COUNT(*) FROM held_lines WHERE decided_at IS NULL")
            .await;
        assert_eq!(held, 1, "{ctx}");
        // The same line as supplier B's part number: B's X-100 is not A's, nor our hex bolt.
        let b2 =
            "sku,description,quantity,unit_price\nX-100,Cable Tie 200mm Black Pack of 100,3,2.95\n";
        let r = import(&db, "b2.csv", b2, Some("Supplier B")).await;
        assert_eq!(r.items_processed, 1, "{ctx}: {r:?}");
        assert_eq!(qty(&db, "X-100").await, Decimal::from(10), "{ctx}");
    }
}

/// A cross-reference is learned when a line of the supplier lands by its description, with the
/// run that learned it; later lines with the number map through it (even without a
/// description); a line whose description contradicts the item the number names is held; a
/// re-import of the learning key maps as the first run did; `aliases move --supplier` moves the
/// cross-reference and the stock of the lines that landed through it.
#[tokio::test]
async fn a_cross_reference_is_learned_held_on_contradiction_and_corrected() {
    for db in backends().await {
        let ctx = db.kind;
        import(&db, "catalog.csv", CATALOG, None).await;
        let first =
            "Artikelnummer,Bezeichnung,Menge,Einzelpreis\nA-77,Hex Bolt M8 x 40mm Zinc,10,0.12\n";
        let r = import(&db, "a1.csv", first, Some("Acme")).await;
        assert_eq!(r.items_processed, 1, "{ctx}: {r:?}");
        assert_eq!(qty(&db, "HB-M8").await, Decimal::from(110), "{ctx}");
        assert!(
            !inventory(&db).await.contains_key("A-77"),
            "{ctx}: a part number became a SKU"
        );
        let learned = db
            .pairs("SELECT learned_run_id, learned_by FROM supplier_parts WHERE supplier = 'Acme' AND part_number = 'A-77'")
            .await;
        assert_eq!(learned, vec![(r.run_id, "auto".to_string())], "{ctx}");
        // Mapped through the cross-reference: no description needed.
        let second = "Artikelnummer,Bezeichnung,Menge,Einzelpreis\nA-77,,5,0.12\n";
        let r = import(&db, "a2.csv", second, Some("Acme")).await;
        assert_eq!(r.items_processed, 1, "{ctx}: {r:?}");
        assert_eq!(qty(&db, "HB-M8").await, Decimal::from(115), "{ctx}");
        // Listed with the aliases: the part number, its item and what landed through it (the
        // second line; the first landed by its description and taught the number).
        let listed = batchops::corrections::aliases(&*db.store).await.unwrap();
        let part = listed
            .iter()
            .find(|a| a.supplier.as_deref() == Some("Acme"))
            .unwrap_or_else(|| panic!("{ctx}: {listed:?}"));
        assert_eq!(
            (part.part_number.as_deref(), part.sku.as_str(), part.lines),
            (Some("A-77"), "HB-M8", 1),
            "{ctx}"
        );
        assert_eq!(part.quantity.normalize(), Decimal::from(5), "{ctx}");
        let table = batchops::report::corrections::aliases_table(&listed);
        assert!(
            table.contains("A-77 (part number of Acme)")
                && table.ends_with("1 supplier part numbers\n"),
            "{ctx}: {table}"
        );
        // The same number with another product's description: held.
        let third = "Artikelnummer,Bezeichnung,Menge,Einzelpreis\nA-77,Cable Tie 200mm Black Pack of 100,3,2.90\n";
        let r = import(&db, "a3.csv", third, Some("Acme")).await;
        assert_eq!((r.items_held, r.items_processed), (1, 0), "{ctx}: {r:?}");
        assert_eq!(qty(&db, "HB-M8").await, Decimal::from(115), "{ctx}");
        // Another supplier's number A-77 is not Acme's.
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM supplier_parts WHERE supplier <> 'Acme'")
                .await,
            0,
            "{ctx}"
        );
        // The operator corrects it: the cross-reference and the 5 that landed through it move.
        let applied = batchops::corrections::move_alias(
            &*db.store,
            &batchops::mapping::part_key("Acme", "A-77"),
            "CT-200",
            "ops",
        )
        .await
        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(applied.lines, 1, "{ctx}: {applied:?}");
        assert_eq!(qty(&db, "HB-M8").await, Decimal::from(110), "{ctx}");
        assert_eq!(qty(&db, "CT-200").await, Decimal::from(10), "{ctx}");
        let corrected = db
            .pairs("SELECT p.item_id, p.learned_by FROM supplier_parts p WHERE supplier = 'Acme' AND part_number = 'A-77'")
            .await;
        let ct = db
            .scalar("SELECT id FROM inventory_items WHERE sku = 'CT-200'")
            .await;
        assert_eq!(corrected, vec![(ct, "operator".to_string())], "{ctx}");
        let learned_run = db
            .scalar("SELECT COUNT(*) FROM supplier_parts WHERE learned_run_id IS NOT NULL")
            .await;
        assert_eq!(
            learned_run, 0,
            "{ctx}: an operator's cross-reference belongs to no run"
        );
        // Later lines follow the correction.
        let fourth = "Artikelnummer,Bezeichnung,Menge,Einzelpreis\nA-77,,2,2.90\n";
        import(&db, "a4.csv", fourth, Some("Acme")).await;
        assert_eq!(qty(&db, "CT-200").await, Decimal::from(12), "{ctx}");
    }
}

/// `sku_column = ours` with a supplier: the SKU column is our SKU, no cross-reference is learned.
#[tokio::test]
async fn with_our_skus_a_supplier_learns_no_cross_reference() {
    for db in backends().await {
        let ctx = db.kind;
        import(&db, "catalog.csv", CATALOG, None).await;
        let (_dir, path) = write_file(
            "ours.csv",
            "sku,description,quantity,unit_price\nHB-M8,Hex Bolt M8 x 40mm Zinc,1,0.1\n",
        );
        let opts = ImportOptions {
            invoice: InvoiceHeader {
                supplier: Some("Acme".into()),
                invoice_number: Some("INV-9".into()),
                ..InvoiceHeader::default()
            },
            sku_column: Some(SkuColumn::Ours),
            ..ImportOptions::default()
        };
        let r = import_file(
            &*db.store,
            &path,
            &opts,
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(r.items_processed, 1, "{ctx}");
        assert_eq!(qty(&db, "HB-M8").await, Decimal::from(101), "{ctx}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM supplier_parts").await,
            0,
            "{ctx}"
        );
        let run = db.store.run(r.run_id).await.unwrap().unwrap();
        assert_eq!(run.sku_column.as_deref(), Some("ours"), "{ctx}");
        assert_eq!(
            run.invoice.invoice_number.as_deref(),
            Some("INV-9"),
            "{ctx}"
        );
    }
}

/// The invoice header of the title rows is kept with the run (flags win), on both backends.
#[tokio::test]
async fn the_invoice_header_of_the_title_rows_is_kept_with_the_run() {
    let text = "Rechnung Nr. 4711\nLieferant: Schrauben Müller GmbH\nDatum: 03.12.2026\nWährung: EUR\n\
                Artikelnummer;Bezeichnung;Menge;Einzelpreis\nSM-1;Mutter M8;10;0,05\n";
    for db in backends().await {
        let ctx = db.kind;
        let r = import(&db, "rechnung.csv", text, None).await;
        let want = InvoiceHeader {
            supplier: Some("Schrauben Müller GmbH".into()),
            invoice_number: Some("4711".into()),
            invoice_date: Some("2026-12-03".into()),
            currency: Some("EUR".into()),
        };
        assert_eq!(r.invoice, want, "{ctx}");
        let run = db.store.run(r.run_id).await.unwrap().unwrap();
        assert_eq!(run.invoice, want, "{ctx}");
        // A supplier read from the title rows alone does not make the SKUs part numbers.
        assert_eq!(run.sku_column.as_deref(), Some("ours"), "{ctx}");
        assert_eq!(qty(&db, "SM-1").await, Decimal::from(10), "{ctx}");
        let found = db
            .scalar("SELECT COUNT(*) FROM import_runs WHERE supplier = 'Schrauben Müller GmbH' AND invoice_number = '4711'")
            .await;
        assert_eq!(found, 1, "{ctx}");
    }
}

/// What a run over a supplier's numbers leaves: stock by SKU, the cross-references (supplier,
/// part, item SKU, learned by) and each landed line's item.
type Outcome = (
    BTreeMap<String, Decimal>,
    Vec<(i64, String)>,
    Vec<(i64, String)>,
);

async fn outcome(
    db: &TestDb,
) -> (
    BTreeMap<String, Decimal>,
    Vec<(i64, String)>,
    Vec<(i64, String)>,
) {
    let parts = db
        .pairs(
            "SELECT i.id, p.supplier || ' ' || p.part_number || ' ' || i.sku || ' ' || p.learned_by \
             FROM supplier_parts p JOIN inventory_items i ON i.id = p.item_id \
             ORDER BY p.supplier, p.part_number",
        )
        .await;
    let lines = db
        .pairs(
            "SELECT t.line, i.sku FROM transactions t JOIN inventory_items i ON i.id = t.item_id \
             JOIN import_runs r ON r.id = t.run_id WHERE r.source LIKE '%acme-invoice.csv' \
             ORDER BY t.line",
        )
        .await;
    (inventory(db).await, parts, lines)
}

/// A run that learns cross-references, killed after its second chunk and resumed, ends as the same
/// run uninterrupted: every line once, on the item its number names, each cross-reference once.
#[tokio::test]
async fn a_run_learning_part_numbers_killed_and_resumed_ends_as_one_uninterrupted_run() {
    use crate::support::binary::{batchops_env, json, signal, text};
    let invoice = "Artikelnummer,Bezeichnung,Menge,Einzelpreis\n\
        A-77,Hex Bolt M8 x 40mm Zinc,10,0.12\n\
        A-77,,5,0.12\n\
        B-12,Cable Tie 200mm Black Pack of 100,3,2.90\n\
        B-12,,2,2.90\n\
        C-5,Hex Bolt M8 x 40mm Zinc,1,0.12\n";
    let (_dir, path) = write_file("acme-invoice.csv", invoice);
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = ["import", "--format", "json", "--chunk-size", "1"]
            .iter()
            .chain(["--supplier", "Acme"].iter())
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect();
        a.push(path.to_str().unwrap().to_string());
        a
    };
    let run = |url: &str, a: &[String], env: &[(&str, &str)]| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        batchops_env(url, &a, env)
    };
    let mut reference = None;
    for db in backends().await {
        let ctx = db.kind;
        import(&db, "catalog.csv", CATALOG, None).await;
        let killed = run(
            &db.url,
            &args(&[]),
            &[("BATCHOPS_FAILPOINT", "batch_after_commit:2")],
        );
        assert_eq!(signal(&killed), Some(9), "{ctx}: {}", text(&killed));
        let run_id = db.scalar("SELECT MAX(id) FROM import_runs").await;
        let resumed = batchops_env(
            &db.url,
            &["resume", &run_id.to_string(), "--format", "json"],
            &[("BATCHOPS_STALE_AFTER_SECONDS", "0")],
        );
        assert!(resumed.status.success(), "{ctx}: {}", text(&resumed));
        assert_eq!(
            json(&resumed)["status"],
            "success",
            "{ctx}: {}",
            text(&resumed)
        );
        let got = outcome(&db).await;
        assert_eq!(
            got.0.get("HB-M8").copied(),
            Some(Decimal::from(116)),
            "{ctx}: {got:?}"
        );
        assert_eq!(
            got.0.get("CT-200").copied(),
            Some(Decimal::from(10)),
            "{ctx}: {got:?}"
        );
        assert_eq!(
            got.1.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>(),
            [
                "Acme A-77 HB-M8 auto",
                "Acme B-12 CT-200 auto",
                "Acme C-5 HB-M8 auto"
            ],
            "{ctx}"
        );
        assert_eq!(got.2.len(), 5, "{ctx}: every line once: {got:?}");

        // The same file uninterrupted on a fresh database of the same backend.
        let fresh = if db.kind == "sqlite" {
            crate::support::db::sqlite().await
        } else {
            crate::support::db::postgres().await.expect("postgres")
        };
        import(&fresh, "catalog.csv", CATALOG, None).await;
        let whole = run(&fresh.url, &args(&[]), &[]);
        assert!(whole.status.success(), "{ctx}: {}", text(&whole));
        let want = outcome(&fresh).await;
        let strip = |o: &Outcome| {
            (
                o.0.clone(),
                o.1.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(),
                o.2.clone(),
            )
        };
        assert_eq!(strip(&got), strip(&want), "{ctx}: resumed ≠ uninterrupted");
        if let Some(r) = &reference {
            assert_eq!(&strip(&got), r, "{ctx}: the backends differ");
        }
        reference = Some(strip(&got));
    }
}
