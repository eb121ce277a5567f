//! Find-or-create: each line is mapped to an inventory item, in file order, in memory.
//!
//! The catalog and the learned aliases are loaded once per run; items created by earlier lines are
//! visible to later ones; fuzzy work is cached per distinct normalized description. The mapper never
//! touches the database: the writer creates the new items it names, by SKU, idempotently.

mod catalog;
mod fuzzy;
mod normalize;

pub use catalog::{Catalog, CatalogItem};
pub use normalize::{generated_sku, normalize};

use crate::domain::{Candidate, LineItem, MappingDecision};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// Default minimum similarity (0..1, on normalized, token-sorted text) for a fuzzy match.
pub const DEFAULT_MATCH_THRESHOLD: f32 = 0.85;

/// A line with its item decided: what the writer needs to land it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedLine {
    pub line: u64,
    /// SKU of the item the line maps to.
    pub sku: Arc<str>,
    /// Name to create the item with, when this run created it (the writer creates it if the
    /// database does not have it yet; creating by SKU is idempotent).
    pub new_item_name: Option<Arc<str>>,
    /// A normalized description learned as an alias of `sku` by this line (automatic matches).
    pub learned_alias: Option<Arc<str>>,
    /// The normalized description a description-only line was mapped through (`None` for lines
    /// mapped by SKU): kept in `transactions.alias`, so `aliases move` can move its stock.
    pub alias: Option<Arc<str>>,
    pub decision: MappingDecision,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    /// The original line, kept for the dead-letter table if the write fails.
    pub item: LineItem,
}

/// A line the matcher could not decide: held for an operator, lands nowhere yet.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldLine {
    /// The normalized description: one decision applies to every held line that shares it.
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

/// The in-run mapping context.
pub struct Mapper {
    catalog: Catalog,
    threshold: f32,
    /// normalized description → (sku, decision) for lines without SKU.
    cache: HashMap<Arc<str>, (Arc<str>, MappingDecision)>,
}

