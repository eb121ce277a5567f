//! Operator safety, through the real binary: the error budget (`--max-errors`), `--dry-run`,
//! `resume`, bound parameters, no password in any output (logs included), private SQLite files.

use crate::support::binary::{batchops, batchops_env, bin, import, json, run_status, signal, text};
use crate::support::db::{self, backends, drift, failed_of, inventory_by_name, landed, runs_of};
use crate::support::files::write_file;
use crate::support::oracle::{Batch, Spec, assert_exact, cursed, d};
use std::collections::BTreeSet;

/// 600 lines in chunks of 100: lines 10 and 20 are bad (chunk 1), lines 150, 160 and 170 (chunk 2),
/// and every 50th line after 200.
fn budget_batch() -> (String, BTreeSet<u64>) {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    let mut bad = BTreeSet::new();
    for line in 1..=600u64 {
        if [10, 20, 150, 160, 170].contains(&line) || (line > 200 && line % 50 == 0) {
            csv.push_str("BAD,Bad quantity,oops,1\n");
            bad.insert(line);
        } else {
            csv.push_str(&format!("S-{:02},Item {:02},1.5,2\n", line % 17, line % 17));
        }
    }
    (csv, bad)
}

#[tokio::test]
async fn an_error_budget_aborts_before_the_chunk_that_spends_it_and_resume_finishes() {
    let (csv, bad) = budget_batch();
    let (_dir, path) = write_file("budget.csv", &csv);
    for db in backends().await {
        let out = import(
            &db.url,
            &path,
            &["--chunk-size", "100", "--max-errors", "4"],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let r = json(&out);
        assert_eq!(r["status"], "aborted", "{}", db.kind);
        let reason = r["stop_reason"].as_str().unwrap();
        assert!(
            reason.contains("error budget of 4 errors") && reason.contains("not written"),
            "{reason}"
        );
        let run_id = r["run_id"].as_i64().unwrap();
        let key = r["import_key"].as_str().unwrap().to_string();
        // Chunk 1 landed whole; chunk 2, whose 3 bad lines would make 5 > 4, was not written at all.
        let chunk1: BTreeSet<u64> = (1..=100).filter(|l| !bad.contains(l)).collect();
        assert_eq!(landed(&db, &key).await, chunk1, "{}", db.kind);
        assert_eq!(
            failed_of(&db, run_id)
                .await
                .keys()
                .copied()
                .collect::<Vec<_>>(),
            vec![10, 20],
            "the current chunk's bad lines are not recorded either"
        );
        assert_eq!(drift(&db).await, 0);
        assert_eq!(run_status(&db.url, run_id, None), "aborted");
        // Resumable: without a budget the run goes to the end.
        let out = batchops(
            &db.url,
            &[
                "resume",
                &run_id.to_string(),
                "--format",
                "json",
                "--chunk-size",
                "100",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let r = json(&out);
        assert_eq!(r["run_id"], run_id);
        assert_eq!(r["items_already_imported"], chunk1.len() as u64);
        assert_eq!(
            r["items_processed"].as_u64().unwrap(),
            600 - bad.len() as u64 - chunk1.len() as u64
        );
        let all: BTreeSet<u64> = (1..=600).filter(|l| !bad.contains(l)).collect();
        assert_eq!(landed(&db, &key).await, all);
        assert_eq!(
            failed_of(&db, run_id)
                .await
                .keys()
                .copied()
                .collect::<BTreeSet<_>>(),
            bad
        );
        assert_eq!(run_status(&db.url, run_id, None), "partial_success");
        let inv = inventory_by_name(&db).await;
        let total: rust_decimal::Decimal = inv.values().copied().sum();
        assert_eq!(
            total,
            d("1.5") * rust_decimal::Decimal::from(all.len() as u64)
        );
    }
}

#[tokio::test]
async fn a_percentage_budget_counts_from_a_hundred_lines_on() {
    // 1 bad line in 10: over 5% once 100 lines are read.
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for line in 1..=1_000 {
        if line % 10 == 0 {
            csv.push_str(",,1,1\n");
        } else {
            csv.push_str("P-1,Pencil,1,1\n");
        }
    }
    let (_dir, path) = write_file("pct.csv", &csv);
    let db = db::sqlite().await;
    let out = import(
        &db.url,
        &path,
        &["--chunk-size", "50", "--max-errors", "5%"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = json(&out);
    assert_eq!(r["status"], "aborted");
    // Chunk 1 (50 lines, 10%) is under 100 lines read; chunk 2 brings 100 lines at 10%: not written.
    assert_eq!(r["items_processed"], 45);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 45);
    // 15% is never spent: the same file imports to the end.
    let out = import(
        &db.url,
        &path,
        &["--chunk-size", "50", "--max-errors", "15%"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 900);
}

#[tokio::test]
async fn a_dry_run_predicts_the_real_run_and_keeps_nothing() {
    let (_d0, first) = write_file(
        "first.csv",
        "sku,description,quantity,unit_price\nHB-M8,Coach Bolt M8 x 40mm Zinc,10,0.12\n",
    );
    let batch = Batch::generate(Spec {
        lines: 700,
        cursed_percent: 2,
        seed: 51,
        ..Spec::default()
    });
    let mut csv = batch.csv.clone();
    // Lines that map to the existing item: by SKU, by exact name, by a fuzzy match.
    csv.push_str(
        "HB-M8,whatever,1,1\n,coach bolt m8 x 40mm zinc,2,1\n,Coahc Bolt M8 x 40mm Zinc,3,1\n",
    );
    let (_d1, path) = write_file("dry.csv", &csv);
    for db in backends().await {
        cursed(&db).await;
        assert_eq!(import(&db.url, &first, &[]).status.code(), Some(0));
        let before = (counts(&db).await, inventory_by_name(&db).await);
        let out = import(&db.url, &path, &["--dry-run", "--chunk-size", "100"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let dry = json(&out);
        assert_eq!(dry["dry_run"], true);
        assert_eq!(
            (counts(&db).await, inventory_by_name(&db).await),
            before,
            "{}: a dry run keeps nothing",
            db.kind
        );
        let text_out = import_text(&db.url, &path, &["--dry-run"]);
        assert!(text_out.contains("dry run"), "{text_out}");
        // The real run does what the dry run said.
        let real = json(&import(&db.url, &path, &["--chunk-size", "100"]));
        for k in [
            "items_total",
            "items_processed",
            "items_failed",
            "decisions",
        ] {
            assert_eq!(dry[k], real[k], "{} {k}", db.kind);
        }
        let would_fail: BTreeSet<u64> = dry["failed_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        assert_eq!(
            would_fail,
            batch.bad(),
            "every rejection was predicted, DB rules too"
        );
        assert!(dry["decisions"]["sku"].as_u64().unwrap() > 0);
        assert!(dry["decisions"]["created"].as_u64().unwrap() > 0);
        assert_eq!(dry["decisions"]["fuzzy"], 1);
        // A dry run of a file already in says so.
        let again = json(&import(&db.url, &path, &["--dry-run"]));
        assert_eq!(again["items_processed"], 0);
        assert_eq!(again["items_already_imported"], real["items_processed"]);
    }
}

async fn counts(db: &db::TestDb) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "transactions",
        "inventory_items",
        "item_aliases",
        "failed_items",
    ] {
        v.push(db.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    v
}

fn import_text(url: &str, path: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["import"];
    args.extend_from_slice(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    let out = batchops(url, &args);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn resume_refuses_a_live_run_and_a_finished_one() {
    let batch = Batch::generate(Spec {
        lines: 300,
        seed: 61,
        ..Spec::default()
    });
    let (_dir, path) = write_file("r.csv", &batch.csv);
    let db = db::sqlite().await;
    let out = batchops_env(
        &db.url,
        &["import", "--chunk-size", "100", path.to_str().unwrap()],
        &[("BATCHOPS_FAILPOINT", "batch_after_commit:1")],
    );
    assert_eq!(signal(&out), Some(9));
    let (run_id, _) = *runs_of(&db).await.last().unwrap();
    let id = run_id.to_string();
    // Its heartbeat is fresh: for all batchops knows, a process is still working on it.
    let out = batchops_env(
        &db.url,
        &["resume", &id],
        &[("BATCHOPS_STALE_AFTER_SECONDS", "3600")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("still running"), "{err}");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM transactions").await,
        100 - batch.bad().iter().filter(|l| **l <= 100).count() as i64
    );
    // Once it shows as interrupted, resume takes it over.
    let out = batchops_env(
        &db.url,
        &["resume", &id, "--format", "json", "--chunk-size", "100"],
        &[("BATCHOPS_STALE_AFTER_SECONDS", "0")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // A finished run has nothing to resume.
    let out = batchops(&db.url, &["resume", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to resume"),
        "{}",
        text(&out)
    );
    let runs = json(&batchops(&db.url, &["runs", "--format", "json"]));
    let key = runs[0]["import_key"].as_str().unwrap();
    assert_exact(&db, &batch, key, &batch.oracle()).await;
}

#[tokio::test]
async fn every_value_is_a_bound_parameter() {
    let evil = "x'); DROP TABLE transactions; --";
    let csv = format!(
        "sku,description,quantity,unit_price\n\
         \"{evil}\",\"Robert'); DROP TABLE inventory_items;--\",1,1\n\
         ,\"1' OR '1'='1\",2,1\n\
         S-1,\"$1 $2 ?; SELECT pg_sleep(10); --\",3,1\n"
    );
    let (_dir, path) = write_file("inj.csv", &csv);
    for db in backends().await {
        let out = import(
            &db.url,
            &path,
            &[
                "--import-key",
                evil,
                "--operator",
                "o'; DELETE FROM import_runs; --",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let inv = db.store.inventory().await.unwrap();
        let names: BTreeSet<String> = inv.iter().map(|i| i.name.clone()).collect();
        assert!(names.contains("Robert'); DROP TABLE inventory_items;--"));
        assert!(names.contains("1' OR '1'='1"));
        assert!(names.contains("$1 $2 ?; SELECT pg_sleep(10); --"));
        assert!(inv.iter().any(|i| i.sku == evil));
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 3);
        let runs = json(&batchops(&db.url, &["runs", "--format", "json"]));
        assert_eq!(runs[0]["import_key"], evil);
        assert_eq!(runs[0]["operator"], "o'; DELETE FROM import_runs; --");
        // The console's filter text is bound too: a LIKE pattern of quotes finds nothing and breaks nothing.
        let out = batchops(&db.url, &["failed", "1", "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[tokio::test]
async fn no_password_in_any_output_logs_included() {
    let db = db::postgres().await;
    // (url, every command at every log level?) — unreachable servers take the pool's whole
    // connect timeout, so those run one command, all at once.
    let mut urls: Vec<(String, bool)> = vec![
        // Not percent-encoded: the URL parser fails, and its error must not show the password.
        ("postgres://u:se/cr3t-pw@127.0.0.1:1/db".into(), true),
        ("postgres://u:se?cr3t-pw@127.0.0.1:1/db".into(), true),
        ("postgres://u:se#cr3t-pw@127.0.0.1:1/db".into(), true),
        (
            "postgres://nosuchuser:cr3t-pw@127.0.0.1:5432/test".into(),
            true,
        ),
        ("postgres://u:cr3t-pw@127.0.0.1:1/db".into(), false),
        ("postgres://u@127.0.0.1:1/db?password=cr3t-pw".into(), false),
    ];
    if let Some(db) = &db {
        // A working server (trust authentication ignores the password): whole imports, trace logs.
        let (scheme, rest) = db.url.split_once("://").unwrap();
        let rest = match rest.split_once('@') {
            Some((user, host)) => format!("{user}:cr3t-pw@{host}"),
            None => rest.to_string(),
        };
        urls.push((format!("{scheme}://{rest}"), true));
    }
    let batch = Batch::generate(Spec {
        lines: 50,
        seed: 71,
        ..Spec::default()
    });
    let (_dir, path) = write_file("pw.csv", &batch.csv);
    let (_d2, missing) = write_file("x.csv", "");
    let check = |url: String, args: Vec<String>, level: &'static str| {
        std::thread::spawn(move || {
            let out = bin()
                .args(&args)
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", level)
                .output()
                .unwrap();
            let all = text(&out);
            assert!(!all.contains("cr3t-pw"), "{url} {args:?}: {all}");
            assert!(!all.contains("panicked"), "{url} {args:?}: {all}");
        })
    };
    let mut slow = Vec::new();
    for (url, full) in urls {
        let commands: Vec<Vec<String>> = [
            vec!["import", "--format", "json", path.to_str().unwrap()],
            vec!["import", missing.to_str().unwrap()],
            vec!["runs"],
            vec!["failed", "1", "--format", "csv"],
            vec!["inventory", "--format", "json"],
        ]
        .into_iter()
        .map(|a| a.into_iter().map(String::from).collect())
        .collect();
        if full {
            for args in commands {
                for level in ["trace", "warn"] {
                    check(url.clone(), args.clone(), level).join().unwrap();
                }
            }
        } else {
            slow.push(check(url, commands[0].clone(), "trace"));
        }
    }
    for t in slow {
        t.join().unwrap();
    }
}

#[tokio::test]
async fn a_new_sqlite_database_and_its_journal_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub-dir-is-here.db");
    let url = format!("sqlite:{}", db.display());
    let batch = Batch::generate(Spec {
        lines: 100,
        seed: 81,
        ..Spec::default()
    });
    let (_d, path) = write_file("p.csv", &batch.csv);
    // A child that keeps the database open while we look at its files (killed mid-run).
    let out = batchops_env(
        &url,
        &["import", "--chunk-size", "10", path.to_str().unwrap()],
        &[("BATCHOPS_FAILPOINT", "batch_after_commit:3")],
    );
    assert_eq!(signal(&out), Some(9));
    use std::os::unix::fs::PermissionsExt;
    let mut seen = 0;
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(m) = std::fs::metadata(&p) {
            seen += 1;
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
    }
    assert_eq!(
        seen, 3,
        "the database and its WAL files were there to check"
    );
}
