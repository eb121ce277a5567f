//! Re-sent invoices: before an import writes anything, whether its file overlaps what earlier runs
//! of OTHER import keys landed — the same invoice (supplier and invoice number, where the file
//! names them), or most of its lines landed already with the same content — and what to do then.
//!
//! A file that overlaps is refused by default with a [`Overlap`] summary (identical, changed, new
//! and missing lines, and the runs that hold them). `--only-new` lands the new lines and holds the
//! changed ones for review with the earlier and the new values side by side; identical lines add
//! nothing. `--as-new-invoice` imports it all. The answer is kept with the import key, so a resumed
//! or repeated run of the same file does the same. A file imported before under the same key is not
//! an overlap: that is the exactly-once path.

use super::catalog::SkuScan;
use super::{EngineError, ImportOptions};
use crate::domain::fingerprint::{Fingerprinter, LineDigests, LinePrint};
use crate::domain::{Candidate, InvoiceHeader, LineItem};
use crate::input::{self, BatchFile, invoice::InvoiceRef};
use crate::mapping::{Catalog, HeldLine};
use crate::store::Store;
use crate::store::overlap::LandedLine;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A file whose identical lines (same content as lines landed under other import keys) are at
/// least this share of its lines overlaps those runs.
pub const OVERLAP_SHARE: f64 = 0.5;

/// Changed lines listed in the summary (all of them are counted).
const LISTED_CHANGED: usize = 10;

/// How the operator answers an overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// Land the new lines, hold the changed ones for review, skip the identical ones.
    OnlyNew,
    /// Import every line, deliberately: it is another invoice.
    AsNewInvoice,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::OnlyNew => "only-new",
            Answer::AsNewInvoice => "as-new-invoice",
        }
    }
}

impl FromStr for Answer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "only-new" => Ok(Answer::OnlyNew),
            "as-new-invoice" => Ok(Answer::AsNewInvoice),
            _ => Err(format!("unknown overlap answer {s:?}")),
        }
    }
}

/// A line of the file whose SKU and description an earlier run landed with another quantity or
/// unit price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedLine {
    pub line: u64,
    pub run_id: i64,
    pub earlier_line: u64,
    /// The item the earlier line landed on.
    pub sku: String,
    pub description: String,
    pub old_quantity: Decimal,
    pub old_unit_cost: Decimal,
    pub new_quantity: Decimal,
    pub new_unit_cost: Decimal,
}

impl ChangedLine {
    /// The held line's reason: both values side by side.
    pub fn reason(&self) -> String {
        format!(
            "re-sent: run {} line {} landed quantity {} at {}; this line says quantity {} at {}",
            self.run_id,
            self.earlier_line,
            self.old_quantity.normalize(),
            self.old_unit_cost.normalize(),
            self.new_quantity.normalize(),
            self.new_unit_cost.normalize()
        )
    }

    /// Hold `item` (this changed line) for review, the earlier line's item as its candidate.
    pub fn hold(&self, item: LineItem, catalog: &Catalog) -> HeldLine {
        let key = catalog.key_of(&item.description);
        let alias = if key.trim().is_empty() {
            item.sku
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        } else {
            key
        };
        let mut differed = Vec::new();
        if self.old_quantity != self.new_quantity {
            differed.push(format!(
                "quantity {} ≠ {}",
                self.old_quantity.normalize(),
                self.new_quantity.normalize()
            ));
        }
        if self.old_unit_cost != self.new_unit_cost {
            differed.push(format!(
                "unit price {} ≠ {}",
                self.old_unit_cost.normalize(),
                self.new_unit_cost.normalize()
            ));
        }
        HeldLine {
            alias: alias.into(),
            reason: self.reason(),
            candidates: vec![Candidate {
                sku: self.sku.clone(),
                name: catalog.name(&self.sku).unwrap_or(&self.sku).to_string(),
                score: 1.0,
                agreed: vec![format!("run {} line {}", self.run_id, self.earlier_line)],
                differed,
                ..Candidate::default()
            }],
            item,
        }
    }
}

/// One earlier run's share of the overlap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunShare {
    pub run_id: i64,
    pub source: String,
    /// The run's file named the same invoice.
    pub same_invoice: bool,
    pub identical: u64,
    pub changed: u64,
    /// Lines the run landed that this file does not have.
    pub missing: u64,
}

/// What a file has in common with earlier runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overlap {
    pub source: String,
    pub invoice: Option<InvoiceRef>,
    /// Lines of the file that parsed.
    pub lines: u64,
    pub identical: u64,
    pub changed: u64,
    pub new: u64,
    pub missing: u64,
    pub runs: Vec<RunShare>,
    pub changed_lines: Vec<ChangedLine>,
    /// Lines of the file an earlier run landed with the same content.
    #[serde(skip)]
    identical_lines: LineNumbers,
}

