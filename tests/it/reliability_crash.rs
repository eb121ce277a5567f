//! Crashes: the real binary is killed with SIGKILL at chosen moments (fail points, see
//! `crates/batchops-core/src/failpoint.rs`) and at random moments, on both backends; then the run is resumed or the file
//! imported again, and the result must be exactly what one clean run gives.

use crate::support::binary::{batchops, batchops_env, bin, import, json, run_status, signal, text};
use crate::support::db::{
    TestDb, backends, drift, duplicates, failed_of, inventory_by_name, landed, open_failed_of_key,
    runs_of,
};
use crate::support::files::write_file;
use crate::support::oracle::{Batch, CURSED, Expect, Rng, Spec, assert_exact, cursed, with_cursed};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const CHUNK: u64 = 100;

/// What happens after the kill.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// `batchops resume RUN_ID`.
    Resume,
    /// `batchops import FILE` again: a new run under the same import key.
    Rerun,
    /// Resume, killed again at this point; then resume to the end.
    CrashAgain(&'static str),
}

/// The run a crash left behind, checked for everything that must already hold.
async fn check_after_crash(
    db: &TestDb,
    batch: &Batch,
    out: &Output,
    point: &str,
    whole_chunks: bool,
) -> (i64, String) {
    assert_eq!(
        signal(out),
        Some(9),
        "{} {point}: the fail point killed the process with SIGKILL\n{}",
        db.kind,
        text(out)
    );
    let (run_id, _) = *runs_of(db).await.last().expect("the killed run exists");
    let key = db
        .pairs(&format!(
            "SELECT id, import_key FROM import_runs WHERE id = {run_id}"
        ))
        .await[0]
        .1
        .clone();
    let stored = runs_of(db).await.last().unwrap().1.clone();
    assert_eq!(stored, "running", "{point}: nobody marked the killed run");
    assert_eq!(
        run_status(&db.url, run_id, Some("3600")),
        "running",
        "{point}: with a fresh heartbeat it still looks alive"
    );
    assert_eq!(
        run_status(&db.url, run_id, Some("0")),
        "interrupted",
        "{point}: once its heartbeat is stale, the killed run shows as interrupted"
    );
    assert_eq!(duplicates(db).await, 0, "{point}");
    assert_eq!(
        drift(db).await,
        0,
        "{} {point}: every item's quantity is the sum of its landed rows (no half chunk)",
        db.kind
    );
    let landed = landed(db, &key).await;
    let good = batch.good();
    assert!(landed.is_subset(&good), "{point}: only good lines landed");
    if whole_chunks {
        // Whole chunks: each chunk's good lines all landed or none. A prefix of them, except that
        // PostgreSQL writes two chunks at once (each its own transaction): the one after the
        // first missing chunk may have landed without it, never one further on.
        let chunk_of = |l: &u64| l.div_ceil(CHUNK);
        let chunks: BTreeSet<u64> = landed.iter().map(chunk_of).collect();
        let whole: BTreeSet<u64> = good
            .iter()
            .copied()
            .filter(|l| chunks.contains(&chunk_of(l)))
            .collect();
        assert_eq!(landed, whole, "{} {point}: whole chunks only", db.kind);
        let at_once = if db.kind == "sqlite" { 1 } else { 2 };
        let first_missing = (1..).find(|c| !chunks.contains(c)).unwrap_or(1);
        let beyond: Vec<u64> = chunks.range(first_missing..).copied().collect();
        assert!(
            beyond.iter().all(|c| *c < first_missing + at_once),
            "{} {point}: chunks {beyond:?} landed after missing chunk {first_missing}",
            db.kind
        );
    }
    let mut oracle = std::collections::BTreeMap::new();
    batch.add_to(&mut oracle, &landed);
    // Items at zero (the pre-created cursed item) are left out on both sides.
    let mut inv = inventory_by_name(db).await;
    inv.retain(|_, q| !q.is_zero());
    oracle.retain(|_, q| !q.is_zero());
    assert_eq!(
        inv, oracle,
        "{point}: the inventory holds exactly the landed lines"
    );
    let bad = batch.bad();
    for (line, error) in failed_of(db, run_id).await {
        assert!(
            bad.contains(&line),
            "{point}: good line {line} in dead letters: {error}"
        );
        assert!(
            !landed.contains(&line),
            "{point}: line {line} both landed and failed"
        );
    }
    (run_id, key)
}

