//! Finding the few catalog items worth comparing with a description.
//!
//! An inverted index from each word and each attribute value (`thread=m8`) to the items that state
//! it, plus a deletion neighbourhood of the catalog's words (every word of five letters or more with
//! one letter left out), so a word with a typo still reaches the items of the word it means. A query
//! walks its shortest posting lists first, adding each word's weight to the items it reaches, and
//! stops taking long lists once enough postings were read; the best-reached items are compared in
//! full by [`super::compare`].

use super::compare::{Compact, Interner};
use super::entries::Entries;
use super::frozen::{Counts, ListsBy, Numbers, digest};
use super::identifier::{self, VARIANT_SUFFIX};
use super::lexicon::Lexicon;
use super::signature::{KIND_PREFIX, Signature};
use super::vocabulary::{self, Vocabulary};
use super::{HashMap, HashSet};
use std::borrow::Cow;

/// Postings read per query at most, once at least one list was read.
const POSTINGS_BUDGET: usize = 20_000;

/// What an item carrying one of the query's identifiers scores in the search: more than any
/// number of shared words.
const ID_REACH: f32 = 100.0;

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Index {
    pub names: Interner,
    entries: Entries,
    /// Word → the items that state it. A kept table's lists hold only catalog items (a catalog
    /// with provisional items is never kept).
    words: ListsBy,
    attrs: ListsBy<(u32, u32)>,
    /// Word, or word with one letter left out ([`digest`]) → catalog words.
    deletions: ListsBy<u128>,
    /// The words and attribute values of the catalog (not provisional items): what a line's unknown word may be
    /// read as.
    vocabulary: Vocabulary,
    /// Items created for descriptions no item matched ([`Index::insert_provisional`]).
    provisional: Vec<bool>,
    /// Word → how many catalog items (not provisional) name it first: the makers and product
    /// lines the catalog names its products by ([`Index::makers_differ`]).
    leads: HashMap<u32, u32>,
    /// Identifier → the items that carry it.
    ids: ListsBy,
    /// An identifier with a short letter suffix left out (`fs105` for `fs105na`; [`digest`]) →
    /// the items whose identifier it is a variant of ([`super::identifier::variants`]).
    id_stems: ListsBy<u128>,
    /// How many strings `names` held once each item was in: item `i` introduced the strings
    /// numbered from item `i - 1`'s count to its own.
    interned_through: Numbers,
    /// How many catalog items (not provisional) have each string, in any role.
    held_by: Counts,
    /// Kept items gone since ([`Index::change_kept`]): not counted among the items a word's
    /// rarity is measured against.
    #[serde(skip)]
    gone: usize,
}

/// A name as the index reads it: its entry, and its strings' numbers in the order they are
/// interned ([`super::compare::Interner::compact_known`]).
pub type Reading = (Compact, Vec<u32>);

/// Every string an entry holds (some more than once): its attributes' names and values, its
/// words, identifiers and lead.
fn strings_of(c: &Compact) -> Vec<u32> {
    let attrs = c.attrs.iter().flat_map(|&(n, v)| [n, v]);
    let rest = c.words.iter().chain(c.ids.iter()).copied().chain(c.lead);
    attrs.chain(rest).collect()
}

/// A posting list a query reads: found first, read only if the search takes it.
enum Postings {
    Word(u32),
    Attr((u32, u32)),
    Id(u32),
    Stem(u128),
}

fn typo_keys(word: &str) -> Vec<String> {
    if word.chars().count() < 5 || !word.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    std::iter::once(word.to_string())
        .chain(super::lexicon::deletions(word))
        .collect()
}

/// The shorter forms an identifier is a variant of: it with a letter suffix of up to
/// [`VARIANT_SUFFIX`] letters left out, at least [`identifier::MIN_LEN`] characters left.
fn id_stems(id: &str) -> impl Iterator<Item = &str> {
    (1..=VARIANT_SUFFIX)
        .take_while(move |k| {
            id.len() > *k
                && id.as_bytes()[id.len() - k].is_ascii_alphabetic()
                && id.len() - k >= identifier::MIN_LEN
        })
        .map(move |k| &id[..id.len() - k])
}

