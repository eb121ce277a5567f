//! The isolation of a chunk's bad rows: the one description of the algorithm. SQLite runs it
//! from here, a part per statement; PostgreSQL runs the same steps inside the database
//! (`batchops_insert_isolating`), and `tests/it/isolation_conformance.rs` checks on the real server
//! that both take the same writes and find the same rows.

/// The order in which a chunk whose batch write failed is written in parts to isolate its bad
/// rows, all in one transaction: [`Bisect::next_part`] gives a range of rows to write (under a
/// savepoint), then [`Bisect::landed`] or [`Bisect::failed`] tells how it went. PostgreSQL runs the
/// same steps inside the database (`batchops_insert_isolating`, as migration
/// `20261202000001_import_no.sql` last wrote it), starting
/// with the whole chunk ([`Bisect::starting_with`]).
///
/// The rows are scanned in order. A part that lands is kept and the next one is twice as long. A
/// part that fails is narrowed: with a *hint* (how many of its rows went through before the one
/// that failed, when the store can tell) the rows before the hinted one are written as one part and
/// then the hinted row alone; without one (or when the hint names the last row, as an error raised
/// at the end of a statement always does) the part is halved. A row is bad only when written alone
/// and refused, so a wrong hint costs writes, never a good row.
///
/// After a bad row the next part holds as many rows as lay between it and the bad row before, and
/// the row after them is written alone: where bad rows come at a steady spacing, that part lands
/// and that row is the next bad one. A bad row then costs two writes and the chunk's rows are
/// written about once (a failed part costs the rows it wrote before failing); where the spacing
/// is not steady, the row written alone lands and parts of that spacing go on. Without hints one
/// bad row in `n` costs about 2·log2(n) writes.
pub struct Bisect {
    n: usize,
    /// The first row not yet landed or found bad.
    pos: usize,
    /// Rows in the next part.
    size: usize,
    /// The row a hint named: written alone once the rows before it landed.
    suspect: Option<usize>,
    prev_bad: Option<usize>,
    /// Rows in the part after the last bad row.
    size_after_bad: usize,
    /// The end of the shortest range known to hold a bad row (from `pos`).
    bad_before: Option<usize>,
    hints: bool,
    /// Whether a hint naming the last row of its part is believed: an error raised at the end of
    /// a statement (a foreign key checked after all rows) names it every time. Believed until
    /// the rows before such a row fail, or the row lands alone.
    trust_last: bool,
    /// The suspect came from a hint naming the last row.
    via_last: bool,
    current: Option<(usize, usize)>,
}

/// The part after a bad row holds at least this many rows.
const MIN_PART_AFTER_BAD: usize = 8;

/// With hints, the first part: the whole chunk is known to fail somewhere, and a failed part costs
/// the rows it wrote (SQLite, with a trigger on the table, copies all of a statement's rows before
/// inserting the first), so the scan starts short and doubles.
const FIRST_PART: usize = 256;

impl Bisect {
    /// `n` rows whose batch write as a whole failed. With `hints`, the first part is
    /// [`FIRST_PART`] rows (or all); without, it is the first half.
    pub fn new(n: usize, hints: bool) -> Self {
        Self {
            n,
            pos: 0,
            size: if hints {
                n.min(FIRST_PART)
            } else {
                (n / 2).max(1)
            },
            suspect: None,
            prev_bad: None,
            size_after_bad: MIN_PART_AFTER_BAD,
            bad_before: if hints { None } else { Some(n) },
            hints,
            trust_last: true,
            via_last: false,
            current: None,
        }
    }

    /// The first part holds `rows` rows: PostgreSQL writes the whole chunk first (a failed part
    /// costs it only the rows before the bad one), SQLite [`FIRST_PART`].
    pub fn starting_with(mut self, rows: usize) -> Self {
        self.size = rows.clamp(1, self.n.max(1));
        self
    }

    /// The next range of rows to write, or `None` when every row landed or was found bad.
    pub fn next_part(&mut self) -> Option<std::ops::Range<usize>> {
        debug_assert!(
            self.current.is_none(),
            "landed() or failed() was not called"
        );
        if self.pos >= self.n {
            return None;
        }
        let hi = self.n.min(self.pos + self.size.max(1));
        self.current = Some((self.pos, hi));
        Some(self.pos..hi)
    }

