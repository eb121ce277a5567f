//! The in-memory catalog a run maps against: items by SKU, their signatures, the canonical keys
//! of their names and of learned aliases, the pairings operators rejected, and the search index.

use super::column::{KeptFile, Pager, Part};
use super::compare::{Compact, Comparison, compare};
use super::index::{Index, Reading};
use super::items::{Items, KeptItems};
use super::lexicon::{self, Lexicon};
use super::name_keys::{NameKeys, Named};
use super::signature::{Signature, signature};
use super::{HashMap, HashSet};
use std::sync::Arc;

/// An inventory item as the mapper sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    pub sku: String,
    pub name: String,
}

/// A learned alias as stored: its key, its item and how it was learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasEntry {
    pub alias: String,
    pub sku: String,
    /// `legacy` (learned by the old matcher: used only where the rules accept it), `auto` or
    /// `operator`.
    pub learned_by: String,
}

impl From<(String, String)> for AliasEntry {
    fn from((alias, sku): (String, String)) -> Self {
        AliasEntry {
            alias,
            sku,
            learned_by: "legacy".into(),
        }
    }
}

/// The outcome of an exact lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Exact {
    Item(Arc<str>),
    Several(Vec<Arc<str>>),
}

/// A legacy alias the rules would not accept: not used for matching, listed by `aliases check`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedAlias {
    pub alias: String,
    pub sku: String,
    pub name: String,
    /// Why: the vetoes, the one-sided attributes or the low word score.
    pub reason: String,
}

#[derive(Clone)]
pub struct Catalog {
    lex: Arc<Lexicon>,
    refused: Vec<RefusedAlias>,
    items: Items,
    named: NameKeys,
    /// (key, item) pairs an operator rejected: never proposed again.
    rejected: HashSet<(Box<str>, u32)>,
    /// Items created by this run: their SKUs, so every line that maps to one can carry its name.
    created: HashMap<Arc<str>, Arc<str>>,
    /// Retired (merged) SKU → the SKU of the item it was merged into.
    retired: HashMap<String, Arc<str>>,
    /// Supplier part numbers: [`part_key`] → the item.
    parts: HashMap<Box<str>, Arc<str>>,
    index: Index,
    /// Whether each item was created for a description no item matched.
    provisional: Vec<bool>,
    /// How many of the items added are read into the index and the name keys; the rest are read,
    /// in the order they were added, before anything looks at either ([`Catalog::settle`]). A
    /// file of new SKUs creates its items without reading their names.
    read_up_to: usize,
    /// The kept file its frozen tables are read from, if any.
    kept_file: Option<Arc<Pager>>,
}

/// A kept catalog that cannot be read back (damaged or written by another format).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ItemsError(String);

/// A supplier's part number as stored: the supplier, the number and the SKU of our item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartEntry {
    pub supplier: String,
    pub part_number: String,
    pub sku: String,
}

/// The key of a supplier's part number in the catalog, and in `transactions.alias` for the lines
/// that landed through it (so that correcting the part number moves their stock). A normalized
/// description never holds a tab.
pub fn part_key(supplier: &str, part_number: &str) -> String {
    format!("part\t{supplier}\t{part_number}")
}

/// The (supplier, part number) of a [`part_key`].
pub fn parse_part_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix("part\t")?.split_once('\t')
}

/// A query against one item of the index: the comparison of their descriptions, and two makers a
/// veto unless a model code both carry says one product sold under two names.
fn weigh(ix: &Index, lex: &Lexicon, q: &Compact, idx: u32) -> Comparison {
    let item = ix.entry(idx);
    let mut c = compare(q, &item, &ix.names, lex, &|w| ix.weight(w));
    if c.same_ids.is_empty()
        && !c.variant_id
        && let Some(veto) = ix.makers_differ(q, &item, lex)
    {
        c.differed.push(veto);
    }
    c
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::with_lexicon(lexicon::current())
    }
}

impl Catalog {
    fn with_lexicon(lex: Arc<Lexicon>) -> Self {
        Catalog {
            lex,
            refused: Vec::new(),
            items: Items::default(),
            named: NameKeys::default(),
            rejected: HashSet::default(),
            created: HashMap::default(),
            retired: HashMap::default(),
            parts: HashMap::default(),
            index: Index::default(),
            provisional: Vec::new(),
            read_up_to: 0,
            kept_file: None,
        }
    }

