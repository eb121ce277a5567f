//! The throughput benchmark: `cargo bench --bench throughput`.
//!
//! One run, one table: batch vs sequential on the same input (local and through a proxy that adds
//! a delay each way), batchops against the raw-load limit of the same rows (`psql \copy`,
//! `sqlite3 .import`), peak RSS, statements per chunk, the chunk-size curve, the cost of a 1%
//! trigger-rejection rate under both fallbacks, and console vs headless. Every figure is measured
//! in this run; nothing is extrapolated. Sizes come from environment variables (see `Config`).

#[path = "../support/proxy.rs"]
mod proxy;

use batchops::domain::{Mode, RunReport};
use batchops::engine::{
    DEFAULT_CHUNK_SIZE, EventSink, FallbackStrategy, ImportOptions, import_file,
};
use batchops::generate::{GenerateFormat, GenerateOptions, generate};
use batchops::store::{self, Store};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

struct Config {
    pg_url: Option<String>,
    small: u64,
    large: u64,
    sequential: u64,
    /// Lines of the batch/sequential comparison through the delay proxy.
    proxy_sequential: u64,
    /// Lines of the fallback case written with the item-by-item fallback (the slow one).
    fallback_sequential: u64,
    delay_ms: u64,
    chunk_sizes: Vec<usize>,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Config {
    fn from_env() -> Self {
        let pg_url = match std::env::var("BENCH_PG_URL") {
            Ok(u) if u.is_empty() || u == "none" => None,
            Ok(u) => Some(u),
            Err(_) => Some(
                std::env::var("BATCHOPS_TEST_DATABASE_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| "postgres://root@127.0.0.1:5432/test".into()),
            ),
        };
        Config {
            pg_url,
            small: env_u64("BENCH_LINES", 100_000),
            large: env_u64("BENCH_LARGE_LINES", 1_000_000),
            sequential: env_u64("BENCH_SEQUENTIAL_LINES", 20_000),
            proxy_sequential: env_u64("BENCH_PROXY_SEQUENTIAL_LINES", 5_000),
            fallback_sequential: env_u64("BENCH_FALLBACK_SEQUENTIAL_LINES", 10_000),
            delay_ms: env_u64("BENCH_DELAY_MS", 1),
            chunk_sizes: std::env::var("BENCH_CHUNK_SIZES")
                .ok()
                .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
                .unwrap_or_else(|| vec![100, 500, 1_000, 2_000, 5_000, 10_000]),
        }
    }
}

/// A database for one measurement: a fresh SQLite file or a fresh PostgreSQL schema.
struct Db {
    url: String,
    kind: &'static str,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Db {
    fn sqlite() -> Db {
        let dir = tempfile::tempdir().expect("tempdir");
        Db {
            url: format!("sqlite:{}", dir.path().join("bench.db").display()),
            kind: "sqlite",
            pg: None,
            _dir: Some(dir),
        }
    }

    fn postgres(base: &str) -> Db {
        let schema = format!(
            "bench_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        psql(
            base,
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
        );
        Db {
            url: with_schema(base, &schema),
            kind: "postgresql",
            pg: Some((base.to_string(), schema)),
            _dir: None,
        }
    }

    /// The same database reached through `addr` (the delay proxy).
    fn via(&self, addr: std::net::SocketAddr) -> String {
        self.url
            .replacen(&host_port(&self.url), &addr.to_string(), 1)
    }

    fn sql(&self, sql: &str) -> String {
        match &self.pg {
            Some((base, schema)) => psql(base, &format!("SET search_path = {schema}; {sql}")),
            None => sqlite3(self.file(), sql),
        }
    }

    fn file(&self) -> &str {
        self.url.trim_start_matches("sqlite:")
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg {
            psql(base, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// `host:port` of a PostgreSQL URL (`postgres://user@host:port/db?…`).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let hp = rest.split(['/', '?']).next().unwrap_or(rest);
    if hp.contains(':') {
        hp.to_string()
    } else {
        format!("{hp}:5432")
    }
}

/// The 1-, 5- and 15-minute load averages: the box is shared, so the table says how busy it was.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The first `lines` lines of a CSV batch, as a file of its own.
fn prefix_file(dir: &Path, path: &Path, lines: u64) -> PathBuf {
    let out = dir.join(format!("prefix-{lines}.csv"));
    let text = std::fs::read_to_string(path).expect("read batch");
    let mut kept: String = text
        .lines()
        .take(lines as usize + 1)
        .collect::<Vec<_>>()
        .join("\n");
    kept.push('\n');
    std::fs::write(&out, kept).expect("write prefix");
    out
}

fn with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn sqlite3(file: &str, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .args([file, sql])
        .output()
        .expect("sqlite3 runs");
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn batch_file(dir: &Path, lines: u64, sku_ratio: f64) -> PathBuf {
    let path = dir.join(format!("batch-{lines}-{}.csv", (sku_ratio * 100.0) as u32));
    if !path.exists() {
        let mut out = BufWriter::new(std::fs::File::create(&path).expect("create batch"));
        let opts = GenerateOptions {
            lines,
            items: 1_000,
            seed: 2026,
            format: GenerateFormat::Csv,
            sku_ratio,
            ..GenerateOptions::default()
        };
        generate(&opts, &mut out).expect("generate");
        out.flush().expect("flush");
    }
    path
}

async fn open(url: &str) -> Arc<dyn Store> {
    store::open(url).await.expect("open the database")
}

async fn run(url: &str, path: &Path, opts: &ImportOptions) -> RunReport {
    let store = open(url).await;
    let r = import_file(
        &*store,
        path,
        opts,
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
    .expect("import runs");
    store.close().await;
    r
}

fn opts(mode: Mode, chunk: usize) -> ImportOptions {
    ImportOptions {
        mode,
        chunk_size: chunk,
        ..ImportOptions::default()
    }
}

fn rate(r: &RunReport) -> f64 {
    r.items_per_second
}

/// The raw-load limit of the transaction rows of `db`: rows per second of the database's own bulk
/// loader into an identical table (same columns, defaults, CHECKs, primary key, unique key
/// `(import_key, line)` and foreign keys), and, for PostgreSQL, into the same table without its
/// foreign keys (their per-row checks are a large part of PostgreSQL's cost). Wall-clock of the
/// loader process, start-up and connection included.
struct RawLoad {
    identical: f64,
    without_fks: Option<f64>,
}

fn raw_load(db: &Db, dir: &Path) -> Option<RawLoad> {
    let csv = dir.join(format!("rows-{}.csv", db.kind));
    match &db.pg {
        Some((base, schema)) => {
            if !have("psql") {
                return None;
            }
            let url = with_schema(base, schema);
            psql(
                &url,
                &format!(
                    "\\copy (SELECT run_id, import_key, line, item_id, quantity, unit_cost, operator FROM transactions ORDER BY id) TO '{}' CSV",
                    csv.display()
                ),
            );
            let fks = psql(
                &url,
                "SELECT string_agg('ADD ' || pg_get_constraintdef(oid), ', ') FROM pg_constraint \
                 WHERE conrelid = 'transactions'::regclass AND contype = 'f'",
            );
            psql(
                &url,
                "CREATE TABLE raw_rows (LIKE transactions INCLUDING ALL); \
                 CREATE TABLE raw_rows_no_fk (LIKE transactions INCLUDING ALL)",
            );
            if !fks.is_empty() {
                psql(&url, &format!("ALTER TABLE raw_rows {fks}"));
            }
            let rows: f64 = psql(&url, "SELECT COUNT(*) FROM transactions")
                .parse()
                .ok()?;
            let rate = |table: &str| {
                let start = Instant::now();
                psql(
                    &url,
                    &format!(
                        "\\copy {table} (run_id, import_key, line, item_id, quantity, unit_cost, operator) FROM '{}' CSV",
                        csv.display()
                    ),
                );
                rows / start.elapsed().as_secs_f64()
            };
            let identical = rate("raw_rows");
            let without_fks = Some(rate("raw_rows_no_fk"));
            Some(RawLoad {
                identical,
                without_fks,
            })
        }
        None => {
            if !have("sqlite3") {
                return None;
            }
            let out = Command::new("sqlite3")
                .args(["-csv", db.file(), "SELECT * FROM transactions ORDER BY id"])
                .stdout(std::fs::File::create(&csv).ok()?)
                .status()
                .ok()?;
            assert!(out.success());
            // The same DDL under another name, in the same database so that its foreign keys
            // point at the real items and runs (and are enforced, as batchops enforces them).
            let schema = sqlite3(
                db.file(),
                "SELECT sql FROM sqlite_master WHERE name = 'transactions'",
            );
            let schema = schema.replacen("transactions", "raw_rows", 1);
            let indexes = sqlite3(
                db.file(),
                "SELECT group_concat(replace(sql, ' ON transactions', ' ON raw_rows'), '; ') \
                 FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL",
            );
            sqlite3(db.file(), &format!("{schema}; {indexes};"));
            let rows: f64 = sqlite3(db.file(), "SELECT COUNT(*) FROM transactions")
                .parse()
                .ok()?;
            let start = Instant::now();
            let st = Command::new("sqlite3")
                .args([
                    db.file(),
                    "-cmd",
                    "PRAGMA synchronous=NORMAL",
                    "-cmd",
                    "PRAGMA foreign_keys=ON",
                    &format!(".import --csv {} raw_rows", csv.display()),
                ])
                .status()
                .ok()?;
            let secs = start.elapsed().as_secs_f64();
            assert!(st.success());
            let loaded: f64 = sqlite3(db.file(), "SELECT COUNT(*) FROM raw_rows")
                .parse()
                .ok()?;
            assert_eq!(loaded, rows, "sqlite3 .import loaded every row");
            Some(RawLoad {
                identical: rows / secs,
                without_fks: None,
            })
        }
    }
}

/// Run the release binary headless and return (items/s, peak RSS in MiB) — RSS read from
/// `/proc/<pid>/status` (VmHWM) while it runs.
fn headless(url: &str, path: &Path) -> (f64, f64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchops"))
        .args(["--database-url", url, "import", "--format", "json"])
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn batchops");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kib: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak_kib = peak_kib.max(kib);
                }
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let json = reader.join().expect("reader");
    let report: serde_json::Value = serde_json::from_str(&json).expect("a JSON report");
    (
        report["items_per_second"].as_f64().unwrap_or(0.0),
        peak_kib as f64 / 1024.0,
    )
}

/// Run the console on `path` (`--start batch`) in a pseudo-terminal, wait for the run to finish,
/// quit, and return the run's items/s from the history.
async fn console(url: &str, path: &Path) -> Option<f64> {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .ok()?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_batchops"));
    cmd.args(["--database-url", url, "console", "--start", "batch"]);
    cmd.arg(path);
    cmd.env("TERM", "xterm-256color");
    let mut child = pty.slave.spawn_command(cmd).ok()?;
    drop(pty.slave);
    // Drain the screen so the console never blocks on a full pty buffer.
    let mut reader = pty.master.try_clone_reader().ok()?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    });
    let mut writer = pty.master.take_writer().ok()?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let store = loop {
        if let Ok(s) = store::open(url).await {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let report = loop {
        if Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        if let Ok(runs) = store.runs(1).await
            && let Some(r) = runs.first()
            && let Some(report) = &r.report
        {
            break report.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Quit: `q` asks first while the console still counts the run as active (it hears of the end
    // a moment after the report is stored), so close that question (Esc) and ask again until it
    // exits; a console that will not quit is killed.
    let quit_by = Instant::now() + Duration::from_secs(30);
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        if Instant::now() > quit_by {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        let _ = writer.write_all(b"\x1b");
        let _ = writer.flush();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = writer.write_all(b"q");
        let _ = writer.flush();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    Some(report.items_per_second)
}

fn pct(a: f64, b: Option<f64>) -> String {
    match b {
        Some(b) if b > 0.0 => format!("{:.0}%", a / b * 100.0),
        _ => "n/a".into(),
    }
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench());
}

async fn bench() {
    let cfg = Config::from_env();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let started = Instant::now();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "batchops throughput benchmark · {cores} cores · release build · every figure measured in this run"
    );
    println!(
        "sizes: {} lines (BENCH_LINES), {} lines (BENCH_LARGE_LINES), batch vs sequential on {} lines (BENCH_SEQUENTIAL_LINES),\n  {} through the proxy (BENCH_PROXY_SEQUENTIAL_LINES), proxy delay {} ms each way (BENCH_DELAY_MS), default chunk {}",
        cfg.small,
        cfg.large,
        cfg.sequential,
        cfg.proxy_sequential,
        cfg.delay_ms,
        DEFAULT_CHUNK_SIZE
    );
    println!("load average at start: {}\n", load());
    let mut cfg = cfg;
    if let Some(url) = &cfg.pg_url
        && !(have("psql")
            && Command::new("psql")
                .args([url.as_str(), "-qAtX", "-c", "SELECT 1"])
                .output()
                .is_ok_and(|o| o.status.success()))
    {
        println!(
            "PostgreSQL at {} is not reachable with psql: its rows are skipped (set BENCH_PG_URL)\n",
            store::redact_url(url)
        );
        cfg.pg_url = None;
    }
    let cfg = cfg;
    let mut backends: Vec<&'static str> = vec!["sqlite"];
    if cfg.pg_url.is_some() {
        backends.push("postgresql");
    }
    let new_db = |kind: &str| match kind {
        "sqlite" => Db::sqlite(),
        _ => Db::postgres(cfg.pg_url.as_deref().expect("pg url")),
    };

    // 1. batch vs sequential on the same input.
    println!(
        "1. batch vs sequential, the same input for both, a fresh database each (local: best of 2 alternating runs)"
    );
    println!(
        "   {:<34} {:>8} {:>14} {:>18} {:>9}",
        "backend", "lines", "batch items/s", "sequential items/s", "ratio"
    );
    let mut modes: Vec<(String, &'static str, Option<u64>, u64)> = backends
        .iter()
        .map(|b| (b.to_string(), *b, None, cfg.sequential))
        .collect();
    if cfg.pg_url.is_some() {
        modes.push((
            format!("postgresql +{} ms each way", cfg.delay_ms),
            "postgresql",
            Some(cfg.delay_ms),
            cfg.proxy_sequential,
        ));
    }
    for (label, kind, delay, lines) in &modes {
        let seq_file = batch_file(dir, *lines, 0.8);
        // Local runs twice, alternating, the better of each counts (the box is shared); the
        // slow proxy runs once.
        let rounds = if delay.is_some() { 1 } else { 2 };
        let mut rates = [0.0f64; 2];
        for (i, mode) in std::iter::repeat_n([Mode::Batch, Mode::Sequential], rounds)
            .flatten()
            .enumerate()
        {
            let db = new_db(kind);
            let (url, _proxy) = match delay {
                Some(ms) => {
                    let upstream = tokio::net::lookup_host(host_port(&db.url))
                        .await
                        .ok()
                        .and_then(|mut a| a.next())
                        .expect("the PostgreSQL address");
                    let p = proxy::Proxy::start(upstream, Duration::from_millis(*ms))
                        .await
                        .expect("proxy");
                    (db.via(p.addr), Some(p))
                }
                None => (db.url.clone(), None),
            };
            // Migrations first, outside the measurement.
            open(&url).await.close().await;
            let r = rate(&run(&url, &seq_file, &opts(mode, DEFAULT_CHUNK_SIZE)).await);
            rates[i % 2] = rates[i % 2].max(r);
        }
        println!(
            "   {:<34} {:>8} {:>14.0} {:>18.0} {:>8.1}×",
            label,
            lines,
            rates[0],
            rates[1],
            rates[0] / rates[1]
        );
    }

    // 2. against the raw-load limit, 3. peak RSS, 4. statements per chunk.
    println!(
        "\n2. batch import vs the raw load of the same rows into an identical table with the same key"
    );
    println!(
        "   {:<12} {:>10} {:>14} {:>14} {:>9} {:>14} {:>9} {:>13}",
        "backend",
        "lines",
        "batch items/s",
        "raw rows/s",
        "of raw",
        "raw no FKs",
        "of it",
        "peak RSS MiB"
    );
    let mut steady = Vec::new();
    for kind in &backends {
        for lines in [cfg.small, cfg.large] {
            let file = batch_file(dir, lines, 0.8);
            let db = new_db(kind);
            open(&db.url).await.close().await;
            let (items_s, rss) = headless(&db.url, &file);
            let raw = raw_load(&db, dir);
            let identical = raw.as_ref().map(|r| r.identical);
            let without_fks = raw.as_ref().and_then(|r| r.without_fks);
            let show = |r: Option<f64>| r.map_or_else(|| "n/a".into(), |r| format!("{r:.0}"));
            println!(
                "   {:<12} {:>10} {:>14.0} {:>14} {:>9} {:>14} {:>9} {:>13.1}",
                kind,
                lines,
                items_s,
                show(identical),
                pct(items_s, identical),
                show(without_fks),
                pct(items_s, without_fks),
                rss
            );
            if lines == cfg.small {
                // Steady state: the same file again under a new key (items exist, rows are new).
                let again = run(
                    &db.url,
                    &file,
                    &ImportOptions {
                        import_key: Some("steady".into()),
                        ..opts(Mode::Batch, DEFAULT_CHUNK_SIZE)
                    },
                )
                .await;
                let data: u64 = again.phases.iter().map(|p| p.statements).sum();
                steady.push((
                    kind.to_string(),
                    data as f64 / again.chunks_committed.max(1) as f64,
                    again.statements_executed,
                    again.chunks_committed,
                ));
            }
        }
    }
    println!(
        "   (batch: items/s of the `batchops import` process's report; raw: wall-clock of `psql \\copy` / `sqlite3 .import`\n    of the same rows into an identical table: same columns, CHECKs, keys and foreign keys; \"raw no FKs\": PostgreSQL\n    without the foreign keys; n/a when the tool is not installed; peak RSS: VmHWM of the import process)"
    );
    println!(
        "\n3. statements per chunk in the steady state (chunk {DEFAULT_CHUNK_SIZE}, items known, rows new)"
    );
    for (kind, per_chunk, total, chunks) in &steady {
        println!(
            "   {kind:<12} {per_chunk:.2} statements per chunk ({total} statements, {chunks} chunks)"
        );
    }

    // 5. chunk-size curve.
    println!("\n4. chunk-size curve, {} lines, batch items/s", cfg.small);
    print!("   {:<12}", "backend");
    for c in &cfg.chunk_sizes {
        print!(" {:>10}", c);
    }
    println!();
    let file = batch_file(dir, cfg.small, 0.8);
    for kind in &backends {
        print!("   {:<12}", kind);
        for c in &cfg.chunk_sizes {
            let db = new_db(kind);
            open(&db.url).await.close().await;
            let r = run(&db.url, &file, &opts(Mode::Batch, *c)).await;
            print!(" {:>10.0}", rate(&r));
            let _ = std::io::stdout().flush();
        }
        println!();
    }

    // 6. fallback under a 1% rejection rate.
    let fallback_seq_lines = cfg.fallback_sequential.min(cfg.small);
    println!(
        "\n5. {} lines, 1% rejected by a trigger (line % 100 = 7: every chunk holds bad lines), chunk {DEFAULT_CHUNK_SIZE}, items/s\n   (no rule and bisect: best of 2 alternating runs)",
        cfg.small
    );
    println!(
        "   {:<12} {:>12} {:>12} {:>12} {:>25}",
        "backend",
        "no rule",
        "bisect",
        "bisect/none",
        format!("item by item, {fallback_seq_lines} lines")
    );
    let file = batch_file(dir, cfg.small, 0.8);
    let seq_part = prefix_file(dir, &file, fallback_seq_lines);
    for kind in &backends {
        // No rule and bisect twice, alternating, the better of each counts; item by item once.
        let mut rates = [0.0f64; 3];
        for (slot, fallback, path, lines) in [
            (0, None, &file, cfg.small),
            (1, Some(FallbackStrategy::Bisect), &file, cfg.small),
            (0, None, &file, cfg.small),
            (1, Some(FallbackStrategy::Bisect), &file, cfg.small),
            (
                2,
                Some(FallbackStrategy::Sequential),
                &seq_part,
                fallback_seq_lines,
            ),
        ] {
            let db = new_db(kind);
            open(&db.url).await.close().await;
            if fallback.is_some() {
                // The rule's condition is the trigger's WHEN clause, so a good row costs the rule
                // nothing and the figures compare the fallback, not the rule's per-row price.
                if db.pg.is_some() {
                    db.sql("CREATE FUNCTION reject_some() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'line % rejected by rule', NEW.line; END $$; CREATE TRIGGER reject_some BEFORE INSERT ON transactions FOR EACH ROW WHEN (NEW.line % 100 = 7) EXECUTE FUNCTION reject_some();");
                } else {
                    db.sql("CREATE TRIGGER reject_some BEFORE INSERT ON transactions WHEN NEW.line % 100 = 7 BEGIN SELECT RAISE(ABORT, 'rejected by rule'); END;");
                }
            }
            let r = run(
                &db.url,
                path,
                &ImportOptions {
                    fallback: fallback.unwrap_or_default(),
                    ..opts(Mode::Batch, DEFAULT_CHUNK_SIZE)
                },
            )
            .await;
            if fallback.is_some() {
                assert_eq!(
                    r.items_failed,
                    (lines + 93) / 100,
                    "the rule rejects 1% of lines"
                );
            }
            rates[slot] = rates[slot].max(rate(&r));
        }
        println!(
            "   {:<12} {:>12.0} {:>12.0} {:>11.0}% {:>25.0}",
            kind,
            rates[0],
            rates[1],
            rates[1] / rates[0] * 100.0,
            rates[2],
        );
    }

    // 7. console vs headless.
    println!(
        "\n6. console vs headless, the same {}-line import, batch items/s (each run 3 times, alternating,\n   a fresh database each; the better run of each side counts)",
        cfg.small
    );
    let file = batch_file(dir, cfg.small, 0.8);
    for kind in &backends {
        let (mut headless_rate, mut console_rate) = (0.0f64, None::<f64>);
        for _ in 0..3 {
            let db = new_db(kind);
            open(&db.url).await.close().await;
            headless_rate = headless_rate.max(headless(&db.url, &file).0);
            let db = new_db(kind);
            open(&db.url).await.close().await;
            if let Some(c) = console(&db.url, &file).await {
                console_rate = Some(console_rate.map_or(c, |best| best.max(c)));
            }
        }
        match console_rate {
            Some(c) => println!(
                "   {kind:<12} headless {headless_rate:.0} · console {c:.0} · console/headless {:.0}%",
                c / headless_rate * 100.0
            ),
            None => {
                println!("   {kind:<12} headless {headless_rate:.0} · console run did not finish")
            }
        }
    }
    println!("\nload average at the end: {}", load());
    println!("\nbenchmark took {:.0} s", started.elapsed().as_secs_f64());
}
