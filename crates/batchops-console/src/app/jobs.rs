//! The job queue: one job runs at a time (an import, a retry, a rehearsal); what it reports moves
//! the Run tab's view, the batch's state, the Failed tab and the history together.

use super::App;
use crate::domain::run_rules;
use crate::engine::ProgressEvent;
use crate::engine::overlap::Answer;
use crate::shell::Overlay;
use crate::shell::{QuitState, Request};
use crate::store::RunRow;
use crate::tabs::batches::BatchState;
use crate::tabs::compare;
use crate::tabs::run::{RunView, finished};
use crate::vocab::{
    ActiveJob, Effect, Job, JobId, JobResult, JobSpec, Level, Overlapping, Previous, Stream,
    StreamSide, Tab, rehearsal_cap,
};

/// The job in words, for the status line.
pub(super) fn describe_job(active: &ActiveJob) -> String {
    match (&active.job.spec, active.run_id) {
        (JobSpec::Import { .. }, Some(id)) => format!("run {id}"),
        (JobSpec::Import { path, .. }, None) => format!("the import of {}", path.display()),
        (JobSpec::Retry { .. }, _) => "the retry".into(),
        (JobSpec::Compare { .. }, _) => "the rehearsal".into(),
    }
}

impl App {
    pub(super) fn enqueue(&mut self, spec: JobSpec, fx: &mut Vec<Effect>) {
        let id = JobId(self.next_job);
        self.next_job += 1;
        self.shell.queue.push_back(Job { id, spec });
        self.pump(fx);
    }

    /// Start the next job when none runs.
    fn pump(&mut self, fx: &mut Vec<Effect>) {
        if self.shell.active.is_some() || self.shell.quit != QuitState::Running {
            return;
        }
        let Some(job) = self.shell.queue.pop_front() else {
            return;
        };
        let now = self.now();
        match &job.spec {
            JobSpec::Import {
                batch,
                path,
                mode,
                resume,
                ..
            } => {
                self.batches
                    .mark_running(*batch, resume.as_ref().map(|p| p.run_id));
                let estimate = batch.and_then(|b| self.batches.estimate_of(b));
                let mut view = RunView::starting(path.display().to_string(), *mode, now);
                view.total = estimate.unwrap_or(0);
                self.run.view = Some(view);
                self.run.job = Some(job.id);
            }
            JobSpec::Retry { .. } => self.failed.retry_started(),
            JobSpec::Compare {
                path,
                sequential_lines,
            } => self.compare.start(path, *sequential_lines, now),
        }
        self.shell.active = Some(ActiveJob {
            job: job.clone(),
            run_id: None,
            cancelling: false,
        });
        fx.push(Effect::StartJob(job));
    }

    pub(super) fn cancel_active(&mut self, fx: &mut Vec<Effect>) {
        let Some(active) = &mut self.shell.active else {
            // The footer shows `c` greyed out then; nothing to answer.
            return;
        };
        if active.cancelling {
            self.shell.say(
                Level::Info,
                "already cancelling: the current chunk is finishing",
            );
            return;
        }
        active.cancelling = true;
        let id = active.job.id;
        let what = describe_job(active);
        let resumable = matches!(active.job.spec, JobSpec::Import { .. });
        fx.push(Effect::Cancel(id));
        if self.run.job == Some(id)
            && let Some(v) = &mut self.run.view
        {
            v.cancelling = true;
        }
        let tail = if resumable {
            "; starting the batch again resumes it"
        } else {
            ""
        };
        self.shell.say(
            Level::Warn,
            format!(
                "cancelling {what}: the current chunk finishes, then it is marked cancelled{tail}"
            ),
        );
    }

