//! Mapping benchmark: where the matcher puts stock, by kind of line, and how fast it maps.
//!
//! `cargo bench --bench matching` prints, for each backend (SQLite always; PostgreSQL at
//! `BENCH_PG_URL`, else `BATCHOPS_TEST_DATABASE_URL`, else `postgres://root@127.0.0.1:5432/test`,
//! skipped with a note when unreachable; `BENCH_PG_URL=none` for SQLite only):
//!
//! 1. **Accuracy**: a catalog of `BENCH_MATCH_CATALOG` (800) products is imported with SKUs, then
//!    a no-SKU batch generated with ground truth (`batchops::generate::matching`): variants,
//!    hard negatives, less-specified names and unrelated products. Every line is looked up where
//!    it landed (`transactions`, `held_lines`) and counted right, wrong, new or held, by kind and
//!    by how the variant was written. This runs for each generator seed of `BENCH_MATCH_SEEDS`
//!    (default `1,2,3,4,5`; `BENCH_MATCH_SEED=N` for one): the full table for the first seed, then
//!    one line per seed (wrong, automatic, automatic or top review candidate, held) and the totals,
//!    so a figure that holds on one seed only shows.
//! 2. **Speed**: a `BENCH_SPEED_ITEMS` (100,000) item catalog imported with SKUs, then the
//!    `BENCH_SPEED_LINES` (1,000,000) line batch `batchops generate` writes for it (80% with SKU,
//!    the rest descriptions), batch items/s as the import reports them, best of 2. With
//!    `BENCH_BASELINE_BIN=/path/to/an/older/batchops` the same runs with that binary alternate
//!    with this build's and the ratio is printed (before/after a change, in one run).
//!
//! Every figure is measured in the run that prints it.

use batchops::generate::matching::{self, Kind, Mix};
use batchops::store;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A fresh database: a SQLite file or a PostgreSQL schema (dropped afterwards).
struct Db {
    url: String,
    kind: &'static str,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    async fn new(kind: &'static str, pg_base: Option<&str>) -> Db {
        match (kind, pg_base) {
            ("postgresql", Some(base)) => {
                let schema = format!(
                    "bench_match_{}_{}",
                    std::process::id(),
                    SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                );
                let pool = sqlx::PgPool::connect(base).await.expect("PostgreSQL");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                )))
                .execute(&pool)
                .await
                .expect("create schema");
                pool.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                Db {
                    url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    kind,
                    pg: Some((base.to_string(), schema)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("tempdir");
                Db {
                    url: format!("sqlite:{}", dir.path().join("bench.db").display()),
                    kind: "sqlite",
                    pg: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    async fn drop_schema(&self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(pool) = sqlx::PgPool::connect(base).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&pool)
            .await;
            pool.close().await;
        }
    }

    /// (line, sku) of the rows a run landed and (line, top candidate sku) of the lines it held.
    async fn outcome(
        &self,
        run_id: i64,
    ) -> (HashMap<u64, String>, HashMap<u64, (Option<String>, String)>) {
        let landed_sql = "SELECT t.line, i.sku FROM transactions t \
                          JOIN inventory_items i ON i.id = t.item_id WHERE t.run_id = $1";
        let held_sql = "SELECT line, candidates_json FROM held_lines WHERE run_id = $1";
        // (the reason and candidates stay in the JSON: printed with BENCH_MATCH_EXAMPLES)
        let (landed, held) = if self.pg.is_some() {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
            let a = sqlx::query(landed_sql).bind(run_id).fetch_all(&pool).await;
            let b = sqlx::query(held_sql).bind(run_id).fetch_all(&pool).await;
            let a: Vec<(i64, String)> = a
                .expect("landed")
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let b: Vec<(i64, String)> = b
                .expect("held")
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            pool.close().await;
            (a, b)
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
            let a = sqlx::query(landed_sql).bind(run_id).fetch_all(&pool).await;
            let b = sqlx::query(held_sql).bind(run_id).fetch_all(&pool).await;
            let a: Vec<(i64, String)> = a
                .expect("landed")
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let b: Vec<(i64, String)> = b
                .expect("held")
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            pool.close().await;
            (a, b)
        };
        let landed = landed.into_iter().map(|(l, s)| (l as u64, s)).collect();
        let held = held
            .into_iter()
            .map(|(l, json)| {
                let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
                let top = v["candidates"][0]["sku"].as_str().map(str::to_string);
                let why = format!(
                    "{} · top {} \"{}\" {:.2}",
                    v["reason"].as_str().unwrap_or(""),
                    top.as_deref().unwrap_or("-"),
                    v["candidates"][0]["name"].as_str().unwrap_or(""),
                    v["candidates"][0]["score"].as_f64().unwrap_or(0.0)
                );
                (l as u64, (top, why))
            })
            .collect();
        (landed, held)
    }
}

