//! `import`, `resume` and `retry`.

use super::progress::Progress;
use super::{EXIT_FAILED, EXIT_OK, UsageError, combine, output};
use crate::cli::{ImportArgs, ModeArg, TextOrJson, Tuning};
use crate::domain::{Mode, RunReport, run_rules};
use crate::engine::overlap::Answer;
use crate::engine::{self, ImportOptions, RetryOptions};
use crate::report::{self, RunReportJson};
use crate::store::{FailedQuery, Store};
use color_eyre::eyre::{Result, eyre};
use std::io::Write;
use std::path::Path;
use tokio_util::sync::CancellationToken;

fn options_from(tuning: &Tuning) -> ImportOptions {
    ImportOptions {
        chunk_size: tuning.chunk_size,
        fallback: tuning.fallback,
        match_threshold: tuning.match_threshold,
        uncertain: tuning.uncertain.into(),
        max_errors: tuning.max_errors,
        ..ImportOptions::default()
    }
}

/// Ctrl-C cancels gracefully: the current chunk finishes, the run is marked cancelled, and the
/// command exits with a cancelled run's code.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            output::note(format_args!(
                "cancelling after the current chunk: the run ends cancelled (resumable) and \
                 batchops exits with code {}",
                crate::domain::RunStatus::Cancelled.exit_code()
            ));
            t.cancel();
        }
    });
    token
}