    /// Build from the database's items and learned aliases, with the process's lexicon.
    pub fn new<A: Into<AliasEntry>>(items: Vec<CatalogItem>, aliases: Vec<A>) -> Self {
        Catalog::build(lexicon::current(), items, aliases, Vec::new())
    }

    /// Build with a lexicon, items, aliases and rejected (alias key, sku) pairings.
    pub fn build<A: Into<AliasEntry>>(
        lex: Arc<Lexicon>,
        items: Vec<CatalogItem>,
        aliases: Vec<A>,
        rejections: Vec<(String, String)>,
    ) -> Self {
        let mut catalog = Catalog::empty(lex);
        for item in items {
            catalog.add_item(&item.sku, &item.name);
        }
        catalog.learned(aliases, rejections)
    }

    /// A catalog without items, for [`Catalog::add_item`] one at a time (as a query's rows
    /// arrive) and then [`Catalog::learned`]: the same catalog as [`Catalog::build`].
    pub fn empty(lex: Arc<Lexicon>) -> Self {
        Catalog::with_lexicon(lex)
    }

    /// Add an item of the database's catalog; its SKU, shared.
    pub fn add_item(&mut self, sku: &str, name: &str) -> Arc<str> {
        self.add(sku, name, false)
    }

    /// Read the names added so far into the index once a block of them waits: a loader calls it
    /// as rows arrive, so that reading names overlaps reading rows. The catalog is the same as
    /// when they are read later.
    pub fn read_waiting(&mut self) {
        if self.items.len() - self.read_up_to >= NAMES_READ_AT_ONCE {
            self.settle();
        }
    }

    /// Write the catalog read from its items alone (its names read into the index and the name
    /// keys), to be read back by [`Catalog::read_items`] without reading a name again. Only for a
    /// catalog built by [`Catalog::add_item`]: before [`Catalog::learned`] and before a run
    /// created anything. Its parts (the index, the SKUs and names, the name keys) are each framed
    /// by their length and a checksum, so a damaged part is never used.
    pub fn write_items(&mut self, out: impl std::io::Write) -> Result<(), ItemsError> {
        self.settle();
        if !(self.created.is_empty()
            && !self.items.changed()
            && !self.provisional.contains(&true)
            && self.refused.is_empty()
            && self.rejected.is_empty()
            && self.retired.is_empty()
            && self.parts.is_empty())
        {
            return Err(ItemsError(
                "only a catalog of the database's items is kept".into(),
            ));
        }
        let (listed, (named, index)) = rayon::join(
            || Part::encode(&self.items.to_kept()?),
            || rayon::join(|| Part::encode(&self.named), || Part::encode(&self.index)),
        );
        let mut out = out;
        for part in [index, listed, named] {
            part.map_err(ItemsError)?
                .write(&mut out)
                .map_err(|e| ItemsError(e.to_string()))?;
        }
        Ok(())
    }

    /// A catalog [`Catalog::write_items`] wrote, read from `from` with `lex` (the caller checks
    /// that it was written under the same [`super::rules_fingerprint`]); nothing after it is read.
    /// Its columns stay in the file, read as look-ups need them.
    pub fn read_items(lex: Arc<Lexicon>, from: &mut KeptFile) -> Result<Self, ItemsError> {
        let index: Index = from.part("the index").map_err(ItemsError)?;
        let items: KeptItems = from.part("the SKUs and names").map_err(ItemsError)?;
        let named: NameKeys = from.part("the name keys").map_err(ItemsError)?;
        let n = items.len();
        if index.len() != n {
            return Err(ItemsError(format!(
                "{n} items and {} indexed items",
                index.len()
            )));
        }
        let mut catalog = Catalog::with_lexicon(lex);
        catalog.items = Items::from_kept(items);
        catalog.named = named;
        catalog.index = index;
        catalog.provisional = vec![false; n];
        catalog.read_up_to = n;
        catalog.kept_file = Some(from.pager().clone());
        Ok(catalog)
    }

