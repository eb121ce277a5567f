//! The in-memory catalog a run maps against: items by SKU, normalized names, learned aliases.

use super::fuzzy::FuzzyIndex;
use super::normalize::normalize;
use std::collections::HashMap;
use std::sync::Arc;

/// An inventory item as the mapper sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    pub sku: String,
    pub name: String,
}

#[derive(Default)]
pub struct Catalog {
    /// sku → name; the map owns the one shared copy of each SKU.
    items: HashMap<Arc<str>, Arc<str>>,
    /// normalized name or learned alias → sku.
    names: HashMap<Arc<str>, Arc<str>>,
    /// Items created by this run: their SKUs, so every line that maps to one can carry its name.
    created: HashMap<Arc<str>, Arc<str>>,
    /// Retired (merged) SKU → the SKU of the item it was merged into.
    retired: HashMap<String, Arc<str>>,
    fuzzy: FuzzyIndex,
}

impl Catalog {
    /// Build from the database's items and aliases (alias text already normalized, as stored).
    pub fn new(items: Vec<CatalogItem>, aliases: Vec<(String, String)>) -> Self {
        let mut catalog = Catalog::default();
        for item in items {
            let sku: Arc<str> = item.sku.into();
            let name: Arc<str> = item.name.into();
            catalog.index_name(&name, &sku);
            catalog.items.insert(sku, name);
        }
        for (alias, sku) in aliases {
            if let Some((sku, _)) = catalog.items.get_key_value(sku.as_str()) {
                let sku = sku.clone();
                catalog.names.entry(alias.into()).or_insert(sku);
            }
        }
        catalog
    }

    /// Retired items, as (retired SKU, SKU it was merged into): a line with a retired SKU maps to
    /// the item it was merged into. Retired items themselves are not in the catalog.
    pub fn with_retired(mut self, retired: Vec<(String, String)>) -> Self {
        for (old, into) in retired {
            if let Some((into, _)) = self.items.get_key_value(into.as_str()) {
                let into = into.clone();
                self.retired.insert(old, into);
            }
        }
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The shared SKU if the item is known (for a retired SKU: the item it was merged into).
    pub fn sku(&self, sku: &str) -> Option<Arc<str>> {
        self.items
            .get_key_value(sku)
            .map(|(k, _)| k.clone())
            .or_else(|| self.retired.get(sku).cloned())
    }

    pub fn name(&self, sku: &str) -> Option<&str> {
        self.items.get(sku).map(|n| &**n)
    }

    /// Item whose normalized name or learned alias equals `normalized`.
    pub fn exact(&self, normalized: &str) -> Option<Arc<str>> {
        self.names.get(normalized).cloned()
    }

    /// The best fuzzy match at or above `threshold`: (sku, score, the item's name).
    pub fn best_fuzzy(
        &self,
        normalized: &str,
        threshold: f32,
    ) -> Option<(Arc<str>, f32, Arc<str>)> {
        let (sku, score) = self.fuzzy.best(normalized, threshold)?;
        let name = self.items.get(&sku)?.clone();
        Some((sku, score, name))
    }

    /// Remember a new item created by this run; later lines see it.
    pub fn create(&mut self, sku: &str, name: &str) -> Arc<str> {
        if let Some(existing) = self.sku(sku) {
            return existing;
        }
        let sku: Arc<str> = sku.into();
        let name: Arc<str> = name.into();
        self.index_name(&name, &sku);
        self.items.insert(sku.clone(), name.clone());
        self.created.insert(sku.clone(), name);
        sku
    }

    /// The name of an item this run created (so the writer can create it), `None` for known items.
    pub fn created_name(&self, sku: &str) -> Option<Arc<str>> {
        self.created.get(sku).cloned()
    }

    pub fn learn_alias(&mut self, normalized: Arc<str>, sku: Arc<str>) {
        self.names.entry(normalized).or_insert(sku);
    }

    fn index_name(&mut self, name: &str, sku: &Arc<str>) {
        let norm: Arc<str> = normalize(name).into();
        self.fuzzy.insert(&norm, sku.clone());
        self.names.entry(norm).or_insert_with(|| sku.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retired_sku_maps_to_the_item_it_was_merged_into() {
        let catalog = Catalog::new(
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
