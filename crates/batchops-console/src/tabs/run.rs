//! The Run tab: a live run folded from engine events, or a finished run from the history; its
//! keys scroll the event log.

use super::Page;
use crate::domain::{Mode, Phase, RunReport, RunStatus};
use crate::engine::ProgressEvent;
use crate::format::{count, seconds};
use crate::keymap::{Binding, Context, b, ch, code, ctrl};
use crate::shell::Shell;
use crate::store::{RunRow, reason_of};
use crate::theme::Theme;
use crate::vocab::{Action, Effect, JobId, Level, Tab};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::time::Duration;

pub static KEYS: &[Binding] = &[
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("scroll log"),
        "scroll the event log back",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        None,
        "scroll the event log forward",
    ),
    b(
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        None,
        "page back in the log",
    ),
    b(
        &[code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        None,
        "page forward in the log",
    ),
    b(
        &[ch('g'), code(KeyCode::Home)],
        Action::Top,
        None,
        "oldest log line",
    ),
    b(
        &[ch('G'), code(KeyCode::End)],
        Action::Bottom,
        None,
        "newest log line (follow)",
    ),
];

/// What the Run tab follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunTab {
    pub view: Option<RunView>,
    /// The job the view follows, while it runs.
    pub job: Option<JobId>,
}

/// Failure reasons the summary keeps apart; the rest are counted together.
pub const REASON_CAPACITY: usize = 100;

/// Failed lines that share a reason (the error with its quoted values cut out).
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonCount {
    pub reason: String,
    pub phase: Phase,
    pub count: u64,
    pub first_line: u64,
    pub last_line: u64,
}

/// Recent events kept for the log.
pub const LOG_CAPACITY: usize = 1_000;
/// Throughput samples kept (one a second).
pub const SPARK_CAPACITY: usize = 600;

/// The phases before the lines: a row each above [`PHASES`], with their seconds (as the report).
pub const SETUP_PHASES: [Phase; 2] = [Phase::Startup, Phase::Catalog];

/// The phases the Run tab has a row for.
pub const PHASES: [Phase; 5] = [
    Phase::Mapping,
    Phase::BatchInsert,
    Phase::InventoryUpdate,
    Phase::Fallback,
    Phase::Retry,
];

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhaseProgress {
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
    pub statements: u64,
    pub started: bool,
    pub finished: bool,
}

impl PhaseProgress {
    pub fn items_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.done as f64 / s } else { 0.0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Since the run started (console clock); `None` for lines rebuilt from a stored report.
    pub at: Option<Duration>,
    pub level: Level,
    /// Raw text; escaped when drawn.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub run_id: Option<i64>,
    pub source: String,
    pub import_key: String,
    pub mode: Mode,
    pub status: RunStatus,
    /// The run is being watched live (not opened from the history).
    pub live: bool,
    /// The job could not start (unusable file, database down).
    pub error: Option<String>,
    pub total: u64,
    /// The run's counts are known (false: it died before writing its report).
    pub counts_known: bool,
    /// For a run without a report: `(lines landed, failed items)` counted in the tables.
    pub written: Option<(u64, u64)>,
    /// The total is the input's line count (false: a stopped run whose file is not loaded).
    pub total_known: bool,
    pub phases: [PhaseProgress; 5],
    /// The seconds of [`SETUP_PHASES`], once known.
    pub setup: [Option<Duration>; 2],
    /// Lines of committed chunks (batch mode).
    pub committed_lines: u64,
    pub chunks: u64,
    pub inserted: u64,
    pub already: u64,
    pub failed: u64,
    /// Lines held for review (`items_held`): not landed, not failed.
    pub held: u64,
    pub fallbacks: u64,
    pub transient_retries: u64,
    pub started_at: Duration,
    pub finished_at: Option<Duration>,
    pub cancelling: bool,
    pub throughput: VecDeque<u64>,
    last_sample: (Duration, u64),
    /// Run-level events (failed lines are counted in `reasons` instead, so they never push
    /// the run's start out of the log).
    pub log: VecDeque<LogLine>,
    /// Failed lines by reason, in the order the reasons first appeared.
    pub reasons: Vec<ReasonCount>,
    /// Failed lines whose reason did not fit in `reasons`.
    pub other_failures: u64,
    /// Lines scrolled back from the newest log line.
    pub log_scroll: usize,
    pub report: Option<RunReport>,
}

