//! Supplier files as they come (sample-data/suppliers): each lands with no flags and gives the
//! inventory of its `.expected.csv`, or is refused whole (the reason of its
//! `.expected-refusal.txt`) with nothing landed; on both backends. Workbooks are written here.

use crate::support::db::{TestDb, backends, inventory_by_sku};
use batchops::engine::{EventSink, ImportOptions, import_file};
use batchops::input::{self, DecimalMark, ReadSettings};
use batchops::store::Store;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use tokio_util::sync::CancellationToken;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/suppliers")
}

fn supplier_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            !name.contains(".expected") && !name.ends_with(".supplier.txt") && name != "README.md"
        })
        .collect();
    files.sort();
    files
}

fn sidecar(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap().to_os_string();
    name.push(suffix);
    file.with_file_name(name)
}

fn expected_inventory(file: &Path) -> BTreeMap<String, Decimal> {
    let text = std::fs::read_to_string(sidecar(file, ".expected.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (sku, qty) = l.split_once(',').unwrap();
            (sku.to_string(), Decimal::from_str(qty).unwrap())
        })
        .collect()
}

async fn inventory(store: &dyn Store) -> BTreeMap<String, Decimal> {
    inventory_by_sku(store)
        .await
        .into_iter()
        .map(|(sku, quantity)| (sku, quantity.normalize()))
        .collect()
}

async fn import(
    db: &TestDb,
    path: &Path,
    reading: ReadSettings,
) -> Result<batchops::domain::RunReport, String> {
    // A file whose SKU column holds a supplier's part numbers names its supplier in a sidecar
    // (`--supplier NAME` on the command line).
    let supplier = std::fs::read_to_string(sidecar(path, ".supplier.txt"))
        .ok()
        .map(|s| s.trim().to_string());
    let opts = ImportOptions {
        reading,
        invoice: batchops::domain::InvoiceHeader {
            supplier,
            ..Default::default()
        },
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
    .map_err(|e| e.to_string())
}

#[tokio::test]
async fn every_supplier_file_lands_as_expected_or_is_refused_whole() {
    let files = supplier_files();
    assert!(files.len() >= 20, "the corpus has {} files", files.len());
    let mut landed = 0;
    let mut refused = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for db in backends().await {
            let result = import(&db, file, ReadSettings::default()).await;
            if sidecar(file, ".expected.csv").exists() {
                let report = result.unwrap_or_else(|e| panic!("{name} on {}: {e}", db.kind));
                assert_eq!(report.items_failed, 0, "{name} on {}: {report:?}", db.kind);
                assert_eq!(
                    inventory(&*db.store).await,
                    expected_inventory(file),
                    "{name} on {}",
                    db.kind
                );
                landed += 1;
            } else {
                let want = std::fs::read_to_string(sidecar(file, ".expected-refusal.txt"))
                    .unwrap_or_else(|_| panic!("{name} has no sidecar"));
                let e = result.expect_err(&name);
                assert!(e.contains(want.trim()), "{name} on {}: {e}", db.kind);
                assert!(e.contains(&name), "the error names the file: {e}");
                assert!(
                    inventory(&*db.store).await.is_empty(),
                    "{name}: nothing lands"
                );
                assert!(
                    db.store.runs(10).await.unwrap().is_empty(),
                    "{name}: no run"
                );
                refused += 1;
            }
        }
    }
    assert!(
        landed >= 17 && refused >= 5,
        "{landed} landed, {refused} refused"
    );
}

#[tokio::test]
async fn a_setting_makes_the_ambiguous_file_land() {
    let file = corpus().join("ambiguous-thousands.csv");
    for db in backends().await {
        let reading = ReadSettings {
            decimal: Some(DecimalMark::Comma),
            ..ReadSettings::default()
        };
        import(&db, &file, reading).await.unwrap();
        let want: BTreeMap<String, Decimal> = [
            ("AMB-1".to_string(), Decimal::from(1200)),
            ("AMB-2".to_string(), Decimal::from(500)),
        ]
        .into();
        assert_eq!(inventory(&*db.store).await, want, "{}", db.kind);
    }
}

#[test]
fn descriptions_are_stored_as_the_user_reads_them() {
    let file = corpus().join("de-erp-windows1252.csv");
    let batch = input::inspect(&file, None).unwrap();
    let items: Vec<_> = input::open(&batch).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        items[0].description,
        "Sechskantschraube Ø8 × 40 mm verzinkt"
    );
    assert_eq!(items[0].quantity, Decimal::from(1200));
    assert_eq!(items[3].unit_price, Decimal::from_str("2500.25").unwrap());
    let layout = input::layout(&batch, &ReadSettings::default()).unwrap();
    assert_eq!(layout.encoding.as_str(), "windows-1252");
    assert_eq!(layout.delimiter_name(), "semicolon");
    assert_eq!(layout.header_row, 4);
    assert_eq!(layout.titles.len(), 3);
    assert_eq!(layout.convention.decimal, DecimalMark::Comma);
}

// ------------------------------------------------------------------------------------------------
// Workbooks

fn workbook(dir: &Path, name: &str, fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    fill(book.add_worksheet());
    let path = dir.join(name);
    book.save(&path).unwrap();
    path
}

