//! A run reads exactly what its identity covers, and what is not a file is spooled or refused; a
//! database password never shows: a file appended to, rewritten or cut short while it is read, and
//! an attack corpus (FIFOs with and without a writer, process substitution, standard input,
//! `/dev/zero`, a directory, keyword/value connection strings): every run of the binary is bounded
//! by a time limit, so a hang fails the test instead of stalling it.

use crate::support::db::{self, TestDb};
use crate::support::files::write_file;
use batchops::domain::{RunReport, RunStatus};
use batchops::engine::{EventSink, ImportOptions, ProgressEvent, import_file};
use serde_json::Value;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const HEADER: &str = "sku,description,quantity,unit_price\n";

/// The longest any run of the binary may take here.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// `lines` CSV lines `SKU-<n % 50>,Item,1,2`: every line adds 1 to its item.
fn csv_lines(lines: usize) -> String {
    let mut csv = String::from(HEADER);
    for i in 0..lines {
        csv.push_str(&format!("SKU-{:02},Item {:02},1,2\n", i % 50, i % 50));
    }
    csv
}

/// Sum of all quantities in the inventory, and the quantity of `sku` (0 when absent).
async fn totals(db: &TestDb, sku: &str) -> (i64, String) {
    let rows = db.store.inventory().await.unwrap();
    let total: rust_decimal::Decimal = rows.iter().map(|r| r.quantity).sum();
    let of_sku = rows
        .iter()
        .find(|r| r.sku == sku)
        .map_or("0".to_string(), |r| r.quantity.to_string());
    (i64::try_from(total.trunc().mantissa()).unwrap(), of_sku)
}

/// Import `path` with chunks of 100 lines; `during` runs once, on another task, as soon as the
/// first chunk committed — while the reader is at most a few chunks (the mapping thread's channel,
/// the writes in flight) and a read buffer, well under 200 KiB, into a file of about 2 MB: it
/// cannot have reached the end (nor line 50,000).
async fn import_while(
    db: &TestDb,
    path: &Path,
    during: impl FnOnce() + Send + 'static,
) -> RunReport {
    let (sink, mut rx) = EventSink::channel();
    let listener = tokio::spawn(async move {
        let mut during = Some(during);
        while let Some(event) = rx.recv().await {
            if let ProgressEvent::ChunkCommitted { .. } = event
                && let Some(f) = during.take()
            {
                f();
            }
        }
        assert!(during.is_none(), "no chunk committed");
    });
    let opts = ImportOptions {
        chunk_size: 100,
        ..ImportOptions::default()
    };
    let report = import_file(&*db.store, path, &opts, &sink, &CancellationToken::new())
        .await
        .expect("the import runs");
    drop(sink);
    listener.await.unwrap();
    report
}

