//! Two operators on one run: every pair of writing commands (import, resume, retry, review decide,
//! reject-file import, revert, items merge, aliases move) started at random offsets through the
//! real binary, on one run and on two runs that share items, on SQLite and PostgreSQL. One writer
//! per import key (crates/batchops-engine/src/locks.rs): the second command waits or is refused naming the first; each
//! case ends with the oracle: every item's quantity is the sum of its rows, no line identity twice
//! and no landed line still held, a reverted run holds nothing, and every stored report counts
//! exactly the rows its run holds. Also: a revert during a retry of the same run (refused, naming
//! the retry), a lock held by a killed command, and the run-state check inside every write.

use crate::support::binary::{bin, signal, text};
use crate::support::db::{self, TestDb, drift, duplicates};
use crate::support::library;
use crate::support::oracle::Rng;
use batchops::engine::{ErrorBudget, ImportOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// The contested commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Import,
    Resume,
    Retry,
    Decide,
    RejectFile,
    Revert,
    Merge,
    AliasMove,
}

const ALL: [Cmd; 8] = [
    Cmd::Import,
    Cmd::Resume,
    Cmd::Retry,
    Cmd::Decide,
    Cmd::RejectFile,
    Cmd::Revert,
    Cmd::Merge,
    Cmd::AliasMove,
];

/// The most a command of the matrix may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);

const SEED: &str = "sku,description,quantity,unit_price\n\
    ACM-1,Hex Bolt M8 x 40mm Zinc,10,0.30\n\
    ACM-5,Hex Bolt M8 x 50mm Zinc,10,0.30\n\
    PW-8,Penny Washer M8 Zinc Box of 100,10,1\n\
    PW-6,Penny Washer M6 Zinc Box of 100,10,1\n\
    MX-1,Merge source item,5,1\n\
    MX-2,Merge target item,5,1\n\
    BAD-1,Blocked item,1,1\n";

/// Lines of a contested batch, and how many of them the database refuses (item BAD-1 blocked):
/// enough for every command to run long enough to meet the other.
const LINES: u64 = 2_000;
const BAD_LINES: u64 = 150;

/// A batch: held lines and lines through a learned alias early, [`BAD_LINES`] lines refused by
/// the database from `bad_at`, the rest on shared SKUs and MX-1.
fn batch(variant: u64, bad_at: u64) -> String {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for i in 1..=LINES {
        let q = format!(
            "{}.{:02}",
            (i * 7 + variant) % 9 + 1,
            (i * 13 + variant) % 100
        );
        let row = match i {
            3 | 7 | 11 => format!(",Hex Bolt M8 Zinc,{q},0.3"),
            5 | 9 | 13 => format!(",Penny Wahser M8 Zinc Box of 100,{q},1"),
            _ if (bad_at..bad_at + BAD_LINES).contains(&i) => format!("BAD-1,Blocked item,{q},1"),
            _ if i % 10 == 0 => format!("MX-1,Merge source item,{q},1"),
            _ => format!("G-{:02},Shared item {},{q},2", i % 12, i % 12),
        };
        csv.push_str(&row);
        csv.push('\n');
    }
    csv
}

/// A run contested by the commands, as they name it.
#[derive(Debug, Clone)]
struct Target {
    run_id: i64,
    file: PathBuf,
    reject_file: PathBuf,
    held_id: i64,
}

fn args(cmd: Cmd, t: &Target) -> Vec<String> {
    let run = t.run_id.to_string();
    let v: Vec<&str> = match cmd {
        Cmd::Import => vec!["import", "--chunk-size", "50", t.file.to_str().unwrap()],
        Cmd::Resume => vec!["resume", &run, "--chunk-size", "50"],
        Cmd::Retry => vec!["retry", &run],
        Cmd::Decide => {
            return [
                "review",
                "decide",
                &t.held_id.to_string(),
                "--item",
                "ACM-5",
                "--format",
                "json",
            ]
            .map(String::from)
            .to_vec();
        }
        Cmd::RejectFile => vec!["import", t.reject_file.to_str().unwrap()],
        Cmd::Revert => vec!["revert", &run],
        Cmd::Merge => vec!["items", "merge", "MX-1", "--into", "MX-2"],
        Cmd::AliasMove => vec![
            "aliases",
            "move",
            "Penny Wahser M8 Zinc Box of 100",
            "--to",
            "PW-6",
        ],
    };
    let mut v: Vec<String> = v.into_iter().map(String::from).collect();
    v.extend(["--format".into(), "json".into()]);
    v
}

