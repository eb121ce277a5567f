//! `compare`: a batch-versus-sequential rehearsal on scratch copies of the catalog.

use super::{EXIT_FAILED, EXIT_OK, output};
use crate::cli::TextOrJson;
use crate::domain::RunStatus;
use crate::engine::{self, CompareOptions, EventSink};
use crate::input::InputFormat;
use crate::report;
use crate::signals::Signals;
use crate::store::Store;
use color_eyre::eyre::Result;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Ctrl-C, SIGTERM or SIGHUP stop the rehearsal after its current chunk: its scratch databases
/// are removed and what it measured so far is printed.
fn cancel_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    let mut signals = Signals::new();
    tokio::spawn(async move {
        signals.recv().await;
        output::note(format_args!(
            "cancelling the rehearsal after the current chunk: batchops exits with code {EXIT_FAILED}"
        ));
        t.cancel();
    });
    token
}

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
    let cancel = cancel_on_signals();
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
    let stopped = [&c.batch, &c.sequential]
        .iter()
        .any(|side| side.report.status == RunStatus::Cancelled);
    Ok(if stopped { EXIT_FAILED } else { EXIT_OK })
}
