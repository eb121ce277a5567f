//! `compare`: a batch-versus-sequential rehearsal on scratch copies of the catalog.

use super::output;
use crate::cli::TextOrJson;
use crate::engine::{self, CompareOptions, EventSink};
use crate::input::InputFormat;
use crate::report;
use crate::store::Store;
use color_eyre::eyre::Result;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub async fn compare(
    store: Arc<dyn Store>,
    file: &Path,
    chunk_size: usize,
    sequential_lines: Option<u64>,
    format_in: Option<InputFormat>,
    format: TextOrJson,
) -> Result<u8> {
    let opts = CompareOptions {
        chunk_size,
        sequential_lines,
        format: format_in,
    };
    let cancel = CancellationToken::new();
    let c = engine::compare(
        &*store,
        file,
        &opts,
        &EventSink::none(),
        &EventSink::none(),
        &cancel,
    )
    .await?;
    let mut out = output::stdout();
    match format {
        TextOrJson::Text => out.write_all(report::comparison(&c).as_bytes())?,
        TextOrJson::Json => {
            serde_json::to_writer(&mut out, &report::comparison_json(&c)?)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(0)
}