/// Start a command. A fresh heartbeat does not protect anyone here (stale at once): only the
/// locks keep the writers apart.
fn start(url: &str, args: &[String]) -> Child {
    bin()
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("BATCHOPS_STALE_AFTER_SECONDS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn batchops")
}

/// Wait for a command, at most [`COMMAND_LIMIT`].
fn finish(mut child: Child, what: &str) -> Output {
    let begun = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if begun.elapsed() > COMMAND_LIMIT {
            let _ = child.kill();
            panic!("{what} did not finish within {COMMAND_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Import `path` in this process (the cases' setup), with an error budget when `budget` is set.
async fn setup_import(db: &TestDb, path: &Path, budget: Option<u64>) -> i64 {
    let opts = ImportOptions {
        chunk_size: 50,
        max_errors: budget.map(ErrorBudget::Count),
        operator: "setup".into(),
        ..ImportOptions::default()
    };
    let r = library::import(db, path, &opts).await;
    r.run_id
}

/// The contested run of a case: `variant` of the batch imported until the database refused its
/// BAD-1 lines past the error budget of 100 (aborted, resumable), those lines failed (retry and the
/// reject file land them once the block is lifted), three lines held for review.
async fn contested(db: &TestDb, dir: &Path, variant: u64) -> Target {
    let file = dir.join(format!("batch-{variant}.csv"));
    let bad_at = 60 + variant * 200;
    std::fs::write(&file, batch(variant, bad_at)).unwrap();
    let run_id = setup_import(db, &file, Some(100)).await;
    let key = scalar_text(
        db,
        &format!("SELECT import_key FROM import_runs WHERE id = {run_id}"),
    )
    .await;
    let mut rej =
        String::from("sku,description,quantity,unit_price,batchops_import_key,batchops_line\n");
    for line in db
        .column(&format!(
            "SELECT line FROM failed_items WHERE run_id = {run_id}"
        ))
        .await
    {
        rej.push_str(&format!("BAD-1,Blocked item,2.5,1,{key},{line}\n"));
    }
    let reject_file = dir.join(format!("reject-{variant}.csv"));
    std::fs::write(&reject_file, rej).unwrap();
    let held_id = db
        .scalar(&format!(
            "SELECT MIN(id) FROM held_lines WHERE run_id = {run_id} AND decided_at IS NULL"
        ))
        .await;
    Target {
        run_id,
        file,
        reject_file,
        held_id,
    }
}

async fn scalar_text(db: &TestDb, sql: &str) -> String {
    use sqlx::{AssertSqlSafe, Connection};
    if db.kind == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut c)
            .await
            .unwrap()
    }
}

/// A fresh database with the catalog, its contested runs (one, or two sharing items), and the
/// block on BAD-1 lifted.
async fn prepared(sqlite: bool, dir: &Path, runs: u64) -> (TestDb, Vec<Target>) {
    let db = if sqlite {
        db::sqlite().await
    } else {
        db::postgres().await.expect("PostgreSQL")
    };
    let seed = dir.join("seed.csv");
    std::fs::write(&seed, SEED).unwrap();
    setup_import(&db, &seed, None).await;
    db.reject_sku("BAD-1").await;
    let mut targets = Vec::new();
    for v in 0..runs {
        targets.push(contested(&db, dir, v).await);
    }
    db.drop_reject("BAD-1").await;
    for t in &targets {
        assert!(t.held_id > 0, "{}: the run holds lines for review", db.kind);
        let failed = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM failed_items WHERE run_id = {}",
                t.run_id
            ))
            .await;
        assert!(failed > 100, "{}: the blocked lines failed", db.kind);
    }
    (db, targets)
}

