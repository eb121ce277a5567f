//! Synthetic invoice batches for `batchops generate` and the benchmarks.
//!
//! A batch is drawn from a catalog of `items` products with SKUs `SKU-000001`… and names built from
//! hardware-store word lists ("Hex Bolt M8 x 40mm Zinc Plated", "Nitrile Gloves Size L Box of 100",
//! "Copper Pipe 15mm 3m Half Hard"). Product popularity follows a Zipf law (s = 1): with 1,000
//! products the most popular fifth of them make up about 80% of the lines.
//!
//! Good lines carry the SKU and the canonical name with probability `sku_ratio`. The others have no
//! SKU and a description that is the name or a spelling variant of it: case changed, tokens
//! reordered, extra spaces or punctuation, or one typo (two letters swapped or one dropped in a
//! word of five letters or more). Every typo is checked when it is made: the normalized variant
//! (lowercase, punctuation dropped, tokens sorted) keeps a Damerau-Levenshtein similarity of at least
//! [`VARIANT_MIN_SIMILARITY`] to the normalized name, so a fuzzy matcher at ~0.85 maps it back.
//! Note that the catalog, like a real one, holds near-duplicates (`M8 x 40mm` and `M8 x 50mm`): a
//! no-SKU line naming a product that the database does not know yet may fuzzy-match a sibling.
//!
//! Quantities and prices are exact decimal text built from integers (`12`, `2.5`, `0.125`, `3.40`),
//! never formatted from `f64`. Bad lines (exactly `round(lines × bad_ratio)` of them, at random
//! positions) each carry one defect that a reader rejects; see [`Defect`].
//!
//! Output streams: memory is O(items), whatever the number of lines. The writer is buffered
//! internally, so passing a raw `File` is fine (a `BufWriter` is harmless). The same seed and options
//! give the same bytes, and the CSV and JSONL outputs of one seed hold the same lines.

pub mod matching;

use crate::mapping::normalize;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Data lines to write (the CSV header is not counted).
    pub lines: u64,
    /// Distinct products in the catalog the lines are drawn from.
    pub items: u64,
    /// Share of bad lines, 0.0..=1.0 (a generator knob, not money).
    pub bad_ratio: f64,
    pub seed: u64,
    pub format: GenerateFormat,
    /// Share of good lines that carry a SKU, 0.0..=1.0.
    pub sku_ratio: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenerateFormat {
    /// Header `sku,description,quantity,unit_price`, one record per line.
    Csv,
    /// One JSON object per line with the keys `sku`, `description`, `quantity`, `unit_price`.
    Jsonl,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            lines: 1000,
            items: 1000,
            bad_ratio: 0.0,
            seed: 42,
            format: GenerateFormat::Csv,
            sku_ratio: 0.8,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Data lines written.
    pub lines: u64,
    /// How many of them are bad.
    pub bad_lines: u64,
    /// The first (at most 100) bad lines' 1-based numbers among the data lines (header excluded).
    pub bad_line_numbers_sample: Vec<u64>,
}

/// How many bad line numbers the summary keeps.
const BAD_SAMPLE: usize = 100;

/// Least similarity between a typo variant and its name, both normalized.
pub const VARIANT_MIN_SIMILARITY: f64 = 0.9;

/// Write a batch of `opts.lines` lines to `out`.
///
/// Fails with `InvalidInput` when a ratio is outside 0.0..=1.0 or when lines are asked of an empty
/// catalog; otherwise only with the writer's I/O errors.
pub fn generate(opts: &GenerateOptions, out: &mut dyn Write) -> io::Result<GenerateSummary> {
    validate(opts)?;
    let mut summary = GenerateSummary {
        lines: opts.lines,
        ..GenerateSummary::default()
    };
    let mut generator = Generator::new(opts);
    let mut note = |number: u64, rec: &Record| {
        if rec.defect.is_some() {
            summary.bad_lines += 1;
            if summary.bad_line_numbers_sample.len() < BAD_SAMPLE {
                summary.bad_line_numbers_sample.push(number);
            }
        }
    };
    match opts.format {
        GenerateFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .buffer_capacity(1 << 16)
                .from_writer(out);
            w.write_record(["sku", "description", "quantity", "unit_price"])?;
            for number in 1..=opts.lines {
                let rec = generator.next_record();
                note(number, rec);
                write_csv(&mut w, rec)?;
            }
            w.flush()?;
        }
        GenerateFormat::Jsonl => {
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
            for number in 1..=opts.lines {
                let rec = generator.next_record();
                note(number, rec);
                write_json(&mut buf, rec)?;
                if buf.len() >= (1 << 16) - 1024 {
                    out.write_all(&buf)?;
                    buf.clear();
                }
            }
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(summary)
}

fn validate(opts: &GenerateOptions) -> io::Result<()> {
    let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    if !(0.0..=1.0).contains(&opts.bad_ratio) {
        return invalid(format!(
            "bad ratio {} is not between 0 and 1",
            opts.bad_ratio
        ));
    }
    if !(0.0..=1.0).contains(&opts.sku_ratio) {
        return invalid(format!(
            "SKU ratio {} is not between 0 and 1",
            opts.sku_ratio
        ));
    }
    if opts.items == 0 && opts.lines > 0 {
        return invalid("cannot generate lines from 0 items".into());
    }
    if opts.items > u64::from(u32::MAX) {
        return invalid(format!("{} items is too many", opts.items));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/// Why a bad line is bad. Each bad line has exactly one defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defect {
    /// Quantity is words: `abc`, `ten`, `12 pcs`, `n/a`.
    QuantityNotANumber,
    /// Quantity with a decimal comma in a file whose numbers have decimal points: `1,5`, `3,25`.
    QuantityComma,
    /// Quantity `NaN`, `nan` or `Infinity`.
    QuantityNotFinite,
    /// Quantity blank (CSV: empty or spaces; JSONL: `""` or the key left out).
    QuantityEmpty,
    /// Unit price below zero: `-4.20`.
    NegativePrice,
    /// Both SKU and description empty.
    NoSkuNoDescription,
    /// CSV: 5 columns or 3 columns instead of 4. JSONL: `"quantity":[1]`, `"quantity":{"value":"1"}`,
    /// `"unit_price":true`, or a line cut off mid-object.
    Shape,
}

const DEFECTS: [Defect; 7] = [
    Defect::QuantityNotANumber,
    Defect::QuantityComma,
    Defect::QuantityNotFinite,
    Defect::QuantityEmpty,
    Defect::NegativePrice,
    Defect::NoSkuNoDescription,
    Defect::Shape,
];

/// One line to write. The buffers are reused from line to line.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// Index of the product in the catalog.
    pub(crate) product: usize,
    pub(crate) defect: Option<Defect>,
    /// The description differs from the canonical name.
    pub(crate) variant: bool,
    /// Empty when the line has no SKU.
    pub(crate) sku: String,
    pub(crate) description: String,
    pub(crate) quantity: String,
    pub(crate) unit_price: String,
    /// JSONL: write the quantity as a number literal rather than a string (only for numeric text).
    quantity_as_number: bool,
    /// JSONL: write the unit price as a number literal rather than a string.
    price_as_number: bool,
    /// JSONL: no SKU is written as a missing key rather than `""`.
    omit_empty_sku: bool,
    /// JSONL: an empty quantity is written as a missing key rather than `""`.
    omit_empty_quantity: bool,
    /// Which shape defect (0..4), when the defect is [`Defect::Shape`].
    shape: u8,
}

pub(crate) struct Product {
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) price_cents: u64,
}