impl RunView {
    /// A run about to start (the engine has not said anything yet).
    pub fn starting(source: String, mode: Mode, now: Duration) -> Self {
        Self {
            run_id: None,
            source,
            import_key: String::new(),
            mode,
            status: RunStatus::Running,
            live: true,
            error: None,
            total: 0,
            total_known: true,
            counts_known: true,
            written: None,
            phases: [PhaseProgress::default(); 5],
            setup: [None; 2],
            committed_lines: 0,
            chunks: 0,
            inserted: 0,
            already: 0,
            failed: 0,
            held: 0,
            fallbacks: 0,
            transient_retries: 0,
            started_at: now,
            finished_at: None,
            cancelling: false,
            throughput: VecDeque::new(),
            last_sample: (now, 0),
            log: VecDeque::new(),
            reasons: Vec::new(),
            other_failures: 0,
            log_scroll: 0,
            report: None,
        }
    }

    /// A run from the history: its stored report (or what `import_runs` holds when it has none).
    /// `estimate`: the line count of its file, when that file is loaded (a stopped run's report
    /// only knows the lines it read).
    pub fn from_row(row: &RunRow, estimate: Option<u64>, now: Duration) -> Self {
        let mut v = Self::starting(row.source.clone(), row.mode, now);
        v.live = false;
        v.run_id = Some(row.id);
        v.import_key = row.import_key.clone();
        v.status = row.status;
        v.total = estimate.unwrap_or(row.items_total);
        v.total_known = estimate.is_some();
        v.inserted = row.items_processed;
        v.already = row.items_already_imported;
        v.failed = row.items_failed;
        v.held = row.items_held;
        v.finished_at = Some(now);
        if let Some(r) = &row.report {
            v.apply_report(r);
        } else {
            // The process died before it wrote a report: what landed is in the database, but
            // the run's counts were never stored. Say so instead of showing zeros.
            v.total_known = estimate.is_some();
            v.counts_known = false;
            let why = match row.status {
                RunStatus::Interrupted => "its process died before writing a report (the chunks it committed stay; r on Runs resumes it)"
                    .to_string(),
                RunStatus::Running => "another process is writing it (or died moments ago: it shows as interrupted once its heartbeat is stale)"
                    .to_string(),
                s => format!("it ended {s} without a report"),
            };
            v.push(
                None,
                Level::Warn,
                format!("run {} has no figures: {why}", row.id),
            );
        }
        v
    }

    /// Whether the run stopped before the end of its input.
    pub fn stopped_early(&self) -> bool {
        match &self.report {
            Some(r) => r.stop_reason.is_some(),
            None => matches!(
                self.status,
                RunStatus::Cancelled | RunStatus::Aborted | RunStatus::Interrupted
            ),
        }
    }

