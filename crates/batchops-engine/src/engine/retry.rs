//! Retrying failed items: one at a time, from their stored records (or the operator's correction).

use super::EngineError;
use super::events::{EventSink, ProgressEvent};
use super::stats::{ReportBase, RunStats};
use super::writer::retry_transient;
use crate::domain::Fields;
use crate::domain::{Mode, Phase, RunReport, RunStatus, run_rules};
use crate::input::{Stored, validate_stored};
use crate::mapping::{DEFAULT_MATCH_THRESHOLD, Mapped, Mapper};
use crate::store::{ErrorClass, FailedQuery, FailureRecord, NewRun, RunCtx, Store, WriteOutcome};
use std::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct RetryOptions {
    /// Only these lines (empty: every unresolved failed item of the run).
    pub lines: Vec<u64>,
    pub operator: String,
    pub match_threshold: f32,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            lines: Vec::new(),
            operator: super::options::default_operator(),
            match_threshold: DEFAULT_MATCH_THRESHOLD,
        }
    }
}

/// A stored or corrected record to validate and land again.
pub(crate) struct Record<'a> {
    /// The line's number in its batch: with the import key, its identity.
    pub line: u64,
    pub raw: &'a str,
    pub fields: Fields,
    pub stored: Stored,
}

/// Why a record did not land.
pub(crate) enum Landing {
    /// Too uncertain to land on its own: recorded as a held line (under its identity), it waits
    /// for review and leaves the dead-letter table; the review decision lands it.
    Held,
    /// The line is bad (input rules or the database's): recorded, the run goes on.
    Failed(FailureRecord),
    /// The database cannot be used: the run stops here.
    Stopped(String),
}

/// Validate a stored or corrected record exactly as import does ([`validate_stored`]: the reader's
/// shape rule and the field rules), map it and land it under its identity (`ctx.import_key`,
/// `record.line`) in a transaction of its own. A line that landed before is `already`, never
/// twice. Shared by retry (the console's `r`, `R`, `e`) and reject files.
pub(crate) async fn land_record(
    store: &dyn Store,
    mapper: &mut Mapper,
    ctx: RunCtx<'_>,
    record: Record<'_>,
    rollback: bool,
    events: &EventSink,
    stats: &mut RunStats,
) -> Result<WriteOutcome, Landing> {
    let line = record.line;
    let raw = record.raw.to_string();
    let item = match validate_stored(line, raw.clone(), record.fields, record.stored) {
        Ok(item) => item,
        Err(e) => {
            return Err(Landing::Failed(FailureRecord {
                line,
                raw,
                fields: e.fields,
                phase: Phase::Parse,
                error: e.reason,
                sqlstate: None,
                decision: None,
            }));
        }
    };
    let mapped = mapper.map(item);
    if let Some(why) = mapper.catalog().read_failure() {
        return Err(Landing::Stopped(format!(
            "stopped at line {line}: the kept catalog could not be read ({why})"
        )));
    }
    let mapped = match mapped {
        Mapped::Land(m) => m,
        Mapped::Hold(held) => {
            stats.decisions.held += 1;
            if !rollback {
                store
                    .record_held(ctx, std::slice::from_ref(&held))
                    .await
                    .map_err(|e| Landing::Stopped(format!("stopped at line {line}: {e}")))?;
            }
            return Err(Landing::Held);
        }
    };
    stats.decisions.add(&mapped.decision);
    let mut retries = 0;
    let r = retry_transient(events, &mut retries, || {
        store.write_one(ctx, &mapped, rollback)
    })
    .await;
    stats.transient_retries += retries;
    // Landed since by a later run of the key, and refused again by a rule (trigger, CHECK) that
    // fires before `ON CONFLICT DO NOTHING` skips it: already imported.
    let r = match r {
        Err(e) if e.class == ErrorClass::Data => {
            match store.imported_lines(ctx.import_key, &[line]).await {
                Ok(l) if !l.is_empty() => Ok(WriteOutcome {
                    already: 1,
                    ..Default::default()
                }),
                _ => Err(e),
            }
        }
        other => other,
    };
    match r {
        Ok(o) => Ok(o),
        Err(e) if e.class == ErrorClass::Data => Err(Landing::Failed(FailureRecord {
            line,
            raw,
            fields: mapped.item.fields.clone(),
            phase: e.phase.unwrap_or(Phase::BatchInsert),
            error: e.message.clone(),
            sqlstate: e.sqlstate.clone(),
            decision: Some(mapped.decision.describe(&mapped.sku)),
        })),
        Err(e) => Err(Landing::Stopped(format!("stopped at line {line}: {e}"))),
    }
}