impl Mapper {
    pub fn new(catalog: Catalog, threshold: f32) -> Self {
        Self {
            catalog,
            threshold,
            cache: HashMap::new(),
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Map one line: to an existing or a new item, or held for review.
    pub fn map(&mut self, item: LineItem) -> Mapped {
        let (sku, decision, learned_alias, alias) = match item.sku.as_deref() {
            Some(sku) => {
                let (sku, decision, learned) = self.map_by_sku(sku, &item.description);
                (sku, decision, learned, None)
            }
            None => {
                let norm: Arc<str> = normalize(&item.description).into();
                let (sku, decision, learned) = self.map_by_description(&norm, &item.description);
                (sku, decision, learned, Some(norm))
            }
        };
        let new_item_name = self.catalog.created_name(&sku);
        Mapped::Land(MappedLine {
            line: item.line,
            sku,
            new_item_name,
            learned_alias,
            alias,
            decision,
            quantity: item.quantity,
            unit_cost: item.unit_price,
            item,
        })
    }

    fn map_by_sku(
        &mut self,
        sku: &str,
        description: &str,
    ) -> (Arc<str>, MappingDecision, Option<Arc<str>>) {
        if let Some(known) = self.catalog.sku(sku) {
            return (known, MappingDecision::Sku, None);
        }
        let name = if description.is_empty() {
            sku
        } else {
            description
        };
        let sku = self.catalog.create(sku, name);
        (sku, MappingDecision::CREATED, None)
    }

    fn map_by_description(
        &mut self,
        norm: &Arc<str>,
        description: &str,
    ) -> (Arc<str>, MappingDecision, Option<Arc<str>>) {
        let norm = norm.clone();
        if let Some((sku, decision)) = self.cache.get(&norm) {
            // Only the first line of a fuzzy match teaches the alias; later ones use it.
            let decision = match decision {
                MappingDecision::Created { .. } => MappingDecision::Alias,
                d => d.clone(),
            };
            return (sku.clone(), decision, None);
        }
        let (sku, decision, learned) = if let Some(sku) = self.catalog.exact(&norm) {
            (sku, MappingDecision::Alias, None)
        } else if let Some((sku, score, matched_name)) =
            self.catalog.best_fuzzy(&norm, self.threshold)
        {
            self.catalog.learn_alias(norm.clone(), sku.clone());
            let decision = MappingDecision::Fuzzy {
                score,
                matched_name: matched_name.to_string(),
                agreed: Vec::new(),
                runner_up: None,
            };
            (sku, decision, Some(norm.clone()))
        } else {
            let sku = self.catalog.create(&generated_sku(&norm), description);
            (sku, MappingDecision::CREATED, None)
        };
        self.cache.insert(norm, (sku.clone(), decision.clone()));
        (sku, decision, learned)
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

    fn mapper() -> Mapper {
        let catalog = Catalog::new(
            vec![CatalogItem {
                sku: "HB-M8".into(),
                name: "Hex Bolt M8 x 40mm Zinc".into(),
            }],
            vec![("flat m8 washer".into(), "HB-M8".into())],
        );
        Mapper::new(catalog, DEFAULT_MATCH_THRESHOLD)
    }

    #[test]
    fn a_known_sku_maps_by_sku() {
        let m = land(mapper().map(line(1, Some("HB-M8"), "anything")));
        assert_eq!(&*m.sku, "HB-M8");
        assert_eq!(m.decision, MappingDecision::Sku);
        assert!(m.new_item_name.is_none());
    }

    #[test]
    fn an_unknown_sku_creates_an_item_even_if_the_name_is_close() {
        let m = land(mapper().map(line(1, Some("HB-M9"), "Hex Bolt M8 x 40mm Zinc")));
        assert_eq!(&*m.sku, "HB-M9");
        assert_eq!(m.decision, MappingDecision::CREATED);
        assert_eq!(m.new_item_name.as_deref(), Some("Hex Bolt M8 x 40mm Zinc"));
    }

    #[test]
    fn exact_normalized_name_and_learned_alias_map_as_alias() {
        let mut mp = mapper();
        let m = land(mp.map(line(1, None, "  ZINC hex bolt, M8 x 40MM ")));
        assert_eq!((&*m.sku, m.decision.kind()), ("HB-M8", "alias"));
        let m = land(mp.map(line(2, None, "Washer M8 (flat)")));
        assert_eq!((&*m.sku, m.decision.kind()), ("HB-M8", "alias"));
    }

    #[test]
    fn a_typo_fuzzy_matches_and_is_learned() {
        let mut mp = mapper();
        let m = land(mp.map(line(1, None, "Hex Blot M8 x 40mm Zinc")));
        assert_eq!(&*m.sku, "HB-M8");
        match &m.decision {
            MappingDecision::Fuzzy { score, .. } => assert!(*score >= DEFAULT_MATCH_THRESHOLD),
            d => panic!("expected fuzzy, got {d:?}"),
        }
        assert_eq!(m.learned_alias.as_deref(), Some("40mm blot hex m8 x zinc"));
        // The same spelling again uses the learned alias.
        let m = land(mp.map(line(2, None, "hex blot m8 x 40mm zinc")));
        assert_eq!((&*m.sku, m.decision.kind()), ("HB-M8", "fuzzy"));
        assert!(m.learned_alias.is_none());
    }

    #[test]
    fn two_spellings_of_one_new_product_give_one_item() {
        let mut mp = mapper();
        let a = land(mp.map(line(1, None, "Copper Pipe 15mm 3m")));
        let b = land(mp.map(line(2, None, "copper pipe 15mm 3m.")));
        let c = land(mp.map(line(3, None, "Coper Pipe 15mm 3m")));
        assert_eq!(a.decision, MappingDecision::CREATED);
        assert!(a.sku.starts_with("GEN-"));
        assert_eq!(a.sku, b.sku);
        assert_eq!(a.sku, c.sku);
        assert_eq!(c.decision.kind(), "fuzzy");
        // Every line of a new item carries its name, so whichever write lands first creates it.
        assert_eq!(c.new_item_name.as_deref(), Some("Copper Pipe 15mm 3m"));
    }

    #[test]
    fn unrelated_descriptions_create_new_items() {
        let mut mp = mapper();
        let m = land(mp.map(line(1, None, "Nitrile Gloves Size L")));
        assert_eq!(m.decision, MappingDecision::CREATED);
        assert_ne!(&*m.sku, "HB-M8");
    }
}
