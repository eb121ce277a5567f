//! Find-or-create: each line is mapped to an inventory item, in file order, in memory.
//!
//! A line with a known SKU maps by SKU, unless its description contradicts the item's (a veto of
//! [`compare`]: another kind of product, other sizes): then it is held for review. When the SKU
//! column holds a supplier's part numbers ([`Mapper::supplier_parts`]) a known part number maps
//! through its cross-reference (held the same way on a contradiction), an unknown one maps by the
//! description and teaches the cross-reference ([`LearnedPart`]).
//!
//! A description is read as a typed [`signature`] (thread, measures with units, counts, sizes,
//! colours, finishes, kinds, and the words that remain) and its canonical key looked up among the items' names and the learned aliases. Failing that, the
//! catalog's best-reached items are compared ([`compare`]): an attribute stated on both sides with
//! different values vetoes the pair, and the decision falls in one of three bands:
//!
//! - **auto**: every attribute stated on either side agrees, the words score at least the
//!   threshold (`--match-threshold`, default 0.85) and the runner-up that also agrees completely
//!   is at least [`MARGIN`] behind. The key is learned as an alias (`learned_by = 'auto'`).
//! - **review**: a candidate that is not vetoed scores at least [`REVIEW_FLOOR`] but one side leaves
//!   out an attribute the other states, or the score is below the threshold, or two candidates are
//!   too close to call. With `--uncertain hold` (the default) the line is held for an operator;
//!   with `--uncertain create` a new item is created.
//! - **create**: no plausible candidate; a new item (with a deterministic `GEN-…` SKU).
//!
//! Items created by earlier lines are visible to later ones. The mapper never touches the
//! database: the writer creates the new items it names, by SKU, idempotently.

mod catalog;
pub mod column;
pub mod compare;
mod entries;
mod frozen;
pub mod identifier;
mod index;
mod items;
pub mod lexicon;
mod name_keys;
mod normalize;
pub mod signature;
mod tokens;
mod vocabulary;
mod words;

/// The mapper's hash maps and sets: keyed by words and numbers of its own, read millions of times
/// while a catalog loads, so hashed with a fast seeded hash rather than SipHash.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub use catalog::{
    AliasEntry, Catalog, CatalogItem, Exact, ItemsError, PartEntry, RefusedAlias, parse_part_key,
    part_key,
};
pub use items::{Items, KeptItems};
pub use normalize::{generated_sku, normalize};

use crate::domain::{Candidate, LineItem, MappingDecision};
use compare::Comparison;
use rust_decimal::Decimal;
use std::sync::Arc;

/// What a catalog read from its items depends on besides them: the reading rules this binary was
/// built with (the mapping module's sources, its shipped lexicon, the locked dependencies) and the
/// lexicon's files. A catalog kept between runs ([`Catalog::write_items`]) is used only by a process
/// with the same fingerprint.
pub fn rules_fingerprint(lex: &lexicon::Lexicon) -> String {
    format!(
        "{}-{}",
        env!("BATCHOPS_RULES_DIGEST"),
        hex::encode(&lex.digest[..8])
    )
}

/// Default minimum word score (0..1) of an automatic match.
pub const DEFAULT_MATCH_THRESHOLD: f32 = 0.85;

/// Below this word score a candidate is not plausible: the line creates a new item.
pub const REVIEW_FLOOR: f32 = 0.5;

/// Words on each side the other lacks (`Earset` against `Headset`) are another product when
/// little else agrees, and worth a review from this word score on against a catalog item: a
/// catalog and an invoice word one product apart. Against an item this run created (named as an
/// invoice wrote it) they are another product (`Box Beam` against `I-Beam`): lines worded by one
/// hand differ in a word where their products do.
pub const CONFLICT_REVIEW_FLOOR: f32 = 0.6;

/// How far the best complete candidate must be ahead of the next complete one to be taken alone.
pub const MARGIN: f32 = 0.1;

/// Candidates kept with a held line.
const HELD_CANDIDATES: usize = 3;

/// Candidates listed per line by `import --explain`.
const WEIGHED_EXPLAINED: usize = 5;

/// The key a description is stored under as an alias (the matcher's canonical key).
pub fn alias_key(description: &str) -> String {
    signature::signature(description, &lexicon::current()).key()
}

/// What to do with a line in the review band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Uncertain {
    /// Hold it for an operator's decision (it lands nowhere until then).
    #[default]
    Hold,
    /// Create a new item for it.
    Create,
}

impl Uncertain {
    pub fn as_str(self) -> &'static str {
        match self {
            Uncertain::Hold => "hold",
            Uncertain::Create => "create",
        }
    }
}

/// A line with its item decided: what the writer needs to land it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedLine {
    pub line: u64,
    /// SKU of the item the line maps to.
    pub sku: Arc<str>,
    /// Name to create the item with, when this run created it (the writer creates it if the
    /// database does not have it yet; creating by SKU is idempotent).
    pub new_item_name: Option<Arc<str>>,
    /// A canonical key learned as an alias of `sku` by this line (automatic matches).
    pub learned_alias: Option<Arc<str>>,
    /// The canonical key a description-only line was mapped through (`None` for lines mapped by
    /// SKU): kept in `transactions.alias`, so `aliases move` can move its stock.
    pub alias: Option<Arc<str>>,
    /// A supplier's part number this line taught (the writer stores it).
    pub learned_part: Option<LearnedPart>,
    pub decision: MappingDecision,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    /// The line's content fingerprint and line key (crates/batchops-core/src/domain/fingerprint.rs), stored with its
    /// row; set by the import pipeline, `None` where a line lands outside it (decisions, retries,
    /// reject files).
    pub fingerprint: Option<crate::domain::fingerprint::LinePrint>,
    /// The original line, kept for the dead-letter table if the write fails.
    pub item: LineItem,
}

/// A line the matcher could not decide: held for an operator, lands nowhere yet.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldLine {
    /// The canonical key: one decision applies to every held line that shares it.
    pub alias: Arc<str>,
    pub reason: String,
    pub candidates: Vec<Candidate>,
    pub item: LineItem,
}

impl HeldLine {
    pub fn decision(&self) -> MappingDecision {
        MappingDecision::Held {
            reason: self.reason.clone(),
            candidates: self.candidates.clone(),
        }
    }
}

/// What the mapper made of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    /// Mapped to an item: the writer lands it.
    Land(MappedLine),
    /// Held for review.
    Hold(HeldLine),
}

impl Mapped {
    pub fn decision(&self) -> MappingDecision {
        match self {
            Mapped::Land(m) => m.decision.clone(),
            Mapped::Hold(h) => h.decision(),
        }
    }
}

/// What a description was decided as, cached per canonical key for the run.
#[derive(Clone)]
enum Decided {
    Land(Arc<str>, MappingDecision),
    Hold(String, Vec<Candidate>),
}

/// The in-run mapping context.
pub struct Mapper {
    catalog: Catalog,
    threshold: f32,
    uncertain: Uncertain,
    cache: HashMap<Arc<str>, Decided>,
    /// The supplier whose part numbers the SKU column holds (`None`: our SKUs).
    supplier: Option<Arc<str>>,
    /// Whether a line's description contradicts the item its number names, per (item,
    /// description): the held line's key, reason and candidate when it does.
    contradictions: HashMap<(u32, Box<str>), Option<Contradiction>>,
    /// With [`Mapper::explain`]: the candidates weighed per canonical key, each with its verdict,
    /// and those of the line mapped last.
    explain: bool,
    weighed: HashMap<Arc<str>, Vec<Candidate>>,
    last_weighed: Vec<Candidate>,
    /// The comparisons of the key being decided (kept only to explain it).
    found: Vec<(u32, Comparison)>,
}

/// A line landed by its description: the line, its item, the decision, the alias it taught and
/// the key it was read as.
type ByDescription = (
    LineItem,
    Arc<str>,
    MappingDecision,
    Option<Arc<str>>,
    Arc<str>,
);

/// A held line's key, reason and candidates.
type Contradiction = (Arc<str>, String, Vec<Candidate>);

/// The contradiction verdicts a [`Mapper`] reached on items of the catalog it was built with
/// ([`Mapper::into_verdicts`]): a mapper of the same catalog starts from them
/// ([`Mapper::with_verdicts`]) instead of comparing those lines again.
#[derive(Default)]
pub struct Verdicts(HashMap<(u32, Box<str>), Option<Contradiction>>);

fn held((alias, reason, candidates): Contradiction, item: LineItem) -> Mapped {
    Mapped::Hold(HeldLine {
        alias,
        reason,
        candidates,
        item,
    })
}