const LINES: usize = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_appended_to_while_it_is_read_lands_only_the_lines_its_key_covers() {
    for db in db::backends().await {
        let (_dir, path) = write_file("growing.csv", &csv_lines(LINES));
        let appended = path.clone();
        let report = import_while(&db, &path, move || {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&appended)
                .unwrap();
            f.write_all(b"GROW-1,grown,3,1\nGROW-1,grown,3,1\nGROW-1,grown,3,1\n")
                .unwrap();
        })
        .await;
        let kind = db.kind;
        assert_eq!(report.status, RunStatus::Failed, "{kind}: {report:?}");
        assert_eq!(report.exit_code(), 1, "{kind}");
        let reason = report.stop_reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("growing.csv grew while it was read")
                && reason.contains("the lines added later were not imported"),
            "{kind}: {reason}"
        );
        assert_eq!(report.items_total, LINES as u64, "{kind}");
        assert_eq!(report.items_processed, LINES as u64, "{kind}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            LINES as i64,
            "{kind}: exactly the hashed lines landed"
        );
        assert_eq!(
            totals(&db, "GROW-1").await,
            (LINES as i64, "0".into()),
            "{kind}"
        );
        // The grown file is another batch: another key (what it does then is the overlap check's).
        let grown = batchops::input::inspect(&path, None).unwrap();
        assert_ne!(grown.sha256, report.import_key, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_rewritten_while_it_is_read_is_reported_and_its_run_fails() {
    for db in db::backends().await {
        let (_dir, path) = write_file("rewritten.csv", &csv_lines(LINES));
        let rewritten = path.clone();
        // Line 50,000's quantity 1 becomes 9, in place: same size, other bytes.
        let at =
            (HEADER.len() + 49_999 * "SKU-00,Item 00,1,2\n".len() + "SKU-49,Item 49,".len()) as u64;
        let report = import_while(&db, &path, move || {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&rewritten)
                .unwrap();
            f.seek(SeekFrom::Start(at)).unwrap();
            f.write_all(b"9").unwrap();
        })
        .await;
        let kind = db.kind;
        assert_eq!(report.status, RunStatus::Failed, "{kind}: {report:?}");
        let reason = report.stop_reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("rewritten.csv changed while it was read")
                && reason.contains("no longer the ones its import key describes"),
            "{kind}: {reason}"
        );
        assert_eq!(report.items_total, LINES as u64, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_cut_short_while_it_is_read_is_reported_and_its_run_fails() {
    for db in db::backends().await {
        let csv = csv_lines(LINES);
        let (_dir, path) = write_file("cut.csv", &csv);
        let cut = path.clone();
        let half = (HEADER.len() + LINES / 2 * "SKU-00,Item 00,1,2\n".len()) as u64;
        let report = import_while(&db, &path, move || {
            let f = std::fs::OpenOptions::new().write(true).open(&cut).unwrap();
            f.set_len(half).unwrap();
        })
        .await;
        let kind = db.kind;
        assert_eq!(report.status, RunStatus::Failed, "{kind}: {report:?}");
        let reason = report.stop_reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains(&format!(
                "cut.csv changed while it was read: it ended after {half} of the {} bytes",
                csv.len()
            )),
            "{kind}: {reason}"
        );
        assert_eq!(report.items_total, LINES as u64 / 2, "{kind}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            LINES as i64 / 2,
            "{kind}"
        );
    }
}

#[tokio::test]
async fn a_file_read_to_its_end_unchanged_reports_no_change() {
    for db in db::backends().await {
        let (_dir, path) = write_file("still.csv", &csv_lines(1_000));
        let report = import_while(&db, &path, || {}).await;
        assert_eq!(report.status, RunStatus::Success, "{}: {report:?}", db.kind);
        assert_eq!(report.stop_reason, None, "{}", db.kind);
    }
}

// ---------------------------------------------------------------------------------------------
// The binary, bounded in time

/// One finished run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    seconds: f64,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Run `cmd` (its output into files, its stdin as set up by the caller), killing it and failing
/// the test if it is still running after [`TIME_LIMIT`].
fn bounded(mut cmd: Command, what: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    cmd.stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .env("NO_COLOR", "1");
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {TIME_LIMIT:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: status
            .code()
            .unwrap_or_else(|| panic!("{what}: killed by a signal")),
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
        seconds: started.elapsed().as_secs_f64(),
    };
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    run
}

fn batchops(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchops"));
    cmd.arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    cmd
}

/// How many runs the database holds.
fn runs(url: &str) -> usize {
    let run = bounded(batchops(url, &["runs", "--format", "json"]), "runs");
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json().as_array().unwrap().len()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

/// Write `content` into the FIFO at `path` from a thread (its open waits for the reader).
fn fifo_writer(path: &Path, content: String) -> std::thread::JoinHandle<()> {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        w.write_all(content.as_bytes()).unwrap();
    })
}

/// `import --format json ARGS` must land `lines` lines under the source `source`.
fn assert_landed(run: &Run, source: &str, lines: u64, what: &str) {
    assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["status"], "success", "{what}: {report}");
    assert_eq!(report["items_processed"], lines, "{what}: {report}");
    assert_eq!(report["source"], source, "{what}: {report}");
}

#[tokio::test]
async fn a_fifo_with_a_writer_is_read_once_and_imported_on_every_backend() {
    for db in db::backends().await {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("batch.csv");
        mkfifo(&fifo);
        let writer = fifo_writer(&fifo, csv_lines(5_000));
        let fifo_arg = fifo.to_str().unwrap();
        let run = bounded(
            batchops(&db.url, &["import", "--format", "json", fifo_arg]),
            "a FIFO with a writer",
        );
        writer.join().unwrap();
        assert_landed(&run, fifo_arg, 5_000, db.kind);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 5_000);
    }
}

#[tokio::test]
async fn a_fifo_without_a_writer_is_refused_after_the_wait_and_nothing_lands() {
    for db in db::backends().await {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("nobody.csv");
        mkfifo(&fifo);
        let mut cmd = batchops(&db.url, &["import", fifo.to_str().unwrap()]);
        cmd.env("BATCHOPS_PIPE_WAIT", "1");
        let run = bounded(cmd, "a FIFO without a writer");
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "{}: nothing arrived within 1 s: is anything writing to it?",
                fifo.display()
            )) && run.stderr.contains("nothing was imported"),
            "{}",
            run.stderr
        );
        assert!(run.seconds < 30.0, "{}", run.seconds);
        assert_eq!(runs(&db.url), 0, "{}", db.kind);
    }
}