/// The line stream: catalog, popularity and the random state. Everything after construction is
/// O(1) memory per line.
pub(crate) struct Generator {
    rng: StdRng,
    pub(crate) products: Vec<Product>,
    /// Cumulative Zipf weights by popularity rank.
    cdf: Vec<f64>,
    /// Popularity rank → product index (shuffled, so SKU-000001 is not the most popular).
    by_rank: Vec<u32>,
    lines_left: u64,
    bad_left: u64,
    sku_ratio: f64,
    rec: Record,
    tokens: Vec<String>,
}

impl Generator {
    pub(crate) fn new(opts: &GenerateOptions) -> Self {
        let mut rng = StdRng::seed_from_u64(opts.seed);
        let items = opts.items as usize;
        let products = build_catalog(&mut rng, items);
        let mut cdf = Vec::with_capacity(items);
        let mut total = 0.0f64;
        for rank in 0..items {
            total += 1.0 / (rank as f64 + 1.0);
            cdf.push(total);
        }
        let mut by_rank: Vec<u32> = (0..items as u32).collect();
        by_rank.shuffle(&mut rng);
        let bad_total = ((opts.lines as f64) * opts.bad_ratio).round() as u64;
        Generator {
            rng,
            products,
            cdf,
            by_rank,
            lines_left: opts.lines,
            bad_left: bad_total.min(opts.lines),
            sku_ratio: opts.sku_ratio,
            rec: Record::default(),
            tokens: Vec::new(),
        }
    }

    fn pick_product(&mut self) -> usize {
        let total = *self.cdf.last().expect("catalog is not empty");
        let u = self.rng.random::<f64>() * total;
        let rank = self
            .cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1);
        self.by_rank[rank] as usize
    }

    pub(crate) fn next_record(&mut self) -> &Record {
        // Selection sampling: exactly `bad_left` of the remaining `lines_left` lines are bad.
        let bad = self.lines_left > 0 && self.rng.random_range(0..self.lines_left) < self.bad_left;
        self.lines_left = self.lines_left.saturating_sub(1);
        let defect = if bad {
            self.bad_left -= 1;
            Some(DEFECTS[self.rng.random_range(0..DEFECTS.len())])
        } else {
            None
        };
        let product = self.pick_product();
        let with_sku = self.rng.random_bool(self.sku_ratio);

        let rng = &mut self.rng;
        let rec = &mut self.rec;
        let p = &self.products[product];
        rec.product = product;
        rec.defect = defect;
        rec.variant = false;
        rec.sku.clear();
        rec.description.clear();
        if with_sku {
            rec.sku.push_str(&p.sku);
            rec.description.push_str(&p.name);
        } else {
            rec.variant = describe_variant(rng, &p.name, &mut rec.description, &mut self.tokens);
        }
        write_quantity(rng, &mut rec.quantity);
        write_price(rng, p.price_cents, &mut rec.unit_price);
        rec.quantity_as_number = rng.random_bool(0.6);
        rec.price_as_number = rng.random_bool(0.4);
        rec.omit_empty_sku = rng.random_bool(0.7);
        rec.omit_empty_quantity = rng.random_bool(0.5);
        rec.shape = rng.random_range(0..4u8);

        match defect {
            None => {}
            Some(Defect::QuantityNotANumber) => {
                rec.quantity.clear();
                rec.quantity
                    .push_str(pick(rng, &["abc", "ten", "12 pcs", "n/a", "TBD", "one"]));
            }
            Some(Defect::QuantityComma) => {
                rec.quantity.clear();
                if rng.random_bool(0.7) {
                    let _ = write!(
                        rec.quantity,
                        "{},{}",
                        rng.random_range(0..=20u32),
                        rng.random_range(1..=9u32)
                    );
                } else {
                    let _ = write!(rec.quantity, "{},25", rng.random_range(1..=5u32));
                }
            }
            Some(Defect::QuantityNotFinite) => {
                rec.quantity.clear();
                rec.quantity
                    .push_str(pick(rng, &["NaN", "NaN", "nan", "Infinity"]));
            }
            Some(Defect::QuantityEmpty) => {
                rec.quantity.clear();
                if rng.random_bool(0.3) {
                    rec.quantity.push_str("  ");
                }
            }
            Some(Defect::NegativePrice) => {
                rec.unit_price.insert(0, '-');
            }
            Some(Defect::NoSkuNoDescription) => {
                rec.sku.clear();
                rec.description.clear();
                rec.variant = false;
            }
            Some(Defect::Shape) => {}
        }
        &self.rec
    }
}

fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// Quantity text: mostly whole numbers 1–500 (small ones most often), sometimes 1–4 decimals.
fn write_quantity(rng: &mut StdRng, out: &mut String) {
    out.clear();
    if rng.random_range(0..100u32) < 86 {
        let n: u32 = match rng.random_range(0..100u32) {
            0..55 => rng.random_range(1..=12),
            55..85 => rng.random_range(13..=100),
            85..95 => pick(rng, &[120, 144, 150, 200, 250, 300, 400, 500]),
            _ => rng.random_range(101..=500),
        };
        let _ = write!(out, "{n}");
        return;
    }
    let whole: u32 = match rng.random_range(0..100u32) {
        0..35 => 0,
        35..85 => rng.random_range(1..=20),
        _ => rng.random_range(21..=250),
    };
    if rng.random_bool(0.5) {
        // Everyday fractions, `0.1` among them.
        let frac = pick(
            rng,
            &["5", "25", "75", "1", "2", "125", "375", "05", "333", "0625"],
        );
        let _ = write!(out, "{whole}.{frac}");
    } else {
        let decimals: u32 = match rng.random_range(0..100u32) {
            0..50 => 1,
            50..80 => 2,
            80..94 => 3,
            _ => 4,
        };
        let frac = rng.random_range(1..10u32.pow(decimals));
        let _ = write!(out, "{whole}.{frac:0width$}", width = decimals as usize);
    }
}

/// Unit price text with 2 decimals: the base price, sometimes discounted or raised a little.
fn write_price(rng: &mut StdRng, base_cents: u64, out: &mut String) {
    out.clear();
    let cents = match rng.random_range(0..100u32) {
        0..85 => base_cents,
        85..95 => base_cents * (100 - rng.random_range(5..=15u64)) / 100,
        _ => base_cents * (100 + rng.random_range(2..=6u64)) / 100,
    }
    .max(1);
    let _ = write!(out, "{}.{:02}", cents / 100, cents % 100);
}

/// A description for a no-SKU line: the name itself or a variant of it. True when it differs.
fn describe_variant(
    rng: &mut StdRng,
    name: &str,
    out: &mut String,
    tokens: &mut Vec<String>,
) -> bool {
    out.clear();
    tokens.clear();
    tokens.extend(name.split(' ').map(str::to_string));
    let op = rng.random_range(0..100u32);
    match op {
        0..20 => {
            out.push_str(name);
            return false;
        }
        20..40 => change_case(rng, tokens),
        40..55 => reorder(rng, tokens),
        55..70 => {} // spacing and punctuation only
        _ => {
            // No word long enough for a typo: a case change instead; after a typo, sometimes both.
            if !typo(rng, tokens, name) || rng.random_bool(0.3) {
                change_case(rng, tokens);
            }
        }
    }
    // Separators: mostly one space, sometimes two, a comma or a dash.
    let fancy = (55..70).contains(&op) || rng.random_bool(0.15);
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            let sep = if fancy {
                pick(rng, &[" ", " ", " ", "  ", ", ", " - ", "-"])
            } else {
                " "
            };
            out.push_str(sep);
        }
        out.push_str(t);
    }
    if fancy && rng.random_bool(0.3) {
        out.push_str(pick(rng, &[".", " ,", " ;"]));
    }
    out != name
}

fn change_case(rng: &mut StdRng, tokens: &mut [String]) {
    let how = rng.random_range(0..4u32);
    for t in tokens.iter_mut() {
        *t = match how {
            0 | 1 => t.to_lowercase(),
            2 => t.to_uppercase(),
            _ => {
                let mut chars = t.chars();
                match chars.next() {
                    Some(first) => first
                        .to_uppercase()
                        .chain(chars.flat_map(char::to_lowercase))
                        .collect(),
                    None => String::new(),
                }
            }
        };
    }
}

fn reorder(rng: &mut StdRng, tokens: &mut [String]) {
    if tokens.len() < 2 {
        return;
    }
    if rng.random_bool(0.5) {
        tokens.rotate_right(1); // "Plated Hex Bolt M8 x 40mm Zinc"
    } else {
        let i = rng.random_range(0..tokens.len() - 1);
        tokens.swap(i, i + 1);
    }
}

/// One typo in a word of five ASCII letters or more: two neighbours swapped or one letter dropped,
/// never the first letter. Kept only when the normalized result stays close to the name.
fn typo(rng: &mut StdRng, tokens: &mut [String], name: &str) -> bool {
    let long: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].len() >= 5 && tokens[i].bytes().all(|b| b.is_ascii_alphabetic()))
        .collect();
    if long.is_empty() {
        return false;
    }
    let which = long[rng.random_range(0..long.len())];
    let mut word = tokens[which].clone().into_bytes();
    let i = rng.random_range(1..word.len() - 1);
    if rng.random_bool(0.6) && !word[i].eq_ignore_ascii_case(&word[i + 1]) {
        word.swap(i, i + 1);
    } else {
        word.remove(i);
    }
    let word = String::from_utf8(word).expect("ASCII stays UTF-8");
    let original = std::mem::replace(&mut tokens[which], word);
    if typo_similarity(&normalize(&tokens.join(" ")), &normalize(name)) < VARIANT_MIN_SIMILARITY {
        tokens[which] = original;
        return false;
    }
    true
}

/// The normalized Damerau-Levenshtein similarity of a one-typo variant to its name, both normalized,
/// computed cheaply: when the typo left the sorted token order alone the two differ in one token by
/// one edit, so the similarity is `1 - 1/len`; when the order changed, 0 (rejected).
fn typo_similarity(variant: &str, name: &str) -> f64 {
    let mut a = variant.split(' ');
    let mut b = name.split(' ');
    let mut differing = 0;
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (Some(x), Some(y)) => differing += usize::from(x != y),
            _ => return 0.0,
        }
    }
    if differing != 1 {
        return 0.0;
    }
    let len = variant.chars().count().max(name.chars().count());
    1.0 - 1.0 / len as f64
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

