//! Batches whose every line's fate is known in advance, and the inventory they must leave: the
//! independent oracle the reliability tests hold the database to.

use crate::support::db::{TestDb, duplicates, failed_of, inventory_by_name, landed, runs_of};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
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

/// An expected inventory: SKU → quantity.
pub type Oracle = std::collections::BTreeMap<String, rust_decimal::Decimal>;

/// An oracle from (SKU, quantity) pairs.
pub fn oracle(pairs: &[(&str, &str)]) -> Oracle {
    pairs.iter().map(|(s, q)| (s.to_string(), d(q))).collect()
}