fn resume(url: &str, run_id: i64, env: &[(&str, &str)]) -> Output {
    let id = run_id.to_string();
    let mut e = vec![("BATCHOPS_STALE_AFTER_SECONDS", "0")];
    e.extend_from_slice(env);
    batchops_env(
        url,
        &["resume", &id, "--format", "json", "--chunk-size", "100"],
        &e,
    )
}

/// The end of every case: the last run finished partial_success (the batch has bad lines) with
/// every bad line failed once (under the run that read it first), and everything is exact.
async fn check_final(db: &TestDb, batch: &Batch, key: &str, out: &Output, ctx: &str) {
    assert_eq!(out.status.code(), Some(2), "{ctx}: {}", text(out));
    let r = json(out);
    assert_eq!(r["status"], "partial_success", "{ctx}");
    let total = batch.lines.len() as u64;
    assert_eq!(r["items_total"], total, "{ctx}: every line was read");
    assert_eq!(
        r["items_processed"].as_u64().unwrap() + r["items_already_imported"].as_u64().unwrap(),
        batch.good().len() as u64,
        "{ctx}: each good line counted once"
    );
    let failed = open_failed_of_key(db, key).await;
    assert_eq!(
        failed.keys().copied().collect::<BTreeSet<_>>(),
        batch.bad(),
        "{ctx}: the open dead letters of the batch are exactly the bad lines"
    );
    assert_eq!(
        r["items_failed"].as_u64(),
        Some(batch.bad().len() as u64),
        "{ctx}: the run counts every bad line as failed"
    );
    for (line, error) in &failed {
        match &batch.lines[*line as usize - 1] {
            Expect::Bad { why } => assert!(error.contains(why), "{ctx} line {line}: {error}"),
            Expect::Rejected { .. } => {
                assert!(error.contains("blocked by policy"), "{ctx}: {error}")
            }
            Expect::Good { .. } => unreachable!(),
        }
    }
    let oracle = with_cursed(batch.oracle());
    let mut inv_oracle = oracle.clone();
    if !batch.has_rejects() {
        inv_oracle.remove("Cursed item");
    }
    assert_exact(db, batch, key, &inv_oracle).await;
}

async fn crash_case(spec: Spec, point: &'static str, extra: &[&str], then: Then) {
    let batch = Batch::generate(spec);
    let (_dir, path) = write_file("crash.csv", &batch.csv);
    let cursed_lines = batch.has_rejects();
    let whole_chunks = !cursed_lines && !extra.contains(&"sequential");
    for db in backends().await {
        if cursed_lines {
            cursed(&db).await;
        }
        let mut args = vec!["--chunk-size", "100"];
        args.extend_from_slice(extra);
        let out = import_env(&db.url, &path, &args, &[("BATCHOPS_FAILPOINT", point)]);
        let (run_id, key) = check_after_crash(&db, &batch, &out, point, whole_chunks).await;
        let last = match then {
            Then::Resume => resume(&db.url, run_id, &[]),
            Then::Rerun => import(&db.url, &path, &args),
            Then::CrashAgain(second) => {
                let out = resume(&db.url, run_id, &[("BATCHOPS_FAILPOINT", second)]);
                let (again, _) = check_after_crash(&db, &batch, &out, second, whole_chunks).await;
                assert_eq!(again, run_id, "the resumed run is the same run");
                resume(&db.url, run_id, &[])
            }
        };
        let ctx = format!("{} {point} then {then:?}", db.kind);
        if !matches!(then, Then::Rerun) {
            assert_eq!(
                json(&last)["run_id"],
                run_id,
                "{ctx}: resume continues the run"
            );
        }
        check_final(&db, &batch, &key, &last, &ctx).await;
        // Importing once more changes nothing.
        let again = import(&db.url, &path, &args);
        let r = json(&again);
        assert_eq!(r["items_processed"], 0, "{ctx}");
        assert_eq!(r["items_already_imported"], batch.good().len() as u64);
        check_final(&db, &batch, &key, &again, &ctx).await;
    }
}