    /// Rehearse the selected batch: both modes on scratch copies of the catalog.
    pub(super) fn rehearse(&mut self, fx: &mut Vec<Effect>) {
        let Some(file) = self.batches.selected().and_then(|e| e.file()).cloned() else {
            self.shell.say(
                Level::Info,
                "load a batch file first (1, then o): the rehearsal runs on the selected batch",
            );
            return;
        };
        let cap = rehearsal_cap(file.estimated_lines);
        let path = file.path.clone();
        let queued = self.shell.busy();
        self.enqueue(
            JobSpec::Compare {
                path: path.clone(),
                sequential_lines: cap,
            },
            fx,
        );
        let text = format!(
            "{}rehearsal of {} in batch and sequential mode, on scratch copies of the catalog",
            if queued { "queued: " } else { "" },
            path.display()
        );
        self.shell.say(Level::Info, text);
    }

    /// Resume a run of the history; the batch of its file, when loaded, shows it queued.
    pub(super) fn resume(&mut self, row: &RunRow, fx: &mut Vec<Effect>) {
        let batch = self
            .batches
            .entries
            .iter()
            .find(|b| b.file().is_some_and(|f| f.sha256 == row.import_key))
            .map(|b| b.id);
        self.batches.set_state(batch, BatchState::Queued(row.mode));
        self.enqueue(
            JobSpec::Import {
                batch,
                path: std::path::PathBuf::from(&row.source),
                mode: row.mode,
                resume: Some(Previous {
                    run_id: row.id,
                    mode: row.mode,
                    status: row.status,
                    import_key: row.import_key.clone(),
                    operator: row.operator.clone(),
                    dry_run: row.dry_run,
                    resumable: true,
                }),
                resent: None,
                choices: Default::default(),
            },
            fx,
        );
    }

    pub(super) fn on_engine(&mut self, stream: Stream, ev: ProgressEvent, fx: &mut Vec<Effect>) {
        let now = self.now();
        let Some(active) = &mut self.shell.active else {
            return;
        };
        if active.job.id != stream.job {
            return;
        }
        if let (StreamSide::Main, ProgressEvent::RunStarted { run_id, .. }) = (stream.side, &ev) {
            active.run_id = Some(*run_id);
        }
        match active.job.spec.clone() {
            JobSpec::Import { batch, .. } => self.on_import_event(stream, batch, &ev, fx),
            JobSpec::Retry { .. } => self.failed.on_retry_event(&mut self.shell, &ev),
            JobSpec::Compare { .. } => self.compare.apply(stream.side, now, &ev),
        }
    }

    /// An engine event of an import job: the Run tab's view, the batch's state, the Failed tab.
    fn on_import_event(
        &mut self,
        stream: Stream,
        batch: Option<u64>,
        ev: &ProgressEvent,
        fx: &mut Vec<Effect>,
    ) {
        let now = self.now();
        if stream.side == StreamSide::Main
            && self.run.job == Some(stream.job)
            && let Some(v) = &mut self.run.view
        {
            v.apply(now, ev);
        }
        match ev {
            ProgressEvent::RunStarted { run_id, source, .. } => {
                self.batches.mark_running(batch, Some(*run_id));
                fx.extend(
                    self.failed
                        .open(*run_id, source.clone())
                        .map(Effect::LoadFailed),
                );
            }
            ProgressEvent::RunFinished(report) => {
                self.batches.set_state(
                    batch,
                    BatchState::Done {
                        run_id: report.run_id,
                        status: report.status,
                    },
                );
                let operator = self
                    .batches
                    .entries
                    .iter()
                    .find(|e| Some(e.id) == batch)
                    .and_then(|e| e.previous.as_ref().map(|p| p.operator.clone()))
                    .unwrap_or_else(crate::engine::options::default_operator);
                self.batches.set_previous(
                    batch,
                    Previous {
                        run_id: report.run_id,
                        mode: report.mode,
                        status: report.status,
                        import_key: report.import_key.clone(),
                        operator,
                        dry_run: report.dry_run,
                        resumable: run_rules::is_resumable(run_rules::RunKind {
                            dry_run: report.dry_run,
                            ..run_rules::RunKind::live_import(report.status, report.mode)
                        }),
                    },
                );
                let (level, mut text) = finished(report);
                if report.items_failed > 0 {
                    text.push_str(" (the Failed tab, 3, lists them)");
                }
                if report.items_held > 0 {
                    text.push_str(" (held lines wait on the Review tab, 6)");
                }
                self.shell.say(level, text);
                self.failed
                    .on_run_finished(&mut self.shell, report.run_id, fx);
                self.shell.request(Request::LoadRuns);
            }
            _ => {}
        }
    }

