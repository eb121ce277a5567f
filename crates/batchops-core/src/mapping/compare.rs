//! One description against one catalog item: vetoes first, then a score of the words.
//!
//! - An attribute both sides state with different values is a **veto**: the pair never matches
//!   (`length 40` against `length 50`, `colour black` against `colour red`, `kind washer flat`
//!   against `kind washer spring`).
//! - An attribute only one side states is **one-sided**: the pair may be the same product, but the
//!   line does not say enough to be sure (`Hex Bolt M8` against `Hex Bolt M8 x 40mm`): never an
//!   automatic match, at most a review candidate. Kinds are the exception: a kind only one side
//!   names is just a word.
//! - The words that remain are scored by weighted overlap, each word weighing its inverse
//!   document frequency over the catalog (a rare word agreeing says more than `bolt`). Alphabetic
//!   words tolerate typos: one edit for 5–8 letters, two for longer; shorter words and anything with
//!   a digit must be equal.

use super::HashMap;
use super::frozen::Strings;
use super::identifier::{Role, related, variants};
use super::lexicon::Lexicon;
use super::signature::{Signature, describe_attribute};
use super::vocabulary::may_mean;
use super::words::{TYPO, WEAK, weak_agreement, word_agreement};

/// Interned strings: the catalog keeps signatures as numbers (a 100,000-item catalog in a few MiB).
/// A kept catalog's strings are read back as one frozen table ([`Strings`]); the strings interned
/// after it are numbered on from it. A frozen string interned again is remembered with them, so a
/// run looks each of its words up in the table once.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Strings")]
pub struct Interner {
    frozen: Strings,
    /// The strings interned: those after the frozen table, and frozen ones interned again.
    ids: HashMap<Box<str>, u32>,
    strs: Vec<Box<str>>,
    /// Frozen strings gone with the items that alone had them ([`Interner::forget`]): found no
    /// more, interned again after the others as a new string is.
    gone: super::HashSet<u32>,
}

/// An interner is kept as one frozen table of its strings.
impl serde::Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let all = (0..self.len() as u32).map(|id| self.get(id));
        Strings::new(all)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl TryFrom<Strings> for Interner {
    type Error = String;
    fn try_from(frozen: Strings) -> Result<Self, String> {
        frozen.check()?;
        Ok(Interner {
            frozen,
            ..Interner::default()
        })
    }
}

impl Interner {
    /// How many strings are interned.
    pub(super) fn len(&self) -> usize {
        self.frozen.len() + self.strs.len()
    }
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        if let Some(id) = self.frozen_find(s) {
            self.ids.insert(s.into(), id);
            return id;
        }
        let id = self.len() as u32;
        self.strs.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied().or_else(|| self.frozen_find(s))
    }

    /// The number of a frozen string, unless it is gone.
    fn frozen_find(&self, s: &str) -> Option<u32> {
        self.frozen.find(s).filter(|id| !self.gone.contains(id))
    }

    /// Frozen string `id` is gone: no item has it any more. Only before it was interned again.
    pub fn forget(&mut self, id: u32) {
        self.gone.insert(id);
    }
    pub fn get(&self, id: u32) -> &str {
        let frozen = self.frozen.len();
        match (id as usize).checked_sub(frozen) {
            None => self.frozen.get(id).unwrap_or(""),
            Some(i) => self.strs.get(i).map_or("", |s| s),
        }
    }
    /// A signature as numbers when every string of it is interned already, without interning
    /// anything; and its strings' numbers in the order [`Interner::compact`] meets them.
    pub fn compact_known(&self, sig: &Signature) -> Option<(Compact, Vec<u32>)> {
        let mut met = Vec::new();
        let c = compacted(sig, |s| {
            let id = self.lookup(s)?;
            met.push(id);
            Some(id)
        })?;
        Some((c, met))
    }

    /// A signature as numbers.
    pub fn compact(&mut self, sig: &Signature) -> Compact {
        compacted(sig, |s| Some(self.intern(s))).expect("every string is interned")
    }
}

