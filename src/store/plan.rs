//! What both backends do the same way around the SQL: which items a write must create, the SKU → id
//! cache, and the aggregation of inventory deltas.

use super::{ErrorClass, FailureRecord, StoreError};
use crate::mapping::MappedLine;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// SKU → item id.
pub(crate) type ItemIds = HashMap<Arc<str>, i64>;

/// (sku, name) of an item a write must create.
pub(crate) type NewItem = (Arc<str>, Arc<str>);

/// SKU → item id of items known to exist in the database. Ids never change and items are never
/// deleted, so entries stay valid; only ids of committed items are added.
#[derive(Default)]
pub(crate) struct IdCache {
    ids: Mutex<HashMap<Arc<str>, i64>>,
}

impl IdCache {
    pub fn extend(&self, entries: impl IntoIterator<Item = (Arc<str>, i64)>) {
        self.lock().extend(entries);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, i64>> {
        // A poisoned cache only means a panic elsewhere; its entries are still true.
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Split the rows' SKUs into resolved ids and the (sku, name) pairs to create, sorted by SKU
    /// so concurrent writers lock new items in the same order.
    pub fn resolve(&self, rows: &[MappedLine]) -> (ItemIds, Vec<NewItem>) {
        let ids = self.lock();
        let mut known = HashMap::new();
        let mut missing: BTreeMap<Arc<str>, Arc<str>> = BTreeMap::new();
        for row in rows {
            if known.contains_key(&row.sku) || missing.contains_key(&row.sku) {
                continue;
            }
            match ids.get(&row.sku) {
                Some(id) => {
                    known.insert(row.sku.clone(), *id);
                }
                None => {
                    let name = row.new_item_name.clone().unwrap_or_else(|| row.sku.clone());
                    missing.insert(row.sku.clone(), name);
                }
            }
        }
        (known, missing.into_iter().collect())
    }
}

/// The aliases the rows learned, with their item ids.
pub(crate) fn learned_aliases(
    rows: &[MappedLine],
    ids: &HashMap<Arc<str>, i64>,
) -> Vec<(Arc<str>, i64)> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter_map(|r| {
            let alias = r.learned_alias.as_ref()?;
            let id = *ids.get(&r.sku)?;
            seen.insert(alias.clone()).then(|| (alias.clone(), id))
        })
        .collect()
}

/// Sum the deltas of the rows actually inserted, per item, sorted by item id (stable lock order).
pub(crate) fn aggregate(
    inserted: impl IntoIterator<Item = (i64, Decimal)>,
) -> Result<Vec<(i64, Decimal)>, StoreError> {
    let mut sums: BTreeMap<i64, Decimal> = BTreeMap::new();
    for (id, q) in inserted {
        let slot = sums.entry(id).or_default();
        *slot = slot.checked_add(q).ok_or_else(|| overflow(id))?;
    }
    Ok(sums.into_iter().collect())
}

pub(crate) fn overflow(item_id: i64) -> StoreError {
    StoreError {
        class: ErrorClass::Data,
        message: format!("inventory quantity of item {item_id} would be out of range"),
        sqlstate: Some("22003".into()),
        phase: None,
    }
}

pub(crate) fn item_id(ids: &HashMap<Arc<str>, i64>, sku: &str) -> Result<i64, StoreError> {
    ids.get(sku).copied().ok_or_else(|| {
        StoreError::config(format!(
            "internal: item {sku} has no id after it was created"
        ))
    })
}

/// PostgreSQL text cannot hold NUL; the dead-letter table must still keep the line, so raw text is
/// stored with NUL written as `\0` (the original bytes are in the input file; fields_json escapes them).
pub(crate) fn storable_raw(f: &FailureRecord) -> String {
    f.raw.replace('\0', "\\0")
}

/// The order in which a chunk whose batch write failed is split to isolate its bad rows, all in one
/// transaction: [`Bisect::next`] gives a range of rows to write (under a savepoint), then
/// [`Bisect::landed`] or [`Bisect::failed`] tells how it went.
///
/// A range that fails is split in halves; a single row that fails is a bad row. When the left
/// half of a failed range lands whole, the right half must hold the bad row, so it is split at once
/// instead of being written whole first. One bad row in `n` costs about 1.5·log2(n) writes.
///
/// A store that can tell how many rows of a failed range went through before the bad one (a
/// *hint*) isolates faster: the rows before it are written as one part, the hinted row alone, and
/// the rest as one part again, so a bad row costs about 3 writes. A hint is only a hint: a prefix
/// that fails or a hinted row that lands just continues the search, so a wrong hint costs writes,
/// never correctness. A hint naming the last row of its range is checked first (an error raised at
/// the end of a statement, such as a foreign key checked after all rows, names it every time): if
/// that row lands, such hints are not trusted again and ranges are split in halves instead.
pub(crate) struct Bisect {
    todo: Vec<Step>,
    current: Option<(usize, usize)>,
    bad: usize,
    hints: bool,
    /// Whether a hint naming the last row of its range is believed.
    trust_last: bool,
}

enum Step {
    /// Write `lo..hi`; `known_bad` when it is known to hold a bad row.
    Try {
        lo: usize,
        hi: usize,
        known_bad: bool,
    },
    /// The right half `lo..hi` of a failed range, once its left half is done: known bad if the left
    /// half found no bad row (the bad-row count is still `bad_before`).
    Right {
        lo: usize,
        hi: usize,
        bad_before: usize,
    },
    /// The rows `lo..hi` before a row hinted as the last of its range, once that row is done: if
    /// it landed, the hint was wrong, the range is known bad and such hints are not trusted.
    BeforeLast {
        lo: usize,
        hi: usize,
        bad_before: usize,
    },
    /// The rows `lo..hi` after a hinted bad row, written in parts of `size` rows, doubling: a
    /// failed write costs the binding (and in SQLite the evaluation) of all its rows, so a short
    /// part after a bad row keeps the next failure cheap while long clean runs still go in few
    /// writes.
    Rest { lo: usize, hi: usize, size: usize },
}

/// The first part after a hinted bad row holds at least this many rows (otherwise twice the rows
/// that went through before the bad one: a guess at the spacing of bad rows).
const MIN_REST_PART: usize = 16;

impl Bisect {
    /// `n` rows whose batch write as a whole failed. With `hints`, ranges known to hold a bad row
    /// are still written whole, for the hint their failure gives.
    pub fn new(n: usize, hints: bool) -> Self {
        Self {
            todo: vec![Step::Try {
                lo: 0,
                hi: n,
                known_bad: true,
            }],
            current: None,
            bad: 0,
            hints,
            trust_last: true,
        }
    }

