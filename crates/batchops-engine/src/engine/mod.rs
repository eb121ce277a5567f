//! The import engine: the chunked collect-then-batch pipeline, its fallback, retries of failed items
//! and progress events. No UI code lives here.

mod catalog;
pub mod compare;
pub mod events;
pub mod options;
pub mod overlap;
pub mod pipeline;
pub mod retry;
pub mod review;
pub mod stats;
pub mod writer;

pub use compare::{CompareOptions, Comparison, compare};
pub use events::{EventSink, ProgressEvent};
pub use options::{DEFAULT_CHUNK_SIZE, ErrorBudget, FallbackStrategy, FileChoices, ImportOptions};
pub use retry::{RetryOptions, retry_failed};

use crate::domain::{Mode, Phase, RunReport, RunStatus, run_rules};
use crate::input::{self, InputError};
use crate::mapping::Mapper;
use crate::store::{NewRun, RunCtx, Store, StoreError};
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use stats::{ReportBase, RunStats};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use writer::Writer;

/// Why an import could not start. Once a run has started, problems end up in its report instead.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    /// The file overlaps what earlier runs landed (a re-sent invoice): refused, nothing written.
    #[error("{0}")]
    Overlap(Box<overlap::Overlap>),
}

/// How often a running import tells the database it is alive.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Import one batch file. Returns the run's report (also stored in `import_runs` and sent as
/// [`ProgressEvent::RunFinished`]); `Err` only when the file or the database cannot be used at all,
/// in which case nothing was written.
///
/// `path` may be `-` (standard input), a FIFO or a process substitution: it is read once into a
/// spool first (see [`input::inspect_spooling`]). A directory or a device is refused.
pub async fn import_file(
    store: &dyn Store,
    path: &Path,
    opts: &ImportOptions,
    events: &EventSink,
    cancel: &CancellationToken,
) -> Result<RunReport, EngineError> {
    let entered = Instant::now();
    let limits = input::SpoolLimits::current();
    let file = input::inspect_spooling(path, opts.format, &opts.reading, &limits)?;
    import_batch_since(store, &file, opts, events, cancel, entered).await
}

/// [`import_file`] of a batch already inspected. The run reads exactly the bytes `file` hashed;
/// a file that changed while it was read ends the run `failed`, saying how it changed.
pub async fn import_batch(
    store: &dyn Store,
    file: &input::BatchFile,
    opts: &ImportOptions,
    events: &EventSink,
    cancel: &CancellationToken,
) -> Result<RunReport, EngineError> {
    import_batch_since(store, file, opts, events, cancel, Instant::now()).await
}

