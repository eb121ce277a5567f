//! Where batchops keeps what operators configure (header synonyms, supplier profiles):
//! `$BATCHOPS_CONFIG_DIR` when set, else the user's configuration directory for batchops.

use std::path::PathBuf;

/// The variable that overrides the configuration directory (tests, shared installations).
pub const CONFIG_DIR_ENV: &str = "BATCHOPS_CONFIG_DIR";

/// The configuration directory, if one can be named (it need not exist).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "batchops").map(|d| d.config_dir().to_path_buf())
}
