//! The catalog a run maps against: the whole catalog, or, for a file whose every line carries one
//! of our SKUs, only the items those SKUs name.
//!
//! A line with our SKU maps by its SKU (to the item, to the item a retired SKU was merged into, or
//! to a new item), or is held when its description contradicts the item. None of that reads
//! another item: whether a description contradicts an item is decided by the two alone (their
//! attributes and identifiers), and a new item is new whatever else the catalog holds. Only what a
//! held line shows (its candidate's word score, weighed over the whole catalog) needs more. So
//! such a file is first mapped against the items its SKUs name, looked up by SKU; when no line is
//! held the run maps against a catalog built afresh from the same items (the same decisions as
//! against the whole catalog), and otherwise against the whole catalog. The look-up's seconds are
//! the run's catalog phase.

use super::EngineError;
use super::overlap::OnlyNew;
use crate::input::{self, BatchFile};
use crate::mapping::{AliasEntry, Catalog, Mapped, Mapper, Verdicts, lexicon};
use crate::store::Store;
use std::collections::HashSet;
use std::sync::Arc;

use super::ImportOptions;

/// The catalog a run maps against, and what a look at the file's lines already decided on it.
pub(crate) struct ForRun {
    pub catalog: Catalog,
    /// Whether each (item, description) of the file contradicts the item: the probe's verdicts.
    pub verdicts: Verdicts,
}

impl From<Catalog> for ForRun {
    fn from(catalog: Catalog) -> Self {
        Self {
            catalog,
            verdicts: Verdicts::default(),
        }
    }
}

/// The catalog for a run of `file` under `import_key`, as it was before that key's runs changed
/// it ([`Store::load_catalog_before`]), or the part of it a file of SKU lines needs.
pub(crate) async fn for_run(
    store: &dyn Store,
    file: &BatchFile,
    import_key: &str,
    opts: &ImportOptions,
    parts_supplier: Option<&str>,
    only_new: Option<&Arc<OnlyNew>>,
) -> Result<ForRun, EngineError> {
    // Part numbers map through cross-references and, unknown, by description; a changed re-sent
    // line is held showing its earlier item; explained lines list what was weighed.
    if parts_supplier.is_some() || only_new.is_some() || opts.explain {
        return Ok(store.load_catalog_before(import_key).await?.into());
    }
    let Some(lines) = sku_lines(file, opts)? else {
        return Ok(store.load_catalog_before(import_key).await?.into());
    };
    let part = store.catalog_of_skus(import_key, &lines.skus).await?;
    let known: HashSet<&str> = part.items.iter().map(|i| i.sku.as_str()).collect();
    let catalog = Catalog::build(
        lexicon::current(),
        part.items.clone(),
        Vec::<AliasEntry>::new(),
        Vec::new(),
    )
    .with_retired(part.retired.clone());
    let mut probe = Mapper::new(catalog.clone(), opts.match_threshold).uncertain(opts.uncertain);
    let reader = input::open_with(file, &opts.reading)?;
    for item in reader.take(line_limit(opts)).filter_map(Result::ok) {
        // A SKU the catalog lacks, on this line alone, creates its item: nothing to hold, and
        // no other line reads that item.
        if let Some(sku) = &item.sku
            && !known.contains(sku.as_str())
            && !lines.repeated.contains(sku)
        {
            continue;
        }
        if let Mapped::Hold(_) = probe.map(item) {
            return Ok(store.load_catalog_before(import_key).await?.into());
        }
    }
    // The probe's catalog holds the items its lines created: the run starts from the items read,
    // and from the probe's verdicts on them.
    let items = catalog.len();
    Ok(ForRun {
        catalog,
        verdicts: probe.into_verdicts(items),
    })
}

fn line_limit(opts: &ImportOptions) -> usize {
    opts.max_lines
        .map_or(usize::MAX, |n| n.min(usize::MAX as u64) as usize)
}

/// The SKUs of a file whose every line carries one: each once, in file order, and those that
/// more than one line carries.
struct SkuLines {
    skus: Vec<String>,
    repeated: HashSet<String>,
}

/// The SKUs of the file's lines (those that parse, as the run reads them) when every one of them
/// carries a SKU; `None` when one does not, or none parses.
fn sku_lines(file: &BatchFile, opts: &ImportOptions) -> Result<Option<SkuLines>, EngineError> {
    let reader = input::open_with(file, &opts.reading)?;
    let mut seen = HashSet::new();
    let mut skus = Vec::new();
    let mut repeated = HashSet::new();
    for item in reader.take(line_limit(opts)).filter_map(Result::ok) {
        let Some(sku) = item.sku else {
            return Ok(None);
        };
        if seen.insert(sku.clone()) {
            skus.push(sku);
        } else {
            repeated.insert(sku);
        }
    }
    Ok((!skus.is_empty()).then_some(SkuLines { skus, repeated }))
}