/// Line numbers, shown by their count.
#[derive(Clone, Default, PartialEq)]
struct LineNumbers(Vec<u64>);

impl fmt::Debug for LineNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} lines]", self.0.len())
    }
}

impl Overlap {
    /// Whether the file overlaps earlier runs: the same invoice, or at least [`OVERLAP_SHARE`] of
    /// its lines landed already.
    pub fn overlaps(&self) -> bool {
        self.runs.iter().any(|r| r.same_invoice)
            || (self.identical > 0 && self.identical as f64 >= OVERLAP_SHARE * self.lines as f64)
    }

    /// The summary, one line each (the console shows these; the error adds the choices).
    pub fn summary_lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{} overlaps what earlier imports landed:",
            self.source
        )];
        if let Some(inv) = &self.invoice
            && self.runs.iter().any(|r| r.same_invoice)
        {
            out.push(format!(
                "  invoice {} of {} was imported before",
                inv.invoice_id, inv.vendor
            ));
        }
        out.push(format!(
            "  {} lines: {} identical, {} changed, {} new; {} missing (landed before, not in this file)",
            self.lines, self.identical, self.changed, self.new, self.missing
        ));
        for r in &self.runs {
            out.push(format!(
                "  run {} ({}){}: {} identical, {} changed, {} missing",
                r.run_id,
                r.source,
                if r.same_invoice { ", same invoice" } else { "" },
                r.identical,
                r.changed,
                r.missing
            ));
        }
        for c in self.changed_lines.iter().take(LISTED_CHANGED) {
            out.push(format!(
                "  changed line {} {} {:?}: quantity {} → {}, unit price {} → {} (run {} line {})",
                c.line,
                c.sku,
                c.description,
                c.old_quantity.normalize(),
                c.new_quantity.normalize(),
                c.old_unit_cost.normalize(),
                c.new_unit_cost.normalize(),
                c.run_id,
                c.earlier_line
            ));
        }
        if self.changed_lines.len() > LISTED_CHANGED {
            out.push(format!(
                "  … and {} more changed lines",
                self.changed_lines.len() - LISTED_CHANGED
            ));
        }
        out
    }

    /// What `--only-new` does with each line of the file.
    fn only_new(&self) -> OnlyNew {
        let mut lines: HashMap<u64, Resent> = self
            .identical_lines
            .0
            .iter()
            .map(|l| (*l, Resent::Identical))
            .collect();
        for c in &self.changed_lines {
            lines.insert(c.line, Resent::Changed(c.clone()));
        }
        OnlyNew { lines }
    }
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "refused, nothing written: {}",
            self.summary_lines().join("\n")
        )?;
        writeln!(
            f,
            "  --only-new: land the new lines, hold the changed ones for review, skip the identical ones"
        )?;
        write!(
            f,
            "  --as-new-invoice: import every line, deliberately, as another invoice"
        )
    }
}

/// What `--only-new` does with a line of the file; lines it does not name are new and land.
#[derive(Debug, Clone, PartialEq)]
pub enum Resent {
    /// Landed before with the same content: adds nothing.
    Identical,
    /// Landed before with other values: held for review.
    Changed(ChangedLine),
}

/// The per-line classification the import pipeline applies under `--only-new`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnlyNew {
    lines: HashMap<u64, Resent>,
}

impl OnlyNew {
    pub fn get(&self, line: u64) -> Option<&Resent> {
        self.lines.get(&line)
    }
}

/// What the pre-run check found: the lines to skip and hold under `--only-new`, and, when it read
/// the file, the SKUs of its lines (so the catalog's look-up does not read the file again).
#[derive(Default)]
pub(crate) struct Checked {
    pub only_new: Option<Arc<OnlyNew>>,
    pub skus: Option<SkuScan>,
}

