//! Carries out the state's [`Effect`]s: database queries, file inspection and engine jobs, each on a
//! task of its own so the screen never waits for them. Answers come back as events.

use super::event::{EngineMsg, Event};
use super::vocab::{
    Correction, Effect, ErrorCount, Job, JobId, JobResult, JobSpec, Listing, Outcome, PreviewShown,
    Stream, StreamSide,
};
use crate::domain::run_rules;
use crate::engine::{self, CompareOptions, EventSink, ImportOptions, ProgressEvent, RetryOptions};
use crate::input::{self, InputFormat};
use crate::report::reject_file;
use crate::store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct Runner {
    store: Arc<dyn Store>,
    tx: UnboundedSender<Event>,
    engine_tx: UnboundedSender<EngineMsg>,
    jobs: HashMap<JobId, (CancellationToken, JoinHandle<()>)>,
}

impl Runner {
    pub fn new(
        store: Arc<dyn Store>,
        tx: UnboundedSender<Event>,
        engine_tx: UnboundedSender<EngineMsg>,
    ) -> Self {
        Self {
            store,
            tx,
            engine_tx,
            jobs: HashMap::new(),
        }
    }

    fn answer(&self, fut: impl Future<Output = Outcome> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(Event::Done(fut.await));
        });
    }

    /// Carry out one effect. Returns `false` for [`Effect::Quit`].
    pub fn execute(&mut self, effect: Effect) -> bool {
        self.jobs.retain(|_, (_, handle)| !handle.is_finished());
        let store = self.store.clone();
        match effect {
            Effect::Quit => return false,
            Effect::LoadPath { path, chosen } => {
                // Listing is quick and keeps the order the operator gave.
                let result = list_batch_files(&path);
                let _ = self.tx.send(Event::Done(Outcome::Listed {
                    path,
                    chosen,
                    result,
                }));
            }
            Effect::Inspect { batch, path } => self.answer(async move {
                let result = tokio::task::spawn_blocking(move || {
                    input::inspect(&path, None).map_err(|e| match e {
                        // The console has no --format-in: the extension is what tells.
                        input::InputError::UnknownFormat { path } => format!(
                            "{}: cannot tell the format from the extension; name it .csv, .json or .jsonl",
                            path.display()
                        ),
                        e => e.to_string(),
                    })
                })
                .await
                .unwrap_or_else(|e| Err(format!("inspection crashed: {e}")));
                Outcome::Inspected { batch, result }
            }),
            Effect::LoadRuns => self.answer(async move {
                Outcome::Runs(
                    store
                        .runs(super::app::HISTORY_LIMIT)
                        .await
                        .map_err(|e| e.to_string()),
                )
            }),
            Effect::LoadFailed(req) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    if req.count {
                        let result = store
                            .failed_count(req.run_id, &req.query)
                            .await
                            .map_err(|e| e.to_string());
                        let _ = tx.send(Event::Done(Outcome::FailedCount {
                            generation: req.generation,
                            result,
                        }));
                    }
                    let result = store
                        .failed_page(req.run_id, &req.query)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Event::Done(Outcome::FailedPage {
                        generation: req.generation,
                        offset: req.offset,
                        result,
                    }));
                });
            }
            Effect::LoadReasons { run_id } => self.answer(async move {
                let result = store
                    .failed_errors(run_id)
                    .await
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(error, total, unresolved)| ErrorCount {
                                error,
                                total,
                                unresolved,
                            })
                            .collect()
                    })
                    .map_err(|e| e.to_string());
                Outcome::Reasons { run_id, result }
            }),
            Effect::LoadWritten { run_id } => self.answer(async move {
                let result = store.run_written(run_id).await.map_err(|e| e.to_string());
                Outcome::Written { run_id, result }
            }),
            Effect::Export {
                run_id,
                query,
                path,
            } => self.answer(async move {
                let result = export(&*store, run_id, &query, path.clone()).await;
                Outcome::Exported { path, result }
            }),
            Effect::Revert { run_id } => self.answer(async move {
                let operator = engine::options::default_operator();
                let result = crate::corrections::revert_run(&*store, run_id, &operator)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::Reverted { run_id, result }
            }),
            Effect::LoadReview(req) => self.answer(async move {
                let result = store
                    .held_groups(&req.query)
                    .await
                    .map(|page| crate::vocab::ReviewPage {
                        groups: page.groups.iter().map(engine::review::group_of).collect(),
                        total_groups: page.total_groups,
                        total_lines: page.total_lines,
                    })
                    .map_err(|e| e.to_string());
                Outcome::Review {
                    generation: req.generation,
                    more: req.query.after.is_some(),
                    result,
                }
            }),
            Effect::AcceptTop { held_ids } => self.answer(async move {
                let operator = engine::options::default_operator();
                let result = engine::review::accept_top(&*store, &held_ids, &operator)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::AcceptedTop(result)
            }),
            Effect::UndoDecision { correction_id } => self.answer(async move {
                let operator = engine::options::default_operator();
                let result = engine::review::undo(&*store, correction_id, &operator)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::Undone(result)
            }),
            Effect::Decide {
                held_id,
                description,
                choice,
            } => self.answer(async move {
                let operator = engine::options::default_operator();
                let result = engine::review::decide(&*store, held_id, &choice, &operator)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::Decided {
                    held_id,
                    description,
                    result,
                }
            }),
            Effect::LoadItems(req) => self.answer(async move {
                let result = store
                    .items()
                    .items_page(&req.query)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::Items {
                    generation: req.generation,
                    place: req.place,
                    result,
                }
            }),
            Effect::CountItems { generation, search } => self.answer(async move {
                let result = store
                    .items()
                    .items_count(&search)
                    .await
                    .map_err(|e| e.to_string());
                Outcome::ItemsCount { generation, result }
            }),
            Effect::LoadItem { id } => self.answer(async move {
                Outcome::Item(
                    store
                        .items()
                        .item_detail(id)
                        .await
                        .map_err(|e| e.to_string()),
                )
            }),
            Effect::Correct(correction) => self.answer(async move {
                let operator = engine::options::default_operator();
                let result = match &correction {
                    Correction::MoveAlias { alias, to_sku } => {
                        crate::corrections::move_alias(&*store, alias, to_sku, &operator).await
                    }
                    Correction::Merge { from_sku, into_sku } => {
                        crate::corrections::merge_items(&*store, from_sku, into_sku, &operator)
                            .await
                    }
                }
                .map_err(|e| e.to_string());
                Outcome::Corrected { correction, result }
            }),
            Effect::Ping => {
                self.answer(
                    async move { Outcome::Pong(store.ping().await.map_err(|e| e.to_string())) },
                )
            }
            Effect::Cancel(job) => {
                if let Some((cancel, _)) = self.jobs.get(&job) {
                    cancel.cancel();
                }
            }
            Effect::StartJob(job) => self.start(job),
            Effect::Preview {
                generation,
                path,
                choices,
            } => self.answer(async move {
                let result = tokio::task::spawn_blocking(move || preview(&path, &choices))
                    .await
                    .unwrap_or_else(|e| Err(format!("reading the file crashed: {e}")));
                Outcome::Previewed { generation, result }
            }),
            Effect::SaveProfile(profile) => self.answer(async move {
                let name = profile.name.clone();
                let result = tokio::task::spawn_blocking(move || profile.save())
                    .await
                    .unwrap_or_else(|e| Err(format!("saving crashed: {e}")));
                Outcome::ProfileSaved { name, result }
            }),
        }
        true
    }

    fn start(&mut self, job: Job) {
        let cancel = CancellationToken::new();
        let (store, engine_tx, token) =
            (self.store.clone(), self.engine_tx.clone(), cancel.clone());
        let id = job.id;
        let inner = tokio::spawn(run_job(store, job, engine_tx.clone(), token));
        // The watcher reports the job's end even when it panicked, so the console never waits forever.
        let handle = tokio::spawn(async move {
            let result = match inner.await {
                Ok(r) => r,
                Err(e) if e.is_panic() => {
                    Err(format!("the job crashed: {}", panic_text(e.into_panic())))
                }
                Err(e) => Err(format!("the job stopped: {e}")),
            };
            let _ = engine_tx.send(EngineMsg::Finished(id, result));
        });
        self.jobs.insert(id, (cancel, handle));
    }

    /// Cancel every job and wait (up to `grace`) for them to finish their current chunk.
    pub async fn shutdown(&mut self, grace: std::time::Duration) {
        for (cancel, _) in self.jobs.values() {
            cancel.cancel();
        }
        let handles: Vec<_> = self.jobs.drain().map(|(_, (_, h))| h).collect();
        let _ = tokio::time::timeout(grace, futures::future::join_all(handles)).await;
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".into()
    }
}