/// Print a run's report on stdout. `listing`: the run whose failed items hold the report's
/// failures (see [`report::failed_items_run`]).
fn print_report(r: &RunReport, listing: Option<i64>, format: TextOrJson) -> Result<()> {
    let mut out = output::stdout();
    match format {
        TextOrJson::Text => out.write_all(report::run_report_listing(r, listing).as_bytes())?,
        TextOrJson::Json => {
            serde_json::to_writer(&mut out, &RunReportJson::new(r, listing))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

async fn run_one(
    store: &dyn Store,
    path: &Path,
    opts: &ImportOptions,
    format: TextOrJson,
    cancel: &CancellationToken,
) -> Result<u8> {
    let (sink, progress) = Progress::start(path);
    let result = engine::import_file(store, path, opts, &sink, cancel).await;
    drop(sink);
    progress.finish().await;
    match result {
        Ok(r) => {
            print_report(&r, report::failed_items_run(&r), format)?;
            Ok(r.exit_code() as u8)
        }
        Err(e) => {
            output::note(format_args!("error: {e}"));
            Ok(EXIT_FAILED)
        }
    }
}

pub async fn import(store: &dyn Store, args: &ImportArgs) -> Result<u8> {
    let mut opts = options_from(&args.tuning);
    opts.mode = match args.mode {
        ModeArg::Batch => Mode::Batch,
        ModeArg::Sequential => Mode::Sequential,
    };
    opts.import_key = args.import_key.clone();
    if let Some(op) = &args.operator {
        opts.operator = op.clone();
    }
    opts.format = args.format_in.map(Into::into);
    opts.dry_run = args.dry_run;
    opts.explain = args.explain;
    opts.resent = if args.only_new {
        Some(Answer::OnlyNew)
    } else if args.as_new_invoice {
        Some(Answer::AsNewInvoice)
    } else {
        None
    };
    if opts.import_key.is_some() && args.files.len() > 1 {
        return Err(
            UsageError("--import-key names one batch: give one file with it".into()).into(),
        );
    }
    let cancel = cancel_on_ctrl_c();
    let mut codes = Vec::new();
    let flags = args.reading.settings();
    // The process's start-up counts in the first run (the later ones start when it ends).
    opts.startup = super::since_start();
    for (i, path) in args.files.iter().enumerate() {
        if i > 0 {
            opts.startup = std::time::Duration::ZERO;
        }
        if cancel.is_cancelled() {
            break;
        }
        let choices = crate::engine::FileChoices {
            reading: flags.clone(),
            profile: args.profile.clone(),
            invoice: args.invoice.header(),
            sku_column: args.invoice.sku_column.map(Into::into),
        };
        let (opts, note) = opts.for_file(path, &choices).map_err(|e| eyre!(e))?;
        if let Some(note) = note {
            output::note(note);
        }
        codes.push(run_one(store, path, &opts, args.format, &cancel).await?);
    }
    Ok(combine(codes))
}

pub async fn resume(
    store: &dyn Store,
    run_id: i64,
    tuning: &Tuning,
    format: TextOrJson,
) -> Result<u8> {
    let run = store
        .run(run_id)
        .await?
        .ok_or_else(|| eyre!("there is no run {run_id}"))?;
    if let Some(why) = run.resume_refusal() {
        return Err(eyre!("run {run_id} cannot be resumed: {why}"));
    }
    let mut opts = options_from(tuning);
    opts.mode = run.mode;
    opts.import_key = Some(run.import_key.clone());
    opts.operator = run.operator.clone();
    opts.resume_run = Some(run_id);
    opts.dry_run = run.dry_run;
    // The numbers of the SKU column are read as the run read them.
    opts.invoice = run.invoice.clone();
    opts.sku_column = match run.sku_column.as_deref() {
        Some("supplier") => Some(crate::input::profile::SkuColumn::Supplier),
        Some("ours") => Some(crate::input::profile::SkuColumn::Ours),
        _ => None,
    };
    opts.startup = super::since_start();
    let cancel = cancel_on_ctrl_c();
    run_one(store, Path::new(&run.source), &opts, format, &cancel).await
}

pub async fn retry(
    store: &dyn Store,
    run_id: i64,
    lines: &[u64],
    operator: Option<String>,
    format: TextOrJson,
) -> Result<u8> {
    let mut opts = RetryOptions {
        lines: lines.to_vec(),
        ..RetryOptions::default()
    };
    if let Some(op) = operator {
        opts.operator = op;
    }
    if let Some(code) = nothing_to_retry(store, run_id, lines).await? {
        return Ok(code);
    }
    let cancel = cancel_on_ctrl_c();
    let (sink, progress) = Progress::start(Path::new(&format!("retry of run {run_id}")));
    let result = engine::retry_failed(store, run_id, &opts, &sink, &cancel).await;
    drop(sink);
    progress.finish().await;
    let r = result?;
    print_report(&r, Some(run_id), format)?;
    Ok(r.exit_code() as u8)
}

/// Before a retry run is created: say which asked-for lines cannot be retried (no such failed
/// line, or resolved already) and, when nothing is left to retry, say so and give the exit code
/// (0 when everything asked for is resolved, 1 when a line asked for is not a failed line of the
/// run). `None`: there is something to retry.
async fn nothing_to_retry(store: &dyn Store, run_id: i64, lines: &[u64]) -> Result<Option<u8>> {
    let run = store
        .run(run_id)
        .await?
        .ok_or_else(|| eyre!("there is no run {run_id}"))?;
    if let Some(why) = run_rules::retry_refusal(run_id, run.kind()) {
        return Err(eyre!(why));
    }
    let query = |unresolved_only| FailedQuery {
        unresolved_only,
        lines: lines.to_vec(),
        ..FailedQuery::all()
    };
    let unresolved = store.failed_count(run_id, &query(true)).await?;
    let mut code = EXIT_OK;
    if !lines.is_empty() {
        let known = store.failed_page(run_id, &query(false)).await?;
        let mut asked = lines.to_vec();
        asked.sort_unstable();
        asked.dedup();
        for line in asked {
            match known.iter().find(|f| f.line == line) {
                None => {
                    output::note(format_args!(
                        "line {line}: run {run_id} has no failed line {line}"
                    ));
                    code = EXIT_FAILED;
                }
                Some(f) if f.resolved_at.is_some() => output::note(format_args!(
                    "line {line}: resolved already (a retry landed it)"
                )),
                Some(_) => {}
            }
        }
    }
    if unresolved > 0 {
        return Ok(None);
    }
    if lines.is_empty() {
        output::note(format_args!(
            "nothing to retry: run {run_id} has no unresolved failed lines"
        ));
    } else {
        output::note("nothing to retry: no retry run was made");
    }
    Ok(Some(code))
}