fn write_csv<W: Write>(w: &mut csv::Writer<W>, rec: &Record) -> io::Result<()> {
    let fields = [
        rec.sku.as_str(),
        rec.description.as_str(),
        rec.quantity.as_str(),
        rec.unit_price.as_str(),
    ];
    if rec.defect == Some(Defect::Shape) {
        match rec.shape {
            0 => w.write_record(fields.iter().copied().chain(["EA"]))?,
            1 => w.write_record(fields.iter().copied().chain(["urgent, deliver to site B"]))?,
            2 => w.write_record(fields.iter().copied().chain([""]))?,
            _ => w.write_record(&fields[..3])?,
        }
    } else {
        w.write_record(fields)?;
    }
    Ok(())
}

fn json_str(buf: &mut Vec<u8>, s: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, s).map_err(io::Error::other)
}

/// Text that may be written as a JSON number literal as is.
fn is_json_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "1"));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn json_decimal(buf: &mut Vec<u8>, s: &str, as_number: bool) -> io::Result<()> {
    if as_number && is_json_number(s) {
        buf.extend_from_slice(s.as_bytes());
        Ok(())
    } else {
        json_str(buf, s)
    }
}

fn write_json(buf: &mut Vec<u8>, rec: &Record) -> io::Result<()> {
    let shape = if rec.defect == Some(Defect::Shape) {
        Some(rec.shape)
    } else {
        None
    };
    buf.push(b'{');
    if !rec.sku.is_empty() || !rec.omit_empty_sku {
        buf.extend_from_slice(b"\"sku\":");
        json_str(buf, &rec.sku)?;
        buf.push(b',');
    }
    buf.extend_from_slice(b"\"description\":");
    json_str(buf, &rec.description)?;
    let omit_quantity = rec.quantity.trim().is_empty() && rec.omit_empty_quantity;
    if !omit_quantity {
        buf.extend_from_slice(b",\"quantity\":");
        match shape {
            Some(0) => {
                buf.push(b'[');
                json_decimal(buf, &rec.quantity, true)?;
                buf.push(b']');
            }
            Some(1) => {
                buf.extend_from_slice(b"{\"value\":");
                json_str(buf, &rec.quantity)?;
                buf.push(b'}');
            }
            _ => json_decimal(buf, &rec.quantity, rec.quantity_as_number)?,
        }
    }
    buf.extend_from_slice(b",\"unit_price\":");
    match shape {
        Some(2) => buf.extend_from_slice(b"true}"),
        Some(3) => {} // cut off: no value, no closing brace
        _ => {
            json_decimal(buf, &rec.unit_price, rec.price_as_number)?;
            buf.push(b'}');
        }
    }
    buf.push(b'\n');
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

fn build_catalog(rng: &mut StdRng, items: usize) -> Vec<Product> {
    let mut seen: HashSet<String> = HashSet::with_capacity(items);
    let mut products = Vec::with_capacity(items);
    for i in 0..items {
        let mut attempts = 0;
        loop {
            let (mut name, cents) = make_product(rng);
            if attempts >= 12 {
                // The word lists ran short for this many items: an article number keeps names apart.
                let _ = write!(name, " Art {}", 10_000 + i);
            }
            if seen.insert(normalize(&name)) {
                let jitter = rng.random_range(85..=115u64);
                products.push(Product {
                    sku: format!("SKU-{:06}", i + 1),
                    name,
                    price_cents: (cents * jitter / 100).max(1),
                });
                break;
            }
            attempts += 1;
        }
    }
    products
}

/// The catalog `generate --items N --seed S` draws its lines from: (sku, name, price in cents).
/// A benchmark imports it first so a batch maps against a catalog of that size.
pub fn catalog(items: u64, seed: u64) -> Vec<(String, String, u64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    build_catalog(&mut rng, items as usize)
        .into_iter()
        .map(|p| (p.sku, p.name, p.price_cents))
        .collect()
}

/// Pick an element and its index.
fn pick_i<T: Copy>(rng: &mut StdRng, xs: &[T]) -> (T, u64) {
    let i = rng.random_range(0..xs.len());
    (xs[i], i as u64)
}

/// A product name and its base price in cents.
fn make_product(rng: &mut StdRng) -> (String, u64) {
    let (name, cents, brands): (String, u64, &[&str]) = match rng.random_range(0..26u32) {
        0 | 1 => {
            let (m, mi) = pick_i(rng, &["M5", "M6", "M8", "M10", "M12", "M16"]);
            let (len, li) = pick_i(rng, &[16, 20, 25, 30, 35, 40, 50, 60, 70, 80, 100, 120]);
            let finish = pick(
                rng,
                &[
                    "Zinc Plated",
                    "Stainless A2",
                    "Stainless A4",
                    "Hot Dip Galvanized",
                    "Black Oxide",
                    "Grade 8.8 Zinc",
                ],
            );
            let per = 6 + mi * 7 + li * 2;
            match pick(rng, &[0u64, 0, 10, 25, 50, 100]) {
                0 => (format!("Hex Bolt {m} x {len}mm {finish}"), per, &[]),
                n => (
                    format!("Hex Bolt {m} x {len}mm {finish} Pack of {n}"),
                    per * n * 9 / 10,
                    &[],
                ),
            }
        }
        2 => {
            let (m, mi) = pick_i(rng, &["M4", "M5", "M6", "M8", "M10", "M12", "M16"]);
            let kind = pick(rng, &["Hex Nut", "Nyloc Nut", "Flange Nut", "Wing Nut"]);
            let finish = pick(
                rng,
                &["Zinc Plated", "Stainless A2", "Stainless A4", "Brass"],
            );
            let n = pick(rng, &[50u64, 100, 200]);
            (
                format!("{kind} {m} {finish} Box of {n}"),
                (2 + mi * 2) * n,
                &[],
            )
        }
        3 => {
            let (d, di) = pick_i(rng, &[4, 5, 6, 8, 10, 12, 16]);
            let kind = pick(rng, &["Flat Washer", "Penny Washer", "Spring Washer"]);
            let finish = pick(rng, &["Zinc", "Stainless", "Stainless A4"]);
            let n = pick(rng, &[50u64, 100, 250]);
            (
                format!("{kind} \u{d8}{d} {finish} Box of {n}"),
                (1 + di) * n,
                &[],
            )
        }
        4 | 5 => {
            let (size, si) = pick_i(
                rng,
                &[
                    "3.5 x 30mm",
                    "4 x 40mm",
                    "4 x 50mm",
                    "5 x 60mm",
                    "5 x 80mm",
                    "6 x 100mm",
                ],
            );
            let head = pick(rng, &["Countersunk", "Pan Head", "Wafer Head"]);
            let drive = pick(rng, &["Torx", "Pozidriv", "Phillips"]);
            let kind = pick(rng, &["Wood Screw", "Chipboard Screw", "Decking Screw"]);
            let n = pick(rng, &[100u64, 200, 500]);
            (
                format!("{kind} {size} {head} {drive} Box of {n}"),
                (2 + si) * n,
                &["Spax", "TurboGold", "Reisser"],
            )
        }
        6 => {
            let size = pick(rng, &["S", "M", "L", "XL"]);
            let colour = pick(rng, &["Blue", "Black", "White"]);
            let (n, ni) = pick_i(rng, &[50u64, 100, 200]);
            let pf = pick(rng, &["", " Powder Free"]);
            (
                format!("Nitrile Gloves{pf} {colour} Size {size} Box of {n}"),
                450 + ni * 500,
                &["Ansell", "Kimtech"],
            )
        }
        7 => {
            let (d, di) = pick_i(rng, &[10, 12, 15, 22, 28, 35]);
            let (l, li) = pick_i(rng, &[1, 2, 3, 5]);
            let temper = pick(rng, &["", " Half Hard", " Table X"]);
            (
                format!("Copper Pipe {d}mm {l}m{temper}"),
                (300 + di * 250) * (li + 1),
                &[],
            )
        }
        8 => {
            let (d, di) = pick_i(rng, &[15, 22, 28]);
            let kind = pick(
                rng,
                &[
                    "Elbow",
                    "Equal Tee",
                    "Straight Coupling",
                    "Reducer",
                    "Stop End",
                ],
            );
            let conn = pick(rng, &["Solder Ring", "End Feed", "Compression", "Push Fit"]);
            (
                format!("Copper {kind} {d}mm {conn}"),
                90 + di * 80,
                &["Yorkshire", "Pegler", "JG Speedfit"],
            )
        }
        9 => {
            let size = pick(rng, &["1/4\"", "3/8\"", "1/2\"", "3/4\"", "1\""]);
            let kind = pick(
                rng,
                &[
                    "Ball Valve",
                    "Hose Tail",
                    "Barrel Nipple",
                    "Hex Reducing Bush",
                ],
            );
            let thread = pick(rng, &["BSP Male", "BSP Female", "BSP Male x Female"]);
            let metal = pick(rng, &["Brass", "Chrome Plated Brass", "Stainless 316"]);
            (
                format!("{kind} {size} {thread} {metal}"),
                250 + rng.random_range(0..900u64),
                &[],
            )
        }
        10 => {
            let (len, li) = pick_i(rng, &[100, 150, 200, 300, 370, 540]);
            let width = pick(rng, &["2.5", "3.6", "4.8", "7.6"]);
            let colour = pick(rng, &["Black", "Natural", "Red", "Blue"]);
            (
                format!("Cable Ties {len}mm x {width}mm {colour} Pack of 100"),
                120 + li * 90,
                &["Hellermann"],
            )
        }
        11 => {
            let (d, di) = pick_i(rng, &[16, 20, 25, 32]);
            let colour = pick(rng, &["Grey", "White", "Black"]);
            let kind = pick(rng, &["PVC Conduit", "Flexible Conduit", "Trunking"]);
            (
                format!("{kind} {d}mm {colour} 3m Length"),
                180 + di * 70,
                &[],
            )
        }
        12 => {
            let (w, wi) = pick_i(rng, &[19, 25, 38, 50]);
            let kind = pick(
                rng,
                &[
                    "Masking Tape",
                    "Duct Tape",
                    "PVC Insulation Tape",
                    "Double Sided Tape",
                ],
            );
            let len = pick(rng, &[10, 20, 33, 50]);
            let colour = pick(
                rng,
                &["Beige", "Black", "Silver", "Red", "Blue", "Yellow", "Green"],
            );
            (
                format!("{kind} {w}mm x {len}m {colour}"),
                110 + wi * 120,
                &["3M", "Tesa", "Gorilla"],
            )
        }
        13 => {
            let (d, di) = pick_i(
                rng,
                &["2", "2.5", "3", "3.5", "4", "5", "6", "8", "10", "12", "13"],
            );
            let kind = pick(
                rng,
                &[
                    "HSS Drill Bit",
                    "Cobalt Drill Bit",
                    "Titanium Coated Drill Bit",
                    "Wood Drill Bit",
                ],
            );
            (
                format!("{kind} {d}mm"),
                150 + di * 60,
                &["Bosch", "Dormer", "Makita", "DeWalt"],
            )
        }
        14 => {
            let (d, di) = pick_i(rng, &[5, 6, 8, 10, 12, 14, 16]);
            let (l, li) = pick_i(rng, &[110, 160, 210, 310, 450]);
            (
                format!("SDS Plus Masonry Drill Bit {d}mm x {l}mm"),
                250 + di * 90 + li * 120,
                &["Bosch", "Makita", "Milwaukee"],
            )
        }
        15 => {
            let (l, li) = pick_i(rng, &[2, 5, 10, 15, 25]);
            let gang = pick(rng, &[1, 2, 4, 6]);
            let kind = pick(
                rng,
                &["Extension Lead", "Cable Reel", "Site Extension Lead 110V"],
            );
            (
                format!("{kind} {l}m {gang} Gang 13A"),
                900 + li * 700,
                &["Masterplug", "Defender"],
            )
        }
        16 => {
            let dims = pick(rng, &["600x600", "1200x300", "1200x600"]);
            let (watt, wi) = pick_i(rng, &[30, 36, 40, 48]);
            let cct = pick(rng, &["3000K", "4000K", "6500K"]);
            (
                format!("LED Panel {dims}mm {watt}W {cct} Flat"),
                1800 + wi * 400,
                &["Philips", "Ledvance", "Aurora"],
            )
        }
        17 | 18 => {
            let colour = pick(
                rng,
                &[
                    "Brilliant White",
                    "Pure Brilliant White",
                    "Magnolia",
                    "Soft Grey",
                    "Duck Egg",
                    "Jasmine White",
                    "Black",
                ],
            );
            let finish = pick(
                rng,
                &[
                    "Matt Emulsion",
                    "Silk Emulsion",
                    "Gloss",
                    "Satinwood",
                    "Eggshell",
                    "Masonry Paint",
                ],
            );
            let (size, si) = pick_i(rng, &["1L", "2.5L", "5L", "10L"]);
            (
                format!("{colour} {finish} {size}"),
                900 + si * 1200,
                &["Dulux", "Crown", "Johnstone's", "Leyland"],
            )
        }
        19 => {
            let grit = pick(rng, &[40, 60, 80, 100, 120, 180, 240, 320]);
            let kind = pick(
                rng,
                &[
                    "Sandpaper Sheets",
                    "Sanding Discs 125mm",
                    "Abrasive Roll 115mm x 5m",
                ],
            );
            let (n, ni) = pick_i(rng, &[5u64, 10, 25, 50]);
            (
                format!("{kind} P{grit} Pack of {n}"),
                300 + ni * 450,
                &["Mirka", "Norton", "3M"],
            )
        }
        20 => {
            let size = rng.random_range(5..=12u32);
            let class = pick(rng, &["S1P", "S3", "SB"]);
            let toe = pick(rng, &["Steel Toe", "Composite Toe"]);
            let kind = pick(rng, &["Safety Boots", "Safety Trainers", "Rigger Boots"]);
            let colour = pick(rng, &["Black", "Brown", "Tan"]);
            (
                format!("{kind} {class} {toe} {colour} Size {size}"),
                2900 + rng.random_range(0..4000u64),
                &["Dickies", "Caterpillar", "Site"],
            )
        }
        21 => {
            let (d, di) = pick_i(rng, &[5, 6, 7, 8, 10]);
            let colour = pick(rng, &["Brown", "Red", "Yellow", "Grey"]);
            let kind = pick(
                rng,
                &["Wall Plugs", "Frame Fixings", "Plasterboard Fixings"],
            );
            let n = pick(rng, &[50u64, 100, 200, 500]);
            (
                format!("{kind} {d}mm {colour} Pack of {n}"),
                (2 + di) * n / 4,
                &["Fischer", "Rawlplug"],
            )
        }
        22 => {
            let colour = pick(rng, &["Clear", "White", "Black", "Grey", "Brown"]);
            let kind = pick(
                rng,
                &[
                    "Silicone Sealant",
                    "Decorators Caulk",
                    "Grab Adhesive",
                    "Frame Sealant",
                    "Fire Rated Sealant",
                ],
            );
            let size = pick(rng, &["290ml", "310ml", "380ml"]);
            (
                format!("{kind} {colour} {size}"),
                350 + rng.random_range(0..900u64),
                &["Everbuild", "Unibond", "CT1", "Geocel"],
            )
        }
        23 => {
            let range = pick(
                rng,
                &["8-12", "10-16", "12-22", "16-27", "20-32", "25-40", "32-50"],
            );
            let grade = pick(rng, &["Stainless W4", "Mild Steel W1", "Stainless W5"]);
            let n = pick(rng, &[1u64, 10]);
            let pack = if n == 1 {
                String::new()
            } else {
                format!(" Pack of {n}")
            };
            (
                format!("Hose Clip {range}mm {grade}{pack}"),
                60 * n,
                &["Jubilee", "Norma"],
            )
        }
        24 => {
            let (sq, si) = pick_i(rng, &["1.0", "1.5", "2.5", "4.0", "6.0", "10.0"]);
            let kind = pick(
                rng,
                &[
                    "Twin and Earth Cable",
                    "Three Core Flex",
                    "SWA Cable 3 Core",
                    "Single Core Cable",
                ],
            );
            let (l, li) = pick_i(rng, &[10, 25, 50, 100]);
            let colour = pick(rng, &["Grey", "White", "Black", "Brown", "Blue"]);
            (
                format!("{kind} {sq}mm2 {colour} {l}m"),
                (400 + si * 600) * (li + 1),
                &["Doncaster", "Prysmian"],
            )
        }
        _ => {
            let kind = pick(
                rng,
                &[
                    "Plywood Sheet",
                    "OSB3 Board",
                    "MDF Sheet",
                    "Sawn Timber",
                    "Treated Batten",
                ],
            );
            let (t, ti) = pick_i(rng, &[6, 9, 12, 18, 22, 25]);
            let size = pick(
                rng,
                &[
                    "2440x1220mm",
                    "2440x607mm",
                    "1220x607mm",
                    "2.4m",
                    "3.6m",
                    "4.8m",
                ],
            );
            let grade = pick(
                rng,
                &[
                    "Hardwood Faced",
                    "Softwood",
                    "Marine Grade",
                    "C16",
                    "C24 Kiln Dried",
                    "Moisture Resistant",
                ],
            );
            (
                format!("{kind} {t}mm {size} {grade}"),
                800 + ti * 700 + rng.random_range(0..1500u64),
                &[],
            )
        }
    };
    if !brands.is_empty() && rng.random_bool(0.4) {
        (format!("{} {name}", pick(rng, brands)), cents * 12 / 10)
    } else {
        (name, cents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decimal::parse_exact;
    use std::collections::HashMap;

    fn run(opts: &GenerateOptions) -> (Vec<u8>, GenerateSummary) {
        let mut out = Vec::new();
        let summary = generate(opts, &mut out).unwrap();
        (out, summary)
    }

    fn opts(lines: u64, bad_ratio: f64, seed: u64, format: GenerateFormat) -> GenerateOptions {
        GenerateOptions {
            lines,
            bad_ratio,
            seed,
            format,
            ..GenerateOptions::default()
        }
    }

    /// One data line as a reader would see it: (sku, description, quantity, unit_price), or None
    /// when its shape is wrong (column count, JSON types, not JSON).
    type Row = Option<(String, String, String, String)>;

    fn csv_rows(out: &[u8]) -> Vec<Row> {
        let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(out);
        assert_eq!(
            r.headers().unwrap(),
            vec!["sku", "description", "quantity", "unit_price"]
        );
        r.records()
            .map(|rec| {
                let rec = rec.unwrap();
                (rec.len() == 4).then(|| {
                    (
                        rec[0].to_string(),
                        rec[1].to_string(),
                        rec[2].to_string(),
                        rec[3].to_string(),
                    )
                })
            })
            .collect()
    }

    fn jsonl_rows(out: &[u8]) -> Vec<Row> {
        let text = std::str::from_utf8(out).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'));
        text.lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).ok()?;
                let obj = v.as_object()?;
                let text = |key: &str| -> Option<String> {
                    match obj.get(key) {
                        None => Some(String::new()),
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        Some(_) => None,
                    }
                };
                Some((
                    text("sku")?,
                    text("description")?,
                    text("quantity")?,
                    text("unit_price")?,
                ))
            })
            .collect()
    }

    fn is_bad(row: &Row) -> bool {
        let Some((sku, desc, qty, price)) = row else {
            return true;
        };
        (sku.trim().is_empty() && desc.trim().is_empty())
            || parse_exact(qty).is_err()
            || parse_exact(price).map_or(true, |p| p.is_sign_negative())
    }

    fn bad_lines(rows: &[Row]) -> Vec<u64> {
        (1..)
            .zip(rows)
            .filter(|(_, r)| is_bad(r))
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        for format in [GenerateFormat::Csv, GenerateFormat::Jsonl] {
            let a = run(&opts(2000, 0.05, 7, format));
            let b = run(&opts(2000, 0.05, 7, format));
            let c = run(&opts(2000, 0.05, 8, format));
            assert_eq!(a, b);
            assert_ne!(a.0, c.0);
        }
    }

    #[test]
    fn csv_and_jsonl_of_one_seed_hold_the_same_lines() {
        let (csv, a) = run(&opts(3000, 0.1, 21, GenerateFormat::Csv));
        let (jsonl, b) = run(&opts(3000, 0.1, 21, GenerateFormat::Jsonl));
        assert_eq!(a, b);
        let (csv, jsonl) = (csv_rows(&csv), jsonl_rows(&jsonl));
        for (c, j) in csv.iter().zip(&jsonl) {
            if let (Some(c), Some(j)) = (c, j) {
                assert_eq!((&c.0, &c.1), (&j.0, &j.1));
            }
        }
    }

    #[test]
    fn line_counts_are_exact() {
        for lines in [0u64, 1, 17, 3000] {
            let (csv, s) = run(&opts(lines, 0.1, 1, GenerateFormat::Csv));
            assert_eq!(s.lines, lines);
            assert_eq!(
                csv.iter().filter(|&&b| b == b'\n').count() as u64,
                lines + 1
            );
            assert_eq!(csv_rows(&csv).len() as u64, lines);
            let (jsonl, s) = run(&opts(lines, 0.1, 1, GenerateFormat::Jsonl));
            assert_eq!(s.lines, lines);
            assert_eq!(jsonl.iter().filter(|&&b| b == b'\n').count() as u64, lines);
        }
    }

    #[test]
    fn bad_lines_reported_are_the_bad_lines_written() {
        for (lines, ratio) in [
            (5000u64, 0.07),
            (300, 0.5),
            (1000, 0.0),
            (200, 1.0),
            (10, 0.05),
        ] {
            for format in [GenerateFormat::Csv, GenerateFormat::Jsonl] {
                let (out, s) = run(&opts(lines, ratio, 99, format));
                let rows = match format {
                    GenerateFormat::Csv => csv_rows(&out),
                    GenerateFormat::Jsonl => jsonl_rows(&out),
                };
                let bad = bad_lines(&rows);
                assert_eq!(
                    s.bad_lines,
                    (lines as f64 * ratio).round() as u64,
                    "{format:?}"
                );
                assert_eq!(bad.len() as u64, s.bad_lines, "{format:?} {lines} {ratio}");
                let sample: Vec<u64> = bad.iter().copied().take(100).collect();
                assert_eq!(s.bad_line_numbers_sample, sample);
            }
        }
    }

    #[test]
    fn every_defect_appears_in_both_formats() {
        let o = opts(3000, 0.2, 5, GenerateFormat::Csv);
        let mut g = Generator::new(&o);
        let mut seen = HashSet::new();
        for _ in 0..o.lines {
            if let Some(d) = g.next_record().defect {
                seen.insert(format!("{d:?}"));
            }
        }
        assert_eq!(seen.len(), DEFECTS.len());
        let (csv, _) = run(&o);
        let text = String::from_utf8(csv).unwrap();
        assert!(text.contains("NaN") && text.contains("\"") && text.contains("\n,,"));
        let (jsonl, _) = run(&GenerateOptions {
            format: GenerateFormat::Jsonl,
            ..o
        });
        let text = String::from_utf8(jsonl).unwrap();
        assert!(text.contains("\"quantity\":[") && text.contains("\"unit_price\":true"));
    }

    #[test]
    fn quantities_have_at_most_four_decimals_and_no_float_noise() {
        let (out, _) = run(&opts(20_000, 0.1, 3, GenerateFormat::Csv));
        let mut decimals_seen = [0usize; 5];
        for row in csv_rows(&out).into_iter().flatten() {
            for value in [&row.2, &row.3] {
                if let Some((_, frac)) = value.split_once('.') {
                    assert!(frac.len() <= 4, "{value}");
                    decimals_seen[frac.len()] += 1;
                }
            }
            if let Some((_, frac)) = row.3.split_once('.') {
                assert_eq!(frac.len(), 2, "unit price {}", row.3);
            }
        }
        assert!(
            decimals_seen[1..].iter().all(|&n| n > 0),
            "{decimals_seen:?}"
        );
    }

    #[test]
    fn skus_stay_within_items_and_keep_their_name() {
        let o = GenerateOptions {
            lines: 20_000,
            items: 150,
            ..GenerateOptions::default()
        };
        let (out, _) = run(&o);
        let mut names: HashMap<String, String> = HashMap::new();
        let mut with_sku = 0;
        let rows: Vec<_> = csv_rows(&out).into_iter().flatten().collect();
        for (sku, desc, _, _) in &rows {
            if !sku.is_empty() {
                with_sku += 1;
                assert!(sku.starts_with("SKU-") && sku.len() == 10, "{sku}");
                assert_eq!(
                    names.entry(sku.clone()).or_insert_with(|| desc.clone()),
                    desc
                );
            }
        }
        assert!(names.len() <= 150);
        let share = with_sku as f64 / rows.len() as f64;
        assert!((0.77..0.83).contains(&share), "{share}");
    }

    #[test]
    fn catalog_names_are_distinct_after_normalization() {
        let g = Generator::new(&GenerateOptions {
            items: 20_000,
            ..GenerateOptions::default()
        });
        let names: HashSet<String> = g.products.iter().map(|p| normalize(&p.name)).collect();
        assert_eq!(names.len(), 20_000);
        assert!(g.products.iter().any(|p| !p.name.is_ascii()));
    }

    #[test]
    fn popularity_is_skewed() {
        let o = GenerateOptions {
            lines: 50_000,
            items: 1000,
            ..GenerateOptions::default()
        };
        let mut g = Generator::new(&o);
        let mut counts = vec![0u64; 1000];
        for _ in 0..o.lines {
            counts[g.next_record().product] += 1;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top_fifth: u64 = counts[..200].iter().sum();
        let share = top_fifth as f64 / o.lines as f64;
        assert!(share > 0.7, "top 20% of items have {share} of lines");
    }

    #[test]
    fn variants_fuzzy_match_their_own_product_best() {
        let o = GenerateOptions {
            lines: 2000,
            items: 300,
            sku_ratio: 0.0,
            ..GenerateOptions::default()
        };
        let mut g = Generator::new(&o);
        let names: Vec<String> = g.products.iter().map(|p| normalize(&p.name)).collect();
        let lens: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
        let mut seen = HashSet::new();
        let mut variants = 0;
        let mut typos = 0;
        for _ in 0..o.lines {
            let rec = g.next_record();
            if !rec.variant {
                continue;
            }
            variants += 1;
            let query = normalize(&rec.description);
            let own = strsim::normalized_damerau_levenshtein(&query, &names[rec.product]);
            if own < 1.0 {
                typos += 1;
            }
            assert!(
                own >= 0.85,
                "{:?} vs {:?}: {own}",
                rec.description,
                names[rec.product]
            );
            if !seen.insert((query.clone(), rec.product)) {
                continue;
            }
            let qlen = query.chars().count();
            for (i, other) in names.iter().enumerate() {
                // Damerau-Levenshtein distance is at least the length difference: skip names that
                // cannot reach `own` (keeps the test fast in debug builds).
                let olen = lens[i];
                let bound = 1.0 - qlen.abs_diff(olen) as f64 / qlen.max(olen) as f64;
                if bound < own {
                    continue;
                }
                if i != rec.product {
                    let s = strsim::normalized_damerau_levenshtein(&query, other);
                    assert!(
                        s < own,
                        "{:?} is closer to {other:?} ({s}) than to its own {:?} ({own})",
                        rec.description,
                        names[rec.product]
                    );
                }
            }
        }
        assert!(
            variants > 1200 && typos > 400,
            "{variants} variants, {typos} typos"
        );
    }

    #[test]
    fn typo_similarity_agrees_with_strsim() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut tokens = Vec::new();
        let mut checked = 0;
        for _ in 0..3000 {
            let (name, _) = make_product(&mut rng);
            tokens.clear();
            tokens.extend(name.split(' ').map(str::to_string));
            if typo(&mut rng, &mut tokens, &name) {
                let (v, n) = (normalize(&tokens.join(" ")), normalize(&name));
                let exact = strsim::normalized_damerau_levenshtein(&v, &n);
                assert!(
                    (typo_similarity(&v, &n) - exact).abs() < 1e-9,
                    "{v:?} {n:?}"
                );
                assert!(exact >= VARIANT_MIN_SIMILARITY);
                checked += 1;
            }
        }
        assert!(checked > 2000, "{checked}");
    }

    #[test]
    fn invalid_options_are_refused() {
        for o in [
            GenerateOptions {
                bad_ratio: 1.5,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                bad_ratio: f64::NAN,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                sku_ratio: -0.1,
                ..GenerateOptions::default()
            },
            GenerateOptions {
                items: 0,
                ..GenerateOptions::default()
            },
        ] {
            let err = generate(&o, &mut Vec::new()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
        let empty = GenerateOptions {
            items: 0,
            lines: 0,
            ..GenerateOptions::default()
        };
        assert_eq!(run(&empty).0, b"sku,description,quantity,unit_price\n");
    }
}