/// Copy a sink's events to the console until the sink is dropped.
async fn forward(
    mut rx: UnboundedReceiver<ProgressEvent>,
    tx: UnboundedSender<EngineMsg>,
    stream: Stream,
) {
    while let Some(ev) = rx.recv().await {
        if tx.send(EngineMsg::Progress(stream, ev)).is_err() {
            break;
        }
    }
}

async fn run_job(
    store: Arc<dyn Store>,
    job: Job,
    tx: UnboundedSender<EngineMsg>,
    cancel: CancellationToken,
) -> Result<JobResult, String> {
    let main = Stream {
        job: job.id,
        side: StreamSide::Main,
    };
    match job.spec {
        JobSpec::Import {
            path,
            mode,
            resume,
            resent,
            choices,
            ..
        } => {
            let mut opts = ImportOptions {
                mode,
                resent,
                dry_run: choices.dry_run,
                max_errors: choices.max_errors,
                import_key: choices.import_key.clone(),
                ..ImportOptions::default()
            };
            // Read as `batchops import` with the same flags reads (a profile picked by the header
            // when none is named); a resumed run as `batchops resume` reads it.
            if resume.is_none() {
                opts = opts.for_file(&path, &choices.file)?.0;
            }
            let source = match resume {
                Some(p) => {
                    opts.mode = p.mode;
                    opts.resume_run = Some(p.run_id);
                    opts.import_key = Some(p.import_key);
                    opts.operator = p.operator;
                    opts.dry_run = p.dry_run;
                    path
                }
                None => path,
            };
            let (sink, rx) = EventSink::channel();
            let work = async move {
                let r = engine::import_file(&*store, &source, &opts, &sink, &cancel).await;
                drop(sink);
                r
            };
            let (r, ()) = tokio::join!(work, forward(rx, tx, main));
            match r {
                Ok(r) => Ok(JobResult::Report(Box::new(r))),
                // Refused before anything was written: the operator chooses in a popup.
                Err(engine::EngineError::Overlap(o)) => Ok(JobResult::Overlap(o)),
                Err(e) => Err(e.to_string()),
            }
        }
        JobSpec::Retry {
            run_id,
            lines,
            correction,
        } => {
            let (sink, rx) = EventSink::channel();
            let work = async move {
                if let Some((failed_id, fields)) = &correction {
                    store
                        .save_correction(*failed_id, fields)
                        .await
                        .map_err(|e| format!("cannot save the correction: {e}"))?;
                }
                let run = store
                    .run(run_id)
                    .await
                    .map_err(|e| format!("cannot read run {run_id}: {e}"))?
                    .ok_or_else(|| format!("there is no run {run_id}"))?;
                if let Some(why) = run_rules::retry_refusal(run_id, run.kind()) {
                    return Err(why);
                }
                // Nothing left to retry makes no run (as on the command line).
                let query = crate::store::FailedQuery {
                    unresolved_only: true,
                    lines: lines.clone(),
                    ..crate::store::FailedQuery::all()
                };
                let open = store
                    .failed_count(run_id, &query)
                    .await
                    .map_err(|e| format!("cannot read the failed items: {e}"))?;
                if open == 0 {
                    return Err(format!(
                        "nothing to retry: run {run_id} has no unresolved failed items there"
                    ));
                }
                let opts = RetryOptions {
                    lines,
                    ..RetryOptions::default()
                };
                let r = engine::retry_failed(&*store, run_id, &opts, &sink, &cancel).await;
                drop(sink);
                r.map_err(|e| e.to_string())
            };
            let (r, ()) = tokio::join!(work, forward(rx, tx, main));
            r.map(|r| JobResult::Report(Box::new(r)))
        }
        JobSpec::Compare {
            path,
            sequential_lines,
        } => {
            let (batch_sink, batch_rx) = EventSink::channel();
            let (seq_sink, seq_rx) = EventSink::channel();
            let opts = CompareOptions {
                chunk_size: engine::DEFAULT_CHUNK_SIZE,
                sequential_lines,
                format: None::<InputFormat>,
            };
            let work = async move {
                let r =
                    engine::compare(&*store, &path, &opts, &batch_sink, &seq_sink, &cancel).await;
                drop(batch_sink);
                drop(seq_sink);
                r
            };
            let batch = Stream {
                job: job.id,
                side: StreamSide::Batch,
            };
            let seq = Stream {
                job: job.id,
                side: StreamSide::Sequential,
            };
            let (r, (), ()) = tokio::join!(
                work,
                forward(batch_rx, tx.clone(), batch),
                forward(seq_rx, tx, seq)
            );
            r.map(|c| JobResult::Comparison(Box::new(c)))
                .map_err(|e| e.to_string())
        }
    }
}