/// A signature as numbers, each string numbered by `number` in the order the interner meets
/// them (attributes, words, identifiers, the lead); none if one has no number.
fn compacted(sig: &Signature, mut number: impl FnMut(&str) -> Option<u32>) -> Option<Compact> {
    let mut attrs = Vec::new();
    for (name, values) in &sig.attributes {
        let n = number(name)?;
        for v in values {
            attrs.push((n, number(v)?));
        }
    }
    attrs.sort_unstable();
    let mut words = sig
        .words
        .iter()
        .map(|w| number(w))
        .collect::<Option<Vec<u32>>>()?;
    words.sort_unstable();
    words.dedup();
    let ids = sig
        .ids
        .iter()
        .map(|w| number(w))
        .collect::<Option<Vec<u32>>>()?;
    let lead = match sig.lead.as_deref() {
        Some(w) => Some(number(w)?),
        None => None,
    };
    Some(Compact {
        attrs: attrs.into(),
        words: words.into(),
        ids: ids.into(),
        lead,
        read_as: Box::default(),
        unread: Box::default(),
    })
}

/// A signature as interned numbers: (attribute name, value) pairs sorted, and the words.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Compact {
    pub attrs: Box<[(u32, u32)]>,
    pub words: Box<[u32]>,
    /// The identifiers ([`super::identifier`]).
    pub ids: Box<[u32]>,
    /// The first word as written ([`Signature::lead`]).
    pub lead: Option<u32>,
    /// (word as written, catalog word it was read as): a query's misspelt or abbreviated words
    /// (see [`super::vocabulary`]); `words` holds the catalog word.
    pub read_as: Box<[(u32, u32)]>,
    /// A query's words that neither the catalog nor the lexicon knows and the catalog's
    /// vocabulary could not read (`st`: safety or steel toe?): each may still mean what one
    /// candidate leaves unpaired, weakly ([`super::vocabulary::may_mean`]).
    pub unread: Box<[u32]>,
}

/// How a description and an item compare.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Word score, 0..1.
    pub score: f32,
    pub agreed: Vec<String>,
    /// Vetoes: attributes stated on both sides with different values.
    pub differed: Vec<String>,
    /// Attributes only one side states.
    pub one_sided: Vec<String>,
    /// The same, as (attribute name id, stated by the item): for the siblings rule.
    pub one_sided_names: Vec<(u32, bool)>,
    /// Weight of the line's words the item lacks, and of the item's words the line lacks.
    pub extra_line: f32,
    pub extra_item: f32,
    /// Words paired only weakly: such a pair is never matched automatically.
    pub weak: u32,
    /// Identifiers both sides carry, neither side naming a more specific one the other lacks.
    pub same_ids: Vec<u32>,
    /// An identifier of one side is a variant of one of the other's (`FS105` and `FS105NA`).
    pub variant_id: bool,
    /// Of the vetoes, those of bare numbers that are not years (`20 ≠ 180` in `Up to 20 Hours`
    /// against `180 Hour`): they do not outweigh an identifier both sides carry.
    pub bare_number_vetoes: usize,
}

impl Comparison {
    pub fn vetoed(&self) -> bool {
        !self.differed.is_empty()
    }
    /// Every attribute stated on either side agrees, and every word pairs (at least within the
    /// typo allowance).
    pub fn complete(&self) -> bool {
        self.differed.is_empty()
            && self.one_sided.is_empty()
            && self.weak == 0
            && !self.words_conflict()
    }
    /// Both sides have something the other lacks in its place: words on both sides (`Box Beam`
    /// against `Torpedo`), or words on one side where the other states an attribute
    /// (`Fibreglass` against `Steel`). Two products, not one described with more or fewer words.
    pub fn words_conflict(&self) -> bool {
        let line_only = self.one_sided_names.iter().any(|(_, item)| !item);
        let item_only = self.one_sided_names.iter().any(|(_, item)| *item);
        (self.extra_line > 0.0 && (self.extra_item > 0.0 || item_only))
            || (self.extra_item > 0.0 && line_only)
    }
}

/// The values of each attribute name: runs of equal names in a sorted pair list.
fn groups(attrs: &[(u32, u32)]) -> impl Iterator<Item = (u32, &[(u32, u32)])> {
    attrs.chunk_by(|a, b| a.0 == b.0).map(|run| (run[0].0, run))
}

/// One span written two ways: a range on one side (`17-85mm`) and its two ends on the other
/// (`17mm - 85mm`).
fn one_span(a: &[(u32, u32)], b: &[(u32, u32)], names: &Interner) -> bool {
    let ends = |range: &[(u32, u32)], two: &[(u32, u32)]| {
        let [r] = range else { return false };
        let [x, y] = two else { return false };
        names.get(r.1).split_once('-').is_some_and(|(lo, hi)| {
            let (x, y) = (names.get(x.1), names.get(y.1));
            (lo, hi) == (x, y) || (lo, hi) == (y, x)
        })
    };
    ends(a, b) || ends(b, a)
}