    /// The next range of rows to write, or `None` when every row landed or was found bad.
    pub fn next(&mut self) -> Option<std::ops::Range<usize>> {
        debug_assert!(
            self.current.is_none(),
            "landed() or failed() was not called"
        );
        while let Some(step) = self.todo.pop() {
            let (lo, hi, known_bad) = match step {
                Step::Try { lo, hi, known_bad } => (lo, hi, known_bad),
                Step::Right { lo, hi, bad_before } => (lo, hi, self.bad == bad_before),
                Step::Rest { lo, hi, size } => {
                    if hi.saturating_sub(lo) > size {
                        self.todo.push(Step::Rest {
                            lo: lo + size,
                            hi,
                            size: size.saturating_mul(2),
                        });
                        (lo, lo + size, false)
                    } else {
                        (lo, hi, false)
                    }
                }
                Step::BeforeLast { lo, hi, bad_before } => {
                    let hint_was_wrong = self.bad == bad_before;
                    if hint_was_wrong {
                        self.trust_last = false;
                    }
                    (lo, hi, hint_was_wrong)
                }
            };
            if lo >= hi {
                continue;
            }
            if known_bad && !self.hints && hi - lo > 1 {
                self.split(lo, hi);
                continue;
            }
            // A single row is always written, even when known bad: its own error is what the
            // dead-letter table keeps.
            self.current = Some((lo, hi));
            return Some(lo..hi);
        }
        None
    }

    /// The range [`Bisect::next`] gave landed whole.
    pub fn landed(&mut self) {
        self.current = None;
    }

    /// The range [`Bisect::next`] gave failed; `hint`: how many of its rows went through before
    /// the one that failed, when the store can tell.
    pub fn failed(&mut self, hint: Option<usize>) {
        let Some((lo, hi)) = self.current.take() else {
            return;
        };
        if hi - lo == 1 {
            self.bad += 1;
            return;
        }
        match hint {
            Some(k) if k + 1 < hi - lo => {
                let at = lo + k;
                // Pushed in reverse: the rows before the hinted one, then it, then the rest.
                self.todo.push(Step::Rest {
                    lo: at + 1,
                    hi,
                    size: (2 * k).max(MIN_REST_PART),
                });
                self.todo.push(Step::Try {
                    lo: at,
                    hi: at + 1,
                    known_bad: true,
                });
                self.todo.push(Step::Try {
                    lo,
                    hi: at,
                    known_bad: false,
                });
            }
            Some(k) if k + 1 == hi - lo && self.trust_last => {
                self.todo.push(Step::BeforeLast {
                    lo,
                    hi: hi - 1,
                    bad_before: self.bad,
                });
                self.todo.push(Step::Try {
                    lo: hi - 1,
                    hi,
                    known_bad: true,
                });
            }
            _ => self.split(lo, hi),
        }
    }