    /// Kept items changed since the catalog was kept, applied to it as read back from its kept
    /// file, before anything is added: each `(idx, name)`, the item's name now (none: it is gone,
    /// merged into another). The catalog is then the one read whole from the items as they are:
    /// every look-up finds the same, in the same order. Where it could not be
    /// ([`Index::change_kept`]: a name with a word new to the items before it, say), nothing
    /// changes and why not is returned.
    pub fn change_kept(&mut self, changes: &[(u32, Option<String>)]) -> Result<(), String> {
        let kept = self.items.kept().len();
        if self.kept_file.is_none() || self.items.len() != kept || self.items.changed() {
            return Err("only a catalog just read back from its kept file".into());
        }
        // Each change's entry for the index, and the name key of its new name.
        let mut entries: Vec<(u32, Option<Reading>)> = Vec::with_capacity(changes.len());
        let mut keys: Vec<Option<String>> = Vec::with_capacity(changes.len());
        for (idx, name) in changes {
            if *idx as usize >= kept {
                return Err(format!("item {idx} is not a kept item"));
            }
            let reading = match name {
                Some(name) => {
                    let sig = signature(name, &self.lex);
                    keys.push(Some(sig.key()));
                    let known = self.index.names.compact_known(&sig).ok_or_else(|| {
                        format!("`{name}` has a word the kept catalog does not have")
                    })?;
                    Some(known)
                }
                None => {
                    keys.push(None);
                    None
                }
            };
            entries.push((*idx, reading));
        }
        self.index.change_kept(&entries)?;
        for ((idx, name), key) in changes.iter().zip(keys) {
            let was = signature(self.items.name(*idx), &self.lex).key();
            self.named.edit_kept(&was, *idx, false);
            match (name, key) {
                (Some(name), Some(key)) => {
                    self.named.edit_kept(&key, *idx, true);
                    self.items.rename_kept(*idx, name);
                }
                _ => self.items.remove_kept(*idx),
            }
        }
        Ok(())
    }

    /// Why a read of the kept file the catalog's frozen tables are read from failed, if one did:
    /// a look-up since may have missed an item, so nothing mapped since may land.
    pub fn read_failure(&self) -> Option<&str> {
        self.kept_file.as_ref()?.failure()
    }

    /// The catalog with its learned aliases and the (alias key, sku) pairings operators rejected,
    /// once its items are in.
    pub fn learned<A: Into<AliasEntry>>(
        self,
        aliases: Vec<A>,
        rejections: Vec<(String, String)>,
    ) -> Self {
        let mut catalog = self;
        if !aliases.is_empty() {
            // An alias outranks the name keys: they are read first.
            catalog.settle();
        }
        for a in aliases {
            let a: AliasEntry = a.into();
            let Some(idx) = catalog.items.find(&a.sku) else {
                continue;
            };
            if a.learned_by == "legacy" {
                // Learned by the old whole-string matcher: used only where the rules agree.
                match catalog.legacy_key_if_accepted(&a.alias, idx) {
                    Ok(key) => {
                        if catalog.named.get(&key).is_none() {
                            catalog.named.insert(key.into(), Named::One(idx));
                        }
                    }
                    Err(reason) => {
                        let name = catalog.items.name(idx).to_string();
                        catalog.refused.push(RefusedAlias {
                            alias: a.alias,
                            sku: a.sku,
                            name,
                            reason,
                        });
                    }
                }
            } else {
                // An alias taught by a decision outranks a name that reads the same.
                catalog.named.insert(a.alias.into(), Named::One(idx));
            }
        }
        for (alias, sku) in rejections {
            if let Some(idx) = catalog.items.find(&sku) {
                catalog.rejected.insert((alias.into(), idx));
            }
        }
        catalog
    }

    /// The catalog with more rejected (alias key, sku) pairings.
    pub fn reject_more(mut self, pairs: &[(String, String)]) -> Self {
        self.settle();
        for (alias, sku) in pairs {
            if let Some(idx) = self.items.find(sku) {
                self.rejected.insert((alias.as_str().into(), idx));
                if self.named.get(alias.as_str()) == Some(&[idx][..]) {
                    self.named.remove(alias.as_str());
                }
            }
        }
        self
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lex
    }

    /// The items, in the order they were added.
    pub fn items(&self) -> &Items {
        &self.items
    }