    fn apply_report(&mut self, r: &RunReport) {
        self.status = r.status;
        // A run that read its whole input knows the exact total; a stopped one keeps the
        // estimate (the file's line count) when there is one.
        if r.stop_reason.is_none() {
            self.total = r.items_total;
            self.total_known = true;
        } else {
            self.total = r.items_total.max(self.total);
        }
        self.counts_known = true;
        self.inserted = r.items_processed;
        self.already = r.items_already_imported;
        self.failed = r.items_failed;
        self.held = r.items_held;
        self.chunks = r.chunks_committed;
        self.fallbacks = r.fallbacks.len() as u64;
        self.transient_retries = r.transient_retries;
        self.committed_lines = r.items_total;
        for p in &r.phases {
            if let Some(i) = SETUP_PHASES.iter().position(|&x| x == p.name) {
                self.setup[i] = Some(Duration::from_secs_f64(p.seconds.max(0.0)));
            }
            if let Some(i) = PHASES.iter().position(|&x| x == p.name) {
                let ph = &mut self.phases[i];
                ph.done = p.items;
                ph.total = self.total;
                ph.elapsed = Duration::from_secs_f64(p.seconds.max(0.0));
                ph.statements = p.statements;
                ph.started = p.items > 0 || p.seconds > 0.0;
                ph.finished = true;
            }
        }
        if !self.live {
            let at = None;
            for f in &r.fallbacks {
                self.push(
                    at,
                    Level::Warn,
                    format!(
                        "chunk {} (lines {}–{}) fell back: {}",
                        f.chunk, f.first_line, f.last_line, f.cause
                    ),
                );
            }
            if self.reasons.is_empty() {
                for f in &r.failed_items {
                    self.count_failure(f.line, f.phase, &f.error);
                }
                let listed = r.failed_items.len() as u64;
                self.other_failures += r.items_failed.saturating_sub(listed);
            }
            if let Some(reason) = &r.stop_reason {
                self.push(at, Level::Warn, format!("stopped: {reason}"));
            }
        }
        self.report = Some(r.clone());
    }

    pub fn phase(&self, phase: Phase) -> &PhaseProgress {
        let i = PHASES.iter().position(|&p| p == phase).unwrap_or(0);
        &self.phases[i]
    }

    fn phase_mut(&mut self, phase: Phase) -> Option<&mut PhaseProgress> {
        PHASES
            .iter()
            .position(|&p| p == phase)
            .map(|i| &mut self.phases[i])
    }

    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    /// Lines fully handled so far: written, skipped as already imported, or failed.
    pub fn done(&self) -> u64 {
        if let Some(r) = &self.report {
            return r.items_total;
        }
        if let (false, Some((landed, failed))) = (self.counts_known, self.written) {
            return landed + failed;
        }
        match self.mode {
            Mode::Batch | Mode::Sequential => self.committed_lines,
            Mode::Retry => self.phase(Phase::Retry).done,
        }
    }

    /// Lines a write step has handled: in the batch write, or (for chunks that fell back) in
    /// the fallback, which does the insert and the update of its rows itself.
    pub fn step_done(&self, phase: Phase) -> u64 {
        let own = self.phase(phase).done;
        match phase {
            Phase::BatchInsert | Phase::InventoryUpdate => own + self.phase(Phase::Fallback).done,
            _ => own,
        }
    }

    /// Add one failed line to the summary by reason.
    fn count_failure(&mut self, line: u64, phase: Phase, error: &str) {
        let reason = reason_of(error);
        if let Some(r) = self
            .reasons
            .iter_mut()
            .find(|r| r.reason == reason && r.phase == phase)
        {
            r.count += 1;
            r.first_line = r.first_line.min(line);
            r.last_line = r.last_line.max(line);
        } else if self.reasons.len() < REASON_CAPACITY {
            self.reasons.push(ReasonCount {
                reason,
                phase,
                count: 1,
                first_line: line,
                last_line: line,
            });
        } else {
            self.other_failures += 1;
        }
    }

    pub fn elapsed(&self, now: Duration) -> Duration {
        if let Some(r) = &self.report {
            return Duration::from_secs_f64(r.processing_time_seconds.max(0.0));
        }
        self.finished_at
            .unwrap_or(now)
            .saturating_sub(self.started_at)
    }

    pub fn items_per_second(&self, now: Duration) -> f64 {
        if let Some(r) = &self.report {
            return r.items_per_second;
        }
        let s = self.elapsed(now).as_secs_f64();
        if s > 0.0 { self.done() as f64 / s } else { 0.0 }
    }