    pub(super) fn on_job_finished(
        &mut self,
        job: JobId,
        result: Result<JobResult, String>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(active) = self.shell.active.take_if(|a| a.job.id == job) else {
            return;
        };
        match &active.job.spec {
            JobSpec::Import {
                batch,
                path,
                mode,
                choices,
                ..
            } => match result {
                Ok(JobResult::Overlap(o)) => {
                    let refused = Overlapping {
                        batch: *batch,
                        path: path.clone(),
                        mode: *mode,
                        overlap: *o,
                        choices: choices.clone(),
                    };
                    self.on_overlap_refused(job, refused);
                }
                Ok(_) => {}
                Err(e) => {
                    self.batches.set_state(*batch, BatchState::Error(e.clone()));
                    self.fail_run_view(job, &e);
                    self.shell.say(Level::Error, e);
                }
            },
            JobSpec::Retry { run_id, .. } => {
                self.failed
                    .on_retry_finished(&mut self.shell, *run_id, result, fx)
            }
            JobSpec::Compare { .. } => {
                compare::on_finished(&mut self.compare, &mut self.shell, result)
            }
        }
        if self.run.job == Some(job) {
            self.run.job = None;
        }
        if let QuitState::Cancelling { .. } = self.shell.quit {
            self.shell.quit = QuitState::Done;
            fx.push(Effect::Quit);
            return;
        }
        self.pump(fx);
    }

    /// The Run tab's view of `job`, when it shows it, ends in an error.
    fn fail_run_view(&mut self, job: JobId, why: &str) {
        let now = self.now();
        if self.run.job == Some(job)
            && let Some(v) = &mut self.run.view
        {
            v.fail(now, why.to_string());
        }
    }

    /// The import of `refused.path` was refused: the summary and the choices, in a popup.
    fn on_overlap_refused(&mut self, job: JobId, refused: Overlapping) {
        let why = "refused: the file overlaps earlier imports";
        self.batches
            .set_state(refused.batch, BatchState::Error(why.to_string()));
        self.fail_run_view(job, why);
        self.shell.say(
            Level::Warn,
            format!(
                "{}: {} of {} lines landed before; o only new, a as a new invoice, Esc nothing",
                refused.path.display(),
                refused.overlap.identical,
                refused.overlap.lines
            ),
        );
        self.shell.overlay = Some(Overlay::Overlap(Box::new(refused)));
    }

    /// The operator's answer to the overlap popup: import again with it, or import nothing.
    pub(super) fn on_overlap(
        &mut self,
        o: Box<Overlapping>,
        a: crate::vocab::Action,
        fx: &mut Vec<Effect>,
    ) {
        use crate::vocab::Action;
        let answer = match a {
            Action::OnlyNew => Answer::OnlyNew,
            Action::AsNewInvoice => Answer::AsNewInvoice,
            Action::No | Action::Close => {
                self.shell
                    .say(Level::Info, format!("not imported: {}", o.path.display()));
                return;
            }
            _ => {
                self.shell.overlay = Some(Overlay::Overlap(o));
                return;
            }
        };
        let Overlapping {
            batch,
            path,
            mode,
            choices,
            ..
        } = *o;
        self.batches.set_state(batch, BatchState::Queued(mode));
        let note = format!("{mode} import of {} ({})", path.display(), answer.as_str());
        let queued = self.shell.busy();
        self.enqueue(
            JobSpec::Import {
                batch,
                path,
                mode,
                resume: None,
                resent: Some(answer),
                choices,
            },
            fx,
        );
        if queued {
            self.shell.say(Level::Info, format!("queued: {note}"));
        } else {
            self.switch_tab(Tab::Run, fx);
            self.shell.say(Level::Info, note);
        }
    }
}
