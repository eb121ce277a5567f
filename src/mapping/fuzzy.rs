//! Fuzzy matching of normalized descriptions against item names.
//!
//! Scoring is strsim's normalized Damerau-Levenshtein on token-sorted text (a swapped or dropped
//! letter costs one edit). To stay fast on large catalogs, only names that share a token of three
//! or more characters with the query are scored.

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct FuzzyIndex {
    /// Normalized names and their item.
    names: Vec<(Arc<str>, Arc<str>)>,
    /// token → indexes into `names`.
    by_token: HashMap<Box<str>, Vec<u32>>,
}

fn tokens(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|t| t.chars().count() >= 3)
}

impl FuzzyIndex {
    pub fn insert(&mut self, normalized: &Arc<str>, sku: Arc<str>) {
        let idx = self.names.len() as u32;
        self.names.push((normalized.clone(), sku));
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
        if candidates.is_empty() {
            // A typo in every long token: fall back to a full scan of short catalogs only.
            if self.names.len() <= 5_000 {
                candidates = (0..self.names.len() as u32).collect();
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(u32, f32)> = None;
        for idx in candidates {
            let (name, _) = &self.names[idx as usize];
            let score = strsim::normalized_damerau_levenshtein(query, name) as f32;
            if score >= threshold && best.is_none_or(|(_, s)| score > s) {
                best = Some((idx, score));
            }
        }
        best.map(|(idx, score)| (self.names[idx as usize].1.clone(), score))
    }
}
