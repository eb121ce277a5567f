//! The console's state and its one `update`: every key, engine event, database answer and frame
//! tick goes through [`App::update`], which changes the state and returns the [`Effect`]s to carry
//! out (start a job, fetch a page, …). Nothing here touches a terminal, a database or a file, so
//! all of it is tested as plain functions.
//!
//! This module holds what every tab shares (the header's figures, the status line, popups that
//! belong to no tab, the job queue); each tab keeps its state and its handlers in a module of its
//! own ([`batches`], [`run`], [`failed`], [`runs`], [`compare`], [`review`]), wired up in
//! [`super::tabs::PAGES`].

pub mod batches;
pub mod compare;
pub mod failed;
pub mod import;
pub mod input;
pub mod inventory;
pub mod nav;
pub mod popup;
pub mod review;
pub mod run;
pub mod runs;
pub mod search;

use super::clock::Clock;
use super::keymap::Context;
use super::tabs;
use super::vocab::{
    Action, ActiveJob, Effect, Job, JobId, JobResult, JobSpec, Level, Msg, Outcome, Stream, Tab,
};
use crate::domain::Mode;
use crate::engine::ProgressEvent;
use batches::BatchesTab;
use compare::CompareView;
use failed::FailedView;
use inventory::InventoryTab;
use popup::Popup;
use ratatui::layout::Rect;
use review::ReviewTab;
use run::RunTab;
use runs::RunsTab;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How often the header's round-trip time is measured.
const PING_EVERY: Duration = Duration::from_secs(2);
/// How long a message stays in the status line.
const MESSAGE_FOR: Duration = Duration::from_secs(10);
/// How long quitting waits for a cancelled run to finish its chunk.
const QUIT_GRACE: Duration = Duration::from_secs(15);
/// Runs read for the Runs and Compare tabs.
pub const HISTORY_LIMIT: u64 = 500;
/// A rehearsal's sequential side stops after this many lines (it is the slow one; items/s are
/// compared, so the figures stay comparable).
pub const REHEARSAL_SEQUENTIAL_LINES: u64 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub level: Level,
    pub at: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuitState {
    Running,
    /// Waiting for the cancelled run to finish its chunk.
    Cancelling {
        deadline: Duration,
    },
    Done,
}

pub struct App {
    pub clock: Arc<dyn Clock>,
    pub backend: String,
    pub url: String,
    pub rtt: Option<Result<Duration, String>>,
    next_ping: Duration,
    /// A ping is on its way: a database that hangs gets one ping, not one every two seconds.
    ping_pending: bool,
    pub tab: Tab,
    pub popup: Option<Popup>,
    pub size: (u16, u16),
    pub message: Option<Message>,
    /// Something changed since the last frame was drawn.
    pub dirty: bool,
    pub quit: QuitState,
    pub queue: VecDeque<Job>,
    pub active: Option<ActiveJob>,
    next_job: u64,
    pub batches: BatchesTab,
    pub run: RunTab,
    pub failed: FailedView,
    pub runs: RunsTab,
    pub compare: CompareView,
    pub review: ReviewTab,
    pub inventory: InventoryTab,
}

impl App {
    pub fn new(clock: Arc<dyn Clock>, backend: &str, url: &str) -> Self {
        Self {
            clock,
            backend: backend.to_string(),
            url: url.to_string(),
            rtt: None,
            next_ping: Duration::ZERO,
            ping_pending: false,
            tab: Tab::Batches,
            popup: None,
            size: (80, 24),
            message: None,
            dirty: true,
            quit: QuitState::Running,
            queue: VecDeque::new(),
            active: None,
            next_job: 1,
            batches: BatchesTab::default(),
            run: RunTab::default(),
            failed: FailedView::default(),
            runs: RunsTab::default(),
            compare: CompareView::default(),
            review: ReviewTab::default(),
            inventory: InventoryTab::default(),
        }
    }

    /// The first effects: read the history, measure the database, load the files given (in the
    /// order given; the first one is selected).
    pub fn start(&mut self, files: Vec<PathBuf>, start: Option<Mode>) -> Vec<Effect> {
        self.batches.start_mode = start;
        let now = self.now();
        self.next_ping = now + PING_EVERY;
        self.ping_pending = true;
        let mut fx = vec![Effect::Ping];
        self.runs.load(now, &mut fx);
        fx.extend(files.into_iter().map(|path| Effect::LoadPath {
            path,
            chosen: false,
        }));
        fx
    }

    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// Whether a job runs or waits: quitting asks first then.
    pub fn busy(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty()
    }

