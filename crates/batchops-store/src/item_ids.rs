//! A chunk's items and deltas, the same for every backend: the SKU → id cache and the items a
//! write must create, the aliases the rows learned, the per-item sums of inventory deltas, and the
//! stored forms of held candidates and raw text.

use super::{ErrorClass, FailureRecord, StoreError};
use crate::mapping::column::Col;
use crate::mapping::{KeptItems, MappedLine};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The maps a chunk's write keys by SKU: up to one entry per item of a catalog of millions,
/// hashed fast.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// SKU → item id.
pub(crate) type ItemIds = HashMap<Arc<str>, i64>;

/// (sku, name) of an item a write must create.
pub(crate) type NewItem = (Arc<str>, Arc<str>);

/// Item ids a catalog load found: the kept items' ids by position (see
/// [`crate::mapping::Items`]), and the (SKU, id) of every other item it read.
pub(crate) struct KnownIds {
    pub kept: Arc<KeptItems>,
    pub kept_ids: Col<i64>,
    pub more: Vec<(Arc<str>, i64)>,
}

/// SKU → item id of items known to exist in the database. Ids never change and items are never
/// deleted, so entries stay valid; only ids of committed items are added. The kept items' SKUs
/// are the catalog's own table, read by position, not copied into a map.
#[derive(Default)]
pub(crate) struct IdCache {
    ids: Mutex<Ids>,
}

#[derive(Default)]
struct Ids {
    kept: Arc<KeptItems>,
    kept_ids: Col<i64>,
    more: HashMap<Arc<str>, i64>,
}

impl Ids {
    fn get(&self, sku: &str) -> Option<i64> {
        self.kept
            .find(sku)
            .and_then(|i| self.kept_ids.get(i as usize))
            .or_else(|| self.more.get(sku).copied())
    }
}

impl IdCache {
    pub fn extend(&self, entries: impl IntoIterator<Item = (Arc<str>, i64)>) {
        self.lock().more.extend(entries);
    }

    /// The ids a catalog load found; its kept items replace those of an earlier load (a kept
    /// catalog holds every item up to its stamp).
    pub fn know(&self, known: KnownIds) {
        let mut ids = self.lock();
        if known.kept_ids.len() == known.kept.len() {
            ids.kept = known.kept;
            ids.kept_ids = known.kept_ids;
        }
        ids.more.extend(known.more);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ids> {
        // A poisoned cache only means a panic elsewhere; its entries are still true.
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Split the rows' SKUs into resolved ids and the (sku, name) pairs to create, sorted by SKU
    /// so concurrent writers lock new items in the same order.
    pub fn resolve(&self, rows: &[MappedLine]) -> (ItemIds, Vec<NewItem>) {
        let ids = self.lock();
        let mut known = HashMap::default();
        let mut missing: BTreeMap<Arc<str>, Arc<str>> = BTreeMap::new();
        for row in rows {
            if known.contains_key(&row.sku) || missing.contains_key(&row.sku) {
                continue;
            }
            match ids.get(&row.sku) {
                Some(id) => {
                    known.insert(row.sku.clone(), id);
                }
                None => {
                    let name = row.new_item_name.clone().unwrap_or_else(|| row.sku.clone());
                    missing.insert(row.sku.clone(), name);
                }
            }
        }
        (known, missing.into_iter().collect())
    }
}

/// The aliases the rows learned, with their item ids.
pub(crate) fn learned_aliases(
    rows: &[MappedLine],
    ids: &HashMap<Arc<str>, i64>,
) -> Vec<(Arc<str>, i64)> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter_map(|r| {
            let alias = r.learned_alias.as_ref()?;
            let id = *ids.get(&r.sku)?;
            seen.insert(alias.clone()).then(|| (alias.clone(), id))
        })
        .collect()
}

/// The aliases the rows learned, each once, with the SKU of its item.
pub(crate) fn learned_aliases_by(rows: &[MappedLine]) -> Vec<(Arc<str>, Arc<str>)> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter_map(|r| {
            let alias = r.learned_alias.as_ref()?;
            seen.insert(alias.clone())
                .then(|| (alias.clone(), r.sku.clone()))
        })
        .collect()
}

/// A part number a row taught: (row index, supplier, part number, SKU of its item).
pub(crate) type LearnedPartRow = (usize, Arc<str>, Arc<str>, Arc<str>);

/// The supplier part numbers the rows taught, each once: (row index, supplier, part number, SKU
/// of its item).
pub(crate) fn learned_parts(rows: &[MappedLine]) -> Vec<LearnedPartRow> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let p = r.learned_part.as_ref()?;
            seen.insert((p.supplier.clone(), p.part_number.clone()))
                .then(|| (i, p.supplier.clone(), p.part_number.clone(), r.sku.clone()))
        })
        .collect()
}

/// Sum the deltas of the rows actually inserted, per item, sorted by item id (stable lock order).
pub(crate) fn aggregate(
    inserted: impl IntoIterator<Item = (i64, Decimal)>,
) -> Result<Vec<(i64, Decimal)>, StoreError> {
    let mut sums: BTreeMap<i64, Decimal> = BTreeMap::new();
    for (id, q) in inserted {
        let slot = sums.entry(id).or_default();
        *slot = slot.checked_add(q).ok_or_else(|| overflow(id))?;
    }
    Ok(sums.into_iter().collect())
}

pub(crate) fn overflow(item_id: i64) -> StoreError {
    StoreError {
        class: ErrorClass::Data,
        message: format!("inventory quantity of item {item_id} would be out of range"),
        sqlstate: Some("22003".into()),
        phase: None,
    }
}

pub(crate) fn item_id(ids: &HashMap<Arc<str>, i64>, sku: &str) -> Result<i64, StoreError> {
    ids.get(sku).copied().ok_or_else(|| {
        StoreError::config(format!(
            "internal: item {sku} has no id after it was created"
        ))
    })
}

/// The candidates of a held line as stored in `held_lines.candidates_json`.
pub(crate) fn candidates_json(h: &crate::mapping::HeldLine) -> String {
    serde_json::to_string(&serde_json::json!({
        "reason": h.reason,
        "candidates": h.candidates,
    }))
    .unwrap_or_else(|_| "{}".into())
}

/// PostgreSQL text cannot hold NUL; the dead-letter table must still keep the line, so raw text is
/// stored with NUL written as `\0` (the original bytes are in the input file; fields_json escapes them).
pub(crate) fn storable_raw(f: &FailureRecord) -> String {
    f.raw.replace('\0', "\\0")
}