fn import_env(url: &str, path: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["import", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    batchops_env(url, &args, env)
}

fn plain() -> Spec {
    Spec {
        lines: 1_000,
        seed: 11,
        ..Spec::default()
    }
}

fn with_rejects() -> Spec {
    Spec {
        lines: 600,
        cursed_percent: 1,
        seed: 12,
        ..Spec::default()
    }
}

#[tokio::test]
async fn killed_between_chunks_then_resumed() {
    crash_case(plain(), "chunk_mapped:4", &[], Then::Resume).await;
}

#[tokio::test]
async fn killed_between_insert_and_inventory_update_then_imported_again() {
    crash_case(plain(), "batch_after_insert:3", &[], Then::Rerun).await;
}

#[tokio::test]
async fn killed_just_before_commit_then_resumed() {
    crash_case(plain(), "batch_before_commit:6", &[], Then::Resume).await;
}

#[tokio::test]
async fn killed_just_after_commit_before_counting_then_imported_again() {
    crash_case(plain(), "batch_after_commit:2", &[], Then::Rerun).await;
}

#[tokio::test]
async fn killed_in_the_first_chunk_and_again_while_resuming() {
    crash_case(
        plain(),
        "batch_after_insert:1",
        &[],
        Then::CrashAgain("batch_before_commit:4"),
    )
    .await;
}

#[tokio::test]
async fn killed_during_a_bisect_fallback_then_resumed() {
    crash_case(with_rejects(), "fallback_part:3", &[], Then::Resume).await;
}

#[tokio::test]
async fn killed_before_a_commit_after_fallbacks_then_imported_again() {
    crash_case(with_rejects(), "batch_before_commit:2", &[], Then::Rerun).await;
}

#[tokio::test]
async fn killed_during_an_item_by_item_fallback_then_imported_again() {
    crash_case(
        with_rejects(),
        "fallback_part:2",
        &["--fallback", "sequential"],
        Then::Rerun,
    )
    .await;
}

#[tokio::test]
async fn killed_between_a_fallback_items_insert_and_update_then_resumed() {
    crash_case(
        with_rejects(),
        "one_after_insert:5",
        &["--fallback", "sequential"],
        Then::Resume,
    )
    .await;
}

#[tokio::test]
async fn sequential_mode_killed_mid_line_then_resumed() {
    let spec = Spec {
        lines: 300,
        ..plain()
    };
    crash_case(
        spec,
        "one_after_insert:150",
        &["--mode", "sequential"],
        Then::Resume,
    )
    .await;
}

#[tokio::test]
async fn sequential_mode_killed_between_lines_and_again_while_resuming() {
    let spec = Spec {
        lines: 300,
        ..with_rejects()
    };
    crash_case(
        spec,
        "chunk_mapped:40",
        &["--mode", "sequential"],
        Then::CrashAgain("one_after_insert:30"),
    )
    .await;
}

/// After a crash the operator edits the file (a line inserted at the top shifts every line number),
/// then resumes: batchops refuses, because its line numbers do not name the lines that landed; with
/// the original file back, the resume finishes exactly.
#[tokio::test]
async fn resume_refuses_a_file_that_changed_since_the_crash() {
    let batch = Batch::generate(Spec {
        lines: 500,
        seed: 14,
        ..Spec::default()
    });
    let (_dir, path) = write_file("changed.csv", &batch.csv);
    for db in backends().await {
        std::fs::write(&path, &batch.csv).unwrap();
        let out = import_env(
            &db.url,
            &path,
            &["--chunk-size", "100"],
            &[("BATCHOPS_FAILPOINT", "chunk_mapped:3")],
        );
        let (run_id, key) = check_after_crash(&db, &batch, &out, "chunk_mapped:3", true).await;
        let landed_before = landed(&db, &key).await;
        let edited = batch.csv.replacen('\n', "\nNEW-1,Inserted line,5,1\n", 1);
        std::fs::write(&path, edited).unwrap();
        let out = resume(&db.url, run_id, &[]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("content changed"), "{err}");
        assert_eq!(
            landed(&db, &key).await,
            landed_before,
            "nothing was written"
        );
        assert_eq!(run_status(&db.url, run_id, Some("0")), "interrupted");
        std::fs::write(&path, &batch.csv).unwrap();
        let out = resume(&db.url, run_id, &[]);
        check_final(&db, &batch, &key, &out, db.kind).await;
    }
}

/// A retry is killed between a line's insert and its inventory update, and its run shows as
/// interrupted (not resumable: it is a retry); the next retry lands every line exactly once and
/// resolves it.
#[tokio::test]
async fn a_killed_retry_is_retried_again_exactly() {
    let batch = Batch::generate(Spec {
        lines: 400,
        cursed_percent: 4,
        seed: 13,
        ..Spec::default()
    });
    let (_dir, path) = write_file("retry.csv", &batch.csv);
    for db in backends().await {
        cursed(&db).await;
        let out = import(&db.url, &path, &["--chunk-size", "100"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let r = json(&out);
        let run_id = r["run_id"].as_i64().unwrap();
        let key = r["import_key"].as_str().unwrap().to_string();
        assert!(batch.rejected().len() >= 4);
        let stored: BTreeSet<u64> = failed_of(&db, run_id).await.into_keys().collect();
        let reported: BTreeSet<u64> = r["failed_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        assert_eq!(
            reported,
            batch.bad(),
            "{}: the report names every bad line",
            db.kind
        );
        assert_eq!(
            stored,
            batch.bad(),
            "{}: the dead letters keep every bad line: {r}",
            db.kind
        );
        // The operator lifts the rule and retries; the retry dies on its third line.
        db.drop_reject(CURSED).await;
        let id = run_id.to_string();
        let out = batchops_env(
            &db.url,
            &["retry", &id, "--format", "json"],
            &[("BATCHOPS_FAILPOINT", "one_after_insert:3")],
        );
        assert_eq!(signal(&out), Some(9), "{}", text(&out));
        assert_eq!(duplicates(&db).await, 0);
        assert_eq!(
            drift(&db).await,
            0,
            "the killed line's insert was rolled back with it"
        );
        // The killed retry's first two lines landed and were resolved; the third was rolled back.
        let resolved = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM failed_items WHERE run_id = {run_id} AND resolved_at IS NOT NULL"
            ))
            .await;
        assert_eq!(resolved, 2, "{}", db.kind);
        let first_two: BTreeSet<u64> = batch.rejected().into_iter().take(2).collect();
        let so_far: BTreeSet<u64> = batch.good().union(&first_two).copied().collect();
        assert_eq!(landed(&db, &key).await, so_far, "{}", db.kind);
        let (retry_run, _) = *runs_of(&db).await.last().unwrap();
        assert_ne!(retry_run, run_id);
        assert_eq!(run_status(&db.url, retry_run, Some("0")), "interrupted");
        let out = batchops_env(
            &db.url,
            &["resume", &retry_run.to_string()],
            &[("BATCHOPS_STALE_AFTER_SECONDS", "0")],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).contains("batchops retry"), "{}", text(&out));
        // Retry again: every rejected line lands once; the unparseable ones fail again.
        let out = batchops(&db.url, &["retry", &id, "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let rr = json(&out);
        let parse_bad = batch.bad().len() - batch.rejected().len();
        assert_eq!(rr["items_failed"], parse_bad as u64);
        assert_eq!(
            rr["items_processed"].as_u64().unwrap()
                + rr["items_already_imported"].as_u64().unwrap(),
            batch.rejected().len() as u64 - 2,
            "the two lines resolved before the kill are not retried again"
        );
        let all: BTreeSet<u64> = batch.good().union(&batch.rejected()).copied().collect();
        assert_eq!(landed(&db, &key).await, all, "{}", db.kind);
        let mut oracle = with_cursed(Default::default());
        batch.add_to(&mut oracle, &all);
        assert_eq!(inventory_by_name(&db).await, oracle, "{}", db.kind);
        assert_eq!(duplicates(&db).await, 0);
        assert_eq!(drift(&db).await, 0);
        let unresolved = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM failed_items WHERE run_id = {run_id} AND resolved_at IS NULL"
            ))
            .await;
        assert_eq!(
            unresolved, parse_bad as i64,
            "the landed lines are resolved"
        );
    }
}