impl Index {
    /// How many items carry an identifier.
    pub fn id_holders(&self, id: u32) -> usize {
        self.ids.len_of(&id)
    }

    /// How many items are indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn entry(&self, idx: u32) -> Cow<'_, Compact> {
        self.entries.get(idx)
    }

    /// Add an item of the catalog; returns its index.
    pub fn insert(&mut self, sig: &Signature) -> u32 {
        let compact = self.names.compact(sig);
        self.insert_compact(compact, false)
    }

    /// Add a provisional item (created for a description no item matched), its words read as a
    /// line's are ([`Index::compact_query`]): an item created from `Chipbd Screw …` holds
    /// `chipboard`, as the line that created it was read, so later lines compare with it as they
    /// compare with the catalog. Its words do not join the vocabulary: the dictionary is the
    /// catalog, and a spelling the run met first (`chiobd`) never shadows the word the catalog
    /// has (`chipbd` stays `chipboard`).
    pub fn insert_provisional(&mut self, sig: &Signature, lex: &Lexicon) -> u32 {
        let mut compact = self.compact_query(sig, lex);
        compact.read_as = Box::default();
        compact.unread = Box::default();
        self.insert_compact(compact, true)
    }

    fn insert_compact(&mut self, compact: Compact, provisional: bool) -> u32 {
        let idx = self.entries.len() as u32;
        self.provisional.push(provisional);
        if let (Some(lead), false) = (compact.lead, provisional) {
            *self.leads.entry(lead).or_default() += 1;
        }
        for &w in compact.words.iter() {
            if self.words.len_of(&w) == 0 {
                // A word new to the catalog: reachable through its typos from now on.
                for key in typo_keys(self.names.get(w)) {
                    self.deletions.push_new(digest(&key), w);
                }
            }
            self.words.push_once(w, idx);
            self.learn(w, provisional);
        }
        for &(_, v) in compact.attrs.iter() {
            self.learn(v, provisional);
        }
        for &id in compact.ids.iter() {
            self.ids.push_once(id, idx);
            for stem in id_stems(self.names.get(id)) {
                self.id_stems.push_once(digest(stem), idx);
            }
        }
        for &(n, v) in compact.attrs.iter() {
            if self.names.get(n).starts_with(KIND_PREFIX) {
                continue; // kind words are indexed as words
            }
            self.attrs.push_once((n, v), idx);
        }
        if !provisional {
            let mut strings = strings_of(&compact);
            strings.sort_unstable();
            strings.dedup();
            for s in strings {
                self.held_by.add(s);
            }
        }
        self.entries.push(compact);
        self.interned_through.push(self.names.len() as u32);
        idx
    }

    /// Kept items read otherwise from now on: each `(idx, reading)`, the item's entry as its new
    /// name reads and the numbers of that name's strings in the order they are interned (none:
    /// the item is gone). Only when the index then holds what an index built from the changed
    /// items would, so that every look-up finds the same ([`Index::reads_alike`]); otherwise
    /// nothing changes, and why not is returned.
    pub fn change_kept(&mut self, changes: &[(u32, Option<Reading>)]) -> Result<(), String> {
        let changed: HashSet<u32> = changes.iter().map(|(i, _)| *i).collect();
        if changed.len() != changes.len() || self.interned_through.len() != self.len() {
            return Err("an item changed twice, or the index was added to".into());
        }
        let skip = |i: u32| changed.contains(&i);
        let mut gone_strings = Vec::new();
        for (idx, new) in changes {
            let new = new.as_ref().map(|(c, met)| (c, met.as_slice()));
            gone_strings.extend(self.reads_alike(*idx, &self.entries.get(*idx), new, &skip)?);
        }
        gone_strings.sort_unstable();
        let comes_back = changes
            .iter()
            .filter_map(|(_, new)| new.as_ref())
            .flat_map(|(_, met)| met)
            .find(|s| gone_strings.binary_search(s).is_ok());
        if let Some(&s) = comes_back {
            return Err(format!(
                "`{}` goes with one item and comes with another",
                self.names.get(s)
            ));
        }
        for &s in &gone_strings {
            self.names.forget(s);
            self.vocabulary.forget(s);
        }
        for (idx, new) in changes {
            let old = self.entries.get(*idx).into_owned();
            self.listed(&old, *idx, false);
            match new {
                Some((c, _)) => {
                    self.listed(c, *idx, true);
                    self.entries.replace(*idx, c.clone());
                }
                None => {
                    self.gone += 1;
                    self.entries.replace(*idx, Compact::default());
                }
            }
        }
        Ok(())
    }

    /// Whether the index with kept item `idx` read as `new` (none: gone) instead of `old` holds
    /// what an index built from the items so is, when the other changed items (`skip`) pass the
    /// same test; the strings that go with its old name, if so.
    /// - The strings are numbered alike, with gaps: of the strings the item was the first to
    ///   have (it introduced them), those its new name has are met in the same order, and those
    ///   it has no more no other item has (they go); every other string of its new name was
    ///   interned before it.
    /// - The vocabulary and the words a typo reaches stay as they are, but for the strings that
    ///   go: each word and attribute value of either name that it introduced and keeps, both
    ///   names have alike; each other one is a word or an attribute of an earlier item that did
    ///   not change.
    fn reads_alike(
        &self,
        idx: u32,
        old: &Compact,
        new: Option<(&Compact, &[u32])>,
        skip: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<u32>, String> {
        let through = |i: u32| {
            self.interned_through
                .get(i as usize)
                .ok_or_else(|| format!("item {i}: not in the index"))
        };
        let before = idx.checked_sub(1).map_or(Ok(0), through)?;
        let introduced = before..through(idx)?;
        let text = |s: u32| self.names.get(s);
        // The strings it introduced that its new name has, in the order it meets them first.
        let mut kept: Vec<u32> = Vec::new();
        for &s in new.map_or(&[][..], |(_, met)| met) {
            if s < before || kept.binary_search(&s).is_ok() {
                continue;
            }
            if !introduced.contains(&s) {
                return Err(format!("`{}` is new to the items before it", text(s)));
            }
            if let Some(&l) = kept.last().filter(|&&l| s < l) {
                return Err(format!("`{}` would be met before `{}`", text(s), text(l)));
            }
            kept.push(s);
        }
        let gone: Vec<u32> = introduced
            .clone()
            .filter(|s| kept.binary_search(s).is_err())
            .collect();
        if let Some(&s) = gone.iter().find(|&&s| self.held_by.get(s) != 1) {
            return Err(format!(
                "`{}`, which it has no more, other items have",
                text(s)
            ));
        }
        let earlier = |kept: bool, what: u32| {
            kept.then_some(())
                .ok_or_else(|| format!("no item before it has `{}` as it did", text(what)))
        };
        let both = [Some(old), new.map(|(c, _)| c)];
        let in_both = |f: &dyn Fn(&Compact) -> bool| both.iter().all(|c| c.is_some_and(f));
        let goes = |s: u32| gone.binary_search(&s).is_ok();
        for c in both.iter().flatten() {
            for &w in c.words.iter().filter(|&&w| !goes(w)) {
                let alike = match introduced.contains(&w) {
                    true => in_both(&|c| c.words.binary_search(&w).is_ok()),
                    false => self.words.kept_below(&w, idx, skip),
                };
                earlier(alike, w)?;
            }
            for &(n, v) in c.attrs.iter().filter(|&&(n, v)| !goes(n) && !goes(v)) {
                let alike = if text(n).starts_with(KIND_PREFIX) {
                    // A kind's value is one of the item's words too.
                    c.words.binary_search(&v).is_ok()
                } else if introduced.contains(&n) || introduced.contains(&v) {
                    in_both(&|c| c.attrs.binary_search(&(n, v)).is_ok())
                } else {
                    self.attrs.kept_below(&(n, v), idx, skip)
                };
                earlier(alike, v)?;
            }
        }
        Ok(gone)
    }

    /// Item `idx` put in (`true`) or taken out of the lists of a kept entry's words,
    /// attributes, identifiers and lead.
    fn listed(&mut self, c: &Compact, idx: u32, put: bool) {
        for &w in c.words.iter() {
            self.words.edit_kept(w, idx, put);
        }
        for &(n, v) in c.attrs.iter() {
            if !self.names.get(n).starts_with(KIND_PREFIX) {
                self.attrs.edit_kept((n, v), idx, put);
            }
        }
        for &id in c.ids.iter() {
            self.ids.edit_kept(id, idx, put);
            for stem in id_stems(self.names.get(id)) {
                self.id_stems.edit_kept(digest(stem), idx, put);
            }
        }
        if let Some(lead) = c.lead {
            let n = self.leads.entry(lead).or_default();
            if put {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.leads.remove(&lead);
                }
            }
        }
    }

    /// A word or attribute value of an item of the catalog (not provisional) joins the
    /// vocabulary.
    fn learn(&mut self, id: u32, provisional: bool) {
        if !provisional {
            self.vocabulary.add(id, self.names.get(id));
        }
    }

    /// Whether a word names a maker or a product line: the lexicon's `[brands]`, or the first
    /// word of at least `learned_from` catalog items.
    fn is_maker(&self, word: u32, lex: &Lexicon) -> bool {
        let learned = lex.brands_learned_from;
        lex.brands.contains(self.names.get(word))
            || (learned > 0 && self.leads.get(&word).is_some_and(|&n| n >= learned))
    }

    /// Two makers: the line and the item each start with a maker's word the other does not carry
    /// anywhere (`Sony …` against `Samsung …`; `Hex Bolt …` against `Coach Bolt …`). Words in
    /// another order (`Bolt, Hex …`) or a maker named later (`… by Sony`) are not two makers.
    pub fn makers_differ(&self, line: &Compact, item: &Compact, lex: &Lexicon) -> Option<String> {
        let (l, i) = (line.lead?, item.lead?);
        let carries = |c: &Compact, w: u32| c.words.binary_search(&w).is_ok();
        (l != i
            && self.is_maker(l, lex)
            && self.is_maker(i, lex)
            && !carries(item, l)
            && !carries(line, i))
        .then(|| format!("maker {} ≠ {}", self.names.get(l), self.names.get(i)))
    }

    /// Whether an item of the catalog has the word (not only provisional items).
    fn catalog_has(&self, word: u32) -> bool {
        self.words.frozen_len(&word) > 0
            || self
                .words
                .added(&word)
                .iter()
                .any(|&i| !self.provisional[i as usize])
    }

    /// A word's weight: its inverse document frequency over the catalog (a word the catalog does
    /// not have weighs the most).
    pub fn weight(&self, word: u32) -> f32 {
        let df = self.words.len_of(&word) as f32;
        let items = self.entries.len() - self.gone;
        (1.0 + items as f32 / (1.0 + df)).ln() + 0.1
    }

    /// The query as numbers (its new words are interned too), each word neither the catalog nor
    /// the lexicon knows read as the catalog word it misspells or abbreviates, when there is
    /// exactly one ([`Vocabulary::read`]); the words it cannot settle are kept as `unread`.
    pub fn compact_query(&mut self, sig: &Signature, lex: &Lexicon) -> Compact {
        let mut q = self.names.compact(sig);
        let mut read_as = Vec::new();
        let mut unread = Vec::new();
        for &w in q.words.iter() {
            let text = self.names.get(w);
            if self.catalog_has(w) || self.vocabulary.contains(w) || lex.knows(text) {
                continue;
            }
            let names = &self.names;
            // A word only provisional items have is theirs unless the catalog reads it.
            let reading = self.vocabulary.read(text, &|id| names.get(id));
            match reading {
                Some(c) => read_as.push((w, c)),
                None if vocabulary::readable(text) => unread.push(w),
                None => {}
            }
        }
        q.unread = unread.into();
        if !read_as.is_empty() {
            let mut words: Vec<u32> = q
                .words
                .iter()
                .map(|w| read_as.iter().find(|(f, _)| f == w).map_or(*w, |(_, c)| *c))
                .collect();
            words.sort_unstable();
            words.dedup();
            q.words = words.into();
            q.read_as = read_as.into();
        }
        q
    }

    /// The catalog words a query word may mean: itself, and words one typo away.
    fn neighbours(&self, word: u32) -> Vec<u32> {
        let text = self.names.get(word);
        let mut out = Vec::new();
        for key in typo_keys(text) {
            for &w in self.deletions.get(&digest(&key)).iter() {
                if w != word && !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out
    }

    fn postings(&self, p: &Postings) -> Cow<'_, [u32]> {
        match p {
            Postings::Word(w) => self.words.get(w),
            Postings::Attr(a) => self.attrs.get(a),
            Postings::Id(id) => self.ids.get(id),
            Postings::Stem(d) => self.id_stems.get(d),
        }
    }

    fn postings_len(&self, p: &Postings) -> usize {
        match p {
            Postings::Word(w) => self.words.len_of(w),
            Postings::Attr(a) => self.attrs.len_of(a),
            Postings::Id(id) => self.ids.len_of(id),
            Postings::Stem(d) => self.id_stems.len_of(d),
        }
    }

    /// Up to `k` items best reached by the query's words and attributes.
    pub fn candidates(&self, q: &Compact, k: usize) -> Vec<u32> {
        // Each list's length and weight first: a list the budget leaves out is never read.
        let mut lists: Vec<(Postings, usize, f32)> = Vec::new();
        let mut add = |p: Postings, weight: f32| {
            let len = self.postings_len(&p);
            if len > 0 {
                lists.push((p, len, weight));
            }
        };
        for &w in q.words.iter() {
            add(Postings::Word(w), self.weight(w));
            for n in self.neighbours(w) {
                add(Postings::Word(n), 0.9 * self.weight(n));
            }
        }
        for &(n, v) in q.attrs.iter() {
            add(Postings::Attr((n, v)), 1.0);
        }
        // An identifier reaches its items first, a variant of it next.
        for &id in q.ids.iter() {
            add(Postings::Id(id), ID_REACH);
            let text = self.names.get(id);
            add(Postings::Stem(digest(text)), ID_REACH / 2.0);
            for stem in id_stems(text) {
                if let Some(s) = self.names.lookup(stem) {
                    add(Postings::Id(s), ID_REACH / 2.0);
                }
            }
        }
        lists.sort_by_key(|(_, len, _)| *len);
        let mut acc: HashMap<u32, f32> = HashMap::default();
        let mut read = 0;
        for (p, len, w) in lists {
            if read > 0 && read + len > POSTINGS_BUDGET {
                continue;
            }
            read += len;
            for &idx in self.postings(&p).iter() {
                *acc.entry(idx).or_default() += w;
            }
        }
        let mut best: Vec<(u32, f32)> = acc.into_iter().collect();
        if best.len() > k {
            best.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            best.truncate(k);
        }
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.into_iter().map(|(i, _)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lexicon::Lexicon;
    use crate::mapping::signature::signature;

    #[test]
    fn a_typo_in_every_word_still_reaches_the_item() {
        let lex = Lexicon::builtin();
        let mut ix = Index::default();
        for name in [
            "Penny Washer M8 Zinc",
            "Copper Elbow 15mm Compression",
            "Nitrile Gloves L",
        ] {
            ix.insert(&signature(name, &lex));
        }
        let q = ix.compact_query(&signature("Peny Wahser", &lex), &lex);
        assert_eq!(ix.candidates(&q, 5).first(), Some(&0));
        let q = ix.compact_query(&signature("Coper Elbow 15mm", &lex), &lex);
        assert_eq!(ix.candidates(&q, 5).first(), Some(&1));
    }

    #[test]
    fn rare_words_weigh_more_than_common_ones() {
        let lex = Lexicon::builtin();
        let mut ix = Index::default();
        for name in ["Hex Bolt M8", "Hex Bolt M10", "Coach Bolt M8"] {
            ix.insert(&signature(name, &lex));
        }
        let bolt = ix.names.lookup("bolt").unwrap();
        let coach = ix.names.lookup("coach").unwrap();
        assert!(ix.weight(coach) > ix.weight(bolt));
    }
}