/// [`import_batch`] asked for at `entered` (the file's inspection before it is start-up too).
async fn import_batch_since(
    store: &dyn Store,
    file: &input::BatchFile,
    opts: &ImportOptions,
    events: &EventSink,
    cancel: &CancellationToken,
    entered: Instant,
) -> Result<RunReport, EngineError> {
    if opts.mode == Mode::Retry {
        return Err(EngineError::Invalid("use retry_failed for retries".into()));
    }
    let path = file.path.as_path();
    // A reject file's lines land under the identities they carry, not as a new batch.
    if input::reject::is_reject_file(file)? {
        return crate::corrections::reject::import_reject_file(store, file, opts, events, cancel)
            .await;
    }
    let reader = input::open_with(file, &opts.reading)?;
    let labels = input::invoice_header::HeaderLabels::load().map_err(EngineError::Invalid)?;
    // What the operator gave wins; the title rows fill in the rest.
    let invoice = opts.invoice.clone().or(labels.read(reader.titles()).0);
    let parts_supplier = opts.parts_supplier();
    let read_check = reader.check();
    let source = path.display().to_string();
    let import_key = opts
        .import_key
        .clone()
        .unwrap_or_else(|| file.sha256.clone());
    let command = match opts.resume_run {
        Some(_) => crate::locks::Command::Resume,
        None => crate::locks::Command::Import,
    };
    let lock = crate::locks::acquire(store, command, [import_key.clone()], &opts.operator).await?;
    // Everything before the run starts, under the key's lock; the lock is given back at once when
    // it fails (a refused re-sent invoice, a run that cannot be resumed), not when it is dropped.
    let prepared: Result<_, EngineError> = async {
        // Whether the file repeats earlier runs (a re-sent invoice), decided under the key's lock.
        let checked = overlap::check(store, file, &invoice, &source, &import_key, opts).await?;
        let only_new = checked.only_new;
        // Mapped from line 1 against the catalog as it was before this key's runs changed it; lines
        // that already have a state keep it (see engine/pipeline.rs). Both read under the key's lock.
        let loading = Instant::now();
        let for_run = catalog::for_run(
            store,
            file,
            &import_key,
            opts,
            parts_supplier,
            only_new.as_ref(),
            checked.skus,
        )
        .await?;
        let known = store.line_states(&import_key).await?;
        let mapper = Mapper::new(for_run.catalog, opts.match_threshold)
            .with_verdicts(for_run.verdicts)
            .uncertain(opts.uncertain)
            .supplier_parts(parts_supplier)
            .explain(opts.explain);
        let catalog_time = loading.elapsed();
        let chunk_size = match opts.mode {
            Mode::Sequential => 1,
            _ => opts.chunk_size.max(1),
        };
        // The report of a resumed run's earlier leg: its seconds and statements carry over.
        let mut previous = None;
        let run_id = match opts.resume_run {
            Some(id) => {
                let run = store
                    .run(id)
                    .await?
                    .ok_or_else(|| EngineError::Invalid(format!("there is no run {id}")))?;
                if let Some(why) = run.resume_refusal() {
                    return Err(EngineError::Invalid(format!(
                        "run {id} cannot be resumed: {why}"
                    )));
                }
                if let Some(why) =
                    run_rules::changed_file_refusal(id, &source, &import_key, &file.sha256)
                {
                    return Err(EngineError::Invalid(why));
                }
                previous = run.report;
                store.reopen_run(id).await?;
                id
            }
            None => {
                store
                    .begin_run(&NewRun {
                        source: source.clone(),
                        import_key: import_key.clone(),
                        mode: opts.mode,
                        operator: opts.operator.clone(),
                        dry_run: opts.dry_run,
                        rehearsal: opts.rehearsal,
                        chunk_size: chunk_size as u64,
                        invoice: invoice.clone(),
                        sku_column: Some(if parts_supplier.is_some() {
                            "supplier"
                        } else {
                            "ours"
                        }),
                    })
                    .await?
            }
        };
        Ok((
            only_new,
            known,
            mapper,
            chunk_size,
            previous,
            run_id,
            catalog_time,
        ))
    }
    .await;
    let (only_new, known, mapper, chunk_size, previous, run_id, catalog_time) = match prepared {
        Ok(p) => p,
        Err(e) => {
            lock.release().await;
            return Err(e);
        }
    };
    let _ = lock.set_run(run_id).await;
    events.emit(ProgressEvent::RunStarted {
        run_id,
        source: source.clone(),
        import_key: import_key.clone(),
        mode: opts.mode,
        total_estimate: file.estimated_lines,
    });
    let ahead = if opts.mode == Mode::Sequential { 64 } else { 2 };
    let mut chunks = pipeline::spawn(
        reader,
        mapper,
        known,
        chunk_size,
        ahead,
        opts.max_lines,
        only_new,
    )
    .map_err(|e| EngineError::Invalid(format!("cannot start the mapping thread: {e}")))?;

    let mut stats = RunStats::continuing(file.estimated_lines, previous.as_ref());
    let startup = (opts.startup + entered.elapsed()).saturating_sub(catalog_time);
    stats.before_run(events, startup, catalog_time);
    let writer = Writer {
        store,
        ctx: RunCtx {
            run_id,
            import_key: &import_key,
            operator: &opts.operator,
        },
        rollback: opts.dry_run,
        fallback: opts.fallback,
        events,
    };
    // Batch chunks are written up to `lanes` at once (the next one travels and is written while
    // the one before commits), and counted in order. One at a time where the order of writes is
    // part of the contract: sequential mode, dry runs (each rolled back), and an error budget
    // (the chunk that would exceed it is not written).
    let lanes = if opts.mode == Mode::Sequential || opts.dry_run || opts.max_errors.is_some() {
        1
    } else {
        store.write_lanes().max(1)
    };
    let mut in_flight = FuturesOrdered::new();
    let mut input_done = false;
    let mut stopped: Option<(RunStatus, String)> = None;
    let mut last_heartbeat = Instant::now();
    loop {
        let next = if in_flight.len() < lanes && !input_done {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => Next::Cancelled,
                Some(done) = in_flight.next(), if !in_flight.is_empty() => Next::Written(done),
                c = chunks.recv() => Next::Chunk(c),
            }
        } else {
            match in_flight.next().await {
                Some(done) => Next::Written(done),
                None => break,
            }
        };
        let mut chunk = match next {
            Next::Cancelled => {
                stopped = Some((RunStatus::Cancelled, "cancelled by the operator".into()));
                break;
            }
            Next::Chunk(Some(c)) if c.lines_read == 0 => {
                input_done = true;
                continue;
            }
            Next::Chunk(None) => {
                stopped = Some((
                    RunStatus::Failed,
                    "the reading thread stopped unexpectedly; run again or resume to continue"
                        .into(),
                ));
                break;
            }
            Next::Chunk(Some(c)) if c.catalog_failed.is_some() => {
                stopped = Some((
                    RunStatus::Failed,
                    format!(
                        "stopped at lines {}–{}: the kept catalog could not be read ({}); run \
                         again or resume to continue",
                        c.first_line,
                        c.last_line,
                        c.catalog_failed.unwrap_or_default()
                    ),
                ));
                break;
            }
            Next::Chunk(Some(c)) => c,
            Next::Written((chunk, attempt)) => {
                let last_line = chunk.last_line;
                if let Err(reason) = settle(&writer, chunk, attempt, &mut stats).await {
                    stopped = Some((RunStatus::Failed, reason));
                    break;
                }
                if let Some(budget) = opts.max_errors
                    && budget.exceeded(stats.failed, stats.lines_read)
                {
                    stopped = Some((
                        RunStatus::Aborted,
                        format!("error budget of {budget} spent at line {last_line}"),
                    ));
                    break;
                }
                if last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
                    last_heartbeat = Instant::now();
                    if store.heartbeat(run_id).await.is_ok() {
                        stats.other_statements += 1;
                    }
                }
                // Let a cancel that arrived during the write stop the run before the next chunk.
                if cancel.is_cancelled() {
                    stopped = Some((RunStatus::Cancelled, "cancelled by the operator".into()));
                    break;
                }
                continue;
            }
        };
        if let Some(budget) = opts.max_errors {
            let failed = stats.failed + (chunk.failures.len() + chunk.kept_failed.len()) as u64;
            if budget.exceeded(failed, stats.lines_read + chunk.lines_read) {
                stopped = Some((
                    RunStatus::Aborted,
                    format!(
                        "error budget of {budget} spent at line {}; chunk not written",
                        chunk.last_line
                    ),
                ));
                break;
            }
        }
        stats.lines_read += chunk.lines_read;
        stats.decisions.add_counts(&chunk.decisions);
        stats.explained.append(&mut chunk.explained);
        stats.advance(
            events,
            Phase::Mapping,
            chunk.mapping_seconds,
            chunk.lines_read,
            0,
        );
        crate::failpoint::hit("chunk_mapped");
        let writer = &writer;
        in_flight.push_back(Box::pin(async move {
            let attempt = match opts.mode {
                Mode::Sequential => Attempt::Sequential,
                _ => {
                    let (result, retries) = writer.attempt(&chunk).await;
                    Attempt::Batch(result, retries)
                }
            };
            (chunk, attempt)
        }) as InFlight<'_>);
    }
    // Chunks already on their way when the run stopped are written or not; either way they are
    // counted as they ended.
    while let Some((chunk, attempt)) = in_flight.next().await {
        if let Err(reason) = settle(&writer, chunk, attempt, &mut stats).await {
            stopped.get_or_insert((RunStatus::Failed, reason));
        }
    }
    drop(in_flight);
    drop(chunks);
    if stopped.is_none()
        && let Some(change) = read_check.change()
    {
        stopped = Some((RunStatus::Failed, format!("{source} {change}")));
    }
    stats.finish(events);
    let (status, reason) = match stopped {
        Some((s, r)) => (Some(s), Some(r)),
        None => (None, None),
    };
    let status = stats.status(status);
    let mut report = stats.report(
        ReportBase {
            run_id,
            source,
            import_key,
            mode: opts.mode,
            dry_run: opts.dry_run,
            invoice,
        },
        status,
        reason,
    );
    finish(store, &mut report, events).await;
    lock.release().await;
    Ok(report)
}

