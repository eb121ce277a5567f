//! `import`, `resume` and `retry`.

use super::progress::Progress;
use super::{EXIT_FAILED, combine};
use crate::cli::{ImportArgs, ModeArg, TextOrJson, Tuning};
use crate::domain::{Mode, RunReport, RunStatus};
use crate::engine::{self, EventSink, ImportOptions, RetryOptions};
use crate::report;
use crate::store::Store;
use color_eyre::eyre::{Result, eyre};
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

/// Ctrl-C cancels gracefully: the current chunk finishes, the run is marked cancelled.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling after the current chunk…");
            t.cancel();
        }
    });
    token
}

fn print_report(r: &RunReport, format: TextOrJson) {
    match format {
        TextOrJson::Text => print!("{}", report::run_report(r)),
        TextOrJson::Json => match serde_json::to_string(r) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("error: cannot encode the report: {e}"),
        },
    }
}

async fn run_one(
    store: &dyn Store,
    path: &Path,
    opts: &ImportOptions,
    format: TextOrJson,
    cancel: &CancellationToken,
) -> u8 {
    let (sink, progress) = Progress::start(path);
    let result = engine::import_file(store, path, opts, &sink, cancel).await;
    drop(sink);
    progress.finish().await;
    match result {
        Ok(r) => {
            print_report(&r, format);
            r.exit_code() as u8
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILED
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
    if opts.import_key.is_some() && args.files.len() > 1 {
        return Err(eyre!("--import-key names one batch: give one file with it"));
    }
    let cancel = cancel_on_ctrl_c();
    let mut codes = Vec::new();
    for path in &args.files {
        if cancel.is_cancelled() {
            break;
        }
        codes.push(run_one(store, path, &opts, args.format, &cancel).await);
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
    if !run.status.is_resumable() {
        return Err(eyre!(
            "run {run_id} ended {}; there is nothing to resume",
            run.status
        ));
    }
    if run.status == RunStatus::Running {
        // Its heartbeat is fresh: a process is still writing it. A second writer would race it.
        return Err(eyre!(
            "run {run_id} is still running (its heartbeat is recent); resume it once it shows as interrupted"
        ));
    }
    if run.mode == Mode::Retry {
        return Err(eyre!(
            "run {run_id} is a retry; use batchops retry {run_id}"
        ));
    }
    let mut opts = options_from(tuning);
    opts.mode = run.mode;
    opts.import_key = Some(run.import_key.clone());
    opts.operator = run.operator.clone();
    opts.resume_run = Some(run_id);
    opts.dry_run = run.dry_run;
    let cancel = cancel_on_ctrl_c();
    Ok(run_one(store, Path::new(&run.source), &opts, format, &cancel).await)
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
    let cancel = cancel_on_ctrl_c();
    let r = engine::retry_failed(store, run_id, &opts, &EventSink::none(), &cancel).await?;
    print_report(&r, format);
    Ok(r.exit_code() as u8)
}
