//! The console end to end: the real binary in a pseudo-terminal, read back through a terminal
//! emulator. Load a sample file, import it in batch mode, wait for its status on screen, open the
//! Failed tab, retry one item, quit with q, then check the exit status and the database.

use crate::support::terminal::{self, Terminal};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 120;

fn start(db_url: &str, file: &Path, cwd: &Path) -> Terminal {
    start_with(db_url, file, cwd, &[])
}

fn start_with(db_url: &str, file: &Path, cwd: &Path, env: &[(&str, &str)]) -> Terminal {
    let mut cmd = terminal::batchops(db_url);
    cmd.arg(file);
    cmd.cwd(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Terminal::spawn(cmd, COLS, ROWS)
}

fn sample() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/invoice-acme-2026-11.csv");
    assert!(path.exists(), "{} is missing", path.display());
    path
}

#[test]
fn import_retry_and_quit_in_a_pseudo_terminal() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db_url = format!("sqlite:{}", dir.path().join("e2e.db").display());
    let mut console = start(&db_url, &sample(), dir.path());

    console.wait_for(
        &["invoice-acme-2026-11.csv", "ready"],
        Duration::from_secs(60),
        "the batch to be loaded",
    );
    console.keys("b");
    console.wait_for(
        &["partial_success"],
        Duration::from_secs(60),
        "the run's status",
    );
    console.keys("3");
    console.wait_for(
        &["Failed · run 1", "3 items", "quantity \"1,5\""],
        Duration::from_secs(30),
        "the failed items",
    );
    console.keys("r");
    console.wait_for(
        &["retry run 2: finished"],
        Duration::from_secs(60),
        "the retry's result",
    );
    console.keys("q");
    let status = console.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}");
    console.assert_restored();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_batchops"))
        .args(["--database-url", &db_url, "runs", "--format", "json"])
        .env_remove("DATABASE_URL")
        .output()
        .expect("batchops runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("runs as JSON");
    let runs = runs.as_array().expect("a list of runs");
    assert_eq!(runs.len(), 2, "{runs:#?}");
    let import = runs.iter().find(|r| r["id"] == 1).expect("run 1");
    assert_eq!(import["mode"], "batch");
    assert_eq!(import["status"], "partial_success");
    assert_eq!(import["items_failed"], 3);
    let retry = runs.iter().find(|r| r["id"] == 2).expect("run 2");
    assert_eq!(retry["mode"], "retry");
    assert_eq!(retry["items_total"], 1);
}

#[test]
fn a_panic_leaves_the_terminal_restored() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db_url = format!("sqlite:{}", dir.path().join("panic.db").display());
    let mut console = start_with(
        &db_url,
        &sample(),
        dir.path(),
        &[("BATCHOPS_CONSOLE_TEST_PANIC", "1")],
    );
    let status = console.wait_exit(Duration::from_secs(60));
    assert_eq!(status.exit_code(), 1, "an error exit, not an abort");
    console.assert_restored();
    console.wait_for(
        &["the console crashed"],
        Duration::from_secs(5),
        "the error message",
    );
}

#[test]
fn sigterm_leaves_the_terminal_restored() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db_url = format!("sqlite:{}", dir.path().join("term.db").display());
    let mut console = start(&db_url, &sample(), dir.path());
    console.wait_for(
        &["invoice-acme-2026-11.csv", "ready"],
        Duration::from_secs(60),
        "the batch to be loaded",
    );
    let pid = console.process_id().expect("a process id");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM sent");
    let status = console.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}");
    console.assert_restored();
}

/// A long generated batch: a rehearsal of it is still running when the test interrupts it.
fn long_batch(dir: &Path) -> PathBuf {
    let path = dir.join("long.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_batchops"))
        .args([
            "generate", "--lines", "200000", "--items", "3000", "--seed", "5", "-o",
        ])
        .arg(&path)
        .output()
        .expect("batchops generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

fn scratch_files(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .expect("the console's TMPDIR")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with("batchops-rehearsal_"))
        .collect()
}

#[test]
fn a_rehearsal_stopped_by_ctrl_c_or_sigint_leaves_no_scratch_database() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = long_batch(dir.path());
    for how in ["Ctrl-C twice", "SIGINT"] {
        let tmp = tempfile::tempdir().expect("a TMPDIR for the console");
        let db_url = format!("sqlite:{}", dir.path().join("rehearse.db").display());
        let tmp_dir = tmp.path().display().to_string();
        let mut console = start_with(&db_url, &file, dir.path(), &[("TMPDIR", &tmp_dir)]);
        console.wait_for(
            &["long.csv", "csv ", "200,000"],
            Duration::from_secs(60),
            "the batch to be read",
        );
        console.keys("5");
        console.wait_for(&["p rehearse"], Duration::from_secs(30), "the Compare tab");
        console.keys("p");
        console.wait_for(
            &["Rehearsal of", "long.csv"],
            Duration::from_secs(30),
            "the rehearsal to start",
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while scratch_files(tmp.path()).is_empty() {
            assert!(Instant::now() < deadline, "{how}: no scratch database made");
            std::thread::sleep(Duration::from_millis(20));
        }
        match how {
            // The first asks whether to quit while the rehearsal runs, the second confirms.
            "Ctrl-C twice" => {
                console.keys("\x03");
                // The question states the exit code the process returns (checked below).
                let says = format!("exits with code {}", batchops::console::EXIT_ON_QUIT);
                console.wait_for(&["Quit?", &says], Duration::from_secs(10), "the question");
                console.keys("\x03");
            }
            _ => {
                let pid = console.process_id().expect("a process id");
                nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGINT,
                )
                .expect("SIGINT sent");
            }
        }
        let status = console.wait_exit(Duration::from_secs(60));
        assert_eq!(
            status.exit_code(),
            u32::from(batchops::console::EXIT_ON_QUIT),
            "{how}: exit status {status:?}"
        );
        console.assert_restored();
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("the console's TMPDIR")
            .collect();
        assert!(left.is_empty(), "{how}: files left: {left:?}");
    }
}
