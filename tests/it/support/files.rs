//! Files the tests read and write: fixtures in temporary directories, the shipped sample data.

use std::path::{Path, PathBuf};

/// Write `content` to a file named `name` in a new temp dir; returns (dir, path).
pub fn write_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write fixture");
    (dir, path)
}

/// A file of `sample-data/`.
pub fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(name)
        .display()
        .to_string()
}