    /// How many items the catalog holds (not those gone since it was kept).
    pub fn len(&self) -> usize {
        self.items.len() - self.items.gone()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The shared SKU if the item is known (for a retired SKU: the item it was merged into).
    pub fn sku(&self, sku: &str) -> Option<Arc<str>> {
        self.items
            .find(sku)
            .map(|i| self.items.shared_sku(i))
            .or_else(|| self.retired.get(sku).cloned())
    }

    /// Retired items, as (retired SKU, SKU it was merged into): a line with a retired SKU maps to
    /// the item it was merged into. Retired items themselves are not in the catalog.
    pub fn with_retired(mut self, retired: Vec<(String, String)>) -> Self {
        for (old, into) in retired {
            if let Some(i) = self.items.find(&into) {
                let into = self.items.shared_sku(i);
                self.retired.insert(old, into);
            }
        }
        self
    }

    /// Supplier part numbers learned so far; one naming an item that is not live is left out.
    pub fn with_parts(mut self, parts: Vec<PartEntry>) -> Self {
        for p in parts {
            if let Some(sku) = self.sku(&p.sku) {
                self.parts
                    .insert(part_key(&p.supplier, &p.part_number).into(), sku);
            }
        }
        self
    }

    /// The item a supplier's part number names.
    pub fn part(&self, supplier: &str, part_number: &str) -> Option<Arc<str>> {
        self.parts
            .get(part_key(supplier, part_number).as_str())
            .cloned()
    }

    /// Remember a part number learned by this run: later lines see it.
    pub fn learn_part(&mut self, supplier: &str, part_number: &str, sku: &Arc<str>) {
        self.parts
            .insert(part_key(supplier, part_number).into(), sku.clone());
    }

    pub fn name(&self, sku: &str) -> Option<&str> {
        self.items.find(sku).map(|i| self.items.name(i))
    }

    /// The canonical key of a description.
    pub fn key_of(&self, description: &str) -> String {
        signature(description, &self.lex).key()
    }

    /// Items whose name key or learned alias equals `key` (pairings rejected for it left out).
    pub fn exact(&mut self, key: &str) -> Option<Exact> {
        self.settle();
        let allowed = |i: &u32| !self.rejected.contains(&(Box::<str>::from(key), *i));
        let skus: Vec<Arc<str>> = self
            .named
            .get(key)?
            .iter()
            .filter(|i| allowed(i))
            .map(|&i| self.items.shared_sku(i))
            .collect();
        match skus.len() {
            0 => None,
            1 => Some(Exact::Item(skus[0].clone())),
            _ => Some(Exact::Several(skus)),
        }
    }

    /// Remember a new item a line with a SKU created: a catalog item like those loaded (the
    /// supplier names it). Later lines see it.
    pub fn create(&mut self, sku: &str, name: &str) -> Arc<str> {
        self.create_as(sku, name, false)
    }

    /// Remember a new item created for a description no item matched (its SKU generated): a
    /// provisional item, read as its line was, which neither adds to the catalog's vocabulary nor
    /// tells how the catalog names products apart. Later lines see it.
    pub fn create_provisional(&mut self, sku: &str, name: &str) -> Arc<str> {
        self.create_as(sku, name, true)
    }

    fn create_as(&mut self, sku: &str, name: &str, provisional: bool) -> Arc<str> {
        if let Some(existing) = self.sku(sku) {
            return existing;
        }
        let sku = self.add(sku, name, provisional);
        if provisional {
            self.settle();
        }
        let name = self.items.shared_name(self.items.len() as u32 - 1);
        self.created.insert(sku.clone(), name);
        sku
    }

    /// The name of an item this run created (so the writer can create it), `None` for known items.
    pub fn created_name(&self, sku: &str) -> Option<Arc<str>> {
        self.created.get(sku).cloned()
    }

    /// Whether the item at an index is provisional ([`Catalog::create_provisional`]).
    pub fn provisional(&self, idx: u32) -> bool {
        self.provisional.get(idx as usize).copied().unwrap_or(false)
    }

    /// `key` now names `sku` (an automatic match this run accepted).
    pub fn learn_alias(&mut self, key: Arc<str>, sku: &str) {
        self.settle();
        if let Some(idx) = self.items.find(sku) {
            self.named.insert((*key).into(), Named::One(idx));
        }
    }

    /// The (SKU, name) of the item at an index of [`Catalog::candidates`].
    pub fn item(&self, idx: u32) -> (&str, &str) {
        (self.items.sku(idx), self.items.name(idx))
    }

    /// The shared SKU of the item at an index.
    pub fn shared_sku(&self, idx: u32) -> Arc<str> {
        self.items.shared_sku(idx)
    }

    /// Compare a description with the best-reached items: (item index, comparison), rejected
    /// pairings left out, best score first.
    pub fn candidates(
        &mut self,
        key: &str,
        sig: &super::signature::Signature,
    ) -> Vec<(u32, Comparison)> {
        self.settle();
        let q: Compact = self.index.compact_query(sig, &self.lex);
        let ix = &self.index;
        let mut out: Vec<(u32, Comparison)> = ix
            .candidates(&q, 24)
            .into_iter()
            .filter(|i| !self.rejected.contains(&(Box::<str>::from(key), *i)))
            .map(|i| (i, weigh(ix, &self.lex, &q, i)))
            .collect();
        out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        out
    }

    /// A legacy alias's key when the rules accept its pairing with the item (every attribute
    /// agrees and the words score at least the default threshold), else why not.
    fn legacy_key_if_accepted(&mut self, alias: &str, idx: u32) -> Result<String, String> {
        let sig = signature(alias, &self.lex);
        let c = self.compare_with(&sig, idx);
        if !c.differed.is_empty() {
            Err(format!("differs: {}", c.differed.join(", ")))
        } else if !c.one_sided.is_empty() {
            Err(format!(
                "not stated on both sides: {}",
                c.one_sided.join(", ")
            ))
        } else if c.score < super::DEFAULT_MATCH_THRESHOLD {
            Err(format!("words score {:.2}", c.score))
        } else {
            Ok(sig.key())
        }
    }

    /// The legacy aliases the rules refused (see [`RefusedAlias`]).
    pub fn refused_aliases(&self) -> &[RefusedAlias] {
        &self.refused
    }

    /// Compare a signature with one item: the two alone (their attributes, identifiers and
    /// words), not what the rest of the catalog teaches about makers, so that whether a line
    /// contradicts the item its SKU names does not depend on the other items.
    pub fn compare_with(&mut self, sig: &super::signature::Signature, idx: u32) -> Comparison {
        self.settle();
        let q = self.index.compact_query(sig, &self.lex);
        let ix = &self.index;
        compare(&q, &ix.entry(idx), &ix.names, &self.lex, &|w| ix.weight(w))
    }

    /// How many items (of the catalog and created by this run) carry an identifier.
    pub fn id_holders(&self, id: u32) -> usize {
        self.settled();
        self.index.id_holders(id)
    }

    /// An identifier's text.
    pub fn id_text(&self, id: u32) -> &str {
        self.index.names.get(id)
    }

    /// Whether an item states an attribute (by interned name).
    pub fn states(&self, idx: u32, name: u32) -> bool {
        self.settled();
        self.index.entry(idx).attrs.iter().any(|(n, _)| *n == name)
    }

    /// The index of an item by SKU.
    pub fn index_of(&self, sku: &str) -> Option<u32> {
        self.items.find(sku)
    }

    /// Add an item: of the catalog, or `provisional` (read as a line is). Its name is read
    /// when something next looks at the index ([`Catalog::settle`]).
    fn add(&mut self, sku: &str, name: &str, provisional: bool) -> Arc<str> {
        self.provisional.push(provisional);
        self.items.push(sku, name)
    }

    /// What reads the index through `&self` comes after a call that settled it (a comparison, the
    /// candidates) with nothing added since.
    fn settled(&self) {
        debug_assert_eq!(
            self.read_up_to,
            self.items.len(),
            "the catalog's new items are not read"
        );
    }

    /// Read the names of the items added since the last call, in the order they were added, into
    /// the index and the name keys: the catalog is then as if each had been read when added. The
    /// names are read on every core ([`read_names`]); putting them into the
    /// index, and reading a provisional item (read against the index as it stands), stay in order.
    fn settle(&mut self) {
        while self.read_up_to < self.items.len() {
            let (from, to) = (
                self.read_up_to,
                self.items.len().min(self.read_up_to + NAMES_READ_AT_ONCE),
            );
            let read = read_names(self.items.added_names(from..to), &self.lex);
            debug_assert_eq!(read.len(), to - from, "only added items wait to be read");
            for (idx, sig) in (from..to).zip(read) {
                let at = if self.provisional[idx] {
                    self.index.insert_provisional(&sig, &self.lex)
                } else {
                    self.index.insert(&sig)
                };
                debug_assert_eq!(at as usize, idx);
                let idx = idx as u32;
                self.named.add(sig.key().into(), idx);
            }
            self.read_up_to = to;
        }
    }
}

/// Names whose signatures are held at once while they go into the index.
const NAMES_READ_AT_ONCE: usize = 2048;

/// Names read per task when many wait: enough to be worth a thread.
const NAMES_PER_TASK: usize = 512;

/// The signatures of `names`, read in parallel when there are many; a name's signature depends
/// on it and the lexicon alone (a provisional item's too: only its entry in the index reads the
/// index).
fn read_names(names: &[Arc<str>], lex: &Lexicon) -> Vec<Signature> {
    use rayon::prelude::*;
    if names.len() < 2 * NAMES_PER_TASK {
        return names.iter().map(|name| signature(name, lex)).collect();
    }
    names
        .par_iter()
        .with_min_len(NAMES_PER_TASK)
        .map(|name| signature(name, lex))
        .collect()
}

#[cfg(test)]
mod retired_tests {
    use super::*;

