//! The throughput benchmark: `cargo bench --bench throughput`.
//!
//! One run, one table: batch vs sequential on the same input (local and through a proxy that adds
//! a delay each way), batchops against the raw-load limit of the same rows (`psql \copy`,
//! `sqlite3 .import`), peak RSS, statements per chunk, the chunk-size curve, the cost of a 1%
//! trigger-rejection rate under both fallbacks, and console vs headless. Every figure is measured
//! in this run; nothing is extrapolated. Sizes come from environment variables (see `Config`).

#[path = "../it/support/proxy.rs"]
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
    /// Delays (each way) of the latency rows.
    delays_ms: Vec<u64>,
    /// Lines of the latency rows.
    proxy_lines: u64,
    chunk_sizes: Vec<usize>,
    /// Sections to run (`BENCH_ONLY=latency,compare`), all when unset.
    only: Option<Vec<String>>,
}

fn env_list<T: std::str::FromStr + Clone>(name: &str, default: &[T]) -> Vec<T> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
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
            delays_ms: env_list("BENCH_DELAYS_MS", &[0, 1, 10, 25]),
            proxy_lines: env_u64("BENCH_PROXY_LINES", 100_000),
            chunk_sizes: env_list(
                "BENCH_CHUNK_SIZES",
                &[100, 500, 1_000, 2_000, 5_000, 10_000],
            ),
            only: std::env::var("BENCH_ONLY")
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
        }
    }

    fn runs(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == section))
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

/// Whether `tool --version` runs and succeeds.
fn have_version(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
/// loader into an identical table (same columns, defaults, CHECKs, keys and foreign keys), and,
/// for PostgreSQL, into the same table without its
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
            // Every column batchops writes (those without a default), whatever the schema's version.
            let columns = psql(
                &url,
                "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'transactions' \
                 AND column_default IS NULL",
            );
            psql(
                &url,
                &format!(
                    "\\copy (SELECT {columns} FROM transactions ORDER BY id) TO '{}' CSV",
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
                    &format!("\\copy {table} ({columns}) FROM '{}' CSV", csv.display()),
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
                "SELECT group_concat(replace(replace(sql, ' ON transactions', ' ON raw_rows'), 'INDEX transactions', 'INDEX raw_rows'), '; ') \
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

/// Run `cmd` to its end and return (wall-clock seconds, peak RSS in MiB, stdout) — RSS read from
/// `/proc/<pid>/status` (VmHWM) while it runs.
fn measure(mut cmd: Command) -> (f64, f64, String) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the measured process");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let exit = loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kib: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak_kib = peak_kib.max(kib);
                }
            }
        }
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = start.elapsed().as_secs_f64();
    let out = reader.join().expect("reader");
    // 3: success with lines held for review (the generated batches' spelling variants include
    // names that fit several catalog products); anything else is a failed measurement.
    assert!(
        matches!(exit.code(), Some(0 | 3)),
        "the measured process failed: {exit}\n{out}"
    );
    (secs, peak_kib as f64 / 1024.0, out)
}

/// Run the release binary headless (`import`, batch or sequential) and return (items/s, peak RSS
/// in MiB).
fn headless_mode(url: &str, path: &Path, mode: &str) -> (f64, f64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchops"));
    cmd.args([
        "--database-url",
        url,
        "import",
        "--format",
        "json",
        "--mode",
        mode,
    ])
    .arg(path);
    let (_, rss, json) = measure(cmd);
    let report: serde_json::Value = serde_json::from_str(&json).expect("a JSON report");
    (report["items_per_second"].as_f64().unwrap_or(0.0), rss)
}

fn headless(url: &str, path: &Path) -> (f64, f64) {
    headless_mode(url, path, "batch")
}

/// Lines of a batch file (its header not counted).
fn data_lines(path: &Path) -> f64 {
    let text = std::fs::read_to_string(path).expect("read batch");
    text.lines().count().saturating_sub(1) as f64
}

