//! The console's state and its one `update`: every key, engine event, database answer and frame
//! tick goes through [`App::update`], which changes the state and returns the [`Effect`]s to carry
//! out (start a job, fetch a page, …). Nothing here touches a terminal, a database or a file, so
//! all of it is tested as plain functions.
//!
//! The app holds the [`Shell`] (what every tab shares) and one state per tab. It routes a key to
//! the tab on screen ([`Page::on_action`]) unless the key is the console's own (switching tabs, the
//! help, cancelling, quitting), carries out what the tab requested ([`Request`]), and does what
//! touches several tabs at once: the jobs (`app/jobs.rs`) and the answers from the database
//! (`app/answers.rs`).

mod answers;
mod jobs;

use super::clock::Clock;
use super::keymap::Context;
use super::shell::{Overlay, QuitState, Request, Shell};
use super::tabs::Page;
use super::tabs::batches::BatchesTab;
use super::tabs::compare::CompareView;
use super::tabs::failed::FailedView;
use super::tabs::inventory::InventoryTab;
use super::tabs::review::ReviewTab;
use super::tabs::run::RunTab;
use super::tabs::runs::RunsTab;
use super::vocab::{Action, Effect, Level, Msg, Tab};
use crate::domain::Mode;
use ratatui::layout::Rect;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jobs::describe_job;

/// How often the header's round-trip time is measured.
const PING_EVERY: Duration = Duration::from_secs(2);
/// How long a message stays in the status line.
const MESSAGE_FOR: Duration = Duration::from_secs(10);
/// How long quitting waits for a cancelled run to finish its chunk.
const QUIT_GRACE: Duration = Duration::from_secs(15);
/// Runs read for the Runs and Compare tabs.
pub const HISTORY_LIMIT: u64 = 500;

