//! Fuzzy matching of normalized descriptions against item names.
//!
//! Scoring is strsim's normalized Damerau-Levenshtein on token-sorted text (a swapped or dropped
//! letter costs one edit): `1 - distance / longer length`. Only names sharing a token of three or
//! more characters with the query are candidates, and two cheap bounds drop most candidates before
//! the edit distance is computed: the length difference and half the character-histogram
//! difference are both lower bounds of the distance.

use std::collections::HashMap;
use std::sync::Arc;

/// Character histogram over 64 buckets (letters, digits, the rest folded).
type Histogram = [u8; 64];

fn histogram(s: &str) -> Histogram {
    let mut h = [0u8; 64];
    for c in s.chars() {
        let b = match c {
            'a'..='z' => c as usize - 'a' as usize,
            '0'..='9' => 26 + c as usize - '0' as usize,
            ' ' => 36,
            '.' => 37,
            c => 38 + (c as usize % 26),
        };
        h[b] = h[b].saturating_add(1);
    }
    h
}

/// Lower bound of the edit distance from two histograms: a substitution changes two buckets by
/// one, an insertion or deletion one bucket, a transposition none.
fn histogram_bound(a: &Histogram, b: &Histogram) -> usize {
    let l1: usize = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y) as usize).sum();
    l1.div_ceil(2)
}

struct Entry {
    name: Arc<str>,
    sku: Arc<str>,
    chars: usize,
    histogram: Histogram,
}

#[derive(Default)]
pub struct FuzzyIndex {
    entries: Vec<Entry>,
    /// token → indexes into `entries`.
    by_token: HashMap<Box<str>, Vec<u32>>,
}

fn tokens(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|t| t.chars().count() >= 3)
}

impl FuzzyIndex {
    pub fn insert(&mut self, normalized: &Arc<str>, sku: Arc<str>) {
        let idx = self.entries.len() as u32;
        self.entries.push(Entry {
            name: normalized.clone(),
            sku,
            chars: normalized.chars().count(),
            histogram: histogram(normalized),
        });
        for t in tokens(normalized) {
            let list = self.by_token.entry(t.into()).or_default();
            if list.last() != Some(&idx) {
                list.push(idx);
            }
        }
    }

    /// Best (sku, score) with score ≥ threshold. Ties go to the earliest indexed name.
    pub fn best(&self, query: &str, threshold: f32) -> Option<(Arc<str>, f32)> {
        let mut candidates: Vec<u32> = tokens(query)
            .filter_map(|t| self.by_token.get(t))
            .flatten()
            .copied()
            .collect();
        if candidates.is_empty() && self.entries.len() <= 5_000 {
            // A typo in every long token: scan short catalogs whole (the bounds keep it cheap).
            candidates = (0..self.entries.len() as u32).collect();
        }
        candidates.sort_unstable();
        candidates.dedup();
        let q_chars = query.chars().count();
        let q_hist = histogram(query);
        let mut best: Option<(u32, f32)> = None;
        for idx in candidates {
            let e = &self.entries[idx as usize];
            let longest = q_chars.max(e.chars);
            if longest == 0 {
                continue;
            }
            // The most edits a match at the threshold (or beating the best so far) may need.
            let floor = best.map_or(threshold, |(_, s)| s.max(threshold));
            let allowed = ((1.0 - floor) * longest as f32).floor() as usize;
            if q_chars.abs_diff(e.chars) > allowed
                || histogram_bound(&q_hist, &e.histogram) > allowed
            {
                continue;
            }
            let score = strsim::normalized_damerau_levenshtein(query, &e.name) as f32;
            if score >= threshold && best.is_none_or(|(_, s)| score > s) {
                best = Some((idx, score));
            }
        }
        best.map(|(idx, score)| (self.entries[idx as usize].sku.clone(), score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> FuzzyIndex {
        let mut ix = FuzzyIndex::default();
        for (i, n) in names.iter().enumerate() {
            ix.insert(&Arc::from(*n), Arc::from(format!("S{i}").as_str()));
        }
        ix
    }

    #[test]
    fn the_bounds_never_drop_a_real_match() {
        let ix = index(&[
            "40mm bolt hex m8 x zinc",
            "15mm 3m copper pipe",
            "gloves l nitrile",
        ]);
        let (sku, score) = ix.best("40mm blot hex m8 x zinc", 0.85).unwrap();
        assert_eq!(&*sku, "S0");
        assert!(score > 0.95);
        assert_eq!(&*ix.best("15mm 3m coper pipe", 0.85).unwrap().0, "S1");
        assert!(ix.best("gloves xl latex", 0.85).is_none());
    }

    #[test]
    fn the_histogram_bound_is_a_lower_bound() {
        for (a, b) in [
            ("kitten", "sitting"),
            ("abc", "acb"),
            ("pipe", "piper"),
            ("", "abc"),
        ] {
            let d = strsim::damerau_levenshtein(a, b);
            assert!(
                histogram_bound(&histogram(a), &histogram(b)) <= d,
                "{a} {b}"
            );
        }
    }
}
