//! Abt-Buy benchmark: real product titles mapped to a real catalog, scored against the gold pairs.
//!
//! `cargo bench --bench abt_buy` imports `benches/data/abt-buy/catalog.csv` (with SKUs) and then
//! `invoice.csv` (descriptions only) into a temporary SQLite database with this build's binary,
//! reads where every invoice line went (`transactions` joined to `inventory_items`, `review list
//! --format json` for held lines, `failed_items`) and prints, for lines whose product is in the
//! catalog (`match`) and lines whose product is not (`nomatch`):
//!
//! - right: on a gold item (`nomatch`: on an item the run created);
//! - WRONG: landed automatically on another catalog item; WRONG,st of them: line and item have the
//!   same words (a gap of the gold list);
//! - new: on an item the run created; new,shrd: sharing it with other lines; new,cnfl: with a line
//!   of another catalog product (two products merged into one new item);
//! - held; held,top: with a gold item as first candidate; held,any: among the candidates;
//! - and the mapping rate in lines per second.
//!
//! The data's source is in `benches/data/abt-buy/README.md`. Every figure is measured in the run
//! that prints it.

use serde_json::Value;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where one invoice line went.
enum Outcome {
    Landed(String),
    Held(Vec<String>),
    Failed,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    right: u64,
    wrong: u64,
    wrong_same_text: u64,
    new: u64,
    new_shared: u64,
    new_conflict: u64,
    /// Of `new_conflict`: every line of another product on that item has this line's words.
    new_conflict_same_text: u64,
    held: u64,
    held_top_right: u64,
    held_right_in_cands: u64,
    failed: u64,
}

/// The words of a title, lowercased, split at anything not a letter or digit, sorted.
fn words(s: &str) -> Vec<String> {
    let mut w: Vec<String> = s
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    w.sort();
    w
}