/// `pgloader` loading the batch CSV (sku, description, quantity, unit_price) into a bare
/// four-column table: (rows/s, peak RSS MiB), wall-clock of the process. `None` when pgloader is
/// not installed.
fn pgloader(db: &Db, csv: &Path) -> Option<(f64, f64)> {
    let (base, schema) = db.pg.as_ref()?;
    if !have_version("pgloader") {
        return None;
    }
    let table = "pgloader_rows";
    db.sql(&format!(
        "CREATE TABLE {table} (sku TEXT, description TEXT, quantity NUMERIC(18,4), unit_price NUMERIC(18,4))"
    ));
    // pgloader takes a plain URL: the schema goes into the target table's name.
    let target = base
        .split('?')
        .next()
        .unwrap_or(base)
        .replacen("postgres://", "postgresql://", 1);
    let load = csv.with_extension("load");
    std::fs::write(
        &load,
        format!(
            "LOAD CSV FROM '{}' (sku, description, quantity, unit_price)\n  INTO {target}\n  TARGET TABLE {schema}.{table} (sku, description, quantity, unit_price)\n  WITH skip header = 1, fields optionally enclosed by '\"', fields escaped by double-quote, fields terminated by ','\n;\n",
            csv.display()
        ),
    )
    .ok()?;
    let mut cmd = Command::new("pgloader");
    cmd.arg("--quiet").arg(&load);
    let (secs, rss, _) = measure(cmd);
    let loaded: f64 = db
        .sql(&format!("SELECT COUNT(*) FROM {table}"))
        .parse()
        .ok()?;
    assert_eq!(loaded, data_lines(csv), "pgloader loaded every line");
    Some((loaded / secs, rss))
}