/// How many rows the import screen shows as they will be read.
pub const PREVIEW_ROWS: usize = 10;

/// The import screen's view of a file: `batchops inspect`'s reading and words.
fn preview(path: &Path, choices: &crate::engine::FileChoices) -> Result<Box<PreviewShown>, String> {
    use crate::input::describe;
    use crate::input::profile::Profile;
    let p = describe::preview(
        path,
        None,
        &choices.reading,
        choices.profile.as_deref(),
        PREVIEW_ROWS,
    )?;
    let profiles = Profile::all()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let profile = describe::profile_text(&p, choices.profile.is_some());
    let (text, file, template) = match &p.read {
        Ok(read) => (
            Ok(describe::read_text(read)),
            Some(read.file.clone()),
            read.layout
                .as_ref()
                .map(|l| Profile::from_layout("", l, None, None)),
        ),
        Err(e) => (Err(describe::refused_text(e)), None, None),
    };
    Ok(Box::new(PreviewShown {
        profile,
        text,
        file,
        template,
        profiles,
    }))
}

/// A file, or the batch files of a directory (by extension, sorted by name) and the files left
/// out (so that the console can say which).
pub fn list_batch_files(path: &Path) -> Result<Listing, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_dir() {
        return Ok(Listing {
            files: vec![path.to_path_buf()],
            skipped: Vec::new(),
        });
    }
    let (mut files, mut skipped): (Vec<PathBuf>, Vec<PathBuf>) = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .partition(|p| InputFormat::from_path(p).is_some());
    files.sort();
    skipped.sort();
    Ok(Listing { files, skipped })
}

/// Write the items of the query to a reject file. An existing file is never overwritten.
async fn export(
    store: &dyn Store,
    run_id: i64,
    query: &crate::store::FailedQuery,
    path: PathBuf,
) -> Result<u64, String> {
    let rows = store
        .failed_page(run_id, query)
        .await
        .map_err(|e| e.to_string())?;
    let n = rows.len() as u64;
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    format!("{} exists; give another name", path.display())
                }
                _ => format!("{}: {e}", path.display()),
            })?;
        let mut out = std::io::BufWriter::new(file);
        reject_file(&rows, &mut out).map_err(|e| format!("{}: {e}", path.display()))?;
        std::io::Write::flush(&mut out).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(n)
    })
    .await
    .unwrap_or_else(|e| Err(format!("export crashed: {e}")))
}