    /// The range [`Bisect::next_part`] gave landed whole.
    pub fn landed(&mut self) {
        let Some((lo, hi)) = self.current.take() else {
            return;
        };
        if self.via_last && self.suspect == Some(lo) {
            // The row a last-row hint named landed alone: such hints are not believed again.
            self.trust_last = false;
            self.via_last = false;
        }
        let predicted_row_landed = hi - lo == 1 && self.suspect == Some(lo) && !self.via_last;
        self.pos = hi;
        self.size = match self.bad_before {
            _ if self.suspect == Some(hi) => 1,
            // The row the spacing predicted was good: back to parts of that spacing.
            _ if predicted_row_landed => self.size_after_bad,
            // The rest of a range that failed holds its bad row: written whole for its hint, or
            // halved.
            Some(end) if end > hi => {
                let rest = end - hi;
                if self.hints { rest } else { (rest / 2).max(1) }
            }
            _ => self.size.saturating_mul(2),
        };
    }

    /// The range [`Bisect::next_part`] gave failed; `hint`: how many of its rows went through before
    /// the one that failed, when the store can tell.
    pub fn failed(&mut self, hint: Option<usize>) {
        let Some((lo, hi)) = self.current.take() else {
            return;
        };
        let len = hi - lo;
        if len == 1 {
            let between = lo - self.prev_bad.map_or(0, |p| p + 1);
            self.size = between.max(MIN_PART_AFTER_BAD);
            self.size_after_bad = self.size;
            self.prev_bad = Some(lo);
            // Where bad rows come at a steady spacing, the next one is this far on: once the rows
            // before it landed, it is written alone (a part starting with it would be written
            // and rolled back whole before failing).
            self.suspect = (between >= MIN_PART_AFTER_BAD).then_some(hi + between);
            self.via_last = false;
            self.bad_before = None;
            self.pos = hi;
            return;
        }
        if self.via_last {
            // The rows before a row a last-row hint named failed: such hints are not believed.
            self.trust_last = false;
            self.via_last = false;
        }
        self.bad_before = Some(hi);
        match hint {
            Some(k) if k + 1 < len || (k + 1 == len && self.trust_last) => {
                self.suspect = Some(lo + k);
                self.via_last = k + 1 == len;
                self.size = k.max(1);
            }
            _ => self.size = len / 2,
        }
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
        while let Some(r) = b.next_part() {
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
        // About 2·log2(500) ≈ 18 without hints.
        assert!(worst(Hints::None) <= 20, "{} writes", worst(Hints::None));
        // The whole, the rows before, the row, the rows after in doubling parts (8, 16, … rows
        // when the bad row is among the first), and the row the spacing predicted, alone.
        assert!(worst(Hints::Exact) <= 11, "{} writes", worst(Hints::Exact));
        // Hints that are always wrong cost more than none, but stay logarithmic.
        assert!(worst(Hints::Last) <= 40, "{} writes", worst(Hints::Last));
        assert!(
            worst(Hints::OffByOne) <= 40,
            "{} writes",
            worst(Hints::OffByOne)
        );
    }

    /// Rows written in a run: all of a landed part, up to and including the bad row of a failed one.
    fn rows_written(n: usize, bad: &BTreeSet<usize>) -> usize {
        let mut b = Bisect::new(n, true);
        let mut rows = 0;
        while let Some(r) = b.next_part() {
            match r.clone().find(|i| bad.contains(i)) {
                None => {
                    rows += r.len();
                    b.landed();
                }
                Some(first_bad) => {
                    rows += first_bad - r.start + 1;
                    b.failed(Some(first_bad - r.start));
                }
            }
        }
        rows
    }

    #[test]
    fn steadily_spaced_bad_rows_cost_about_one_write_of_each_row() {
        for spacing in [10, 100, 1000] {
            let bad: BTreeSet<usize> = (7..5_000).step_by(spacing).collect();
            let rows = rows_written(5_000, &bad);
            assert!(
                rows <= 5_000 * 12 / 10,
                "spacing {spacing}: {rows} rows written"
            );
        }
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