    /// Time left at the recent rate (the last few seconds' samples, else the average so far);
    /// `None` until there is a rate or once finished. A resumed run races through the lines
    /// that had landed, so its average would promise far too soon an end.
    pub fn eta(&self, now: Duration) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        let recent: Vec<u64> = self.throughput.iter().rev().take(5).copied().collect();
        let rate = if recent.len() >= 3 {
            recent.iter().sum::<u64>() as f64 / recent.len() as f64
        } else {
            self.items_per_second(now)
        };
        let left = self.total.saturating_sub(self.done());
        (rate > 0.0).then(|| Duration::from_secs_f64(left as f64 / rate))
    }

    pub fn push(&mut self, at: Option<Duration>, level: Level, text: String) {
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(LogLine { at, level, text });
    }

    fn log_now(&mut self, now: Duration, level: Level, text: String) {
        let at = now.saturating_sub(self.started_at);
        self.push(Some(at), level, text);
    }

    /// Take one sample a second of the lines done since the last one (for the sparkline).
    pub fn sample(&mut self, now: Duration) -> bool {
        if !self.live || self.is_finished() {
            return false;
        }
        let (at, done_then) = self.last_sample;
        let gap = now.saturating_sub(at);
        if gap < Duration::from_secs(1) {
            return false;
        }
        let done = self.done();
        let per_s = (done.saturating_sub(done_then) as f64 / gap.as_secs_f64()).round() as u64;
        if self.throughput.len() == SPARK_CAPACITY {
            self.throughput.pop_front();
        }
        self.throughput.push_back(per_s);
        self.last_sample = (now, done);
        true
    }

    /// Fold one engine event into the view.
    pub fn apply(&mut self, now: Duration, ev: &ProgressEvent) {
        match ev {
            ProgressEvent::RunStarted {
                run_id,
                source,
                import_key,
                mode,
                total_estimate,
            } => {
                self.run_id = Some(*run_id);
                self.started_at = now;
                self.last_sample = (now, 0);
                self.source = source.clone();
                self.import_key = import_key.clone();
                self.mode = *mode;
                self.total = *total_estimate;
                self.log_now(
                    now,
                    Level::Info,
                    format!(
                        "run {run_id} started: {mode}, about {}",
                        crate::format::plural(*total_estimate, "line", "lines")
                    ),
                );
            }
            ProgressEvent::PhaseStarted { phase } => {
                if let Some(p) = self.phase_mut(*phase) {
                    p.started = true;
                }
            }
            ProgressEvent::PhaseAdvanced {
                phase,
                done,
                total,
                elapsed,
                statements,
            } => {
                self.total = self.total.max(*total);
                if let Some(p) = self.phase_mut(*phase) {
                    p.started = true;
                    p.done = *done;
                    p.total = *total;
                    p.elapsed = *elapsed;
                    p.statements = *statements;
                }
            }
            ProgressEvent::PhaseFinished {
                phase,
                done,
                elapsed,
                statements,
            } => {
                if let Some(i) = SETUP_PHASES.iter().position(|x| x == phase) {
                    self.setup[i] = Some(*elapsed);
                }
                if let Some(p) = self.phase_mut(*phase) {
                    p.done = *done;
                    p.elapsed = *elapsed;
                    p.statements = *statements;
                    p.finished = true;
                }
            }
            ProgressEvent::ChunkCommitted {
                first_line,
                last_line,
                inserted,
                already,
                held,
                ..
            } => {
                self.chunks += 1;
                self.committed_lines += last_line.saturating_sub(*first_line) + 1;
                self.inserted += inserted;
                self.already += already;
                self.held += held;
            }
            ProgressEvent::Fallback {
                chunk,
                first_line,
                last_line,
                cause,
            } => {
                self.fallbacks += 1;
                self.log_now(
                    now,
                    Level::Warn,
                    format!("chunk {chunk} (lines {first_line}–{last_line}) fell back: {cause}"),
                );
            }
            ProgressEvent::TransientRetry { attempt, error } => {
                self.transient_retries += 1;
                self.log_now(
                    now,
                    Level::Warn,
                    format!("transient error, attempt {attempt}: {error}"),
                );
            }
            ProgressEvent::ItemFailed { line, phase, error } => {
                self.failed += 1;
                self.count_failure(*line, *phase, error);
            }
            ProgressEvent::ItemRetried {
                line, ok, error, ..
            } => {
                let text = match (ok, error) {
                    (true, _) => format!("line {line} retried: landed"),
                    (false, Some(e)) => format!("line {line} retried: failed again: {e}"),
                    (false, None) => format!("line {line} retried: failed again"),
                };
                self.log_now(now, if *ok { Level::Info } else { Level::Error }, text);
            }
            ProgressEvent::RunFinished(report) => {
                let (level, mut text) = finished(report);
                text.push_str(&format!(" in {}", seconds(report.processing_time_seconds)));
                if let Some(reason) = &report.stop_reason {
                    text.push_str(&format!(" ({reason})"));
                }
                self.log_now(now, level, text);
                self.finished_at = Some(now);
                self.cancelling = false;
                self.apply_report(report);
            }
        }
    }

    /// The job ended without a report (the file or the database could not be used).
    pub fn fail(&mut self, now: Duration, error: String) {
        self.log_now(now, Level::Error, error.clone());
        self.error = Some(error);
        self.status = RunStatus::Failed;
        self.finished_at = Some(now);
        self.cancelling = false;
    }
}