    #[test]
    fn a_retired_sku_maps_to_the_item_it_was_merged_into() {
        let catalog = Catalog::new::<(String, String)>(
            vec![CatalogItem {
                sku: "NUT-8".into(),
                name: "Hex Nut M8".into(),
            }],
            vec![],
        )
        .with_retired(vec![
            ("NUT-8-OLD".into(), "NUT-8".into()),
            ("GONE".into(), "NOT-LOADED".into()),
        ]);
        assert_eq!(catalog.sku("NUT-8-OLD").as_deref(), Some("NUT-8"));
        assert_eq!(
            catalog.sku("GONE"),
            None,
            "only into items the catalog holds"
        );
        assert_eq!(
            catalog.len(),
            1,
            "a retired item is not an item of the catalog"
        );
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;

    /// A catalog read back from its kept file finds what the catalog it was written from finds;
    /// once the file cannot give a value any more, the catalog says why, and nothing panics.
    #[test]
    fn a_kept_catalog_reads_back_and_tells_of_a_read_that_failed() {
        let items = crate::generate::catalog(2_000, 5);
        let mut whole = Catalog::empty(lexicon::current());
        for (sku, name, _) in &items {
            whole.add_item(sku, name);
        }
        let mut file = tempfile::NamedTempFile::new().expect("a file");
        whole.write_items(&mut file).expect("kept");
        let read = |file: &tempfile::NamedTempFile| {
            let mut kept = KeptFile::open(file.path()).expect("open");
            Catalog::read_items(lexicon::current(), &mut kept).expect("read back")
        };
        let kept = read(&file);
        for (sku, name, _) in items.iter().step_by(97) {
            assert_eq!(kept.name(sku), Some(name.as_str()), "{sku}");
        }
        assert_eq!(kept.read_failure(), None);
        let cut = read(&file);
        file.as_file().set_len(4096).expect("cut the file short");
        let (sku, _, _) = items.last().expect("items");
        assert_eq!(cut.name(sku), None, "nothing past what the file holds");
        let why = cut.read_failure().expect("the failed read is told");
        assert!(why.contains(&file.path().display().to_string()), "{why}");
    }

    /// A catalog large enough that its names are read in parallel blocks is the catalog read one
    /// name at a time: the same name keys, the same candidates in the same order, the same
    /// comparisons.
    #[test]
    fn names_read_in_parallel_blocks_make_the_catalog_read_one_at_a_time() {
        let items = crate::generate::catalog(3 * NAMES_READ_AT_ONCE as u64 + 17, 7);
        assert!(
            items.len() > 2 * NAMES_PER_TASK,
            "the parallel path is taken"
        );
        let mut at_once = Catalog::empty(lexicon::current());
        let mut one_by_one = Catalog::empty(lexicon::current());
        for (sku, name, _) in &items {
            at_once.add_item(sku, name);
            one_by_one.add_item(sku, name);
            one_by_one.settle();
        }
        at_once.settle();
        let lex = lexicon::current();
        for (_, name, _) in items.iter().step_by(97) {
            let query = name.to_lowercase().replace(' ', "  ");
            let sig = signature(&query, &lex);
            let key = sig.key();
            assert_eq!(at_once.exact(&key), one_by_one.exact(&key), "{query}");
            let found = at_once.candidates(&key, &sig);
            assert!(!found.is_empty(), "{query}: the name reaches items");
            assert_eq!(found, one_by_one.candidates(&key, &sig), "{query}");
        }
    }
}

#[cfg(test)]
mod changed_tests {
    use super::*;
    use crate::domain::LineItem;
    use crate::mapping::{DEFAULT_MATCH_THRESHOLD, Mapped, Mapper};
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};

