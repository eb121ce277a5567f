//! How batchops fits the shell: completions and a man page, `--quiet` and `--verbose`, read-only
//! commands that never create a database, and a cancel message that states the real exit code.

use crate::support::binary::{batchops, bin, text};
use crate::support::files::sample;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn has(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_for_bash_zsh_and_fish_are_scripts_their_shell_parses() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let script = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(
            script.contains("batchops")
                && script.contains("import")
                && script.contains("database-url"),
            "{shell}: the script completes the commands and flags"
        );
        let path = dir.path().join(format!("batchops.{shell}"));
        std::fs::write(&path, &script).unwrap();
        // Each shell checks its own syntax (`-n`: parse, do not run) where it is installed.
        if ["bash", "zsh", "fish"].contains(&shell) && has(shell) {
            let check = Command::new(shell).arg("-n").arg(&path).output().unwrap();
            assert!(check.status.success(), "{shell} -n: {}", text(&check));
        }
    }
    assert!(has("bash"), "bash is needed to check the bash completions");
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(64),
        "an unknown shell: {}",
        text(&out)
    );
}

#[test]
fn the_man_page_is_roff_that_man_renders() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let page = String::from_utf8(out.stdout).expect("UTF-8");
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH line: {page}"));
    assert!(th.starts_with(".TH batchops"), "{th}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(page.contains(section), "{section} missing");
    }
    assert!(page.contains("completions") && page.contains("config"));
    if has("groff") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batchops.1");
        std::fs::write(&path, &page).unwrap();
        let rendered = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(rendered.status.success(), "{}", text(&rendered));
        let shown = String::from_utf8_lossy(&rendered.stdout);
        assert!(shown.contains("batchops"), "{shown}");
        assert!(
            rendered.stderr.is_empty(),
            "groff warns: {}",
            String::from_utf8_lossy(&rendered.stderr)
        );
    }
}

#[test]
fn read_only_commands_never_create_a_missing_sqlite_database() {
    let commands: &[&[&str]] = &[
        &["runs"],
        &["inventory"],
        &["failed", "1"],
        &["failed", "1", "--format", "csv"],
        &["corrections"],
        &["review", "list"],
        &["review", "list", "--all"],
        &["review", "show", "1"],
        &["aliases", "list"],
        &["aliases", "check"],
    ];
    for args in commands {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("missing.db");
        let url = format!("sqlite:{}", db.display());
        let out = batchops(&url, args);
        let what = args.join(" ");
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("there is no database file {}", db.display())),
            "{what}: the error names the file: {err}"
        );
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{what}: files made: {left:?}");
    }
    // A command that writes still creates it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let out = batchops(
        &format!("sqlite:{}", db.display()),
        &["import", &sample("invoice-acme-2026-11.csv")],
    );
    assert!(db.exists(), "import creates the database: {}", text(&out));
    // And once it exists, the read-only commands read it.
    let runs = batchops(&format!("sqlite:{}", db.display()), &["runs"]);
    assert!(runs.status.success(), "{}", text(&runs));
}

#[test]
fn quiet_leaves_only_the_result_and_verbose_adds_progress_lines() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("q.db").display());
    let file = sample("invoice-acme-2026-11.csv");
    let normal = batchops(&url, &["import", "--format", "json", &file]);
    let code = normal.status.code();
    assert!(matches!(code, Some(0..=3)), "{}", text(&normal));
    // Asking to retry a line that did not fail: notes on stderr say so.
    let retry = batchops(&url, &["retry", "1", "--line", "999"]);
    let retry_quiet = batchops(&url, &["--quiet", "retry", "1", "--line", "999"]);
    assert!(
        String::from_utf8_lossy(&retry.stderr).contains("nothing to retry"),
        "{}",
        text(&retry)
    );
    assert!(
        retry_quiet.stderr.is_empty(),
        "--quiet: {}",
        text(&retry_quiet)
    );
    assert_eq!(retry_quiet.status.code(), retry.status.code());
    // The result stays, and so do errors.
    let quiet_runs = batchops(&url, &["-q", "runs", "--format", "json"]);
    assert_eq!(
        quiet_runs.stdout,
        batchops(&url, &["runs", "--format", "json"]).stdout
    );
    let quiet_error = batchops(&url, &["-q", "revert", "99"]);
    assert_eq!(quiet_error.status.code(), Some(1), "{}", text(&quiet_error));
    assert!(
        String::from_utf8_lossy(&quiet_error.stderr).contains("error:"),
        "{}",
        text(&quiet_error)
    );
    let both = batchops(&url, &["-q", "-v", "runs"]);
    assert_eq!(both.status.code(), Some(64), "{}", text(&both));

    // No terminal on stderr: no progress without --verbose, a line per step with it.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("v.db").display());
    let plain = batchops(&url, &["import", "--format", "json", &file]);
    let plain_err = String::from_utf8_lossy(&plain.stderr);
    assert!(!plain_err.contains("started"), "{plain_err}");
    assert!(
        !plain_err.contains('\r') && !plain_err.contains('\x1b'),
        "{plain_err:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("v.db").display());
    let verbose = batchops(&url, &["-v", "import", "--format", "json", &file]);
    assert_eq!(verbose.status.code(), plain.status.code());
    let err = String::from_utf8_lossy(&verbose.stderr);
    assert!(err.contains("run 1 started"), "{err}");
    assert!(
        err.contains("mapping done:") && err.contains("lines in"),
        "{err}"
    );
    assert!(err.contains("run 1 finished:"), "{err}");
    assert!(
        err.contains("INFO") && err.contains("opening the database"),
        "{err}"
    );
    assert!(
        !err.contains('\r') && !err.contains('\x1b'),
        "no bar: {err:?}"
    );
    assert!(err.lines().count() > plain_err.lines().count());
}

/// A batch long enough to be interrupted mid-way.
fn long_batch(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("long.csv");
    let out = bin()
        .args([
            "generate", "--lines", "300000", "--items", "3000", "--seed", "9", "-o",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    path
}

#[test]
fn ctrl_c_during_an_import_says_the_exit_code_the_process_returns() {
    let dir = tempfile::tempdir().unwrap();
    let file = long_batch(dir.path());
    let db = dir.path().join("c.db");
    let url = format!("sqlite:{}", db.display());
    let mut child = bin()
        .args(["--database-url", &url, "import", "--chunk-size", "500"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run has landed lines.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the import landed nothing");
        if db.exists() {
            let runs = batchops(&url, &["runs", "--format", "json"]);
            let rows: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap_or_default();
            if rows[0]["status"] == "running" {
                // Let it land a few chunks.
                std::thread::sleep(Duration::from_millis(300));
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT sent");
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let said: i32 = err
        .split("exits with code ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the message states an exit code: {err}"));
    assert_eq!(status.code(), Some(said), "{err}");
    let runs = batchops(&url, &["runs", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(rows[0]["status"], "cancelled", "{rows}");
}