/// `run 8 finished: success`, `run 8 was cancelled`, `run 8 stopped: aborted`.
pub fn ended(run_id: i64, status: RunStatus) -> String {
    match status {
        RunStatus::Cancelled => format!("run {run_id} was cancelled"),
        RunStatus::Aborted => format!("run {run_id} was aborted"),
        RunStatus::Interrupted => format!("run {run_id} was interrupted"),
        RunStatus::Failed => format!("run {run_id} failed"),
        s => format!("run {run_id} finished {s}"),
    }
}

/// How a finished run reads in a line: its level and `run 8 finished success: 38 imported, …`.
pub fn finished(r: &RunReport) -> (Level, String) {
    let level = match r.status {
        RunStatus::Success => Level::Info,
        RunStatus::PartialSuccess | RunStatus::Cancelled => Level::Warn,
        _ => Level::Error,
    };
    (
        level,
        format!("{}: {}", ended(r.run_id, r.status), outcome_counts(r)),
    )
}

/// `38 imported, 0 already imported, 3 failed, 1 held`.
pub fn outcome_counts(r: &RunReport) -> String {
    format!(
        "{} imported, {} already imported, {} failed, {} held",
        count(r.items_processed),
        count(r.items_already_imported),
        count(r.items_failed),
        count(r.items_held)
    )
}

fn enabled(t: &RunTab, a: Action) -> bool {
    match a {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => t.view.as_ref().is_some_and(|v| !v.log.is_empty()),
        _ => true,
    }
}

fn badge(t: &RunTab, sh: &Shell) -> String {
    if sh.active.is_some() && t.job.is_some() {
        " ●".into()
    } else {
        String::new()
    }
}

fn on_action(t: &mut RunTab, sh: &Shell, a: Action) {
    let page = t.list_rows(sh);
    let Some(v) = &mut t.view else {
        return;
    };
    let max = v.log.len().saturating_sub(page);
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

/// What a run without a report wrote, counted in the database.
pub(crate) fn on_written(
    t: &mut RunTab,
    sh: &mut Shell,
    run_id: i64,
    result: Result<(u64, u64), String>,
) {
    match result {
        Ok(counts) => {
            if let Some(v) = &mut t.view
                && v.run_id == Some(run_id)
                && !v.counts_known
            {
                v.written = Some(counts);
            }
        }
        Err(e) => sh.say(
            Level::Error,
            format!("cannot count what run {run_id} wrote: {e}"),
        ),
    }
}

impl Page for RunTab {
    fn context(&self) -> Context {
        Context::Tab(Tab::Run)
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, _fx: &mut Vec<Effect>) {
        on_action(self, sh, a)
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        ctx != Context::Tab(Tab::Run) || enabled(self, a)
    }

    fn badge(&self, sh: &Shell) -> String {
        badge(self, sh)
    }

    fn render(&self, frame: &mut Frame, body: Rect, sh: &Shell, theme: &Theme) {
        crate::ui::run::render(frame, body, self, sh, theme)
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::run::list_area(body, self)
    }
}