    /// The catalog `items` makes, kept in a file and read back.
    fn kept(items: &[(String, String)]) -> (Catalog, tempfile::NamedTempFile) {
        let mut whole = Catalog::empty(lexicon::current());
        for (sku, name) in items {
            whole.add_item(sku, name);
        }
        let mut file = tempfile::NamedTempFile::new().expect("a file");
        whole.write_items(&mut file).expect("kept");
        let mut from = KeptFile::open(file.path()).expect("open");
        let catalog = Catalog::read_items(lexicon::current(), &mut from).expect("read back");
        (catalog, file)
    }

    /// A name for item `x` made of what the items before it are named: another's name, its own
    /// with a word left out or one of another's words put in, or (`new`) a word no item has.
    fn renamed(rng: &mut StdRng, items: &[(String, String)], x: usize, new: bool) -> String {
        let other = &items[rng.random_range(0..x.max(1))].1;
        let mut words: Vec<&str> = items[x].1.split(' ').collect();
        match rng.random_range(0..5) {
            _ if new => words.push("Zwoxbilt"),
            0 => return other.clone(),
            1 if words.len() > 2 => {
                words.remove(rng.random_range(1..words.len()));
            }
            2 if words.len() > 2 => words.swap(0, 1),
            _ => {
                let theirs: Vec<&str> = other.split(' ').collect();
                words.insert(1, theirs[rng.random_range(0..theirs.len())]);
            }
        }
        words.join(" ")
    }

