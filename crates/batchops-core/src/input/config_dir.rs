//! Where batchops keeps what operators configure (the settings file, header synonyms, supplier
//! profiles): the directory the binary's settings name (`$BATCHOPS_CONFIG_DIR`), else the user's
//! configuration directory for batchops.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The variable that overrides the configuration directory (tests, shared installations).
pub const CONFIG_DIR_ENV: &str = "BATCHOPS_CONFIG_DIR";

static INSTALLED: OnceLock<PathBuf> = OnceLock::new();

/// Make `dir` the process's configuration directory (the binary's settings, read once at start);
/// later calls keep the first.
pub fn install(dir: PathBuf) {
    let _ = INSTALLED.set(dir);
}

/// The user's configuration directory for batchops, as the platform names it.
pub fn platform_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "batchops").map(|d| d.config_dir().to_path_buf())
}

/// Where batchops keeps catalogs between runs unless the settings say otherwise: `catalogs` in
/// the user's cache directory for batchops, as the platform names it.
pub fn platform_catalog_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "batchops").map(|d| d.cache_dir().join("catalogs"))
}

/// The configuration directory, if one can be named (it need not exist).
pub fn config_dir() -> Option<PathBuf> {
    INSTALLED.get().cloned().or_else(platform_config_dir)
}
