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
use std::sync::Arc;

use super::ImportOptions;

/// A set of a file's SKUs: up to one per line of a file of millions, hashed fast.
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

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
/// it ([`Store::load_catalog_before`]), or the part of it a file of SKU lines needs. `scanned`:
/// the file's SKUs when the pre-run check read them (the file is read for them otherwise).
pub(crate) async fn for_run(
    store: &dyn Store,
    file: &BatchFile,
    import_key: &str,
    opts: &ImportOptions,
    parts_supplier: Option<&str>,
    only_new: Option<&Arc<OnlyNew>>,
    scanned: Option<SkuScan>,
) -> Result<ForRun, EngineError> {
    // Part numbers map through cross-references and, unknown, by description; a changed re-sent
    // line is held showing its earlier item; explained lines list what was weighed.
    if parts_supplier.is_some() || only_new.is_some() || opts.explain {
        return Ok(store.load_catalog_before(import_key).await?.into());
    }
    let lines = match scanned {
        Some(scan) => scan.finish(),
        // A database without items (a first import): the catalog is empty, whatever the file's
        // SKUs are, and the file is not read for them.
        None if !store.has_items().await? => None,
        None => sku_lines(file, opts)?,
    };
    let Some(lines) = lines else {
        return Ok(store.load_catalog_before(import_key).await?.into());
    };
    let part = store.catalog_of_skus(Some(import_key), &lines.skus).await?;
    let known: HashSet<&str> = part.items.iter().map(|i| i.sku.as_str()).collect();
    let catalog = Catalog::build(
        lexicon::current(),
        part.items.clone(),
        Vec::<AliasEntry>::new(),
        Vec::new(),
    )
    .with_retired(part.retired.clone());
    // Only the lines whose SKU the catalog has, or that another line repeats, are mapped.
    if known.is_empty() && lines.repeated.is_empty() {
        return Ok(catalog.into());
    }
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

/// The SKUs of a file's lines (those that parse, as the run reads them), seen one line at a time.
#[derive(Default)]
pub(crate) struct SkuScan {
    seen: HashSet<String>,
    skus: Vec<String>,
    repeated: HashSet<String>,
    /// A line without a SKU was seen: the rest is not kept.
    without: bool,
}

impl SkuScan {
    /// The next line's SKU (`None`: the line has none).
    pub fn see(&mut self, sku: Option<String>) {
        match sku {
            _ if self.without => {}
            None => {
                *self = SkuScan {
                    without: true,
                    ..SkuScan::default()
                }
            }
            Some(sku) if self.seen.contains(&sku) => {
                self.repeated.insert(sku);
            }
            Some(sku) => {
                self.seen.insert(sku.clone());
                self.skus.push(sku);
            }
        }
    }

    /// The SKUs when every line carries one; `None` when one does not, or no line parsed.
    fn finish(self) -> Option<SkuLines> {
        (!self.without && !self.skus.is_empty()).then_some(SkuLines {
            skus: self.skus,
            repeated: self.repeated,
        })
    }
}

/// The SKUs of the file's lines ([`SkuScan`]), read from the file.
fn sku_lines(file: &BatchFile, opts: &ImportOptions) -> Result<Option<SkuLines>, EngineError> {
    let reader = input::open_with(file, &opts.reading)?;
    let mut scan = SkuScan::default();
    for item in reader.take(line_limit(opts)).filter_map(Result::ok) {
        scan.see(item.sku);
        if scan.without {
            break;
        }
    }
    Ok(scan.finish())
}