pub struct App {
    pub shell: Shell,
    next_ping: Duration,
    /// A ping is on its way: a database that hangs gets one ping, not one every two seconds.
    ping_pending: bool,
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
            shell: Shell::new(clock, backend, url),
            next_ping: Duration::ZERO,
            ping_pending: false,
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
        self.shell.now()
    }

    pub fn should_quit(&self) -> bool {
        self.shell.quit == QuitState::Done
    }

    /// A tab's state, as the app routes to it.
    pub fn page(&self, tab: Tab) -> &dyn Page {
        match tab {
            Tab::Batches => &self.batches,
            Tab::Run => &self.run,
            Tab::Failed => &self.failed,
            Tab::Runs => &self.runs,
            Tab::Compare => &self.compare,
            Tab::Review => &self.review,
            Tab::Inventory => &self.inventory,
        }
    }

    /// A tab's state and the shell, to call one of its handlers.
    fn page_mut(&mut self, tab: Tab) -> (&mut dyn Page, &mut Shell) {
        let page: &mut dyn Page = match tab {
            Tab::Batches => &mut self.batches,
            Tab::Run => &mut self.run,
            Tab::Failed => &mut self.failed,
            Tab::Runs => &mut self.runs,
            Tab::Compare => &mut self.compare,
            Tab::Review => &mut self.review,
            Tab::Inventory => &mut self.inventory,
        };
        (page, &mut self.shell)
    }

    /// Which keymap applies now.
    pub fn context(&self) -> Context {
        match self.shell.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::ConfirmQuit) => Context::Confirm,
            Some(Overlay::Overlap(_)) => Context::Overlap,
            None => self.base_context(),
        }
    }

    /// The context under the help and the quit question: what the help explains first.
    pub fn base_context(&self) -> Context {
        self.page(self.shell.tab).context()
    }

    /// The rows of the current tab's list on screen, as the renderer lays them out.
    pub fn list_area(&self) -> Rect {
        self.page(self.shell.tab).list_area(self.shell.body())
    }

    /// How many list rows a tab shows (at least one).
    pub fn list_rows(&self, tab: Tab) -> usize {
        self.page(tab).list_rows(&self.shell)
    }

    /// The one entry point: change the state, return what the runtime must do.
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg.into() {
            Msg::Action(a) => {
                self.shell.dirty = true;
                self.on_action(a, &mut fx);
            }
            Msg::Resize(w, h) => {
                self.shell.dirty = true;
                self.shell.size = (w, h);
                let rows = self.list_rows(Tab::Failed) as u64;
                let selected = self.failed.selected;
                fx.extend(self.failed.select(selected, rows).map(Effect::LoadFailed));
            }
            Msg::Frame => self.on_frame(&mut fx),
            Msg::Engine(stream, ev) => {
                self.shell.dirty = true;
                self.on_engine(stream, ev, &mut fx);
            }
            Msg::JobFinished(job, result) => {
                self.shell.dirty = true;
                self.on_job_finished(job, result, &mut fx);
            }
            Msg::Done(o) => {
                self.shell.dirty = true;
                self.on_outcome(o, &mut fx);
            }
        }
        self.carry_out(&mut fx);
        fx
    }

    /// Do what the tabs requested.
    fn carry_out(&mut self, fx: &mut Vec<Effect>) {
        while let Some(r) = self.shell.next_request() {
            match r {
                Request::Show(tab) => self.switch_tab(tab, fx),
                Request::Enqueue(spec) => self.enqueue(spec, fx),
                Request::OpenRun(id) => self.open_run(id, fx),
                Request::LoadRuns => {
                    let now = self.now();
                    self.runs.load(now, fx);
                }
                Request::Resume(row) => self.resume(&row, fx),
                Request::Rehearse => self.rehearse(fx),
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Keys

    fn on_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if a == Action::Quit {
            self.request_quit(fx);
            return;
        }
        // A message answers the last action; the next one starts afresh.
        if self.shell.quit == QuitState::Running
            && !matches!(a, Action::WheelUp | Action::WheelDown)
        {
            self.shell.message = None;
        }
        if let Some(overlay) = self.shell.overlay.take() {
            self.on_overlay(overlay, a, fx);
            return;
        }
        let tab = self.shell.tab;
        // The tab's popup, or a field being typed, takes every key.
        if self.base_context() == Context::Tab(tab) {
            match a {
                Action::GoTo(t) => return self.switch_tab(t, fx),
                Action::NextTab => return self.switch_tab(tab.next(), fx),
                Action::PrevTab => return self.switch_tab(tab.prev(), fx),
                Action::Help => {
                    self.shell.overlay = Some(Overlay::Help { scroll: 0 });
                    return;
                }
                Action::Cancel => return self.cancel_active(fx),
                Action::Click(x, y) if y == super::ui::tab_bar_row() => {
                    if let Some(t) = super::ui::tab_at(self, x) {
                        self.switch_tab(t, fx);
                    }
                    return;
                }
                _ => {}
            }
        }
        let (page, sh) = self.page_mut(tab);
        page.on_action(sh, a, fx);
    }

    fn on_overlay(&mut self, overlay: Overlay, a: Action, fx: &mut Vec<Effect>) {
        match overlay {
            Overlay::Help { scroll } => {
                let (lines, shown) = super::ui::help_extent(self);
                let max = lines.saturating_sub(shown);
                let page = shown.saturating_sub(1).max(1);
                let scroll = match a {
                    Action::Close | Action::Help | Action::No => return,
                    Action::Up | Action::WheelUp => scroll.saturating_sub(1),
                    Action::Down | Action::WheelDown => scroll.saturating_add(1),
                    Action::PageUp => scroll.saturating_sub(page),
                    Action::PageDown => scroll.saturating_add(page),
                    Action::Top => 0,
                    Action::Bottom => max,
                    _ => scroll,
                };
                self.shell.overlay = Some(Overlay::Help {
                    scroll: scroll.min(max),
                });
            }
            Overlay::ConfirmQuit => match a {
                Action::Yes | Action::Enter => self.confirm_quit(fx),
                Action::No | Action::Close => {}
                _ => self.shell.overlay = Some(Overlay::ConfirmQuit),
            },
            Overlay::Overlap(o) => self.on_overlap(o, a, fx),
        }
    }

    fn switch_tab(&mut self, tab: Tab, fx: &mut Vec<Effect>) {
        if self.shell.tab == tab {
            return;
        }
        self.shell.tab = tab;
        let (page, sh) = self.page_mut(tab);
        page.on_show(sh, fx);
    }

    fn request_quit(&mut self, fx: &mut Vec<Effect>) {
        match self.shell.quit {
            QuitState::Cancelling { .. } => {
                // Asked again while waiting: leave now; the run shows as interrupted and resumes.
                self.shell.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
            QuitState::Done => {}
            QuitState::Running if matches!(self.shell.overlay, Some(Overlay::ConfirmQuit)) => {
                self.confirm_quit(fx)
            }
            QuitState::Running if self.shell.busy() => {
                self.shell.overlay = Some(Overlay::ConfirmQuit)
            }
            QuitState::Running => {
                self.shell.quit = QuitState::Done;
                fx.push(Effect::Quit);
            }
        }
    }

    fn confirm_quit(&mut self, fx: &mut Vec<Effect>) {
        self.shell.overlay = None;
        self.shell.queue.clear();
        self.batches.unqueue_all();
        match &mut self.shell.active {
            Some(active) => {
                active.cancelling = true;
                let id = active.job.id;
                let what = describe_job(active);
                fx.push(Effect::Cancel(id));
                self.shell.quit = QuitState::Cancelling {
                    deadline: self.shell.now() + QUIT_GRACE,
                };
                if let Some(v) = &mut self.run.view {
                    v.cancelling = true;
                }
                self.shell.say(
                    Level::Warn,
                    format!(
                        "quitting (exit code {}): cancelling {what} after its current chunk (q again: quit now)",
                        crate::EXIT_ON_QUIT
                    ),
                );
            }
            None => {
                self.shell.quit = QuitState::Done;
                fx.push(Effect::Quit);
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
            self.shell.dirty = true;
        }
        self.shell.dirty |= self.compare.sample(now);
        if now >= self.next_ping && !self.ping_pending {
            self.next_ping = now + PING_EVERY;
            self.ping_pending = true;
            fx.push(Effect::Ping);
        }
        if now >= self.runs.next_at
            && (matches!(self.shell.tab, Tab::Runs | Tab::Compare | Tab::Batches)
                || self.shell.active.is_some())
        {
            self.runs.load(now, fx);
        }
        self.failed.on_frame(&mut self.shell, now, fx);
        if let Some(m) = &self.shell.message
            && now.saturating_sub(m.at) >= MESSAGE_FOR
            && self.shell.quit == QuitState::Running
        {
            self.shell.message = None;
            self.shell.dirty = true;
        }
        if let QuitState::Cancelling { deadline } = self.shell.quit
            && now >= deadline
        {
            self.shell.quit = QuitState::Done;
            fx.push(Effect::Quit);
        }
    }
}