/// The pre-run check of an import. `Err(EngineError::Overlap)` (nothing written) when the file
/// overlaps earlier runs and the operator gave no answer; `only_new` the lines to skip and hold
/// under `--only-new`; none: import as usual. A rehearsal, a file imported before under the same
/// key (the exactly-once path) and a resumed run are not checked again, except that a key
/// answered `only-new` keeps that answer.
pub(crate) async fn check(
    store: &dyn Store,
    file: &BatchFile,
    header: &InvoiceHeader,
    source: &str,
    import_key: &str,
    opts: &ImportOptions,
) -> Result<Checked, EngineError> {
    if opts.rehearsal {
        return Ok(Checked::default());
    }
    let state = store.overlaps().key_state(import_key).await?;
    let recorded = state
        .answer
        .as_deref()
        .map(Answer::from_str)
        .transpose()
        .map_err(EngineError::Invalid)?;
    let answer = match recorded {
        Some(a) => Some(a),
        None if state.imported || opts.resume_run.is_some() => return Ok(Checked::default()),
        None => opts.resent,
    };
    let invoice = invoice_of(file, header);
    let keep = |answer: Option<Answer>| record(store, import_key, invoice.as_ref(), answer, opts);
    if answer == Some(Answer::AsNewInvoice) {
        keep(answer).await?;
        return Ok(Checked::default());
    }
    if answer.is_none() && !state.others {
        // No other key ever ran (a first import into a new database): nothing to compare with,
        // and the file is not read for it.
        keep(None).await?;
        return Ok(Checked::default());
    }
    let mut skus = SkuScan::default();
    let overlap = measure(
        store,
        file,
        invoice.clone(),
        source,
        import_key,
        opts,
        &mut skus,
    )
    .await?;
    match answer {
        Some(Answer::OnlyNew) => {
            keep(answer).await?;
            Ok(Checked {
                only_new: Some(Arc::new(overlap.only_new())),
                skus: Some(skus),
            })
        }
        _ if overlap.overlaps() => Err(EngineError::Overlap(Box::new(overlap))),
        _ => {
            keep(None).await?;
            Ok(Checked {
                only_new: None,
                skus: Some(skus),
            })
        }
    }
}

/// Keep the file's invoice and the answer with the import key (not for dry runs; nothing to keep
/// when there is neither).
async fn record(
    store: &dyn Store,
    import_key: &str,
    invoice: Option<&InvoiceRef>,
    answer: Option<Answer>,
    opts: &ImportOptions,
) -> Result<(), EngineError> {
    if opts.dry_run || (invoice.is_none() && answer.is_none()) {
        return Ok(());
    }
    store
        .overlaps()
        .record(
            import_key,
            invoice,
            answer.map(Answer::as_str),
            &opts.operator,
        )
        .await?;
    Ok(())
}

/// The invoice a file is: the one a JSON document names, else the supplier and invoice number of
/// its header (flags, profile, title rows) when both are known.
fn invoice_of(file: &BatchFile, header: &InvoiceHeader) -> Option<InvoiceRef> {
    input::invoice::invoice_of(file).or_else(|| {
        Some(InvoiceRef {
            vendor: header.supplier.clone()?,
            invoice_id: header.invoice_number.clone()?,
        })
    })
}

/// A line of the file as the overlap check compares it.
struct FileLine {
    line: u64,
    print: LinePrint,
    description: String,
    quantity: Decimal,
    unit_cost: Decimal,
}

