//! `compare`: a batch-versus-sequential rehearsal on scratch copies of the catalog.

use crate::cli::TextOrJson;
use crate::engine::{self, CompareOptions, EventSink};
use crate::input::InputFormat;
use crate::report;
use crate::store::Store;
use color_eyre::eyre::Result;
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
    match format {
        TextOrJson::Text => print!("{}", report::comparison(&c)),
        TextOrJson::Json => println!("{}", serde_json::to_string(&c)?),
    }
    Ok(0)
}
