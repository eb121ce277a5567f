//! The headless command line, run as the real binary.

use crate::support::binary::{batchops, json};
use crate::support::db;
use crate::support::files::{sample, write_file};
use std::path::Path;
use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Each test names its databases: a SQLite file of its own, and a PostgreSQL schema when configured.
async fn urls() -> Vec<(db::TestDb, String)> {
    db::backends()
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
            [
                "startup",
                "catalog",
                "mapping",
                "batch_insert",
                "inventory_update",
                "fallback"
            ]
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
    let db = db::sqlite().await;
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
    let fixed = csv
        .replace("\"1,5\",EA", "1.5,EA")
        .replace(",abc,", ",2.00,");
    let (_dir, path) = write_file("rejects.csv", &fixed);
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
    let db = db::sqlite().await;
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
    let (_d, empty) = write_file("empty.csv", "");
    let (_d2, noheader) = write_file("nohead.csv", "a,b\n1,2\n");
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
            assert_eq!(s["phases"].as_array().unwrap().len(), 6);
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

// ---------------------------------------------------------------------------------------------
// Shell use: pipes, exit codes, output files, unreachable servers, capped lists

/// Run the binary with its stdout on a pipe whose reader is already gone (`batchops … | true`).
fn with_closed_stdout(db: &str, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run batchops");
    child.wait_with_output().expect("wait for batchops")
}

/// The closed pipe ended the command quietly: exit 141, nothing on stderr.
fn assert_quiet_pipe_end(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{what}: {err}");
    assert!(err.is_empty(), "{what} printed on stderr: {err}");
}

/// A database with a big inventory, a few runs and a run (1) with thousands of failed items: each
/// listing is several hundred KiB, more than the pipe's and the writers' buffers hold together
/// (about 140 KiB), so a reader that goes away early is noticed.
fn a_busy_database(dir: &Path) -> String {
    let url = format!("sqlite:{}", dir.join("busy.db").display());
    let batch = dir.join("busy.csv");
    let out = batchops(
        &url,
        &[
            "generate",
            "--lines",
            "40000",
            "--items",
            "8000",
            "--bad-ratio",
            "0.1",
            "-o",
            batch.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = batchops(&url, &["import", batch.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["invoice-acme-2026-11.csv", "receipts-week-48.jsonl"] {
        assert_eq!(
            batchops(&url, &["import", &sample(name)]).status.code(),
            Some(2)
        );
    }
    url
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_busy_database(dir.path());
    let first_failed =
        json(&batchops(&url, &["failed", "1", "--format", "json"]))[0]["line"].to_string();
    for args in [
        &["inventory"][..],
        &["inventory", "--format", "json"],
        &["runs"],
        &["runs", "--format", "json"],
        &["failed", "1"],
        &["failed", "1", "--format", "json"],
        &["failed", "1", "--format", "csv"],
        &["generate", "--lines", "1000"],
        &["import", &sample("invoice-bolt-supply.json")],
        &[
            "import",
            "--format",
            "json",
            &sample("invoice-bolt-supply.json"),
        ],
        &["retry", "1", "--line", &first_failed],
        &["compare", &sample("receipts-week-48.jsonl")],
        &["review", "list"],
        &["review", "list", "--format", "json"],
        &["aliases", "check"],
        &["aliases", "check", "--format", "json"],
        &["--help"],
    ] {
        let out = with_closed_stdout(&url, args);
        if args == ["--help"] {
            // clap prints help itself; the code stays that of help.
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            assert!(out.stderr.is_empty(), "{args:?}");
            continue;
        }
        assert_quiet_pipe_end(&out, &format!("{args:?}"));
    }
    // `2>&1 | true`: stderr is the closed pipe too. Messages to the operator are lost, but the
    // process ends with its own code, never a panic (101).
    for (args, code) in [
        (&["retry", "1", "--line", "999999"][..], 1),
        (&["import", "/no/such/file.csv"], 1),
        (
            &["generate", "--lines", "10", "-o", "/no/such/dir/x.csv"],
            1,
        ),
        (&["runs"], 141),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let status = Command::new(env!("CARGO_BIN_EXE_batchops"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .env_remove("DATABASE_URL")
            .stdout(writer.try_clone().unwrap())
            .stderr(writer)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "{args:?} 2>&1 | true");
    }
    // `| head -1`: the reader takes a line, then goes away while the output is still coming.
    for args in [
        &["inventory"][..],
        &["inventory", "--format", "json"],
        &["failed", "1"],
        &["failed", "1", "--format", "csv"],
        &["generate", "--lines", "100000"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_batchops"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut reader, &mut first).unwrap();
        assert!(!first.is_empty(), "{args:?} printed a first line");
        drop(reader);
        let out = child.wait_with_output().unwrap();
        assert_quiet_pipe_end(&out, &format!("{args:?} | head -1"));
    }
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("u.db").display());
    let acme = sample("invoice-acme-2026-11.csv");
    for args in [
        &["import", "--no-such-flag", &acme][..],
        &["import"],
        &["import", "--chunk-size", "0", &acme],
        &["import", "--mode", "sideways", &acme],
        &["import", "--max-errors", "lots", &acme],
        &["import", "--import-key", "k", &acme, &acme],
        &["frobnicate"],
        &["runs", "--limit", "many"],
        &["failed"],
        &["failed", "one"],
        &["generate"],
        &["generate", "--lines", "10", "--bad-ratio", "2"],
        &["generate", "--lines", "10", "--items", "0"],
        &["generate", "--lines", "10", "--force"],
        &["compare", "--chunk-size", "0", &acme],
    ] {
        let out = batchops(&url, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
        assert!(!err.is_empty(), "{args:?} says what is wrong");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    for args in [&["--help"][..], &["import", "--help"], &["--version"]] {
        let out = batchops(&url, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
    let runs = json(&batchops(&url, &["runs", "--format", "json"]));
    assert_eq!(
        runs.as_array().unwrap().len(),
        0,
        "no usage error ran anything"
    );
}

#[test]
fn the_help_describes_seed_start_and_format() {
    // Every argument of every command has a description: checked on the parser itself in
    // `src/cli.rs`; here the words a user reads.
    for (cmd, words) in [
        (
            "generate",
            &[
                "Seed of the random choices",
                "File format to write",
                "--force",
            ][..],
        ),
        ("console", &["Start the first loaded batch at once"]),
        (
            "import",
            &[
                "Report format",
                "Input format, when the extension does not tell",
            ],
        ),
        ("failed", &["The run whose failed lines to show", "--force"]),
        ("runs", &["Output format"]),
    ] {
        let out = batchops("sqlite::memory:", &[cmd, "--help"]);
        assert!(out.status.success());
        let help = stdout(&out);
        for w in words {
            assert!(help.contains(w), "{cmd} --help says {w:?}: {help}");
        }
    }
}

#[tokio::test]
async fn a_retry_with_nothing_to_retry_says_so_and_creates_no_run() {
    for (db, url) in urls().await {
        db.reject_sku("B-2").await;
        let (_dir, path) = write_file(
            "two.csv",
            "sku,description,quantity,unit_price\nA-1,Nut,1,1\nB-2,Bolt,2,1\n",
        );
        let r = json(&batchops(
            &url,
            &["import", "--format", "json", path.to_str().unwrap()],
        ));
        assert_eq!(r["items_failed"], 1, "{}: {r}", db.kind);
        let run_id = r["run_id"].to_string();
        let runs = |url: &str| {
            json(&batchops(url, &["runs", "--format", "json"]))
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!(runs(&url), 1);

        // A line that is not a failed line of the run: an error, and no run.
        let out = batchops(&url, &["retry", &run_id, "--line", "99"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", db.kind);
        assert!(
            err.contains(&format!("run {run_id} has no failed line 99")),
            "{err}"
        );
        assert!(err.contains("nothing to retry"), "{err}");
        assert!(stdout(&out).is_empty(), "no report: {}", stdout(&out));
        assert_eq!(runs(&url), 1, "{}: no run was made", db.kind);

        // A failed line beside one that is not: the retry runs for the first, naming the second.
        let out = batchops(
            &url,
            &[
                "retry", &run_id, "--line", "2", "--line", "99", "--format", "json",
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "line 2 is still refused: {err}");
        assert!(
            err.contains(&format!("run {run_id} has no failed line 99")),
            "{err}"
        );
        assert_eq!(json(&out)["items_total"], 1);
        assert_eq!(runs(&url), 2, "{}: that retry is a run", db.kind);

        // The rule goes; the retry lands line 2 (a run of its own).
        db.drop_reject("B-2").await;
        let out = batchops(&url, &["retry", &run_id, "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(json(&out)["items_processed"], 1);
        assert_eq!(runs(&url), 3);

        // Everything is resolved: retrying again (all, or the resolved line) makes nothing.
        for args in [
            vec!["retry", &run_id],
            vec!["retry", &run_id, "--line", "2"],
        ] {
            let out = batchops(&url, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
            assert!(err.contains("nothing to retry"), "{args:?}: {err}");
            assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
            assert_eq!(runs(&url), 3, "{}: {args:?} made no run", db.kind);
        }
        let out = batchops(&url, &["retry", &run_id, "--line", "2"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: resolved already"));
        let out = batchops(&url, &["retry", "999"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("there is no run 999"));
        assert_eq!(runs(&url), 3);
    }
}

#[test]
fn output_files_are_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("o.db").display());
    let r = json(&batchops(
        &url,
        &[
            "import",
            "--format",
            "json",
            &sample("invoice-acme-2026-11.csv"),
        ],
    ));
    let run_id = r["run_id"].to_string();
    let target = dir.path().join("precious.csv");
    let target_s = target.to_str().unwrap();
    for args in [
        vec!["generate", "--lines", "10", "-o", target_s],
        vec!["failed", &run_id, "--format", "csv", "-o", target_s],
        vec!["failed", &run_id, "--output", target_s],
    ] {
        std::fs::write(&target, "keep me\n").unwrap();
        let out = batchops(&url, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("exists already") && err.contains("--force"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "keep me\n",
            "{args:?}"
        );

        let mut forced = args.clone();
        forced.push("--force");
        let out = batchops(&url, &forced);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{forced:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&target).unwrap();
        assert!(
            !text.contains("keep me") && !text.is_empty(),
            "{forced:?}: {text}"
        );
    }
    // A new file needs no --force.
    let fresh = dir.path().join("fresh.csv");
    let out = batchops(
        &url,
        &[
            "failed",
            &run_id,
            "--format",
            "csv",
            "-o",
            fresh.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&fresh).unwrap().lines().count(), 4);
}

#[test]
fn an_unreachable_postgresql_port_is_refused_at_once() {
    let started = std::time::Instant::now();
    let out = batchops("postgres://batch:s3cret-pw@127.0.0.1:1/nowhere", &["runs"]);
    let elapsed = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("127.0.0.1:1: connection refused"), "{err}");
    assert!(!err.contains("pool timed out"), "{err}");
    assert!(!err.contains("s3cret-pw"), "{err}");
    // The pool would retry for its whole 10 s connect timeout; the refusal is known at once.
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "took {elapsed:?} to say the port is refused"
    );
    // A name that does not resolve says so too.
    let out = batchops("postgres://u@no-such-host.invalid:5432/db", &["runs"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no-such-host.invalid does not resolve")
            || err.contains("failed to lookup address information"),
        "{err}"
    );
    assert!(!err.contains("pool timed out"), "{err}");
}

#[tokio::test]
async fn failed_items_left_out_of_the_report_are_counted_and_pointed_to() {
    for (db, url) in urls().await {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("many-bad.csv");
        let out = batchops(
            &url,
            &[
                "generate",
                "--lines",
                "3000",
                "--bad-ratio",
                "0.5",
                "-o",
                batch.to_str().unwrap(),
            ],
        );
        assert!(out.status.success());
        let out = batchops(
            &url,
            &["import", "--format", "json", batch.to_str().unwrap()],
        );
        let r = json(&out);
        let failed = r["items_failed"].as_u64().unwrap();
        assert_eq!(failed, 1500, "{}", db.kind);
        let listed = r["failed_items"].as_array().unwrap().len() as u64;
        assert_eq!(listed, 1000, "the report lists the first 1,000");
        assert_eq!(r["failed_items_omitted"], failed - listed, "{r}");
        let command = r["failed_items_command"].as_str().unwrap();
        assert_eq!(
            command,
            format!("batchops failed {} --format json", r["run_id"])
        );
        // The command named lists every one of them.
        let args: Vec<&str> = command.split(' ').skip(1).collect();
        let all = json(&batchops(&url, &args));
        assert_eq!(all.as_array().unwrap().len() as u64, failed);

        // The text report says it too. (Same file again: every line is counted as before.)
        let out = batchops(&url, &["import", batch.to_str().unwrap()]);
        let text = stdout(&out);
        let run2 = json(&batchops(
            &url,
            &["runs", "--format", "json", "--limit", "1"],
        ))[0]["id"]
            .clone();
        assert!(
            text.contains(&format!(
                "500 more failed lines are not listed here (1000 of 1500 shown): `batchops failed {run2}` lists them all"
            )),
            "{text}"
        );
        // A complete list says nothing is left out.
        let small = json(&batchops(
            &url,
            &[
                "import",
                "--format",
                "json",
                &sample("invoice-acme-2026-11.csv"),
            ],
        ));
        assert_eq!(small["failed_items_omitted"], 0);
        assert_eq!(small["failed_items"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn postgresql_tests_run_skip_or_fail_by_one_rule() {
    use db::{DEFAULT_PG_URL, PgServer, choose_pg_server, try_connect};
    let up = |_: &str| Ok(());
    let down = |_: &str| Err("connection refused".to_string());
    let url = "postgres://u:pw@db.example:5432/t";
    // A configured server is used, and fails the tests when it does not answer (CI or not).
    for ci in [false, true] {
        assert_eq!(
            choose_pg_server(Some(url), ci, up),
            Ok(PgServer::Url(url.into()))
        );
        let err = choose_pg_server(Some(url), ci, down).unwrap_err();
        assert!(
            err.contains("connection refused") && !err.contains(":pw@"),
            "{err}"
        );
    }
    // Not configured: the default local server outside CI, skipped (with the reason) when down.
    assert_eq!(
        choose_pg_server(None, false, up),
        Ok(PgServer::Url(DEFAULT_PG_URL.into()))
    );
    match choose_pg_server(None, false, down) {
        Ok(PgServer::Skip(reason)) => {
            assert!(reason.contains(DEFAULT_PG_URL) && reason.contains("connection refused"))
        }
        other => panic!("{other:?}"),
    }
    // Under CI, not configured is a failure, whatever the default server does.
    assert!(choose_pg_server(None, true, up).is_err());
    assert!(choose_pg_server(Some(""), true, up).is_err());
    // The real check connects for real: nothing listens on port 1.
    assert!(try_connect("postgres://root@127.0.0.1:1/test").is_err());
}

/// Start-up (the process, the database and its migrations) and the catalog are phases of the
/// report and count in its total, so items/s is one figure in the report and in `runs`.
#[tokio::test]
async fn every_second_of_the_process_is_in_the_report_and_in_runs() {
    for (db, url) in urls().await {
        let out = batchops(
            &url,
            &[
                "import",
                "--format",
                "json",
                &sample("invoice-acme-2026-11.csv"),
            ],
        );
        let r = json(&out);
        let seconds = |name: &str| {
            r["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{}: no phase {name} in {r}", db.kind))["seconds"]
                .as_f64()
                .unwrap()
        };
        let (startup, catalog) = (seconds("startup"), seconds("catalog"));
        let total = r["processing_time_seconds"].as_f64().unwrap();
        assert!(
            startup > 0.0 && catalog > 0.0,
            "{}: start-up {startup} s, catalog {catalog} s",
            db.kind
        );
        assert!(
            total >= startup + catalog,
            "{}: total {total} s leaves out start-up {startup} s or catalog {catalog} s",
            db.kind
        );
        let lines = r["items_total"].as_f64().unwrap();
        let rate = r["items_per_second"].as_f64().unwrap();
        assert!(
            (rate - lines / total).abs() < 1e-6 * rate,
            "{}: {rate} items/s is not {lines} lines in {total} s",
            db.kind
        );
        let runs = json(&batchops(&url, &["runs", "--format", "json"]));
        let run = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == r["run_id"])
            .unwrap_or_else(|| panic!("{}: run {} not in {runs}", db.kind, r["run_id"]));
        let listed = run["processing_seconds"].as_f64().unwrap();
        assert!(
            (listed - total).abs() < 1e-6,
            "{}: runs lists {listed} s for a run whose report says {total} s",
            db.kind
        );
        assert_eq!(run["items_total"], r["items_total"], "{}", db.kind);
    }
}