/// Read the file and compare it with what runs of other import keys landed (`invoice`: the one
/// the file names), seeing each line's SKU on the way (`skus`).
async fn measure(
    store: &dyn Store,
    file: &BatchFile,
    invoice: Option<InvoiceRef>,
    source: &str,
    import_key: &str,
    opts: &ImportOptions,
    skus: &mut SkuScan,
) -> Result<Overlap, EngineError> {
    let lines = read_lines(file, opts, skus)?;
    let overlaps = store.overlaps();
    let fingerprints: Vec<i64> = lines.iter().map(|l| l.print.fingerprint).collect();
    let landed = overlaps.landed_elsewhere(import_key, &fingerprints).await?;
    drop(fingerprints);
    let mut by_fingerprint: HashMap<i64, Vec<&LandedLine>> = HashMap::new();
    for l in &landed {
        by_fingerprint.entry(l.fingerprint).or_default().push(l);
    }
    // The runs the file overlaps: those that landed any of its lines as they are, and those whose
    // file named the same invoice.
    let mut shares: BTreeMap<i64, RunShare> = BTreeMap::new();
    let share = |shares: &mut BTreeMap<i64, RunShare>, run_id| {
        shares.entry(run_id).or_insert_with(|| RunShare {
            run_id,
            source: String::new(),
            same_invoice: false,
            identical: 0,
            changed: 0,
            missing: 0,
        });
    };
    if let Some(inv) = &invoice {
        for run_id in overlaps.invoice_runs(import_key, inv).await? {
            share(&mut shares, run_id);
            shares.get_mut(&run_id).expect("added").same_invoice = true;
        }
    }
    if landed.is_empty() && shares.is_empty() {
        // No other key landed any of these lines and none named this invoice: every line is new.
        return Ok(Overlap {
            source: source.to_string(),
            invoice,
            lines: lines.len() as u64,
            new: lines.len() as u64,
            ..Overlap::default()
        });
    }
    let mut matched: HashSet<(i64, u64)> = HashSet::new();
    let mut identical_lines = Vec::new();
    for l in &lines {
        let Some(rows) = by_fingerprint.get(&l.print.fingerprint) else {
            continue;
        };
        identical_lines.push(l.line);
        let mut runs_counted = HashSet::new();
        for r in rows {
            matched.insert((r.run_id, r.line));
            if runs_counted.insert(r.run_id) {
                share(&mut shares, r.run_id);
                shares.get_mut(&r.run_id).expect("added").identical += 1;
            }
        }
    }
    // Of the lines not landed as they are, those whose SKU and description one of these runs
    // landed with other values are changed; the runs' other lines are missing from this file.
    // Only the runs' rows under the line keys of those lines are read, and the other rows counted.
    let identical: HashSet<u64> = identical_lines.iter().copied().collect();
    let mut keys: Vec<i64> = lines
        .iter()
        .filter(|l| !identical.contains(&l.line))
        .map(|l| l.print.line_key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut unmatched: HashMap<i64, Vec<LandedLine>> = HashMap::new();
    let mut run_rows: HashMap<i64, u64> = HashMap::new();
    for &run_id in shares.keys() {
        run_rows.insert(run_id, overlaps.run_line_count(run_id).await?);
        if keys.is_empty() {
            continue;
        }
        for r in overlaps.run_lines_keyed(run_id, &keys).await? {
            if let Some(key) = r.line_key
                && !matched.contains(&(r.run_id, r.line))
            {
                unmatched.entry(key).or_default().push(r);
            }
        }
    }
    let mut changed_lines = Vec::new();
    for l in lines.iter().filter(|l| !identical.contains(&l.line)) {
        let Some(earlier) = unmatched
            .get_mut(&l.print.line_key)
            .and_then(|rows| (!rows.is_empty()).then(|| rows.remove(0)))
        else {
            continue;
        };
        matched.insert((earlier.run_id, earlier.line));
        if let Some(s) = shares.get_mut(&earlier.run_id) {
            s.changed += 1;
        }
        changed_lines.push(ChangedLine {
            line: l.line,
            run_id: earlier.run_id,
            earlier_line: earlier.line,
            sku: earlier.sku,
            description: l.description.clone(),
            old_quantity: earlier.quantity,
            old_unit_cost: earlier.unit_cost,
            new_quantity: l.quantity,
            new_unit_cost: l.unit_cost,
        });
    }
    for (run_id, s) in shares.iter_mut() {
        let held = matched.iter().filter(|(r, _)| r == run_id).count() as u64;
        s.missing = run_rows
            .get(run_id)
            .copied()
            .unwrap_or(0)
            .saturating_sub(held);
        s.source = store
            .run(*run_id)
            .await?
            .map(|r| r.source)
            .unwrap_or_default();
    }
    let n = lines.len() as u64;
    let identical = identical_lines.len() as u64;
    let changed = changed_lines.len() as u64;
    Ok(Overlap {
        source: source.to_string(),
        invoice,
        lines: n,
        identical,
        changed,
        new: n - identical - changed,
        missing: shares.values().map(|s| s.missing).sum(),
        runs: shares.into_values().collect(),
        changed_lines,
        identical_lines: LineNumbers(identical_lines),
    })
}

/// Lines parsed ahead of the check's digests, per hand-over.
const READ_BATCH: usize = 4096;

/// The file's lines that parse as the import reads them (the same reading settings and line
/// limit), with their hashes (the same [`Fingerprinter`] sequence the import pipeline computes).
/// One thread parses the lines while this one digests them on every core and numbers them: a
/// large file is read in about the time its parsing takes.
fn read_lines(
    file: &BatchFile,
    opts: &ImportOptions,
    skus: &mut SkuScan,
) -> Result<Vec<FileLine>, EngineError> {
    let reader = input::open_with(file, &opts.reading)?;
    let limit = opts
        .max_lines
        .map_or(usize::MAX, |n| n.min(usize::MAX as u64) as usize);
    let expected = usize::try_from(file.estimated_lines)
        .unwrap_or(0)
        .min(limit);
    let mut prints = Fingerprinter::for_lines(expected);
    let mut lines = Vec::with_capacity(expected);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<LineItem>>(4);
        std::thread::Builder::new()
            .name("batchops-check-reader".into())
            .spawn_scoped(scope, move || {
                let mut items = reader.take(limit).filter_map(Result::ok);
                loop {
                    let batch: Vec<_> = items.by_ref().take(READ_BATCH).collect();
                    if batch.is_empty() || tx.send(batch).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| EngineError::Invalid(format!("could not start reading the file: {e}")))?;
        for batch in rx {
            let digests = LineDigests::of_all(&batch);
            for (item, digests) in batch.into_iter().zip(digests) {
                let print = prints.number(digests);
                skus.see(item.sku);
                lines.push(FileLine {
                    line: item.line,
                    print,
                    description: item.description,
                    quantity: item.quantity,
                    unit_cost: item.unit_price,
                });
            }
        }
        Ok(lines)
    })
}