fn run(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().expect("run batchops");
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "batchops {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/abt-buy");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_batchops"));
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("abt_buy.db");
    let url = format!("sqlite:{}", db.display());
    let catalog = data.join("catalog.csv");
    let invoice = data.join("invoice.csv");
    run(
        &bin,
        &[
            "--database-url",
            &url,
            "import",
            "--import-key",
            "catalog",
            catalog.to_str().expect("path"),
        ],
    );
    run(
        &bin,
        &[
            "--database-url",
            &url,
            "import",
            "--import-key",
            "invoice",
            "--format",
            "json",
            invoice.to_str().expect("path"),
        ],
    );
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("truth.json")).expect("truth.json"),
    )
    .expect("truth.json is JSON");
    let names: HashMap<String, String> = truth["catalog"]
        .as_object()
        .expect("catalog")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect();

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (mut outcome, mapping) = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url)
            .await
            .expect("open the database");
        let mut outcome: BTreeMap<u64, Outcome> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT t.line, i.sku FROM transactions t JOIN inventory_items i ON i.id = t.item_id \
             WHERE t.import_key = 'invoice'",
        )
        .fetch_all(&pool)
        .await
        .expect("transactions")
        {
            let line: i64 = row.get(0);
            outcome.insert(line as u64, Outcome::Landed(row.get(1)));
        }
        for row in sqlx::query(
            "SELECT f.line FROM failed_items f JOIN import_runs r ON r.id = f.run_id \
             WHERE r.import_key = 'invoice' AND f.resolved_at IS NULL",
        )
        .fetch_all(&pool)
        .await
        .expect("failed_items")
        {
            let line: i64 = row.get(0);
            outcome.entry(line as u64).or_insert(Outcome::Failed);
        }
        let run = sqlx::query(
            "SELECT mapping_seconds, items_total FROM import_runs WHERE import_key = 'invoice' \
             ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .expect("the invoice run");
        let seconds: f64 = run.get(0);
        let total: i64 = run.get(1);
        (outcome, (seconds, total))
    });
    let held: Value = serde_json::from_str(&run(
        &bin,
        &["--database-url", &url, "review", "list", "--format", "json"],
    ))
    .expect("review list JSON");
    for h in held.as_array().expect("held lines") {
        if h["import_key"] != "invoice" || h["decided"].as_bool().unwrap_or(false) {
            continue;
        }
        let line = h["line"].as_u64().expect("line");
        let cands = h["candidates"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["sku"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            !matches!(outcome.get(&line), Some(Outcome::Landed(_))),
            "line {line} both landed and held"
        );
        outcome.insert(line, Outcome::Held(cands));
    }
    let outcome = outcome;

    let lines = truth["lines"].as_array().expect("lines");
    let gold_of = |l: &Value| -> BTreeSet<String> {
        l["truth"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Items the run created: the lines on each and their gold products.
    // Per created item: each of its lines' gold products and words.
    type Lines = Vec<(BTreeSet<String>, Vec<String>)>;
    let mut on_created: HashMap<String, Lines> = HashMap::new();
    for l in lines {
        let n = l["line"].as_u64().expect("line");
        if let Some(Outcome::Landed(sku)) = outcome.get(&n)
            && !names.contains_key(sku)
        {
            let desc = l["description"].as_str().unwrap_or("");
            on_created
                .entry(sku.clone())
                .or_default()
                .push((gold_of(l), words(desc)));
        }
    }
    let mut counts: [Counts; 2] = [Counts::default(); 2];
    for l in lines {
        let n = l["line"].as_u64().expect("line");
        let gold = gold_of(l);
        let c = &mut counts[usize::from(gold.is_empty())];
        c.lines += 1;
        match outcome.get(&n) {
            None | Some(Outcome::Failed) => c.failed += 1,
            Some(Outcome::Held(cands)) => {
                c.held += 1;
                if cands.first().is_some_and(|s| gold.contains(s)) {
                    c.held_top_right += 1;
                }
                if cands.iter().any(|s| gold.contains(s)) {
                    c.held_right_in_cands += 1;
                }
            }
            Some(Outcome::Landed(sku)) if names.contains_key(sku) => {
                if gold.contains(sku) {
                    c.right += 1;
                } else {
                    c.wrong += 1;
                    let desc = l["description"].as_str().unwrap_or("");
                    if words(desc) == words(&names[sku]) {
                        c.wrong_same_text += 1;
                    }
                }
            }
            Some(Outcome::Landed(sku)) => {
                let others = &on_created[sku];
                if others.len() > 1 {
                    c.new_shared += 1;
                    let mut conflicting = others.iter().filter(|(g, _)| g.is_disjoint(&gold));
                    if !gold.is_empty() && conflicting.clone().next().is_some() {
                        c.new_conflict += 1;
                        let mine = words(l["description"].as_str().unwrap_or(""));
                        if conflicting.all(|(_, w)| *w == mine) {
                            c.new_conflict_same_text += 1;
                        }
                    }
                }
                if gold.is_empty() {
                    c.right += 1;
                } else {
                    c.new += 1;
                }
            }
        }
    }

    println!("Abt-Buy (benches/data/abt-buy): batchops find-or-create against the gold pairs");
    println!(
        "  {:<9} {:>7} {:>7} {:>7} {:>9} {:>7} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}",
        "kind",
        "lines",
        "right",
        "WRONG",
        "WRONG,st",
        "new",
        "new,shrd",
        "new,cnfl",
        "held",
        "held,top",
        "held,any",
        "failed"
    );
    for (kind, c) in ["match", "nomatch"].iter().zip(counts) {
        println!(
            "  {:<9} {:>7} {:>7} {:>7} {:>9} {:>7} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}",
            kind,
            c.lines,
            c.right,
            c.wrong,
            c.wrong_same_text,
            c.new,
            c.new_shared,
            c.new_conflict,
            c.held,
            c.held_top_right,
            c.held_right_in_cands,
            c.failed
        );
    }
    let m = counts[0];
    let all = counts[0].lines + counts[1].lines;
    let pct = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "  (match: lines whose product is in the catalog; right = on a gold item, WRONG = on another\n   \
         catalog item, new = on an item the run created. nomatch: lines whose product the catalog\n   \
         lacks; right = on a created item. WRONG,st: of WRONG, same words as the item. new,shrd:\n   \
         lines on a created item other lines share; new,cnfl: of those, with a line of another\n   \
         catalog product. held,top: held with a gold item first; held,any: a gold item among the\n   \
         candidates.)"
    );
    println!(
        "  auto-or-top {:.1}% of match lines · WRONG (same words excepted) {} · duplicates created \
         {:.1}% · held {:.1}% of all lines · lines on a created item with another product's {} \
         ({} of them with the same words as every such line)",
        pct(m.right + m.held_top_right, m.lines),
        m.wrong - m.wrong_same_text + counts[1].wrong - counts[1].wrong_same_text,
        pct(m.new, m.lines),
        pct(m.held + counts[1].held, all),
        m.new_conflict,
        m.new_conflict_same_text
    );
    let (seconds, total) = mapping;
    println!(
        "  mapping: {total} lines in {seconds:.3} s, {:.0} lines/s against a {}-item catalog",
        total as f64 / seconds.max(1e-9),
        names.len()
    );
}
