//! The console's import screen end to end: the real binary in a pseudo-terminal (80×24 and
//! 200×50) on both backends. A supplier file is shown as `batchops inspect` reads it, an option
//! is changed and the run started; an ambiguous file is shown refused with its reason, a decimal
//! convention chosen on the screen makes it land, and the settings are saved as a supplier
//! profile. Every run is checked against the inventory it must give and against the run
//! `batchops import` makes of the same file with the same flags.

use crate::support::db::{TestDb, backends, inventory_by_sku};
use crate::support::terminal::{self, Terminal};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const WINDOWS_1252: &str = "sample-data/suppliers/de-erp-windows1252.csv";
const AMBIGUOUS: &str = "sample-data/suppliers/ambiguous-thousands.csv";

fn console(db: &TestDb, config: &Path, file: &str, cols: u16, rows: u16) -> Terminal {
    let mut cmd = terminal::batchops(&db.url);
    cmd.env("BATCHOPS_CONFIG_DIR", config);
    cmd.cwd(env!("CARGO_MANIFEST_DIR"));
    cmd.arg(file);
    Terminal::spawn(cmd, cols, rows)
}

/// `batchops import` of the same file with `flags`, in the repository's directory.
fn cli_import(db: &TestDb, config: &Path, file: &str, flags: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_batchops"))
        .arg("--database-url")
        .arg(&db.url)
        .arg("import")
        .arg(file)
        .args(flags)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env("BATCHOPS_CONFIG_DIR", config)
        .output()
        .expect("run batchops import")
}

/// The body of the screen (between the tab bar and the status line): no database URL in it.
fn body(t: &Terminal, rows: u16) -> String {
    let text = t.contents();
    let lines: Vec<&str> = text.lines().collect();
    let end = usize::from(rows).saturating_sub(2).min(lines.len());
    lines[2.min(end)..end]
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// PgDn until the screen shows every one of `texts`.
fn scroll_until(t: &mut Terminal, texts: &[&str], what: &str) {
    for _ in 0..8 {
        if texts.iter().all(|x| t.contents().contains(x)) {
            return;
        }
        t.keys("\x1b[6~");
        std::thread::sleep(Duration::from_millis(150));
    }
    t.wait_for(texts, Duration::from_secs(2), what);
}

/// Quit once the job has ended (its run may be finished in the database a moment before).
fn quit(c: &mut Terminal) {
    std::thread::sleep(Duration::from_millis(500));
    c.keys("q");
    std::thread::sleep(Duration::from_millis(500));
    if c.contents().contains("Quit?") {
        c.keys("y");
    }
    let status = c.wait_exit(WAIT);
    assert!(status.success(), "{status:?}");
    c.assert_restored();
}

/// The runs, oldest first: what an operator compares between two runs of one file.
async fn outcomes(db: &TestDb) -> Vec<(String, bool, u64, u64, u64, u64)> {
    let mut rows = db.store.runs(100).await.expect("the runs");
    rows.sort_by_key(|r| r.id);
    rows.into_iter()
        .map(|r| {
            (
                r.status.to_string(),
                r.dry_run,
                r.items_processed,
                r.items_already_imported,
                r.items_failed,
                r.items_held,
            )
        })
        .collect()
}

/// Wait until `n` runs are finished (not running).
async fn finished_runs(db: &TestDb, n: usize, t: &Terminal) {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = db.store.runs(100).await.expect("the runs");
        let done = rows.iter().filter(|r| r.finished_at.is_some()).count();
        if done >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} runs finished; the screen shows:\n{}",
            done,
            t.contents()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
    pairs
        .iter()
        .map(|(s, q)| (s.to_string(), Decimal::from_str(q).unwrap()))
        .collect()
}

