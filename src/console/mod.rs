//! The operations console (ratatui + crossterm).

use crate::cli::StartMode;
use crate::store::Store;
use color_eyre::eyre::{Result, eyre};
use std::path::PathBuf;
use std::sync::Arc;

pub async fn run(
    _store: Arc<dyn Store>,
    _files: Vec<PathBuf>,
    _start: Option<StartMode>,
) -> Result<u8> {
    Err(eyre!("the console is not built yet"))
}