    fn split(&mut self, lo: usize, hi: usize) {
        let mid = lo + (hi - lo) / 2;
        self.todo.push(Step::Right {
            lo: mid,
            hi,
            bad_before: self.bad,
        });
        self.todo.push(Step::Try {
            lo,
            hi: mid,
            known_bad: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Bisect;
    use std::collections::BTreeSet;

    #[derive(Clone, Copy, PartialEq)]
    enum Hints {
        None,
        /// The store names the first bad row of a failed range.
        Exact,
        /// The store always names the last row (an error raised at the end of the statement).
        Last,
        /// The store names a row off by one (an error raised before the row's id was drawn).
        OffByOne,
    }

    /// Run a bisection over `n` rows where `bad` rows fail; returns (rows landed, bad found, writes).
    fn run(n: usize, bad: &BTreeSet<usize>, hints: Hints) -> (Vec<usize>, Vec<usize>, usize) {
        let mut b = Bisect::new(n, hints != Hints::None);
        let (mut landed, mut found, mut writes) = (Vec::new(), Vec::new(), 0);
        while let Some(r) = b.next() {
            writes += 1;
            match r.clone().find(|i| bad.contains(i)) {
                None => {
                    landed.extend(r.clone());
                    b.landed();
                }
                Some(first_bad) => {
                    if r.len() == 1 {
                        found.push(r.start);
                    }
                    b.failed(match hints {
                        Hints::None => None,
                        Hints::Exact => Some(first_bad - r.start),
                        Hints::Last => Some(r.len() - 1),
                        Hints::OffByOne => Some((first_bad - r.start).saturating_sub(1)),
                    });
                }
            }
        }
        landed.sort_unstable();
        found.sort_unstable();
        (landed, found, writes)
    }

    #[test]
    fn every_good_row_lands_once_and_every_bad_row_is_found() {
        for hints in [Hints::None, Hints::Exact, Hints::Last, Hints::OffByOne] {
            for n in [1, 2, 3, 7, 100, 500] {
                for bad in [
                    vec![0],
                    vec![n - 1],
                    vec![n / 2],
                    (0..n).step_by(7).collect::<Vec<_>>(),
                    (0..n).collect(),
                ] {
                    let bad: BTreeSet<usize> = bad.into_iter().collect();
                    let (landed, found, _) = run(n, &bad, hints);
                    let good: Vec<usize> = (0..n).filter(|i| !bad.contains(i)).collect();
                    assert_eq!(landed, good, "n={n} bad={bad:?}");
                    assert_eq!(found, bad.iter().copied().collect::<Vec<_>>(), "n={n}");
                }
            }
        }
    }

    #[test]
    fn one_bad_row_costs_about_one_and_a_half_log2_n_writes_or_three_with_hints() {
        let worst = |hints| {
            (0..500)
                .map(|at| run(500, &BTreeSet::from([at]), hints).2)
                .max()
                .unwrap_or(0)
        };
        // 2·log2(500) ≈ 18 without skipping the halves known to fail.
        assert!(worst(Hints::None) <= 18, "{} writes", worst(Hints::None));
        // The whole, the rows before, the row, the rows after in doubling parts (16, 32, … rows
        // when the bad row is among the first).
        assert!(worst(Hints::Exact) <= 10, "{} writes", worst(Hints::Exact));
        // Hints that are always wrong cost more than none, but stay logarithmic.
        assert!(worst(Hints::Last) <= 40, "{} writes", worst(Hints::Last));
        assert!(
            worst(Hints::OffByOne) <= 40,
            "{} writes",
            worst(Hints::OffByOne)
        );
    }

    #[test]
    fn one_bad_row_in_a_hundred_costs_about_three_writes_each_with_hints() {
        let bad: BTreeSet<usize> = (7..500).step_by(100).collect();
        let (_, _, exact) = run(500, &bad, Hints::Exact);
        let (_, _, none) = run(500, &bad, Hints::None);
        assert!(exact <= 4 * bad.len() + 4, "{exact} writes with hints");
        assert!(none > exact, "{none} writes without hints");
    }
}
