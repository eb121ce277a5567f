//! What every tab shares and may ask for: the header's figures, the status line, the terminal's
//! size, the job queue, the popups that belong to no tab (the help, the quit question), and the
//! requests a tab makes of the console ([`Request`]: show a tab, start a job, open a run, read
//! the history again), which the app carries out once the tab's handler returns.
//!
//! A tab's handlers get its own state and the [`Shell`]; they never see another tab's state nor
//! the app.

use super::clock::Clock;
use super::ui::Screen;
use super::vocab::{ActiveJob, Job, JobSpec, Level, Overlapping, Tab};
use crate::store::RunRow;
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

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

/// The popups over the body that belong to no tab: the help, the quit question, and an import
/// refused because its file overlaps earlier imports (it comes up over whatever tab is shown).
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help { scroll: u16 },
    ConfirmQuit,
    Overlap(Box<Overlapping>),
}

/// What a tab asks of the console beyond its own state.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Bring a tab on screen.
    Show(Tab),
    /// Queue a job (it starts when none runs).
    Enqueue(JobSpec),
    /// Show a run on the Run and Failed tabs.
    OpenRun(i64),
    /// Read the run history again.
    LoadRuns,
    /// Resume a run of the history (the batch of its file, when loaded, shows it queued).
    Resume(Box<RunRow>),
    /// Rehearse the batch selected on the Batches tab.
    Rehearse,
}

pub struct Shell {
    pub clock: Arc<dyn Clock>,
    pub backend: String,
    pub url: String,
    pub rtt: Option<Result<Duration, String>>,
    pub tab: Tab,
    pub overlay: Option<Overlay>,
    pub size: (u16, u16),
    pub message: Option<Message>,
    /// Something changed since the last frame was drawn.
    pub dirty: bool,
    pub quit: QuitState,
    pub queue: VecDeque<Job>,
    pub active: Option<ActiveJob>,
    requests: VecDeque<Request>,
}

impl Shell {
    pub fn new(clock: Arc<dyn Clock>, backend: &str, url: &str) -> Self {
        Self {
            clock,
            backend: backend.to_string(),
            url: url.to_string(),
            rtt: None,
            tab: Tab::Batches,
            overlay: None,
            size: (80, 24),
            message: None,
            dirty: true,
            quit: QuitState::Running,
            queue: VecDeque::new(),
            active: None,
            requests: VecDeque::new(),
        }
    }

    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// Whether a job runs or waits: quitting asks first then.
    pub fn busy(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty()
    }

    /// The run of the active job, once it has one.
    pub fn active_run(&self) -> Option<i64> {
        self.active.as_ref().and_then(|a| a.run_id)
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            level,
            at: self.now(),
        });
    }

    /// Ask the console for something the tab cannot do on its own.
    pub fn request(&mut self, r: Request) {
        self.requests.push_back(r);
    }

    pub(crate) fn next_request(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// The body of the screen at the terminal's size: where the tabs draw.
    pub fn body(&self) -> Rect {
        Screen::of(Rect::new(0, 0, self.size.0, self.size.1)).body
    }

    /// How many rows a list drawn in `area` shows (at least one).
    pub fn rows(area: Rect) -> usize {
        usize::from(area.height).max(1)
    }

    /// The row of a list drawn in `area` that a click at (`x`, `y`) hit (0 = the first shown).
    pub fn clicked(area: Rect, x: u16, y: u16) -> Option<usize> {
        (x >= area.x && x < area.x + area.width && y >= area.y && y < area.y + area.height)
            .then(|| usize::from(y - area.y))
    }
}
