//! Shared by the reliability and hostile-input tests: batches with an independent oracle, the real
//! binary, and direct looks into the database.
#![allow(dead_code)]

use crate::common::TestDb;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use std::str::FromStr;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Deterministic noise (xorshift64*), so a failing case can be reproduced from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Products that come without a SKU: far apart from each other and from the SKU items' names, so
/// each maps to its own new item whatever the order (no fuzzy match between them).
pub const PRODUCTS: [&str; 8] = [
    "Copper Pipe 15mm 3m",
    "Nitrile Gloves Large",
    "Galvanized Wood Screw 4x40",
    "Teflon Tape 12mm",
    "PVC Elbow 90deg 32mm",
    "Safety Goggles Clear",
    "Cable Ties 200mm Black",
    "Silicone Sealant White",
];

const WORDS: [&str; 10] = [
    "Anvil", "Bracket", "Clamp", "Dowel", "Eyebolt", "Flange", "Gasket", "Hinge", "Isolator",
    "Jack",
];

/// Lines whose parse must fail, with a piece of the reason.
const BAD: [(&str, &str); 5] = [
    ("BAD-1,Broken quantity,NaN,1", "quantity \"NaN\""),
    ("BAD-2,Comma decimal,\"1,5\",1", "comma"),
    ("BAD-3,Not a price,1,abc", "unit_price \"abc\""),
    (",,4,1", "both sku and description are empty"),
    ("BAD-4,Negative price,1,-2", "is negative"),
];

/// The SKU a database trigger rejects (see [`cursed`]).
pub const CURSED: &str = "CURSED-1";

#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Lands on the item named `name`.
    Good { name: String, qty: Decimal },
    /// Fails to parse; the reason contains `why`.
    Bad { why: &'static str },
    /// Parses, but the database's rule rejects it (while the rule is in place); lands on the
    /// cursed item when retried without the rule.
    Rejected { qty: Decimal },
}

/// How to make a batch.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub lines: usize,
    /// Percent of lines that fail to parse.
    pub bad_percent: u64,
    /// Percent of lines with the cursed SKU.
    pub cursed_percent: u64,
    /// Percent of lines without SKU (a product description only).
    pub no_sku_percent: u64,
    /// Distinct SKU items.
    pub items: u64,
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            lines: 1_000,
            bad_percent: 2,
            cursed_percent: 0,
            no_sku_percent: 10,
            items: 40,
            seed: 1,
        }
    }
}

/// A CSV batch and what must become of each of its lines.
#[derive(Debug, Clone)]
pub struct Batch {
    pub csv: String,
    /// Index i is line i + 1.
    pub lines: Vec<Expect>,
}

pub fn sku_of(k: u64) -> String {
    format!("SKU-{k:03}")
}

pub fn name_of(k: u64) -> String {
    format!("{} {k:03}", WORDS[(k % WORDS.len() as u64) as usize])
}

impl Batch {
    pub fn generate(spec: Spec) -> Batch {
        let mut rng = Rng::new(spec.seed);
        let mut csv = String::from("sku,description,quantity,unit_price\n");
        let mut lines = Vec::with_capacity(spec.lines);
        for _ in 0..spec.lines {
            let roll = rng.below(100);
            let qty = quantity(&mut rng);
            if roll < spec.bad_percent {
                let (text, why) = BAD[rng.below(BAD.len() as u64) as usize];
                csv.push_str(text);
                lines.push(Expect::Bad { why });
            } else if roll < spec.bad_percent + spec.cursed_percent {
                csv.push_str(&format!("{CURSED},Cursed item,{qty},1.00"));
                lines.push(Expect::Rejected { qty: d(&qty) });
            } else if roll < spec.bad_percent + spec.cursed_percent + spec.no_sku_percent {
                let p = PRODUCTS[rng.below(PRODUCTS.len() as u64) as usize];
                csv.push_str(&format!(",{p},{qty},2.50"));
                lines.push(Expect::Good {
                    name: p.to_string(),
                    qty: d(&qty),
                });
            } else {
                let k = rng.below(spec.items);
                csv.push_str(&format!(
                    "{},{},{qty},{}.{:02}",
                    sku_of(k),
                    name_of(k),
                    k,
                    k % 100
                ));
                lines.push(Expect::Good {
                    name: name_of(k),
                    qty: d(&qty),
                });
            }
            csv.push('\n');
        }
        Batch { csv, lines }
    }

