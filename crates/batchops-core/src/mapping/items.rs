//! The catalog's items by position: their SKUs (found by text) and names.
//!
//! A kept catalog's items are read back as one frozen table ([`KeptItems`]), shared with the
//! writer's id cache so a million SKUs are held once and no SKU is allocated on its own; the items
//! added since (read from the database, or created by the run) are kept beside it.

use super::HashMap;
use super::frozen::{Strings, Texts};
use std::ops::Range;
use std::sync::Arc;

/// Items in one frozen table: SKU `i` (found by its text) names item `i`, whose name is name `i`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Frozen")]
pub struct KeptItems {
    skus: Strings,
    names: Texts,
}

/// [`KeptItems`] as written, checked before use.
#[derive(serde::Deserialize)]
struct Frozen {
    skus: Strings,
    names: Texts,
}

impl TryFrom<Frozen> for KeptItems {
    type Error = String;
    fn try_from(Frozen { skus, names }: Frozen) -> Result<Self, String> {
        skus.check()?;
        names.check()?;
        if skus.len() != names.len() {
            return Err(format!("{} SKUs and {} names", skus.len(), names.len()));
        }
        Ok(KeptItems { skus, names })
    }
}

impl KeptItems {
    pub fn len(&self) -> usize {
        self.skus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.skus.len() == 0
    }

    /// The position of the item with SKU `sku`.
    pub fn find(&self, sku: &str) -> Option<u32> {
        self.skus.find(sku)
    }
}

/// The catalog's items: the kept ones, then those added since, numbered on from them.
#[derive(Debug, Clone, Default)]
pub struct Items {
    kept: Arc<KeptItems>,
    /// Kept items named otherwise since they were kept, and those gone (merged).
    renamed: HashMap<u32, Arc<str>>,
    gone: super::HashSet<u32>,
    skus: Vec<Arc<str>>,
    names: Vec<Arc<str>>,
    by_sku: HashMap<Arc<str>, u32>,
}

impl Items {
    /// The items of a kept catalog, nothing added yet.
    pub fn from_kept(kept: KeptItems) -> Self {
        Items {
            kept: Arc::new(kept),
            ..Items::default()
        }
    }