#[tokio::test]
async fn process_substitution_is_spooled_and_imported_under_its_path() {
    for db in db::backends().await {
        let script = format!(
            "exec '{}' --database-url \"$URL\" import --format json --format-in csv \
             <(printf '{}A-1,first,2,1\\nA-2,second,3,1\\n')",
            env!("CARGO_BIN_EXE_batchops"),
            HEADER.trim_end().to_string() + "\\n"
        );
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(script)
            .env("URL", &db.url)
            .stdin(Stdio::null());
        let run = bounded(cmd, "process substitution");
        assert_eq!(run.code, 0, "{}: {}", db.kind, run.stderr);
        let report = run.json();
        assert_eq!(report["items_processed"], 2, "{report}");
        assert!(
            report["source"].as_str().unwrap().starts_with("/dev/fd/"),
            "{report}"
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM transactions").await, 2);
    }
}

#[tokio::test]
async fn standard_input_is_spooled_and_imported_as_dash() {
    for db in db::backends().await {
        let mut cmd = batchops(
            &db.url,
            &["import", "--format", "json", "--format-in", "csv", "-"],
        );
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, csv_lines(3)).unwrap();
        cmd.stdin(std::fs::File::open(&input).unwrap());
        let run = bounded(cmd, "standard input");
        assert_landed(&run, "-", 3, db.kind);
    }
}

#[test]
fn the_spool_leaves_no_file_behind_even_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let left_in_tmp = || std::fs::read_dir(&tmp).unwrap().count();

    let input = dir.path().join("in.csv");
    std::fs::write(&input, csv_lines(10)).unwrap();
    let mut cmd = batchops(
        &url,
        &["import", "--format", "json", "--format-in", "csv", "-"],
    );
    cmd.env("TMPDIR", &tmp)
        .stdin(std::fs::File::open(&input).unwrap());
    assert_landed(&bounded(cmd, "standard input"), "-", 10, "standard input");
    assert_eq!(left_in_tmp(), 0, "after a run that ended");

    // Killed while it spools a FIFO whose writer sent a part and waits.
    let fifo = dir.path().join("slow.csv");
    mkfifo(&fifo);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            w.write_all(csv_lines(1_000).as_bytes()).unwrap();
            let _ = done_rx.recv();
        })
    };
    let mut child = batchops(&url, &["import", fifo.to_str().unwrap()])
        .env("TMPDIR", &tmp)
        .env("BATCHOPS_PIPE_WAIT", "60")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(child.try_wait().unwrap().is_none(), "still spooling");
    assert_eq!(
        left_in_tmp(),
        0,
        "the spool has no name, even while it is written"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = done_tx.send(());
    writer.join().unwrap();
    assert_eq!(left_in_tmp(), 0, "after a kill");
    assert_eq!(runs(&url), 1, "only the standard input's run");
}

#[test]
fn a_pipe_over_the_spool_limit_lands_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let script = format!(
        "yes 'A-1,x,1,2' | head -c 100000 | '{}' --database-url \"$URL\" import --format-in csv -",
        env!("CARGO_BIN_EXE_batchops")
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .env("URL", &url)
        .env("BATCHOPS_SPOOL_LIMIT", "10K")
        .stdin(Stdio::null());
    let run = bounded(cmd, "a pipe over the limit");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("-: brings more than 10240 bytes, the most batchops reads from a pipe"),
        "{}",
        run.stderr
    );
    assert_eq!(runs(&url), 0);
}

#[test]
fn devices_and_directories_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let dir_path = dir.path().to_str().unwrap().to_string();
    for (args, expected) in [
        (
            vec!["/dev/zero"],
            "/dev/zero: is a device, not a batch file",
        ),
        (
            vec!["--format-in", "csv", "/dev/zero"],
            "/dev/zero: is a device, not a batch file",
        ),
        (
            vec!["--format-in", "jsonl", "/dev/null"],
            "/dev/null: is a device, not a batch file",
        ),
        (
            vec!["--format-in", "csv", dir_path.as_str()],
            "is a directory, not a batch file",
        ),
    ] {
        let mut all = vec!["import"];
        all.extend(args.iter().copied());
        let run = bounded(batchops(&url, &all), &format!("import {args:?}"));
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.seconds < 10.0, "{args:?}: {} s", run.seconds);
    }
    assert_eq!(runs(&url), 0);
}

