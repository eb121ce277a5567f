//! The headless command line, run as the real binary.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn batchops(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_batchops"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run batchops")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(name)
        .display()
        .to_string()
}

/// Each test names its databases: a SQLite file of its own, and a PostgreSQL schema when configured.
async fn urls() -> Vec<(common::TestDb, String)> {
    common::backends()
        .await
        .into_iter()
        .map(|db| {
            let url = db.url.clone();
            (db, url)
        })
        .collect()
}

#[tokio::test]
async fn import_reports_json_and_exits_2_on_partial_success() {
    for (_db, url) in urls().await {
        let out = batchops(
            &url,
            &[
                "import",
                "--format",
                "json",
                &sample("invoice-acme-2026-11.csv"),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = json(&out);
        assert_eq!(r["status"], "partial_success");
        assert_eq!(r["items_failed"], 3);
        for key in [
            "items_total",
            "items_processed",
            "items_already_imported",
            "processing_time_seconds",
            "items_per_second",
            "phases",
            "statements_executed",
            "decisions",
            "run_id",
            "import_key",
        ] {
            assert!(r.get(key).is_some(), "report has {key}");
        }
        let phases: Vec<&str> = r["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            phases,
            ["mapping", "batch_insert", "inventory_update", "fallback"]
        );
        for f in r["failed_items"].as_array().unwrap() {
            assert!(
                f["line"].as_u64().unwrap() > 0 && f["error"].is_string() && f["phase"] == "parse"
            );
        }
        // Again: nothing added, everything already imported.
        let again = json(&batchops(
            &url,
            &[
                "import",
                "--format",
                "json",
                &sample("invoice-acme-2026-11.csv"),
            ],
        ));
        assert_eq!(again["items_processed"], 0);
        assert_eq!(again["items_already_imported"], r["items_processed"]);
    }
}

#[tokio::test]
async fn every_sample_file_imports_on_every_backend() {
    for (_db, url) in urls().await {
        for name in [
            "invoice-acme-2026-11.csv",
            "invoice-bolt-supply.json",
            "receipts-week-48.jsonl",
        ] {
            let out = batchops(&url, &["import", "--format", "json", &sample(name)]);
            let r = json(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name}: each sample has a few bad lines"
            );
            assert!(r["items_processed"].as_u64().unwrap() > 10, "{name}");
        }
        let inv = json(&batchops(&url, &["inventory", "--format", "json"]));
        let items = inv.as_array().unwrap();
        assert!(!items.is_empty());
        for item in items {
            assert!(
                item["quantity"].is_string(),
                "quantities are decimal strings"
            );
            assert!(item["sku"].is_string() && item["name"].is_string());
        }
        let runs = json(&batchops(&url, &["runs", "--format", "json"]));
        assert_eq!(runs.as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn failed_items_export_as_a_reject_file_that_imports_again() {
    let db = common::sqlite().await;
    let r = json(&batchops(
        &db.url,
        &[
            "import",
            "--format",
            "json",
            &sample("invoice-acme-2026-11.csv"),
        ],
    ));
    let run_id = r["run_id"].to_string();
    let out = batchops(&db.url, &["failed", &run_id, "--format", "csv"]);
    assert!(out.status.success());
    let csv = stdout(&out);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header,
        "po_number,sku,description,quantity,uom,unit_price,batchops_line,batchops_error,batchops_import_key",
        "the original columns, then the line, its error and its import key"
    );
    assert_eq!(lines.count(), 3);
    // Fix the file as an operator would and import it again: the fixed lines land.
    let fixed = csv.replace("\"1,5\"", "1.5").replace(",abc,", ",2.00,");
    let (_dir, path) = common::write_file("rejects.csv", &fixed);
    let out = batchops(
        &db.url,
        &["import", "--format", "json", path.to_str().unwrap()],
    );
    let again = json(&out);
    assert_eq!(again["items_processed"], 2, "{}", stdout(&out));
    assert_eq!(again["items_failed"], 1, "the empty line stays bad");
}

#[tokio::test]
async fn retry_command_reports_like_an_import() {
    let db = common::sqlite().await;
    let r = json(&batchops(
        &db.url,
        &[
            "import",
            "--format",
            "json",
            &sample("invoice-acme-2026-11.csv"),
        ],
    ));
    let run_id = r["run_id"].to_string();
    let out = batchops(
        &db.url,
        &["retry", &run_id, "--line", "15", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "line 15 is still bad: the retry fails"
    );
    let rr = json(&out);
    assert_eq!(rr["mode"], "retry");
    assert_eq!(rr["items_total"], 1);
    assert_eq!(rr["failed_items"][0]["line"], 15);
    let failed = json(&batchops(&db.url, &["failed", &run_id, "--format", "json"]));
    let line15 = failed
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == 15)
        .unwrap();
    assert_eq!(line15["attempts"], 2);
}

#[test]
fn a_file_that_cannot_be_read_is_one_clear_error_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("e.db").display());
    let (_d, empty) = common::write_file("empty.csv", "");
    let (_d2, noheader) = common::write_file("nohead.csv", "a,b\n1,2\n");
    for (path, words) in [
        (dir.path().join("missing.csv"), "missing.csv"),
        (empty, "empty"),
        (noheader, "header"),
    ] {
        let out = batchops(&url, &["import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let runs = json(&batchops(&url, &["runs", "--format", "json"]));
    assert_eq!(runs.as_array().unwrap().len(), 0, "nothing was written");
}

#[test]
fn a_database_password_never_appears_in_any_output() {
    let out = batchops("postgres://batch:s3cret-pw@127.0.0.1:1/nowhere", &["runs"]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains("s3cret-pw"), "{all}");
    assert!(all.contains("***"), "the URL is shown redacted: {all}");
}

#[test]
fn the_default_database_is_a_private_sqlite_file_in_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .args(["import", &sample("receipts-week-48.jsonl")])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = dir.path().join("batchops.db");
    assert!(db.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn generate_writes_a_deterministic_batch() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        let out = batchops(
            "sqlite::memory:",
            &[
                "generate",
                "--lines",
                "1000",
                "--bad-ratio",
                "0.01",
                "--seed",
                "7",
                "-o",
                p.to_str().unwrap(),
            ],
        );
        assert!(out.status.success());
    }
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    assert_eq!(text.lines().count(), 1001);
}

#[test]
fn without_a_terminal_and_without_a_command_it_prints_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("Usage"));
}

#[tokio::test]
async fn compare_rehearses_both_modes_and_leaves_live_data_untouched() {
    for (db, url) in urls().await {
        assert_eq!(
            batchops(&url, &["import", &sample("invoice-acme-2026-11.csv")])
                .status
                .code(),
            Some(2)
        );
        let inventory = |url: &str| stdout(&batchops(url, &["inventory", "--format", "json"]));
        let before = inventory(&url);
        let rows_before = db.scalar("SELECT COUNT(*) FROM transactions").await;
        let schemas = "SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE '%rehearsal%'";
        let schemas_before = if db.kind == "postgres" {
            db.scalar(schemas).await
        } else {
            0
        };
        let tmp = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_batchops"))
            .arg("--database-url")
            .arg(&url)
            .args([
                "compare",
                "--format",
                "json",
                &sample("receipts-week-48.jsonl"),
            ])
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = json(&out);
        for side in ["batch", "sequential"] {
            let s = &r[side];
            assert_eq!(s["mode"], side, "{}", db.kind);
            assert_eq!(s["items_total"], 40);
            // Line 27 ("Hex Bolt M8 x 50mm Znic": a typo in a four-letter word the matcher does
            // not correct) is held for review with its item as the top candidate.
            assert_eq!(s["items_processed"], 37);
            assert_eq!(s["items_held"], 1);
            assert_eq!(s["items_failed"], 2);
            assert!(s["items_per_second"].as_f64().unwrap() > 0.0);
            assert!(s["statements_per_1000_items"].as_f64().unwrap() > 0.0);
            assert_eq!(s["phases"].as_array().unwrap().len(), 4);
        }
        // Batch writes a chunk in a few statements, sequential several per line.
        assert!(
            r["batch"]["statements_executed"].as_u64().unwrap() * 10
                < r["sequential"]["statements_executed"].as_u64().unwrap(),
            "{r}"
        );
        let speedup = r["speedup"].as_f64().unwrap();
        let ratio = r["batch"]["items_per_second"].as_f64().unwrap()
            / r["sequential"]["items_per_second"].as_f64().unwrap();
        assert!(
            (speedup - ratio).abs() < 1e-6 * ratio,
            "{speedup} vs {ratio}"
        );
        // Live data untouched; both runs in the history, marked as rehearsals.
        assert_eq!(inventory(&url), before, "{}", db.kind);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            rows_before
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM import_runs WHERE rehearsal")
                .await,
            2
        );
        // The scratch databases are gone.
        if db.kind == "postgres" {
            assert_eq!(db.scalar(schemas).await, schemas_before);
        } else {
            let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
            assert!(left.is_empty(), "scratch files left: {left:?}");
        }
    }
}