async fn inventory(db: &TestDb) -> BTreeMap<String, Decimal> {
    inventory_by_sku(&*db.store)
        .await
        .into_iter()
        .map(|(s, q)| (s, q.normalize()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_windows1252_supplier_file_is_shown_as_read_then_a_dry_run_and_a_live_run_start() {
    let landed = expected(&[
        ("DE-HB-840", "1200"),
        ("DE-SM-620", "2500"),
        ("DE-US-1000", "750"),
        ("DE-KA-15", "12"),
    ]);
    for (cols, rows) in SIZES {
        let dbs = backends().await;
        let twins = backends().await;
        for (db, twin) in dbs.iter().zip(&twins) {
            let ctx = format!("{} {cols}x{rows}", db.kind);
            let config = tempfile::tempdir().unwrap();
            let mut c = console(db, config.path(), WINDOWS_1252, cols, rows);
            c.wait_for(&["windows1252.csv", "ready"], WAIT, "the batch read");
            c.keys("i");
            c.wait_for(
                &["windows-1252", "semicolon", "header       row 4"],
                WAIT,
                &ctx,
            );
            insta::assert_snapshot!(
                format!("import_screen_reads_windows1252_semicolon_decimal_comma_{cols}x{rows}"),
                body(&c, rows)
            );
            scroll_until(
                &mut c,
                &["decimal comma, thousands point", "DE-HB-840", "1200"],
                "the numbers and the first rows",
            );
            // The second option: a dry run.
            c.keys("jl");
            c.wait_for(&["dry run (rolled back)", "--dry-run"], WAIT, &ctx);
            c.keys("r");
            finished_runs(db, 1, &c).await;
            assert!(
                inventory(db).await.is_empty(),
                "{ctx}: a dry run lands nothing"
            );
            // Again, live.
            c.keys("1");
            c.wait_for(&["done: success"], WAIT, &ctx);
            c.keys("i");
            c.wait_for(&["semicolon"], WAIT, &ctx);
            c.keys("r");
            finished_runs(db, 2, &c).await;
            assert_eq!(inventory(db).await, landed, "{ctx}: the oracle");
            quit(&mut c);

            // `batchops import` with the same flags makes the same runs.
            let dry = cli_import(twin, config.path(), WINDOWS_1252, &["--dry-run"]);
            assert!(dry.status.success(), "{ctx}: {dry:?}");
            let live = cli_import(twin, config.path(), WINDOWS_1252, &[]);
            assert!(live.status.success(), "{ctx}: {live:?}");
            assert_eq!(outcomes(db).await, outcomes(twin).await, "{ctx}");
            assert_eq!(inventory(twin).await, landed, "{ctx}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_file_is_shown_refused_then_a_decimal_comma_chosen_on_the_screen_lands_it_and_is_saved_as_a_profile()
 {
    let landed = expected(&[("AMB-1", "1200"), ("AMB-2", "500")]);
    for (cols, rows) in SIZES {
        let dbs = backends().await;
        let twins = backends().await;
        for (db, twin) in dbs.iter().zip(&twins) {
            let ctx = format!("{} {cols}x{rows}", db.kind);
            let config = tempfile::tempdir().unwrap();
            let mut c = console(db, config.path(), AMBIGUOUS, cols, rows);
            c.wait_for(&["ousands.csv", "unusable: the decimal mark"], WAIT, &ctx);
            c.keys("i");
            c.wait_for(&["refused:", "cannot be settled", "--decimal"], WAIT, &ctx);
            insta::assert_snapshot!(
                format!("import_screen_refuses_ambiguous_thousands_with_its_reason_{cols}x{rows}"),
                body(&c, rows)
            );
            c.keys("r");
            c.wait_for(&["not started: refused:"], WAIT, &ctx);
            // The eighth option: the decimal mark.
            c.keys("jjjjjjjl");
            c.wait_for(&["--decimal comma", "compression  none"], WAIT, &ctx);
            insta::assert_snapshot!(
                format!("import_screen_decimal_comma_chosen_reads_it_{cols}x{rows}"),
                body(&c, rows)
            );
            scroll_until(
                &mut c,
                &["settled by the setting", "AMB-1", "1200"],
                "the convention and the first rows",
            );
            c.keys("pniet-ag\r");
            c.wait_for(&["saved supplier profile niet-ag"], WAIT, &ctx);
            let toml = std::fs::read_to_string(config.path().join("profiles/niet-ag.toml"))
                .unwrap_or_else(|e| panic!("{ctx}: the profile file: {e}"));
            assert!(toml.contains("decimal = \"comma\""), "{ctx}: {toml}");
            assert!(toml.contains("delimiter = \";\""), "{ctx}: {toml}");
            c.keys("r");
            finished_runs(db, 1, &c).await;
            assert_eq!(inventory(db).await, landed, "{ctx}: the oracle");
            quit(&mut c);

            // The same flags on the command line make the same run.
            let cli = cli_import(twin, config.path(), AMBIGUOUS, &["--decimal", "comma"]);
            assert!(cli.status.success(), "{ctx}: {cli:?}");
            assert_eq!(outcomes(db).await, outcomes(twin).await, "{ctx}");
            assert_eq!(inventory(twin).await, landed, "{ctx}");
            // And the saved profile alone, picked by the file's header, reads it the same way.
            let third = backends().await;
            let by_profile = cli_import(&third[0], config.path(), AMBIGUOUS, &[]);
            assert!(by_profile.status.success(), "{ctx}: {by_profile:?}");
            let note = String::from_utf8_lossy(&by_profile.stderr);
            assert!(note.contains("supplier profile niet-ag"), "{ctx}: {note}");
            assert_eq!(inventory(&third[0]).await, landed, "{ctx}");
        }
    }
}