/// Verdicts of [`Mapper::contradiction`] kept at most (the cache starts over beyond).
const CONTRADICTIONS_KEPT: usize = 65_536;

/// A supplier's part number a line taught: the writer stores it with the line.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedPart {
    pub supplier: Arc<str>,
    pub part_number: Arc<str>,
    /// Taught by an operator's decision (not by this run's automatic mapping).
    pub by_operator: bool,
}

impl Mapper {
    pub fn new(catalog: Catalog, threshold: f32) -> Self {
        Self {
            catalog,
            threshold,
            uncertain: Uncertain::Hold,
            cache: HashMap::default(),
            supplier: None,
            contradictions: HashMap::default(),
            explain: false,
            weighed: HashMap::default(),
            last_weighed: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Its contradiction verdicts on the first `items` items of its catalog (those it was built
    /// with, not items its lines created).
    pub fn into_verdicts(self, items: usize) -> Verdicts {
        let mut kept = self.contradictions;
        kept.retain(|(idx, _), _| (*idx as usize) < items);
        Verdicts(kept)
    }

    /// Start from the verdicts a mapper of the same catalog reached.
    pub fn with_verdicts(mut self, verdicts: Verdicts) -> Self {
        self.contradictions = verdicts.0;
        self
    }

    /// Keep, for every line, the candidates weighed and the verdict on each
    /// ([`Mapper::take_weighed`]).
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }

    /// Whether decisions are explained ([`Mapper::explain`]).
    pub fn explaining(&self) -> bool {
        self.explain
    }

    /// The candidates weighed for the line mapped last, best first, each with its verdict (empty
    /// without [`Mapper::explain`], and for a line mapped by its SKU or a known alias).
    pub fn take_weighed(&mut self) -> Vec<Candidate> {
        std::mem::take(&mut self.last_weighed)
    }

    /// The SKU column holds `supplier`'s part numbers (`None`: our SKUs).
    pub fn supplier_parts(mut self, supplier: Option<&str>) -> Self {
        self.supplier = supplier.map(Into::into);
        self
    }

    /// What to do with review-band lines.
    pub fn uncertain(mut self, mode: Uncertain) -> Self {
        self.uncertain = mode;
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Map one line: to an existing or a new item, or held for review.
    ///
    /// The SKU column holds our SKUs, or (with [`Mapper::supplier_parts`]) the supplier's part
    /// numbers, which map through the cross-references learned so far and, when unknown, map by
    /// the description and teach the cross-reference. Either way a number whose line's description
    /// contradicts the item it names (a veto of the comparison: another kind of product, other
    /// sizes) holds the line for review.
    pub fn map(&mut self, item: LineItem) -> Mapped {
        self.last_weighed.clear();
        let mapped = self.map_line(item);
        if self.explain
            && self.last_weighed.is_empty()
            && let Mapped::Hold(h) = &mapped
        {
            // Held without a comparison of the catalog (a number's item contradicted, several
            // items read the same): its candidates are the ones weighed.
            self.last_weighed = h
                .candidates
                .iter()
                .map(|c| Candidate {
                    verdict: Some(if c.differed.is_empty() {
                        "held for review".into()
                    } else {
                        format!("vetoed: {}", c.differed.join(", "))
                    }),
                    ..c.clone()
                })
                .collect();
        }
        mapped
    }

    fn map_line(&mut self, item: LineItem) -> Mapped {
        let sku_text = item.sku.clone();
        let (sku, decision, learned_alias, alias, learned_part) =
            match (sku_text.as_deref(), self.supplier.clone()) {
                (Some(part), Some(supplier)) => match self.catalog.part(&supplier, part) {
                    Some(sku) => {
                        let what = format!("{supplier}'s part number {part}");
                        if let Some(c) = self.contradiction(&sku, &item, &what) {
                            return held(c, item);
                        }
                        let key: Arc<str> = part_key(&supplier, part).into();
                        (sku, MappingDecision::Alias, None, Some(key), None)
                    }
                    None if item.description.trim().is_empty() => {
                        return Mapped::Hold(HeldLine {
                            alias: part_key(&supplier, part).into(),
                            reason: format!(
                                "{supplier}'s part number {part} is not known yet and the line \
                                 has no description to find the item by"
                            ),
                            candidates: Vec::new(),
                            item,
                        });
                    }
                    None => match self.map_description(item) {
                        Err(held) => return *held,
                        Ok((item, sku, decision, learned, key)) => {
                            self.catalog.learn_part(&supplier, part, &sku);
                            let learned_part = LearnedPart {
                                supplier: supplier.clone(),
                                part_number: part.into(),
                                by_operator: false,
                            };
                            return self.landed(
                                item,
                                sku,
                                decision,
                                learned,
                                Some(key),
                                Some(learned_part),
                            );
                        }
                    },
                },
                (Some(sku), None) => {
                    // A retired SKU names the item an operator merged it into: that merge is the
                    // operator's word, and the item's name is not the retired one's.
                    if let Some(known) = self.catalog.sku(sku)
                        && self.catalog.index_of(sku).is_some()
                        && let Some(c) = self.contradiction(&known, &item, &format!("SKU {sku}"))
                    {
                        return held(c, item);
                    }
                    let (sku, decision) = self.map_by_sku(sku, &item.description);
                    (sku, decision, None, None, None)
                }
                (None, _) => match self.map_description(item) {
                    Err(held) => return *held,
                    Ok((item, sku, decision, learned, key)) => {
                        return self.landed(item, sku, decision, learned, Some(key), None);
                    }
                },
            };
        self.landed(item, sku, decision, learned_alias, alias, learned_part)
    }

    fn landed(
        &mut self,
        item: LineItem,
        sku: Arc<str>,
        decision: MappingDecision,
        learned_alias: Option<Arc<str>>,
        alias: Option<Arc<str>>,
        learned_part: Option<LearnedPart>,
    ) -> Mapped {
        let new_item_name = self.catalog.created_name(&sku);
        Mapped::Land(MappedLine {
            line: item.line,
            sku,
            new_item_name,
            learned_alias,
            alias,
            learned_part,
            decision,
            quantity: item.quantity,
            unit_cost: item.unit_price,
            fingerprint: None,
            item,
        })
    }

    /// A line mapped by its description: landed as (line, item, decision, alias learned, key),
    /// or held.
    fn map_description(&mut self, item: LineItem) -> Result<ByDescription, Box<Mapped>> {
        let sig = signature::signature(&item.description, self.catalog.lexicon());
        let key: Arc<str> = sig.key().into();
        let (decided, fresh) = self.map_by_description(&key, &sig, &item.description);
        match decided {
            Decided::Hold(reason, candidates) => Err(Box::new(Mapped::Hold(HeldLine {
                alias: key,
                reason,
                candidates,
                item,
            }))),
            Decided::Land(sku, decision) => {
                // Only the line that made an automatic match teaches its alias.
                let learned = (fresh && matches!(decision, MappingDecision::Fuzzy { .. }))
                    .then(|| key.clone());
                Ok((item, sku, decision, learned, key))
            }
        }
    }

    /// When the line's description contradicts the item its number names (`what`): the held
    /// line's key, reason and candidate. The verdict is kept per (item, description) for the run.
    fn contradiction(
        &mut self,
        sku: &Arc<str>,
        item: &LineItem,
        what: &str,
    ) -> Option<Contradiction> {
        if item.description.trim().is_empty() {
            return None;
        }
        let idx = self.catalog.index_of(sku)?;
        // A description that is the item's name, word for word, reads as the item does: nothing
        // to contradict (a provisional item's words were read as a line's, so it is compared).
        if !self.catalog.provisional(idx) && self.catalog.item(idx).1 == item.description.as_str() {
            return None;
        }
        let cache_key = (idx, Box::<str>::from(item.description.as_str()));
        if let Some(verdict) = self.contradictions.get(&cache_key) {
            return verdict.clone();
        }
        let sig = signature::signature(&item.description, self.catalog.lexicon());
        let c = self.catalog.compare_with(&sig, idx);
        let verdict = c.vetoed().then(|| {
            let (_, name) = self.catalog.item(idx);
            let reason = format!(
                "{what} names {sku} \"{name}\", but the line's description contradicts it: {}",
                c.differed.join(", ")
            );
            let alias: Arc<str> = sig.key().into();
            (alias, reason, vec![self.candidate(idx, &c)])
        });
        if self.contradictions.len() >= CONTRADICTIONS_KEPT {
            self.contradictions.clear();
        }
        self.contradictions.insert(cache_key, verdict.clone());
        verdict
    }

    fn map_by_sku(&mut self, sku: &str, description: &str) -> (Arc<str>, MappingDecision) {
        if let Some(known) = self.catalog.sku(sku) {
            return (known, MappingDecision::Sku);
        }
        let name = if description.is_empty() {
            sku
        } else {
            description
        };
        (self.catalog.create(sku, name), MappingDecision::CREATED)
    }

    /// The decision for a key, and whether it was made now (`false`: from this run's cache).
    fn map_by_description(
        &mut self,
        key: &Arc<str>,
        sig: &signature::Signature,
        description: &str,
    ) -> (Decided, bool) {
        if let Some(decided) = self.cache.get(key) {
            let again = match decided {
                // Later lines of a key this run created map to that item like an alias.
                Decided::Land(sku, MappingDecision::Created { .. }) => {
                    Decided::Land(sku.clone(), MappingDecision::Alias)
                }
                other => other.clone(),
            };
            if self.explain {
                self.last_weighed = self.weighed.get(key).cloned().unwrap_or_default();
            }
            return (again, false);
        }
        let decided = self.decide(key, sig, description);
        if self.explain {
            let found = std::mem::take(&mut self.found);
            self.last_weighed = self.weigh(&found, &decided);
            self.weighed.insert(key.clone(), self.last_weighed.clone());
        }
        if let Decided::Land(sku, MappingDecision::Fuzzy { .. }) = &decided {
            self.catalog.learn_alias(key.clone(), sku);
        }
        self.cache.insert(key.clone(), decided.clone());
        (decided, true)
    }

    fn decide(&mut self, key: &Arc<str>, sig: &signature::Signature, description: &str) -> Decided {
        match self.catalog.exact(key) {
            Some(Exact::Item(sku)) => return Decided::Land(sku, MappingDecision::Alias),
            Some(Exact::Several(skus)) => {
                let candidates = skus
                    .iter()
                    .take(HELD_CANDIDATES)
                    .filter_map(|s| {
                        let idx = self.catalog.index_of(s)?;
                        let c = self.catalog.compare_with(sig, idx);
                        Some(self.candidate(idx, &c))
                    })
                    .collect();
                let reason = format!("{} catalog items read the same", skus.len());
                return self.uncertain_line(key, description, reason, candidates);
            }
            None => {}
        }
        let mut found = self.catalog.candidates(key, sig);
        if self.explain {
            self.found = found.clone();
        }
        // A shared identifier pins the product: what the siblings say about words does not.
        if let Some(decided) = self.decide_by_identifier(key, description, &sig.ids, &found) {
            return decided;
        }
        self.silence_of_siblings(&mut found);
        if self.explain {
            self.found = found.clone();
        }
        let complete: Vec<&(u32, Comparison)> =
            found.iter().filter(|(_, c)| c.complete()).collect();
        let plausible: Vec<&(u32, Comparison)> = found
            .iter()
            .filter(|(i, c)| {
                !c.vetoed()
                    && (!c.words_conflict()
                        || (c.score >= CONFLICT_REVIEW_FLOOR && !self.catalog.provisional(*i)))
            })
            .collect();
        if let Some((idx, best)) = complete.first()
            && best.score >= self.threshold
            && complete
                .get(1)
                .is_none_or(|(_, r)| r.score <= best.score - MARGIN)
        {
            let (sku, name) = (self.catalog.shared_sku(*idx), self.catalog.item(*idx).1);
            return Decided::Land(
                sku,
                MappingDecision::Fuzzy {
                    score: best.score,
                    matched_name: name.to_string(),
                    agreed: best.agreed.clone(),
                    runner_up: complete.get(1).map(|(_, r)| r.score),
                },
            );
        }
        if let Some((_, best)) = plausible.first()
            && best.score >= REVIEW_FLOOR
        {
            let reason = if best.words_conflict() {
                format!(
                    "words on each side the other lacks (words score {:.2}): the same product \
                     worded apart, or another one?",
                    best.score
                )
            } else if !best.one_sided.is_empty() {
                format!("not stated on both sides: {}", best.one_sided.join(", "))
            } else if best.weak > 0 {
                format!(
                    "{} word(s) only like the item's (a misspelling or a short form?)",
                    best.weak
                )
            } else if best.score < self.threshold {
                format!(
                    "words score {:.2}, below the threshold {:.2}",
                    best.score, self.threshold
                )
            } else {
                format!(
                    "two candidates too close to call ({:.2} and {:.2})",
                    best.score,
                    complete.get(1).map_or(0.0, |(_, r)| r.score)
                )
            };
            // Plausible candidates first, then the vetoed ones (an operator may know better).
            let candidates = plausible
                .iter()
                .chain(
                    found
                        .iter()
                        .filter(|(_, c)| c.vetoed())
                        .collect::<Vec<_>>()
                        .iter(),
                )
                .take(HELD_CANDIDATES)
                .map(|(i, c)| self.candidate(*i, c))
                .collect();
            return self.uncertain_line(key, description, reason, candidates);
        }
        let reason = self.why_none(&found);
        let sku = self
            .catalog
            .create_provisional(&generated_sku(key), description);
        Decided::Land(sku, MappingDecision::Created { reason })
    }

    /// Why no candidate was taken, for a created item: the nearest few, each with its evidence
    /// and what rejected it.
    fn why_none(&self, found: &[(u32, Comparison)]) -> Option<String> {
        let mut nearest: Vec<&(u32, Comparison)> = found.iter().collect();
        // The vetoed first: they are the close ones a reader asks about.
        nearest.sort_by_key(|(_, c)| !c.vetoed());
        let explained: Vec<String> = nearest
            .iter()
            .take(HELD_CANDIDATES)
            .map(|(i, c)| {
                let (sku, name) = self.catalog.item(*i);
                let rejected = if c.vetoed() {
                    c.differed.join(", ")
                } else if c.words_conflict() && self.catalog.provisional(*i) {
                    "words on each side the other lacks (an item of this run)".to_string()
                } else if c.words_conflict() {
                    format!("words on each side the other lacks, below {CONFLICT_REVIEW_FLOOR:.2}")
                } else {
                    format!("words score {:.2}, below {REVIEW_FLOOR:.2}", c.score)
                };
                let agreed = if c.agreed.is_empty() {
                    String::new()
                } else {
                    format!("; agreed: {}", c.agreed.join(", "))
                };
                format!(
                    "{sku} \"{name}\" (words {:.2}{agreed}): {rejected}",
                    c.score
                )
            })
            .collect();
        (!explained.is_empty()).then(|| format!("nearest {}", explained.join("; ")))
    }

    /// Identifiers first: one candidate carrying a rare identifier of the line (no other item
    /// carries it), not vetoed, is the item whatever the words; candidates that carry one the
    /// line shares with other items, or a variant of it, are held for review, those first.
    fn decide_by_identifier(
        &mut self,
        key: &str,
        description: &str,
        line_ids: &[Box<str>],
        found: &[(u32, Comparison)],
    ) -> Option<Decided> {
        // A veto still holds against a shared identifier, except one of bare numbers; the
        // pair is then reviewed, not created apart.
        let vetoed = |c: &Comparison| c.differed.len() > c.bare_number_vetoes;
        let by_id: Vec<&(u32, Comparison)> = found
            .iter()
            .filter(|(_, c)| !c.same_ids.is_empty() || (c.variant_id && !vetoed(c)))
            .collect();
        let exact: Vec<&&(u32, Comparison)> = by_id
            .iter()
            .filter(|(_, c)| !c.same_ids.is_empty())
            .collect();
        // Candidates that may be the line's product by their codes.
        let live: Vec<&&(u32, Comparison)> = by_id.iter().filter(|(_, c)| !vetoed(c)).collect();
        // Every item carrying the code was compared (and all but one vetoed).
        let all_seen = |c: &Comparison| {
            c.same_ids.iter().any(|&id| {
                let seen = found
                    .iter()
                    .filter(|(_, o)| o.same_ids.contains(&id))
                    .count();
                seen >= self.catalog.id_holders(id)
            })
        };
        // One candidate carries the line's code itself: the others may carry only variants of it
        // (another colour's suffix), which do not outweigh the code, when every code of the line
        // is that one (or a shorter or longer writing of it).
        let live_exact: Vec<&&&(u32, Comparison)> = live
            .iter()
            .filter(|(_, c)| !c.same_ids.is_empty())
            .collect();
        let only_its_codes = |c: &Comparison| {
            line_ids.iter().all(|x| {
                c.same_ids.iter().any(|&id| {
                    let t = self.catalog.id_text(id);
                    t.starts_with(x.as_ref()) || x.starts_with(t)
                })
            })
        };
        if let [(idx, best)] = live_exact[..]
            && (live.len() == 1 || only_its_codes(best))
            && !best.variant_id
            && all_seen(best)
        {
            let (sku, name) = (self.catalog.shared_sku(*idx), self.catalog.item(*idx).1);
            return Some(Decided::Land(
                sku,
                MappingDecision::Fuzzy {
                    score: best.score,
                    matched_name: name.to_string(),
                    agreed: best.agreed.clone(),
                    runner_up: found.iter().find(|(i, _)| i != idx).map(|(_, r)| r.score),
                },
            ));
        }
        if by_id.is_empty() {
            return None;
        }
        let codes = |c: &Comparison| {
            c.same_ids
                .iter()
                .map(|&id| self.catalog.id_text(id))
                .collect::<Vec<_>>()
                .join(",")
        };
        let reason = match (live_exact.first(), exact.first()) {
            (Some((_, c)), _) if live_exact.len() > 1 => format!(
                "{} candidates carry the line's model code {}",
                live_exact.len(),
                codes(c)
            ),
            (Some((_, c)), _) if c.variant_id => format!(
                "model code {} agrees, but {}",
                codes(c),
                c.one_sided.join(", ")
            ),
            (Some((_, c)), _) => format!(
                "model code {}, which other items carry too, or a variant of it",
                codes(c)
            ),
            (None, Some((_, c))) => format!(
                "model code {} agrees, but {}",
                codes(c),
                c.differed.join(", ")
            ),
            (None, None) => format!(
                "model code only a variant of the candidate's: {}",
                by_id[0].1.one_sided.join(", ")
            ),
        };
        // The live candidates first (those carrying the code, then its variants), then those a
        // veto rejected.
        let mut ranked: Vec<&(u32, Comparison)> = live_exact.iter().map(|c| ***c).collect();
        ranked.extend(
            live.iter()
                .filter(|(_, c)| c.same_ids.is_empty())
                .map(|c| **c),
        );
        ranked.extend(exact.iter().filter(|(_, c)| vetoed(c)).map(|c| **c));
        let candidates = ranked
            .iter()
            .take(HELD_CANDIDATES)
            .map(|(i, c)| self.candidate(*i, c))
            .collect();
        Some(self.uncertain_line(key, description, reason, candidates))
    }

    /// Silence that says something: an attribute only one side states is a difference, not a
    /// gap, when the candidate's siblings (items whose words agree with the line) show that the
    /// catalog tells such products apart by it. A line without a pack count against `… Pack of 25`
    /// is another product when `…` without a pack is in the catalog too; a line with `Pack of 10`
    /// against an item without one is another product when a sibling states a count.
    ///
    /// A provisional item (created this run for a description no item matched) tells only about
    /// provisional items: it is named as one invoice wrote it (`Wood Screw … Pan Philips`), which
    /// says nothing of how the catalog names its products apart (`Pan Head Phillips`).
    fn silence_of_siblings(&self, found: &mut [(u32, Comparison)]) {
        // (item, provisional, every attribute either side states agrees or differs): only such a
        // sibling tells by its silence. Siblings that each state something the line does not
        // (`… White Microwave`, `… Black Microwave`, `… Stainless Microwave` against a line naming
        // no finish) show that the line could be any of them: it is held, not another product.
        let siblings: Vec<(u32, bool, bool)> = found
            .iter()
            .filter(|(_, c)| c.score >= self.threshold)
            .map(|(i, c)| {
                let plain = c.one_sided_names.is_empty();
                (*i, self.catalog.provisional(*i), plain)
            })
            .collect();
        let sibling_words: Vec<(u32, bool, bool, bool)> = found
            .iter()
            .filter(|(_, c)| c.score >= self.threshold)
            .map(|(i, c)| {
                let created = self.catalog.provisional(*i);
                (*i, created, c.extra_line > 0.0, c.extra_item > 0.0)
            })
            .collect();
        for (idx, c) in found.iter_mut() {
            let created = self.catalog.provisional(*idx);
            let siblings: Vec<u32> = siblings
                .iter()
                .filter(|(_, s_created, plain)| (created || !s_created) && *plain)
                .map(|(s, _, _)| *s)
                .collect();
            let sibling_words: Vec<(u32, bool, bool)> = sibling_words
                .iter()
                .filter(|(_, s_created, _, _)| created || !s_created)
                .map(|(s, _, l, i)| (*s, *l, *i))
                .collect();
            // Words only the item has, while a sibling has none beyond the line's (or words only
            // the line has, while a sibling has them too): they tell the products apart.
            let telling_words = sibling_words.iter().find(|(s, line_extra, item_extra)| {
                *s != *idx
                    && ((c.extra_item > 0.0 && c.extra_line == 0.0 && !*item_extra)
                        || (c.extra_line > 0.0 && c.extra_item == 0.0 && !*line_extra))
            });
            if let Some((s, _, _)) = telling_words {
                let (sku, _) = self.catalog.item(*s);
                let side = if c.extra_item > 0.0 { "item" } else { "line" };
                c.differed.push(format!(
                    "words only the {side} has, while {sku} agrees without them"
                ));
            }
            let mut k = 0;
            while k < c.one_sided_names.len() {
                let (name, item_states) = c.one_sided_names[k];
                let telling = siblings
                    .iter()
                    .find(|&&s| s != *idx && self.catalog.states(s, name) != item_states);
                match telling {
                    Some(&s) => {
                        let text = c.one_sided.remove(k);
                        c.one_sided_names.remove(k);
                        let (sku, _) = self.catalog.item(s);
                        let how = if item_states { "has none" } else { "states it" };
                        c.differed.push(format!("{text}, while {sku} {how}"));
                    }
                    None => k += 1,
                }
            }
        }
    }

    fn uncertain_line(
        &mut self,
        key: &str,
        description: &str,
        reason: String,
        candidates: Vec<Candidate>,
    ) -> Decided {
        match self.uncertain {
            Uncertain::Hold => Decided::Hold(reason, candidates),
            Uncertain::Create => {
                let sku = self
                    .catalog
                    .create_provisional(&generated_sku(key), description);
                Decided::Land(
                    sku,
                    MappingDecision::Created {
                        reason: Some(format!("uncertain ({reason}); --uncertain create")),
                    },
                )
            }
        }
    }

    fn candidate(&self, idx: u32, c: &Comparison) -> Candidate {
        let (sku, name) = self.catalog.item(idx);
        Candidate {
            sku: sku.to_string(),
            name: name.to_string(),
            score: c.score,
            agreed: c.agreed.clone(),
            differed: c.differed.clone(),
            one_sided: c.one_sided.clone(),
            identifiers: c
                .same_ids
                .iter()
                .map(|&id| self.catalog.id_text(id).to_string())
                .collect(),
            verdict: None,
        }
    }

    /// The candidates weighed for a key, best first, each with what the decision made of it.
    fn weigh(&self, found: &[(u32, Comparison)], decided: &Decided) -> Vec<Candidate> {
        let taken = match decided {
            Decided::Land(sku, _) => Some(sku.as_ref()),
            Decided::Hold(..) => None,
        };
        found
            .iter()
            .take(WEIGHED_EXPLAINED)
            .map(|(i, c)| Candidate {
                verdict: Some(self.verdict(*i, c, taken, decided)),
                ..self.candidate(*i, c)
            })
            .collect()
    }

    /// What the decision made of one candidate: the rule that took, held or rejected it.
    fn verdict(&self, idx: u32, c: &Comparison, taken: Option<&str>, decided: &Decided) -> String {
        let (sku, _) = self.catalog.item(idx);
        if taken == Some(sku) {
            return if c.same_ids.is_empty() {
                "taken".into()
            } else {
                "taken: the model code both sides carry pins it".into()
            };
        }
        if c.vetoed() {
            return format!("vetoed: {}", c.differed.join(", "));
        }
        if c.words_conflict() && self.catalog.provisional(idx) {
            return "rejected: words on each side the other lacks (an item this run created)"
                .into();
        }
        if c.words_conflict() && c.score < CONFLICT_REVIEW_FLOOR {
            return format!(
                "rejected: words on each side the other lacks, score below {CONFLICT_REVIEW_FLOOR:.2}"
            );
        }
        if c.score < REVIEW_FLOOR {
            return format!("rejected: words score below {REVIEW_FLOOR:.2}");
        }
        let review = if matches!(decided, Decided::Hold(..)) {
            "held for review"
        } else {
            "not taken"
        };
        let why = if c.words_conflict() {
            "words on each side the other lacks".to_string()
        } else if !c.one_sided.is_empty() {
            format!("not stated on both sides: {}", c.one_sided.join(", "))
        } else if c.weak > 0 {
            format!("{} word(s) only like the item's", c.weak)
        } else if c.score < self.threshold {
            format!("words score below the threshold {:.2}", self.threshold)
        } else if c.variant_id {
            "a variant of the line's model code".to_string()
        } else {
            format!("less than {MARGIN:.2} ahead of another candidate")
        };
        format!("{review}: {why}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn line(n: u64, sku: Option<&str>, desc: &str) -> LineItem {
        LineItem {
            line: n,
            sku: sku.map(str::to_string),
            description: desc.into(),
            quantity: Decimal::from_str("1").unwrap(),
            unit_price: Decimal::from_str("2.50").unwrap(),
            raw: String::new(),
            fields: vec![],
        }
    }

    fn land(m: Mapped) -> MappedLine {
        match m {
            Mapped::Land(m) => m,
            Mapped::Hold(h) => panic!("expected a landed line, got held: {h:?}"),
        }
    }

    fn item(sku: &str, name: &str) -> CatalogItem {
        CatalogItem {
            sku: sku.into(),
            name: name.into(),
        }
    }

    fn mapper_of(items: &[(&str, &str)]) -> Mapper {
        let items = items.iter().map(|(s, n)| item(s, n)).collect();
        Mapper::new(
            Catalog::new(items, Vec::<AliasEntry>::new()),
            DEFAULT_MATCH_THRESHOLD,
        )
    }

    fn mapper() -> Mapper {
        mapper_of(&[("HB-M8", "Hex Bolt M8 x 40mm Zinc")])
    }

    /// Five lines a whole-string similarity puts on the wrong item, against a catalog of their
    /// near relatives: each lands where it belongs.
    #[test]
    fn the_issue_lines_land_on_the_right_item() {
        let mut mp = mapper_of(&[
            ("ACM-1", "Hex Bolt M8 x 40mm Zinc"),
            ("ACM-2", "Flat Washer M8"),
            ("ACM-3", "Cable tie 200mm black"),
        ]);
        let cases = [
            ("Hex Bolt M8 x 50mm Zinc", None),
            ("Hex Bolt M10 x 40mm Zinc", None),
            ("Hex bolt m8x40mm zinc", Some("ACM-1")),
            ("Flat Washer M6", None),
            ("Cable tie 300mm black", None),
        ];
        for (n, (desc, want)) in cases.iter().enumerate() {
            let m = land(mp.map(line(n as u64 + 1, None, desc)));
            match want {
                Some(sku) => assert_eq!(&*m.sku, *sku, "{desc}: {:?}", m.decision),
                None => {
                    assert!(m.sku.starts_with("GEN-"), "{desc} landed on {}", m.sku);
                    assert_eq!(m.decision.kind(), "created", "{desc}");
                }
            }
        }
    }

    /// The five reproductions of real product titles (Abt-Buy): each line against the catalog
    /// item it was wrongly put with, or beside.
    mod real_titles {
        use super::*;

        fn not_on(m: &Mapped, sku: &str) -> bool {
            !matches!(m, Mapped::Land(l) if &*l.sku == sku)
        }

        #[test]
        fn an_edition_or_a_word_on_each_side_is_never_matched_however_much_is_shared() {
            let mut mp = mapper_of(&[
                ("VB", "Microsoft Windows Vista Business Retail"),
                ("DP", "Da-Lite Da-Plex Rear Projection Screen 60 x 80"),
            ]);
            let m = mp.map(line(1, None, "Microsoft Windows Vista Ultimate Retail"));
            assert!(not_on(&m, "VB"), "{m:?}");
            let m = mp.map(line(
                2,
                None,
                "Da-Lite Da-Glas Rear Projection Screen 60 x 80",
            ));
            assert!(not_on(&m, "DP"), "{m:?}");
        }

        #[test]
        fn a_model_code_is_never_typo_tolerant() {
            let mut mp = mapper_of(&[(
                "ST",
                "Sanus Euro Foundation Series III Speaker Stand - EFSATSIII",
            )]);
            let m = mp.map(line(
                1,
                None,
                "Sanus Euro Foundation Series III Speaker Stand - EFSATBKIII",
            ));
            assert!(not_on(&m, "ST"), "{m:?}");
        }

        #[test]
        fn the_same_model_code_on_both_sides_is_the_item() {
            let mut mp = mapper_of(&[
                ("L88", "Linksys EtherFast 8-Port 10/100 Switch - EZXS88W"),
                ("L55", "Linksys EtherFast 5-Port 10/100 Switch - EZXS55W"),
                ("FD", "LaCie USB 2.0 Floppy Disk Drive - 706018"),
            ]);
            for (n, (desc, sku)) in [
                ("Linksys EtherFast EZXS88W Ethernet Switch - EZXS88W", "L88"),
                ("Linksys EtherFast EZ-XS55W Ethernet Switch", "L55"),
                ("LaCie Pocket Floppy Disk Drive - 706018", "FD"),
            ]
            .iter()
            .enumerate()
            {
                let m = land(mp.map(line(n as u64 + 1, None, desc)));
                assert_eq!((&*m.sku, m.decision.kind()), (*sku, "fuzzy"), "{desc}");
                match &m.decision {
                    MappingDecision::Fuzzy { agreed, .. } => {
                        assert!(
                            agreed.iter().any(|a| a.starts_with("model code")),
                            "{agreed:?}"
                        )
                    }
                    d => panic!("{d:?}"),
                }
            }
        }

        #[test]
        fn a_regional_or_colour_suffix_is_reviewed_not_matched() {
            let mut mp =
                mapper_of(&[("FS", "Netgear ProSafe 5 Port 10/100 Desktop Switch - FS105")]);
            match mp.map(line(
                1,
                None,
                "Netgear ProSafe FS105 Ethernet Switch - FS105NA",
            )) {
                Mapped::Hold(h) => {
                    assert_eq!(h.candidates[0].sku, "FS", "{h:?}");
                    assert!(h.reason.contains("variant"), "{}", h.reason);
                }
                Mapped::Land(m) => panic!("held expected, landed on {} ({:?})", m.sku, m.decision),
            }
        }

        fn held_with(m: Mapped, sku: &str) -> HeldLine {
            match m {
                Mapped::Hold(h) => {
                    assert_eq!(h.candidates[0].sku, sku, "{h:?}");
                    h
                }
                Mapped::Land(m) => panic!("held expected, landed on {} ({:?})", m.sku, m.decision),
            }
        }

        #[test]
        fn another_suffix_on_the_same_stem_is_reviewed_not_created() {
            let mut mp = mapper_of(&[(
                "MW",
                "Maytag Bisque Over-The-Range Microwave Oven - MMV4205BT",
            )]);
            let h = held_with(
                mp.map(line(1, None, "Maytag MMV4205BAQ Over-the-Range Microwave")),
                "MW",
            );
            assert!(h.reason.contains("variant"), "{}", h.reason);
        }

        #[test]
        fn a_catalog_number_against_a_model_name_is_reviewed_not_vetoed() {
            let mut mp = mapper_of(&[("PG", "Canon Black Ink Cartridge - Black - PG40BK")]);
            let h = held_with(
                mp.map(line(1, None, "Canon Black Ink Cartridge - 0615B002")),
                "PG",
            );
            assert!(
                h.reason.contains("model code 0615b002 (line only)"),
                "{}",
                h.reason
            );
            // Two model names that do not pair are two products.
            let mut mp = mapper_of(&[("PG", "Canon Black Ink Cartridge - PG40BK")]);
            let m = land(mp.map(line(1, None, "Canon Black Ink Cartridge - PG50BK")));
            assert_eq!(m.decision.kind(), "created", "{m:?}");
        }

        #[test]
        fn a_related_code_outweighs_a_veto_of_bare_numbers() {
            let mut mp = mapper_of(&[(
                "G",
                "Samsung 63' Black Flat Panel Series 6 Plasma HDTV - PN63A650",
            )]);
            held_with(
                mp.map(line(
                    1,
                    None,
                    "Samsung PN63A650 - 63' Widescreen 1080p Plasma HDTV - 1,000,000:1 \
                     Dynamic Contrast Ratio - PN63A650T",
                )),
                "G",
            );
        }

        #[test]
        fn the_code_itself_wins_over_a_sibling_with_another_colour_suffix() {
            let mut mp = mapper_of(&[
                (
                    "S",
                    "Sanus 15' - 40' Flat Panel TV Silver Wall Mount - VM400S",
                ),
                (
                    "B",
                    "Sanus 15' - 40' Flat Panel TV Black Wall Mount - VM400B",
                ),
            ]);
            let m = land(mp.map(line(1, None, "Sanus Flat Panel TV Wall Mount - VM400S")));
            assert_eq!((&*m.sku, m.decision.kind()), ("S", "fuzzy"), "{m:?}");
            // A line whose codes name two of them is reviewed.
            let mut mp = mapper_of(&[
                ("G", "Samsung S2 Green 1GB Flash MP3 Player - YPS2ZG"),
                ("W", "Samsung S2 White 1GB Flash MP3 Player - YPS2ZW"),
            ]);
            let two = mp.map(line(
                1,
                None,
                "Samsung YP-S2ZW 1GB Flash MP3 Player - YP-S2ZG/XAA",
            ));
            assert!(matches!(two, Mapped::Hold(_)), "{two:?}");
        }

        #[test]
        fn a_line_naming_no_finish_is_reviewed_against_each_finish_not_created() {
            let finishes = [
                (
                    "W",
                    "LG 2.0 Cu. Ft. Over-The-Range White Microwave Oven - LMVM2085WH",
                ),
                (
                    "B",
                    "LG 2.0 Cu. Ft. Over-The-Range Black Microwave Oven - LMVM2085BK",
                ),
                (
                    "S",
                    "LG 2.0 Cu. Ft. Over-The-Range Stainless Steel Microwave Oven - LMVM2085SS",
                ),
            ];
            let mut mp = mapper_of(&finishes);
            match mp.map(line(1, None, "LG 2.0 cu.ft. Over the Range Microwave Oven")) {
                Mapped::Hold(h) => {
                    let mut skus: Vec<&str> = h.candidates.iter().map(|c| &*c.sku).collect();
                    skus.sort_unstable();
                    assert_eq!(skus, ["B", "S", "W"], "{h:?}");
                }
                Mapped::Land(m) => panic!("held expected, landed on {} ({:?})", m.sku, m.decision),
            }
            // A sibling that states nothing the line lacks still tells: the line is that one.
            let mut with_plain = finishes.to_vec();
            with_plain.push(("P", "LG 2.0 Cu. Ft. Over-The-Range Microwave Oven"));
            let mut mp = mapper_of(&with_plain);
            let m = land(mp.map(line(1, None, "LG 2.0 cu.ft. Over the Range Microwave Oven")));
            assert_eq!(&*m.sku, "P", "{m:?}");
        }

        #[test]
        fn a_range_and_its_two_ends_are_one_span() {
            let mut mp = mapper_of(&[(
                "Z",
                "Canon EF-S 17mm - 85mm f/4.0-5.6 USM IS Zoom Lens - 9517A002",
            )]);
            let m = mp.map(line(1, None, "Canon EF-S 17-85MM f/4-5.6 IS USM Zoom Lens"));
            match &m {
                Mapped::Hold(h) => assert_eq!(h.candidates[0].sku, "Z", "{h:?}"),
                Mapped::Land(l) => assert_eq!(&*l.sku, "Z", "{m:?}"),
            }
            // Another span is another lens.
            let m = mp.map(line(2, None, "Canon EF-S 18-55MM f/4-5.6 IS USM Zoom Lens"));
            assert!(not_on(&m, "Z"), "{m:?}");
        }

        #[test]
        fn pro_is_short_for_professional_not_another_edition() {
            let mut mp = mapper_of(&[("W", "Waring Professional Cool-Touch Deep Fryer - Black")]);
            let m = mp.map(line(1, None, "Waring Pro Cool-Touch Deep Fryer - Black"));
            assert_eq!(&*land(m).sku, "W");
        }

        use crate::mapping::lexicon::Lexicon;

        fn three_each(makers: &[&str], rest: &[(&str, &str)]) -> Vec<(String, String)> {
            let mut items: Vec<(String, String)> = makers
                .iter()
                .flat_map(|m| {
                    ["Stereo Headphones", "Car Charger", "Wall Adapter"]
                        .iter()
                        .enumerate()
                        .map(move |(k, p)| (format!("{m}-{k}"), format!("{m} {p}")))
                })
                .collect();
            items.extend(rest.iter().map(|(s, n)| (s.to_string(), n.to_string())));
            items
        }

        fn mapper_with(items: &[(String, String)], lex: Lexicon) -> Mapper {
            let items = items.iter().map(|(s, n)| item(s, n)).collect();
            Mapper::new(
                Catalog::build(Arc::new(lex), items, Vec::<AliasEntry>::new(), Vec::new()),
                DEFAULT_MATCH_THRESHOLD,
            )
        }

        #[test]
        fn two_makers_the_catalog_names_products_by_are_two_products() {
            let items = three_each(
                &["Sony", "Samsung"],
                &[("MS", "Sony Memory Stick Micro 2GB")],
            );
            let mut mp = mapper_with(&items, Lexicon::builtin());
            let m = land(mp.map(line(1, None, "Samsung Memory Stick Micro 2GB")));
            assert_eq!(m.decision.kind(), "created", "{m:?}");
            // The maker named later, or its words in another order, is one maker.
            let m = land(mp.map(line(2, None, "Memory Stick Micro 2GB Sony")));
            assert_eq!(&*m.sku, "MS", "{m:?}");
        }

        #[test]
        fn a_model_code_both_carry_outweighs_two_makers() {
            let items = three_each(
                &["Terk", "Audiovox"],
                &[("T", "Terk Mini Tuner For XM Ready Home Products - CNP2000")],
            );
            let mut mp = mapper_with(&items, Lexicon::builtin());
            let m = mp.map(line(2, None, "Audiovox CNP2000 XM Mini-Tuner"));
            match &m {
                Mapped::Hold(h) => assert_eq!(h.candidates[0].sku, "T", "{h:?}"),
                Mapped::Land(l) => assert_eq!(&*l.sku, "T", "{m:?}"),
            }
        }

        #[test]
        fn an_operator_names_makers_the_catalog_is_too_small_to_teach() {
            let items = vec![("A".to_string(), "Acme Claw Hammer 16oz".to_string())];
            let one_each = mapper_with(&items, Lexicon::builtin()).map(line(
                1,
                None,
                "Zenith Claw Hammer 16oz",
            ));
            assert!(
                !matches!(&one_each, Mapped::Land(l) if l.decision.kind() == "created"),
                "one item teaches no maker: {one_each:?}"
            );
            let mut lex = Lexicon::builtin();
            lex.add_source(
                "[brands]\nwords = [\"Acme\", \"Zenith\"]\n",
                "operator.toml",
            )
            .expect("lexicon");
            let named = mapper_with(&items, lex).map(line(1, None, "Zenith Claw Hammer 16oz"));
            assert_eq!(land(named).decision.kind(), "created");
        }

        #[test]
        fn two_editions_never_land_on_one_new_item() {
            let mut mp = mapper_of(&[("HB", "Hex Bolt M8 x 40mm Zinc")]);
            let a = land(mp.map(line(1, None, "Intuit Quicken Premier 2007")));
            assert_eq!(a.decision.kind(), "created");
            let b = mp.map(line(2, None, "Intuit Quicken Deluxe 2007"));
            assert!(not_on(&b, &a.sku), "{b:?}");
            let c = mp.map(line(3, None, "Intuit Quicken Premier 2008"));
            assert!(not_on(&c, &a.sku), "{c:?}");
        }

        #[test]
        fn a_creation_says_why_its_nearest_candidates_were_rejected() {
            let mut mp = mapper_of(&[("VB", "Microsoft Windows Vista Business Retail")]);
            let m = land(mp.map(line(1, None, "Microsoft Windows Vista Ultimate Retail")));
            let why = m.decision.describe(&m.sku);
            assert!(
                why.contains("nearest VB") && why.contains("edition ultimate ≠ business"),
                "{why}"
            );
        }
    }

    /// A line whose description is its SKU's item name, word for word, is not compared with the
    /// item (see `Mapper::contradiction`): comparing them never finds a contradiction.
    #[test]
    fn an_items_own_name_never_contradicts_it() {
        let mut names: Vec<String> = crate::generate::matching::build(Default::default(), 7)
            .catalog
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        names.extend(
            [
                "Hex Bolt M8 M10 x 40mm Zinc",
                "Sony Bravia KDL-40V5100 40' LCD TV",
                "Canon Ink Cartridge For PIXMA iP1600, iP6210D and iP6220D Printers - 0617B002",
                "Lens 17-85mm f/4-5.6 and 17mm - 85mm hood",
                "DVPFX820 DVPFX820/L Portable DVD Player Blue",
                "Cable Tie 100mm x 2.5mm Black Pack of 100 Art 12",
                "Samsung 2008 Edition 2009 Model 46in Black",
            ]
            .map(String::from),
        );
        let items: Vec<CatalogItem> = names
            .iter()
            .enumerate()
            .map(|(i, n)| item(&format!("N-{i}"), n))
            .collect();
        let mut catalog = Catalog::new::<(String, String)>(items, vec![]);
        let lex = lexicon::current();
        for (i, name) in names.iter().enumerate() {
            let c = catalog.compare_with(&signature::signature(name, &lex), i as u32);
            assert!(!c.vetoed(), "{name}: {:?}", c.differed);
        }
    }

    #[test]
    fn a_known_sku_maps_by_sku() {
        let m = land(mapper().map(line(1, Some("HB-M8"), "anything")));
        assert_eq!(&*m.sku, "HB-M8");
        assert_eq!(m.decision, MappingDecision::Sku);
        assert!(m.new_item_name.is_none());
        assert!(m.alias.is_none());
    }

    #[test]
    fn an_unknown_sku_creates_an_item_even_if_the_name_is_close() {
        let m = land(mapper().map(line(1, Some("HB-M9"), "Hex Bolt M8 x 40mm Zinc")));
        assert_eq!(&*m.sku, "HB-M9");
        assert_eq!(m.decision, MappingDecision::CREATED);
        assert_eq!(m.new_item_name.as_deref(), Some("Hex Bolt M8 x 40mm Zinc"));
    }

    #[test]
    fn a_true_spelling_maps_by_its_canonical_key() {
        let mut mp = mapper();
        for (n, desc) in [
            "  ZINC hex bolt, M8 x 40MM ",
            "Hex Bolts M8x40 ZP",
            "hex bolt m8 x 4cm zinc plated",
        ]
        .iter()
        .enumerate()
        {
            let m = land(mp.map(line(n as u64, None, desc)));
            assert_eq!((&*m.sku, m.decision.kind()), ("HB-M8", "alias"), "{desc}");
            assert!(m.alias.is_some());
        }
    }

    #[test]
    fn a_typo_matches_automatically_and_is_learned_once() {
        let mut mp = mapper_of(&[("PW-8", "Penny Washer M8 Zinc Box of 100")]);
        let m = land(mp.map(line(1, None, "Penny Wahser M8 Zinc Box of 100")));
        assert_eq!(&*m.sku, "PW-8");
        match &m.decision {
            MappingDecision::Fuzzy { score, agreed, .. } => {
                assert!(*score >= DEFAULT_MATCH_THRESHOLD);
                assert!(agreed.iter().any(|a| a == "thread m8"), "{agreed:?}");
            }
            d => panic!("expected an automatic match, got {d:?}"),
        }
        assert_eq!(m.learned_alias, m.alias);
        // The same spelling again uses the learned alias and teaches nothing new.
        let m = land(mp.map(line(2, None, "penny wahser m8 zinc box of 100")));
        assert_eq!(&*m.sku, "PW-8");
        assert!(m.learned_alias.is_none());
    }

    /// A word the catalog does not have, read as the one catalog word it misspells or shortens.
    #[test]
    fn a_misspelling_or_abbreviation_with_one_nearest_catalog_word_matches() {
        let mut mp = mapper_of(&[
            ("WP-8", "Wall Plugs 8mm Red Pack of 100"),
            ("SB-9", "Safety Boots S3 Steel Toe Black Size 9"),
            ("HB-8", "Hex Bolt M8 x 40mm Zinc"),
            (
                "CS-5",
                "Chipboard Screw 5 x 60mm Countersunk Pozidriv Box of 100",
            ),
            (
                "WS-5",
                "Wood Screw 5 x 60mm Countersunk Pozidriv Box of 200",
            ),
        ]);
        for (n, (desc, sku)) in [
            ("Wall Plgs 8mm Red Pack of 100", "WP-8"),
            ("Chipbd Screw 5 x 60mm Csk PZ Bx100", "CS-5"),
        ]
        .iter()
        .enumerate()
        {
            let m = land(mp.map(line(n as u64 + 1, None, desc)));
            assert_eq!((&*m.sku, m.decision.kind()), (*sku, "fuzzy"), "{desc}");
            match &m.decision {
                MappingDecision::Fuzzy { agreed, .. } => {
                    assert!(agreed.iter().any(|a| a.contains("read as")), "{agreed:?}")
                }
                d => panic!("{d:?}"),
            }
        }
        // `Bots` is one edit from `boot` and from `bolt`: no guess, no automatic match.
        let m = mp.map(line(3, None, "Safety Bots S3 Steel Toe Black Size 9"));
        assert!(
            !matches!(&m, Mapped::Land(l) if l.sku.as_ref() == "SB-9"),
            "{m:?}"
        );
        // Read right, a product the catalog lacks is vetoed by the word it means.
        let m = land(mp.map(line(4, None, "Chipbd Screw 5 x 60mm Csk PZ Box of 200")));
        assert!(m.sku.starts_with("GEN-"), "landed on {}", m.sku);
    }

    /// An item this run created is read as its line was, and its unknown words never shadow the
    /// catalog's reading of a later line.
    #[test]
    fn a_new_items_spelling_does_not_shadow_the_catalog_reading() {
        let mut mp = mapper_of(&[
            (
                "CS-100",
                "Chipboard Screw 5 x 60mm Countersunk Pozidriv Box of 100",
            ),
            (
                "CS-200",
                "Chipboard Screw 5 x 60mm Countersunk Pozidriv Box of 200",
            ),
        ]);
        // `Chiobd` the catalog cannot read, and no catalog item has 500: a new item.
        let a = land(mp.map(line(1, None, "Chiobd Screw 5 x 60mm Csk PZ Box of 500")));
        assert_eq!(a.decision.kind(), "created");
        // `Chipbd` is one letter from the new item's `chiobd`, but the catalog reads it.
        let b = land(mp.map(line(2, None, "Chipbd Screw 5 x 60mm Csk PZ Bx100")));
        assert_eq!(
            (&*b.sku, b.decision.kind()),
            ("CS-100", "fuzzy"),
            "{:?}",
            b.decision
        );
        // A new item created from an abbreviation holds the word it was read as.
        let c = land(mp.map(line(3, None, "Chipbd Screw 5 x 60mm Csk PZ Box of 250")));
        assert_eq!(c.decision.kind(), "created");
        let d = land(mp.map(line(
            4,
            None,
            "Chipboard Screw 5 x 60mm Countersunk Pozidriv Box of 250",
        )));
        assert_eq!(d.sku, c.sku, "{:?}", d.decision);
    }

    /// An item a line with a SKU created is a catalog item like those loaded: its words are the
    /// catalog's vocabulary for later lines.
    #[test]
    fn an_item_created_by_sku_is_catalog_vocabulary() {
        let mut mp = mapper_of(&[]);
        let a = land(mp.map(line(1, Some("HB-1"), "Hex Bolt M8 x 40mm Zinc")));
        assert_eq!(a.decision, MappingDecision::CREATED);
        let b = land(mp.map(line(2, None, "Hex Blot M8 x 40mm Zinc")));
        assert_eq!(
            (&*b.sku, b.decision.kind()),
            ("HB-1", "fuzzy"),
            "{:?}",
            b.decision
        );
    }

    /// How the catalog tells its products apart is read from the catalog: an item this run
    /// created, named as an invoice wrote it, does not make a catalog item's words telling.
    #[test]
    fn a_new_items_wording_does_not_veto_a_catalog_item() {
        let mut mp = mapper_of(&[
            ("WS-100", "Wood Screw 5 x 60mm Pan Head Phillips Box of 100"),
            ("WS-200", "Wood Screw 4 x 40mm Pan Head Phillips Box of 200"),
        ]);
        let a = land(mp.map(line(1, None, "Wood Screw 4 x 40mm Pan Philips 500/box")));
        assert_eq!(a.decision.kind(), "created");
        let b = land(mp.map(line(2, None, "Wood Screw 5 x 60mm Pan PH Box 100")));
        assert_eq!(
            (&*b.sku, b.decision.kind()),
            ("WS-100", "fuzzy"),
            "{:?}",
            b.decision
        );
        // Among the run's own items their wording still tells: `Box Beam` is not `I-Beam`.
        let c = land(mp.map(line(3, None, "Spirit Level 1000mm I-Beam")));
        let d = land(mp.map(line(4, None, "Spirit Level 1000mm Box Beam")));
        assert_eq!(
            (c.decision.kind(), d.decision.kind()),
            ("created", "created")
        );
        assert_ne!(c.sku, d.sku);
    }

    /// A word the catalog cannot settle (`ST`: safety, steel toe, stainless…) is held with the
    /// candidate whose one unpaired value it abbreviates first, never matched automatically.
    #[test]
    fn an_unsettled_word_is_read_weakly_in_each_candidates_context() {
        let mut mp = mapper_of(&[
            ("SB-ST", "Safety Boots S3 Steel Toe Black Size 9"),
            ("SB-CT", "Safety Boots S3 Composite Toe Black Size 9"),
            ("SS-1", "Stainless Sealant Clear 310ml"),
        ]);
        match mp.map(line(1, None, "Safety Boots S3 ST Blk Size 9")) {
            Mapped::Hold(h) => {
                assert_eq!(h.candidates[0].sku, "SB-ST", "{h:?}");
                assert!(h.reason.contains("only like"), "{}", h.reason);
                assert!(h.candidates.iter().all(|c| c.sku != "SB-CT"), "{h:?}");
            }
            Mapped::Land(m) => panic!("held expected, landed on {} ({:?})", m.sku, m.decision),
        }
        // Without a candidate it may mean, it is a product the catalog lacks.
        let m = land(mp.map(line(2, None, "Safety Boots S3 XQ Blk Size 9")));
        assert_eq!(m.decision.kind(), "created");
    }

    #[test]
    fn a_line_that_says_less_than_its_candidates_is_held() {
        let mut mp = mapper_of(&[
            ("HB-40", "Hex Bolt M8 x 40mm Zinc"),
            ("HB-50", "Hex Bolt M8 x 50mm Zinc"),
        ]);
        match mp.map(line(1, None, "Hex Bolt M8 Zinc")) {
            Mapped::Hold(h) => {
                assert_eq!(h.candidates.len(), 2);
                assert!(
                    h.reason.contains("not stated on both sides"),
                    "{}",
                    h.reason
                );
                assert!(h.candidates.iter().all(|c| !c.one_sided.is_empty()));
            }
            Mapped::Land(m) => panic!("held expected, landed on {} ({:?})", m.sku, m.decision),
        }
        // Every line of that description is held, not only the first.
        assert!(matches!(
            mp.map(line(2, None, "hex bolt m8 zinc")),
            Mapped::Hold(_)
        ));
    }

    #[test]
    fn uncertain_create_creates_instead_of_holding() {
        let mut mp =
            mapper_of(&[("HB-40", "Hex Bolt M8 x 40mm Zinc")]).uncertain(Uncertain::Create);
        let m = land(mp.map(line(1, None, "Hex Bolt M8 Zinc")));
        assert!(m.sku.starts_with("GEN-"));
        assert!(m.decision.describe(&m.sku).contains("uncertain"));
    }

    #[test]
    fn two_spellings_of_one_new_product_give_one_item_and_siblings_two() {
        let mut mp = mapper();
        let a = land(mp.map(line(1, None, "Copper Pipe 15mm 3m")));
        let b = land(mp.map(line(2, None, "copper pipe 15 mm x 3 m.")));
        let c = land(mp.map(line(3, None, "Coppr Pipe 15mm 3m")));
        assert_eq!(a.decision, MappingDecision::CREATED);
        assert!(a.sku.starts_with("GEN-"));
        assert_eq!(a.sku, b.sku);
        assert_eq!(a.sku, c.sku, "{:?}", c.decision);
        // Every line of a new item carries its name, so whichever write lands first creates it.
        assert_eq!(c.new_item_name.as_deref(), Some("Copper Pipe 15mm 3m"));
        let d = land(mp.map(line(4, None, "Copper Pipe 15mm 5m")));
        assert_ne!(d.sku, a.sku, "a sibling is another item");
        assert_eq!(d.decision.kind(), "created");
    }

    #[test]
    fn unrelated_descriptions_create_new_items() {
        let mut mp = mapper();
        let m = land(mp.map(line(1, None, "Nitrile Gloves Size L")));
        assert_eq!(m.decision.kind(), "created");
        assert_ne!(&*m.sku, "HB-M8");
    }

    #[test]
    fn legacy_aliases_are_used_only_where_the_rules_accept_them() {
        let items = vec![item("HB-M8", "Hex Bolt M8 x 40mm Zinc")];
        // Learned by the old matcher: a typo (acceptable) and a different length (wrong).
        let aliases = vec![
            AliasEntry {
                alias: "40mm hex m8 x zinc bolts".into(),
                sku: "HB-M8".into(),
                learned_by: "legacy".into(),
            },
            AliasEntry {
                alias: "50mm bolt hex m8 x zinc".into(),
                sku: "HB-M8".into(),
                learned_by: "legacy".into(),
            },
        ];
        let mut mp = Mapper::new(Catalog::new(items, aliases), DEFAULT_MATCH_THRESHOLD);
        let m = land(mp.map(line(1, None, "Hex Bolt M8 x 50mm Zinc")));
        assert_ne!(&*m.sku, "HB-M8", "the wrong legacy alias is not used");
    }

    #[test]
    fn a_rejected_pairing_is_never_proposed_again() {
        let items = vec![
            item("HB-40", "Hex Bolt M8 x 40mm Zinc"),
            item("HB-50", "Hex Bolt M8 x 50mm Zinc"),
        ];
        let lex = lexicon::current();
        let key = signature::signature("Hex Bolt M8 Zinc", &lex).key();
        let catalog = Catalog::build(
            lex,
            items,
            Vec::<AliasEntry>::new(),
            vec![(key.clone(), "HB-40".into())],
        );
        let mut mp = Mapper::new(catalog, DEFAULT_MATCH_THRESHOLD);
        match mp.map(line(1, None, "Hex Bolt M8 Zinc")) {
            Mapped::Hold(h) => {
                assert!(
                    h.candidates.iter().all(|c| c.sku != "HB-40"),
                    "{:?}",
                    h.candidates
                );
            }
            Mapped::Land(m) => assert_ne!(&*m.sku, "HB-40"),
        }
    }
}

#[cfg(test)]
mod properties {
    //! Changing any number in a name never yields an automatic match onto the original item.
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    /// Name templates: `{}` is a number slot.
    const TEMPLATES: &[&str] = &[
        "Hex Bolt M{} x {}mm Zinc Plated",
        "Hex Bolt M{} x {}mm Stainless A2 Pack of {}",
        "Cable Ties {}mm x {}mm Black Pack of {}",
        "LED Panel {}x{}mm {}W {}K",
        "Copper Pipe {}mm {}m",
        "Wood Screw {} x {}mm Countersunk Pozidriv Box of {}",
        "Sanding Discs {}mm P{} Pack of {}",
        "Silicone Sealant Clear {}ml",
        "Extension Lead {}m {} Gang 13A",
        "Masking Tape {}mm x {}m",
        "Brilliant White Matt Emulsion {}L",
        "Nitrile Gloves Blue Size {} Box of {}",
        "SDS Plus Masonry Drill Bit {}mm x {}mm",
    ];

    fn render(template: &str, values: &[u32]) -> String {
        let mut out = String::new();
        let mut parts = template.split("{}");
        out.push_str(parts.next().unwrap_or(""));
        for (i, p) in parts.enumerate() {
            out.push_str(&values[i].to_string());
            out.push_str(p);
        }
        out
    }

    fn line(desc: &str) -> LineItem {
        LineItem {
            line: 1,
            sku: None,
            description: desc.into(),
            quantity: Decimal::from_str("1").unwrap(),
            unit_price: Decimal::from_str("1").unwrap(),
            raw: String::new(),
            fields: vec![],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn a_changed_number_is_never_matched_automatically(
            t in 0..TEMPLATES.len(),
            values in proptest::collection::vec(1u32..2000, 4),
            slot in 0usize..4,
            other in 1u32..2000,
            siblings in 0usize..3,
        ) {
            let template = TEMPLATES[t];
            let slots = template.matches("{}").count();
            let slot = slot % slots;
            prop_assume!(values[slot] != other);
            let original = render(template, &values);
            let mut changed_values = values.clone();
            changed_values[slot] = other;
            let changed = render(template, &changed_values);
            // The original and a few of its siblings (another value in the same slot) are known.
            let mut items = vec![CatalogItem { sku: "ORIG".into(), name: original.clone() }];
            for k in 0..siblings {
                let mut v = values.clone();
                v[slot] = values[slot] + 1 + k as u32;
                if v[slot] != other {
                    items.push(CatalogItem { sku: format!("SIB-{k}"), name: render(template, &v) });
                }
            }
            let mut mp = Mapper::new(Catalog::new(items, Vec::<AliasEntry>::new()), DEFAULT_MATCH_THRESHOLD);
            if let Mapped::Land(m) = mp.map(line(&changed)) {
                prop_assert!(
                    &*m.sku != "ORIG",
                    "{changed:?} landed on {original:?} ({:?})",
                    m.decision
                );
                prop_assert!(
                    !m.sku.starts_with("SIB-"),
                    "{changed:?} landed on sibling {} ({:?})",
                    m.sku,
                    m.decision
                );
            }
        }
    }
}
