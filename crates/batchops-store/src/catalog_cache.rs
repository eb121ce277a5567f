//! The catalog kept between runs: a file per database holding the catalog read from its items
//! (names read into the index and the name keys), so a run reads only the items added since
//! instead of every name again.
//!
//! A kept catalog is used only while it is the catalog the database holds: the same database
//! (`catalog_stamp.instance`, drawn once per database or schema), the same runs up to the newest
//! it knew (a database restored from a copy and imported into again differs there), and every
//! live item up to its newest id still there; the items after that id are read and added in id
//! order, the order a whole catalog is read in. Items renamed or merged since
//! (`catalog_stamp.changes` counts the changes, `catalog_changes` logs the item of each, both
//! written by triggers in the change's transaction) are applied to it when the catalog then reads
//! exactly as one read whole ([`crate::mapping::Catalog::change_kept`]). Anything else (a deleted
//! item, a changed SKU, a name with a word new to the items before it, more than
//! [`KEPT_CHANGES_AT_MOST`] changes, a file that cannot be read) reads the whole catalog and keeps
//! it again; so do changes once as many items were added since as a file is kept from, since a
//! catalog with changes applied is not written again. Files are written whole beside their final
//! name and renamed into place, so a reader sees an old file or a new one, never part of one.

use crate::mapping::column::{Col, KeptFile, Part};
use crate::mapping::{Catalog, lexicon::Lexicon, rules_fingerprint};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Catalogs smaller than this are read whole each time: reading them costs less than a second.
pub const KEPT_FROM_ITEMS: usize = 20_000;

/// Changes to the items since a catalog was kept that it applies at most; after more it is read
/// whole. The catalog triggers log as many (`migrations/*/20261206000001_catalog_changes.sql`,
/// `postgres_functions.sql`).
pub const KEPT_CHANGES_AT_MOST: i64 = 2_000;

/// A logged change as the item is now: its id, and while it is in the table its SKU, name and
/// whether it is live (1) or retired (0).
pub(crate) type Changed = (i64, Option<String>, Option<String>, i32);

/// The changes a kept catalog (items `ids`, up to `newest_item`, read back as `catalog`) applies
/// for the changes logged since it was kept (`rows`, the items as they are now): each kept
/// item's position and its name now, or none when it is retired (merged). Items after the newest
/// kept one are read as they are, and an item retired then and now is not in it; why not when
/// one cannot be applied: an item deleted, a SKU changed, an item live again.
pub(crate) fn changes_to_apply(
    ids: &Col<i64>,
    newest_item: i64,
    catalog: &Catalog,
    rows: Vec<Changed>,
) -> Result<Vec<(u32, Option<String>)>, String> {
    let mut changes: std::collections::BTreeMap<u32, Option<String>> = Default::default();
    for (id, sku, name, live) in rows {
        if id > newest_item {
            continue;
        }
        let (Some(sku), Some(name)) = (sku, name) else {
            return Err(format!("item {id} was deleted"));
        };
        match (ids.search(&id), live == 1) {
            (Ok(at), live) => {
                let at = at as u32;
                let (kept_sku, kept_name) = catalog.item(at);
                if kept_sku != sku {
                    return Err(format!("item {id}'s SKU changed"));
                }
                match (live, kept_name == name) {
                    (false, _) => changes.insert(at, None),
                    (true, false) => changes.insert(at, Some(name)),
                    (true, true) => changes.remove(&at),
                };
            }
            (Err(_), true) => return Err(format!("item {id} is live again")),
            (Err(_), false) => {}
        }
    }
    Ok(changes.into_iter().collect())
}

/// The layout of a kept catalog's file; another is read whole again.
const FORMAT: u32 = 7;

/// What a kept catalog's file starts with: its layout's number after a name (a file of an older
/// layout started with a length, never these bytes).
const MAGIC: [u8; 8] = [b'b', b'k', b'e', b'p', b't', 0, 0, FORMAT as u8];

/// Where catalogs are kept, and from what size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogCache {
    pub dir: PathBuf,
    pub from_items: usize,
}

static INSTALLED: OnceLock<Option<CatalogCache>> = OnceLock::new();

/// Keep catalogs in `dir` for the stores this process opens (the binary's settings; `None`: never).
/// Later calls keep the first.
pub fn install(dir: Option<PathBuf>) {
    let _ = INSTALLED.set(dir.map(|dir| CatalogCache {
        dir,
        from_items: KEPT_FROM_ITEMS,
    }));
}

/// The installed cache ([`install`]); none when nothing was installed (a library user, a test).
pub fn installed() -> Option<CatalogCache> {
    INSTALLED.get().cloned().flatten()
}