    /// How many positions the items take: the gone ones' too.
    pub fn len(&self) -> usize {
        self.kept.len() + self.skus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many of the items are gone ([`Items::remove_kept`]).
    pub fn gone(&self) -> usize {
        self.gone.len()
    }

    /// Whether a kept item was renamed or is gone.
    pub fn changed(&self) -> bool {
        !(self.renamed.is_empty() && self.gone.is_empty())
    }

    /// Kept item `i` is named `name` from now on.
    pub fn rename_kept(&mut self, i: u32, name: &str) {
        self.renamed.insert(i, name.into());
    }

    /// Kept item `i` is gone: its SKU finds nothing any more.
    pub fn remove_kept(&mut self, i: u32) {
        self.gone.insert(i);
    }

    /// The kept items (the first [`KeptItems::len`] of the catalog).
    pub fn kept(&self) -> &Arc<KeptItems> {
        &self.kept
    }

    /// Add an item (its SKU new to the catalog); its shared SKU.
    pub fn push(&mut self, sku: &str, name: &str) -> Arc<str> {
        let sku: Arc<str> = sku.into();
        let idx = self.len() as u32;
        self.skus.push(sku.clone());
        self.names.push(name.into());
        self.by_sku.insert(sku.clone(), idx);
        sku
    }

    /// The position of the item with SKU `sku`.
    pub fn find(&self, sku: &str) -> Option<u32> {
        self.kept
            .find(sku)
            .filter(|i| !self.gone.contains(i))
            .or_else(|| self.by_sku.get(sku).copied())
    }

    /// The SKU of item `i` ("" past the end).
    pub fn sku(&self, i: u32) -> &str {
        match self.added(i) {
            Some(a) => self.skus.get(a).map_or("", |s| s),
            None => self.kept.skus.get(i).unwrap_or(""),
        }
    }

    /// The name of item `i` ("" past the end).
    pub fn name(&self, i: u32) -> &str {
        match self.added(i) {
            Some(a) => self.names.get(a).map_or("", |s| s),
            None => match self.renamed.get(&i) {
                Some(name) => name,
                None => self.kept.names.get(i).unwrap_or(""),
            },
        }
    }

    /// The SKU of item `i`, shared: an added item's own, a kept item's copied.
    pub fn shared_sku(&self, i: u32) -> Arc<str> {
        match self.added(i).and_then(|a| self.skus.get(a)) {
            Some(s) => s.clone(),
            None => self.sku(i).into(),
        }
    }

    /// The name of item `i`, shared: an added item's own, a kept item's copied.
    pub fn shared_name(&self, i: u32) -> Arc<str> {
        match self.added(i).and_then(|a| self.names.get(a)) {
            Some(s) => s.clone(),
            None => match self.renamed.get(&i) {
                Some(name) => name.clone(),
                None => self.name(i).into(),
            },
        }
    }

    /// The names of the added items at positions `at` (all after the kept ones).
    pub fn added_names(&self, at: Range<usize>) -> &[Arc<str>] {
        let k = self.kept.len();
        self.names
            .get(at.start.saturating_sub(k)..at.end.saturating_sub(k))
            .unwrap_or_default()
    }

    /// Every item, kept and added, as one frozen table.
    pub fn to_kept(&self) -> Result<KeptItems, String> {
        let all = 0..self.len() as u32;
        Ok(KeptItems {
            skus: Strings::new(all.clone().map(|i| self.sku(i)))?,
            names: Texts::new(all.map(|i| self.name(i)))?,
        })
    }

    /// Where item `i` stands among the added items, if it is one.
    fn added(&self, i: u32) -> Option<usize> {
        (i as usize).checked_sub(self.kept.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_and_read_back(items: &Items) -> Items {
        let bytes = postcard::to_stdvec(&items.to_kept().unwrap()).unwrap();
        Items::from_kept(postcard::from_bytes(&bytes).unwrap())
    }

    #[test]
    fn items_kept_and_added_since_are_found_as_before() {
        let mut items = Items::default();
        for (sku, name) in [
            ("B-2", "Hex Bolt M8"),
            ("A-1", "Hex Nut M8"),
            ("C-3", "Hex Nut M8"),
        ] {
            items.push(sku, name);
        }
        let mut read = kept_and_read_back(&items);
        assert_eq!(read.len(), 3);
        assert_eq!(read.kept().len(), 3);
        let added = read.push("A-0", "Washer M8");
        assert_eq!(&*added, "A-0");
        for (i, (sku, name)) in [
            ("B-2", "Hex Bolt M8"),
            ("A-1", "Hex Nut M8"),
            ("C-3", "Hex Nut M8"),
            ("A-0", "Washer M8"),
        ]
        .into_iter()
        .enumerate()
        {
            let i = i as u32;
            assert_eq!(read.find(sku), Some(i), "{sku}");
            assert_eq!((read.sku(i), read.name(i)), (sku, name));
            assert_eq!(&*read.shared_sku(i), sku);
            assert_eq!(&*read.shared_name(i), name);
        }
        assert_eq!(read.find("D-4"), None);
        assert_eq!((read.sku(9), read.name(9)), ("", ""));
        assert_eq!(&*read.added_names(3..4)[0], "Washer M8");
        assert!(
            read.added_names(0..3).is_empty(),
            "kept names are not added ones"
        );
        let again = kept_and_read_back(&read);
        assert_eq!(
            again.find("A-0"),
            Some(3),
            "kept again with the added items"
        );
    }

    #[test]
    fn a_kept_table_whose_lengths_disagree_is_refused() {
        let table = (
            Strings::new(["A-1", "B-2"]).unwrap(),
            Texts::new(["Hex Nut M8"]).unwrap(),
        );
        let bytes = postcard::to_stdvec(&table).unwrap();
        assert!(postcard::from_bytes::<KeptItems>(&bytes).is_err());
    }
}