#[tokio::test]
async fn exponent_quantities_are_refused_with_line_and_reason_on_every_backend() {
    for db in db::backends().await {
        let (_dir, path) = write_file(
            "excel.csv",
            &format!("{HEADER}A-1,x,1E3,2\nA-2,y,1e-2,2\nA-3,z,4,2\n"),
        );
        let run = bounded(
            batchops(
                &db.url,
                &["import", "--format", "json", path.to_str().unwrap()],
            ),
            "exponent quantities",
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        let report = run.json();
        let failed: Vec<(u64, String)> = report["failed_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["error"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(failed.len(), 2, "{report}");
        assert_eq!(failed[0].0, 1);
        assert!(
            failed[0]
                .1
                .starts_with("quantity \"1E3\" is in exponent notation")
                && failed[0].1.contains("(1000)"),
            "{failed:?}"
        );
        assert_eq!(failed[1].0, 2);
        assert!(failed[1].1.contains("(0.01)"), "{failed:?}");
        let (total, _) = totals(&db, "A-1").await;
        assert_eq!(total, 4, "{}: only A-3 landed", db.kind);
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// The connection-string shapes tried, each with the secrets that must never show. Every one
/// points at nothing that answers (port 1, a missing directory) or is refused before connecting.
const SHAPES: &[(&str, &[&str])] = &[
    (
        "host=127.0.0.1 user=root password=S3cretK dbname=x",
        &["S3cretK"],
    ),
    (
        "host=127.0.0.1 port=1 user=root password='S3cret K\\' q' dbname=x",
        &["S3cret", "cret K", "' q"],
    ),
    ("password=S3cretK", &["S3cretK"]),
    (
        "host=127.0.0.1 password=S3c&ret#K dbname=x",
        &["S3c", "ret#K"],
    ),
    ("  PASSWORD = S3cretK host=127.0.0.1", &["S3cretK"]),
    ("host=127.0.0.1 sslpassword=S3cretK", &["S3cretK"]),
    ("postgres://root:S3cretK@127.0.0.1:1/test", &["S3cretK"]),
    (
        "postgres://root:S3cr%40etK@127.0.0.1:1/test",
        &["S3cr%40etK", "S3cr@etK", "S3cr"],
    ),
    ("postgres://root:pa@ss@127.0.0.1:1/test", &["pa@ss", ":pa"]),
    (
        "postgresql://root:se/cr?et@127.0.0.1:1/test",
        &["se/cr", "cr?et"],
    ),
    (
        "postgres://root@127.0.0.1:1/test?sslmode=disable&password=S3cretK",
        &["S3cretK"],
    ),
    ("postgres://root:S3cretK", &["S3cretK"]),
    ("mysql://root:S3cretK@127.0.0.1:1/db", &["S3cretK"]),
    ("root:S3cretK@127.0.0.1:1/test", &["S3cretK"]),
    ("S3cretK", &["S3cretK"]),
    (
        "sqlite:/nonexistent/dir/x.db?password=S3cretK",
        &["S3cretK"],
    ),
];

fn assert_hidden(run: &Run, shape: &str, secrets: &[&str], how: &str) {
    assert_ne!(run.code, 0, "{how} {shape:?} cannot work");
    for secret in secrets {
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains(secret),
                "{how} {shape:?}: {secret:?} shows on {stream}: {text}"
            );
        }
    }
    assert!(!run.stderr.trim().is_empty(), "{how} {shape:?}: says why");
}

#[test]
fn a_database_password_never_shows_whatever_the_connection_string() {
    for (shape, secrets) in SHAPES {
        // --database-url, with every log on.
        let mut cmd = batchops(shape, &["runs"]);
        cmd.env("RUST_LOG", "trace");
        assert_hidden(&bounded(cmd, shape), shape, secrets, "--database-url");
        // DATABASE_URL, reading no file (the database comes first).
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchops"));
        cmd.args(["import", "never-read.csv"])
            .env("DATABASE_URL", shape)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null());
        let run = bounded(cmd, shape);
        assert_hidden(&run, shape, secrets, "DATABASE_URL");
    }
}

#[test]
fn a_keyword_value_string_is_refused_with_the_url_to_write() {
    let run = bounded(
        batchops(
            "host=127.0.0.1 port=5432 user=root password=S3cretK dbname=test",
            &["runs"],
        ),
        "keyword/value",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("keyword/value connection string is not supported")
            && run
                .stderr
                .contains("postgres://root:PASSWORD@127.0.0.1:5432/test"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_test_database_url_is_redacted_when_it_does_not_answer() {
    for (shape, secrets) in SHAPES {
        let Err(message) = db::choose_pg_server(Some(shape), false, db::try_connect) else {
            panic!("{shape:?} answered");
        };
        for secret in *secrets {
            assert!(!message.contains(secret), "{shape:?}: {message}");
        }
    }
}
