//! The console's state and its one `update`: every key, engine event, database answer and frame
//! tick goes through [`App::update`], which changes the state and returns the [`Effect`]s to carry
//! out (start a job, fetch a page, …). Nothing here touches a terminal, a database or a file, so
//! all of it is tested as plain functions.

pub mod batches;
pub mod compare;
pub mod failed;
pub mod input;
pub mod run_view;

use super::clock::Clock;
use super::keymap::Context;
use crate::domain::{Fields, Mode, RunReport, RunStatus};
use crate::engine::{Comparison, ProgressEvent};
use crate::input::BatchFile;
use crate::store::{FailedQuery, FailedRow, FailedSort, RunRow};
use batches::{BatchEntry, BatchInfo, BatchState, Previous, is_resumable};
use compare::{CompareView, Rehearsal, Side, candidates, default_pair};
use failed::{EditForm, FailedView, PageRequest, RetryMark, RetryProgress};
use input::TextInput;
use run_view::RunView;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How often the header's round-trip time is measured.
const PING_EVERY: Duration = Duration::from_secs(2);
/// How often the history is read again while it is on screen or a job runs.
const RUNS_EVERY: Duration = Duration::from_secs(5);
/// How often the Failed tab re-reads the items of a run that is still writing them.
const LIVE_FAILED_EVERY: Duration = Duration::from_secs(1);
/// How long a message stays in the status line.
const MESSAGE_FOR: Duration = Duration::from_secs(10);
/// How long quitting waits for a cancelled run to finish its chunk.
const QUIT_GRACE: Duration = Duration::from_secs(15);
/// Runs read for the Runs and Compare tabs.
pub const HISTORY_LIMIT: u64 = 500;
/// A rehearsal's sequential side stops after this many lines (it is the slow one; items/s are
/// compared, so the figures stay comparable).
pub const REHEARSAL_SEQUENTIAL_LINES: u64 = 10_000;
/// Rows the screen's chrome takes: header, tabs, status line, footer.
pub const CHROME_ROWS: u16 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tab {
    #[default]
    Batches,
    Run,
    Failed,
    Runs,
    Compare,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Batches, Tab::Run, Tab::Failed, Tab::Runs, Tab::Compare];

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
    pub fn title(self) -> &'static str {
        match self {
            Tab::Batches => "Batches",
            Tab::Run => "Run",
            Tab::Failed => "Failed",
            Tab::Runs => "Runs",
            Tab::Compare => "Compare",
        }
    }
    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }
    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
    /// Rows a table on this tab has for items: the body less borders, header and the tab's own lines.
    pub fn table_rows(self, height: u16) -> u64 {
        let chrome = match self {
            Tab::Failed => 4,
            _ => 3,
        };
        u64::from(height.saturating_sub(CHROME_ROWS + chrome)).max(1)
    }
}

/// What an operator asks for; the keymap turns keys into these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    GoTo(Tab),
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    WheelUp,
    WheelDown,
    Left,
    Right,
    Enter,
    Close,
    Help,
    Quit,
    Yes,
    No,
    Open,
    Start(Mode),
    Remove,
    Cancel,
    Retry,
    RetryAll,
    Edit,
    Export,
    Filter,
    SortNext,
    SortReverse,
    ToggleUnresolved,
    Resume,
    Rehearse,
    Char(char),
    Backspace,
    Delete,
    Home,
    End,
    NextField,
    PrevField,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// Which progression of a job an engine event belongs to (a rehearsal has two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSide {
    Main,
    Batch,
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    pub job: JobId,
    pub side: StreamSide,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobSpec {
    /// Import a batch file, or resume one of its runs.
    Import {
        batch: Option<u64>,
        path: PathBuf,
        mode: Mode,
        resume: Option<Previous>,
    },
    /// Retry failed items of a run (all unresolved ones when `lines` is empty), after saving an
    /// operator's correction when there is one.
    Retry {
        run_id: i64,
        lines: Vec<u64>,
        correction: Option<(i64, Fields)>,
    },
    /// Rehearse a file in batch and in sequential mode.
    Compare {
        path: PathBuf,
        sequential_lines: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub spec: JobSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActiveJob {
    pub job: Job,
    pub run_id: Option<i64>,
    pub cancelling: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobResult {
    Report(Box<RunReport>),
    Comparison(Box<Comparison>),
}

/// Work for the runtime: the only way the state reaches the outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A file, or a directory whose batch files are loaded.
    LoadPath(PathBuf),
    Inspect {
        batch: u64,
        path: PathBuf,
    },
    StartJob(Job),
    Cancel(JobId),
    LoadRuns,
    LoadFailed(PageRequest),
    Export {
        run_id: i64,
        query: FailedQuery,
        path: PathBuf,
    },
    Ping,
    Quit,
}

/// Answers from the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Listed {
        path: PathBuf,
        result: Result<Vec<PathBuf>, String>,
    },
    Inspected {
        batch: u64,
        result: Result<BatchFile, String>,
    },
    Runs(Result<Vec<RunRow>, String>),
    FailedCount {
        generation: u64,
        result: Result<u64, String>,
    },
    FailedPage {
        generation: u64,
        offset: u64,
        result: Result<Vec<FailedRow>, String>,
    },
    Exported {
        path: PathBuf,
        result: Result<u64, String>,
    },
    Pong(Result<Duration, String>),
}

/// Everything `update` reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Action(Action),
    Resize(u16, u16),
    /// The fixed-rate tick: sample rates, schedule refreshes.
    Frame,
    Engine(Stream, ProgressEvent),
    JobFinished(JobId, Result<JobResult, String>),
    Done(Outcome),
}