/// What the loop of [`import_file`] waits for next.
enum Next {
    Cancelled,
    /// A mapped chunk, the end marker (no lines), or `None` when the mapping thread died.
    Chunk(Option<pipeline::MappedChunk>),
    Written((pipeline::MappedChunk, Attempt)),
}

/// A chunk's write as it came back: a batch write's result and retries, or a sequential chunk
/// still to write line by line.
enum Attempt {
    Batch(crate::store::StoreResult<crate::store::WriteOutcome>, u64),
    Sequential,
}

type InFlight<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = (pipeline::MappedChunk, Attempt)> + Send + 'a>,
>;

/// Count a chunk whose write came back (isolating its bad lines when it failed with a data
/// error, writing it line by line in sequential mode). `Err` with the run's stop reason when the
/// chunk could not be written.
async fn settle(
    writer: &Writer<'_>,
    chunk: pipeline::MappedChunk,
    attempt: Attempt,
    stats: &mut RunStats,
) -> Result<(), String> {
    let result = match attempt {
        Attempt::Batch(result, retries) => writer.settle(&chunk, result, retries, stats).await,
        Attempt::Sequential => writer.write_sequential(&chunk, stats).await,
    };
    if result.is_ok() {
        // Lines that kept their state: counted as they are.
        stats.already += chunk.kept_landed + chunk.landed_elsewhere;
        for f in &chunk.kept_failed {
            stats.add_failure(writer.events, f);
        }
    }
    result.map_err(|e| {
        stats.lines_read -= chunk.lines_read;
        format!(
            "stopped at lines {}–{}: {e}; run again or resume to continue",
            chunk.first_line, chunk.last_line
        )
    })
}

/// Count the run's held lines as stored ([`run_rules::items_held`]), store the report and tell
/// the listeners. A database that is gone by now leaves the run `running`, which shows as
/// interrupted and can be resumed: nothing is lost.
pub(crate) async fn finish(store: &dyn Store, report: &mut RunReport, events: &EventSink) {
    let mut retries = 0;
    let run_id = report.run_id;
    let stored = if report.dry_run {
        0
    } else {
        match writer::retry_transient(events, &mut retries, || store.run_held(run_id)).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(run_id, error = %e, "could not count the run's held lines");
                report.items_held
            }
        }
    };
    report.items_held = run_rules::items_held(report.dry_run, report.items_held, stored);
    match writer::retry_transient(events, &mut retries, || store.finish_run(report)).await {
        Ok(stored) => *report = stored,
        Err(e) => {
            tracing::error!(run_id = report.run_id, error = %e, "could not store the run's report")
        }
    }
    events.emit(ProgressEvent::RunFinished(Box::new(report.clone())));
}