/// Run `bin import --format json FILE` and return the JSON report.
fn import(bin: &Path, url: &str, file: &Path) -> serde_json::Value {
    let out = Command::new(bin)
        .args(["--database-url", url, "import", "--format", "json"])
        .arg(file)
        .output()
        .expect("run batchops");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap_or_else(|e| {
        panic!(
            "{} gave no JSON report ({e}): {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn write_csv(path: &Path, rows: impl Iterator<Item = (String, String, String)>) {
    let mut w = csv::Writer::from_path(path).expect("csv");
    w.write_record(["sku", "description", "quantity", "unit_price"])
        .expect("header");
    for (sku, desc, price) in rows {
        w.write_record([sku.as_str(), desc.as_str(), "1", price.as_str()])
            .expect("row");
    }
    w.flush().expect("flush");
}

#[derive(Default, Clone, Copy)]
struct Tally {
    lines: u64,
    right: u64,
    wrong: u64,
    new: u64,
    held: u64,
    held_top_right: u64,
}

fn pct(a: u64, b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

/// One accuracy run's headline figures: wrong automatic matches, automatic and top-candidate rates, held share.
#[derive(Default, Clone, Copy)]
struct Summary {
    lines: u64,
    wrong: u64,
    held: u64,
    variants: u64,
    variants_auto: u64,
    variants_top: u64,
}

impl Summary {
    fn add(&mut self, o: Summary) {
        self.lines += o.lines;
        self.wrong += o.wrong;
        self.held += o.held;
        self.variants += o.variants;
        self.variants_auto += o.variants_auto;
        self.variants_top += o.variants_top;
    }

    fn row(&self, label: &str) -> String {
        format!(
            "   {label:<12} {:>7} {:>10} {:>16} {:>8}",
            self.wrong,
            pct(self.variants_auto, self.variants),
            pct(self.variants_auto + self.variants_top, self.variants),
            pct(self.held, self.lines)
        )
    }
}

/// The mapping rate as the catalog grows: a `BENCH_GROWTH_LINES` (22,000) no-SKU file against a
/// `BENCH_GROWTH_CATALOG` (2,500) item catalog, about half its lines creating items. The file's
/// first fifth, two fifths, … are each mapped by a whole run on a fresh copy of the catalog; the
/// mapping phase's seconds (the run's own report) give each fifth's rate, so a rate that falls as
/// items are created shows in the last rows.
async fn growth(kind: &'static str, pg: Option<&str>, dir: &Path) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_batchops"));
    let lines = env_u64("BENCH_GROWTH_LINES", 22_000) as usize;
    let catalog = env_u64("BENCH_GROWTH_CATALOG", 2_500) as usize;
    let per = |share: usize| lines * share / 100;
    let mix = Mix {
        catalog,
        variants: per(40),
        hard_negatives: per(40),
        less_specified: per(4),
        unrelated: lines - per(40) - per(40) - per(4),
    };
    let set = matching::build(mix, 1);
    let catalog_file = dir.join("growth-catalog.csv");
    write_csv(
        &catalog_file,
        set.catalog
            .iter()
            .map(|(s, n)| (s.clone(), n.clone(), "1.00".into())),
    );
    println!(
        "\n3. mapping rate as the catalog grows ({kind}): {} no-SKU lines against a {}-item catalog, \
         a whole run per prefix of the file",
        set.lines.len(),
        set.catalog.len()
    );
    println!(
        "   {:>7} {:>9} {:>10} {:>11} {:>15}",
        "lines", "created", "mapping s", "lines/s", "this fifth l/s"
    );
    let (mut last_lines, mut last_seconds) = (0usize, 0.0f64);
    for fifth in 1..=5 {
        let n = set.lines.len() * fifth / 5;
        let batch_file = dir.join("growth-batch.csv");
        write_csv(
            &batch_file,
            set.lines[..n]
                .iter()
                .map(|l| (String::new(), l.description.clone(), "1.00".into())),
        );
        let db = Db::new(kind, pg).await;
        import(&bin, &db.url, &catalog_file);
        let report = import(&bin, &db.url, &batch_file);
        db.drop_schema().await;
        let phases = report["phases"].as_array().cloned().unwrap_or_default();
        let seconds = phases
            .iter()
            .find(|p| p["name"] == "mapping")
            .and_then(|p| p["seconds"].as_f64())
            .expect("the report's mapping phase");
        let created = report["decisions"]["created"].as_u64().unwrap_or(0);
        println!(
            "   {:>7} {:>9} {:>10.3} {:>11.0} {:>15.0}",
            n,
            created,
            seconds,
            n as f64 / seconds.max(1e-9),
            (n - last_lines) as f64 / (seconds - last_seconds).max(1e-9)
        );
        (last_lines, last_seconds) = (n, seconds);
    }
}

/// Map `set` on one backend; the full table when `table`, the summary always.
async fn accuracy(
    kind: &'static str,
    pg: Option<&str>,
    dir: &Path,
    set: &matching::MatchingSet,
    seed: u64,
    table: bool,
) -> Summary {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_batchops"));
    let db = Db::new(kind, pg).await;
    let catalog_file = dir.join("match-catalog.csv");
    let batch_file = dir.join("match-batch.csv");
    write_csv(
        &catalog_file,
        set.catalog
            .iter()
            .map(|(s, n)| (s.clone(), n.clone(), "1.00".into())),
    );
    write_csv(
        &batch_file,
        set.lines
            .iter()
            .map(|l| (String::new(), l.description.clone(), "1.00".into())),
    );
    import(&bin, &db.url, &catalog_file);
    let started = Instant::now();
    let report = import(&bin, &db.url, &batch_file);
    let seconds = started.elapsed().as_secs_f64();
    let run_id = report["run_id"].as_i64().expect("run id");
    let (landed, held) = db.outcome(run_id).await;
    db.drop_schema().await;
    let catalog_skus: HashSet<&str> = set.catalog.iter().map(|(s, _)| s.as_str()).collect();

    let mut by_kind: BTreeMap<Kind, Tally> = BTreeMap::new();
    let mut by_how: BTreeMap<&str, Tally> = BTreeMap::new();
    // New products: the items their lines landed on (one each is right).
    let mut new_items: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut wrong_examples: Vec<String> = Vec::new();
    let show = env_u64("BENCH_MATCH_EXAMPLES", 0) as usize;
    let mut examples: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for (i, l) in set.lines.iter().enumerate() {
        let line = i as u64 + 1;
        let t = by_kind.entry(l.kind).or_default();
        t.lines += 1;
        let h = (l.kind == Kind::Variant).then(|| by_how.entry(l.how).or_default());
        let mut h = h;
        if let Some(h) = h.as_deref_mut() {
            h.lines += 1;
        }
        let mut mark = |f: &dyn Fn(&mut Tally)| {
            f(t);
            if let Some(h) = h.as_deref_mut() {
                f(h);
            }
        };
        if let Some((top, why)) = held.get(&line) {
            let top_right = top.is_some() && top.as_deref() == l.sku.as_deref();
            let shown = examples.entry(l.kind).or_default();
            if shown.len() < show && !top_right {
                shown.push(format!("{:?} ({}): {why}", l.description, l.how));
            }
            mark(&|t: &mut Tally| {
                t.held += 1;
                t.held_top_right += u64::from(top_right);
            });
            continue;
        }
        let Some(sku) = landed.get(&line) else {
            continue; // neither landed nor held: counted in `lines` only (a failed line)
        };
        let on_catalog = catalog_skus.contains(sku.as_str());
        match (l.kind, &l.sku) {
            (Kind::Variant, Some(want)) if sku == want => mark(&|t: &mut Tally| t.right += 1),
            (Kind::Variant, _) if !on_catalog => {
                let shown = examples.entry(l.kind).or_default();
                if shown.len() < show {
                    shown.push(format!(
                        "{:?} ({}): created a new item",
                        l.description, l.how
                    ));
                }
                mark(&|t: &mut Tally| t.new += 1)
            }
            (Kind::LessSpecified, _) if !on_catalog => mark(&|t: &mut Tally| t.new += 1),
            (Kind::HardNegative | Kind::Unrelated, _) if !on_catalog => {
                new_items.entry(&l.product).or_default().insert(sku.clone());
                mark(&|t: &mut Tally| t.right += 1);
            }
            _ => {
                if wrong_examples.len() < 8 {
                    wrong_examples.push(format!(
                        "line {line} ({}): {:?} landed on {sku}",
                        l.kind.as_str(),
                        l.description
                    ));
                }
                mark(&|t: &mut Tally| t.wrong += 1);
            }
        }
    }
    let total: u64 = by_kind.values().map(|t| t.lines).sum();
    let held_total: u64 = by_kind.values().map(|t| t.held).sum();
    let wrong_total: u64 = by_kind.values().map(|t| t.wrong).sum();
    let v = by_kind.get(&Kind::Variant).copied().unwrap_or_default();
    let summary = Summary {
        lines: total,
        wrong: wrong_total,
        held: held_total,
        variants: v.lines,
        variants_auto: v.right,
        variants_top: v.held_top_right,
    };
    if !table {
        return summary;
    }
    println!(
        "\n1. accuracy ({}, seed {seed}): {} no-SKU lines against a {}-item catalog, mapped in {:.2} s",
        db.kind,
        total,
        set.catalog.len(),
        seconds
    );
    println!(
        "   {:<16} {:>6} {:>7} {:>7} {:>7} {:>7} {:>16}",
        "kind", "lines", "right", "wrong", "new", "held", "held, top right"
    );
    for (k, t) in &by_kind {
        println!(
            "   {:<16} {:>6} {:>7} {:>7} {:>7} {:>7} {:>16}",
            k.as_str(),
            t.lines,
            t.right,
            t.wrong,
            t.new,
            t.held,
            t.held_top_right
        );
    }
    println!(
        "   (right: a variant on its item; a hard negative or unrelated line on a new item. new: a\n    variant or less-specified line that created an item. held: waiting for review.)"
    );
    println!("   variants by how they were written:");
    for (how, t) in &by_how {
        println!(
            "   {:<16} {:>6} {:>7} {:>7} {:>7} {:>7} {:>16}",
            how, t.lines, t.right, t.wrong, t.new, t.held, t.held_top_right
        );
    }
    let products = new_items.len();
    let one_item = new_items.values().filter(|s| s.len() == 1).count();
    println!(
        "   wrong automatic matches: {wrong_total} · variants matched automatically: {} · automatically or top review candidate: {} · held: {} of all lines · new products on one item each: {one_item} of {products}",
        pct(v.right, v.lines),
        pct(v.right + v.held_top_right, v.lines),
        pct(held_total, total),
    );
    for w in &wrong_examples {
        println!("   wrong: {w}");
    }
    for (k, list) in &examples {
        for e in list {
            println!("   held/new {}: {e}", k.as_str());
        }
    }
    summary
}

/// Import the speed catalog and the batch with `bin`; batch items/s of the batch import.
async fn speed_run(
    bin: &Path,
    kind: &'static str,
    pg: Option<&str>,
    catalog: &Path,
    batch: &Path,
) -> f64 {
    let db = Db::new(kind, pg).await;
    import(bin, &db.url, catalog);
    let r = import(bin, &db.url, batch);
    db.drop_schema().await;
    r["items_per_second"].as_f64().unwrap_or(0.0)
}

async fn speed(kinds: &[&'static str], pg: Option<&str>, dir: &Path) {
    let lines = env_u64("BENCH_SPEED_LINES", 1_000_000);
    let items = env_u64("BENCH_SPEED_ITEMS", 100_000);
    let seed = 42;
    let catalog = dir.join("speed-catalog.csv");
    write_csv(
        &catalog,
        batchops::generate::catalog(items, seed)
            .into_iter()
            .map(|(s, n, c)| (s, n, format!("{}.{:02}", c / 100, c % 100))),
    );
    let batch = dir.join("speed-batch.csv");
    let mut file = std::fs::File::create(&batch).expect("batch file");
    batchops::generate::generate(
        &batchops::generate::GenerateOptions {
            lines,
            items,
            seed,
            bad_ratio: 0.0,
            ..Default::default()
        },
        &mut file,
    )
    .expect("generate");
    file.flush().expect("flush");
    let this = PathBuf::from(env!("CARGO_BIN_EXE_batchops"));
    let baseline = std::env::var_os("BENCH_BASELINE_BIN").map(PathBuf::from);
    println!(
        "\n2. mapping speed: {lines} lines (80% with SKU) against a {items}-item catalog, batch items/s, best of 2{}",
        if baseline.is_some() {
            " alternating with BENCH_BASELINE_BIN"
        } else {
            " (set BENCH_BASELINE_BIN for a before/after column)"
        }
    );
    println!(
        "   {:<12} {:>14} {:>14} {:>10}",
        "backend", "this build", "baseline", "ratio"
    );
    for &kind in kinds {
        let mut best = 0.0f64;
        let mut best_base = 0.0f64;
        for _ in 0..2 {
            best = best.max(speed_run(&this, kind, pg, &catalog, &batch).await);
            if let Some(b) = &baseline {
                best_base = best_base.max(speed_run(b, kind, pg, &catalog, &batch).await);
            }
        }
        let (base, ratio) = if baseline.is_some() {
            (
                format!("{best_base:.0}"),
                format!("{:.1}%", 100.0 * best / best_base.max(1.0)),
            )
        } else {
            ("-".into(), "-".into())
        };
        println!("   {kind:<12} {best:>14.0} {base:>14} {ratio:>10}");
    }
}

/// The generator seeds of the accuracy part: `BENCH_MATCH_SEEDS=1,2,3` (the full table for the
/// first, a summary line for each), else `BENCH_MATCH_SEED` alone, else 1 to 5.
fn match_seeds() -> Vec<u64> {
    if let Ok(list) = std::env::var("BENCH_MATCH_SEEDS") {
        let seeds: Vec<u64> = list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        if !seeds.is_empty() {
            return seeds;
        }
    }
    match std::env::var("BENCH_MATCH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (1..=5).collect(),
    }
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let pg_url = match std::env::var("BENCH_PG_URL") {
            Ok(v) if v == "none" => None,
            Ok(v) => Some(v),
            Err(_) => Some(
                std::env::var("BATCHOPS_TEST_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into()),
            ),
        };
        let pg_url = match pg_url {
            Some(u) if sqlx::PgPool::connect(&u).await.is_ok() => Some(u),
            Some(u) => {
                println!(
                    "PostgreSQL at {} is not reachable: its rows are skipped",
                    store::redact_url(&u)
                );
                None
            }
            None => None,
        };
        let mut kinds = vec!["sqlite"];
        if pg_url.is_some() {
            kinds.push("postgresql");
        }
        let work = tempfile::tempdir().expect("tempdir");
        let mix = Mix {
            catalog: env_u64("BENCH_MATCH_CATALOG", 800) as usize,
            ..Mix::default()
        };
        let seeds = match_seeds();
        println!(
            "batchops mapping benchmark · every figure measured in this run · mix: {} variants, {} hard negatives, {} less specified, {} unrelated",
            mix.variants, mix.hard_negatives, mix.less_specified, mix.unrelated
        );
        let sets: Vec<(u64, matching::MatchingSet)> =
            seeds.iter().map(|&s| (s, matching::build(mix, s))).collect();
        for &kind in &kinds {
            let mut rows = Vec::new();
            for (n, (seed, set)) in sets.iter().enumerate() {
                let s = accuracy(kind, pg_url.as_deref(), work.path(), set, *seed, n == 0).await;
                rows.push((*seed, s));
            }
            if rows.len() > 1 {
                println!(
                    "\n   by seed ({kind}): the generator's seed changes the catalog, the lines and how they are written"
                );
                println!(
                    "   {:<12} {:>7} {:>10} {:>16} {:>8}",
                    "seed", "wrong", "automatic", "auto or top cand", "held"
                );
                let mut all = Summary::default();
                for (seed, s) in &rows {
                    println!("{}", s.row(&seed.to_string()));
                    all.add(*s);
                }
                println!("{}", all.row("all"));
                let worst = rows
                    .iter()
                    .map(|(_, s)| {
                        (s.variants_auto + s.variants_top) as f64 / s.variants.max(1) as f64
                    })
                    .fold(f64::INFINITY, f64::min);
                println!(
                    "   worst seed, automatically or top review candidate: {:.1}%",
                    100.0 * worst
                );
            }
        }
        if env_u64("BENCH_GROWTH_LINES", 22_000) > 0 {
            for &kind in &kinds {
                growth(kind, pg_url.as_deref(), work.path()).await;
            }
        }
        if env_u64("BENCH_SPEED_LINES", 1) > 0 {
            speed(&kinds, pg_url.as_deref(), work.path()).await;
        }
    });
}