/// Kill a real run at random moments (after at least one chunk landed), resume, kill the resume,
/// … then let it finish: exact totals. `kills` kills per backend; the seed is printed.
async fn random_kills(lines: usize, chunk: &str, kills: usize, seed: u64) {
    let spec = Spec {
        lines,
        bad_percent: 1,
        cursed_percent: 0,
        no_sku_percent: 15,
        items: 300,
        seed,
    };
    let batch = Batch::generate(spec);
    let (_dir, path) = write_file("random.csv", &batch.csv);
    let mut rng = Rng::new(seed);
    eprintln!("random kills: seed {seed}, {lines} lines, chunk {chunk}");
    for db in backends().await {
        let mut run_id: Option<i64> = None;
        let mut key = String::new();
        for kill in 0..kills {
            let mut cmd = bin();
            cmd.arg("--database-url").arg(&db.url);
            match run_id {
                None => cmd
                    .args(["import", "--format", "json", "--chunk-size", chunk])
                    .arg(&path),
                Some(id) => cmd
                    .args([
                        "resume",
                        &id.to_string(),
                        "--format",
                        "json",
                        "--chunk-size",
                        chunk,
                    ])
                    .env("BATCHOPS_STALE_AFTER_SECONDS", "0"),
            };
            let mut child = cmd
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Wait until this process has written something new, then a random moment more.
            let before = db.scalar("SELECT COUNT(*) FROM transactions").await;
            let start = Instant::now();
            while db.scalar("SELECT COUNT(*) FROM transactions").await == before {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "{}: kill {kill}: the run ended before it wrote anything",
                    db.kind
                );
                assert!(
                    start.elapsed() < Duration::from_secs(120),
                    "no progress at all"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tokio::time::sleep(Duration::from_millis(rng.below(250))).await;
            let finished_first = child.try_wait().unwrap().is_some();
            assert!(
                !finished_first,
                "{} kill {kill}: the run finished before the kill; use a larger file",
                db.kind
            );
            child.kill().unwrap(); // SIGKILL
            let status = child.wait().unwrap();
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9));
            let runs = runs_of(&db).await;
            let (id, stored) = runs.last().unwrap().clone();
            assert_eq!(stored, "running");
            assert_eq!(run_status(&db.url, id, Some("0")), "interrupted");
            if let Some(prev) = run_id {
                assert_eq!(prev, id, "resume keeps the run");
            }
            run_id = Some(id);
            key = db
                .pairs(&format!(
                    "SELECT id, import_key FROM import_runs WHERE id = {id}"
                ))
                .await[0]
                .1
                .clone();
            assert_eq!(duplicates(&db).await, 0);
            assert_eq!(
                drift(&db).await,
                0,
                "{} kill {kill}: whole chunks only",
                db.kind
            );
            let landed = landed(&db, &key).await;
            assert!(landed.is_subset(&batch.good()));
            let mut oracle = Default::default();
            batch.add_to(&mut oracle, &landed);
            let mut inv = inventory_by_name(&db).await;
            inv.retain(|_, q| !q.is_zero());
            oracle.retain(|_, q| !q.is_zero());
            assert_eq!(inv, oracle, "{} kill {kill}", db.kind);
        }
        let id = run_id.unwrap().to_string();
        let out = batchops_env(
            &db.url,
            &["resume", &id, "--format", "json", "--chunk-size", chunk],
            &[("BATCHOPS_STALE_AFTER_SECONDS", "0")],
        );
        check_final(&db, &batch, &key, &out, &format!("{} seed {seed}", db.kind)).await;
    }
}

#[tokio::test]
async fn random_kills_of_a_real_run_then_resume_reach_exact_totals() {
    let seed = std::env::var("BATCHOPS_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261129);
    random_kills(40_000, "100", 3, seed).await;
}

/// The long variant for `.ci/run` (`cargo test -- --ignored`): more kills of a bigger run, several seeds.
#[tokio::test]
#[ignore = "soak: run from .ci/run with --ignored"]
async fn soak_random_kills() {
    // Large enough that eight kills (each after up to 250 ms of progress) never reach the end of
    // the file, even on a fast SQLite run.
    for seed in [1, 2, 3] {
        random_kills(200_000, "250", 8, seed).await;
    }
}