    /// Lines that reach the changed items and their neighbours: names as written, with a word
    /// left out, in lower case with a letter doubled, and two names' words mixed.
    fn lines(rng: &mut StdRng, names: &[String]) -> Vec<LineItem> {
        let mut out = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let words: Vec<&str> = name.split(' ').collect();
            let other = &names[rng.random_range(0..names.len())];
            let mixed: Vec<&str> = words[..words.len() / 2 + 1]
                .iter()
                .copied()
                .chain(other.split(' ').skip(1))
                .collect();
            let doubled = name.to_lowercase().replacen('e', "ee", 1);
            for d in [
                name.clone(),
                words[..words.len() - 1].join(" "),
                doubled,
                mixed.join(" "),
            ] {
                out.push(LineItem {
                    line: out.len() as u64 + 1,
                    sku: None,
                    description: d,
                    quantity: 1.into(),
                    unit_price: 1.into(),
                    raw: format!("changed item {n}"),
                    fields: Default::default(),
                });
            }
        }
        out
    }

    /// A kept catalog whose items were renamed and merged since reads as the catalog read whole
    /// from the items as they are: the same SKUs and names found, the same exact keys and
    /// candidates (in the same order, with the same comparisons), and a mapper over each maps a
    /// stream of lines alike, items it creates included. A name with a word the items before it
    /// do not have is refused, and the catalog is left as it was read.
    #[test]
    fn kept_items_renamed_or_merged_read_as_the_catalog_read_whole() {
        // Every third item carries an article number no other item has, and every third a word
        // of its own (`Kelbaq`: a line's `Keelbaq` misspells it).
        let own_word = |i: usize| -> String {
            let letter = |k: usize| char::from(b'a' + (i / 26usize.pow(k as u32) % 26) as u8);
            format!("Kel{}{}{}", letter(0), letter(1), letter(2))
        };
        let items: Vec<(String, String)> = crate::generate::catalog(2_500, 13)
            .into_iter()
            .enumerate()
            .map(|(i, (sku, name, _))| match i % 3 {
                0 => (sku, format!("{name} Art {}", 70_000 + i)),
                1 => (sku, format!("{} {name}", own_word(i))),
                _ => (sku, name),
            })
            .collect();
        let lex = lexicon::current();
        let mut rng = StdRng::seed_from_u64(29);
        let (mut applied, mut refused, mut merged) = (0, 0, 0);
        for round in 0..40 {
            let mut picked: Vec<usize> = (1..items.len()).collect();
            picked.shuffle(&mut rng);
            picked.truncate(1 + round % 4);
            let new = round % 8 == 7;
            let changes: Vec<(u32, Option<String>)> = picked
                .iter()
                .map(|&x| {
                    let name = (rng.random_range(0..5) > 0)
                        .then(|| renamed(&mut rng, &items, x, new && x == picked[0]));
                    (x as u32, name)
                })
                .collect();
            let (mut changed, _file) = kept(&items);
            if let Err(why) = changed.change_kept(&changes) {
                refused += 1;
                assert!(
                    [
                        "before it",
                        "does not have",
                        "other items have",
                        "would be met"
                    ]
                    .iter()
                    .any(|w| why.contains(w)),
                    "refused for what the items' names say, not a misuse: {why}"
                );
                assert!(
                    !changed.items().changed(),
                    "a refused change changes nothing"
                );
                continue;
            }
            applied += 1;
            merged += changes.iter().filter(|(_, n)| n.is_none()).count();
            let mut now = items.clone();
            let mut names: Vec<String> = Vec::new();
            for (x, name) in &changes {
                match name {
                    Some(name) => {
                        now[*x as usize].1 = name.clone();
                        names.push(name.clone());
                    }
                    None => now[*x as usize].1 = String::new(),
                }
                names.push(items[*x as usize].1.clone());
            }
            let mut whole = Catalog::empty(lex.clone());
            for (sku, name) in now.iter().filter(|(_, n)| !n.is_empty()) {
                whole.add_item(sku, name);
            }
            // Items read from the database after the kept ones go in after the change.
            for (n, (_, name)) in items
                .iter()
                .skip(round * 7)
                .take(round % 3 * 20)
                .enumerate()
            {
                let sku = format!("NEW-{round}-{n}");
                changed.add_item(&sku, &format!("{name} Mk2"));
                whole.add_item(&sku, &format!("{name} Mk2"));
            }
            assert_eq!(changed.len(), whole.len(), "round {round}");
            for (sku, name) in &now {
                let name = Some(name.as_str()).filter(|n| !n.is_empty());
                assert_eq!(changed.name(sku), name, "round {round}: {sku}");
            }
            // Items by SKU and strings by text: a catalog with strings gone numbers the others
            // with gaps.
            let named = |c: &Catalog, found: Vec<(u32, Comparison)>| {
                let text = |ids: &[u32]| -> Vec<String> {
                    ids.iter().map(|&id| c.id_text(id).to_string()).collect()
                };
                found
                    .into_iter()
                    .map(|(i, mut cmp)| {
                        let same = text(&std::mem::take(&mut cmp.same_ids));
                        let sided = std::mem::take(&mut cmp.one_sided_names);
                        let sided: Vec<(String, bool)> = sided
                            .into_iter()
                            .map(|(n, item)| (c.id_text(n).to_string(), item))
                            .collect();
                        (c.item(i).0.to_string(), cmp, same, sided)
                    })
                    .collect::<Vec<_>>()
            };
            for name in &names {
                let sig = signature(name, &lex);
                let key = sig.key();
                assert_eq!(
                    changed.exact(&key),
                    whole.exact(&key),
                    "round {round}: {name}"
                );
                let a = changed.candidates(&key, &sig);
                let b = whole.candidates(&key, &sig);
                assert_eq!(
                    named(&changed, a),
                    named(&whole, b),
                    "round {round}: {name}"
                );
            }
            let mut a = Mapper::new(changed, DEFAULT_MATCH_THRESHOLD);
            let mut b = Mapper::new(whole, DEFAULT_MATCH_THRESHOLD);
            for line in lines(&mut rng, &names) {
                let d = line.description.clone();
                let (x, y): (Mapped, Mapped) = (a.map(line.clone()), b.map(line));
                assert_eq!(x, y, "round {round}: {d}");
            }
        }
        assert!(
            applied >= 15 && refused >= 5 && merged >= 3,
            "{applied} applied ({merged} merges), {refused} refused"
        );
    }
}
