//! The catalog kept between runs: a file per database holding the catalog read from its items
//! (names read into the index and the name keys), so a run reads only the items added since
//! instead of every name again.
//!
//! A kept catalog is used only while it is the catalog the database holds: the same database
//! (`catalog_stamp.instance`, drawn once per database or schema), no item renamed, merged or
//! removed since (`catalog_stamp.changes`, counted by triggers), the same runs up to the newest it
//! knew (a database restored from a copy and imported into again differs there), and every live
//! item up to its newest id still there; the items after that id are read and added in id order,
//! the order a whole catalog is read in. Anything else, a file that cannot be read included,
//! reads the whole catalog and keeps it again. Files are written whole beside their final name
//! and renamed into place, so a reader sees an old file or a new one, never part of one.

use crate::mapping::column::{Col, KeptFile, Part};
use crate::mapping::{Catalog, lexicon::Lexicon, rules_fingerprint};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Catalogs smaller than this are read whole each time: reading them costs less than a second.
pub const KEPT_FROM_ITEMS: usize = 20_000;

/// The layout of a kept catalog's file; another is read whole again.
const FORMAT: u32 = 6;

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