impl From<Action> for Msg {
    fn from(a: Action) -> Self {
        Msg::Action(a)
    }
}

impl From<Outcome> for Msg {
    fn from(o: Outcome) -> Self {
        Msg::Done(o)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    OpenPath,
    ExportPath,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help { scroll: u16 },
    ConfirmQuit,
    Detail { row: Box<FailedRow>, scroll: u16 },
    Edit(Box<EditForm>),
    Prompt { kind: PromptKind, input: TextInput },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

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

/// A selection in a list and the first row on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListNav {
    pub selected: usize,
    pub top: usize,
}

impl ListNav {
    pub fn move_by(&mut self, delta: i64, len: usize, height: usize) {
        if len == 0 {
            *self = ListNav::default();
            return;
        }
        let target = (self.selected as i64 + delta).clamp(0, len as i64 - 1) as usize;
        self.select(target, len, height);
    }

    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        if len == 0 {
            *self = ListNav::default();
            return;
        }
        let height = height.max(1);
        self.selected = index.min(len - 1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
        self.top = self.top.min(len.saturating_sub(1));
    }
}

/// How far a movement key goes.
enum Move {
    By(i64),
    Top,
    Bottom,
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
    pub batches: Vec<BatchEntry>,
    pub batch_nav: ListNav,
    next_batch: u64,
    pub queue: VecDeque<Job>,
    pub active: Option<ActiveJob>,
    next_job: u64,
    pub run: Option<RunView>,
    /// The job the Run tab follows, while it runs.
    pub run_job: Option<JobId>,
    pub failed: FailedView,
    pub runs: Vec<RunRow>,
    pub runs_nav: ListNav,
    pub runs_loaded: bool,
    runs_pending: bool,
    next_runs: Duration,
    pub compare: CompareView,
    start_mode: Option<Mode>,
    start_target: Option<u64>,
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
            batches: Vec::new(),
            batch_nav: ListNav::default(),
            next_batch: 1,
            queue: VecDeque::new(),
            active: None,
            next_job: 1,
            run: None,
            run_job: None,
            failed: FailedView::default(),
            runs: Vec::new(),
            runs_nav: ListNav::default(),
            runs_loaded: false,
            runs_pending: false,
            next_runs: Duration::ZERO,
            compare: CompareView::default(),
            start_mode: None,
            start_target: None,
        }
    }

    /// The first effects: read the history, measure the database, load the files given.
    pub fn start(&mut self, files: Vec<PathBuf>, start: Option<Mode>) -> Vec<Effect> {
        self.start_mode = start;
        let now = self.now();
        self.next_ping = now + PING_EVERY;
        self.next_runs = now + RUNS_EVERY;
        self.runs_pending = true;
        self.ping_pending = true;
        let mut fx = vec![Effect::LoadRuns, Effect::Ping];
        fx.extend(files.into_iter().map(Effect::LoadPath));
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
            Some(Popup::Help { .. }) => Context::Help,
            Some(Popup::ConfirmQuit) => Context::Confirm,
            Some(Popup::Detail { .. }) => Context::Detail,
            Some(Popup::Edit(_)) => Context::Edit,
            Some(Popup::Prompt { .. }) => Context::Prompt,
            None if self.tab == Tab::Failed && self.failed.filter_editing => Context::Filter,
            None => Context::Tab(self.tab),
        }
    }

    /// The context under any popup: what the help explains first.
    pub fn base_context(&self) -> Context {
        if self.tab == Tab::Failed && self.failed.filter_editing {
            Context::Filter
        } else {
            Context::Tab(self.tab)
        }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            level,
            at: self.now(),
        });
    }

    fn table_rows(&self) -> u64 {
        self.tab.table_rows(self.size.1)
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
                let rows = Tab::Failed.table_rows(h);
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
        if self.popup.is_some() {
            self.on_popup(a, fx);
            return;
        }
        if self.context() == Context::Filter {
            self.on_filter_input(a, fx);
            return;
        }
        match a {
            Action::GoTo(t) => self.switch_tab(t, fx),
            Action::NextTab => self.switch_tab(self.tab.next(), fx),
            Action::PrevTab => self.switch_tab(self.tab.prev(), fx),
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Cancel => self.cancel_active(fx),
            _ => match self.tab {
                Tab::Batches => self.on_batches(a, fx),
                Tab::Run => self.on_run(a),
                Tab::Failed => self.on_failed(a, fx),
                Tab::Runs => self.on_runs(a, fx),
                Tab::Compare => self.on_compare(a, fx),
            },
        }
    }

    fn movement(&self, a: Action) -> Option<Move> {
        let page = self.table_rows().max(2) as i64 - 1;
        Some(match a {
            Action::Up => Move::By(-1),
            Action::Down => Move::By(1),
            Action::PageUp => Move::By(-page),
            Action::PageDown => Move::By(page),
            Action::WheelUp => Move::By(-3),
            Action::WheelDown => Move::By(3),
            Action::Top => Move::Top,
            Action::Bottom => Move::Bottom,
            _ => return None,
        })
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

    fn confirm_quit(&mut self, fx: &mut Vec<Effect>) {
        self.popup = None;
        self.queue.clear();
        for b in &mut self.batches {
            if matches!(b.state, BatchState::Queued(_)) {
                b.state = BatchState::Idle;
            }
        }
        match &mut self.active {
            Some(active) => {
                active.cancelling = true;
                let id = active.job.id;
                let what = describe_job(active);
                fx.push(Effect::Cancel(id));
                self.quit = QuitState::Cancelling {
                    deadline: self.now() + QUIT_GRACE,
                };
                if let Some(v) = &mut self.run {
                    v.cancelling = true;
                }
                self.say(Level::Warn, format!("quitting: cancelling {what}; the current chunk finishes first (q again: quit now)"));
            }
            None => {
                self.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
        }
    }

    fn switch_tab(&mut self, tab: Tab, fx: &mut Vec<Effect>) {
        if self.tab == tab {
            return;
        }
        self.tab = tab;
        match tab {
            Tab::Runs | Tab::Compare => self.load_runs(fx),
            Tab::Failed => {
                let now = self.now();
                if self.failed.pending.is_none() {
                    fx.extend(self.failed.refresh(now).map(Effect::LoadFailed));
                }
            }
            _ => {}
        }
    }

    fn load_runs(&mut self, fx: &mut Vec<Effect>) {
        if !self.runs_pending {
            self.runs_pending = true;
            self.next_runs = self.now() + RUNS_EVERY;
            fx.push(Effect::LoadRuns);
        }
    }

    fn on_popup(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        match popup {
            Popup::Help { scroll } => match a {
                Action::Close | Action::Help | Action::No => {}
                Action::Up | Action::WheelUp => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                Action::Down | Action::WheelDown => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_add(1),
                    })
                }
                Action::PageUp => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_sub(10),
                    })
                }
                Action::PageDown => {
                    self.popup = Some(Popup::Help {
                        scroll: scroll.saturating_add(10),
                    })
                }
                Action::Top => self.popup = Some(Popup::Help { scroll: 0 }),
                _ => self.popup = Some(Popup::Help { scroll }),
            },
            Popup::ConfirmQuit => match a {
                Action::Yes | Action::Enter => {
                    self.popup = Some(Popup::ConfirmQuit);
                    self.confirm_quit(fx);
                }
                Action::No | Action::Close => {}
                _ => self.popup = Some(Popup::ConfirmQuit),
            },
            Popup::Detail { row, scroll } => match a {
                Action::Close | Action::Enter => {}
                Action::Up | Action::WheelUp => {
                    self.popup = Some(Popup::Detail {
                        row,
                        scroll: scroll.saturating_sub(1),
                    })
                }
                Action::Down | Action::WheelDown => {
                    self.popup = Some(Popup::Detail {
                        row,
                        scroll: scroll.saturating_add(1),
                    })
                }
                Action::Retry => self.retry_one(&row, fx),
                Action::Edit => self.open_edit(&row),
                _ => self.popup = Some(Popup::Detail { row, scroll }),
            },
            Popup::Edit(mut form) => match a {
                Action::Close => self.say(Level::Info, "edit abandoned; nothing saved"),
                Action::Enter => self.submit_edit(&form, fx),
                Action::NextField | Action::Down => {
                    form.focus = (form.focus + 1) % 4;
                    self.popup = Some(Popup::Edit(form));
                }
                Action::PrevField | Action::Up => {
                    form.focus = (form.focus + 3) % 4;
                    self.popup = Some(Popup::Edit(form));
                }
                other => {
                    edit_text(form.input(), other);
                    self.popup = Some(Popup::Edit(form));
                }
            },
            Popup::Prompt { kind, mut input } => match a {
                Action::Close => {}
                Action::Enter => self.submit_prompt(kind, input.text().trim(), fx),
                other => {
                    edit_text(&mut input, other);
                    self.popup = Some(Popup::Prompt { kind, input });
                }
            },
        }
    }

    fn submit_prompt(&mut self, kind: PromptKind, text: &str, fx: &mut Vec<Effect>) {
        if text.is_empty() {
            return;
        }
        let path = expand_home(text);
        match kind {
            PromptKind::OpenPath => fx.push(Effect::LoadPath(path)),
            PromptKind::ExportPath => {
                if let Some(run_id) = self.failed.run_id {
                    // Resolved items have landed: a reject file of them would import them twice.
                    let query = FailedQuery {
                        limit: u64::MAX >> 1,
                        unresolved_only: true,
                        ..self.failed.query()
                    };
                    fx.push(Effect::Export {
                        run_id,
                        query,
                        path,
                    });
                    self.say(Level::Info, "exporting…");
                }
            }
        }
    }

    fn on_filter_input(&mut self, a: Action, fx: &mut Vec<Effect>) {
        match a {
            Action::Enter => self.failed.filter_editing = false,
            Action::Close => {
                self.failed.filter_editing = false;
                self.failed.filter_input.clear();
                if !self.failed.filter.is_empty() {
                    self.failed.filter.clear();
                    fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
                }
            }
            other => {
                edit_text(&mut self.failed.filter_input, other);
                let text = self.failed.filter_input.text().to_string();
                if text != self.failed.filter {
                    self.failed.filter = text;
                    fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Batches

    fn on_batches(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if let Some(m) = self.movement(a) {
            let (len, h) = (self.batches.len(), self.table_rows() as usize);
            nav(&mut self.batch_nav, m, len, h);
            return;
        }
        match a {
            Action::Open => {
                self.popup = Some(Popup::Prompt {
                    kind: PromptKind::OpenPath,
                    input: TextInput::default(),
                })
            }
            Action::Start(mode) => self.start_batch(self.batch_nav.selected, mode, fx),
            Action::Remove => self.remove_batch(),
            Action::Enter => {
                let Some(entry) = self.batches.get(self.batch_nav.selected) else {
                    return;
                };
                match entry.run_id() {
                    Some(id) => self.open_run(id, fx),
                    None => self.say(Level::Info, "this batch has not run yet: b starts it in batch mode, s in sequential mode"),
                }
            }
            _ => {}
        }
    }

    fn start_batch(&mut self, index: usize, mode: Mode, fx: &mut Vec<Effect>) {
        let Some(entry) = self.batches.get(index) else {
            self.say(
                Level::Info,
                "no batch loaded: o opens a file or a directory",
            );
            return;
        };
        let file = match &entry.info {
            BatchInfo::Ready(f) => f.clone(),
            BatchInfo::Inspecting => {
                self.say(Level::Info, "still reading that file");
                return;
            }
            BatchInfo::Unusable(e) => {
                let text = format!("that file cannot be imported: {e}");
                self.say(Level::Error, text);
                return;
            }
        };
        match &entry.state {
            BatchState::Queued(_) | BatchState::Running { .. } => {
                self.say(Level::Info, "that batch is queued or running already");
                return;
            }
            _ => {}
        }
        let resume = entry.previous.clone().filter(|p| p.resumable);
        let (id, path) = (entry.id, file.path.clone());
        if let Some(p) = &entry.previous
            && p.status == RunStatus::Running
        {
            let text = format!(
                "run {} of this batch is running elsewhere; wait for it or let it go stale to resume it",
                p.run_id
            );
            self.say(Level::Warn, text);
            return;
        }
        let (mode, note) = match &resume {
            Some(p) => (
                p.mode,
                format!("resuming run {} ({}, was {})", p.run_id, p.mode, p.status),
            ),
            None => (mode, format!("{mode} import of {}", path.display())),
        };
        if let Some(e) = self.batches.get_mut(index) {
            e.state = BatchState::Queued(mode);
        }
        let queued = self.busy();
        self.enqueue(
            JobSpec::Import {
                batch: Some(id),
                path,
                mode,
                resume,
            },
            fx,
        );
        let text = if queued {
            format!("queued: {note}")
        } else {
            note
        };
        self.say(Level::Info, text);
    }

    fn remove_batch(&mut self) {
        let i = self.batch_nav.selected;
        let Some(entry) = self.batches.get(i) else {
            return;
        };
        if matches!(entry.state, BatchState::Running { .. }) {
            self.say(Level::Warn, "that batch is running: c cancels it first");
            return;
        }
        let id = entry.id;
        self.queue
            .retain(|j| !matches!(j.spec, JobSpec::Import { batch: Some(b), .. } if b == id));
        self.batches.remove(i);
        let (len, h) = (self.batches.len(), self.table_rows() as usize);
        self.batch_nav.select(i, len, h);
    }

    // ---------------------------------------------------------------------------------------
    // Run

    fn on_run(&mut self, a: Action) {
        let page = self.table_rows() as usize;
        let Some(v) = &mut self.run else {
            return;
        };
        let max = v.log.len().saturating_sub(1);
        v.log_scroll = match a {
            Action::Up | Action::WheelUp => (v.log_scroll + 1).min(max),
            Action::Down | Action::WheelDown => v.log_scroll.saturating_sub(1),
            Action::PageUp => (v.log_scroll + page).min(max),
            Action::PageDown => v.log_scroll.saturating_sub(page),
            Action::Top => max,
            Action::Bottom => 0,
            _ => v.log_scroll,
        };
    }

    fn cancel_active(&mut self, fx: &mut Vec<Effect>) {
        let Some(active) = &mut self.active else {
            self.say(Level::Info, "no run is active");
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
        if self.run_job == Some(id)
            && let Some(v) = &mut self.run
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

    // ---------------------------------------------------------------------------------------
    // Failed

    fn on_failed(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let rows = self.table_rows();
        if let Some(m) = self.movement(a) {
            let req = match m {
                Move::By(d) => self.failed.move_by(d, rows),
                Move::Top => self.failed.select(0, rows),
                Move::Bottom => self
                    .failed
                    .select(self.failed.len().saturating_sub(1), rows),
            };
            fx.extend(req.map(Effect::LoadFailed));
            return;
        }
        if self.failed.run_id.is_none() {
            if !matches!(a, Action::Close) {
                self.say(
                    Level::Info,
                    "no run open: start a batch (1) or open a run from the history (4)",
                );
            }
            return;
        }
        match a {
            Action::Enter => match self.failed.selected_row() {
                Some(row) => {
                    self.popup = Some(Popup::Detail {
                        row: Box::new(row.clone()),
                        scroll: 0,
                    })
                }
                None => self.say(Level::Info, "nothing selected"),
            },
            Action::Retry => match self.failed.selected_row().cloned() {
                Some(row) => self.retry_one(&row, fx),
                None => self.say(Level::Info, "nothing selected"),
            },
            Action::RetryAll => {
                let Some(run_id) = self.failed.run_id else {
                    return;
                };
                self.failed.retry = Some(RetryProgress::default());
                self.enqueue(
                    JobSpec::Retry {
                        run_id,
                        lines: Vec::new(),
                        correction: None,
                    },
                    fx,
                );
                self.say(
                    Level::Info,
                    format!("retrying every unresolved item of run {run_id}, one at a time"),
                );
            }
            Action::Edit => match self.failed.selected_row().cloned() {
                Some(row) => self.open_edit(&row),
                None => self.say(Level::Info, "nothing selected"),
            },
            Action::Export => {
                if let Some(run_id) = self.failed.run_id {
                    self.popup = Some(Popup::Prompt {
                        kind: PromptKind::ExportPath,
                        input: TextInput::new(format!("rejects-run-{run_id}.csv")),
                    });
                }
            }
            Action::Filter => {
                self.failed.filter_editing = true;
                self.failed.filter_input = TextInput::new(self.failed.filter.clone());
            }
            Action::SortNext => {
                self.failed.sort = match self.failed.sort {
                    FailedSort::Line => FailedSort::Phase,
                    FailedSort::Phase => FailedSort::Error,
                    FailedSort::Error => FailedSort::Attempts,
                    FailedSort::Attempts => FailedSort::Line,
                };
                fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
            }
            Action::SortReverse => {
                self.failed.descending = !self.failed.descending;
                fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
            }
            Action::ToggleUnresolved => {
                self.failed.unresolved_only = !self.failed.unresolved_only;
                fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
            }
            Action::Close if !self.failed.filter.is_empty() => {
                self.failed.filter.clear();
                self.failed.filter_input.clear();
                fx.extend(self.failed.requery(false).map(Effect::LoadFailed));
            }
            _ => {}
        }
    }

    fn retry_one(&mut self, row: &FailedRow, fx: &mut Vec<Effect>) {
        if row.resolved_at.is_some() {
            self.say(
                Level::Info,
                format!("line {} is resolved already", row.line),
            );
            return;
        }
        self.failed.marks.insert(row.id, RetryMark::Pending);
        self.failed.retry = Some(RetryProgress::default());
        let queued = self.busy();
        self.enqueue(
            JobSpec::Retry {
                run_id: row.run_id,
                lines: vec![row.line],
                correction: None,
            },
            fx,
        );
        let text = if queued {
            format!("line {}: retry queued after the running job", row.line)
        } else {
            format!("retrying line {}…", row.line)
        };
        self.say(Level::Info, text);
    }

    fn open_edit(&mut self, row: &FailedRow) {
        if row.resolved_at.is_some() {
            self.say(
                Level::Info,
                format!("line {} is resolved already", row.line),
            );
            return;
        }
        self.popup = Some(Popup::Edit(Box::new(EditForm::new(row))));
    }

    fn submit_edit(&mut self, form: &EditForm, fx: &mut Vec<Effect>) {
        self.failed.marks.insert(form.failed_id, RetryMark::Pending);
        self.failed.retry = Some(RetryProgress::default());
        self.enqueue(
            JobSpec::Retry {
                run_id: form.run_id,
                lines: vec![form.line],
                correction: Some((form.failed_id, form.corrected())),
            },
            fx,
        );
        self.say(
            Level::Info,
            format!(
                "line {}: correction saved beside the original; retrying…",
                form.line
            ),
        );
    }

    // ---------------------------------------------------------------------------------------
    // Runs

    fn on_runs(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if let Some(m) = self.movement(a) {
            let (len, h) = (self.runs.len(), self.table_rows() as usize);
            nav(&mut self.runs_nav, m, len, h);
            return;
        }
        let Some(row) = self.runs.get(self.runs_nav.selected).cloned() else {
            return;
        };
        match a {
            Action::Enter => self.open_run(row.id, fx),
            Action::Resume => {
                if !is_resumable(&row) {
                    let why = if row.mode == Mode::Retry {
                        "it is a retry (retry the items from Failed)".to_string()
                    } else if row.rehearsal {
                        "it is a rehearsal".to_string()
                    } else {
                        format!("it ended {}", row.status)
                    };
                    self.say(
                        Level::Info,
                        format!("run {} cannot be resumed: {why}", row.id),
                    );
                    return;
                }
                if self.active.as_ref().and_then(|a| a.run_id) == Some(row.id)
                    || self.queue.iter().any(|j| matches!(&j.spec, JobSpec::Import { resume: Some(p), .. } if p.run_id == row.id))
                {
                    self.say(Level::Info, format!("run {} is running or queued already", row.id));
                    return;
                }
                let batch = self
                    .batches
                    .iter()
                    .find(|b| b.file().is_some_and(|f| f.sha256 == row.import_key))
                    .map(|b| b.id);
                if let Some(b) = batch.and_then(|id| self.batches.iter_mut().find(|b| b.id == id)) {
                    b.state = BatchState::Queued(row.mode);
                }
                let queued = self.busy();
                self.enqueue(
                    JobSpec::Import {
                        batch,
                        path: PathBuf::from(&row.source),
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
                    },
                    fx,
                );
                let text = format!(
                    "{}resuming run {} ({})",
                    if queued { "queued: " } else { "" },
                    row.id,
                    row.mode
                );
                self.say(Level::Info, text);
            }
            _ => {}
        }
    }

    /// Show a run on the Run and Failed tabs.
    fn open_run(&mut self, run_id: i64, fx: &mut Vec<Effect>) {
        let live = self
            .active
            .as_ref()
            .filter(|a| a.run_id == Some(run_id))
            .map(|a| a.job.id);
        if live.is_some() && self.run_job == live {
            self.tab = Tab::Run;
            return;
        }
        let Some(row) = self.runs.iter().find(|r| r.id == run_id).cloned() else {
            self.say(
                Level::Info,
                format!("run {run_id} is not in the history yet"),
            );
            self.load_runs(fx);
            return;
        };
        self.run = Some(RunView::from_row(&row, self.now()));
        self.run_job = None;
        fx.extend(
            self.failed
                .open(row.id, row.source.clone())
                .map(Effect::LoadFailed),
        );
        self.tab = Tab::Run;
    }

    // ---------------------------------------------------------------------------------------
    // Compare

    fn on_compare(&mut self, a: Action, fx: &mut Vec<Effect>) {
        match a {
            Action::Left => self.compare.focus = Side::Batch,
            Action::Right => self.compare.focus = Side::Sequential,
            Action::Up | Action::Down | Action::WheelUp | Action::WheelDown => {
                let side = self.compare.focus;
                let list: Vec<i64> = candidates(&self.runs, side).iter().map(|r| r.id).collect();
                if list.is_empty() {
                    return;
                }
                let current = match side {
                    Side::Batch => self.compare.batch,
                    Side::Sequential => self.compare.sequential,
                };
                let pos = current.and_then(|id| list.iter().position(|&x| x == id));
                let older = matches!(a, Action::Down | Action::WheelDown);
                let next = match pos {
                    None => 0,
                    Some(p) if older => (p + 1).min(list.len() - 1),
                    Some(p) => p.saturating_sub(1),
                };
                match side {
                    Side::Batch => self.compare.batch = Some(list[next]),
                    Side::Sequential => self.compare.sequential = Some(list[next]),
                }
            }
            Action::Rehearse => {
                let Some(entry) = self.batches.get(self.batch_nav.selected) else {
                    self.say(Level::Info, "load a batch file first (1, then o): the rehearsal runs on the selected batch");
                    return;
                };
                let Some(file) = entry.file() else {
                    self.say(Level::Info, "the selected batch cannot be read (yet)");
                    return;
                };
                let cap = (file.estimated_lines > REHEARSAL_SEQUENTIAL_LINES)
                    .then_some(REHEARSAL_SEQUENTIAL_LINES);
                let path = file.path.clone();
                let queued = self.busy();
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
                self.say(Level::Info, text);
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------------------------------
    // Jobs

    fn enqueue(&mut self, spec: JobSpec, fx: &mut Vec<Effect>) {
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
            } => {
                if let Some(e) = batch.and_then(|b| self.batches.iter_mut().find(|e| e.id == b)) {
                    e.state = BatchState::Running {
                        run_id: resume.as_ref().map(|p| p.run_id),
                    };
                }
                self.run = Some(RunView::starting(path.display().to_string(), *mode, now));
                self.run_job = Some(job.id);
            }
            JobSpec::Retry { .. } => {
                if self.failed.retry.is_none() {
                    self.failed.retry = Some(RetryProgress::default());
                }
            }
            JobSpec::Compare {
                path,
                sequential_lines,
            } => {
                let source = path.display().to_string();
                self.compare.error = None;
                self.compare.rehearsal = Some(Rehearsal {
                    source: source.clone(),
                    batch: RunView::starting(source.clone(), Mode::Batch, now),
                    sequential: RunView::starting(source, Mode::Sequential, now),
                    sequential_lines: *sequential_lines,
                });
            }
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
        if let (StreamSide::Main, ProgressEvent::RunStarted { run_id, .. }) = (stream.side, &ev) {
            active.run_id = Some(*run_id);
        }
        let spec = active.job.spec.clone();
        match spec {
            JobSpec::Import { batch, .. } => {
                if self.run_job == Some(stream.job)
                    && let Some(v) = &mut self.run
                {
                    v.apply(now, &ev);
                }
                match &ev {
                    ProgressEvent::RunStarted { run_id, source, .. } => {
                        if let Some(e) =
                            batch.and_then(|b| self.batches.iter_mut().find(|e| e.id == b))
                        {
                            e.state = BatchState::Running {
                                run_id: Some(*run_id),
                            };
                        }
                        fx.extend(
                            self.failed
                                .open(*run_id, source.clone())
                                .map(Effect::LoadFailed),
                        );
                    }
                    ProgressEvent::RunFinished(report) => {
                        if let Some(e) =
                            batch.and_then(|b| self.batches.iter_mut().find(|e| e.id == b))
                        {
                            e.state = BatchState::Done {
                                run_id: report.run_id,
                                status: report.status,
                            };
                            let resumable = matches!(
                                report.status,
                                RunStatus::Cancelled | RunStatus::Aborted | RunStatus::Interrupted
                            ) || (report.status == RunStatus::Failed
                                && report.stop_reason.is_some());
                            e.previous = Some(Previous {
                                run_id: report.run_id,
                                mode: report.mode,
                                status: report.status,
                                import_key: report.import_key.clone(),
                                operator: e
                                    .previous
                                    .as_ref()
                                    .map(|p| p.operator.clone())
                                    .unwrap_or_else(crate::engine::options::default_operator),
                                dry_run: report.dry_run,
                                resumable,
                            });
                        }
                        let level = match report.status {
                            RunStatus::Success => Level::Info,
                            RunStatus::PartialSuccess | RunStatus::Cancelled => Level::Warn,
                            _ => Level::Error,
                        };
                        let mut text = format!(
                            "run {} finished {}: {} imported, {} already imported, {} failed",
                            report.run_id,
                            report.status,
                            report.items_processed,
                            report.items_already_imported,
                            report.items_failed
                        );
                        if report.items_failed > 0 {
                            text.push_str(" (3 shows them)");
                        }
                        self.say(level, text);
                        if self.failed.run_id == Some(report.run_id) {
                            fx.extend(self.failed.refresh(now).map(Effect::LoadFailed));
                        }
                        self.load_runs(fx);
                    }
                    _ => {}
                }
            }
            JobSpec::Retry { .. } => {
                let progress = self.failed.retry.get_or_insert_with(RetryProgress::default);
                match &ev {
                    ProgressEvent::RunStarted {
                        run_id,
                        total_estimate,
                        ..
                    } => {
                        progress.retry_run = Some(*run_id);
                        progress.total = *total_estimate;
                    }
                    ProgressEvent::ItemRetried {
                        failed_id,
                        ok,
                        error,
                        ..
                    } => {
                        progress.done += 1;
                        let mark = if *ok {
                            progress.landed += 1;
                            RetryMark::Landed
                        } else {
                            progress.failed_again += 1;
                            RetryMark::FailedAgain(error.clone().unwrap_or_default())
                        };
                        self.failed.marks.insert(*failed_id, mark);
                    }
                    ProgressEvent::RunFinished(report) => {
                        progress.finished = Some(report.status.to_string());
                        let text = format!(
                            "retry run {}: {} landed, {} failed again ({})",
                            report.run_id, progress.landed, progress.failed_again, report.status
                        );
                        let level = if progress.failed_again > 0 {
                            Level::Warn
                        } else {
                            Level::Info
                        };
                        self.say(level, text);
                    }
                    _ => {}
                }
            }
            JobSpec::Compare { .. } => {
                if let Some(r) = &mut self.compare.rehearsal {
                    match stream.side {
                        StreamSide::Batch => r.batch.apply(now, &ev),
                        StreamSide::Sequential => r.sequential.apply(now, &ev),
                        StreamSide::Main => {}
                    }
                }
            }
        }
    }

    fn on_job_finished(
        &mut self,
        job: JobId,
        result: Result<JobResult, String>,
        fx: &mut Vec<Effect>,
    ) {
        let now = self.now();
        let Some(active) = self.active.take_if(|a| a.job.id == job) else {
            return;
        };
        match (&active.job.spec, result) {
            (JobSpec::Import { batch, .. }, Err(e)) => {
                if let Some(entry) = batch.and_then(|b| self.batches.iter_mut().find(|x| x.id == b))
                {
                    entry.state = BatchState::Error(e.clone());
                }
                if self.run_job == Some(job)
                    && let Some(v) = &mut self.run
                {
                    v.fail(now, e.clone());
                }
                self.say(Level::Error, e);
            }
            (JobSpec::Import { .. }, Ok(_)) => {}
            (JobSpec::Retry { run_id, .. }, result) => {
                if let Err(e) = result {
                    if let Some(p) = &mut self.failed.retry {
                        p.finished = Some(format!("error: {e}"));
                    }
                    self.failed.marks.retain(|_, m| *m != RetryMark::Pending);
                    self.say(Level::Error, format!("retry failed: {e}"));
                }
                if self.failed.run_id == Some(*run_id) {
                    fx.extend(self.failed.refresh(now).map(Effect::LoadFailed));
                }
                self.load_runs(fx);
            }
            (JobSpec::Compare { .. }, Ok(JobResult::Comparison(c))) => {
                self.compare.want = Some((c.batch.report.run_id, c.sequential.report.run_id));
                self.say(
                    Level::Info,
                    format!(
                        "rehearsal done: batch is {:.1}× the sequential speed",
                        c.speedup
                    ),
                );
                self.load_runs(fx);
            }
            (JobSpec::Compare { .. }, other) => {
                let e = match other {
                    Err(e) => e,
                    Ok(_) => "the rehearsal gave no comparison".to_string(),
                };
                self.compare.error = Some(e.clone());
                if let Some(r) = &mut self.compare.rehearsal {
                    for v in [&mut r.batch, &mut r.sequential] {
                        if !v.is_finished() {
                            v.fail(now, e.clone());
                        }
                    }
                }
                self.say(Level::Error, format!("rehearsal: {e}"));
            }
        }
        if self.run_job == Some(job) {
            self.run_job = None;
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
            Outcome::Listed { path, result } => match result {
                Ok(files) if files.is_empty() => self.say(
                    Level::Warn,
                    format!("no batch files (.csv, .json, .jsonl) in {}", path.display()),
                ),
                Ok(files) => {
                    let mut added = 0;
                    for f in files {
                        if self.batches.iter().any(|b| b.path == f) {
                            continue;
                        }
                        let id = self.next_batch;
                        self.next_batch += 1;
                        if self.start_mode.is_some() && self.start_target.is_none() {
                            self.start_target = Some(id);
                        }
                        self.batches.push(BatchEntry {
                            id,
                            path: f.clone(),
                            info: BatchInfo::Inspecting,
                            state: BatchState::Idle,
                            previous: None,
                        });
                        fx.push(Effect::Inspect { batch: id, path: f });
                        added += 1;
                    }
                    if added == 0 {
                        self.say(Level::Info, format!("{} is loaded already", path.display()));
                    } else {
                        let len = self.batches.len();
                        let h = Tab::Batches.table_rows(self.size.1) as usize;
                        self.batch_nav.select(len - added, len, h);
                    }
                }
                Err(e) => self.say(Level::Error, e),
            },
            Outcome::Inspected { batch, result } => {
                let Some(i) = self.batches.iter().position(|b| b.id == batch) else {
                    return;
                };
                match result {
                    Ok(file) => {
                        self.batches[i].previous = Previous::find(&self.runs, &file.sha256);
                        self.batches[i].info = BatchInfo::Ready(file);
                        if self.start_target == Some(batch)
                            && let Some(mode) = self.start_mode.take()
                        {
                            self.start_batch(i, mode, fx);
                            self.tab = Tab::Run;
                        }
                    }
                    Err(e) => {
                        self.batches[i].info = BatchInfo::Unusable(e);
                        if self.start_target == Some(batch) && self.start_mode.take().is_some() {
                            self.say(Level::Error, "--start: the first batch cannot be imported");
                        }
                    }
                }
            }
            Outcome::Runs(result) => {
                self.runs_pending = false;
                match result {
                    Ok(rows) => self.on_runs_loaded(rows, fx),
                    Err(e) => self.say(Level::Error, format!("cannot read the history: {e}")),
                }
            }
            Outcome::FailedCount { generation, result } => self.failed.on_count(generation, result),
            Outcome::FailedPage {
                generation,
                offset,
                result,
            } => {
                self.failed.on_page(generation, offset, result);
                if let Some(Popup::Detail { row, scroll }) = &self.popup
                    && let Some(fresh) = self.failed.cache.iter().find(|r| r.id == row.id)
                    && **row != *fresh
                {
                    let scroll = *scroll;
                    self.popup = Some(Popup::Detail {
                        row: Box::new(fresh.clone()),
                        scroll,
                    });
                }
                let rows = Tab::Failed.table_rows(self.size.1);
                fx.extend(self.failed.ensure_cached(rows).map(Effect::LoadFailed));
            }
            Outcome::Exported { path, result } => match result {
                Ok(n) => self.say(
                    Level::Info,
                    format!("wrote {n} failed items to {} (reject file)", path.display()),
                ),
                Err(e) => self.say(Level::Error, format!("export: {e}")),
            },
            Outcome::Pong(r) => {
                self.ping_pending = false;
                self.rtt = Some(r);
            }
        }
    }

    fn on_runs_loaded(&mut self, rows: Vec<RunRow>, fx: &mut Vec<Effect>) {
        let first_load = !self.runs_loaded;
        self.runs_loaded = true;
        let selected_id = self.runs.get(self.runs_nav.selected).map(|r| r.id);
        self.runs = rows;
        let len = self.runs.len();
        let h = Tab::Runs.table_rows(self.size.1) as usize;
        let index = selected_id
            .and_then(|id| self.runs.iter().position(|r| r.id == id))
            .unwrap_or(0);
        self.runs_nav.select(index, len, h);
        for b in &mut self.batches {
            if let BatchInfo::Ready(f) = &b.info {
                b.previous = Previous::find(&self.runs, &f.sha256);
            }
        }
        if let Some((b, s)) = self.compare.want {
            if self.runs.iter().any(|r| r.id == b) && self.runs.iter().any(|r| r.id == s) {
                self.compare.batch = Some(b);
                self.compare.sequential = Some(s);
                self.compare.want = None;
                self.compare.rehearsal = None;
            }
        } else {
            let (b, s) = default_pair(&self.runs);
            let known = |id: Option<i64>| id.is_some_and(|id| self.runs.iter().any(|r| r.id == id));
            if !known(self.compare.batch) {
                self.compare.batch = b;
            }
            if !known(self.compare.sequential) {
                self.compare.sequential = s;
            }
        }
        // A history being opened for the first time: show the newest real run.
        if first_load
            && self.run.is_none()
            && let Some(row) = self
                .runs
                .iter()
                .find(|r| !r.rehearsal && r.mode != Mode::Retry)
                .cloned()
        {
            self.run = Some(RunView::from_row(&row, self.now()));
            fx.extend(
                self.failed
                    .open(row.id, row.source.clone())
                    .map(Effect::LoadFailed),
            );
        }
        // A live run's view keeps its figures; a history view gets the newer row.
        if self.run_job.is_none()
            && let Some(v) = &self.run
            && let Some(id) = v.run_id
            && let Some(row) = self.runs.iter().find(|r| r.id == id)
            && (v.status != row.status || v.report.is_none() && row.report.is_some())
        {
            let log = v.log.clone();
            let mut fresh = RunView::from_row(row, self.now());
            if fresh.log.is_empty() {
                fresh.log = log;
            }
            self.run = Some(fresh);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Frames

    fn on_frame(&mut self, fx: &mut Vec<Effect>) {
        let now = self.now();
        if let Some(v) = &mut self.run
            && v.sample(now)
        {
            self.dirty = true;
        }
        if let Some(r) = &mut self.compare.rehearsal {
            let a = r.batch.sample(now);
            let b = r.sequential.sample(now);
            self.dirty |= a || b;
        }
        if now >= self.next_ping && !self.ping_pending {
            self.next_ping = now + PING_EVERY;
            self.ping_pending = true;
            fx.push(Effect::Ping);
        }
        if now >= self.next_runs
            && (matches!(self.tab, Tab::Runs | Tab::Compare | Tab::Batches)
                || self.active.is_some())
        {
            self.load_runs(fx);
        }
        let live_run = self.active.as_ref().and_then(|a| a.run_id);
        if self.tab == Tab::Failed
            && live_run.is_some()
            && self.failed.run_id == live_run
            && self.failed.pending.is_none()
            && now.saturating_sub(self.failed.last_refresh) >= LIVE_FAILED_EVERY
        {
            fx.extend(self.failed.refresh(now).map(Effect::LoadFailed));
        }
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

fn nav(nav: &mut ListNav, m: Move, len: usize, height: usize) {
    match m {
        Move::By(d) => nav.move_by(d, len, height),
        Move::Top => nav.select(0, len, height),
        Move::Bottom => nav.select(len.saturating_sub(1), len, height),
    }
}

fn edit_text(input: &mut TextInput, a: Action) {
    match a {
        Action::Char(c) => input.insert(c),
        Action::Backspace => input.backspace(),
        Action::Delete => input.delete(),
        Action::Left => input.left(),
        Action::Right => input.right(),
        Action::Home | Action::Top => input.home(),
        Action::End | Action::Bottom => input.end(),
        _ => {}
    }
}

fn expand_home(text: &str) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(text)
}

fn describe_job(active: &ActiveJob) -> String {
    match (&active.job.spec, active.run_id) {
        (JobSpec::Import { .. }, Some(id)) => format!("run {id}"),
        (JobSpec::Import { path, .. }, None) => format!("the import of {}", path.display()),
        (JobSpec::Retry { .. }, _) => "the retry".into(),
        (JobSpec::Compare { .. }, _) => "the rehearsal".into(),
    }
}
