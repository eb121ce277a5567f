//! Rehearsals: the same input in batch and in sequential mode, each on a scratch copy of the
//! catalog, so operators see what batching buys on their own database without touching live data.

use super::events::EventSink;
use super::options::ImportOptions;
use super::{EngineError, import_batch};
use crate::domain::{Mode, RunReport};
use crate::input::InputFormat;
use crate::store::{NewRun, Store};
use serde::Serialize;
use std::path::Path;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    pub chunk_size: usize,
    /// Stop the sequential rehearsal after this many lines (it is the slow one); items/s are
    /// compared, so the figures stay comparable. `None`: the whole file.
    pub sequential_lines: Option<u64>,
    pub format: Option<InputFormat>,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareSide {
    #[serde(flatten)]
    pub report: RunReport,
    pub statements_per_1000_items: f64,
}

impl CompareSide {
    fn new(report: RunReport) -> Self {
        let per_1000 = if report.items_total > 0 {
            report.statements_executed as f64 * 1000.0 / report.items_total as f64
        } else {
            0.0
        };
        Self {
            report,
            statements_per_1000_items: per_1000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub batch: CompareSide,
    pub sequential: CompareSide,
    /// Batch items/s divided by sequential items/s.
    pub speedup: f64,
}

/// Run the rehearsal. Each mode gets its own scratch database holding a copy of the live catalog
/// (items, quantities, aliases); both are removed afterwards. The two reports are added to the live
/// history as rehearsal runs.
pub async fn compare(
    live: &dyn Store,
    path: &Path,
    opts: &CompareOptions,
    batch_events: &EventSink,
    sequential_events: &EventSink,
    cancel: &CancellationToken,
) -> Result<Comparison, EngineError> {
    // Fail early (and write nothing) if the file is unusable. Both sides read this one inspection
    // (a pipe is spooled once).
    let limits = crate::input::SpoolLimits::current();
    let file = crate::input::inspect_spooling(
        path,
        opts.format,
        &crate::input::ReadSettings::default(),
        &limits,
    )?;
    let (items, aliases) = live.export_catalog().await?;
    let tag = format!(
        "rehearsal_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let mut reports = Vec::new();
    for (mode, events) in [
        (Mode::Batch, batch_events),
        (Mode::Sequential, sequential_events),
    ] {
        let name = format!("{tag}_{mode}");
        let guard = ScratchGuard {
            live,
            name: Some(name.clone()),
        };
        let scratch = live.open_scratch(&name).await?;
        let result = async {
            scratch.copy_catalog_from(&items, &aliases).await?;
            let run_opts = ImportOptions {
                mode,
                chunk_size: opts.chunk_size.max(1),
                format: opts.format,
                rehearsal: true,
                max_lines: if mode == Mode::Sequential {
                    opts.sequential_lines
                } else {
                    None
                },
                ..ImportOptions::default()
            };
            import_batch(&*scratch, &file, &run_opts, events, cancel).await
        }
        .await;
        scratch.close().await;
        guard.disarm();
        live.drop_scratch(&name).await?;
        reports.push(result?);
    }
    let sequential = reports.pop().map(CompareSide::new);
    let batch = reports.pop().map(CompareSide::new);
    let (Some(mut batch), Some(mut sequential)) = (batch, sequential) else {
        return Err(EngineError::Invalid(
            "the rehearsal produced no reports".into(),
        ));
    };
    for side in [&mut batch, &mut sequential] {
        side.report.run_id = record_in_history(live, &side.report).await?;
    }
    let speedup = if sequential.report.items_per_second > 0.0 {
        batch.report.items_per_second / sequential.report.items_per_second
    } else {
        0.0
    };
    Ok(Comparison {
        batch,
        sequential,
        speedup,
    })
}

/// Removes a scratch database when the rehearsal stops before its own cleanup: an error on the
/// way, or its future dropped (a console that leaves before the job ends).
struct ScratchGuard<'a> {
    live: &'a dyn Store,
    name: Option<String>,
}

impl ScratchGuard<'_> {
    /// The rehearsal removes its scratch database itself from here on.
    fn disarm(mut self) {
        self.name = None;
    }
}

impl Drop for ScratchGuard<'_> {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            self.live.drop_scratch_now(&name);
        }
    }
}

/// Keep a rehearsal's report in the live history, marked as a rehearsal.
async fn record_in_history(live: &dyn Store, report: &RunReport) -> Result<i64, EngineError> {
    let id = live
        .begin_run(&NewRun {
            source: report.source.clone(),
            import_key: report.import_key.clone(),
            mode: report.mode,
            operator: super::options::default_operator(),
            dry_run: false,
            rehearsal: true,
            chunk_size: 0,
            invoice: report.invoice.clone(),
            sku_column: None,
        })
        .await?;
    let mut stored = report.clone();
    stored.run_id = id;
    live.finish_run(&stored).await?;
    Ok(id)
}