/// The database's side of a kept catalog, read before its items are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub instance: String,
    pub changes: i64,
    /// The newest run, and a digest of the runs up to it.
    pub newest_run: i64,
    pub runs: [u8; 32],
}

/// A digest of the runs `(id, import key, start)`, in id order.
pub(crate) fn runs_digest(runs: &[(i64, String, String)]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (id, key, started) in runs {
        h.update(id.to_le_bytes());
        for s in [key, started] {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    }
    h.finalize().into()
}

/// What a kept catalog's file says of it, before the catalog itself.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    format: u32,
    /// [`rules_fingerprint`]: the catalog is read by this binary's rules and lexicon.
    rules: String,
    pub stamp: Stamp,
    /// The newest item id read.
    pub newest_item: i64,
    /// Each item's id, in the catalog's order (a column left in the file).
    pub ids: Col<i64>,
}

impl Header {
    pub fn new(lex: &Lexicon, stamp: Stamp, ids: Vec<i64>) -> Self {
        Header {
            format: FORMAT,
            rules: rules_fingerprint(lex),
            stamp,
            newest_item: ids.iter().copied().max().unwrap_or(0),
            ids: ids.into(),
        }
    }
}

impl CatalogCache {
    fn path(&self, instance: &str) -> PathBuf {
        // The instance is hex the database drew; anything else is not used as a file name.
        let name: String = instance
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        self.dir.join(format!("{name}.catalog"))
    }

    /// The kept catalog of the database `instance` opened and its header read, if one was written
    /// with these rules; why not otherwise (nothing kept is not a reason worth telling). The
    /// catalog after the header is read by [`Opened::read`], while the caller checks the header
    /// against the database.
    pub(crate) fn open(
        &self,
        instance: &str,
        lex: &Arc<Lexicon>,
    ) -> Result<Option<Opened>, String> {
        let path = self.path(instance);
        let mut file = match KeptFile::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if file.bytes::<8>().ok() != Some(MAGIC) {
            return Ok(None);
        }
        // The header (its item ids feed the writer's id cache) is a part as the catalog's are.
        let header: Header = file
            .part("its header")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if header.format != FORMAT || header.rules != rules_fingerprint(lex) {
            return Ok(None);
        }
        Ok(Some(Opened { path, file, header }))
    }

    /// Keep `catalog` (read from the database's items alone) under `header`.
    pub(crate) fn write(&self, header: &Header, catalog: &mut Catalog) -> Result<(), String> {
        let path = self.path(&header.stamp.instance);
        let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        std::fs::create_dir_all(&self.dir).map_err(|e| failed(&e))?;
        let file = tempfile::Builder::new()
            .prefix(".catalog-")
            .tempfile_in(&self.dir)
            .map_err(|e| failed(&e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let header = Part::encode(header).map_err(|e| failed(&e))?;
        out.write_all(&MAGIC)
            .and_then(|()| header.write(&mut out))
            .map_err(|e| failed(&e))?;
        catalog.write_items(&mut out).map_err(|e| failed(&e))?;
        crate::failpoint::hit("catalog_kept_before_rename");
        let file = out.into_inner().map_err(|e| failed(&e.into_error()))?;
        file.as_file().sync_data().map_err(|e| failed(&e))?;
        file.persist(&path).map_err(|e| failed(&e.error))?;
        forget_abandoned(&self.dir);
        Ok(())
    }
}

/// A kept catalog's file whose header was read.
pub(crate) struct Opened {
    path: PathBuf,
    file: KeptFile,
    pub header: Header,
}

impl Opened {
    /// The catalog after the header, and the header; why not when the file cannot be read.
    pub(crate) fn read(mut self, lex: Arc<Lexicon>) -> Result<(Header, Catalog), String> {
        let unreadable = |e: String| format!("{}: {e}", self.path.display());
        let catalog =
            Catalog::read_items(lex, &mut self.file).map_err(|e| unreadable(e.to_string()))?;
        let more = !self.file.at_end().map_err(|e| unreadable(e.to_string()))?;
        if more || catalog.len() != self.header.ids.len() {
            return Err(unreadable(format!(
                "{} items, {} ids{}",
                catalog.len(),
                self.header.ids.len(),
                if more { ", bytes after them" } else { "" }
            )));
        }
        crate::failpoint::hit("catalog_kept_read");
        Ok((self.header, catalog))
    }
}

/// Files a writer killed before it renamed its file left behind (an hour old and more).
fn forget_abandoned(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour));
        if old && e.file_name().to_string_lossy().starts_with(".catalog-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