    pub fn has_rejects(&self) -> bool {
        self.lines
            .iter()
            .any(|e| matches!(e, Expect::Rejected { .. }))
    }
    pub fn rejected(&self) -> BTreeSet<u64> {
        self.lines_where(|e| matches!(e, Expect::Rejected { .. }))
    }
    pub fn good(&self) -> BTreeSet<u64> {
        self.lines_where(|e| matches!(e, Expect::Good { .. }))
    }
    pub fn bad(&self) -> BTreeSet<u64> {
        self.lines_where(|e| !matches!(e, Expect::Good { .. }))
    }
    pub fn lines_where(&self, f: impl Fn(&Expect) -> bool) -> BTreeSet<u64> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, e)| f(e))
            .map(|(i, _)| i as u64 + 1)
            .collect()
    }

    /// The inventory (item name → quantity) that landing `landed` lines of this batch adds.
    pub fn add_to(&self, oracle: &mut BTreeMap<String, Decimal>, landed: &BTreeSet<u64>) {
        for line in landed {
            match &self.lines[*line as usize - 1] {
                Expect::Good { name, qty } => *oracle.entry(name.clone()).or_default() += qty,
                Expect::Rejected { qty } => *oracle.entry("Cursed item".into()).or_default() += qty,
                Expect::Bad { .. } => panic!("line {line} cannot land"),
            }
        }
    }

    /// The inventory one clean import of this batch gives on an empty database.
    pub fn oracle(&self) -> BTreeMap<String, Decimal> {
        let mut o = BTreeMap::new();
        self.add_to(&mut o, &self.good());
        o
    }
}

/// A quantity with up to four decimals; now and then a credit (negative) line.
fn quantity(rng: &mut Rng) -> String {
    let whole = rng.below(40) + 1;
    let frac = rng.below(10_000);
    let sign = if rng.chance(8) { "-" } else { "" };
    match rng.below(3) {
        0 => format!("{sign}{whole}"),
        1 => format!("{sign}{whole}.{}", frac % 10),
        _ => format!("{sign}{whole}.{frac:04}"),
    }
}

/// The database rule of the operator that batchops cannot know about: rows of [`CURSED`] are
/// refused. The item exists (quantity 0) before the run.
pub async fn cursed(db: &TestDb) {
    db.exec(&format!(
        "INSERT INTO inventory_items (sku, name) VALUES ('{CURSED}', 'Cursed item')"
    ))
    .await;
    db.reject_sku(CURSED).await;
}

// ---------------------------------------------------------------------------------------------
// The binary

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_batchops"));
    c.env_remove("DATABASE_URL")
        .env_remove("BATCHOPS_FAILPOINT")
        .env_remove("BATCHOPS_STALE_AFTER_SECONDS")
        .env_remove("RUST_LOG");
    c
}

pub fn batchops(url: &str, args: &[&str]) -> Output {
    batchops_env(url, args, &[])
}

pub fn batchops_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.arg("--database-url").arg(url).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run batchops")
}

pub fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// The signal that ended a child, if a signal did.
pub fn signal(o: &Output) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    o.status.signal()
}

/// Import `path` through the binary with `--format json`; returns the output.
pub fn import(url: &str, path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "--format", "json"];
    args.extend_from_slice(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    batchops(url, &args)
}

/// A run as `batchops runs` shows it, with the staleness threshold at `stale` seconds.
pub fn run_status(url: &str, run_id: i64, stale: Option<&str>) -> String {
    let env: Vec<(&str, &str)> = stale
        .map(|s| vec![("BATCHOPS_STALE_AFTER_SECONDS", s)])
        .unwrap_or_default();
    let out = batchops_env(url, &["runs", "--format", "json", "--limit", "1000"], &env);
    assert!(out.status.success(), "{}", text(&out));
    let runs = json(&out);
    let run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == run_id)
        .unwrap_or_else(|| panic!("run {run_id} is listed: {runs}"));
    run["status"].as_str().unwrap().to_string()
}

/// Runs of an import key, oldest first: (id, status as stored).
pub async fn runs_of(db: &TestDb) -> Vec<(i64, String)> {
    rows_i64_text(db, "SELECT id, status FROM import_runs ORDER BY id").await
}

// ---------------------------------------------------------------------------------------------
// Looking into the database directly

pub async fn rows_i64(db: &TestDb, sql: &str) -> Vec<i64> {
    use sqlx::{AssertSqlSafe, Connection};
    let sql = AssertSqlSafe(sql.to_string());
    if db.kind == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    }
}

pub async fn rows_i64_text(db: &TestDb, sql: &str) -> Vec<(i64, String)> {
    use sqlx::{AssertSqlSafe, Connection};
    let sql = AssertSqlSafe(sql.to_string());
    if db.kind == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    }
}

/// Lines of `import_key` in `transactions`.
pub async fn landed(db: &TestDb, import_key: &str) -> BTreeSet<u64> {
    rows_i64(
        db,
        &format!("SELECT line FROM transactions WHERE import_key = '{import_key}'"),
    )
    .await
    .into_iter()
    .map(|l| l as u64)
    .collect()
}

/// (line, error) of a run's dead-letter rows.
pub async fn failed_of(db: &TestDb, run_id: i64) -> BTreeMap<u64, String> {
    rows_i64_text(
        db,
        &format!("SELECT line, error FROM failed_items WHERE run_id = {run_id} ORDER BY line"),
    )
    .await
    .into_iter()
    .map(|(l, e)| (l as u64, e))
    .collect()
}