/// What a finished command may say: its result (exit 0, 2 or 3), or a refusal (exit 1) that is
/// an error message, never a crash.
fn check_outcome(db: &TestDb, case: &str, what: &str, o: &Output) {
    let code = o.status.code();
    assert!(
        matches!(code, Some(0..=3)),
        "{}: {case}: {what} ended {:?}: {}",
        db.kind,
        o.status,
        text(o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("panicked"),
        "{}: {case}: {what}: {}",
        db.kind,
        text(o)
    );
    if code == Some(1) {
        // A run that ended failed prints its report; a refusal says why.
        let report = serde_json::from_slice::<Value>(&o.stdout).is_ok();
        assert!(
            report || !err.trim().is_empty(),
            "{}: {case}: {what} says why",
            db.kind
        );
    }
}

/// The oracle (see the module documentation), and the printed run reports against the stored ones.
async fn oracle(db: &TestDb, case: &str, outputs: &[Output]) {
    let k = db.kind;
    assert_eq!(
        drift(db).await,
        0,
        "{k}: {case}: every quantity is the sum of its rows"
    );
    assert_eq!(
        duplicates(db).await,
        0,
        "{k}: {case}: no line identity twice"
    );
    let landed_and_held = db
        .scalar(
            "SELECT COUNT(*) FROM transactions t JOIN held_lines h \
             ON h.import_key = t.import_key AND h.line = t.line WHERE h.decided_at IS NULL",
        )
        .await;
    assert_eq!(landed_and_held, 0, "{k}: {case}: no landed line still held");
    let reverted_holding = db
        .scalar(
            "SELECT COUNT(*) FROM transactions t WHERE t.run_id IN \
             (SELECT id FROM import_runs WHERE reverted_at IS NOT NULL) \
             OR (t.run_id IN (SELECT id FROM import_runs WHERE mode = 'retry') \
                 AND EXISTS (SELECT 1 FROM failed_items f JOIN import_runs r ON r.id = f.run_id \
                             WHERE f.import_key = t.import_key AND f.line = t.line AND r.reverted_at IS NOT NULL) \
                 AND NOT EXISTS (SELECT 1 FROM failed_items g JOIN import_runs s ON s.id = g.run_id \
                                 WHERE g.import_key = t.import_key AND g.line = t.line AND s.reverted_at IS NULL))",
        )
        .await;
    assert_eq!(
        reverted_holding, 0,
        "{k}: {case}: a reverted run holds nothing"
    );
    let held_of_reverted = db
        .scalar(
            "SELECT COUNT(*) FROM held_lines WHERE run_id IN \
             (SELECT id FROM import_runs WHERE reverted_at IS NOT NULL)",
        )
        .await;
    assert_eq!(
        held_of_reverted, 0,
        "{k}: {case}: a reverted run holds no held line"
    );
    // Each finished run's stored count against the rows it holds itself (lines it held and a
    // review landed later are not its own): exactly its count, or none when a revert of its
    // batch came after it (a retry's rows go with the revert of the run it retried).
    for run in db
        .column(
            "SELECT id FROM import_runs WHERE status NOT IN ('running', 'reverted') ORDER BY id",
        )
        .await
    {
        let own = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM transactions t WHERE t.run_id = {run} AND (t.import_key, t.line) \
                 NOT IN (SELECT import_key, line FROM held_lines WHERE run_id = {run})"
            ))
            .await;
        let processed = db
            .scalar(&format!(
                "SELECT items_processed FROM import_runs WHERE id = {run}"
            ))
            .await;
        let reverted_after = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM import_runs r JOIN import_runs o ON o.import_key = r.import_key \
                 WHERE r.id = {run} AND r.mode = 'retry' AND o.mode <> 'retry' \
                 AND o.reverted_at IS NOT NULL AND o.reverted_at > r.finished_at"
            ))
            .await;
        // A resumed run counts the lines its earlier leg landed as already imported.
        let already = db
            .scalar(&format!(
                "SELECT items_already_imported FROM import_runs WHERE id = {run}"
            ))
            .await;
        let counted = if reverted_after > 0 {
            own == 0
        } else {
            processed <= own && own <= processed + already
        };
        assert!(
            counted,
            "{k}: {case}: run {run} reported {processed} landed ({already} already) and holds {own} \
             (reverted after it: {reverted_after})"
        );
    }
    for o in outputs {
        let Ok(v) = serde_json::from_slice::<Value>(&o.stdout) else {
            continue;
        };
        let (Some(run), Some(processed)) = (v["run_id"].as_i64(), v["items_processed"].as_i64())
        else {
            continue;
        };
        let stored = db
            .scalar(&format!(
                "SELECT items_processed FROM import_runs WHERE id = {run}"
            ))
            .await;
        assert_eq!(
            processed, stored,
            "{k}: {case}: the printed report is the stored one: {v}"
        );
    }
}