/// `psql \copy` of the batch CSV into a bare four-column table: (rows/s, peak RSS MiB).
fn copy_bare(db: &Db, csv: &Path) -> Option<(f64, f64)> {
    let (base, schema) = db.pg.as_ref()?;
    let table = "copy_rows";
    db.sql(&format!(
        "CREATE TABLE {table} (sku TEXT, description TEXT, quantity NUMERIC(18,4), unit_price NUMERIC(18,4))"
    ));
    let mut cmd = Command::new("psql");
    cmd.args([
        with_schema(base, schema).as_str(),
        "-qAtX",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        &format!(
            "\\copy {table} (sku, description, quantity, unit_price) FROM '{}' CSV HEADER",
            csv.display()
        ),
    ]);
    let (secs, rss, _) = measure(cmd);
    let loaded: f64 = db
        .sql(&format!("SELECT COUNT(*) FROM {table}"))
        .parse()
        .ok()?;
    Some((loaded / secs, rss))
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

/// The PostgreSQL database's address, for the delay proxy.
async fn upstream(db: &Db) -> std::net::SocketAddr {
    tokio::net::lookup_host(host_port(&db.url))
        .await
        .ok()
        .and_then(|mut a| a.next())
        .expect("the PostgreSQL address")
}

/// Section 2: the same batch import through the delay proxy at each delay, with the round trips
/// the proxy counted.
async fn latency(cfg: &Config, dir: &Path) {
    let base = cfg.pg_url.as_deref().expect("pg url");
    println!(
        "\n2. PostgreSQL through a TCP proxy adding a delay each way (tests/support/proxy.rs), {} lines, batch, chunk {DEFAULT_CHUNK_SIZE}",
        cfg.proxy_lines
    );
    println!(
        "   {:>14} {:>11} {:>14} {:>9} {:>17} {:>8}",
        "delay each way", "round trip", "batch items/s", "of 0 ms", "round trips/chunk", "chunks"
    );
    let file = batch_file(dir, cfg.proxy_lines, 0.8);
    let mut at_zero = None;
    for ms in &cfg.delays_ms {
        let db = Db::postgres(base);
        let p = proxy::Proxy::start(upstream(&db).await, Duration::from_millis(*ms))
            .await
            .expect("proxy");
        let url = db.via(p.addr);
        open(&url).await.close().await;
        let before = p.round_trips.load(std::sync::atomic::Ordering::SeqCst);
        let r = run(&url, &file, &opts(Mode::Batch, DEFAULT_CHUNK_SIZE)).await;
        let trips = p.round_trips.load(std::sync::atomic::Ordering::SeqCst) - before;
        if *ms == 0 {
            at_zero = Some(rate(&r));
        }
        println!(
            "   {:>11} ms {:>8} ms {:>14.0} {:>9} {:>17.2} {:>8}",
            ms,
            ms * 2,
            rate(&r),
            pct(rate(&r), at_zero),
            trips as f64 / r.chunks_committed.max(1) as f64,
            r.chunks_committed
        );
    }
    println!(
        "   (round trips/chunk: every round trip of the run, start and end included, over its chunks; counted by the proxy)"
    );
}

type Measured = Option<(f64, Option<f64>)>;

fn show_rate(m: &Measured) -> String {
    m.map_or_else(|| "n/a".into(), |(r, _)| format!("{r:.0}"))
}

fn show_rss(m: &Measured) -> String {
    match m {
        Some((_, Some(rss))) => format!("{rss:.1}"),
        _ => "—".into(),
    }
}

/// Section 3: batchops against pgloader, `psql \copy` and `sqlite3 .import`, at both sizes, with
/// peak RSS; collects the steady-state statements per chunk on the way.
async fn compare_loaders(
    cfg: &Config,
    dir: &Path,
    backends: &[&'static str],
    steady: &mut Vec<(String, f64, u64, u64)>,
) {
    let sizes = [cfg.small, cfg.large];
    println!(
        "\n3. batchops against the bulk loaders, the same generated batch (80% of lines with a SKU), a fresh database each"
    );
    for kind in backends {
        let mut rows: Vec<(String, [Measured; 2])> = Vec::new();
        let mut put = |label: &str, i: usize, m: Measured| {
            match rows.iter_mut().find(|(l, _)| l == label) {
                Some((_, ms)) => ms[i] = m,
                None => {
                    let mut ms = [None, None];
                    ms[i] = m;
                    rows.push((label.to_string(), ms));
                }
            };
        };
        for (i, lines) in sizes.iter().enumerate() {
            let file = batch_file(dir, *lines, 0.8);
            let db = match *kind {
                "sqlite" => Db::sqlite(),
                _ => Db::postgres(cfg.pg_url.as_deref().expect("pg url")),
            };
            open(&db.url).await.close().await;
            let (items_s, rss) = headless(&db.url, &file);
            put("batchops import, batch", i, Some((items_s, Some(rss))));
            if i == 0 {
                let seq_db = match *kind {
                    "sqlite" => Db::sqlite(),
                    _ => Db::postgres(cfg.pg_url.as_deref().expect("pg url")),
                };
                open(&seq_db.url).await.close().await;
                let part = prefix_file(dir, &file, cfg.sequential);
                let (seq, seq_rss) = headless_mode(&seq_db.url, &part, "sequential");
                put(
                    &format!(
                        "batchops import, sequential (first {} lines)",
                        cfg.sequential
                    ),
                    i,
                    Some((seq, Some(seq_rss))),
                );
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
            let raw = raw_load(&db, dir);
            if db.pg.is_some() {
                put(
                    "pgloader: the CSV into a bare 4-column table",
                    i,
                    pgloader(&db, &file).map(|(r, m)| (r, Some(m))),
                );
                put(
                    "psql \\copy: the CSV into a bare 4-column table",
                    i,
                    copy_bare(&db, &file).map(|(r, m)| (r, Some(m))),
                );
                put(
                    "psql \\copy: the rows into an identical transactions table",
                    i,
                    raw.as_ref().map(|r| (r.identical, None)),
                );
                put(
                    "psql \\copy: the same table without its foreign keys",
                    i,
                    raw.as_ref().and_then(|r| r.without_fks).map(|r| (r, None)),
                );
            } else {
                put(
                    "sqlite3 .import: the rows into an identical transactions table",
                    i,
                    raw.as_ref().map(|r| (r.identical, None)),
                );
            }
        }
        println!(
            "   {:<62} {:>27} {:>27}",
            kind,
            format!("{} lines", sizes[0]),
            format!("{} lines", sizes[1])
        );
        println!(
            "   {:<62} {:>9} {:>8} {:>9} {:>9} {:>8} {:>9}",
            "", "rows/s", "RSS MiB", "batch ÷", "rows/s", "RSS MiB", "batch ÷"
        );
        let batch = rows[0].1;
        for (label, ms) in &rows {
            let mut line = format!("   {label:<62}");
            for i in 0..2 {
                let of = match (batch[i], ms[i]) {
                    (Some((b, _)), Some((r, _))) if r > 0.0 => format!("{:.2}×", b / r),
                    _ => "—".into(),
                };
                line.push_str(&format!(
                    " {:>9} {:>8} {:>9}",
                    show_rate(&ms[i]),
                    show_rss(&ms[i]),
                    of
                ));
            }
            println!("{line}");
        }
    }
    println!(
        "   (batchops: items/s of the `batchops import` process's report; the loaders: rows/s of the process's wall-clock,\n    start-up and connection included; \"identical table\": the rows batchops wrote, same columns, CHECKs, keys and foreign\n    keys; batch ÷: batchops batch items/s over the row's rate; RSS: peak VmHWM of the process; n/a: the tool is not\n    installed)"
    );
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
    // `BENCH_BACKENDS=postgresql` (or `sqlite`) runs one backend's rows only.
    let wanted = std::env::var("BENCH_BACKENDS").ok();
    let wants = |b: &str| {
        wanted
            .as_deref()
            .is_none_or(|w| w.split(',').any(|x| x.trim() == b))
    };
    let mut backends: Vec<&'static str> = Vec::new();
    if wants("sqlite") {
        backends.push("sqlite");
    }
    if cfg.pg_url.is_some() && wants("postgresql") {
        backends.push("postgresql");
    }
    let new_db = |kind: &str| match kind {
        "sqlite" => Db::sqlite(),
        _ => Db::postgres(cfg.pg_url.as_deref().expect("pg url")),
    };

    if cfg.runs("modes") {
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
    }

    // 2. the same import through the delay proxy.
    if cfg.pg_url.is_some() && cfg.runs("latency") {
        latency(&cfg, dir).await;
    }

    // 3. against pgloader and the raw-load limits, with peak RSS; steady-state statements.
    let mut steady = Vec::new();
    if cfg.runs("compare") {
        compare_loaders(&cfg, dir, &backends, &mut steady).await;
    }
    if !steady.is_empty() {
        println!(
            "\n4. statements per chunk in the steady state (chunk {DEFAULT_CHUNK_SIZE}, items known, rows new)"
        );
    }
    for (kind, per_chunk, total, chunks) in &steady {
        println!(
            "   {kind:<12} {per_chunk:.2} statements per chunk ({total} statements, {chunks} chunks)"
        );
    }

    if cfg.runs("chunks") {
        // 5. chunk-size curve.
        println!("\n5. chunk-size curve, {} lines, batch items/s", cfg.small);
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
    }

    if cfg.runs("fallback") {
        // 6. fallback under a 1% rejection rate.
        let fallback_seq_lines = cfg.fallback_sequential.min(cfg.small);
        println!(
            "\n6. {} lines, 1% rejected by a trigger (line % 100 = 7: every chunk holds bad lines), chunk {DEFAULT_CHUNK_SIZE}, items/s\n   (no rule and bisect: best of 2 alternating runs; uncertain lines create items, so every line reaches the table)",
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
                        // Every line reaches the table (none held for review), so the rule sees
                        // exactly its 1%.
                        uncertain: batchops::mapping::Uncertain::Create,
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
    }

    if cfg.runs("console") {
        // 7. console vs headless.
        println!(
            "\n7. console vs headless, the same {}-line import, batch items/s (each run 3 times, alternating,\n   a fresh database each; the better run of each side counts)",
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
                    println!(
                        "   {kind:<12} headless {headless_rate:.0} · console run did not finish"
                    )
                }
            }
        }
    }

    println!("\nload average at the end: {}", load());
    println!("\nbenchmark took {:.0} s", started.elapsed().as_secs_f64());
}