/// Compare a description with an item (both interned by `names`). `weight` gives a word's weight.
pub fn compare(
    line: &Compact,
    item: &Compact,
    names: &Interner,
    lex: &Lexicon,
    weight: &dyn Fn(u32) -> f32,
) -> Comparison {
    let mut c = Comparison::default();
    let line_groups: Vec<(u32, &[(u32, u32)])> = groups(&line.attrs).collect();
    let item_groups: Vec<(u32, &[(u32, u32)])> = groups(&item.attrs).collect();
    let find = |gs: &[(u32, &'_ [(u32, u32)])], n: u32| {
        gs.iter()
            .find(|(m, _)| *m == n)
            .map(|(_, run)| run.to_vec())
    };
    let mut all: Vec<u32> = line_groups.iter().map(|(n, _)| *n).collect();
    all.extend(item_groups.iter().map(|(n, _)| *n));
    all.sort_unstable();
    all.dedup();
    let describe = |n: u32, v: &str| describe_attribute(names.get(n), v, lex);
    let mut line_used = vec![false; line.words.len()];
    let mut item_used = vec![false; item.words.len()];
    // Values taken from the other side's misspelt words (a kind word may be in two groups).
    let mut rescued: Vec<String> = Vec::new();
    for n in all {
        let a = find(&line_groups, n);
        let b = find(&item_groups, n);
        match (a, b) {
            (Some(a), Some(b)) if one_span(&a, &b, names) => {
                let range = if a.len() == 1 { a[0].1 } else { b[0].1 };
                c.agreed.push(describe(n, names.get(range)));
            }
            (Some(a), Some(b)) => {
                let only_a: Vec<&str> = a
                    .iter()
                    .filter(|x| !b.contains(x))
                    .map(|x| names.get(x.1))
                    .collect();
                let only_b: Vec<&str> = b
                    .iter()
                    .filter(|x| !a.contains(x))
                    .map(|x| names.get(x.1))
                    .collect();
                for x in a.iter().filter(|x| b.contains(x)) {
                    c.agreed.push(describe(n, names.get(x.1)));
                }
                if !only_a.is_empty() && !only_b.is_empty() {
                    let year =
                        |v: &&str| v.len() == 4 && (v.starts_with("19") || v.starts_with("20"));
                    if names.get(n) == "number" && !only_a.iter().chain(&only_b).any(year) {
                        c.bare_number_vetoes += 1;
                    }
                    c.differed.push(format!(
                        "{} ≠ {}",
                        describe(n, &only_a.join(",")),
                        only_b.join(",")
                    ));
                } else {
                    // A value only one side states may be the other side's misspelt word
                    // (`Silicone Sealnt` against `Silicone Sealant`): taken as the value.
                    for v in only_a {
                        let id = names.lookup(v).unwrap_or(u32::MAX);
                        if rescue(v, &item.words, &mut item_used, names, &mut rescued) {
                            consume(id, &line.words, &mut line_used);
                            c.agreed.push(describe(n, v));
                        } else {
                            c.one_sided.push(format!("{} (line only)", describe(n, v)));
                            c.one_sided_names.push((n, false));
                        }
                    }
                    for v in only_b {
                        let id = names.lookup(v).unwrap_or(u32::MAX);
                        if rescue(v, &line.words, &mut line_used, names, &mut rescued) {
                            consume(id, &item.words, &mut item_used);
                            c.agreed.push(describe(n, v));
                        } else if perhaps(v, line, &mut line_used, names) {
                            consume(id, &item.words, &mut item_used);
                            c.weak += 1;
                        } else {
                            c.one_sided.push(format!("{} (item only)", describe(n, v)));
                            c.one_sided_names.push((n, true));
                        }
                    }
                }
            }
            (Some(a), None) => {
                for x in a {
                    let v = names.get(x.1);
                    if rescue(v, &item.words, &mut item_used, names, &mut rescued) {
                        // A kind word is a word too: its own copy is accounted for.
                        consume(x.1, &line.words, &mut line_used);
                        c.agreed.push(describe(n, v));
                    } else {
                        c.one_sided.push(format!("{} (line only)", describe(n, v)));
                        c.one_sided_names.push((n, false));
                    }
                }
            }
            (None, Some(b)) => {
                for x in b {
                    let v = names.get(x.1);
                    if rescue(v, &line.words, &mut line_used, names, &mut rescued) {
                        consume(x.1, &item.words, &mut item_used);
                        c.agreed.push(describe(n, v));
                    } else if perhaps(v, line, &mut line_used, names) {
                        consume(x.1, &item.words, &mut item_used);
                        c.weak += 1;
                    } else {
                        // `Znic` for `zinc`: too short to be taken as the value, close enough to
                        // be no other word in its place (so the line is reviewed, not created).
                        near_miss(v, &line.words, &mut line_used, names);
                        c.one_sided.push(format!("{} (item only)", describe(n, v)));
                        c.one_sided_names.push((n, true));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let keep = |words: &[u32], used: &[bool]| -> Vec<u32> {
        words
            .iter()
            .zip(used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| *w)
            .collect()
    };
    // A word of the line read as a catalog word (see [`super::vocabulary`]) agrees like a typo.
    let read: Vec<u32> = line.read_as.iter().map(|(_, c)| *c).collect();
    for (written, c_id) in line.read_as.iter() {
        let on_item = item.words.contains(c_id) || item.attrs.iter().any(|(_, v)| v == c_id);
        if on_item {
            c.agreed.push(format!(
                "{} read as {}",
                names.get(*written),
                names.get(*c_id)
            ));
        }
    }
    let w = word_score(
        &keep(&line.words, &line_used),
        &keep(&item.words, &item_used),
        &Readings {
            read: &read,
            unread: &line.unread,
        },
        names,
        weight,
    );
    c.score = w.score;
    c.extra_line = w.extra_line;
    c.extra_item = w.extra_item;
    c.weak += w.weak;
    compare_ids(line, item, names, &mut c);
    c
}

/// Identifiers as evidence: one both sides carry agrees (unless one side names a more specific
/// code that extends it: `DVPFX820` and `DVPFX820/L`), a variant is one-sided, and two sides
/// that carry identifiers of one shape (digits only, or letters and digits) none of which pair
/// are two products.
fn compare_ids(line: &Compact, item: &Compact, names: &Interner, c: &mut Comparison) {
    let text = |id: &u32| names.get(*id);
    // A code only one side carries: the other side may be another model of the same words.
    for (side, ids, other) in [
        ("line", &line.ids, &item.ids),
        ("item", &item.ids, &line.ids),
    ] {
        if other.is_empty() && !ids.is_empty() {
            let codes: Vec<&str> = ids.iter().map(text).collect();
            c.one_sided
                .push(format!("model code {} ({side} only)", codes.join(",")));
        }
    }
    if line.ids.is_empty() || item.ids.is_empty() {
        return;
    }
    // The most specific identifiers of a side: not the start of another one of it (`967562` of
    // `967562-0403`).
    let maximal = |ids: &[u32]| -> Vec<u32> {
        ids.iter()
            .copied()
            .filter(|x| !ids.iter().any(|y| y != x && text(y).starts_with(text(x))))
            .collect()
    };
    let (line_max, item_max) = (maximal(&line.ids), maximal(&item.ids));
    for &id in line.ids.iter().filter(|id| item.ids.contains(id)) {
        if line_max.contains(&id) && item_max.contains(&id) {
            c.same_ids.push(id);
            c.agreed.push(format!("model code {}", text(&id)));
        } else if !c.variant_id {
            // One side names a more specific code that extends it (`DVPFX820` and `DVPFX820/L`).
            c.variant_id = true;
            c.one_sided.push(format!(
                "model code {} (a more specific code on one side)",
                text(&id)
            ));
        }
    }
    // Codes related otherwise (one inside the other, one stem) say nothing once a code pairs.
    let exact = !c.same_ids.is_empty();
    for (a, b) in line_max
        .iter()
        .flat_map(|a| item_max.iter().map(move |b| (a, b)))
    {
        if a != b && (variants(text(a), text(b)) || (!exact && related(text(a), text(b)))) {
            c.variant_id = true;
            c.one_sided.push(format!(
                "model code {} against {} (a variant?)",
                text(a),
                text(b)
            ));
        }
    }
    // An identifier meets a side that carries it, or a code related to it.
    let meets = |x: &u32, side: &[u32]| side.iter().any(|y| x == y || related(text(x), text(y)));
    let show = |v: &[u32]| v.iter().map(text).collect::<Vec<_>>().join(",");
    for role in Role::ALL {
        let of = |ids: &[u32]| -> Vec<u32> {
            ids.iter()
                .copied()
                .filter(|id| Role::of(text(id)) == role)
                .collect()
        };
        let (a, b) = (of(&line_max), of(&item_max));
        if !a.is_empty()
            && !b.is_empty()
            && !a.iter().any(|x| meets(x, &item.ids))
            && !b.iter().any(|y| meets(y, &line.ids))
        {
            c.differed
                .push(format!("model code {} ≠ {}", show(&a), show(&b)));
        } else if !exact && a.is_empty() != b.is_empty() {
            // Codes of a role only one side carries, pairing nothing: another numbering of the
            // same product, or another product; not a match without a code both carry.
            let (side, codes, other) = if b.is_empty() {
                ("line", a, &item.ids)
            } else {
                ("item", b, &line.ids)
            };
            let lone: Vec<u32> = codes.into_iter().filter(|x| !meets(x, other)).collect();
            if !lone.is_empty() {
                c.one_sided
                    .push(format!("model code {} ({side} only)", show(&lone)));
            }
        }
    }
}

/// A value only the item states that a word of the line the catalog could not settle may mean
/// ([`super::vocabulary::may_mean`]: `st` for the item's `steeltoe`): the word is taken, weakly.
/// The pair is then at most a review candidate, never an automatic match.
fn perhaps(value: &str, line: &Compact, used: &mut [bool], names: &Interner) -> bool {
    for (j, &w) in line.words.iter().enumerate() {
        if !used[j] && line.unread.contains(&w) && may_mean(names.get(w), value) {
            used[j] = true;
            return true;
        }
    }
    false
}

fn near_miss(value: &str, words: &[u32], used: &mut [bool], names: &Interner) {
    if value.chars().count() < 4 || !value.chars().all(char::is_alphabetic) {
        return;
    }
    for (j, &w) in words.iter().enumerate() {
        let word = names.get(w);
        if !used[j] && word.chars().count() >= 4 && strsim::damerau_levenshtein(value, word) <= 1 {
            used[j] = true;
            return;
        }
    }
}

fn consume(word: u32, words: &[u32], used: &mut [bool]) {
    if let Some(j) = words.iter().position(|&w| w == word) {
        used[j] = true;
    }
}

/// A class value one side states (`copper`) that the other side spelled with a typo (`coppr`,
/// left among its words because the lexicon did not know it): the word is taken as the value.
/// A value rescued once (for one kind group) is rescued for every group it is in.
fn rescue(
    value: &str,
    words: &[u32],
    used: &mut [bool],
    names: &Interner,
    rescued: &mut Vec<String>,
) -> bool {
    if rescued.iter().any(|r| r == value) {
        return true;
    }
    if value.chars().count() < 5 || !value.chars().all(char::is_alphabetic) {
        return false;
    }
    for (j, &w) in words.iter().enumerate() {
        if !used[j] && word_agreement(value, names.get(w)).is_some() {
            used[j] = true;
            rescued.push(value.to_string());
            return true;
        }
    }
    false
}

/// The word score and what each side has that the other lacks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordScore {
    pub score: f32,
    pub extra_line: f32,
    pub extra_item: f32,
    /// Words paired only weakly ([`weak_agreement`]).
    pub weak: u32,
}

/// What the catalog's vocabulary made of a line's words.
pub struct Readings<'a> {
    /// Catalog words the line's words were read as: they agree like a typo.
    pub read: &'a [u32],
    /// The line's words it could not settle: each may weakly pair with one the item leaves.
    pub unread: &'a [u32],
}

/// Weighted overlap of two word sets: twice the weight that agrees over the weight of both sides
/// (1.0 when neither side has words). Each word of the line pairs with at most one of the item.
pub fn word_score(
    line: &[u32],
    item: &[u32],
    readings: &Readings,
    names: &Interner,
    weight: &dyn Fn(u32) -> f32,
) -> WordScore {
    let total: f32 = line.iter().chain(item).map(|w| weight(*w)).sum();
    if total <= 0.0 {
        return WordScore {
            score: 1.0,
            extra_line: 0.0,
            extra_item: 0.0,
            weak: 0,
        };
    }
    let mut used = vec![false; item.len()];
    let mut agreed = 0.0;
    let mut extra_line = 0.0;
    let mut weak = 0;
    for &w in line {
        // An equal word first; else the best typo within the allowance.
        let mut best: Option<(usize, f32)> = None;
        for (j, &v) in item.iter().enumerate() {
            if used[j] {
                continue;
            }
            let q = if w == v {
                Some(if readings.read.contains(&w) {
                    TYPO
                } else {
                    1.0
                })
            } else {
                word_agreement(names.get(w), names.get(v))
            };
            if let Some(q) = q
                && best.is_none_or(|(_, b)| q > b)
            {
                best = Some((j, q));
                if q >= 1.0 {
                    break;
                }
            }
        }
        if best.is_none() {
            best = item
                .iter()
                .enumerate()
                .find(|(j, v)| {
                    let (a, b) = (names.get(w), names.get(**v));
                    !used[*j]
                        && (weak_agreement(a, b)
                            || (readings.unread.contains(&w) && may_mean(a, b)))
                })
                .map(|(j, _)| (j, WEAK));
            weak += u32::from(best.is_some());
        }
        match best {
            Some((j, q)) => {
                used[j] = true;
                agreed += q * (weight(w) + weight(item[j]));
            }
            None => extra_line += weight(w),
        }
    }
    let extra_item: f32 = item
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(w, _)| weight(*w))
        .sum();
    WordScore {
        score: (agreed / total).min(1.0),
        extra_line,
        extra_item,
        weak,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::signature::signature;

    fn cmp_w(a: &str, b: &str, w: &dyn Fn(&str) -> f32) -> Comparison {
        let lex = Lexicon::builtin();
        let mut names = Interner::default();
        let a = names.compact(&signature(a, &lex));
        let b = names.compact(&signature(b, &lex));
        compare(&a, &b, &names, &lex, &|id| w(names.get(id)))
    }

    fn cmp(a: &str, b: &str) -> Comparison {
        cmp_w(a, b, &|_| 1.0)
    }

    #[test]
    fn a_different_value_of_a_stated_attribute_is_a_veto() {
        let item = "Hex Bolt M8 x 40mm Zinc";
        for line in [
            "Hex Bolt M8 x 50mm Zinc",
            "Hex Bolt M10 x 40mm Zinc",
            "Hex Bolt M8 x 40mm Stainless",
        ] {
            assert!(cmp(line, item).vetoed(), "{line}");
        }
        assert!(cmp("Flat Washer M6", "Flat Washer M8").vetoed());
        assert!(cmp("Cable tie 300mm black", "Cable tie 200mm black").vetoed());
        assert!(cmp("Flat Washer M8", "Spring Washer M8").vetoed());
        assert!(cmp("Nitrile Gloves Size XL", "Nitrile Gloves Size L").vetoed());
        assert!(cmp("Wood Screw Pan Head", "Wood Screw Countersunk").vetoed());
        assert!(cmp("Nitrile Gloves", "Latex Gloves").vetoed());
    }

    #[test]
    fn a_misspelt_class_word_still_agrees() {
        let c = cmp("Coppr Pipe 15mm", "Copper Pipe 15mm");
        assert!(c.complete(), "{c:?}");
        assert_eq!(c.score, 1.0);
    }

    #[test]
    fn a_misspelt_kind_word_agrees_when_both_sides_name_the_kind() {
        // Both name a sealant kind (silicone); the item also says sealant, the line misspells it.
        let c = cmp(
            "Silicone Sealnt Clear 290ml",
            "Silicone Sealant Clear 290ml",
        );
        assert!(c.complete(), "{c:?}");
        let c = cmp(
            "SDS Plus Masony Drill Bit 6mm",
            "SDS Plus Masonry Drill Bit 6mm",
        );
        assert!(c.complete(), "{c:?}");
    }

    #[test]
    fn true_spellings_agree_completely() {
        let c = cmp("Hex bolt m8x40mm zinc", "Hex Bolt M8 x 40mm Zinc");
        assert!(c.complete(), "{c:?}");
        assert_eq!(c.score, 1.0);
        assert_eq!(c.agreed, ["length 40 mm", "material zinc", "thread m8"]);
        let c = cmp("Penny Wahser M8 Zinc", "Penny Washer M8 Zinc");
        assert!(c.complete() && c.score > 0.9 && c.score < 1.0, "{c:?}");
    }

    #[test]
    fn a_line_that_says_less_is_one_sided_not_vetoed() {
        let c = cmp("Hex Bolt M8 Zinc", "Hex Bolt M8 x 40mm Zinc");
        assert!(!c.vetoed());
        assert_eq!(c.one_sided, ["length 40 mm (item only)"]);
    }

    #[test]
    fn rare_words_weigh_more() {
        let w = |s: &str| if s == "nyloc" { 5.0 } else { 1.0 };
        let c = cmp_w("Nyloc Nut M8", "Nut M8", &w);
        assert!(c.score < 0.3, "{c:?}");
    }
}