/// Every unordered pair of commands (each with itself too), on one run or on two runs sharing
/// items, the second started 0–80 ms after the first.
async fn matrix(sqlite: bool, two_runs: bool) {
    let begun = Instant::now();
    let mut rng = Rng::new(if two_runs { 22 } else { 3 });
    let mut refusals = 0;
    for (i, &a) in ALL.iter().enumerate() {
        for &b in &ALL[i..] {
            let dir = tempfile::tempdir().unwrap();
            let setup = Instant::now();
            let (db, targets) = prepared(sqlite, dir.path(), if two_runs { 2 } else { 1 }).await;
            let setup = setup.elapsed();
            let contest = Instant::now();
            let (ta, tb) = (&targets[0], targets.last().unwrap());
            let offset = Duration::from_millis(rng.below(80));
            let case = format!(
                "{a:?} on run {} then {b:?} on run {} after {offset:?}",
                ta.run_id, tb.run_id
            );
            let (url, args_a, args_b) = (db.url.clone(), args(a, ta), args(b, tb));
            let outputs = tokio::task::spawn_blocking(move || {
                let first = start(&url, &args_a);
                std::thread::sleep(offset);
                let second = start(&url, &args_b);
                [finish(first, "the first"), finish(second, "the second")]
            })
            .await
            .unwrap();
            eprintln!(
                "{}: {case}: exit {:?} and {:?} (setup {setup:?}, commands {:?})",
                db.kind,
                outputs[0].status.code(),
                outputs[1].status.code(),
                contest.elapsed()
            );
            for (o, what) in outputs.iter().zip(["the first", "the second"]) {
                check_outcome(&db, &case, what, o);
                let err = String::from_utf8_lossy(&o.stderr);
                if err.contains("is writing") {
                    refusals += 1;
                    assert!(
                        err.contains(" by ") && err.contains(" since ") && err.contains("pid "),
                        "{}: {case}: the refusal names the running command: {err}",
                        db.kind
                    );
                }
            }
            oracle(&db, &case, &outputs).await;
        }
    }
    eprintln!(
        "{} matrix ({}): 36 cases, {refusals} refused as a second writer, in {:?}",
        if sqlite { "sqlite" } else { "postgres" },
        if two_runs { "two runs" } else { "one run" },
        begun.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pair_of_writers_on_one_run_ends_exact_on_sqlite() {
    matrix(true, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pair_of_writers_on_two_runs_sharing_items_ends_exact_on_sqlite() {
    matrix(true, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pair_of_writers_on_one_run_ends_exact_on_postgresql() {
    if db::pg_base_url().is_none() {
        return;
    }
    matrix(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pair_of_writers_on_two_runs_sharing_items_ends_exact_on_postgresql() {
    if db::pg_base_url().is_none() {
        return;
    }
    matrix(false, true).await;
}

// ---------------------------------------------------------------------------------------------
// Finding 3, a killed holder, the run-state check

/// A run whose `n` lines all failed (the database refused item BAD-1), the block lifted since:
/// its retry has `n` lines to land. Returns (run id, its import key).
async fn failed_run(db: &TestDb, dir: &Path, n: u64) -> (i64, String) {
    let seed = dir.join("seed.csv");
    std::fs::write(&seed, SEED).unwrap();
    setup_import(db, &seed, None).await;
    db.reject_sku("BAD-1").await;
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for i in 1..=n {
        csv.push_str(&format!("BAD-1,Blocked item,{}.5,1\n", i % 7 + 1));
    }
    let file = dir.join("blocked.csv");
    std::fs::write(&file, csv).unwrap();
    let run = setup_import(db, &file, None).await;
    db.drop_reject("BAD-1").await;
    let key = scalar_text(
        db,
        &format!("SELECT import_key FROM import_runs WHERE id = {run}"),
    )
    .await;
    (run, key)
}

fn run_cmd<S: AsRef<str>>(url: &str, args: &[S]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.as_ref().to_string()).collect();
    finish(start(url, &args), &args.join(" "))
}

/// Issue 22, finding 3: `revert` while a `retry` of the same run is writing. The revert is refused
/// naming the retry (its heartbeat does not count: stale at once here), the retry's report counts
/// exactly the rows it landed, and the revert once the retry has finished removes them with the
/// run: the reverted run holds nothing.
async fn revert_during_retry(db: TestDb) {
    let k = db.kind;
    let dir = tempfile::tempdir().unwrap();
    let (run, _key) = failed_run(&db, dir.path(), 1_000).await;
    let retry = start(&db.url, &args(Cmd::Retry, &target_of(run)));
    // The retry is writing: its run exists and has landed lines.
    let begun = Instant::now();
    loop {
        let landed = db
            .scalar(
                "SELECT COUNT(*) FROM transactions WHERE run_id IN \
                 (SELECT id FROM import_runs WHERE mode = 'retry' AND status = 'running')",
            )
            .await;
        if landed > 0 {
            break;
        }
        assert!(
            begun.elapsed() < COMMAND_LIMIT,
            "{k}: the retry never landed a line"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = db.url.clone();
    let revert = tokio::task::spawn_blocking(move || run_cmd(&url, &["revert", &run.to_string()]))
        .await
        .unwrap();
    let retry = tokio::task::spawn_blocking(move || finish(retry, "the retry"))
        .await
        .unwrap();
    assert_eq!(retry.status.code(), Some(0), "{k}: {}", text(&retry));
    let err = String::from_utf8_lossy(&revert.stderr);
    assert_eq!(
        revert.status.code(),
        Some(1),
        "{k}: the revert is refused: {}",
        text(&revert)
    );
    assert!(
        err.contains("`retry` run ")
            && err.contains("is writing under import key")
            && err.contains("nothing changed"),
        "{k}: the refusal names the running retry: {err}"
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM import_runs WHERE id = {run} AND reverted_at IS NOT NULL"
        ))
        .await,
        0,
        "{k}: nothing was reverted"
    );
    let report: Value = serde_json::from_slice(&retry.stdout).unwrap();
    let retry_run = report["run_id"].as_i64().unwrap();
    let rows = db
        .scalar(&format!(
            "SELECT COUNT(*) FROM transactions WHERE run_id = {retry_run}"
        ))
        .await;
    assert_eq!(
        report["items_processed"].as_i64(),
        Some(rows),
        "{k}: the retry's report is its rows: {report}"
    );
    assert_eq!(rows, 1_000, "{k}: every failed line landed once");
    // Once the retry has finished, the revert takes the run and what the retry landed for it.
    let url = db.url.clone();
    let revert =
        tokio::task::spawn_blocking(move || run_cmd(&url, &args(Cmd::Revert, &target_of(run))))
            .await
            .unwrap();
    assert_eq!(revert.status.code(), Some(0), "{k}: {}", text(&revert));
    let applied: Value = serde_json::from_slice(&revert.stdout).unwrap();
    assert_eq!(applied["lines"], 1_000, "{k}: {applied}");
    oracle(&db, "revert after a retry", &[retry, revert]).await;
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM transactions WHERE run_id IN ({run}, {retry_run})"
        ))
        .await,
        0,
        "{k}: the reverted run holds nothing"
    );
}

fn target_of(run_id: i64) -> Target {
    Target {
        run_id,
        file: PathBuf::new(),
        reject_file: PathBuf::new(),
        held_id: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revert_while_a_retry_of_the_run_writes_is_refused_and_the_reverted_run_holds_nothing() {
    revert_during_retry(db::sqlite().await).await;
    if let Some(db) = db::postgres().await {
        revert_during_retry(db).await;
    }
}

/// A command SIGKILLed while it holds its locks (a retry, inside a line's transaction) does not
/// block the next writer: on SQLite its rows name a dead process, on PostgreSQL its session
/// (and with it the advisory lock) ended with it. The revert that follows is exact.
async fn killed_holder(db: TestDb) {
    let k = db.kind;
    let dir = tempfile::tempdir().unwrap();
    let (run, _key) = failed_run(&db, dir.path(), 200).await;
    let killed = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(["retry", &run.to_string(), "--format", "json"])
        .env("BATCHOPS_FAILPOINT", "one_after_insert:20")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let killed = tokio::task::spawn_blocking(move || finish(killed, "the killed retry"))
        .await
        .unwrap();
    assert_eq!(signal(&killed), Some(9), "{k}: {}", text(&killed));
    assert!(
        db.scalar("SELECT COUNT(*) FROM key_locks").await >= 2,
        "{k}: the killed retry's locks are recorded (its key and the catalog)"
    );
    assert!(
        db.scalar("SELECT COUNT(*) FROM transactions WHERE run_id <> 1 AND run_id <> 2")
            .await
            > 0,
        "{k}: the retry landed lines before it was killed"
    );
    // Not the stale window (a minute): at once, allowing PostgreSQL a moment to see the session end.
    let begun = Instant::now();
    let revert = loop {
        let url = db.url.clone();
        let out = tokio::task::spawn_blocking(move || run_cmd(&url, &["revert", &run.to_string()]))
            .await
            .unwrap();
        if out.status.code() == Some(0) || begun.elapsed() > Duration::from_secs(5) {
            break out;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        revert.status.code(),
        Some(0),
        "{k}: the dead holder blocks nothing: {}",
        text(&revert)
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM key_locks").await,
        0,
        "{k}: no lock left behind"
    );
    oracle(&db, "revert after a killed retry", &[revert]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_by_a_killed_command_is_free_at_once() {
    killed_holder(db::sqlite().await).await;
    if let Some(db) = db::postgres().await {
        killed_holder(db).await;
    }
}

/// Run SQL that the database may refuse: its error text.
async fn refused_sql(db: &TestDb, sql: &str) -> Option<String> {
    use sqlx::{AssertSqlSafe, Connection};
    let result = if db.kind == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .map(|_| ())
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .map(|_| ())
    };
    result.err().map(|e| e.to_string())
}

/// The run's state is checked inside every write, whoever writes (even a writer without the
/// key's lock): no row lands under a reverted run, nor under a retry for a line of a reverted run.
async fn run_state_check(db: TestDb) {
    let k = db.kind;
    let dir = tempfile::tempdir().unwrap();
    let (run, key) = failed_run(&db, dir.path(), 3).await;
    let out = run_cmd(&db.url, &["revert", &run.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{k}: {}", text(&out));
    let (now, key_no, qty) = if k == "sqlite" {
        (
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            String::new(),
            "10000",
        )
    } else {
        ("now()", format!(", batchops_import_no('{key}')"), "1")
    };
    let no_col = if k == "sqlite" { "" } else { ", import_no" };
    let insert = |run_id: &str, line: u64| {
        format!(
            "INSERT INTO transactions (run_id, import_key{no_col}, line, item_id, quantity, unit_cost, operator) \
             SELECT {run_id}, '{key}'{key_no}, {line}, id, {qty}, {qty}, 'x' FROM inventory_items WHERE sku = 'BAD-1'"
        )
    };
    let err = refused_sql(&db, &insert(&run.to_string(), 1)).await;
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("nothing lands under a reverted run")),
        "{k}: a row under the reverted run is refused: {err:?}"
    );
    let retry = format!(
        "INSERT INTO import_runs (source, import_key, mode, status, operator, started_at, heartbeat_at) \
         VALUES ('a retry', '{key}', 'retry', 'running', 'x', {now}, {now})"
    );
    assert_eq!(refused_sql(&db, &retry).await, None);
    let err = refused_sql(&db, &insert("(SELECT MAX(id) FROM import_runs)", 2)).await;
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("nothing lands under a reverted run")),
        "{k}: a retry's row for a line of the reverted run is refused: {err:?}"
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM transactions WHERE import_key = '{key}'"
        ))
        .await,
        0
    );
    assert_eq!(drift(&db).await, 0, "{k}");
}

#[tokio::test]
async fn nothing_lands_under_a_reverted_run_whoever_writes() {
    run_state_check(db::sqlite().await).await;
    if let Some(db) = db::postgres().await {
        run_state_check(db).await;
    }
}
