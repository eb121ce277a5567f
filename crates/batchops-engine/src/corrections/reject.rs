//! Importing a reject file: each row lands under the identity it carries (`batchops_import_key`,
//! `batchops_line`), not as a line of a new batch. The row is the operator's correction of the
//! failed line it names: it is validated exactly as import does, landed in a transaction of its
//! own under the original `(import_key, line)` (so a line that a console retry or an earlier
//! reject file already landed is `already imported`, never twice), and the original failed items
//! are marked resolved — or, when the row is still bad, they count the attempt and keep the row
//! as their correction and its error as their newest.
//!
//! Before anything is written the whole file is checked: every row must carry an identity and
//! name a failed line this database knows; otherwise the file is refused, naming the file, the
//! row and what is wrong.

use crate::domain::{Fields, LineResult, Mode, Phase, RunReport, RunStatus};
use crate::engine::events::{EventSink, ProgressEvent};
use crate::engine::retry::{Landing, Record, land_record};
use crate::engine::stats::{ReportBase, RunStats};
use crate::engine::{EngineError, ImportOptions};
use crate::input::reject::{LineIdentity, split_identity};
use crate::input::{self, BatchFile, InputError, Stored};
use crate::mapping::Mapper;
use crate::store::{FailureRecord, NewRun, RunCtx, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Identities checked against the database per query in the first pass.
const CHECK_EVERY: usize = 500;
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// A row of a reject file: its number in the file, its raw text and fields as read.
struct Row {
    file_line: u64,
    raw: String,
    fields: Fields,
    /// The reader's verdict on the row as a whole (its shape in the reject file, its encoding).
    read_error: Option<String>,
}

fn row(result: LineResult) -> Row {
    match result {
        Ok(item) => Row {
            file_line: item.line,
            raw: item.raw,
            fields: item.fields,
            read_error: None,
        },
        Err(e) => Row {
            file_line: e.line,
            raw: e.raw,
            fields: e.fields,
            read_error: Some(e.reason),
        },
    }
}

fn refuse(file: &BatchFile, file_line: u64, reason: String) -> EngineError {
    EngineError::Input(InputError::Unusable {
        path: file.path.clone(),
        reason: format!("line {file_line}: {reason}; nothing was imported"),
    })
}

/// First pass: every row has an identity, and names a failed line of this database. Returns the
/// first row's import key and every import key of the file.
async fn check_identities(
    store: &dyn Store,
    file: &BatchFile,
) -> Result<(String, BTreeSet<String>), EngineError> {
    let mut first_key = None;
    let mut keys = BTreeSet::new();
    let mut pending: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut count = 0;
    for result in input::open(file)? {
        let r = row(result);
        let (id, _) = split_identity(r.fields).map_err(|why| refuse(file, r.file_line, why))?;
        first_key.get_or_insert_with(|| id.import_key.clone());
        keys.insert(id.import_key.clone());
        pending
            .entry(id.import_key)
            .or_default()
            .push((r.file_line, id.line));
        count += 1;
        if count >= CHECK_EVERY {
            check_known(store, file, std::mem::take(&mut pending)).await?;
            count = 0;
        }
    }
    check_known(store, file, pending).await?;
    let first_key = first_key.ok_or_else(|| {
        EngineError::Input(InputError::Unusable {
            path: file.path.clone(),
            reason: "the reject file has no lines".into(),
        })
    })?;
    Ok((first_key, keys))
}

async fn check_known(
    store: &dyn Store,
    file: &BatchFile,
    pending: BTreeMap<String, Vec<(u64, u64)>>,
) -> Result<(), EngineError> {
    for (key, rows) in pending {
        let lines: Vec<u64> = rows.iter().map(|&(_, l)| l).collect();
        let known = store.corrections().failed_lines(&key, &lines).await?;
        if let Some(&(file_line, line)) = rows.iter().find(|(_, l)| !known.contains(l)) {
            let short: String = key.chars().take(12).collect();
            return Err(refuse(
                file,
                file_line,
                format!(
                    "no failed line {line} of import key {short}{} is known in this database \
                     (were batchops_import_key or batchops_line edited?)",
                    if key.chars().count() > 12 { "…" } else { "" }
                ),
            ));
        }
    }
    Ok(())
}

/// Import a reject file (see the module documentation). Called by [`crate::engine::import_file`]
/// when the file it inspects is a reject file.
pub async fn import_reject_file(
    store: &dyn Store,
    file: &BatchFile,
    opts: &ImportOptions,
    events: &EventSink,
    cancel: &CancellationToken,
) -> Result<RunReport, EngineError> {
    let entered = Instant::now();
    let source = file.path.display().to_string();
    if opts.resume_run.is_some() {
        return Err(EngineError::Invalid(format!(
            "{source} is a reject file: import it again instead of resuming (lines that landed \
             are skipped)"
        )));
    }
    if opts.import_key.is_some() {
        return Err(EngineError::Invalid(format!(
            "{source} is a reject file: each line carries its own import key \
             (batchops_import_key); --import-key does not apply"
        )));
    }
    let (first_key, keys) = check_identities(store, file).await?;
    let lock = crate::locks::acquire(
        store,
        crate::locks::Command::RejectFile,
        keys,
        &opts.operator,
    )
    .await?;
    let loading = Instant::now();
    let mut mapper = Mapper::new(store.load_catalog().await?, opts.match_threshold);
    let catalog_time = loading.elapsed();
    let run_id = store
        .begin_run(&NewRun {
            source: source.clone(),
            import_key: first_key.clone(),
            mode: Mode::Retry,
            operator: opts.operator.clone(),
            dry_run: opts.dry_run,
            rehearsal: opts.rehearsal,
            chunk_size: 1,
            invoice: Default::default(),
            sku_column: None,
        })
        .await?;
    let _ = lock.set_run(run_id).await;
    events.emit(ProgressEvent::RunStarted {
        run_id,
        source: source.clone(),
        import_key: first_key.clone(),
        mode: Mode::Retry,
        total_estimate: file.estimated_lines,
    });
    let mut stats = RunStats::new(file.estimated_lines);
    let startup = (opts.startup + entered.elapsed()).saturating_sub(catalog_time);
    stats.before_run(events, startup, catalog_time);
    let mut stopped: Option<(RunStatus, String)> = None;
    let mut last_heartbeat = Instant::now();
    let reader = input::open(file)?;
    let read_check = reader.check();
    for result in reader {
        if cancel.is_cancelled() {
            stopped = Some((RunStatus::Cancelled, "cancelled by the operator".into()));
            break;
        }
        let start = Instant::now();
        stats.lines_read += 1;
        let r = row(result);
        let (id, own) = match split_identity(r.fields) {
            Ok(split) => split,
            Err(why) => {
                // Checked in the first pass: the file changed since.
                stopped = Some((
                    RunStatus::Failed,
                    format!(
                        "line {}: {why} (the file changed while it was imported)",
                        r.file_line
                    ),
                ));
                break;
            }
        };
        let ctx = RunCtx {
            run_id,
            import_key: &id.import_key,
            operator: &opts.operator,
        };
        let outcome = match land_row(
            store,
            &mut mapper,
            ctx,
            &id,
            &r.raw,
            own.clone(),
            r.read_error,
            opts.dry_run,
            events,
            &mut stats,
        )
        .await
        {
            Ok(o) => Ok(o),
            Err(Landing::Failed(f)) => Err(f),
            Err(Landing::Held) => {
                // Held for review under its identity: the write that held it resolved its failed
                // items.
                stats.advance(events, Phase::Retry, start.elapsed().as_secs_f64(), 1, 2);
                continue;
            }
            Err(Landing::Stopped(why)) => {
                stopped = Some((RunStatus::Failed, why));
                break;
            }
        };
        crate::failpoint::hit("reject_after_land");
        let mut statements = 1;
        match outcome {
            Ok(o) => {
                statements += o.statements();
                stats.processed += o.inserted;
                stats.already += o.already;
                // The write that landed the line resolved its failed items.
            }
            Err(f) => {
                if !opts.dry_run {
                    for original in store
                        .corrections()
                        .failed_by_identity(&id.import_key, id.line)
                        .await?
                        .into_iter()
                        .filter(|o| o.failed.is_open(o.run_reverted))
                    {
                        store.save_correction(original.failed.id, &own).await?;
                        store
                            .failed_again(original.failed.id, &f.error, f.sqlstate.as_deref())
                            .await?;
                    }
                }
                stats.add_failure(events, &f);
            }
        }
        stats.advance(
            events,
            Phase::Retry,
            start.elapsed().as_secs_f64(),
            1,
            statements,
        );
        if last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
            last_heartbeat = Instant::now();
            if store.heartbeat(run_id).await.is_ok() {
                stats.other_statements += 1;
            }
        }
    }
    if stopped.is_none()
        && let Some(change) = read_check.change()
    {
        stopped = Some((RunStatus::Failed, format!("{source} {change}")));
    }
    let (status, reason) = match stopped {
        Some((s, r)) => (Some(s), Some(r)),
        None => (None, None),
    };
    let status = stats.status(status);
    let mut report = stats.report(
        ReportBase {
            run_id,
            source,
            import_key: first_key,
            mode: Mode::Retry,
            dry_run: opts.dry_run,
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
    crate::engine::finish(store, &mut report, events).await;
    lock.release().await;
    Ok(report)
}

/// One row: refused when its run was reverted or the reader found it bad, else landed.
#[allow(clippy::too_many_arguments)]
async fn land_row(
    store: &dyn Store,
    mapper: &mut Mapper,
    ctx: RunCtx<'_>,
    id: &LineIdentity,
    raw: &str,
    own: Fields,
    read_error: Option<String>,
    rollback: bool,
    events: &EventSink,
    stats: &mut RunStats,
) -> Result<crate::store::WriteOutcome, Landing> {
    let failure = |error: String, fields: Fields| {
        Landing::Failed(FailureRecord {
            line: id.line,
            raw: raw.to_string(),
            fields,
            phase: Phase::Parse,
            error,
            sqlstate: None,
            decision: None,
        })
    };
    let originals = store
        .corrections()
        .failed_by_identity(&id.import_key, id.line)
        .await
        .map_err(|e| Landing::Stopped(format!("stopped at line {}: {e}", id.line)))?;
    if let Some(o) = originals.first()
        && originals.iter().all(|o| o.run_reverted)
    {
        return Err(failure(
            format!(
                "run {} was reverted: its lines are not landed from a reject file; import the \
                 batch file again instead",
                o.failed.run_id
            ),
            own,
        ));
    }
    if let Some(reason) = read_error {
        return Err(failure(reason, own));
    }
    land_record(
        store,
        mapper,
        ctx,
        Record {
            line: id.line,
            raw,
            fields: own,
            stored: Stored::Correction,
        },
        rollback,
        events,
        stats,
    )
    .await
}
