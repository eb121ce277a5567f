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
use batchops::engine::{EventSink, FallbackStrategy, ImportOptions, import_file};
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
            Err(_) => Some("postgres://root@127.0.0.1:5432/test".into()),
        };
        Config {
            pg_url,
            small: env_u64("BENCH_LINES", 100_000),
            large: env_u64("BENCH_LARGE_LINES", 1_000_000),
            sequential: env_u64("BENCH_SEQUENTIAL_LINES", 5_000),
            delay_ms: env_u64("BENCH_DELAY_MS", 1),
            chunk_sizes: std::env::var("BENCH_CHUNK_SIZES")
                .ok()
                .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
                .unwrap_or_else(|| vec![100, 500, 1_000, 5_000, 10_000]),
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
        self.url.replace("127.0.0.1:5432", &addr.to_string())
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

/// The transaction rows of `db` exported to CSV, loaded by the database's own bulk loader into an
/// identical table with the same unique key; returns rows per second.
fn raw_load(db: &Db, dir: &Path) -> Option<f64> {
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
                    "\\copy (SELECT run_id, import_key, line, item_id, quantity, unit_cost, operator FROM transactions) TO '{}' CSV",
                    csv.display()
                ),
            );
            psql(
                &url,
                "CREATE TABLE raw_rows (LIKE transactions INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING IDENTITY)",
            );
            let rows: f64 = psql(&url, "SELECT COUNT(*) FROM transactions")
                .parse()
                .ok()?;
            let start = Instant::now();
            psql(
                &url,
                &format!(
                    "\\copy raw_rows (run_id, import_key, line, item_id, quantity, unit_cost, operator) FROM '{}' CSV",
                    csv.display()
                ),
            );
            Some(rows / start.elapsed().as_secs_f64())
        }
        None => {
            if !have("sqlite3") {
                return None;
            }
            let out = Command::new("sqlite3")
                .args(["-csv", db.file(), "SELECT * FROM transactions"])
                .stdout(std::fs::File::create(&csv).ok()?)
                .status()
                .ok()?;
            assert!(out.success());
            let target = dir.join("raw-load.db");
            let _ = std::fs::remove_file(&target);
            let schema = sqlite3(
                db.file(),
                "SELECT sql FROM sqlite_master WHERE name = 'transactions'",
            );
            let target_s = target.display().to_string();
            sqlite3(&target_s, &format!("PRAGMA journal_mode=WAL; {schema};"));
            let rows: f64 = sqlite3(db.file(), "SELECT COUNT(*) FROM transactions")
                .parse()
                .ok()?;
            let start = Instant::now();
            let st = Command::new("sqlite3")
                .args([
                    &target_s,
                    "-cmd",
                    "PRAGMA synchronous=NORMAL",
                    &format!(".import --csv {} transactions", csv.display()),
                ])
                .status()
                .ok()?;
            let secs = start.elapsed().as_secs_f64();
            assert!(st.success());
            Some(rows / secs)
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
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let _ = child.wait();
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
        "sizes: {} lines (BENCH_LINES), {} lines (BENCH_LARGE_LINES), sequential on {} lines (BENCH_SEQUENTIAL_LINES), proxy delay {} ms each way\n",
        cfg.small, cfg.large, cfg.sequential, cfg.delay_ms
    );
    let mut backends: Vec<&'static str> = vec!["sqlite"];
    if cfg.pg_url.is_some() {
        backends.push("postgresql");
    }
    let new_db = |kind: &str| match kind {
        "sqlite" => Db::sqlite(),
        _ => Db::postgres(cfg.pg_url.as_deref().expect("pg url")),
    };

    // 1. batch vs sequential on the same input.
    let seq_file = batch_file(dir, cfg.sequential, 0.8);
    println!(
        "1. batch vs sequential, same {}-line input, fresh database each",
        cfg.sequential
    );
    println!(
        "   {:<34} {:>14} {:>18} {:>9}",
        "backend", "batch items/s", "sequential items/s", "ratio"
    );
    let mut modes: Vec<(String, &'static str, Option<u64>)> =
        backends.iter().map(|b| (b.to_string(), *b, None)).collect();
    if cfg.pg_url.is_some() {
        modes.push((
            format!("postgresql +{} ms each way", cfg.delay_ms),
            "postgresql",
            Some(cfg.delay_ms),
        ));
    }
    for (label, kind, delay) in &modes {
        let mut rates = Vec::new();
        for mode in [Mode::Batch, Mode::Sequential] {
            let db = new_db(kind);
            let (url, _proxy) = match delay {
                Some(ms) => {
                    let p = proxy::Proxy::start(
                        "127.0.0.1:5432".parse().expect("addr"),
                        Duration::from_millis(*ms),
                    )
                    .await
                    .expect("proxy");
                    (db.via(p.addr), Some(p))
                }
                None => (db.url.clone(), None),
            };
            // Migrations first, outside the measurement.
            open(&url).await.close().await;
            rates.push(rate(&run(&url, &seq_file, &opts(mode, 500)).await));
        }
        println!(
            "   {:<34} {:>14.0} {:>18.0} {:>8.1}×",
            label,
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
        "   {:<12} {:>10} {:>14} {:>14} {:>9} {:>13}",
        "backend", "lines", "batch items/s", "raw rows/s", "of raw", "peak RSS MiB"
    );
    let mut steady = Vec::new();
    for kind in &backends {
        for lines in [cfg.small, cfg.large] {
            let file = batch_file(dir, lines, 0.8);
            let db = new_db(kind);
            open(&db.url).await.close().await;
            let (items_s, rss) = headless(&db.url, &file);
            let raw = raw_load(&db, dir);
            println!(
                "   {:<12} {:>10} {:>14.0} {:>14} {:>9} {:>13.1}",
                kind,
                lines,
                items_s,
                raw.map(|r| format!("{r:.0}"))
                    .unwrap_or_else(|| "n/a".into()),
                pct(items_s, raw),
                rss
            );
            if lines == cfg.small {
                // Steady state: the same file again under a new key (items exist, rows are new).
                let again = run(
                    &db.url,
                    &file,
                    &ImportOptions {
                        import_key: Some("steady".into()),
                        ..opts(Mode::Batch, 500)
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
        "   (raw: `psql \\copy` for PostgreSQL, `sqlite3 .import` for SQLite; n/a when the tool is not installed)"
    );
    println!("\n3. statements per chunk in the steady state (chunk 500, items known, rows new)");
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
    println!(
        "\n5. {} lines, 1% rejected by a trigger (line % 100 = 7), chunk 500",
        cfg.small
    );
    println!(
        "   {:<12} {:>14} {:>14} {:>16} {:>12}",
        "backend", "no rule", "bisect", "sequential", "bisect/none"
    );
    let file = batch_file(dir, cfg.small, 0.8);
    for kind in &backends {
        let mut rates = Vec::new();
        for fallback in [
            None,
            Some(FallbackStrategy::Bisect),
            Some(FallbackStrategy::Sequential),
        ] {
            let db = new_db(kind);
            open(&db.url).await.close().await;
            if fallback.is_some() {
                if db.pg.is_some() {
                    db.sql("CREATE FUNCTION reject_some() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.line % 100 = 7 THEN RAISE EXCEPTION 'line % rejected by rule', NEW.line; END IF; RETURN NEW; END $$; CREATE TRIGGER reject_some BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION reject_some();");
                } else {
                    db.sql("CREATE TRIGGER reject_some BEFORE INSERT ON transactions WHEN NEW.line % 100 = 7 BEGIN SELECT RAISE(ABORT, 'rejected by rule'); END;");
                }
            }
            let r = run(
                &db.url,
                &file,
                &ImportOptions {
                    fallback: fallback.unwrap_or_default(),
                    ..opts(Mode::Batch, 500)
                },
            )
            .await;
            if fallback.is_some() {
                assert_eq!(
                    r.items_failed,
                    cfg.small / 100,
                    "the rule rejects 1% of lines"
                );
            }
            rates.push(rate(&r));
        }
        println!(
            "   {:<12} {:>14.0} {:>14.0} {:>16.0} {:>11.0}%",
            kind,
            rates[0],
            rates[1],
            rates[2],
            rates[1] / rates[0] * 100.0
        );
    }

    // 7. console vs headless.
    println!(
        "\n6. console vs headless, {} lines on SQLite, batch items/s",
        cfg.small
    );
    let file = batch_file(dir, cfg.small, 0.8);
    let db = Db::sqlite();
    open(&db.url).await.close().await;
    let (headless_rate, _) = headless(&db.url, &file);
    let db2 = Db::sqlite();
    open(&db2.url).await.close().await;
    match console(&db2.url, &file).await {
        Some(c) => println!(
            "   headless {headless_rate:.0} · console {c:.0} · console/headless {:.0}%",
            c / headless_rate * 100.0
        ),
        None => println!("   headless {headless_rate:.0} · console run did not finish"),
    }
    println!("\nbenchmark took {:.0} s", started.elapsed().as_secs_f64());
}