/// Re-process the unresolved failed items of `run_id`, one transaction each, under the original
/// run's import key (so a line can land at most once, whatever retries). Successes are marked
/// resolved; failures count an attempt and keep the newest error. The retry is a run of its own
/// (mode `retry`) with a report like an import's.
pub async fn retry_failed(
    store: &dyn Store,
    run_id: i64,
    opts: &RetryOptions,
    events: &EventSink,
    cancel: &CancellationToken,
) -> Result<RunReport, EngineError> {
    let entered = Instant::now();
    let original = store
        .run(run_id)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("there is no run {run_id}")))?;
    let lock = crate::locks::acquire(
        store,
        crate::locks::Command::Retry,
        [original.import_key.clone()],
        &opts.operator,
    )
    .await?;
    // Read again under the lock: a revert may have finished meanwhile.
    let original = store
        .run(run_id)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("there is no run {run_id}")))?;
    if let Some(why) = run_rules::retry_refusal(run_id, original.kind()) {
        return Err(EngineError::Invalid(why));
    }
    let query = FailedQuery {
        unresolved_only: true,
        lines: opts.lines.clone(),
        ..FailedQuery::all()
    };
    let failed = store.failed_page(run_id, &query).await?;
    let loading = Instant::now();
    let mut mapper = Mapper::new(store.load_catalog().await?, opts.match_threshold);
    let catalog_time = loading.elapsed();
    let source = format!("retry of run {run_id} ({})", original.source);
    let retry_run = store
        .begin_run(&NewRun {
            source: source.clone(),
            import_key: original.import_key.clone(),
            mode: Mode::Retry,
            operator: opts.operator.clone(),
            dry_run: false,
            rehearsal: false,
            chunk_size: 1,
            invoice: Default::default(),
            sku_column: None,
        })
        .await?;
    let _ = lock.set_run(retry_run).await;
    events.emit(ProgressEvent::RunStarted {
        run_id: retry_run,
        source: source.clone(),
        import_key: original.import_key.clone(),
        mode: Mode::Retry,
        total_estimate: failed.len() as u64,
    });
    let ctx = RunCtx {
        run_id: retry_run,
        import_key: &original.import_key,
        operator: &opts.operator,
    };
    let mut stats = RunStats::new(failed.len() as u64);
    stats.before_run(
        events,
        entered.elapsed().saturating_sub(catalog_time),
        catalog_time,
    );
    let mut stopped = None;
    for item in &failed {
        if cancel.is_cancelled() {
            stopped = Some((
                RunStatus::Cancelled,
                "cancelled by the operator".to_string(),
            ));
            break;
        }
        let start = Instant::now();
        stats.lines_read += 1;
        let (fields, stored) = match &item.corrected {
            Some(c) => (c.clone(), Stored::Correction),
            None => (item.fields.clone(), Stored::Original),
        };
        let outcome = match land_record(
            store,
            &mut mapper,
            ctx,
            Record {
                line: item.line,
                raw: &item.raw_record,
                fields,
                stored,
            },
            false,
            events,
            &mut stats,
        )
        .await
        {
            Ok(o) => Ok(o),
            Err(Landing::Failed(f)) => Err(f),
            Err(Landing::Held) => {
                // Held under its identity: the write that held it resolved its failed items.
                events.emit(ProgressEvent::ItemRetried {
                    failed_id: item.id,
                    line: item.line,
                    ok: true,
                    error: None,
                });
                stats.advance(events, Phase::Retry, start.elapsed().as_secs_f64(), 1, 2);
                continue;
            }
            Err(Landing::Stopped(why)) => {
                stopped = Some((RunStatus::Failed, why));
                break;
            }
        };
        let mut statements = 1;
        match outcome {
            Ok(o) => {
                statements += o.statements();
                stats.processed += o.inserted;
                stats.already += o.already;
                // The write that landed the line resolved its failed items (one state per line).
                events.emit(ProgressEvent::ItemRetried {
                    failed_id: item.id,
                    line: item.line,
                    ok: true,
                    error: None,
                });
            }
            Err(f) => {
                store
                    .failed_again(item.id, &f.error, f.sqlstate.as_deref())
                    .await?;
                stats.add_failure(events, &f);
                events.emit(ProgressEvent::ItemRetried {
                    failed_id: item.id,
                    line: item.line,
                    ok: false,
                    error: Some(f.error),
                });
            }
        }
        stats.advance(
            events,
            Phase::Retry,
            start.elapsed().as_secs_f64(),
            1,
            statements,
        );
    }
    let (status, reason) = match stopped {
        Some((s, r)) => (Some(s), Some(r)),
        None => (None, None),
    };
    let status = stats.status(status);
    let mut report = stats.report(
        ReportBase {
            run_id: retry_run,
            source,
            import_key: original.import_key.clone(),
            mode: Mode::Retry,
            dry_run: false,
            invoice: Default::default(),
        },
        status,
        reason,
    );
    let retry_phase = stats.phase(Phase::Retry);
    report.phases.push(crate::domain::PhaseReport {
        name: Phase::Retry,
        seconds: retry_phase.seconds,
        items: retry_phase.items,
        statements: retry_phase.statements,
    });
    super::finish(store, &mut report, events).await;
    lock.release().await;
    Ok(report)
}