    pub fn should_quit(&self) -> bool {
        self.quit == QuitState::Done
    }

    /// Which keymap applies now.
    pub fn context(&self) -> Context {
        match &self.popup {
            Some(p) => p.context(),
            None => self.base_context(),
        }
    }

    /// The context under any popup: what the help explains first.
    pub fn base_context(&self) -> Context {
        if self.tab == Tab::Failed && self.failed.filter_editing {
            Context::Filter
        } else if (self.tab == Tab::Inventory && self.inventory.search.typing)
            || (self.tab == Tab::Review && self.review.search.typing)
            || (self.tab == Tab::Runs && self.runs.search.typing)
        {
            Context::Search
        } else {
            Context::Tab(self.tab)
        }
    }

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            level,
            at: self.now(),
        });
    }

    /// The rows of the current tab's list on screen, as the renderer lays them out.
    pub fn list_area(&self) -> Rect {
        super::ui::list_area(self, self.tab)
    }

    /// How many list rows a tab shows (at least one).
    pub fn list_rows(&self, tab: Tab) -> usize {
        usize::from(super::ui::list_area(self, tab).height).max(1)
    }

    /// The visible row of the current list a click at screen row `y` hit (0 = the first shown).
    pub fn clicked_row(&self, x: u16, y: u16) -> Option<usize> {
        let a = self.list_area();
        (x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height)
            .then(|| usize::from(y - a.y))
    }

    /// The one entry point: change the state, return what the runtime must do.
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg.into() {
            Msg::Action(a) => {
                self.dirty = true;
                self.on_action(a, &mut fx);
            }
            Msg::Resize(w, h) => {
                self.dirty = true;
                self.size = (w, h);
                let rows = self.list_rows(Tab::Failed) as u64;
                let selected = self.failed.selected;
                fx.extend(self.failed.select(selected, rows).map(Effect::LoadFailed));
            }
            Msg::Frame => self.on_frame(&mut fx),
            Msg::Engine(stream, ev) => {
                self.dirty = true;
                self.on_engine(stream, ev, &mut fx);
            }
            Msg::JobFinished(job, result) => {
                self.dirty = true;
                self.on_job_finished(job, result, &mut fx);
            }
            Msg::Done(o) => {
                self.dirty = true;
                self.on_outcome(o, &mut fx);
            }
        }
        fx
    }

    // ---------------------------------------------------------------------------------------
    // Keys

    fn on_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if a == Action::Quit {
            self.request_quit(fx);
            return;
        }
        // A message answers the last action; the next one starts afresh.
        if self.quit == QuitState::Running && !matches!(a, Action::WheelUp | Action::WheelDown) {
            self.message = None;
        }
        if self.popup.is_some() {
            popup::on_action(self, a, fx);
            return;
        }
        if self.context() == Context::Filter {
            failed::on_filter_input(self, a, fx);
            return;
        }
        if self.context() == Context::Search {
            match self.tab {
                Tab::Review => review::on_search_input(self, a, fx),
                Tab::Runs => runs::on_search_input(self, a),
                _ => inventory::on_search_input(self, a, fx),
            }
            return;
        }
        match a {
            Action::GoTo(t) => self.switch_tab(t, fx),
            Action::NextTab => self.switch_tab(self.tab.next(), fx),
            Action::PrevTab => self.switch_tab(self.tab.prev(), fx),
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Cancel => self.cancel_active(fx),
            Action::Click(x, y) if y == super::ui::tab_bar_row() => {
                if let Some(t) = super::ui::tab_at(self, x) {
                    self.switch_tab(t, fx);
                }
            }
            _ => (tabs::page(self.tab).on_action)(self, a, fx),
        }
    }

    pub(crate) fn switch_tab(&mut self, tab: Tab, fx: &mut Vec<Effect>) {
        if self.tab == tab {
            return;
        }
        self.tab = tab;
        (tabs::page(tab).on_show)(self, fx);
    }

    fn request_quit(&mut self, fx: &mut Vec<Effect>) {
        match self.quit {
            QuitState::Cancelling { .. } => {
                // Asked again while waiting: leave now; the run shows as interrupted and resumes.
                self.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
            QuitState::Done => {}
            QuitState::Running if matches!(self.popup, Some(Popup::ConfirmQuit)) => {
                self.confirm_quit(fx)
            }
            QuitState::Running if self.busy() => self.popup = Some(Popup::ConfirmQuit),
            QuitState::Running => {
                self.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
        }
    }

    pub(crate) fn confirm_quit(&mut self, fx: &mut Vec<Effect>) {
        self.popup = None;
        self.queue.clear();
        self.batches.unqueue_all();
        match &mut self.active {
            Some(active) => {
                active.cancelling = true;
                let id = active.job.id;
                let what = describe_job(active);
                fx.push(Effect::Cancel(id));
                self.quit = QuitState::Cancelling {
                    deadline: self.now() + QUIT_GRACE,
                };
                if let Some(v) = &mut self.run.view {
                    v.cancelling = true;
                }
                self.say(
                    Level::Warn,
                    format!(
                        "quitting (exit code {}): cancelling {what} after its current chunk (q again: quit now)",
                        crate::EXIT_ON_QUIT
                    ),
                );
            }
            None => {
                self.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
        }
    }

    fn cancel_active(&mut self, fx: &mut Vec<Effect>) {
        let Some(active) = &mut self.active else {
            // The footer shows `c` greyed out then; nothing to answer.
            return;
        };
        if active.cancelling {
            self.say(
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
        self.say(
            Level::Warn,
            format!(
                "cancelling {what}: the current chunk finishes, then it is marked cancelled{tail}"
            ),
        );
    }

    /// Show a run on the Run and Failed tabs.
    pub(crate) fn open_run(&mut self, run_id: i64, fx: &mut Vec<Effect>) {
        let live = self
            .active
            .as_ref()
            .filter(|a| a.run_id == Some(run_id))
            .map(|a| a.job.id);
        if live.is_some() && self.run.job == live {
            self.switch_tab(Tab::Run, fx);
            return;
        }
        let Some(row) = self.runs.rows.iter().find(|r| r.id == run_id).cloned() else {
            self.say(
                Level::Info,
                format!("run {run_id} is not in the history yet"),
            );
            let now = self.now();
            self.runs.load(now, fx);
            return;
        };
        let estimate = self.batches.estimate_for(&row.import_key);
        self.run.view = Some(run::RunView::from_row(&row, estimate, self.now()));
        self.run.job = None;
        if row.report.is_none() {
            fx.push(Effect::LoadWritten { run_id });
        }
        failed::open_row(self, &row, fx);
        self.switch_tab(Tab::Run, fx);
    }

    // ---------------------------------------------------------------------------------------
    // Jobs

    pub(crate) fn enqueue(&mut self, spec: JobSpec, fx: &mut Vec<Effect>) {
        let id = JobId(self.next_job);
        self.next_job += 1;
        self.queue.push_back(Job { id, spec });
        self.pump(fx);
    }

    /// Start the next job when none runs.
    fn pump(&mut self, fx: &mut Vec<Effect>) {
        if self.active.is_some() || self.quit != QuitState::Running {
            return;
        }
        let Some(job) = self.queue.pop_front() else {
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
                let mut view = run::RunView::starting(path.display().to_string(), *mode, now);
                view.total = estimate.unwrap_or(0);
                self.run.view = Some(view);
                self.run.job = Some(job.id);
            }
            JobSpec::Retry { .. } => {
                if self.failed.retry.is_none() {
                    self.failed.retry = Some(failed::RetryProgress::default());
                }
            }
            JobSpec::Compare {
                path,
                sequential_lines,
            } => self.compare.start(path, *sequential_lines, now),
        }
        self.active = Some(ActiveJob {
            job: job.clone(),
            run_id: None,
            cancelling: false,
        });
        fx.push(Effect::StartJob(job));
    }

    fn on_engine(&mut self, stream: Stream, ev: ProgressEvent, fx: &mut Vec<Effect>) {
        let now = self.now();
        let Some(active) = &mut self.active else {
            return;
        };
        if active.job.id != stream.job {
            return;
        }
        if let (super::vocab::StreamSide::Main, ProgressEvent::RunStarted { run_id, .. }) =
            (stream.side, &ev)
        {
            active.run_id = Some(*run_id);
        }
        match active.job.spec.clone() {
            JobSpec::Import { batch, .. } => run::on_import_event(self, stream, batch, &ev, fx),
            JobSpec::Retry { .. } => failed::on_retry_event(self, &ev),
            JobSpec::Compare { .. } => self.compare.apply(stream.side, now, &ev),
        }
    }

    fn on_job_finished(
        &mut self,
        job: JobId,
        result: Result<JobResult, String>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(active) = self.active.take_if(|a| a.job.id == job) else {
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
                    let refused = batches::Overlapping {
                        batch: *batch,
                        path: path.clone(),
                        mode: *mode,
                        overlap: *o,
                        choices: choices.clone(),
                    };
                    batches::on_overlap_refused(self, job, refused)
                }
                result => run::on_import_finished(self, job, *batch, result),
            },
            JobSpec::Retry { run_id, .. } => failed::on_retry_finished(self, *run_id, result, fx),
            JobSpec::Compare { .. } => compare::on_finished(self, result, fx),
        }
        if self.run.job == Some(job) {
            self.run.job = None;
        }
        if let QuitState::Cancelling { .. } = self.quit {
            self.quit = QuitState::Done;
            fx.push(Effect::Quit);
            return;
        }
        self.pump(fx);
    }

    // ---------------------------------------------------------------------------------------
    // Answers

    fn on_outcome(&mut self, o: Outcome, fx: &mut Vec<Effect>) {
        match o {
            Outcome::Listed {
                path,
                chosen,
                result,
            } => batches::on_listed(self, path, chosen, result, fx),
            Outcome::Inspected { batch, result } => batches::on_inspected(self, batch, result, fx),
            Outcome::Runs(result) => runs::on_loaded(self, result, fx),
            Outcome::FailedCount { generation, result } => self.failed.on_count(generation, result),
            Outcome::FailedPage {
                generation,
                offset,
                result,
            } => failed::on_page(self, generation, offset, result, fx),
            Outcome::Reasons { run_id, result } => failed::on_reasons(self, run_id, result),
            Outcome::Written { run_id, result } => run::on_written(self, run_id, result),
            Outcome::Exported { path, result } => failed::on_exported(self, path, result),
            Outcome::Reverted { run_id, result } => runs::on_reverted(self, run_id, result, fx),
            Outcome::Review(result) => review::on_loaded(self, result),
            Outcome::Decided {
                description,
                result,
                ..
            } => review::on_decided(self, &description, result, fx),
            Outcome::AcceptedTop(result) => review::on_accepted(self, result, fx),
            Outcome::Undone(result) => review::on_undone(self, result, fx),
            Outcome::Items {
                generation,
                place,
                result,
            } => inventory::on_page(self, generation, place, result),
            Outcome::ItemsCount { generation, result } => {
                inventory::on_count(self, generation, result)
            }
            Outcome::Item(result) => inventory::on_item(self, result),
            Outcome::Corrected { correction, result } => {
                inventory::on_corrected(self, correction, result, fx)
            }
            Outcome::Previewed { generation, result } => {
                import::on_previewed(self, generation, result)
            }
            Outcome::ProfileSaved { name, result } => import::on_profile_saved(self, name, result),
            Outcome::Pong(r) => {
                self.ping_pending = false;
                self.rtt = Some(r);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Frames

    fn on_frame(&mut self, fx: &mut Vec<Effect>) {
        let now = self.now();
        if let Some(v) = &mut self.run.view
            && v.sample(now)
        {
            self.dirty = true;
        }
        self.dirty |= self.compare.sample(now);
        if now >= self.next_ping && !self.ping_pending {
            self.next_ping = now + PING_EVERY;
            self.ping_pending = true;
            fx.push(Effect::Ping);
        }
        if now >= self.runs.next_at
            && (matches!(self.tab, Tab::Runs | Tab::Compare | Tab::Batches)
                || self.active.is_some())
        {
            self.runs.load(now, fx);
        }
        failed::on_frame(self, now, fx);
        if let Some(m) = &self.message
            && now.saturating_sub(m.at) >= MESSAGE_FOR
            && self.quit == QuitState::Running
        {
            self.message = None;
            self.dirty = true;
        }
        if let QuitState::Cancelling { deadline } = self.quit
            && now >= deadline
        {
            self.quit = QuitState::Done;
            fx.push(Effect::Quit);
        }
    }
}

fn describe_job(active: &ActiveJob) -> String {
    match (&active.job.spec, active.run_id) {
        (JobSpec::Import { .. }, Some(id)) => format!("run {id}"),
        (JobSpec::Import { path, .. }, None) => format!("the import of {}", path.display()),
        (JobSpec::Retry { .. }, _) => "the retry".into(),
        (JobSpec::Compare { .. }, _) => "the rehearsal".into(),
    }
}

/// `1 item`, `2 items`: a count with its noun, thousands separated.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    let noun = if n == 1 { one } else { many };
    format!("{} {noun}", super::format::count(n))
}