/// The open failed items of an import key, by line: a line is failed once, under the run that
/// failed it first, until a retry or a reject file lands it.
pub async fn open_failed_of_key(db: &TestDb, key: &str) -> BTreeMap<u64, String> {
    rows_i64_text(
        db,
        &format!(
            "SELECT line, error FROM failed_items WHERE import_key = '{key}' \
             AND resolved_at IS NULL ORDER BY line"
        ),
    )
    .await
    .into_iter()
    .map(|(l, e)| (l as u64, e))
    .collect()
}

/// (import_key, line) pairs stored more than once: must be 0.
pub async fn duplicates(db: &TestDb) -> i64 {
    db.scalar(
        "SELECT COUNT(*) FROM (SELECT import_key, line FROM transactions \
         GROUP BY import_key, line HAVING COUNT(*) > 1) AS d",
    )
    .await
}

/// Items whose quantity is not the sum of their transaction rows: must be 0 (whole chunks only,
/// never an insert without its inventory update or the reverse). Valid while items start at 0.
pub async fn drift(db: &TestDb) -> i64 {
    db.scalar(
        "SELECT COUNT(*) FROM inventory_items i WHERE i.quantity <> \
         COALESCE((SELECT SUM(t.quantity) FROM transactions t WHERE t.item_id = i.id), 0)",
    )
    .await
}

/// Item name → quantity, as the store reads it.
pub async fn inventory_by_name(db: &TestDb) -> BTreeMap<String, Decimal> {
    let mut inv = BTreeMap::new();
    for row in db.store.inventory().await.unwrap() {
        let prev = inv.insert(row.name.clone(), row.quantity);
        assert!(prev.is_none(), "two items are named {:?}", row.name);
    }
    inv
}

/// Every invariant of a batch that was (eventually) imported in full under `import_key`, whatever
/// happened on the way: the inventory is the oracle's exactly, each good line is there once and no
/// bad line is, and the dead-letter rows of every run of the key name bad lines only.
pub async fn assert_exact(
    db: &TestDb,
    batch: &Batch,
    import_key: &str,
    oracle: &BTreeMap<String, Decimal>,
) {
    let what = db.kind;
    assert_eq!(
        duplicates(db).await,
        0,
        "{what}: no (import_key, line) twice"
    );
    assert_eq!(
        landed(db, import_key).await,
        batch.good(),
        "{what}: exactly the good lines landed"
    );
    assert_eq!(
        &inventory_by_name(db).await,
        oracle,
        "{what}: inventory equals the oracle"
    );
    let bad = batch.bad();
    for (run, _) in runs_of(db).await {
        for (line, error) in failed_of(db, run).await {
            assert!(
                bad.contains(&line),
                "{what}: run {run} lists good line {line} as failed ({error})"
            );
        }
    }
}

/// The oracle plus the pre-created cursed item at 0.
pub fn with_cursed(mut oracle: BTreeMap<String, Decimal>) -> BTreeMap<String, Decimal> {
    oracle.entry("Cursed item".into()).or_default();
    oracle
}

/// Peak resident memory (KiB) of a child, measured by `/usr/bin/time` when present, else by
/// polling `VmHWM` in `/proc/<pid>/status` (a high-water mark, so late polls lose nothing before).
pub fn run_measured(mut cmd: Command) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let report = tempfile::NamedTempFile::new().unwrap();
        let mut wrapped = Command::new(time);
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(report.path())
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        let out = wrapped.output().expect("run under /usr/bin/time");
        let kib = std::fs::read_to_string(report.path())
            .unwrap()
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .next_back()
            .unwrap_or_else(|| panic!("no peak RSS from /usr/bin/time: {}", text(&out)));
        (out, kib)
    } else {
        use std::process::Stdio;
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status_path = format!("/proc/{}/status", child.id());
        let mut peak = 0;
        // Drain the pipes on threads so a chatty child never blocks.
        let mut so = child.stdout.take().unwrap();
        let mut se = child.stderr.take().unwrap();
        let t1 = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut so, &mut v).ok();
            v
        });
        let t2 = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut se, &mut v).ok();
            v
        });
        let status = loop {
            if let Ok(s) = std::fs::read_to_string(&status_path)
                && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
            {
                let kib: u64 = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                peak = peak.max(kib);
            }
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let out = Output {
            status,
            stdout: t1.join().unwrap(),
            stderr: t2.join().unwrap(),
        };
        assert!(peak > 0, "VmHWM was read at least once");
        (out, peak)
    }
}

/// An expected inventory: SKU → quantity.
pub type Oracle = std::collections::BTreeMap<String, rust_decimal::Decimal>;

/// An oracle from (SKU, quantity) pairs.
pub fn oracle(pairs: &[(&str, &str)]) -> Oracle {
    pairs.iter().map(|(s, q)| (s.to_string(), d(q))).collect()
}

/// SKU → quantity as `batchops inventory --format json` prints it.
pub fn inventory(url: &str) -> Oracle {
    let out = batchops(url, &["inventory", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    json(&out)
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["sku"].as_str().expect("a sku").to_string(),
                d(r["quantity"].as_str().expect("a quantity")),
            )
        })
        .collect()
}
