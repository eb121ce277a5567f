//! The fingerprint of the reading rules: the mapping module's sources, its shipped lexicon and the
//! locked dependency versions. A cached catalog read by other rules is never used
//! (`batchops_core::mapping::rules_fingerprint`).

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mapping = dir.join("src/mapping");
    let lock = dir.join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", mapping.display());
    println!("cargo:rerun-if-changed={}", lock.display());
    let mut files: Vec<_> = std::fs::read_dir(&mapping)
        .expect("src/mapping is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files.push(lock);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        f.file_name().hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=BATCHOPS_RULES_DIGEST={:016x}", h.finish());
}