fn delivery_note(sheet: &mut rust_xlsxwriter::Worksheet) {
    sheet.write_string(0, 0, "Lieferschein LS-2026-12").unwrap();
    for (c, h) in ["Artikelnummer", "Bezeichnung", "Menge", "Einzelpreis"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    sheet.write_string(3, 0, "007").unwrap();
    sheet.write_string(3, 1, "Schraube Ø8 × 40 mm").unwrap();
    sheet.write_number(3, 2, 10).unwrap();
    sheet.write_number(3, 3, 0.5).unwrap();
    sheet.write_number(4, 0, 8).unwrap();
    sheet.write_string(4, 1, "Mutter M8").unwrap();
    sheet.write_number(4, 2, 1200).unwrap();
    sheet.write_string(4, 3, "1,25").unwrap();
}

#[tokio::test]
async fn an_xlsx_workbook_lands_with_numbers_as_numbers_and_skus_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = workbook(dir.path(), "lieferung.xlsx", delivery_note);
    for db in backends().await {
        let report = import(&db, &path, ReadSettings::default()).await.unwrap();
        let want: BTreeMap<String, Decimal> = [
            ("007".to_string(), Decimal::from(10)),
            ("8".to_string(), Decimal::from(1200)),
        ]
        .into();
        assert_eq!(inventory(&*db.store).await, want, "{}: {report:?}", db.kind);
    }
    let batch = input::inspect(&path, None).unwrap();
    let items: Vec<_> = input::open(&batch).unwrap().map(Result::unwrap).collect();
    assert_eq!(items[1].unit_price, Decimal::from_str("1.25").unwrap());
    assert_eq!(items[0].description, "Schraube Ø8 × 40 mm");
}

#[test]
fn workbook_problems_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = workbook(dir.path(), "bad.xlsx", |sheet| {
        delivery_note(sheet);
        sheet.write_string(5, 0, "009").unwrap();
        sheet.write_string(5, 1, "Scheibe").unwrap();
        sheet.write_string(5, 2, "viele").unwrap();
        sheet.write_number(5, 3, 1).unwrap();
    });
    let batch = input::inspect(&path, None).unwrap();
    let lines: Vec<_> = input::open(&batch).unwrap().collect();
    let e = lines[2].as_ref().unwrap_err();
    assert!(e.reason.contains("(Sheet1!C6)"), "{}", e.reason);
    assert!(e.reason.starts_with("quantity \"viele\""), "{}", e.reason);
}

#[test]
fn an_empty_workbook_and_a_sheet_without_header_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = workbook(dir.path(), "empty.xlsx", |_| {});
    let e = input::inspect(&empty, None).unwrap_err().to_string();
    assert!(
        e.contains("empty.xlsx") && e.contains("the workbook is empty"),
        "{e}"
    );

    let headless = workbook(dir.path(), "headless.xlsx", |sheet| {
        sheet.write_string(0, 0, "A-1").unwrap();
        sheet.write_number(0, 1, 3).unwrap();
    });
    let e = input::inspect(&headless, None).unwrap_err().to_string();
    assert!(e.contains("no sheet has a header row"), "{e}");
    assert!(e.contains("Sheet1 (first row \"A-1,3\")"), "{e}");

    let garbage = dir.path().join("garbage.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04 this is not a zip").unwrap();
    let e = input::inspect(&garbage, None).unwrap_err().to_string();
    assert!(e.contains("cannot read the workbook"), "{e}");
}

// ------------------------------------------------------------------------------------------------
// Supplier profiles, through the command line

fn batchops(db: &str, config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_batchops"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("BATCHOPS_CONFIG_DIR", config)
        .output()
        .expect("run batchops")
}

#[tokio::test]
async fn a_saved_profile_makes_a_refused_file_land_and_is_picked_by_its_header() {
    let file = corpus().join("ambiguous-thousands.csv");
    let file = file.to_str().unwrap();
    for db in backends().await {
        let config = tempfile::tempdir().unwrap();
        let refused = batchops(&db.url, config.path(), &["import", file]);
        assert!(!refused.status.success());
        assert!(inventory(&*db.store).await.is_empty(), "{}", db.kind);

        let saved = batchops(
            &db.url,
            config.path(),
            &[
                "inspect",
                file,
                "--decimal",
                "comma",
                "--save-profile",
                "niet-ag",
                "--supplier",
                "Niet AG",
                "--sku-column",
                "ours",
            ],
        );
        assert!(saved.status.success(), "{saved:?}");
        let toml = std::fs::read_to_string(config.path().join("profiles/niet-ag.toml")).unwrap();
        assert!(
            toml.contains("decimal = \"comma\"") && toml.contains("Niet AG"),
            "{toml}"
        );

        let missing = batchops(
            &db.url,
            config.path(),
            &["import", "--profile", "nope", file],
        );
        assert!(!missing.status.success());
        assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no profile \"nope\""));

        let landed = batchops(&db.url, config.path(), &["import", file]);
        let err = String::from_utf8_lossy(&landed.stderr);
        assert!(landed.status.success(), "{}: {err}", db.kind);
        assert!(
            err.contains("read with supplier profile niet-ag (its header matches)"),
            "{err}"
        );
        let want: BTreeMap<String, Decimal> = [
            ("AMB-1".to_string(), Decimal::from(1200)),
            ("AMB-2".to_string(), Decimal::from(500)),
        ]
        .into();
        assert_eq!(inventory(&*db.store).await, want, "{}", db.kind);
    }
}

#[test]
fn inspect_shows_what_was_detected() {
    let config = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", config.path().join("unused.db").display());
    let file = corpus().join("fr-facture-euro.csv");
    let out = batchops(&db, config.path(), &["inspect", file.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "encoding     utf-8 (byte order mark)",
        "delimiter    semicolon",
        "header       row 3 (line 3)",
        "title row    Facture n° F-2026-118",
        "Désignation              → description",
        "numbers      decimal comma, thousands point",
        "currency     EUR",
        "sku FR-ECR-M10",
    ] {
        assert!(text.contains(part), "{part:?} in:\n{text}");
    }
    let out = batchops(
        &db,
        config.path(),
        &["inspect", "--format", "json", file.to_str().unwrap()],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["layout"]["delimiter"], ";");
    assert_eq!(v["first_rows"][2]["unit_price"], "12.5");
}
